//! The access key: what a browser or a script must show to use Dispatch.

use std::net::IpAddr;

use rand::{distr::Alphanumeric, Rng};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::limits::Limits;

/// The shortest key the server accepts: shorter ones are guessable.
pub(crate) const MIN_KEY_LEN: usize = 16;
/// Length of a generated key: 32 alphanumerics, about 190 bits.
const GENERATED_KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessKeyError {
    #[error("DISPATCH_KEY is {0} characters long; it must have at least {MIN_KEY_LEN}. Unset it to have one generated.")]
    TooShort(usize),
    #[error("DISPATCH_KEY must not contain whitespace or control characters.")]
    BadCharacters,
}

/// The key every request and event must carry; compared in constant time.
pub struct AccessKey {
    secret: SecretString,
    generated: bool,
}

/// Why a key was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyRefusal {
    /// No key was given (not counted against the address).
    Missing,
    Wrong,
    /// A wrong key, one of too many from this address this minute.
    RateLimited,
}

impl AccessKey {
    /// The one key check of the API and the websocket: the key in constant
    /// time, and a wrong one counted against `ip`. The right key is never
    /// refused, whatever others sent from the same address.
    pub(crate) fn check(
        &self,
        limits: &Limits,
        ip: Option<IpAddr>,
        candidate: Option<&str>,
        via: &'static str,
    ) -> Result<(), KeyRefusal> {
        let candidate = candidate.ok_or(KeyRefusal::Missing)?;
        if self.matches(candidate) {
            return Ok(());
        }
        tracing::info!(?ip, via, "a wrong access key was refused");
        match ip {
            Some(ip) if !limits.bad_key(ip) => Err(KeyRefusal::RateLimited),
            _ => Err(KeyRefusal::Wrong),
        }
    }

    /// The configured key, checked; or a fresh random one when none is set.
    pub fn from_config(configured: Option<SecretString>) -> Result<Self, AccessKeyError> {
        match configured {
            Some(secret) => {
                let text = secret.expose_secret();
                let len = text.chars().count();
                if len < MIN_KEY_LEN {
                    return Err(AccessKeyError::TooShort(len));
                }
                if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(AccessKeyError::BadCharacters);
                }
                Ok(Self {
                    secret,
                    generated: false,
                })
            }
            None => Ok(Self {
                secret: generate_key().into(),
                generated: true,
            }),
        }
    }

    /// Whether the server made this key up at start (and so must print it).
    pub fn was_generated(&self) -> bool {
        self.generated
    }

    /// `true` when `candidate` is the key. The time taken does not depend on
    /// where the two first differ.
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        self.secret
            .expose_secret()
            .as_bytes()
            .ct_eq(candidate.as_bytes())
            .into()
    }

    /// The link that opens the app already holding the key. The key travels in
    /// the fragment, which browsers never send to the server.
    pub fn link(&self, base_url: &str) -> String {
        format!(
            "{}/#key={}",
            base_url.trim_end_matches('/'),
            self.secret.expose_secret()
        )
    }
}

fn generate_key() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(GENERATED_KEY_LEN)
        .map(char::from)
        .collect()
}

/// The key carried by an `Authorization: Bearer <key>` header value, if any.
pub(crate) fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Result<AccessKey, AccessKeyError> {
        AccessKey::from_config(Some(text.to_owned().into()))
    }

    #[test]
    fn a_short_key_is_refused_with_its_length() {
        assert_eq!(
            key("fifteen-chars!!").err(),
            Some(AccessKeyError::TooShort(15))
        );
        assert!(key("sixteen-chars!!!").is_ok());
    }

    #[test]
    fn a_key_with_whitespace_is_refused() {
        assert_eq!(
            key("sixteen chars!!!").err(),
            Some(AccessKeyError::BadCharacters)
        );
    }

    #[test]
    fn only_the_exact_key_matches() {
        let k = key("0123456789abcdef").unwrap();
        assert!(k.matches("0123456789abcdef"));
        assert!(!k.matches("0123456789abcdeF"));
        assert!(!k.matches("0123456789abcde"));
        assert!(!k.matches("0123456789abcdef0"));
        assert!(!k.matches(""));
    }

    #[test]
    fn a_generated_key_is_long_random_and_url_safe() {
        let a = AccessKey::from_config(None).unwrap();
        let b = AccessKey::from_config(None).unwrap();
        assert!(a.was_generated());
        let text = a.secret.expose_secret();
        assert_eq!(text.len(), GENERATED_KEY_LEN);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(text, b.secret.expose_secret());
    }

    #[test]
    fn the_link_puts_the_key_in_the_fragment() {
        let k = key("0123456789abcdef").unwrap();
        assert_eq!(
            k.link("http://127.0.0.1:3000/"),
            "http://127.0.0.1:3000/#key=0123456789abcdef"
        );
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
