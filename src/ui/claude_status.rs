//! The Claude status as the server reports it, or the step that stands before it.

use leptos::prelude::*;

use super::{
    access::{Access, StatusState},
    access_key_form::AccessKeyForm,
};
use crate::protocol::{CertificateSummary, ClaudeStatus, CredentialSource};

/// Shows whatever the session is at: checking, asking for the key, the
/// status, or why the server could not be asked.
#[component]
pub fn ClaudeStatusPanel() -> impl IntoView {
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
pub fn StatusCard(status: ClaudeStatus) -> impl IntoView {
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

/// A Unix time as its UTC calendar date, `YYYY-MM-DD` (the civil-from-days
/// algorithm: days since 1970-01-01 to a proleptic Gregorian date).
fn utc_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_utc_dates() {
        for (unix, date) in [
            (0, "1970-01-01"),
            (86_399, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_798_761_599, "2026-12-31"),
            (1_798_761_600, "2027-01-01"),
            (4_107_542_400, "2100-03-01"),
            (-1, "1969-12-31"),
        ] {
            assert_eq!(utc_date(unix), date, "{unix}");
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
