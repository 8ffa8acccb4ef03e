//! TAXII 2.1 content negotiation (section 1.6.8): the `Accept` and `Content-Type` checks.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

struct MediaRange<'a> {
    kind: &'a str,
    subtype: &'a str,
    version: Option<&'a str>,
    q_zero: bool,
}

fn parse_range(s: &str) -> Option<MediaRange<'_>> {
    let mut parts = s.split(';');
    let (kind, subtype) = parts.next()?.trim().split_once('/')?;
    let mut version = None;
    let mut q_zero = false;
    for p in parts {
        let Some((k, v)) = p.split_once('=') else { continue };
        let v = v.trim().trim_matches('"');
        match k.trim().to_ascii_lowercase().as_str() {
            "version" => version = Some(v),
            "q" => q_zero = v.parse::<f32>().map(|q| q <= 0.0).unwrap_or(false),
            _ => {}
        }
    }
    Some(MediaRange { kind: kind.trim(), subtype: subtype.trim(), version, q_zero })
}

fn is_taxii_21(r: &MediaRange<'_>) -> bool {
    r.kind.eq_ignore_ascii_case("application") && r.subtype.eq_ignore_ascii_case("taxii+json") && r.version.is_none_or(|v| v == "2.1")
}

/// Whether the client accepts `application/taxii+json;version=2.1` responses. A missing Accept
/// header accepts anything.
pub fn accepts_taxii(headers: &HeaderMap) -> bool {
    let values: Vec<&str> = headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return true;
    }
    values.iter().flat_map(|v| v.split(',')).filter_map(parse_range).any(|r| {
        !r.q_zero && (is_taxii_21(&r) || (r.kind == "*" && r.subtype == "*") || (r.kind.eq_ignore_ascii_case("application") && r.subtype == "*"))
    })
}

/// Whether a request body is declared as a TAXII 2.1 envelope.
pub fn content_is_taxii(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range)
        .is_some_and(|r| is_taxii_21(&r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: axum::http::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_negotiation() {
        assert!(accepts_taxii(&HeaderMap::new()));
        for ok in [TAXII_MEDIA_TYPE, "application/taxii+json", "application/taxii+json; version=2.1", "*/*", "application/*", "text/html, application/taxii+json;version=2.1;q=0.5"] {
            assert!(accepts_taxii(&with(ACCEPT, ok)), "{ok}");
        }
        for bad in ["application/json", "application/taxii+json;version=2.0", "text/html", "application/taxii+json;version=2.1;q=0", STIX_MEDIA_TYPE] {
            assert!(!accepts_taxii(&with(ACCEPT, bad)), "{bad}");
        }
    }

    #[test]
    fn content_type_check() {
        assert!(content_is_taxii(&with(CONTENT_TYPE, TAXII_MEDIA_TYPE)));
        assert!(content_is_taxii(&with(CONTENT_TYPE, "application/taxii+json")));
        assert!(!content_is_taxii(&with(CONTENT_TYPE, "application/json")));
        assert!(!content_is_taxii(&with(CONTENT_TYPE, "application/taxii+json;version=2.0")));
        assert!(!content_is_taxii(&HeaderMap::new()));
    }
}
