//! Deadlines for a scheduler: what is due at `now`. No clock here: the scheduler on top
//! passes `now` from its own (injectable) clock.

use serde::{Deserialize, Serialize};

use crate::Micros;
use crate::case::{Alert, AlertKind, Case, Ctx, Event, Stage, apply};
use crate::profile::Profile;

/// An alert due on a case. Applying `event` to the case (through [`crate::apply`], actor
/// `scheduler`) records it, so the next [`due`] call does not report it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueEvent {
    pub case_id: String,
    pub stage: Stage,
    pub kind: AlertKind,
    pub deadline: Micros,
    /// The event to apply: `DeadlineNearing` or `DeadlineMissed`.
    pub event: Event,
    /// For a missed acknowledgement: the recipients to reach out of band (in person).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_band: Vec<String>,
}

/// The alerts due at `now`, not yet raised: for every pending stage, "nearing" from
/// `deadline - profile.alert_lead_minutes`, "missed" from the deadline. When a deadline has
/// already passed, only "missed" is reported. Pure: the cases are not changed.
pub fn due(cases: &[Case], now: Micros, profile: &Profile) -> Vec<DueEvent> {
    let mut out = Vec::new();
    for c in cases {
        if c.state.is_terminal() {
            continue;
        }
        for stage in [Stage::Decide, Stage::Deliver, Stage::Acknowledge] {
            if !c.stage_pending(stage) {
                continue;
            }
            let Some(deadline) = c.deadlines.of(stage) else { continue };
            let kind = if now >= deadline {
                AlertKind::Missed
            } else if now >= deadline - profile.alert_lead_micros() {
                AlertKind::Nearing
            } else {
                continue;
            };
            if c.alerts.contains(&Alert { stage, kind }) {
                continue;
            }
            let event = match kind {
                AlertKind::Nearing => Event::DeadlineNearing { stage },
                AlertKind::Missed => Event::DeadlineMissed { stage },
            };
            let out_of_band = if stage == Stage::Acknowledge && kind == AlertKind::Missed { c.unacknowledged() } else { Vec::new() };
            out.push(DueEvent { case_id: c.id.clone(), stage, kind, deadline, event, out_of_band });
        }
    }
    out
}

/// [`due`], then applies each alert to its case as `actor` (e.g. `scheduler`). Returns the
/// alerts raised; the caller appends one timeline entry per alert (`at = now`, `actor`).
pub fn tick(cases: &mut [Case], now: Micros, actor: &str, profile: &Profile) -> Vec<DueEvent> {
    let alerts = due(cases, now, profile);
    let ctx = Ctx::new(now, actor, profile);
    let mut raised = Vec::new();
    for a in alerts {
        if let Some(c) = cases.iter_mut().find(|c| c.id == a.case_id)
            && let Ok(next) = apply(c, &a.event, &ctx)
        {
            *c = next;
            raised.push(a);
        }
    }
    raised
}
