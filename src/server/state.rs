//! What every request handler can reach.

use std::{net::IpAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    access::AccessKey,
    claude::{credentials::CredentialStore, flow::Timeouts, status::StatusReporter},
    flows::Flows,
    limits::Limits,
    metrics::Metrics,
    projects::Projects,
    sessions::Sessions,
    transport::Transport,
};

/// The Claude sessions' settings, from the configuration.
pub struct SessionConfig {
    /// `DISPATCH_PROJECTS_ROOT`.
    pub projects: Projects,
    /// `DISPATCH_PROMPT_TIMEOUT`.
    pub timeout: Duration,
    /// Output forwarded per prompt before the rest is dropped.
    pub max_output: usize,
}

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
    pub transport: Arc<Transport>,
    pub session_config: Arc<SessionConfig>,
    pub sessions: Sessions,
}

/// Why a key was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    /// No key was given (not counted against the address).
    Missing,
    Wrong,
    /// Too many wrong keys from this address: refused, right key or not.
    RateLimited,
}

impl AppState {
    /// The one key check of the API and the websocket: the lockout first,
    /// then the key in constant time, counting a wrong one against `ip`.
    pub fn check_key(
        &self,
        ip: Option<IpAddr>,
        candidate: Option<&str>,
        via: &'static str,
    ) -> Result<(), KeyRefusal> {
        if ip.is_some_and(|ip| !self.limits.may_try_key(ip)) {
            return Err(KeyRefusal::RateLimited);
        }
        let candidate = candidate.ok_or(KeyRefusal::Missing)?;
        if self.key.matches(candidate) {
            return Ok(());
        }
        tracing::info!(?ip, via, "a wrong access key was refused");
        match ip {
            Some(ip) if !self.limits.bad_key(ip) => Err(KeyRefusal::RateLimited),
            _ => Err(KeyRefusal::Wrong),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
