use tearline_duty::*;
use tearline_osint::{Extractor, parse_article};

use crate::common::*;

fn extract(text: &str, published: &str) -> tearline_osint::Extraction {
    let art = parse_article(text, Some(&format!("outlet = \"Test Wire\"\npublished = \"{published}\""))).unwrap();
    Extractor::default().extract(&art)
}

#[test]
fn a_planned_attack_with_target_and_window_becomes_a_proposed_case() {
    let x = extract("Islamic State militants are plotting a bomb attack on the Sayyida Zaynab shrine on January 11, officials warned.", "2025-01-06");
    let ex = Extractor::default();
    let p = profile();
    let new = propose_from_extraction(&x, &ex.gazetteer, &p).unwrap_or_else(|| panic!("no proposal: {:?}", x.event));
    assert!(new.proposed);
    let a = &new.attributes;
    assert_eq!(a.harm_type, "intentional-killing");
    assert!(!a.credible, "an analyst assesses credibility");
    assert!(a.impending);
    assert_eq!(a.window_start, Some(t("2025-01-11T00:00:00Z")));
    assert_eq!(a.window_end, Some(t("2025-01-12T00:00:00Z")));
    let v = a.victim.as_ref().unwrap();
    assert_eq!((v.kind, v.country.as_deref()), (VictimKind::Place, Some("SYR")));
    assert!(a.specificity.get("where").unwrap().contains("Sayyida Zaynab"));
    assert_eq!(a.urgency.as_deref(), Some("high"), "window starts within a week");
    assert_eq!(new.source_object_ids, [tearline_osint::stix::report_id(&x.article_id)]);
    // It becomes a proposed case with recipients from the jurisdiction map.
    let (c, entry) = Case::create(new.clone(), &Ctx::new(0, "osint-bot", &p)).unwrap();
    assert_eq!(c.state, CaseState::Proposed);
    assert_eq!(c.recipients, [CaseRecipient::new("syria-gsd")]);
    assert_eq!(entry.event, Event::Created { proposed: true });
    // Deterministic id.
    assert_eq!(propose_from_extraction(&x, &ex.gazetteer, &p).unwrap().id, new.id);
}

#[test]
fn foiled_or_past_or_unplaced_events_propose_nothing() {
    let ex = Extractor::default();
    let p = profile();
    for (text, published) in [
        // Already foiled: no threat ahead.
        ("Syrian security forces foiled a bomb plot against the Sayyida Zaynab shrine on January 11.", "2025-01-25"),
        // An attack that happened.
        ("Two suicide bombers blew themselves up near a memorial in Kerman on January 3, killing dozens.", "2024-01-04"),
        // No threat at all.
        ("The shrine reopened to visitors after renovation works, the ministry said.", "2025-01-06"),
    ] {
        let x = extract(text, published);
        assert!(propose_from_extraction(&x, &ex.gazetteer, &p).is_none(), "{text}: {:?}", x.event);
    }
}
