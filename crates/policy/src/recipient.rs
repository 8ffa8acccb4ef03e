//! Recipients, the producer's policy, and the one decision of whether a [`MarkingSet`] may go
//! to a recipient.
//!
//! Trust tier and diplomatic relationship flags are recorded, re-mark releases (the
//! no-endorsement statement) and inform people, but are **never** a reason to withhold: only
//! markings are. A duty to warn a hostile authority is therefore never silently blocked.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tearline_stix::Timestamp;

use crate::markings::{Classification, Control, Country, MarkingSet, Tlp};

/// How much the producer trusts a partner (informative; never blocks a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TrustTier {
    Untrusted,
    #[default]
    Limited,
    Partner,
    Close,
}

/// Diplomatic / legal relationship flags (separate from trust).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct RelationshipFlags {
    /// A hostile government or authority.
    pub hostile: bool,
    /// An authority the producer's state does not recognise.
    pub not_recognised: bool,
    /// Designated (e.g. sanctioned or listed as a terrorist organisation).
    pub designated: bool,
    /// No diplomatic relations.
    pub no_relations: bool,
}

/// One partner organisation receiving a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The partner's STIX identity id.
    pub org_identity: String,
    pub country: Country,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub trust_tier: TrustTier,
    #[serde(default)]
    pub flags: RelationshipFlags,
    /// The producer's own organisation (TLP:AMBER+STRICT scope).
    #[serde(default)]
    pub is_own_org: bool,
    /// Identity ids of the recipient's own clients (for its onward sharing of TLP:AMBER).
    #[serde(default)]
    pub clients: Vec<String>,
    /// Communities the recipient belongs to (TLP:GREEN scope).
    #[serde(default)]
    pub communities: BTreeSet<String>,
    /// Highest classification the recipient may receive.
    pub clearance: Classification,
    /// Highest source-protection level the recipient may ever receive.
    #[serde(default)]
    pub max_source_level: u8,
}

/// Granularity of released times: timestamps are coarsened to it and text lints flag finer
/// times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    Second,
    Minute,
    Hour,
    #[default]
    Day,
}

impl Granularity {
    pub fn micros(self) -> i64 {
        match self {
            Granularity::Second => 1_000_000,
            Granularity::Minute => 60_000_000,
            Granularity::Hour => 3_600_000_000,
            Granularity::Day => 86_400_000_000,
        }
    }
}

/// The producer's policy for one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The releasing organisation's STIX identity id (`created_by_ref` of everything released).
    pub org_identity: String,
    /// The releasing organisation's identity object, included in every release.
    pub org_identity_object: serde_json::Value,
    pub country: Country,
    /// Identity ids of the producer's clients (TLP:AMBER scope).
    pub clients: BTreeSet<String>,
    /// The producer's communities (TLP:GREEN scope).
    pub communities: BTreeSet<String>,
    /// The source-protection level of this release: content marked above it stays home.
    pub release_level: u8,
    /// Source object ids whose originator approved further release (OC / PR).
    pub originator_approvals: BTreeSet<String>,
    /// Granularity of released times (default: a day).
    pub granularity: Granularity,
    /// Secret seed of this release: released ids are derived from it and the source ids, so a
    /// preview and the approved release are byte-identical and ids never reveal source ids.
    pub seed: [u8; 32],
    /// `created` / `modified` of released objects.
    pub release_time: Timestamp,
}

impl Policy {
    /// A policy with the defaults: no clients or communities, release level 0, a day's
    /// granularity.
    pub fn new(org_identity_object: serde_json::Value, country: Country, seed: [u8; 32], release_time: Timestamp) -> Policy {
        let org_identity = org_identity_object.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        Policy {
            org_identity,
            org_identity_object,
            country,
            clients: BTreeSet::new(),
            communities: BTreeSet::new(),
            release_level: 0,
            originator_approvals: BTreeSet::new(),
            granularity: Granularity::Day,
            seed,
            release_time,
        }
    }
}

/// Why an object or field was withheld. The reason stays inside (in `Removal`), never in
/// released content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "detail")]
pub enum Reason {
    Tlp(String),
    Classification,
    NoForeignRelease,
    RelTo,
    DisplayOnly,
    OriginatorControl,
    Proprietary,
    OfficialUseOnly,
    SourceProtection,
    /// Unknown, malformed or contradictory markings: fail closed.
    Markings(String),
    /// A reference it cannot stand without points at something withheld.
    Dependency(String),
    /// What is left is not a valid STIX object.
    CannotStand(String),
    /// Not content (bundles, source marking- and extension-definitions).
    NotContent,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Tlp(t) => write!(f, "{t} does not extend to this recipient"),
            Reason::Classification => f.write_str("classified above the recipient's clearance"),
            Reason::NoForeignRelease => f.write_str("NF: no foreign release"),
            Reason::RelTo => f.write_str("REL TO does not include the recipient's country"),
            Reason::DisplayOnly => f.write_str("DISPLAY ONLY: may not be given to a foreign recipient"),
            Reason::OriginatorControl => f.write_str("OC: originator approval missing"),
            Reason::Proprietary => f.write_str("PR: originator approval missing"),
            Reason::OfficialUseOnly => f.write_str("FOUO: recipient is not an official body"),
            Reason::SourceProtection => f.write_str("source protection above the release level"),
            Reason::Markings(m) => write!(f, "fail closed on markings: {m}"),
            Reason::Dependency(d) => write!(f, "depends on withheld {d}"),
            Reason::CannotStand(e) => write!(f, "not a valid object without the withheld parts: {e}"),
            Reason::NotContent => f.write_str("not released as content"),
        }
    }
}

/// Whether content governed by `set` may go to `recipient` under `policy` (for the source
/// object `source_id`, which OC / PR approvals name). The first reason found is returned.
pub fn decide(set: &MarkingSet, source_id: &str, recipient: &Recipient, policy: &Policy) -> Result<(), Reason> {
    if let Some(t) = set.tlp {
        let client = policy.clients.contains(&recipient.org_identity);
        let community = !policy.communities.is_disjoint(&recipient.communities);
        let own = recipient.is_own_org;
        let ok = match t {
            Tlp::Clear => true,
            Tlp::Green => own || client || community,
            Tlp::Amber => own || client,
            Tlp::AmberStrict => own,
            Tlp::Red => false,
        };
        if !ok {
            return Err(Reason::Tlp(t.label().to_owned()));
        }
    }
    if let Some(c) = set.classification
        && recipient.clearance < c
    {
        return Err(Reason::Classification);
    }
    let foreign = recipient.country != policy.country;
    if set.controls.contains(&Control::Nf) && foreign {
        return Err(Reason::NoForeignRelease);
    }
    if let Some(rel) = &set.rel_to
        && !rel.contains(&recipient.country)
    {
        return Err(Reason::RelTo);
    }
    if set.display_only.is_some() && foreign {
        return Err(Reason::DisplayOnly);
    }
    let approved = recipient.is_own_org || policy.originator_approvals.contains(source_id);
    if set.controls.contains(&Control::Oc) && !approved {
        return Err(Reason::OriginatorControl);
    }
    if set.controls.contains(&Control::Pr) && !approved {
        return Err(Reason::Proprietary);
    }
    if set.controls.contains(&Control::Fouo) && recipient.clearance < Classification::Restricted {
        return Err(Reason::OfficialUseOnly);
    }
    if let Some(l) = set.source_protection
        && (l > policy.release_level || l > recipient.max_source_level)
    {
        return Err(Reason::SourceProtection);
    }
    Ok(())
}
