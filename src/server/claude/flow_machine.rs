//! One login flow as a state machine: what the CLI shows, what the person
//! does and what the clock says go in; what to tell the browser, what to type
//! into the terminal and what to store come out. Pure: the caller owns the
//! PTY, the timers' sleeping and the credential store, and passes `now`.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::{
    code::{self, AuthCode},
    screen::{OAuthErrorKind, Observation},
};
use crate::protocol::{
    terminal::{check_typed, TerminalKey},
    ErrorReason, FlowStage,
};

/// The flow's clocks, other than its whole lifetime.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// No URL this long after spawn (or after a retry): the CLI shows
    /// something nobody expected. Fail loudly instead of waiting in silence.
    pub url: Duration,
    /// No outcome this long after the code was typed.
    pub exchange: Duration,
    /// How long a flow whose connection dropped waits to be resumed.
    pub resume_grace: Duration,
}

impl Default for Timeouts {
    /// 20 s to the URL (then the live screen), 45 s for the exchange (the
    /// CLI's own limit is 30 s), 120 s to resume (docs/protocol.md).
    fn default() -> Self {
        Self {
            url: Duration::from_secs(20),
            exchange: Duration::from_secs(45),
            resume_grace: Duration::from_secs(120),
        }
    }
}

pub(crate) const URL_INSTRUCTIONS: &str = "Open the link, sign in to your Claude account and authorize Claude Code. Then copy the code the page shows and paste it here.";

/// What the flow tells the browser (the socket adds the flow's id).
#[derive(Debug, PartialEq)]
pub enum FlowEvent {
    Progress(FlowStage),
    Url {
        url: String,
        expires_at: Instant,
    },
    /// The CLI's screen, while it shows something Dispatch cannot read.
    Screen {
        lines: Vec<String>,
        problem: Option<String>,
    },
    Complete,
    Error {
        reason: ErrorReason,
        message: String,
        retry: bool,
    },
}

/// What the caller must do.
#[derive(Debug, PartialEq)]
pub(crate) enum Effect {
    Send(FlowEvent),
    /// Type the code (one write), then `\r` (a second write).
    TypeCode(AuthCode),
    /// Press Enter: the CLI starts over after an error.
    PressEnter,
    /// Store the token, then call [`LoginFlow::stored`] with the outcome.
    StoreToken(Token),
    /// From now on, send the screen as it changes (a few times a second at
    /// most), and log it whole (secrets masked): no link could be read.
    StreamScreen,
    /// Send the screen now, changed or not (a resumed connection, an
    /// answer to a key).
    SendScreen,
    /// Write what the person typed or pressed on the live screen.
    Write(Vec<u8>),
    /// Kill the CLI and forget the flow.
    End,
}

/// The captured token; never printed, compared by value (for tests).
pub(crate) struct Token(pub SecretString);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

#[derive(Debug, PartialEq)]
enum State {
    /// The CLI starts; no URL yet.
    Starting,
    /// The URL is out; the CLI waits for a code.
    WaitingForCode,
    /// A code was typed; the CLI exchanges it.
    Validating,
    /// The CLI showed an OAuth error and waits for Enter.
    Failed,
    /// Enter was pressed; the CLI shows its URL again. A code that came
    /// while failed waits here to be typed once the prompt is back.
    Retrying {
        pending: Option<AuthCode>,
    },
    /// No link could be read in time: the person answers the CLI's screen
    /// by hand (type, keys) until a link appears.
    Live,
    /// The token is being stored.
    Storing,
    Ended,
}

pub(crate) struct LoginFlow {
    state: State,
    timeouts: Timeouts,
    url: Option<String>,
    expires_at: Instant,
    url_deadline: Option<Instant>,
    exchange_deadline: Option<Instant>,
    grace_deadline: Option<Instant>,
}

impl LoginFlow {
    /// A flow whose CLI was just spawned at `now`, ending at `now + lifetime`.
    pub(crate) fn start(
        now: Instant,
        lifetime: Duration,
        timeouts: Timeouts,
    ) -> (Self, Vec<Effect>) {
        let flow = Self {
            state: State::Starting,
            timeouts,
            url: None,
            expires_at: now + lifetime,
            url_deadline: Some(now + timeouts.url),
            exchange_deadline: None,
            grace_deadline: None,
        };
        (
            flow,
            vec![Effect::Send(FlowEvent::Progress(FlowStage::Starting))],
        )
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.state == State::Ended
    }

    /// Whether the person answers the CLI's screen by hand now.
    pub(crate) fn is_live(&self) -> bool {
        self.state == State::Live
    }

    /// The earliest moment at which [`LoginFlow::tick`] has something to do.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        [
            Some(self.expires_at),
            self.url_deadline,
            self.exchange_deadline,
            self.grace_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
        .filter(|_| !self.is_ended())
    }

    /// What the screen showed.
    pub(crate) fn observe(&mut self, observation: Observation, now: Instant) -> Vec<Effect> {
        match (observation, &mut self.state) {
            (Observation::Url(url), State::Starting | State::WaitingForCode) => {
                self.url_deadline = None;
                self.state = State::WaitingForCode;
                self.url = Some(url.clone());
                self.send_url(url)
            }
            (Observation::Url(url), State::Live) => {
                self.state = State::WaitingForCode;
                self.url = Some(url.clone());
                self.send_url(url)
            }
            (Observation::Url(url), State::Retrying { pending }) => {
                self.url_deadline = None;
                let pending = pending.take();
                let same_link = self.url.as_deref() == Some(url.as_str());
                self.url = Some(url.clone());
                match pending {
                    // The CLI took the same link back: the code the person
                    // already pasted can be tried at once.
                    Some(code) if same_link => self.type_code(code, now),
                    Some(_) => {
                        self.state = State::WaitingForCode;
                        let mut effects = self.send_url(url);
                        effects.push(Effect::Send(FlowEvent::Error {
                            reason: ErrorReason::InvalidCode,
                            message: "The sign-in link has changed. Open the new link and paste the code it gives you.".into(),
                            retry: true,
                        }));
                        effects
                    }
                    None => {
                        self.state = State::WaitingForCode;
                        self.send_url(url)
                    }
                }
            }
            (Observation::CodeMissingHash, State::Validating) => {
                self.exchange_deadline = None;
                self.state = State::WaitingForCode;
                vec![
                    Effect::Send(FlowEvent::Error {
                        reason: ErrorReason::InvalidCode,
                        message: code::CodeError::MissingHash.to_string(),
                        retry: true,
                    }),
                    Effect::Send(FlowEvent::Progress(FlowStage::WaitingForCode)),
                ]
            }
            (
                Observation::OAuthError { kind, message },
                State::Validating | State::WaitingForCode,
            ) => {
                self.exchange_deadline = None;
                self.state = State::Failed;
                let (reason, sentence) = match kind {
                    OAuthErrorKind::RejectedCode => (
                        ErrorReason::InvalidCode,
                        format!("The sign-in service did not accept that code ({message}). Check it and try again, or ask for a new link."),
                    ),
                    OAuthErrorKind::Network => (
                        ErrorReason::Network,
                        format!("The server could not reach Claude's sign-in service ({}). Check the server's internet connection, then retry: the same link comes back, and the code can be pasted again.", network_cause(&message)),
                    ),
                    OAuthErrorKind::Other => (
                        ErrorReason::CliFailed,
                        format!("Signing in failed: {}. Retry to get a new link.", message.trim_end_matches('.')),
                    ),
                };
                vec![Effect::Send(FlowEvent::Error {
                    reason,
                    message: sentence,
                    retry: true,
                })]
            }
            (Observation::Success(token), State::Validating | State::WaitingForCode) => {
                self.exchange_deadline = None;
                self.state = State::Storing;
                vec![Effect::StoreToken(Token(token))]
            }
            // Prompt and "Finishing sign-in…" add nothing the state does not know.
            _ => Vec::new(),
        }
    }

    fn send_url(&self, url: String) -> Vec<Effect> {
        vec![
            Effect::Send(FlowEvent::Url {
                url,
                expires_at: self.expires_at,
            }),
            Effect::Send(FlowEvent::Progress(FlowStage::WaitingForCode)),
        ]
    }

    fn type_code(&mut self, code: AuthCode, now: Instant) -> Vec<Effect> {
        self.state = State::Validating;
        self.exchange_deadline = Some(now + self.timeouts.exchange);
        vec![
            Effect::TypeCode(code),
            Effect::Send(FlowEvent::Progress(FlowStage::Validating)),
        ]
    }

    /// The person pasted a code.
    pub(crate) fn submit_code(&mut self, pasted: &str, now: Instant) -> Vec<Effect> {
        let code = match code::validate(pasted) {
            Ok(code) => code,
            Err(error) => {
                return vec![Effect::Send(FlowEvent::Error {
                    reason: ErrorReason::InvalidCode,
                    message: error.to_string(),
                    retry: !self.is_ended(),
                })]
            }
        };
        match &mut self.state {
            State::WaitingForCode => self.type_code(code, now),
            State::Failed => {
                // The CLI needs Enter before it takes another code.
                self.state = State::Retrying {
                    pending: Some(code),
                };
                self.url_deadline = Some(now + self.timeouts.url);
                vec![
                    Effect::PressEnter,
                    Effect::Send(FlowEvent::Progress(FlowStage::Validating)),
                ]
            }
            State::Retrying { pending } => {
                *pending = Some(code);
                Vec::new()
            }
            State::Starting => vec![busy_error(
                "The sign-in link is not ready yet. Wait for it, then paste the code.",
            )],
            State::Live => vec![busy_error(
                "There is no sign-in link yet: answer the CLI's screen until one appears, then paste the code.",
            )],
            State::Validating | State::Storing => {
                vec![busy_error(
                    "A code is being checked already. Wait for the answer.",
                )]
            }
            State::Ended => vec![no_flow()],
        }
    }

    /// The person asked for a new link.
    pub(crate) fn retry(&mut self, now: Instant) -> Vec<Effect> {
        match self.state {
            State::Failed => {
                self.state = State::Retrying { pending: None };
                self.url_deadline = Some(now + self.timeouts.url);
                vec![
                    Effect::PressEnter,
                    Effect::Send(FlowEvent::Progress(FlowStage::Starting)),
                ]
            }
            // The link in force is still good: show it again.
            State::WaitingForCode => match self.url.clone() {
                Some(url) => self.send_url(url),
                None => Vec::new(),
            },
            State::Ended => vec![no_flow()],
            _ => vec![busy_error(
                "The flow is busy; wait for its answer before asking for a new link.",
            )],
        }
    }

    /// The person typed `text` on the live screen.
    pub(crate) fn type_text(&mut self, text: &str) -> Vec<Effect> {
        if self.state != State::Live {
            return self.not_live();
        }
        match check_typed(text) {
            Ok(text) => vec![Effect::Write(text.as_bytes().to_vec()), Effect::SendScreen],
            Err(error) => vec![busy_error(&error.to_string())],
        }
    }

    /// The person pressed `key` on the live screen.
    pub(crate) fn press_key(&mut self, key: TerminalKey) -> Vec<Effect> {
        if self.state != State::Live {
            return self.not_live();
        }
        vec![Effect::Write(key.bytes().to_vec()), Effect::SendScreen]
    }

    fn not_live(&self) -> Vec<Effect> {
        if self.is_ended() {
            return vec![no_flow()];
        }
        vec![busy_error(
            "The CLI's screen is not shown now: Dispatch reads it itself. Use the sign-in's own steps.",
        )]
    }

    /// The person ended the flow.
    pub(crate) fn cancel(&mut self) -> Vec<Effect> {
        self.end(ErrorReason::Cancelled, "Sign-in was cancelled.".into())
    }

    /// The server is stopping.
    pub(crate) fn shut_down(&mut self) -> Vec<Effect> {
        self.end(
            ErrorReason::Cancelled,
            "The server is restarting. Start the sign-in again in a moment.".into(),
        )
    }

    /// The connection that owns the flow dropped.
    pub(crate) fn detach(&mut self, now: Instant) {
        if !self.is_ended() {
            self.grace_deadline = Some(now + self.timeouts.resume_grace);
        }
    }

    /// A connection took the flow back: tell it where things stand.
    pub(crate) fn resume(&mut self) -> Vec<Effect> {
        self.grace_deadline = None;
        match &self.state {
            State::WaitingForCode => match self.url.clone() {
                Some(url) => self.send_url(url),
                None => Vec::new(),
            },
            State::Starting | State::Retrying { .. } => {
                vec![Effect::Send(FlowEvent::Progress(FlowStage::Starting))]
            }
            State::Validating | State::Storing => {
                vec![Effect::Send(FlowEvent::Progress(FlowStage::Validating))]
            }
            State::Live => vec![Effect::SendScreen],
            State::Failed => vec![Effect::Send(FlowEvent::Error {
                reason: ErrorReason::InvalidCode,
                message: "The last code did not work. Paste a new one, or ask for a new link."
                    .into(),
                retry: true,
            })],
            State::Ended => vec![no_flow()],
        }
    }

    /// The CLI closed its terminal (exited) with `status`.
    /// `said` is what its screen says went wrong (its error line, else its
    /// last lines; secrets masked), if anything.
    pub(crate) fn exited(&mut self, status: Option<u32>, said: Option<String>) -> Vec<Effect> {
        match self.state {
            State::Ended | State::Storing => Vec::new(),
            _ => {
                let how = status.map_or("".to_owned(), |s| format!(" (exit status {s})"));
                let said = said
                    .filter(|s| !s.trim().is_empty())
                    .map_or(String::new(), |s| {
                        format!(" It said: {}.", s.trim_end_matches('.'))
                    });
                self.end(
                    ErrorReason::CliFailed,
                    format!(
                        "The Claude CLI stopped unexpectedly{how}.{said} Start the sign-in again."
                    ),
                )
            }
        }
    }

    /// The token was stored (`Ok`), or could not be (`Err` with a sentence).
    pub(crate) fn stored(&mut self, outcome: Result<(), String>) -> Vec<Effect> {
        if self.state != State::Storing {
            return Vec::new();
        }
        self.state = State::Ended;
        match outcome {
            Ok(()) => vec![Effect::Send(FlowEvent::Complete), Effect::End],
            Err(message) => vec![
                Effect::Send(FlowEvent::Error {
                    reason: ErrorReason::Permission,
                    message,
                    retry: false,
                }),
                Effect::End,
            ],
        }
    }

    /// The clock moved to `now`.
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<Effect> {
        if self.is_ended() {
            return Vec::new();
        }
        let due = |d: Option<Instant>| d.is_some_and(|d| d <= now);
        if due(self.grace_deadline) {
            return self.end(
                ErrorReason::Expired,
                "The sign-in was left for too long after the page disconnected.".into(),
            );
        }
        if now >= self.expires_at {
            return self.end(
                ErrorReason::Expired,
                "The sign-in took too long and expired. Start again.".into(),
            );
        }
        if due(self.url_deadline) {
            // A CLI that asks something new, or shows a link in a way the
            // reader does not know, is answered by the person instead of
            // failing: the flow's lifetime still bounds it.
            self.url_deadline = None;
            self.state = State::Live;
            return vec![Effect::StreamScreen];
        }
        if due(self.exchange_deadline) {
            return self.end(
                ErrorReason::Timeout,
                format!("Claude's sign-in service did not answer within {} s. Check the server's internet connection, then start again.", self.timeouts.exchange.as_secs()),
            );
        }
        Vec::new()
    }

    fn end(&mut self, reason: ErrorReason, message: String) -> Vec<Effect> {
        if self.is_ended() {
            return Vec::new();
        }
        self.state = State::Ended;
        vec![
            Effect::Send(FlowEvent::Error {
                reason,
                message,
                retry: false,
            }),
            Effect::End,
        ]
    }
}

/// What a network error's message says went wrong, without the advice the
/// CLI adds (which the sentence around it gives once): `ENOTFOUND` from
/// "Couldn't get an answer from the sign-in service (ENOTFOUND). Check your
/// internet connection, then try again.", the whole first sentence otherwise.
fn network_cause(message: &str) -> String {
    let first = message
        .split(". ")
        .next()
        .unwrap_or(message)
        .trim_end_matches('.');
    match (first.rfind('('), first.ends_with(')')) {
        (Some(open), true) => first[open + 1..first.len() - 1].to_owned(),
        _ => first.to_owned(),
    }
}

fn busy_error(message: &str) -> Effect {
    Effect::Send(FlowEvent::Error {
        reason: ErrorReason::BadRequest,
        message: message.into(),
        retry: true,
    })
}

/// The answer to an ask for a flow that has ended.
pub(crate) fn no_flow() -> Effect {
    Effect::Send(FlowEvent::Error {
        reason: ErrorReason::NoFlow,
        message: "This sign-in has ended. Start a new one.".into(),
        retry: false,
    })
}

#[cfg(test)]
mod tests;
