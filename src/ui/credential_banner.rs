//! The banner every page shows while the sign-in Dispatch stored is about
//! to stop working (30 days before its expiry), or has (expired, or
//! refused by Claude): the owner learns it before the sessions fail.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::{
    access::{Access, StatusState},
    header::{section_of, Section},
};
use crate::protocol::{time::day_month_year_of, CredentialState, StoredCredential};

/// What the banner says, or `None` while the credential is fine.
pub(crate) fn banner_text(stored: &StoredCredential) -> Option<String> {
    let until = stored.expires_at.as_deref().map(day_month_year_of);
    match (stored.state, until) {
        (CredentialState::Ok, _) => None,
        (CredentialState::Expiring, Some(until)) => Some(format!(
            "The Claude sign-in stored on this server expires on {until}. Sign in again before then to keep Claude working."
        )),
        (CredentialState::Expired, Some(until)) => Some(format!(
            "The Claude sign-in stored on this server expired on {until}. Sign in again to replace it."
        )),
        (CredentialState::Rejected, _) => Some(
            "Claude no longer accepts the sign-in stored on this server. Sign in again to replace it."
                .to_owned(),
        ),
        // Only a token expires; an API key has no date to warn about.
        (_, None) => None,
    }
}

#[component]
pub(crate) fn CredentialBanner() -> impl IntoView {
    let access = Access::expect();
    let location = use_location();
    move || {
        let StatusState::Ready(status) = access.state.get() else {
            return None;
        };
        let text = banner_text(status.credential.as_ref()?)?;
        // On Settings the sign-in is right below.
        let elsewhere = section_of(&location.pathname.get()) != Some(Section::Settings);
        Some(view! {
            <div class="banner" role="status" data-testid="credential-banner">
                <p>{text}</p>
                {elsewhere.then(|| view! {
                    <a href="/settings" class="btn-primary btn-link">"Sign in again"</a>
                })}
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(state: CredentialState, expires_at: Option<&str>) -> StoredCredential {
        StoredCredential {
            stored_at: "2026-01-05T10:00:00Z".into(),
            expires_at: expires_at.map(Into::into),
            state,
        }
    }

    #[test]
    fn the_banner_shows_only_when_the_sign_in_stops_or_will_soon() {
        let year = Some("2027-01-05T10:00:00Z");
        assert_eq!(banner_text(&stored(CredentialState::Ok, year)), None);
        assert_eq!(banner_text(&stored(CredentialState::Ok, None)), None);
        assert_eq!(
            banner_text(&stored(CredentialState::Expiring, year)).as_deref(),
            Some("The Claude sign-in stored on this server expires on 5 Jan 2027. Sign in again before then to keep Claude working.")
        );
        assert_eq!(
            banner_text(&stored(CredentialState::Expired, year)).as_deref(),
            Some("The Claude sign-in stored on this server expired on 5 Jan 2027. Sign in again to replace it.")
        );
        assert_eq!(
            banner_text(&stored(CredentialState::Rejected, None)).as_deref(),
            Some("Claude no longer accepts the sign-in stored on this server. Sign in again to replace it.")
        );
    }
}
