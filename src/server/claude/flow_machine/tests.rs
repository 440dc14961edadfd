//! Every transition of the login flow, with a clock the tests move.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::*;

const LIFETIME: Duration = Duration::from_secs(600);
const URL_TIMEOUT: Duration = Duration::from_secs(20);
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(45);
const RESUME_GRACE: Duration = Duration::from_secs(120);
const URL: &str = "https://claude.ai/oauth/authorize?Iabc";

fn started() -> (LoginFlow, Instant) {
    let now = Instant::now();
    let (flow, effects) = LoginFlow::start(now, LIFETIME, Timeouts::default());
    assert_eq!(
        effects,
        vec![Effect::Send(FlowEvent::Progress(FlowStage::Starting))]
    );
    (flow, now)
}

fn waiting() -> (LoginFlow, Instant) {
    let (mut flow, now) = started();
    flow.observe(Observation::Url(URL.into()), now);
    (flow, now)
}

fn validating() -> (LoginFlow, Instant) {
    let (mut flow, now) = waiting();
    flow.submit_code("abc123#def456", now);
    (flow, now)
}

fn failed(kind: OAuthErrorKind) -> (LoginFlow, Instant) {
    let (mut flow, now) = validating();
    flow.observe(
        Observation::OAuthError {
            kind,
            message: "words".into(),
        },
        now,
    );
    (flow, now)
}

fn error_of(effects: &[Effect]) -> Option<(ErrorReason, bool)> {
    effects.iter().find_map(|e| match e {
        Effect::Send(FlowEvent::Error { reason, retry, .. }) => Some((*reason, *retry)),
        _ => None,
    })
}

fn ends(effects: &[Effect]) -> bool {
    effects.last() == Some(&Effect::End)
}

fn code(text: &str) -> AuthCode {
    code::validate(text).unwrap()
}

#[test]
fn the_url_is_sent_with_the_flow_expiry_and_the_stage_moves_on() {
    let (mut flow, now) = started();
    let effects = flow.observe(Observation::Url(URL.into()), now);
    assert_eq!(
        effects,
        vec![
            Effect::Send(FlowEvent::Url {
                url: URL.into(),
                expires_at: now + LIFETIME
            }),
            Effect::Send(FlowEvent::Progress(FlowStage::WaitingForCode)),
        ]
    );
}

#[test]
fn a_valid_code_is_typed_and_the_exchange_clock_starts() {
    let (mut flow, now) = waiting();
    let effects = flow.submit_code(" abc123#def456\n", now);
    assert_eq!(
        effects,
        vec![
            Effect::TypeCode(code("abc123#def456")),
            Effect::Send(FlowEvent::Progress(FlowStage::Validating)),
        ]
    );
    assert_eq!(flow.next_deadline(), Some(now + EXCHANGE_TIMEOUT));
}

#[test]
fn an_invalid_code_is_refused_without_typing_and_the_flow_waits_on() {
    let (mut flow, now) = waiting();
    for bad in ["abc123def456", "abc\u{1b}[2J#x", "", &"a#b".repeat(400)] {
        let effects = flow.submit_code(bad, now);
        assert_eq!(
            error_of(&effects),
            Some((ErrorReason::InvalidCode, true)),
            "{bad:?}"
        );
        assert!(!effects.iter().any(|e| matches!(e, Effect::TypeCode(_))));
    }
    assert_eq!(
        flow.submit_code("abc#def", now)[0],
        Effect::TypeCode(code("abc#def"))
    );
}

#[test]
fn a_code_before_the_url_or_during_validation_is_refused() {
    let (mut flow, now) = started();
    assert_eq!(
        error_of(&flow.submit_code("a#b", now)),
        Some((ErrorReason::BadRequest, true))
    );
    let (mut flow, now) = validating();
    assert_eq!(
        error_of(&flow.submit_code("a#b", now)),
        Some((ErrorReason::BadRequest, true))
    );
}

#[test]
fn success_stores_the_token_then_completes() {
    let (mut flow, now) = validating();
    flow.observe(Observation::Exchanging, now);
    let token = "sk-ant-oat01-xyz";
    let effects = flow.observe(Observation::Success(SecretString::from(token)), now);
    assert_eq!(
        effects,
        vec![Effect::StoreToken(Token(SecretString::from(token)))]
    );
    assert_eq!(
        flow.stored(Ok(())),
        vec![Effect::Send(FlowEvent::Complete), Effect::End]
    );
    assert!(flow.is_ended());
    assert_eq!(flow.next_deadline(), None);
}

#[test]
fn a_storage_failure_is_a_permission_error_that_ends_the_flow() {
    let (mut flow, now) = validating();
    flow.observe(
        Observation::Success(SecretString::from("sk-ant-oat01-x")),
        now,
    );
    let effects = flow.stored(Err("cannot write /x".into()));
    assert_eq!(error_of(&effects), Some((ErrorReason::Permission, false)));
    assert!(ends(&effects));
}

#[test]
fn oauth_errors_map_to_reasons_and_keep_the_flow() {
    for (kind, reason) in [
        (OAuthErrorKind::RejectedCode, ErrorReason::InvalidCode),
        (OAuthErrorKind::Network, ErrorReason::Network),
        (OAuthErrorKind::Other, ErrorReason::CliFailed),
    ] {
        let (mut flow, now) = validating();
        let effects = flow.observe(
            Observation::OAuthError {
                kind,
                message: "m".into(),
            },
            now,
        );
        assert_eq!(error_of(&effects), Some((reason, true)));
        assert!(!ends(&effects));
        assert_eq!(
            flow.next_deadline(),
            Some(now + LIFETIME),
            "the exchange clock stops"
        );
    }
}

#[test]
fn a_code_missing_its_hash_on_screen_keeps_the_prompt() {
    let (mut flow, now) = validating();
    let effects = flow.observe(Observation::CodeMissingHash, now);
    assert_eq!(error_of(&effects), Some((ErrorReason::InvalidCode, true)));
    assert_eq!(
        flow.submit_code("a#b", now)[0],
        Effect::TypeCode(code("a#b"))
    );
}

#[test]
fn retry_presses_enter_and_the_new_url_is_sent() {
    let (mut flow, now) = failed(OAuthErrorKind::Network);
    assert_eq!(
        flow.retry(now),
        vec![
            Effect::PressEnter,
            Effect::Send(FlowEvent::Progress(FlowStage::Starting))
        ]
    );
    let effects = flow.observe(Observation::Url("https://claude.ai/new".into()), now);
    assert!(
        matches!(&effects[0], Effect::Send(FlowEvent::Url { url, .. }) if url == "https://claude.ai/new")
    );
}

#[test]
fn a_code_after_an_error_is_typed_once_the_same_link_is_back() {
    let (mut flow, now) = failed(OAuthErrorKind::RejectedCode);
    assert_eq!(flow.submit_code("new#code", now)[0], Effect::PressEnter);
    let effects = flow.observe(Observation::Url(URL.into()), now);
    assert_eq!(effects[0], Effect::TypeCode(code("new#code")));
}

#[test]
fn a_code_after_an_error_is_not_typed_when_the_link_changed() {
    let (mut flow, now) = failed(OAuthErrorKind::RejectedCode);
    flow.submit_code("new#code", now);
    let effects = flow.observe(Observation::Url("https://claude.com/other".into()), now);
    assert!(!effects.iter().any(|e| matches!(e, Effect::TypeCode(_))));
    assert_eq!(error_of(&effects), Some((ErrorReason::InvalidCode, true)));
    assert!(matches!(&effects[0], Effect::Send(FlowEvent::Url { .. })));
}

#[test]
fn retry_while_waiting_sends_the_same_url_again() {
    let (mut flow, now) = waiting();
    let effects = flow.retry(now);
    assert!(matches!(&effects[0], Effect::Send(FlowEvent::Url { url, .. }) if url == URL));
}

#[test]
fn no_url_within_twenty_seconds_shows_the_screen_to_the_person() {
    let (mut flow, now) = started();
    assert_eq!(
        flow.tick(now + URL_TIMEOUT - Duration::from_millis(1)),
        vec![]
    );
    assert_eq!(flow.tick(now + URL_TIMEOUT), vec![Effect::StreamScreen]);
    assert!(flow.is_live());
    // Not ended: the flow's lifetime still bounds it.
    assert_eq!(flow.next_deadline(), Some(now + LIFETIME));
    let effects = flow.tick(now + LIFETIME);
    assert_eq!(error_of(&effects), Some((ErrorReason::Expired, false)));
}

/// A flow whose CLI showed no link in time.
fn live() -> (LoginFlow, Instant) {
    let (mut flow, now) = started();
    flow.tick(now + URL_TIMEOUT);
    (flow, now + URL_TIMEOUT)
}

#[test]
fn the_live_screen_takes_printable_text_and_keys() {
    let (mut flow, _) = live();
    assert_eq!(
        flow.type_text("2"),
        vec![Effect::Write(b"2".to_vec()), Effect::SendScreen]
    );
    assert_eq!(
        flow.press_key(TerminalKey::Down),
        vec![Effect::Write(b"\x1b[B".to_vec()), Effect::SendScreen]
    );
    for bad in ["", "a\r", "\x1b[2J", &"x".repeat(513)] {
        assert_eq!(
            error_of(&flow.type_text(bad)),
            Some((ErrorReason::BadRequest, true)),
            "{bad:?}"
        );
    }
    assert_eq!(flow.resume(), vec![Effect::SendScreen]);
}

#[test]
fn keys_and_text_go_nowhere_while_dispatch_reads_the_screen_itself() {
    let (mut flow, now) = waiting();
    assert_eq!(
        error_of(&flow.type_text("2")),
        Some((ErrorReason::BadRequest, true))
    );
    assert_eq!(
        error_of(&flow.press_key(TerminalKey::Enter)),
        Some((ErrorReason::BadRequest, true))
    );
    flow.cancel();
    assert_eq!(
        error_of(&flow.type_text("2")),
        Some((ErrorReason::NoFlow, false))
    );
    let _ = now;
}

#[test]
fn a_link_on_the_live_screen_goes_on_as_usual() {
    let (mut flow, now) = live();
    assert_eq!(
        error_of(&flow.submit_code("a#b", now)),
        Some((ErrorReason::BadRequest, true))
    );
    let effects = flow.observe(Observation::Url(URL.into()), now);
    assert!(matches!(&effects[0], Effect::Send(FlowEvent::Url { url, .. }) if url == URL));
    assert!(!flow.is_live());
    assert!(matches!(
        flow.submit_code("a#b", now)[0],
        Effect::TypeCode(_)
    ));
}

#[test]
fn an_exchange_without_answer_times_out() {
    let (mut flow, now) = validating();
    let effects = flow.tick(now + EXCHANGE_TIMEOUT);
    assert_eq!(error_of(&effects), Some((ErrorReason::Timeout, false)));
    assert!(ends(&effects));
}

#[test]
fn the_whole_flow_expires() {
    let (mut flow, now) = waiting();
    assert_eq!(flow.next_deadline(), Some(now + LIFETIME));
    let effects = flow.tick(now + LIFETIME);
    assert_eq!(error_of(&effects), Some((ErrorReason::Expired, false)));
    assert!(ends(&effects));
    assert_eq!(flow.tick(now + LIFETIME * 2), vec![], "ends once");
}

#[test]
fn cancel_ends_the_flow_and_later_commands_find_no_flow() {
    let (mut flow, now) = waiting();
    let effects = flow.cancel();
    assert_eq!(error_of(&effects), Some((ErrorReason::Cancelled, false)));
    assert!(ends(&effects));
    assert_eq!(
        error_of(&flow.submit_code("a#b", now)),
        Some((ErrorReason::NoFlow, false))
    );
    assert_eq!(
        error_of(&flow.retry(now)),
        Some((ErrorReason::NoFlow, false))
    );
    assert_eq!(flow.cancel(), vec![]);
}

#[test]
fn the_cli_dying_mid_flow_is_a_cli_failure() {
    let (mut flow, _) = validating();
    let effects = flow.exited(Some(1), Some("ERROR boom".into()));
    assert_eq!(error_of(&effects), Some((ErrorReason::CliFailed, false)));
    assert!(
        matches!(&effects[0], Effect::Send(FlowEvent::Error { message, .. }) if message.contains("exit status 1") && message.contains("It said: ERROR boom."))
    );
}

#[test]
fn the_cli_exiting_after_success_is_normal() {
    let (mut flow, now) = validating();
    flow.observe(
        Observation::Success(SecretString::from("sk-ant-oat01-x")),
        now,
    );
    assert_eq!(flow.exited(Some(0), None), vec![]);
    assert_eq!(flow.stored(Ok(()))[0], Effect::Send(FlowEvent::Complete));
}

#[test]
fn a_detached_flow_waits_for_resume_then_ends() {
    let (mut flow, now) = waiting();
    flow.detach(now);
    assert_eq!(flow.next_deadline(), Some(now + RESUME_GRACE));
    let effects = flow.resume();
    assert!(matches!(&effects[0], Effect::Send(FlowEvent::Url { url, .. }) if url == URL));
    assert_eq!(flow.next_deadline(), Some(now + LIFETIME));

    flow.detach(now);
    let effects = flow.tick(now + RESUME_GRACE);
    assert_eq!(error_of(&effects), Some((ErrorReason::Expired, false)));
    assert!(ends(&effects));
}

#[test]
fn shutting_down_tells_the_browser_the_server_restarts() {
    let (mut flow, _) = waiting();
    let effects = flow.shut_down();
    assert!(
        matches!(&effects[0], Effect::Send(FlowEvent::Error { reason: ErrorReason::Cancelled, message, retry: false }) if message.contains("restarting"))
    );
}

#[test]
fn a_network_error_says_each_thing_once() {
    for (message, cause) in [
        (
            "Couldn't get an answer from the sign-in service (ENOTFOUND). Check your internet connection, then try again.",
            "ENOTFOUND",
        ),
        (
            "getaddrinfo ENOTFOUND platform.claude.com",
            "getaddrinfo ENOTFOUND platform.claude.com",
        ),
    ] {
        assert_eq!(network_cause(message), cause);
    }
    let (mut flow, _) = validating();
    let sentence = format!(
        "{:?}",
        flow.observe(
            Observation::OAuthError {
                kind: OAuthErrorKind::Network,
                message: "Couldn't get an answer from the sign-in service (ENOTFOUND). Check your internet connection, then try again.".into(),
            },
            Instant::now(),
        )
    );
    assert_eq!(
        sentence.matches("internet connection").count(),
        1,
        "{sentence}"
    );
    assert_eq!(sentence.matches("sign-in service").count(), 1, "{sentence}");
    assert!(sentence.contains("same link"), "{sentence}");
}
