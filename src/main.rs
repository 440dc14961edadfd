//! The `dispatch` server binary: read the configuration, serve, stop cleanly.

use std::{io::IsTerminal, net::SocketAddr};

use anyhow::Context;
use clap::Parser;
use dispatch::server::{
    self,
    access::{host_check, key::AccessKey},
    claude::cli_env::CliEnv,
    config::{Command, Config, LogFormat},
    edge::{rlimit, serve, shutdown::StopSignals, tls},
    healthcheck,
    http::site,
    state::{AppState, Checked},
};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    init_logs(config.log_format);
    if config.command == Some(Command::Healthcheck) {
        let cert = config
            .serves_tls()
            .then_some(config.tls_cert.as_deref())
            .flatten();
        return healthcheck::check(config.addr, cert)
            .await
            .context("unhealthy");
    }
    let (checked, tls) = check(&config)?;
    let stop = StopSignals::listen().context("cannot listen for stop signals")?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    announce(listener.local_addr()?, &checked.key, tls.is_some());
    let home = std::env::var("HOME").ok();
    let state = AppState::from_config(&config, checked, home.as_deref());
    state.forget_idle_clients();
    let app = server::router(state.clone());
    let stopped = async move {
        stop.requested().await;
        state.stop_claude_runs().await;
    };
    let header_timeout = std::time::Duration::from_millis(config.header_timeout_ms);
    serve::serve_app(listener, tls, app, header_timeout, stopped).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Logs go to standard error; standard output carries only the key link.
fn init_logs(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        );
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

/// Everything that can refuse a start, read before listening: exposure,
/// the key, the certificate, the CLI's environment rule, the site.
fn check(
    config: &Config,
) -> anyhow::Result<(Checked, Option<std::sync::Arc<rustls::ServerConfig>>)> {
    config.check_exposure()?;
    if config.key_on_command_line() {
        tracing::warn!("the access key was given with --key, where every user of this machine can read it (ps); set DISPATCH_KEY instead");
    }
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let hosts = host_check::HostPolicy {
        loopback: config.addr.ip().is_loopback(),
        allowed: host_check::allowed_names(&config.allowed_hosts),
        certificate: match &config.tls_cert {
            Some(cert) if tls.is_some() => tls::read_certificates(cert)?.into_iter().next(),
            _ => None,
        },
    };
    if let Some(limit) = rlimit::raise_open_files_limit() {
        tracing::debug!(limit, "open files limit");
    }
    let mut leptos_options = site::leptos_options()?;
    leptos_options.site_addr = config.addr;
    if !config.auth_enabled {
        tracing::info!("Claude login is turned off (CLAUDE_AUTH_ENABLED=false)");
    }
    if !config.trusted_proxies.is_empty() {
        tracing::info!(proxies = ?config.trusted_proxies, "X-Forwarded-* headers are believed from these proxies only");
    }
    let checked = Checked {
        key: AccessKey::from_config(config.key.clone()).context("refusing to start")?,
        leptos_options,
        cli_env: CliEnv::new(&config.cli_env).context("refusing to start")?,
        hosts,
        tls: tls.is_some(),
    };
    Ok((checked, tls))
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
