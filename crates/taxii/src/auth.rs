//! Who is calling: HTTP Basic (account name and secret) or Bearer (the secret).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use tearline_store::{Account, secret};

use crate::AppState;
use crate::error::ApiError;
use crate::media;

/// Longest Authorization header considered (bounds work on hostile input).
const MAX_AUTH_HEADER: usize = 1024;

/// Resolves the Authorization header to an enabled account. Every failure is the same 401,
/// whether the name is unknown, the secret wrong or the header malformed.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Account, ApiError> {
    let account = resolve(state, headers).await?;
    tearline_store::ledger::set_actor(&account.name);
    Ok(account)
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Account, ApiError> {
    let value = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(ApiError::Unauthenticated)?;
    if value.len() > MAX_AUTH_HEADER {
        return Err(ApiError::Unauthenticated);
    }
    let (scheme, credentials) = value.split_once(' ').ok_or(ApiError::Unauthenticated)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return state.store.account_by_secret(&secret::hash(credentials)).await?.ok_or(ApiError::Unauthenticated);
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(credentials).map_err(|_| ApiError::Unauthenticated)?;
        let decoded = String::from_utf8(decoded).map_err(|_| ApiError::Unauthenticated)?;
        let (name, presented) = decoded.split_once(':').ok_or(ApiError::Unauthenticated)?;
        let (account, stored) = state.store.account_by_name(name).await?.ok_or(ApiError::Unauthenticated)?;
        return if secret::verify(presented, &stored) { Ok(account) } else { Err(ApiError::Unauthenticated) };
    }
    Err(ApiError::Unauthenticated)
}

/// An authenticated caller of a TAXII endpoint that accepts TAXII 2.1 responses.
pub struct Caller(pub Account);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let account = authenticate(state, &parts.headers).await?;
        if !media::accepts_taxii(&parts.headers) {
            return Err(ApiError::NotAcceptable);
        }
        Ok(Caller(account))
    }
}
