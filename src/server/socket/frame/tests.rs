//! The frame reader, fuzzed: random text, random bytes, frames shaped like
//! the protocol's with values of every type, mutations of valid frames,
//! deep nesting and huge numbers. Nothing panics, and every frame is either
//! read or answered with a short `bad_request`. `DISPATCH_FUZZ_CASES` sets
//! the number of cases per property (`make fuzz` runs many more).

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

fn cases() -> u32 {
    std::env::var("DISPATCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// The protocol's events, and near misses of them.
fn events() -> Vec<&'static str> {
    let near_misses = [
        "Claude.auth.start",
        "claude.auth.start ",
        "claude.session.",
        "",
        "claude.auth.typ",
        "claude.auth.keys",
    ];
    ClientEvent::NAMES.into_iter().chain(near_misses).collect()
}

const FIELDS: &[&str] = &[
    "key",
    "code",
    "flow",
    "project",
    "prompt",
    "sessionId",
    "text",
    "name",
    "KEY",
    "",
];

/// JSON of any shape: scalars of every type, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        "[A-Za-z0-9_-]{1,20}#[A-Za-z0-9_-]{1,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Frames with the protocol's event names and field names, and values of
/// any type in them.
fn schema_frame() -> impl Strategy<Value = String> {
    (
        prop::sample::select(events()),
        prop::collection::btree_map(prop::sample::select(FIELDS), any_json(), 0..6),
    )
        .prop_map(|(event, data)| {
            let data: serde_json::Map<String, Value> =
                data.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            json!({"event": event, "data": data}).to_string()
        })
}

/// Frames the server reads as they are.
fn valid_frame() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(json!({"event": "hello", "data": {"key": "k"}}).to_string()),
        Just(json!({"event": "claude.auth.code", "data": {"key": "k", "code": "a#b"}}).to_string()),
        Just(json!({"event": "claude.auth.resume", "data": {"key": "k", "flow": "f"}}).to_string()),
        Just(json!({"event": "claude.auth.type", "data": {"key": "k", "text": "2"}}).to_string()),
        Just(json!({"event": "claude.auth.key", "data": {"key": "k", "name": "down"}}).to_string()),
        Just(
            json!({"event": "claude.session.prompt", "data": {"key": "k", "project": "p",
                "prompt": "hi", "sessionId": "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"}})
            .to_string()
        ),
    ]
}

/// What must hold for every input: read, or refused with a short
/// `bad_request` that stays on the socket.
fn holds(text: &str) {
    match read(text) {
        Ok(_) => {}
        Err(Unread {
            answer:
                ServerEvent::Error {
                    error,
                    reason,
                    retry,
                    ..
                },
            ..
        }) => {
            assert_eq!(reason, ErrorReason::BadRequest, "{error}");
            assert!(retry);
            assert!(error.len() < 600, "{} bytes: {error}", error.len());
        }
        Err(other) => panic!("unexpected answer {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_text_is_read_or_refused(text in ".{0,400}") {
        holds(&text);
    }

    #[test]
    fn random_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        holds(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn frames_of_the_schema_with_any_values_are_read_or_refused(text in schema_frame()) {
        holds(&text);
    }

    #[test]
    fn mutated_valid_frames_are_read_or_refused(
        frame in valid_frame(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = frame.into_bytes();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        holds(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn deep_nesting_and_huge_numbers_are_refused_without_a_crash() {
    let deep = format!(
        "{{\"event\":\"hello\",\"data\":{}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    holds(&deep[..MAX_FRAME.min(deep.len())]);
    holds(&deep);
    let deep_prompt = format!(
        "{{\"event\":\"claude.session.prompt\",\"data\":{{\"x\":{}1{}}}}}",
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    holds(&deep_prompt);
    for number in [
        "1e999999999",
        "-1e999999999",
        "123456789012345678901234567890",
    ] {
        holds(&format!(
            "{{\"event\":\"hello\",\"data\":{{\"key\":{number}}}}}"
        ));
        holds(&format!("{{\"event\":{number},\"data\":{{}}}}"));
    }
}

#[test]
fn a_refusal_never_quotes_the_whole_value() {
    let long = "x".repeat(15_000);
    let text = json!({"event": "hello", "data": long}).to_string();
    let Err(Unread {
        answer: ServerEvent::Error { error, .. },
        ..
    }) = read(&text)
    else {
        panic!("read");
    };
    assert!(error.len() < 600, "{}", error.len());
}

#[test]
fn sizes_are_per_event() {
    let code = "語".repeat(8_000);
    let big_code = json!({"event": "claude.auth.code", "data": {"key": "k", "code": code}});
    let Err(Unread {
        answer: ServerEvent::Error { error, .. },
        for_session: false,
    }) = read(&big_code.to_string())
    else {
        panic!("a 24 KB sign-in frame is refused");
    };
    assert!(error.contains("bytes"), "{error}");
    let prompt = json!({"event": "claude.session.prompt",
        "data": {"key": "k", "project": "p", "prompt": "語".repeat(8_000)}});
    assert!(read(&prompt.to_string()).is_ok());
}

#[test]
fn live_screen_frames_are_read_with_their_key_names() {
    let Ok(ClientEvent::Key { name: key, .. }) =
        read(r#"{"event":"claude.auth.key","data":{"key":"k","name":"backspace"}}"#)
    else {
        panic!("a key frame is read");
    };
    assert_eq!(key, crate::protocol::terminal::TerminalKey::Backspace);
    let Err(Unread {
        answer: ServerEvent::Error { error, .. },
        ..
    }) = read(r#"{"event":"claude.auth.key","data":{"key":"k","name":"f13"}}"#)
    else {
        panic!("an unknown key is refused");
    };
    assert!(error.contains("claude.auth.key"), "{error}");
    assert!(matches!(
        read(r#"{"event":"claude.auth.type","data":{"key":"k","text":"yes"}}"#),
        Ok(ClientEvent::Type { text, .. }) if text == "yes"
    ));
}
