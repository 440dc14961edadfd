//! Settings' "Recent activity": the last ten changes to the stored sign-in,
//! newest first, with when and from which address.

use leptos::prelude::*;

use super::access::{Access, StatusState};
use crate::protocol::{
    time::{day_month_year, hours_minutes, parse_iso8601},
    ActivityEvent, ActivityKind, ErrorReason,
};

/// How many events Settings shows (the server keeps 1,000).
#[cfg(feature = "hydrate")]
const SHOWN: usize = 10;

/// "Sign-in failed (no answer from the sign-in service) · from 192.0.2.7".
pub(crate) fn describe_event(event: &ActivityEvent) -> String {
    let what = match event.kind {
        ActivityKind::SignedIn => "Signed in with a Claude account",
        ActivityKind::ApiKeyStored => "API key stored",
        ActivityKind::SignedOut => "Signed out",
        ActivityKind::LoginFailed => "Sign-in failed",
        ActivityKind::Rejected => "Claude refused the stored sign-in",
    };
    let why = event
        .reason
        .map(|reason| format!(" ({})", reason_words(reason)))
        .unwrap_or_default();
    let from = event
        .ip
        .as_deref()
        .map(|ip| format!(" · from {ip}"))
        .unwrap_or_default();
    format!("{what}{why}{from}")
}

/// "3 Dec 2026, 18:40 UTC".
pub(crate) fn when(at: &str) -> String {
    parse_iso8601(at).map_or_else(
        || at.to_owned(),
        |t| format!("{}, {} UTC", day_month_year(t), hours_minutes(t)),
    )
}

/// Why a sign-in failed, in a few words.
fn reason_words(reason: ErrorReason) -> &'static str {
    match reason {
        ErrorReason::InvalidCode => "the code was not accepted",
        ErrorReason::Network => "no answer from the sign-in service",
        ErrorReason::Timeout => "it took too long",
        ErrorReason::Expired => "the sign-in expired",
        ErrorReason::CliMissing => "the Claude CLI is missing",
        ErrorReason::CliFailed => "the Claude CLI failed",
        ErrorReason::Permission => "the credential could not be written",
        ErrorReason::Cancelled => "cancelled",
        ErrorReason::Unauthorized
        | ErrorReason::RateLimited
        | ErrorReason::Busy
        | ErrorReason::BadRequest
        | ErrorReason::Disabled
        | ErrorReason::NoFlow => "refused",
    }
}

#[component]
pub(crate) fn RecentActivity() -> impl IntoView {
    let access = Access::expect();
    let events = RwSignal::new(None::<Result<Vec<ActivityEvent>, String>>);
    // Read again whenever the status is (after a sign-in, a sign-out…).
    Effect::new(move |_| {
        if !matches!(access.state.get(), StatusState::Ready(_)) {
            return;
        }
        let Some(key) = access.key() else { return };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let read = super::rest::fetch_activity(&key)
                .await
                .map(|answer| answer.events.into_iter().take(SHOWN).collect());
            events.set(Some(read));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = key;
    });
    view! {
        <section class="card" aria-labelledby="activity-title">
            <h2 id="activity-title">"Recent activity"</h2>
            {move || match events.get() {
                None => view! { <p class="hint">"Reading the activity…"</p> }.into_any(),
                Some(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="hint" data-testid="activity-empty">
                        "No change to the stored sign-in yet."
                    </p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ol class="activity" data-testid="activity">
                        {list
                            .into_iter()
                            .map(|event| {
                                let said = describe_event(&event);
                                view! {
                                    <li>
                                        <time datetime=event.at.clone()>{when(&event.at)}</time>
                                        <span>{said}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any(),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AuthMethod;

    #[test]
    fn each_event_says_what_when_and_from_where() {
        let event = |kind, reason, ip: Option<&str>| ActivityEvent {
            at: "2026-12-03T18:40:09Z".into(),
            kind,
            ip: ip.map(Into::into),
            method: Some(AuthMethod::OauthToken),
            reason,
        };
        assert_eq!(when("2026-12-03T18:40:09Z"), "3 Dec 2026, 18:40 UTC");
        assert_eq!(when("yesterday"), "yesterday");
        assert_eq!(
            describe_event(&event(ActivityKind::SignedIn, None, Some("192.0.2.7"))),
            "Signed in with a Claude account · from 192.0.2.7"
        );
        assert_eq!(
            describe_event(&event(
                ActivityKind::LoginFailed,
                Some(ErrorReason::Network),
                None
            )),
            "Sign-in failed (no answer from the sign-in service)"
        );
        assert_eq!(
            describe_event(&event(ActivityKind::Rejected, None, Some("::1"))),
            "Claude refused the stored sign-in · from ::1"
        );
    }
}
