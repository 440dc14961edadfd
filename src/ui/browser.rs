//! The browser's side effects: where the access key is kept, the address
//! bar, the clipboard. The REST calls are in `rest`.
//! Only compiled into the WASM.

use web_sys::Storage;

/// Storage slot of the access key. The tab keeps it in `sessionStorage`; the
/// device keeps it in `localStorage` only when the person asks to.
const KEY_SLOT: &str = "dispatch.accessKey";
const FRAGMENT_PREFIX: &str = "#key=";

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Takes the key out of a `#key=…` fragment and removes the fragment from the
/// address bar and history, so the key is not left on screen or bookmarked.
pub(crate) fn take_key_from_fragment() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let encoded = hash.strip_prefix(FRAGMENT_PREFIX)?;
    // A link pasted through a chat client may arrive percent-encoded.
    let key: String = js_sys::decode_uri_component(encoded)
        .map(String::from)
        .unwrap_or_else(|_| encoded.to_owned());
    if let Ok(history) = window.history() {
        let location = window.location();
        let clean = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
    (!key.trim().is_empty()).then(|| key.trim().to_owned())
}

/// The key this tab or this device already holds.
pub(crate) fn stored_key() -> Option<String> {
    [session_storage(), local_storage()]
        .into_iter()
        .flatten()
        .find_map(|s| s.get_item(KEY_SLOT).ok().flatten())
        .filter(|k| !k.is_empty())
}

/// Keeps the key for this tab, and for the device too when `remember`.
pub(crate) fn store_key(key: &str, remember: bool) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(KEY_SLOT, key);
    }
    if let Some(s) = local_storage() {
        let _ = if remember {
            s.set_item(KEY_SLOT, key)
        } else {
            s.remove_item(KEY_SLOT)
        };
    }
}

/// Forgets the key everywhere (it was wrong, or the person signed out).
pub(crate) fn forget_key() {
    for s in [session_storage(), local_storage()].into_iter().flatten() {
        let _ = s.remove_item(KEY_SLOT);
    }
}

/// Marks the page as hydrated, so tests (and scripts) know clicks now reach the app.
pub(crate) fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// Copies `text` to the clipboard; `false` when the browser refuses.
pub(crate) async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
