//! The `dispatch` server binary: read the configuration, serve, stop cleanly.

use std::{io::IsTerminal, net::SocketAddr, sync::Arc};

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::Parser;
use dispatch::server::{
    self,
    access::address_cap::AddressCap,
    access::host_check::{self, HostPolicy},
    access::key::AccessKey,
    access::limits::Limits,
    claude::{
        cli_env::CliEnv, credentials::CredentialStore, flow_machine::Timeouts,
        status::StatusReporter,
    },
    config::{Command, Config, LogFormat},
    edge::shutdown,
    edge::tls::{self, TlsListener},
    edge::transport::Transport,
    flow_registry::Flows,
    healthcheck,
    http::site,
    prompt_places::PromptPlaces,
    state::{AppState, LoginConfig, SessionConfig, SocketTimeouts},
};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    // Logs go to standard error; standard output carries only the key link.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        );
    match config.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }

    if config.command == Some(Command::Healthcheck) {
        let cert = config
            .serves_tls()
            .then_some(config.tls_cert.as_deref())
            .flatten();
        return healthcheck::check(config.addr, cert)
            .await
            .context("unhealthy");
    }
    config.check_exposure()?;
    if config.key_on_command_line() {
        tracing::warn!("the access key was given with --key, where every user of this machine can read it (ps); set DISPATCH_KEY instead");
    }
    // Read before listening: a bad certificate stops the start, with its reason.
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let cli_env = CliEnv::new(&config.cli_env).context("refusing to start")?;
    let hosts = HostPolicy {
        loopback: config.addr.ip().is_loopback(),
        allowed: host_check::allowed_names(&config.allowed_hosts),
        certificate: match &config.tls_cert {
            Some(cert) if tls.is_some() => tls::read_certificates(cert)?.into_iter().next(),
            _ => None,
        },
    };

    if let Some(limit) = server::edge::rlimit::raise_open_files_limit() {
        tracing::debug!(limit, "open files limit");
    }
    let key = AccessKey::from_config(config.key.clone()).context("refusing to start")?;
    let mut leptos_options = site::leptos_options()?;
    leptos_options.site_addr = config.addr;

    let stop = shutdown::StopSignals::listen().context("cannot listen for stop signals")?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    announce(addr, &key, tls.is_some());
    if !config.auth_enabled {
        tracing::info!("Claude login is turned off (CLAUDE_AUTH_ENABLED=false)");
    }

    let home = std::env::var("HOME").ok();
    let projects_root = config.projects_root(home.as_deref());
    let store = Arc::new(CredentialStore::new(
        config.credentials_dir(home.as_deref()),
        config.credentials_key_file(home.as_deref()),
    ));
    let metrics = Arc::new(dispatch::server::metrics::Metrics::default());
    let flows = Flows::new(config.max_flows as usize, metrics.clone());
    let prompt_places = PromptPlaces::new(config.max_sessions as usize);
    let limits = Arc::new(Limits::new(
        config.starts_per_minute,
        dispatch::server::access::limits::BAD_KEYS_PER_MINUTE,
    ));
    let state = AppState {
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
                resume_grace: std::time::Duration::from_millis(config.resume_grace_ms),
                url: std::time::Duration::from_millis(config.no_link_ms),
                ..Timeouts::default()
            },
            allowed_origins: config.allowed_origins.clone(),
        }),
        store,
        flows: flows.clone(),
        limits: limits.clone(),
        metrics,
        session_config: Arc::new(SessionConfig {
            projects: dispatch::server::projects::Projects::new(projects_root),
            timeout: std::time::Duration::from_millis(config.prompt_timeout),
            max_output: 2 * 1024 * 1024,
        }),
        prompt_places: prompt_places.clone(),
        transport: Arc::new(Transport {
            tls: tls.is_some(),
            trusted_proxies: config.trusted_proxies.clone(),
        }),
        hosts: Arc::new(hosts),
        open_sockets: AddressCap::new(config.max_sockets_per_address as usize),
        socket_timeouts: SocketTimeouts {
            key_wait: std::time::Duration::from_millis(config.socket_key_wait_ms),
            idle: std::time::Duration::from_millis(config.socket_idle_ms),
        },
    };
    if !config.trusted_proxies.is_empty() {
        tracing::info!(proxies = ?config.trusted_proxies, "X-Forwarded-* headers are believed from these proxies only");
    }
    // Rate-limit memory: forget addresses that have been quiet.
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            limits.forget_idle();
        }
    });
    let app = server::router(state);
    let stopped = async move {
        stop.requested().await;
        // Live flows hear that the server restarts; their CLIs are killed,
        // and so are the running prompts'.
        tokio::join!(flows.shut_down(), prompt_places.shut_down());
    };
    let header_timeout = std::time::Duration::from_millis(config.header_timeout_ms);
    // Events are small frames sent one by one: without TCP_NODELAY, Nagle's
    // algorithm and delayed ACKs hold some back for 40 ms.
    match tls {
        None => {
            let listener = listener.tap_io(|tcp| no_delay(tcp));
            server::edge::serve::serve(listener, app, header_timeout, stopped).await
        }
        Some(tls) => {
            let listener = TlsListener::new(listener, tls)?.tap_io(|tls| no_delay(tls.get_ref().0));
            server::edge::serve::serve(listener, app, header_timeout, stopped).await
        }
    }
    tracing::info!("stopped");
    Ok(())
}

fn no_delay(tcp: &tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY could not be set");
    }
}

/// Says where the app is. A generated key is printed once, to standard output
/// only (never to the log), inside the link that opens the app with it.
fn announce(addr: SocketAddr, key: &AccessKey, tls: bool) {
    // A wildcard address is reachable on loopback; show that one.
    let shown = healthcheck::local_address(addr);
    let scheme = if tls { "https" } else { "http" };
    let base = format!("{scheme}://{shown}");
    tracing::info!(%addr, "Dispatch is listening on {base}/");
    if key.was_generated() {
        println!(
            "No DISPATCH_KEY was set, so one was generated for this run. Open:\n\n    {}\n",
            key.link(&base)
        );
    }
}
