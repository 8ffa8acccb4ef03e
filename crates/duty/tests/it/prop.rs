//! Random event sequences never panic and never leave a terminal state.

use proptest::prelude::*;
use tearline_duty::*;

use crate::common::*;

fn event() -> impl Strategy<Value = Event> {
    let partner = prop_oneof![Just("syria-gsd".to_string()), Just("other".to_string()), Just("".to_string())];
    let stage = prop_oneof![Just(Stage::Decide), Just(Stage::Deliver), Just(Stage::Acknowledge)];
    let ground = prop_oneof![
        Just("no-reasonable-way-to-warn".to_string()),
        Just("recipient-is-hostile".to_string()),
        Just("victim-is-terrorist-or-criminal".to_string()),
        Just("endangers-personnel-sources-methods".to_string()),
        Just("nonsense".to_string())
    ];
    let text = prop_oneof![Just(String::new()), Just("reason".to_string())];
    prop_oneof![
        Just(Event::Confirm),
        text.clone().prop_map(|reason| Event::Dismiss { reason }),
        text.clone().prop_map(|c| warn(if c.is_empty() { " " } else { "taxii" })),
        (ground, text.clone(), any::<bool>()).prop_map(|(ground, justification, d)| Event::Decide {
            decision: Decision::Waive { ground, justification, sanitised_drafts: if d { vec![RejectedDraft { draft: "d".into(), reason: "r".into() }] } else { vec![] } }
        }),
        text.clone().prop_map(|reason| Event::Decide { decision: Decision::Escalate { reason } }),
        Just(Event::ApproveWaiver),
        text.clone().prop_map(|reason| Event::RejectWaiver { reason }),
        text.clone().prop_map(|justification| Event::BreakGlass { justification }),
        text.clone().prop_map(|note| Event::Disagreement { topic: DisagreementTopic::Warn, parties: vec!["a".into()], note }),
        partner.clone().prop_map(|p| published(&p, "report--1")),
        partner.clone().prop_map(|partner| Event::Retrieved { partner }),
        partner.clone().prop_map(|partner| Event::Acknowledged { partner, by: "m".into(), how: AckHow::Note }),
        (partner.clone(), any::<bool>()).prop_map(|(partner, d)| Event::Opinion { partner, release_id: "report--1".into(), opinion: if d { Opinion::Disagree } else { Opinion::Agree }, comment: String::new() }),
        partner.clone().prop_map(|partner| Event::Outcome { partner, outcome: OutcomeKind::Unknown, note: String::new() }),
        partner.clone().prop_map(|to| Event::ManualDelivery { delivery: ManualDelivery { delivered_by: "x".into(), to, received_by: None, at: 5, channel: "in-person".into(), release_id: None } }),
        stage.clone().prop_map(|stage| Event::DeadlineNearing { stage }),
        stage.prop_map(|stage| Event::DeadlineMissed { stage }),
        partner.prop_map(|p| Event::RecipientsEdited { recipients: if p.is_empty() { vec![] } else { vec![CaseRecipient::new(p)] } }),
        Just(Event::Created { proposed: false }),
        any::<bool>().prop_map(|c| { let mut a = attrs("SYR", "s"); a.credible = c; Event::AttributesEdited { attributes: Box::new(a) } }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn random_events_never_panic_or_leave_terminal(
        proposed in any::<bool>(),
        steps in proptest::collection::vec((event(), prop_oneof![Just("alice"), Just("bob"), Just("carol")], any::<bool>(), 0i64..48), 0..40),
    ) {
        let p = profile();
        let new = NewCase { id: "c".into(), title: "t".into(), attributes: attrs("SYR", "s"), source_object_ids: vec![], recipients: None, proposed };
        let (mut case, _) = Case::create(new, &Ctx::new(0, "alice", &p)).unwrap();
        let mut now = 0;
        let mut timeline = Vec::new();
        for (ev, actor, resolver, hours) in steps {
            now += hours * MICROS_PER_HOUR / 4;
            let mut ctx = Ctx::new(now, actor, &p);
            ctx.resolver = resolver;
            let before = case.state;
            match apply(&case, &ev, &ctx) {
                Ok(next) => {
                    if before.is_terminal() {
                        prop_assert_eq!(next.state, before, "left terminal state on {:?}", ev);
                    }
                    // Storage form round-trips.
                    let s = serde_json::to_string(&next).unwrap();
                    prop_assert_eq!(&serde_json::from_str::<Case>(&s).unwrap(), &next);
                    timeline.push(TimelineEntry { at: now, actor: actor.into(), event: ev });
                    case = next;
                }
                Err(e) => { prop_assert!(!e.to_string().is_empty()); }
            }
            // The scheduler never panics either, and never revives a terminal case.
            let mut cs = vec![case.clone()];
            let _ = tick(&mut cs, now, "scheduler", &p);
            if case.state.is_terminal() { prop_assert_eq!(cs[0].state, case.state); }
        }
        let _ = render_timeline(&timeline);
        let _ = metrics([timeline.as_slice()]);
    }
}
