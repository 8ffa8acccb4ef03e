//! The three public cases of the reference, replayed on the pure model.

use tearline_duty::*;

use crate::common::*;

/// Sayyida Zaynab shrine, Damascus, January 2025: warning to authorities the producer does not
/// recognise, delivered in direct meetings; acknowledged; plot foiled on 11 January.
#[test]
fn sayyida_zaynab_2025() {
    let mut a = attrs("SYR", "Sayyida Zaynab shrine");
    a.urgency = Some("critical".into());
    let mut r = Run::open("sz", a, None, "analyst-a", t("2025-01-08T06:00:00Z"));
    assert_eq!(r.case.recipients, [CaseRecipient::new("syria-gsd")], "proposed from the jurisdiction map");
    r.ev(t("2025-01-08T06:05:00Z"), "analyst-a", Event::RecipientsEdited { recipients: vec![CaseRecipient::with_flags("syria-gsd", not_recognised())] });
    r.ev(t("2025-01-08T06:20:00Z"), "analyst-a", warn("direct-meeting"));
    r.ev(t("2025-01-08T06:40:00Z"), "officer-b", published("syria-gsd", "report--sz-1"));
    let doc = render_warning(&WarningInput {
        case: &r.case,
        recipient: r.case.recipient("syria-gsd").unwrap(),
        release_id: "report--sz-1",
        content_hash: "sha256:00",
        issuer: "Example Service",
        issued: t("2025-01-08T06:40:00Z"),
        profile: &r.profile,
    });
    assert!(doc.text.contains(&r.profile.no_endorsement), "not recognised: no-endorsement statement");
    let md = ManualDelivery { delivered_by: "liaison-c".into(), to: "syria-gsd".into(), received_by: None, at: t("2025-01-08T06:55:00Z"), channel: "direct-meeting".into(), release_id: Some("report--sz-1".into()) };
    r.ev(t("2025-01-08T07:00:00Z"), "liaison-c", Event::ManualDelivery { delivery: md });
    assert_eq!(r.case.state, CaseState::Retrieved);
    r.ev(t("2025-01-08T07:30:00Z"), "liaison-c", Event::Acknowledged { partner: "syria-gsd".into(), by: "gsd duty officer".into(), how: AckHow::InPerson });
    assert_eq!(r.case.state, CaseState::Acknowledged);
    r.ev(t("2025-01-11T18:00:00Z"), "liaison-c", Event::Outcome { partner: "syria-gsd".into(), outcome: OutcomeKind::Foiled, note: "plot foiled, cell arrested".into() });
    assert_eq!(r.case.state, CaseState::Acknowledged);
    assert_eq!(r.case.stage_label(), "outcome-reported");
    let p = r.profile.clone();
    assert!(due(std::slice::from_ref(&r.case), t("2025-02-01T00:00:00Z"), &p).is_empty());
    let m = metrics([r.timeline.as_slice()]);
    assert_eq!(m.partners["syria-gsd"].outcomes[&OutcomeKind::Foiled], 1);
    assert_eq!(m.partners["syria-gsd"].time_to_acknowledge.samples, [50 * 60]);
    assert!(public_advisory(&r.case, &p, &AdvisoryOptions { publisher_identity: "identity--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into(), created: 0 }).is_none());
}

/// Crocus City Hall, Moscow, March 2024: warning to a hostile service, service to service, plus
/// a public advisory because own citizens were at risk; the recipient called it "too general";
/// the attack occurred.
#[test]
fn crocus_city_hall_2024() {
    let mut a = attrs("RUS", "Crocus City Hall");
    a.own_citizens_at_risk = true;
    a.window_start = Some(t("2024-03-07T00:00:00Z"));
    a.window_end = Some(t("2024-03-09T00:00:00Z"));
    let mut r = Run::open("crocus", a, Some(vec![CaseRecipient::with_flags("russia-fsb", hostile())]), "analyst-a", t("2024-03-07T06:00:00Z"));
    assert!(r.case.public_advisory_required);
    let p = r.profile.clone();
    // Hostility is no ground to skip the warning.
    assert!(matches!(r.try_ev(t("2024-03-07T06:30:00Z"), "analyst-a", waive("recipient-is-hostile", "adversary service")), Err(CaseError::Waiver(WaiverError::ForbiddenGround { .. }))));
    r.ev(t("2024-03-07T07:00:00Z"), "analyst-a", warn("service-to-service"));
    r.ev(t("2024-03-07T08:00:00Z"), "officer-b", published("russia-fsb", "report--cr-1"));
    let adv = public_advisory(&r.case, &p, &AdvisoryOptions { publisher_identity: "identity--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into(), created: t("2024-03-07T08:00:00Z") }).unwrap();
    assert_eq!(adv.objects[0]["object_marking_refs"][0], "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    assert!(adv.text.contains("Crocus City Hall"));
    r.ev(t("2024-03-07T09:00:00Z"), "fsb-1", Event::Retrieved { partner: "russia-fsb".into() });
    r.ev(t("2024-03-07T12:00:00Z"), "fsb-1", Event::Opinion { partner: "russia-fsb".into(), release_id: "report--cr-1".into(), opinion: Opinion::Disagree, comment: "too general".into() });
    assert_eq!(r.case.reviews.len(), 1, "disagreement opens a release review");
    assert_eq!(r.case.reviews[0].release_id, "report--cr-1");
    assert_eq!(r.case.state, CaseState::Acknowledged);
    r.ev(t("2024-03-22T20:00:00Z"), "analyst-a", Event::Outcome { partner: "russia-fsb".into(), outcome: OutcomeKind::AttackOccurred, note: "attack on 22 March".into() });
    assert_eq!(r.case.state, CaseState::Acknowledged);
    let lines = render_timeline(&r.timeline);
    assert!(lines.iter().any(|l| l.contains("opinion on report--cr-1: disagree: too general")), "{lines:#?}");
    assert_eq!(metrics([r.timeline.as_slice()]).partners["russia-fsb"].outcomes[&OutcomeKind::AttackOccurred], 1);
}

/// Kerman, Iran, January 2024: private warning to a government with no diplomatic relations;
/// no acknowledgement by the deadline, so the case escalates out of band; a waiver on
/// "recipient is hostile" is refused.
#[test]
fn kerman_2024() {
    let mut a = attrs("IRN", "Soleimani memorial ceremony, Kerman");
    a.window_start = Some(t("2024-01-03T00:00:00Z"));
    a.window_end = Some(t("2024-01-04T00:00:00Z"));
    let flags = tearline_policy::RelationshipFlags { hostile: true, no_relations: true, ..Default::default() };
    let mut r = Run::open("kerman", a, None, "analyst-a", t("2024-01-01T08:00:00Z"));
    assert_eq!(r.case.recipients, [CaseRecipient::new("iran-mois")]);
    r.ev(t("2024-01-01T08:10:00Z"), "analyst-a", Event::RecipientsEdited { recipients: vec![CaseRecipient::with_flags("iran-mois", flags)] });
    let e = r.try_ev(t("2024-01-01T08:20:00Z"), "analyst-b", waive("recipient-is-hostile", "no relations, hostile government")).unwrap_err();
    assert!(e.to_string().contains("not a waiver ground"), "{e}");
    r.ev(t("2024-01-01T09:00:00Z"), "analyst-a", warn("intermediary-free direct notice"));
    r.ev(t("2024-01-01T10:00:00Z"), "officer-b", published("iran-mois", "report--ke-1"));
    let p = r.profile.clone();
    let mut cases = vec![r.case.clone()];
    let mut now = t("2024-01-01T10:00:00Z");
    let mut raised = Vec::new();
    while now < t("2024-01-02T00:00:00Z") {
        raised.extend(tick(&mut cases, now, "scheduler", &p));
        now += 5 * MICROS_PER_MINUTE;
    }
    let kinds: Vec<(Stage, AlertKind)> = raised.iter().map(|d| (d.stage, d.kind)).collect();
    assert_eq!(kinds, [(Stage::Acknowledge, AlertKind::Nearing), (Stage::Acknowledge, AlertKind::Missed)]);
    assert_eq!(raised[1].out_of_band, ["iran-mois"]);
    assert_eq!(cases[0].state, CaseState::NoAckOutOfBand);
    assert!(cases[0].state.is_terminal());
    // The out-of-band attempt and the eventual outcome are still recorded.
    let ctx = Ctx::new(t("2024-01-04T12:00:00Z"), "analyst-a", &p);
    let c = apply(&cases[0], &Event::Outcome { partner: "iran-mois".into(), outcome: OutcomeKind::AttackOccurred, note: String::new() }, &ctx).unwrap();
    assert_eq!(c.state, CaseState::NoAckOutOfBand);
    assert!(apply(&c, &warn("again"), &ctx).is_err());
}
