//! The Claude status as the server reports it, or the step that stands before it.

use leptos::prelude::*;

use super::{
    access::{Access, StatusState},
    access_key_form::AccessKeyForm,
};
use crate::protocol::{ClaudeStatus, CredentialSource};

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
            </dl>
        </section>
    }
}
