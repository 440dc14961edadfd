//! The `dispatch` server binary: read the configuration, serve, stop cleanly.

use std::{
    io::IsTerminal,
    net::{Ipv4Addr, SocketAddr},
    sync::Arc,
};

use anyhow::Context;
use clap::Parser;
use dispatch::server::{
    self, access::AccessKey, claude::status::StatusReporter, config::Config, shutdown, site,
    state::AppState,
};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    // Logs go to standard error; standard output carries only the key link.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let key = AccessKey::from_config(config.key.clone()).context("refusing to start")?;
    let mut leptos_options = site::leptos_options()?;
    leptos_options.site_addr = config.addr;

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    announce(addr, &key);
    if !config.auth_enabled {
        tracing::info!("Claude login is turned off (CLAUDE_AUTH_ENABLED=false)");
    }

    let state = AppState {
        leptos_options,
        key: Arc::new(key),
        status: Arc::new(StatusReporter::new(
            config.claude_cli.clone(),
            config.auth_enabled,
        )),
    };
    axum::serve(listener, server::router(state))
        .with_graceful_shutdown(shutdown::requested())
        .await
        .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
}

/// Says where the app is. A generated key is printed once, to standard output
/// only (never to the log), inside the link that opens the app with it.
fn announce(addr: SocketAddr, key: &AccessKey) {
    // A wildcard address is reachable on loopback; show that one.
    let shown = if addr.ip().is_unspecified() {
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let base = format!("http://{shown}");
    tracing::info!(%addr, "Dispatch is listening on {base}/");
    if key.was_generated() {
        println!(
            "No DISPATCH_KEY was set, so one was generated for this run. Open:\n\n    {}\n",
            key.link(&base)
        );
    }
}
