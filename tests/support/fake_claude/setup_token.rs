//! `claude setup-token`: the states the real CLI goes through, drawn as the
//! chosen version draws them (look.rs). The exchange is scripted, never
//! networked; see the scenarios in fake_claude.rs.

use std::{io::Read, time::Duration};

use super::look::{Failure, Version};
use super::term::{out, paragraph, raw_mode, size, Region};

const DEFAULT_TOKEN: &str = "sk-ant-oat01-FAKEfakeFAKEfake0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcdefAA";
/// How long both versions try a browser before they show the link.
const BROWSER_WAIT_MS: u64 = 3_000;
const FRAME_MS: u64 = 130;

fn scenario() -> String {
    std::env::var("FAKE_CLAUDE_SCENARIO").unwrap_or_else(|_| "network".into())
}

fn env_ms(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn has_browser() -> bool {
    ["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// Draws `frame(n)` every spinner tick for `ms`.
fn spin(region: &mut Region, ms: u64, frame: impl Fn(usize) -> Vec<String>) {
    let mut n = 0;
    let mut left = ms;
    loop {
        region.draw(&frame(n));
        let step = left.min(FRAME_MS);
        pause(step);
        left -= step;
        n += 1;
        if left == 0 {
            break;
        }
    }
}

/// 43 URL-safe characters, the same for the same `n` in this process.
fn random_part(n: u32) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut seed = u64::from(std::process::id()) * 7919 + u64::from(n) * 104_729;
    (0..43)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // The top 6 bits: an index below 64.
            char::from(alphabet[usize::try_from(seed >> 58).unwrap_or(0)])
        })
        .collect()
}

/// The link of the `attempt`-th sign-in (0 first): `FAKE_CLAUDE_LINKS`
/// (space-separated, the last one repeats) when a test must draw the very
/// links of a recording, else made up in the version's format.
fn link(version: Version, attempt: u32) -> String {
    if let Ok(links) = std::env::var("FAKE_CLAUDE_LINKS") {
        let links: Vec<&str> = links.split_whitespace().collect();
        if let Some(last) = links.last() {
            let at = usize::try_from(attempt).unwrap_or(usize::MAX);
            return links.get(at).unwrap_or(last).to_string();
        }
    }
    if scenario() == "foreign-url" {
        return format!(
            "https://claude.ai.example.net/oauth/authorize?I{}",
            random_part(0)
        );
    }
    if version.full_link() {
        return format!(
            "https://claude.com/cai/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2Fcallback&scope=user%3Ainference&code_challenge={}&code_challenge_method=S256&state={}",
            random_part(0),
            random_part(1000 + attempt)
        );
    }
    format!("https://claude.ai/oauth/authorize?I{}", random_part(0))
}

fn log_input(bytes: &[u8]) {
    if let Ok(path) = std::env::var("FAKE_CLAUDE_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = std::io::Write::write_all(&mut f, bytes);
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

/// The echo: all but the last 6 characters masked.
fn masked(code: &str) -> String {
    let n = code.chars().count();
    let shown: String = code.chars().skip(n.saturating_sub(6)).collect();
    format!("{}{shown}", "*".repeat(n.saturating_sub(6)))
}

/// What a code leads to.
enum Outcome {
    SignedIn,
    Failed(Failure),
    Hang,
    Crash,
}

fn outcome(code: &str, scenario: &str, failures: u32) -> Outcome {
    let chosen = code
        .split_once('-')
        .map(|(name, _)| name)
        .filter(|name| ["success", "rejected", "network", "hang", "crash"].contains(name))
        .unwrap_or(scenario);
    match chosen {
        "success" => Outcome::SignedIn,
        "retry" if failures > 0 => Outcome::SignedIn,
        "rejected" => Outcome::Failed(Failure::Refused),
        "hang" => Outcome::Hang,
        "crash" => Outcome::Crash,
        _ => Outcome::Failed(Failure::Network),
    }
}

pub fn run(version: Version) {
    raw_mode();
    let scenario = scenario();
    let (cols, rows) = size();
    let mut region = Region::default();
    // What both versions send first: save/restore, modes, then queries.
    out("\x1b7\x1b[r\x1b8\x1b[?25h\x1b[?25l\x1b[?2004h\x1b[?2031h\x1b[?1004h");
    region.print_above(&version.intro(cols, rows));
    out("\x1b]11;?\x07\x1b[c");
    // An optional pause before the link and before each outcome, so a
    // browser test can see "Preparing…" and "Validating…".
    let exchange_delay = env_ms("FAKE_CLAUDE_EXCHANGE_DELAY_MS").unwrap_or(0);
    match scenario.as_str() {
        "slow-url" => pause(env_ms("FAKE_CLAUDE_URL_DELAY_MS").unwrap_or(30_000)),
        "no-url" => {
            region.draw(&paragraph(
                1,
                "Something nobody expected happened here.",
                cols,
                "",
            ));
            loop {
                pause(60_000);
            }
        }
        "question" => {
            if !ask_a_question(&mut region, cols) {
                return;
            }
        }
        "crash-start" => {
            // What 1.0.128 does on `setup-token`: an ink error and its stack,
            // and no exit.
            region.draw(&crash_screen(cols));
            loop {
                pause(60_000);
            }
        }
        _ => pause(env_ms("FAKE_CLAUDE_URL_DELAY_MS").unwrap_or(0)),
    }
    let osc8_id = format!("{:x}", 0x1a2b3c + std::process::id() % 0xffff);
    let mut attempt = 0;
    let mut failures = 0;
    let mut opens_browser = version.always_opens_a_browser() || has_browser();
    'sign_in: loop {
        if opens_browser {
            spin(&mut region, BROWSER_WAIT_MS, |n| version.opening_browser(n));
        }
        let link = link(version, attempt);
        region.draw(&version.link(cols, &link, &osc8_id, "", false));
        out("\x1b[>0q\x1b[?u\x1b]7501;?\x07\x1b[c");
        // Codes until one is taken to the exchange.
        let code = loop {
            let Some(code) = read_line() else { return };
            let no_hash = !code.contains('#');
            region.draw(&version.link(cols, &link, &osc8_id, &masked(&code), false));
            if no_hash && version.refuses_a_code_without_hash_at_the_prompt() {
                region.draw(&version.link(cols, &link, &osc8_id, "", true));
                continue;
            }
            break code;
        };
        if scenario == "crash" {
            std::process::exit(1);
        }
        if let Some(lines) = version.finishing() {
            region.draw(&lines);
        }
        pause(50 + exchange_delay);
        if !code.contains('#') {
            region.draw(&version.no_hash_failure(cols));
        } else {
            match outcome(&code, &scenario, failures) {
                Outcome::SignedIn => {
                    let token =
                        std::env::var("FAKE_CLAUDE_TOKEN").unwrap_or_else(|_| DEFAULT_TOKEN.into());
                    region.draw(&version.signed_in(cols, &token));
                    pause(500);
                    out("\x1b[?25h\x1b[?1004l\x1b[?2031l\x1b[?2004l");
                    return;
                }
                Outcome::Hang => loop {
                    pause(60_000);
                },
                Outcome::Crash => std::process::exit(1),
                Outcome::Failed(failure) => region.draw(&version.failed(cols, failure)),
            }
        }
        failures += 1;
        // Only Enter goes on; anything else is ignored, as the real CLI does.
        loop {
            let Some(line) = read_line() else { return };
            if line.is_empty() {
                break;
            }
        }
        // 2.1.332 spins "Retrying sign-in…" for about a second and tries the
        // browser again (recorded with BROWSER set); 2.1.197 says
        // "Retrying…" and shows its new link at once.
        let retrying_ms = match version {
            Version::V2_1_332 if has_browser() => 1_000,
            Version::V2_1_332 => 300,
            Version::V2_1_197 => 50,
        };
        spin(&mut region, retrying_ms, |n| version.retrying(n));
        opens_browser = version == Version::V2_1_332 && has_browser();
        if version.new_link_on_retry() {
            attempt += 1;
        }
        continue 'sign_in;
    }
}

/// A question no recorded version asks, before the link: a choice moved
/// with the arrows (or picked by its number) and confirmed with Enter. It
/// shows a token, which must never reach the browser unmasked. `false`
/// when the terminal is gone.
fn ask_a_question(region: &mut Region, cols: usize) -> bool {
    let options = ["Dark mode", "Light mode"];
    let mut chosen = 0;
    let mut stdin = std::io::stdin().lock();
    loop {
        let mut lines = paragraph(
            1,
            "Choose the text style that looks best with your terminal",
            cols,
            "",
        );
        for (i, option) in options.iter().enumerate() {
            let mark = if i == chosen { "❯" } else { " " };
            lines.push(format!("\x1b[2G{mark} {}. {option}", i + 1));
        }
        lines.push(String::new());
        lines.extend(paragraph(
            1,
            "An old token was found (sk-ant-oat01-QUESTIONxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-AA); it will be replaced.",
            cols,
            "",
        ));
        lines.extend(paragraph(1, "Enter to confirm · Esc to exit", cols, ""));
        region.draw(&lines);
        let mut chunk = [0u8; 64];
        let read = match stdin.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => &chunk[..n],
        };
        log_input(read);
        // Keys may arrive together in one read ("2\r"): each counts.
        let mut rest = read;
        while !rest.is_empty() {
            let len = match rest {
                [0x1b, b'[', b'A', ..] => {
                    chosen = chosen.saturating_sub(1);
                    3
                }
                [0x1b, b'[', b'B', ..] => {
                    chosen = (chosen + 1).min(options.len() - 1);
                    3
                }
                [b'1', ..] => {
                    chosen = 0;
                    1
                }
                [b'2', ..] => {
                    chosen = 1;
                    1
                }
                [b'\r', ..] => {
                    let choice = format!("Text style: {}", options[chosen]);
                    region.draw(&paragraph(1, &choice, cols, ""));
                    return true;
                }
                _ => 1,
            };
            rest = &rest[len..];
        }
    }
}

/// 1.0.128's crash, as it shows in a PTY: ink's `ERROR` line, then the
/// minified source around the fault (long lines, which scroll the error
/// line off the screen and out of any short scrollback), then the stack.
fn crash_screen(cols: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    lines.extend(paragraph(
        1,
        "ERROR  useAppState cannot be called outside of an <AppStateProvider />",
        cols,
        "",
    ));
    lines.push(String::new());
    for n in 0..40 {
        lines.extend(paragraph(
            1,
            &format!(
                "{n}: Y=jU1.get(A);if(!Y)return;ge1(Y[B],(I)=>{{I(Q,Z,G)}})}},xeQ=(A,B,Q,Z)=>{{let{{listener:G,errHandler:Y,rawEmitter:I}}=Z;if(!Q.persistent)return J}};throw new Error(\"state: \"+A);{}",
                "x".repeat(300)
            ),
            cols,
            "",
        ));
    }
    for frame in [
        "- useAppState (file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:1404:2204)",
        "- SetupToken (file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:2311:118)",
        "- renderWithHooks (file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:80:10123)",
        "- beginWork (file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:84:3301)",
        "- workLoopSync (file:///usr/lib/node_modules/@anthropic-ai/claude-code/cli.js:90:1810)",
    ] {
        lines.extend(paragraph(2, frame, cols, ""));
    }
    lines
}
