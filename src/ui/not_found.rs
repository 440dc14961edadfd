//! The page for addresses that lead nowhere.

use leptos::prelude::*;

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Not found"</h1>
        <p>
            "There is no page here. " <a href="/">"Go home"</a>
        </p>
    }
}
