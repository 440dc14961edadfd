//! The routes whose code the first load of another page does not need: each
//! is its own WASM chunk (`cargo leptos build --split`), fetched when the
//! route is first shown, or preloaded with a page that renders it.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::projects::{ProjectPage, ProjectsPage};

/// `/`: the Projects page.
pub struct ProjectsRoute;

#[lazy_route]
impl LazyRoute for ProjectsRoute {
    fn data() -> Self {
        ProjectsRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ProjectsPage/> }.into_any()
    }
}

/// `/projects/:name`: a project and its Claude pane.
pub struct ProjectRoute;

#[lazy_route]
impl LazyRoute for ProjectRoute {
    fn data() -> Self {
        ProjectRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ProjectPage/> }.into_any()
    }
}
