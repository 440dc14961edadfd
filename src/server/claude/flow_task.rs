//! Runs one login flow: the CLI on its PTY, its screen, the state machine,
//! the clock and the credential store, in one task. Commands come in on a
//! channel; events go out on another, which a resumed connection replaces.

use std::{net::IpAddr, num::NonZeroU16, path::PathBuf, sync::Arc, time::Instant};

use secrecy::ExposeSecret;
use tokio::sync::mpsc;

use super::{
    activity::{self, ActivityLog},
    cli_env::CliEnv,
    credential_life::CredentialLife,
    credentials::{Credential, CredentialStore},
    flow_machine::{Effect, FlowEvent, LoginFlow, Timeouts},
    pty::{PtyProcess, COLUMNS, ROWS},
    screen::Screen,
};
use crate::protocol::{
    terminal::TerminalKey, ActivityEvent, ActivityKind, AuthMethod, ErrorReason,
};

/// How a flow ended (the server counts these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowOutcome {
    Completed,
    Failed(ErrorReason),
}

impl FlowOutcome {
    /// What the activity list says of it; a person's own cancel (or
    /// leaving) changed nothing and says nothing.
    pub(crate) fn activity(self, ip: Option<IpAddr>) -> Option<ActivityEvent> {
        match self {
            FlowOutcome::Completed => Some(activity::happened(
                ActivityKind::SignedIn,
                ip,
                Some(AuthMethod::OauthToken),
                None,
            )),
            FlowOutcome::Failed(ErrorReason::Cancelled) => None,
            FlowOutcome::Failed(reason) => Some(activity::happened(
                ActivityKind::LoginFailed,
                ip,
                None,
                Some(reason),
            )),
        }
    }
}

/// Where a flow writes how it ended, and who started it: written before
/// the browser hears the end, so a page that then reads the activity finds it.
#[derive(Clone)]
pub(crate) struct OutcomeLog {
    pub activity: Arc<ActivityLog>,
    pub ip: Option<IpAddr>,
}

/// What a connection can ask of its flow.
pub enum FlowCommand {
    Code(String),
    Retry,
    Cancel,
    /// Text typed on the live screen.
    Type(String),
    /// A key pressed on the live screen.
    Key(TerminalKey),
    /// The connection dropped (its events channel is closed first): keep
    /// the flow for the resume grace.
    Detach,
    /// A connection takes the flow (back); events go to `events` from now on.
    Resume(mpsc::Sender<FlowEvent>),
    /// The server stops.
    Shutdown,
}

/// What starting a flow needs.
#[derive(Clone)]
pub struct LoginSettings {
    pub cli: PathBuf,
    /// `CLAUDE_AUTH_TIMEOUT`.
    pub lifetime: std::time::Duration,
    pub timeouts: Timeouts,
    pub store: Arc<CredentialStore>,
    /// Which of the server's variables the CLI sees.
    pub cli_env: CliEnv,
    /// Variables added to the CLI's environment (tests give it a scratch HOME).
    pub env: Vec<(String, String)>,
}

/// The way to reach a running flow.
#[derive(Clone)]
pub struct FlowHandle {
    pub commands: mpsc::Sender<FlowCommand>,
    /// The CLI's process id (its process group's too).
    pub pid: i32,
}

/// Spawns `claude setup-token` and the task that drives it. Events go to `events`.
pub fn start(
    settings: &LoginSettings,
    events: mpsc::Sender<FlowEvent>,
) -> Result<(FlowHandle, tokio::task::JoinHandle<Option<FlowOutcome>>), super::pty::PtyError> {
    let (handle, driver) = prepare(settings, events, None)?;
    Ok((handle, tokio::spawn(driver)))
}

/// Spawns `claude setup-token`; the returned future drives the flow to its
/// end and must be spawned by the caller (who may wrap it).
pub(crate) fn prepare(
    settings: &LoginSettings,
    events: mpsc::Sender<FlowEvent>,
    outcome_log: Option<OutcomeLog>,
) -> Result<
    (
        FlowHandle,
        impl std::future::Future<Output = Option<FlowOutcome>> + Send + 'static,
    ),
    super::pty::PtyError,
> {
    let env: Vec<(&str, &str)> = settings
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let pty = PtyProcess::spawn(&settings.cli, &["setup-token"], &settings.cli_env, &env)?;
    let pid = pty.pid();
    let (commands, inbox) = mpsc::channel(16);
    let driver = run(pty, settings.clone(), inbox, events, outcome_log);
    Ok((FlowHandle { commands, pid }, driver))
}

/// The pause between the code and its Enter: long enough that the CLI
/// reads them apart (a read of the PTY returns what has arrived), short
/// enough that nobody notices.
const ENTER_AFTER_CODE: std::time::Duration = std::time::Duration::from_millis(100);

/// Lines of the screen named when the CLI stops unexpectedly.
const TAIL_LINES: usize = 6;
/// How long a CLI that closed its terminal gets to exit, for its status.
const EXIT_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The live screen is sent at most this often (it changes with every
/// frame of a spinner).
const SCREEN_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

async fn run(
    pty: PtyProcess,
    settings: LoginSettings,
    mut inbox: mpsc::Receiver<FlowCommand>,
    events: mpsc::Sender<FlowEvent>,
    outcome_log: Option<OutcomeLog>,
) -> Option<FlowOutcome> {
    let mut screen = Screen::new(
        NonZeroU16::new(ROWS).unwrap_or(NonZeroU16::MIN),
        NonZeroU16::new(COLUMNS).unwrap_or(NonZeroU16::MIN),
    );
    let (mut flow, first) = LoginFlow::start(Instant::now(), settings.lifetime, settings.timeouts);
    let mut driver = Driver {
        pty,
        events: Some(events),
        store: settings.store,
        outcome: None,
        outcome_log,
        screen_asks: Vec::new(),
    };
    let mut ended = driver.apply(&mut flow, first).await;
    let mut live = LiveScreen::default();
    // PTY reads come in at most 4 KiB.
    let mut buf = vec![0u8; 4096];
    let mut commands_open = true;
    while !ended {
        let deadline = flow.next_deadline().map(tokio::time::Instant::from_std);
        tokio::select! {
            read = driver.pty.read(&mut buf) => {
                let effects = match read {
                    Ok(0) | Err(_) => {
                        let now = Instant::now();
                        let mut effects: Vec<_> = screen
                            .finish()
                            .into_iter()
                            .flat_map(|o| flow.observe(o, now))
                            .collect();
                        let status = driver.exit_status().await;
                        effects.extend(flow.exited(status, Some(screen.last_words(TAIL_LINES))));
                        effects
                    }
                    Ok(n) => {
                        let now = Instant::now();
                        let observed = screen.feed(&buf[..n]);
                        if live.streaming {
                            live.changed = true;
                        }
                        observed.into_iter().flat_map(|o| flow.observe(o, now)).collect()
                    }
                };
                // Once the terminal is gone, nothing more can happen.
                let terminal_gone = matches!(read, Ok(0) | Err(_));
                ended = driver.apply(&mut flow, effects).await || flow.is_ended() || terminal_gone;
            }
            command = inbox.recv(), if commands_open => {
                let now = Instant::now();
                let effects = match command {
                    Some(FlowCommand::Code(code)) => flow.submit_code(&code, now),
                    Some(FlowCommand::Retry) => flow.retry(now),
                    Some(FlowCommand::Cancel) => flow.cancel(),
                    Some(FlowCommand::Type(text)) => flow.type_text(&text),
                    Some(FlowCommand::Key(key)) => flow.press_key(key),
                    Some(FlowCommand::Shutdown) => flow.shut_down(),
                    Some(FlowCommand::Detach) => {
                        // A connection that resumed the flow meanwhile has
                        // an open channel: the old one's leaving is not its.
                        if driver.events.as_ref().is_none_or(mpsc::Sender::is_closed) {
                            driver.events = None;
                            flow.detach(now);
                        }
                        Vec::new()
                    }
                    Some(FlowCommand::Resume(events)) => {
                        driver.events = Some(events);
                        flow.resume()
                    }
                    None => {
                        // Every handle is gone: nobody can resume this flow.
                        commands_open = false;
                        flow.cancel()
                    }
                };
                ended = driver.apply(&mut flow, effects).await;
            }
            _ = sleep_until(deadline) => {
                let effects = flow.tick(Instant::now());
                ended = driver.apply(&mut flow, effects).await;
            }
            _ = sleep_until(live.due()) => {
                live.send(&mut driver, &mut screen).await;
            }
        }
        // What the flow asked of the live screen: start streaming it, or
        // send it now.
        for ask in driver.screen_asks.drain(..) {
            match ask {
                Effect::StreamScreen => {
                    live.streaming = true;
                    tracing::warn!(
                        screen = ?screen.tail(usize::MAX),
                        "the Claude CLI showed no sign-in link Dispatch can read; its screen goes to the browser"
                    );
                    live.owed = true;
                }
                _ => live.owed = true,
            }
        }
        if !flow.is_live() {
            // A link came (or the flow ended): no screen after it.
            live.streaming = false;
            live.owed = false;
        }
        // Most of a flow's life is spent waiting for the person: after every
        // turn (a read, a log of the screen, a screen sent) the screen is
        // written down and its grid (~300 KiB) freed, so only the flows
        // being read at this instant hold one.
        screen.park();
    }
    // What was asked while the flow ended is answered, never dropped:
    // closing the inbox makes later asks fail at once (the connection
    // answers those itself).
    inbox.close();
    while let Ok(command) = inbox.try_recv() {
        if matches!(
            command,
            FlowCommand::Code(_) | FlowCommand::Retry | FlowCommand::Cancel
        ) {
            driver
                .apply(&mut flow, vec![super::flow_machine::no_flow()])
                .await;
        }
    }
    driver.pty.kill().await;
    driver.outcome
}

/// The live screen's sending: at most every [`SCREEN_EVERY`], only when it
/// changed, or when it is owed (a resume, an answer to a key).
#[derive(Default)]
struct LiveScreen {
    streaming: bool,
    changed: bool,
    owed: bool,
    sent_at: Option<tokio::time::Instant>,
    last: Option<Vec<String>>,
}

impl LiveScreen {
    /// When to look at the screen next, if there is reason to.
    fn due(&self) -> Option<tokio::time::Instant> {
        if !(self.owed || (self.streaming && self.changed)) {
            return None;
        }
        let now = tokio::time::Instant::now();
        Some(self.sent_at.map_or(now, |at| (at + SCREEN_EVERY).max(now)))
    }

    async fn send(&mut self, driver: &mut Driver, screen: &mut Screen) {
        let lines = screen.visible();
        let owed = std::mem::take(&mut self.owed);
        self.changed = false;
        if !owed && self.last.as_ref() == Some(&lines) {
            return;
        }
        self.sent_at = Some(tokio::time::Instant::now());
        self.last = Some(lines.clone());
        let problem = screen.problem();
        driver.send(FlowEvent::Screen { lines, problem }).await;
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

struct Driver {
    pty: PtyProcess,
    events: Option<mpsc::Sender<FlowEvent>>,
    store: Arc<CredentialStore>,
    /// How the flow ended, once it has (for the metrics).
    outcome: Option<FlowOutcome>,
    outcome_log: Option<OutcomeLog>,
    /// Screen effects, carried out by the loop (which owns the screen).
    screen_asks: Vec<Effect>,
}

impl Driver {
    /// Carries out `effects`; `true` once the flow has ended.
    async fn apply(&mut self, flow: &mut LoginFlow, effects: Vec<Effect>) -> bool {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        let mut ended = false;
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Send(event) => self.send(event).await,
                Effect::TypeCode(code) => {
                    // One write for the code (typed key by key, a code
                    // starting with `c` would lose it: the CLI copies), then,
                    // a moment later, Enter in a write of its own: a CLI
                    // that reads both at once takes them as one paste and
                    // drops the Enter (2.0.14 does).
                    let typed = async {
                        self.pty.write_all(code.as_bytes()).await?;
                        tokio::time::sleep(ENTER_AFTER_CODE).await;
                        self.pty.write_all(b"\r").await
                    };
                    if let Err(error) = typed.await {
                        tracing::warn!(%error, "typing the code into the CLI failed");
                        queue.extend(flow.exited(None, None));
                    }
                }
                Effect::PressEnter => {
                    if let Err(error) = self.pty.write_all(b"\r").await {
                        tracing::warn!(%error, "pressing Enter in the CLI failed");
                        queue.extend(flow.exited(None, None));
                    }
                }
                Effect::StoreToken(token) => {
                    let store = self.store.clone();
                    let credential = Credential {
                        method: AuthMethod::OauthToken,
                        secret: token.0.expose_secret().to_owned().into(),
                        life: CredentialLife::stored_now(),
                    };
                    let saved = tokio::task::spawn_blocking(move || store.save(&credential))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| e.to_string()));
                    match &saved {
                        Ok(()) => tracing::info!("a Claude token was captured and stored"),
                        Err(error) => {
                            tracing::error!(%error, "the captured token could not be stored")
                        }
                    }
                    queue.extend(flow.stored(saved));
                }
                Effect::Write(bytes) => {
                    if let Err(error) = self.pty.write_all(&bytes).await {
                        tracing::warn!(%error, "writing to the CLI failed");
                        queue.extend(flow.exited(None, None));
                    }
                }
                ask @ (Effect::StreamScreen | Effect::SendScreen) => self.screen_asks.push(ask),
                Effect::End => ended = true,
            }
        }
        ended
    }

    async fn send(&mut self, event: FlowEvent) {
        let ended = match &event {
            FlowEvent::Complete => Some(FlowOutcome::Completed),
            FlowEvent::Error {
                reason,
                retry: false,
                ..
            } => Some(FlowOutcome::Failed(*reason)),
            _ => None,
        };
        if let Some(outcome) = ended {
            self.outcome = Some(outcome);
            let recorded = self
                .outcome_log
                .take()
                .and_then(|log| Some((log.activity, outcome.activity(log.ip)?)));
            if let Some((log, event)) = recorded {
                activity::record(&log, event).await;
            }
        }
        if let Some(events) = &self.events {
            if events.send(event).await.is_err() {
                self.events = None;
            }
        }
    }

    /// The child's exit status, once it has gone (briefly waited for).
    async fn exit_status(&mut self) -> Option<u32> {
        let status = self.pty.wait_exit(EXIT_WAIT).await?;
        Some(status.exit_code())
    }
}
