//! Every screen change of the login section.

use super::*;
use crate::protocol::terminal::{TerminalKey, TypedError};

fn url_event(flow: &str, url: &str) -> ServerEvent {
    ServerEvent::Url {
        flow: flow.into(),
        url: url.into(),
        instructions: "i".into(),
        expires_at: 99,
    }
}

fn error(reason: ErrorReason, retry: bool) -> ServerEvent {
    ServerEvent::error(reason, "words", retry)
}

fn waiting() -> LoginModel {
    let mut m = LoginModel::default();
    m.start();
    m.on_event(url_event("f1", "https://claude.ai/a"));
    m
}

#[test]
fn login_starts_a_flow_and_the_link_takes_the_focus() {
    let mut m = LoginModel::default();
    assert_eq!(
        m.start(),
        Effect::Send(ClientEvent::Start { key: UNSIGNED })
    );
    assert_eq!(m.phase, Phase::Preparing);
    m.on_event(ServerEvent::Progress {
        flow: "f1".into(),
        stage: FlowStage::Starting,
    });
    assert_eq!(
        m.on_event(url_event("f1", "https://claude.ai/a")),
        vec![Effect::FocusLink]
    );
    assert_eq!(m.phase, Phase::WaitingForCode);
    assert_eq!(m.url.as_deref(), Some("https://claude.ai/a"));
    assert_eq!(m.expires_at, Some(99));
    assert!(m.in_flow());
}

#[test]
fn a_code_is_checked_before_it_is_sent() {
    let mut m = waiting();
    assert_eq!(m.submit("abc123def"), Err(CodeError::MissingHash));
    assert_eq!(m.phase, Phase::WaitingForCode);
    assert_eq!(
        m.submit(" abc#def "),
        Ok(Effect::Send(ClientEvent::Code {
            key: UNSIGNED,
            code: "abc#def".into()
        }))
    );
    assert_eq!(m.phase, Phase::Validating);
}

#[test]
fn success_refreshes_the_status() {
    let mut m = waiting();
    m.submit("a#b").unwrap();
    assert_eq!(
        m.on_event(ServerEvent::Complete { success: true }),
        vec![Effect::RefreshStatus]
    );
    assert_eq!(m.phase, Phase::Succeeded);
    assert!(!m.in_flow());
}

#[test]
fn a_refused_code_keeps_the_input_and_the_link() {
    let mut m = waiting();
    m.submit("a#b").unwrap();
    m.on_event(error(ErrorReason::InvalidCode, true));
    assert_eq!(m.phase, Phase::WaitingForCode);
    assert_eq!(m.url.as_deref(), Some("https://claude.ai/a"));
    assert_eq!(m.error.as_ref().unwrap().reason, ErrorReason::InvalidCode);
    // "Retry" asks the same flow's CLI again (the same link comes back);
    // "Get a new link" starts a new flow.
    assert_eq!(
        m.clone().retry(),
        Effect::Send(ClientEvent::Retry { key: UNSIGNED })
    );
    assert_eq!(
        m.new_link(),
        Effect::Send(ClientEvent::Start { key: UNSIGNED })
    );
    assert_eq!(m.phase, Phase::Preparing);
    assert!(m.url.is_none());
}

#[test]
fn a_network_failure_offers_retry_on_the_same_flow() {
    let mut m = waiting();
    m.submit("a#b").unwrap();
    m.on_event(error(ErrorReason::Network, true));
    assert_eq!(m.phase, Phase::Failed);
    assert!(m.error.as_ref().unwrap().is_connectivity());
    assert!(m.in_flow(), "the flow still waits for Enter");
    assert_eq!(
        m.retry(),
        Effect::Send(ClientEvent::Retry { key: UNSIGNED })
    );
    assert_eq!(m.phase, Phase::Preparing);
}

#[test]
fn a_timeout_ends_the_flow_and_retry_starts_a_new_one() {
    let mut m = waiting();
    m.submit("a#b").unwrap();
    m.on_event(error(ErrorReason::Timeout, false));
    assert_eq!(m.phase, Phase::Failed);
    assert!(!m.in_flow());
    assert_eq!(
        m.retry(),
        Effect::Send(ClientEvent::Start { key: UNSIGNED })
    );
}

#[test]
fn an_expired_flow_restarts_itself_but_not_forever() {
    let mut m = waiting();
    assert_eq!(
        m.on_event(error(ErrorReason::Expired, false)),
        vec![Effect::Send(ClientEvent::Start { key: UNSIGNED })]
    );
    assert_eq!(m.phase, Phase::Preparing);
    assert!(m.notice.is_some());
    m.on_event(url_event("f2", "https://claude.ai/b"));
    assert_eq!(
        m.on_event(error(ErrorReason::Expired, false)),
        vec![Effect::Send(ClientEvent::Start { key: UNSIGNED })]
    );
    m.on_event(url_event("f3", "https://claude.ai/c"));
    assert_eq!(m.on_event(error(ErrorReason::Expired, false)), vec![]);
    assert_eq!(m.phase, Phase::Failed);
}

#[test]
fn configuration_errors_are_told_apart() {
    for reason in [
        ErrorReason::CliMissing,
        ErrorReason::Disabled,
        ErrorReason::Permission,
    ] {
        let mut m = LoginModel::default();
        m.start();
        m.on_event(error(reason, false));
        assert_eq!(m.phase, Phase::Failed);
        assert!(m.error.as_ref().unwrap().is_configuration(), "{reason:?}");
    }
}

#[test]
fn cancel_returns_to_the_prompt_and_tells_the_server_only_when_live() {
    let mut m = waiting();
    assert_eq!(
        m.cancel(),
        Some(Effect::Send(ClientEvent::Cancel { key: UNSIGNED }))
    );
    assert_eq!(m, LoginModel::default());
    assert_eq!(m.cancel(), None);
    // The server's answer to a cancel changes nothing more.
    m.on_event(error(ErrorReason::Cancelled, false));
    assert_eq!(m.phase, Phase::Idle);
}

#[test]
fn a_server_restart_is_shown() {
    let mut m = waiting();
    m.on_event(ServerEvent::error(
        ErrorReason::Cancelled,
        "The server is restarting.",
        false,
    ));
    assert_eq!(m.phase, Phase::Failed);
}

#[test]
fn a_dropped_socket_resumes_a_live_flow_only() {
    let m = waiting();
    assert_eq!(
        m.reconnected(),
        Some(Effect::Send(ClientEvent::Resume {
            key: UNSIGNED,
            flow: "f1".into()
        }))
    );
    let mut done = waiting();
    done.on_event(ServerEvent::Complete { success: true });
    assert_eq!(done.reconnected(), None);
    assert_eq!(LoginModel::default().reconnected(), None);
}

#[test]
fn a_refused_key_hands_back_to_the_key_step() {
    let mut m = waiting();
    assert_eq!(
        m.on_event(error(ErrorReason::Unauthorized, false)),
        vec![Effect::KeyRefused]
    );
    assert_eq!(m.phase, Phase::Idle);
}

#[test]
fn a_new_link_after_a_retry_does_not_steal_focus_again() {
    let mut m = waiting();
    m.on_event(error(ErrorReason::Network, true));
    m.retry();
    assert_eq!(m.on_event(url_event("f1", "https://claude.ai/z")), vec![]);
    assert_eq!(m.phase, Phase::WaitingForCode);
    assert_eq!(m.error, None);
}

fn screen_event(lines: &[&str], problem: Option<&str>) -> ServerEvent {
    ServerEvent::Screen {
        flow: "f1".into(),
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        problem: problem.map(Into::into),
    }
}

#[test]
fn a_screen_shows_the_cli_live_until_its_link_comes() {
    let mut m = LoginModel::default();
    m.start();
    assert_eq!(
        m.on_event(screen_event(&["Choose", "❯ 1. Dark"], None)),
        vec![]
    );
    assert_eq!(m.phase, Phase::LiveScreen);
    assert_eq!(m.screen, vec!["Choose", "❯ 1. Dark"]);
    assert!(m.in_flow(), "a dropped socket resumes it");
    assert_eq!(
        m.reconnected(),
        Some(Effect::Send(ClientEvent::Resume {
            key: UNSIGNED,
            flow: "f1".into()
        }))
    );

    assert_eq!(
        m.press(TerminalKey::Down),
        Effect::Send(ClientEvent::Key {
            key: UNSIGNED,
            name: TerminalKey::Down
        })
    );
    assert_eq!(
        m.type_text("2"),
        Ok(Effect::Send(ClientEvent::Type {
            key: UNSIGNED,
            text: "2".into()
        }))
    );
    assert_eq!(m.type_text("2\r"), Err(TypedError::ControlCharacters));
    assert_eq!(m.type_text(""), Err(TypedError::Empty));

    // Something the server refused keeps the screen, with the reason.
    m.on_event(error(ErrorReason::BadRequest, true));
    assert_eq!(m.phase, Phase::LiveScreen);
    assert!(m.error.is_some());

    assert_eq!(
        m.on_event(url_event("f1", "https://claude.ai/a")),
        vec![Effect::FocusLink]
    );
    assert_eq!(m.phase, Phase::WaitingForCode);
    assert!(m.screen.is_empty());
    assert_eq!(m.problem, None);
}

#[test]
fn a_crashed_cli_shows_its_problem_and_ends_with_the_flow() {
    let mut m = LoginModel::default();
    m.start();
    m.on_event(screen_event(&["ERROR boom", "- at x"], Some("ERROR boom")));
    assert_eq!(m.problem.as_deref(), Some("ERROR boom"));
    m.on_event(error(ErrorReason::Expired, false));
    assert_ne!(m.phase, Phase::LiveScreen);
}
