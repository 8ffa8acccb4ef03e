//! The one way responses leave the server.
//!
//! Every response body is built here: object envelopes, manifests, version lists, status
//! resources, the other TAXII resources, management API JSON and plain-text operational
//! answers (error resources are built in `error`, and tagged here too). Object bodies are
//! spliced as the stored JSON text (no re-serialisation on the read path).
//!
//! **Projection.** Every object-bearing response ([`objects`], [`object`], [`manifest`],
//! [`versions`]) is given the caller's [`Audience`]. Producer accounts see their holdings as
//! stored (the fast path: nothing is looked up or parsed). A partner member sees only what its
//! partner may see: objects a release (or recall) published to that partner, and objects its
//! own organisation authored (feedback: `created_by_ref` is the partner's identity).
//! Everything else is withheld, whichever collection it sits in and whatever grant the
//! account holds, and a withheld object answers like a missing one.
//!
//! **Proof.** Every response leaving through this module carries the [`Egressed`] extension
//! (never sent on the wire) and counts in [`RESPONSES`]: the route test enumerates `ROUTES`
//! and checks that each answer carries it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tearline_store::{Account, Page, Role, StoredObject, Store, version_text};

use crate::error::ApiError;
use crate::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};

static DATE_ADDED_FIRST: HeaderName = HeaderName::from_static("x-taxii-date-added-first");
static DATE_ADDED_LAST: HeaderName = HeaderName::from_static("x-taxii-date-added-last");

/// Marks a response as built by this module (a response extension, not a header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Egressed;

/// How many objects an envelope response carries (for the metrics).
#[derive(Debug, Clone, Copy)]
pub struct Served(pub u64);

fn with_served(mut resp: Response, n: usize) -> Response {
    resp.extensions_mut().insert(Served(n as u64));
    resp
}

/// Responses built here since start.
pub static RESPONSES: AtomicU64 = AtomicU64::new(0);
/// Objects withheld from partner members by the projection since start.
pub static WITHHELD: AtomicU64 = AtomicU64::new(0);

/// Tags a response as leaving through egress.
pub fn mark(mut resp: Response) -> Response {
    RESPONSES.fetch_add(1, Ordering::Relaxed);
    resp.extensions_mut().insert(Egressed);
    resp
}

/// A TAXII JSON response with the right media type.
pub fn taxii(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
    mark(resp)
}

/// A management API JSON response.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    mark((status, axum::Json(value)).into_response())
}

/// A plain-text or other non-TAXII body (health, metrics, exact release bundles).
pub fn raw(status: StatusCode, content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    mark(resp)
}

/// A response without a body (204).
pub fn empty(status: StatusCode) -> Response {
    mark(status.into_response())
}

/// Whom an object-bearing response is for.
#[derive(Debug, Clone)]
pub enum Audience {
    /// A producer account: its holdings as stored.
    Producer,
    /// A partner member: only what releases published to its partner, and its own objects.
    Partner(PartnerView),
}

#[derive(Debug, Clone)]
pub struct PartnerView {
    /// The partner's name and STIX identity (none for a partner-member account without a
    /// partner).
    partner: Option<(String, String)>,
    /// Which of the current page's ids a release published to the partner ([`Audience::for_page`]).
    released: HashSet<String>,
}

impl Audience {
    /// The audience of an account: producer roles need no lookup; a partner member's view
    /// belongs to its partner.
    pub async fn of(store: &dyn Store, account: &Account) -> Result<Audience, ApiError> {
        if account.role != Role::PartnerMember {
            return Ok(Audience::Producer);
        }
        let partner = store.partner_of(account.id).await?.map(|p| (p.profile.name, p.profile.identity_id));
        Ok(Audience::Partner(PartnerView { partner, released: HashSet::new() }))
    }

    /// Learns which objects of this page were released to the partner: one lookup of the page's
    /// ids, so a partner's read costs the same however much was ever released to it.
    pub async fn for_page(mut self, store: &dyn Store, page: &Page) -> Result<Audience, ApiError> {
        if let Audience::Partner(PartnerView { partner: Some((name, _)), released }) = &mut self {
            let mut ids: Vec<String> = page.items.iter().map(|o| o.id.clone()).collect();
            ids.sort();
            ids.dedup();
            if !ids.is_empty() {
                *released = store.released_among(name, &ids).await?.into_iter().collect();
            }
        }
        Ok(self)
    }

    /// Whether deciding needs object bodies (manifest and version requests fetch them then).
    pub fn needs_bodies(&self) -> bool {
        matches!(self, Audience::Partner(_))
    }

    fn admits(&self, o: &StoredObject) -> bool {
        match self {
            Audience::Producer => true,
            Audience::Partner(v) => {
                if v.released.contains(&o.id) {
                    return true;
                }
                let Some((_, identity)) = &v.partner else { return false };
                let Some(body) = o.body.as_deref() else { return false };
                serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b.get("created_by_ref").and_then(|c| c.as_str()).map(|c| c == identity))
                    .unwrap_or(false)
            }
        }
    }

    /// The page as this audience may see it (the producer's page untouched).
    fn project(&self, mut page: Page) -> Projected {
        if let Audience::Partner(_) = self {
            let before = page.items.len();
            let cursor = page.items.last().map(|o| o.cursor);
            page.items.retain(|o| self.admits(o));
            WITHHELD.fetch_add((before - page.items.len()) as u64, Ordering::Relaxed);
            return Projected { next: if page.more { cursor } else { None }, page };
        }
        Projected { next: page.next(), page }
    }
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

/// A page after projection, and where the next one starts (after the last item the store
/// returned, even when the projection withheld it, so paging never stalls).
struct Projected {
    page: Page,
    next: Option<tearline_store::Cursor>,
}

/// `{"more": .., "next": .., "<key>": [` with the common envelope fields.
fn open_envelope(p: &Projected, key: &str, capacity: usize) -> String {
    let page = &p.page;
    let mut out = String::with_capacity(capacity + 64);
    out.push_str(if page.more { "{\"more\":true" } else { "{\"more\":false" });
    if let Some(next) = p.next {
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

/// An envelope of objects (Get Objects).
pub fn objects(page: Page, audience: &Audience) -> Response {
    let p = audience.project(page);
    let size: usize = p.page.items.iter().map(|o| o.body.as_ref().map_or(0, String::len) + 1).sum();
    let mut out = open_envelope(&p, "objects", size);
    for (i, o) in p.page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(o.body.as_deref().unwrap_or("{}"));
    }
    out.push_str("]}");
    with_served(with_date_headers(taxii(StatusCode::OK, out), &p.page.items), p.page.items.len())
}

/// The versions of one object (Get an Object): not found when the first page is empty after
/// projection, exactly as for an object that does not exist.
pub fn object(page: Page, audience: &Audience, first_page: bool) -> Result<Response, ApiError> {
    let p = audience.project(page);
    if first_page && p.page.items.is_empty() {
        return Err(ApiError::NotFound);
    }
    let size: usize = p.page.items.iter().map(|o| o.body.as_ref().map_or(0, String::len) + 1).sum();
    let mut out = open_envelope(&p, "objects", size);
    for (i, o) in p.page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(o.body.as_deref().unwrap_or("{}"));
    }
    out.push_str("]}");
    Ok(with_served(with_date_headers(taxii(StatusCode::OK, out), &p.page.items), p.page.items.len()))
}

/// A manifest envelope (Get Object Manifests).
pub fn manifest(page: Page, audience: &Audience) -> Response {
    let p = audience.project(page);
    let mut out = open_envelope(&p, "objects", p.page.items.len() * 160);
    for (i, o) in p.page.items.iter().enumerate() {
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
    with_date_headers(taxii(StatusCode::OK, out), &p.page.items)
}

/// A versions resource (Get Object Versions): not found when the first page is empty after
/// projection.
pub fn versions(page: Page, audience: &Audience, first_page: bool) -> Result<Response, ApiError> {
    let p = audience.project(page);
    if first_page && p.page.items.is_empty() {
        return Err(ApiError::NotFound);
    }
    let mut out = open_envelope(&p, "versions", p.page.items.len() * 32);
    for (i, o) in p.page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&version_text(&o.version));
        out.push('"');
    }
    out.push_str("]}");
    Ok(with_date_headers(taxii(StatusCode::OK, out), &p.page.items))
}
