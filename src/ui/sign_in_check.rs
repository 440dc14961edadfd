//! Settings' "Check sign-in": the server's Claude CLI says which sign-in it
//! sees with a session's settings (`claude auth status`), beside what
//! Dispatch expects it to see.

use leptos::prelude::*;

use super::access::Access;
use crate::protocol::{rest::AuthCheck, AuthMethod};

/// The CLI's word for its sign-in, as a person reads it.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn cli_method_words(word: &str) -> String {
    match word {
        "none" => "no sign-in".to_owned(),
        "oauth_token" => AuthMethod::OauthToken.describe().to_owned(),
        "api_key" => AuthMethod::ApiKey.describe().to_owned(),
        "claude.ai" => AuthMethod::ClaudeAi.describe().to_owned(),
        other => format!("\"{other}\""),
    }
}

/// What the check found, and whether it is good news.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) fn describe_check(check: &AuthCheck) -> (bool, String) {
    if !check.available {
        let note = check
            .note
            .clone()
            .unwrap_or_else(|| "This Claude CLI cannot report its sign-in.".to_owned());
        return (false, note);
    }
    let seen = cli_method_words(check.cli_auth_method.as_deref().unwrap_or("none"));
    match (check.agrees, check.expected) {
        (Some(true), Some(method)) => (
            true,
            format!(
                "The Claude CLI sees the sign-in Dispatch gives it: {}.",
                method.describe()
            ),
        ),
        (Some(true), None) => (
            true,
            "The Claude CLI is not signed in, and Dispatch has no sign-in to give it: sign in above."
                .to_owned(),
        ),
        (_, expected) => (
            false,
            format!(
                "The Claude CLI sees {seen}, but Dispatch gives it {}. A setting on the server (the CLI's own settings or environment) may be overriding it.",
                expected.map_or("no sign-in", AuthMethod::describe)
            ),
        ),
    }
}

#[component]
pub(crate) fn SignInCheck() -> impl IntoView {
    let access = Access::expect();
    let (found, set_found) = signal(None::<(bool, String)>);
    let (busy, set_busy) = signal(false);
    let check = move |_| {
        let Some(key) = access.key() else { return };
        set_busy.set(true);
        set_found.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let said = match super::rest::check_sign_in(key).await {
                Ok(check) => describe_check(&check),
                Err(why) => (false, why),
            };
            set_found.set(Some(said));
            set_busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = key;
    };
    view! {
        <section class="card" aria-labelledby="check-title">
            <h2 id="check-title">"Check sign-in"</h2>
            <p class="hint lead">
                "Asks the server's Claude CLI which sign-in it sees with the settings a Claude session gets. It checks on the server only: Claude's own service is not asked."
            </p>
            <button class="btn-secondary" on:click=check prop:disabled=busy>
                {move || if busy.get() { "Checking…" } else { "Check sign-in" }}
            </button>
            <p role="status" data-testid="sign-in-check">
                {move || found.get().map(|(good, said)| view! {
                    <span class:ok=good class:warn=!good>{said}</span>
                })}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(agrees: bool, cli: &str, expected: Option<AuthMethod>) -> AuthCheck {
        AuthCheck {
            available: true,
            cli_logged_in: Some(cli != "none"),
            cli_auth_method: Some(cli.into()),
            agrees: Some(agrees),
            expected,
            note: None,
        }
    }

    #[test]
    fn the_check_says_what_the_cli_sees_against_what_dispatch_gives() {
        assert_eq!(
            describe_check(&check(true, "oauth_token", Some(AuthMethod::OauthToken))),
            (
                true,
                "The Claude CLI sees the sign-in Dispatch gives it: Claude account (long-lived token).".into()
            )
        );
        assert!(describe_check(&check(true, "none", None)).0);
        assert_eq!(
            describe_check(&check(false, "api_key", Some(AuthMethod::OauthToken))).1,
            "The Claude CLI sees Anthropic API key, but Dispatch gives it Claude account (long-lived token). A setting on the server (the CLI's own settings or environment) may be overriding it."
        );
        let old = AuthCheck {
            available: false,
            cli_logged_in: None,
            cli_auth_method: None,
            agrees: None,
            expected: None,
            note: Some("needs 2.1".into()),
        };
        assert_eq!(describe_check(&old), (false, "needs 2.1".into()));
    }
}
