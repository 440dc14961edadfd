//! Dispatch: sign the Claude Code CLI on a server into a Claude account from a browser.

pub mod app;
pub mod protocol;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser's entry point: hydrate the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
