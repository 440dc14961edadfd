//! The REST bodies both sides read or write, besides the status
//! (`ClaudeStatus`), the failures (`ApiError`) and the projects (`project`).

use serde::{Deserialize, Serialize};

/// `POST /api/claude/auth` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApiKeyBody {
    #[serde(rename = "apiKey")]
    pub api_key: String,
}

/// `DELETE /api/claude/auth` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogoutAnswer {
    pub success: bool,
    /// Whether Dispatch had a credential stored and removed it.
    pub removed: bool,
    /// Whether Claude is still signed in another way.
    pub authenticated: bool,
    /// What Dispatch could not remove, for a person.
    pub note: Option<String>,
}

/// The answer of a request that only succeeds (`{"success": true}`).
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Done {
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_documented_field_names() {
        let body = ApiKeyBody {
            api_key: "sk-ant-x".into(),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"apiKey": "sk-ant-x"})
        );
        let answer: LogoutAnswer = serde_json::from_value(serde_json::json!({
            "success": true, "removed": false, "authenticated": true, "note": "still signed in"
        }))
        .unwrap();
        assert_eq!(answer.note.as_deref(), Some("still signed in"));
        let answer: LogoutAnswer = serde_json::from_value(serde_json::json!({
            "success": true, "removed": true, "authenticated": false, "note": null
        }))
        .unwrap();
        assert_eq!(answer.note, None);
    }
}

/// `GET /api/claude/activity`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ActivityAnswer {
    /// Newest first; at most the last 1,000.
    pub events: Vec<crate::protocol::ActivityEvent>,
}

/// `POST /api/claude/auth/check`: what the CLI itself says of its sign-in
/// (`claude auth status --json`) with a run's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthCheck {
    /// Whether this CLI can report its sign-in (2.1 and later).
    pub available: bool,
    pub cli_logged_in: Option<bool>,
    /// The CLI's word: `none`, `oauth_token`, `api_key`, `claude.ai`.
    pub cli_auth_method: Option<String>,
    /// Whether the CLI sees the credential Dispatch would pass (or, with
    /// none, is not signed in either).
    pub agrees: Option<bool>,
    /// The method Dispatch expects a run to use.
    pub expected: Option<crate::protocol::AuthMethod>,
    /// Why the check is not available, for a person.
    pub note: Option<String>,
}
