//! The session half of a connection: `claude.session.prompt` starts one
//! `claude -p` run for the pane, its lines come back as `claude.session.*`.

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::Connection;
use crate::{
    protocol::{session::SessionResult, ActivityKind, ErrorReason, PromptData, ServerEvent},
    server::claude::{
        activity,
        cli::CliSearch,
        credential_life::now,
        prompt_run::{self, SessionEnd, SessionSettings, SessionUpdate},
        run_credential,
        stream_json::{cut, StreamEvent},
    },
};

/// Longest prompt, in characters.
pub(crate) const MAX_PROMPT: usize = 8_000;

fn session_error(reason: ErrorReason, error: impl Into<String>) -> Vec<ServerEvent> {
    vec![ServerEvent::SessionError {
        error: error.into(),
        reason,
    }]
}

/// `8-4-4-4-12` hexadecimal digits: the form of the CLI's session ids.
pub(crate) fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Connection {
    pub(super) async fn prompt(&mut self, request: PromptData) -> Vec<ServerEvent> {
        if self.session.is_some() {
            return session_error(
                ErrorReason::Busy,
                "Claude is still answering the last prompt here: wait for it, or stop it.",
            );
        }
        let prompt = request.prompt.trim();
        if prompt.is_empty() {
            return session_error(ErrorReason::BadRequest, "Type a prompt first.");
        }
        if prompt.chars().count() > MAX_PROMPT {
            return session_error(
                ErrorReason::BadRequest,
                format!("That prompt is too long: at most {MAX_PROMPT} characters."),
            );
        }
        // The id reaches the CLI's command line: only its exact form (a
        // UUID, as the CLI gives them) may, so none can be read as a flag.
        let resume = match request.session_id {
            Some(id) if !is_uuid(&id) => {
                return session_error(
                    ErrorReason::BadRequest,
                    "That session id is not one the CLI gave (a UUID).",
                );
            }
            other => other,
        };
        let config = self.state.session_config.clone();
        let project_dir = match config.projects.dir(&request.project) {
            Ok(dir) => dir,
            Err(error) => return session_error(ErrorReason::BadRequest, error.to_string()),
        };
        let cli = match CliSearch::from_process(self.state.login.configured_cli.clone()).find() {
            Ok(cli) => cli,
            Err(error) => return session_error(ErrorReason::CliMissing, error.to_string()),
        };
        let Some(place) = self.state.prompt_places.try_place() else {
            return session_error(
                ErrorReason::Busy,
                format!(
                    "Claude is already answering {} prompts on this server, as many as it allows (DISPATCH_MAX_SESSIONS). Try again in a moment.",
                    self.state.prompt_places.max()
                ),
            );
        };
        let settings = SessionSettings {
            cli,
            cli_env: self.state.login.cli_env.clone(),
            project_dir,
            prompt: prompt.to_owned(),
            resume,
            credential: self.credential_for_run().await,
            timeout: config.timeout,
            max_output: config.max_output,
            stopping: self.state.prompt_places.stopping(),
        };
        match prompt_run::start(settings, place) {
            Ok(running) => {
                tracing::info!(project = %request.project, ip = %self.ip, "Claude prompt started");
                self.session = Some(running);
                vec![ServerEvent::SessionStarted {
                    project: request.project,
                }]
            }
            Err(error) => {
                tracing::error!(%error, "a Claude prompt could not be started");
                session_error(ErrorReason::CliFailed, error.to_string())
            }
        }
    }

    /// The credential the run gets, remembering whether it is Dispatch's.
    async fn credential_for_run(&mut self) -> Option<(&'static str, SecretString)> {
        let credential = run_credential::for_run(self.state.store.clone()).await;
        self.passed_credential = credential
            .stored
            .then(|| credential.passed.as_ref().map(|(_, s)| s.clone()))
            .flatten();
        credential.passed
    }

    /// Claude asked to log in although Dispatch passed its credential: it
    /// is marked refused (kept; a new sign-in replaces it), unless another
    /// was stored since the run started.
    fn mark_refused(&mut self) {
        let Some(passed) = self.passed_credential.take() else {
            return;
        };
        let store = self.state.store.clone();
        let log = self.state.activity.clone();
        let refused = activity::happened(ActivityKind::Rejected, Some(self.ip), None, None);
        tokio::task::spawn_blocking(move || {
            let still_stored = store.load().ok().flatten().is_some_and(|current| {
                bool::from(
                    current
                        .secret
                        .expose_secret()
                        .as_bytes()
                        .ct_eq(passed.expose_secret().as_bytes()),
                )
            });
            if !still_stored {
                return;
            }
            match store.mark_rejected(now()) {
                Ok(true) => {
                    tracing::warn!("Claude refused the stored credential; it is marked rejected until a new sign-in");
                    if let Err(error) = log.record(&refused) {
                        tracing::warn!(%error, "the activity log could not be written");
                    }
                }
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "the refused credential could not be marked"),
            }
        });
    }

    /// What the pane hears of one update from its run.
    pub(super) fn session_event(&mut self, update: SessionUpdate) -> Vec<ServerEvent> {
        match update {
            SessionUpdate::Event(StreamEvent::Init { session_id, model }) => {
                vec![ServerEvent::SessionInit { session_id, model }]
            }
            SessionUpdate::Event(StreamEvent::Text(text)) => {
                vec![ServerEvent::SessionText { text }]
            }
            SessionUpdate::Event(StreamEvent::Tool { name, detail }) => {
                vec![ServerEvent::SessionTool { name, detail }]
            }
            SessionUpdate::Event(StreamEvent::Result(result)) => {
                // The run is over for the pane: a prompt sent on hearing the
                // result must not find it still busy. (Its CLI is being
                // reaped; its place under the cap returns then.)
                self.session = None;
                let credential_rejected = result.login_required && self.passed_credential.is_some();
                if result.login_required {
                    self.mark_refused();
                }
                self.passed_credential = None;
                vec![ServerEvent::SessionResult(SessionResult {
                    success: !result.is_error,
                    text: result.text,
                    session_id: result.session_id,
                    duration_ms: result.duration_ms,
                    login_required: result.login_required,
                    credential_rejected,
                })]
            }
            SessionUpdate::OutputCut(limit) => vec![ServerEvent::SessionText {
                text: format!(
                    "\n\n[Dispatch: this answer passed {} MiB; the rest of it is not shown.]",
                    limit / (1024 * 1024)
                ),
            }],
            SessionUpdate::End(end) => {
                self.session = None;
                match end {
                    SessionEnd::Finished => Vec::new(),
                    SessionEnd::TimedOut(after) => session_error(
                        ErrorReason::Timeout,
                        format!(
                            "Claude did not finish within {} s (DISPATCH_PROMPT_TIMEOUT), so it was stopped.",
                            after.as_secs()
                        ),
                    ),
                    SessionEnd::Cancelled => session_error(ErrorReason::Cancelled, "Stopped."),
                    SessionEnd::ServerStopping => session_error(
                        ErrorReason::Cancelled,
                        "The server is restarting, so Claude was stopped. Send the prompt again in a moment.",
                    ),
                    SessionEnd::Failed(said) => session_error(
                        ErrorReason::CliFailed,
                        format!("Claude stopped without an answer: {}", cut(&said, 500)),
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn only_uuids_are_session_ids() {
        assert!(is_uuid("3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"));
        assert!(is_uuid("3F2B8C1E-9D4A-4B7E-8F00-1A2B3C4D5E6F"));
        for id in [
            "--dangerously-skip-permissions",
            "-3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f",
            "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6",
            "3f2b8c1e9d4a4b7e8f001a2b3c4d5e6f",
            "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6g",
            "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f-",
            "",
        ] {
            assert!(!is_uuid(id), "{id}");
        }
    }
}
