//! Whether a byte stream stands between escape sequences (and UTF-8
//! characters): the only moments a terminal's state can be written down and
//! rebuilt without losing a half-read sequence. Pure, byte by byte.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum SequenceState {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// After ESC and an intermediate byte (`ESC ( B`): one more byte.
    EscapeIntermediate,
    /// Inside `ESC [ …`, until a final byte.
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string, until BEL or ST.
    String,
    /// ESC inside a string: `\` ends it (ST).
    StringEscape,
    /// Inside a UTF-8 character, this many continuation bytes to go.
    Utf8(u8),
}

impl SequenceState {
    pub(crate) fn is_ground(self) -> bool {
        self == SequenceState::Ground
    }

    /// The state after `bytes`.
    pub(crate) fn after(mut self, bytes: &[u8]) -> Self {
        for &b in bytes {
            self = self.step(b);
        }
        self
    }

    fn step(self, b: u8) -> Self {
        use SequenceState::*;
        match self {
            Ground | Utf8(_) if b == 0x1b => Escape,
            Ground => match b {
                0xc0..=0xdf => Utf8(1),
                0xe0..=0xef => Utf8(2),
                0xf0..=0xf7 => Utf8(3),
                _ => Ground,
            },
            Utf8(n) => match b {
                0x80..=0xbf if n > 1 => Utf8(n - 1),
                0x80..=0xbf => Ground,
                // A broken character: the emulator drops it; start over.
                _ => Ground.step(b),
            },
            Escape => match b {
                b'[' => Csi,
                b']' | b'P' | b'X' | b'^' | b'_' => String,
                0x20..=0x2f => EscapeIntermediate,
                0x1b => Escape,
                _ => Ground,
            },
            EscapeIntermediate => Ground,
            Csi => match b {
                0x40..=0x7e => Ground,
                0x1b => Escape,
                // CAN and SUB abort a sequence.
                0x18 | 0x1a => Ground,
                _ => Csi,
            },
            String => match b {
                0x07 => Ground,
                0x1b => StringEscape,
                0x18 | 0x1a => Ground,
                _ => String,
            },
            StringEscape => match b {
                b'\\' => Ground,
                _ => Escape.step(b),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SequenceState::{self, *};

    fn after(bytes: &[u8]) -> SequenceState {
        Ground.after(bytes)
    }

    #[test]
    fn complete_sequences_end_in_ground() {
        for bytes in [
            &b"plain text\r\n"[..],
            b"\x1b[38;5;246mgrey\x1b[39m",
            b"\x1b]8;id=1;https://claude.ai/x\x07link\x1b]8;;\x07",
            b"\x1b]11;?\x1b\\",
            b"\x1b7\x1b8\x1b(B",
            "\u{2713} ✘ ╭─╮".as_bytes(),
        ] {
            assert_eq!(after(bytes), Ground, "{bytes:?}");
        }
    }

    #[test]
    fn cut_sequences_do_not() {
        assert_eq!(after(b"\x1b"), Escape);
        assert_eq!(after(b"\x1b[38;5"), Csi);
        assert_eq!(after(b"\x1b]8;id=1;https://cl"), String);
        assert_eq!(after(b"\x1b]11;?\x1b"), StringEscape);
        assert_eq!(after(b"\x1b("), EscapeIntermediate);
        assert_eq!(after(&"✘".as_bytes()[..1]), Utf8(2));
        assert_eq!(after(&"✘".as_bytes()[..2]), Utf8(1));
    }
}
