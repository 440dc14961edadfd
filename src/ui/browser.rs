//! The browser's side effects: where the access key is kept, and the REST calls.
//! Only compiled into the WASM.

use gloo_net::http::Request;
use web_sys::Storage;

use crate::protocol::{project::ProjectList, ClaudeStatus};

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
pub fn take_key_from_fragment() -> Option<String> {
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
pub fn stored_key() -> Option<String> {
    [session_storage(), local_storage()]
        .into_iter()
        .flatten()
        .find_map(|s| s.get_item(KEY_SLOT).ok().flatten())
        .filter(|k| !k.is_empty())
}

/// Keeps the key for this tab, and for the device too when `remember`.
pub fn store_key(key: &str, remember: bool) {
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
pub fn forget_key() {
    for s in [session_storage(), local_storage()].into_iter().flatten() {
        let _ = s.remove_item(KEY_SLOT);
    }
}

/// What asking for the status can end in.
pub enum StatusAnswer {
    Status(ClaudeStatus),
    WrongKey,
    Failed(String),
}

/// `GET /api/claude/auth` with the access key.
pub async fn fetch_status(key: &str) -> StatusAnswer {
    let sent = Request::get("/api/claude/auth")
        .header("Authorization", &format!("Bearer {key}"))
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return StatusAnswer::Failed(format!("The server did not answer ({e}).")),
    };
    match response.status() {
        200 => match response.json::<ClaudeStatus>().await {
            Ok(status) => StatusAnswer::Status(status),
            Err(e) => {
                StatusAnswer::Failed(format!("The server's answer was not understood ({e})."))
            }
        },
        401 => StatusAnswer::WrongKey,
        code => StatusAnswer::Failed(format!("The server answered with HTTP {code}.")),
    }
}

/// Marks the page as hydrated, so tests (and scripts) know clicks now reach the app.
pub fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// `DELETE /api/claude/auth`: the server's answer, or why there is none.
pub async fn logout(key: &str) -> Result<serde_json::Value, String> {
    let response = Request::delete("/api/claude/auth")
        .header("Authorization", &format!("Bearer {key}"))
        .send()
        .await
        .map_err(|e| format!("The server did not answer ({e})."))?;
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("The server's answer was not understood ({e})."))?;
    if response.ok() {
        Ok(body)
    } else {
        Err(body["error"]
            .as_str()
            .unwrap_or("Signing out failed.")
            .to_owned())
    }
}

/// `POST /api/claude/auth {"apiKey": …}`.
pub async fn store_api_key(key: &str, api_key: &str) -> Result<(), String> {
    let request = Request::post("/api/claude/auth")
        .header("Authorization", &format!("Bearer {key}"))
        .json(&serde_json::json!({ "apiKey": api_key }))
        .map_err(|e| e.to_string())?;
    let response = request
        .send()
        .await
        .map_err(|e| format!("The server did not answer ({e})."))?;
    if response.ok() {
        return Ok(());
    }
    Err(failure(response, "The API key was not accepted.").await)
}

/// Copies `text` to the clipboard; `false` when the browser refuses.
pub async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// The `error` sentence of a failed answer, or `fallback`.
async fn failure(response: gloo_net::http::Response, fallback: &str) -> String {
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    body["error"].as_str().unwrap_or(fallback).to_owned()
}

/// `GET /api/projects`.
pub async fn fetch_projects(key: &str) -> Result<ProjectList, String> {
    let response = Request::get("/api/projects")
        .header("Authorization", &format!("Bearer {key}"))
        .send()
        .await
        .map_err(|e| format!("The server did not answer ({e})."))?;
    if !response.ok() {
        return Err(failure(response, "The projects could not be listed.").await);
    }
    response
        .json::<ProjectList>()
        .await
        .map_err(|e| format!("The server's answer was not understood ({e})."))
}

/// `POST /api/projects {"name": …}`.
pub async fn create_project(key: &str, name: &str) -> Result<(), String> {
    let response = Request::post("/api/projects")
        .header("Authorization", &format!("Bearer {key}"))
        .json(&serde_json::json!({ "name": name }))
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("The server did not answer ({e})."))?;
    if response.ok() {
        Ok(())
    } else {
        Err(failure(response, "The project could not be created.").await)
    }
}
