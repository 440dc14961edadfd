//! The CLI's own view of its sign-in: `claude auth status --json`, run with
//! exactly the environment a pane's prompt gets, compared with what
//! Dispatch believes a run would use.
//!
//! The CLI answers from what it finds locally (variables, its login file);
//! it asks no server, so the check works offline and cannot tell a revoked
//! token (a refused run marks that, see `socket::prompt`). CLIs before the
//! `auth` command (2.0.x) refuse `--json` as an unknown option, or take the
//! words for a prompt without it: the flag is always passed.

use std::{path::Path, process::Stdio, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::process::Command;

use super::cli_env::CliEnv;
use crate::protocol::{rest::AuthCheck, AuthMethod};

/// Long enough for a cold start of the native CLI on a busy machine.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// The part of `claude auth status --json` the check reads.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CliAuthStatus {
    pub logged_in: bool,
    /// `none`, `oauth_token`, `api_key`, `claude.ai`, or a word a later CLI adds.
    pub auth_method: String,
}

/// Reads the CLI's answer; `None` when it is not that JSON (an older CLI).
pub(crate) fn parse_status(stdout: &str) -> Option<CliAuthStatus> {
    serde_json::from_str(stdout.trim()).ok()
}

/// Whether the CLI sees what Dispatch expects: signed in by `expected`, or
/// not signed in when Dispatch expects nothing.
pub(crate) fn agrees(cli: &CliAuthStatus, expected: Option<AuthMethod>) -> bool {
    match expected {
        None => !cli.logged_in,
        Some(method) => cli.logged_in && Some(method) == method_of(&cli.auth_method),
    }
}

/// The CLI's `authMethod` word as Dispatch's method (the same words).
fn method_of(word: &str) -> Option<AuthMethod> {
    serde_json::from_value(serde_json::Value::String(word.to_owned())).ok()
}

/// The result of a check, for `POST /api/claude/auth/check`.
pub(crate) fn answer(
    cli: Option<CliAuthStatus>,
    expected: Option<AuthMethod>,
    version: Option<String>,
) -> AuthCheck {
    match cli {
        Some(cli) => AuthCheck {
            available: true,
            agrees: Some(agrees(&cli, expected)),
            cli_logged_in: Some(cli.logged_in),
            cli_auth_method: Some(cli.auth_method),
            expected,
            note: None,
        },
        None => AuthCheck {
            available: false,
            cli_logged_in: None,
            cli_auth_method: None,
            agrees: None,
            expected,
            note: Some(format!(
                "This Claude CLI ({}) cannot report its sign-in: `claude auth status --json` needs 2.1 or later.",
                version.as_deref().unwrap_or("version unknown")
            )),
        },
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthCheckError {
    #[error("The Claude CLI could not be started ({cli}): {source}")]
    Spawn { cli: String, source: std::io::Error },
    #[error("The Claude CLI did not answer `auth status` within {} s.", CHECK_TIMEOUT.as_secs())]
    TimedOut,
}

/// Runs `claude auth status --json` in `dir` with the variables `env`
/// allows plus `credential`; `None` when the CLI does not print the status
/// JSON.
///
/// `dir` is where the projects are: the CLI reads settings from its working
/// folder, and it refuses to start in one that no longer exists (the
/// server's own may have been removed under it).
pub(crate) async fn run(
    cli: &Path,
    dir: &Path,
    env: &CliEnv,
    credential: Option<&(&'static str, SecretString)>,
) -> Result<Option<CliAuthStatus>, AuthCheckError> {
    let mut command = Command::new(cli);
    command.current_dir(dir);
    env.apply(&mut command);
    if let Some((name, secret)) = credential {
        command.env(name, secret.expose_secret());
    }
    let run = command
        .args(["auth", "status", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    // Exit status 1 means "not signed in" (the JSON says so too): the
    // output is read whatever the status.
    match tokio::time::timeout(CHECK_TIMEOUT, run).await {
        Ok(Ok(output)) => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let status = parse_status(&stdout);
            if status.is_none() {
                // The status holds no secret; what the CLI said instead helps.
                let said: String = stdout.chars().take(300).collect();
                let errors = String::from_utf8_lossy(&output.stderr);
                let errors: String = errors.chars().take(300).collect();
                tracing::warn!(%said, %errors, exit = %output.status, "`claude auth status --json` printed no status");
            }
            Ok(status)
        }
        Ok(Err(source)) => Err(AuthCheckError::Spawn {
            cli: cli.display().to_string(),
            source,
        }),
        Err(_) => Err(AuthCheckError::TimedOut),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What 2.1.332 prints, recorded with each kind of credential.
    const SIGNED_OUT: &str = r#"{
  "loggedIn": false,
  "authMethod": "none",
  "apiProvider": "firstParty",
  "analyticsDisabled": false,
  "loginExpiresAt": null
}"#;
    const OAUTH_TOKEN: &str = r#"{"loggedIn": true, "authMethod": "oauth_token", "apiProvider": "firstParty", "loginExpiresAt": null}"#;
    const API_KEY: &str =
        r#"{"loggedIn": true, "authMethod": "api_key", "apiKeySource": "ANTHROPIC_API_KEY"}"#;
    const CLAUDE_AI: &str =
        r#"{"loggedIn": true, "authMethod": "claude.ai", "storedClaudeAiLogin": true}"#;

    #[test]
    fn the_status_json_is_read_and_anything_else_is_not_available() {
        assert_eq!(
            parse_status(SIGNED_OUT),
            Some(CliAuthStatus {
                logged_in: false,
                auth_method: "none".into()
            })
        );
        assert_eq!(
            parse_status(OAUTH_TOKEN).unwrap().auth_method,
            "oauth_token"
        );
        // 2.0.14 says this on standard error and prints nothing.
        assert_eq!(parse_status(""), None);
        assert_eq!(parse_status("error: unknown option '--json'"), None);
        assert_eq!(parse_status("Invalid API key · Please run /login"), None);
        assert_eq!(parse_status(r#"{"authMethod": "none"}"#), None);
    }

    #[test]
    fn agreement_needs_the_same_method_or_both_signed_out() {
        let read = |text| parse_status(text).unwrap();
        assert!(agrees(&read(SIGNED_OUT), None));
        assert!(!agrees(&read(OAUTH_TOKEN), None));
        assert!(agrees(&read(OAUTH_TOKEN), Some(AuthMethod::OauthToken)));
        assert!(!agrees(&read(API_KEY), Some(AuthMethod::OauthToken)));
        assert!(agrees(&read(API_KEY), Some(AuthMethod::ApiKey)));
        assert!(agrees(&read(CLAUDE_AI), Some(AuthMethod::ClaudeAi)));
        assert!(!agrees(&read(SIGNED_OUT), Some(AuthMethod::ApiKey)));
        let unknown = CliAuthStatus {
            logged_in: true,
            auth_method: "bedrock".into(),
        };
        assert!(!agrees(&unknown, Some(AuthMethod::ApiKey)));
    }

    #[test]
    fn an_older_cli_is_said_to_lack_the_check() {
        let answer = answer(None, Some(AuthMethod::ApiKey), Some("2.0.14".into()));
        assert!(!answer.available);
        assert_eq!(answer.agrees, None);
        assert!(answer.note.unwrap().contains("(2.0.14)"));
    }
}
