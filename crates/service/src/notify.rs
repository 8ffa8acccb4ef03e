//! Telling people: every notification is logged, and posted to a webhook when one is set.
//!
//! Webhook posts run in the background with a short timeout and never hold up the change that
//! caused them; a failed post is logged (the change itself is already recorded in the case
//! timeline and the ledger, which are the record).

use serde_json::{Value, json};

/// Where notifications go.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    /// `https://...` endpoint receiving `{"event", "case", "detail", "at"}` as JSON.
    pub webhook: Option<String>,
}

impl Notifier {
    pub fn notify(&self, event: &str, case: &str, detail: &Value) {
        tracing::info!(target: "tearline::notify", event, case, detail = %detail, "notification");
        let Some(url) = self.webhook.clone() else { return };
        let body = json!({ "event": event, "case": case, "detail": detail, "at": tearline_stix::Timestamp::now().to_string() });
        // Fire and forget, off the async runtime's threads.
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        handle.spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(std::time::Duration::from_secs(5))).build().into();
            if let Err(e) = agent.post(&url).header("content-type", "application/json").send(body.to_string()) {
                tracing::warn!(url, error = %e, "webhook notification failed");
            }
        });
    }
}
