//! Serving the router over HTTP/1.1 (and h2 when a client asks), with a
//! deadline for request headers and a graceful stop.
//!
//! `axum::serve` gives hyper no timer, so hyper's header timeout never
//! runs: a client that sends its headers a byte at a time (slowloris) held
//! its connection for ever, and enough of them held the server's
//! descriptors. Here hyper gets tokio's timer and a header deadline.

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    extract::{ConnectInfo, Request},
    serve::{Listener, ListenerExt},
    Router,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `app` on `tcp`, over TLS when `tls` is given, until `stop`
/// resolves. Every connection gets TCP_NODELAY: events are small frames
/// sent one by one, and Nagle's algorithm with delayed ACKs held some back
/// for 40 ms.
pub async fn serve_app(
    tcp: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    match tls {
        None => {
            let listener = tcp.tap_io(|tcp| no_delay(tcp));
            serve(listener, app, header_timeout, stop).await;
        }
        Some(tls) => {
            let listener =
                super::tls::TlsListener::new(tcp, tls)?.tap_io(|tls| no_delay(tls.get_ref().0));
            serve(listener, app, header_timeout, stop).await;
        }
    }
    Ok(())
}

fn no_delay(tcp: &tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY could not be set");
    }
}

/// Serves `app` on `listener` until `stop` resolves; then stops accepting
/// and waits for the requests in progress (not upgraded websockets, which
/// the caller ends) to finish.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) where
    L: Listener<Addr = SocketAddr>,
{
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let app = app.clone();
        // What `into_make_service_with_connect_info` gave each request: the
        // peer, which the client-identifying middleware reads.
        let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = app
                    .oneshot(request.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|never: Infallible| match never {});
                Ok::<_, Infallible>(response)
            }
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
