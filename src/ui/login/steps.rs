//! The flow in progress: preparing, the link and the code, validating.

use leptos::{
    html::{Input, A, P},
    prelude::*,
};

use super::controller::LoginController;
use crate::{
    protocol::code::{normalize_code, CodeError},
    ui::focus::{focus_when_bumped, focus_when_shown, when_back_in_this_tab},
};

/// A wait with a spinner, what it waits for, and a way out.
#[component]
pub(crate) fn Waiting(text: &'static str) -> impl IntoView {
    let login = LoginController::expect();
    view! {
        <section class="card" aria-busy="true">
            <div class="loading">
                <span class="spinner" aria-hidden="true"></span>
                <p>{text}</p>
            </div>
            <button class="btn-secondary" on:click=move |_| login.cancel()>
                "Cancel"
            </button>
        </section>
    }
}

/// What the code input says as the person types.
fn code_feedback(code: &str) -> (bool, &'static str) {
    match normalize_code(code) {
        Ok(_) => (true, "Looks like a complete code."),
        Err(CodeError::Empty) => (false, "Paste the code the sign-in page shows."),
        Err(CodeError::MissingHash) => (
            false,
            "The code has two parts joined by a # — copy all of it.",
        ),
        Err(CodeError::BadCharacters) => (
            false,
            "Codes hold only letters, digits, - and _ around one #.",
        ),
        Err(CodeError::TooLong(_)) => (false, "That is longer than any sign-in code."),
    }
}

/// Step 1, the link; step 2, the code.
#[component]
pub(crate) fn CodeStep() -> impl IntoView {
    let login = LoginController::expect();
    let (code, set_code) = signal(String::new());
    let (copied, set_copied) = signal(false);
    let input: NodeRef<Input> = NodeRef::new();
    let url = move || login.model.with(|m| m.url.clone().unwrap_or_default());
    let feedback = move || code_feedback(&code.get());

    let link: NodeRef<A> = NodeRef::new();
    let error_message: NodeRef<P> = NodeRef::new();
    focus_when_bumped(login.focus_link, link);
    // Back from the sign-in tab: the code goes in next, above a phone's
    // keyboard.
    when_back_in_this_tab(move || {
        if code.try_get_untracked().is_some_and(|c| c.is_empty()) {
            if let Some(el) = input.try_get_untracked().flatten() {
                let _ = el.focus();
                el.scroll_into_view_with_bool(false);
            }
        }
    });
    focus_when_shown(error_message);

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if login.submit(&code.get_untracked()).is_ok() {
            // The step may be gone already (the model moved on and the
            // section rendered the next screen): then there is nothing to clear.
            let _ = set_code.try_set(String::new());
        }
    };
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let ok = crate::ui::browser::copy(&url()).await;
            set_copied.set(ok);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = set_copied;
    };
    let error = move || login.model.with(|m| m.error.clone());
    view! {
        <section class="card claude-auth-flow">
            <div class="auth-step">
                <h2>"Step 1: Authorize with Anthropic"</h2>
                <p>"Open the link, sign in to your Claude account and authorize Claude Code."</p>
                <div class="row">
                    <a
                        class="btn-primary btn-link"
                        href=url
                        target="_blank"
                        rel="noopener noreferrer"
                        data-testid="auth-link"
                        node_ref=link
                    >
                        "Open Anthropic Login"
                    </a>
                    <button class="btn-secondary" on:click=copy>
                        {move || if copied.get() { "Copied" } else { "Copy link" }}
                    </button>
                </div>
            </div>
            <form class="auth-step stack" on:submit=confirm>
                <h2>"Step 2: Enter Authorization Code"</h2>
                <label for="auth-code">"Authorization code"</label>
                <input
                    id="auth-code"
                    class="auth-code-input"
                    type="text"
                    inputmode="text"
                    autocomplete="one-time-code"
                    autocapitalize="off"
                    spellcheck="false"
                    enterkeyhint="done"
                    placeholder="Paste your authorization code here"
                    aria-describedby="auth-code-hint"
                    node_ref=input
                    prop:value=code
                    on:input=move |ev| set_code.set(event_target_value(&ev))
                    on:focus=move |_| {
                        if let Some(el) = input.get() {
                            el.scroll_into_view_with_bool(false);
                        }
                    }
                />
                <p
                    id="auth-code-hint"
                    class="hint"
                    class:ok=move || feedback().0
                    data-testid="code-hint"
                >
                    {move || feedback().1}
                </p>
                {move || {
                    error()
                        .map(|e| {
                            view! {
                                <p
                                    class="error"
                                    role="alert"
                                    tabindex="-1"
                                    data-testid="auth-error"
                                    node_ref=error_message
                                >
                                    {e.message}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="btn-primary" prop:disabled=move || !feedback().0>
                    "Confirm Authentication"
                </button>
                <div class="row">
                    <button type="button" class="btn-secondary" on:click=move |_| login.new_link()>
                        "Get a new link"
                    </button>
                    <button type="button" class="btn-secondary" on:click=move |_| login.cancel()>
                        "Cancel"
                    </button>
                </div>
            </form>
        </section>
    }
}
