//! Threat attributes carried in STIX through tearline's `tearline-threat` property-extension.
//!
//! Any STIX object (typically an `indicator`, `report`, `threat-actor` or `note`) may carry
//!
//! ```json
//! "extensions": {"extension-definition--c14747dd-ac3f-4ce3-b3a4-c9e9ee6cefec": {
//!   "extension_type": "property-extension",
//!   "harm_type": "intentional-killing", "credible": true, "specific": true, "impending": true,
//!   "specificity": {"who": "…", "what": "…", "where": "…", "when": "…", "how": "…"},
//!   "window_start": "2025-01-10T00:00:00Z", "window_end": "2025-01-12T00:00:00Z",
//!   "victim": {"kind": "place", "name": "…", "country": "SYR", "designations": []},
//!   "own_citizens_at_risk": false, "urgency": "critical", "harm_justification": "…"}}
//! ```
//!
//! [`parse_threat_attributes`] reads it (and, read-only, the older
//! `tearline_policy::ids::EXT_THREAT_ATTRIBUTES` form with the same field names) and answers a
//! typed [`AttributeError`] for anything malformed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{Micros, ts};

/// tearline's threat-attribute extension-definition id (fixed; the one `tearline-policy` pins
/// and documents in `data/policy/README.md`, so a release's lints see the same attributes).
pub const EXT_THREAT: &str = tearline_policy::ids::EXT_THREAT_ATTRIBUTES;
/// Its `name`.
pub const EXT_THREAT_NAME: &str = "tearline threat attributes";

/// The `extension-definition` object of [`EXT_THREAT`] (the one `tearline-policy` publishes
/// with its other fixed definitions).
pub fn extension_definition() -> Value {
    tearline_policy::ids::extension_definitions()
        .into_iter()
        .find(|d| d.get("id").and_then(Value::as_str) == Some(EXT_THREAT))
        .unwrap_or_else(|| json!({ "type": "extension-definition", "id": EXT_THREAT }))
}

/// Who or what the threat is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VictimKind {
    Person,
    Group,
    Place,
}

/// The intended victim. Kept apart from the recipients to warn (those protecting it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Victim {
    pub kind: VictimKind,
    pub name: String,
    /// ISO 3166-1 alpha-3 of where the victim is (a place) or lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A named area the jurisdiction map may list (e.g. a region with its own authority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Designations of the victim itself (e.g. `terrorist`, `already-aware`): the only thing
    /// victim-based waiver grounds are checked against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub designations: Vec<String>,
}

/// Specificity facets: who / what / where / when / how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specifics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

impl Specifics {
    /// The facet named `name` if it is filled (non-blank).
    pub fn get(&self, name: &str) -> Option<&str> {
        let v = match name {
            "who" => &self.who,
            "what" => &self.what,
            "where" => &self.where_,
            "when" => &self.when,
            "how" => &self.how,
            _ => return None,
        };
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// Names of the filled facets among `fields`.
    pub fn filled<'a>(&self, fields: &'a [String]) -> Vec<&'a str> {
        fields.iter().map(String::as_str).filter(|f| self.get(f).is_some()).collect()
    }
}

/// The duty-to-warn attributes of one threat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreatAttributes {
    /// A harm id of the profile (`intentional-killing`, …) or anything else (`other`).
    pub harm_type: String,
    /// Why the harm qualifies (required for harms the profile marks `requires_justification`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harm_justification: Option<String>,
    pub credible: bool,
    pub specific: bool,
    pub impending: bool,
    #[serde(default)]
    pub specificity: Specifics,
    /// Start of the time window (µs since the epoch; STIX timestamp in JSON).
    #[serde(default, with = "ts::opt", skip_serializing_if = "Option::is_none")]
    pub window_start: Option<Micros>,
    #[serde(default, with = "ts::opt", skip_serializing_if = "Option::is_none")]
    pub window_end: Option<Micros>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<Victim>,
    #[serde(default)]
    pub own_citizens_at_risk: bool,
    /// An urgency level (id or alias) of the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
}

impl ThreatAttributes {
    /// The extension's JSON value (with `extension_type`), to put under
    /// `extensions[EXT_THREAT]`.
    pub fn to_extension(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            let mut out = Map::new();
            out.insert("extension_type".into(), json!("property-extension"));
            out.append(m);
            return Value::Object(out);
        }
        v
    }

    /// Adds (or replaces) the extension on a STIX object, declaring it as a property-extension.
    pub fn attach(&self, object: &mut Value) {
        if let Value::Object(o) = object {
            let ext = o.entry("extensions").or_insert_with(|| json!({}));
            if !ext.is_object() {
                *ext = json!({});
            }
            if let Value::Object(e) = ext {
                e.insert(EXT_THREAT.into(), self.to_extension());
            }
        }
    }
}

/// Malformed or partial threat attributes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    #[error("the STIX object is not a JSON object")]
    NotAnObject,
    #[error("'extensions' must be a JSON object")]
    ExtensionsNotAnObject,
    #[error("the threat extension must be a JSON object")]
    ExtensionNotAnObject,
    #[error("the threat extension must declare extension_type 'property-extension'")]
    ExtensionType,
    #[error("threat attribute '{0}' is missing; add it")]
    Missing(&'static str),
    #[error("threat attribute '{field}' must be {expected}")]
    WrongType { field: String, expected: &'static str },
    #[error("threat attribute '{field}': '{value}' is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)")]
    Timestamp { field: String, value: String },
    #[error("threat attribute '{field}': '{value}' is not {expected}")]
    Value { field: String, value: String, expected: &'static str },
    #[error("threat attribute window_end is before window_start")]
    WindowReversed,
}

/// Reads the threat attributes of any STIX object. `Ok(None)`: the object carries none.
pub fn parse_threat_attributes(object: &Value) -> Result<Option<ThreatAttributes>, AttributeError> {
    let o = object.as_object().ok_or(AttributeError::NotAnObject)?;
    let Some(exts) = o.get("extensions") else { return Ok(None) };
    let exts = exts.as_object().ok_or(AttributeError::ExtensionsNotAnObject)?;
    let Some(ext) = exts.get(EXT_THREAT) else {
        return Ok(None);
    };
    parse_extension(ext).map(Some)
}

/// Reads the extension value itself (the object under `extensions[EXT_THREAT]`).
pub fn parse_extension(ext: &Value) -> Result<ThreatAttributes, AttributeError> {
    let e = ext.as_object().ok_or(AttributeError::ExtensionNotAnObject)?;
    match e.get("extension_type") {
        Some(Value::String(s)) if s == "property-extension" => {}
        None => {}
        _ => return Err(AttributeError::ExtensionType),
    }
    let harm_type = req_str(e, "harm_type")?;
    if harm_type.trim().is_empty() {
        return Err(AttributeError::Value { field: "harm_type".into(), value: harm_type, expected: "a non-empty harm id" });
    }
    let specificity = match e.get("specificity") {
        None | Some(Value::Null) => Specifics::default(),
        Some(Value::Object(s)) => Specifics {
            who: opt_str_in(s, "specificity.who", "who")?,
            what: opt_str_in(s, "specificity.what", "what")?,
            where_: opt_str_in(s, "specificity.where", "where")?,
            when: opt_str_in(s, "specificity.when", "when")?,
            how: opt_str_in(s, "specificity.how", "how")?,
        },
        Some(_) => return Err(wrong("specificity", "an object of who / what / where / when / how strings")),
    };
    let window_start = opt_ts(e, "window_start")?;
    let window_end = opt_ts(e, "window_end")?;
    if let (Some(s), Some(t)) = (window_start, window_end)
        && t < s
    {
        return Err(AttributeError::WindowReversed);
    }
    let victim = match e.get("victim") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(parse_victim(v)?),
        Some(_) => return Err(wrong("victim", "an object {kind, name, country?, area?, designations?}")),
    };
    let own_citizens_at_risk = match e.get("own_citizens_at_risk") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(wrong("own_citizens_at_risk", "a boolean")),
    };
    Ok(ThreatAttributes {
        harm_type,
        harm_justification: opt_str_in(e, "harm_justification", "harm_justification")?,
        credible: req_bool(e, "credible")?,
        specific: req_bool(e, "specific")?,
        impending: req_bool(e, "impending")?,
        specificity,
        window_start,
        window_end,
        victim,
        own_citizens_at_risk,
        urgency: opt_str_in(e, "urgency", "urgency")?,
    })
}

fn parse_victim(v: &Map<String, Value>) -> Result<Victim, AttributeError> {
    let kind = match v.get("kind") {
        None => return Err(AttributeError::Missing("victim.kind")),
        Some(Value::String(s)) => match s.as_str() {
            "person" => VictimKind::Person,
            "group" => VictimKind::Group,
            "place" => VictimKind::Place,
            _ => return Err(AttributeError::Value { field: "victim.kind".into(), value: s.clone(), expected: "person, group or place" }),
        },
        Some(_) => return Err(wrong("victim.kind", "a string")),
    };
    let name = match v.get("name") {
        None => return Err(AttributeError::Missing("victim.name")),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(s)) => return Err(AttributeError::Value { field: "victim.name".into(), value: s.clone(), expected: "a non-empty name" }),
        Some(_) => return Err(wrong("victim.name", "a string")),
    };
    let country = opt_str_in(v, "victim.country", "country")?;
    if let Some(c) = &country
        && !is_alpha3(c)
    {
        return Err(AttributeError::Value { field: "victim.country".into(), value: c.clone(), expected: "an ISO 3166-1 alpha-3 code in upper case" });
    }
    let designations = match v.get("designations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|d| d.as_str().map(str::to_owned).ok_or_else(|| wrong("victim.designations", "an array of strings")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(wrong("victim.designations", "an array of strings")),
    };
    Ok(Victim { kind, name, country, area: opt_str_in(v, "victim.area", "area")?, designations })
}

/// Whether `s` looks like an ISO 3166-1 alpha-3 code (three upper-case ASCII letters).
pub fn is_alpha3(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn wrong(field: &str, expected: &'static str) -> AttributeError {
    AttributeError::WrongType { field: field.into(), expected }
}

fn req_str(e: &Map<String, Value>, k: &'static str) -> Result<String, AttributeError> {
    match e.get(k) {
        None | Some(Value::Null) => Err(AttributeError::Missing(k)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(k, "a string")),
    }
}

fn req_bool(e: &Map<String, Value>, k: &'static str) -> Result<bool, AttributeError> {
    match e.get(k) {
        None | Some(Value::Null) => Err(AttributeError::Missing(k)),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong(k, "a boolean")),
    }
}

fn opt_str_in(e: &Map<String, Value>, field: &str, k: &str) -> Result<Option<String>, AttributeError> {
    match e.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(field, "a string")),
    }
}

fn opt_ts(e: &Map<String, Value>, k: &str) -> Result<Option<Micros>, AttributeError> {
    match e.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => tearline_stix::Timestamp::parse(s)
            .map(|t| Some(t.as_micros()))
            .map_err(|_| AttributeError::Timestamp { field: k.into(), value: s.clone() }),
        Some(_) => Err(wrong(k, "a STIX timestamp string")),
    }
}
