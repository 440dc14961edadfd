//! The browser's websocket to `/ws`: opened when first needed, reopened with
//! backoff when it drops (phones drop sockets while the person is in the
//! sign-in tab), and told to resume the live flow when it is back.

use std::time::Duration;

use futures::{channel::mpsc, FutureExt, Sink, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, State};
use serde_json::json;

use super::model::Outgoing;
use crate::protocol::{client_event, ServerEvent};

/// What the page hears from the socket.
pub enum Signal {
    /// Connected (again): a live flow should be resumed.
    Open,
    Event(ServerEvent),
    /// Lost; trying again after `retry_in`.
    Lost {
        retry_in: Duration,
    },
}

/// The way to send; cheap to clone.
#[derive(Clone)]
pub struct LoginSocket {
    outbox: mpsc::UnboundedSender<Outgoing>,
}

impl LoginSocket {
    /// Opens the socket; `on_signal` hears everything, `key` signs each frame.
    pub fn open(
        key: impl Fn() -> Option<String> + 'static,
        on_signal: impl Fn(Signal) + 'static,
    ) -> Self {
        let (outbox, inbox) = mpsc::unbounded();
        leptos::task::spawn_local(run(inbox, key, on_signal));
        Self { outbox }
    }

    pub fn send(&self, outgoing: Outgoing) {
        let _ = self.outbox.unbounded_send(outgoing);
    }
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

fn frame(outgoing: Outgoing, key: String) -> String {
    let (event, data) = match outgoing {
        Outgoing::Start => (client_event::START, json!({"key": key})),
        Outgoing::Code(code) => (client_event::CODE, json!({"key": key, "code": code})),
        Outgoing::Retry => (client_event::RETRY, json!({"key": key})),
        Outgoing::Cancel => (client_event::CANCEL, json!({"key": key})),
        Outgoing::Resume(flow) => (client_event::RESUME, json!({"key": key, "flow": flow})),
        Outgoing::Prompt {
            project,
            prompt,
            session_id,
        } => (
            client_event::PROMPT,
            json!({"key": key, "project": project, "prompt": prompt, "sessionId": session_id}),
        ),
        Outgoing::StopPrompt => (client_event::SESSION_CANCEL, json!({"key": key})),
    };
    json!({"event": event, "data": data}).to_string()
}

/// Waits `delay` without blocking the page.
async fn sleep(delay: Duration) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = done.send(());
        },
        delay,
    );
    let _ = wait.await;
}

/// Reconnect delays: 0.5 s, 1 s, 2 s, 4 s, then every 8 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.min(4)))
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

async fn run(
    mut inbox: mpsc::UnboundedReceiver<Outgoing>,
    key: impl Fn() -> Option<String>,
    on_signal: impl Fn(Signal),
) {
    let mut attempt = 0;
    // A frame taken from the inbox while the socket was down waits here.
    let mut pending: Option<Outgoing> = None;
    loop {
        let mut socket = match socket_url().and_then(|url| WebSocket::open(&url).ok()) {
            Some(socket) => socket,
            None => {
                let retry_in = backoff(attempt);
                attempt += 1;
                on_signal(Signal::Lost { retry_in });
                sleep(retry_in).await;
                continue;
            }
        };
        if !opened(&mut socket).await {
            let retry_in = backoff(attempt);
            attempt += 1;
            on_signal(Signal::Lost { retry_in });
            sleep(retry_in).await;
            continue;
        }
        attempt = 0;
        on_signal(Signal::Open);
        let (mut sink, mut stream) = socket.split();
        loop {
            if let Some(outgoing) = pending.take() {
                // Without a key nothing can be sent; the page asks for one.
                if let Some(key) = key() {
                    if sink
                        .send(Message::Text(frame(outgoing.clone(), key)))
                        .await
                        .is_err()
                    {
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
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(event) = serde_json::from_str::<ServerEvent>(&text) {
                            on_signal(Signal::Event(event));
                        }
                    }
                    Some(Ok(Message::Bytes(_))) => {}
                    Some(Err(_)) | None => break,
                },
                next = outgoing => match next {
                    Some(next) => pending = Some(next),
                    None => return,
                },
            }
        }
        let retry_in = backoff(attempt);
        attempt += 1;
        on_signal(Signal::Lost { retry_in });
        sleep(retry_in).await;
    }
}
