//! The trigger: does a duty to warn arise from these threat attributes?

use serde::{Deserialize, Serialize};

use crate::attributes::ThreatAttributes;
use crate::profile::Profile;

/// Why no duty arises (each unmet condition is listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Unmet {
    /// The harm is not one the profile lists.
    HarmNotListed { harm: String },
    /// The harm needs a written justification (serious bodily injury) and has none.
    HarmJustificationMissing { harm: String },
    NotCredible,
    NotSpecific,
    NotImpending,
}

/// Something a person should look at, whether or not a duty arises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ReviewFlag {
    /// Marked specific with fewer than the profile's minimum of who/what/where/when/how filled.
    SpecificButThin { filled: Vec<String>, minimum: usize },
    /// No intended victim recorded.
    NoVictim,
    /// The victim's country / area maps to no responsible partner.
    NoResponsiblePartner,
    /// No urgency, or one the profile does not know: the most urgent level is assumed (see
    /// [`Assessment::urgency`]).
    UrgencyUnknown { given: Option<String> },
    /// Impending without a time window.
    NoWindow,
    /// No location (`where`) given: recipients dismiss such warnings as too general.
    NoLocation,
}

/// The outcome of [`assess`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// A duty to warn arises.
    pub duty: bool,
    /// Conditions not met (empty iff `duty`).
    pub unmet: Vec<Unmet>,
    pub review: Vec<ReviewFlag>,
    /// The urgency level id to use: the attributes' level, or the profile's most urgent level
    /// when missing or unknown (fail towards warning early).
    pub urgency: String,
    /// Recipients the jurisdiction map proposes for the victim.
    pub proposed_recipients: Vec<String>,
}

/// Decides whether a duty arises: the harm is one of the profile's (with a written
/// justification where the profile requires one), and the information is credible, specific
/// and impending. Victim nationality or status plays no part.
pub fn assess(attrs: &ThreatAttributes, profile: &Profile) -> Assessment {
    let mut unmet = Vec::new();
    match profile.harm(&attrs.harm_type) {
        None => unmet.push(Unmet::HarmNotListed { harm: attrs.harm_type.clone() }),
        Some(h) if h.requires_justification && attrs.harm_justification.as_deref().is_none_or(|j| j.trim().is_empty()) => {
            unmet.push(Unmet::HarmJustificationMissing { harm: h.id.clone() })
        }
        Some(_) => {}
    }
    if !attrs.credible {
        unmet.push(Unmet::NotCredible);
    }
    if !attrs.specific {
        unmet.push(Unmet::NotSpecific);
    }
    if !attrs.impending {
        unmet.push(Unmet::NotImpending);
    }

    let mut review = Vec::new();
    let filled = attrs.specificity.filled(&profile.specificity.fields);
    if attrs.specific && filled.len() < profile.specificity.minimum {
        review.push(ReviewFlag::SpecificButThin { filled: filled.iter().map(|s| s.to_string()).collect(), minimum: profile.specificity.minimum });
    }
    let proposed_recipients = match &attrs.victim {
        None => {
            review.push(ReviewFlag::NoVictim);
            Vec::new()
        }
        Some(v) => {
            let r = recipients_for(v, profile);
            if r.is_empty() {
                review.push(ReviewFlag::NoResponsiblePartner);
            }
            r
        }
    };
    let urgency = match attrs.urgency.as_deref().and_then(|u| profile.urgency(u)) {
        Some(u) => u.id.clone(),
        None => {
            review.push(ReviewFlag::UrgencyUnknown { given: attrs.urgency.clone() });
            profile.urgency[0].id.clone()
        }
    };
    if attrs.impending && attrs.window_start.is_none() && attrs.window_end.is_none() && attrs.specificity.get("when").is_none() {
        review.push(ReviewFlag::NoWindow);
    }
    if attrs.specificity.get("where").is_none() && attrs.victim.as_ref().is_none_or(|v| v.kind != crate::VictimKind::Place) {
        review.push(ReviewFlag::NoLocation);
    }
    Assessment { duty: unmet.is_empty(), unmet, review, urgency, proposed_recipients }
}

/// Partners the jurisdiction map proposes for a victim: its area's entry first, then its
/// country's, without repeats.
pub fn recipients_for(victim: &crate::Victim, profile: &Profile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in [victim.area.as_deref(), victim.country.as_deref()].into_iter().flatten() {
        for p in profile.responsible_for(key) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}
