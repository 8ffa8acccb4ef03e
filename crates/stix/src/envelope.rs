//! Splitting a TAXII envelope or a STIX bundle into its objects, with bounds.

use serde_json::Value;

/// Bounds on what one envelope may contain.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeLimits {
    pub max_objects: usize,
}

impl Default for EnvelopeLimits {
    fn default() -> Self {
        EnvelopeLimits { max_objects: 100_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    #[error("the body must be a JSON object with an 'objects' list (a TAXII envelope or a STIX bundle)")]
    Shape,
    #[error("'objects' must be a list of JSON objects; item {0} is not an object")]
    Item(usize),
    #[error("the envelope holds {found} objects; at most {max} are accepted in one request")]
    TooMany { found: usize, max: usize },
}

/// One object of an envelope: its value and the exact text it was sent as.
#[derive(Debug)]
pub struct Item<'a> {
    pub value: Value,
    pub text: &'a str,
}

/// Parses a TAXII 2.1 envelope (`{"objects": [...]}`) or a STIX 2.1 bundle
/// (`{"type": "bundle", "id": ..., "objects": [...]}`) into its objects.
///
/// Each item must be a JSON object; whether it is valid STIX is for
/// [`crate::validate::validate_object`] to say, one object at a time.
pub fn parse_envelope(bytes: &[u8], limits: EnvelopeLimits) -> Result<Vec<Value>, EnvelopeError> {
    Ok(parse_items(bytes, limits)?.into_iter().map(|i| i.value).collect())
}

/// [`parse_envelope`], keeping each object's text as sent beside its value (so that storing
/// it needs no serialisation: see [`compact`]).
pub fn parse_items(bytes: &[u8], limits: EnvelopeLimits) -> Result<Vec<Item<'_>>, EnvelopeError> {
    split(bytes, limits)?
        .into_iter()
        .map(|text| Ok(Item { value: serde_json::from_str(text).map_err(|e| EnvelopeError::Json(e.to_string()))?, text }))
        .collect()
}

/// The texts of an envelope's objects, unparsed (the envelope's JSON syntax is checked whole,
/// and each item is a JSON object). Parsing them one chunk at a time keeps a bulk load's
/// stages overlapping; a number too large for a double is the only thing the item parse can
/// still refuse.
pub fn split(bytes: &[u8], limits: EnvelopeLimits) -> Result<Vec<&str>, EnvelopeError> {
    use serde_json::value::RawValue;
    let shape = |e: serde_json::Error| match e.classify() {
        serde_json::error::Category::Data => EnvelopeError::Shape,
        _ => EnvelopeError::Json(e.to_string()),
    };
    // The top level as members whose values stay unparsed text (a repeated member: the last).
    let top: std::collections::HashMap<String, &RawValue> = serde_json::from_slice(bytes).map_err(|e| {
        // Not a JSON object: say whether it is JSON at all.
        match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => shape(e),
            Err(syntax) => EnvelopeError::Json(syntax.to_string()),
        }
    })?;
    let ty = top.get("type").map(|t| serde_json::from_str::<Value>(t.get())).transpose().map_err(shape)?;
    if ty.as_ref().is_some_and(|t| t != "bundle") {
        return Err(EnvelopeError::Shape);
    }
    let raw: Vec<&RawValue> = match top.get("objects") {
        Some(objects) => serde_json::from_str(objects.get()).map_err(shape)?,
        None if ty.is_some() => Vec::new(),
        None => return Err(EnvelopeError::Shape),
    };
    if raw.len() > limits.max_objects {
        return Err(EnvelopeError::TooMany { found: raw.len(), max: limits.max_objects });
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| if r.get().starts_with('{') { Ok(r.get()) } else { Err(EnvelopeError::Item(i)) })
        .collect()
}

/// The stored text of an object sent as `text` (parsed as `value`): `text` without the
/// whitespace between tokens, so members keep their order and numbers their spelling. When
/// `text` repeats a member name in some object (the value kept only the last), the text
/// would say something the value does not: then `value` serialised instead.
pub fn compact(text: &str, value: &Value) -> String {
    let mut out = String::with_capacity(text.len());
    let mut members = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b':' => members += 1,
            b' ' | b'\t' | b'\n' | b'\r' => {
                // Whitespace is ASCII, so these boundaries are char boundaries.
                out.push_str(&text[run..i]);
                run = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(&text[run..]);
    if members == count_members(value) { out } else { value.to_string() }
}

fn count_members(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len() + m.values().map(count_members).sum::<usize>(),
        Value::Array(a) => a.iter().map(count_members).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_envelopes_and_bundles() {
        let env = br#"{"objects":[{"type":"x"}]}"#;
        assert_eq!(parse_envelope(env, EnvelopeLimits::default()).unwrap().len(), 1);
        let bundle = br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{"type":"x"},{"type":"y"}]}"#;
        assert_eq!(parse_envelope(bundle, EnvelopeLimits::default()).unwrap().len(), 2);
    }

    #[test]
    fn compact_keeps_the_text_and_drops_whitespace() {
        let text = "{ \"b\" : [1.0, 2e3,\n\"a b:\\\" c\"], \"a\":{\"x\": null} }";
        let value: Value = serde_json::from_str(text).unwrap();
        let c = compact(text, &value);
        assert_eq!(c, r#"{"b":[1.0,2e3,"a b:\" c"],"a":{"x":null}}"#);
        assert_eq!(serde_json::from_str::<Value>(&c).unwrap(), value);
    }

    #[test]
    fn compact_never_keeps_a_repeated_member() {
        // A reader that keeps the first of two members must not see something the value
        // (which kept the last) does not say.
        let text = r#"{"id":"x","object_marking_refs":["clear"],"inner":{"k":1,"k":2},"object_marking_refs":["red"]}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let c = compact(text, &value);
        assert_eq!(serde_json::from_str::<Value>(&c).unwrap(), value);
        assert!(!c.contains("clear") && c.matches("\"k\"").count() == 1, "{c}");
    }

    #[test]
    fn items_keep_their_text() {
        let env = br#"{"objects":[ {"type":"x", "n": 1.50} ,{"type":"y"}]}"#;
        let items = parse_items(env, EnvelopeLimits::default()).unwrap();
        assert_eq!(items[0].text, r#"{"type":"x", "n": 1.50}"#);
        assert_eq!(items[1].value["type"], "y");
    }

    #[test]
    fn rejects_wrong_shapes_with_reasons() {
        let l = EnvelopeLimits { max_objects: 1 };
        assert!(matches!(parse_envelope(b"[", l), Err(EnvelopeError::Json(_))));
        assert_eq!(parse_envelope(b"[]", l), Err(EnvelopeError::Shape));
        assert_eq!(parse_envelope(br#"{"objects":{}}"#, l), Err(EnvelopeError::Shape));
        assert_eq!(parse_envelope(br#"{"objects":[1]}"#, l), Err(EnvelopeError::Item(0)));
        assert_eq!(parse_envelope(br#"{"type":"report","objects":[]}"#, l), Err(EnvelopeError::Shape));
        assert_eq!(parse_envelope(br#"{"type":"bundle"}"#, l).unwrap().len(), 0);
        assert!(matches!(parse_envelope(br#"{"objects":[{}]"#, l), Err(EnvelopeError::Json(_))));
        assert_eq!(
            parse_envelope(br#"{"objects":[{},{}]}"#, l),
            Err(EnvelopeError::TooMany { found: 2, max: 1 })
        );
    }
}
