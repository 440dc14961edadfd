//! What every request handler can reach.

use std::{path::PathBuf, sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    access::AccessKey,
    claude::{credentials::CredentialStore, flow::Timeouts, status::StatusReporter},
    flows::Flows,
    limits::Limits,
    metrics::Metrics,
};

/// The login feature's settings, from the configuration.
pub struct LoginConfig {
    /// `CLAUDE_AUTH_ENABLED`.
    pub enabled: bool,
    /// `CLAUDE_CLI`, when set.
    pub configured_cli: Option<PathBuf>,
    /// `CLAUDE_AUTH_TIMEOUT`.
    pub lifetime: Duration,
    pub timeouts: Timeouts,
    /// `DISPATCH_ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub key: Arc<AccessKey>,
    pub status: Arc<StatusReporter>,
    pub login: Arc<LoginConfig>,
    pub store: Arc<CredentialStore>,
    pub flows: Flows,
    pub limits: Arc<Limits>,
    pub metrics: Arc<Metrics>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
