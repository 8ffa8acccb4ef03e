//! Pushing a release to a recipient's own TAXII 2.1 server: direct, no relay.
//!
//! The release bundle's objects are POSTed as one TAXII envelope to the recipient's collection.
//! A TAXII server stores an identical re-post as a no-op, so retrying is safe (idempotent):
//! network errors, 429 and 5xx are retried with exponential backoff; any other answer is final.

use std::time::Duration;

use serde_json::{Value, json};

use crate::cases::PushTarget;

const TAXII: &str = "application/taxii+json;version=2.1";
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("the release bundle is unreadable: {0}")]
    Bundle(String),
    #[error("{url} answered {status}: {body}")]
    Refused { url: String, status: u16, body: String },
    #[error("{url} could not be reached after {attempts} attempts: {last}")]
    Unreachable { url: String, attempts: u32, last: String },
}

/// Pushes the objects of `bundle` (a release's exact bundle bytes); returns a receipt (the
/// TAXII status id and counts) for the record.
pub async fn push_release(target: &PushTarget, bundle: &[u8]) -> Result<String, PushError> {
    let bundle: Value = serde_json::from_slice(bundle).map_err(|e| PushError::Bundle(e.to_string()))?;
    let objects = bundle.get("objects").and_then(Value::as_array).cloned().ok_or_else(|| PushError::Bundle("no objects".into()))?;
    let body = json!({ "objects": objects }).to_string();
    let url = format!("{}/objects/", target.collection_url.trim_end_matches('/'));
    let auth = match (&target.token, &target.basic) {
        (Some(t), _) => Some(format!("Bearer {t}")),
        (None, Some(b)) => Some(format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b))),
        (None, None) => None,
    };
    let mut backoff = FIRST_BACKOFF;
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let (u, b, a) = (url.clone(), body.clone(), auth.clone());
        let answer = tokio::task::spawn_blocking(move || post(&u, &b, a.as_deref())).await.map_err(|e| PushError::Unreachable { url: url.clone(), attempts: attempt, last: e.to_string() })?;
        match answer {
            Ok((status, text)) if (200..300).contains(&status) => {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                return Ok(format!(
                    "status {} {}, {} of {} stored",
                    v["id"].as_str().unwrap_or("-"),
                    v["status"].as_str().unwrap_or("-"),
                    v["success_count"].as_u64().unwrap_or(0),
                    v["total_count"].as_u64().unwrap_or(objects.len() as u64)
                ));
            }
            Ok((status, text)) if status == 429 || status >= 500 => last = format!("{status}: {}", text.chars().take(200).collect::<String>()),
            Ok((status, text)) => return Err(PushError::Refused { url, status, body: text.chars().take(500).collect() }),
            Err(e) => last = e,
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Err(PushError::Unreachable { url, attempts: ATTEMPTS, last })
}

fn post(url: &str, body: &str, auth: Option<&str>) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(20))).build().into();
    let mut req = agent.post(url).header("Accept", TAXII).header("Content-Type", TAXII);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let mut resp = req.send(body).map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    Ok((status, text))
}
