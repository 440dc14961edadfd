//! Dispatch: sign the Claude Code CLI on a server into a Claude account from a browser.
//!
//! # Layout
//!
//! One crate, built twice: the server (`ssr`: axum, tokio, the PTY) and the
//! page (`hydrate`: Leptos compiled to WASM). They share only [`protocol`].
//!
//! - [`protocol`]: the wire's events both ways (`protocol::ClientEvent`,
//!   `protocol::ServerEvent`) and the rules both sides apply (a code's
//!   shape, what may be typed on the CLI's live screen).
//! - `app`: the HTML shell and the routes, rendered on the server and
//!   hydrated in the browser.
//! - `ui`: the pages and components; `ui::login` (the sign-in: a pure
//!   model and its controller) and `ui::pane` (a project's Claude pane)
//!   hold the logic, each with a pure state machine; `ui::socket` is the
//!   page's one websocket, which both use.
//!
//! Only what the binary, the tests and the benchmarks use is `pub`; the
//! rest is `pub(crate)`, so the compiler reports what nothing uses.
//! - `server` (`ssr` only): `config`, `state`, the router; `access` (key,
//!   limits, Origin and Host), `edge` (serve loop, TLS, proxies, stop),
//!   `http` (REST, site, headers), `socket` (one websocket connection), and
//!   `claude` (the CLI: PTY, screen reader, the flow's state machine and
//!   task, credentials, prompts).
//!
//! docs/architecture.md follows a sign-in through these, file by file.

pub(crate) mod app;
pub mod protocol;
pub(crate) mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser's entry point: hydrate the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous hydration: lazy routes hydrate once their WASM chunk has
    // arrived. `hydration::done` then lets the session change what the
    // server rendered.
    // (wasm-bindgen's own spawn: Leptos's executor starts inside.)
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let mounted = leptos::mount::hydrate_from_async(body, app::App).await;
        mounted.forget();
        ui::hydration::done();
    });
}
