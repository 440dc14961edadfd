//! The CLI's own screen, when it shows something Dispatch cannot read (a
//! question before its link, a crash): shown as text, answered with keys
//! and a text field, until a link appears. Built for a phone: the text
//! wraps, nothing scrolls sideways, every key is a button.

use leptos::prelude::*;

use super::controller::LoginController;
use crate::protocol::terminal::{TerminalKey, MAX_TYPED};

#[component]
pub(crate) fn LiveScreenStep() -> impl IntoView {
    let login = LoginController::expect();
    let (text, set_text) = signal(String::new());
    let (refusal, set_refusal) = signal(None::<String>);
    let screen = move || login.model.with(|m| m.screen.join("\n"));
    let problem = move || login.model.with(|m| m.problem.clone());
    let error = move || login.model.with(|m| m.error.clone());
    // Text, then Enter: what answering a prompt takes in a terminal.
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match login.type_text(&text.get_untracked()) {
            Ok(()) => {
                login.press(TerminalKey::Enter);
                set_refusal.set(None);
                let _ = set_text.try_set(String::new());
            }
            Err(why) => set_refusal.set(Some(why.to_string())),
        }
    };
    let keys = TerminalKey::ALL
        .into_iter()
        .map(|key| {
            let (label, name) = key.label();
            view! {
                <button
                    type="button"
                    class="btn-secondary key"
                    aria-label=name
                    data-testid=format!("key-{name}")
                    on:click=move |_| login.press(key)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="card live-screen" aria-labelledby="live-title">
            <h2 id="live-title">"The Claude CLI is asking something"</h2>
            <p>
                "The Claude CLI showed something Dispatch does not know, so there is no sign-in link yet. "
                "Its screen is below: answer it with the keys and the text box. "
                "As soon as it shows a link, the sign-in goes on as usual."
            </p>
            {move || problem().map(|p| view! {
                <p class="error" data-testid="live-problem">{format!("It says: {p}")}</p>
            })}
            <pre class="terminal" data-testid="live-screen" aria-label="The CLI's screen">
                {screen}
            </pre>
            <div class="keys" role="group" aria-label="Keys for the CLI">
                {keys}
            </div>
            <form class="stack" on:submit=send>
                <label for="live-text">"Text for the CLI"</label>
                <input
                    id="live-text"
                    type="text"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    enterkeyhint="send"
                    maxlength=MAX_TYPED
                    prop:value=text
                    on:input=move |ev| set_text.set(event_target_value(&ev))
                />
                <button type="submit" class="btn-primary">"Type it and press Enter"</button>
            </form>
            {move || refusal.get().or_else(|| error().map(|e| e.message)).map(|m| view! {
                <p class="error" role="alert" data-testid="live-error">{m}</p>
            })}
            <button type="button" class="btn-secondary" on:click=move |_| login.cancel()>
                "Cancel"
            </button>
        </section>
    }
}
