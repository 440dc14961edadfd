//! The routes whose code the first load of another page does not need: each
//! is its own WASM chunk (`cargo leptos build --split`), fetched when the
//! route is first shown, or preloaded with a page that renders it.
//!
//! Written out instead of `#[lazy_route]`: that macro's split point panics
//! when its chunk cannot be fetched, and the panic stops the whole page.
//! These split points are `fallible` (`ui::chunk`): a page reached by a
//! link says so and offers to reload (a later visit fetches again), and a
//! page being hydrated fetches again until its chunk comes.

use std::future::Future;

use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};
use leptos_router::LazyRoute;

#[cfg(feature = "hydrate")]
use super::backoff::until_ok;
use super::{
    chunk::NOT_LOADED,
    projects::{ProjectPage, ProjectsPage},
};

/// A page in a WASM chunk of its own: `$route` is what the router is given,
/// `$split` the fallible split point that builds `$page`, `$load` fetches
/// its chunk.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $page:ident, $split:ident, $load:ident) => {
        $(#[$doc])*
        pub(crate) struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                // The server names the chunk in the page it renders, so the
                // browser fetches it alongside the main module (as
                // `#[lazy_route]` does).
                #[cfg(feature = "ssr")]
                leptos::prefetch_lazy_fn_on_server(stringify!($split));
                shown($split).await
            }

            async fn preload() {
                // A failed preload is told when the view asks for the chunk again.
                let _ = $load().await;
            }
        }

        #[wasm_split($split, wasm_split_path = ::leptos::wasm_split, fallible, preload($load))]
        fn $split() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <$page/> }.into_any())
        }
    };
}

lazy_page!(
    /// `/`: the Projects page.
    ProjectsRoute,
    ProjectsPage,
    projects_page,
    load_projects_page
);

lazy_page!(
    /// `/projects/:name`: a project and its Claude pane.
    ProjectRoute,
    ProjectPage,
    project_page,
    load_project_page
);

/// The page its chunk builds; in its place, why it could not be loaded.
///
/// Except while the page is being hydrated: the server's HTML for it is on
/// screen, and only the chunk's code can take that over (anything else fails
/// to hydrate, and that panic would stop the WASM). So the chunk is fetched
/// again with backoff until it comes; the page stays readable meanwhile.
async fn shown<F>(page: impl Fn() -> F) -> AnyView
where
    F: Future<Output = Result<AnyView, SplitLoaderError>>,
{
    #[cfg(feature = "hydrate")]
    if Owner::current_shared_context().is_some_and(|context| context.during_hydration()) {
        return until_ok(page, |_| ()).await;
    }
    page().await.unwrap_or_else(|_| not_loaded())
}

/// In place of a page whose code could not be fetched. Reloading asks the
/// server for the whole page again, which also fetches its code again.
fn not_loaded() -> AnyView {
    view! {
        <section class="card">
            <p class="error" role="alert">{NOT_LOADED}</p>
            <button class="btn-primary" on:click=|_| reload()>
                "Try again"
            </button>
        </section>
    }
    .into_any()
}

fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
