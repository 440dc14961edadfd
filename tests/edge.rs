//! Safe at the edge, tried as an attacker would against the real binary:
//! no server secret reaches a CLI, sockets without a key cost little and
//! not for long, nobody else's wrong keys lock the owner out, and a page on
//! a rebound name gets nothing.
#![cfg(feature = "ssr")]

mod support;

use std::{
    collections::BTreeMap,
    net::IpAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use futures_util::SinkExt;
use serde_json::{json, Value};
use support::{
    get, raw_request,
    ws::{closed, connect_as, recv, send, Ws},
    ScratchServer, Server, TEST_KEY,
};
use tokio_tungstenite::tungstenite::Message;

const SERVER_SECRET: &str = "operator-secret-0123456789";
const SERVER_API_KEY: &str = "sk-ant-api03-serverenvironmentkey0123456789abcdefghij";

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn connect(server: &Server) -> Ws {
    connect_as(&server.ws_url(), loopback(1))
        .await
        .expect("the websocket opens")
}

/// Frames until the first `event`; its data.
async fn until(ws: &mut Ws, event: &str) -> Value {
    loop {
        let frame = recv(ws).await;
        if frame["event"] == event {
            return frame["data"].clone();
        }
    }
}

/// The variables of a process, from `/proc/<pid>/environ`.
fn environ_of(pid: i32) -> BTreeMap<String, String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).expect("environ readable");
    parse_env(&String::from_utf8_lossy(&raw), '\0')
}

fn parse_env(text: &str, separator: char) -> BTreeMap<String, String> {
    text.split(separator)
        .filter_map(|entry| entry.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A `claude` that writes its environment to `dir/env-<run>` (login,
/// version, prompt), then becomes the fake CLI with the same environment.
fn env_dumping_cli(dir: &Path) -> PathBuf {
    support::script(
        dir,
        "claude",
        &format!(
            "case \"$1\" in --version) run=version;; -p) run=prompt;; *) run=login;; esac\n\
             env > '{}'/env-$run\n\
             exec {} \"$@\"",
            dir.display(),
            env!("CARGO_BIN_EXE_fake-claude")
        ),
    )
}

fn read_dump(dir: &Path, run: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join(format!("env-{run}")))
        .unwrap_or_else(|e| panic!("no environment written by the {run} run: {e}"));
    parse_env(&text, '\n')
}

/// What the environment of a CLI run must and must not hold.
fn assert_clean(run: &str, env: &BTreeMap<String, String>, expect_credential: bool) {
    for secret in ["DISPATCH_KEY", "OPERATOR_SECRET", "DISPATCH_CLI_ENV"] {
        assert!(!env.contains_key(secret), "{run} run got {secret}");
    }
    let values: Vec<&String> = env.values().collect();
    assert!(
        !values
            .iter()
            .any(|v| v.contains(TEST_KEY) || v.contains(SERVER_SECRET)),
        "{run} run got a secret's value under another name"
    );
    for wanted in [
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "CLAUDE_CONFIG_DIR",
        "OPERATOR_ADDED",
        "PATH",
        "HOME",
    ] {
        assert!(env.contains_key(wanted), "{run} run lacks {wanted}");
    }
    assert_eq!(
        env.get("HTTPS_PROXY").map(String::as_str),
        Some("http://proxy.internal:3128")
    );
    assert_eq!(
        env.get("ANTHROPIC_API_KEY").map(String::as_str),
        expect_credential.then_some(SERVER_API_KEY),
        "{run} run: the credential goes to prompts only"
    );
}

#[tokio::test]
async fn no_server_secret_reaches_any_cli_run_and_the_network_settings_do() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name).display().to_string();
    let cli = env_dumping_cli(tmp.path());
    let server = Server::start(&[
        ("DISPATCH_KEY", TEST_KEY),
        ("CLAUDE_CLI", cli.to_str().unwrap()),
        ("CLAUDE_CREDENTIALS_PATH", &dir("credentials")),
        ("DISPATCH_CREDENTIALS_KEY_FILE", &dir("key/credentials.key")),
        ("DISPATCH_PROJECTS_ROOT", &dir("projects")),
        ("HOME", tmp.path().to_str().unwrap()),
        ("ANTHROPIC_API_KEY", SERVER_API_KEY),
        ("OPERATOR_SECRET", SERVER_SECRET),
        ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ("https_proxy", "http://proxy.internal:3128"),
        ("NO_PROXY", "localhost"),
        ("NODE_EXTRA_CA_CERTS", "/etc/ssl/company-ca.pem"),
        ("SSL_CERT_FILE", "/etc/ssl/cert.pem"),
        ("CLAUDE_CONFIG_DIR", &dir("claude-config")),
        ("OPERATOR_ADDED", "yes"),
        // Named, yet never given to the login CLI: it would wait 3 s for
        // a browser (the fake does too).
        ("BROWSER", "/bin/true"),
        ("DISPLAY", ":0"),
        (
            "DISPATCH_CLI_ENV",
            "OPERATOR_ADDED,FAKE_CLAUDE_*,BROWSER,DISPLAY",
        ),
        ("FAKE_CLAUDE_SCENARIO", "success"),
    ]);

    // The status probe (`claude --version`).
    let status = get(&server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(status["cli"]["version"], "2.1.332", "{status}");
    assert_clean("version", &read_dump(tmp.path(), "version"), false);

    // `claude setup-token`, read from /proc while it waits for its code.
    let mut ws = connect(&server).await;
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    until(&mut ws, "claude.auth.url").await;
    let children = support::child_pids(server.pid());
    assert_eq!(children.len(), 1, "one CLI runs");
    let live = environ_of(children[0]);
    assert_clean("login", &live, false);
    assert_eq!(
        live.get("FAKE_CLAUDE_SCENARIO").map(String::as_str),
        Some("success"),
        "a DISPATCH_CLI_ENV prefix passes"
    );
    assert_eq!(live.get("TERM").map(String::as_str), Some("xterm-256color"));
    assert!(!live.contains_key("BROWSER") && !live.contains_key("DISPLAY"));
    send(&mut ws, "claude.auth.cancel", json!({"key": TEST_KEY})).await;
    until(&mut ws, "claude.auth.error").await;

    // A prompt (`claude -p`) gets the server's credential, and nothing else secret.
    let created = support::post_json(
        &server.url("/api/projects"),
        TEST_KEY,
        &json!({"name": "web"}).to_string(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    send(
        &mut ws,
        "claude.session.prompt",
        json!({"key": TEST_KEY, "project": "web", "prompt": "hello"}),
    )
    .await;
    until(&mut ws, "claude.session.result").await;
    assert_clean("prompt", &read_dump(tmp.path(), "prompt"), true);
}

#[test]
fn a_cli_env_naming_a_dispatch_setting_stops_the_start() {
    let cwd = tempfile::tempdir().unwrap();
    let output = support::command(
        &[
            ("DISPATCH_KEY", TEST_KEY),
            ("DISPATCH_CLI_ENV", "PATH,DISPATCH_KEY"),
        ],
        cwd.path(),
    )
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DISPATCH_KEY"), "{stderr}");
    assert!(stderr.contains("never reach the Claude CLI"), "{stderr}");
}

#[tokio::test]
async fn a_socket_that_shows_no_key_is_closed_with_the_servers_own_code() {
    let server = ScratchServer::start(&[("DISPATCH_SOCKET_KEY_WAIT_MS", "500")]);
    // Silent.
    let mut silent = connect(&server).await;
    assert_eq!(
        closed(&mut silent, Duration::from_secs(20)).await,
        Some(4401)
    );
    // Wrong keys do not count as a key.
    let mut wrong = connect(&server).await;
    send(&mut wrong, "hello", json!({"key": "wrong-key-0123456789"})).await;
    assert_eq!(
        until(&mut wrong, "claude.auth.error").await["reason"],
        "unauthorized"
    );
    assert_eq!(
        closed(&mut wrong, Duration::from_secs(20)).await,
        Some(4401)
    );
    // The right key in a hello keeps the socket.
    let mut greeted = connect(&server).await;
    send(&mut greeted, "hello", json!({"key": TEST_KEY})).await;
    assert_eq!(
        recv(&mut greeted).await,
        json!({"event": "hello", "data": {}})
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    send(&mut greeted, "claude.auth.start", json!({"key": TEST_KEY})).await;
    until(&mut greeted, "claude.auth.url").await;
}

#[tokio::test]
async fn the_default_wait_for_a_key_is_ten_seconds() {
    let server = ScratchServer::start(&[]);
    let mut silent = connect(&server).await;
    // Still open after 5 s: nothing comes, not even a close.
    let early = tokio::time::timeout(
        Duration::from_secs(5),
        closed(&mut silent, Duration::from_secs(60)),
    )
    .await;
    assert!(early.is_err(), "closed before its 10 s: {early:?}");
    assert_eq!(
        closed(&mut silent, Duration::from_secs(20)).await,
        Some(4401)
    );
}

#[tokio::test]
async fn an_idle_socket_is_closed_but_not_while_a_flow_or_prompt_lives() {
    let server = ScratchServer::start(&[("DISPATCH_SOCKET_IDLE_MS", "1000")]);
    let mut busy = connect(&server).await;
    send(&mut busy, "claude.auth.start", json!({"key": TEST_KEY})).await;
    until(&mut busy, "claude.auth.url").await;
    let mut idle = connect(&server).await;
    send(&mut idle, "hello", json!({"key": TEST_KEY})).await;
    until(&mut idle, "hello").await;
    assert_eq!(closed(&mut idle, Duration::from_secs(20)).await, Some(4408));
    // The socket with a flow outlived it, and still works.
    send(
        &mut busy,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "abc#def"}),
    )
    .await;
    until(&mut busy, "claude.auth.complete").await;
    // Its flow over, it goes idle too.
    assert_eq!(closed(&mut busy, Duration::from_secs(20)).await, Some(4408));
}

#[tokio::test]
async fn messages_past_64_kib_are_refused_unread_and_a_long_prompt_is_not() {
    let server = ScratchServer::start(&[("ANTHROPIC_API_KEY", SERVER_API_KEY)]);
    // 900 KiB, with no key: the socket is closed with "too big" (1009).
    let mut big = connect(&server).await;
    big.send(Message::text("x".repeat(900 * 1024)))
        .await
        .unwrap();
    assert!(
        matches!(
            closed(&mut big, Duration::from_secs(20)).await,
            Some(1009) | None
        ),
        "closed"
    );
    assert_eq!(get(&server.url("/healthz"), None).status, 200);

    // A prompt of 8,000 characters in a non-Latin script (24 KB of UTF-8)
    // is a prompt, not a size error.
    let created = support::post_json(
        &server.url("/api/projects"),
        TEST_KEY,
        &json!({"name": "web"}).to_string(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let mut ws = connect(&server).await;
    let prompt = "語".repeat(8_000);
    send(
        &mut ws,
        "claude.session.prompt",
        json!({"key": TEST_KEY, "project": "web", "prompt": prompt}),
    )
    .await;
    let started = recv(&mut ws).await;
    assert_eq!(started["event"], "claude.session.started", "{started}");
    until(&mut ws, "claude.session.result").await;
    // The sign-in's events keep their 16 KiB.
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "語".repeat(8_000)}),
    )
    .await;
    let refused = until(&mut ws, "claude.auth.error").await;
    assert_eq!(refused["reason"], "bad_request");
    assert!(refused["error"].as_str().unwrap().contains("bytes"));
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_sockets() {
    let server = ScratchServer::start(&[("DISPATCH_MAX_SOCKETS_PER_ADDRESS", "4")]);
    let url = server.ws_url();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_as(&url, loopback(2)).await.expect("within the cap"));
    }
    assert_eq!(connect_as(&url, loopback(2)).await.err(), Some(429));
    // Others are not affected.
    let mut other = connect_as(&url, loopback(3))
        .await
        .expect("another address");
    send(&mut other, "hello", json!({"key": TEST_KEY})).await;
    until(&mut other, "hello").await;
    // A closed socket frees its place.
    let mut first = held.remove(0);
    first.close(None).await.unwrap();
    let mut opened = None;
    for _ in 0..50 {
        if let Ok(ws) = connect_as(&url, loopback(2)).await {
            opened = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(opened.is_some(), "the place came back");
}

#[tokio::test]
async fn many_keyless_sockets_with_huge_frames_are_all_let_go() {
    let server = ScratchServer::start(&[("DISPATCH_SOCKET_KEY_WAIT_MS", "2000")]);
    let url = server.ws_url();
    let mut sockets = Vec::new();
    for i in 0..120u8 {
        // 30 per address, within the default cap of 32.
        let ws = connect_as(&url, loopback(10 + i / 30))
            .await
            .expect("opens");
        sockets.push(ws);
    }
    for (i, ws) in sockets.iter_mut().enumerate() {
        if i % 2 == 0 {
            let _ = ws.send(Message::text("x".repeat(900 * 1024))).await;
        }
    }
    for ws in &mut sockets {
        closed(ws, Duration::from_secs(30)).await;
    }
    // Every place is free again: a full share opens from the first address.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = Vec::new();
    for _ in 0..32 {
        again.push(connect_as(&url, loopback(10)).await.expect("places freed"));
    }
    assert_eq!(get(&server.url("/healthz"), None).status, 200);
}

#[tokio::test]
async fn the_right_key_is_never_refused_for_someone_elses_wrong_ones() {
    let server = ScratchServer::start(&[]);
    let mut attacker = connect(&server).await;
    let mut reasons = Vec::new();
    for _ in 0..12 {
        send(
            &mut attacker,
            "hello",
            json!({"key": "wrong-key-0123456789"}),
        )
        .await;
        reasons.push(until(&mut attacker, "claude.auth.error").await["reason"].clone());
    }
    assert!(
        reasons[..5].iter().all(|r| r == "unauthorized"),
        "{reasons:?}"
    );
    assert!(
        reasons[5..].iter().all(|r| r == "rate_limited"),
        "{reasons:?}"
    );
    let wrong = get(
        &server.url("/api/claude/auth"),
        Some("wrong-key-0123456789"),
    );
    assert_eq!(wrong.status, 429);
    // The owner, from the same address, right after.
    let mut owner = connect(&server).await;
    send(&mut owner, "hello", json!({"key": TEST_KEY})).await;
    until(&mut owner, "hello").await;
    send(&mut owner, "claude.auth.start", json!({"key": TEST_KEY})).await;
    until(&mut owner, "claude.auth.url").await;
    assert_eq!(
        get(&server.url("/api/claude/auth"), Some(TEST_KEY)).status,
        200
    );
}

fn host(server: &Server, name: &str) -> String {
    let port = server.base_url.rsplit(':').next().unwrap();
    format!("{name}:{port}")
}

#[test]
fn on_loopback_a_rebound_name_gets_421_everywhere() {
    let server = ScratchServer::start(&[("DISPATCH_ALLOWED_HOSTS", "tunnel.example")]);
    for path in ["/", "/settings", "/healthz", "/api/claude/auth", "/ws"] {
        let (status, body) = raw_request(
            &server.base_url,
            path,
            &[
                ("Host", &host(&server, "rebind.evil.example")),
                (
                    "Origin",
                    &format!("http://{}", host(&server, "rebind.evil.example")),
                ),
                ("Authorization", &format!("Bearer {TEST_KEY}")),
            ],
        );
        assert_eq!(status, 421, "{path}: {body}");
        assert!(body.contains("DISPATCH_ALLOWED_HOSTS"), "{body}");
    }
    for name in ["localhost", "127.0.0.1", "[::1]", "tunnel.example"] {
        let (status, _) = raw_request(
            &server.base_url,
            "/healthz",
            &[("Host", &host(&server, name))],
        );
        assert_eq!(status, 200, "{name}");
    }
}

#[test]
fn off_loopback_addresses_and_named_hosts_pass_and_others_are_named() {
    let server = ScratchServer::start(&[
        ("DISPATCH_ADDR", "0.0.0.0:0"),
        ("DISPATCH_INSECURE_HTTP", "true"),
        ("DISPATCH_ALLOWED_HOSTS", "dispatch.lan"),
    ]);
    for name in [
        "192.168.1.5",
        "10.0.0.7",
        "[2001:db8::5]",
        "dispatch.lan",
        "localhost",
    ] {
        let (status, _) = raw_request(
            &server.base_url,
            "/healthz",
            &[("Host", &host(&server, name))],
        );
        assert_eq!(status, 200, "{name}");
    }
    let (status, body) = raw_request(
        &server.base_url,
        "/healthz",
        &[("Host", &host(&server, "other.lan"))],
    );
    assert_eq!(status, 421);
    assert!(
        body.contains("\"other.lan\"") && body.contains("DISPATCH_ALLOWED_HOSTS"),
        "{body}"
    );
}

#[test]
fn a_trusted_proxy_names_the_host_it_forwards() {
    let server = ScratchServer::start(&[("DISPATCH_TRUSTED_PROXIES", "127.0.0.1")]);
    let (status, _) = raw_request(
        &server.base_url,
        "/healthz",
        &[
            ("Host", "dispatch.example.com"),
            ("X-Forwarded-Host", "dispatch.example.com"),
            ("X-Forwarded-Proto", "https"),
        ],
    );
    assert_eq!(status, 200);
    // Without its word, the name is checked like any other.
    let (status, _) = raw_request(
        &server.base_url,
        "/healthz",
        &[("Host", "dispatch.example.com")],
    );
    assert_eq!(status, 421);
}

#[test]
fn an_unnamed_proxy_on_the_same_machine_that_passes_the_host_on_still_works() {
    // Caddy's default: the browser's Host, and the same in X-Forwarded-Host.
    let server = ScratchServer::start(&[]);
    let (status, _) = raw_request(
        &server.base_url,
        "/healthz",
        &[
            ("Host", "dispatch.example.com"),
            ("X-Forwarded-Host", "dispatch.example.com"),
            ("X-Forwarded-For", "203.0.113.9"),
        ],
    );
    assert_eq!(status, 200);
    // A header that names another host vouches for nothing.
    let (status, _) = raw_request(
        &server.base_url,
        "/healthz",
        &[
            ("Host", "rebind.evil.example"),
            ("X-Forwarded-Host", "localhost"),
        ],
    );
    assert_eq!(status, 421);
}
