//! The Settings page: the Claude section and this device's access key.

use leptos::prelude::*;

use super::{
    login::section::ClaudeAuthSection,
    session::{Session, StatusState},
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = Session::expect();
    let has_key = move || matches!(session.state.get(), StatusState::Ready(_));
    view! {
        <h1>"Settings"</h1>
        <ClaudeAuthSection/>
        <Show when=has_key>
            <section class="card">
                <h2>"This device"</h2>
                <p>"The access key is kept in this browser. Forget it to sign this device out of Dispatch."</p>
                <button class="btn-secondary" on:click=move |_| session.forget_key()>
                    "Forget access key"
                </button>
            </section>
        </Show>
    }
}
