use tearline_duty::*;

use crate::common::*;

#[test]
fn due_reports_each_alert_once_and_tick_records_it() {
    // high: decide 2h, deliver 6h, acknowledge 12h; lead 15 min.
    let r = Run::open("c1", attrs("SYR", "shrine"), None, "alice", t("2025-01-08T09:00:00Z"));
    let p = r.profile.clone();
    let mut cases = vec![r.case];
    assert!(due(&cases, t("2025-01-08T10:44:00Z"), &p).is_empty());
    let d = due(&cases, t("2025-01-08T10:45:00Z"), &p);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].stage, d[0].kind), (Stage::Decide, AlertKind::Nearing));
    assert_eq!(due(&cases, t("2025-01-08T10:45:00Z"), &p), d, "pure: nothing recorded yet");
    let raised = tick(&mut cases, t("2025-01-08T10:45:00Z"), "scheduler", &p);
    assert_eq!(raised, d);
    assert!(due(&cases, t("2025-01-08T10:50:00Z"), &p).is_empty(), "raised once");
    // Missed decision: escalates to the resolver.
    let raised = tick(&mut cases, t("2025-01-08T11:00:00Z"), "scheduler", &p);
    assert_eq!(raised.len(), 1);
    assert_eq!((raised[0].stage, raised[0].kind), (Stage::Decide, AlertKind::Missed));
    assert_eq!(cases[0].state, CaseState::Escalated);
    assert!(tick(&mut cases, t("2025-01-08T11:01:00Z"), "scheduler", &p).is_empty());
    // Far later: deliver missed (nearing skipped once passed).
    let raised = tick(&mut cases, t("2025-01-08T16:00:00Z"), "scheduler", &p);
    assert_eq!(raised.iter().map(|d| (d.stage, d.kind)).collect::<Vec<_>>(), [(Stage::Deliver, AlertKind::Missed)]);
}

#[test]
fn missed_acknowledgement_escalates_out_of_band_and_is_terminal() {
    let mut r = Run::open("c1", attrs("IRN", "cemetery"), Some(vec![CaseRecipient::with_flags("iran-mois", hostile())]), "alice", t("2025-01-01T00:00:00Z"));
    r.ev(t("2025-01-01T01:00:00Z"), "alice", warn("taxii"));
    r.ev(t("2025-01-01T02:00:00Z"), "o", published("iran-mois", "report--1"));
    assert_eq!(r.case.deadlines.acknowledge_by, Some(t("2025-01-01T14:00:00Z")));
    let p = r.profile.clone();
    // Not yet due: applying the event early is refused.
    assert!(matches!(apply(&r.case, &Event::DeadlineMissed { stage: Stage::Acknowledge }, &Ctx::new(t("2025-01-01T13:00:00Z"), "s", &p)), Err(CaseError::NotDue { .. })));
    let mut cases = vec![r.case];
    let d = tick(&mut cases, t("2025-01-01T14:00:00Z"), "scheduler", &p);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].stage, d[0].kind), (Stage::Acknowledge, AlertKind::Missed));
    assert_eq!(d[0].out_of_band, ["iran-mois"]);
    assert_eq!(cases[0].state, CaseState::NoAckOutOfBand);
    assert!(cases[0].state.is_terminal());
    assert_eq!(cases[0].escalations.last().unwrap().target, EscalationTarget::OutOfBand { partners: vec!["iran-mois".into()] });
    assert!(due(&cases, t("2025-02-01T00:00:00Z"), &p).is_empty(), "terminal cases raise nothing");
    // Applying the same alert again is refused (so the timeline holds it once).
    assert!(apply(&cases[0], &Event::DeadlineMissed { stage: Stage::Acknowledge }, &Ctx::new(t("2025-01-01T15:00:00Z"), "s", &p)).is_err());
}

#[test]
fn stages_already_complete_raise_nothing() {
    let mut r = Run::open("c1", attrs("SYR", "shrine"), None, "alice", 0);
    r.ev(1, "alice", warn("taxii"));
    let p = r.profile.clone();
    let d = due(std::slice::from_ref(&r.case), 100 * MICROS_PER_HOUR, &p);
    assert_eq!(d.iter().map(|d| d.stage).collect::<Vec<_>>(), [Stage::Deliver], "decision taken; deliver pending");
    assert_eq!(apply(&r.case, &Event::DeadlineMissed { stage: Stage::Decide }, &Ctx::new(100 * MICROS_PER_HOUR, "s", &p)), Err(CaseError::StageComplete("decide")));
}
