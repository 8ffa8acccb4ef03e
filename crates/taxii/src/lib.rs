//! The TAXII 2.1 HTTP server of tearline.
//!
//! Only this crate knows HTTP and media types. Handlers are thin: they authenticate
//! ([`auth`]), parse the query once ([`query`]), call the [`Store`], and hand the result to
//! [`egress`], the single place response bodies are built. Errors map through one table
//! ([`error::ApiError`]) to TAXII error resources.

pub mod api;
pub mod auth;
pub mod cases_api;
pub mod egress;
pub mod error;
mod handlers;
pub mod media;
pub mod metrics;
pub mod query;
pub mod admissions;
pub mod retrievals;
mod serve;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tearline_store::Store;

pub use serve::{Listen, TlsFiles, serve};

use crate::error::ApiError;

/// Server settings that shape TAXII resources and bound requests.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    /// The API root named as `default` in discovery, when the caller can see it.
    pub default_api_root: String,
    /// Largest request body accepted, in bytes (advertised on each API root).
    pub max_content_length: usize,
    pub max_objects_per_request: usize,
    pub query: query::QueryLimits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            title: "tearline".into(),
            description: Some("STIX 2.1 / TAXII 2.1 threat-intelligence sharing".into()),
            contact: None,
            default_api_root: "default".into(),
            max_content_length: 32 * 1024 * 1024,
            max_objects_per_request: 20_000,
            query: query::QueryLimits::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub metrics: Arc<metrics::Metrics>,
    /// The producer's identity, release settings and signing key file; without it the
    /// release endpoints answer that releasing is not configured.
    pub releaser: Option<Arc<tearline_service::releases::Releaser>>,
    /// Duty-to-warn cases: the policy profile, the clock, notifications and push targets.
    pub desk: Arc<tearline_service::cases::Desk>,
    /// The producer's policy as egress decides with it for partner members (from the
    /// releaser's organisation and settings); without it nothing leaves to a partner.
    pub decision: Option<Arc<tearline_policy::Policy>>,
    /// First retrievals of releases by partner members, written in the background.
    pub retrievals: Arc<retrievals::Recorder>,
    /// Egress decisions for partner members, stored in the background for the next read.
    pub admissions: Arc<admissions::Admissions>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        let desk = tearline_service::cases::Desk::new(tearline_duty::Profile::default_profile());
        let retrievals = Arc::new(retrievals::Recorder::new(store.clone()));
        let admissions = Arc::new(admissions::Admissions::new(store.clone()));
        AppState { store, config: Arc::new(config), metrics: Arc::default(), releaser: None, desk: Arc::new(desk), decision: None, retrievals, admissions }
    }

    pub fn with_desk(mut self, desk: tearline_service::cases::Desk) -> Self {
        self.desk = Arc::new(desk);
        self
    }

    pub fn with_releaser(mut self, releaser: tearline_service::releases::Releaser) -> Self {
        self.decision = decision_policy(&releaser).map(Arc::new);
        self.releaser = Some(Arc::new(releaser));
        self
    }
}

/// The policy egress decides with: the releaser's organisation, country, clients and
/// communities, release level 0 and no originator approvals (as every release is compiled
/// today). Without a valid country there is no policy, and nothing leaves to partners.
fn decision_policy(r: &tearline_service::releases::Releaser) -> Option<tearline_policy::Policy> {
    let country = r.organisation.country.as_deref().and_then(tearline_policy::Country::parse);
    let Some(country) = country else {
        tracing::warn!("no valid [organisation] country: partner members will be served nothing until it is set");
        return None;
    };
    let org = serde_json::json!({"type": "identity", "id": r.organisation.identity_id()});
    let mut p = tearline_policy::Policy::new(org, country, [0; 32], tearline_stix::Timestamp::from_micros(0));
    p.communities = r.settings.communities.iter().cloned().collect();
    p.clients = r.settings.clients.iter().cloned().collect();
    Some(p)
}

/// Every route the server answers. Kept as data so that tests can enumerate them.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/taxii2/"),
    ("GET", "/taxii2/{root}/"),
    ("GET", "/taxii2/{root}/status/{status_id}/"),
    ("GET", "/taxii2/{root}/collections/"),
    ("GET", "/taxii2/{root}/collections/{id}/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/"),
    ("POST", "/taxii2/{root}/collections/{id}/objects/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("DELETE", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/"),
    ("GET", "/taxii2/{root}/collections/{id}/manifest/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/whoami"),
    ("GET", "/api/v1/partners"),
    ("POST", "/api/v1/partners"),
    ("GET", "/api/v1/partners/{name}"),
    ("PATCH", "/api/v1/partners/{name}"),
    ("DELETE", "/api/v1/partners/{name}"),
    ("POST", "/api/v1/partners/{name}/members"),
    ("POST", "/api/v1/osint/articles"),
    ("POST", "/api/v1/releases/preview"),
    ("POST", "/api/v1/releases"),
    ("GET", "/api/v1/releases"),
    ("GET", "/api/v1/releases/{release}"),
    ("GET", "/api/v1/releases/{release}/bundle"),
    ("POST", "/api/v1/releases/{release}/recall"),
    ("GET", "/api/v1/cases"),
    ("POST", "/api/v1/cases"),
    ("GET", "/api/v1/cases/metrics"),
    ("GET", "/api/v1/cases/{case}"),
    ("GET", "/api/v1/cases/{case}/timeline"),
    ("POST", "/api/v1/cases/{case}/decide"),
    ("POST", "/api/v1/cases/{case}/events"),
    ("GET", "/api/v1/cases/{case}/document"),
    ("GET", "/api/v1/ledger"),
    ("GET", "/api/v1/ledger/checkpoint"),
];

/// The routes whose answers carry STIX objects (or their ids and versions). For a partner
/// member, each goes through the policy decision for every object (`egress::Decided`); the
/// route test enumerates these and proves it.
pub const OBJECT_ROUTES: &[(&str, &str)] = &[
    ("GET", "/taxii2/{root}/collections/{id}/objects/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/"),
    ("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/"),
    ("GET", "/taxii2/{root}/collections/{id}/manifest/"),
];

pub fn router(state: AppState) -> Router {
    use axum::routing::{MethodRouter, delete, post};
    let not_allowed = || async { ApiError::MethodNotAllowed };
    let with_405 = |m: MethodRouter<AppState>| m.fallback(not_allowed);
    Router::new()
        .route("/taxii2/", with_405(get(handlers::discovery)))
        .route("/taxii2/{root}/", with_405(get(handlers::api_root)))
        .route("/taxii2/{root}/status/{status_id}/", with_405(get(handlers::get_status)))
        .route("/taxii2/{root}/collections/", with_405(get(handlers::collections)))
        .route("/taxii2/{root}/collections/{id}/", with_405(get(handlers::collection)))
        .route("/taxii2/{root}/collections/{id}/objects/", with_405(get(handlers::get_objects).merge(post(handlers::add_objects))))
        .route(
            "/taxii2/{root}/collections/{id}/objects/{object_id}/",
            with_405(get(handlers::get_object).merge(delete(handlers::delete_object))),
        )
        .route("/taxii2/{root}/collections/{id}/objects/{object_id}/versions/", with_405(get(handlers::get_versions)))
        .route("/taxii2/{root}/collections/{id}/manifest/", with_405(get(handlers::get_manifest)))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_endpoint))
        .nest("/api/v1", management_routes())
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The management API (`/api/v1/`); its errors are JSON, not TAXII error resources.
fn management_routes() -> Router<AppState> {
    use axum::routing::{delete, patch, post};
    Router::new()
        .route("/openapi.json", get(api::openapi))
        .route("/whoami", get(api::whoami))
        .route("/partners", get(api::list_partners).merge(post(api::add_partner)))
        .route("/partners/{name}", get(api::show_partner).merge(patch(api::update_partner)).merge(delete(api::remove_partner)))
        .route("/partners/{name}/members", post(api::add_member))
        .route("/osint/articles", post(api::ingest_articles))
        .route("/releases/preview", post(api::preview_release))
        .route("/releases", get(api::list_releases).merge(post(api::approve_release)))
        .route("/releases/{release}", get(api::show_release))
        .route("/releases/{release}/bundle", get(api::release_bundle))
        .route("/releases/{release}/recall", post(api::recall_release))
        .route("/cases", get(cases_api::list).merge(post(cases_api::open)))
        .route("/cases/metrics", get(cases_api::metrics))
        .route("/cases/{case}", get(cases_api::show))
        .route("/cases/{case}/timeline", get(cases_api::timeline))
        .route("/cases/{case}/decide", post(cases_api::decide))
        .route("/cases/{case}/events", post(cases_api::record))
        .route("/cases/{case}/document", get(cases_api::document))
        .route("/ledger", get(api::list_ledger))
        .route("/ledger/checkpoint", get(api::ledger_checkpoint))
        .fallback(api::not_found)
}

/// Logs each request and records it in the metrics, labelled by route template only.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    // Store writes made while answering are recorded in the ledger as the account that
    // authenticated (auth::authenticate names it), else as the system.
    let resp = tearline_store::ledger::request_scope(next.run(req)).await;
    let elapsed = start.elapsed();
    let status = resp.status().as_u16();
    state.metrics.observe(method.as_str(), &route, status, elapsed);
    tracing::debug!(%method, route, status, micros = elapsed.as_micros() as u64, "request");
    resp
}

async fn healthz() -> Response {
    egress::raw(StatusCode::OK, "text/plain; charset=utf-8", "ok\n")
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => egress::raw(StatusCode::OK, "text/plain; charset=utf-8", "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            ApiError::Unavailable.into_response()
        }
    }
}

async fn metrics_endpoint(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let account = auth::authenticate(&state, &headers).await?;
    if !account.role.can_observe() {
        return Err(ApiError::Forbidden("metrics are served to admin and auditor accounts only"));
    }
    let mut text = state.metrics.render(state.store.backend());
    let duty = tearline_service::cases::metrics(&*state.store, &tearline_service::Actor::Account(account)).await.map_err(|e| {
        tracing::warn!(error = %e, "duty-to-warn metrics unavailable");
        ApiError::Unavailable
    })?;
    render_duty_metrics(&mut text, &duty);
    Ok(egress::raw(StatusCode::OK, "text/plain; version=0.0.4", text))
}

/// Duty-to-warn figures in the Prometheus text format. Labelled by partner name (names are
/// `[a-z0-9-]`; the endpoint is for admin and auditor accounts only) and stage.
fn render_duty_metrics(out: &mut String, m: &tearline_duty::Metrics) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP tearline_duty_cases Duty-to-warn cases, and how many were waived.\n# TYPE tearline_duty_cases gauge");
    let _ = writeln!(out, "tearline_duty_cases {}\ntearline_duty_cases_waived {}", m.cases, m.waived);
    let _ = writeln!(out, "# HELP tearline_duty_seconds Time to decide, deliver and acknowledge a warning (seconds), per partner.\n# TYPE tearline_duty_seconds gauge");
    for (stat, v) in [("median", m.time_to_decide.median()), ("max", m.time_to_decide.max())] {
        if let Some(v) = v {
            let _ = writeln!(out, "tearline_duty_seconds{{stage=\"decide\",stat=\"{stat}\"}} {v}");
        }
    }
    for (partner, p) in &m.partners {
        for (stage, d) in [("deliver", &p.time_to_deliver), ("acknowledge", &p.time_to_acknowledge)] {
            for (stat, v) in [("median", d.median()), ("max", d.max())] {
                if let Some(v) = v {
                    let _ = writeln!(out, "tearline_duty_seconds{{partner=\"{partner}\",stage=\"{stage}\",stat=\"{stat}\"}} {v}");
                }
            }
        }
        let _ = writeln!(out, "tearline_duty_warnings{{partner=\"{partner}\"}} {}\ntearline_duty_unacknowledged{{partner=\"{partner}\"}} {}", p.warnings, p.unacknowledged);
        for (outcome, n) in &p.outcomes {
            let _ = writeln!(out, "tearline_duty_outcomes{{partner=\"{partner}\",outcome=\"{}\"}} {n}", outcome.as_str());
        }
    }
}
