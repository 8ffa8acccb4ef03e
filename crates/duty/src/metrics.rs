//! Metrics from case timelines: time to decide / deliver / acknowledge and outcomes, per
//! partner. Pure aggregation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::{Decision, Event, OutcomeKind};
use crate::timeline::TimelineEntry;
use crate::{MICROS_PER_SECOND, Micros};

/// Durations in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub samples: Vec<i64>,
}

impl Durations {
    pub fn count(&self) -> usize {
        self.samples.len()
    }

    /// The lower median.
    pub fn median(&self) -> Option<i64> {
        let mut v = self.samples.clone();
        v.sort_unstable();
        (!v.is_empty()).then(|| v[(v.len() - 1) / 2])
    }

    pub fn max(&self) -> Option<i64> {
        self.samples.iter().copied().max()
    }

    pub fn mean(&self) -> Option<i64> {
        (!self.samples.is_empty()).then(|| self.samples.iter().sum::<i64>() / self.samples.len() as i64)
    }

    fn push(&mut self, micros: Micros) {
        self.samples.push(micros.div_euclid(MICROS_PER_SECOND));
    }
}

/// One partner's figures (or everyone's, in [`Metrics::overall`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerMetrics {
    /// Cases in which the partner received a warning.
    pub warnings: u32,
    /// Case creation to the warn / waive decision.
    pub time_to_decide: Durations,
    /// Case creation to first publication (or manual delivery) to the partner.
    pub time_to_deliver: Durations,
    /// First publication to the partner's acknowledgement.
    pub time_to_acknowledge: Durations,
    /// Latest reported outcome per case.
    pub outcomes: BTreeMap<OutcomeKind, u32>,
    /// Warnings never acknowledged.
    pub unacknowledged: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    pub cases: u32,
    pub waived: u32,
    /// Case creation to decision, over all decided cases.
    pub time_to_decide: Durations,
    pub overall: PartnerMetrics,
    pub partners: BTreeMap<String, PartnerMetrics>,
}

#[derive(Default)]
struct PerPartner {
    delivered: Option<Micros>,
    acked: Option<Micros>,
    outcome: Option<OutcomeKind>,
}

/// Aggregates timelines, one per case, each in order (as stored).
pub fn metrics<'a>(timelines: impl IntoIterator<Item = &'a [TimelineEntry]>) -> Metrics {
    let mut m = Metrics::default();
    for tl in timelines {
        let Some(created) = tl.iter().find(|e| matches!(e.event, Event::Created { .. })).map(|e| e.at) else { continue };
        m.cases += 1;
        let mut decided: Option<Micros> = None;
        let mut parts: BTreeMap<&str, PerPartner> = BTreeMap::new();
        for e in tl {
            match &e.event {
                Event::Decide { decision: Decision::Warn { .. } | Decision::Waive { .. } } => {
                    decided.get_or_insert(e.at);
                }
                Event::ApproveWaiver | Event::BreakGlass { .. } => m.waived += 1,
                Event::Published { partner, .. } => {
                    parts.entry(partner).or_default().delivered.get_or_insert(e.at);
                }
                Event::ManualDelivery { delivery } => {
                    parts.entry(&delivery.to).or_default().delivered.get_or_insert(delivery.at);
                }
                Event::Acknowledged { partner, .. } | Event::Opinion { partner, .. } => {
                    let p = parts.entry(partner).or_default();
                    if p.delivered.is_some() {
                        p.acked.get_or_insert(e.at);
                    }
                }
                Event::Outcome { partner, outcome, .. } => parts.entry(partner).or_default().outcome = Some(*outcome),
                _ => {}
            }
        }
        if let Some(d) = decided {
            m.time_to_decide.push(d - created);
        }
        for (partner, p) in parts {
            let Some(delivered) = p.delivered else { continue };
            let pm = m.partners.entry(partner.to_owned()).or_default();
            for target in [&mut m.overall, pm] {
                target.warnings += 1;
                if let Some(d) = decided {
                    target.time_to_decide.push(d - created);
                }
                target.time_to_deliver.push(delivered - created);
                match p.acked {
                    Some(a) => target.time_to_acknowledge.push(a - delivered),
                    None => target.unacknowledged += 1,
                }
                if let Some(o) = p.outcome {
                    *target.outcomes.entry(o).or_default() += 1;
                }
            }
        }
    }
    m
}
