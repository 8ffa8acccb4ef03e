//! The one way responses leave the server.
//!
//! Every response body is built here: object envelopes, manifests, version lists, status
//! resources, the other TAXII resources, management API JSON and plain-text operational
//! answers (error resources are built in `error`, and tagged here too). Object bodies are
//! spliced as the stored JSON text (no re-serialisation on the read path).
//!
//! **Projection.** Every object-bearing response ([`objects`], [`object`], [`manifest`],
//! [`versions`]) is given the caller's [`Audience`]. Producer accounts see their holdings as
//! stored (the fast path: nothing is looked up or parsed; producer accounts are the
//! originator). A partner member sees only what its partner may see: an object leaves only if
//! a release (or recall) published it to that partner, or the partner's own organisation
//! authored it (feedback: `created_by_ref` is the partner's identity), **and** the policy
//! core's per-object decision ([`tearline_policy::admit`], through its page form `Gate`)
//! admits it for the partner's `Recipient` under the producer's policy: markings parsed,
//! unknown or contradictory ones withhold, a granular marking the partner may not get withholds
//! the whole object (signed bytes are never cut). Everything else is withheld, whichever
//! collection it sits in and whatever grant the account holds, and a withheld object answers
//! like a missing one: `more`/`next` follow the store's page, never the count withheld.
//!
//! **Stored decisions.** A partner member's page comes from [`Store::partner_objects`]: each
//! row carries the admission stored for it under the fingerprint of the decision's inputs (the
//! recipient from the partner's current profile, the producer's current policy, the decision
//! code) or else the releases that published exactly its (id, version). A row with a stored
//! admission leaves on it; any other is decided live, and live admissions that depend on
//! nothing but those inputs are stored in the background ([`crate::admissions`]).
//!
//! **Retrievals.** Objects of a release leaving in an objects or object response note the
//! first retrieval of that release by the account ([`crate::retrievals`]), written in the
//! background; the read never waits for it.
//!
//! **Proof.** Every response leaving through this module carries the [`Egressed`] extension
//! (never sent on the wire) and counts in [`RESPONSES`]: the route test enumerates `ROUTES`
//! and checks that each answer carries it; object-bearing answers to partner members also carry
//! [`Decided`] (the decision ran for every object the store returned).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tearline_policy::admit::{self, Gate, Head};
use tearline_policy::{Policy, Recipient};
use tearline_store::{Account, ObjectFilter, Page, PartnerPage, PartnerProfile, PartnerRead, Role, RowDecision, StoredObject, Store, VersionFilter, version_text};

use crate::error::ApiError;
use crate::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use crate::admissions::{Admissions, Kept};
use crate::retrievals::Recorder;

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
    /// A producer account: its holdings as stored. Producer accounts are the originator: the
    /// holdings are theirs, so nothing is looked up, parsed or decided (the fast path).
    Producer,
    /// A partner member: only what releases published to its partner, and its own objects,
    /// each admitted by the policy core's decision for the partner.
    Partner(Box<PartnerView>),
}

/// A partner member's view of one page.
#[derive(Debug, Clone)]
pub struct PartnerView {
    /// Who is reading (first retrievals are recorded under this account); `None` when egress
    /// decides ahead of any read ([`Audience::predecide`]).
    account: Option<Account>,
    /// The partner, its recipient and the producer's decision policy; `None` (no partner, a
    /// profile the policy cannot read, or no `[organisation]` to decide with): nothing leaves.
    ctx: Option<Arc<PartnerCtx>>,
    /// Objects of the current page that may leave, by cursor, each with the releases it
    /// stands for ([`Audience::page`]).
    admitted: Admitted,
    /// Objects of the current page the decision was taken for.
    considered: u64,
    recorder: Option<Arc<Recorder>>,
    admissions: Option<Arc<Admissions>>,
}

/// The admitted objects of one page with the releases each stands for, in cursor order (a
/// page's cursors are distinct): found by one walk beside the page, no hashing per object.
/// Rows mostly stand for the same releases, so each row holds the index of its list of names,
/// and each list is held once. A page whose every row is admitted (a kept page) holds only the
/// lists: nothing is withheld from it and no row needs looking up.
#[derive(Debug, Clone, Default)]
struct Admitted {
    rows: Vec<(tearline_store::Cursor, u32)>,
    lists: Vec<Arc<[String]>>,
    /// Every row of the page is admitted (`rows` is empty).
    every: bool,
}

impl Admitted {
    fn clear(&mut self) {
        self.rows.clear();
        self.lists.clear();
        self.every = false;
    }

    /// Holds a list of names (once for a run of rows standing for the same releases).
    fn list(&mut self, names: &Arc<[String]>) -> u32 {
        if !self.lists.last().is_some_and(|l| Arc::ptr_eq(l, names)) {
            self.lists.push(names.clone());
        }
        (self.lists.len() - 1) as u32
    }

    /// Admits a row (rows in cursor order, or [`Admitted::sort`] afterwards).
    fn push(&mut self, cursor: tearline_store::Cursor, names: &Arc<[String]>) {
        let list = self.list(names);
        self.rows.push((cursor, list));
    }

    fn sort(&mut self) {
        self.rows.sort_unstable_by_key(|(c, _)| *c);
    }

    /// For each row, whether it is admitted and with what: one walk beside rows in cursor
    /// order (as pages are); a row before its predecessor starts the walk again.
    fn walk<'a>(&'a self, items: &'a [StoredObject]) -> impl Iterator<Item = Option<&'a Arc<[String]>>> + 'a {
        let mut i = 0;
        let mut prev = None;
        items.iter().map(move |o| {
            if prev.is_some_and(|p| o.cursor < p) {
                i = 0;
            }
            prev = Some(o.cursor);
            while i < self.rows.len() && self.rows[i].0 < o.cursor {
                i += 1;
            }
            self.rows.get(i).filter(|(c, _)| *c == o.cursor).map(|(_, n)| &self.lists[*n as usize])
        })
    }
}

#[derive(Debug)]
pub(crate) struct PartnerCtx {
    recipient: Recipient,
    policy: Arc<Policy>,
    /// The partner's name and the fingerprint of (recipient, policy, decision code): stored
    /// decisions count only under it.
    read: PartnerRead,
    /// Admissions under this fingerprint known in memory, by collection.
    kept: Kept,
}

impl PartnerCtx {
    /// The recipient of a partner's profile under the policy, and their fingerprint; `None`
    /// (nothing leaves) for a profile the policy cannot read. `kept_total` counts what every
    /// context keeps in memory.
    fn derive(p: &PartnerProfile, policy: &Arc<Policy>, kept_total: Arc<std::sync::atomic::AtomicUsize>) -> Option<Arc<PartnerCtx>> {
        match tearline_service::releases::recipient_for(p) {
            Ok(recipient) => {
                let fingerprint = admit::fingerprint(&recipient, policy);
                let read = PartnerRead { partner: p.name.clone(), fingerprint };
                Some(Arc::new(PartnerCtx { read, recipient, policy: policy.clone(), kept: Kept::new(kept_total) }))
            }
            Err(e) => {
                tracing::warn!(partner = %p.name, error = %e, "partner profile unusable by the policy; nothing leaves to it");
                None
            }
        }
    }
}

/// Partners' decision contexts, kept while the profile and the policy they came from stay
/// the same: a member's request compares its partner's profile (read with the account) with
/// the one kept instead of deriving the recipient and hashing the policy again. Any change
/// of profile or policy derives afresh, so a kept context is never stale.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    by_partner: std::sync::Mutex<std::collections::HashMap<String, (PartnerProfile, Arc<PartnerCtx>)>>,
    /// Admissions kept in memory by all contexts ([`Kept`]).
    kept_total: Arc<std::sync::atomic::AtomicUsize>,
}

/// Partners whose contexts are kept at most (then the map starts again).
const CONTEXTS_KEPT: usize = 1024;

impl Contexts {
    fn get(&self, p: &PartnerProfile, policy: &Arc<Policy>) -> Option<Arc<PartnerCtx>> {
        {
            let kept = self.by_partner.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((profile, ctx)) = kept.get(&p.name)
                && profile == p
                && Arc::ptr_eq(&ctx.policy, policy)
            {
                return Some(ctx.clone());
            }
        }
        let ctx = PartnerCtx::derive(p, policy, self.kept_total.clone())?;
        let mut kept = self.by_partner.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= CONTEXTS_KEPT {
            kept.clear();
        }
        kept.insert(p.name.clone(), (p.clone(), ctx.clone()));
        Some(ctx)
    }
}

/// Tags an object-bearing response to a partner member: the policy decision ran for each of
/// the `considered` objects the store returned and let `admitted` of them leave (a response
/// extension, never sent; the route test checks it for every object-bearing route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub considered: u64,
    pub admitted: u64,
}

/// Objects per page when deciding ahead of reads ([`Audience::predecide`]).
const PREDECIDE_PAGE: usize = 500;

/// Decisions taken for partner members since start (objects considered).
pub static DECIDED: AtomicU64 = AtomicU64::new(0);
/// Of those, objects decided live (no decision stored under the current fingerprint).
pub static DECIDED_LIVE: AtomicU64 = AtomicU64::new(0);

impl Audience {
    /// The audience of an account: producer roles see the store's pages; a partner member's
    /// view belongs to its partner (read with the account on every request, so an update or
    /// removal counts at once), judged under the producer's policy (`policy`; none: nothing
    /// leaves to partners).
    pub fn of(account: &Account, policy: Option<&Arc<Policy>>, recorder: Option<&Arc<Recorder>>, admissions: Option<&Arc<Admissions>>) -> Audience {
        if account.role != Role::PartnerMember {
            return Audience::Producer;
        }
        Audience::partner(account.partner.as_deref(), Some(account.clone()), policy, recorder, admissions)
    }

    /// A partner's audience: its profile (`None`: nothing leaves), the member reading, if any.
    fn partner(
        profile: Option<&PartnerProfile>,
        account: Option<Account>,
        policy: Option<&Arc<Policy>>,
        recorder: Option<&Arc<Recorder>>,
        admissions: Option<&Arc<Admissions>>,
    ) -> Audience {
        let ctx = match (profile, policy) {
            (Some(p), Some(policy)) => match admissions {
                Some(a) => a.contexts.get(p, policy),
                None => PartnerCtx::derive(p, policy, Default::default()),
            },
            _ => None,
        };
        Audience::Partner(Box::new(PartnerView {
            account,
            ctx,
            admitted: Admitted::default(),
            considered: 0,
            recorder: recorder.cloned(),
            admissions: admissions.cloned(),
        }))
    }

    /// One page of a collection for this audience (`bodies`: the response shows them), and
    /// for a partner member the decision on each of its objects. A producer's page is the
    /// store's page. A partner member's page is read with each row's stored decision in the
    /// same query ([`Store::partner_objects`]): a row admitted before under the same
    /// fingerprint (same recipient, same policy, same decision code: objects never change)
    /// leaves on that decision; any other row is decided live: it leaves only if a release (or
    /// recall) published exactly its (id, version) to the partner, or the partner authored it,
    /// **and** the policy core's [`Gate`] admits it. Live admissions that depend on nothing but
    /// the object, the recipient and the policy are stored in the background for the next read.
    pub async fn page(mut self, store: &dyn Store, collection_id: &str, filter: &ObjectFilter, bodies: bool) -> Result<(Page, Audience), ApiError> {
        let Audience::Partner(view) = &mut self else {
            let page = store.objects(collection_id, filter, bodies).await?;
            return Ok((page, self));
        };
        view.admitted.clear();
        let Some(ctx) = view.ctx.clone() else {
            // Nothing leaves; the store's page still decides where the next one starts.
            let page = store.objects(collection_id, filter, false).await?;
            view.considered = page.items.len() as u64;
            DECIDED.fetch_add(view.considered, Ordering::Relaxed);
            return Ok((page, self));
        };
        // Every row's admission kept in memory: the page is read as a producer's.
        let after = filter.after.map(|c| c.0).max(filter.added_after.map(|t| t.as_micros()));
        if let Some(kept) = ctx.kept.worth_trying(collection_id, after) {
            let page = store.objects(collection_id, filter, bodies).await?;
            let admitted = &mut view.admitted;
            if kept.page(&page.items, |_, names| {
                admitted.list(names);
            }) {
                admitted.every = true;
                view.considered = page.items.len() as u64;
                DECIDED.fetch_add(view.considered, Ordering::Relaxed);
                if let Some(a) = &view.admissions {
                    a.kept_pages.fetch_add(1, Ordering::Relaxed);
                }
                return Ok((page, self));
            }
            view.admitted.clear();
        }
        let PartnerPage { page, rows } = store.partner_objects(collection_id, filter, true, &ctx.read).await?;
        view.considered = page.items.len() as u64;
        DECIDED.fetch_add(view.considered, Ordering::Relaxed);
        let mut live: Vec<(&StoredObject, Vec<String>)> = Vec::new();
        for (o, d) in page.items.iter().zip(rows) {
            match d {
                RowDecision::Admitted(names) => {
                    view.admitted.push(o.cursor, &names);
                }
                RowDecision::Live(published) => live.push((o, published)),
            }
        }
        // Kept by contexts that outlive the request (those of the server's `Contexts`).
        if view.admissions.is_some() {
            ctx.kept.keep(collection_id, page.items.iter().zip(view.admitted.walk(&page.items)).filter_map(|(o, n)| Some((o, n?))));
        }
        if live.is_empty() {
            return Ok((page, self));
        }
        DECIDED_LIVE.fetch_add(live.len() as u64, Ordering::Relaxed);
        let heads: Vec<Option<Head>> = live.iter().map(|(o, _)| o.body.as_deref().and_then(|b| Head::parse(b).ok())).collect();
        let mut gate = Gate::new(&ctx.recipient, &ctx.policy);
        // Marking-definitions are trusted only in a version a release published to this partner.
        let mut refs: Vec<String> = heads.iter().flatten().flat_map(Head::marking_refs).filter(|r| !admit::is_builtin_marking(r)).map(str::to_owned).collect();
        refs.sort_unstable();
        refs.dedup();
        if !refs.is_empty() {
            let filter = ObjectFilter { limit: refs.len() * 4 + 16, ids: refs, versions: VersionFilter::all(), ..Default::default() };
            // An empty fingerprint matches no stored decision: every row carries its releases.
            let unstored = PartnerRead { partner: ctx.read.partner.clone(), fingerprint: String::new() };
            let defs = store.partner_objects(collection_id, &filter, true, &unstored).await?;
            if !defs.page.more {
                for (d, how) in defs.page.items.iter().zip(&defs.rows) {
                    let released = matches!(how, RowDecision::Live(ms) if !ms.is_empty());
                    if let (true, Some(Ok(v))) = (released, d.body.as_deref().map(serde_json::from_str::<serde_json::Value>)) {
                        gate.add_definition(&v);
                    }
                }
            }
        }
        let mut store_back: Vec<(tearline_store::Cursor, Vec<String>)> = Vec::new();
        let mut kept_live: Vec<(&StoredObject, Arc<[String]>)> = Vec::new();
        // Rows standing for the same releases share one list, as stored ones do.
        let mut last: Option<Arc<[String]>> = None;
        for ((o, published), head) in live.into_iter().zip(&heads) {
            let (Some(head), Some(body)) = (head, o.body.as_deref()) else { continue };
            let authored = head.created_by_ref.as_deref() == Some(ctx.recipient.org_identity.as_str());
            if (published.is_empty() && !authored) || gate.admit(head, body).is_err() {
                continue;
            }
            // An object names a release when it is the release's manifest report or only that
            // release published it (the producer's identity or a TLP definition names none).
            let names: Vec<String> = if published.len() == 1 { published } else { published.into_iter().filter(|m| *m == o.id).collect() };
            let names = match last.take() {
                Some(l) if l[..] == names[..] => l,
                _ => Arc::from(names),
            };
            last = Some(names.clone());
            if head.self_contained() {
                store_back.push((o.cursor, names.to_vec()));
                kept_live.push((o, names.clone()));
            }
            view.admitted.push(o.cursor, &names);
        }
        // Stored decisions first, then live ones: back into page (cursor) order.
        view.admitted.sort();
        if let Some(a) = &view.admissions {
            ctx.kept.keep(collection_id, kept_live.iter().map(|(o, n)| (*o, n)));
            a.note(&ctx.read, collection_id, store_back);
        }
        Ok((page, self))
    }

    /// Decides a partner's delivery collection ahead of its members' reads (run after a
    /// release or recall publishes to it): every object not yet decided under the current
    /// fingerprint is decided exactly as a member's read would decide it, and the admissions
    /// are stored in the background, so the first read finds them. Nothing is served and no
    /// retrieval is recorded. Returns the objects considered (0 for an unknown or removed
    /// partner, or without a decision policy).
    pub async fn predecide(store: &dyn Store, partner: &str, policy: Option<&Arc<Policy>>, admissions: &Arc<Admissions>) -> Result<u64, ApiError> {
        let Some(p) = store.partner(partner).await? else { return Ok(0) };
        if p.removed || policy.is_none() {
            return Ok(0);
        }
        let mut audience = Audience::partner(Some(&p.profile), None, policy, None, Some(admissions));
        let mut filter = ObjectFilter { limit: PREDECIDE_PAGE, versions: VersionFilter::all(), ..Default::default() };
        let mut considered = 0;
        loop {
            let (page, next) = audience.page(store, &p.collection_id, &filter, true).await?;
            audience = next;
            considered += page.items.len() as u64;
            match page.next() {
                Some(c) => filter.after = Some(c),
                None => return Ok(considered),
            }
        }
    }

    /// The page as this audience may see it (the producer's page untouched).
    fn project(&self, mut page: Page) -> Projected {
        if let Audience::Partner(v) = self {
            let before = page.items.len();
            let cursor = page.items.last().map(|o| o.cursor);
            if !v.admitted.every {
                let keep: Vec<bool> = v.admitted.walk(&page.items).map(|a| a.is_some()).collect();
                let mut keep = keep.into_iter();
                page.items.retain(|_| keep.next().unwrap_or(false));
            }
            WITHHELD.fetch_add((before - page.items.len()) as u64, Ordering::Relaxed);
            let decided = Decided { considered: v.considered, admitted: page.items.len() as u64 };
            return Projected { next: if page.more { cursor } else { None }, page, decided: Some(decided) };
        }
        Projected { next: page.next(), page, decided: None }
    }

    /// Notes the first retrieval of each release whose objects leave (the page as projected:
    /// exactly its admitted rows, so the lists held for them); the write happens in the
    /// background.
    fn delivered(&self) {
        let Audience::Partner(v) = self else { return };
        let (Some(recorder), Some(account)) = (&v.recorder, &v.account) else { return };
        let mut names: Vec<&str> = v.admitted.lists.iter().flat_map(|n| n.iter()).map(String::as_str).collect();
        if names.is_empty() {
            return;
        }
        names.sort_unstable();
        names.dedup();
        recorder.note(account, names);
    }
}

fn with_decided(mut resp: Response, p: &Projected) -> Response {
    if let Some(d) = p.decided {
        resp.extensions_mut().insert(d);
    }
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

/// A page after projection, and where the next one starts (after the last item the store
/// returned, even when the projection withheld it, so paging never stalls).
struct Projected {
    page: Page,
    next: Option<tearline_store::Cursor>,
    /// Set for a partner member's page.
    decided: Option<Decided>,
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
    envelope(audience.project(page), audience)
}

/// The envelope of a projected page, its stored JSON texts spliced in.
fn envelope(p: Projected, audience: &Audience) -> Response {
    let size: usize = p.page.items.iter().map(|o| o.body.as_ref().map_or(0, String::len) + 1).sum();
    let mut out = open_envelope(&p, "objects", size);
    for (i, o) in p.page.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(o.body.as_deref().unwrap_or("{}"));
    }
    out.push_str("]}");
    audience.delivered();
    with_served(with_decided(with_date_headers(taxii(StatusCode::OK, out), &p.page.items), &p), p.page.items.len())
}

/// The versions of one object (Get an Object): not found when the first page is empty after
/// projection, exactly as for an object that does not exist.
pub fn object(page: Page, audience: &Audience, first_page: bool) -> Result<Response, ApiError> {
    let p = audience.project(page);
    if first_page && p.page.items.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(envelope(p, audience))
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
    with_decided(with_date_headers(taxii(StatusCode::OK, out), &p.page.items), &p)
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
    Ok(with_decided(with_date_headers(taxii(StatusCode::OK, out), &p.page.items), &p))
}
