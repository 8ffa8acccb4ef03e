//! The management API for duty-to-warn cases (`/api/v1/cases...`): thin adapters over
//! `tearline_service::cases`, as the CLI's `tearline case ...` commands use them.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use tearline_duty::{Decision, Event};
use tearline_service::cases::{self, OpenInput, WarnOptions};

use crate::AppState;
use crate::api::{Caller, MgmtError, json_body, ok, releaser};

pub async fn list(State(state): State<AppState>, Caller(actor): Caller) -> Result<Response, MgmtError> {
    let list = cases::list(&*state.store, &actor).await?;
    Ok(ok(StatusCode::OK, &json!({ "cases": list })))
}

pub async fn open(State(state): State<AppState>, Caller(actor): Caller, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let input: OpenInput = json_body(&headers, body).await?;
    let c = cases::open(&*state.store, &actor, &state.desk, input).await?;
    Ok(ok(StatusCode::CREATED, &cases::CaseView::from(c)))
}

pub async fn show(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>) -> Result<Response, MgmtError> {
    Ok(ok(StatusCode::OK, &cases::show(&*state.store, &actor, &id).await?))
}

/// The timeline: entries as stored, and the same rendered as lines.
pub async fn timeline(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>) -> Result<Response, MgmtError> {
    let entries = cases::timeline(&*state.store, &actor, &id).await?;
    let lines = tearline_duty::render_timeline(&entries);
    Ok(ok(StatusCode::OK, &json!({ "case": id, "entries": entries, "lines": lines })))
}

/// Decide: warn (releases to every recipient, pushed where configured), waive, or escalate.
pub async fn decide(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    // The decision's own fields, plus `options` for a warning.
    let mut body: Value = json_body(&headers, body).await?;
    let bad = |e: serde_json::Error| MgmtError(StatusCode::BAD_REQUEST, "bad-request", format!("the body is not a decision: {e}"));
    let options = body.as_object_mut().and_then(|m| m.remove("options"));
    let decision: Decision = serde_json::from_value(body).map_err(bad)?;
    let options: WarnOptions = options.map(serde_json::from_value).transpose().map_err(bad)?.unwrap_or_default();
    let rel = releaser(&state)?;
    let decided = cases::decide(&*state.store, &actor, &state.desk, rel, &id, decision, options).await?;
    for p in &decided.releases {
        crate::api::predecide(&state, &p.partner);
    }
    Ok(ok(StatusCode::OK, &decided))
}

/// Any other event a person records (confirm, dismiss, edits, waiver approval, break-glass,
/// disagreement, manual delivery, acknowledgement, outcome).
pub async fn record(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, MgmtError> {
    let event: Event = json_body(&headers, body).await?;
    let c = cases::record(&*state.store, &actor, &state.desk, &id, event).await?;
    Ok(ok(StatusCode::OK, &cases::CaseView::from(c)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    partner: String,
    #[serde(default)]
    format: Option<String>,
}

/// The human-readable warning for one recipient: `text/plain` or `text/html`.
pub async fn document(State(state): State<AppState>, Caller(actor): Caller, Path(id): Path<String>, Query(q): Query<DocumentQuery>) -> Result<Response, MgmtError> {
    let rel = releaser(&state)?;
    let doc = cases::document(&*state.store, &actor, &state.desk, rel, &id, &q.partner).await?;
    Ok(match q.format.as_deref() {
        Some("html") => crate::egress::raw(StatusCode::OK, "text/html; charset=utf-8", doc.html),
        None | Some("text") => crate::egress::raw(StatusCode::OK, "text/plain; charset=utf-8", doc.text),
        Some(other) => return Err(MgmtError(StatusCode::BAD_REQUEST, "bad-request", format!("format '{other}': use text or html"))),
    })
}

pub async fn metrics(State(state): State<AppState>, Caller(actor): Caller) -> Result<Response, MgmtError> {
    Ok(ok(StatusCode::OK, &cases::metrics(&*state.store, &actor).await?))
}

/// The OpenAPI paths of this module (merged into the document in `api`).
pub fn openapi_paths() -> Value {
    let err = json!({"$ref": "#/components/responses/Error"});
    let id = json!([{"name": "case", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^duty-case--"}}]);
    let case = json!({"type": "object", "description": "a case: attributes, victim, recipients, urgency, deadlines, state, deliveries, reviews, escalations; plus stage and version"});
    json!({
        "/api/v1/cases": {
            "get": {"summary": "List duty-to-warn cases (producer roles)", "responses": {"200": {"description": "cases", "content": {"application/json": {"schema": {"type": "object", "properties": {"cases": {"type": "array", "items": case}}}}}}, "401": err, "403": err}},
            "post": {"summary": "Open a case from objects the caller may read (analyst, admin); threat attributes from the sources' tearline-threat extension unless given; recipients from the jurisdiction map unless given",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["sources"], "additionalProperties": false, "properties": {
                    "title": {"type": "string"}, "sources": {"type": "array", "items": {"type": "string"}}, "attributes": {"type": "object", "description": "the tearline-threat extension's properties"},
                    "recipients": {"type": "array", "items": {"type": "string"}, "description": "partner names"}}}}}},
                "responses": {"201": {"description": "the case", "content": {"application/json": {"schema": case}}}, "401": err, "403": err, "404": err, "422": err}}
        },
        "/api/v1/cases/metrics": {"get": {"summary": "Time to decide, deliver and acknowledge, and outcomes, per partner", "responses": {"200": {"description": "metrics"}, "401": err, "403": err}}},
        "/api/v1/cases/{case}": {"parameters": id, "get": {"summary": "One case", "responses": {"200": {"description": "the case", "content": {"application/json": {"schema": case}}}, "401": err, "403": err, "404": err}}},
        "/api/v1/cases/{case}/timeline": {"parameters": id, "get": {"summary": "Every event of the case with its time and actor (as stored and as text lines)", "responses": {"200": {"description": "the timeline"}, "401": err, "403": err, "404": err}}},
        "/api/v1/cases/{case}/decide": {"parameters": id, "post": {
            "summary": "Decide: warn (compiles, signs and publishes a release to each recipient, drafted by the case author and approved by the caller; pushed to the recipient's own TAXII server when configured), waive (a ground from the profile's closed list, approved by another person), or escalate to the resolver",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["decision"], "properties": {
                "decision": {"enum": ["warn", "waive", "escalate"]}, "channel": {"type": "string"}, "justification": {"type": "string"}, "ground": {"type": "string"},
                "sanitised_drafts": {"type": "array", "items": {"type": "object", "properties": {"draft": {"type": "string"}, "reason": {"type": "string"}}}},
                "reason": {"type": "string"}, "options": {"type": "object", "properties": {"overrides": {"type": "object"}, "justification": {"type": "string"}}}}}}}},
            "responses": {"200": {"description": "the case, the releases made and any public advisory draft"}, "401": err, "403": err, "404": err, "409": err, "422": err}}},
        "/api/v1/cases/{case}/events": {"parameters": id, "post": {
            "summary": "Record an event by a person: confirm, dismiss, attributes-edited, victim-edited, recipients-edited, approve-waiver, reject-waiver, break-glass, disagreement, manual-delivery, acknowledged, opinion, outcome",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["event"], "properties": {"event": {"type": "string"}}}}}},
            "responses": {"200": {"description": "the case"}, "401": err, "403": err, "404": err, "422": err}}},
        "/api/v1/cases/{case}/document": {"parameters": id, "get": {"summary": "The warning for one recipient as a human-readable document (operative facts set apart for translation)",
            "parameters": [{"name": "partner", "in": "query", "required": true, "schema": {"type": "string"}}, {"name": "format", "in": "query", "schema": {"enum": ["text", "html"]}}],
            "responses": {"200": {"description": "text/plain or text/html"}, "401": err, "403": err, "404": err}}}
    })
}
