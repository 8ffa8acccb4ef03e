//! Validation of single STIX 2.1 objects.
//!
//! [`validate_object`] returns every finding: errors for MUST-level rules (the object is
//! rejected) and warnings for SHOULD-level rules (accepted, reported). Nothing here looks beyond
//! the one object (and, for a bundle, the objects inside it): whether a referenced object exists
//! is for storage to answer.
//!
//! Layout: `common` checks what every object carries (type, id, spec_version, timestamps,
//! markings, external references, extensions, custom properties); `types` holds one table per
//! object type (its properties, their kinds, what is required) and the rules that tie properties
//! together; `formats` and `vocab` are the lexical formats and vocabularies they use; `pattern`
//! checks the syntax of STIX patterns.

mod common;
mod formats;
mod pattern;
mod types;
pub mod vocab;

use serde_json::{Map, Value};

use crate::{Finding, Identifier, Severity, Timestamp};

pub use common::deterministic_sco_id;
pub use pattern::{PatternError, check_pattern};
pub use types::{Category, category_of};

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
///
/// A bundle is validated with the objects it holds; their findings name properties as
/// `objects.[i].<property>`.
pub fn validate_object(obj: &Value) -> Validation {
    let mut cx = Ctx { out: Validation::default(), prefix: String::new(), depth: 0 };
    cx.object(obj);
    cx.out
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

/// Bundles inside bundles are not STIX; this bounds recursion on hostile input all the same.
const MAX_DEPTH: usize = 4;

/// Where findings go while one object is checked, and the path prefix of nested objects.
pub(crate) struct Ctx {
    out: Validation,
    prefix: String,
    depth: usize,
}

impl Ctx {
    fn path(&self, prop: &str) -> Option<String> {
        match (self.prefix.is_empty(), prop.is_empty()) {
            (_, true) if self.prefix.is_empty() => None,
            (_, true) => Some(self.prefix.trim_end_matches('.').to_owned()),
            (true, false) => Some(prop.to_owned()),
            (false, false) => Some(format!("{}{prop}", self.prefix)),
        }
    }

    /// A MUST-level finding about property path `prop` (empty: the object as a whole).
    pub(crate) fn err(&mut self, prop: &str, rule: &'static str, message: impl Into<String>) {
        let f = Finding::error(self.path(prop), rule, message);
        self.out.push(f);
    }

    /// A SHOULD-level finding.
    pub(crate) fn warn(&mut self, prop: &str, rule: &'static str, message: impl Into<String>) {
        let f = Finding::warning(self.path(prop), rule, message);
        self.out.push(f);
    }

    fn object(&mut self, obj: &Value) {
        let Value::Object(map) = obj else {
            self.err("", "not-an-object", "a STIX object must be a JSON object");
            return;
        };
        common::check(self, map);
    }

    /// Validates the objects of a bundle, each under its own path prefix.
    fn nested(&mut self, index: usize, obj: &Value) {
        if self.depth >= MAX_DEPTH {
            self.err("", "nesting-too-deep", "bundles must not be nested");
            return;
        }
        let saved = std::mem::take(&mut self.prefix);
        self.prefix = format!("{saved}objects.[{index}].");
        self.depth += 1;
        self.object(obj);
        self.depth -= 1;
        self.prefix = saved;
    }
}

/// Joins a property path and a child key: `a` + `b` = `a.b`.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        return child.to_owned();
    }
    // Called for every property checked: plain appends, not the formatting machinery.
    let mut p = String::with_capacity(parent.len() + 1 + child.len());
    p.push_str(parent);
    p.push('.');
    p.push_str(child);
    p
}

/// Joins a property path and a list index: `a` + 1 = `a.[1]` (the granular-marking selector form).
pub(crate) fn index(parent: &str, i: usize) -> String {
    use std::fmt::Write;
    let mut p = String::with_capacity(parent.len() + 8);
    p.push_str(parent);
    p.push_str(".[");
    let _ = write!(p, "{i}");
    p.push(']');
    p
}

pub(crate) type Obj = Map<String, Value>;

#[cfg(test)]
mod tests;
