//! What every request handler can reach.

use std::{net::IpAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    access::address_cap::AddressCap,
    access::host_check::HostPolicy,
    access::key::{AccessKey, KeyRefusal},
    access::limits::{Limits, BAD_KEYS_PER_MINUTE},
    claude::{
        activity::ActivityLog, cli_env::CliEnv, credentials::CredentialStore,
        flow_machine::Timeouts, status::StatusReporter,
    },
    config::Config,
    edge::{certificate::ServedCertificate, transport::Transport},
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
    /// Who changed the credential, and when.
    pub activity: Arc<ActivityLog>,
    /// The TLS certificate served (names, expiry), when Dispatch serves TLS.
    pub served_certificate: ServedCertificate,
    /// Held while `claude auth status` runs: one CLI at a time for the
    /// check, however often it is asked.
    pub auth_check: Arc<tokio::sync::Mutex<()>>,
}

/// What the start-up read and checked before the state is built: the
/// things that can refuse a start.
pub struct Checked {
    pub key: AccessKey,
    pub leptos_options: LeptosOptions,
    pub cli_env: CliEnv,
    pub hosts: HostPolicy,
    /// Whether Dispatch serves HTTPS itself.
    pub tls: bool,
    /// The certificate it serves, once known.
    pub served: ServedCertificate,
}

/// A configured count as a size (a `u32` always fits on the 64-bit hosts
/// Dispatch runs on).
fn count(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Output forwarded per prompt before the rest is dropped.
const MAX_PROMPT_OUTPUT: usize = 2 * 1024 * 1024;

impl AppState {
    /// Everything a handler shares, wired from the configuration. `home` is
    /// the server's `HOME`, where the default folders are.
    pub fn from_config(config: &Config, checked: Checked, home: Option<&str>) -> Self {
        let Checked {
            key,
            leptos_options,
            cli_env,
            hosts,
            tls,
            served,
        } = checked;
        let store = Arc::new(CredentialStore::new(
            config.credentials_dir(home),
            config.credentials_key_file(home),
        ));
        let metrics = Arc::new(Metrics::default());
        let activity = Arc::new(ActivityLog::new(&config.credentials_dir(home)));
        Self {
            leptos_options,
            key: Arc::new(key),
            status: Arc::new(StatusReporter::new(
                config.claude_cli.clone(),
                config.auth_enabled,
                store.clone(),
                home.map(Into::into),
                cli_env.clone(),
            )),
            login: Arc::new(LoginConfig {
                enabled: config.auth_enabled,
                configured_cli: config.claude_cli.clone(),
                cli_env,
                lifetime: config.auth_timeout(),
                timeouts: Timeouts {
                    resume_grace: Duration::from_millis(config.resume_grace_ms),
                    url: Duration::from_millis(config.no_link_ms),
                    ..Timeouts::default()
                },
                allowed_origins: config.allowed_origins.clone(),
            }),
            store,
            flows: Flows::new(count(config.max_flows), metrics.clone(), activity.clone()),
            activity,
            limits: Arc::new(Limits::new(config.starts_per_minute, BAD_KEYS_PER_MINUTE)),
            metrics,
            session_config: Arc::new(SessionConfig {
                projects: Projects::new(config.projects_root(home)),
                timeout: Duration::from_millis(config.prompt_timeout),
                max_output: MAX_PROMPT_OUTPUT,
            }),
            prompt_places: PromptPlaces::new(count(config.max_sessions)),
            transport: Arc::new(Transport {
                tls,
                trusted_proxies: config.trusted_proxies.clone(),
            }),
            hosts: Arc::new(hosts),
            open_sockets: AddressCap::new(count(config.max_sockets_per_address)),
            served_certificate: served,
            auth_check: Arc::default(),
            socket_timeouts: SocketTimeouts {
                key_wait: Duration::from_millis(config.socket_key_wait_ms),
                idle: Duration::from_millis(config.socket_idle_ms),
            },
        }
    }

    /// Forgets, every minute, the rate limits of addresses that have been
    /// quiet (their memory would otherwise only grow).
    pub fn forget_idle_clients(&self) {
        let limits = self.limits.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                limits.forget_idle();
            }
        });
    }

    /// Ends every flow (each hears the server restarts) and every prompt,
    /// and waits (at most 5 s each) until their CLIs are reaped.
    pub async fn stop_claude_runs(&self) {
        tokio::join!(self.flows.shut_down(), self.prompt_places.shut_down());
    }

    /// The one key check of the API and the websocket ([`AccessKey::check`]).
    pub(crate) fn check_key(
        &self,
        ip: Option<IpAddr>,
        candidate: Option<&str>,
        via: &'static str,
    ) -> Result<(), KeyRefusal> {
        self.key.check(&self.limits, ip, candidate, via)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
