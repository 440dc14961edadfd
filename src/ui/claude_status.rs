//! The Claude status as the server reports it, or the step that stands before it.

use leptos::prelude::*;

use super::{
    access::{Access, StatusState},
    access_key_form::AccessKeyForm,
};
use crate::protocol::{
    time::{day_month_year_of, utc_date},
    CertificateSummary, ClaudeStatus, CredentialSource, CredentialState, StoredCredential,
};

/// Shows whatever the session is at: checking, asking for the key, the
/// status, or why the server could not be asked.
#[component]
pub(crate) fn ClaudeStatusPanel() -> impl IntoView {
    let access = Access::expect();
    move || match access.state.get() {
        StatusState::Checking => view! {
            <section class="card" aria-busy="true">
                <div class="loading" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    <p>"Checking Claude status…"</p>
                </div>
            </section>
        }
        .into_any(),
        StatusState::NeedKey { wrong_key } => view! { <AccessKeyForm wrong_key/> }.into_any(),
        StatusState::Ready(status) => view! { <StatusCard status/> }.into_any(),
        StatusState::Unreachable(why) => view! {
            <section class="card">
                <p class="error" role="alert">{why}</p>
                <button class="btn-secondary" on:click=move |_| access.refresh()>
                    "Try again"
                </button>
            </section>
        }
        .into_any(),
    }
}

#[component]
pub(crate) fn StatusCard(status: ClaudeStatus) -> impl IntoView {
    let signed_in = match (status.authenticated, status.method) {
        (true, Some(method)) => {
            let from = match status.source {
                Some(CredentialSource::Dispatch) => " (stored by Dispatch)",
                Some(CredentialSource::Environment) => " (from the server's environment)",
                Some(CredentialSource::Cli) => " (the CLI's own login on the server)",
                None => "",
            };
            format!("Signed in: {}{from}.", method.describe())
        }
        _ => "Not signed in.".to_owned(),
    };
    let cli = if status.cli.found {
        format!(
            "Claude CLI {} at {}",
            status.cli.version.as_deref().unwrap_or("(version unknown)"),
            status.cli.path.as_deref().unwrap_or("?")
        )
    } else {
        status
            .cli
            .problem
            .clone()
            .unwrap_or_else(|| "The Claude CLI was not found.".to_owned())
    };
    view! {
        <section class="card" aria-labelledby="claude-status-title">
            <h2 id="claude-status-title">"Claude"</h2>
            <dl class="facts" data-testid="claude-status">
                <dt>"Account"</dt>
                <dd data-testid="claude-account" class:ok=status.authenticated>
                    {signed_in}
                </dd>
                {status.credential.map(|stored| {
                    let state = stored.state;
                    view! {
                        <dt>"Stored sign-in"</dt>
                        <dd
                            data-testid="claude-credential"
                            class:error=matches!(
                                state,
                                CredentialState::Expired | CredentialState::Rejected
                            )
                            class:warn=state == CredentialState::Expiring
                        >
                            {describe_credential(&stored)}
                        </dd>
                    }
                })}
                <dt>"CLI"</dt>
                <dd data-testid="claude-cli" class:error=!status.cli.found>
                    {cli}
                </dd>
                <dt>"Login"</dt>
                <dd data-testid="claude-login-enabled">
                    {if status.enabled {
                        "Enabled."
                    } else {
                        "Turned off on this server (CLAUDE_AUTH_ENABLED=false)."
                    }}
                </dd>
                {status.certificate.map(|certificate| {
                    view! {
                        <dt>"HTTPS"</dt>
                        <dd data-testid="tls-certificate">
                            {describe_certificate(&certificate)}
                        </dd>
                    }
                })}
            </dl>
        </section>
    }
}

/// "Signed in on 3 Dec 2026 · valid until about 3 Dec 2027", and what to
/// do when it no longer counts.
fn describe_credential(stored: &StoredCredential) -> String {
    let stored_on = format!("Signed in on {}", day_month_year_of(&stored.stored_at));
    let until = stored.expires_at.as_deref().map(day_month_year_of);
    match (stored.state, until) {
        (CredentialState::Rejected, _) => {
            format!("{stored_on} · Claude no longer accepts it: sign in again.")
        }
        (CredentialState::Expired, Some(until)) => {
            format!("{stored_on} · expired on {until}: sign in again.")
        }
        (CredentialState::Expiring, Some(until)) => {
            format!("{stored_on} · expires on {until}: sign in again before then.")
        }
        (_, Some(until)) => format!("{stored_on} · valid until about {until}."),
        (_, None) => format!("{stored_on} · an API key does not expire."),
    }
}

/// "Certificate for a.example, b.example; valid until 2027-03-01 (UTC)."
fn describe_certificate(certificate: &CertificateSummary) -> String {
    let names = if certificate.names.is_empty() {
        "this server".to_owned()
    } else {
        certificate.names.join(", ")
    };
    format!(
        "Certificate for {names}; valid until {} (UTC).",
        utc_date(certificate.expires_at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_credential_says_when_and_what_to_do() {
        let stored = |state, expires_at: Option<&str>| StoredCredential {
            stored_at: "2026-12-03T12:13:20Z".into(),
            expires_at: expires_at.map(Into::into),
            state,
        };
        let year = Some("2027-12-03T12:13:20Z");
        for (credential, said) in [
            (
                stored(CredentialState::Ok, year),
                "Signed in on 3 Dec 2026 · valid until about 3 Dec 2027.",
            ),
            (
                stored(CredentialState::Expiring, year),
                "Signed in on 3 Dec 2026 · expires on 3 Dec 2027: sign in again before then.",
            ),
            (
                stored(CredentialState::Expired, year),
                "Signed in on 3 Dec 2026 · expired on 3 Dec 2027: sign in again.",
            ),
            (
                stored(CredentialState::Rejected, None),
                "Signed in on 3 Dec 2026 · Claude no longer accepts it: sign in again.",
            ),
            (
                stored(CredentialState::Ok, None),
                "Signed in on 3 Dec 2026 · an API key does not expire.",
            ),
        ] {
            assert_eq!(describe_credential(&credential), said);
        }
    }

    #[test]
    fn a_certificate_is_described_by_its_names_and_expiry() {
        let certificate = CertificateSummary {
            names: vec!["a.example".into(), "b.example".into()],
            expires_at: 1_798_761_600,
        };
        assert_eq!(
            describe_certificate(&certificate),
            "Certificate for a.example, b.example; valid until 2027-01-01 (UTC)."
        );
    }
}
