//! `/ws`: one task per connection, at most one login flow per connection,
//! the events of the wire protocol (docs/protocol.md). Every frame is checked (size,
//! JSON, event, fields, key) before anything reaches a flow, and every
//! mistake is answered with a `claude.auth.error`; the connection stays.
//!
//! What a socket costs is bounded before it shows a key: the transport
//! refuses messages over 64 KiB before any parse, an address holds at most
//! `DISPATCH_MAX_SOCKETS_PER_ADDRESS` sockets, a socket with no valid key
//! after 10 s is closed, and so is one idle for 10 minutes.

mod frame;
mod prompt;

use std::{
    net::{IpAddr, Ipv4Addr},
    num::NonZeroU32,
    time::{Duration, Instant},
};

use axum::{
    extract::{
        ws::{close_code as ws_close, CloseFrame, Message, WebSocket, WebSocketUpgrade},
        State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::mpsc;

use super::{
    access::address_cap::Place,
    access::key::KeyRefusal,
    access::origin::origin_allowed,
    claude::{
        cli::CliSearch,
        flow_machine::FlowEvent,
        flow_task::{FlowCommand, FlowHandle, LoginSettings},
        prompt_run::RunningSession,
    },
    edge::transport::Client,
    flow_registry::StartError,
    state::AppState,
};
use crate::protocol::{close_code, ClientEvent, ErrorReason, ServerEvent};
use frame::{bad_request, Unread};

/// The transport's hard limit, enforced before any parse (a larger message
/// closes the socket, 1009). The largest legitimate frame is a prompt of
/// 8,000 characters: up to 32 KB of UTF-8, a little more with JSON escapes.
pub(crate) const TRANSPORT_LIMIT: usize = 64 * 1024;
/// Frames a connection may send per second before it is told to slow down.
const FRAMES_PER_SECOND: u32 = 20;

/// `GET /ws`: the upgrade, after the Origin check.
pub(crate) async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if !origin_allowed(
        origin,
        client.host.as_deref(),
        client.scheme,
        &state.login.allowed_origins,
    ) {
        tracing::warn!(?origin, ip = ?client.ip, "websocket refused: foreign origin");
        return (
            StatusCode::FORBIDDEN,
            "This origin may not open Dispatch's websocket.",
        )
            .into_response();
    }
    // Without connection info (never, when served), all such clients share
    // one address's limits.
    let ip = client.ip.unwrap_or(Ipv4Addr::UNSPECIFIED.into());
    let Some(place) = state.open_sockets.try_open(ip) else {
        tracing::warn!(%ip, "websocket refused: too many open from this address");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "This address has {} websockets open to Dispatch, as many as it may (DISPATCH_MAX_SOCKETS_PER_ADDRESS). Close some tabs, then try again.",
                state.open_sockets.max_per_address()
            ),
        )
            .into_response();
    };
    // Small buffers: a connection mostly waits, and a thousand of them at
    // 128 KiB each (the default) would outweigh everything else. Frames are
    // small and each is sent at once.
    ws.max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| Connection::new(state, ip, place).run(socket))
}

/// The flow a connection owns, and where its events arrive.
struct OwnedFlow {
    id: String,
    handle: FlowHandle,
    events: mpsc::Receiver<FlowEvent>,
}

impl OwnedFlow {
    /// Lets the flow go: its events channel closes first, so the flow can
    /// tell this leaving from that of a connection that resumed it since.
    async fn detach(self) {
        let OwnedFlow { handle, events, .. } = self;
        drop(events);
        let _ = handle.commands.send(FlowCommand::Detach).await;
    }
}

struct Connection {
    state: AppState,
    ip: IpAddr,
    /// This socket's place under the per-address cap, freed with it.
    _place: Place,
    /// A frame has carried the right key.
    authenticated: bool,
    opened: tokio::time::Instant,
    /// When the client last sent something, or a flow or prompt last spoke.
    last_activity: tokio::time::Instant,
    flow: Option<OwnedFlow>,
    /// The prompt running for this connection's pane (one at a time).
    session: Option<RunningSession>,
    /// The stored credential Dispatch passed to that prompt: the one to
    /// mark refused if Claude asks to log in.
    passed_credential: Option<secrecy::SecretString>,
    frames: DefaultDirectRateLimiter,
    told_to_slow_down: bool,
}

impl Connection {
    fn new(state: AppState, ip: IpAddr, place: Place) -> Self {
        let rate = NonZeroU32::new(FRAMES_PER_SECOND).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(FRAMES_PER_SECOND * 2).unwrap_or(rate);
        let now = tokio::time::Instant::now();
        Self {
            state,
            ip,
            _place: place,
            authenticated: false,
            opened: now,
            last_activity: now,
            flow: None,
            session: None,
            passed_credential: None,
            frames: RateLimiter::direct(Quota::per_second(rate).allow_burst(burst)),
            told_to_slow_down: false,
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        let metrics = self.state.metrics.clone();
        let _counted = metrics.websocket_opened();
        loop {
            let closing = self.closing();
            let flow_event = async {
                match self.flow.as_mut() {
                    Some(flow) => flow.events.recv().await,
                    None => std::future::pending().await,
                }
            };
            let session_update = async {
                match self.session.as_mut() {
                    Some(session) => session.updates.recv().await,
                    None => std::future::pending().await,
                }
            };
            let close_due = async {
                match closing {
                    Some((at, _)) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = close_due => {
                    if let Some((_, why)) = closing {
                        tracing::debug!(ip = %self.ip, reason = why.reason, "websocket closed by the server");
                        close(&mut socket, why).await;
                    }
                    break;
                }
                update = session_update => {
                    let answers = match update {
                        Some(update) => self.session_event(update),
                        None => {
                            self.session = None;
                            Vec::new()
                        }
                    };
                    if !self.send_all(&mut socket, answers).await {
                        break;
                    }
                }
                frame = socket.recv() => {
                    let answers = match frame {
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
                        Some(Ok(Message::Binary(_))) => vec![bad_request("Binary frames are not understood: send JSON text frames.")],
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Err(error)) => {
                            // Past the transport's limit the message is
                            // refused unread: say why, then close.
                            tracing::debug!(%error, "websocket closed with an error");
                            close(&mut socket, Closing::TOO_BIG).await;
                            break;
                        }
                    };
                    if !self.send_all(&mut socket, answers).await {
                        break;
                    }
                }
                event = flow_event => {
                    let answers = match event {
                        Some(event) => vec![self.to_wire(event)],
                        None => {
                            // The flow has ended and dropped its sender.
                            self.flow = None;
                            Vec::new()
                        }
                    };
                    if !self.send_all(&mut socket, answers).await {
                        break;
                    }
                }
            }
        }
        if let Some(flow) = self.flow.take() {
            flow.detach().await;
        }
    }

    /// When and why the server will close this socket, if nothing happens:
    /// no key yet, or nothing to do.
    fn closing(&self) -> Option<(tokio::time::Instant, Closing)> {
        let timeouts = self.state.socket_timeouts;
        if !self.authenticated {
            Some((self.opened + timeouts.key_wait, Closing::NO_KEY))
        } else if self.flow.is_none() && self.session.is_none() {
            Some((self.last_activity + timeouts.idle, Closing::IDLE))
        } else {
            None
        }
    }

    async fn send_all(&mut self, socket: &mut WebSocket, events: Vec<ServerEvent>) -> bool {
        // Whatever just happened (a frame, a flow's or a prompt's news)
        // restarts the idle clock.
        self.last_activity = tokio::time::Instant::now();
        for event in events {
            let Ok(text) = serde_json::to_string(&event) else {
                continue;
            };
            if socket.send(Message::Text(text.into())).await.is_err() {
                return false;
            }
        }
        true
    }

    fn to_wire(&self, event: FlowEvent) -> ServerEvent {
        let flow = self.flow.as_ref().map(|f| f.id.clone()).unwrap_or_default();
        match event {
            FlowEvent::Progress(stage) => ServerEvent::Progress { flow, stage },
            FlowEvent::Url { url, expires_at } => ServerEvent::Url {
                flow,
                url,
                instructions: super::claude::flow_machine::URL_INSTRUCTIONS.to_owned(),
                expires_at: epoch_ms(expires_at),
            },
            FlowEvent::Screen { lines, problem } => ServerEvent::Screen {
                flow,
                lines,
                problem,
            },
            FlowEvent::Complete => ServerEvent::Complete { success: true },
            FlowEvent::Error {
                reason,
                message,
                retry,
            } => ServerEvent::error(reason, message, retry),
        }
    }

    async fn on_text(&mut self, text: &str) -> Vec<ServerEvent> {
        if self.frames.check().is_err() {
            // One warning per burst; the frames themselves are dropped.
            if std::mem::replace(&mut self.told_to_slow_down, true) {
                return Vec::new();
            }
            return vec![ServerEvent::error(
                ErrorReason::RateLimited,
                "Too many messages at once; some were ignored. Slow down.",
                true,
            )];
        }
        self.told_to_slow_down = false;
        // A frame meant for a Claude session is answered as a session
        // error, even when it fails its checks (a pane shows those).
        match frame::read(text) {
            Ok(frame) => {
                let for_session = frame.is_session();
                match self.check(frame) {
                    Ok(request) => self.act(request).await,
                    Err(answer) if for_session => vec![as_session_error(answer)],
                    Err(answer) => vec![answer],
                }
            }
            Err(Unread {
                answer,
                for_session: true,
            }) => vec![as_session_error(answer)],
            Err(Unread { answer, .. }) => vec![answer],
        }
    }

    /// Checks a frame's key (a right one authenticates the socket), then
    /// whether the server does what it asks.
    fn check(&mut self, request: ClientEvent) -> Result<ClientEvent, ServerEvent> {
        let key = request.key();
        match self.state.check_key(Some(self.ip), Some(key), "websocket") {
            Ok(()) => self.authenticated = true,
            Err(KeyRefusal::RateLimited) => return Err(rate_limited_keys()),
            Err(KeyRefusal::Wrong | KeyRefusal::Missing) => {
                return Err(ServerEvent::error(
                    ErrorReason::Unauthorized,
                    "That access key is not right.",
                    false,
                ))
            }
        }
        // Turning the login off stops sign-ins; a cancel and the sessions still work.
        let signs_in = matches!(
            request,
            ClientEvent::Start { .. }
                | ClientEvent::Code { .. }
                | ClientEvent::Retry { .. }
                | ClientEvent::Resume { .. }
                | ClientEvent::Type { .. }
                | ClientEvent::Key { .. }
        );
        if signs_in && !self.state.login.enabled {
            return Err(ServerEvent::error(
                ErrorReason::Disabled,
                "Claude login is turned off on this server (CLAUDE_AUTH_ENABLED=false).",
                false,
            ));
        }
        Ok(request)
    }

    async fn act(&mut self, request: ClientEvent) -> Vec<ServerEvent> {
        match request {
            ClientEvent::Hello { .. } => vec![ServerEvent::Hello {}],
            ClientEvent::Start { .. } => self.start().await,
            ClientEvent::Resume { flow, .. } => self.resume(flow).await,
            ClientEvent::Code { code, .. } => self.command(FlowCommand::Code(code)).await,
            ClientEvent::Retry { .. } => self.command(FlowCommand::Retry).await,
            ClientEvent::Cancel { .. } => self.command(FlowCommand::Cancel).await,
            ClientEvent::Type { text, .. } => self.command(FlowCommand::Type(text)).await,
            ClientEvent::Key { name, .. } => self.command(FlowCommand::Key(name)).await,
            ClientEvent::Prompt(prompt) => self.prompt(prompt).await,
            ClientEvent::SessionCancel { .. } => match self.session.as_mut() {
                Some(session) => {
                    session.cancel();
                    Vec::new()
                }
                None => vec![ServerEvent::SessionError {
                    error: "No prompt is running.".into(),
                    reason: ErrorReason::NoFlow,
                }],
            },
        }
    }

    async fn start(&mut self) -> Vec<ServerEvent> {
        if !self.state.limits.start(self.ip) {
            return vec![ServerEvent::error(
                ErrorReason::RateLimited,
                "Too many sign-ins started from this address; wait a minute, then try again.",
                false,
            )];
        }
        // A new start ends this connection's previous flow.
        if let Some(old) = self.flow.take() {
            let _ = old.handle.commands.send(FlowCommand::Cancel).await;
        }
        let login = &self.state.login;
        let cli = match CliSearch::from_process(login.configured_cli.clone()).find() {
            Ok(cli) => cli,
            Err(error) => {
                return vec![ServerEvent::error(
                    ErrorReason::CliMissing,
                    error.to_string(),
                    false,
                )]
            }
        };
        let settings = LoginSettings {
            cli,
            lifetime: login.lifetime,
            timeouts: login.timeouts,
            store: self.state.store.clone(),
            cli_env: login.cli_env.clone(),
            env: Vec::new(),
        };
        let (tx, rx) = mpsc::channel(32);
        match self.state.flows.start(&settings, tx, Some(self.ip)) {
            Ok((id, handle)) => {
                tracing::info!(flow = %id, ip = %self.ip, "login flow started");
                self.flow = Some(OwnedFlow {
                    id,
                    handle,
                    events: rx,
                });
                Vec::new()
            }
            Err(StartError::Busy(max)) => vec![ServerEvent::error(
                ErrorReason::Busy,
                StartError::Busy(max).to_string(),
                false,
            )],
            Err(error) => {
                tracing::error!(%error, "the Claude CLI could not be started");
                vec![ServerEvent::error(
                    ErrorReason::CliFailed,
                    error.to_string(),
                    false,
                )]
            }
        }
    }

    async fn resume(&mut self, id: String) -> Vec<ServerEvent> {
        let Some(handle) = self.state.flows.get(&id) else {
            return vec![no_flow("That sign-in has ended. Start a new one.")];
        };
        if let Some(old) = self.flow.take() {
            if old.id != id {
                old.detach().await;
            }
        }
        let (tx, rx) = mpsc::channel(32);
        if handle.commands.send(FlowCommand::Resume(tx)).await.is_err() {
            return vec![no_flow("That sign-in has ended. Start a new one.")];
        }
        self.flow = Some(OwnedFlow {
            id,
            handle,
            events: rx,
        });
        Vec::new()
    }

    async fn command(&mut self, command: FlowCommand) -> Vec<ServerEvent> {
        let Some(flow) = self.flow.as_ref() else {
            return vec![no_flow(
                "There is no sign-in in progress on this connection. Start one first.",
            )];
        };
        if flow.handle.commands.send(command).await.is_err() {
            self.flow = None;
            return vec![no_flow("That sign-in has ended. Start a new one.")];
        }
        Vec::new()
    }
}

/// Why the server closes a socket, as its close frame says.
#[derive(Clone, Copy, Debug)]
struct Closing {
    code: u16,
    reason: &'static str,
}

impl Closing {
    const NO_KEY: Closing = Closing {
        code: close_code::NO_KEY,
        reason: "no access key within 10 s",
    };
    const IDLE: Closing = Closing {
        code: close_code::IDLE,
        reason: "idle: no sign-in and no prompt",
    };
    const TOO_BIG: Closing = Closing {
        code: ws_close::SIZE,
        reason: "message too big: at most 64 KiB",
    };
}

/// Sends the close frame, waiting at most a moment for a client that
/// does not read.
async fn close(socket: &mut WebSocket, why: Closing) {
    let frame = Message::Close(Some(CloseFrame {
        code: why.code,
        reason: why.reason.into(),
    }));
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(frame)).await;
}

/// A failed check, told as a session error.
fn as_session_error(event: ServerEvent) -> ServerEvent {
    match event {
        ServerEvent::Error { error, reason, .. } => ServerEvent::SessionError { error, reason },
        other => other,
    }
}

fn no_flow(message: &str) -> ServerEvent {
    ServerEvent::error(ErrorReason::NoFlow, message, false)
}

fn rate_limited_keys() -> ServerEvent {
    ServerEvent::error(
        ErrorReason::RateLimited,
        "Too many wrong access keys from this address; wait a minute, then try again.",
        false,
    )
}

/// An `Instant` as milliseconds since the Unix epoch.
fn epoch_ms(at: Instant) -> u64 {
    let now = Instant::now();
    let wall = std::time::SystemTime::now();
    let when = if at >= now {
        wall + (at - now)
    } else {
        wall - (now - at)
    };
    when.duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
