//! The management API under `/api/v1/`: JSON over HTTP, the same authentication as TAXII.
//! Handlers are thin adapters over `tearline-service`; the CLI calls the same functions.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tearline_service::{Actor, ServiceError, osint, partners};
use tearline_store::StoreError;

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;

/// Largest management request body (articles included).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A management API error: `{"error": {"code", "message"}}` with its HTTP status.
#[derive(Debug)]
pub struct MgmtError(StatusCode, &'static str, String);

impl IntoResponse for MgmtError {
    fn into_response(self) -> Response {
        let MgmtError(status, code, message) = self;
        let mut resp = (status, Json(json!({"error": {"code": code, "message": message}}))).into_response();
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
async fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, MgmtError> {
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

fn ok<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, Json(value)).into_response()
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
    Ok(ok(StatusCode::OK, &partners::update(&*state.store, &actor, &name, input).await?))
}

pub async fn remove_partner(State(state): State<AppState>, Caller(actor): Caller, Path(name): Path<String>) -> Result<Response, MgmtError> {
    partners::remove(&*state.store, &actor, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
    let outcome = osint::ingest(&*state.store, &actor, &req.collection, req.articles).await?;
    Ok(ok(StatusCode::OK, &outcome))
}

pub async fn not_found() -> MgmtError {
    MgmtError(StatusCode::NOT_FOUND, "not-found", "no such management endpoint; see /api/v1/openapi.json".into())
}

/// The OpenAPI 3.1 description of the management API.
pub async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

pub fn openapi_document() -> Value {
    let err = json!({"$ref": "#/components/responses/Error"});
    let partner_input = json!({"$ref": "#/components/schemas/PartnerInput"});
    let partner = json!({"$ref": "#/components/schemas/Partner"});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tearline management API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Partners and (as they land) releases, cases and the ledger. The same operations as the tearline CLI."},
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
                "Partner": {"allOf": [partner_input, {"type": "object", "properties": {
                    "collection_id": {"type": "string", "format": "uuid"}, "created": {"type": "string"}, "removed": {"type": "boolean"},
                    "members": {"type": "array", "items": {"type": "string"}}}}]}
            }
        }
    })
}
