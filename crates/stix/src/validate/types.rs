//! One table per STIX 2.1 object type: its properties, their kinds and which are required,
//! plus the rules that tie several properties together.

use serde_json::Value;

use super::vocab as v;
use super::{Ctx, Obj, formats, index, join};
use crate::Timestamp;

/// The kind of STIX object, which decides the common properties it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// STIX Domain Object (section 4), or a custom object that is not an SCO or SRO.
    Sdo,
    /// STIX Relationship Object (section 5).
    Sro,
    /// STIX Cyber-observable Object (section 6).
    Sco,
    /// `marking-definition` (section 7.2).
    MarkingDefinition,
    /// `language-content` (section 7.1).
    LanguageContent,
    /// `extension-definition` (section 7.3).
    ExtensionDefinition,
    /// `bundle` (section 8).
    Bundle,
}

/// The category of a type name defined by STIX 2.1; `None` for custom types.
pub fn category_of(ty: &str) -> Option<Category> {
    spec(ty).map(|s| s.category)
}

/// What a reference property may point at.
#[derive(Clone, Copy)]
pub(crate) enum R {
    /// Any STIX identifier.
    Any,
    /// Identifiers of exactly these types.
    Types(&'static [&'static str]),
    /// Identifiers that SHOULD be of these types: the spec describes the target's type but
    /// states no MUST (`created_by_ref`, "the id of the identity object"); another type is a
    /// warning.
    ShouldBe(&'static [&'static str]),
    /// An SDO, or a custom object that is not known to be something else.
    Sdo,
    /// Any SDO or SCO (and custom objects): not a relationship, sighting, bundle,
    /// marking-definition, language-content or extension-definition.
    SdoOrSco,
    /// An SCO (or a custom object).
    Sco,
    /// An SCO or SRO (observed-data `object_refs`).
    ScoOrSro,
}

impl R {
    fn allows(self, ty: &str) -> bool {
        let cat = category_of(ty);
        match self {
            R::Any => true,
            R::Types(ts) | R::ShouldBe(ts) => ts.contains(&ty),
            R::Sdo => matches!(cat, None | Some(Category::Sdo)),
            R::SdoOrSco => matches!(cat, None | Some(Category::Sdo) | Some(Category::Sco)),
            R::Sco => matches!(cat, None | Some(Category::Sco)),
            R::ScoOrSro => matches!(cat, None | Some(Category::Sco) | Some(Category::Sro)),
        }
    }

    fn describe(self) -> String {
        match self {
            R::Any => "any STIX object".into(),
            R::Types(ts) | R::ShouldBe(ts) => ts.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(" or "),
            R::Sdo => "a STIX domain object".into(),
            R::SdoOrSco => "a STIX domain object or cyber-observable object".into(),
            R::Sco => "a STIX cyber-observable object".into(),
            R::ScoOrSro => "a STIX cyber-observable object or relationship object".into(),
        }
    }
}

/// The kind of a property value.
#[derive(Clone, Copy)]
pub(crate) enum K {
    Str,
    Bool,
    /// An integer within inclusive bounds.
    Int(i64, i64),
    /// A number within inclusive bounds.
    Float(f64, f64),
    Ts,
    Ref(R),
    Refs(R),
    /// A non-empty list of strings.
    Strs,
    /// A string from an open vocabulary (others warned about).
    Ov(&'static str, &'static [&'static str]),
    /// A non-empty list of strings from an open vocabulary.
    Ovs(&'static str, &'static [&'static str]),
    /// A string from a closed enumeration.
    En(&'static [&'static str]),
    /// A non-empty list of strings from a closed enumeration.
    Ens(&'static [&'static str]),
    Hashes,
    KillChains,
    /// A dictionary (JSON object with at least one entry).
    Dict,
    /// Base64 binary.
    Bin,
    /// Hex octets.
    Hex,
    Url,
    /// A string in a lexical format: the test and what it expects.
    Fmt(fn(&str) -> bool, &'static str),
    /// A JSON object checked by a function.
    Obj(fn(&mut Ctx, &str, &Obj)),
    /// A non-empty list of JSON objects, each checked by a function.
    Objs(fn(&mut Ctx, &str, &Obj)),
    /// Anything (checked elsewhere).
    Any,
}

/// One object type.
pub(crate) struct Spec {
    pub name: &'static str,
    pub category: Category,
    pub required: &'static [&'static str],
    pub props: &'static [(&'static str, K)],
    /// Rules spanning several properties.
    pub rules: Option<fn(&mut Ctx, &Obj)>,
    /// Predefined extensions (SCOs): name, properties, required.
    pub extensions: &'static [Ext],
}

pub(crate) struct Ext {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub props: &'static [(&'static str, K)],
    pub rules: Option<fn(&mut Ctx, &str, &Obj)>,
}

/// Checks one property value against its kind; `path` names it in findings.
pub(crate) fn check_value(cx: &mut Ctx, path: &str, value: &Value, kind: K) {
    let name = path;
    match kind {
        K::Any => {}
        K::Str => {
            if !value.is_string() {
                cx.err(path, "property-type", format!("'{name}' must be a string"));
            }
        }
        K::Bool => {
            if !value.is_boolean() {
                cx.err(path, "property-type", format!("'{name}' must be a boolean (true or false), not {}", json_kind(value)));
            }
        }
        K::Int(lo, hi) => match value.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            Some(n) => cx.err(path, "out-of-range", format!("'{name}' is {n}; it must be between {lo} and {hi}")),
            None if value.as_u64().is_some() => {
                cx.err(path, "out-of-range", format!("'{name}' is too large; it must be between {lo} and {hi}"))
            }
            None => cx.err(path, "property-type", format!("'{name}' must be an integer")),
        },
        K::Float(lo, hi) => match value.as_f64() {
            Some(n) if n >= lo && n <= hi => {}
            Some(n) => cx.err(path, "out-of-range", format!("'{name}' is {n}; it must be between {lo} and {hi}")),
            None => cx.err(path, "property-type", format!("'{name}' must be a number")),
        },
        K::Ts => {
            timestamp(cx, path, value);
        }
        K::Ref(r) => reference(cx, path, value, r),
        K::Refs(r) => {
            if let Some(items) = list(cx, path, value) {
                for (i, item) in items.iter().enumerate() {
                    reference(cx, &index(path, i), item, r);
                }
            }
        }
        K::Strs => strings(cx, path, value, |_, _, _| {}),
        K::Ov(vocab, values) => {
            if let Some(s) = string(cx, path, value) {
                open_vocab(cx, path, s, vocab, values);
            }
        }
        K::Ovs(vocab, values) => strings(cx, path, value, |cx, p, s| open_vocab(cx, p, s, vocab, values)),
        K::En(values) => {
            if let Some(s) = string(cx, path, value) {
                closed_enum(cx, path, s, values);
            }
        }
        K::Ens(values) => strings(cx, path, value, |cx, p, s| closed_enum(cx, p, s, values)),
        K::Hashes => hashes(cx, path, value),
        K::KillChains => {
            if let Some(items) = list(cx, path, value) {
                for (i, item) in items.iter().enumerate() {
                    kill_chain_phase(cx, &index(path, i), item);
                }
            }
        }
        K::Dict => match value {
            Value::Object(m) if !m.is_empty() => {}
            Value::Object(_) => cx.err(path, "empty-dictionary", format!("'{name}' must not be an empty dictionary; omit it instead")),
            _ => cx.err(path, "property-type", format!("'{name}' must be a dictionary (a JSON object)")),
        },
        K::Bin => {
            if let Some(s) = string(cx, path, value)
                && !formats::is_base64(s) {
                    cx.err(path, "binary-format", format!("'{name}' must be base64-encoded (RFC 4648)"));
                }
        }
        K::Hex => {
            if let Some(s) = string(cx, path, value)
                && !formats::is_hex(s) {
                    cx.err(path, "hex-format", format!("'{name}' must be hex octets (an even number of 0-9 and a-f)"));
                }
        }
        K::Url => {
            if let Some(s) = string(cx, path, value)
                && !formats::is_uri(s) {
                    cx.err(path, "url-format", format!("'{name}' ('{s}') must be a URL with a scheme, such as https://example.com/"));
                }
        }
        K::Fmt(test, expected) => {
            if let Some(s) = string(cx, path, value)
                && !test(s) {
                    cx.err(path, "value-format", format!("'{name}' ('{s}') must be {expected}"));
                }
        }
        K::Obj(f) => match value {
            Value::Object(m) => f(cx, path, m),
            _ => cx.err(path, "property-type", format!("'{name}' must be a JSON object")),
        },
        K::Objs(f) => {
            if let Some(items) = list(cx, path, value) {
                for (i, item) in items.iter().enumerate() {
                    let p = index(path, i);
                    match item {
                        Value::Object(m) => f(cx, &p, m),
                        _ => cx.err(&p, "property-type", format!("'{p}' must be a JSON object")),
                    }
                }
            }
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn string<'v>(cx: &mut Ctx, path: &str, value: &'v Value) -> Option<&'v str> {
    match value {
        Value::String(s) => Some(s),
        _ => {
            cx.err(path, "property-type", format!("'{path}' must be a string, not {}", json_kind(value)));
            None
        }
    }
}

/// A non-empty list.
pub(crate) fn list<'v>(cx: &mut Ctx, path: &str, value: &'v Value) -> Option<&'v [Value]> {
    match value {
        Value::Array(items) if !items.is_empty() => Some(items),
        Value::Array(_) => {
            cx.err(path, "empty-list", format!("'{path}' must not be an empty list; omit the property instead"));
            None
        }
        _ => {
            cx.err(path, "property-type", format!("'{path}' must be a list, not {}", json_kind(value)));
            None
        }
    }
}

fn strings(cx: &mut Ctx, path: &str, value: &Value, each: impl Fn(&mut Ctx, &str, &str)) {
    if let Some(items) = list(cx, path, value) {
        for (i, item) in items.iter().enumerate() {
            let p = index(path, i);
            if let Some(s) = string(cx, &p, item) {
                each(cx, &p, s);
            }
        }
    }
}

pub(crate) fn timestamp(cx: &mut Ctx, path: &str, value: &Value) -> Option<Timestamp> {
    let s = string(cx, path, value)?;
    match Timestamp::parse(s) {
        Ok(t) => Some(t),
        Err(e) => {
            cx.err(path, "timestamp-format", format!("'{path}': {e}"));
            None
        }
    }
}

pub(crate) fn reference(cx: &mut Ctx, path: &str, value: &Value, r: R) {
    let Some(s) = string(cx, path, value) else { return };
    match crate::Identifier::parse(s) {
        Ok(id) => {
            if !super::common::uuid_is_rfc4122(id.uuid_part()) {
                cx.err(path, "reference-format", format!("'{path}' ('{s}') must hold an RFC 4122 UUID (variant bits 10, version 1 to 8)"));
            } else if !r.allows(id.object_type()) && matches!(r, R::ShouldBe(_)) {
                cx.warn(
                    path,
                    "reference-type",
                    format!("'{path}' refers to a '{}' object; it should refer to {}", id.object_type(), r.describe()),
                );
            } else if !r.allows(id.object_type()) {
                cx.err(
                    path,
                    "reference-type",
                    format!("'{path}' refers to a '{}' object; it must refer to {}", id.object_type(), r.describe()),
                );
            }
        }
        Err(e) => cx.err(path, "reference-format", format!("'{path}' must be a STIX identifier: {e}")),
    }
}

fn open_vocab(cx: &mut Ctx, path: &str, s: &str, vocab: &str, values: &[&str]) {
    if !values.contains(&s) {
        cx.warn(path, "open-vocabulary", format!("'{s}' is not in the {vocab} vocabulary"));
    }
}

fn closed_enum(cx: &mut Ctx, path: &str, s: &str, values: &[&str]) {
    if !values.contains(&s) {
        cx.err(path, "enumeration", format!("'{path}' is '{s}'; it must be one of {}", values.join(", ")));
    }
}

/// A hashes dictionary (section 2.7): keys from hashing-algorithm-ov or custom names of 3 to
/// 250 characters, values in the algorithm's format.
pub(crate) fn hashes(cx: &mut Ctx, path: &str, value: &Value) {
    let Value::Object(m) = value else {
        cx.err(path, "property-type", format!("'{path}' must be a dictionary of hashes"));
        return;
    };
    if m.is_empty() {
        cx.err(path, "empty-dictionary", format!("'{path}' must hold at least one hash"));
    }
    for (algo, h) in m {
        let p = join(path, algo);
        let Some(h) = string(cx, &p, h) else { continue };
        let hex_len = match algo.as_str() {
            "MD5" => Some(32),
            "SHA-1" => Some(40),
            "SHA-256" | "SHA3-256" => Some(64),
            "SHA-512" | "SHA3-512" => Some(128),
            _ => None,
        };
        if let Some(n) = hex_len {
            if h.len() != n || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                cx.err(&p, "hash-format", format!("a {algo} hash must be {n} hex digits"));
            }
        } else if algo == "SSDEEP" || algo == "TLSH" {
            if h.is_empty() {
                cx.err(&p, "hash-format", format!("the {algo} hash must not be empty"));
            }
        } else if !(3..=250).contains(&algo.len()) || !algo.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            cx.err(&p, "hash-algorithm", format!("hash algorithm name '{algo}' must be from hashing-algorithm-ov or 3 to 250 characters of a-z, A-Z, 0-9, '_' and '-'"));
        } else {
            cx.warn(&p, "hash-algorithm", format!("hash algorithm '{algo}' is not in hashing-algorithm-ov ({})", v::HASH_ALGORITHM.join(", ")));
        }
    }
}

fn kill_chain_phase(cx: &mut Ctx, path: &str, value: &Value) {
    let Value::Object(m) = value else {
        cx.err(path, "property-type", format!("'{path}' must be a kill chain phase object"));
        return;
    };
    for key in ["kill_chain_name", "phase_name"] {
        let p = join(path, key);
        match m.get(key) {
            None => cx.err(&p, "required-property", format!("a kill chain phase requires '{key}'")),
            Some(val) => {
                if let Some(s) = string(cx, &p, val)
                    && (s.is_empty() || s.chars().any(|c| c.is_ascii_uppercase() || c == ' ' || c == '_')) {
                        cx.warn(&p, "kill-chain-format", format!("'{s}' should be lowercase with hyphens as word separators"));
                    }
            }
        }
    }
}

/// Checks the properties of a table against a JSON object: required ones present, known ones of
/// the right kind. Returns nothing; unknown properties are the caller's business.
pub(crate) fn check_props(cx: &mut Ctx, prefix: &str, m: &Obj, required: &[&str], props: &[(&str, K)], what: &str) {
    for r in required {
        if !m.contains_key(*r) {
            cx.err(&join(prefix, r), "required-property", format!("'{r}' is required on {what}"));
        }
    }
    for (name, kind) in props {
        if let Some(val) = m.get(*name) {
            check_value(cx, &join(prefix, name), val, *kind);
        }
    }
}

fn ts_of(m: &Obj, key: &str) -> Option<Timestamp> {
    m.get(key).and_then(Value::as_str).and_then(|s| Timestamp::parse(s).ok())
}

/// `later` must not be before `earlier` (or, `strict`, must be after it).
pub(crate) fn order(cx: &mut Ctx, prefix: &str, m: &Obj, earlier: &str, later: &str, strict: bool) {
    if let (Some(a), Some(b)) = (ts_of(m, earlier), ts_of(m, later))
        && (b < a || (strict && b == a)) {
            let rel = if strict { "later than" } else { "later than or equal to" };
            cx.err(&join(prefix, later), "timestamp-order", format!("'{later}' ({b}) must be {rel} '{earlier}' ({a})"));
        }
}

fn at_least_one(cx: &mut Ctx, m: &Obj, props: &[&str], what: &str) {
    if !props.iter().any(|p| m.contains_key(*p)) {
        cx.err("", "required-property", format!("{what} must have at least one of {}", quoted(props)));
    }
}

fn quoted(props: &[&str]) -> String {
    props.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// Rules spanning properties.

fn seen_order(cx: &mut Ctx, m: &Obj) {
    order(cx, "", m, "first_seen", "last_seen", false);
}

fn indicator(cx: &mut Ctx, m: &Obj) {
    order(cx, "", m, "valid_from", "valid_until", true);
    if m.get("pattern_type").and_then(Value::as_str) == Some("stix")
        && let Some(p) = m.get("pattern").and_then(Value::as_str)
            && let Err(e) = super::pattern::check_pattern(p) {
                cx.err("pattern", "pattern-syntax", format!("'pattern' is not a valid STIX pattern: {e}"));
            }
}

fn location(cx: &mut Ctx, m: &Obj) {
    let lat = m.contains_key("latitude");
    let long = m.contains_key("longitude");
    if lat != long {
        let (has, missing) = if lat { ("latitude", "longitude") } else { ("longitude", "latitude") };
        cx.err(missing, "required-property", format!("'{has}' requires '{missing}'"));
    }
    if m.contains_key("precision") && !(lat && long) {
        cx.err("precision", "dependent-property", "'precision' requires 'latitude' and 'longitude'");
    }
    if !(m.contains_key("region") || m.contains_key("country") || (lat && long)) {
        cx.err("", "required-property", "a location must have 'region', 'country', or 'latitude' and 'longitude'");
    }
    if let Some(c) = m.get("country").and_then(Value::as_str)
        && !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())) {
            cx.warn("country", "country-code", format!("'country' ('{c}') should be an ISO 3166-1 alpha-2 code such as 'DE'"));
        }
}

fn malware(cx: &mut Ctx, m: &Obj) {
    seen_order(cx, m);
    if m.get("is_family") == Some(&Value::Bool(true)) && !m.contains_key("name") {
        cx.err("name", "required-property", "'name' is required on a malware family (is_family true)");
    }
}

fn malware_analysis(cx: &mut Ctx, m: &Obj) {
    at_least_one(cx, m, &["result", "analysis_sco_refs"], "a malware-analysis");
}

fn observed_data(cx: &mut Ctx, m: &Obj) {
    order(cx, "", m, "first_observed", "last_observed", false);
    match (m.get("objects"), m.contains_key("object_refs")) {
        (Some(_), true) => cx.err("objects", "mutually-exclusive", "'objects' and 'object_refs' must not both be present"),
        (None, false) => cx.err("object_refs", "required-property", "an observed-data must have 'object_refs' (or the deprecated 'objects')"),
        (Some(objs), false) => {
            cx.warn("objects", "deprecated-property", "'objects' is deprecated in STIX 2.1; use 'object_refs' and separate SCOs");
            match objs {
                Value::Object(d) if !d.is_empty() => {
                    for (k, o) in d {
                        let p = join("objects", k);
                        match o {
                            Value::Object(om) => {
                                if let Some(Value::String(t)) = om.get("type") {
                                    if !matches!(category_of(t), None | Some(Category::Sco)) {
                                        cx.err(&p, "reference-type", format!("'{p}' is a '{t}'; observed-data 'objects' may hold only cyber-observable objects"));
                                    }
                                } else {
                                    cx.err(&join(&p, "type"), "required-property", "each observed object requires 'type'");
                                }
                            }
                            _ => cx.err(&p, "property-type", format!("'{p}' must be a JSON object")),
                        }
                    }
                }
                Value::Object(_) => cx.err("objects", "empty-dictionary", "'objects' must not be empty"),
                _ => cx.err("objects", "property-type", "'objects' must be a dictionary of cyber-observable objects"),
            }
        }
        (None, true) => {}
    }
}

fn relationship(cx: &mut Ctx, m: &Obj) {
    order(cx, "", m, "start_time", "stop_time", true);
    if let Some(t) = m.get("relationship_type").and_then(Value::as_str)
        && (!(3..=250).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')) {
            cx.err("relationship_type", "relationship-type-format", format!("'relationship_type' ('{t}') must be 3 to 250 characters of a-z, 0-9 and '-'"));
        }
}

fn sighting(cx: &mut Ctx, m: &Obj) {
    seen_order(cx, m);
}

fn artifact(cx: &mut Ctx, m: &Obj) {
    match (m.contains_key("payload_bin"), m.contains_key("url")) {
        (true, true) => cx.err("url", "mutually-exclusive", "an artifact must have 'payload_bin' or 'url', not both"),
        (false, false) => cx.err("", "required-property", "an artifact must have 'payload_bin' or 'url'"),
        (false, true) if !m.contains_key("hashes") => cx.err("hashes", "required-property", "'hashes' is required when an artifact has 'url'"),
        _ => {}
    }
    if m.contains_key("decryption_key") && !m.contains_key("encryption_algorithm") {
        cx.err("decryption_key", "dependent-property", "'decryption_key' must not be present without 'encryption_algorithm'");
    }
}

fn email_message(cx: &mut Ctx, m: &Obj) {
    match m.get("is_multipart") {
        Some(Value::Bool(true)) if m.contains_key("body") => {
            cx.err("body", "dependent-property", "'body' must not be present when 'is_multipart' is true; use 'body_multipart'")
        }
        Some(Value::Bool(false)) if m.contains_key("body_multipart") => {
            cx.err("body_multipart", "dependent-property", "'body_multipart' must not be present when 'is_multipart' is false; use 'body'")
        }
        _ => {}
    }
}

fn mime_part(cx: &mut Ctx, path: &str, m: &Obj) {
    check_props(cx, path, m, &[], MIME_PART, "a MIME part");
    match (m.contains_key("body"), m.contains_key("body_raw_ref")) {
        (true, true) => cx.err(&join(path, "body_raw_ref"), "mutually-exclusive", "a MIME part must have 'body' or 'body_raw_ref', not both"),
        (false, false) => cx.err(path, "required-property", "a MIME part must have 'body' or 'body_raw_ref'"),
        _ => {}
    }
}

fn file(cx: &mut Ctx, m: &Obj) {
    at_least_one(cx, m, &["hashes", "name"], "a file");
    if let Some(mt) = m.get("mime_type").and_then(Value::as_str)
        && !formats::is_media_type(mt) {
            cx.warn("mime_type", "media-type", format!("'mime_type' ('{mt}') should be an IANA media type such as 'application/zip'"));
        }
}

fn network_traffic(cx: &mut Ctx, m: &Obj) {
    at_least_one(cx, m, &["src_ref", "dst_ref"], "a network-traffic");
    if m.get("is_active") == Some(&Value::Bool(true)) && m.contains_key("end") {
        cx.err("end", "dependent-property", "'end' must not be present when 'is_active' is true");
    }
    order(cx, "", m, "start", "end", false);
}

fn at_least_one_property(cx: &mut Ctx, m: &Obj, what: &str) {
    const COMMON: &[&str] = &["type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged"];
    if m.keys().all(|k| COMMON.contains(&k.as_str())) {
        cx.err("", "required-property", format!("a {what} must have at least one property of its own"));
    }
}

fn process(cx: &mut Ctx, m: &Obj) {
    at_least_one_property(cx, m, "process");
}

fn user_account(cx: &mut Ctx, m: &Obj) {
    at_least_one_property(cx, m, "user-account");
}

fn x509(cx: &mut Ctx, m: &Obj) {
    at_least_one_property(cx, m, "x509-certificate");
    order(cx, "", m, "validity_not_before", "validity_not_after", false);
}

fn registry_key(cx: &mut Ctx, m: &Obj) {
    at_least_one_property(cx, m, "windows-registry-key");
    if let Some(k) = m.get("key").and_then(Value::as_str) {
        let hive = k.split('\\').next().unwrap_or_default();
        if ["hklm", "hkcc", "hkcr", "hkcu", "hku"].iter().any(|a| hive.eq_ignore_ascii_case(a)) {
            cx.err("key", "registry-hive", format!("'key' must name the hive in full (e.g. HKEY_LOCAL_MACHINE), not '{hive}'"));
        }
    }
}

fn software_languages(s: &str) -> bool {
    formats::is_language_tag(s)
}

fn charset(cx: &mut Ctx, m: &Obj, prop: &str) {
    if let Some(s) = m.get(prop).and_then(Value::as_str) {
        if !formats::is_charset_name(s) {
            cx.err(prop, "character-set", format!("'{prop}' ('{s}') must be a character set name from the IANA registry, such as 'UTF-8'"));
        } else if !formats::is_common_charset(s) {
            cx.warn(prop, "character-set", format!("'{prop}' ('{s}') is not a character set tearline knows from the IANA registry"));
        }
    }
}

fn directory(cx: &mut Ctx, m: &Obj) {
    charset(cx, m, "path_enc");
}

fn file_rules(cx: &mut Ctx, m: &Obj) {
    file(cx, m);
    charset(cx, m, "name_enc");
}

fn artifact_rules(cx: &mut Ctx, m: &Obj) {
    artifact(cx, m);
}

fn extension_definition(cx: &mut Ctx, m: &Obj) {
    let toplevel = m
        .get("extension_types")
        .and_then(Value::as_array)
        .is_some_and(|ts| ts.iter().any(|t| t == "toplevel-property-extension"));
    if m.contains_key("extension_properties") && !toplevel {
        cx.err(
            "extension_properties",
            "dependent-property",
            "'extension_properties' may be present only when 'extension_types' includes 'toplevel-property-extension'",
        );
    }
    if let Some(Value::Array(props)) = m.get("extension_properties") {
        for (i, p) in props.iter().enumerate() {
            if let Some(s) = p.as_str()
                && !super::common::is_property_name(s) {
                    cx.err(&index("extension_properties", i), "property-name", format!("'{s}' is not a valid property name ({})", super::common::PROPERTY_NAME_RULE));
                }
        }
    }
}

fn language_content(cx: &mut Ctx, m: &Obj) {
    let Some(Value::Object(contents)) = m.get("contents") else { return };
    for (lang, fields) in contents {
        let p = join("contents", lang);
        if !formats::is_language_tag(lang) {
            cx.err(&p, "language-tag", format!("'contents' key '{lang}' must be an RFC 5646 language tag such as 'de' or 'pt-BR'"));
        }
        match fields {
            Value::Object(fm) if !fm.is_empty() => {
                for k in fm.keys() {
                    if !super::common::is_property_name(k) {
                        cx.err(&join(&p, k), "property-name", format!("'{k}' in 'contents.{lang}' must be a property name ({})", super::common::PROPERTY_NAME_RULE));
                    }
                }
            }
            Value::Object(_) => cx.err(&p, "empty-dictionary", format!("'contents.{lang}' must not be empty")),
            _ => cx.err(&p, "property-type", format!("'contents.{lang}' must be a dictionary of translated properties")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Predefined SCO extensions (section 6).

fn ads(cx: &mut Ctx, path: &str, m: &Obj) {
    check_props(cx, path, m, &["name"], &[("name", K::Str), ("hashes", K::Hashes), ("size", K::Int(0, i64::MAX))], "an alternate data stream");
}

fn pe_section(cx: &mut Ctx, path: &str, m: &Obj) {
    check_props(
        cx,
        path,
        m,
        &["name"],
        &[("name", K::Str), ("size", K::Int(0, i64::MAX)), ("entropy", K::Float(f64::MIN, f64::MAX)), ("hashes", K::Hashes)],
        "a PE section",
    );
}

fn pe_optional_header(cx: &mut Ctx, path: &str, m: &Obj) {
    const INTS: &[&str] = &[
        "magic_hex", "major_linker_version", "minor_linker_version", "size_of_code", "size_of_initialized_data",
        "size_of_uninitialized_data", "address_of_entry_point", "base_of_code", "base_of_data", "image_base",
        "section_alignment", "file_alignment", "major_os_version", "minor_os_version", "major_image_version",
        "minor_image_version", "major_subsystem_version", "minor_subsystem_version", "win32_version_value_hex",
        "size_of_image", "size_of_headers", "checksum_hex", "subsystem_hex", "dll_characteristics_hex",
        "size_of_stack_reserve", "size_of_stack_commit", "size_of_heap_reserve", "size_of_heap_commit",
        "loader_flags_hex", "number_of_rva_and_sizes",
    ];
    for (k, val) in m {
        let p = join(path, k);
        if k.ends_with("_hex") {
            check_value(cx, &p, val, K::Hex);
        } else if k == "hashes" {
            check_value(cx, &p, val, K::Hashes);
        } else if INTS.contains(&k.as_str()) {
            check_value(cx, &p, val, K::Int(i64::MIN, i64::MAX));
        }
    }
    if m.is_empty() {
        cx.err(path, "empty-dictionary", "'optional_header' must have at least one property");
    }
}

fn registry_value(cx: &mut Ctx, path: &str, m: &Obj) {
    check_props(cx, path, m, &[], &[("name", K::Str), ("data", K::Str), ("data_type", K::En(v::WINDOWS_REGISTRY_DATATYPE))], "a registry value");
}

fn x509_v3(cx: &mut Ctx, path: &str, m: &Obj) {
    for (k, val) in m {
        let p = join(path, k);
        if k.starts_with("private_key_usage_period_") {
            check_value(cx, &p, val, K::Ts);
        } else if X509_V3.contains(&k.as_str()) {
            check_value(cx, &p, val, K::Str);
        }
    }
}

const X509_V3: &[&str] = &[
    "basic_constraints", "name_constraints", "policy_constraints", "key_usage", "extended_key_usage",
    "subject_key_identifier", "authority_key_identifier", "subject_alternative_name", "issuer_alternative_name",
    "subject_directory_attributes", "crl_distribution_points", "inhibit_any_policy", "certificate_policies",
    "policy_mappings",
];

const MIME_PART: &[(&str, K)] = &[
    ("body", K::Str),
    ("body_raw_ref", K::Ref(R::Types(&["artifact", "file"]))),
    ("content_type", K::Str),
    ("content_disposition", K::Str),
];

const NONNEG: K = K::Int(0, i64::MAX);
const ANY_INT: K = K::Int(i64::MIN, i64::MAX);
const LANG: K = K::Fmt(formats::is_language_tag, "an RFC 5646 language tag such as 'en' or 'pt-BR'");

const FILE_EXTENSIONS: &[Ext] = &[
    Ext {
        name: "archive-ext",
        required: &["contains_refs"],
        props: &[("contains_refs", K::Refs(R::Types(&["file", "directory"]))), ("comment", K::Str)],
        rules: None,
    },
    Ext { name: "ntfs-ext", required: &[], props: &[("sid", K::Str), ("alternate_data_streams", K::Objs(ads))], rules: None },
    Ext {
        name: "pdf-ext",
        required: &[],
        props: &[("version", K::Str), ("is_optimized", K::Bool), ("document_info_dict", K::Dict), ("pdfid0", K::Str), ("pdfid1", K::Str)],
        rules: None,
    },
    Ext {
        name: "raster-image-ext",
        required: &[],
        props: &[("image_height", NONNEG), ("image_width", NONNEG), ("bits_per_pixel", NONNEG), ("exif_tags", K::Dict)],
        rules: None,
    },
    Ext {
        name: "windows-pebinary-ext",
        required: &["pe_type"],
        props: &[
            ("pe_type", K::Ov("windows-pebinary-type-ov", v::WINDOWS_PEBINARY_TYPE)),
            ("imphash", K::Str),
            ("machine_hex", K::Hex),
            ("number_of_sections", NONNEG),
            ("time_date_stamp", K::Ts),
            ("pointer_to_symbol_table_hex", K::Hex),
            ("number_of_symbols", NONNEG),
            ("size_of_optional_header", NONNEG),
            ("characteristics_hex", K::Hex),
            ("file_header_hashes", K::Hashes),
            ("optional_header", K::Obj(pe_optional_header)),
            ("sections", K::Objs(pe_section)),
        ],
        rules: None,
    },
];

const NETWORK_TRAFFIC_EXTENSIONS: &[Ext] = &[
    Ext {
        name: "http-request-ext",
        required: &["request_method", "request_value"],
        props: &[
            ("request_method", K::Str),
            ("request_value", K::Str),
            ("request_version", K::Str),
            ("request_header", K::Dict),
            ("message_body_length", NONNEG),
            ("message_body_data_ref", K::Ref(R::Types(&["artifact"]))),
        ],
        rules: None,
    },
    Ext { name: "icmp-ext", required: &["icmp_type_hex", "icmp_code_hex"], props: &[("icmp_type_hex", K::Hex), ("icmp_code_hex", K::Hex)], rules: None },
    Ext {
        name: "socket-ext",
        required: &["address_family"],
        props: &[
            ("address_family", K::En(v::NETWORK_SOCKET_ADDRESS_FAMILY)),
            ("is_blocking", K::Bool),
            ("is_listening", K::Bool),
            ("options", K::Dict),
            ("socket_type", K::En(v::NETWORK_SOCKET_TYPE)),
            ("socket_descriptor", NONNEG),
            ("socket_handle", ANY_INT),
        ],
        rules: None,
    },
    Ext { name: "tcp-ext", required: &[], props: &[("src_flags_hex", K::Hex), ("dst_flags_hex", K::Hex)], rules: None },
];

const PROCESS_EXTENSIONS: &[Ext] = &[
    Ext {
        name: "windows-process-ext",
        required: &[],
        props: &[
            ("aslr_enabled", K::Bool),
            ("dep_enabled", K::Bool),
            ("priority", K::Str),
            ("owner_sid", K::Str),
            ("window_title", K::Str),
            ("startup_info", K::Dict),
            ("integrity_level", K::En(v::WINDOWS_INTEGRITY_LEVEL)),
        ],
        rules: None,
    },
    Ext {
        name: "windows-service-ext",
        required: &[],
        props: &[
            ("service_name", K::Str),
            ("descriptions", K::Strs),
            ("display_name", K::Str),
            ("group_name", K::Str),
            ("start_type", K::En(v::WINDOWS_SERVICE_START_TYPE)),
            ("service_dll_refs", K::Refs(R::Types(&["file"]))),
            ("service_type", K::En(v::WINDOWS_SERVICE_TYPE)),
            ("service_status", K::En(v::WINDOWS_SERVICE_STATUS)),
        ],
        rules: None,
    },
];

const USER_ACCOUNT_EXTENSIONS: &[Ext] = &[Ext {
    name: "unix-account-ext",
    required: &[],
    props: &[("gid", ANY_INT), ("groups", K::Strs), ("home_dir", K::Str), ("shell", K::Str)],
    rules: None,
}];

// ---------------------------------------------------------------------------------------------
// The types.

const fn sdo(name: &'static str, required: &'static [&'static str], props: &'static [(&'static str, K)], rules: Option<fn(&mut Ctx, &Obj)>) -> Spec {
    Spec { name, category: Category::Sdo, required, props, rules, extensions: &[] }
}

const fn sco(
    name: &'static str,
    required: &'static [&'static str],
    props: &'static [(&'static str, K)],
    rules: Option<fn(&mut Ctx, &Obj)>,
    extensions: &'static [Ext],
) -> Spec {
    Spec { name, category: Category::Sco, required, props, rules, extensions }
}

const SOFTWARE: K = K::Ref(R::Types(&["software"]));
const NAMED: &[(&str, K)] = &[("name", K::Str), ("description", K::Str)];
const ADDR_REFS: R = R::Types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);

static SPECS: &[Spec] = &[
    sdo("attack-pattern", &["name"], &[("name", K::Str), ("description", K::Str), ("aliases", K::Strs), ("kill_chain_phases", K::KillChains)], None),
    sdo(
        "campaign",
        &["name"],
        &[("name", K::Str), ("description", K::Str), ("aliases", K::Strs), ("first_seen", K::Ts), ("last_seen", K::Ts), ("objective", K::Str)],
        Some(seen_order),
    ),
    sdo("course-of-action", &["name"], NAMED, None),
    sdo(
        "grouping",
        &["context", "object_refs"],
        &[("name", K::Str), ("description", K::Str), ("context", K::Ov("grouping-context-ov", v::GROUPING_CONTEXT)), ("object_refs", K::Refs(R::Any))],
        None,
    ),
    sdo(
        "identity",
        &["name"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("roles", K::Strs),
            ("identity_class", K::Ov("identity-class-ov", v::IDENTITY_CLASS)),
            ("sectors", K::Ovs("industry-sector-ov", v::INDUSTRY_SECTOR)),
            ("contact_information", K::Str),
        ],
        None,
    ),
    sdo("incident", &["name"], &[("name", K::Str), ("description", K::Str), ("kill_chain_phases", K::KillChains)], None),
    sdo(
        "indicator",
        &["pattern", "pattern_type", "valid_from"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("indicator_types", K::Ovs("indicator-type-ov", v::INDICATOR_TYPE)),
            ("pattern", K::Str),
            ("pattern_type", K::Ov("pattern-type-ov", v::PATTERN_TYPE)),
            ("pattern_version", K::Str),
            ("valid_from", K::Ts),
            ("valid_until", K::Ts),
            ("kill_chain_phases", K::KillChains),
        ],
        Some(indicator),
    ),
    sdo(
        "infrastructure",
        &["name"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("infrastructure_types", K::Ovs("infrastructure-type-ov", v::INFRASTRUCTURE_TYPE)),
            ("aliases", K::Strs),
            ("kill_chain_phases", K::KillChains),
            ("first_seen", K::Ts),
            ("last_seen", K::Ts),
        ],
        Some(seen_order),
    ),
    sdo(
        "intrusion-set",
        &["name"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("aliases", K::Strs),
            ("first_seen", K::Ts),
            ("last_seen", K::Ts),
            ("goals", K::Strs),
            ("resource_level", K::Ov("attack-resource-level-ov", v::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", K::Ov("attack-motivation-ov", v::ATTACK_MOTIVATION)),
            ("secondary_motivations", K::Ovs("attack-motivation-ov", v::ATTACK_MOTIVATION)),
        ],
        Some(seen_order),
    ),
    sdo(
        "location",
        &[],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("latitude", K::Float(-90.0, 90.0)),
            ("longitude", K::Float(-180.0, 180.0)),
            ("precision", K::Float(0.0, f64::MAX)),
            ("region", K::Ov("region-ov", v::REGION)),
            ("country", K::Str),
            ("administrative_area", K::Str),
            ("city", K::Str),
            ("street_address", K::Str),
            ("postal_code", K::Str),
        ],
        Some(location),
    ),
    sdo(
        "malware",
        &["is_family"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("malware_types", K::Ovs("malware-type-ov", v::MALWARE_TYPE)),
            ("is_family", K::Bool),
            ("aliases", K::Strs),
            ("kill_chain_phases", K::KillChains),
            ("first_seen", K::Ts),
            ("last_seen", K::Ts),
            ("operating_system_refs", K::Refs(R::Types(&["software"]))),
            ("architecture_execution_envs", K::Ovs("processor-architecture-ov", v::PROCESSOR_ARCHITECTURE)),
            ("implementation_languages", K::Ovs("implementation-language-ov", v::IMPLEMENTATION_LANGUAGE)),
            ("capabilities", K::Ovs("malware-capabilities-ov", v::MALWARE_CAPABILITIES)),
            ("sample_refs", K::Refs(R::Types(&["file", "artifact"]))),
        ],
        Some(malware),
    ),
    sdo(
        "malware-analysis",
        &["product"],
        &[
            ("product", K::Str),
            ("version", K::Str),
            ("host_vm_ref", SOFTWARE),
            ("operating_system_ref", SOFTWARE),
            ("installed_software_refs", K::Refs(R::Types(&["software"]))),
            ("configuration_version", K::Str),
            ("modules", K::Strs),
            ("analysis_engine_version", K::Str),
            ("analysis_definition_version", K::Str),
            ("submitted", K::Ts),
            ("analysis_started", K::Ts),
            ("analysis_ended", K::Ts),
            ("result_name", K::Str),
            ("result", K::Ov("malware-result-ov", v::MALWARE_RESULT)),
            ("analysis_sco_refs", K::Refs(R::Sco)),
            ("sample_ref", K::Ref(R::Sco)),
        ],
        Some(malware_analysis),
    ),
    sdo(
        "note",
        &["content", "object_refs"],
        &[("abstract", K::Str), ("content", K::Str), ("authors", K::Strs), ("object_refs", K::Refs(R::Any))],
        None,
    ),
    sdo(
        "observed-data",
        &["first_observed", "last_observed", "number_observed"],
        &[
            ("first_observed", K::Ts),
            ("last_observed", K::Ts),
            ("number_observed", K::Int(1, 999_999_999)),
            ("objects", K::Any),
            ("object_refs", K::Refs(R::ScoOrSro)),
        ],
        Some(observed_data),
    ),
    sdo(
        "opinion",
        &["opinion", "object_refs"],
        &[("explanation", K::Str), ("authors", K::Strs), ("opinion", K::En(v::OPINION)), ("object_refs", K::Refs(R::Any))],
        None,
    ),
    sdo(
        "report",
        &["name", "published", "object_refs"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("report_types", K::Ovs("report-type-ov", v::REPORT_TYPE)),
            ("published", K::Ts),
            ("object_refs", K::Refs(R::Any)),
        ],
        None,
    ),
    sdo(
        "threat-actor",
        &["name"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("threat_actor_types", K::Ovs("threat-actor-type-ov", v::THREAT_ACTOR_TYPE)),
            ("aliases", K::Strs),
            ("first_seen", K::Ts),
            ("last_seen", K::Ts),
            ("roles", K::Ovs("threat-actor-role-ov", v::THREAT_ACTOR_ROLE)),
            ("goals", K::Strs),
            ("sophistication", K::Ov("threat-actor-sophistication-ov", v::THREAT_ACTOR_SOPHISTICATION)),
            ("resource_level", K::Ov("attack-resource-level-ov", v::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", K::Ov("attack-motivation-ov", v::ATTACK_MOTIVATION)),
            ("secondary_motivations", K::Ovs("attack-motivation-ov", v::ATTACK_MOTIVATION)),
            ("personal_motivations", K::Ovs("attack-motivation-ov", v::ATTACK_MOTIVATION)),
        ],
        Some(seen_order),
    ),
    sdo(
        "tool",
        &["name"],
        &[
            ("name", K::Str),
            ("description", K::Str),
            ("tool_types", K::Ovs("tool-type-ov", v::TOOL_TYPE)),
            ("aliases", K::Strs),
            ("kill_chain_phases", K::KillChains),
            ("tool_version", K::Str),
        ],
        None,
    ),
    sdo("vulnerability", &["name"], NAMED, None),
    Spec {
        name: "relationship",
        category: Category::Sro,
        required: &["relationship_type", "source_ref", "target_ref"],
        props: &[
            ("relationship_type", K::Str),
            ("description", K::Str),
            ("source_ref", K::Ref(R::SdoOrSco)),
            ("target_ref", K::Ref(R::SdoOrSco)),
            ("start_time", K::Ts),
            ("stop_time", K::Ts),
        ],
        rules: Some(relationship),
        extensions: &[],
    },
    Spec {
        name: "sighting",
        category: Category::Sro,
        required: &["sighting_of_ref"],
        props: &[
            ("description", K::Str),
            ("first_seen", K::Ts),
            ("last_seen", K::Ts),
            ("count", K::Int(0, 999_999_999)),
            ("sighting_of_ref", K::Ref(R::Sdo)),
            ("observed_data_refs", K::Refs(R::Types(&["observed-data"]))),
            ("where_sighted_refs", K::Refs(R::Types(&["identity", "location"]))),
            ("summary", K::Bool),
        ],
        rules: Some(sighting),
        extensions: &[],
    },
    sco(
        "artifact",
        &[],
        &[
            ("mime_type", K::Fmt(formats::is_media_type, "an IANA media type such as 'application/zip'")),
            ("payload_bin", K::Bin),
            ("url", K::Url),
            ("hashes", K::Hashes),
            ("encryption_algorithm", K::En(v::ENCRYPTION_ALGORITHM)),
            ("decryption_key", K::Str),
        ],
        Some(artifact_rules),
        &[],
    ),
    sco("autonomous-system", &["number"], &[("number", K::Int(0, u32::MAX as i64)), ("name", K::Str), ("rir", K::Str)], None, &[]),
    sco(
        "directory",
        &["path"],
        &[
            ("path", K::Str),
            ("path_enc", K::Str),
            ("ctime", K::Ts),
            ("mtime", K::Ts),
            ("atime", K::Ts),
            ("contains_refs", K::Refs(R::Types(&["file", "directory"]))),
        ],
        Some(directory),
        &[],
    ),
    sco(
        "domain-name",
        &["value"],
        &[("value", K::Str), ("resolves_to_refs", K::Refs(R::Types(&["ipv4-addr", "ipv6-addr", "domain-name"])))],
        None,
        &[],
    ),
    sco(
        "email-addr",
        &["value"],
        &[
            ("value", K::Fmt(formats::is_addr_spec, "a single email address (RFC 5322 addr-spec) without display name")),
            ("display_name", K::Str),
            ("belongs_to_ref", K::Ref(R::Types(&["user-account"]))),
        ],
        None,
        &[],
    ),
    sco(
        "email-message",
        &["is_multipart"],
        &[
            ("is_multipart", K::Bool),
            ("date", K::Ts),
            ("content_type", K::Str),
            ("from_ref", K::Ref(R::Types(&["email-addr"]))),
            ("sender_ref", K::Ref(R::Types(&["email-addr"]))),
            ("to_refs", K::Refs(R::Types(&["email-addr"]))),
            ("cc_refs", K::Refs(R::Types(&["email-addr"]))),
            ("bcc_refs", K::Refs(R::Types(&["email-addr"]))),
            ("message_id", K::Str),
            ("subject", K::Str),
            ("received_lines", K::Strs),
            ("additional_header_fields", K::Dict),
            ("body", K::Str),
            ("body_multipart", K::Objs(mime_part)),
            ("raw_email_ref", K::Ref(R::Types(&["artifact"]))),
        ],
        Some(email_message),
        &[],
    ),
    sco(
        "file",
        &[],
        &[
            ("hashes", K::Hashes),
            ("size", NONNEG),
            ("name", K::Str),
            ("name_enc", K::Str),
            ("magic_number_hex", K::Hex),
            ("mime_type", K::Str),
            ("ctime", K::Ts),
            ("mtime", K::Ts),
            ("atime", K::Ts),
            ("parent_directory_ref", K::Ref(R::Types(&["directory"]))),
            ("contains_refs", K::Refs(R::Sco)),
            ("content_ref", K::Ref(R::Types(&["artifact"]))),
        ],
        Some(file_rules),
        FILE_EXTENSIONS,
    ),
    sco(
        "ipv4-addr",
        &["value"],
        &[
            ("value", K::Fmt(formats::is_ipv4_or_cidr, "an IPv4 address or CIDR block such as '198.51.100.0/24'")),
            ("resolves_to_refs", K::Refs(R::Types(&["mac-addr"]))),
            ("belongs_to_refs", K::Refs(R::Types(&["autonomous-system"]))),
        ],
        None,
        &[],
    ),
    sco(
        "ipv6-addr",
        &["value"],
        &[
            ("value", K::Fmt(formats::is_ipv6_or_cidr, "an IPv6 address or CIDR block such as '2001:db8::/32'")),
            ("resolves_to_refs", K::Refs(R::Types(&["mac-addr"]))),
            ("belongs_to_refs", K::Refs(R::Types(&["autonomous-system"]))),
        ],
        None,
        &[],
    ),
    sco("mac-addr", &["value"], &[("value", K::Fmt(formats::is_mac48, "a lowercase, colon-delimited MAC-48 address such as 'd2:fb:49:24:37:18'"))], None, &[]),
    sco("mutex", &["name"], &[("name", K::Str)], None, &[]),
    sco(
        "network-traffic",
        &["protocols"],
        &[
            ("start", K::Ts),
            ("end", K::Ts),
            ("is_active", K::Bool),
            ("src_ref", K::Ref(ADDR_REFS)),
            ("dst_ref", K::Ref(ADDR_REFS)),
            ("src_port", K::Int(0, 65535)),
            ("dst_port", K::Int(0, 65535)),
            ("protocols", K::Strs),
            ("src_byte_count", NONNEG),
            ("dst_byte_count", NONNEG),
            ("src_packets", NONNEG),
            ("dst_packets", NONNEG),
            ("ipfix", K::Dict),
            ("src_payload_ref", K::Ref(R::Types(&["artifact"]))),
            ("dst_payload_ref", K::Ref(R::Types(&["artifact"]))),
            ("encapsulates_refs", K::Refs(R::Types(&["network-traffic"]))),
            ("encapsulated_by_ref", K::Ref(R::Types(&["network-traffic"]))),
        ],
        Some(network_traffic),
        NETWORK_TRAFFIC_EXTENSIONS,
    ),
    sco(
        "process",
        &[],
        &[
            ("is_hidden", K::Bool),
            ("pid", ANY_INT),
            ("created_time", K::Ts),
            ("cwd", K::Str),
            ("command_line", K::Str),
            ("environment_variables", K::Dict),
            ("opened_connection_refs", K::Refs(R::Types(&["network-traffic"]))),
            ("creator_user_ref", K::Ref(R::Types(&["user-account"]))),
            ("image_ref", K::Ref(R::Types(&["file"]))),
            ("parent_ref", K::Ref(R::Types(&["process"]))),
            ("child_refs", K::Refs(R::Types(&["process"]))),
        ],
        Some(process),
        PROCESS_EXTENSIONS,
    ),
    sco(
        "software",
        &["name"],
        &[
            ("name", K::Str),
            ("cpe", K::Fmt(formats::is_cpe23, "a CPE 2.3 formatted string such as 'cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*'")),
            ("swid", K::Str),
            ("languages", K::Any),
            ("vendor", K::Str),
            ("version", K::Str),
        ],
        Some(software),
        &[],
    ),
    sco("url", &["value"], &[("value", K::Url)], None, &[]),
    sco(
        "user-account",
        &[],
        &[
            ("user_id", K::Str),
            ("credential", K::Str),
            ("account_login", K::Str),
            ("account_type", K::Ov("account-type-ov", v::ACCOUNT_TYPE)),
            ("display_name", K::Str),
            ("is_service_account", K::Bool),
            ("is_privileged", K::Bool),
            ("can_escalate_privs", K::Bool),
            ("is_disabled", K::Bool),
            ("account_created", K::Ts),
            ("account_expires", K::Ts),
            ("credential_last_changed", K::Ts),
            ("account_first_login", K::Ts),
            ("account_last_login", K::Ts),
        ],
        Some(user_account),
        USER_ACCOUNT_EXTENSIONS,
    ),
    sco(
        "windows-registry-key",
        &[],
        &[
            ("key", K::Str),
            ("values", K::Objs(registry_value)),
            ("modified_time", K::Ts),
            ("creator_user_ref", K::Ref(R::Types(&["user-account"]))),
            ("number_of_subkeys", NONNEG),
        ],
        Some(registry_key),
        &[],
    ),
    sco(
        "x509-certificate",
        &[],
        &[
            ("is_self_signed", K::Bool),
            ("hashes", K::Hashes),
            ("version", K::Str),
            ("serial_number", K::Str),
            ("signature_algorithm", K::Str),
            ("issuer", K::Str),
            ("validity_not_before", K::Ts),
            ("validity_not_after", K::Ts),
            ("subject", K::Str),
            ("subject_public_key_algorithm", K::Str),
            ("subject_public_key_modulus", K::Str),
            ("subject_public_key_exponent", NONNEG),
            ("x509_v3_extensions", K::Obj(x509_v3)),
        ],
        Some(x509),
        &[],
    ),
    Spec {
        name: "marking-definition",
        category: Category::MarkingDefinition,
        required: &[],
        props: &[("name", K::Str), ("definition_type", K::Str), ("definition", K::Any)],
        rules: None,
        extensions: &[],
    },
    Spec {
        name: "language-content",
        category: Category::LanguageContent,
        required: &["object_ref", "contents"],
        props: &[("object_ref", K::Ref(R::Any)), ("object_modified", K::Ts), ("contents", K::Dict)],
        rules: Some(language_content),
        extensions: &[],
    },
    Spec {
        name: "extension-definition",
        category: Category::ExtensionDefinition,
        required: &["created_by_ref", "name", "schema", "version", "extension_types"],
        props: &[
            ("name", K::Str),
            ("description", K::Str),
            ("schema", K::Str),
            ("version", K::Str),
            ("extension_types", K::Ens(v::EXTENSION_TYPE)),
            ("extension_properties", K::Strs),
        ],
        rules: Some(extension_definition),
        extensions: &[],
    },
    Spec { name: "bundle", category: Category::Bundle, required: &[], props: &[], rules: None, extensions: &[] },
];

fn software(cx: &mut Ctx, m: &Obj) {
    if let Some(value) = m.get("languages") {
        check_value(cx, "languages", value, K::Strs);
        if let Some(items) = value.as_array() {
            for (i, s) in items.iter().enumerate() {
                if let Some(s) = s.as_str()
                    && !software_languages(s) {
                        cx.err(&index("languages", i), "language-tag", format!("'{s}' must be an RFC 5646 language tag such as 'en' or 'pt-BR'"));
                    }
            }
        }
    }
}

pub(crate) const LANG_KIND: K = LANG;

pub(crate) fn spec(ty: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == ty)
}

pub(crate) fn extension_spec(ty: &str, name: &str) -> Option<&'static Ext> {
    spec(ty).and_then(|s| s.extensions.iter().find(|e| e.name == name))
}

/// Every predefined SCO extension name, whichever type it belongs to.
pub(crate) fn is_predefined_extension(name: &str) -> bool {
    SPECS.iter().any(|s| s.extensions.iter().any(|e| e.name == name))
}
