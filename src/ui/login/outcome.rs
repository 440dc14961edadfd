//! How a flow ended: success, or a failure with what to do next.

use leptos::{html::P, prelude::*};

use super::{controller::LoginController, model::ShownError};
use crate::ui::focus::focus_when_shown;

#[component]
pub(crate) fn Success(
    /// How Claude is signed in now, in words.
    method: Signal<Option<String>>,
) -> impl IntoView {
    let login = LoginController::expect();
    view! {
        <section class="card claude-auth-success" aria-labelledby="auth-success-title">
            <h2 id="auth-success-title">"Claude AI Connected Successfully!"</h2>
            <p>"You can now create Claude-powered sessions for your projects."</p>
            <p data-testid="success-method">
                {move || method.get().map(|m| format!("Signed in with: {m}."))}
            </p>
            <button class="btn-secondary" on:click=move |_| login.dismiss()>
                "Done"
            </button>
        </section>
    }
}

#[component]
pub(crate) fn Failure(error: ShownError) -> impl IntoView {
    let login = LoginController::expect();
    let configuration = error.is_configuration();
    let connectivity = error.is_connectivity();
    let message: NodeRef<P> = NodeRef::new();
    focus_when_shown(message);
    view! {
        <section class="card" aria-labelledby="auth-failed-title">
            <h2 id="auth-failed-title">
                {if configuration { "Server configuration problem" } else { "Sign-in failed" }}
            </h2>
            <p class="error" role="alert" tabindex="-1" data-testid="auth-error" node_ref=message>
                {error.message.clone()}
            </p>
            {connectivity
                .then(|| {
                    view! {
                        <p class="hint">
                            "Dispatch's server must reach claude.ai and platform.claude.com. Retry shows the same sign-in link again; paste the code again."
                        </p>
                    }
                })}
            {if configuration {
                view! {
                    <p class="hint">
                        "Ask the administrator of this Dispatch server to fix this; signing in stays off until then."
                    </p>
                    <button class="btn-secondary" on:click=move |_| login.dismiss()>
                        "Close"
                    </button>
                }
                    .into_any()
            } else {
                view! {
                    <div class="row">
                        <button class="btn-primary" on:click=move |_| login.retry()>
                            "Retry"
                        </button>
                        <button class="btn-secondary" on:click=move |_| login.cancel()>
                            "Cancel"
                        </button>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
