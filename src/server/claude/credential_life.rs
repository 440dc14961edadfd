//! A stored credential's life: when it was stored, when it expires, and
//! whether it still counts. Pure: every answer takes `now`, so the windows
//! are tested without waiting a year.

use crate::protocol::{time::iso8601, AuthMethod, CredentialState, StoredCredential};

/// A `setup-token` token lives one year (the CLI: "long-lived (1-year)
/// auth token"); Dispatch counts from when it stored it.
pub(crate) const TOKEN_LIFETIME_SECONDS: i64 = 365 * 86_400;
/// From this long before expiry, pages offer to sign in again.
pub(crate) const EXPIRING_WINDOW_SECONDS: i64 = 30 * 86_400;

/// When a credential was stored, and when Claude refused it (if it did).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialLife {
    /// Unix seconds.
    pub stored_at: i64,
    /// Unix seconds; set when a Claude run refused the credential.
    pub rejected_at: Option<i64>,
}

impl CredentialLife {
    pub(crate) fn stored_now() -> CredentialLife {
        CredentialLife {
            stored_at: now(),
            rejected_at: None,
        }
    }

    /// When a credential of `method` stored then stops working: a token
    /// after a year; an API key has no set end.
    pub(crate) fn expires_at(&self, method: AuthMethod) -> Option<i64> {
        match method {
            AuthMethod::OauthToken => Some(self.stored_at.saturating_add(TOKEN_LIFETIME_SECONDS)),
            AuthMethod::ApiKey | AuthMethod::ClaudeAi => None,
        }
    }

    pub(crate) fn state(&self, method: AuthMethod, now: i64) -> CredentialState {
        if self.rejected_at.is_some() {
            return CredentialState::Rejected;
        }
        match self.expires_at(method) {
            Some(end) if now >= end => CredentialState::Expired,
            Some(end) if end - now <= EXPIRING_WINDOW_SECONDS => CredentialState::Expiring,
            _ => CredentialState::Ok,
        }
    }

    /// Whether it is still passed to Claude runs and counts as signed in.
    pub(crate) fn counts(&self, method: AuthMethod, now: i64) -> bool {
        matches!(
            self.state(method, now),
            CredentialState::Ok | CredentialState::Expiring
        )
    }

    /// What `GET /api/claude/auth` says of it.
    pub(crate) fn summary(&self, method: AuthMethod, now: i64) -> StoredCredential {
        StoredCredential {
            stored_at: iso8601(self.stored_at),
            expires_at: self.expires_at(method).map(iso8601),
            state: self.state(method, now),
        }
    }
}

/// Unix seconds now (0 before 1970, which no clock here is).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const STORED: i64 = 1_796_300_000; // 2026-12-03

    fn life() -> CredentialLife {
        CredentialLife {
            stored_at: STORED,
            rejected_at: None,
        }
    }

    #[test]
    fn a_token_is_ok_then_expiring_for_30_days_then_expired() {
        let token = AuthMethod::OauthToken;
        let end = STORED + 365 * DAY;
        assert_eq!(life().expires_at(token), Some(end));
        for (now, state) in [
            (STORED, CredentialState::Ok),
            (end - 30 * DAY - 1, CredentialState::Ok),
            (end - 30 * DAY, CredentialState::Expiring),
            (end - 1, CredentialState::Expiring),
            (end, CredentialState::Expired),
            (end + 400 * DAY, CredentialState::Expired),
        ] {
            assert_eq!(life().state(token, now), state, "{}", (now - STORED) / DAY);
        }
        assert!(life().counts(token, end - 1));
        assert!(!life().counts(token, end));
    }

    #[test]
    fn an_api_key_never_expires_and_a_rejection_wins() {
        let key = AuthMethod::ApiKey;
        assert_eq!(life().expires_at(key), None);
        assert_eq!(life().state(key, STORED + 5_000 * DAY), CredentialState::Ok);
        let rejected = CredentialLife {
            rejected_at: Some(STORED + DAY),
            ..life()
        };
        for method in [key, AuthMethod::OauthToken] {
            assert_eq!(
                rejected.state(method, STORED + 2 * DAY),
                CredentialState::Rejected
            );
            assert!(!rejected.counts(method, STORED + 2 * DAY));
        }
    }

    #[test]
    fn the_summary_writes_iso_dates() {
        let summary = life().summary(AuthMethod::OauthToken, STORED);
        assert_eq!(summary.stored_at, "2026-12-03T12:13:20Z");
        assert_eq!(summary.expires_at.as_deref(), Some("2027-12-03T12:13:20Z"));
        assert_eq!(summary.state, CredentialState::Ok);
        assert_eq!(life().summary(AuthMethod::ApiKey, STORED).expires_at, None);
    }
}
