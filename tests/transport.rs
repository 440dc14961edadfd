//! How Dispatch may be reached: HTTPS served by itself (with HSTS), a
//! reverse proxy it was told to trust, and the refusal to serve plain HTTP
//! on a network address by accident. Driven against the real binary.
#![cfg(feature = "ssr")]

mod support;

use std::{path::PathBuf, time::Duration};

use support::{
    command,
    https::{request, tls_stream},
    Server, TEST_KEY,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
        .display()
        .to_string()
}

fn tls_env() -> Vec<(&'static str, String)> {
    vec![
        ("DISPATCH_KEY", TEST_KEY.to_owned()),
        ("DISPATCH_TLS_CERT", fixture("cert.pem")),
        ("DISPATCH_TLS_KEY", fixture("key.pem")),
    ]
}

fn start(env: &[(&str, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start(&env)
}

fn port(server: &Server) -> u16 {
    server
        .base_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port")
}

const BEARER: &str = "Bearer test-key-0123456789abcdef";

#[tokio::test]
async fn https_is_served_with_hsts_and_plain_http_gets_nothing() {
    let server = start(&tls_env());
    assert!(
        server.base_url.starts_with("https://"),
        "{}",
        server.base_url
    );
    let port = port(&server);

    let health = request(tls_stream(port).await, "/healthz", &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let api = request(
        tls_stream(port).await,
        "/api/claude/auth",
        &[("Authorization", BEARER)],
    )
    .await;
    assert_eq!(api.status, 200);
    assert_eq!(api.header("cache-control"), Some("no-store"));
    assert!(api.header("strict-transport-security").is_some());
    let page = request(tls_stream(port).await, "/settings", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("strict-transport-security").is_some());

    // Plain HTTP on the TLS port: no HTTP answer at all.
    let mut plain = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), plain.read_to_end(&mut bytes)).await;
    assert!(!String::from_utf8_lossy(&bytes).contains("200 OK"));
}

#[tokio::test]
async fn plain_http_on_loopback_carries_no_hsts() {
    let server = start(&[("DISPATCH_KEY", TEST_KEY.to_owned())]);
    let tcp = TcpStream::connect(("127.0.0.1", port(&server)))
        .await
        .unwrap();
    let health = request(tcp, "/healthz", &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.header("strict-transport-security"), None);
}

#[tokio::test]
async fn over_tls_the_websocket_takes_only_https_pages() {
    let server = start(&tls_env());
    let port = port(&server);
    let open = |origin: String| async move {
        let mut request = format!("wss://localhost:{port}/ws")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(&origin).unwrap());
        match tokio_tungstenite::client_async(request, tls_stream(port).await).await {
            Ok(_) => 101,
            Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => answer.status().as_u16(),
            Err(other) => panic!("{other}"),
        }
    };
    assert_eq!(open(format!("https://localhost:{port}")).await, 101);
    assert_eq!(open(format!("http://localhost:{port}")).await, 403);
}

#[test]
fn the_healthcheck_command_asks_the_configured_server() {
    let run = |env: &[(&str, String)]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let cwd = tempfile::tempdir().unwrap();
        command(&env, cwd.path())
            .arg("healthcheck")
            .output()
            .expect("dispatch healthcheck runs")
    };
    let tls = start(&tls_env());
    let mut env = tls_env();
    env.push(("DISPATCH_ADDR", format!("0.0.0.0:{}", port(&tls))));
    let healthy = run(&env);
    assert!(healthy.status.success(), "{healthy:?}");

    // Another certificate than the one configured: not this server.
    let mut other = env.clone();
    other[1].1 = fixture("other-cert.pem");
    let refused = run(&other);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("another certificate"),
        "{refused:?}"
    );

    let plain = start(&[("DISPATCH_KEY", TEST_KEY.to_owned())]);
    let healthy = run(&[("DISPATCH_ADDR", format!("127.0.0.1:{}", port(&plain)))]);
    assert!(healthy.status.success(), "{healthy:?}");

    drop(plain);
    let nobody = run(&[("DISPATCH_ADDR", "127.0.0.1:9".to_owned())]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("unhealthy"));
}

#[test]
fn plain_http_on_a_network_address_is_refused_with_the_fixes() {
    let cwd = tempfile::tempdir().unwrap();
    let output = command(
        &[("DISPATCH_KEY", TEST_KEY), ("DISPATCH_ADDR", "0.0.0.0:0")],
        cwd.path(),
    )
    .output()
    .expect("dispatch runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("refusing to serve plain HTTP on 0.0.0.0:0"),
        "{said}"
    );
    for fix in [
        "DISPATCH_TLS_CERT",
        "DISPATCH_TRUSTED_PROXIES",
        "DISPATCH_INSECURE_HTTP",
    ] {
        assert!(said.contains(fix), "{said}");
    }
    assert!(!said.contains("listening"), "{said}");

    // Said explicitly, it serves.
    let server = Server::start(&[
        ("DISPATCH_KEY", TEST_KEY),
        ("DISPATCH_ADDR", "0.0.0.0:0"),
        ("DISPATCH_INSECURE_HTTP", "true"),
    ]);
    assert!(server.base_url.starts_with("http://127.0.0.1:"));
}

#[test]
fn a_bad_certificate_stops_the_start_with_its_reason() {
    let cwd = tempfile::tempdir().unwrap();
    let not_pem = cwd.path().join("cert.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    for (cert, key, expected) in [
        (
            fixture("missing.pem"),
            fixture("key.pem"),
            "cannot read the TLS certificate",
        ),
        (
            not_pem.display().to_string(),
            fixture("key.pem"),
            "holds no certificate",
        ),
        (
            fixture("cert.pem"),
            fixture("cert.pem"),
            "cannot read the TLS private key",
        ),
    ] {
        let output = command(
            &[
                ("DISPATCH_KEY", TEST_KEY),
                ("DISPATCH_TLS_CERT", &cert),
                ("DISPATCH_TLS_KEY", &key),
            ],
            cwd.path(),
        )
        .output()
        .expect("dispatch runs");
        assert!(!output.status.success());
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(expected), "{expected}: {said}");
    }
}

const WRONG: &str = "Bearer wrong-key-0123456789abcdef";

/// Five wrong keys a minute are answered 401; past them, the address they
/// count against gets 429 for wrong keys.
async fn use_up_wrong_keys(port: u16, headers: &[(&str, &str)]) {
    for expected in [401, 401, 401, 401, 401, 429] {
        assert_eq!(status_from(port, headers, WRONG).await, expected);
    }
}

async fn status_from(port: u16, headers: &[(&str, &str)], authorization: &str) -> u16 {
    let mut with_key = headers.to_vec();
    with_key.push(("Authorization", authorization));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    request(tcp, "/api/claude/auth", &with_key).await.status
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_the_limits_count() {
    let server = start(&[
        ("DISPATCH_KEY", TEST_KEY.to_owned()),
        ("DISPATCH_TRUSTED_PROXIES", "127.0.0.0/8".to_owned()),
    ]);
    let port = port(&server);
    use_up_wrong_keys(port, &[("X-Forwarded-For", "203.0.113.1")]).await;
    // Another client behind the same proxy has its own count.
    assert_eq!(
        status_from(port, &[("X-Forwarded-For", "203.0.113.2")], WRONG).await,
        401
    );
    // And the right key passes from either.
    assert_eq!(
        status_from(port, &[("X-Forwarded-For", "203.0.113.1")], BEARER).await,
        200
    );
    // The proxy's word on the scheme brings HSTS.
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let https = request(tcp, "/healthz", &[("X-Forwarded-Proto", "https")]).await;
    assert_eq!(
        https.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarded_headers_change_nothing() {
    let server = start(&[("DISPATCH_KEY", TEST_KEY.to_owned())]);
    let port = port(&server);
    use_up_wrong_keys(port, &[("X-Forwarded-For", "203.0.113.1")]).await;
    // Claiming to be someone else does not escape the count.
    assert_eq!(
        status_from(port, &[("X-Forwarded-For", "203.0.113.2")], WRONG).await,
        429
    );
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let claimed = request(tcp, "/healthz", &[("X-Forwarded-Proto", "https")]).await;
    assert_eq!(claimed.header("strict-transport-security"), None);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_origin_check_uses_the_forwarded_host_and_scheme() {
    let server = start(&[
        ("DISPATCH_KEY", TEST_KEY.to_owned()),
        ("DISPATCH_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
    ]);
    let url = server.base_url.replacen("http://", "ws://", 1) + "/ws";
    let open = |origin: &'static str| {
        let url = url.clone();
        async move {
            let mut request = url.into_client_request().unwrap();
            for (name, value) in [
                ("Origin", origin),
                ("X-Forwarded-Host", "dispatch.example"),
                ("X-Forwarded-Proto", "https"),
            ] {
                request
                    .headers_mut()
                    .insert(name, HeaderValue::from_static(value));
            }
            match tokio_tungstenite::connect_async(request).await {
                Ok(_) => 101,
                Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => {
                    answer.status().as_u16()
                }
                Err(other) => panic!("{other}"),
            }
        }
    };
    assert_eq!(open("https://dispatch.example").await, 101);
    assert_eq!(open("http://dispatch.example").await, 403);
    assert_eq!(open("https://evil.example").await, 403);
}

/// A TCP connection from `source` that never starts its TLS handshake.
async fn silent_from(source: [u8; 4], port: u16) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((source, 0).into()).unwrap();
    socket.connect(([127, 0, 0, 1], port).into()).await.unwrap()
}

/// Whether the server closed `tcp` within a moment (a held connection
/// waits for a handshake for 10 s).
async fn closed_at_once(tcp: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_secs(3), tcp.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn past_its_share_of_handshakes_an_address_is_closed_at_once_and_others_served() {
    let server = start(&tls_env());
    let port = port(&server);
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(silent_from([127, 0, 0, 2], port).await);
    }
    let mut over = silent_from([127, 0, 0, 2], port).await;
    assert!(closed_at_once(&mut over).await, "the 17th waited");
    assert!(!closed_at_once(&mut held[0]).await, "the first 16 are held");
    // Another address still gets its handshake and an answer.
    let health = request(tls_stream(port).await, "/healthz", &[]).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn past_256_handshakes_at_once_new_connections_are_closed_not_queued() {
    let server = start(&tls_env());
    let port = port(&server);
    let mut held = Vec::new();
    // 16 addresses of 16: the server-wide 256.
    for address in 0..16u8 {
        for _ in 0..16 {
            held.push(silent_from([127, 0, 1, 1 + address], port).await);
        }
    }
    let mut over = silent_from([127, 0, 2, 1], port).await;
    assert!(closed_at_once(&mut over).await, "the 257th waited");
    // Once they give up, the server serves again.
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let connector = support::https::connector();
        let handshake = tokio::time::timeout(
            Duration::from_secs(2),
            connector.connect(
                rustls::pki_types::ServerName::try_from("localhost").unwrap(),
                tcp,
            ),
        )
        .await;
        if matches!(handshake, Ok(Ok(_))) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served);
}
