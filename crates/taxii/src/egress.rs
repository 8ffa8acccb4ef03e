//! The one way responses leave the TAXII server.
//!
//! Every response body is built here: object envelopes, manifests, version lists, status
//! resources and the other TAXII resources. Object bodies are spliced as the stored JSON text
//! (no re-serialisation on the read path). The dissemination engine's policy projection plugs
//! in at [`objects`], [`manifest`] and [`versions`]: nothing else writes object content or
//! object metadata to a client.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tearline_store::{Page, StoredObject, version_text};

use crate::error::ApiError;
use crate::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};

static DATE_ADDED_FIRST: HeaderName = HeaderName::from_static("x-taxii-date-added-first");
static DATE_ADDED_LAST: HeaderName = HeaderName::from_static("x-taxii-date-added-last");

/// A TAXII JSON response with the right media type.
pub fn taxii(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
    resp
}

/// A TAXII resource serialised from a value.
pub fn resource<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a response");
        ApiError::Internal
    })?;
    Ok(taxii(status, body))
}

fn push_json_string(out: &mut String, s: &str) {
    // serde_json escapes exactly as JSON requires; a String never fails to serialise.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

/// `{"more": .., "next": .., "<key>": [` with the common envelope fields.
fn open_envelope(page: &Page, key: &str, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity + 64);
    out.push_str(if page.more { "{\"more\":true" } else { "{\"more\":false" });
    if let Some(next) = page.next() {
        out.push_str(",\"next\":");
        push_json_string(&mut out, &next.encode());
    }
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":[");
    out
}

fn with_date_headers(mut resp: Response, items: &[StoredObject]) -> Response {
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        for (name, item) in [(&DATE_ADDED_FIRST, first), (&DATE_ADDED_LAST, last)] {
            if let Ok(v) = HeaderValue::from_str(&item.date_added.to_micros_string()) {
                resp.headers_mut().insert(name.clone(), v);
            }
        }
    }
    resp
}

/// An envelope of objects (Get Objects, Get an Object).
pub fn objects(page: Page) -> Response {
    let size: usize = page.items.iter().map(|o| o.body.as_ref().map_or(0, String::len) + 1).sum();
    let mut out = open_envelope(&page, "objects", size);
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(o.body.as_deref().unwrap_or("{}"));
    }
    out.push_str("]}");
    with_date_headers(taxii(StatusCode::OK, out), &page.items)
}

/// A manifest envelope (Get Object Manifests).
pub fn manifest(page: Page) -> Response {
    let mut out = open_envelope(&page, "objects", page.items.len() * 160);
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_json_string(&mut out, &o.id);
        out.push_str(",\"date_added\":\"");
        out.push_str(&o.date_added.to_micros_string());
        out.push_str("\",\"version\":\"");
        out.push_str(&version_text(&o.version));
        out.push_str("\",\"media_type\":\"");
        out.push_str(STIX_MEDIA_TYPE);
        out.push_str("\"}");
    }
    out.push_str("]}");
    with_date_headers(taxii(StatusCode::OK, out), &page.items)
}

/// A versions resource (Get Object Versions).
pub fn versions(page: Page) -> Response {
    let mut out = open_envelope(&page, "versions", page.items.len() * 32);
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&version_text(&o.version));
        out.push('"');
    }
    out.push_str("]}");
    with_date_headers(taxii(StatusCode::OK, out), &page.items)
}
