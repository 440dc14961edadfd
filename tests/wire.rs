//! The wire, driven the way any client would: a plain websocket client and
//! an HTTP client against the real server binary, with the fake CLI.
#![cfg(feature = "ssr")]

mod support;

use std::{path::PathBuf, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::{
    get,
    ws::{recv, send, Ws, WAIT},
    Server, TEST_KEY,
};
use tokio_tungstenite::tungstenite::Message;
const FAKE_TOKEN: &str = "sk-ant-oat01-FAKEfakeFAKEfake0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcdefAA";

/// A server with the fake CLI, scratch credentials, and what the fake typed.
struct Setup {
    server: Server,
    tmp: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Setup {
    fn start(scenario: &str, extra: &[(&str, &str)]) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let dir = |name: &str| tmp.path().join(name).display().to_string();
        let (creds, key, log) = (dir("credentials"), dir("key/credentials.key"), dir("typed"));
        let mut env: Vec<(&str, &str)> = vec![
            ("DISPATCH_KEY", TEST_KEY),
            ("CLAUDE_CLI", env!("CARGO_BIN_EXE_fake-claude")),
            // The fake's settings reach it as an operator's would.
            ("DISPATCH_CLI_ENV", "FAKE_CLAUDE_*"),
            ("FAKE_CLAUDE_SCENARIO", scenario),
            ("FAKE_CLAUDE_LOG", &log),
            ("CLAUDE_CREDENTIALS_PATH", &creds),
            ("DISPATCH_CREDENTIALS_KEY_FILE", &key),
            ("HOME", tmp.path().to_str().unwrap()),
        ];
        env.extend_from_slice(extra);
        let server = Server::start(&env);
        let env = env
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Setup { server, tmp, env }
    }

    /// A new server on the same credentials, once the old one has exited.
    fn restart(&mut self) {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.server = Server::start(&env);
    }

    fn typed(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("typed")).unwrap_or_default()
    }

    fn ws_url(&self) -> String {
        self.server.ws_url()
    }

    async fn connect(&self) -> Ws {
        self.connect_from(None).await.expect("the websocket opens")
    }

    async fn connect_from(&self, origin: Option<&str>) -> Result<Ws, u16> {
        support::ws::connect(&self.ws_url(), origin).await
    }

    /// Processes the server runs now (its CLIs).
    fn children(&self) -> usize {
        support::children_of(self.server.pid()).len()
    }
}

/// Frames up to and including the first `claude.auth.<name>`.
async fn until(ws: &mut Ws, name: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let frame = recv(ws).await;
        let done = frame["event"] == format!("claude.auth.{name}");
        seen.push(frame);
        if done {
            return seen;
        }
    }
}

async fn last(ws: &mut Ws, name: &str) -> Value {
    until(ws, name).await.pop().unwrap()["data"].clone()
}

/// Starts a flow and waits for its link; the `claude.auth.url` data.
async fn start_flow(ws: &mut Ws) -> Value {
    send(ws, "claude.auth.start", key()).await;
    last(ws, "url").await
}

async fn send_code(ws: &mut Ws, code: impl serde::Serialize) {
    send(
        ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": code}),
    )
    .await;
}

fn key() -> Value {
    json!({"key": TEST_KEY})
}

async fn expect_error(ws: &mut Ws, reason: &str) -> Value {
    let data = last(ws, "error").await;
    assert_eq!(data["reason"], reason, "{data}");
    assert_eq!(data["success"], false);
    assert!(data["error"].as_str().is_some_and(|e| !e.is_empty()));
    data
}

#[tokio::test]
async fn a_whole_flow_over_the_websocket_stores_the_token() {
    let setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    send(&mut ws, "claude.auth.start", key()).await;
    let frames = until(&mut ws, "url").await;
    assert_eq!(frames[0]["event"], "claude.auth.progress");
    assert_eq!(frames[0]["data"]["stage"], "starting");
    let url = frames.last().unwrap()["data"].clone();
    assert!(url["url"]
        .as_str()
        .unwrap()
        .starts_with("https://claude.ai/oauth/authorize?"));
    assert!(url["instructions"].as_str().unwrap().contains("code"));
    assert_eq!(url["flow"].as_str().unwrap().len(), 22);
    let now_ms = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let expires = url["expiresAt"].as_u64().unwrap();
    assert!(
        expires > now_ms + 590_000 && expires < now_ms + 610_000,
        "{expires} vs {now_ms}"
    );

    send_code(&mut ws, "abc123#def456").await;
    let frames = until(&mut ws, "complete").await;
    assert!(frames.iter().any(|f| f["data"]["stage"] == "validating"));
    assert_eq!(frames.last().unwrap()["data"], json!({"success": true}));
    for frame in &frames {
        assert!(!frame.to_string().contains("sk-ant-oat01"), "{frame}");
    }

    let status = get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(status["authenticated"], true);
    assert_eq!(status["method"], "oauth_token");
    assert_eq!(status["source"], "dispatch");
    assert_eq!(setup.typed(), "abc123#def456\r");
}

#[tokio::test]
async fn a_foreign_or_null_origin_gets_403_and_no_cli() {
    let setup = Setup::start(
        "success",
        &[("DISPATCH_ALLOWED_ORIGINS", "https://phone.example")],
    );
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        assert_eq!(
            setup.connect_from(Some(origin)).await.err(),
            Some(403),
            "{origin}"
        );
    }
    assert_eq!(setup.children(), 0);
    let same = setup.server.base_url.clone();
    assert!(setup.connect_from(Some(&same)).await.is_ok());
    assert!(setup
        .connect_from(Some("https://phone.example"))
        .await
        .is_ok());
    assert!(
        setup.connect_from(None).await.is_ok(),
        "scripts send no Origin"
    );
}

#[tokio::test]
async fn wrong_keys_are_refused_then_rate_limited_and_the_right_one_still_passes() {
    let setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    for _ in 0..5 {
        send(
            &mut ws,
            "claude.auth.start",
            json!({"key": "wrong-key-0123456789"}),
        )
        .await;
        expect_error(&mut ws, "unauthorized").await;
    }
    send(
        &mut ws,
        "claude.auth.start",
        json!({"key": "wrong-key-0123456789"}),
    )
    .await;
    expect_error(&mut ws, "rate_limited").await;
    // Over HTTP too, for the wrong ones.
    let answer = get(
        &setup.server.url("/api/claude/auth"),
        Some("wrong-key-0123456789"),
    );
    assert_eq!(answer.status, 429);
    assert_eq!(answer.json()["reason"], "rate_limited");
    assert_eq!(setup.children(), 0);
    assert_eq!(setup.typed(), "");
    // The right key is never held back by wrong ones.
    let answer = get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY));
    assert_eq!(answer.status, 200);
    start_flow(&mut ws).await;
}

#[tokio::test]
async fn flow_starts_are_limited_per_address() {
    let setup = Setup::start("success", &[("DISPATCH_MAX_FLOWS", "20")]);
    let mut ws = setup.connect().await;
    for _ in 0..10 {
        send(&mut ws, "claude.auth.start", key()).await;
        until(&mut ws, "progress").await;
    }
    send(&mut ws, "claude.auth.start", key()).await;
    expect_error(&mut ws, "rate_limited").await;
}

#[tokio::test]
async fn past_the_global_cap_starts_are_busy() {
    let setup = Setup::start("success", &[("DISPATCH_MAX_FLOWS", "2")]);
    let mut a = setup.connect().await;
    let mut b = setup.connect().await;
    let mut c = setup.connect().await;
    start_flow(&mut a).await;
    start_flow(&mut b).await;
    send(&mut c, "claude.auth.start", key()).await;
    let data = expect_error(&mut c, "busy").await;
    assert_eq!(data["retry"], false);
    // A flow that ends frees its place.
    send(&mut a, "claude.auth.cancel", key()).await;
    expect_error(&mut a, "cancelled").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    start_flow(&mut c).await;
}

#[tokio::test]
async fn a_disabled_login_says_so_everywhere() {
    let setup = Setup::start("success", &[("CLAUDE_AUTH_ENABLED", "false")]);
    let mut ws = setup.connect().await;
    send(&mut ws, "claude.auth.start", key()).await;
    expect_error(&mut ws, "disabled").await;
    assert_eq!(setup.children(), 0);
    let status = get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(status["enabled"], false);
    let answer = support::post_json(
        &setup.server.url("/api/claude/auth"),
        TEST_KEY,
        &json!({"apiKey": "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"}).to_string(),
    );
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["reason"], "disabled");
}

#[tokio::test]
async fn hostile_frames_get_clear_errors_and_never_reach_the_terminal() {
    let setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    let hostile: Vec<Message> = vec![
        Message::text("not json"),
        Message::text("{\"event\": 5}"),
        Message::text("[]"),
        Message::text(json!({"event": "claude.auth.launch", "data": key()}).to_string()),
        Message::text(json!({"event": "claude.auth.start", "data": {}}).to_string()),
        Message::text(json!({"event": "claude.auth.start", "data": {"key": 42}}).to_string()),
        Message::text(json!({"event": "claude.auth.code", "data": {"key": TEST_KEY}}).to_string()),
        Message::text(json!({"event": "claude.auth.resume", "data": key()}).to_string()),
        Message::binary(vec![0u8, 1, 2, 3]),
        Message::text(json!({"event": "claude.auth.code", "data": {"key": TEST_KEY, "code": "x".repeat(20_000)}}).to_string()),
    ];
    for frame in hostile {
        let shown = format!("{frame:?}").chars().take(80).collect::<String>();
        ws.send(frame).await.unwrap();
        let data = expect_error(&mut ws, "bad_request").await;
        assert!(
            data["error"].as_str().unwrap().len() < 400,
            "{shown}: {data}"
        );
    }
    // Events that need a flow, without one.
    for event in ["claude.auth.retry", "claude.auth.cancel"] {
        send(&mut ws, event, key()).await;
        expect_error(&mut ws, "no_flow").await;
    }
    send_code(&mut ws, "abc#def").await;
    expect_error(&mut ws, "no_flow").await;
    send(
        &mut ws,
        "claude.auth.resume",
        json!({"key": TEST_KEY, "flow": "no-such-flow"}),
    )
    .await;
    expect_error(&mut ws, "no_flow").await;

    // With a flow: codes that fail validation are refused, nothing is typed.
    start_flow(&mut ws).await;
    for code in [
        "abc\u{1b}[2J#def".to_owned(),
        "abc#def\u{7}".to_owned(),
        "abc#def\u{1b}]8;;http://x\u{7}".to_owned(),
        "abc\r\n#def\u{3}".to_owned(),
        "no-hash-here".to_owned(),
        format!("{}#b", "a".repeat(10 * 1024)),
    ] {
        send_code(&mut ws, code).await;
        let data = expect_error(&mut ws, "invalid_code").await;
        assert_eq!(data["retry"], true);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        setup.typed(),
        "",
        "nothing that failed validation was typed"
    );
    // The flow still works.
    send_code(&mut ws, "abc#def").await;
    until(&mut ws, "complete").await;
}

#[tokio::test]
async fn a_flood_is_slowed_down_and_others_are_still_served() {
    let setup = Setup::start("success", &[]);
    let mut flooder = setup.connect().await;
    for _ in 0..300 {
        flooder.send(Message::text("{}")).await.unwrap();
    }
    let mut reasons = Vec::new();
    for _ in 0..45 {
        reasons.push(recv(&mut flooder).await["data"]["reason"].clone());
        if reasons.last() == Some(&json!("rate_limited")) {
            break;
        }
    }
    assert_eq!(reasons.last(), Some(&json!("rate_limited")), "{reasons:?}");
    let mut other = setup.connect().await;
    start_flow(&mut other).await;
    assert_eq!(get(&setup.server.url("/healthz"), None).status, 200);
}

#[tokio::test]
async fn a_dropped_connection_resumes_the_same_flow() {
    let setup = Setup::start("success", &[("DISPATCH_RESUME_GRACE_MS", "1500")]);
    let mut ws = setup.connect().await;
    let url = start_flow(&mut ws).await;
    drop(ws);
    let mut again = setup.connect().await;
    send(
        &mut again,
        "claude.auth.resume",
        json!({"key": TEST_KEY, "flow": url["flow"]}),
    )
    .await;
    let resumed = last(&mut again, "url").await;
    assert_eq!(resumed["url"], url["url"]);
    assert_eq!(resumed["flow"], url["flow"]);
    send_code(&mut again, "abc#def").await;
    until(&mut again, "complete").await;
}

#[tokio::test]
async fn after_the_grace_a_dropped_flow_is_gone() {
    let setup = Setup::start("success", &[("DISPATCH_RESUME_GRACE_MS", "500")]);
    let mut ws = setup.connect().await;
    let url = start_flow(&mut ws).await;
    assert_eq!(setup.children(), 1);
    drop(ws);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(setup.children(), 0, "the CLI was killed and reaped");
    let mut again = setup.connect().await;
    send(
        &mut again,
        "claude.auth.resume",
        json!({"key": TEST_KEY, "flow": url["flow"]}),
    )
    .await;
    expect_error(&mut again, "no_flow").await;
}

#[tokio::test]
async fn two_tabs_hold_two_independent_flows() {
    let setup = Setup::start("network", &[]);
    let mut a = setup.connect().await;
    let mut b = setup.connect().await;
    send(&mut a, "claude.auth.start", key()).await;
    send(&mut b, "claude.auth.start", key()).await;
    let url_a = last(&mut a, "url").await;
    let url_b = last(&mut b, "url").await;
    assert_ne!(url_a["flow"], url_b["flow"]);
    assert_ne!(url_a["url"], url_b["url"]);
    send_code(&mut a, "only#a").await;
    expect_error(&mut a, "network").await;
    // Tab B heard nothing of A's code, and its flow still waits for a code.
    send(&mut b, "claude.auth.retry", key()).await;
    let again = last(&mut b, "url").await;
    assert_eq!(again["url"], url_b["url"]);
    assert_eq!(setup.children(), 2);
}

#[tokio::test]
async fn a_second_start_ends_the_first_flow_of_the_connection() {
    let setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    let first = start_flow(&mut ws).await;
    let second = start_flow(&mut ws).await;
    assert_ne!(first["flow"], second["flow"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(setup.children(), 1);
}

#[tokio::test]
async fn the_api_key_endpoints_store_check_and_remove() {
    let setup = Setup::start("success", &[]);
    let url = setup.server.url("/api/claude/auth");
    let api_key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
    for (body, why) in [
        ("not json".to_owned(), "not JSON"),
        (json!({}).to_string(), "no apiKey"),
        (json!({"apiKey": 7}).to_string(), "wrong type"),
        (json!({"apiKey": "hello"}).to_string(), "no prefix"),
        (
            json!({"apiKey": "sk-ant-api03-abc\ndef-ghi-jkl-mno"}).to_string(),
            "newline",
        ),
        (
            json!({"apiKey": format!("sk-ant-{}", "a".repeat(10_000))}).to_string(),
            "too long",
        ),
    ] {
        let answer = support::post_json(&url, TEST_KEY, &body);
        assert_eq!(answer.status, 400, "{why}");
        let data = answer.json();
        assert_eq!(data["reason"], "bad_request", "{why}");
        assert_eq!(data["success"], false, "{why}");
    }
    assert_eq!(
        support::post_json(&url, "wrong-key-0123456789", "{}").status,
        401
    );
    let answer = support::post_json(&url, TEST_KEY, &json!({"apiKey": api_key}).to_string());
    assert_eq!(
        (answer.status, answer.json()),
        (200, json!({"success": true}))
    );
    let status = get(&url, Some(TEST_KEY)).json();
    assert_eq!(
        (status["method"].clone(), status["source"].clone()),
        (json!("api_key"), json!("dispatch"))
    );
    assert!(!get(&url, Some(TEST_KEY)).body.contains(api_key));

    let answer = support::delete(&url, TEST_KEY);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["removed"], true);
    assert_eq!(get(&url, Some(TEST_KEY)).json()["authenticated"], false);
    assert_eq!(support::delete(&url, TEST_KEY).json()["removed"], false);
}

#[tokio::test]
async fn logout_says_what_it_cannot_remove() {
    let setup = Setup::start(
        "success",
        &[("ANTHROPIC_API_KEY", "sk-ant-api03-from-the-environment")],
    );
    let answer = support::delete(&setup.server.url("/api/claude/auth"), TEST_KEY);
    let data = answer.json();
    assert_eq!(data["authenticated"], true);
    assert!(
        data["note"].as_str().unwrap().contains("environment"),
        "{data}"
    );
}

#[tokio::test]
async fn no_token_or_api_key_ever_appears_in_a_frame_or_a_log_line() {
    let mut setup = Setup::start("success", &[("RUST_LOG", "debug")]);
    let mut ws = setup.connect().await;
    send(&mut ws, "claude.auth.start", key()).await;
    let mut frames = until(&mut ws, "url").await;
    send_code(&mut ws, "abc123#def456").await;
    frames.extend(until(&mut ws, "complete").await);
    let api_key = "sk-ant-api03-secretsecretsecretsecret";
    support::post_json(
        &setup.server.url("/api/claude/auth"),
        TEST_KEY,
        &json!({"apiKey": api_key}).to_string(),
    );
    get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logs = setup.server.logs().join("\n");
    assert!(
        logs.contains("stored"),
        "the log says what happened: {logs}"
    );
    for secret in [FAKE_TOKEN, api_key, TEST_KEY, "abc123#def456"] {
        assert!(!logs.contains(secret), "{secret} in the log");
        for frame in &frames {
            assert!(!frame.to_string().contains(secret), "{secret} in {frame}");
        }
    }
    let stored =
        std::fs::read(setup.tmp.path().join("credentials/dispatch-credential.enc")).unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("sk-ant"));
    let _: PathBuf = setup.tmp.path().to_path_buf();
}

#[tokio::test]
async fn sigterm_tells_live_flows_the_server_restarts_and_kills_their_clis() {
    let mut setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    start_flow(&mut ws).await;
    let clis = support::child_pids(setup.server.pid());
    assert_eq!(clis.len(), 1);
    support::signal(setup.server.pid(), "TERM");
    let data = expect_error(&mut ws, "cancelled").await;
    assert!(
        data["error"].as_str().unwrap().contains("restarting"),
        "{data}"
    );
    assert_eq!(data["retry"], false);
    let status = setup
        .server
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits within 5 s");
    assert!(status.success(), "{status:?}");
    support::assert_gone(&clis);
}

/// A flow whose code was sent `sigterm_after` before the server got
/// SIGTERM: what the browser heard last (`complete`, an error's reason or
/// `nothing`) and the method the next server start finds stored.
async fn sigterm_during_exchange(sigterm_after: Option<Duration>) -> (String, String, Duration) {
    let mut setup = Setup::start("success", &[]);
    let old = support::post_json(
        &setup.server.url("/api/claude/auth"),
        TEST_KEY,
        r#"{"apiKey":"sk-ant-api03-the-old-one-0123456789abcdefghijklmnopqrstuvwxyz"}"#,
    );
    assert_eq!(old.status, 200);
    let mut ws = setup.connect().await;
    start_flow(&mut ws).await;
    send_code(&mut ws, "abc123#def456").await;
    let sent = std::time::Instant::now();
    if let Some(after) = sigterm_after {
        tokio::time::sleep(after).await;
        support::signal(setup.server.pid(), "TERM");
    }
    let mut heard = "nothing".to_owned();
    let mut took = Duration::ZERO;
    while let Ok(Some(Ok(message))) = tokio::time::timeout(WAIT, ws.next()).await {
        let Message::Text(text) = message else {
            continue;
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        match frame["event"].as_str() {
            Some("claude.auth.complete") => heard = "complete".into(),
            Some("claude.auth.error") => heard = frame["data"]["reason"].as_str().unwrap().into(),
            _ => continue,
        }
        took = sent.elapsed();
        if sigterm_after.is_none() {
            support::signal(setup.server.pid(), "TERM");
        }
    }
    let status = setup
        .server
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits within 5 s");
    assert!(status.success(), "{status:?}");
    let files: Vec<String> = std::fs::read_dir(setup.tmp.path().join("credentials"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The credential, and the activity list when the sign-in ended first.
    assert!(
        files
            .iter()
            .all(|f| f == "dispatch-credential.enc" || f == "dispatch-activity.jsonl"),
        "a temporary file was left: {files:?}"
    );
    setup.restart();
    let status = get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(status["authenticated"], true, "{status}");
    (heard, status["method"].as_str().unwrap().to_owned(), took)
}

/// SIGTERM while a captured token is being stored: the write completes or
/// the old credential stays, whole either way, and no temporary file is
/// left. The signal's moment sweeps across the token's arrival (measured
/// first), so runs land before it, after it, and around the store.
#[tokio::test]
async fn sigterm_while_a_token_is_stored_keeps_the_old_or_the_new_credential_whole() {
    let (heard, method, exchange) = sigterm_during_exchange(None).await;
    assert_eq!(
        (heard.as_str(), method.as_str()),
        ("complete", "oauth_token")
    );
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let first = exchange.saturating_sub(Duration::from_millis(20));
    for step in 0..20 {
        let after = first + Duration::from_millis(2 * step);
        let (heard, method, _) = sigterm_during_exchange(Some(after)).await;
        match heard.as_str() {
            "complete" => assert_eq!(method, "oauth_token", "{after:?}"),
            "cancelled" => assert_eq!(method, "api_key", "{after:?}"),
            "nothing" => assert!(["oauth_token", "api_key"].contains(&method.as_str())),
            other => panic!("{after:?}: unexpected {other}"),
        }
        *seen.entry(format!("{heard} -> {method}")).or_default() += 1;
    }
    eprintln!("exchange {exchange:?}; heard -> stored: {seen:?}");
}

#[tokio::test]
async fn metrics_count_flows_by_outcome_behind_the_key() {
    let setup = Setup::start("success", &[]);
    let mut ws = setup.connect().await;
    start_flow(&mut ws).await;
    send_code(&mut ws, "abc#def").await;
    until(&mut ws, "complete").await;
    start_flow(&mut ws).await;
    send(&mut ws, "claude.auth.cancel", key()).await;
    expect_error(&mut ws, "cancelled").await;
    start_flow(&mut ws).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let url = setup.server.url("/metrics");
    assert_eq!(get(&url, None).status, 401);
    let answer = get(&url, Some(TEST_KEY));
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("text/plain; version=0.0.4"));
    for line in [
        "dispatch_login_flows_started_total 3",
        "dispatch_login_flows_completed_total 1",
        "dispatch_login_flows_failed_total{reason=\"cancelled\"} 1",
        "dispatch_login_flow_duration_seconds_count 2",
        "dispatch_login_flows_live 1",
        "dispatch_running_clis 1",
        "dispatch_websocket_connections 1",
    ] {
        assert!(
            answer.body.lines().any(|l| l == line),
            "{line} missing from\n{}",
            answer.body
        );
    }
}
