//! Validation of single STIX 2.1 objects.
//!
//! [`validate_object`] returns every finding: errors for MUST-level rules (the object is
//! rejected) and warnings for SHOULD-level rules (accepted, reported).

use serde_json::Value;

use crate::{Finding, Identifier, Severity, Timestamp};

/// What a server needs to know of an accepted object to store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub id: Identifier,
    pub object_type: String,
    /// `spec_version`, or `2.1` where an object omits it (SCOs may).
    pub spec_version: String,
    /// `modified`, else `created`; `None` for objects that carry neither (SCOs).
    pub version: Option<Timestamp>,
}

/// The outcome of validating one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    fn push(&mut self, f: Finding) {
        match f.severity {
            Severity::Error => self.errors.push(f),
            Severity::Warning => self.warnings.push(f),
        }
    }
}

/// Validates one STIX 2.1 object against the MUST rules (errors) and SHOULD rules (warnings).
pub fn validate_object(obj: &Value) -> Validation {
    let mut v = Validation::default();
    let Value::Object(map) = obj else {
        v.push(Finding::error(None, "not-an-object", "a STIX object must be a JSON object"));
        return v;
    };
    let ty = match map.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(_) => {
            v.push(Finding::error(Some("type".into()), "type-format", "'type' must be a string"));
            None
        }
        None => {
            v.push(Finding::error(Some("type".into()), "required-property", "'type' is required"));
            None
        }
    };
    match map.get("id") {
        Some(Value::String(id)) => match Identifier::parse(id) {
            Ok(id) => {
                if let Some(t) = ty {
                    if id.object_type() != t {
                        v.push(Finding::error(
                            Some("id".into()),
                            "id-type-mismatch",
                            format!("the type part of id '{id}' must equal the object's type '{t}'"),
                        ));
                    }
                }
            }
            Err(e) => v.push(Finding::error(Some("id".into()), "id-format", e.to_string())),
        },
        Some(_) => v.push(Finding::error(Some("id".into()), "id-format", "'id' must be a string")),
        None => v.push(Finding::error(Some("id".into()), "required-property", "'id' is required")),
    }
    let mut stamp = |name: &str| -> Option<Timestamp> {
        match map.get(name) {
            Some(Value::String(s)) => match Timestamp::parse(s) {
                Ok(t) => Some(t),
                Err(e) => {
                    v.push(Finding::error(Some(name.into()), "timestamp-format", e.to_string()));
                    None
                }
            },
            Some(_) => {
                v.push(Finding::error(Some(name.into()), "timestamp-format", format!("'{name}' must be a timestamp string")));
                None
            }
            None => None,
        }
    };
    let created = stamp("created");
    let modified = stamp("modified");
    if let (Some(c), Some(m)) = (created, modified) {
        if m < c {
            v.push(Finding::error(
                Some("modified".into()),
                "modified-before-created",
                format!("'modified' ({m}) must not be earlier than 'created' ({c})"),
            ));
        }
    }
    v
}

/// Extracts what storage needs from an object that [`validate_object`] accepted.
pub fn object_meta(obj: &Value) -> Result<ObjectMeta, Finding> {
    let get_str = |k: &str| obj.get(k).and_then(Value::as_str);
    let id = get_str("id").ok_or_else(|| Finding::error(Some("id".into()), "required-property", "'id' is required"))?;
    let id = Identifier::parse(id).map_err(|e| Finding::error(Some("id".into()), "id-format", e.to_string()))?;
    let object_type = id.object_type().to_owned();
    let spec_version = get_str("spec_version").unwrap_or("2.1").to_owned();
    let version = get_str("modified").or_else(|| get_str("created")).and_then(|s| Timestamp::parse(s).ok());
    Ok(ObjectMeta { id, object_type, spec_version, version })
}
