//! What each recorded version draws in each state of `setup-token`, laid
//! out for the terminal's width as it lays it out (tests/fixtures/claude-cli/
//! v2.1.332 and v2.1.197; tests/fake_fidelity.rs holds the fake to them).

use super::art;
use super::term::{
    paragraph, pieces, words_at, wrap, BLUE, GREEN, GREY, ORANGE, RED, RESET, WHITE, YELLOW,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// What a plain `npm install` gives on node 20: a hard-wrapped full link
    /// without OSC 8, a new `state` on every retry, axios' error texts.
    V2_1_197,
    /// The pinned version: a short OSC 8 link, the same link on retry.
    V2_1_332,
}

/// Why a code did not sign in.
#[derive(Clone, Copy)]
pub enum Failure {
    Network,
    Refused,
}

/// The spinner's frames, as both versions cycle them.
pub const SPINNER: &[&str] = &["·", "✢", "*", "✶", "✻", "✽", "✻", "✶", "*", "✢"];

impl Version {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "2.1.197" => Some(Self::V2_1_197),
            "2.1.332" => Some(Self::V2_1_332),
            _ => None,
        }
    }

    pub fn number(self) -> &'static str {
        match self {
            Self::V2_1_197 => "2.1.197",
            Self::V2_1_332 => "2.1.332",
        }
    }

    /// 2.1.197 shows "Opening browser" for 3 s whether or not there is a
    /// browser to open; 2.1.332 only when `BROWSER`/`DISPLAY` is set.
    pub fn always_opens_a_browser(self) -> bool {
        self == Self::V2_1_197
    }

    /// 2.1.197 starts the sign-in over on retry (a new `state`); 2.1.332
    /// shows the very same link again.
    pub fn new_link_on_retry(self) -> bool {
        self == Self::V2_1_197
    }

    /// 2.1.197 always prints the full link; 2.1.332 a short one unless
    /// `CLAUDE_CODE_FULL_SIGN_IN_LINK=1`.
    pub fn full_link(self) -> bool {
        self == Self::V2_1_197
            || std::env::var("CLAUDE_CODE_FULL_SIGN_IN_LINK").is_ok_and(|v| v == "1")
    }

    /// 2.1.332 says "That doesn't look like the full code" and stays at the
    /// prompt; 2.1.197 fails the sign-in ("Invalid code") and waits for Enter.
    pub fn refuses_a_code_without_hash_at_the_prompt(self) -> bool {
        self == Self::V2_1_332
    }

    /// The lines printed once at the start: the welcome line, the banner on
    /// a large terminal, and (2.1.332) what the command is for.
    pub fn intro(self, cols: usize, rows: usize) -> Vec<String> {
        let mut lines = vec![format!(
            "{ORANGE}{}\x1b[24G{GREY}v{}{RESET}",
            words_at(1, "Welcome to Claude Code"),
            self.number()
        )];
        if cols >= art::MIN_COLUMNS && rows >= art::MIN_ROWS {
            lines.extend(art::BANNER.iter().map(|l| (*l).to_owned()));
        }
        lines.push(String::new());
        if self == Self::V2_1_332 {
            lines.extend(paragraph(
                1,
                "This will guide you through long-lived (1-year) auth token setup for your Claude account. Claude subscription required.",
                cols,
                "\x1b[1m",
            ));
            lines.push(String::new());
        }
        lines
    }

    pub fn opening_browser(self, frame: usize) -> Vec<String> {
        vec![format!(
            "\x1b[2G{WHITE}{}\x1b[4G{RESET}{}",
            SPINNER[frame % SPINNER.len()],
            words_at(4, "Opening browser to sign in…")
        )]
    }

    /// The link, its prompt and the input: `typed` is what the field shows
    /// (masked), `no_hash` the complaint about a code without `#`.
    pub fn link(
        self,
        cols: usize,
        link: &str,
        osc8_id: &str,
        typed: &str,
        no_hash: bool,
    ) -> Vec<String> {
        match self {
            Self::V2_1_332 => {
                let mut lines = paragraph(
                    1,
                    "Browser didn't open? Use the URL below to sign in (c to copy)",
                    cols,
                    "",
                );
                lines.push(String::new());
                lines.extend(
                    pieces(link, cols, 1, GREY)
                        .into_iter()
                        .map(|piece| format!("\x1b]8;id={osc8_id};{link}\x07{piece}\x1b]8;;\x07")),
                );
                lines.push(String::new());
                lines.extend(paragraph(1, "Paste code here if prompted", cols, ""));
                let frame = if no_hash { RED } else { BLUE };
                let rule = "─".repeat(cols.saturating_sub(3));
                let field = if typed.is_empty() {
                    "\x1b[7m \x1b[27m".to_owned()
                } else {
                    format!("{typed}\x1b[7m \x1b[27m")
                };
                lines.push(format!("\x1b[2G{frame}╭{rule}╮{RESET}"));
                lines.push(format!(
                    "\x1b[2G{frame}│\x1b[4G{RESET}{field}\x1b[{cols}G{frame}│{RESET}"
                ));
                lines.push(format!("\x1b[2G{frame}╰{rule}╯{RESET}"));
                if no_hash {
                    lines.extend(with_icon(
                        "✘",
                        RED,
                        &paragraph(3, "That doesn't look like the full code.", cols, RED),
                    ));
                    lines.extend(paragraph(
                        3,
                        "Copy all of it, including the # in the middle.",
                        cols,
                        GREY,
                    ));
                }
                lines
            }
            Self::V2_1_197 => {
                let mut lines = browser_didnt_open_2_1_197(cols);
                lines.push(String::new());
                lines.extend(pieces(link, cols, 1, GREY));
                lines.push(String::new());
                lines.push(String::new());
                let mut prompt = words_at(2, "Paste code here if prompted >");
                if !typed.is_empty() {
                    prompt.push_str(&format!("\x1b[32G{typed}"));
                }
                lines.push(prompt);
                lines
            }
        }
    }

    /// "Finishing sign-in…" while the code is exchanged (2.1.332 only).
    pub fn finishing(self) -> Option<Vec<String>> {
        (self == Self::V2_1_332).then(|| {
            vec![format!(
                "\x1b[2G{WHITE}✽{RESET} {}",
                words_at(4, "Finishing sign-in…")
            )]
        })
    }

    pub fn failed(self, cols: usize, failure: Failure) -> Vec<String> {
        match self {
            Self::V2_1_332 => {
                let message = match failure {
                    Failure::Network => "Couldn't get an answer from the sign-in service (ENOTFOUND). Check your internet connection, then try again.",
                    Failure::Refused => "That code wasn't accepted. It may be incomplete, expired, already used, or from an earlier sign-in attempt. Sign in again to get a new code.",
                };
                let mut lines = with_icon(
                    "✘",
                    RED,
                    &paragraph(3, &format!("OAuth error: {message}"), cols, RED),
                );
                lines.push(String::new());
                lines.extend(paragraph(1, "Press Enter to retry", cols, BLUE));
                lines
            }
            Self::V2_1_197 => {
                let message = match failure {
                    Failure::Network => "getaddrinfo ENOTFOUND platform.claude.com",
                    Failure::Refused => "Request failed with status code 400",
                };
                self.failed_2_1_197(cols, message)
            }
        }
    }

    /// 2.1.197's answer to a code without `#`.
    pub fn no_hash_failure(self, cols: usize) -> Vec<String> {
        self.failed_2_1_197(
            cols,
            "Invalid code. Please make sure the full code was copied",
        )
    }

    fn failed_2_1_197(self, cols: usize, message: &str) -> Vec<String> {
        let mut lines = paragraph(1, &format!("OAuth error: {message}"), cols, RED);
        lines.push(String::new());
        lines.push(String::new());
        lines.extend(paragraph(1, "Press Enter to retry.", cols, BLUE));
        lines
    }

    pub fn retrying(self, frame: usize) -> Vec<String> {
        match self {
            Self::V2_1_332 => vec![format!(
                "\x1b[2G{WHITE}{}\x1b[4G{RESET}{}",
                SPINNER[frame % SPINNER.len()],
                words_at(4, "Retrying sign-in…")
            )],
            Self::V2_1_197 => vec![format!("\x1b[2G{BLUE}Retrying…{RESET}")],
        }
    }

    pub fn signed_in(self, cols: usize, token: &str) -> Vec<String> {
        let mut lines = vec![String::new()];
        match self {
            Self::V2_1_332 => lines.extend(with_icon(
                "✔",
                GREEN,
                &paragraph(3, "Long-lived authentication token created", cols, GREEN),
            )),
            Self::V2_1_197 => lines.extend(paragraph(
                1,
                "✓ Long-lived authentication token created successfully!",
                cols,
                GREEN,
            )),
        }
        lines.push(String::new());
        lines.extend(paragraph(
            1,
            "Your OAuth token (valid for 1 year):",
            cols,
            "",
        ));
        lines.push(String::new());
        lines.extend(pieces(token, cols.saturating_sub(1), 2, YELLOW));
        lines.push(String::new());
        lines.extend(paragraph(
            1,
            "Store this token securely. You won't be able to see it again.",
            cols,
            GREY,
        ));
        lines.push(String::new());
        lines.extend(paragraph(
            1,
            "Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>",
            cols,
            GREY,
        ));
        if self == Self::V2_1_332 {
            lines.push(String::new());
            lines.extend(paragraph(
                1,
                "You can revoke it later at https://claude.ai/settings/claude-code",
                cols,
                GREY,
            ));
        }
        lines
    }
}

/// An icon in column 2 before a paragraph indented by 3.
fn with_icon(icon: &str, colour: &str, lines: &[String]) -> Vec<String> {
    let mut lines = lines.to_vec();
    if let Some(first) = lines.first_mut() {
        *first = format!("\x1b[2G{colour}{icon}{RESET}{first}");
    }
    lines
}

/// 2.1.197 lays "(c to copy)" out as a column of its own beside the
/// sentence: one line where both fit, else two columns side by side (the
/// widths are those of the one narrow recording, 40 columns).
fn browser_didnt_open_2_1_197(cols: usize) -> Vec<String> {
    let sentence = "Browser didn't open? Use the url below to sign in";
    let copy = "(c to copy)";
    if 1 + sentence.len() + 1 + copy.len() <= cols {
        return vec![format!("\x1b[2G{GREY}{sentence} {copy}{RESET}")];
    }
    let right_width = 9;
    let right_col = cols - right_width + 1;
    let left = wrap(sentence, cols - right_width - 2);
    let right = wrap(copy, right_width);
    (0..left.len().max(right.len()))
        .map(|i| {
            let mut line = GREY.to_owned();
            if let Some(words) = left.get(i) {
                line.push_str(&words_at(2, words));
            }
            if let Some(words) = right.get(i) {
                line.push_str(&words_at(right_col, words));
            }
            line.push_str(RESET);
            line
        })
        .collect()
}
