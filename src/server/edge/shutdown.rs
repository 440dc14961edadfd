//! Graceful shutdown on SIGINT and SIGTERM.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// The stop signals, listened to from the moment this is made: create it
/// before the server says it is ready, so no early signal kills it outright.
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves when the process is asked to stop.
    pub async fn requested(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => tracing::info!("SIGINT received, shutting down"),
            _ = self.terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
        }
    }
}
