//! The shape of an authorization code: whitespace removed, then
//! `^[A-Za-z0-9_-]+#[A-Za-z0-9_-]+$`, at most 512 characters. Shared so the
//! browser gives the same answer as the server, as the person types.

/// Longest code accepted, after whitespace is removed.
pub(crate) const MAX_CODE_LEN: usize = 512;

#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum CodeError {
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

fn code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The code as it will be typed (whitespace removed), or why it cannot be.
pub(crate) fn normalize_code(pasted: &str) -> Result<String, CodeError> {
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
        Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains('#') => Ok(code),
        Some(_) if code.matches('#').count() > 1 => Err(CodeError::BadCharacters),
        _ => Err(CodeError::MissingHash),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(pasted: &str) -> Result<String, CodeError> {
        normalize_code(pasted)
    }

    #[test]
    fn a_well_formed_code_passes_with_whitespace_removed() {
        assert_eq!(
            validate("  abc123#def-456_X \n").unwrap(),
            "abc123#def-456_X"
        );
        assert_eq!(validate("abc 123\t#\r\ndef456").unwrap(), "abc123#def456");
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
}
