//! A stand-in for `claude setup-token` (and `claude -p`: see print.rs), byte-faithful to the recordings in
//! tests/fixtures/claude-cli (v2.1.332): cursor moves instead of spaces,
//! OSC 8 links, terminal queries, bracketed paste, `\r\r\n`, raw-mode input.
//! The exchange is scripted, never networked.
//!
//! Scenario (`FAKE_CLAUDE_SCENARIO`, default `network`):
//! - `success`: the code is accepted; the token is printed; exit 0.
//! - `rejected`: "Invalid authorization code"; Enter shows the same URL again.
//! - `network`: ENOTFOUND, as the real CLI without network; Enter retries.
//! - `retry`: the first code fails (network), the next one succeeds.
//! - `hang`: "Finishing sign-in…" forever.
//! - `crash`: exits 1 as soon as a code arrives.
//! - `slow-url`: the URL comes after `FAKE_CLAUDE_URL_DELAY_MS` (default 30000).
//!   In other scenarios that variable, and `FAKE_CLAUDE_EXCHANGE_DELAY_MS`,
//!   add a pause before the link and before each outcome.
//! - `no-url`: a screen nobody expected, and no URL, ever.
//! - `foreign-url`: a URL on a host that is not Claude's.
//!
//! A code whose first part names a scenario before a `-` (`rejected-x#y`,
//! `network-1#2`, `success-a#b`, `hang-…`, `crash-…`) picks that outcome for
//! itself, so one server can show every outcome. A code without `#` gets
//! "That doesn't look like the full code." in every scenario. `FAKE_CLAUDE_TOKEN` sets the token; `FAKE_CLAUDE_LOG` names a
//! file where every byte read is appended (to check what the server typed).
//! `FAKE_CLAUDE_PASTE_DROPS_ENTER=1`: 2.0.14's input, where an Enter read in
//! the same chunk as the code is taken as part of a paste and dropped.
//! As the real CLI: a lone `c` in the empty field copies the link (it is not
//! typed), and with `BROWSER`, `DISPLAY` or `WAYLAND_DISPLAY` set the link
//! comes 3 s later.

#[path = "fake_claude/print.rs"]
mod print;

use std::{
    io::{Read, Write},
    time::Duration,
};

const VERSION: &str = "2.1.332";
const DEFAULT_TOKEN: &str = "sk-ant-oat01-FAKEfakeFAKEfake0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcdefAA";
const GREY: &str = "\x1b[38;5;246m";
const RED: &str = "\x1b[38;5;211m";
const BLUE: &str = "\x1b[38;5;153m";
const RESET: &str = "\x1b[39m";
const NL: &str = "\r\r\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-v") => println!("{VERSION} (Claude Code)"),
        Some("setup-token") => setup_token(),
        _ if args.iter().any(|a| a == "-p" || a == "--print") => print::run(&args),
        _ => {
            eprintln!("fake claude: unsupported arguments {args:?}");
            std::process::exit(2);
        }
    }
}

fn scenario() -> String {
    std::env::var("FAKE_CLAUDE_SCENARIO").unwrap_or_else(|_| "network".into())
}

fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Words placed with absolute cursor moves (`ESC [ n G`), as the CLI's
/// renderer does, starting at 1-based column `col`.
fn words_at(col: usize, text: &str) -> String {
    let mut line = String::new();
    let mut at = col;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 || col > 1 {
            line.push_str(&format!("\x1b[{at}G"));
        }
        line.push_str(word);
        at += word.chars().count() + 1;
    }
    line
}

fn raw_mode() {
    // SAFETY: plain termios calls on our own standard input.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut t) == 0 {
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
    }
}

fn challenge(n: u32) -> String {
    // 43 URL-safe characters, different for each URL this process shows.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut seed = u64::from(std::process::id()) * 7919 + u64::from(n) * 104_729;
    (0..43)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[(seed >> 58) as usize] as char
        })
        .collect()
}

fn url(n: u32) -> String {
    if scenario() == "foreign-url" {
        return format!(
            "https://claude.ai.example.net/oauth/authorize?I{}",
            challenge(n)
        );
    }
    if std::env::var("CLAUDE_CODE_FULL_SIGN_IN_LINK").is_ok_and(|v| v == "1") {
        return format!(
            "https://claude.com/cai/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2Fcallback&scope=user%3Ainference&code_challenge={}&code_challenge_method=S256&state={}",
            challenge(n),
            challenge(n + 1000)
        );
    }
    format!("https://claude.ai/oauth/authorize?I{}", challenge(n))
}

fn columns() -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize on our own standard output.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            return usize::from(ws.ws_col);
        }
    }
    80
}

/// The link, hard-wrapped at the width, each piece inside the same OSC 8
/// link. The cursor is saved where the block starts: the real CLI redraws
/// the whole block away once a code is in (see [`finishing`]).
fn show_url(n: u32) {
    out("\x1b7");
    let link = url(n);
    let id = format!("{:x}", 0x1a2b3c + n);
    let cols = columns();
    let pieces: Vec<String> = link
        .as_bytes()
        .chunks(cols)
        .map(|c| {
            format!(
                "\x1b]8;id={id};{link}\x07{GREY}{}{RESET}\x1b]8;;\x07",
                String::from_utf8_lossy(c)
            )
        })
        .collect();
    out(&format!(
        "\x1b[2G{GREY}{}{RESET}{NL}{NL}{}{NL}{NL}",
        words_at(
            2,
            "Browser didn't open? Use the URL below to sign in (c to copy)"
        ),
        pieces.join(NL)
    ));
    let width = cols.saturating_sub(3).max(10);
    out(&format!(
        "{}{NL}\x1b[2G{BLUE}╭{}╮{RESET}{NL}\x1b[2G{BLUE}│\x1b[4G{RESET}\x1b[7m \x1b[{cols}G\x1b[27m{BLUE}│{RESET}{NL}\x1b[2G{BLUE}╰{}╯{RESET}{NL}\x1b[3C\x1b[2A",
        words_at(2, "Paste code here if prompted"),
        "─".repeat(width),
        "─".repeat(width)
    ));
}

fn log_input(bytes: &[u8]) {
    if let Ok(path) = std::env::var("FAKE_CLAUDE_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(bytes);
        }
    }
}

/// Reads one line of input up to `\r`, without bracketed-paste markers.
/// `None` when the terminal is gone. As the real CLI: a lone `c` read into
/// the empty field copies the link instead of being typed (a code typed key
/// by key would lose a leading `c`; one written whole keeps it). With
/// `FAKE_CLAUDE_PASTE_DROPS_ENTER=1` it behaves as 2.0.14 does: input that
/// arrives several bytes in one read is a paste, and an Enter inside a
/// paste is dropped; only an Enter read on its own submits.
fn read_line() -> Option<String> {
    let drops_enter = std::env::var("FAKE_CLAUDE_PASTE_DROPS_ENTER").is_ok_and(|v| v == "1");
    let mut line = Vec::new();
    let mut stdin = std::io::stdin().lock();
    loop {
        // 2.0.14's event loop reads now and then, so whatever arrived in
        // between comes as one chunk.
        if drops_enter {
            pause(30);
        }
        let mut chunk = [0u8; 4096];
        let read = match stdin.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => &chunk[..n],
        };
        log_input(read);
        if read == b"c" && line.is_empty() {
            // Copied to the clipboard, which a PTY does not have: nothing
            // to see, and nothing typed.
            continue;
        }
        let pasted = read.len() > 1;
        for &byte in read {
            if byte == b'\r' || byte == b'\n' {
                if pasted && drops_enter {
                    continue;
                }
                let text = String::from_utf8_lossy(&line)
                    .replace("\x1b[200~", "")
                    .replace("\x1b[201~", "");
                return Some(text);
            }
            line.push(byte);
        }
    }
}

fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn oauth_error(message: &str) {
    out(&format!(
        "\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G\r\x1b[1C{RED}✘\x1b[4GOAuth error: {message}{RESET}{NL}\x1b[4G{RED}{}{RESET}{NL}{NL}\x1b[2G{BLUE}{}{RESET}{NL}",
        words_at(4, "Check your internet connection, then try again."),
        words_at(2, "Press Enter to retry")
    ));
}

/// "Finishing sign-in…" in place of the link and its prompt: the real CLI
/// erases the block (2.1.332: seven lines up, `ESC[2K` each) and draws the
/// line where it began, so the link is off the screen until it is shown
/// again after Enter.
fn finishing() {
    out(&format!(
        "\x1b8\x1b[J\r\x1b[1C\x1b[38;5;231m✽{RESET} Finishing sign-in…\x1b[K{NL}"
    ));
}

fn setup_token() {
    raw_mode();
    let scenario = scenario();
    // What 2.1.332 sends first: save/restore, modes, then its queries.
    out("\x1b7\x1b[r\x1b8\x1b[?25h\x1b[?25l\x1b[?2004h\x1b[?2031h\x1b[?1004h");
    out(&format!(
        "\x1b[38;5;174m{}\x1b[24G{GREY}v{VERSION}{RESET}{NL}{NL}",
        words_at(1, "Welcome to Claude Code")
    ));
    out(&format!(
        "\x1b[2G\x1b[1m{}\x1b[22m{NL}\x1b[2G\x1b[1m{}\x1b[22m{NL}{NL}",
        words_at(
            2,
            "This will guide you through long-lived (1-year) auth token setup for your"
        ),
        words_at(2, "Claude account. Claude subscription required.")
    ));
    out("\x1b]11;?\x07\x1b[c");
    // An optional pause before the link and before each outcome, so a
    // browser test can see "Preparing…" and "Validating…".
    let delay = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    match scenario.as_str() {
        "slow-url" => {
            let ms = std::env::var("FAKE_CLAUDE_URL_DELAY_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(30_000);
            pause(ms);
        }
        _ if delay("FAKE_CLAUDE_URL_DELAY_MS") > 0 && scenario != "no-url" => {
            pause(delay("FAKE_CLAUDE_URL_DELAY_MS"));
        }
        "no-url" => {
            out(&format!(
                "\x1b[2G{}{NL}",
                words_at(2, "Something nobody expected happened here.")
            ));
            loop {
                pause(60_000);
            }
        }
        _ => {}
    }
    // With a browser to open, the real CLI tries it and waits 3 s first.
    if ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        pause(3_000);
    }
    let shown = 1;
    show_url(shown);
    out("\x1b[>0q\x1b[?u\x1b]7501;?\x07\x1b[c");
    let mut failures = 0;
    loop {
        let Some(code) = read_line() else { return };
        let masked = format!(
            "{}{}",
            "*".repeat(code.chars().count().saturating_sub(6)),
            code.chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        );
        out(&format!(
            "\x1b[3D\x1b[2B\r\x1b[3C\x1b[2A{masked}\x1b[7m \x1b[27m{NL}\r\n"
        ));
        if !code.contains('#') {
            out(&format!(
                "\x1b[2K\r\x1b[1C{RED}✘ That doesn't look like the full code.{RESET}{NL}\x1b[4G{RED}{}{RESET}{NL}",
                words_at(4, "Copy all of it, including the # in the middle.")
            ));
            continue;
        }
        if scenario == "crash" {
            std::process::exit(1);
        }
        finishing();
        pause(50 + delay("FAKE_CLAUDE_EXCHANGE_DELAY_MS"));
        let chosen = code
            .split_once('-')
            .map(|(name, _)| name)
            .filter(|name| ["success", "rejected", "network", "hang", "crash"].contains(name))
            .unwrap_or(scenario.as_str());
        if chosen == "crash" {
            std::process::exit(1);
        }
        let outcome = match chosen {
            "success" => "success",
            "retry" if failures > 0 => "success",
            "retry" | "network" => "network",
            "rejected" => "rejected",
            "hang" => loop {
                pause(60_000);
            },
            _ => "network",
        };
        match outcome {
            "success" => {
                let token =
                    std::env::var("FAKE_CLAUDE_TOKEN").unwrap_or_else(|_| DEFAULT_TOKEN.into());
                let cols = columns();
                let wrapped: Vec<String> = token
                    .as_bytes()
                    .chunks(cols)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                out(&format!(
                    "\r\x1b[1C\x1b[32m✓{RESET}\x1b[4G{}{NL}{NL}\x1b[2G{}{NL}{NL}{}{NL}{NL}\x1b[2G{}{NL}\x1b[2G{}{NL}",
                    words_at(4, "Long-lived authentication token created"),
                    words_at(2, "Your OAuth token (valid for 1 year):"),
                    wrapped.join(NL),
                    words_at(2, "Store this token securely. You won't be able to see it again."),
                    words_at(2, "Use this token by setting: export CLAUDE_CODE_OAUTH_TOKEN=<token>")
                ));
                pause(500);
                return;
            }
            "rejected" => oauth_error("Authentication failed: Invalid authorization code"),
            _ => oauth_error("Couldn't get an answer from the sign-in service (ENOTFOUND)."),
        }
        failures += 1;
        // Only Enter goes on; anything else is ignored, as the real CLI does.
        loop {
            let Some(line) = read_line() else { return };
            if line.is_empty() {
                break;
            }
        }
        out(&format!(
            "\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G\r\x1b[1C\x1b[38;5;231m✽\x1b[4G{RESET}Retrying sign-in…\x1b[K{NL}"
        ));
        // The same link again, as the recorded CLIs show it (2.1.332: the
        // same challenge and OSC 8 id): the code can be pasted again.
        show_url(shown);
    }
}
