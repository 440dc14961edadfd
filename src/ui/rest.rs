//! The REST calls the page makes, on the browser's own `fetch` and JSON.
//! Only compiled into the WASM.
//!
//! The browser parses and prints the JSON (`Response.json()`,
//! `JSON.stringify`) and serde-wasm-bindgen reads it into the protocol's
//! types: the WASM carries no JSON parser of its own, which keeps the first
//! load small (BENCHMARKS.md).

use leptos::wasm_split::{wasm_split, SplitLoaderError};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use super::chunk::{Task, NOT_LOADED};
use crate::protocol::{
    project::{NewProject, ProjectList},
    rest::{ActivityAnswer, ApiKeyBody, AuthCheck, LogoutAnswer},
    ApiError, ClaudeStatus,
};

/// One answer: its HTTP status and its JSON body (`undefined` when it had none).
struct Answer {
    status: u16,
    body: JsValue,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body read as `T`.
    fn read<T: DeserializeOwned>(self) -> Result<T, String> {
        serde_wasm_bindgen::from_value(self.body)
            .map_err(|e| format!("The server's answer was not understood ({e})."))
    }

    /// The server's sentence for a failure, or `fallback`.
    fn failure(self, fallback: &str) -> String {
        serde_wasm_bindgen::from_value::<ApiError>(self.body)
            .map(|e| e.error)
            .unwrap_or_else(|_| fallback.to_owned())
    }
}

/// The sentence a JavaScript error carries (`fetch` rejects with a `TypeError`).
fn js_message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "no answer".to_owned())
}

/// `method path` with the access key, and `body` as JSON if there is one.
async fn call(
    method: &str,
    path: &str,
    key: &str,
    body: Option<&impl Serialize>,
) -> Result<Answer, String> {
    let not_sent = |e: JsValue| format!("The request could not be sent ({}).", js_message(&e));
    let window = web_sys::window().ok_or("There is no browser window.")?;
    let headers = Headers::new().map_err(not_sent)?;
    headers
        .set("Authorization", &format!("Bearer {key}"))
        .map_err(not_sent)?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let value = serde_wasm_bindgen::to_value(body).map_err(|e| e.to_string())?;
        let text = js_sys::JSON::stringify(&value).map_err(not_sent)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(not_sent)?;
        init.set_body(&text.into());
    }
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(|e| format!("The server did not answer ({}).", js_message(&e)))?;
    // A body that is not JSON (a proxy's error page) reads as `undefined`.
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
        Err(_) => JsValue::UNDEFINED,
    };
    Ok(Answer {
        status: response.status(),
        body,
    })
}

/// No body to send.
const NO_BODY: Option<&()> = None;

/// What asking for the status can end in.
pub(crate) enum StatusAnswer {
    Status(ClaudeStatus),
    WrongKey,
    Failed(String),
}

/// `GET /api/claude/auth` with the access key.
pub(crate) async fn fetch_status(key: &str) -> StatusAnswer {
    match call("GET", "/api/claude/auth", key, NO_BODY).await {
        Err(why) => StatusAnswer::Failed(why),
        Ok(answer) => match answer.status {
            200 => match answer.read() {
                Ok(status) => StatusAnswer::Status(status),
                Err(why) => StatusAnswer::Failed(why),
            },
            401 => StatusAnswer::WrongKey,
            code => StatusAnswer::Failed(format!("The server answered with HTTP {code}.")),
        },
    }
}

/// `DELETE /api/claude/auth`: what the server could not remove, if anything.
pub(crate) async fn logout(key: String) -> Result<Option<String>, String> {
    match logout_in_chunk(key).await {
        Ok(call) => call.await,
        Err(_) => Err(NOT_LOADED.to_owned()),
    }
}

/// `POST /api/claude/auth {"apiKey": …}`.
pub(crate) async fn store_api_key(key: String, api_key: String) -> Result<(), String> {
    match store_api_key_in_chunk(key, api_key).await {
        Ok(call) => call.await,
        Err(_) => Err(NOT_LOADED.to_owned()),
    }
}

/// `POST /api/claude/auth/check`: what the CLI itself sees.
pub(crate) async fn check_sign_in(key: String) -> Result<AuthCheck, String> {
    match check_sign_in_in_chunk(key).await {
        Ok(call) => call.await,
        Err(_) => Err(NOT_LOADED.to_owned()),
    }
}

/// `GET /api/claude/activity`.
pub(crate) async fn fetch_activity(key: &str) -> Result<ActivityAnswer, String> {
    let answer = call("GET", "/api/claude/activity", key, NO_BODY).await?;
    if !answer.ok() {
        return Err(answer.failure("The recent activity could not be read."));
    }
    answer.read()
}

// The calls only a click makes: one chunk for them all.

#[wasm_split(rest_actions, wasm_split_path = ::leptos::wasm_split, fallible)]
fn logout_in_chunk(key: String) -> Result<Task<Result<Option<String>, String>>, SplitLoaderError> {
    Ok(Box::pin(async move {
        let answer = call("DELETE", "/api/claude/auth", &key, NO_BODY).await?;
        if !answer.ok() {
            return Err(answer.failure("Signing out failed."));
        }
        answer.read::<LogoutAnswer>().map(|a| a.note)
    }))
}

#[wasm_split(rest_actions, wasm_split_path = ::leptos::wasm_split, fallible)]
fn store_api_key_in_chunk(
    key: String,
    api_key: String,
) -> Result<Task<Result<(), String>>, SplitLoaderError> {
    Ok(Box::pin(async move {
        let body = ApiKeyBody { api_key };
        let answer = call("POST", "/api/claude/auth", &key, Some(&body)).await?;
        if answer.ok() {
            Ok(())
        } else {
            Err(answer.failure("The API key was not accepted."))
        }
    }))
}

#[wasm_split(rest_actions, wasm_split_path = ::leptos::wasm_split, fallible)]
fn check_sign_in_in_chunk(
    key: String,
) -> Result<Task<Result<AuthCheck, String>>, SplitLoaderError> {
    Ok(Box::pin(async move {
        let answer = call("POST", "/api/claude/auth/check", &key, NO_BODY).await?;
        if !answer.ok() {
            return Err(answer.failure("The sign-in could not be checked."));
        }
        answer.read()
    }))
}

/// `GET /api/projects`.
pub(crate) async fn fetch_projects(key: &str) -> Result<ProjectList, String> {
    let answer = call("GET", "/api/projects", key, NO_BODY).await?;
    if !answer.ok() {
        return Err(answer.failure("The projects could not be listed."));
    }
    answer.read()
}

/// `POST /api/projects {"name": …}`.
pub(crate) async fn create_project(key: &str, name: &str) -> Result<(), String> {
    let body = NewProject {
        name: name.to_owned(),
    };
    let answer = call("POST", "/api/projects", key, Some(&body)).await?;
    if answer.ok() {
        Ok(())
    } else {
        Err(answer.failure("The project could not be created."))
    }
}
