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
