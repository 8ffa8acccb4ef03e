//! The duty-to-warn profile: every list and threshold of the rules as data.
//!
//! The default is `data/duty/profile.toml` (embedded); an organisation's own file is loaded with
//! [`Profile::from_toml`]. The format is documented in `data/duty/README.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::MICROS_PER_MINUTE;

/// The embedded default profile.
pub const DEFAULT_PROFILE_TOML: &str = include_str!("../../../data/duty/profile.toml");

/// A harm type that raises a duty to warn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmType {
    pub id: String,
    pub label: String,
    /// The case must carry a written justification of why the harm qualifies (serious bodily
    /// injury).
    #[serde(default)]
    pub requires_justification: bool,
}

/// An urgency level and its per-stage deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyLevel {
    pub id: String,
    pub label: String,
    /// Minutes from opening the case to a decision.
    pub decide_minutes: u32,
    /// Minutes from opening the case to publication to every recipient.
    pub deliver_minutes: u32,
    /// Minutes from a recipient's publication to its acknowledgement.
    pub acknowledge_minutes: u32,
    /// Other spellings accepted in threat attributes.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One entry of the closed list of waiver grounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverGround {
    pub id: String,
    pub label: String,
    /// Victim-based: valid only if the **victim** carries one of these designations.
    #[serde(default)]
    pub victim_designations: Vec<String>,
    /// Sources-and-methods: needs a further-sanitised draft considered and rejected.
    #[serde(default)]
    pub sources_and_methods: bool,
    /// Recognised but never accepted; the text says why.
    #[serde(default)]
    pub forbidden: Option<String>,
}

impl WaiverGround {
    pub fn victim_based(&self) -> bool {
        !self.victim_designations.is_empty()
    }
}

/// Specificity facets and the minimum a threat marked specific must fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Specificity {
    pub fields: Vec<String>,
    pub minimum: usize,
}

/// A whole profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub version: u32,
    pub no_endorsement: String,
    pub acknowledge_instructions: String,
    pub alert_lead_minutes: u32,
    pub specificity: Specificity,
    pub harm: Vec<HarmType>,
    /// Most urgent first.
    pub urgency: Vec<UrgencyLevel>,
    pub waiver_ground: Vec<WaiverGround>,
    /// Country (ISO 3166-1 alpha-3) or area name -> responsible partner names.
    #[serde(default)]
    pub jurisdiction: BTreeMap<String, Vec<String>>,
}

/// A profile file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("profile is not valid TOML for the duty-to-warn profile format: {0}")]
    Toml(String),
    #[error("profile is inconsistent: {0}")]
    Invalid(String),
}

impl Default for Profile {
    fn default() -> Self {
        Profile::default_profile()
    }
}

impl Profile {
    /// The embedded default (`data/duty/profile.toml`).
    pub fn default_profile() -> Profile {
        static P: std::sync::OnceLock<Profile> = std::sync::OnceLock::new();
        P.get_or_init(|| Profile::from_toml(DEFAULT_PROFILE_TOML).expect("the embedded default profile is valid")).clone()
    }

    /// Parses and checks a profile.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Toml(e.to_string()))?;
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), ProfileError> {
        let bad = |m: String| Err(ProfileError::Invalid(m));
        let mut seen = BTreeSet::new();
        for h in &self.harm {
            if !seen.insert(h.id.as_str()) {
                return bad(format!("harm type '{}' is listed twice", h.id));
            }
        }
        if self.urgency.is_empty() {
            return bad("at least one urgency level is needed".into());
        }
        let mut seen = BTreeSet::new();
        for u in &self.urgency {
            for name in std::iter::once(&u.id).chain(&u.aliases) {
                if !seen.insert(name.as_str()) {
                    return bad(format!("urgency name '{name}' is used twice"));
                }
            }
            if u.decide_minutes == 0 || u.deliver_minutes == 0 || u.acknowledge_minutes == 0 {
                return bad(format!("urgency '{}' has a zero deadline", u.id));
            }
        }
        let mut seen = BTreeSet::new();
        for g in &self.waiver_ground {
            if !seen.insert(g.id.as_str()) {
                return bad(format!("waiver ground '{}' is listed twice", g.id));
            }
            if g.forbidden.as_deref().is_some_and(|f| f.trim().is_empty()) {
                return bad(format!("forbidden waiver ground '{}' needs a reason", g.id));
            }
        }
        const FACETS: [&str; 5] = ["who", "what", "where", "when", "how"];
        for f in &self.specificity.fields {
            if !FACETS.contains(&f.as_str()) {
                return bad(format!("specificity field '{f}' is not one of who, what, where, when, how"));
            }
        }
        if self.specificity.minimum > self.specificity.fields.len() {
            return bad("specificity minimum exceeds the number of fields".into());
        }
        Ok(())
    }

    pub fn harm(&self, id: &str) -> Option<&HarmType> {
        self.harm.iter().find(|h| h.id == id)
    }

    /// The urgency level named `name` (id or alias).
    pub fn urgency(&self, name: &str) -> Option<&UrgencyLevel> {
        self.urgency.iter().find(|u| u.id == name || u.aliases.iter().any(|a| a == name))
    }

    pub fn waiver_ground(&self, id: &str) -> Option<&WaiverGround> {
        self.waiver_ground.iter().find(|g| g.id == id)
    }

    /// Partners responsible for a country code or area name (exact key; country codes are
    /// compared in upper case). Empty when the map has no entry.
    pub fn responsible_for(&self, country_or_area: &str) -> Vec<String> {
        let key = country_or_area.trim();
        if let Some(v) = self.jurisdiction.get(key) {
            return v.clone();
        }
        if key.len() == 3 && key.bytes().all(|b| b.is_ascii_alphabetic()) {
            return self.jurisdiction.get(&key.to_ascii_uppercase()).cloned().unwrap_or_default();
        }
        self.jurisdiction
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Lead time of "deadline nearing" alerts, in microseconds.
    pub fn alert_lead_micros(&self) -> i64 {
        i64::from(self.alert_lead_minutes) * MICROS_PER_MINUTE
    }
}
