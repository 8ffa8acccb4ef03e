//! Tracing a leak back to the recipients whose variants it most likely came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::marks;
use crate::text::{Matcher, context, tokenize};
use crate::variants::{CONTEXT_WORDS, VariantMap};

/// Weight of one per-recipient id found in the leak (ids are random: one is near proof).
pub const ID_WEIGHT: f64 = 40.0;
/// Weight of a decoded invisible mark.
pub const MARK_WEIGHT: f64 = 24.0;

/// Why a recipient is suspected. Internal, like the variant maps it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// One of the recipient's own object ids is in the leak.
    Id { original: String, variant: String },
    /// A wording slot was found in the leak (by its surrounding words): `observed` are the
    /// group's phrases seen there, `chosen` the recipient's. Each slot adds log2(alternatives)
    /// to the score when the recipient's phrase is among those seen, and takes it away when not.
    Wording { source_id: String, property: String, group: String, chosen: String, observed: Vec<String>, matched: bool, weight: f64 },
    /// An invisible mark with the recipient's code decoded from the leak.
    Mark { code: u32 },
}

/// A recipient and how strongly the leak points at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    pub partner: String,
    /// The [`VariantMap::release`] of the recipient's best-matching map.
    pub release: Option<String>,
    /// Sum of the evidence weights (in bits, roughly: how unlikely the matches are by chance).
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

impl Suspect {
    /// Matched ids, wording slots (matched, mismatched) and marks.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for e in &self.evidence {
            match e {
                Evidence::Id { .. } => c.0 += 1,
                Evidence::Wording { matched: true, .. } => c.1 += 1,
                Evidence::Wording { matched: false, .. } => c.2 += 1,
                Evidence::Mark { .. } => c.3 += 1,
            }
        }
        c
    }
}

/// What a leak holds: its texts, the STIX ids in it, the marks in its texts.
struct Leak {
    texts: Vec<String>,
    ids: BTreeSet<String>,
    marks: Vec<u32>,
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn read_leak(input: &str) -> Leak {
    let texts = match serde_json::from_str::<Value>(input) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => {
            let mut t = Vec::new();
            collect_strings(&v, &mut t);
            t
        }
        _ => vec![input.to_owned()],
    };
    let mut ids = BTreeSet::new();
    let mut marks = Vec::new();
    for t in &texts {
        ids.extend(find_ids(t));
        marks.extend(marks::decode_all(t));
    }
    Leak { texts, ids, marks }
}

/// STIX identifiers (`type--uuid`) anywhere in a text, lowercased.
pub fn find_ids(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = text[i..].find("--") {
        let at = i + k;
        let u = at + 2;
        if u + 36 <= b.len() && is_uuid(&b[u..u + 36]) && (u + 36 == b.len() || !b[u + 36].is_ascii_alphanumeric()) {
            let mut s = at;
            while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'-') {
                s -= 1;
            }
            let ty = text[s..at].trim_start_matches('-');
            if !ty.is_empty() {
                out.push(format!("{}--{}", ty.to_ascii_lowercase(), text[u..u + 36].to_ascii_lowercase()));
            }
            i = u + 36;
        } else {
            i = at + 2;
        }
    }
    out
}

fn is_uuid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// A phrase found in the leak with the words around it.
struct Occurrence {
    phrase: String,
    left: Vec<String>,
    right: Vec<String>,
}

fn overlap(want: &[String], window: &[String]) -> usize {
    want.iter().filter(|w| window.contains(w)).count()
}

/// Ranks the recipients of `maps` by how likely `input` (a leaked text, or STIX JSON: an object,
/// a bundle, an envelope or a list) came from their variant, best first (ties by name). Every
/// recipient named in `maps` is listed, with the evidence of its best-matching map (when it
/// has maps of several releases, the one the leak most resembles).
pub fn trace(input: &str, maps: &[VariantMap]) -> Vec<Suspect> {
    let leak = read_leak(input);

    let phrases: BTreeSet<&str> = maps.iter().flat_map(|m| m.slots.iter()).flat_map(|s| s.alternatives.iter().map(String::as_str)).collect();
    let phrases: Vec<&str> = phrases.into_iter().collect();
    let matcher = Matcher::new(phrases.iter().copied());
    let mut occurrences: Vec<Occurrence> = Vec::new();
    for t in &leak.texts {
        let tokens = tokenize(t);
        let found = matcher.find(t, &tokens, false);
        let mut in_phrase = vec![false; tokens.len()];
        for f in &found {
            in_phrase[f.first..f.last].iter_mut().for_each(|b| *b = true);
        }
        for f in found {
            // One word more than recorded: tolerates a word inserted by a retyping.
            let (left, right) = context(&tokens, &in_phrase, f.first, f.last, CONTEXT_WORDS + 1);
            occurrences.push(Occurrence { phrase: phrases[f.phrase].to_owned(), left, right });
        }
    }
    let mut by_phrase: HashMap<&str, Vec<&Occurrence>> = HashMap::new();
    for o in &occurrences {
        by_phrase.entry(o.phrase.as_str()).or_default().push(o);
    }

    let mut suspects: BTreeMap<&str, Suspect> = BTreeMap::new();
    for m in maps {
        let mut one = Suspect { partner: m.partner.clone(), release: m.release.clone(), score: 0.0, evidence: Vec::new() };
        let s = &mut one;
        for (original, variant) in &m.ids {
            if leak.ids.contains(&variant.to_ascii_lowercase()) {
                s.score += ID_WEIGHT;
                s.evidence.push(Evidence::Id { original: original.clone(), variant: variant.clone() });
            }
        }
        if let Some(code) = m.mark
            && leak.marks.contains(&code)
        {
            s.score += MARK_WEIGHT;
            s.evidence.push(Evidence::Mark { code });
        }
        for slot in &m.slots {
            let need = (slot.left.len() + slot.right.len()).min(3);
            let mut best = 0;
            let mut observed: BTreeSet<&str> = BTreeSet::new();
            for alt in &slot.alternatives {
                for o in by_phrase.get(alt.as_str()).into_iter().flatten() {
                    let sim = overlap(&slot.left, &o.left) + overlap(&slot.right, &o.right);
                    if sim < need || sim < best {
                        continue;
                    }
                    if sim > best {
                        best = sim;
                        observed.clear();
                    }
                    observed.insert(alt.as_str());
                }
            }
            if observed.is_empty() {
                continue;
            }
            let weight = (slot.alternatives.len() as f64).log2();
            let matched = observed.contains(slot.chosen());
            s.score += if matched { weight } else { -weight };
            s.evidence.push(Evidence::Wording {
                source_id: slot.source_id.clone(),
                property: slot.property.clone(),
                group: slot.group.clone(),
                chosen: slot.chosen().to_owned(),
                observed: observed.into_iter().map(str::to_owned).collect(),
                matched,
                weight,
            });
        }
        // A recipient's best-matching release counts: the maps of its other releases share
        // boilerplate wording with the leak and would only add noise.
        match suspects.get(m.partner.as_str()) {
            Some(prev) if prev.score >= one.score => {}
            _ => {
                suspects.insert(m.partner.as_str(), one);
            }
        }
    }
    let mut out: Vec<Suspect> = suspects.into_values().collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.partner.cmp(&b.partner)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_in_text_and_json() {
        let t = "see indicator--0b9f3a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b, and x-foo--0B9F3A2E-1C4D-4E5F-8A9B-0C1D2E3F4A5B. not--0b9f3a2e";
        assert_eq!(find_ids(t), ["indicator--0b9f3a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "x-foo--0b9f3a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b"]);
    }
}
