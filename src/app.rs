//! The app shell: the HTML document, the header and the routes.

use leptos::prelude::*;
use leptos_router::{
    components::{FlatRoutes, Route, Router},
    path, Lazy,
};

use crate::ui::{
    access::Access,
    credential_banner::CredentialBanner,
    header::Header,
    login::controller::LoginController,
    not_found::NotFound,
    routes::{ProjectRoute, ProjectsRoute},
    settings::SettingsPage,
    socket::Socket,
};

/// The HTML document the server renders around the app.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // Plain tags: every page has the same title and stylesheet,
                // and leptos_meta's head management cost 6.5 KB gzip of WASM.
                <title>"Dispatch"</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href="/pkg/dispatch.css"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub(crate) fn App() -> impl IntoView {
    let access = Access::provide();
    let socket = Socket::provide(access);
    LoginController::provide(access, socket);
    view! {
        <Router>
            <Header/>
            <main id="main">
                <CredentialBanner/>
                // Flat: no page nests in another, and the nested router's
                // code was 16.5 KB gzip of every first load (BENCHMARKS.md).
                <FlatRoutes fallback=NotFound>
                    // Their own WASM chunks: /settings loads without them.
                    <Route path=path!("/") view={Lazy::<ProjectsRoute>::new()}/>
                    <Route path=path!("/projects/:name") view={Lazy::<ProjectRoute>::new()}/>
                    <Route path=path!("/settings") view=SettingsPage/>
                </FlatRoutes>
            </main>
        </Router>
    }
}
