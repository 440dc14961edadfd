//! Settings' cards for whoever holds the key: the CLI's own view of its
//! sign-in and the recent activity. They show only once the key is
//! accepted, so their code is a WASM chunk of its own, fetched then: the
//! first load of a page does without it.

use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};

use super::{
    chunk::{ready_now, NOT_LOADED},
    credential_activity::RecentActivity,
    sign_in_check::SignInCheck,
};

#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Chunk {
    Loading,
    Ready,
    Failed,
}

#[component]
pub(crate) fn OwnerCards() -> impl IntoView {
    let chunk = RwSignal::new(Chunk::Loading);
    let fetch = move || {
        chunk.set(Chunk::Loading);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let fetched = match load_owner_cards().await {
                Ok(()) => Chunk::Ready,
                Err(_) => Chunk::Failed,
            };
            let _ = chunk.try_set(fetched);
        });
    };
    // Effects run only in the browser: the server renders none of this.
    Effect::new(move |_| fetch());
    move || match chunk.get() {
        Chunk::Loading => ().into_any(),
        Chunk::Ready => match ready_now(owner_cards()) {
            Some(Ok(cards)) => cards,
            _ => not_loaded(fetch),
        },
        Chunk::Failed => not_loaded(fetch),
    }
}

fn not_loaded(fetch: impl Fn() + Send + Sync + 'static) -> AnyView {
    view! {
        <section class="card">
            <p class="error" role="alert">{NOT_LOADED}</p>
            <button class="btn-secondary" on:click=move |_| fetch()>
                "Try again"
            </button>
        </section>
    }
    .into_any()
}

/// The split point: the cards and all they alone use are in its chunk.
#[wasm_split(
    owner_cards,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(#[allow(dead_code)] load_owner_cards)
)]
fn owner_cards() -> Result<AnyView, SplitLoaderError> {
    Ok(view! {
        <SignInCheck/>
        <RecentActivity/>
    }
    .into_any())
}
