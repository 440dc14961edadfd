//! The screen reader over every recording of the real CLI, whole and split
//! at every byte offset, plus wrapped URLs and tokens on narrow screens.

use std::{num::NonZeroU16, path::PathBuf};

use proptest::strategy::Strategy;
use secrecy::ExposeSecret;

use super::*;

struct Recording {
    name: String,
    raw: Vec<u8>,
    cols: u16,
    rows: u16,
}

fn recordings() -> Vec<Recording> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-cli");
    let mut out = Vec::new();
    for version in ["v2.1.197", "v2.1.332"] {
        let dir = root.join(version);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "raw"))
            .collect();
        names.sort();
        for raw_path in names {
            let meta: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(raw_path.with_extension("meta.json")).unwrap(),
            )
            .unwrap();
            out.push(Recording {
                name: format!(
                    "{version}/{}",
                    raw_path.file_stem().unwrap().to_string_lossy()
                ),
                raw: std::fs::read(&raw_path).unwrap(),
                cols: u16::try_from(meta["cols"].as_u64().unwrap()).unwrap(),
                rows: u16::try_from(meta["rows"].as_u64().unwrap()).unwrap(),
            });
        }
    }
    assert_eq!(out.len(), 22, "all recordings are found");
    out
}

fn screen(rows: u16, cols: u16) -> Screen {
    Screen::new(
        NonZeroU16::new(rows).unwrap(),
        NonZeroU16::new(cols).unwrap(),
    )
}

fn observe(rec: &Recording, chunks: &[&[u8]]) -> Vec<Observation> {
    let mut s = screen(rec.rows, rec.cols);
    chunks.iter().flat_map(|c| s.feed(c)).collect()
}

/// A short name per observation, to compare sequences at a glance.
fn kinds(observations: &[Observation]) -> Vec<String> {
    observations
        .iter()
        .map(|o| match o {
            Observation::Url(_) => "url".to_owned(),
            Observation::PromptReady => "prompt".to_owned(),
            Observation::Exchanging => "exchanging".to_owned(),
            Observation::Success(_) => "success".to_owned(),
            Observation::OAuthError { kind, .. } => format!("error:{kind:?}"),
            Observation::CodeMissingHash => "missing-hash".to_owned(),
        })
        .collect()
}

fn urls(observations: &[Observation]) -> Vec<&str> {
    observations
        .iter()
        .filter_map(|o| match o {
            Observation::Url(u) => Some(u.as_str()),
            _ => None,
        })
        .collect()
}

fn expected_kinds(rec: &Recording) -> Vec<&'static str> {
    let name = rec.name.as_str();
    // The CLI shows "Finishing sign-in…" only when the exchange takes a moment.
    let exchanging = String::from_utf8_lossy(&rec.raw).contains("Finishing sign");
    let failed_exchange = |mut kinds: Vec<&'static str>| {
        if exchanging {
            kinds.insert(2, "exchanging");
        }
        kinds
    };
    match name.rsplit('-').next().unwrap() {
        _ if name.ends_with("code-nohash") && name.starts_with("v2.1.332") => {
            vec!["url", "prompt", "missing-hash"]
        }
        _ if name.ends_with("code-nohash") => vec!["url", "prompt", "error:RejectedCode"],
        _ if name.ends_with("code-then-enter") => {
            failed_exchange(vec!["url", "prompt", "error:Network", "url", "prompt"])
        }
        "code" => failed_exchange(vec!["url", "prompt", "error:Network"]),
        "close" | "sigterm" | "idle" => vec!["url", "prompt"],
        "mockserver" if exchanging => vec!["url", "prompt", "exchanging", "success"],
        "mockserver" => vec!["url", "prompt", "success"],
        other => panic!("no expectation for {name} ({other})"),
    }
}

/// The URL a recording carries, read without the emulator: the OSC 8 target
/// (2.1.332), else the coloured text pieces between the URL's first byte and
/// the blank line after it (2.1.197).
fn url_in_raw(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    if text.contains("\x1b]8;id=") {
        // A link wrapped over several lines opens once per line; it is drawn
        // anew (a second URL event) only after the prompt came in between.
        let mut found: Vec<String> = Vec::new();
        let mut since_last = String::new();
        for (i, part) in text.split("\x1b]8;id=").enumerate() {
            if i > 0 {
                let target = part
                    .split_once(';')
                    .unwrap()
                    .1
                    .split('\x07')
                    .next()
                    .unwrap();
                if found.is_empty() || since_last.contains("Paste") {
                    found.push(target.to_owned());
                }
                since_last.clear();
            }
            since_last.push_str(part);
        }
        return found;
    }
    text.match_indices("https://claude.com/")
        .map(|(at, _)| {
            text[at..]
                .split("\r\r\n\r")
                .next()
                .unwrap()
                .replace("\x1b[39m\r\r\n\x1b[38;5;246m", "")
                .trim_end_matches("\x1b[39m")
                .to_owned()
        })
        .collect()
}

#[test]
fn each_recording_gives_the_observations_a_person_would_see() {
    for rec in recordings() {
        let seen = observe(&rec, &[&rec.raw]);
        assert_eq!(kinds(&seen), expected_kinds(&rec), "{}", rec.name);
        let expected_urls = url_in_raw(&rec.raw);
        assert_eq!(urls(&seen), expected_urls, "{}", rec.name);
        for url in urls(&seen) {
            assert!(is_allowed_url(url), "{}: {url}", rec.name);
            assert!(!url.contains(char::is_whitespace), "{}: {url}", rec.name);
        }
    }
}

#[test]
fn urls_have_the_shape_of_each_version() {
    for rec in recordings() {
        let seen = observe(&rec, &[&rec.raw]);
        for url in urls(&seen) {
            if rec.name.starts_with("v2.1.332") {
                let challenge = url
                    .strip_prefix("https://claude.ai/oauth/authorize?")
                    .unwrap();
                assert_eq!(challenge.len(), 44, "{}: {url}", rec.name);
            } else {
                assert!(
                    url.starts_with("https://claude.com/cai/oauth/authorize?code=true&client_id=")
                );
                let state = url.rsplit_once("&state=").unwrap().1;
                assert_eq!(state.len(), 43, "{}: {url}", rec.name);
                assert!(url.contains("&code_challenge_method=S256&"));
            }
        }
    }
}

#[test]
fn a_retry_shows_the_url_again_new_in_2_1_197_the_same_in_2_1_332() {
    for rec in recordings()
        .iter()
        .filter(|r| r.name.ends_with("then-enter"))
    {
        let seen = observe(rec, &[&rec.raw]);
        let u = urls(&seen);
        assert_eq!(u.len(), 2, "{}", rec.name);
        assert_eq!(
            u[0] == u[1],
            rec.name.starts_with("v2.1.332"),
            "{}",
            rec.name
        );
    }
}

#[test]
fn oauth_errors_keep_their_words() {
    let rec = recordings()
        .into_iter()
        .find(|r| r.name == "v2.1.332/setup-token-40x24-code")
        .unwrap();
    let seen = observe(&rec, &[&rec.raw]);
    let message = seen
        .iter()
        .find_map(|o| match o {
            Observation::OAuthError { message, .. } => Some(message.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        message,
        "Couldn't get an answer from the sign-in service (ENOTFOUND). Check your internet connection, then try again."
    );
}

#[test]
fn every_split_gives_the_same_observations() {
    // About a million looks at the screen: spread over the cores.
    let all = recordings();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for share in all.chunks(all.len().div_ceil(workers)) {
            scope.spawn(move || {
                for rec in share {
                    let whole = observe(rec, &[&rec.raw]);
                    for at in 0..=rec.raw.len() {
                        let (a, b) = rec.raw.split_at(at);
                        let split = observe(rec, &[a, b]);
                        assert!(
                            split == whole,
                            "{} split at {at}: {:?} vs {:?}",
                            rec.name,
                            kinds(&split),
                            kinds(&whole)
                        );
                    }
                }
            });
        }
    });
}

#[test]
fn byte_by_byte_gives_the_same_observations() {
    for rec in recordings() {
        let whole = observe(&rec, &[&rec.raw]);
        let bytes: Vec<&[u8]> = rec.raw.chunks(1).collect();
        assert!(observe(&rec, &bytes) == whole, "{}", rec.name);
    }
}

// ---- synthetic screens: what the recordings could not show ----

const TOKEN: &str = "sk-ant-oat01-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-AbCdEfGhIjKlMnOpQrStUv";

fn success_bytes(cols: usize) -> Vec<u8> {
    // The token, hard-wrapped at the width as the CLI's renderer does.
    let wrapped: Vec<String> = TOKEN
        .as_bytes()
        .chunks(cols)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!(
        "\x1b[32m\u{2713}\x1b[39m Long-lived\x1b[14Gauthentication token created successfully!\r\r\n\r\r\nYour OAuth token (valid for 1 year):\r\r\n\r\r\n{}\r\r\n\r\r\nStore this token securely. You won't be able to see it again.\r\r\n",
        wrapped.join("\r\r\n")
    )
    .into_bytes()
}

fn success_token(observations: &[Observation]) -> Option<String> {
    observations.iter().find_map(|o| match o {
        Observation::Success(t) => Some(t.expose_secret().to_owned()),
        _ => None,
    })
}

#[test]
fn a_token_is_read_whole_on_wide_and_narrow_screens() {
    assert!(TOKEN.len() > 100);
    for cols in [40u16, 80, 200, 500] {
        let mut s = screen(24, cols);
        let seen = s.feed(&success_bytes(usize::from(cols)));
        assert_eq!(
            success_token(&seen).as_deref(),
            Some(TOKEN),
            "{cols} columns"
        );
    }
}

#[test]
fn a_token_counts_only_once_the_advice_after_it_is_drawn() {
    let bytes = success_bytes(40);
    let text = String::from_utf8_lossy(&bytes);
    let end_of_token = text.find("Store").unwrap();
    for at in 0..end_of_token {
        let mut s = screen(24, 40);
        let early = s.feed(&bytes[..at]);
        assert_eq!(success_token(&early), None, "cut at {at}");
        let rest = s.feed(&bytes[at..]);
        assert_eq!(success_token(&rest).as_deref(), Some(TOKEN), "cut at {at}");
    }
}

#[test]
fn a_wrapped_url_without_hyperlinks_is_joined_at_any_width() {
    let url = "https://claude.com/cai/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2Fcallback&scope=user%3Ainference&code_challenge=abc&code_challenge_method=S256&state=xyz";
    for cols in [40usize, 80, 200] {
        let pieces: Vec<String> = url
            .as_bytes()
            .chunks(cols)
            .map(|c| format!("\x1b[38;5;246m{}\x1b[39m", String::from_utf8_lossy(c)))
            .collect();
        let bytes = format!(
            "Browser didn't open? Use the url below to sign in\r\r\n\r\r\n{}\r\r\n\r\r\n\r\r\n\x1b[2GPaste\x1b[8Gcode\x1b[13Ghere\x1b[18Gif\x1b[21Gprompted\x1b[30G>\r\r\n",
            pieces.join("\r\r\n")
        );
        let seen = screen(50, u16::try_from(cols).unwrap()).feed(bytes.as_bytes());
        assert_eq!(urls(&seen), vec![url], "{cols} columns");
    }
}

#[test]
fn a_url_on_a_foreign_host_is_never_reported() {
    for url in [
        "https://evil.example/oauth/authorize?x=1",
        "http://claude.ai/oauth/authorize?x=1",
        "https://claude.ai.evil.example/x",
        "https://claude.ai@evil.example/x",
        "https://claude.ai:8443/x",
    ] {
        assert!(!is_allowed_url(url), "{url}");
        let bytes = format!("{url}\r\r\n\r\r\nPaste code here if prompted >\r\r\n");
        let seen = screen(24, 500).feed(bytes.as_bytes());
        assert_eq!(urls(&seen), Vec::<&str>::new(), "{url}");
    }
    for url in [
        "https://claude.ai/oauth/authorize?x",
        "https://claude.com/cai/oauth/authorize?x",
        "https://platform.claude.com/oauth/authorize?x",
        "https://console.anthropic.com/oauth/authorize?x",
    ] {
        assert!(is_allowed_url(url), "{url}");
    }
}

#[test]
fn an_osc8_link_to_a_foreign_host_falls_back_to_the_text() {
    let bytes = "\x1b]8;id=1;https://evil.example/x\x07https://claude.ai/oauth/authorize?abc\x1b]8;;\x07\r\r\n\r\r\nPaste code here if prompted\r\r\n";
    let seen = screen(24, 500).feed(bytes.as_bytes());
    assert_eq!(urls(&seen), vec!["https://claude.ai/oauth/authorize?abc"]);
}

#[test]
fn oauth_errors_are_classified_by_their_words() {
    use OAuthErrorKind::*;
    for (message, kind) in [
        (
            "Couldn't get an answer from the sign-in service (ENOTFOUND).",
            Network,
        ),
        (
            "Couldn't get an answer from the sign-in service (timed out).",
            Network,
        ),
        ("getaddrinfo ENOTFOUND platform.claude.com", Network),
        // 2.1.332 against a service that refuses the code (seen with the
        // stand-in of tests/real_signin.rs, make cli-matrix).
        (
            "That code wasn't accepted. It may be incomplete, expired, already used, or from an earlier sign-in attempt. Sign in again to get a new code.",
            RejectedCode,
        ),
        ("Request failed with status code 400", RejectedCode),
        (
            "Authentication failed: Invalid authorization code",
            RejectedCode,
        ),
        (
            "Invalid code. Please make sure the full code was copied",
            RejectedCode,
        ),
        ("Token exchange failed (400): invalid_grant", RejectedCode),
        ("Token exchange failed (500): upstream", Other),
        ("Couldn't finish signing in. Try again.", Other),
    ] {
        assert_eq!(classify_oauth_error(message), kind, "{message}");
    }
}

#[test]
fn the_tail_masks_tokens_and_codes() {
    let mut s = screen(24, 80);
    s.feed(
        format!("Your token:\r\r\n{TOKEN}\r\r\nYou typed abc123#def456 and ******def456\r\r\n")
            .as_bytes(),
    );
    let tail = s.tail(5).join("\n");
    assert!(!tail.contains("sk-ant-"), "{tail}");
    assert!(!tail.contains("abc123#def456"), "{tail}");
    assert!(!tail.contains("def456"), "{tail}");
    assert!(tail.contains("Your token:"), "{tail}");
}

#[test]
fn tokens_are_masked_anywhere_in_a_word_and_codes_after_a_hash_in_links() {
    let code = "Xk3v_9QmZr-4LpT2wYbN8cDe";
    for (line, hidden) in [
        (format!("token=\"{TOKEN}\""), "sk-ant-"),
        (format!("export CLAUDE_CODE_OAUTH_TOKEN={TOKEN}"), "sk-ant-"),
        ("(sk-ant-api03-abc)".to_owned(), "sk-ant-"),
        (
            format!("https://console.anthropic.com/oauth/code/callback?code=1#{code}"),
            code,
        ),
        (format!("https://x.example/#{code}&state=#{code}"), code),
    ] {
        let masked = mask_secrets(&line);
        assert!(!masked.contains(hidden), "{line} -> {masked}");
        assert!(masked.contains("********"), "{masked}");
    }
    // Links keep what precedes the secret; short fragments are not secrets.
    assert_eq!(
        mask_secrets(&format!("see https://x.example/cb#{code} now")),
        "see https://x.example/cb#******** now"
    );
    assert_eq!(
        mask_secrets("https://github.com/a/b#readme and issue #12"),
        "https://github.com/a/b#readme and issue #12"
    );
}

#[test]
fn parking_the_screen_wherever_it_can_changes_nothing() {
    for rec in recordings() {
        let whole = observe(&rec, &[&rec.raw]);
        let mut s = screen(rec.rows, rec.cols);
        let mut seen = Vec::new();
        let mut parked = 0;
        for chunk in rec.raw.chunks(7) {
            seen.extend(s.feed(chunk));
            if s.park() {
                parked += 1;
                assert!(s.is_parked());
            }
        }
        assert!(
            seen == whole,
            "{}: {:?} vs {:?}",
            rec.name,
            kinds(&seen),
            kinds(&whole)
        );
        if rec.cols >= 80 {
            assert!(parked > 10, "{}: parked only {parked} times", rec.name);
        }
    }
}

#[test]
fn a_parked_screen_keeps_its_links_and_its_prompt() {
    let url = "https://claude.ai/oauth/authorize?Iabc";
    let mut s = screen(24, 400);
    let drawn = format!("\x1b]8;id=1;{url}\x07{url}\x1b]8;;\x07\r\r\n");
    assert_eq!(s.feed(drawn.as_bytes()), vec![]);
    assert!(s.park());
    let seen = s.feed(b"\r\r\n Paste code here if prompted\r\r\n");
    assert_eq!(urls(&seen), vec![url]);
    assert!(!s.is_parked());
}

#[test]
fn the_screen_is_not_parked_inside_a_sequence() {
    let mut s = screen(24, 80);
    s.feed(b"hello \x1b[38;5");
    assert!(!s.park());
    s.feed(b";246mworld\x1b[39m");
    assert!(s.park());
}

// The screen reader, fuzzed: it reads whatever a CLI (or anything the CLI
// prints) writes to the terminal. Nothing panics, and what a screen keeps
// besides its fixed grid stays small however much comes in.
// `DISPATCH_FUZZ_CASES` sets the cases per property (`make fuzz`: more).

/// What a screen of any size may keep besides its grid: the written-down
/// screen while parked, and the newest links.
const RETAINED_BOUND: usize = 512 * 1024;

fn fuzz_cases() -> u32 {
    std::env::var("DISPATCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// Bytes a terminal program writes: text, controls and escape sequences
/// (CSI, OSC 8 links, wrapped lines) mixed with noise.
fn terminal_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "[ -~]{0,80}".prop_map(String::into_bytes),
        Just(b"\r\n".to_vec()),
        "[0-9;]{0,12}[A-Za-z@`]".prop_map(|s| format!("\u{1b}[{s}").into_bytes()),
        ".{0,120}".prop_map(|t| format!("\u{1b}]8;;{t}\u{7}link\u{1b}]8;;\u{7}").into_bytes()),
        Just(b"Paste code here if prompted > ".to_vec()),
        "https://claude\\.ai/oauth/authorize\\?[a-z0-9=&]{0,500}".prop_map(String::into_bytes),
        "sk-ant-oat01-[A-Za-z0-9_-]{0,120}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn terminal_input_of_any_kind_never_panics_and_keeps_little(
        size in (1u16..60, 1u16..420),
        chunks in proptest::collection::vec(terminal_bytes(), 1..12),
    ) {
        let mut s = screen(size.0, size.1);
        for chunk in &chunks {
            s.feed(chunk);
            s.park();
        }
        let _ = s.tail(6);
        proptest::prop_assert!(s.retained_bytes() < RETAINED_BOUND);
    }

    #[test]
    fn mutated_recordings_never_panic(
        which in proptest::prelude::any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(
            (proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()),
            1..32,
        ),
        split in proptest::prelude::any::<proptest::sample::Index>(),
    ) {
        let all = recordings();
        let rec = &all[which.index(all.len())];
        let mut raw = rec.raw.clone();
        for (at, byte) in edits {
            let i = at.index(raw.len());
            raw[i] = byte;
        }
        let (a, b) = raw.split_at(split.index(raw.len()));
        let mut s = screen(rec.rows, rec.cols);
        s.feed(a);
        s.park();
        s.feed(b);
        proptest::prop_assert!(s.retained_bytes() < RETAINED_BOUND);
    }
}

#[test]
fn a_storm_of_links_keeps_only_the_newest() {
    let mut s = screen(24, 400);
    let mut storm = Vec::new();
    for i in 0..100_000 {
        storm.extend_from_slice(
            format!("\u{1b}]8;;https://example.com/{i:08}\u{7}x\u{1b}]8;;\u{7}").as_bytes(),
        );
    }
    for chunk in storm.chunks(4096) {
        s.feed(chunk);
    }
    assert!(s.retained_bytes() < 64 * 1024, "{}", s.retained_bytes());
    // A sign-in link after it is still read.
    let url = "https://claude.ai/oauth/authorize?code=true&client_id=x";
    s.feed(
        format!("\u{1b}]8;;{url}\u{7}Sign in\u{1b}]8;;\u{7}\r\nPaste code here if prompted > ")
            .as_bytes(),
    );
    assert!(s.links().iter().any(|l| l == url));
}

/// The links a recording gives on a screen `cols` wide.
fn urls_at(rec: &Recording, cols: u16) -> Vec<String> {
    let mut s = screen(rec.rows, cols);
    urls(&s.feed(&rec.raw))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_recording_gives_the_exact_link_at_every_width_from_its_own_to_400() {
    for rec in recordings() {
        // At its own width the link's lines reach the edge: the reference.
        let expected = urls_at(&rec, rec.cols);
        if rec.name.ends_with("-code") {
            assert!(!expected.is_empty(), "{}", rec.name);
        }
        for cols in rec.cols..=400 {
            assert_eq!(
                urls_at(&rec, cols),
                expected,
                "{} replayed {cols} columns wide",
                rec.name
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn a_link_hard_wrapped_at_any_width_is_joined_exact(
        query in "[A-Za-z0-9_~.%=&-]{20,1200}",
        width in 40usize..=400,
        after in proptest::prop_oneof![
            proptest::strategy::Just(Vec::<String>::new()),
            proptest::strategy::Just(vec![String::new(), "Paste code here if prompted >".to_owned()]),
            "[A-Za-z ,.]{1,60}".prop_map(|prose| vec![format!("{prose} and more")]),
            proptest::strategy::Just(vec!["╭──────╮".to_owned()]),
        ],
    ) {
        let link = format!("https://claude.com/cai/oauth/authorize?{query}");
        let chars: Vec<char> = link.chars().collect();
        let mut lines: Vec<String> = chars.chunks(width).map(|c| c.iter().collect()).collect();
        // The CLI indents what it prints; the joiner trims each line.
        lines = lines.into_iter().map(|l| format!("  {l}")).collect();
        lines.extend(after);
        proptest::prop_assert_eq!(join_link(&lines), link);
    }
}

#[test]
fn real_success_screens_give_the_whole_token() {
    let token = format!(
        "sk-ant-oat01-MockTokenForDispatchTests_{}-AA",
        "x".repeat(60)
    );
    for rec in recordings()
        .iter()
        .filter(|r| r.name.ends_with("success-mockserver"))
    {
        let whole = observe(rec, &[&rec.raw]);
        assert_eq!(
            success_token(&whole).as_deref(),
            Some(token.as_str()),
            "{}",
            rec.name
        );
    }
}

#[test]
fn a_token_with_nothing_known_after_it_counts_when_the_cli_exits() {
    let bytes = format!(
        "\x1b[2G\u{2714} Long-lived authentication token created\r\r\n\r\r\n{TOKEN}\r\r\n\r\r\nSomething new\r\r\n"
    );
    let mut s = screen(24, 200);
    assert_eq!(success_token(&s.feed(bytes.as_bytes())), None);
    assert_eq!(success_token(&s.finish()).as_deref(), Some(TOKEN));
}

#[test]
fn the_first_error_line_is_kept_once_scrolled_away_and_code_is_no_error_line() {
    let mut s = screen(24, 80);
    let mut bytes =
        String::from("Welcome\r\n let{errHandler:Y}=Z;throw new Error(\"state: \"+A)\r\n");
    bytes.push_str(" TypeError: Cannot read properties of undefined (reading 'sk-ant-oat01-abcdefghijklmnop')\r\n");
    bytes.push_str(" ERROR  a later one\r\n");
    for n in 0..200 {
        bytes.push_str(&format!("    at frame{n} (cli.js:{n}:1)\r\n"));
    }
    s.feed(bytes.as_bytes());
    assert_eq!(
        s.problem().as_deref(),
        Some("TypeError: Cannot read properties of undefined (reading ********")
    );
    assert!(s.visible().iter().all(|l| !l.contains("TypeError")));
    assert_eq!(screen(24, 80).problem(), None);
}
