use super::*;
use crate::protocol::ErrorReason;

fn result(success: bool, text: &str, login_required: bool) -> ServerEvent {
    ServerEvent::SessionResult(SessionResult {
        success,
        text: text.into(),
        session_id: Some("s1".into()),
        duration_ms: 1500,
        login_required,
        credential_rejected: false,
    })
}

fn text(t: &str) -> ServerEvent {
    ServerEvent::SessionText { text: t.into() }
}

#[test]
fn a_prompt_streams_into_one_answer_then_follow_ups_continue_it() {
    let mut pane = PaneModel::new("web");
    assert_eq!(
        pane.submit("  hello "),
        Ok(PaneEffect::Prompt {
            project: "web".into(),
            prompt: "hello".into(),
            session_id: None
        })
    );
    assert!(pane.running);
    pane.on_event(ServerEvent::SessionStarted {
        project: "web".into(),
    });
    pane.on_event(ServerEvent::SessionInit {
        session_id: "s1".into(),
        model: "m".into(),
    });
    pane.on_event(text("Hel"));
    pane.on_event(text("lo."));
    pane.on_event(ServerEvent::SessionTool {
        name: "Bash".into(),
        detail: "ls".into(),
    });
    pane.on_event(text("Done."));
    pane.on_event(result(true, "Done.", false));
    assert!(!pane.running);
    assert_eq!(
        pane.entries,
        [
            Entry::Prompt("hello".into()),
            Entry::Text("Hello.".into()),
            Entry::Tool {
                name: "Bash".into(),
                detail: "ls".into()
            },
            Entry::Text("Done.".into()),
            Entry::Done {
                success: true,
                text: "Done.".into(),
                duration_ms: 1500
            },
        ]
    );
    let Ok(PaneEffect::Prompt { session_id, .. }) = pane.submit("more") else {
        panic!()
    };
    assert_eq!(session_id.as_deref(), Some("s1"));
}

#[test]
fn durations_read_in_tenths_of_a_second() {
    assert_eq!(seconds(1500), "1.5 s");
    assert_eq!(seconds(0), "0.0 s");
    assert_eq!(seconds(1449), "1.4 s");
    assert_eq!(seconds(1450), "1.5 s");
    assert_eq!(seconds(61_000), "61.0 s");
}

#[test]
fn bad_prompts_are_refused_before_anything_is_sent() {
    let mut pane = PaneModel::new("web");
    assert!(pane.submit("   ").is_err());
    assert!(pane.submit(&"x".repeat(MAX_PROMPT + 1)).is_err());
    assert!(pane.submit("one").is_ok());
    assert!(pane.submit("two").unwrap_err().contains("still answering"));
    assert_eq!(pane.entries.len(), 1);
    assert_eq!(pane.stop(), Some(PaneEffect::Stop));
    pane.on_event(ServerEvent::SessionError {
        error: "Stopped.".into(),
        reason: ErrorReason::Cancelled,
    });
    assert!(!pane.running);
    assert_eq!(pane.stop(), None);
    assert_eq!(
        pane.entries.last(),
        Some(&Entry::Problem("Stopped.".into()))
    );
}

#[test]
fn a_login_result_signs_in_inline_then_runs_the_prompt_again() {
    let mut pane = PaneModel::new("web");
    pane.submit("what is here?").unwrap();
    let effects = pane.on_event(result(false, "Not logged in · Please run /login", true));
    assert_eq!(effects, [PaneEffect::StartLogin]);
    assert_eq!(pane.signing_in.as_deref(), Some("what is here?"));
    assert_eq!(pane.entries.last(), Some(&Entry::SignIn));
    // The failed run's session is not continued.
    assert_eq!(pane.conversation, None);
    // While signing in, the input takes the code.
    assert_eq!(
        pane.submit("abc#def"),
        Ok(PaneEffect::SubmitCode("abc#def".into()))
    );
    let again = pane.signed_in();
    assert_eq!(
        again,
        Some(PaneEffect::Prompt {
            project: "web".into(),
            prompt: "what is here?".into(),
            session_id: None
        })
    );
    assert!(pane.running && pane.signing_in.is_none());
    assert!(!pane.entries.contains(&Entry::SignIn));
    assert_eq!(pane.signed_in(), None);
}

#[test]
fn a_refused_stored_credential_is_named_as_such() {
    let mut pane = PaneModel::new("web");
    pane.submit("hi").unwrap();
    let refused = ServerEvent::SessionResult(SessionResult {
        credential_rejected: true,
        ..match result(false, "OAuth token revoked · Please run /login", true) {
            ServerEvent::SessionResult(r) => r,
            _ => unreachable!(),
        }
    });
    assert_eq!(pane.on_event(refused), [PaneEffect::StartLogin]);
    let said = pane.entries.iter().find_map(|e| match e {
        Entry::Notice(n) => Some(n.clone()),
        _ => None,
    });
    assert_eq!(
        said.as_deref(),
        Some("Claude no longer accepts the sign-in stored on this server (OAuth token revoked · Please run /login). Sign in again here: open the link, then paste the code below. Your prompt runs again afterwards.")
    );
}

#[test]
fn answers_that_mention_login_are_only_answers() {
    let mut pane = PaneModel::new("web");
    pane.submit("how do I sign in?").unwrap();
    let effects = pane.on_event(result(true, "Please run /login", false));
    assert!(effects.is_empty());
    assert!(pane.signing_in.is_none());
}

#[test]
fn a_cancelled_sign_in_and_a_lost_connection_leave_the_pane_usable() {
    let mut pane = PaneModel::new("web");
    pane.submit("hi").unwrap();
    pane.on_event(result(false, "Not logged in · Please run /login", true));
    pane.sign_in_dropped();
    assert!(pane.signing_in.is_none());
    assert!(matches!(pane.submit("hi"), Ok(PaneEffect::Prompt { .. })));
    pane.connection_lost();
    assert!(!pane.running);
    assert!(matches!(pane.entries.last(), Some(Entry::Problem(p)) if p.contains("dropped")));
    pane.connection_lost();
    assert_eq!(
        pane.entries
            .iter()
            .filter(|e| matches!(e, Entry::Problem(_)))
            .count(),
        1
    );
}

#[test]
fn the_conversation_keeps_within_its_limits() {
    let mut pane = PaneModel::new("web");
    for i in 0..400 {
        pane.submit(&format!("prompt {i}")).unwrap();
        pane.on_event(result(true, "ok", false));
    }
    assert!(pane.entries.len() <= MAX_ENTRIES);
    assert!(pane.trimmed());
    assert_eq!(
        pane.entries.last(),
        Some(&Entry::Done {
            success: true,
            text: "ok".into(),
            duration_ms: 1500
        })
    );
    let mut big = PaneModel::new("web");
    big.submit("flood").unwrap();
    for _ in 0..20 {
        big.on_event(text(&"x".repeat(64 * 1024)));
        big.on_event(ServerEvent::SessionTool {
            name: "Read".into(),
            detail: "f".into(),
        });
    }
    let kept: usize = big.entries.iter().map(Entry::size).sum();
    assert!(kept <= MAX_KEPT_BYTES, "{kept}");
}

#[test]
fn a_screen_reader_hears_the_finished_answer_not_each_piece() {
    let mut pane = PaneModel::new("web");
    pane.submit("hello").unwrap();
    pane.on_event(text("Hel"));
    pane.on_event(text("lo."));
    assert_eq!(pane.announcement, "", "nothing while it streams");
    pane.on_event(ServerEvent::SessionTool {
        name: "Bash".into(),
        detail: "ls".into(),
    });
    pane.on_event(text(" Two files."));
    pane.on_event(result(true, "Hello. Two files.", false));
    assert_eq!(
        pane.announcement,
        "Claude answered: Hello. Two files. Done in 1.5 s."
    );

    pane.submit("again").unwrap();
    pane.on_event(result(false, "Not logged in · Please run /login", true));
    assert!(
        pane.announcement
            .starts_with("Claude is not signed in on this server"),
        "{}",
        pane.announcement
    );
}
