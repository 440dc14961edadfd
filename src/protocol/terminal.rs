//! Answering the CLI's screen by hand, when it shows something Dispatch does
//! not know (`claude.auth.screen`): the keys a person may press and the text
//! they may type. Shared so the page refuses what the server would.

use serde::{Deserialize, Serialize};

/// Longest text one `claude.auth.type` may carry.
pub(crate) const MAX_TYPED: usize = 512;

/// A key the live screen offers (`claude.auth.key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalKey {
    Enter,
    Escape,
    Up,
    Down,
    Left,
    Right,
    Backspace,
    Tab,
}

impl TerminalKey {
    pub(crate) const ALL: [TerminalKey; 8] = [
        TerminalKey::Enter,
        TerminalKey::Escape,
        TerminalKey::Up,
        TerminalKey::Down,
        TerminalKey::Left,
        TerminalKey::Right,
        TerminalKey::Backspace,
        TerminalKey::Tab,
    ];

    /// What a terminal sends for the key (xterm, normal cursor mode).
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            TerminalKey::Enter => b"\r",
            TerminalKey::Escape => b"\x1b",
            TerminalKey::Up => b"\x1b[A",
            TerminalKey::Down => b"\x1b[B",
            TerminalKey::Right => b"\x1b[C",
            TerminalKey::Left => b"\x1b[D",
            TerminalKey::Backspace => b"\x7f",
            TerminalKey::Tab => b"\t",
        }
    }

    /// The button's label, and its name for a screen reader.
    pub(crate) fn label(self) -> (&'static str, &'static str) {
        match self {
            TerminalKey::Enter => ("Enter", "Enter"),
            TerminalKey::Escape => ("Escape", "Escape"),
            TerminalKey::Up => ("↑", "Up arrow"),
            TerminalKey::Down => ("↓", "Down arrow"),
            TerminalKey::Left => ("←", "Left arrow"),
            TerminalKey::Right => ("→", "Right arrow"),
            TerminalKey::Backspace => ("⌫", "Backspace"),
            TerminalKey::Tab => ("Tab", "Tab"),
        }
    }
}

#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum TypedError {
    #[error("There is nothing to type.")]
    Empty,
    #[error("That text is too long ({0} characters); type at most 512 at a time.")]
    TooLong(usize),
    #[error(
        "That text has control characters; use the key buttons for Enter, Esc, arrows and Tab."
    )]
    ControlCharacters,
}

/// Text for the CLI's terminal: printable only (keys come as keys), at most
/// [`MAX_TYPED`] characters.
pub(crate) fn check_typed(text: &str) -> Result<&str, TypedError> {
    let len = text.chars().count();
    if len == 0 {
        return Err(TypedError::Empty);
    }
    if len > MAX_TYPED {
        return Err(TypedError::TooLong(len));
    }
    if text.chars().any(char::is_control) {
        return Err(TypedError::ControlCharacters);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_passes_and_control_characters_never_do() {
        assert_eq!(check_typed("2"), Ok("2"));
        assert_eq!(check_typed("yes, é ✓"), Ok("yes, é ✓"));
        assert_eq!(check_typed(""), Err(TypedError::Empty));
        for bad in ["a\r", "\x1b[2J", "\x03", "a\nb", "\u{7f}", "\u{9b}2J"] {
            assert_eq!(
                check_typed(bad),
                Err(TypedError::ControlCharacters),
                "{bad:?}"
            );
        }
        assert_eq!(check_typed(&"x".repeat(512)).map(str::len), Ok(512));
        assert_eq!(check_typed(&"x".repeat(513)), Err(TypedError::TooLong(513)));
    }

    #[test]
    fn keys_have_snake_case_names_and_their_terminal_bytes() {
        assert_eq!(
            serde_json::to_value(TerminalKey::Backspace).unwrap(),
            "backspace"
        );
        let escape: TerminalKey = serde_json::from_str("\"escape\"").unwrap();
        assert_eq!(escape.bytes(), b"\x1b");
        assert!(serde_json::from_str::<TerminalKey>("\"ctrl_c\"").is_err());
        for key in TerminalKey::ALL {
            assert!(!key.bytes().is_empty());
        }
    }
}
