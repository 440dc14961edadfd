//! The access-key step: shown until the tab holds a key the server accepts.

use leptos::prelude::*;

use super::access::Access;

#[component]
pub(crate) fn AccessKeyForm(
    /// The last key was refused by the server.
    wrong_key: bool,
) -> impl IntoView {
    let access = Access::expect();
    let (key, set_key) = signal(String::new());
    let (remember, set_remember) = signal(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        access.submit_key(key.get_untracked(), remember.get_untracked());
    };
    view! {
        <section class="card" aria-labelledby="access-key-title">
            <h2 id="access-key-title">"Access key"</h2>
            <p>
                "This Dispatch server needs its access key. Open the link the server printed "
                "when it started, or paste the key here."
            </p>
            {wrong_key
                .then(|| {
                    view! {
                        <p class="error" role="alert">
                            "That access key is not right. Check it and try again."
                        </p>
                    }
                })}
            // No `name` on the input: should the form ever submit without the
            // app (no JavaScript yet), the key still never lands in a URL.
            <form class="stack" on:submit=on_submit>
                <label for="access-key">"Access key"</label>
                <input
                    id="access-key"
                    type="password"
                    autocomplete="current-password"
                    autocapitalize="off"
                    spellcheck="false"
                    required
                    prop:value=key
                    on:input=move |ev| set_key.set(event_target_value(&ev))
                />
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=remember
                        on:change=move |ev| set_remember.set(event_target_checked(&ev))
                    />
                    "Remember on this device"
                </label>
                <button type="submit" class="btn-primary">
                    "Continue"
                </button>
            </form>
        </section>
    }
}
