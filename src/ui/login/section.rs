//! The Claude section of Settings: the status, and the login flow in
//! whichever state it is, one view per state.

use std::{
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use leptos::prelude::*;

use super::{
    controller::{Link, LoginController},
    model::{Phase, ShownError},
    outcome::{Failure, Success},
    prompt::LoginPrompt,
    steps::{CodeStep, Waiting},
};
use crate::{
    protocol::ClaudeStatus,
    ui::{
        claude_status::{ClaudeStatusPanel, StatusCard},
        session::{Session, StatusState},
    },
};

#[component]
pub fn ClaudeAuthSection() -> impl IntoView {
    let session = Session::expect();
    let login = LoginController::expect();
    let phase = Memo::new(move |_| login.model.with(|m| m.phase.clone()));
    let method = Signal::derive(move || match session.state.get() {
        StatusState::Ready(status) => status.method.map(|m| m.describe().to_owned()),
        _ => None,
    });
    // Whether the chunk of the later screens has arrived.
    let screens = RwSignal::new(false);
    let announcement = move || match phase.get() {
        Phase::Idle => "",
        Phase::Preparing => "Preparing authentication.",
        Phase::WaitingForCode => "The sign-in link is ready. Open it, then paste the code.",
        Phase::Validating => "Validating the authorization code.",
        Phase::Succeeded => "Claude AI connected successfully.",
        Phase::Failed => "Sign-in failed.",
    };
    view! {
        <p class="sr-only" aria-live="polite" data-testid="announcer">{announcement}</p>
        {move || {
            let in_flow = login.model.with(|m| m.in_flow());
            match (login.link.get(), in_flow) {
                (Link::Reconnecting(secs), true) => Some(view! {
                    <p class="notice" role="status">
                        {format!("Connection to the server lost; reconnecting in {secs} s…")}
                    </p>
                }),
                _ => None,
            }
        }}
        {move || login.model.with(|m| m.notice.clone()).map(|n| view! { <p class="notice" role="status">{n}</p> })}
        {move || match phase.get() {
            Phase::Idle => view! { <IdleView/> }.into_any(),
            Phase::Preparing => {
                // The next screens' chunk loads while the CLI starts.
                load_screens(screens);
                view! { <Waiting text="Preparing authentication…"/> }.into_any()
            }
            Phase::Validating => view! { <Waiting text="Validating authorization code…"/> }.into_any(),
            Phase::Failed if login.model.with(|m| m.error.is_none()) => {
                view! { <IdleView/> }.into_any()
            }
            phase => {
                load_screens(screens);
                // Only a failure's screen depends on the error: reading it
                // for the code step would rebuild it (and lose what was
                // typed) at every change of the model.
                let error = match phase {
                    Phase::Failed => login.model.with(|m| m.error.clone()),
                    _ => None,
                };
                // Once the chunk is in, the call completes at its first
                // poll, so the screen is built here, under this view's
                // owner (built inside a future, its signals were disposed
                // while the screen still showed).
                let screen = screens
                    .get()
                    .then(|| ready_now(flow_screen(phase, method, error)))
                    .flatten();
                screen.unwrap_or_else(|| view! { <Waiting text="Preparing authentication…"/> }.into_any())
            }
        }}
    }
}

/// The future's output if it is ready at its first poll.
fn ready_now<T>(future: impl Future<Output = T>) -> Option<T> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

/// Fetches the later screens' chunk once, then flips `loaded`.
fn load_screens(loaded: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    if !loaded.get_untracked() {
        leptos::task::spawn_local(async move {
            __preload_flow_screen().await;
            let _ = loaded.try_set(true);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = loaded;
}

/// The screens that follow the link's arrival (the code step, success,
/// failure), in a WASM chunk of their own: a first load only shows the
/// status and the prompt, so it does without them.
#[lazy]
fn flow_screen(phase: Phase, method: Signal<Option<String>>, error: Option<ShownError>) -> AnyView {
    match (phase, error) {
        (Phase::WaitingForCode, _) => view! { <CodeStep/> }.into_any(),
        (Phase::Succeeded, _) => view! { <Success method/> }.into_any(),
        (Phase::Failed, Some(error)) => view! { <Failure error/> }.into_any(),
        _ => ().into_any(),
    }
}

/// No flow: the status, then either the way out (logout) or the way in.
#[component]
fn IdleView() -> impl IntoView {
    let session = Session::expect();
    move || match session.state.get() {
        StatusState::Ready(status) => view! { <ReadyView status/> }.into_any(),
        _ => view! { <ClaudeStatusPanel/> }.into_any(),
    }
}

#[component]
fn ReadyView(status: ClaudeStatus) -> impl IntoView {
    let problem = if !status.enabled {
        Some("Claude login is turned off on this server (CLAUDE_AUTH_ENABLED=false).".to_owned())
    } else if !status.cli.found {
        Some(
            status
                .cli
                .problem
                .clone()
                .unwrap_or_else(|| "The Claude CLI was not found on the server.".into()),
        )
    } else {
        None
    };
    let authenticated = status.authenticated;
    view! {
        <StatusCard status/>
        {match (problem, authenticated) {
            (Some(problem), false) => view! { <ConfigurationProblem problem/> }.into_any(),
            (_, true) => view! { <LogoutButton/> }.into_any(),
            (None, false) => view! { <LoginPrompt/> }.into_any(),
        }}
    }
}

#[component]
fn ConfigurationProblem(problem: String) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="config-title">
            <h2 id="config-title">"Server configuration problem"</h2>
            <p class="error" role="alert" data-testid="config-error">{problem}</p>
            <p class="hint">
                "Ask the administrator of this Dispatch server to fix this; signing in stays off until then."
            </p>
            <button class="btn-primary" disabled=true>
                "Login with Claude"
            </button>
        </section>
    }
}

#[component]
fn LogoutButton() -> impl IntoView {
    let session = Session::expect();
    let (note, set_note) = signal(None::<String>);
    let logout = move |_| {
        let Some(key) = session.key() else { return };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::ui::rest::logout(key).await {
                Ok(note) => {
                    set_note.set(note);
                    session.refresh();
                }
                Err(why) => set_note.set(Some(why)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, set_note);
    };
    view! {
        <section class="card">
            {move || note.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <button class="btn-secondary" on:click=logout>
                "Log out of Claude"
            </button>
        </section>
    }
}
