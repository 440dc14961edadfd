//! Whether a `claude` started by Dispatch would be signed in, and with what.
//! Says which method, never the secret.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::SystemTime,
};

use crate::protocol::{AuthMethod, ClaudeStatus, CliInfo, CredentialSource};

use super::{
    cli::{self, CliSearch},
    cli_env::CliEnv,
    credential_life::{now, CredentialLife},
    credentials::CredentialStore,
};

/// The variables through which `claude` reads a credential: only Dispatch
/// decides which one a run gets (`ANTHROPIC_AUTH_TOKEN` is a gateway's
/// bearer token, which Dispatch never passes on).
pub(crate) const CREDENTIAL_VARIABLES: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "ANTHROPIC_AUTH_TOKEN",
];

/// The environment variable through which `claude` reads a credential of
/// this kind.
pub(crate) fn credential_variable(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::ApiKey => "ANTHROPIC_API_KEY",
        AuthMethod::OauthToken | AuthMethod::ClaudeAi => "CLAUDE_CODE_OAUTH_TOKEN",
    }
}

/// The credential the server's own environment carries, if any, by the
/// precedence the CLI uses (an OAuth token before an API key).
pub(crate) fn environment_credential(var: impl Fn(&str) -> Option<String>) -> Option<AuthMethod> {
    [AuthMethod::OauthToken, AuthMethod::ApiKey]
        .into_iter()
        .find(|method| var(credential_variable(*method)).is_some_and(|v| !v.trim().is_empty()))
}

/// Whether the CLI's own login file (`~/.claude/.credentials.json`, written by
/// `/login`) holds a refresh token: the CLI can then sign itself in.
pub(crate) fn cli_login(home: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(home.join(".claude/.credentials.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("claudeAiOauth")?
                .get("refreshToken")?
                .as_str()
                .map(|t| !t.is_empty())
        })
        .unwrap_or(false)
}

/// (path, modification time) -> version; a reinstalled CLI is asked again.
type VersionCache = HashMap<(PathBuf, Option<SystemTime>), Option<String>>;

/// Answers status questions, remembering each CLI binary's version so a
/// status check does not start a process every time.
pub struct StatusReporter {
    configured_cli: Option<PathBuf>,
    enabled: bool,
    store: Arc<CredentialStore>,
    home: Option<PathBuf>,
    cli_env: CliEnv,
    versions: Mutex<VersionCache>,
}

impl StatusReporter {
    pub(crate) fn new(
        configured_cli: Option<PathBuf>,
        enabled: bool,
        store: Arc<CredentialStore>,
        home: Option<PathBuf>,
        cli_env: CliEnv,
    ) -> Self {
        Self {
            configured_cli,
            enabled,
            store,
            home,
            cli_env,
            versions: Mutex::default(),
        }
    }

    /// The CLI that would run now, with its version.
    pub(crate) async fn cli(&self) -> CliInfo {
        let search = CliSearch::from_process(self.configured_cli.clone());
        match search.find() {
            Ok(path) => {
                let version = self.cached_version(&path).await;
                CliInfo {
                    found: true,
                    path: Some(path.display().to_string()),
                    version,
                    problem: None,
                }
            }
            Err(error) => CliInfo {
                found: false,
                path: None,
                version: None,
                problem: Some(error.to_string()),
            },
        }
    }

    async fn cached_version(&self, path: &PathBuf) -> Option<String> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let key = (path.clone(), modified);
        if let Some(known) = self.lock_versions().get(&key) {
            return known.clone();
        }
        let version = cli::version(path, &self.cli_env).await;
        self.lock_versions().insert(key, version.clone());
        version
    }

    fn lock_versions(&self) -> std::sync::MutexGuard<'_, VersionCache> {
        // A poisoned cache is still a valid cache: each entry is written whole.
        self.versions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What Dispatch stored: its kind and life, when it can be read.
    pub(crate) async fn stored(&self) -> Option<(AuthMethod, CredentialLife)> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.load()).await {
            Ok(Ok(Some(stored))) => Some((stored.method, stored.life)),
            Ok(Ok(None)) => None,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the stored credential cannot be used");
                None
            }
            Err(error) => {
                tracing::error!(%error, "reading the stored credential failed");
                None
            }
        }
    }

    /// The credential a `claude` started by Dispatch would use now, and
    /// where it comes from.
    pub(crate) async fn credential(&self) -> Option<(AuthMethod, CredentialSource)> {
        let stored = self.stored().await;
        self.in_use(stored, now())
    }

    /// The credential a `claude` started by Dispatch would use, by the
    /// order Dispatch gives them: its own store (passed in the CLI's
    /// environment) while it counts (not expired, not refused), the
    /// server's environment, the CLI's own login.
    fn in_use(
        &self,
        stored: Option<(AuthMethod, CredentialLife)>,
        now: i64,
    ) -> Option<(AuthMethod, CredentialSource)> {
        if let Some((method, life)) = stored {
            if life.counts(method, now) {
                return Some((method, CredentialSource::Dispatch));
            }
        }
        if let Some(method) = environment_credential(|name| std::env::var(name).ok()) {
            return Some((method, CredentialSource::Environment));
        }
        match &self.home {
            Some(home) if cli_login(home) => Some((AuthMethod::ClaudeAi, CredentialSource::Cli)),
            _ => None,
        }
    }

    pub(crate) async fn status(&self) -> ClaudeStatus {
        let stored = self.stored().await;
        let now = now();
        let in_use = self.in_use(stored, now);
        ClaudeStatus {
            authenticated: in_use.is_some(),
            method: in_use.map(|(m, _)| m),
            source: in_use.map(|(_, s)| s),
            enabled: self.enabled,
            cli: self.cli().await,
            credential: stored.map(|(method, life)| life.summary(method, now)),
            certificate: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn an_oauth_token_wins_over_an_api_key() {
        assert_eq!(
            environment_credential(env(&[
                ("ANTHROPIC_API_KEY", "sk-ant-api03-x"),
                ("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-x"),
            ])),
            Some(AuthMethod::OauthToken)
        );
        assert_eq!(
            environment_credential(env(&[("ANTHROPIC_API_KEY", "sk-ant-api03-x")])),
            Some(AuthMethod::ApiKey)
        );
    }

    #[test]
    fn the_cli_login_counts_only_with_a_refresh_token() {
        let home = tempfile::tempdir().unwrap();
        assert!(!cli_login(home.path()));
        std::fs::create_dir_all(home.path().join(".claude")).unwrap();
        let file = home.path().join(".claude/.credentials.json");
        std::fs::write(
            &file,
            r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"","expiresAt":1}}"#,
        )
        .unwrap();
        assert!(!cli_login(home.path()));
        std::fs::write(&file, "not json").unwrap();
        assert!(!cli_login(home.path()));
        std::fs::write(
            &file,
            r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1}}"#,
        )
        .unwrap();
        assert!(cli_login(home.path()));
    }

    #[test]
    fn empty_variables_carry_no_credential() {
        assert_eq!(
            environment_credential(env(&[("CLAUDE_CODE_OAUTH_TOKEN", "  ")])),
            None
        );
        assert_eq!(environment_credential(env(&[])), None);
    }
}
