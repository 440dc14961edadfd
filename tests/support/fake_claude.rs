//! A stand-in for `claude setup-token` (and `claude -p`: see print.rs;
//! `claude auth status --json`: see auth_status.rs) that
//! behaves as the recorded CLIs do (tests/fixtures/claude-cli), screen for
//! screen: `--as 2.1.332` (the default) or `--as 2.1.197`, also
//! `FAKE_CLAUDE_AS`. Cursor moves instead of spaces, OSC 8 links (2.1.332)
//! or a hard-wrapped full link (2.1.197), terminal queries, bracketed
//! paste, `\r\r\n`, raw-mode input; each version's prompt, error texts and
//! retry (2.1.332: the same link; 2.1.197: a new `state`).
//! tests/fake_fidelity.rs compares its screens with the recordings.
//! The exchange is scripted, never networked.
//!
//! Scenario (`FAKE_CLAUDE_SCENARIO`, default `network`):
//! - `success`: the code is accepted; the token is printed; exit 0.
//! - `rejected`: the service refuses the code; Enter retries.
//! - `network`: ENOTFOUND, as the real CLI without network; Enter retries.
//! - `retry`: the first code fails (network), the next one succeeds.
//! - `hang`: "Finishing sign-in…" forever.
//! - `crash`: exits 1 as soon as a code arrives.
//! - `slow-url`: the URL comes after `FAKE_CLAUDE_URL_DELAY_MS` (default 30000).
//!   In other scenarios that variable, and `FAKE_CLAUDE_EXCHANGE_DELAY_MS`,
//!   add a pause before the link and before each outcome.
//! - `no-url`: a screen nobody expected, and no URL, ever.
//! - `question`: before the link, a choice no recorded version asks (moved
//!   with the arrow keys or picked by number, confirmed with Enter), with a
//!   token on screen; then the link, as `network`.
//! - `crash-start`: what 1.0.128 does: an `ERROR` line and a stack trace,
//!   and no exit.
//! - `foreign-url`: a URL on a host that is not Claude's.
//!
//! A code whose first part names a scenario before a `-` (`rejected-x#y`,
//! `network-1#2`, `success-a#b`, `hang-…`, `crash-…`) picks that outcome for
//! itself, so one server can show every outcome. A code without `#` gets
//! the version's complaint in every scenario. `FAKE_CLAUDE_TOKEN` sets the
//! token, `FAKE_CLAUDE_LINKS` the links (space-separated, one per sign-in
//! attempt); `FAKE_CLAUDE_LOG` names a file where every byte read is
//! appended (to check what the server typed).
//! `FAKE_CLAUDE_PASTE_DROPS_ENTER=1`: 2.0.14's input, where an Enter read in
//! the same chunk as the code is taken as part of a paste and dropped.
//! As the real CLIs: a lone `c` in the empty field copies the link (it is
//! not typed), and with `BROWSER`, `DISPLAY` or `WAYLAND_DISPLAY` set
//! (2.1.197: always) the link comes 3 s later, after "Opening browser".

#[path = "fake_claude/art.rs"]
mod art;
#[path = "fake_claude/auth_status.rs"]
mod auth_status;
#[path = "fake_claude/look.rs"]
mod look;
#[path = "fake_claude/print.rs"]
mod print;
#[path = "fake_claude/setup_token.rs"]
mod setup_token;
#[path = "fake_claude/term.rs"]
mod term;

use look::Version;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut chosen = std::env::var("FAKE_CLAUDE_AS").ok();
    if let Some(at) = args.iter().position(|a| a == "--as") {
        args.remove(at);
        if at < args.len() {
            chosen = Some(args.remove(at));
        }
    }
    let version = match chosen.as_deref().map(Version::parse) {
        None => Version::V2_1_332,
        Some(Some(version)) => version,
        Some(None) => {
            eprintln!("fake claude: --as takes 2.1.332 or 2.1.197, not {chosen:?}");
            std::process::exit(2);
        }
    };
    match args.first().map(String::as_str) {
        Some("--version") | Some("-v") => println!("{} (Claude Code)", version.number()),
        Some("setup-token") => setup_token::run(version),
        Some("auth") if args.get(1).map(String::as_str) == Some("status") => {
            auth_status::run(&args)
        }
        _ if args.iter().any(|a| a == "-p" || a == "--print") => print::run(&args),
        _ => {
            eprintln!("fake claude: unsupported arguments {args:?}");
            std::process::exit(2);
        }
    }
}
