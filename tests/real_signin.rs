//! A whole sign-in with the real CLI, through the server and its websocket,
//! and no internet: the CLI, the server and a stand-in for Anthropic's
//! token endpoint run in a network namespace of their own
//! (`support::netns`, `support::standin`).
#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use serde_json::json;
use support::{
    netns::block_on_inside,
    standin,
    ws::{recv, send},
    ScratchServer, TEST_KEY,
};

fn real_cli() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/claude")
}

#[test]
fn the_real_cli_signs_in_through_dispatch_with_no_internet() {
    block_on_inside(
        "the_real_cli_signs_in_through_dispatch_with_no_internet",
        sign_in,
    );
}

async fn sign_in() {
    let cli = real_cli();
    assert!(
        cli.exists(),
        "run scripts/setup.sh: {} is missing",
        cli.display()
    );
    let seen = standin::start().await;
    let ca = standin::fixture("ca.pem").display().to_string();
    let mut server = ScratchServer::start(&[
        ("CLAUDE_CLI", cli.to_str().unwrap()),
        ("NODE_EXTRA_CA_CERTS", &ca),
        ("SSL_CERT_FILE", &ca),
    ]);
    let url = server.ws_url();
    let mut ws = support::ws::connect(&url, None)
        .await
        .expect("the socket opens");
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    let mut link = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        let frame = recv(&mut ws).await;
        match frame["event"].as_str() {
            Some("claude.auth.url") => {
                link = frame["data"]["url"].as_str().map(str::to_owned);
                break;
            }
            Some("claude.auth.error") => panic!("{frame}"),
            _ => {}
        }
    }
    let link = link.expect("a link");
    assert!(
        dispatch::server::claude::screen::is_allowed_url(&link),
        "{link}"
    );
    // Any code of the right shape: the stand-in takes every code.
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "StandInCode_123#StandInState-456"}),
    )
    .await;
    loop {
        let frame = recv(&mut ws).await;
        match frame["event"].as_str() {
            Some("claude.auth.complete") => break,
            Some("claude.auth.error") => {
                panic!("{frame}; the stand-in saw {:?}", seen.lock().unwrap())
            }
            _ => {}
        }
    }
    let exchanged = seen.lock().unwrap().clone();
    assert!(
        exchanged.iter().any(|s| s.path == "/v1/oauth/token"),
        "{exchanged:?}"
    );
    let status = support::get(&server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(status["authenticated"], true, "{status}");
    assert_eq!(status["source"], "dispatch", "{status}");
    assert_eq!(status["method"], "oauth_token", "{status}");

    // A prompt Dispatch starts presents the stored token: the one issued.
    let created = support::post_json(
        &server.url("/api/projects"),
        TEST_KEY,
        &json!({"name": "web"}).to_string(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    // Requests from here on are the prompt's (the sign-in itself asked for
    // the account's profile with the new token).
    let before = seen.lock().unwrap().len();
    send(
        &mut ws,
        "claude.session.prompt",
        json!({"key": TEST_KEY, "project": "web", "prompt": "hello"}),
    )
    .await;
    let presented = async {
        loop {
            if seen.lock().unwrap()[before..].iter().any(|s| {
                s.credentials
                    .iter()
                    .any(|c| c.contains(standin::ISSUED_TOKEN))
            }) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), presented)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the prompt never presented the token: {:?}",
                seen.lock().unwrap()
            )
        });
    let seen = seen.lock().unwrap().clone();
    eprintln!(
        "the stand-in saw: {:?}",
        seen.iter()
            .map(|s| format!("{} {}{}", s.method, s.host, s.path))
            .collect::<Vec<_>>()
    );
    // And no log line holds it.
    assert!(server
        .logs()
        .iter()
        .all(|line| !line.contains(standin::ISSUED_TOKEN)));
}

/// One row of `make cli-matrix`: the CLI at `DISPATCH_MATRIX_CLI` through
/// the server, in a namespace with the stand-in, which refuses the first
/// code. Prints `MATRIX <version> …`; fails on the first step that does
/// not hold.
#[test]
#[ignore = "make cli-matrix runs it for each CLI version"]
fn matrix_row() {
    block_on_inside("matrix_row", matrix);
}

async fn matrix() {
    let cli = std::env::var("DISPATCH_MATRIX_CLI").expect("DISPATCH_MATRIX_CLI: the CLI to try");
    // A scratch HOME: the CLI writes its state there (never the machine's
    // ~/.claude), and 2.0.14 prints a complaint before its version without one.
    let home = tempfile::tempdir().expect("a scratch HOME");
    let version = std::process::Command::new(&cli)
        .arg("--version")
        .env("HOME", home.path())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find(|l| l.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    let seen = standin::start_refusing(1).await;
    let ca = standin::fixture("ca.pem").display().to_string();
    let server = ScratchServer::start(&[
        ("CLAUDE_CLI", cli.as_str()),
        ("NODE_EXTRA_CA_CERTS", &ca),
        ("SSL_CERT_FILE", &ca),
        ("CLAUDE_AUTH_TIMEOUT", "120000"),
    ]);
    let mut ws = support::ws::connect(&server.ws_url(), None)
        .await
        .expect("the socket opens");
    let started = std::time::Instant::now();
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    let mut link_ms = None;
    let mut codes = 0;
    let mut retried = false;
    let code =
        |n: usize| json!({"key": TEST_KEY, "code": format!("MatrixCode{n}_x#MatrixState-{n}")});
    let outcome = loop {
        let frame = recv(&mut ws).await;
        let data = &frame["data"];
        match frame["event"].as_str() {
            Some("claude.auth.url") => {
                link_ms.get_or_insert(started.elapsed().as_millis());
                if codes == 0 || !retried {
                    codes += 1;
                    send(&mut ws, "claude.auth.code", code(codes)).await;
                }
            }
            // The refused first code: paste another (the flow presses
            // Enter, the CLI shows its link again, the code goes in).
            Some("claude.auth.error") if data["reason"] == "invalid_code" && codes < 4 => {
                retried = true;
                codes += 1;
                send(&mut ws, "claude.auth.code", code(codes)).await;
            }
            Some("claude.auth.complete") => break "signed in".to_owned(),
            Some("claude.auth.error") => break format!("{}: {}", data["reason"], data["error"]),
            _ => {}
        }
    };
    let exchanges = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path == "/v1/oauth/token")
        .count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reaped = support::children_of(server.pid()).is_empty();
    println!(
        "MATRIX {version} | link {} ms | {outcome} | codes {codes}, exchanges {exchanges}, retried {retried} | reaped {reaped}",
        link_ms.map_or("-".to_owned(), |ms| ms.to_string())
    );
    assert_eq!(outcome, "signed in");
    assert!(
        retried && exchanges >= 2,
        "the refused code was not retried"
    );
    assert!(reaped, "the CLI outlived its flow");
}
