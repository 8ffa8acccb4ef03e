//! The public advisory (TLP:CLEAR) due alongside a private warning when own citizens are at
//! risk too ("no double standard").

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tearline_policy::ids::{TLP2_CLEAR, tlp2_definition};

use crate::Micros;
use crate::case::Case;
use crate::profile::Profile;

/// TLP:CLEAR marking-definition id (FIRST TLP 2.0, as OASIS publishes it).
pub const TLP_CLEAR: &str = TLP2_CLEAR;

/// Who publishes the advisory and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryOptions {
    /// STIX identity id of the publishing organisation (`created_by_ref`, and the report's
    /// `object_refs`).
    pub publisher_identity: String,
    pub created: Micros,
}

/// A draft public advisory: text and a STIX `report` marked TLP:CLEAR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAdvisory {
    pub title: String,
    pub text: String,
    /// The `report` (first) and the TLP:CLEAR marking-definition.
    pub objects: Vec<Value>,
    /// Codes of `tearline-policy` sanitiser findings on the draft (e.g. `TL-MODALITY`): a
    /// person must clear them before publishing.
    pub lint_codes: Vec<String>,
}

/// The advisory draft for a case whose threat puts own citizens at risk; `None` otherwise.
///
/// It carries the operative facts only — what, where, when (the window), how — and nothing
/// that could reveal sources: no `who` (attribution), no source object ids, no release ids.
/// The draft is linted with `tearline-policy`'s default vocabulary; findings are listed.
pub fn public_advisory(case: &Case, profile: &Profile, opts: &AdvisoryOptions) -> Option<PublicAdvisory> {
    if !case.public_advisory_required {
        return None;
    }
    let a = &case.attributes;
    let harm = profile.harm(&case.harm).map_or(case.harm.as_str(), |h| h.label.as_str());
    let place = a.specificity.get("where").map(str::to_owned).or_else(|| case.victim.as_ref().map(|v| v.name.clone()));
    let title = match &place {
        Some(p) => format!("Public advisory: threat to life at {p}"),
        None => "Public advisory: threat to life".to_owned(),
    };
    let mut lines = vec![format!("There is a credible threat of {} ({}).", harm.to_lowercase(), case.urgency)];
    if let Some(w) = a.specificity.get("what") {
        lines.push(format!("What: {w}"));
    }
    if let Some(p) = &place {
        lines.push(format!("Where: {p}"));
    }
    if let Some(w) = crate::human_window(a.window_start, a.window_end).or_else(|| a.specificity.get("when").map(str::to_owned)) {
        lines.push(format!("When: {w}"));
    }
    if let Some(h) = a.specificity.get("how") {
        lines.push(format!("How: {h}"));
    }
    lines.push("Avoid the location and large gatherings there during this period, stay alert, and follow the instructions of local authorities.".to_owned());
    let text = lines.join("\n");
    let created = tearline_stix::Timestamp::from_micros(opts.created).to_stix_string();
    let id = format!("report--{}", uuid::Uuid::new_v5(&ADVISORY_NS, format!("{}\0advisory", case.id).as_bytes()));
    let report = json!({
        "type": "report",
        "spec_version": "2.1",
        "id": id,
        "created": created,
        "modified": created,
        "created_by_ref": opts.publisher_identity,
        "name": title,
        "description": text,
        "report_types": ["threat-report"],
        "published": created,
        "object_refs": [opts.publisher_identity],
        "object_marking_refs": [TLP_CLEAR],
    });
    let mut objects = vec![report];
    if let Some(d) = tlp2_definition(TLP_CLEAR) {
        objects.push(d.clone());
    }
    let findings = tearline_policy::lints::lint_objects(&objects, &[opts.publisher_identity.as_str()], &tearline_policy::LintConfig::default());
    let mut lint_codes: Vec<String> = findings.iter().map(|f| f.code.to_owned()).collect();
    lint_codes.dedup();
    Some(PublicAdvisory { title, text, objects, lint_codes })
}

const ADVISORY_NS: uuid::Uuid = uuid::Uuid::from_u128(0x2c7f_1b9e_63a4_4d05_8e21_94b3_0a6d_5f18);
