//! The credential a `claude` run started by Dispatch is given: the same for
//! a pane's prompt and for the sign-in check, so the check sees what a run
//! would.

use std::sync::Arc;

use secrecy::SecretString;

use super::{
    credential_life::now,
    credentials::CredentialStore,
    status::{credential_variable, environment_credential},
};

/// What a run gets in its environment.
pub(crate) struct RunCredential {
    /// The variable the CLI reads and its value; `None` leaves the CLI to
    /// its own login (it finds that in HOME).
    pub passed: Option<(&'static str, SecretString)>,
    /// Whether `passed` is the credential Dispatch stored (the one a
    /// refusal marks rejected).
    pub stored: bool,
}

/// Dispatch's own credential while it counts (not expired, not refused),
/// else the server's environment variable of the same kind.
pub(crate) async fn for_run(store: Arc<CredentialStore>) -> RunCredential {
    let stored = tokio::task::spawn_blocking(move || store.load())
        .await
        .ok()
        .and_then(|loaded| match loaded {
            Ok(credential) => credential,
            Err(error) => {
                tracing::warn!(%error, "the stored credential could not be read");
                None
            }
        });
    // An expired or refused credential is kept for its owner to see, but no
    // run gets it.
    if let Some(credential) = stored.filter(|c| c.life.counts(c.method, now())) {
        return RunCredential {
            passed: Some((credential_variable(credential.method), credential.secret)),
            stored: true,
        };
    }
    let from_environment = environment_credential(|name| std::env::var(name).ok())
        .map(credential_variable)
        .and_then(|name| Some((name, SecretString::from(std::env::var(name).ok()?))));
    RunCredential {
        passed: from_environment,
        stored: false,
    }
}
