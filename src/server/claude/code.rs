//! A pasted authorization code, checked before it may touch the terminal
//! (the rule lives in `protocol::code`, shared with the browser). Anything
//! that fails never reaches the PTY, so no escape sequence, control
//! character or newline can be typed into the CLI.

pub(crate) use crate::protocol::code::CodeError;

/// A code that passed every check: safe to type into the terminal.
#[derive(PartialEq, Eq)]
pub(crate) struct AuthCode(String);

impl std::fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCode(***)")
    }
}

impl AuthCode {
    /// The bytes to write: the code, in one write, then `\r` separately.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Validates a pasted code.
pub(crate) fn validate(pasted: &str) -> Result<AuthCode, CodeError> {
    crate::protocol::code::normalize_code(pasted).map(AuthCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_code_is_typed_without_its_whitespace() {
        assert_eq!(
            validate(" abc123#def456\n").unwrap().as_bytes(),
            b"abc123#def456"
        );
        assert_eq!(validate("abc123def456"), Err(CodeError::MissingHash));
    }

    #[test]
    fn a_code_never_shows_in_debug_output() {
        let code = validate("abc123#def456").unwrap();
        assert_eq!(format!("{code:?}"), "AuthCode(***)");
    }
}
