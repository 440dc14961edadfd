//! The `dispatch` server binary: read the configuration, serve, stop cleanly.

use std::{io::IsTerminal, net::SocketAddr};

use anyhow::Context;
use clap::Parser;
use dispatch::server::{
    self,
    access::{host_check, key::AccessKey},
    claude::cli_env::CliEnv,
    config::{Command, Config, LogFormat},
    edge::{
        acme, acme_cache,
        certificate::{CertificateInfo, ServedCertificate},
        rlimit, serve,
        shutdown::StopSignals,
        tls,
    },
    healthcheck,
    http::site,
    state::{AppState, Checked},
};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    init_logs(config.log_format);
    let home = std::env::var("HOME").ok();
    if config.command == Some(Command::Healthcheck) {
        let cert = served_certificate_file(&config, home.as_deref());
        return healthcheck::check(config.addr, cert.as_deref())
            .await
            .context("unhealthy");
    }
    let (checked, tls) = check(&config, home.as_deref())?;
    let stop = StopSignals::listen().context("cannot listen for stop signals")?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    announce(listener.local_addr()?, &checked.key, tls.is_some());
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
    home: Option<&str>,
) -> anyhow::Result<(Checked, Option<std::sync::Arc<rustls::ServerConfig>>)> {
    config.check_exposure()?;
    if config.key_on_command_line() {
        tracing::warn!("the access key was given with --key, where every user of this machine can read it (ps); set DISPATCH_KEY instead");
    }
    let served = ServedCertificate::default();
    let mut allowed_hosts = config.allowed_hosts.clone();
    let mut certificate = None;
    let tls = if let Some(acme) = config.acme_settings(home) {
        // The certificate will be for these names: they are this server's.
        allowed_hosts.extend(acme.domains.iter().cloned());
        Some(acme::start(&acme, served.clone()).context("refusing to start")?)
    } else if let Some((cert, key)) = config.tls_files() {
        let leaf = tls::read_certificates(cert)?.into_iter().next();
        if let Some(info) = leaf.as_deref().and_then(CertificateInfo::from_der) {
            served.set(info);
        }
        certificate = leaf;
        Some(tls::server_config(cert, key)?)
    } else {
        None
    };
    let hosts = host_check::HostPolicy {
        loopback: config.addr.ip().is_loopback(),
        allowed: host_check::allowed_names(&allowed_hosts),
        certificate,
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
        served,
    };
    Ok((checked, tls))
}

/// The certificate file the server serves, for the health check to trust:
/// the configured one, or the one the ACME client cached.
fn served_certificate_file(config: &Config, home: Option<&str>) -> Option<std::path::PathBuf> {
    if let Some(acme) = config.acme_settings(home) {
        return Some(acme_cache::AcmeCache::certificate_path(
            &acme.cache,
            &acme.domains,
            &acme.directory,
        ));
    }
    config.tls_files().map(|(cert, _)| cert.to_owned())
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
