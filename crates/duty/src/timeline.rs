//! The append-only timeline of a case: one entry per accepted event.

use serde::{Deserialize, Serialize};

use crate::Micros;
use crate::case::{Case, CaseError, Ctx, Event, apply};

/// One accepted event: when, who, what. The server stores these append-only (hash-chained in
/// its ledger); the case itself is the fold of its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Micros,
    pub actor: String,
    pub event: Event,
}

impl TimelineEntry {
    /// `YYYY-MM-DD HH:MM UTC  actor  description`.
    pub fn render(&self) -> String {
        format!("{}  {}  {}", crate::human_time(self.at), self.actor, self.event.describe())
    }
}

/// Applies `event` and returns the new case with the entry to append.
pub fn record(case: &Case, event: Event, ctx: &Ctx) -> Result<(Case, TimelineEntry), CaseError> {
    let c = apply(case, &event, ctx)?;
    Ok((c, TimelineEntry { at: ctx.at, actor: ctx.actor.to_owned(), event }))
}

/// The timeline as text lines, in the order given.
pub fn render_timeline(entries: &[TimelineEntry]) -> Vec<String> {
    entries.iter().map(TimelineEntry::render).collect()
}
