//! The login engine end to end: a real PTY, the fake CLI in every scenario
//! (and the real CLI from node_modules), the state machine, the store.
#![cfg(feature = "ssr")]

mod support;

use std::{path::PathBuf, sync::Arc, time::Duration};

use dispatch::{
    protocol::{ErrorReason, FlowStage},
    server::claude::{
        cli_env::CliEnv,
        credentials::CredentialStore,
        flow_machine::{FlowEvent, Timeouts},
        flow_task::{self, FlowCommand, FlowHandle, FlowOutcome, LoginSettings},
    },
};
use secrecy::ExposeSecret;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(20);
const FAKE_TOKEN: &str = "sk-ant-oat01-FAKEfakeFAKEfake0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcdefAA";

struct Harness {
    _tmp: tempfile::TempDir,
    store: Arc<CredentialStore>,
    input_log: PathBuf,
    handle: FlowHandle,
    events: mpsc::Receiver<FlowEvent>,
    task: tokio::task::JoinHandle<Option<FlowOutcome>>,
}

fn short_timeouts() -> Timeouts {
    Timeouts {
        url: Duration::from_secs(2),
        exchange: Duration::from_secs(2),
        resume_grace: Duration::from_secs(1),
    }
}

fn start_with(
    cli: Option<PathBuf>,
    scenario: &str,
    timeouts: Timeouts,
    lifetime: Duration,
) -> Harness {
    let tmp = tempfile::tempdir().unwrap();
    let input_log = tmp.path().join("typed");
    // The scenario travels in the environment, as an operator's settings would.
    let cli = cli.unwrap_or_else(|| {
        let log = input_log.display().to_string();
        support::fake_cli(
            tmp.path(),
            "claude",
            &[
                ("FAKE_CLAUDE_SCENARIO", scenario),
                ("FAKE_CLAUDE_LOG", &log),
            ],
        )
    });
    let store = Arc::new(CredentialStore::new(
        tmp.path().join("credentials"),
        tmp.path().join("key/credentials.key"),
    ));
    let settings = LoginSettings {
        cli,
        lifetime,
        timeouts,
        store: store.clone(),
        cli_env: CliEnv::default(),
        // The real CLI writes its state under HOME: keep it in the scratch folder.
        env: vec![("HOME".into(), tmp.path().display().to_string())],
    };
    let (events_tx, events) = mpsc::channel(64);
    let (handle, task) = flow_task::start(&settings, events_tx).expect("the CLI starts");
    Harness {
        _tmp: tmp,
        store,
        input_log,
        handle,
        events,
        task,
    }
}

fn start(scenario: &str) -> Harness {
    start_with(None, scenario, short_timeouts(), Duration::from_secs(600))
}

impl Harness {
    async fn next(&mut self) -> FlowEvent {
        tokio::time::timeout(WAIT, self.events.recv())
            .await
            .expect("an event within 20 s")
            .expect("the flow is still sending")
    }

    /// Events up to and including the first that `stop` accepts.
    async fn until(&mut self, stop: impl Fn(&FlowEvent) -> bool) -> Vec<FlowEvent> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().await;
            let done = stop(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }

    async fn url(&mut self) -> String {
        let seen = self.until(|e| matches!(e, FlowEvent::Url { .. })).await;
        match seen.last() {
            Some(FlowEvent::Url { url, .. }) => url.clone(),
            _ => unreachable!(),
        }
    }

    async fn error(&mut self) -> (ErrorReason, String, bool) {
        let seen = self.until(|e| matches!(e, FlowEvent::Error { .. })).await;
        match seen.last() {
            Some(FlowEvent::Error {
                reason,
                message,
                retry,
            }) => (*reason, message.clone(), *retry),
            _ => unreachable!(),
        }
    }

    async fn send(&self, command: FlowCommand) {
        self.handle
            .commands
            .send(command)
            .await
            .expect("the flow takes commands");
    }

    fn typed(&self) -> String {
        std::fs::read_to_string(&self.input_log).unwrap_or_default()
    }

    /// The flow's task has finished, and its CLI is gone.
    async fn finished(self) -> Option<FlowOutcome> {
        let pid = self.handle.pid;
        let outcome = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the flow ends")
            .unwrap();
        assert_gone(pid);
        outcome
    }
}

fn assert_gone(pid: i32) {
    // SAFETY: kill(pid, 0) only checks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the CLI (pid {pid}) is still running or unreaped");
}

#[tokio::test]
async fn a_cli_that_drops_an_enter_pasted_with_the_code_still_signs_in() {
    // 2.0.14 takes code and Enter read together as one paste, and drops
    // the Enter: the Enter must come in a write, and a read, of its own.
    let tmp = tempfile::tempdir().unwrap();
    let cli = support::fake_cli(
        tmp.path(),
        "claude-2.0.14",
        &[
            ("FAKE_CLAUDE_SCENARIO", "success"),
            ("FAKE_CLAUDE_PASTE_DROPS_ENTER", "1"),
        ],
    );
    let mut h = start_with(Some(cli), "", short_timeouts(), Duration::from_secs(600));
    h.url().await;
    h.send(FlowCommand::Code("AbC-123_x#sTaTe-9_z".into()))
        .await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert_eq!(seen.last(), Some(&FlowEvent::Complete), "{seen:?}");
}

#[tokio::test]
async fn an_ask_that_comes_as_the_flow_ends_is_answered() {
    let mut h = start("success");
    h.url().await;
    h.send(FlowCommand::Cancel).await;
    // Sent before the flow has wound down: queued, then answered.
    let queued = h.handle.commands.send(FlowCommand::Retry).await;
    let (reason, _, _) = h.error().await;
    assert_eq!(reason, ErrorReason::Cancelled);
    if queued.is_ok() {
        let (reason, _, retry) = h.error().await;
        assert_eq!((reason, retry), (ErrorReason::NoFlow, false));
    }
    // Once it has, the ask fails at once and the connection answers it.
    let commands = h.handle.commands.clone();
    h.finished().await;
    assert!(commands.send(FlowCommand::Retry).await.is_err());
}

#[tokio::test]
async fn a_code_starting_with_c_is_typed_whole() {
    // The CLI copies its link on a lone `c` in the empty field: typed key
    // by key, such a code would lose its `c`. Written whole, it does not.
    let mut h = start("success");
    h.url().await;
    h.send(FlowCommand::Code("cAbC123#dEf456".into())).await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert_eq!(seen.last(), Some(&FlowEvent::Complete), "{seen:?}");
    assert_eq!(h.typed(), "cAbC123#dEf456\r");
}

#[tokio::test]
async fn a_good_code_ends_with_the_token_stored() {
    let mut h = start("success");
    assert_eq!(h.next().await, FlowEvent::Progress(FlowStage::Starting));
    let url = h.url().await;
    assert!(
        url.starts_with("https://claude.ai/oauth/authorize?I"),
        "{url}"
    );
    h.send(FlowCommand::Code("  abc123#def456 ".into())).await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert!(
        seen.contains(&FlowEvent::Progress(FlowStage::Validating)),
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&FlowEvent::Complete), "{seen:?}");
    let stored = h.store.load().unwrap().expect("a stored credential");
    assert_eq!(stored.secret.expose_secret(), FAKE_TOKEN);
    // The code went in whole, then Enter: nothing else was typed.
    assert_eq!(h.typed(), "abc123#def456\r");
    assert_eq!(h.finished().await, Some(FlowOutcome::Completed));
}

#[tokio::test]
async fn an_invalid_code_never_reaches_the_terminal() {
    let mut h = start("success");
    h.url().await;
    for bad in [
        "abc123def456",
        "abc\u{1b}[2J#x",
        "a#b\u{7}c",
        "a#b\r\u{3}",
        &"x".repeat(10_000),
    ] {
        h.send(FlowCommand::Code(bad.into())).await;
        let (reason, _, retry) = h.error().await;
        assert_eq!((reason, retry), (ErrorReason::InvalidCode, true), "{bad:?}");
    }
    assert_eq!(h.typed(), "");
    h.send(FlowCommand::Cancel).await;
    h.finished().await;
}

#[tokio::test]
async fn a_network_failure_is_reported_and_retry_brings_the_same_link_back() {
    let mut h = start("network");
    let first = h.url().await;
    h.send(FlowCommand::Code("abc123#def456".into())).await;
    let (reason, message, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::Network, true));
    assert!(message.contains("ENOTFOUND"), "{message}");
    h.send(FlowCommand::Retry).await;
    // As the recorded CLIs do: the same link, so the same code may be
    // pasted again.
    let second = h.url().await;
    assert_eq!(first, second);
    assert_eq!(h.typed(), "abc123#def456\r\r");
    h.send(FlowCommand::Cancel).await;
    assert_eq!(h.error().await.0, ErrorReason::Cancelled);
    h.finished().await;
}

#[tokio::test]
async fn a_rejected_code_lets_the_person_paste_another() {
    let mut h = start("rejected");
    h.url().await;
    h.send(FlowCommand::Code("wrong#code".into())).await;
    let (reason, _, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::InvalidCode, true));
    // A new code straight away: the flow presses Enter, the CLI shows the
    // same link again, and the code is typed at once (the fake rejects it
    // too); then one that works.
    h.send(FlowCommand::Code("other#code".into())).await;
    let (reason, message, retry) = h.error().await;
    assert_eq!(
        (reason, retry),
        (ErrorReason::InvalidCode, true),
        "{message}"
    );
    assert!(message.contains("did not accept"), "{message}");
    h.send(FlowCommand::Code("success-a#b".into())).await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert_eq!(seen.last(), Some(&FlowEvent::Complete), "{seen:?}");
    assert_eq!(h.typed(), "wrong#code\r\rother#code\r\rsuccess-a#b\r");
    assert_eq!(h.finished().await, Some(FlowOutcome::Completed));
}

#[tokio::test]
async fn a_2_1_197_cli_shows_a_new_link_after_a_refused_code_and_signs_in() {
    // 2.1.197 draws a hard-wrapped full link without OSC 8, says "Request
    // failed with status code 400" for a refused code, and after Enter
    // shows the link with a new `state`: a code pasted for the old link
    // is not typed, the person is told, and the next code signs in.
    let tmp = tempfile::tempdir().unwrap();
    let cli = support::fake_cli(
        tmp.path(),
        "claude-2.1.197",
        &[
            ("FAKE_CLAUDE_AS", "2.1.197"),
            ("FAKE_CLAUDE_SCENARIO", "rejected"),
        ],
    );
    let timeouts = Timeouts {
        url: Duration::from_secs(10),
        ..short_timeouts()
    };
    let mut h = start_with(Some(cli), "", timeouts, Duration::from_secs(600));
    let first = h.url().await;
    assert!(
        first.starts_with("https://claude.com/cai/oauth/authorize?code=true&client_id="),
        "{first}"
    );
    h.send(FlowCommand::Code("wrong#code".into())).await;
    let (reason, message, retry) = h.error().await;
    assert_eq!(
        (reason, retry),
        (ErrorReason::InvalidCode, true),
        "{message}"
    );
    assert!(message.contains("status code 400"), "{message}");
    h.send(FlowCommand::Code("old-link#code".into())).await;
    let second = h.url().await;
    assert_ne!(first, second);
    assert_eq!(
        first.split("&state=").next(),
        second.split("&state=").next(),
        "the same challenge, a new state"
    );
    let (reason, message, _) = h.error().await;
    assert_eq!(reason, ErrorReason::InvalidCode);
    assert!(message.contains("link has changed"), "{message}");
    h.send(FlowCommand::Code("success-new#code".into())).await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert_eq!(seen.last(), Some(&FlowEvent::Complete), "{seen:?}");
    assert_eq!(
        h.store
            .load()
            .unwrap()
            .expect("stored")
            .secret
            .expose_secret(),
        FAKE_TOKEN
    );
    assert_eq!(h.finished().await, Some(FlowOutcome::Completed));
}

#[tokio::test]
async fn the_retry_scenario_succeeds_on_the_second_code() {
    let mut h = start("retry");
    h.url().await;
    h.send(FlowCommand::Code("first#code".into())).await;
    assert_eq!(h.error().await.0, ErrorReason::Network);
    h.send(FlowCommand::Retry).await;
    h.url().await;
    h.send(FlowCommand::Code("second#code".into())).await;
    let seen = h
        .until(|e| matches!(e, FlowEvent::Complete | FlowEvent::Error { .. }))
        .await;
    assert_eq!(seen.last(), Some(&FlowEvent::Complete));
    h.finished().await;
}

#[tokio::test]
async fn an_exchange_that_hangs_times_out() {
    let mut h = start("hang");
    h.url().await;
    h.send(FlowCommand::Code("abc#def".into())).await;
    let (reason, _, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::Timeout, false));
    assert_eq!(
        h.finished().await,
        Some(FlowOutcome::Failed(ErrorReason::Timeout))
    );
}

#[tokio::test]
async fn a_cli_that_dies_mid_flow_is_a_cli_failure() {
    let mut h = start("crash");
    h.url().await;
    h.send(FlowCommand::Code("abc#def".into())).await;
    let (reason, message, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::CliFailed, false));
    assert!(message.contains("stopped unexpectedly"), "{message}");
    h.finished().await;
}

#[tokio::test]
async fn a_cli_that_shows_no_link_shows_its_screen_instead() {
    // Not a dead end: the screen goes to the person, who may answer it.
    for (scenario, shown) in [
        ("no-url", "Something nobody expected"),
        ("slow-url", "Welcome to Claude Code"),
        ("foreign-url", "claude.ai.example.net"),
    ] {
        let mut h = start(scenario);
        let seen = h
            .until(|e| matches!(e, FlowEvent::Screen { .. } | FlowEvent::Error { .. }))
            .await;
        match seen.last() {
            Some(FlowEvent::Screen { lines, problem }) => {
                assert!(lines.join("\n").contains(shown), "{scenario}: {lines:?}");
                assert_eq!(problem, &None, "{scenario}");
            }
            other => panic!("{scenario}: {other:?}"),
        }
        h.send(FlowCommand::Cancel).await;
        assert_eq!(h.error().await.0, ErrorReason::Cancelled, "{scenario}");
        h.finished().await;
    }
}

#[tokio::test]
async fn the_whole_flow_expires() {
    let mut h = start_with(
        None,
        "success",
        short_timeouts(),
        Duration::from_millis(1500),
    );
    h.url().await;
    let (reason, _, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::Expired, false));
    h.finished().await;
}

#[tokio::test]
async fn a_detached_flow_resumes_within_the_grace_and_ends_after_it() {
    let mut h = start("success");
    let url = h.url().await;
    // A connection closes its events channel before it sends Detach.
    h.events.close();
    h.send(FlowCommand::Detach).await;
    let (tx, mut rx) = mpsc::channel(16);
    h.send(FlowCommand::Resume(tx)).await;
    match tokio::time::timeout(WAIT, rx.recv()).await.unwrap() {
        Some(FlowEvent::Url { url: again, .. }) => assert_eq!(again, url),
        other => panic!("{other:?}"),
    }
    drop(rx);
    h.send(FlowCommand::Detach).await;
    // Nobody listens now; after the grace the flow ends by itself.
    h.finished().await;
}

#[tokio::test]
async fn an_old_connections_late_detach_leaves_the_resumed_flow_alone() {
    let mut h = start("success");
    let url = h.url().await;
    // The new connection's Resume overtakes the old one's Detach.
    let (tx, mut rx) = mpsc::channel(16);
    h.send(FlowCommand::Resume(tx)).await;
    match tokio::time::timeout(WAIT, rx.recv()).await.unwrap() {
        Some(FlowEvent::Url { url: again, .. }) => assert_eq!(again, url),
        other => panic!("{other:?}"),
    }
    h.events.close();
    h.send(FlowCommand::Detach).await;
    // The resumed connection still hears the flow: its code is answered.
    h.send(FlowCommand::Code("abc123#def456".into())).await;
    let heard = tokio::time::timeout(WAIT, async {
        loop {
            match rx.recv().await {
                Some(FlowEvent::Complete) => return true,
                Some(_) => continue,
                None => return false,
            }
        }
    })
    .await
    .expect("the resumed connection hears the outcome");
    assert!(heard, "the flow kept sending to the resumed connection");
}

#[tokio::test]
async fn dropping_every_handle_ends_the_flow() {
    let mut h = start("success");
    h.url().await;
    let pid = h.handle.pid;
    let task = h.task;
    drop(h.handle);
    tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert_gone(pid);
}

#[tokio::test]
async fn aborting_the_task_still_kills_the_cli() {
    let mut h = start("success");
    h.url().await;
    h.task.abort();
    let _ = h.task.await;
    // The kill happens in Drop; the reap right after, off the runtime.
    for _ in 0..200 {
        // SAFETY: existence check only.
        if unsafe { libc::kill(h.handle.pid, 0) } != 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_gone(h.handle.pid);
}

fn real_cli() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/claude")
}

/// In a network namespace of its own, where Anthropic's hosts are
/// 127.0.0.1 and nothing answers there: the exchange fails as it does
/// without network, and nothing can reach the internet.
#[test]
fn the_real_cli_shows_an_allowed_link_and_fails_the_exchange_without_network() {
    support::netns::block_on_inside(
        "the_real_cli_shows_an_allowed_link_and_fails_the_exchange_without_network",
        real_cli_link_then_network_failure,
    );
}

async fn real_cli_link_then_network_failure() {
    let cli = real_cli();
    assert!(
        cli.exists(),
        "run scripts/setup.sh: {} is missing",
        cli.display()
    );
    let timeouts = Timeouts {
        url: Duration::from_secs(20),
        exchange: Duration::from_secs(45),
        resume_grace: Duration::from_secs(120),
    };
    let started = std::time::Instant::now();
    let mut h = start_with(Some(cli), "", timeouts, Duration::from_secs(600));
    let url = h.url().await;
    let to_url = started.elapsed();
    assert!(
        dispatch::server::claude::screen::is_allowed_url(&url),
        "{url}"
    );
    eprintln!("real CLI: spawn to URL in {} ms", to_url.as_millis());
    h.send(FlowCommand::Code("abc123#def456".into())).await;
    let (reason, message, retry) = h.error().await;
    assert_eq!((reason, retry), (ErrorReason::Network, true), "{message}");
    h.send(FlowCommand::Cancel).await;
    h.finished().await;
}
