//! A stand-in for Anthropic's HTTPS services, on 127.0.0.1:443 inside a
//! test's network namespace (`netns.rs` points the hosts here), with a
//! certificate from a throwaway CA (`tests/fixtures/tls/standin`) that the
//! CLI trusts through `NODE_EXTRA_CA_CERTS` / `SSL_CERT_FILE`. It answers
//! `POST /v1/oauth/token` with a long-lived token, as the real service
//! does, `{}` to everything else, and records every request.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use axum::{
    http::{HeaderMap, Method, Uri},
    routing::post,
    Json, Router,
};
use serde_json::{json, Value};

/// The token the stand-in issues.
pub const ISSUED_TOKEN: &str = "sk-ant-oat01-StandInIssuedToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV-wxyz0123AA";

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub host: String,
    pub path: String,
    /// `Authorization` and `x-api-key`, when sent.
    pub credentials: Vec<String>,
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls/standin")
        .join(name)
}

/// Serves on 127.0.0.1:443 until the runtime ends; what it saw.
pub async fn start() -> Arc<Mutex<Vec<Seen>>> {
    start_refusing(0).await
}

/// The same, refusing the first `refusals` codes as the real service
/// refuses a wrong one (400 `invalid_grant`).
pub async fn start_refusing(refusals: usize) -> Arc<Mutex<Vec<Seen>>> {
    let refusals_left = Arc::new(std::sync::atomic::AtomicUsize::new(refusals));
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = {
        let seen = seen.clone();
        move |method: Method, uri: Uri, headers: HeaderMap| {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let credentials = ["authorization", "x-api-key"]
                .iter()
                .filter_map(|n| header(n))
                .collect();
            seen.lock().unwrap().push(Seen {
                method: method.to_string(),
                host: header("host").unwrap_or_default(),
                path: uri.path().to_owned(),
                credentials,
            });
        }
    };
    let on_token = record.clone();
    let app = Router::new()
        .route(
            "/v1/oauth/token",
            post(move |method: Method, uri: Uri, headers: HeaderMap| async move {
                on_token(method, uri, headers);
                let refuse = refusals_left
                    .fetch_update(
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                        |n| n.checked_sub(1),
                    )
                    .is_ok();
                if refuse {
                    return (
                        axum::http::StatusCode::BAD_REQUEST,
                        Json(json!({"error": "invalid_grant", "error_description": "Invalid authorization code"})),
                    );
                }
                (axum::http::StatusCode::OK, Json(json!({
                    "access_token": ISSUED_TOKEN,
                    "token_type": "Bearer",
                    "expires_in": 31_536_000,
                    "scope": "user:inference",
                    "account": {"uuid": "00000000-0000-4000-8000-000000000001", "email_address": "someone@example.com"},
                    "organization": {"uuid": "00000000-0000-4000-8000-000000000002", "name": "Stand-in"}
                })))
            }),
        )
        .fallback(move |method: Method, uri: Uri, headers: HeaderMap| async move {
            record(method, uri, headers);
            Json(Value::Object(Default::default()))
        });
    let tls = dispatch::server::edge::tls::server_config(&fixture("cert.pem"), &fixture("key.pem"))
        .expect("the stand-in's certificate");
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:443")
        .await
        .expect("port 443 in the namespace");
    let listener = dispatch::server::edge::tls::TlsListener::new(tcp, tls).expect("TLS listener");
    tokio::spawn(dispatch::server::edge::serve::serve(
        listener,
        app,
        std::time::Duration::from_secs(10),
        std::future::pending(),
    ));
    seen
}
