//! The Settings page: the Claude section, the CLI's own view of its
//! sign-in, the recent changes to it, and this device's access key.

use leptos::prelude::*;

use super::{
    access::{Access, StatusState},
    login::section::ClaudeAuthSection,
    owner_cards::OwnerCards,
};

#[component]
pub(crate) fn SettingsPage() -> impl IntoView {
    let access = Access::expect();
    let has_key = move || matches!(access.state.get(), StatusState::Ready(_));
    view! {
        <h1>"Settings"</h1>
        <ClaudeAuthSection/>
        <Show when=has_key>
            <OwnerCards/>
            <section class="card">
                <h2>"This device"</h2>
                <p>"The access key is kept in this browser. Forget it to sign this device out of Dispatch."</p>
                <button class="btn-secondary" on:click=move |_| access.forget_key()>
                    "Forget access key"
                </button>
            </section>
        </Show>
    }
}
