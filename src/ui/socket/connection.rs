//! The connection behind the page's socket: opened when first needed,
//! reopened with backoff when it drops (phones drop sockets while the
//! person is in the sign-in tab), its listeners told when it is back.
//!
//! It says hello with the access key as soon as it opens (the server closes
//! a socket that shows no key within seconds). When the server closes it
//! with one of its own codes (no key, idle), it stays closed until the page
//! has something to send: reconnecting at once would only be closed again.
//!
//! Its code is a WASM chunk of its own, fetched again with the same backoff
//! while that fails.

use std::time::Duration;

use futures::{channel::mpsc, FutureExt, Sink, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State, WebSocketError};
use leptos::wasm_split::{wasm_split, SplitLoaderError};

use super::{Heard, Socket};
use crate::protocol::{close_code, ClientEvent, ServerEvent};
use crate::ui::{
    backoff::{sleep, until_ok, Backoff},
    chunk::Task,
};

/// Opens the connection for `socket`; what is put in the returned outbox
/// is sent, signed with the key, once it is open.
pub(super) fn open(socket: Socket) -> mpsc::UnboundedSender<ClientEvent> {
    let (outbox, inbox) = mpsc::unbounded();
    leptos::task::spawn_local(async move {
        until_ok(load_socket_chunk, |retry_in| socket.lost(retry_in)).await;
        if let Ok(task) = socket_task(inbox, socket).await {
            task.await;
        }
    });
    outbox
}

fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

/// The event signed with `key`, as JSON text (printed by the browser's
/// `JSON.stringify`).
fn frame(event: ClientEvent, key: String) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(&event.with_key(key)).ok()?;
    js_sys::JSON::stringify(&value).ok().map(String::from)
}

/// A server frame read by the browser's `JSON.parse`; `None` if it is not one.
fn decode(text: &str) -> Option<ServerEvent> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// A new socket, open; `None` if it could not be opened, or closed or hung
/// while opening.
async fn connect() -> Option<WebSocket> {
    let mut socket = socket_url().and_then(|url| WebSocket::open(&url).ok())?;
    opened(&mut socket).await.then_some(socket)
}

/// Waits until a new socket is open; `false` if it closed or hung instead.
async fn opened(socket: &mut WebSocket) -> bool {
    let ready =
        futures::future::poll_fn(|cx| std::pin::Pin::new(&mut *socket).poll_ready(cx)).fuse();
    let give_up = sleep(Duration::from_secs(10)).fuse();
    futures::pin_mut!(ready, give_up);
    futures::select! {
        result = ready => result.is_ok() && matches!(socket.state(), State::Open),
        _ = give_up => false,
    }
}

/// The split point: the socket's task and all it alone uses are in its chunk.
#[wasm_split(
    page_socket,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(load_socket_chunk)
)]
fn socket_task(
    inbox: mpsc::UnboundedReceiver<ClientEvent>,
    socket: Socket,
) -> Result<Task<()>, SplitLoaderError> {
    Ok(Box::pin(run(inbox, socket)))
}

async fn run(mut inbox: mpsc::UnboundedReceiver<ClientEvent>, socket: Socket) {
    let lost = move |retry_in| socket.lost(retry_in);
    let key = move || socket.key();
    let mut backoff = Backoff::default();
    // A frame taken from the inbox while the socket was down waits here.
    let mut pending: Option<ClientEvent> = None;
    // The server closed the socket on purpose: wait for something to send.
    let mut closed_by_server = false;
    loop {
        if std::mem::take(&mut closed_by_server) && pending.is_none() {
            match inbox.next().await {
                Some(next) => pending = Some(next),
                None => return,
            }
        }
        let Some(connection) = connect().await else {
            backoff.wait(lost).await;
            continue;
        };
        backoff.reset();
        socket.hear(Heard::Open);
        let (mut sink, mut stream) = connection.split();
        // Without a key nothing can be said; the page asks for one.
        let hello = key().and_then(|key| frame(ClientEvent::Hello { key: String::new() }, key));
        if let Some(hello) = hello {
            if sink.send(Message::Text(hello)).await.is_err() {
                backoff.wait(lost).await;
                continue;
            }
        }
        loop {
            if let Some(outgoing) = pending.take() {
                // Without a key nothing can be sent; the page asks for one.
                if let Some(text) = key().and_then(|key| frame(outgoing.clone(), key)) {
                    if sink.send(Message::Text(text)).await.is_err() {
                        pending = Some(outgoing);
                        break;
                    }
                }
            }
            let incoming = stream.next().fuse();
            let outgoing = inbox.next().fuse();
            futures::pin_mut!(incoming, outgoing);
            futures::select! {
                message = incoming => match message {
                    Some(Ok(Message::Text(text))) => match decode(&text) {
                        Some(ServerEvent::Hello {}) | None => {}
                        Some(event) => socket.hear(Heard::Event(event)),
                    },
                    Some(Ok(Message::Bytes(_))) => {}
                    Some(Err(WebSocketError::ConnectionClose(close)))
                        if matches!(close.code, close_code::NO_KEY | close_code::IDLE) =>
                    {
                        closed_by_server = true;
                        break;
                    }
                    Some(Err(_)) | None => break,
                },
                next = outgoing => match next {
                    Some(next) => pending = Some(next),
                    None => return,
                },
            }
        }
        if !closed_by_server {
            backoff.wait(lost).await;
        }
    }
}
