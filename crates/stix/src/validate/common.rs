//! What every object carries: type, id, spec_version, timestamps, markings, external references,
//! extensions and custom properties; and the dispatch to the per-type tables.

use serde_json::Value;

use super::types::{self, Category, K, R, check_props, check_value, list, reference, string};
use super::vocab;
use super::{Ctx, Obj, formats, index, join};
use crate::id::is_valid_type_name;
use crate::{Identifier, canonical};

/// Properties reserved by STIX 2.1 (section 3.1) that no object may use.
const RESERVED_PROPERTIES: &[&str] = &["severity", "action", "username", "phone_numbers"];

/// Common properties of SDOs, SROs, language-content and extension-definition (section 3.2).
const SDO_COMMON: &[(&str, K)] = &[
    ("created", K::Ts),
    ("modified", K::Ts),
    ("created_by_ref", K::Ref(R::ShouldBe(&["identity"]))),
    ("revoked", K::Bool),
    ("labels", K::Strs),
    ("confidence", K::Int(0, 100)),
    ("lang", types::LANG_KIND),
    ("external_references", K::Objs(external_reference)),
    ("object_marking_refs", K::Refs(R::Types(&["marking-definition"]))),
];

/// Common properties of marking-definition (section 7.2.1).
const MARKING_COMMON: &[(&str, K)] = &[
    ("created", K::Ts),
    ("created_by_ref", K::Ref(R::ShouldBe(&["identity"]))),
    ("external_references", K::Objs(external_reference)),
    ("object_marking_refs", K::Refs(R::Types(&["marking-definition"]))),
];

/// Common properties of SCOs (section 6.1).
const SCO_COMMON: &[(&str, K)] =
    &[("object_marking_refs", K::Refs(R::Types(&["marking-definition"]))), ("defanged", K::Bool)];

/// Handled here for every object, whatever its category.
const STRUCTURAL: &[&str] = &["type", "id", "spec_version", "granular_markings", "extensions"];

/// The SCO deterministic-identifier namespace (section 2.9).
const SCO_NAMESPACE: uuid::Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");

/// Whether `s` is a property name: 3 to 250 characters of `a-z`, `0-9` and `_`, the first a letter
/// (section 3.1: "Type names and property names MUST begin with a letter character").
pub(crate) fn is_property_name(s: &str) -> bool {
    (3..=250).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What [`is_property_name`] requires, for messages.
pub(crate) const PROPERTY_NAME_RULE: &str = "3 to 250 characters of a-z, 0-9 and '_', starting with a letter";

/// RFC 4122 layout: the variant bits are `10`, the version is 1 to 8.
pub(crate) fn uuid_is_rfc4122(u: &str) -> bool {
    let b = u.as_bytes();
    b.len() == 36 && (b'1'..=b'8').contains(&b[14]) && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

pub(super) fn check(cx: &mut Ctx, m: &Obj) {
    let ty = match m.get("type") {
        Some(Value::String(t)) => {
            if !is_valid_type_name(t) {
                cx.err("type", "type-format", format!("type '{t}' must be 3 to 250 characters of a-z, 0-9 and single hyphens, starting with a letter and ending with a letter or digit"));
            } else if t == "action" {
                cx.err("type", "reserved-type", "type 'action' is reserved by STIX 2.1 and must not be used");
            }
            Some(t.as_str())
        }
        Some(_) => {
            cx.err("type", "property-type", "'type' must be a string");
            None
        }
        None => {
            cx.err("type", "required-property", "'type' is required");
            None
        }
    };
    let id = identifier(cx, m, ty);
    let spec = ty.and_then(types::spec);
    let category = spec.map(|s| s.category).unwrap_or_else(|| custom_category(m));
    let what = match ty {
        Some(t) => format!("a '{t}' object"),
        None => "an object".to_owned(),
    };

    if category == Category::Bundle {
        bundle(cx, m);
        return;
    }
    spec_version(cx, m, category);
    let common: &[(&str, K)] = match category {
        Category::Sco => SCO_COMMON,
        Category::MarkingDefinition => MARKING_COMMON,
        _ => SDO_COMMON,
    };
    let required: &[&str] = match category {
        Category::Sco => &[],
        Category::MarkingDefinition => &["created"],
        _ => &["created", "modified"],
    };
    check_props(cx, "", m, required, common, &what);
    for name in ["created", "modified"] {
        if let Some(Value::String(s)) = m.get(name)
            && category != Category::Sco && crate::Timestamp::parse(s).is_ok() && !has_millis(s) {
                cx.err(name, "timestamp-precision", format!("'{name}' must be given to at least millisecond precision, e.g. 2016-05-12T08:17:27.000Z"));
            }
    }
    if category != Category::Sco {
        types::order(cx, "", m, "created", "modified", false);
    }
    if let Some(Value::String(l)) = m.get("lang") {
        language_known(cx, "lang", l);
    }
    if let Some(s) = spec {
        check_props(cx, "", m, s.required, s.props, &what);
        if let Some(rules) = s.rules {
            rules(cx, m);
        }
    }
    if let Some(g) = m.get("granular_markings") {
        granular_markings(cx, m, g);
    }
    let toplevel_extension = extensions(cx, m, ty, category);
    if category == Category::MarkingDefinition {
        marking_definition(cx, m, id.as_ref());
    }

    for (k, val) in m {
        let known = STRUCTURAL.contains(&k.as_str())
            || common.iter().any(|(n, _)| n == k)
            || spec.is_some_and(|s| s.props.iter().any(|(n, _)| n == k));
        if !known {
            custom_property(cx, "", k, val, ty.unwrap_or("object"), toplevel_extension || spec.is_none());
        }
    }

    if let (Some(id), Some(ty)) = (id, ty) {
        identifier_version(cx, m, &id, ty, category, spec.is_some());
    }
}

fn has_millis(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 24 && b[19] == b'.' && b[20..23].iter().all(u8::is_ascii_digit)
}

/// Custom types are SDOs unless a `new-sco` or `new-sro` extension says otherwise.
fn custom_category(m: &Obj) -> Category {
    let Some(Value::Object(exts)) = m.get("extensions") else { return Category::Sdo };
    for e in exts.values() {
        match e.get("extension_type").and_then(Value::as_str) {
            Some("new-sco") => return Category::Sco,
            Some("new-sro") => return Category::Sro,
            _ => {}
        }
    }
    Category::Sdo
}

fn identifier(cx: &mut Ctx, m: &Obj, ty: Option<&str>) -> Option<Identifier> {
    match m.get("id") {
        Some(Value::String(s)) => match Identifier::parse(s) {
            Ok(id) => {
                if let Some(t) = ty
                    && id.object_type() != t {
                        cx.err("id", "id-type-mismatch", format!("the type part of id '{id}' must equal the object's type '{t}'"));
                    }
                if !uuid_is_rfc4122(id.uuid_part()) {
                    cx.err("id", "id-format", format!("id '{id}' must hold an RFC 4122 UUID (variant bits 10, version 1 to 8)"));
                }
                Some(id)
            }
            Err(e) => {
                cx.err("id", "id-format", e.to_string());
                None
            }
        },
        Some(_) => {
            cx.err("id", "property-type", "'id' must be a string");
            None
        }
        None => {
            cx.err("id", "required-property", "'id' is required");
            None
        }
    }
}

fn spec_version(cx: &mut Ctx, m: &Obj, category: Category) {
    match m.get("spec_version") {
        Some(Value::String(v)) if v == "2.1" => {}
        Some(Value::String(v)) => cx.err("spec_version", "spec-version", format!("'spec_version' is '{v}'; tearline accepts STIX 2.1 objects only ('2.1')")),
        Some(_) => cx.err("spec_version", "property-type", "'spec_version' must be the string '2.1'"),
        None if category != Category::Sco => cx.err("spec_version", "required-property", "'spec_version' is required (STIX 2.1 objects carry \"spec_version\": \"2.1\")"),
        None => {}
    }
}

fn bundle(cx: &mut Ctx, m: &Obj) {
    if m.contains_key("spec_version") {
        cx.warn("spec_version", "deprecated-property", "a STIX 2.1 bundle has no 'spec_version'; each object carries its own");
    }
    if let Some(objs) = m.get("objects")
        && let Some(items) = list(cx, "objects", objs) {
            for (i, o) in items.iter().enumerate() {
                cx.nested(i, o);
            }
        }
    for (k, val) in m {
        if !matches!(k.as_str(), "type" | "id" | "objects" | "spec_version") {
            custom_property(cx, "", k, val, "bundle", false);
        }
    }
    if let Some(Value::String(s)) = m.get("id")
        && let Ok(id) = Identifier::parse(s)
            && id.uuid_part().as_bytes()[14] != b'4' {
                cx.warn("id", "id-uuid-version", format!("id '{id}' should use a random (version 4) UUID"));
            }
}

fn external_reference(cx: &mut Ctx, path: &str, m: &Obj) {
    check_props(
        cx,
        path,
        m,
        &["source_name"],
        &[("source_name", K::Str), ("description", K::Str), ("url", K::Url), ("hashes", K::Hashes), ("external_id", K::Str)],
        "an external reference",
    );
    if !["description", "url", "external_id"].iter().any(|k| m.contains_key(*k)) {
        cx.err(path, "external-reference", "an external reference must have at least one of 'description', 'url' or 'external_id'");
    }
    let source = m.get("source_name").and_then(Value::as_str).unwrap_or_default();
    let ext_id = m.get("external_id").and_then(Value::as_str);
    let cve = source.eq_ignore_ascii_case("cve") || ext_id.is_some_and(|e| e.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("cve-")));
    let capec = source.eq_ignore_ascii_case("capec") || ext_id.is_some_and(|e| e.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("capec-")));
    if cve && !(source == "cve" && ext_id.is_some_and(is_cve_id)) {
        cx.err(path, "external-reference-cve", "a CVE reference must have source_name 'cve' and external_id of the form CVE-YYYY-NNNN");
    } else if capec && !(source == "capec" && ext_id.is_some_and(is_capec_id)) {
        cx.err(path, "external-reference-capec", "a CAPEC reference must have source_name 'capec' and external_id of the form CAPEC-N");
    }
    if m.contains_key("url") && !m.contains_key("hashes") {
        cx.warn(&join(path, "hashes"), "external-reference-hash", "an external reference with a 'url' should carry 'hashes' of the referenced content");
    }
}

fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else { return false };
    let Some((year, num)) = rest.split_once('-') else { return false };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|b| b.is_ascii_digit())
        && (num.len() == 4 || !num.starts_with('0'))
}

fn is_capec_id(s: &str) -> bool {
    s.strip_prefix("CAPEC-").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn granular_markings(cx: &mut Ctx, m: &Obj, value: &Value) {
    let Some(items) = list(cx, "granular_markings", value) else { return };
    let own_id = m.get("id").and_then(Value::as_str);
    for (i, item) in items.iter().enumerate() {
        let p = index("granular_markings", i);
        let Value::Object(g) = item else {
            cx.err(&p, "property-type", format!("'{p}' must be a granular marking object"));
            continue;
        };
        match (g.get("marking_ref"), g.get("lang")) {
            (Some(r), None) => {
                let rp = join(&p, "marking_ref");
                reference(cx, &rp, r, R::Types(&["marking-definition"]));
                if r.as_str().is_some() && r.as_str() == own_id {
                    cx.err(&rp, "circular-marking", "a marking-definition must not mark itself");
                }
            }
            (None, Some(l)) => check_value(cx, &join(&p, "lang"), l, types::LANG_KIND),
            (Some(_), Some(_)) => cx.err(&p, "granular-marking", "a granular marking must have exactly one of 'marking_ref' and 'lang', not both"),
            (None, None) => cx.err(&p, "granular-marking", "a granular marking must have one of 'marking_ref' or 'lang'"),
        }
        let sp = join(&p, "selectors");
        match g.get("selectors") {
            None => cx.err(&sp, "required-property", "a granular marking requires 'selectors'"),
            Some(sel) => {
                if let Some(sels) = list(cx, &sp, sel) {
                    for (j, s) in sels.iter().enumerate() {
                        let spj = index(&sp, j);
                        let Some(s) = string(cx, &spj, s) else { continue };
                        if !selector_syntax(s) {
                            cx.err(&spj, "selector-format", format!("selector '{s}' must be a property path such as 'description', 'labels.[1]' or 'external_references.[0].url'"));
                        } else if !selector_resolves(m, s) {
                            cx.err(&spj, "selector-unresolved", format!("selector '{s}' does not name a property present in this object"));
                        }
                    }
                }
            }
        }
        for k in g.keys() {
            if !matches!(k.as_str(), "marking_ref" | "lang" | "selectors") {
                cx.warn(&join(&p, k), "custom-property", format!("'{k}' is not a granular marking property"));
            }
        }
    }
}

/// `^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`
fn selector_syntax(s: &str) -> bool {
    if s == "id" {
        return true;
    }
    let name = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    let mut parts = s.split('.');
    parts.next().is_some_and(|first| name(first, 3, 249))
        && parts.all(|p| name(p, 1, 250) || list_index(p).is_some())
}

fn list_index(p: &str) -> Option<usize> {
    let digits = p.strip_prefix('[')?.strip_suffix(']')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(usize::MAX))
}

fn selector_resolves(m: &Obj, s: &str) -> bool {
    let mut parts = s.split('.');
    let Some(mut cur) = parts.next().and_then(|k| m.get(k)) else { return false };
    for p in parts {
        let next = match (list_index(p), cur) {
            (Some(i), Value::Array(items)) => items.get(i),
            (None, Value::Object(o)) => o.get(p),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    true
}

/// Checks `extensions`; returns whether a toplevel-property-extension is declared (its
/// properties then sit at the top level and are not custom properties).
fn extensions(cx: &mut Ctx, m: &Obj, ty: Option<&str>, category: Category) -> bool {
    let Some(value) = m.get("extensions") else { return false };
    let Value::Object(exts) = value else {
        cx.err("extensions", "property-type", "'extensions' must be a dictionary keyed by extension-definition id or extension name");
        return false;
    };
    if exts.is_empty() {
        cx.err("extensions", "empty-dictionary", "'extensions' must not be empty; omit it instead");
    }
    let mut toplevel = false;
    for (name, ext) in exts {
        let p = join("extensions", name);
        let Value::Object(e) = ext else {
            cx.err(&p, "property-type", format!("extension '{name}' must be a JSON object"));
            continue;
        };
        if e.is_empty() {
            cx.err(&p, "empty-dictionary", format!("extension '{name}' must have at least one property"));
        }
        if name.starts_with("extension-definition--") {
            match Identifier::parse(name) {
                Ok(id) if uuid_is_rfc4122(id.uuid_part()) => {}
                _ => cx.err(&p, "extension-name", format!("extension key '{name}' must be a valid extension-definition id")),
            }
            let tp = join(&p, "extension_type");
            match e.get("extension_type") {
                None => cx.err(&tp, "required-property", "'extension_type' is required in an extension defined by an extension-definition"),
                Some(t) => {
                    check_value(cx, &tp, t, K::En(vocab::EXTENSION_TYPE));
                    match t.as_str() {
                        Some("toplevel-property-extension") => toplevel = true,
                        Some(kind @ ("new-sdo" | "new-sco" | "new-sro")) if ty.is_some_and(|t| types::spec(t).is_some()) => {
                            cx.err(&tp, "extension-type", format!("a '{kind}' extension defines a new object type; '{}' is a STIX-defined type", ty.unwrap_or_default()))
                        }
                        _ => {}
                    }
                }
            }
            for (k, val) in e {
                if k != "extension_type" {
                    extension_property(cx, &p, k, val);
                }
            }
        } else if let Some(spec) = ty.and_then(|t| types::extension_spec(t, name)) {
            check_props(cx, &p, e, spec.required, spec.props, &format!("the '{name}' extension"));
            if let Some(r) = spec.rules {
                r(cx, &p, e);
            }
            for (k, val) in e {
                if !spec.props.iter().any(|(n, _)| n == k) {
                    custom_property(cx, &p, k, val, name, false);
                }
            }
        } else if types::is_predefined_extension(name) {
            cx.err(&p, "extension-name", format!("'{name}' is not an extension of '{}' objects", ty.unwrap_or("these")));
        } else if name.ends_with("-ext") && is_valid_type_name(name) {
            if category != Category::Sco {
                cx.err(&p, "extension-name", format!("'{name}': extension keys must be extension-definition ids"));
            } else {
                cx.warn(&p, "custom-extension", format!("custom extension '{name}' should be defined by an extension-definition and keyed by its id"));
                for (k, val) in e {
                    extension_property(cx, &p, k, val);
                }
            }
        } else {
            cx.err(&p, "extension-name", format!("extension key '{name}' must be an extension-definition id or a predefined extension name ending in '-ext'"));
        }
    }
    toplevel
}

/// A property inside an extension defined elsewhere: only its name and shape can be checked.
fn extension_property(cx: &mut Ctx, prefix: &str, name: &str, value: &Value) {
    let p = join(prefix, name);
    if !is_property_name(name) {
        cx.err(&p, "property-name", format!("property name '{name}' must be {PROPERTY_NAME_RULE}"));
    }
    value_shape(cx, &p, name, value);
}

/// Rules on any property value: no empty lists, `_bin` and `_hex` suffixes mean encodings.
fn value_shape(cx: &mut Ctx, p: &str, name: &str, value: &Value) {
    match value {
        Value::Array(items) if items.is_empty() => {
            cx.err(p, "empty-list", format!("'{p}' must not be an empty list; omit the property instead"))
        }
        _ if name.ends_with("_bin") => check_value(cx, p, value, K::Bin),
        _ if name.ends_with("_hex") => check_value(cx, p, value, K::Hex),
        _ => {}
    }
}

/// A property that STIX 2.1 does not define for this object (section 11.1).
fn custom_property(cx: &mut Ctx, prefix: &str, name: &str, value: &Value, owner: &str, declared: bool) {
    let p = join(prefix, name);
    if RESERVED_PROPERTIES.contains(&name) && prefix.is_empty() {
        cx.err(&p, "reserved-property", format!("property '{name}' is reserved by STIX 2.1 and must not be used"));
        return;
    }
    if !is_property_name(name) {
        cx.err(&p, "property-name", format!("property name '{name}' must be {PROPERTY_NAME_RULE}"));
        return;
    }
    if !declared {
        cx.warn(&p, "custom-property", format!("'{name}' is not a STIX 2.1 property of '{owner}'; custom properties should be defined by an extension-definition"));
    }
    value_shape(cx, &p, name, value);
}

fn marking_definition(cx: &mut Ctx, m: &Obj, id: Option<&Identifier>) {
    let def_type = m.get("definition_type");
    let def = m.get("definition");
    let has_ext = m.contains_key("extensions");
    match (def_type, def) {
        (None, None) if has_ext => {}
        (None, None) => cx.err("", "marking-definition", "a marking-definition must have 'definition_type' and 'definition', or 'extensions'"),
        (Some(_), None) => cx.err("definition", "required-property", "'definition' is required with 'definition_type'"),
        (None, Some(_)) => cx.err("definition_type", "required-property", "'definition_type' is required with 'definition'"),
        (Some(t), Some(d)) => marking_body(cx, m, t, d, id),
    }
    if let (Some(Value::Array(refs)), Some(id)) = (m.get("object_marking_refs"), id)
        && refs.iter().any(|r| r.as_str() == Some(id.as_str())) {
            cx.err("object_marking_refs", "circular-marking", "a marking-definition must not mark itself");
        }
    tlp2(cx, m, id);
}

fn marking_body(cx: &mut Ctx, m: &Obj, t: &Value, d: &Value, id: Option<&Identifier>) {
    let Some(t) = string(cx, "definition_type", t) else { return };
    let Value::Object(d) = d else {
        cx.err("definition", "property-type", "'definition' must be a JSON object");
        return;
    };
    match t {
        "tlp" => {
            let colour = d.get("tlp").and_then(Value::as_str);
            let fixed = vocab::TLP1.iter().find(|(_, c)| Some(*c) == colour);
            let ok = d.len() == 1
                && fixed.is_some_and(|(fid, _)| id.is_some_and(|i| i.as_str() == *fid))
                && m.get("created").and_then(Value::as_str) == Some(vocab::TLP1_CREATED);
            if !ok {
                cx.err(
                    "definition",
                    "tlp-definition",
                    "a TLP 1.0 marking-definition must be one of the four defined in STIX 2.1 section 7.2.1.4 (fixed id, created 2017-01-20T00:00:00.000Z, definition {\"tlp\": white|green|amber|red})",
                );
            }
        }
        "statement" => match d.get("statement") {
            Some(Value::String(_)) => {}
            _ => cx.err("definition.statement", "required-property", "a statement marking requires 'definition.statement' (a string)"),
        },
        other => cx.warn(
            "definition_type",
            "marking-definition-type",
            format!("definition_type '{other}' is neither 'statement' nor 'tlp'; new marking types should be defined with an extension"),
        ),
    }
}

/// The TLP 2.0 marking extension and the five marking-definition ids it defines.
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
const TLP2: &[(&str, &str)] = &[
    ("clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
    ("green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
    ("amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    ("amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
    ("red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
];

fn tlp2(cx: &mut Ctx, m: &Obj, id: Option<&Identifier>) {
    let Some(ext) = m.get("extensions").and_then(|e| e.get(TLP2_EXTENSION)) else { return };
    let p = join("extensions", TLP2_EXTENSION);
    let level = ext.get("tlp_2_0").and_then(Value::as_str);
    match TLP2.iter().find(|(l, _)| Some(*l) == level) {
        None => cx.err(&join(&p, "tlp_2_0"), "tlp2-definition", "'tlp_2_0' must be one of clear, green, amber, amber+strict, red"),
        Some((l, fixed)) if id.is_some_and(|i| i.as_str() != *fixed) => cx.err(
            "id",
            "tlp2-definition",
            format!("the TLP 2.0 marking '{l}' has the fixed id {fixed}; another id would be a different, unrecognised marking"),
        ),
        Some(_) => {}
    }
}

/// SCO ids: deterministic UUIDv5 where ID contributing properties exist (SHOULD), UUIDv4
/// otherwise (MUST); other objects SHOULD use UUIDv4.
fn identifier_version(cx: &mut Ctx, m: &Obj, id: &Identifier, ty: &str, category: Category, known: bool) {
    let version = id.uuid_part().as_bytes()[14];
    if category != Category::Sco {
        if version != b'4' {
            cx.warn("id", "id-uuid-version", format!("id '{id}' should use a random (version 4) UUID"));
        }
        return;
    }
    if !known {
        return;
    }
    match sco_contributing(ty, m) {
        Some(expected) if expected == id.uuid_part() => {}
        Some(expected) => cx.warn(
            "id",
            "sco-id-deterministic",
            format!("id should be the deterministic '{ty}--{expected}' (UUIDv5 of the ID contributing properties)"),
        ),
        None if version != b'4' => cx.err(
            "id",
            "sco-id-uuid4",
            format!("a '{ty}' without ID contributing properties must use a random (version 4) UUID"),
        ),
        None => {}
    }
}

/// ID contributing properties of each SCO type (section 6).
fn contributing(ty: &str) -> &'static [&'static str] {
    match ty {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => &[],
    }
}

/// The deterministic UUID of an SCO, or `None` if it has no ID contributing properties.
pub(crate) fn sco_contributing(ty: &str, m: &Obj) -> Option<String> {
    let mut picked = serde_json::Map::new();
    for &p in contributing(ty) {
        let Some(v) = m.get(p) else { continue };
        let v = if p == "hashes" { one_hash(v)? } else { v.clone() };
        picked.insert(p.to_owned(), v);
    }
    if picked.is_empty() {
        return None;
    }
    let text = canonical::to_canonical_string(&Value::Object(picked));
    Some(uuid::Uuid::new_v5(&SCO_NAMESPACE, text.as_bytes()).to_string())
}

/// The one hash that contributes to an id: MD5, else SHA-1, SHA-256, SHA-512, else the first.
fn one_hash(v: &Value) -> Option<Value> {
    let h = v.as_object()?;
    let key = ["MD5", "SHA-1", "SHA-256", "SHA-512"].into_iter().find(|k| h.contains_key(*k)).or_else(|| h.keys().next().map(String::as_str))?;
    let mut one = serde_json::Map::new();
    one.insert(key.to_owned(), h[key].clone());
    Some(Value::Object(one))
}

/// The deterministic identifier STIX 2.1 section 2.9 prescribes for an SCO, computed from its ID
/// contributing properties; `None` for types without them (process, custom types) or when the
/// object carries none.
pub fn deterministic_sco_id(obj: &Value) -> Option<Identifier> {
    let m = obj.as_object()?;
    let ty = m.get("type")?.as_str()?;
    if types::category_of(ty) != Some(Category::Sco) {
        return None;
    }
    let u = sco_contributing(ty, m)?;
    Identifier::parse(&format!("{ty}--{u}")).ok()
}

pub(crate) fn language_known(cx: &mut Ctx, path: &str, tag: &str) {
    if formats::is_language_tag(tag) && !formats::primary_language_known(tag) {
        cx.warn(path, "language-tag", format!("'{tag}' does not start with an ISO 639-1 language code"));
    }
}
