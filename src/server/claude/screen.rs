//! What `claude setup-token` shows, read like a person reads it: every byte
//! goes through a terminal emulator (`vt100`), and the screen's text, plus
//! the targets of OSC 8 hyperlinks, is turned into [`Observation`]s.
//!
//! Pure: no I/O, no clock. The same bytes give the same observations however
//! they are split into chunks (the tests feed every recording split at every
//! byte offset). To make that hold, the screen is judged after every line
//! feed in the stream and at the end of every chunk, and each observation
//! needs its completion mark on screen (a URL counts once the code prompt is
//! drawn below it; a token once the line after it is drawn).

use std::num::NonZeroU16;

use secrecy::SecretString;

use super::sequence::SequenceState;

/// Hosts a sign-in URL may point to: those the recorded CLIs use, and the
/// console host older ones used (docs/architecture.md, "How a login runs").
pub(crate) const ALLOWED_HOSTS: &[&str] = &[
    "claude.ai",
    "claude.com",
    "platform.claude.com",
    "console.anthropic.com",
];

/// What the CLI said, as it says it.
#[derive(Debug)]
pub(crate) enum Observation {
    /// A complete sign-in URL on an allowed host, shown with the code prompt.
    Url(String),
    /// The CLI waits for a code (the prompt is on screen, nothing else pending).
    PromptReady,
    /// The CLI exchanges the code for a token ("Finishing sign-in…").
    Exchanging,
    /// The exchange worked: the long-lived token, read whole.
    Success(SecretString),
    /// `OAuth error: …`: the CLI waits for Enter to start over.
    OAuthError {
        kind: OAuthErrorKind,
        message: String,
    },
    /// The code lacked its `#` (2.1.332): the prompt is still there.
    CodeMissingHash,
}

impl PartialEq for Observation {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        match (self, other) {
            (Self::Url(a), Self::Url(b)) => a == b,
            (Self::Success(a), Self::Success(b)) => a.expose_secret() == b.expose_secret(),
            (
                Self::OAuthError {
                    kind: k1,
                    message: m1,
                },
                Self::OAuthError {
                    kind: k2,
                    message: m2,
                },
            ) => k1 == k2 && m1 == m2,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// Why the exchange failed, as far as the CLI's words tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OAuthErrorKind {
    /// The service refused the code (wrong, expired, or cut short).
    RejectedCode,
    /// The service could not be reached, or did not answer in time.
    Network,
    /// Any other failure of the exchange.
    Other,
}

/// Classifies the text after `OAuth error:`.
pub(crate) fn classify_oauth_error(message: &str) -> OAuthErrorKind {
    let m = message.to_ascii_lowercase();
    const NETWORK: &[&str] = &[
        "couldn't get an answer",
        "enotfound",
        "eai_again",
        "econnrefused",
        "econnreset",
        "etimedout",
        "getaddrinfo",
        "timed out",
        "timeout",
        "network",
        "socket hang up",
    ];
    const REJECTED: &[&str] = &[
        "invalid authorization code",
        // 2.1.332, for a code the service refuses (400 invalid_grant).
        "wasn't accepted",
        // 2.0.14 and 2.1.197 (axios) for the same.
        "status code 400",
        "status code 401",
        "invalid code",
        "invalid_grant",
        "(400)",
        "(401)",
    ];
    if NETWORK.iter().any(|n| m.contains(n)) {
        OAuthErrorKind::Network
    } else if REJECTED.iter().any(|r| m.contains(r)) {
        OAuthErrorKind::RejectedCode
    } else {
        OAuthErrorKind::Other
    }
}

/// `true` for an `https` URL whose host is one of [`ALLOWED_HOSTS`].
pub fn is_allowed_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // No credentials or port tricks: the authority must be a bare host.
    !authority.contains(['@', ':'])
        && ALLOWED_HOSTS
            .iter()
            .any(|h| authority.eq_ignore_ascii_case(h))
}

/// Collects OSC 8 hyperlink targets as the emulator meets them: the
/// newest [`MAX_LINKS`] of them, each at most [`MAX_LINK_LEN`] bytes (a
/// sign-in link is about 330). A CLI, or anything it prints, that emits
/// links without end cannot grow a flow's memory without end.
#[derive(Default)]
struct Hyperlinks {
    targets: Vec<String>,
}

const MAX_LINKS: usize = 16;
const MAX_LINK_LEN: usize = 4096;

impl vt100::Callbacks for Hyperlinks {
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        // ESC ] 8 ; <params> ; <target> BEL. A `;` inside the target splits
        // it further, so the target is everything after the second field.
        if params.first() == Some(&&b"8"[..]) && params.len() >= 3 {
            let target = params[2..].join(&b';');
            if !target.is_empty() && target.len() <= MAX_LINK_LEN {
                if self.targets.len() >= MAX_LINKS {
                    self.targets.remove(0);
                }
                self.targets
                    .push(String::from_utf8_lossy(&target).into_owned());
            }
        }
    }
}

/// What the screen showed at the last look.
#[derive(Default, PartialEq)]
struct Seen {
    url: Option<String>,
    prompt: bool,
    exchanging: bool,
    missing_hash: bool,
    error: Option<(OAuthErrorKind, String)>,
    token: Option<String>,
}

/// The emulator, or (while the CLI is quiet) its state written down.
enum Emulator {
    Live(Box<vt100::Parser<Hyperlinks>>),
    /// The screen as escape codes that rebuild it, and the links seen: a few
    /// KiB instead of a full grid of cells (32 bytes each).
    Parked {
        state: String,
        links: Vec<String>,
    },
}

/// The terminal the CLI draws on, and what it has said so far.
pub(crate) struct Screen {
    emulator: Emulator,
    rows: NonZeroU16,
    cols: usize,
    /// Where the bytes fed so far stand: parking needs a sequence boundary.
    sequence: SequenceState,
    last: Seen,
    token_sent: bool,
    /// The CLI is gone: what the screen shows now is final.
    ended: bool,
    /// The first line that said what went wrong, kept: a crash's stack
    /// (1.0.128 prints minified source) scrolls it away within a screen.
    problem: Option<String>,
}

/// Words both recorded CLIs print after the token, once it is whole.
const TOKEN_FOLLOWERS: &[&str] = &[
    "Store this token",
    "see it again",
    "CLAUDE_CODE_OAUTH_TOKEN",
];

/// Rows of history kept above the screen: the CLI's whole session fits.
const SCROLLBACK: usize = 64;

fn new_parser(rows: NonZeroU16, cols: NonZeroU16, links: Vec<String>) -> vt100::Parser<Hyperlinks> {
    vt100::Parser::new_with_callbacks(rows, cols, SCROLLBACK, Hyperlinks { targets: links })
}

impl Screen {
    pub(crate) fn new(rows: NonZeroU16, cols: NonZeroU16) -> Self {
        Self {
            // Built on the first output: a flow that waits to start costs no grid.
            emulator: Emulator::Parked {
                state: String::new(),
                links: Vec::new(),
            },
            rows,
            cols: usize::from(cols.get()),
            sequence: SequenceState::Ground,
            last: Seen::default(),
            token_sent: false,
            ended: false,
            problem: None,
        }
    }

    /// The live emulator, rebuilt first if it was parked.
    fn parser(&mut self) -> &mut vt100::Parser<Hyperlinks> {
        if let Emulator::Parked { state, links } = &mut self.emulator {
            let cols = u16::try_from(self.cols)
                .ok()
                .and_then(NonZeroU16::new)
                .unwrap_or(NonZeroU16::MIN);
            let mut parser = new_parser(self.rows, cols, std::mem::take(links));
            parser.process(state.as_bytes());
            self.emulator = Emulator::Live(Box::new(parser));
        }
        match &mut self.emulator {
            Emulator::Live(parser) => parser,
            Emulator::Parked { .. } => unreachable!("rebuilt just above"),
        }
    }

    /// Writes the screen down and frees the emulator's grid, if it can be
    /// rebuilt exactly: between sequences, and with nothing scrolled off
    /// (scrollback is not part of the written state). Call when the CLI is
    /// quiet; the next [`Screen::feed`] rebuilds it. `true` when parked.
    pub(crate) fn park(&mut self) -> bool {
        let Emulator::Live(parser) = &mut self.emulator else {
            return true;
        };
        if !self.sequence.is_ground() || parser.screen().scrollback_len() > 0 {
            return false;
        }
        let state = parser.screen().state_formatted();
        let links = std::mem::take(&mut parser.callbacks_mut().targets);
        self.emulator = Emulator::Parked { state, links };
        true
    }

    #[cfg(test)]
    pub(crate) fn is_parked(&self) -> bool {
        matches!(self.emulator, Emulator::Parked { .. })
    }

    /// Bytes this screen keeps besides the emulator's fixed grid: the link
    /// targets, and the written-down screen while parked.
    #[cfg(test)]
    pub(crate) fn retained_bytes(&self) -> usize {
        let links: usize = self.links().iter().map(String::len).sum();
        match &self.emulator {
            Emulator::Live(_) => links,
            Emulator::Parked { state, .. } => links + state.len(),
        }
    }

    /// Feeds bytes from the PTY; returns what became visible.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Vec<Observation> {
        let mut out = Vec::new();
        self.sequence = self.sequence.after(bytes);
        let mut rest = bytes;
        while let Some(at) = next_look_point(rest) {
            let (piece, tail) = rest.split_at(at);
            self.parser().process(piece);
            self.look(&mut out);
            rest = tail;
        }
        self.parser().process(rest);
        self.look(&mut out);
        out
    }

    /// The last look, once the CLI has exited: the screen is final, so a
    /// token with nothing recognisable after it counts now.
    pub(crate) fn finish(&mut self) -> Vec<Observation> {
        self.ended = true;
        let mut out = Vec::new();
        self.look(&mut out);
        out
    }

    /// The last `n` non-empty lines of text (scrollback included), with
    /// anything that looks like a token or a code masked: for logs and
    /// error messages when the CLI shows something unexpected.
    pub(crate) fn tail(&mut self, n: usize) -> Vec<String> {
        let lines = self.lines();
        let kept: Vec<String> = lines
            .iter()
            .map(|l| l.trim_end())
            .filter(|l| !l.trim().is_empty())
            .map(mask_secrets)
            .collect();
        kept[kept.len().saturating_sub(n)..].to_vec()
    }

    /// The screen's rows as a person sees them, secrets masked, without
    /// the blank rows below the last text: the live screen's lines.
    pub(crate) fn visible(&mut self) -> Vec<String> {
        let screen = self.parser().screen();
        let cols = screen.size().1.get();
        let mut rows: Vec<String> = screen
            .rows(0, cols)
            .map(|r| mask_secrets(r.trim_end()))
            .collect();
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        rows
    }

    /// The first line that said what went wrong, secrets masked: a crashed
    /// CLI's `ERROR …` (ink) or `…Error: …` (a JavaScript exception), not
    /// the stack trace below it.
    pub(crate) fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    /// What a CLI that stopped leaves to say: its error line, else its last
    /// lines.
    pub(crate) fn last_words(&mut self, tail: usize) -> String {
        self.problem()
            .unwrap_or_else(|| self.tail(tail).join(" / "))
    }

    /// Every line, scrollback first.
    fn lines(&mut self) -> Vec<String> {
        // vt100 shows scrollback by moving the view; read it, then go back.
        let screen = self.parser().screen_mut();
        screen.set_scrollback(usize::MAX);
        let back = screen.scrollback();
        let cols = screen.size().1.get();
        let mut lines: Vec<String> = screen.rows(0, cols).take(back).collect();
        screen.set_scrollback(0);
        lines.extend(screen.rows(0, cols));
        lines
    }

    fn look(&mut self, out: &mut Vec<Observation>) {
        let lines = self.lines();
        if self.problem.is_none() {
            self.problem = lines.iter().find_map(|l| problem_line(l));
        }
        let seen = self.read(&lines);
        if seen == self.last {
            return;
        }
        // Each time a URL (re)appears with its prompt: 2.1.332 shows the same
        // one again after a retry, 2.1.197 a new one.
        if let Some(url) = &seen.url {
            if self.last.url.as_ref() != Some(url) {
                out.push(Observation::Url(url.clone()));
            }
        }
        let waiting =
            |s: &Seen| s.prompt && !s.exchanging && s.error.is_none() && s.token.is_none();
        if waiting(&seen) && !waiting(&self.last) && seen.url.is_some() {
            out.push(Observation::PromptReady);
        }
        if seen.exchanging && !self.last.exchanging {
            out.push(Observation::Exchanging);
        }
        if seen.missing_hash && !self.last.missing_hash {
            out.push(Observation::CodeMissingHash);
        }
        if let Some((kind, message)) = &seen.error {
            if self.last.error.as_ref() != Some(&(*kind, message.clone())) {
                out.push(Observation::OAuthError {
                    kind: *kind,
                    message: message.clone(),
                });
            }
        }
        if let Some(token) = &seen.token {
            if !self.token_sent {
                self.token_sent = true;
                out.push(Observation::Success(token.clone().into()));
            }
        }
        self.last = seen;
    }

    fn read(&self, lines: &[String]) -> Seen {
        let prompt_at = lines.iter().rposition(|l| l.contains("Paste code here"));
        let url = prompt_at.and_then(|at| self.url_above(&lines[..at]));
        let error = find_oauth_error(lines);
        // Either line may be cut by wrapping on a narrow screen.
        let success_at = lines.iter().rposition(|l| {
            l.contains("authentication token created") || l.contains("Your OAuth token")
        });
        Seen {
            url,
            prompt: prompt_at.is_some(),
            exchanging: lines.iter().any(|l| l.contains("Finishing sign")),
            missing_hash: lines
                .iter()
                .any(|l| l.contains("doesn't look like the full code")),
            error,
            token: success_at.and_then(|at| self.token_below(&lines[at..])),
        }
    }

    /// The OSC 8 link targets seen so far.
    fn links(&self) -> &[String] {
        match &self.emulator {
            Emulator::Live(parser) => &parser.callbacks().targets,
            Emulator::Parked { links, .. } => links,
        }
    }

    /// The sign-in URL drawn above the prompt: the newest allowed OSC 8
    /// target, else the text, hard-wrapped lines joined back together.
    fn url_above(&self, lines: &[String]) -> Option<String> {
        let start = lines
            .iter()
            .rposition(|l| l.trim_start().starts_with("https://"))?;
        let linked = self.links().iter().rev().find(|t| is_allowed_url(t));
        if let Some(target) = linked {
            return Some(target.clone());
        }
        let text = join_link(&lines[start..]);
        is_allowed_url(&text).then_some(text)
    }

    /// The token on the line below the success message, complete only once
    /// the advice the CLI prints after it has been drawn (or the CLI has
    /// exited). Any line below is not enough: 2.1.197 draws the success over
    /// the old screen with cursor moves and erases what is left of each line
    /// after writing it, so a token's last line first shows with the end of
    /// the link that was there before.
    fn token_below(&self, lines: &[String]) -> Option<String> {
        let start = lines
            .iter()
            .position(|l| l.trim_start().starts_with("sk-ant-"))?;
        let is_token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let (token, used) = self.join_wrapped(&lines[start..], is_token_char)?;
        let complete = self.ended
            || lines[start + used..]
                .iter()
                .any(|l| TOKEN_FOLLOWERS.iter().any(|f| l.contains(f)));
        (complete && token.len() > "sk-ant-".len()).then_some(token)
    }

    /// Text starting at the first line, continued on the next lines for as
    /// long as each line reaches the right edge and the next goes on with
    /// characters that `belongs` accepts; with the number of lines it spans.
    fn join_wrapped(
        &self,
        lines: &[String],
        belongs: impl Fn(char) -> bool + Copy,
    ) -> Option<(String, usize)> {
        let used = wrapped_len(lines, self.cols, belongs);
        let text: String = lines[..used]
            .iter()
            .map(|l| {
                l.trim()
                    .chars()
                    .take_while(|&c| belongs(c))
                    .collect::<String>()
            })
            .collect();
        (!text.is_empty()).then_some((text, used))
    }
}

/// Where the screen must be looked at before going on: just after a line
/// feed, and just before an erase (`ESC [ … K` or `ESC [ … J`), so that what
/// is about to be wiped is seen even when it arrives in the same read as the
/// wipe. Where a sequence is split across reads, the look at the end of the
/// read sees the same screen.
fn next_look_point(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' if i + 1 < bytes.len() => return Some(i + 1),
            0x1b if i > 0 && bytes.get(i + 1) == Some(&b'[') => {
                let params = bytes[i + 2..]
                    .iter()
                    .position(|b| !(b.is_ascii_digit() || *b == b';'));
                if let Some(p) = params {
                    if matches!(bytes[i + 2 + p], b'K' | b'J') {
                        return Some(i);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `line`, masked, if it says what went wrong: it starts with `ERROR ` (ink's
/// error screen) or with an exception's name and a colon (`Error: …`,
/// `TypeError: …`). Lines of source code quoted below those never do.
fn problem_line(line: &str) -> Option<String> {
    let line = line.trim();
    let exception = line.split_once(": ").is_some_and(|(name, _)| {
        name.ends_with("Error") && name.chars().all(|c| c.is_ascii_alphanumeric())
    });
    (line.starts_with("ERROR ") || exception).then(|| mask_secrets(line))
}

/// How many lines, from the first, one wrapped run of `belongs` characters spans.
fn wrapped_len(lines: &[String], cols: usize, belongs: impl Fn(char) -> bool) -> usize {
    let mut used = 0;
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim();
        if body.is_empty() || (i > 0 && !body.chars().all(&belongs)) {
            break;
        }
        used = i + 1;
        let reaches_edge = line.trim_end().chars().count() >= cols;
        if !reaches_edge || !body.chars().all(&belongs) {
            break;
        }
    }
    used.max(1).min(lines.len())
}

/// A character a link may hold (RFC 3986's, less the few that never
/// appear unescaped in one).
fn is_url_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
}

/// The link that starts the first line, read by its content, not by the
/// screen's width: it goes on over the following lines for as long as each
/// holds nothing but link characters, however long they are. A CLI that
/// hard-wraps its link at its own width (2.1.197), on a screen of any
/// width, gives the link back whole; prose, a blank line or the prompt
/// ends it.
fn join_link(lines: &[String]) -> String {
    let Some((first, rest)) = lines.split_first() else {
        return String::new();
    };
    let first = first.trim();
    let mut link: String = first.chars().take_while(|&c| is_url_char(c)).collect();
    if link.len() < first.len() {
        // Something else follows it on its own line: it ends there.
        return link;
    }
    for line in rest {
        let body = line.trim();
        if body.is_empty() || !body.chars().all(is_url_char) {
            break;
        }
        link.push_str(body);
    }
    link
}

/// The newest `OAuth error: …` on screen, its wrapped lines joined.
fn find_oauth_error(lines: &[String]) -> Option<(OAuthErrorKind, String)> {
    const MARK: &str = "OAuth error:";
    let at = lines.iter().rposition(|l| l.contains(MARK))?;
    // Complete only once the CLI asks for Enter below it.
    lines[at..].iter().find(|l| l.contains("to retry"))?;
    let first = &lines[at][lines[at].find(MARK)? + MARK.len()..];
    let mut message = first.trim().to_owned();
    for line in &lines[at + 1..] {
        let body = line.trim();
        if body.is_empty() || body.starts_with("Press") {
            break;
        }
        message.push(' ');
        message.push_str(body);
    }
    Some((classify_oauth_error(&message), message))
}

/// Replaces tokens (`sk-ant-…` anywhere in a word: after a quote, a colon,
/// `token=`) and pasted codes (`…#…`) with asterisks; in a link, a long
/// base64url run after `#` (a code or state) is masked and the rest kept.
pub(crate) fn mask_secrets(line: &str) -> String {
    line.split(' ').map(mask_word).collect::<Vec<_>>().join(" ")
}

const MASK: &str = "********";
/// Shorter runs after `#` are words, not secrets (`#1`, `#main`).
const SECRET_RUN: usize = 16;

fn mask_word(word: &str) -> String {
    if word.contains("sk-ant-") || word.contains("****") {
        return MASK.to_owned();
    }
    if !word.contains('#') {
        return word.to_owned();
    }
    if !word.starts_with("http") {
        return if word.len() > 8 {
            MASK.to_owned()
        } else {
            word.to_owned()
        };
    }
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..=at]);
        let after = &rest[at + 1..];
        let run = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        if run >= SECRET_RUN {
            out.push_str(MASK);
        } else {
            out.push_str(&after[..run]);
        }
        rest = &after[run..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
