//! Not signed in: the login prompt, and the API-key fallback.

use leptos::prelude::*;

use super::{controller::LoginController, screens::LaterScreens};
use crate::ui::access::Access;

/// `renew`: Claude is signed in, but the sign-in Dispatch stored expires
/// soon or no longer works; a new one replaces it.
#[component]
pub(crate) fn LoginPrompt(#[prop(optional)] renew: bool) -> impl IntoView {
    let login = LoginController::expect();
    // Shown: what a tap needs is made ready now (the socket, the next
    // screens' code), not after the tap. Effects run only in the browser.
    let screens = use_context::<LaterScreens>();
    Effect::new(move |_| {
        login.warm_up();
        if let Some(screens) = screens {
            screens.fetch();
        }
    });
    let (title, text) = if renew {
        (
            "Sign in again",
            "A new sign-in replaces the one stored on this server, before it stops working.",
        )
    } else {
        (
            "Claude AI Authentication Required",
            "Connect to Claude AI to access intelligent coding assistance and enhanced project features.",
        )
    };
    view! {
        <section class="card claude-auth-prompt" aria-labelledby="auth-required-title">
            <h2 id="auth-required-title">{title}</h2>
            <p>{text}</p>
            <button class="btn-primary" on:click=move |_| login.start()>
                "Login with Claude"
            </button>
        </section>
        <ApiKeyForm/>
    }
}

/// Signing in with an Anthropic API key instead of a Claude account.
#[component]
fn ApiKeyForm() -> impl IntoView {
    let access = Access::expect();
    let (api_key, set_api_key) = signal(String::new());
    let (problem, set_problem) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = api_key.get_untracked();
        let Some(key) = access.key() else {
            return;
        };
        set_busy.set(true);
        set_problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::ui::rest::store_api_key(key, value.trim().to_owned()).await {
                Ok(()) => {
                    set_api_key.set(String::new());
                    access.refresh();
                }
                Err(why) => set_problem.set(Some(why)),
            }
            set_busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, value);
    };
    view! {
        <details class="card api-key">
            <summary>"Use an Anthropic API key instead"</summary>
            <form class="stack" on:submit=on_submit>
                <label for="api-key">"API key"</label>
                <input
                    id="api-key"
                    type="password"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="sk-ant-…"
                    prop:value=api_key
                    on:input=move |ev| set_api_key.set(event_target_value(&ev))
                />
                {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                <button
                    type="submit"
                    class="btn-secondary"
                    prop:disabled=move || busy.get() || api_key.get().trim().is_empty()
                >
                    "Save API key"
                </button>
            </form>
        </details>
    }
}
