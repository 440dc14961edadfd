//! The fake CLI against the real one. Every recording in
//! tests/fixtures/claude-cli is replayed state by state: the screen the real
//! CLI showed just before each key the recorder typed, and at the end. The
//! fake, run as that version (`--as`) in a PTY of the recording's size with
//! the same environment and the same keys, must show the same text on each
//! of those screens. Where they differ, the fake is wrong, and so would be
//! every test that leans on it.
#![cfg(feature = "ssr")]

use std::{
    io::{Read, Write},
    num::NonZeroU16,
    path::{Path, PathBuf},
    sync::mpsc,
    time::{Duration, Instant},
};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

/// How long the fake's screen must stay as recorded before it counts:
/// longer than any gap between the spinner's frames (about 260 ms), so a
/// screen passed on the way does not.
const QUIET: Duration = Duration::from_millis(600);
/// How long a state may take to come: the browser wait (3 s) and more.
const SETTLE_LIMIT: Duration = Duration::from_secs(12);

struct Recording {
    version: String,
    name: String,
    cols: u16,
    rows: u16,
    browser: bool,
    steps: Vec<Step>,
}

enum Step {
    Out(Vec<u8>),
    In(Vec<u8>),
}

impl Recording {
    /// What the real CLI showed before each input, and at the end.
    fn screens(&self) -> Vec<String> {
        let mut parser = parser(self.rows, self.cols);
        let mut screens = Vec::new();
        let mut typed_since = true;
        for step in &self.steps {
            match step {
                Step::Out(bytes) => {
                    parser.process(bytes);
                    typed_since = true;
                }
                Step::In(_) => {
                    // Two keys with nothing drawn between them: one state.
                    if typed_since {
                        screens.push(text(&parser));
                    }
                    typed_since = false;
                }
            }
        }
        screens.push(text(&parser));
        screens
    }

    /// Every link the real CLI drew, in order, once each: the OSC 8 target
    /// when there is one, else the hard-wrapped text joined.
    fn links(&self) -> Vec<String> {
        let raw: Vec<u8> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Out(b) => Some(b.as_slice()),
                Step::In(_) => None,
            })
            .flatten()
            .copied()
            .collect();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let mut links: Vec<String> = Vec::new();
        let mut push = |link: String| {
            if links.last() != Some(&link) {
                links.push(link);
            }
        };
        if raw.contains("\x1b]8;id=") {
            for part in raw.split("\x1b]8;id=").skip(1) {
                if let Some(target) = part
                    .split_once(';')
                    .and_then(|(_, t)| t.split('\x07').next())
                {
                    push(target.to_owned());
                }
            }
            return links;
        }
        for piece in raw.split("https://").skip(1) {
            let body: String = piece
                .split("\r\r\n\r\r\n")
                .next()
                .unwrap_or_default()
                .replace("\x1b[39m\r\r\n\x1b[38;5;246m", "");
            let body = body.trim_end_matches("\x1b[39m");
            push(format!("https://{body}"));
        }
        links
    }

    fn token(&self) -> Option<String> {
        let last = self.screens().pop()?;
        let lines: Vec<&str> = last.lines().map(str::trim).collect();
        let at = lines.iter().position(|l| l.starts_with("sk-ant-"))?;
        Some(
            lines[at..]
                .iter()
                .take_while(|l| !l.is_empty())
                .copied()
                .collect(),
        )
    }

    fn scenario(&self) -> &'static str {
        if self.name.ends_with("success-mockserver") {
            "success"
        } else {
            "network"
        }
    }
}

fn parser(rows: u16, cols: u16) -> vt100::Parser {
    vt100::Parser::new(
        NonZeroU16::new(rows).expect("rows"),
        NonZeroU16::new(cols).expect("cols"),
        0,
    )
}

/// The visible screen, one line per row, without trailing blanks.
fn text(parser: &vt100::Parser) -> String {
    let screen = parser.screen();
    let cols = screen.size().1.get();
    let rows: Vec<String> = screen
        .rows(0, cols)
        .map(|r| r.trim_end().to_owned())
        .collect();
    let keep = rows
        .iter()
        .rposition(|r| !r.is_empty())
        .map_or(0, |i| i + 1);
    rows[..keep].join("\n")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-cli")
}

fn recordings() -> Vec<Recording> {
    let mut all = Vec::new();
    for version in ["2.1.197", "2.1.332"] {
        let dir = fixtures().join(format!("v{version}"));
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".timeline.jsonl"))
            .collect();
        names.sort();
        for path in names {
            all.push(read_recording(version, &path));
        }
    }
    assert_eq!(all.len(), 22, "every recording has its timeline");
    all
}

fn read_recording(version: &str, timeline: &Path) -> Recording {
    let name = timeline
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".timeline.jsonl"))
        .expect("name")
        .to_owned();
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(timeline.with_file_name(format!("{name}.meta.json")))
            .expect("meta"),
    )
    .expect("meta json");
    let steps = std::fs::read_to_string(timeline)
        .expect("timeline")
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("event");
            let data = event["data"].as_str().expect("data").as_bytes().to_vec();
            match event["dir"].as_str() {
                Some("in") => Step::In(data),
                _ => Step::Out(data),
            }
        })
        .collect();
    Recording {
        version: version.to_owned(),
        cols: u16::try_from(meta["cols"].as_u64().expect("cols")).expect("a width"),
        rows: u16::try_from(meta["rows"].as_u64().expect("rows")).expect("a height"),
        browser: meta["env"].get("BROWSER").is_some(),
        name,
        steps,
    }
}

/// The fake, run as the recording's version with its keys: its screen at
/// the same points.
fn fake_screens(rec: &Recording, expected: &[String], home: &Path) -> Vec<String> {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: rec.rows,
            cols: rec.cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fake-claude"));
    cmd.args(["--as", &rec.version, "setup-token"]);
    cmd.env_clear();
    cmd.env("PATH", "/usr/bin:/bin");
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    cmd.env("HOME", home);
    if rec.browser {
        cmd.env("BROWSER", "/bin/true");
    }
    cmd.env("FAKE_CLAUDE_SCENARIO", rec.scenario());
    cmd.env("FAKE_CLAUDE_LINKS", rec.links().join(" "));
    if let Some(token) = rec.token() {
        cmd.env("FAKE_CLAUDE_TOKEN", token);
    }
    let mut child = pty.slave.spawn_command(cmd).expect("spawn the fake");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let mut writer = pty.master.take_writer().expect("writer");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = parser(rec.rows, rec.cols);
    // Waits for the recorded screen to show and stay for QUIET; a screen
    // that never comes is returned as it stands after SETTLE_LIMIT. Never
    // a fixed sleep: a slow machine only makes this wait longer.
    let settle = |screen: &mut vt100::Parser, expected: &str| {
        let start = Instant::now();
        let mut last_change = Instant::now();
        loop {
            let matches = text(screen) == expected;
            if (matches && last_change.elapsed() >= QUIET) || start.elapsed() >= SETTLE_LIMIT {
                return;
            }
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(bytes) => {
                    screen.process(&bytes);
                    last_change = Instant::now();
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    };
    let mut screens = Vec::new();
    let mut typed_since = true;
    for step in &rec.steps {
        if let Step::In(keys) = step {
            if typed_since {
                settle(
                    &mut screen,
                    &expected[screens.len().min(expected.len() - 1)],
                );
                screens.push(text(&screen));
            } else {
                // The recorder's pause between the code and its Enter.
                std::thread::sleep(Duration::from_millis(100));
            }
            writer.write_all(keys).expect("type");
            writer.flush().expect("flush");
            typed_since = false;
        } else {
            typed_since = true;
        }
    }
    settle(
        &mut screen,
        &expected[screens.len().min(expected.len() - 1)],
    );
    screens.push(text(&screen));
    let _ = child.kill();
    let _ = child.wait();
    screens
}

#[test]
fn the_fake_shows_what_each_recorded_version_showed_state_by_state() {
    let home = std::env::temp_dir().join(format!("fake-fidelity-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    let all = recordings();
    // Most recordings wait 3 s for a browser: run them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = all
            .iter()
            .map(|rec| {
                let home = &home;
                scope.spawn(move || {
                    let real = rec.screens();
                    let fake = fake_screens(rec, &real, home);
                    compare(rec, &real, &fake)
                })
            })
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("no panic"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&home);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn compare(rec: &Recording, real: &[String], fake: &[String]) -> Option<String> {
    let label = format!("v{}/{}", rec.version, rec.name);
    if real.len() != fake.len() {
        return Some(format!(
            "{label}: {} recorded states, the fake gave {}",
            real.len(),
            fake.len()
        ));
    }
    for (i, (r, f)) in real.iter().zip(fake).enumerate() {
        if r != f {
            return Some(format!(
                "{label}, state {i}:\n--- recorded\n{}\n--- fake\n{}",
                numbered(r),
                numbered(f)
            ));
        }
    }
    None
}

fn numbered(screen: &str) -> String {
    screen
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{i:2}|{l}|"))
        .collect::<Vec<_>>()
        .join("\n")
}
