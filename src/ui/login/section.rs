//! The Claude section of Settings: the status, and the login flow in
//! whichever state it is, one view per state.

use leptos::prelude::*;

use super::{
    controller::LoginController, model::Phase, prompt::LoginPrompt, screens::LaterScreens,
    steps::Waiting,
};
use crate::{
    protocol::{ClaudeStatus, CredentialState},
    ui::{
        access::{Access, StatusState},
        claude_status::{ClaudeStatusPanel, StatusCard},
        socket::{Link, Socket},
    },
};

#[component]
pub(crate) fn ClaudeAuthSection() -> impl IntoView {
    let access = Access::expect();
    let login = LoginController::expect();
    let socket = Socket::expect();
    let phase = Memo::new(move |_| login.model.with(|m| m.phase.clone()));
    let method = Signal::derive(move || match access.state.get() {
        StatusState::Ready(status) => status.method.map(|m| m.describe().to_owned()),
        _ => None,
    });
    let screens = LaterScreens::new();
    // The login prompt fetches them ahead of a tap.
    provide_context(screens);
    let announcement = move || match phase.get() {
        Phase::Idle => "",
        Phase::Preparing => "Preparing authentication.",
        Phase::WaitingForCode => "The sign-in link is ready. Open it, then paste the code.",
        Phase::Validating => "Validating the authorization code.",
        Phase::LiveScreen => "The Claude CLI is asking something: its screen is shown below.",
        Phase::Succeeded => "Claude AI connected successfully.",
        Phase::Failed => "Sign-in failed.",
    };
    view! {
        <p class="sr-only" aria-live="polite" data-testid="announcer">{announcement}</p>
        {move || {
            let in_flow = login.model.with(|m| m.in_flow());
            match (socket.link.get(), in_flow) {
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
                // The later screens' chunk loads while the CLI starts.
                screens.fetch();
                view! { <Waiting text="Preparing authentication…"/> }.into_any()
            }
            Phase::Validating => view! { <Waiting text="Validating authorization code…"/> }.into_any(),
            // Only a failure's screen reads the error: reading it for the
            // code step would rebuild that step (and lose what was typed) at
            // every change of the model.
            Phase::Failed => match login.model.with(|m| m.error.clone()) {
                Some(error) => screens.view(Phase::Failed, method, Some(error)),
                None => view! { <IdleView/> }.into_any(),
            },
            phase => screens.view(phase, method, None),
        }}
    }
}

/// No flow: the status, then either the way out (logout) or the way in.
#[component]
fn IdleView() -> impl IntoView {
    let access = Access::expect();
    move || match access.state.get() {
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
    // Dispatch's own sign-in expires soon, or no longer works: offer a new
    // one even while Claude is signed in some other way.
    let renew = status
        .credential
        .as_ref()
        .is_some_and(|stored| stored.state != CredentialState::Ok);
    view! {
        <StatusCard status/>
        {match (problem, authenticated) {
            (Some(problem), false) => view! { <ConfigurationProblem problem/> }.into_any(),
            (None, true) if renew => view! {
                <LoginPrompt renew=true/>
                <LogoutButton/>
            }
            .into_any(),
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
    let access = Access::expect();
    let (note, set_note) = signal(None::<String>);
    let logout = move |_| {
        let Some(key) = access.key() else { return };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::ui::rest::logout(key).await {
                Ok(note) => {
                    set_note.set(note);
                    access.refresh();
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
