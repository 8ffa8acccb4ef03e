//! The one table of API errors: each maps to one TAXII 2.1 error resource and HTTP status.
//! Internal causes are logged, never echoed to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tearline_store::StoreError;

use crate::media::TAXII_MEDIA_TYPE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    /// Deliberately the same for "does not exist" and "exists but you may not see it".
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("not acceptable")]
    NotAcceptable,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

#[derive(Serialize)]
struct ErrorResource<'a> {
    title: &'a str,
    description: String,
    error_code: &'a str,
    http_status: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (title, error_code, description)
    fn parts(&self) -> (&'static str, &'static str, String) {
        match self {
            ApiError::Unauthenticated => (
                "Authentication required",
                "unauthenticated",
                "send HTTP Basic credentials (account name and secret) or 'Authorization: Bearer <secret>'".into(),
            ),
            ApiError::Forbidden(why) => ("Forbidden", "forbidden", (*why).into()),
            ApiError::NotFound => (
                "Not found",
                "not-found",
                "the requested resource does not exist, or this account has no access to it".into(),
            ),
            ApiError::MethodNotAllowed => ("Method not allowed", "method-not-allowed", "this endpoint does not support that HTTP method".into()),
            ApiError::NotAcceptable => (
                "Not acceptable",
                "not-acceptable",
                format!("this server answers with '{TAXII_MEDIA_TYPE}'; send it in the Accept header"),
            ),
            ApiError::UnsupportedMediaType => (
                "Unsupported media type",
                "unsupported-media-type",
                format!("send the request body as '{TAXII_MEDIA_TYPE}' (Content-Type header)"),
            ),
            ApiError::PayloadTooLarge(why) => ("Request too large", "payload-too-large", why.clone()),
            ApiError::BadRequest(why) => ("Bad request", "bad-request", why.clone()),
            ApiError::Unavailable => (
                "Service unavailable",
                "unavailable",
                "the database is not reachable right now; retry later".into(),
            ),
            ApiError::Internal => ("Internal error", "internal", "the server failed to handle the request; the cause is logged".into()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ApiError::NotFound,
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, error_code, description) = self.parts();
        let body = serde_json::to_string(&ErrorResource { title, description, error_code, http_status: status.as_u16().to_string() })
            .unwrap_or_else(|_| "{}".into());
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tearline\", Bearer realm=\"tearline\""));
        }
        crate::egress::mark(resp)
    }
}
