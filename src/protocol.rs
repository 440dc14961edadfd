//! Types both sides of the wire share: the only code the browser and the
//! server have in common. Names on the wire are those of the original
//! Dispatch (camelCase fields, `claude.auth.*` events), as docs/protocol.md
//! lists them.

use serde::{Deserialize, Serialize};

pub(crate) mod code;
pub(crate) mod project;
pub(crate) mod rest;
pub(crate) mod session;
pub(crate) mod terminal;
pub mod time;

/// How a `claude` started by Dispatch would be signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A long-lived OAuth token (`CLAUDE_CODE_OAUTH_TOKEN`).
    OauthToken,
    /// An Anthropic API key (`ANTHROPIC_API_KEY`).
    ApiKey,
    /// The CLI's own login (`~/.claude/.credentials.json`, from `/login`).
    #[serde(rename = "claude.ai")]
    ClaudeAi,
}

impl AuthMethod {
    /// The words a person reads for this method.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            AuthMethod::OauthToken => "Claude account (long-lived token)",
            AuthMethod::ApiKey => "Anthropic API key",
            AuthMethod::ClaudeAi => "Claude account (the CLI's own login)",
        }
    }
}

/// Where the credential in force comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CredentialSource {
    /// What Dispatch stored (a captured token, or an API key given to it).
    Dispatch,
    /// The server's own environment: Dispatch cannot remove it.
    Environment,
    /// The CLI's own login files: Dispatch does not touch them.
    Cli,
}

/// The `claude` binary Dispatch would run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CliInfo {
    pub found: bool,
    /// The path that was found, or `None` when nothing was.
    pub path: Option<String>,
    /// What `claude --version` printed (e.g. `2.1.197`), when it answered.
    pub version: Option<String>,
    /// Why the CLI is missing or unusable, naming every place that was tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// `GET /api/claude/auth`: whether a `claude` started by Dispatch would be
/// signed in, and how. Never carries a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ClaudeStatus {
    pub authenticated: bool,
    pub method: Option<AuthMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CredentialSource>,
    /// `false` when the server runs with `CLAUDE_AUTH_ENABLED=false`.
    pub enabled: bool,
    pub cli: CliInfo,
    /// What Dispatch itself stored (`null` when nothing): its dates and
    /// whether it still counts.
    #[serde(default)]
    pub credential: Option<StoredCredential>,
    /// The HTTPS certificate Dispatch serves, when it serves TLS itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSummary>,
}

/// The credential Dispatch stored, as `GET /api/claude/auth` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredCredential {
    /// When it was stored (ISO 8601, UTC).
    pub stored_at: String,
    /// When it stops working (ISO 8601): a token a year after it was
    /// stored; `null` for an API key.
    pub expires_at: Option<String>,
    pub state: CredentialState,
}

/// Whether the stored credential still counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CredentialState {
    Ok,
    /// 30 days or less left: pages offer to sign in again.
    Expiring,
    /// Past its expiry: kept, but no longer passed to Claude runs.
    Expired,
    /// A Claude run refused it: kept, but no longer passed.
    Rejected,
}

/// What changed the stored credential (`GET /api/claude/activity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ActivityKind {
    /// A sign-in stored a token.
    SignedIn,
    ApiKeyStored,
    SignedOut,
    /// A sign-in ended without a token (`reason` says why).
    LoginFailed,
    /// A Claude run refused the stored credential.
    Rejected,
}

/// One change, as the activity list shows it. Never a secret or a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ActivityEvent {
    /// ISO 8601, UTC.
    pub at: String,
    pub kind: ActivityKind,
    /// The client's address, when known.
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<AuthMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorReason>,
}

/// The served certificate as the key holder sees it in Settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CertificateSummary {
    /// Its DNS names.
    pub names: Vec<String>,
    /// When it expires, in seconds since the Unix epoch.
    pub expires_at: i64,
}

/// Why a request or a flow failed, in a word a program can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorReason {
    InvalidCode,
    Network,
    Timeout,
    Expired,
    CliMissing,
    CliFailed,
    Permission,
    Unauthorized,
    RateLimited,
    Busy,
    BadRequest,
    Disabled,
    NoFlow,
    Cancelled,
}

/// The JSON body of every failed REST call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApiError {
    pub success: bool,
    /// A sentence for a person.
    pub error: String,
    pub reason: ErrorReason,
}

impl ApiError {
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn new(reason: ErrorReason, error: impl Into<String>) -> Self {
        Self {
            success: false,
            error: error.into(),
            reason,
        }
    }
}

/// The server's own websocket close codes (4000-4999 belong to the
/// application). The page does not reconnect on these until it needs the
/// socket again: reconnecting would only be closed the same way.
pub(crate) mod close_code {
    /// No valid access key came within the socket's first seconds.
    pub(crate) const NO_KEY: u16 = 4401;
    /// No flow, no prompt and no frame for a long while.
    pub(crate) const IDLE: u16 = 4408;
}

/// The `key` field of any [`ClientEvent`], by reference or by mutable
/// reference as the event is given: one list of the variants for both.
macro_rules! key_of {
    ($event:expr) => {
        match $event {
            ClientEvent::Hello { key }
            | ClientEvent::Start { key }
            | ClientEvent::Code { key, .. }
            | ClientEvent::Retry { key }
            | ClientEvent::Cancel { key }
            | ClientEvent::Resume { key, .. }
            | ClientEvent::Type { key, .. }
            | ClientEvent::Key { key, .. }
            | ClientEvent::Prompt(PromptData { key, .. })
            | ClientEvent::SessionCancel { key } => key,
        }
    };
}

/// Browser -> server frames: `{"event": "<name>", "data": {"key": …, …}}`.
/// The one definition of what a client may send: the page builds these,
/// the server reads them (after checking the frame's size and the event's
/// name, so each mistake gets its own answer). Every event carries the
/// access key; the page's model leaves it empty and its socket signs each
/// event as it sends it ([`ClientEvent::with_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub enum ClientEvent {
    /// The first frame of a socket: only the key, answered `hello {}`.
    #[serde(rename = "hello")]
    Hello { key: String },
    #[serde(rename = "claude.auth.start")]
    Start { key: String },
    #[serde(rename = "claude.auth.code")]
    Code { key: String, code: String },
    #[serde(rename = "claude.auth.retry")]
    Retry { key: String },
    #[serde(rename = "claude.auth.cancel")]
    Cancel { key: String },
    #[serde(rename = "claude.auth.resume")]
    Resume { key: String, flow: String },
    /// Text typed into the CLI's live screen.
    #[serde(rename = "claude.auth.type")]
    Type { key: String, text: String },
    /// A key pressed on the CLI's live screen.
    #[serde(rename = "claude.auth.key")]
    Key {
        key: String,
        name: terminal::TerminalKey,
    },
    #[serde(rename = "claude.session.prompt")]
    Prompt(PromptData),
    #[serde(rename = "claude.session.cancel")]
    SessionCancel { key: String },
}

impl ClientEvent {
    /// Every event's name, as on the wire (a test holds it to the enum).
    pub const NAMES: [&'static str; 10] = [
        "hello",
        "claude.auth.start",
        "claude.auth.code",
        "claude.auth.retry",
        "claude.auth.cancel",
        "claude.auth.resume",
        "claude.auth.type",
        "claude.auth.key",
        "claude.session.prompt",
        "claude.session.cancel",
    ];

    /// The access key the event carries.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn key(&self) -> &str {
        key_of!(self)
    }

    /// The event, signed with `access_key` (by the browser's socket).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn with_key(mut self, access_key: String) -> Self {
        *key_of!(&mut self) = access_key;
        self
    }

    /// A Claude pane's event (`claude.session.*`), not the sign-in's.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn is_session(&self) -> bool {
        matches!(
            self,
            ClientEvent::Prompt(_) | ClientEvent::SessionCancel { .. }
        )
    }
}

/// `claude.session.prompt`: run `prompt` in `project`; `sessionId` continues
/// the conversation the CLI reported.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct PromptData {
    pub key: String,
    pub project: String,
    pub prompt: String,
    #[serde(rename = "sessionId", default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// Where a login flow stands (`claude.auth.progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowStage {
    Starting,
    WaitingForCode,
    Validating,
}

/// Server -> browser websocket frames: `{"event": "<name>", "data": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub(crate) enum ServerEvent {
    /// The answer to `hello`: the key is right, the socket may be used.
    #[serde(rename = "hello")]
    Hello {},
    #[serde(rename = "claude.auth.progress")]
    Progress { flow: String, stage: FlowStage },
    #[serde(rename = "claude.auth.url")]
    Url {
        flow: String,
        url: String,
        instructions: String,
        /// When the flow ends by itself, in milliseconds since the Unix epoch.
        #[serde(rename = "expiresAt")]
        expires_at: u64,
    },
    /// The CLI showed no link Dispatch could read: its screen as text
    /// (secrets masked), sent again as it changes, to be answered with
    /// `claude.auth.type` and `claude.auth.key` until a link appears.
    #[serde(rename = "claude.auth.screen")]
    Screen {
        flow: String,
        lines: Vec<String>,
        /// The line that says what went wrong, when the CLI printed one
        /// (`ERROR …`, `Error: …`): shown first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
    },
    #[serde(rename = "claude.auth.complete")]
    Complete { success: bool },
    #[serde(rename = "claude.auth.error")]
    Error {
        success: bool,
        /// A sentence for a person.
        error: String,
        reason: ErrorReason,
        /// Whether the same flow still accepts a code or a retry.
        retry: bool,
    },
    /// A prompt's CLI is running in `project`.
    #[serde(rename = "claude.session.started")]
    SessionStarted { project: String },
    /// The CLI's first line: the conversation it continues or began.
    #[serde(rename = "claude.session.init")]
    SessionInit {
        #[serde(rename = "sessionId")]
        session_id: String,
        model: String,
    },
    /// Assistant text, as it comes.
    #[serde(rename = "claude.session.text")]
    SessionText { text: String },
    /// A tool Claude uses, with a one-line summary of its input.
    #[serde(rename = "claude.session.tool")]
    SessionTool { name: String, detail: String },
    /// The prompt's end, as the CLI reports it.
    #[serde(rename = "claude.session.result")]
    SessionResult(session::SessionResult),
    /// The prompt could not run or was stopped.
    #[serde(rename = "claude.session.error")]
    SessionError { error: String, reason: ErrorReason },
}

impl ServerEvent {
    /// A Claude pane's event (`claude.session.*`), not the sign-in's.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(crate) fn is_session(&self) -> bool {
        matches!(
            self,
            ServerEvent::SessionStarted { .. }
                | ServerEvent::SessionInit { .. }
                | ServerEvent::SessionText { .. }
                | ServerEvent::SessionTool { .. }
                | ServerEvent::SessionResult(_)
                | ServerEvent::SessionError { .. }
        )
    }

    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn error(reason: ErrorReason, error: impl Into<String>, retry: bool) -> Self {
        ServerEvent::Error {
            success: false,
            error: error.into(),
            reason,
            retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_uses_the_field_names_of_the_design() {
        let status = ClaudeStatus {
            authenticated: true,
            method: Some(AuthMethod::OauthToken),
            source: Some(CredentialSource::Environment),
            enabled: true,
            cli: CliInfo {
                found: true,
                path: Some("/usr/bin/claude".into()),
                version: Some("2.1.197".into()),
                problem: None,
            },
            credential: None,
            certificate: None,
        };
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "authenticated": true,
                "method": "oauth_token",
                "source": "environment",
                "enabled": true,
                "cli": {"found": true, "path": "/usr/bin/claude", "version": "2.1.197"},
                "credential": null
            })
        );
        let back: ClaudeStatus = serde_json::from_value(json).unwrap();
        assert_eq!(back, status);
    }

    #[test]
    fn server_events_keep_the_original_names_and_payloads() {
        let url = ServerEvent::Url {
            flow: "f1".into(),
            url: "https://claude.ai/x".into(),
            instructions: "Open".into(),
            expires_at: 5,
        };
        assert_eq!(
            serde_json::to_value(&url).unwrap(),
            serde_json::json!({"event": "claude.auth.url", "data": {
                "flow": "f1", "url": "https://claude.ai/x", "instructions": "Open", "expiresAt": 5}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::Hello {}).unwrap(),
            serde_json::json!({"event": "hello", "data": {}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::Complete { success: true }).unwrap(),
            serde_json::json!({"event": "claude.auth.complete", "data": {"success": true}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::error(ErrorReason::Network, "down", true)).unwrap(),
            serde_json::json!({"event": "claude.auth.error", "data": {
                "success": false, "error": "down", "reason": "network", "retry": true}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::Progress {
                flow: "f".into(),
                stage: FlowStage::WaitingForCode
            })
            .unwrap(),
            serde_json::json!({"event": "claude.auth.progress", "data": {"flow": "f", "stage": "waiting_for_code"}})
        );
    }

    /// One of each client event, with the exact text the wire has always
    /// carried for it (the key first in `data`, then the fields in order).
    fn client_events() -> Vec<(ClientEvent, &'static str)> {
        let k = || "k".to_owned();
        vec![
            (
                ClientEvent::Hello { key: k() },
                r#"{"event":"hello","data":{"key":"k"}}"#,
            ),
            (
                ClientEvent::Start { key: k() },
                r#"{"event":"claude.auth.start","data":{"key":"k"}}"#,
            ),
            (
                ClientEvent::Code {
                    key: k(),
                    code: "a#b".into(),
                },
                r#"{"event":"claude.auth.code","data":{"key":"k","code":"a#b"}}"#,
            ),
            (
                ClientEvent::Retry { key: k() },
                r#"{"event":"claude.auth.retry","data":{"key":"k"}}"#,
            ),
            (
                ClientEvent::Cancel { key: k() },
                r#"{"event":"claude.auth.cancel","data":{"key":"k"}}"#,
            ),
            (
                ClientEvent::Resume {
                    key: k(),
                    flow: "f".into(),
                },
                r#"{"event":"claude.auth.resume","data":{"key":"k","flow":"f"}}"#,
            ),
            (
                ClientEvent::Type {
                    key: k(),
                    text: "2".into(),
                },
                r#"{"event":"claude.auth.type","data":{"key":"k","text":"2"}}"#,
            ),
            (
                ClientEvent::Key {
                    key: k(),
                    name: terminal::TerminalKey::Down,
                },
                r#"{"event":"claude.auth.key","data":{"key":"k","name":"down"}}"#,
            ),
            (
                ClientEvent::Prompt(PromptData {
                    key: k(),
                    project: "p".into(),
                    prompt: "hi".into(),
                    session_id: Some("s".into()),
                }),
                r#"{"event":"claude.session.prompt","data":{"key":"k","project":"p","prompt":"hi","sessionId":"s"}}"#,
            ),
            (
                ClientEvent::SessionCancel { key: k() },
                r#"{"event":"claude.session.cancel","data":{"key":"k"}}"#,
            ),
        ]
    }

    #[test]
    fn client_events_keep_their_wire_text_byte_for_byte() {
        let all = client_events();
        assert_eq!(all.len(), ClientEvent::NAMES.len(), "one sample per event");
        for ((event, text), name) in all.into_iter().zip(ClientEvent::NAMES) {
            assert_eq!(serde_json::to_string(&event).unwrap(), text);
            let back: ClientEvent = serde_json::from_str(text).unwrap();
            assert_eq!(back, event);
            assert!(
                text.starts_with(&format!("{{\"event\":\"{name}\"")),
                "NAMES order: {name}"
            );
            assert_eq!(back.key(), "k");
        }
    }

    #[test]
    fn an_unsigned_event_is_signed_by_with_key() {
        let signed = ClientEvent::Code {
            key: String::new(),
            code: "a#b".into(),
        }
        .with_key("K".into());
        assert_eq!(signed.key(), "K");
        assert!(ClientEvent::SessionCancel { key: String::new() }.is_session());
        assert!(!ClientEvent::Start { key: String::new() }.is_session());
    }

    #[test]
    fn session_events_are_named_claude_session() {
        assert_eq!(
            serde_json::to_value(ServerEvent::SessionInit {
                session_id: "s1".into(),
                model: "m".into()
            })
            .unwrap(),
            serde_json::json!({"event": "claude.session.init", "data": {"sessionId": "s1", "model": "m"}})
        );
        let result = ServerEvent::SessionResult(session::SessionResult {
            success: false,
            text: "Not logged in · Please run /login".into(),
            session_id: Some("s1".into()),
            duration_ms: 121,
            login_required: true,
            credential_rejected: false,
        });
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            serde_json::json!({"event": "claude.session.result", "data": {
                "success": false, "text": "Not logged in · Please run /login",
                "sessionId": "s1", "durationMs": 121, "loginRequired": true}})
        );
        let ServerEvent::SessionResult(mut refused) = result else {
            unreachable!()
        };
        refused.credential_rejected = true;
        assert_eq!(
            serde_json::to_value(ServerEvent::SessionResult(refused)).unwrap()["data"]
                ["credentialRejected"],
            true
        );
        let prompt: PromptData = serde_json::from_value(serde_json::json!({
            "key": "k", "project": "p", "prompt": "hi", "sessionId": "s1"}))
        .unwrap();
        assert_eq!(prompt.session_id.as_deref(), Some("s1"));
    }

    #[test]
    fn error_reasons_are_snake_case_words() {
        let body = ApiError::new(ErrorReason::CliMissing, "no CLI");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"success": false, "error": "no CLI", "reason": "cli_missing"})
        );
        let rate: ErrorReason = serde_json::from_str("\"rate_limited\"").unwrap();
        assert_eq!(rate, ErrorReason::RateLimited);
    }
}
