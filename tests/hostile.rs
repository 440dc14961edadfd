//! A hostile client against the real binary, loopback only and bounded in
//! count and time: 10,000 random or mutated frames (no PTY may start), a
//! slowloris HTTP client, and a flood of sign-in starts from many sockets
//! of one address. The server keeps serving everyone else throughout.
#![cfg(feature = "ssr")]

mod support;

use std::{
    io::{Read, Write},
    net::IpAddr,
    time::{Duration, Instant},
};

use dispatch::protocol::ClientEvent;
use futures_util::{SinkExt, StreamExt};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use support::{
    get,
    ws::{connect_as, recv, send, Ws, WAIT},
    ScratchServer, Server, TEST_KEY,
};
use tokio_tungstenite::tungstenite::{
    protocol::frame::{coding::OpCode, Frame},
    Message,
};

const FRAMES: usize = 10_000;
/// Frames per connection: within its burst of 40, so none is dropped.
const PER_CONNECTION: usize = 39;

fn children(server: &Server) -> usize {
    support::children_of(server.pid()).len()
}

/// The protocol's events, and two it does not have.
fn events() -> Vec<&'static str> {
    ClientEvent::NAMES
        .into_iter()
        .chain(["claude.auth.launch", ""])
        .collect()
}

/// Never sent with the right key: the two that would start a CLI, and the
/// hello that marks the end of a barrage.
const NEVER_WITH_THE_KEY: &[&str] = &["claude.auth.start", "claude.session.prompt", "hello"];

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => Value::String(random_text(rng, 40)),
        5 => Value::String(format!("{}#{}", random_text(rng, 8), random_text(rng, 8))),
        6 => Value::Array(
            (0..rng.random_range(0..5))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut map = serde_json::Map::new();
            for _ in 0..rng.random_range(0..5) {
                map.insert(random_text(rng, 8), random_value(rng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

fn random_text(rng: &mut StdRng, max: usize) -> String {
    (0..rng.random_range(0..=max))
        .map(|_| match rng.random_range(0..10) {
            0 => char::from_u32(rng.random_range(0..0x11_0000)).unwrap_or('\u{fffd}'),
            1 => ['\0', '\u{1b}', '\r', '\n', '"', '\\', '#'][rng.random_range(0..7)],
            _ => char::from(rng.random_range(b' '..=b'~')),
        })
        .collect()
}

/// One hostile frame.
fn hostile_frame(rng: &mut StdRng) -> Message {
    let events = events();
    let event = events[rng.random_range(0..events.len())];
    // The right key only where it cannot start a CLI: it takes the frame
    // past the key check into what the server does with it.
    let key = if NEVER_WITH_THE_KEY.contains(&event) || rng.random_bool(0.5) {
        json!(random_text(rng, 30))
    } else {
        json!(TEST_KEY)
    };
    match rng.random_range(0..9) {
        // A frame of the schema with values of any type.
        0..=2 => {
            let mut data = serde_json::Map::new();
            data.insert("key".into(), key);
            for field in ["code", "flow", "project", "prompt", "sessionId"] {
                if rng.random_bool(0.4) {
                    data.insert(field.into(), random_value(rng, 0));
                }
            }
            Message::text(json!({"event": event, "data": data}).to_string())
        }
        // A valid frame with bytes changed.
        3 | 4 => {
            let mut bytes =
                json!({"event": "claude.auth.code", "data": {"key": TEST_KEY, "code": "abc#def"}})
                    .to_string()
                    .into_bytes();
            for _ in 0..rng.random_range(1..6) {
                let at = rng.random_range(0..bytes.len());
                bytes[at] = rng.random();
            }
            Message::text(String::from_utf8_lossy(&bytes).into_owned())
        }
        5 => Message::text(random_text(rng, 300)),
        6 => Message::binary(
            (0..rng.random_range(0..200))
                .map(|_| rng.random::<u8>())
                .collect::<Vec<u8>>(),
        ),
        7 => {
            let depth = rng.random_range(100..3_000);
            Message::text(format!(
                "{{\"event\":\"{event}\",\"data\":{}0{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            ))
        }
        _ => Message::text(format!(
            "{{\"event\":\"{event}\",\"data\":{{\"key\":1e{}{}}}}}",
            rng.random_range(300..99_999_999),
            "9".repeat(rng.random_range(0..400))
        )),
    }
}

/// Sends `frames` and then a hello with the right key; every frame must
/// be answered (at most once) before the hello's answer.
async fn barrage(ws: &mut Ws, frames: Vec<Message>) -> usize {
    let sent = frames.len();
    for frame in frames {
        ws.send(frame).await.expect("the server reads on");
    }
    send(ws, "hello", json!({"key": TEST_KEY})).await;
    let mut answers = 0;
    loop {
        let frame = recv(ws).await;
        if frame["event"] == "hello" {
            break;
        }
        let reason = frame["data"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            [
                "bad_request",
                "unauthorized",
                "rate_limited",
                "no_flow",
                "disabled"
            ]
            .contains(&reason.as_str()),
            "{frame}"
        );
        answers += 1;
    }
    assert!(answers <= sent, "{answers} answers to {sent} frames");
    answers
}

#[tokio::test]
async fn ten_thousand_hostile_frames_are_answered_and_start_nothing() {
    let setup = ScratchServer::start(&[]);
    let url = setup.ws_url();
    let mut rng = StdRng::seed_from_u64(0x0d15_7a7c);
    let started = Instant::now();
    let mut sent = 0;
    let mut connection = 0u32;
    while sent < FRAMES {
        let frames: Vec<Message> = (0..PER_CONNECTION.min(FRAMES - sent))
            .map(|_| hostile_frame(&mut rng))
            .collect();
        sent += frames.len();
        // Several client addresses, a few connections at a time.
        let source = IpAddr::from([
            127,
            0,
            3,
            1 + u8::try_from(connection % 50).expect("under 50"),
        ]);
        connection += 1;
        let mut ws = connect_as(&url, source).await.expect("opens");
        barrage(&mut ws, frames).await;
        assert_eq!(children(&setup), 0, "a hostile frame started a CLI");
        let _ = ws.close(None).await;
    }
    // Frames a text frame cannot carry: invalid UTF-8 ends that socket only.
    let mut ws = connect_as(&url, IpAddr::from([127, 0, 3, 99]))
        .await
        .unwrap();
    let invalid = Frame::message(
        vec![0xff, 0xfe, b'{'],
        OpCode::Data(tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text),
        true,
    );
    let _ = ws.send(Message::Frame(invalid)).await;
    let _ = tokio::time::timeout(WAIT, ws.next()).await;
    // The server is whole: it answers, and a real sign-in still works.
    assert_eq!(get(&setup.url("/healthz"), None).status, 200);
    let mut ws = connect_as(&url, IpAddr::from([127, 0, 0, 1]))
        .await
        .unwrap();
    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    loop {
        let frame = recv(&mut ws).await;
        if frame["event"] == "claude.auth.url" {
            break;
        }
    }
    eprintln!(
        "{sent} hostile frames over {connection} connections in {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn a_slowloris_client_is_cut_off_and_others_are_served() {
    let setup = ScratchServer::start(&[("DISPATCH_HEADER_TIMEOUT_MS", "1000")]);
    let authority = setup
        .server
        .base_url
        .trim_start_matches("http://")
        .to_owned();
    // 50 clients, each sending its headers a few bytes at a time.
    let mut slow: Vec<std::net::TcpStream> = (0..50)
        .map(|_| {
            let mut tcp = std::net::TcpStream::connect(&authority).unwrap();
            tcp.write_all(b"GET /settings HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            tcp
        })
        .collect();
    let started = Instant::now();
    let mut cut_off = vec![false; slow.len()];
    while started.elapsed() < Duration::from_secs(15) && cut_off.iter().any(|c| !c) {
        for (tcp, cut) in slow.iter_mut().zip(cut_off.iter_mut()) {
            if !*cut && tcp.write_all(b"X-A: b\r\n").is_err() {
                *cut = true;
            }
        }
        // Meanwhile everyone else is served.
        assert_eq!(get(&setup.url("/healthz"), None).status, 200);
        std::thread::sleep(Duration::from_millis(200));
        for (tcp, cut) in slow.iter_mut().zip(cut_off.iter_mut()) {
            tcp.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 512];
            match tcp.read(&mut byte) {
                // Closed, or answered 408 and closed.
                Ok(_) => *cut = true,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => *cut = true,
            }
        }
    }
    assert!(
        cut_off.iter().all(|c| *c),
        "{} of {} slow clients still held after 15 s",
        cut_off.iter().filter(|c| !**c).count(),
        slow.len()
    );
}

#[tokio::test]
async fn a_flood_of_starts_from_one_address_is_held_to_its_limits() {
    let setup = ScratchServer::start(&[("DISPATCH_MAX_FLOWS", "4")]);
    let url = setup.ws_url();
    let source = IpAddr::from([127, 0, 4, 1]);
    let mut sockets = Vec::new();
    for _ in 0..32 {
        sockets.push(connect_as(&url, source).await.expect("within the cap"));
    }
    // Every socket asks at once.
    for ws in &mut sockets {
        send(ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    }
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for ws in &mut sockets {
        // Each start ends in a link or a refusal.
        let outcome = loop {
            let frame = recv(ws).await;
            match frame["event"].as_str() {
                Some("claude.auth.url") => break "url".to_owned(),
                Some("claude.auth.error") => {
                    break frame["data"]["reason"].as_str().unwrap().to_owned()
                }
                _ => continue,
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    // 10 starts a minute from one address, at most 4 flows at once.
    let count = |name: &str| outcomes.get(name).copied().unwrap_or(0);
    assert!(count("url") <= 4, "{outcomes:?}");
    assert_eq!(count("url") + count("busy"), 10, "{outcomes:?}");
    assert_eq!(count("rate_limited"), 22, "{outcomes:?}");
    assert!(children(&setup) <= 4, "{} CLIs", children(&setup));
    // A 33rd socket from the address is refused; another address is served.
    assert_eq!(connect_as(&url, source).await.err(), Some(429));
    let mut other = connect_as(&url, IpAddr::from([127, 0, 4, 2]))
        .await
        .unwrap();
    send(&mut other, "hello", json!({"key": TEST_KEY})).await;
    assert_eq!(recv(&mut other).await["event"], "hello");
    drop(sockets);
}
