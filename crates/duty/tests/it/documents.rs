use tearline_duty::document::{FACTS_BEGIN, FACTS_END};
use tearline_duty::*;

use crate::common::*;

fn case(recipient: CaseRecipient) -> Run {
    let mut a = attrs("RUS", "Crocus City Hall");
    a.specificity.where_ = Some("concert hall, Krasnogorsk, Moscow region <\"A&B\">".into());
    a.specificity.when = Some("a large concert".into());
    a.own_citizens_at_risk = true;
    Run::open("crocus", a, Some(vec![recipient]), "alice", t("2024-03-07T08:00:00Z"))
}

fn render(r: &Run, rec: &CaseRecipient) -> WarningDocument {
    render_warning(&WarningInput {
        case: &r.case,
        recipient: rec,
        release_id: "report--5a1d3b9e-1c2f-4e8a-9b7d-0f6e5d4c3b2a",
        content_hash: "sha256:0123abcd",
        issuer: "Example Service <ES>",
        issued: t("2024-03-07T10:00:00Z"),
        profile: &r.profile,
    })
}

#[test]
fn warning_text_has_the_operative_facts_block_reference_and_ack() {
    let rec = CaseRecipient::with_flags("russia-fsb", hostile());
    let r = case(rec.clone());
    let d = render(&r, &rec);
    assert_eq!(d, render(&r, &rec), "deterministic");
    let text = &d.text;
    let begin = text.find(FACTS_BEGIN).unwrap();
    let end = text.find(FACTS_END).unwrap();
    let block = &text[begin..end];
    for needle in ["Threat: Intentional killing", "What: bomb attack", "Target: Crocus City Hall", "Where: concert hall, Krasnogorsk", "When: 2025-01-10 to 2025-01-11 (a large concert)", "How: explosives carried by a person"] {
        assert!(block.contains(needle), "{needle} not in\n{block}");
    }
    assert!(!block.contains("a local cell"), "who stays out of the facts block");
    assert!(text.contains(tearline_policy::ids::NO_ENDORSEMENT_TEXT));
    assert!(text.contains("Reference: release report--5a1d3b9e-1c2f-4e8a-9b7d-0f6e5d4c3b2a\nContent hash: sha256:0123abcd\n"));
    assert!(text.contains("Acknowledge by: 2024-03-07 22:00 UTC"), "{text}");
    assert!(text.contains("object_refs include report--5a1d3b9e"));
    let expected_head = "DUTY TO WARN: THREAT TO LIFE\n\nFrom: Example Service <ES>\nTo: russia-fsb\nIssued: 2024-03-07 10:00 UTC\nUrgency: High: attack expected within days\n\n=== OPERATIVE FACTS ===\nThreat: Intentional killing\n";
    assert!(text.starts_with(expected_head), "{text}");
}

#[test]
fn no_endorsement_only_for_hostile_or_unrecognised() {
    for (flags, expect) in [(Default::default(), false), (hostile(), true), (not_recognised(), true)] {
        let rec = CaseRecipient::with_flags("p", flags);
        let r = case(rec.clone());
        let d = render(&r, &rec);
        assert_eq!(d.text.contains(&r.profile.no_endorsement), expect);
        assert_eq!(d.html.contains("class=\"no-endorsement\""), expect);
    }
}

#[test]
fn html_escapes_everything() {
    let rec = CaseRecipient::with_flags("<script>alert(1)</script>", not_recognised());
    let mut r = case(rec.clone());
    r.case.victim.as_mut().unwrap().name = "Hall \"A\" & <b>B</b>".into();
    let d = render(&r, &rec);
    assert!(!d.html.contains("<script>"));
    assert!(d.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(d.html.contains("Hall &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;"));
    assert!(d.html.contains("&lt;&quot;A&amp;B&quot;&gt;"));
    assert!(d.html.contains("Example Service &lt;ES&gt;"));
    assert!(d.html.contains("<section class=\"operative-facts\" translate=\"yes\">"));
    assert!(d.html.contains("<p class=\"reference\" translate=\"no\">"));
    // The only tags are the template's.
    let tags: std::collections::BTreeSet<&str> = d.html.split('<').skip(1).map(|s| s.split([' ', '>']).next().unwrap()).collect();
    let allowed = ["!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "body", "/body", "h1", "/h1", "h2", "/h2", "dl", "/dl", "dt", "/dt", "dd", "/dd", "section", "/section", "p", "/p", "code", "/code", "br"];
    for tag in tags {
        assert!(allowed.contains(&tag), "unexpected tag {tag}");
    }
}

#[test]
fn public_advisory_when_own_citizens_at_risk() {
    let rec = CaseRecipient::with_flags("russia-fsb", hostile());
    let r = case(rec);
    let opts = AdvisoryOptions { publisher_identity: "identity--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into(), created: t("2024-03-07T12:00:00Z") };
    let a = public_advisory(&r.case, &r.profile, &opts).unwrap();
    assert_eq!(a, public_advisory(&r.case, &r.profile, &opts).unwrap(), "deterministic");
    let rep = &a.objects[0];
    assert_eq!(rep["type"], "report");
    assert_eq!(rep["object_marking_refs"], serde_json::json!(["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]));
    assert_eq!(a.objects[1]["id"], "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    for o in &a.objects {
        let v = tearline_stix::validate::validate_object(o);
        assert!(v.is_valid(), "{o}: {v:?}");
    }
    assert!(a.text.contains("Where: concert hall, Krasnogorsk"));
    assert!(a.text.contains("When: 2025-01-10 to 2025-01-11"));
    // Nothing source-revealing: no who, no source ids, no release ids.
    let all = serde_json::to_string(&a.objects).unwrap();
    assert!(!all.contains("local cell"));
    assert!(!all.contains("indicator--"));
    assert!(a.lint_codes.iter().all(|c| !c.starts_with("TL-MODALITY")), "{:?}", a.lint_codes);
    // Not at risk: no advisory.
    let mut r2 = case(CaseRecipient::new("x"));
    r2.case.public_advisory_required = false;
    assert!(public_advisory(&r2.case, &r2.profile, &opts).is_none());
}

#[test]
fn advisory_lints_flag_collection_wording() {
    let mut r = case(CaseRecipient::new("x"));
    r.case.attributes.specificity.how = Some("as intercepted in a call between two members".into());
    let opts = AdvisoryOptions { publisher_identity: "identity--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into(), created: 0 };
    let a = public_advisory(&r.case, &r.profile, &opts).unwrap();
    assert!(a.lint_codes.iter().any(|c| c == "TL-MODALITY"), "{:?}", a.lint_codes);
}

#[test]
fn metrics_per_partner_from_timelines() {
    let h = MICROS_PER_HOUR;
    let mut a = Run::open("a", attrs("SYR", "s"), Some(vec![CaseRecipient::new("p1"), CaseRecipient::new("p2")]), "alice", 0);
    a.ev(h, "alice", warn("taxii"));
    a.ev(2 * h, "o", published("p1", "r1"));
    a.ev(3 * h, "o", published("p2", "r2"));
    a.ev(5 * h, "p1", Event::Acknowledged { partner: "p1".into(), by: "m".into(), how: AckHow::Note });
    a.ev(9 * h, "p1", Event::Outcome { partner: "p1".into(), outcome: OutcomeKind::Foiled, note: String::new() });
    let mut b = Run::open("b", attrs("SYR", "s"), Some(vec![CaseRecipient::new("p1")]), "alice", 100 * h);
    b.ev(103 * h, "alice", warn("taxii"));
    b.ev(104 * h, "o", published("p1", "r3"));
    b.ev(105 * h, "p1", Event::Outcome { partner: "p1".into(), outcome: OutcomeKind::AttackOccurred, note: String::new() });
    let mut c = Run::open("c", attrs("SYR", "s"), None, "alice", 0);
    c.ev(h / 2, "alice", waive("no-reasonable-way-to-warn", "none"));
    c.ev(h, "bob", Event::ApproveWaiver);
    let m = metrics([a.timeline.as_slice(), b.timeline.as_slice(), c.timeline.as_slice()]);
    assert_eq!(m.cases, 3);
    assert_eq!(m.waived, 1);
    assert_eq!(m.time_to_decide.samples, [3600, 3 * 3600, 1800]);
    let p1 = &m.partners["p1"];
    assert_eq!(p1.warnings, 2);
    assert_eq!(p1.time_to_deliver.samples, [2 * 3600, 4 * 3600]);
    assert_eq!(p1.time_to_acknowledge.samples, [3 * 3600]);
    assert_eq!(p1.unacknowledged, 1);
    assert_eq!(p1.outcomes[&OutcomeKind::Foiled], 1);
    assert_eq!(p1.outcomes[&OutcomeKind::AttackOccurred], 1);
    assert_eq!(p1.time_to_deliver.median(), Some(2 * 3600));
    assert_eq!(p1.time_to_deliver.mean(), Some(3 * 3600));
    let p2 = &m.partners["p2"];
    assert_eq!((p2.warnings, p2.unacknowledged), (1, 1));
    assert_eq!(m.overall.warnings, 3);
    let s = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<Metrics>(&s).unwrap(), m);
}
