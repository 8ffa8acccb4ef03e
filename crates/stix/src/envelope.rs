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

/// Parses a TAXII 2.1 envelope (`{"objects": [...]}`) or a STIX 2.1 bundle
/// (`{"type": "bundle", "id": ..., "objects": [...]}`) into its objects.
///
/// Each item must be a JSON object; whether it is valid STIX is for
/// [`crate::validate::validate_object`] to say, one object at a time.
pub fn parse_envelope(bytes: &[u8], limits: EnvelopeLimits) -> Result<Vec<Value>, EnvelopeError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(EnvelopeError::Shape);
    };
    if let Some(t) = map.get("type")
        && t != "bundle" {
            return Err(EnvelopeError::Shape);
        }
    let objects = match map.remove("objects") {
        Some(Value::Array(items)) => items,
        None if map.get("type").is_some() => Vec::new(),
        _ => return Err(EnvelopeError::Shape),
    };
    if objects.len() > limits.max_objects {
        return Err(EnvelopeError::TooMany { found: objects.len(), max: limits.max_objects });
    }
    if let Some(i) = objects.iter().position(|o| !o.is_object()) {
        return Err(EnvelopeError::Item(i));
    }
    Ok(objects)
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
    fn rejects_wrong_shapes_with_reasons() {
        let l = EnvelopeLimits { max_objects: 1 };
        assert!(matches!(parse_envelope(b"[", l), Err(EnvelopeError::Json(_))));
        assert_eq!(parse_envelope(b"[]", l), Err(EnvelopeError::Shape));
        assert_eq!(parse_envelope(br#"{"objects":{}}"#, l), Err(EnvelopeError::Shape));
        assert_eq!(parse_envelope(br#"{"objects":[1]}"#, l), Err(EnvelopeError::Item(0)));
        assert_eq!(
            parse_envelope(br#"{"objects":[{},{}]}"#, l),
            Err(EnvelopeError::TooMany { found: 2, max: 1 })
        );
    }
}
