//! What the login screen shows, as a pure state machine: the person's
//! actions and the server's events go in; the next screen and what to send
//! come out. No browser APIs here, so every path is unit-tested natively.

use crate::protocol::{
    code::{normalize_code, CodeError},
    terminal::{check_typed, TerminalKey, TypedError},
    ClientEvent, ErrorReason, FlowStage, ServerEvent,
};

/// The screen of the login section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No flow: the login prompt (or the status, when signed in).
    #[default]
    Idle,
    /// A flow starts; no link yet.
    Preparing,
    /// The link is out; the code input waits.
    WaitingForCode,
    /// The code is being checked.
    Validating,
    /// The CLI showed something Dispatch cannot read: its screen, answered
    /// by hand until a link appears.
    LiveScreen,
    /// Signed in just now.
    Succeeded,
    /// The flow failed; `LoginModel::error` says how, and whether it can go on.
    Failed,
}

/// An error as the person sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShownError {
    pub message: String,
    pub reason: ErrorReason,
    /// The same flow takes a code or a retry.
    pub retry: bool,
}

impl ShownError {
    /// A server set-up problem the person cannot fix from here.
    pub(crate) fn is_configuration(&self) -> bool {
        matches!(
            self.reason,
            ErrorReason::CliMissing | ErrorReason::Disabled | ErrorReason::Permission
        )
    }

    /// The sign-in service could not be reached, or did not answer.
    pub(crate) fn is_connectivity(&self) -> bool {
        matches!(self.reason, ErrorReason::Network | ErrorReason::Timeout)
    }
}

/// The key of an event the model builds: the socket signs each event as it
/// sends it ([`ClientEvent::with_key`]), so the model never holds the key.
pub(crate) const UNSIGNED: String = String::new();

/// What the page must do besides re-rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Send this event (the sign-in's, or the Claude pane's: they share
    /// the socket).
    Send(ClientEvent),
    /// Ask the server for the status again (after a sign-in).
    RefreshStatus,
    /// Move the focus to the link (it just arrived: the person opens it
    /// first; the code input takes the focus when they come back).
    FocusLink,
    /// The server refused the access key.
    KeyRefused,
}

/// An expired flow restarts itself, but not in a loop.
const MAX_AUTO_RESTARTS: u32 = 2;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LoginModel {
    pub phase: Phase,
    pub flow: Option<String>,
    pub url: Option<String>,
    /// When the flow ends by itself (ms since the epoch).
    pub expires_at: Option<u64>,
    pub error: Option<ShownError>,
    /// A notice that is not an error (e.g. "the link expired; here is a new one").
    pub notice: Option<String>,
    /// The CLI's screen, while the phase is [`Phase::LiveScreen`].
    pub screen: Vec<String>,
    /// The line on that screen that says what went wrong, if any.
    pub problem: Option<String>,
    auto_restarts: u32,
}

impl LoginModel {
    /// A flow is live on the server (a dropped socket should resume it).
    pub(crate) fn in_flow(&self) -> bool {
        matches!(
            self.phase,
            Phase::Preparing | Phase::WaitingForCode | Phase::Validating | Phase::LiveScreen
        ) || (self.phase == Phase::Failed && self.error.as_ref().is_some_and(|e| e.retry))
    }

    /// "Login with Claude", or starting over.
    pub(crate) fn start(&mut self) -> Effect {
        *self = LoginModel {
            phase: Phase::Preparing,
            auto_restarts: self.auto_restarts,
            ..LoginModel::default()
        };
        Effect::Send(ClientEvent::Start { key: UNSIGNED })
    }

    /// The person confirmed a code. Checked here first, as on the server.
    pub(crate) fn submit(&mut self, pasted: &str) -> Result<Effect, CodeError> {
        let code = normalize_code(pasted)?;
        self.phase = Phase::Validating;
        self.error = None;
        self.notice = None;
        Ok(Effect::Send(ClientEvent::Code {
            key: UNSIGNED,
            code,
        }))
    }

    /// "Get a new link": a new flow, whose CLI draws a new link (asking
    /// the same CLI again shows the same link).
    pub(crate) fn new_link(&mut self) -> Effect {
        self.auto_restarts = 0;
        self.start()
    }

    /// "Retry": press Enter in the same flow's CLI when it allows (it shows
    /// the same link again, and takes a code again), else a new flow.
    pub(crate) fn retry(&mut self) -> Effect {
        match (&self.error, &self.flow) {
            (Some(e), Some(_)) if e.retry => {
                self.phase = Phase::Preparing;
                self.error = None;
                Effect::Send(ClientEvent::Retry { key: UNSIGNED })
            }
            _ => {
                self.auto_restarts = 0;
                self.start()
            }
        }
    }

    /// Text typed for the CLI's live screen. Checked here first, as on the server.
    pub(crate) fn type_text(&mut self, text: &str) -> Result<Effect, TypedError> {
        let text = check_typed(text)?;
        self.error = None;
        Ok(Effect::Send(ClientEvent::Type {
            key: UNSIGNED,
            text: text.to_owned(),
        }))
    }

    /// A key pressed for the CLI's live screen.
    pub(crate) fn press(&mut self, key: TerminalKey) -> Effect {
        self.error = None;
        Effect::Send(ClientEvent::Key {
            key: UNSIGNED,
            name: key,
        })
    }

    /// "Cancel": back to the prompt.
    pub(crate) fn cancel(&mut self) -> Option<Effect> {
        let live = self.in_flow();
        *self = LoginModel::default();
        live.then_some(Effect::Send(ClientEvent::Cancel { key: UNSIGNED }))
    }

    /// The socket came back: take the live flow back.
    pub(crate) fn reconnected(&self) -> Option<Effect> {
        match (&self.flow, self.in_flow()) {
            (Some(flow), true) => Some(Effect::Send(ClientEvent::Resume {
                key: UNSIGNED,
                flow: flow.clone(),
            })),
            _ => None,
        }
    }

    /// An event from the server.
    pub(crate) fn on_event(&mut self, event: ServerEvent) -> Vec<Effect> {
        match event {
            ServerEvent::Progress { flow, stage } => {
                self.flow = Some(flow);
                self.phase = match stage {
                    FlowStage::Starting => Phase::Preparing,
                    FlowStage::WaitingForCode => Phase::WaitingForCode,
                    FlowStage::Validating => Phase::Validating,
                };
                Vec::new()
            }
            ServerEvent::Url {
                flow,
                url,
                expires_at,
                ..
            } => {
                let first = self.url.is_none();
                self.flow = Some(flow);
                self.url = Some(url);
                self.screen.clear();
                self.problem = None;
                self.expires_at = Some(expires_at);
                self.phase = Phase::WaitingForCode;
                self.error = None;
                if first {
                    vec![Effect::FocusLink]
                } else {
                    Vec::new()
                }
            }
            ServerEvent::Screen {
                flow,
                lines,
                problem,
            } => {
                self.flow = Some(flow);
                self.phase = Phase::LiveScreen;
                self.screen = lines;
                self.problem = problem;
                Vec::new()
            }
            ServerEvent::Complete { .. } => {
                *self = LoginModel {
                    phase: Phase::Succeeded,
                    ..LoginModel::default()
                };
                vec![Effect::RefreshStatus]
            }
            ServerEvent::Error {
                error,
                reason,
                retry,
                ..
            } => self.on_error(ShownError {
                message: error,
                reason,
                retry,
            }),
            // The socket's own greeting; a Claude session's events are the
            // pane's, not the sign-in's.
            ServerEvent::Hello {}
            | ServerEvent::SessionStarted { .. }
            | ServerEvent::SessionInit { .. }
            | ServerEvent::SessionText { .. }
            | ServerEvent::SessionTool { .. }
            | ServerEvent::SessionResult(_)
            | ServerEvent::SessionError { .. } => Vec::new(),
        }
    }

    fn on_error(&mut self, error: ShownError) -> Vec<Effect> {
        match error.reason {
            ErrorReason::Expired if self.auto_restarts < MAX_AUTO_RESTARTS => {
                // The original design: an expired sign-in restarts by itself.
                self.auto_restarts += 1;
                let effect = self.start();
                self.notice = Some(format!(
                    "{} A new sign-in link is on its way.",
                    error.message
                ));
                vec![effect]
            }
            ErrorReason::Unauthorized => {
                *self = LoginModel::default();
                vec![Effect::KeyRefused]
            }
            ErrorReason::Cancelled if !error.message.contains("restarting") => {
                *self = LoginModel::default();
                Vec::new()
            }
            // Something typed on the live screen was refused: the screen stays.
            ErrorReason::BadRequest if error.retry && self.phase == Phase::LiveScreen => {
                self.error = Some(error);
                Vec::new()
            }
            // A refused code keeps the input (and the link) for another try.
            ErrorReason::InvalidCode if error.retry => {
                self.phase = Phase::WaitingForCode;
                self.error = Some(error);
                Vec::new()
            }
            _ => {
                if !error.retry {
                    self.flow = None;
                }
                self.phase = Phase::Failed;
                self.error = Some(error);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests;
