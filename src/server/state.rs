//! What every request handler can reach.

use std::{net::IpAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    access::address_cap::AddressCap,
    access::host_check::HostPolicy,
    access::key::AccessKey,
    access::limits::Limits,
    claude::{
        cli_env::CliEnv, credentials::CredentialStore, flow_machine::Timeouts,
        status::StatusReporter,
    },
    edge::transport::Transport,
    flow_registry::Flows,
    metrics::Metrics,
    projects::Projects,
    prompt_places::PromptPlaces,
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
    /// Which of the server's variables every CLI run sees (`DISPATCH_CLI_ENV`).
    pub cli_env: CliEnv,
    /// `CLAUDE_AUTH_TIMEOUT`.
    pub lifetime: Duration,
    pub timeouts: Timeouts,
    /// `DISPATCH_ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
}

/// How long a websocket may stay open without doing anything.
#[derive(Clone, Copy, Debug)]
pub struct SocketTimeouts {
    /// Without a valid access key (`DISPATCH_SOCKET_KEY_WAIT_MS`, 10 s).
    pub key_wait: Duration,
    /// With no flow, no prompt and no frame (`DISPATCH_SOCKET_IDLE_MS`, 10 min).
    pub idle: Duration,
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
    pub hosts: Arc<HostPolicy>,
    pub open_sockets: AddressCap,
    pub socket_timeouts: SocketTimeouts,
    pub session_config: Arc<SessionConfig>,
    pub prompt_places: PromptPlaces,
}

/// Why a key was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    /// No key was given (not counted against the address).
    Missing,
    Wrong,
    /// A wrong key, one of too many from this address this minute.
    RateLimited,
}

impl AppState {
    /// The one key check of the API and the websocket: the key in constant
    /// time, and a wrong one counted against `ip`. The right key is never
    /// refused, whatever others sent from the same address.
    pub fn check_key(
        &self,
        ip: Option<IpAddr>,
        candidate: Option<&str>,
        via: &'static str,
    ) -> Result<(), KeyRefusal> {
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
