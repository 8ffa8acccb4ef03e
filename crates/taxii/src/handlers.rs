//! TAXII 2.1 endpoint handlers: thin adapters from HTTP to store calls and egress.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use serde::Serialize;
use tearline_stix::Timestamp;
use tearline_stix::envelope::EnvelopeError;
use tearline_store::{Access, Collection, ObjectFilter, Page, StatusDraft, VersionFilter};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::TaxiiQuery;
use crate::{AppState, egress, media};

#[derive(Serialize)]
struct Discovery<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    api_roots: Vec<String>,
}

#[derive(Serialize)]
struct ApiRootResource<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    versions: [&'static str; 1],
    max_content_length: usize,
}

#[derive(Serialize)]
struct CollectionResource<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<&'a str>,
    can_read: bool,
    can_write: bool,
    media_types: [&'static str; 1],
}

impl<'a> CollectionResource<'a> {
    fn new(c: &'a Collection, a: Access) -> Self {
        CollectionResource {
            id: &c.id,
            title: &c.title,
            description: c.description.as_deref(),
            alias: c.alias.as_deref(),
            can_read: a.can_read,
            can_write: a.can_write,
            media_types: [media::STIX_MEDIA_TYPE],
        }
    }
}

#[derive(Serialize)]
struct Collections<'a> {
    collections: Vec<CollectionResource<'a>>,
}

fn root_path(root: &str) -> String {
    format!("/taxii2/{root}/")
}

/// API roots this account can see: those holding a collection it may read or write.
async fn visible_roots(state: &AppState, caller: &Caller) -> Result<Vec<tearline_store::ApiRoot>, ApiError> {
    let mut out = Vec::new();
    for root in state.store.api_roots().await? {
        if !state.store.collections_for(caller.0.id, &root.name).await?.is_empty() {
            out.push(root);
        }
    }
    Ok(out)
}

pub async fn discovery(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let roots = visible_roots(&state, &caller).await?;
    let cfg = &state.config;
    let default = roots.iter().find(|r| r.name == cfg.default_api_root).map(|r| root_path(&r.name));
    egress::resource(
        StatusCode::OK,
        &Discovery {
            title: &cfg.title,
            description: cfg.description.as_deref(),
            contact: cfg.contact.as_deref(),
            default,
            api_roots: roots.iter().map(|r| root_path(&r.name)).collect(),
        },
    )
}

pub async fn api_root(State(state): State<AppState>, caller: Caller, Path(root): Path<String>) -> Result<Response, ApiError> {
    let roots = visible_roots(&state, &caller).await?;
    let root = roots.iter().find(|r| r.name == root).ok_or(ApiError::NotFound)?;
    egress::resource(
        StatusCode::OK,
        &ApiRootResource {
            title: &root.title,
            description: root.description.as_deref(),
            versions: [media::TAXII_MEDIA_TYPE],
            max_content_length: state.config.max_content_length,
        },
    )
}

pub async fn collections(State(state): State<AppState>, caller: Caller, Path(root): Path<String>) -> Result<Response, ApiError> {
    let list = state.store.collections_for(caller.0.id, &root).await?;
    if list.is_empty() {
        // An API root without a visible collection answers like one that does not exist.
        return Err(ApiError::NotFound);
    }
    let collections = list.iter().map(|(c, a)| CollectionResource::new(c, *a)).collect();
    egress::resource(StatusCode::OK, &Collections { collections })
}

/// The collection, if the caller may see it; otherwise the same 404 as for no collection.
async fn visible_collection(state: &AppState, caller: &Caller, root: &str, id: &str) -> Result<(Collection, Access), ApiError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::NotFound);
    }
    state.store.collection_for(caller.0.id, root, id).await?.ok_or(ApiError::NotFound)
}

async fn readable_collection(state: &AppState, caller: &Caller, root: &str, id: &str) -> Result<Collection, ApiError> {
    let (c, access) = visible_collection(state, caller, root, id).await?;
    if !access.can_read {
        return Err(ApiError::Forbidden("this account may not read this collection"));
    }
    Ok(c)
}

pub async fn collection(State(state): State<AppState>, caller: Caller, Path((root, id)): Path<(String, String)>) -> Result<Response, ApiError> {
    let (c, access) = visible_collection(&state, &caller, &root, &id).await?;
    egress::resource(StatusCode::OK, &CollectionResource::new(&c, access))
}

fn parse_query(state: &AppState, raw: Option<String>) -> Result<TaxiiQuery, ApiError> {
    TaxiiQuery::parse(raw.as_deref(), state.config.query).map_err(|e| ApiError::BadRequest(e.to_string()))
}

fn filter_from(q: TaxiiQuery, default_versions: VersionFilter) -> ObjectFilter {
    ObjectFilter {
        added_after: q.added_after,
        ids: q.ids,
        types: q.types,
        versions: q.versions.unwrap_or(default_versions),
        spec_versions: q.spec_versions,
        after: q.next,
        limit: q.limit,
        ..Default::default()
    }
}

/// One page of a collection the caller may read, and the audience it is shown to. `filter` is
/// built only once the collection is known to be readable (so a 403 or 404 for the collection
/// comes first); `bodies` says whether the response shows object bodies (the audience may need
/// them anyway, to decide).
async fn audience_page(
    state: &AppState,
    caller: &Caller,
    root: &str,
    id: &str,
    filter: impl FnOnce() -> Result<ObjectFilter, ApiError>,
    bodies: bool,
) -> Result<(Page, egress::Audience), ApiError> {
    let c = readable_collection(state, caller, root, id).await?;
    let filter = filter()?;
    // The audience (a partner member's partner) came with the account: no further lookup.
    let audience = egress::Audience::of(&caller.0, state.decision.as_ref(), Some(&state.retrievals), Some(&state.admissions));
    audience.page(&*state.store, &c.id, &filter, bodies).await
}

pub async fn get_objects(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_query(&state, raw)?;
    let (page, audience) = audience_page(&state, &caller, &root, &id, || Ok(filter_from(q, VersionFilter::last())), true).await?;
    let resp = egress::objects(page, &audience);
    state.metrics.objects_served.fetch_add(served(&resp), Ordering::Relaxed);
    Ok(resp)
}

pub async fn get_manifest(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_query(&state, raw)?;
    let (page, audience) = audience_page(&state, &caller, &root, &id, || Ok(filter_from(q, VersionFilter::last())), false).await?;
    Ok(egress::manifest(page, &audience))
}

/// Objects an envelope response carries (from egress's count header-free tally).
fn served(resp: &Response) -> u64 {
    resp.extensions().get::<egress::Served>().map_or(0, |s| s.0)
}

/// The object-scoped filter: only this id; an id that is not a STIX identifier matches nothing.
fn object_filter(q: TaxiiQuery, object_id: &str, default_versions: VersionFilter) -> Result<ObjectFilter, ApiError> {
    tearline_stix::Identifier::parse(object_id).map_err(|_| ApiError::NotFound)?;
    let mut f = filter_from(q, default_versions);
    f.ids = vec![object_id.to_owned()];
    f.types.clear();
    Ok(f)
}

pub async fn get_object(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_query(&state, raw)?;
    let first_page = q.next.is_none();
    let (page, audience) = audience_page(&state, &caller, &root, &id, || object_filter(q, &object_id, VersionFilter::last()), true).await?;
    let resp = egress::object(page, &audience, first_page)?;
    state.metrics.objects_served.fetch_add(served(&resp), Ordering::Relaxed);
    Ok(resp)
}

pub async fn get_versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut q = parse_query(&state, raw)?;
    q.versions = None; // Get Object Versions lists every version; match[version] does not apply.
    let first_page = q.next.is_none();
    let (page, audience) = audience_page(&state, &caller, &root, &id, || object_filter(q, &object_id, VersionFilter::all()), false).await?;
    egress::versions(page, &audience, first_page)
}

pub async fn delete_object(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_query(&state, raw)?;
    let (c, access) = visible_collection(&state, &caller, &root, &id).await?;
    if !(access.can_read && access.can_write) {
        return Err(ApiError::Forbidden("deleting objects needs both read and write access to this collection"));
    }
    tearline_stix::Identifier::parse(&object_id).map_err(|_| ApiError::NotFound)?;
    let versions = q.versions.unwrap_or_else(VersionFilter::all);
    let n = state.store.delete_object(&c.id, &object_id, &versions, &q.spec_versions).await?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(egress::taxii(StatusCode::OK, String::new()))
}

/// A status resource belongs to the API root its objects were posted to: the store keys it by
/// `{root}/{uuid}`, so the same id under another root is not found.
fn status_key(root: &str, id: &str) -> String {
    format!("{root}/{id}")
}

/// The status resource as TAXII shows it: its id is the UUID alone.
fn public_status(mut status: tearline_store::StatusRecord) -> tearline_store::StatusRecord {
    if let Some((_, uuid)) = status.id.rsplit_once('/') {
        status.id = uuid.to_owned();
    }
    status
}

pub async fn get_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, status_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if uuid::Uuid::parse_str(&status_id).is_err() || !visible_roots(&state, &caller).await?.iter().any(|r| r.name == root) {
        return Err(ApiError::NotFound);
    }
    let status = state.store.status(&status_key(&root, &status_id), caller.0.id).await?.ok_or(ApiError::NotFound)?;
    egress::resource(StatusCode::OK, &public_status(status))
}

/// Reads a request body, refusing more than `max` bytes with a 413.
async fn read_body(body: Body, max: usize) -> Result<bytes::Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("the request body exceeds max_content_length ({max} bytes); split it into several requests"));
    let limited = http_body_util::Limited::new(body, max);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(ApiError::BadRequest("the request body could not be read".into())),
    }
}

pub async fn add_objects(
    State(state): State<AppState>,
    caller: Caller,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (c, access) = visible_collection(&state, &caller, &root, &id).await?;
    if !access.can_write {
        return Err(ApiError::Forbidden("this account may not write to this collection"));
    }
    if !media::content_is_taxii(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let request_timestamp = Timestamp::now();
    let bytes = read_body(body, state.config.max_content_length).await?;
    let max_objects = state.config.max_objects_per_request;
    let items = tokio::task::spawn_blocking(move || tearline_service::ingest::submissions(&bytes, max_objects))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|e| match e {
            EnvelopeError::TooMany { .. } => ApiError::PayloadTooLarge(e.to_string()),
            other => ApiError::BadRequest(other.to_string()),
        })?;
    // A partner member posts its own organisation's objects only (never another author's, such
    // as a version of a released object in the producer's name).
    let items = if caller.0.role == tearline_store::Role::PartnerMember {
        match &caller.0.partner {
            Some(p) => tearline_service::ingest::only_authored_by(items, &p.identity_id),
            None => items,
        }
    } else {
        items
    };
    let draft = StatusDraft { id: status_key(&root, &uuid::Uuid::new_v4().to_string()), account_id: caller.0.id, request_timestamp };
    let for_cases = case_candidates(&items);
    let result = state.store.add_objects(&c.id, items, Some(draft)).await?;
    let status = result.status.ok_or(ApiError::Internal)?;
    if !for_cases.is_empty() {
        cases_after_ingest(&state, &caller.0, for_cases).await;
    }
    state.metrics.objects_added.fetch_add(status.success_count, Ordering::Relaxed);
    state.metrics.objects_rejected.fetch_add(status.failure_count, Ordering::Relaxed);
    egress::resource(StatusCode::ACCEPTED, &public_status(status))
}

/// Accepted objects that may concern a duty-to-warn case: threat attributes (a case may have to
/// be raised) or a recipient's note, opinion or sighting (feedback on a warning). A string test
/// first, so ordinary ingest parses nothing more.
fn case_candidates(items: &[tearline_store::Submission]) -> Vec<serde_json::Value> {
    items
        .iter()
        .filter_map(|s| match s {
            tearline_store::Submission::Accepted(o)
                if matches!(o.object_type.as_str(), "note" | "opinion" | "sighting") || o.body.contains(tearline_duty::EXT_THREAT) =>
            {
                serde_json::from_str(&o.body).ok()
            }
            _ => None,
        })
        .collect()
}

/// After the objects are stored: a partner member's objects are feedback on its warnings; a
/// producer's may raise cases. The objects are stored whatever happens here; failures are logged.
async fn cases_after_ingest(state: &AppState, account: &tearline_store::Account, objects: Vec<serde_json::Value>) {
    let store = &*state.store;
    let outcome = if account.role == tearline_store::Role::PartnerMember {
        match &account.partner {
            Some(p) => tearline_service::cases::on_feedback(store, &state.desk, &p.name, &account.name, &objects).await.map(|n| n.to_string()),
            None => Ok("0".into()),
        }
    } else {
        tearline_service::cases::raise_from_objects(store, &state.desk, &account.name, &objects).await.map(|ids| ids.join(","))
    };
    if let Err(e) = outcome {
        tracing::warn!(account = %account.name, error = %e, "case processing after ingest failed; the objects are stored");
    }
}
