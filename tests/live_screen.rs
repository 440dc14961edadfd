//! A CLI whose screen Dispatch does not understand, through the running
//! server and its websocket: its screen is sent (secrets masked), answered
//! with `claude.auth.type` and `claude.auth.key` until its link appears.
#![cfg(feature = "ssr")]

mod support;

use serde_json::{json, Value};
use support::{
    ws::{recv, send, Ws},
    ScratchServer, TEST_KEY,
};

/// The no-link time, short for the tests.
const NO_LINK_MS: &str = "700";

fn server(scenario: &str) -> ScratchServer {
    ScratchServer::start(&[
        ("FAKE_CLAUDE_SCENARIO", scenario),
        ("DISPATCH_NO_LINK_MS", NO_LINK_MS),
    ])
}

async fn started(server: &ScratchServer) -> Ws {
    let mut ws = support::ws::connect(&server.server.ws_url(), None)
        .await
        .expect("the websocket opens");
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    ws
}

/// Frames up to the first named `event`.
async fn until(ws: &mut Ws, event: &str) -> (Vec<Value>, Value) {
    let mut before = Vec::new();
    loop {
        let frame = recv(ws).await;
        if frame["event"] == event {
            return (before, frame);
        }
        before.push(frame);
    }
}

/// The next screen frame whose text contains `needle`.
async fn screen_with(ws: &mut Ws, needle: &str) -> Value {
    loop {
        let (_, frame) = until(ws, "claude.auth.screen").await;
        let text = lines(&frame).join("\n");
        if text.contains(needle) {
            return frame;
        }
    }
}

fn lines(frame: &Value) -> Vec<String> {
    frame["data"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l.as_str().expect("a line").to_owned())
        .collect()
}

#[tokio::test]
async fn an_unknown_question_is_answered_from_the_browser_until_the_link_comes() {
    let server = server("question");
    let mut ws = started(&server).await;
    let first = screen_with(&mut ws, "Choose the text style").await;
    let text = lines(&first).join("\n");
    assert!(text.contains("❯ 1. Dark mode"), "{text}");
    // The token on the screen never leaves the server whole.
    assert!(!text.contains("QUESTIONxxxx"), "{text}");
    assert!(text.contains("An old token was found ********"), "{text}");
    assert!(first["data"]["flow"]
        .as_str()
        .is_some_and(|f| !f.is_empty()));
    assert_eq!(first["data"].get("problem"), None);

    // A key moves the choice; the new screen answers it.
    send(
        &mut ws,
        "claude.auth.key",
        json!({"key": TEST_KEY, "name": "down"}),
    )
    .await;
    screen_with(&mut ws, "❯ 2. Light mode").await;
    // Text that is not printable is refused, and the flow goes on.
    send(
        &mut ws,
        "claude.auth.type",
        json!({"key": TEST_KEY, "text": "1\r"}),
    )
    .await;
    let (_, refused) = until(&mut ws, "claude.auth.error").await;
    assert_eq!(refused["data"]["reason"], "bad_request");
    assert_eq!(refused["data"]["retry"], true);
    // A code has nowhere to go yet.
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "a#b"}),
    )
    .await;
    let (_, early) = until(&mut ws, "claude.auth.error").await;
    assert_eq!(early["data"]["reason"], "bad_request");

    send(
        &mut ws,
        "claude.auth.type",
        json!({"key": TEST_KEY, "text": "1"}),
    )
    .await;
    screen_with(&mut ws, "❯ 1. Dark mode").await;
    send(
        &mut ws,
        "claude.auth.key",
        json!({"key": TEST_KEY, "name": "enter"}),
    )
    .await;
    let (_, url) = until(&mut ws, "claude.auth.url").await;
    assert!(
        url["data"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://claude.ai/oauth/authorize?")),
        "{url}"
    );
    // From here the flow is as usual: a code goes in.
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "success-a#b"}),
    )
    .await;
    let (before, _) = until(&mut ws, "claude.auth.complete").await;
    assert!(
        before.iter().all(|f| f["event"] != "claude.auth.screen"),
        "no screen once the link is read: {before:?}"
    );
}

#[tokio::test]
async fn a_resumed_flow_gets_the_screen_again() {
    let server = server("question");
    let mut ws = started(&server).await;
    let first = screen_with(&mut ws, "Choose the text style").await;
    let flow = first["data"]["flow"].as_str().expect("flow").to_owned();
    drop(ws);
    let mut again = support::ws::connect(&server.server.ws_url(), None)
        .await
        .expect("the websocket opens");
    send(
        &mut again,
        "claude.auth.resume",
        json!({"key": TEST_KEY, "flow": flow}),
    )
    .await;
    let resumed = screen_with(&mut again, "Choose the text style").await;
    assert_eq!(resumed["data"]["flow"], flow.as_str());
}

#[tokio::test]
async fn a_crashed_cli_shows_its_error_line_first() {
    let server = server("crash-start");
    let mut ws = started(&server).await;
    let frame = screen_with(&mut ws, "workLoopSync").await;
    assert_eq!(
        frame["data"]["problem"],
        "ERROR  useAppState cannot be called outside of an <AppStateProvider />"
    );
    // Scrolled away by the source lines below it, and still named.
    assert!(!lines(&frame).join("\n").contains("useAppState cannot"));
    send(&mut ws, "claude.auth.cancel", json!({"key": TEST_KEY})).await;
    let (_, cancelled) = until(&mut ws, "claude.auth.error").await;
    assert_eq!(cancelled["data"]["reason"], "cancelled");
}

#[tokio::test]
async fn keys_and_text_outside_a_live_screen_are_answered() {
    let server = server("success");
    let mut ws = started(&server).await;
    until(&mut ws, "claude.auth.url").await;
    send(
        &mut ws,
        "claude.auth.key",
        json!({"key": TEST_KEY, "name": "enter"}),
    )
    .await;
    let (_, refused) = until(&mut ws, "claude.auth.error").await;
    assert_eq!(refused["data"]["reason"], "bad_request");
    send(
        &mut ws,
        "claude.auth.key",
        json!({"key": TEST_KEY, "name": "ctrl_c"}),
    )
    .await;
    let (_, unknown) = until(&mut ws, "claude.auth.error").await;
    assert_eq!(unknown["data"]["reason"], "bad_request");
    assert!(
        unknown["data"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("claude.auth.key")),
        "{unknown}"
    );
}
