//! Graceful shutdown on SIGINT and SIGTERM.

use tokio::signal::unix::{signal, SignalKind};

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn requested() {
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM; only Ctrl-C will stop the server");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down"),
        _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
    }
}
