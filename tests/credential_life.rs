//! The stored credential's life through the running server: its dates in
//! `GET /api/claude/auth` (across a restart), the 30-day window, and an
//! expired or refused credential that is kept but no longer counts.
#![cfg(feature = "ssr")]

mod support;

use std::path::Path;

use dispatch::protocol::{time::parse_iso8601, AuthMethod};
use dispatch::server::claude::{
    credential_life::{now, CredentialLife},
    credentials::{Credential, CredentialStore},
};
use serde_json::{json, Value};
use support::{
    delete, get, post_json,
    ws::{connect, recv, send},
    Server, TEST_KEY,
};

const DAY: i64 = 86_400;

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn store(&self) -> CredentialStore {
        CredentialStore::new(
            self.dir.path().join("credentials"),
            self.dir.path().join("key/credentials.key"),
        )
    }

    /// A token stored `days_ago`, as Dispatch would have stored it.
    fn token_stored(&self, days_ago: i64) {
        self.store()
            .save(&Credential {
                method: AuthMethod::OauthToken,
                secret: "sk-ant-oat01-stored-for-the-test".to_owned().into(),
                life: CredentialLife {
                    stored_at: now() - days_ago * DAY,
                    rejected_at: None,
                },
            })
            .expect("the test credential is stored");
    }

    fn start(&self) -> Server {
        support::start_with(&support::scratch_env(self.dir.path()))
    }
}

fn status(server: &Server) -> Value {
    get(&server.url("/api/claude/auth"), Some(TEST_KEY)).json()
}

fn expiry_metric(server: &Server) -> Option<i64> {
    get(&server.url("/metrics"), Some(TEST_KEY))
        .body
        .lines()
        .find_map(|l| l.strip_prefix("dispatch_credential_expiry_timestamp_seconds "))
        .map(|v| v.parse().expect("a number"))
}

fn iso(value: &Value) -> i64 {
    parse_iso8601(value.as_str().expect("an ISO 8601 text")).expect("an ISO 8601 time")
}

#[test]
fn nothing_stored_says_null() {
    let scratch = Scratch::new();
    let server = scratch.start();
    let body = status(&server);
    assert_eq!(body["credential"], Value::Null, "{body}");
    assert_eq!(body["authenticated"], false);
    assert_eq!(expiry_metric(&server), None);
}

#[test]
fn a_token_has_its_dates_and_says_when_it_is_expiring() {
    let scratch = Scratch::new();
    scratch.token_stored(10);
    let server = scratch.start();
    let body = status(&server);
    let stored = iso(&body["credential"]["storedAt"]);
    let expires = iso(&body["credential"]["expiresAt"]);
    assert!((now() - 10 * DAY - stored).abs() < 60, "{body}");
    assert_eq!(expires - stored, 365 * DAY);
    assert_eq!(body["credential"]["state"], "ok");
    assert_eq!(body["authenticated"], true);
    assert_eq!(body["source"], "dispatch");
    assert_eq!(expiry_metric(&server), Some(expires));
    drop(server);

    // 30 days or less left: expiring, and still used.
    scratch.token_stored(340);
    let server = scratch.start();
    let body = status(&server);
    assert_eq!(body["credential"]["state"], "expiring", "{body}");
    assert_eq!(body["authenticated"], true);
}

#[test]
fn an_expired_or_refused_credential_is_kept_but_no_longer_counts() {
    let scratch = Scratch::new();
    scratch.token_stored(366);
    let server = scratch.start();
    let body = status(&server);
    assert_eq!(body["credential"]["state"], "expired", "{body}");
    assert_eq!(body["authenticated"], false, "{body}");
    assert_eq!(body["source"], Value::Null);
    drop(server);

    scratch.token_stored(5);
    assert!(scratch.store().mark_rejected(now()).unwrap());
    let server = scratch.start();
    let body = status(&server);
    assert_eq!(body["credential"]["state"], "rejected", "{body}");
    assert_eq!(body["authenticated"], false);
    assert!(Path::new(&scratch.store().path()).exists(), "kept");
}

#[test]
fn an_api_key_keeps_its_stored_date_across_a_restart_and_never_expires() {
    let scratch = Scratch::new();
    let server = scratch.start();
    let stored = post_json(
        &server.url("/api/claude/auth"),
        TEST_KEY,
        r#"{"apiKey": "sk-ant-api03-life-test-0123456789abcdefghij"}"#,
    );
    assert_eq!(stored.status, 200, "{}", stored.body);
    let first = status(&server);
    drop(server);
    let server = scratch.start();
    let again = status(&server);
    assert_eq!(again["credential"], first["credential"], "{again}");
    assert_eq!(again["credential"]["expiresAt"], Value::Null);
    assert_eq!(again["credential"]["state"], "ok");
    assert!((now() - iso(&again["credential"]["storedAt"])).abs() < 120);
    assert_eq!(expiry_metric(&server), None, "an API key has no expiry");
}

fn activity(server: &Server) -> Vec<Value> {
    let body = get(&server.url("/api/claude/activity"), Some(TEST_KEY)).json();
    body["events"].as_array().expect("events").clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_change_is_in_the_activity_newest_first_and_never_a_secret() {
    let scratch = Scratch::new();
    let server = scratch.start();
    assert!(activity(&server).is_empty());
    let api_key = "sk-ant-api03-activity-0123456789abcdefghij";
    let stored = post_json(
        &server.url("/api/claude/auth"),
        TEST_KEY,
        &json!({ "apiKey": api_key }).to_string(),
    );
    assert_eq!(stored.status, 200);
    assert_eq!(
        delete(&server.url("/api/claude/auth"), TEST_KEY).status,
        200
    );

    // A sign-in through the websocket, as the page does it.
    let ws_url = server.base_url.replacen("http://", "ws://", 1) + "/ws";
    let mut ws = connect(&ws_url, None).await.expect("the socket opens");
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    while recv(&mut ws).await["event"] != "claude.auth.url" {}
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "abc123#def456"}),
    )
    .await;
    while recv(&mut ws).await["event"] != "claude.auth.complete" {}

    // Written before the page hears the sign-in: a page that reads the
    // activity then finds it.
    let events = activity(&server);
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["signed_in", "signed_out", "api_key_stored"],
        "{events:?}"
    );
    for event in &events {
        assert_eq!(event["ip"], "127.0.0.1", "{event}");
        assert!((now() - iso(&event["at"])).abs() < 120, "{event}");
    }
    assert_eq!(events[0]["method"], "oauth_token");
    assert_eq!(events[2]["method"], "api_key");

    let file = scratch
        .dir
        .path()
        .join("credentials/dispatch-activity.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("sk-ant") && !text.contains("abc123"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

fn check(server: &Server) -> Value {
    let answer = post_json(&server.url("/api/claude/auth/check"), TEST_KEY, "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

#[test]
fn the_check_says_whether_the_cli_sees_what_a_run_would_get() {
    let scratch = Scratch::new();
    let server = scratch.start();
    let refused = post_json(&server.url("/api/claude/auth/check"), "wrong", "");
    assert_eq!(refused.status, 401);

    let body = check(&server);
    assert_eq!(body["available"], true, "{body}");
    assert_eq!(body["cliLoggedIn"], false);
    assert_eq!(body["cliAuthMethod"], "none");
    assert_eq!(body["expected"], Value::Null);
    assert_eq!(body["agrees"], true, "signed out on both sides");

    let stored = post_json(
        &server.url("/api/claude/auth"),
        TEST_KEY,
        r#"{"apiKey": "sk-ant-api03-check-test-0123456789abcdefghij"}"#,
    );
    assert_eq!(stored.status, 200);
    let body = check(&server);
    assert_eq!(body["cliAuthMethod"], "api_key", "{body}");
    assert_eq!(body["expected"], "api_key");
    assert_eq!(body["agrees"], true);
    drop(server);

    // An expired token is not passed: the CLI is not signed in, and that is
    // what Dispatch expects.
    scratch.token_stored(400);
    let server = scratch.start();
    let body = check(&server);
    assert_eq!(body["cliLoggedIn"], false, "{body}");
    assert_eq!(body["agrees"], true);
}

#[test]
fn a_cli_without_auth_status_is_said_to_lack_the_check() {
    let scratch = Scratch::new();
    // What 2.0.14 does (tests/fixtures/claude-cli/README.md, "Login state").
    let old = support::script(
        scratch.dir.path(),
        "claude-2.0.14",
        r#"case "$1" in
  --version) echo "2.0.14 (Claude Code)" ;;
  *) echo "error: unknown option '--json'" >&2; exit 1 ;;
esac"#,
    );
    let mut env = support::scratch_env(scratch.dir.path());
    env.push(("CLAUDE_CLI".into(), old.display().to_string()));
    let server = support::start_with(&env);
    let body = check(&server);
    assert_eq!(body["available"], false, "{body}");
    assert_eq!(body["agrees"], Value::Null);
    let note = body["note"].as_str().expect("a note");
    assert!(note.contains("2.0.14") && note.contains("2.1"), "{note}");
}

#[test]
fn the_real_cli_sees_the_token_dispatch_passes() {
    support::netns::block_on_inside(
        "the_real_cli_sees_the_token_dispatch_passes",
        real_cli_check,
    );
}

async fn real_cli_check() {
    let cli = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/claude");
    assert!(
        cli.exists(),
        "run scripts/setup.sh: {} is missing",
        cli.display()
    );
    let scratch = Scratch::new();
    scratch.token_stored(10);
    let mut env = support::scratch_env(scratch.dir.path());
    env.push(("CLAUDE_CLI".into(), cli.display().to_string()));
    let server = support::start_with(&env);
    let (body, server) = tokio::task::spawn_blocking(move || (check(&server), server))
        .await
        .expect("the check runs");
    let mut server = server;
    assert_eq!(body["available"], true, "{body} {:?}", server.logs());
    assert_eq!(body["cliLoggedIn"], true);
    assert_eq!(body["cliAuthMethod"], "oauth_token");
    assert_eq!(body["agrees"], true);
}
