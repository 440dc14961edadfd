//! The sign-in as it shows inside the conversation: the link, where the
//! flow stands, and its errors. The pane's own input takes the code.

use leptos::{
    html::{A, P},
    prelude::*,
};

use crate::ui::{
    focus::{focus_when_bumped, focus_when_shown},
    login::{controller::LoginController, live::LiveScreenStep, model::Phase},
};

#[component]
pub(crate) fn InlineSignIn() -> impl IntoView {
    let login = LoginController::expect();
    let phase = Memo::new(move |_| login.model.with(|m| m.phase.clone()));
    let url = move || login.model.with(|m| m.url.clone().unwrap_or_default());
    let error = move || login.model.with(|m| m.error.clone());
    let link: NodeRef<A> = NodeRef::new();
    let error_message: NodeRef<P> = NodeRef::new();
    focus_when_bumped(login.focus_link, link);
    focus_when_shown(error_message);
    view! {
        <li class="entry sign-in" data-testid="pane-sign-in">
            {move || match phase.get() {
                Phase::Idle | Phase::Preparing => view! {
                    <p class="loading" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "Preparing the sign-in link…"
                    </p>
                }
                .into_any(),
                Phase::WaitingForCode => view! {
                    <p>
                        <a
                            class="btn-primary btn-link"
                            href=url
                            target="_blank"
                            rel="noopener noreferrer"
                            data-testid="pane-auth-link"
                            node_ref=link
                        >
                            "Open Anthropic Login"
                        </a>
                    </p>
                    <p class="hint">"Sign in, authorize Claude Code, then paste the code it shows into the box below."</p>
                }
                .into_any(),
                Phase::Validating => view! {
                    <p class="loading" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "Validating authorization code…"
                    </p>
                }
                .into_any(),
                Phase::LiveScreen => view! { <LiveScreenStep/> }.into_any(),
                Phase::Succeeded => view! { <p class="ok">"Signed in."</p> }.into_any(),
                Phase::Failed => view! {
                    <p class="hint">"The sign-in did not go through."</p>
                }
                .into_any(),
            }}
            {move || error().map(|e| view! {
                <p class="error" role="alert" tabindex="-1" data-testid="pane-auth-error" node_ref=error_message>
                    {e.message}
                </p>
            })}
            <p class="row">
                <button type="button" class="btn-secondary" on:click=move |_| login.new_link()>
                    "Get a new link"
                </button>
                <button type="button" class="btn-secondary" on:click=move |_| login.cancel()>
                    "Cancel sign-in"
                </button>
            </p>
        </li>
    }
}
