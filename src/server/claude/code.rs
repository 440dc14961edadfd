//! Checking a pasted authorization code before it may touch the terminal.
//!
//! DESIGN.md: strip all whitespace, then `^[A-Za-z0-9_-]+#[A-Za-z0-9_-]+$`,
//! at most 512 characters. Anything else never reaches the PTY, so no escape
//! sequence, control character or newline can be typed into the CLI.

/// Longest code accepted, after whitespace is removed.
pub const MAX_CODE_LEN: usize = 512;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("The code is empty. Paste the code the sign-in page showed.")]
    Empty,
    #[error(
        "That code is too long ({0} characters). Paste only the code the sign-in page showed."
    )]
    TooLong(usize),
    #[error(
        "That doesn't look like the full code. Copy all of it, including the # in the middle."
    )]
    MissingHash,
    #[error(
        "That code has characters a sign-in code never has. Copy it again from the sign-in page."
    )]
    BadCharacters,
}

/// A code that passed every check: safe to type into the terminal.
#[derive(PartialEq, Eq)]
pub struct AuthCode(String);

impl std::fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCode(***)")
    }
}

impl AuthCode {
    /// The bytes to write: the code, in one write, then `\r` separately.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Validates a pasted code.
pub fn validate(pasted: &str) -> Result<AuthCode, CodeError> {
    let code: String = pasted.chars().filter(|c| !c.is_whitespace()).collect();
    let len = code.chars().count();
    if len == 0 {
        return Err(CodeError::Empty);
    }
    if len > MAX_CODE_LEN {
        return Err(CodeError::TooLong(len));
    }
    if !code.chars().all(|c| code_char(c) || c == '#') {
        return Err(CodeError::BadCharacters);
    }
    match code.split_once('#') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains('#') => Ok(AuthCode(code)),
        Some(_) if code.matches('#').count() > 1 => Err(CodeError::BadCharacters),
        _ => Err(CodeError::MissingHash),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_code_passes_with_whitespace_removed() {
        let code = validate("  abc123#def-456_X \n").unwrap();
        assert_eq!(code.as_bytes(), b"abc123#def-456_X");
        let spaced = validate("abc 123\t#\r\ndef456").unwrap();
        assert_eq!(spaced.as_bytes(), b"abc123#def456");
    }

    #[test]
    fn a_code_without_its_hash_is_missing_a_part() {
        for pasted in ["abc123def456", "#def456", "abc123#", "#"] {
            assert_eq!(validate(pasted), Err(CodeError::MissingHash), "{pasted}");
        }
    }

    #[test]
    fn empty_and_whitespace_only_codes_are_empty() {
        assert_eq!(validate(""), Err(CodeError::Empty));
        assert_eq!(validate(" \n\t "), Err(CodeError::Empty));
    }

    #[test]
    fn control_characters_and_escape_sequences_never_pass() {
        for pasted in [
            "abc\u{1b}[2J#def",
            "abc#def\u{7}",
            "abc#def\u{0}",
            "abc#de\u{3}f",
            "abc#def\u{1b}]8;;http://x\u{7}",
            "abc#def;rm -rf",
            "abc#def/..",
            "ab%63#def",
            "abc#déf",
            "abc#def#ghi",
            "abc\u{200b}#def",
        ] {
            let result = validate(pasted);
            assert!(
                matches!(result, Err(CodeError::BadCharacters)),
                "{pasted:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn the_length_limit_counts_characters_after_whitespace_is_removed() {
        let at_limit = format!("{}#{}", "a".repeat(255), "b".repeat(256));
        assert_eq!(at_limit.len(), MAX_CODE_LEN);
        assert!(validate(&at_limit).is_ok());
        let padded = format!("  {at_limit}\n\n");
        assert!(validate(&padded).is_ok());
        let over = format!("{at_limit}b");
        assert_eq!(validate(&over), Err(CodeError::TooLong(513)));
        let ten_kb = "x".repeat(10 * 1024);
        assert_eq!(validate(&ten_kb), Err(CodeError::TooLong(10 * 1024)));
    }

    #[test]
    fn a_code_never_shows_in_debug_output() {
        let code = validate("abc123#def456").unwrap();
        assert_eq!(format!("{code:?}"), "AuthCode(***)");
    }
}
