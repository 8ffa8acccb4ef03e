//! Tracing leaks back to recipients.

use serde_json::{Value, json};
use tearline_trace::{Evidence, Suspect, VariantMap, trace};

use crate::corpus::{CASES, PARTNERS};
use crate::variants::variants;

/// The free text of a variant (description, content), as a reader would copy it.
pub fn free_text(objects: &[Value]) -> String {
    let mut out = Vec::new();
    for o in objects {
        for p in ["description", "content"] {
            if let Some(t) = o.get(p).and_then(Value::as_str) {
                out.push(t.to_owned());
            }
        }
    }
    out.join("\n\n")
}

fn first(r: &[Suspect]) -> &str {
    &r[0].partner
}

fn maps(i: usize, marks: bool) -> (Vec<tearline_trace::Variant>, Vec<VariantMap>) {
    let vs = variants(i, marks).variants;
    let maps = vs.iter().map(|v| v.map.clone()).collect();
    (vs, maps)
}

#[test]
fn every_variant_traces_back_to_its_partner() {
    for i in 0..CASES.len() {
        let (vs, maps) = maps(i, true);
        for v in &vs {
            let leak = serde_json::to_string(&json!({"type":"bundle","id":"bundle--6f1f7c33-8f0e-4b5e-9b3a-2a0f1c9e4d10","objects":v.objects})).expect("json");
            let r = trace(&leak, &maps);
            assert_eq!(first(&r), v.partner, "case {i}");
            let (ids, words, wrong, marks) = r[0].counts();
            assert!(ids >= 3 && words >= 6 && wrong == 0 && marks >= 1, "case {i}: {:?}", r[0].counts());
            assert!(r[0].score > r[1].score + 100.0);
            // One object alone is enough.
            let one = v.objects.iter().find(|o| o["type"] == "campaign").expect("campaign");
            assert_eq!(first(&trace(&one.to_string(), &maps)), v.partner);
        }
    }
}

#[test]
fn wording_alone_traces_each_variant() {
    // Plain text, no ids, no marks.
    for i in 0..CASES.len() {
        let (vs, maps) = maps(i, false);
        for v in &vs {
            let r = trace(&free_text(&v.objects), &maps);
            assert_eq!(first(&r), v.partner, "case {i}");
            assert!(r[0].score > r[1].score, "case {i}: tie");
            assert!(r[0].evidence.iter().all(|e| matches!(e, Evidence::Wording { matched: true, .. })));
        }
    }
}

#[test]
fn a_mix_of_two_variants_names_both() {
    let mut checked = 0;
    for i in 0..CASES.len() {
        let (vs, maps) = maps(i, false);
        for a in 0..vs.len() {
            let b = (a + 1 + i) % vs.len();
            if a == b {
                continue;
            }
            // Text of both, ids of neither.
            let text = format!("{}\n\n{}", free_text(&vs[a].objects), free_text(&vs[b].objects));
            let r = trace(&text, &maps);
            let top: Vec<&str> = r[..2].iter().map(|s| s.partner.as_str()).collect();
            assert!(top.contains(&vs[a].partner.as_str()) && top.contains(&vs[b].partner.as_str()), "case {i}: {top:?}");
            // Objects of both: some from one, the rest from the other.
            let mut objs: Vec<&Value> = vs[a].objects.iter().take(4).collect();
            objs.extend(vs[b].objects.iter().skip(4));
            let r = trace(&serde_json::to_string(&objs).expect("json"), &maps);
            let top: Vec<&str> = r[..2].iter().map(|s| s.partner.as_str()).collect();
            assert!(top.contains(&vs[a].partner.as_str()) && top.contains(&vs[b].partner.as_str()), "case {i}: {top:?}");
            checked += 1;
        }
    }
    assert!(checked >= 60);
}

/// Retypes a text: no ids, no invisible characters, different line breaks and spacing, some
/// unrelated words changed, one sentence dropped; the slot phrases survive.
fn paraphrase(text: &str, seed: usize) -> String {
    let keep: Vec<String> = tearline_trace::PhraseTable::default().groups().iter().flat_map(|g| g.phrases.iter().flat_map(|p| p.split(' ').map(str::to_owned))).collect();
    let swaps = [("attack", "assault"), ("near", "close to"), ("security", "protection"), ("the", "this"), ("at", "by"), ("and", "&"), ("of", "from")];
    let clean: String = text.chars().filter(|c| !matches!(c, '\u{2060}' | '\u{200b}' | '\u{200c}')).collect();
    let mut sentences: Vec<&str> = clean.split(". ").collect();
    if sentences.len() > 3 {
        sentences.remove(seed % sentences.len());
    }
    let mut out = String::new();
    let mut n = seed;
    for (si, s) in sentences.iter().enumerate() {
        for w in s.split_whitespace() {
            n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut word = w.to_owned();
            if !keep.contains(&w.to_lowercase()) && (n >> 33).is_multiple_of(4) {
                if let Some((_, to)) = swaps.iter().find(|(f, _)| *f == w) {
                    word = (*to).to_owned();
                } else if (n >> 40).is_multiple_of(3) && w.chars().all(char::is_lowercase) {
                    word = format!("{w}s");
                }
            }
            out.push_str(&word);
            out.push(if (n >> 50).is_multiple_of(9) { '\n' } else { ' ' });
        }
        if si + 1 < sentences.len() {
            out.push_str(".  ");
        }
    }
    out
}

#[test]
fn a_paraphrase_without_ids_still_ranks_the_partner_first() {
    let mut margins = Vec::new();
    for i in 0..CASES.len() {
        let (vs, maps) = maps(i, true);
        for (k, v) in vs.iter().enumerate() {
            let leak = paraphrase(&free_text(&v.objects), i * 31 + k);
            assert!(!leak.contains("--") && !leak.contains('\u{200b}'));
            let r = trace(&leak, &maps);
            assert_eq!(first(&r), v.partner, "case {i}: {leak}\n{:#?}", &r[..2]);
            margins.push(r[0].score - r[1].score);
        }
    }
    margins.sort_by(f64::total_cmp);
    eprintln!("paraphrase margin (bits): min {:.1}, median {:.1}", margins[0], margins[margins.len() / 2]);
}

#[test]
fn maps_of_every_release_together() {
    // The server holds the maps of many releases; a leak of one case still points at the
    // partner who received it.
    let all: Vec<(usize, Vec<tearline_trace::Variant>)> = (0..CASES.len()).map(|i| (i, variants(i, false).variants)).collect();
    let maps: Vec<VariantMap> = all.iter().flat_map(|(_, vs)| vs.iter().map(|v| v.map.clone())).collect();
    for (i, vs) in &all {
        for v in vs {
            let r = trace(&serde_json::to_string(&v.objects).expect("json"), &maps);
            assert_eq!(first(&r), v.partner, "case {i}");
            let r = trace(&free_text(&v.objects), &maps);
            assert_eq!(first(&r), v.partner, "case {i}, wording only");
        }
    }
}

#[test]
fn an_unrelated_text_implicates_no_one() {
    let (_, maps) = maps(0, true);
    let r = trace("The weather in Damascus is assessed to be mild this week.", &maps);
    assert_eq!(r.len(), PARTNERS.len());
    assert!(r.iter().all(|s| s.score.abs() < 3.0), "{r:#?}");
}
