//! The pane on the page: the conversation, one input (a prompt, or the
//! sign-in code while signing in), Send / Stop.

use leptos::{html::Textarea, prelude::*};

use super::{
    model::{seconds, Entry, PaneEffect, PaneModel},
    sign_in::InlineSignIn,
};
use crate::{
    protocol::{ClientEvent, PromptData},
    ui::{
        focus::when_back_in_this_tab,
        login::{
            controller::LoginController,
            model::{Phase, UNSIGNED},
        },
        socket::{Heard, Socket},
    },
};

#[component]
pub(crate) fn ClaudePane(project: String) -> impl IntoView {
    let login = LoginController::expect();
    let socket = Socket::expect();
    let pane = RwSignal::new(PaneModel::new(project));
    let (input, set_input) = signal(String::new());
    let (problem, set_problem) = signal(None::<String>);
    let field: NodeRef<Textarea> = NodeRef::new();

    let carry_out = move |effect: PaneEffect| match effect {
        PaneEffect::Prompt {
            project,
            prompt,
            session_id,
        } => socket.send(ClientEvent::Prompt(PromptData {
            key: UNSIGNED,
            project,
            prompt,
            session_id,
        })),
        PaneEffect::Stop => socket.send(ClientEvent::SessionCancel { key: UNSIGNED }),
        // The link takes the focus when it arrives (InlineSignIn), the
        // input when the person comes back from the sign-in tab.
        PaneEffect::StartLogin => login.start(),
        PaneEffect::SubmitCode(code) => match login.submit(&code) {
            Ok(()) => set_input.set(String::new()),
            Err(_) => set_problem.set(Some(
                "That is not a whole code: it has two parts joined by a #. Copy all of it.".into(),
            )),
        },
    };

    socket.listen_sessions(Some(Callback::new(move |heard: Heard| {
        let effects = match heard {
            Heard::Event(event) => pane.try_update(|p| p.on_event(event)).unwrap_or_default(),
            Heard::Lost => {
                pane.update(|p| p.connection_lost());
                Vec::new()
            }
            Heard::Open => Vec::new(),
        };
        for effect in effects {
            carry_out(effect);
        }
    })));
    on_cleanup(move || socket.listen_sessions(None));

    // The sign-in's outcome reaches the pane that started it.
    Effect::new(move |_| {
        let phase = login.model.with(|m| m.phase.clone());
        if !pane.with_untracked(|p| p.signing_in.is_some()) {
            return;
        }
        match phase {
            Phase::Succeeded => {
                login.dismiss();
                if let Some(effect) = pane.try_update(|p| p.signed_in()).flatten() {
                    carry_out(effect);
                }
            }
            Phase::Idle => pane.update(|p| p.sign_in_dropped()),
            _ => {}
        }
    });

    when_back_in_this_tab(move || {
        let waiting_for_code = pane
            .try_with_untracked(|p| p.signing_in.is_some())
            .unwrap_or(false);
        if waiting_for_code && input.try_get_untracked().is_some_and(|i| i.is_empty()) {
            if let Some(el) = field.try_get_untracked().flatten() {
                let _ = el.focus();
            }
        }
    });

    let signing_in = move || pane.with(|p| p.signing_in.is_some());
    let running = move || pane.with(|p| p.running);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_problem.set(None);
        match pane.try_update(|p| p.submit(&input.get_untracked())) {
            Some(Ok(effect)) => {
                if !matches!(effect, PaneEffect::SubmitCode(_)) {
                    set_input.set(String::new());
                }
                carry_out(effect);
            }
            Some(Err(why)) => set_problem.set(Some(why)),
            None => {}
        }
    };
    let stop = move |_| {
        if let Some(effect) = pane.with_untracked(|p| p.stop()) {
            carry_out(effect);
        }
    };
    // Enter sends, Shift+Enter is a new line (a phone's Enter key is "send" too).
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            if let Some(form) = field.get_untracked().and_then(|f| f.form()) {
                let _ = form.request_submit();
            }
        }
    };

    view! {
        <section class="card pane" aria-label="Claude">
            <p class="sr-only" aria-live="polite" data-testid="pane-announcer">
                {move || pane.with(|p| p.announcement.clone())}
            </p>
            <ol class="conversation" data-testid="conversation">
                {move || pane.with(|p| p.trimmed()).then(|| view! {
                    <li class="entry notice">"Older messages were removed to keep this page light."</li>
                })}
                // Keys only: streaming text re-renders its own entry, and
                // the conversation is not copied on every event.
                <For
                    each=move || pane.with(PaneModel::keys)
                    key=|key| *key
                    children=move |(place, _)| {
                        pane.with_untracked(|p| p.entry(place).cloned())
                            .map(|entry| view! { <EntryView entry/> })
                    }
                />
            </ol>
            {move || running().then(|| view! {
                <p class="loading" role="status" data-testid="pane-running">
                    <span class="spinner" aria-hidden="true"></span>
                    "Claude is working…"
                </p>
            })}
            <form class="stack composer" on:submit=submit>
                <label for="pane-input" class="sr-only">
                    {move || if signing_in() { "Authorization code" } else { "Prompt" }}
                </label>
                <textarea
                    id="pane-input"
                    rows="3"
                    data-testid="pane-input"
                    autocapitalize=move || if signing_in() { "off" } else { "sentences" }
                    spellcheck=move || if signing_in() { "false" } else { "true" }
                    placeholder=move || if signing_in() {
                        "Paste the authorization code here"
                    } else {
                        "Ask Claude about this project"
                    }
                    node_ref=field
                    prop:value=input
                    on:input=move |ev| set_input.set(event_target_value(&ev))
                    on:keydown=on_key
                ></textarea>
                {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                <div class="row">
                    <button type="submit" class="btn-primary" data-testid="pane-send" prop:disabled=move || running() && !signing_in()>
                        {move || if signing_in() { "Confirm code" } else { "Send" }}
                    </button>
                    {move || running().then(|| view! {
                        <button type="button" class="btn-secondary" on:click=stop data-testid="pane-stop">"Stop"</button>
                    })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn EntryView(entry: Entry) -> impl IntoView {
    match entry {
        Entry::Prompt(text) => view! { <li class="entry prompt" data-testid="entry-prompt">{text}</li> }.into_any(),
        Entry::Text(text) => view! { <li class="entry answer" data-testid="entry-answer">{text}</li> }.into_any(),
        Entry::Tool { name, detail } => view! {
            <li class="entry tool" data-testid="entry-tool"><strong>{name}</strong>" "<code>{detail}</code></li>
        }
        .into_any(),
        Entry::Done { success: true, duration_ms, .. } => view! {
            <li class="entry done" data-testid="entry-done">{format!("Done in {}.", seconds(duration_ms))}</li>
        }
        .into_any(),
        Entry::Done { text, .. } | Entry::Problem(text) => view! {
            <li class="entry problem" role="alert" data-testid="entry-problem">{text}</li>
        }
        .into_any(),
        Entry::Notice(text) => view! { <li class="entry notice" data-testid="entry-notice">{text}</li> }.into_any(),
        Entry::SignIn => view! { <InlineSignIn/> }.into_any(),
    }
}
