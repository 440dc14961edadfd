//! The sign-in's later screens (the code step, the CLI's live screen,
//! success, failure) live in a WASM chunk of their own: a first load only
//! shows the status and the prompt, so it does without them. The chunk is
//! fetched once the login prompt is on screen (ahead of a tap), or when a
//! flow starts.

use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};

use super::{
    controller::LoginController,
    live::LiveScreenStep,
    model::{Phase, ShownError},
    outcome::{Failure, Success},
    steps::{CodeStep, Waiting},
};
use crate::ui::chunk::{ready_now, NOT_LOADED};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only the browser fetches: the server renders no flow.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Fetch {
    NotAsked,
    Loading,
    Ready,
    /// The last fetch failed; the person can ask again.
    Failed,
}

/// Where the chunk stands, for one login section.
#[derive(Clone, Copy)]
pub(crate) struct LaterScreens(RwSignal<Fetch>);

impl LaterScreens {
    pub(crate) fn new() -> Self {
        Self(RwSignal::new(Fetch::NotAsked))
    }

    /// Starts fetching the chunk unless it is in or on its way. Safe inside
    /// a view's closure: the change it makes is announced when the fetch ends.
    pub(crate) fn fetch(self) {
        if self.0.get_untracked() != Fetch::NotAsked {
            return;
        }
        self.0.update_untracked(|f| *f = Fetch::Loading);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let done = match load_later_screens().await {
                Ok(()) => Fetch::Ready,
                Err(_) => Fetch::Failed,
            };
            let _ = self.0.try_set(done);
        });
    }

    /// The screen for `phase`; a wait while the chunk comes, or why it did not.
    pub(crate) fn view(
        self,
        phase: Phase,
        method: Signal<Option<String>>,
        error: Option<ShownError>,
    ) -> AnyView {
        self.fetch();
        match self.0.get() {
            // Once the chunk is in, the call completes at its first poll, so
            // the screen is built here, under the caller's owner. (Built
            // inside a future, as a `Suspend` does, its signals were disposed
            // while it still showed.)
            Fetch::Ready => match ready_now(later_screen(phase, method, error)) {
                Some(Ok(view)) => view,
                _ => self.unavailable(),
            },
            Fetch::Failed => self.unavailable(),
            Fetch::NotAsked | Fetch::Loading => {
                view! { <Waiting text="Preparing authentication…"/> }.into_any()
            }
        }
    }

    fn unavailable(self) -> AnyView {
        let login = LoginController::expect();
        view! {
            <section class="card">
                <p class="error" role="alert" data-testid="auth-error">{NOT_LOADED}</p>
                <div class="row">
                    <button class="btn-primary" on:click=move |_| self.0.set(Fetch::NotAsked)>
                        "Try again"
                    </button>
                    <button class="btn-secondary" on:click=move |_| login.cancel()>
                        "Cancel"
                    </button>
                </div>
            </section>
        }
        .into_any()
    }
}

/// The split point: the screens and all they alone use are in its chunk.
#[wasm_split(
    later_screens,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(#[allow(dead_code)] load_later_screens)
)]
fn later_screen(
    phase: Phase,
    method: Signal<Option<String>>,
    error: Option<ShownError>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(match (phase, error) {
        (Phase::WaitingForCode, _) => view! { <CodeStep/> }.into_any(),
        (Phase::LiveScreen, _) => view! { <LiveScreenStep/> }.into_any(),
        (Phase::Succeeded, _) => view! { <Success method/> }.into_any(),
        (Phase::Failed, Some(error)) => view! { <Failure error/> }.into_any(),
        _ => ().into_any(),
    })
}
