//! HTTPS from an ACME service, against a real one on loopback: pebble,
//! Let's Encrypt's test server (tests/support/pebble.rs). Dispatch gets its
//! certificate with the TLS-ALPN-01 challenge on its own port, serves it
//! (pages, HSTS, the websocket over wss), keeps it across a restart without
//! a new order, renews a short-lived one while serving, and says clearly
//! when the service cannot be reached.
#![cfg(feature = "ssr")]

mod support;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use serde_json::json;
use support::{
    https::exchange,
    pebble::{self, Pebble},
    ws::{recv, send},
    Server, TEST_KEY,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

const NAME: &str = "dispatch.test";
const WAIT: Duration = Duration::from_secs(60);

/// Pebble must be there: `make test` installs it (Debian's `pebble`).
fn pebble_installed() -> bool {
    if pebble::installed() {
        return true;
    }
    assert!(
        std::env::var_os("DISPATCH_CI").is_none(),
        "pebble is missing: apt-get install pebble (scripts/setup.sh test does)"
    );
    eprintln!("SKIPPED: pebble is not installed (apt-get install pebble)");
    false
}

/// A scratch folder with the server's files, and its settings for `pebble`.
struct Scratch {
    dir: tempfile::TempDir,
    port: u16,
    directory: String,
}

impl Scratch {
    fn new(port: u16, directory: String) -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
            port,
            directory,
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = support::scratch_env(self.dir.path());
        env.extend(
            [
                ("DISPATCH_ADDR", format!("127.0.0.1:{}", self.port)),
                ("DISPATCH_ACME_DOMAIN", NAME.to_owned()),
                ("DISPATCH_ACME_EMAIL", "admin@dispatch.test".to_owned()),
                ("DISPATCH_ACME_DIRECTORY", self.directory.clone()),
                (
                    "DISPATCH_ACME_DIRECTORY_CA",
                    pebble::directory_ca().display().to_string(),
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        env
    }

    fn start(&self) -> Server {
        support::start_with(&self.env())
    }
}

/// A TLS client that trusts pebble's root only, asking for `NAME`.
fn client(root_pem: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).expect("a root");
    }
    support::https::connector_trusting(roots)
}

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// A TLS connection to the server that verifies its certificate for `NAME`.
async fn connect(connector: &tokio_rustls::TlsConnector, port: u16) -> Tls {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("TCP");
    connector
        .connect(ServerName::try_from(NAME).expect("a name"), tcp)
        .await
        .expect("the certificate served verifies against pebble's root, for the name")
}

/// The leaf certificate the server shows now.
async fn served_leaf(connector: &tokio_rustls::TlsConnector, port: u16) -> Vec<u8> {
    let stream = connect(connector, port).await;
    stream.get_ref().1.peer_certificates().expect("a chain")[0].to_vec()
}

fn headers() -> [(&'static str, String); 2] {
    [
        ("Host", NAME.to_owned()),
        ("Authorization", format!("Bearer {TEST_KEY}")),
    ]
}

async fn get(
    connector: &tokio_rustls::TlsConnector,
    port: u16,
    path: &str,
) -> support::https::Answer {
    let headers = headers();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    exchange(connect(connector, port).await, "GET", path, &headers, "").await
}

/// Whether the server logs `needle`, before it listened or within `WAIT`.
fn said(server: &mut Server, needle: &str) -> bool {
    server.start_logs.iter().any(|l| l.contains(needle))
        || server.wait_for_log(needle, WAIT).is_some()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_certificate_is_obtained_served_cached_and_reused_after_a_restart() {
    if !pebble_installed() {
        return;
    }
    let port = pebble::free_port();
    let pebble = Pebble::start(port, None);
    let scratch = Scratch::new(port, pebble.directory());
    let mut server = scratch.start();
    assert!(
        server.base_url.starts_with("https://"),
        "{}",
        server.base_url
    );
    server
        .wait_for_log("obtained a new certificate", WAIT)
        .expect("a certificate from pebble");
    let issued = pebble.count("Issued certificate");

    runtime().block_on(async {
        let connector = client(&pebble.root().await);
        let page = get(&connector, port, "/").await;
        assert_eq!(page.status, 200, "{}", page.head);
        assert!(page.header("strict-transport-security").is_some());

        // The websocket, from a page of the configured name, over wss.
        let origin = format!("https://{NAME}:{port}");
        let mut request = format!("wss://{NAME}:{port}/ws")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(&origin).unwrap());
        let (mut ws, _) = tokio_tungstenite::client_async(request, connect(&connector, port).await)
            .await
            .expect("the websocket opens over wss");
        send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
        let deadline = Instant::now() + WAIT;
        loop {
            let frame = recv(&mut ws).await;
            if frame["event"] == "claude.auth.url" {
                break;
            }
            assert!(Instant::now() < deadline, "no sign-in link");
        }

        // A page of another name is refused.
        let mut foreign = format!("wss://{NAME}:{port}/ws")
            .into_client_request()
            .unwrap();
        foreign
            .headers_mut()
            .insert("Origin", HeaderValue::from_static("https://elsewhere.test"));
        let refused =
            tokio_tungstenite::client_async(foreign, connect(&connector, port).await).await;
        assert!(refused.is_err(), "a foreign page's socket is refused");

        let metrics = get(&connector, port, "/metrics").await;
        let expiry = metrics
            .body
            .lines()
            .find_map(|l| l.strip_prefix("dispatch_tls_certificate_expiry_timestamp_seconds "))
            .expect("the expiry metric")
            .parse::<i64>()
            .expect("a number");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(expiry > i64::try_from(now).unwrap(), "{expiry}");

        let status = get(&connector, port, "/api/claude/auth").await;
        let status: serde_json::Value = serde_json::from_str(&status.body).unwrap();
        assert_eq!(status["certificate"]["names"], json!([NAME]), "{status}");
        assert_eq!(
            status["certificate"]["expiresAt"],
            json!(expiry),
            "{status}"
        );

        let before = served_leaf(&connector, port).await;
        // The cache: a private folder, private files.
        let cache = scratch.dir.path().join("key/acme");
        assert_eq!(mode(&cache), 0o700);
        for file in std::fs::read_dir(&cache).unwrap().flatten() {
            assert_eq!(mode(&file.path()), 0o600, "{}", file.path().display());
        }

        // The health check trusts the certificate the ACME client cached.
        let env = scratch.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let cwd = tempfile::tempdir().unwrap();
        let health = support::command(&env, cwd.path())
            .arg("healthcheck")
            .output()
            .expect("dispatch healthcheck runs");
        assert!(health.status.success(), "{health:?}");

        // A restart serves the cached certificate: no new order.
        assert!(server.terminate(Duration::from_secs(10)).is_some());
        let mut again = scratch.start();
        assert!(
            said(&mut again, "serving the cached certificate"),
            "the cached certificate is used"
        );
        assert_eq!(served_leaf(&connector, port).await, before);
        assert_eq!(pebble.count("Issued certificate"), issued, "no new order");
    });
}

#[test]
fn a_short_lived_certificate_is_renewed_while_serving() {
    if !pebble_installed() {
        return;
    }
    let port = pebble::free_port();
    // Renewal comes at two thirds of the certificate's life: about 20 s.
    let pebble = Pebble::start(port, Some(Duration::from_secs(30)));
    let scratch = Scratch::new(port, pebble.directory());
    let mut server = scratch.start();
    server
        .wait_for_log("obtained a new certificate", WAIT)
        .expect("a first certificate");
    runtime().block_on(async {
        let connector = client(&pebble.root().await);
        let first = served_leaf(&connector, port).await;
        server
            .wait_for_log("obtained a new certificate", WAIT)
            .expect("the certificate is renewed");
        // The same process serves the new certificate.
        assert_ne!(served_leaf(&connector, port).await, first);
        assert_eq!(get(&connector, port, "/healthz").await.status, 200);
    });
}

#[test]
fn an_unreachable_service_is_said_once_and_the_server_keeps_running() {
    let port = pebble::free_port();
    // Nothing listens on this port.
    let nowhere = format!("https://localhost:{}/dir", pebble::free_port());
    let scratch = Scratch::new(port, nowhere);
    let mut server = scratch.start();
    assert!(
        server
            .start_logs
            .iter()
            .any(|l| l.contains("no certificate yet")),
        "the start says there is no certificate yet: {:?}",
        server.start_logs
    );
    // Said before or after the server announced its address.
    let warned = server
        .start_logs
        .iter()
        .find(|l| l.contains("could not be reached"))
        .cloned()
        .or_else(|| server.wait_for_log("could not be reached", WAIT))
        .expect("the failure is said, with what to check");
    assert!(warned.contains("DISPATCH_ACME_DIRECTORY"), "{warned}");
    // Retries after 1 s, 2 s and 4 s fail the same way: quiet.
    std::thread::sleep(Duration::from_secs(8));
    let again = server.logs();
    assert!(
        !again.iter().any(|l| l.contains("could not be reached")),
        "{again:?}"
    );
    assert!(
        server.wait_exit(Duration::from_millis(10)).is_none(),
        "still running"
    );
}

#[test]
fn acme_and_own_certificate_files_together_are_refused() {
    let scratch = Scratch::new(pebble::free_port(), "https://localhost:1/dir".into());
    let mut env = scratch.env();
    env.push((
        "DISPATCH_TLS_CERT".into(),
        pebble::directory_ca().display().to_string(),
    ));
    env.push(("DISPATCH_TLS_KEY".into(), "/nonexistent/key.pem".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cwd = tempfile::tempdir().unwrap();
    let out = support::command(&env, cwd.path())
        .output()
        .expect("dispatch runs");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("Drop DISPATCH_TLS_CERT and DISPATCH_TLS_KEY"),
        "{said}"
    );
}
