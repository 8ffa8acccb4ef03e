use tearline_duty::*;

use crate::common::*;

const T0: &str = "2025-01-08T09:00:00Z";

fn run() -> Run {
    Run::open("c1", attrs("SYR", "Sayyida Zaynab shrine"), None, "alice", t(T0))
}

#[test]
fn victim_and_recipients_are_separate_and_recipients_proposed_from_the_map() {
    let r = run();
    assert_eq!(r.case.victim.as_ref().unwrap().name, "Sayyida Zaynab shrine");
    assert_eq!(r.case.recipients, [CaseRecipient::new("syria-gsd")]);
    assert_eq!(r.case.state, CaseState::Open);
    assert_eq!(r.case.author, "alice");
    assert!(!r.case.proposed);
    assert_eq!(r.case.urgency, "high");
    assert_eq!(r.case.deadlines.decide_by, t("2025-01-08T11:00:00Z"));
    assert_eq!(r.case.deadlines.deliver_by, t("2025-01-08T15:00:00Z"));
    // Stored as JSON and back.
    let s = serde_json::to_string(&r.case).unwrap();
    assert_eq!(serde_json::from_str::<Case>(&s).unwrap(), r.case);
    assert_eq!(serde_json::from_str::<Vec<TimelineEntry>>(&serde_json::to_string(&r.timeline).unwrap()).unwrap(), r.timeline);
}

#[test]
fn opening_without_a_duty_is_refused_but_a_proposal_is_kept() {
    let p = profile();
    let mut a = attrs("SYR", "x");
    a.credible = false;
    let new = NewCase { id: "c".into(), title: "t".into(), attributes: a.clone(), source_object_ids: vec![], recipients: None, proposed: false };
    let err = Case::create(new.clone(), &Ctx::new(0, "alice", &p)).unwrap_err();
    assert!(err.to_string().contains("not credible"), "{err}");
    let (c, _) = Case::create(NewCase { proposed: true, ..new }, &Ctx::new(0, "bot", &p)).unwrap();
    assert_eq!(c.state, CaseState::Proposed);
    // Confirm needs the duty: correct the attributes first.
    assert!(matches!(apply(&c, &Event::Confirm, &Ctx::new(1, "alice", &p)), Err(CaseError::NoDuty(_))));
    a.credible = true;
    let c = apply(&c, &Event::AttributesEdited { attributes: Box::new(a) }, &Ctx::new(2, "alice", &p)).unwrap();
    let c = apply(&c, &Event::Confirm, &Ctx::new(3, "alice", &p)).unwrap();
    assert_eq!(c.state, CaseState::Open);
    assert!(c.proposed);
}

#[test]
fn dismiss_only_a_proposal() {
    let mut r = run();
    assert!(matches!(r.try_ev(1, "bob", Event::Dismiss { reason: "dup".into() }), Err(CaseError::InvalidTransition { .. })));
    let p = profile();
    let (c, _) = Case::create(NewCase { id: "p".into(), title: "t".into(), attributes: attrs("SYR", "x"), source_object_ids: vec![], recipients: None, proposed: true }, &Ctx::new(0, "bot", &p)).unwrap();
    assert!(matches!(apply(&c, &Event::Dismiss { reason: " ".into() }, &Ctx::new(1, "a", &p)), Err(CaseError::Empty(_))));
    let c = apply(&c, &Event::Dismiss { reason: "old news".into() }, &Ctx::new(1, "a", &p)).unwrap();
    assert_eq!(c.state, CaseState::Dismissed);
    assert!(c.state.is_terminal());
    assert!(matches!(apply(&c, &Event::Confirm, &Ctx::new(2, "a", &p)), Err(CaseError::Terminal { .. })));
}

#[test]
fn warn_then_delivery_progress_to_acknowledged() {
    let mut r = run();
    r.ev(t("2025-01-08T09:30:00Z"), "alice", Event::RecipientsEdited { recipients: vec![CaseRecipient::with_flags("syria-gsd", not_recognised()), CaseRecipient::new("liaison-x")] });
    r.ev(t("2025-01-08T10:00:00Z"), "alice", warn("taxii"));
    assert_eq!(r.case.state, CaseState::DecidedWarn);
    r.ev(t("2025-01-08T10:10:00Z"), "officer", published("syria-gsd", "report--1"));
    assert_eq!(r.case.state, CaseState::DecidedWarn, "one of two recipients");
    assert!(r.case.deadlines.acknowledge_by.is_none());
    r.ev(t("2025-01-08T10:20:00Z"), "officer", published("liaison-x", "report--2"));
    assert_eq!(r.case.state, CaseState::Published);
    assert_eq!(r.case.deadlines.acknowledge_by, Some(t("2025-01-08T22:20:00Z")));
    // Removing a recipient already delivered to is refused.
    assert!(matches!(r.try_ev(1, "alice", Event::RecipientsEdited { recipients: vec![CaseRecipient::new("syria-gsd")] }), Err(CaseError::RemovesDelivered(p)) if p == "liaison-x"));
    assert!(matches!(r.try_ev(1, "x", Event::Retrieved { partner: "nobody".into() }), Err(CaseError::NotARecipient(_))));
    r.ev(t("2025-01-08T11:00:00Z"), "gsd-1", Event::Retrieved { partner: "syria-gsd".into() });
    r.ev(t("2025-01-08T11:05:00Z"), "lx", Event::Retrieved { partner: "liaison-x".into() });
    assert_eq!(r.case.state, CaseState::Retrieved);
    r.ev(t("2025-01-08T12:00:00Z"), "gsd-1", Event::Acknowledged { partner: "syria-gsd".into(), by: "gsd-1".into(), how: AckHow::Note });
    assert_eq!(r.case.state, CaseState::Retrieved);
    r.ev(t("2025-01-08T12:30:00Z"), "lx", Event::Opinion { partner: "liaison-x".into(), release_id: "report--2".into(), opinion: Opinion::Agree, comment: String::new() });
    assert_eq!(r.case.state, CaseState::Acknowledged);
    assert!(r.case.state.is_terminal());
    assert!(r.case.reviews.is_empty());
    // Outcome is recorded on the terminal case without leaving it.
    r.ev(t("2025-01-11T12:00:00Z"), "gsd-1", Event::Outcome { partner: "syria-gsd".into(), outcome: OutcomeKind::Foiled, note: String::new() });
    assert_eq!(r.case.state, CaseState::Acknowledged);
    assert_eq!(r.case.stage_label(), "outcome-reported");
    assert!(matches!(r.try_ev(1, "alice", warn("taxii")), Err(CaseError::Terminal { .. })));
}

#[test]
fn a_correction_keeps_the_earlier_release_and_first_publication_time() {
    let mut r = run();
    r.ev(1, "alice", warn("taxii"));
    r.ev(10, "o", published("syria-gsd", "report--1"));
    r.ev(20, "o", published("syria-gsd", "report--2"));
    let d = &r.case.deliveries["syria-gsd"];
    assert_eq!(d.release_id.as_deref(), Some("report--2"));
    assert_eq!(d.earlier_releases, ["report--1"]);
    assert_eq!(d.published_at, 10);
}

#[test]
fn warn_needs_recipients_and_a_channel() {
    let mut r = Run::open("c", attrs("ATA", "station"), None, "alice", 0);
    assert!(r.case.recipients.is_empty());
    assert_eq!(r.try_ev(1, "alice", warn("taxii")), Err(CaseError::NoRecipients));
    r.ev(2, "alice", Event::RecipientsEdited { recipients: vec![CaseRecipient::new("station-ops")] });
    assert_eq!(r.try_ev(3, "alice", warn(" ")), Err(CaseError::Empty("channel")));
    assert!(matches!(r.try_ev(3, "alice", Event::RecipientsEdited { recipients: vec![CaseRecipient::new("a"), CaseRecipient::new("a")] }), Err(CaseError::DuplicateRecipient(_))));
    r.ev(4, "alice", warn("direct-meeting"));
}

#[test]
fn waiver_only_on_the_closed_list_with_justification() {
    let mut r = run();
    let e = r.try_ev(1, "alice", waive("too-much-paperwork", "x")).unwrap_err();
    assert!(matches!(&e, CaseError::Waiver(WaiverError::UnknownGround { .. })));
    assert!(e.to_string().contains("no-reasonable-way-to-warn"), "{e}");
    assert!(!e.to_string().contains("recipient-is-hostile"), "forbidden grounds are not offered: {e}");
    assert_eq!(r.try_ev(1, "alice", waive("no-reasonable-way-to-warn", "  ")), Err(CaseError::Waiver(WaiverError::NoJustification)));
    r.ev(1, "alice", waive("no-reasonable-way-to-warn", "the area is cut off and no authority answers"));
    assert_eq!(r.case.state, CaseState::WaiverPending);
}

#[test]
fn hostile_recipient_and_implied_support_are_refused_with_the_reason() {
    let mut r = run();
    let e = r.try_ev(1, "alice", waive("recipient-is-hostile", "they are our adversary")).unwrap_err();
    assert!(matches!(&e, CaseError::Waiver(WaiverError::ForbiddenGround { .. })));
    assert!(e.to_string().contains("hostility of a recipient is not a waiver ground"), "{e}");
    let e = r.try_ev(1, "alice", waive("sharing-implies-support", "it would legitimise them")).unwrap_err();
    assert!(e.to_string().contains("implied support is not a waiver ground"), "{e}");
    assert_eq!(r.case.state, CaseState::Open);
}

#[test]
fn victim_based_grounds_are_checked_against_the_victim_never_the_recipient() {
    let mut r = run();
    // The recipient (protector) is designated and hostile: irrelevant to the victim's status.
    let flags = tearline_policy::RelationshipFlags { hostile: true, designated: true, ..Default::default() };
    r.ev(1, "alice", Event::RecipientsEdited { recipients: vec![CaseRecipient::with_flags("syria-gsd", flags)] });
    let e = r.try_ev(2, "alice", waive("victim-is-terrorist-or-criminal", "the authority is a listed group")).unwrap_err();
    assert!(matches!(&e, CaseError::Waiver(WaiverError::VictimNotDesignated { .. })), "{e}");
    assert!(e.to_string().contains("Designations of a recipient (the protector) never count"), "{e}");
    // The victim record itself carries the designation: accepted.
    let mut v = r.case.victim.clone().unwrap();
    v.designations = vec!["terrorist".into()];
    r.ev(3, "alice", Event::VictimEdited { victim: v });
    r.ev(4, "alice", waive("victim-is-terrorist-or-criminal", "the target is a commander of a listed group"));
    // No victim at all: refused.
    let mut a = attrs("SYR", "x");
    a.victim = None;
    let mut r = Run::open("c2", a, Some(vec![CaseRecipient::new("syria-gsd")]), "alice", 0);
    assert!(matches!(r.try_ev(1, "alice", waive("victim-already-aware", "they know")), Err(CaseError::Waiver(WaiverError::NoVictim { .. }))));
}

#[test]
fn sources_and_methods_waiver_needs_a_rejected_sanitised_draft() {
    let mut r = run();
    let g = "endangers-personnel-sources-methods";
    assert_eq!(r.try_ev(1, "alice", waive(g, "the only source would be exposed")), Err(CaseError::Waiver(WaiverError::NoSanitisedDraft)));
    let with = |reason: &str| Event::Decide {
        decision: Decision::Waive { ground: g.into(), justification: "the only source would be exposed".into(), sanitised_drafts: vec![RejectedDraft { draft: "preview:abc".into(), reason: reason.into() }] },
    };
    assert_eq!(r.try_ev(1, "alice", with("")), Err(CaseError::Waiver(WaiverError::DraftWithoutReason("preview:abc".into()))));
    r.ev(1, "alice", with("even the date alone identifies the meeting the source attended"));
    assert_eq!(r.case.waiver.as_ref().unwrap().sanitised_drafts.len(), 1);
}

#[test]
fn two_person_rule_on_waivers() {
    let mut r = run(); // author alice
    r.ev(1, "bob", waive("no-reasonable-way-to-warn", "no channel exists"));
    assert!(matches!(r.try_ev(2, "alice", Event::ApproveWaiver), Err(CaseError::TwoPersonRule(a)) if a == "alice"), "author cannot approve");
    assert!(matches!(r.try_ev(2, "bob", Event::ApproveWaiver), Err(CaseError::TwoPersonRule(_))), "proposer cannot approve");
    r.ev(3, "carol", Event::ApproveWaiver);
    assert_eq!(r.case.state, CaseState::Waived);
    let w = r.case.waiver.as_ref().unwrap();
    assert_eq!((w.proposed_by.as_str(), w.approved_by.as_deref(), w.review_queued), ("bob", Some("carol"), false));
    assert!(matches!(r.try_ev(4, "dave", Event::Outcome { partner: "syria-gsd".into(), outcome: OutcomeKind::Unknown, note: String::new() }), Err(CaseError::Terminal { .. })));
}

#[test]
fn refused_waiver_returns_to_open() {
    let mut r = run();
    r.ev(1, "alice", waive("no-reasonable-way-to-warn", "no channel exists"));
    assert!(matches!(r.try_ev(2, "alice", Event::RejectWaiver { reason: "x".into() }), Err(CaseError::TwoPersonRule(_))));
    r.ev(2, "carol", Event::RejectWaiver { reason: "a liaison channel exists".into() });
    assert_eq!(r.case.state, CaseState::Open);
    assert!(r.case.waiver.is_none());
    r.ev(3, "alice", warn("liaison"));
}

#[test]
fn break_glass_is_flagged_and_queued_for_review() {
    let mut r = run();
    r.ev(1, "alice", waive("no-reasonable-way-to-warn", "no channel exists"));
    assert_eq!(r.try_ev(2, "alice", Event::BreakGlass { justification: "".into() }), Err(CaseError::Empty("break-glass justification")));
    r.ev(2, "alice", Event::BreakGlass { justification: "night shift, second officer unreachable, window opens in 40 minutes".into() });
    assert_eq!(r.case.state, CaseState::Waived);
    let w = r.case.waiver.as_ref().unwrap();
    assert!(w.review_queued);
    assert!(w.break_glass.is_some());
    assert_eq!(w.approved_by.as_deref(), Some("alice"));
}

#[test]
fn disagreement_escalates_to_the_resolver_who_decides() {
    let mut r = run();
    r.ev(1, "alice", warn("taxii"));
    r.ev(2, "bob", Event::Disagreement { topic: DisagreementTopic::Channel, parties: vec!["alice".into(), "bob".into()], note: "must go in person".into() });
    assert_eq!(r.case.state, CaseState::Escalated);
    assert_eq!(r.case.escalations.last().unwrap().target, EscalationTarget::Resolver);
    assert_eq!(r.try_ev(3, "alice", warn("direct-meeting")), Err(CaseError::NotResolver));
    r.resolver(4, "chief", warn("direct-meeting")).unwrap();
    assert_eq!(r.case.state, CaseState::DecidedWarn);
    assert_eq!(r.case.decision.as_ref().unwrap().by, "chief");
    // No disagreement once published.
    r.ev(5, "o", published("syria-gsd", "report--1"));
    assert!(r.try_ev(6, "bob", Event::Disagreement { topic: DisagreementTopic::Warn, parties: vec!["bob".into()], note: "n".into() }).is_err());
}

#[test]
fn recipient_disagreement_opens_a_release_review_and_acknowledges() {
    let mut r = run();
    r.ev(1, "alice", warn("taxii"));
    r.ev(2, "o", published("syria-gsd", "report--1"));
    r.ev(3, "gsd-1", Event::Opinion { partner: "syria-gsd".into(), release_id: "report--1".into(), opinion: Opinion::StronglyDisagree, comment: "too general".into() });
    assert_eq!(r.case.reviews.len(), 1);
    assert_eq!(r.case.reviews[0].comment, "too general");
    assert_eq!(r.case.state, CaseState::Acknowledged);
    assert_eq!(r.case.deliveries["syria-gsd"].acknowledged_how, Some(AckHow::Opinion));
}

#[test]
fn manual_delivery_counts_as_delivered_and_read() {
    let mut r = run();
    r.ev(1, "alice", warn("direct-meeting"));
    let md = ManualDelivery { delivered_by: "station-chief".into(), to: "syria-gsd".into(), received_by: Some("deputy director".into()), at: 50, channel: "in-person".into(), release_id: Some("report--1".into()) };
    r.ev(60, "station-chief", Event::ManualDelivery { delivery: md.clone() });
    assert_eq!(r.case.state, CaseState::Retrieved);
    assert_eq!(r.case.deliveries["syria-gsd"].published_at, 50);
    assert_eq!(r.case.deliveries["syria-gsd"].manual, [md]);
}

#[test]
fn timeline_renders_as_text_lines() {
    let mut r = run();
    r.ev(t("2025-01-08T09:40:00Z"), "alice", warn("direct-meeting"));
    r.ev(t("2025-01-08T10:00:00Z"), "officer", published("syria-gsd", "report--1"));
    let lines = render_timeline(&r.timeline);
    assert_eq!(lines[0], "2025-01-08 09:00 UTC  alice  case opened");
    assert_eq!(lines[1], "2025-01-08 09:40 UTC  alice  decided: warn via direct-meeting");
    assert!(lines[2].starts_with("2025-01-08 10:00 UTC  officer  published report--1 (sha256:abab"), "{}", lines[2]);
    assert_eq!(apply(&r.case, &Event::Created { proposed: false }, &Ctx::new(0, "x", &r.profile)), Err(CaseError::Created));
}
