//! The management API under `/api/v1/`: JSON over HTTP, the same authentication as TAXII.
//! Handlers are thin adapters over `tearline-service`; the CLI calls the same functions.

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tearline_service::{Actor, ServiceError, ledger, osint, partners, releases};
use tearline_store::StoreError;

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;

/// Largest management request body (articles included).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A management API error: `{"error": {"code", "message"}}` with its HTTP status.
#[derive(Debug)]
pub struct MgmtError(pub(crate) StatusCode, pub(crate) &'static str, pub(crate) String);

impl IntoResponse for MgmtError {
    fn into_response(self) -> Response {
        let MgmtError(status, code, message) = self;
        let mut resp = crate::egress::json(status, &json!({"error": {"code": code, "message": message}}));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"tearline\", Bearer realm=\"tearline\""));
        }
        resp
    }
}

impl From<ServiceError> for MgmtError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(m) => MgmtError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            ServiceError::NotFound(what) => MgmtError(StatusCode::NOT_FOUND, "not-found", format!("{what} not found")),
            ServiceError::Conflict(what) => MgmtError(StatusCode::CONFLICT, "conflict", format!("{what} already exists")),
            ServiceError::Forbidden(m) => MgmtError(StatusCode::FORBIDDEN, "forbidden", m),
            ServiceError::Store(e) => store_error(e),
        }
    }
}

fn store_error(e: StoreError) -> MgmtError {
    match ApiError::from(e) {
        ApiError::Unavailable => MgmtError(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the database is not reachable right now; retry later".into()),
        _ => MgmtError(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed to handle the request; the cause is logged".into()),
    }
}

impl From<ApiError> for MgmtError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unauthenticated => MgmtError(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send HTTP Basic credentials (account name and secret) or 'Authorization: Bearer <secret>'".into(),
            ),
            ApiError::Unavailable => MgmtError(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the database is not reachable right now; retry later".into()),
            other => MgmtError(other.status(), "error", other.to_string()),
        }
    }
}

/// The authenticated account behind a management request.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = MgmtError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Caller(Actor::Account(authenticate(state, &parts.headers).await?)))
    }
}

/// Reads a bounded JSON body into `T`, with errors that say what is wrong.
pub(crate) async fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, MgmtError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(MgmtError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "send the body as application/json".into()));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| MgmtError(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", format!("the body exceeds {MAX_BODY} bytes")))?;
    serde_json::from_slice(&bytes).map_err(|e| MgmtError(StatusCode::BAD_REQUEST, "bad-request", format!("the body is not the expected JSON: {e}")))
}

pub(crate) fn ok<T: Serialize>(status: StatusCode, value: &T) -> Response {
    crate::egress::json(status, value)
}

pub async fn whoami(Caller(actor): Caller) -> Response {
    match actor {
        Actor::Account(a) => ok(StatusCode::OK, &json!({"name": a.name, "role": a.role})),
        Actor::Operator => ok(StatusCode::OK, &json!({"name": "operator"})),
    }
}

pub async fn list_partners(State(state): State<AppState>, Caller(actor): Caller) -> Result<Response, MgmtError> {
    let list = partners::list(&*state.store, &actor).await?;
    Ok(ok(StatusCode::OK, &json!({ "partners": list })))
}

pub async fn add_partner(State(state): State<AppState>, Caller(actor): Caller, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let input: partners::PartnerInput = json_body(&headers, body).await?;
    let p = partners::add(&*state.store, &actor, input).await?;
    Ok(ok(StatusCode::CREATED, &p))
}

pub async fn show_partner(State(state): State<AppState>, Caller(actor): Caller, Path(name): Path<String>) -> Result<Response, MgmtError> {
    Ok(ok(StatusCode::OK, &partners::show(&*state.store, &actor, &name).await?))
}

pub async fn update_partner(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, MgmtError> {
    let input: partners::PartnerInput = json_body(&headers, body).await?;
    let updated = partners::update(&*state.store, &actor, &name, input).await?;
    // A changed profile is a new fingerprint: decide again ahead of the members' next reads.
    predecide(&state, &name);
    Ok(ok(StatusCode::OK, &updated))
}

pub async fn remove_partner(State(state): State<AppState>, Caller(actor): Caller, Path(name): Path<String>) -> Result<Response, MgmtError> {
    partners::remove(&*state.store, &actor, &name).await?;
    Ok(crate::egress::empty(StatusCode::NO_CONTENT))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    name: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(partner): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, MgmtError> {
    let input: NewMember = json_body(&headers, body).await?;
    let (account, secret) = partners::add_member(&*state.store, &actor, &partner, &input.name).await?;
    Ok(ok(StatusCode::CREATED, &json!({"account": account, "secret": secret})))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsintRequest {
    collection: String,
    articles: Vec<osint::ArticleInput>,
}

/// Open-source articles into a collection; answers with the extraction and the clusters.
pub async fn ingest_articles(State(state): State<AppState>, Caller(actor): Caller, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let req: OsintRequest = json_body(&headers, body).await?;
    let outcome = osint::ingest(&*state.store, &actor, &req.collection, req.articles, Some(&state.desk)).await?;
    Ok(ok(StatusCode::OK, &outcome))
}

pub(crate) fn releaser(state: &AppState) -> Result<&releases::Releaser, MgmtError> {
    state.releaser.as_deref().ok_or_else(|| {
        MgmtError(StatusCode::SERVICE_UNAVAILABLE, "not-configured", "releasing is not configured on this server (no signing key or organisation settings)".into())
    })
}

/// Preview a release: what the partner would get, what was removed and why, lint findings,
/// and the draft token an approver needs.
pub async fn preview_release(State(state): State<AppState>, Caller(actor): Caller, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let input: releases::PreviewInput = json_body(&headers, body).await?;
    let p = releases::preview(&*state.store, &actor, releaser(&state)?, input).await?;
    Ok(ok(StatusCode::OK, &p))
}

/// After a publication to `partner` (or a change of its profile): its delivery collection is
/// decided in the background, so its members' next reads find the decisions stored
/// ([`egress::Audience::predecide`]).
pub(crate) fn predecide(state: &AppState, partner: &str) {
    let (store, policy, admissions, partner) = (state.store.clone(), state.decision.clone(), state.admissions.clone(), partner.to_owned());
    tokio::spawn(async move {
        if let Err(e) = crate::egress::Audience::predecide(&*store, &partner, policy.as_ref(), &admissions).await {
            tracing::warn!(partner, error = ?e, "deciding ahead of reads failed; reads decide live");
        }
    });
}

/// At start: every partner's delivery collection decided ahead of reads, one partner after
/// another, so that after a restart members' reads find their admissions kept in memory
/// rather than only stored ([`egress::Audience::predecide`]; each partner's as after a
/// publication to it). Returns the objects considered.
pub async fn decide_ahead_all(state: &AppState) -> u64 {
    let partners = match state.store.partners().await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list partners to decide ahead of reads; reads decide from stored admissions");
            return 0;
        }
    };
    let mut considered = 0;
    for p in partners.iter().filter(|p| !p.removed) {
        match crate::egress::Audience::predecide(&*state.store, &p.profile.name, state.decision.as_ref(), &state.admissions).await {
            Ok(n) => considered += n,
            Err(e) => tracing::warn!(partner = %p.profile.name, error = ?e, "deciding ahead of reads failed; reads decide live"),
        }
    }
    considered
}

/// Approve (compile, sign, store, publish) a release.
pub async fn approve_release(State(state): State<AppState>, Caller(actor): Caller, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let input: releases::ApproveInput = json_body(&headers, body).await?;
    let r = releases::approve(&*state.store, &actor, releaser(&state)?, input).await?;
    predecide(&state, &r.partner);
    Ok(ok(StatusCode::CREATED, &releases::ReleaseView::from(r)))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseQuery {
    partner: Option<String>,
    source: Option<String>,
}

pub async fn list_releases(
    State(state): State<AppState>,
    Caller(actor): Caller,
    axum::extract::Query(q): axum::extract::Query<ReleaseQuery>,
) -> Result<Response, MgmtError> {
    let list = match &q.source {
        Some(src) => releases::from_source(&*state.store, &actor, src).await?.into_iter().filter(|r| q.partner.as_ref().is_none_or(|p| &r.partner == p)).collect(),
        None => releases::list(&*state.store, &actor, q.partner.as_deref()).await?,
    };
    let views: Vec<releases::ReleaseView> = list.into_iter().map(Into::into).collect();
    Ok(ok(StatusCode::OK, &json!({ "releases": views })))
}

pub async fn show_release(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>) -> Result<Response, MgmtError> {
    let r = releases::show(&*state.store, &actor, &id).await?;
    Ok(ok(StatusCode::OK, &releases::ReleaseView::from(r)))
}

/// The exact stored bundle bytes of a release.
pub async fn release_bundle(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>) -> Result<Response, MgmtError> {
    let r = releases::show(&*state.store, &actor, &id).await?;
    Ok(crate::egress::raw(StatusCode::OK, "application/stix+json;version=2.1", r.bundle))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallInput {
    reason: String,
}

pub async fn recall_release(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let input: RecallInput = json_body(&headers, body).await?;
    let r = releases::recall(&*state.store, &actor, releaser(&state)?, &id, &input.reason).await?;
    predecide(&state, &r.partner);
    Ok(ok(StatusCode::OK, &releases::ReleaseView::from(r)))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerParams {
    subject: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    after: i64,
    limit: Option<usize>,
}

/// Ledger entries (admin, auditor, release officer): `next_after` continues the listing.
pub async fn list_ledger(
    State(state): State<AppState>,
    Caller(actor): Caller,
    q: Result<axum::extract::Query<LedgerParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, MgmtError> {
    // A malformed query answers through egress like every error (not axum's own text).
    let axum::extract::Query(q) = q.map_err(|e| MgmtError(StatusCode::BAD_REQUEST, "bad-request", format!("the query is not valid: {}", e.body_text())))?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 {
        return Err(MgmtError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "limit is at least 1".into()));
    }
    let query = tearline_store::LedgerQuery { after: q.after, limit, subject: q.subject, kind_prefix: q.kind };
    let entries = ledger::list(&*state.store, &actor, &query).await?;
    let next_after = (entries.len() == limit).then(|| entries.last().map(|e| e.seq)).flatten();
    Ok(ok(StatusCode::OK, &json!({ "entries": entries, "next_after": next_after })))
}

/// The latest signed checkpoint of the ledger.
pub async fn ledger_checkpoint(State(state): State<AppState>, Caller(actor): Caller) -> Result<Response, MgmtError> {
    Ok(ok(StatusCode::OK, &ledger::latest_checkpoint(&*state.store, &actor).await?))
}

pub async fn not_found() -> MgmtError {
    MgmtError(StatusCode::NOT_FOUND, "not-found", "no such management endpoint; see /api/v1/openapi.json".into())
}

/// The OpenAPI 3.1 description of the management API.
pub async fn openapi() -> Response {
    ok(StatusCode::OK, &openapi_document())
}

pub fn openapi_document() -> Value {
    let mut doc = base_document();
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), crate::cases_api::openapi_paths()) {
        paths.extend(more);
    }
    doc
}

fn base_document() -> Value {
    let err = json!({"$ref": "#/components/responses/Error"});
    let partner_input = json!({"$ref": "#/components/schemas/PartnerInput"});
    let partner = json!({"$ref": "#/components/schemas/Partner"});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tearline management API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Partners, releases, open-source ingestion and the ledger (cases as they land). The same operations as the tearline CLI."},
        "security": [{"basic": []}, {"bearer": []}],
        "paths": {
            "/api/v1/whoami": {"get": {"summary": "The authenticated account", "responses": {"200": {"description": "account name and role"}, "401": err}}},
            "/api/v1/partners": {
                "get": {"summary": "List partners", "responses": {"200": {"description": "partners",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"partners": {"type": "array", "items": partner}}}}}}, "401": err, "403": err}},
                "post": {"summary": "Add a partner (admin)", "requestBody": {"required": true, "content": {"application/json": {"schema": partner_input}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": partner}}}, "401": err, "403": err, "409": err, "422": err}}
            },
            "/api/v1/partners/{name}": {
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"summary": "Show a partner", "responses": {"200": {"description": "the partner", "content": {"application/json": {"schema": partner}}}, "401": err, "403": err, "404": err}},
                "patch": {"summary": "Update a partner (admin); given fields replace stored ones", "requestBody": {"required": true, "content": {"application/json": {"schema": partner_input}}},
                    "responses": {"200": {"description": "updated", "content": {"application/json": {"schema": partner}}}, "401": err, "403": err, "404": err, "422": err}},
                "delete": {"summary": "Remove a partner (admin): its members lose access at once; what it received stays on record",
                    "responses": {"204": {"description": "removed"}, "401": err, "403": err, "404": err}}
            },
            "/api/v1/partners/{name}/members": {
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "post": {"summary": "Add a member account to a partner (admin); the secret is returned once",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                    "responses": {"201": {"description": "the account and its secret"}, "401": err, "403": err, "404": err, "409": err, "422": err}}
            },
            "/api/v1/osint/articles": {
                "post": {"summary": "Ingest open-source articles (analyst, admin): STIX reports of their entities, places, events and dates, and the event clusters they join",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["collection", "articles"], "additionalProperties": false, "properties": {
                        "collection": {"type": "string", "format": "uuid"},
                        "articles": {"type": "array", "maxItems": 10000, "items": {"type": "object", "required": ["name", "text"], "additionalProperties": false, "properties": {
                            "name": {"type": "string"}, "text": {"type": "string", "description": "plain text, optional TOML front matter between +++ lines"},
                            "meta_toml": {"type": "string", "description": "sidecar metadata (outlet, url, language, published, title, attributed_to)"}}}}}}}}},
                    "responses": {"200": {"description": "per-article extraction summary and the clusters touched"}, "401": err, "403": err, "404": err, "422": err}}
            },
            "/api/v1/releases/preview": {
                "post": {"summary": "Preview a release to a partner (analyst, release officer, admin): the objects it would get, what was removed and why, lint findings, and a draft token binding author, partner and sources",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PreviewInput"}}}},
                    "responses": {"200": {"description": "the preview", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Preview"}}}}, "401": err, "403": err, "404": err, "422": err}}
            },
            "/api/v1/releases": {
                "get": {"summary": "List releases (producer roles); internal records, never served to partners",
                    "parameters": [{"name": "partner", "in": "query", "schema": {"type": "string"}}, {"name": "source", "in": "query", "schema": {"type": "string"}, "description": "only releases derived from this source object id"}],
                    "responses": {"200": {"description": "releases", "content": {"application/json": {"schema": {"type": "object", "properties": {"releases": {"type": "array", "items": {"$ref": "#/components/schemas/Release"}}}}}}}, "401": err, "403": err}},
                "post": {"summary": "Approve a release (release officer, admin): recompiles the draft, refuses unresolved blocking lints (each override needs a justification), enforces the two-person rule (the approver is not the draft's author), signs, stores and publishes it to the partner's collection",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApproveInput"}}}},
                    "responses": {"201": {"description": "the release", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Release"}}}}, "401": err, "403": err, "404": err, "409": err, "422": err}}
            },
            "/api/v1/releases/{release}": {
                "parameters": [{"name": "release", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^report--"}}],
                "get": {"summary": "One release (its record, without the bundle)", "responses": {"200": {"description": "the release", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Release"}}}}, "401": err, "403": err, "404": err}}
            },
            "/api/v1/releases/{release}/bundle": {
                "parameters": [{"name": "release", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"summary": "The exact stored bundle bytes (RFC 8785), as signed and delivered", "responses": {"200": {"description": "a STIX bundle", "content": {"application/stix+json;version=2.1": {}}}, "401": err, "403": err, "404": err}}
            },
            "/api/v1/releases/{release}/recall": {
                "parameters": [{"name": "release", "in": "path", "required": true, "schema": {"type": "string"}}],
                "post": {"summary": "Recall a release (release officer, admin): a signed recall notice goes to the partner and the released objects are re-published revoked",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {"reason": {"type": "string", "minLength": 10}}}}}},
                    "responses": {"200": {"description": "the recalled release", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Release"}}}}, "401": err, "403": err, "404": err, "422": err}}
            },
            "/api/v1/ledger": {
                "get": {"summary": "Ledger entries in sequence order (admin, auditor, release officer): who did what, when, on whose authority; e.g. kind=release.approve for who approved what",
                    "parameters": [
                        {"name": "subject", "in": "query", "schema": {"type": "string"}, "description": "only entries about this subject (collection id, account, partner, manifest id)"},
                        {"name": "kind", "in": "query", "schema": {"type": "string"}, "description": "only entries whose kind starts with this (release. for every release entry)"},
                        {"name": "after", "in": "query", "schema": {"type": "integer", "default": 0}, "description": "only entries with a greater sequence number"},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}],
                    "responses": {"200": {"description": "entries; next_after (when not null) is the after of the next page", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "entries": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerEntry"}}, "next_after": {"type": ["integer", "null"]}}}}}}, "400": err, "401": err, "403": err, "422": err}}
            },
            "/api/v1/ledger/checkpoint": {
                "get": {"summary": "The latest checkpoint: the chain's head signed with the server's Ed25519 key (Checkpoint message: tearline-ledger-checkpoint-v1\\n{seq}\\n{hash hex}\\n{at}\\n), for anchoring elsewhere and for 'tearline ledger verify --checkpoint'",
                    "responses": {"200": {"description": "the checkpoint", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Checkpoint"}}}}, "401": err, "403": err, "404": err}}
            },
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}, "bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}}},
            "schemas": {
                "PartnerInput": {"type": "object", "additionalProperties": false, "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,63}$"}, "title": {"type": "string"},
                    "identity_id": {"type": "string", "pattern": "^identity--"}, "country": {"type": "string", "description": "ISO 3166-1 alpha-3"},
                    "sectors": {"type": "array", "items": {"type": "string"}}, "trust_tier": {"type": "integer", "minimum": 1, "maximum": 5},
                    "flags": {"type": "array", "items": {"enum": ["hostile", "not-recognised", "designated", "sanctioned", "no-diplomatic-relations"]}},
                    "clients": {"type": "array", "items": {"type": "string"}}, "communities": {"type": "array", "items": {"type": "string"}}}},
                "PreviewInput": {"type": "object", "required": ["partner", "sources"], "additionalProperties": false, "properties": {
                    "partner": {"type": "string"}, "sources": {"type": "array", "items": {"type": "string"}, "description": "STIX ids in collections the caller may read (latest versions); a report's or grouping's object_refs are included"},
                    "variants": {"$ref": "#/components/schemas/VariantsInput"}}},
                "VariantsInput": {"type": "object", "additionalProperties": false,
                    "description": "Leak tracing: the partner gets its own meaning-preserving variant (its own ids, wording alternatives in non-operative text, optional invisible marks), made before signing. Give every partner of the cohort the same value; a preview's draft token then approves each of them. The variant map is internal and never served.",
                    "properties": {
                        "partners": {"type": "array", "items": {"type": "string"}, "description": "every partner getting this substance as a variant (the release's partner is added)"},
                        "seed": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "default: derived from the signing key and the sources"},
                        "invisible_marks": {"type": "boolean", "default": false}, "translated": {"type": "boolean", "default": false, "description": "no invisible marks whatever invisible_marks says"}}},
                "Preview": {"type": "object", "properties": {
                    "partner": {"type": "string"}, "draft": {"type": "string"}, "author": {"type": "string"},
                    "released": {"type": "array", "items": {"type": "object"}}, "removals": {"type": "array", "items": {"type": "object", "properties": {
                        "source_id": {"type": "string"}, "path": {"type": ["string", "null"]}, "span": {"type": ["array", "null"]}, "removed_text": {"type": ["string", "null"]}, "reason": {"type": "object"}, "explanation": {"type": "string"}}}},
                    "findings": {"type": "array", "items": {"type": "object", "properties": {"code": {"type": "string"}, "object_id": {"type": "string"}, "source_id": {"type": ["string", "null"]}, "path": {"type": "string"}, "blocking": {"type": "boolean"}, "matched": {"type": "string"}, "reason": {"type": "string", "description": "present on the lint model's findings: the head, the probability and the words that weighed most"}}}},
                    "blocking": {"type": "integer"}, "two_person": {"type": "boolean"}, "no_endorsement": {"type": "boolean"}, "id_map": {"type": "object"},
                    "variants": {"type": "object", "description": "with variants: how this partner's variant came out", "properties": {
                        "partners": {"type": "array", "items": {"type": "string"}}, "wording_slots": {"type": "integer"}, "codewords": {"type": "string"}, "min_distance": {"type": ["integer", "null"]}, "invisible_marks": {"type": "boolean"}}}}},
                "ApproveInput": {"type": "object", "required": ["partner", "sources"], "additionalProperties": false, "properties": {
                    "partner": {"type": "string"}, "sources": {"type": "array", "items": {"type": "string"}}, "draft": {"type": "string", "description": "the preview's draft token (required when two people must approve)"},
                    "overrides": {"type": "array", "items": {"type": "object", "required": ["code", "object_id", "path", "justification"], "additionalProperties": false, "properties": {
                        "code": {"type": "string"}, "object_id": {"type": "string", "description": "released or source id"}, "path": {"type": "string"}, "justification": {"type": "string", "minLength": 10}}}},
                    "justification": {"type": "string"}, "supersedes": {"type": "string", "description": "manifest id of the release this one corrects"}, "name": {"type": "string"},
                    "variants": {"$ref": "#/components/schemas/VariantsInput"}}},
                "Release": {"type": "object", "properties": {
                    "manifest_id": {"type": "string"}, "partner": {"type": "string"}, "content_hash": {"type": "string"}, "bundle_sha256": {"type": "string"}, "bundle_bytes": {"type": "integer"},
                    "key_id": {"type": "string"}, "author": {"type": "string"}, "approver": {"type": "string"}, "justification": {"type": ["string", "null"]}, "created": {"type": "string"},
                    "state": {"enum": ["active", "superseded", "recalled"]}, "supersedes": {"type": ["string", "null"]}, "id_map": {"type": "object"},
                    "removals": {"type": "array"}, "findings": {"type": "array"}, "overrides": {"type": "array"}, "object_ids": {"type": "array", "items": {"type": "string"}}}},
                "LedgerEntry": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "at": {"type": "integer", "description": "microseconds since the epoch (UTC)"}, "actor": {"type": "string"},
                    "kind": {"type": "string"}, "subject": {"type": "string"}, "detail": {"type": "string", "description": "compact JSON text, hashed as is"},
                    "prev": {"type": "string", "description": "hex SHA-256 of the previous entry"}, "hash": {"type": "string", "description": "hex SHA-256 of this entry"}}},
                "Checkpoint": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "hash": {"type": "string"}, "at": {"type": "integer"}, "key_id": {"type": "string"}, "signature": {"type": "string", "description": "base64 Ed25519"}}},
                "Partner": {"allOf": [partner_input, {"type": "object", "properties": {
                    "collection_id": {"type": "string", "format": "uuid"}, "created": {"type": "string"}, "removed": {"type": "boolean"},
                    "members": {"type": "array", "items": {"type": "string"}}}}]}
            }
        }
    })
}
