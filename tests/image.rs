//! The image itself, built and run: `make image-test` builds it with podman
//! and runs these tests against real containers. They are not part of
//! `make test` (the build takes half an hour on 2 cores): each is ignored
//! unless asked for, and then needs `DISPATCH_IMAGE` (the image's name),
//! root, podman and runc.
//!
//! Each container gets a network namespace of its own, joined to the host
//! by one veth pair and nothing else: the tests reach it at its address,
//! and the real Claude CLI inside reaches nothing (its code exchange fails
//! with a network error, a real path; the tests never reach the internet).
#![cfg(feature = "ssr")]

mod support;

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    process::{Command, Output},
    sync::atomic::{AtomicU8, Ordering},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use support::{
    assert_gone, child_pids,
    https::{exchange, tls_stream_to},
    ws::{recv, send},
    TEST_KEY,
};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue},
    WebSocketStream,
};

/// The websocket over TLS, as a browser opens it.
type Ws = WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

/// The user the image runs as (Dockerfile: `useradd --uid 10001`).
const APP_UID: &str = "10001";
/// The port the image listens on (Dockerfile: `DISPATCH_ADDR=0.0.0.0:3000`).
const PORT: u16 = 3000;
/// The image's two volumes.
const CREDENTIALS: &str = "/home/appuser/.claude";
const CREDENTIALS_KEY: &str = "/home/appuser/.config/dispatch";
/// Podman as this machine runs it: runc (crun refuses its cgroups here) and
/// explicit limits (the defaults are refused by the sandbox).
const PODMAN: &[&str] = &["--runtime", "runc"];
const LIMITS: &[&str] = &[
    "--ulimit",
    "nofile=20000:20000",
    "--ulimit",
    "nproc=4096:4096",
];
/// How long the real CLI may take to show its link, or a code to fail.
const CLI_WAIT: Duration = Duration::from_secs(60);

fn image() -> String {
    std::env::var("DISPATCH_IMAGE")
        .expect("DISPATCH_IMAGE names the image to test: run `make image-test`")
}

fn podman(args: &[&str]) -> Output {
    Command::new("podman")
        .args(PODMAN)
        .args(args)
        .output()
        .expect("podman runs")
}

/// What a command printed, standard output then standard error.
fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `podman args`, which must succeed; its standard output, trimmed.
fn podman_ok(args: &[&str]) -> String {
    let out = podman(args);
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A network namespace with one veth pair to the host: 10.231.N.1 on the
/// host, 10.231.N.2 inside, no route anywhere else.
struct Net {
    name: String,
    inside: Ipv4Addr,
}

impl Net {
    fn new() -> Net {
        static NEXT: AtomicU8 = AtomicU8::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("dispatch-img-{}-{n}", std::process::id());
        let host_end = format!("dimg{n}h{}", std::process::id() % 10_000);
        let steps: [Vec<String>; 6] = [
            vec!["netns".into(), "add".into(), name.clone()],
            vec![
                "link".into(),
                "add".into(),
                host_end.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                "eth0".into(),
                "netns".into(),
                name.clone(),
            ],
            vec![
                "addr".into(),
                "add".into(),
                format!("10.231.{n}.1/30"),
                "dev".into(),
                host_end.clone(),
            ],
            vec!["link".into(), "set".into(), host_end, "up".into()],
            ns(
                &name,
                &["addr", "add", &format!("10.231.{n}.2/30"), "dev", "eth0"],
            ),
            ns(&name, &["link", "set", "eth0", "up"]),
        ];
        for step in steps
            .iter()
            .chain([ns(&name, &["link", "set", "lo", "up"])].iter())
        {
            let status = Command::new("ip").args(step).status().expect("ip runs");
            assert!(status.success(), "ip {step:?}");
        }
        Net {
            name,
            inside: Ipv4Addr::new(10, 231, n, 2),
        }
    }

    fn podman_arg(&self) -> String {
        format!("ns:/run/netns/{}", self.name)
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from((self.inside, PORT))
    }
}

fn ns(name: &str, args: &[&str]) -> Vec<String> {
    ["netns", "exec", name, "ip"]
        .iter()
        .chain(args)
        .map(|s| s.to_string())
        .collect()
}

impl Drop for Net {
    fn drop(&mut self) {
        // The namespace takes its end of the pair with it, and the host's.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Two named volumes, as the compose file mounts them.
struct Volumes {
    credentials: String,
    key: String,
}

impl Volumes {
    fn new(tag: &str) -> Volumes {
        let credentials = format!("dispatch-img-{tag}-{}-credentials", std::process::id());
        let key = format!("dispatch-img-{tag}-{}-key", std::process::id());
        for name in [&credentials, &key] {
            podman_ok(&["volume", "create", name]);
        }
        Volumes { credentials, key }
    }
}

impl Drop for Volumes {
    fn drop(&mut self) {
        let _ = podman(&["volume", "rm", "-f", &self.credentials, &self.key]);
    }
}

/// A running container of the image, removed when dropped.
struct Container {
    name: String,
    address: SocketAddr,
}

/// Where the test certificate (issued to `localhost`) is mounted.
const TLS_DIR: &str = "/run/tls";

fn tls_env() -> Vec<(&'static str, String)> {
    vec![
        ("DISPATCH_KEY", TEST_KEY.into()),
        ("DISPATCH_TLS_CERT", format!("{TLS_DIR}/cert.pem")),
        ("DISPATCH_TLS_KEY", format!("{TLS_DIR}/key.pem")),
    ]
}

/// The run arguments every container of these tests shares.
fn run_args(
    name: &str,
    net: &Net,
    env: &[(&str, String)],
    volumes: Option<&Volumes>,
    tls: &Path,
) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--name", name, "--network", &net.podman_arg()]
        .iter()
        .chain(LIMITS)
        .map(|s| s.to_string())
        .collect();
    for (key, value) in env {
        args.extend(["--env".into(), format!("{key}={value}")]);
    }
    args.extend(["--volume".into(), format!("{}:{TLS_DIR}:ro", tls.display())]);
    if let Some(volumes) = volumes {
        args.extend([
            "--volume".into(),
            format!("{}:{CREDENTIALS}", volumes.credentials),
            "--volume".into(),
            format!("{}:{CREDENTIALS_KEY}", volumes.key),
        ]);
    }
    args
}

/// The test certificate and key, readable by the image's user.
fn tls_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    for file in ["cert.pem", "key.pem"] {
        std::fs::copy(fixtures.join(file), dir.path().join(file)).expect("copy");
    }
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    dir
}

impl Container {
    /// Starts the image in `net`, and waits until it answers HTTPS.
    fn start(tag: &str, net: &Net, volumes: Option<&Volumes>, tls: &Path) -> Container {
        let name = format!("dispatch-img-{tag}-{}", std::process::id());
        let _ = podman(&["rm", "-f", &name]);
        let mut args = run_args(&name, net, &tls_env(), volumes, tls);
        args.insert(1, "--detach".into());
        args.push(image());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        podman_ok(&args);
        let container = Container {
            name,
            address: net.address(),
        };
        container.wait_until_it_answers();
        container
    }

    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect_timeout(&self.address, Duration::from_millis(500))
                .is_ok()
            {
                return;
            }
            if self.inspect("{{.State.Running}}") != "true" {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the container does not answer on {}; its logs:\n{}",
            self.address,
            self.logs()
        );
    }

    fn inspect(&self, format: &str) -> String {
        podman_ok(&["inspect", "--format", format, &self.name])
    }

    fn logs(&self) -> String {
        printed(&podman(&["logs", &self.name]))
    }

    /// The server's pid on the host.
    fn pid(&self) -> i32 {
        self.inspect("{{.State.Pid}}").parse().expect("a pid")
    }

    /// The API over HTTPS, with the key: the answer's JSON.
    async fn api(&self, method: &str, body: &str) -> Value {
        let bearer = format!("Bearer {TEST_KEY}");
        let answer = exchange(
            tls_stream_to(self.address).await,
            method,
            "/api/claude/auth",
            &[("Authorization", bearer.as_str())],
            body,
        )
        .await;
        serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
    }

    /// The websocket, as a page served by the container opens it.
    async fn socket(&self) -> Ws {
        let mut request = format!("wss://localhost:{PORT}/ws")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Origin",
            HeaderValue::from_str(&format!("https://localhost:{PORT}")).unwrap(),
        );
        let stream = tls_stream_to(self.address).await;
        let (ws, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .expect("the websocket opens");
        ws
    }

    /// Stops it as `podman stop` does: SIGTERM, then SIGKILL after 10 s.
    fn stop(&self) -> Duration {
        let began = Instant::now();
        podman_ok(&["stop", "--time", "10", &self.name]);
        began.elapsed()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["rm", "--force", "--time", "0", &self.name]);
    }
}

/// The events of `ws` up to the first `claude.auth.<name>` (the last one),
/// waiting up to `within` in all.
async fn until(ws: &mut Ws, name: &str, within: Duration) -> Vec<Value> {
    let wanted = format!("claude.auth.{name}");
    tokio::time::timeout(within, async {
        let mut seen = Vec::new();
        loop {
            let frame = recv(ws).await;
            let done = frame["event"] == wanted;
            seen.push(frame);
            if done {
                return seen;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {wanted} within {within:?}"))
}

/// Starts a sign-in; the link the real CLI shows.
async fn sign_in_link(ws: &mut Ws) -> String {
    send(ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    let seen = until(ws, "url", CLI_WAIT).await;
    let url = seen.last().unwrap()["data"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("https://claude."), "{seen:?}");
    url
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
#[ignore = "needs the built image: make image-test"]
fn without_tls_settings_it_refuses_to_start_and_says_why() {
    let net = Net::new();
    let tls = tls_files();
    let name = format!("dispatch-img-bare-{}", std::process::id());
    let mut args = run_args(
        &name,
        &net,
        &[("DISPATCH_KEY", TEST_KEY.into())],
        None,
        tls.path(),
    );
    args.insert(1, "--rm".into());
    args.push(image());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = podman(&args);
    let said = printed(&out);
    assert!(!out.status.success(), "it started: {said}");
    assert!(said.contains("refusing to serve plain HTTP"), "{said}");
    assert!(said.contains("DISPATCH_TLS_CERT"), "{said}");
}

#[test]
#[ignore = "needs the built image: make image-test"]
fn it_serves_https_as_uid_10001_and_turns_healthy() {
    let net = Net::new();
    let tls = tls_files();
    let container = Container::start("https", &net, None, tls.path());

    let status = std::fs::read_to_string(format!("/proc/{}/status", container.pid())).unwrap();
    let uids = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uids.split_whitespace().skip(1).all(|uid| uid == APP_UID),
        "{uids}"
    );

    runtime().block_on(async {
        let health = exchange(
            tls_stream_to(container.address).await,
            "GET",
            "/healthz",
            &[],
            "",
        )
        .await;
        assert_eq!(health.status, 200);
        assert!(health.header("strict-transport-security").is_some());
        let status = container.api("GET", "").await;
        assert_eq!(status["authenticated"], false, "{status}");
    });

    podman_ok(&["healthcheck", "run", &container.name]);
    assert_eq!(container.inspect("{{.State.Health.Status}}"), "healthy");
}

#[test]
#[ignore = "needs the built image: make image-test"]
fn the_real_cli_in_the_image_shows_its_link_and_a_code_gets_the_network_error() {
    let net = Net::new();
    let tls = tls_files();
    let container = Container::start("cli", &net, None, tls.path());
    runtime().block_on(async {
        let mut ws = container.socket().await;
        sign_in_link(&mut ws).await;
        send(
            &mut ws,
            "claude.auth.code",
            json!({"key": TEST_KEY, "code": "abc123#def456"}),
        )
        .await;
        let seen = until(&mut ws, "error", CLI_WAIT).await;
        let error = &seen.last().unwrap()["data"];
        assert_eq!(error["reason"], "network", "{seen:?}");
        assert_eq!(error["retry"], true, "{error}");
    });
}

#[test]
#[ignore = "needs the built image: make image-test"]
fn a_stored_credential_outlives_the_container() {
    let net = Net::new();
    let tls = tls_files();
    let volumes = Volumes::new("keep");
    let api_key = "sk-ant-api03-image-test-0123456789abcdefghij";
    {
        let first = Container::start("first", &net, Some(&volumes), tls.path());
        runtime().block_on(async {
            let stored = first
                .api("POST", &json!({"apiKey": api_key}).to_string())
                .await;
            assert_eq!(stored["success"], true, "{stored}");
        });
        first.stop();
        podman_ok(&["rm", &first.name]);
    }
    let second = Container::start("second", &net, Some(&volumes), tls.path());
    runtime().block_on(async {
        let status = second.api("GET", "").await;
        assert_eq!(status["authenticated"], true, "{status}");
        assert_eq!(status["method"], "api_key", "{status}");
        assert!(
            !status.to_string().contains(api_key),
            "the key is never shown"
        );
    });
}

#[test]
#[ignore = "needs the built image: make image-test"]
fn sigterm_stops_it_within_10_s_and_tells_a_live_flow() {
    let net = Net::new();
    let tls = tls_files();
    let container = Container::start("stop", &net, None, tls.path());
    let server = container.pid();
    runtime().block_on(async {
        let mut ws = container.socket().await;
        sign_in_link(&mut ws).await;
        let clis = child_pids(server);
        assert!(!clis.is_empty(), "the CLI runs under the server");

        let stop = tokio::task::spawn_blocking({
            let name = container.name.clone();
            move || {
                let began = Instant::now();
                let out = podman(&["stop", "--time", "10", &name]);
                (out, began.elapsed())
            }
        });
        let seen = until(&mut ws, "error", Duration::from_secs(15)).await;
        let error = &seen.last().unwrap()["data"];
        assert_eq!(error["reason"], "cancelled", "{seen:?}");
        let (out, took) = stop.await.unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(took < Duration::from_secs(10), "stopped after {took:?}");

        // Exit code 0: the server ended by itself, not by the SIGKILL.
        assert_eq!(container.inspect("{{.State.ExitCode}}"), "0");
        let mut all = clis;
        all.push(server);
        assert_gone(&all);
    });
}
