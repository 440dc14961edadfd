//! A Claude session's result on the wire, and the one rule that turns a
//! result into a sign-in: the CLI's own "Please run /login" error results.

use serde::{Deserialize, Serialize};

/// `claude.session.result`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SessionResult {
    pub success: bool,
    pub text: String,
    #[serde(rename = "sessionId", default)]
    pub session_id: Option<String>,
    #[serde(rename = "durationMs", default)]
    pub duration_ms: u64,
    /// The CLI is not signed in: the pane signs in, then runs the prompt again.
    #[serde(rename = "loginRequired", default)]
    pub login_required: bool,
    /// The CLI refused the credential Dispatch stored and passed (now
    /// marked `rejected`), rather than finding none. Sent only when true.
    #[serde(
        rename = "credentialRejected",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub credential_rejected: bool,
}

/// What the CLI says, in its error results, when it needs a sign-in
/// (2.1.332; the first is what it prints without any credential).
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) const LOGIN_REQUIRED_TEXTS: [&str; 4] = [
    "Not logged in · Please run /login",
    "Invalid API key · Please run /login",
    "OAuth token revoked · Please run /login",
    "Login expired · Please run /login",
];

/// Whether a result is the CLI asking for a sign-in. Only error results
/// count, and only the CLI's short "… · Please run /login" line: a prompt
/// or an answer that mentions /login is a successful result, or longer.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) fn needs_login(is_error: bool, text: &str) -> bool {
    let text = text.trim();
    is_error
        && (LOGIN_REQUIRED_TEXTS.contains(&text)
            || (text.len() <= 120
                && !text.contains('\n')
                && text.ends_with(" · Please run /login")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clis_login_errors_need_a_login() {
        for text in LOGIN_REQUIRED_TEXTS {
            assert!(needs_login(true, text), "{text}");
            assert!(needs_login(true, &format!("{text}\n")), "{text}");
        }
        // A wording the CLI may add later, in the same shape.
        assert!(needs_login(true, "Session ended · Please run /login"));
    }

    #[test]
    fn answers_and_other_errors_do_not() {
        for text in LOGIN_REQUIRED_TEXTS {
            assert!(
                !needs_login(false, text),
                "a successful answer quoting it: {text}"
            );
        }
        for text in [
            "Please run /login",
            "You can sign in with /login · Please run /login later, or not, as you wish, this is a long explanation of the command",
            "API Error: 500 Internal server error",
            "Not logged in · Please run /login\nand then this",
            "Run /login to sign in",
            "",
        ] {
            assert!(!needs_login(true, text), "{text:?}");
        }
    }
}
