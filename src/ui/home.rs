//! The home page: what Dispatch is, and the Claude status at a glance.

use leptos::prelude::*;
use leptos_router::components::A;

use super::claude_status::ClaudeStatusPanel;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <h1>"Dispatch"</h1>
        <p class="lead">"Sign this server's Claude Code CLI into your Claude account, from any browser."</p>
        <ClaudeStatusPanel/>
        <p>
            <A href="/settings">"Open Settings"</A>
        </p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Not found"</h1>
        <p>
            "There is no page here. " <A href="/">"Go home"</A>
        </p>
    }
}
