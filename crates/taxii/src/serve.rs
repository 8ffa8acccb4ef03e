//! Binding, TLS and graceful shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum_server::Handle;

use crate::{AppState, router};

/// Certificate chain and private key, PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Listen {
    pub addr: SocketAddr,
    pub tls: Option<TlsFiles>,
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish
/// (up to `grace`). `on_bound` is told the bound address (useful with port 0).
pub async fn serve(
    state: AppState,
    listen: Listen,
    grace: Duration,
    on_bound: impl FnOnce(SocketAddr) + Send + 'static,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Partners' collections decided ahead of reads, in the background (reads never wait).
    let warm = state.clone();
    tokio::spawn(async move {
        let n = crate::api::decide_ahead_all(&warm).await;
        tracing::debug!(objects = n, "partners' collections decided ahead of reads");
    });
    let app = router(state).into_make_service();
    let handle: Handle<SocketAddr> = Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        if let Some(addr) = h.listening().await {
            on_bound(addr);
        }
    });
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        h.graceful_shutdown(Some(grace));
    });
    match listen.tls {
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|e| std::io::Error::new(e.kind(), format!("cannot load TLS certificate or key: {e}")))?;
            axum_server::bind_rustls(listen.addr, config).handle(handle).serve(app).await
        }
        None => axum_server::bind(listen.addr).handle(handle).serve(app).await,
    }
}
