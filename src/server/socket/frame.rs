//! Reading one client frame: its size, JSON, event name and fields. Pure
//! (no socket, no state), so every byte a client can send is fuzzed here;
//! the key in it is checked by the connection.

use serde::Deserialize;

use crate::protocol::{ClientEvent, ErrorReason, ServerEvent};

/// The sign-in events' limit: larger ones get a clear error. (The
/// transport refuses anything past 64 KiB before this is reached.)
pub(crate) const MAX_FRAME: usize = 16 * 1024;

/// A frame as it arrives: its event's name, and its data, read further
/// once the name is known.
#[derive(Deserialize)]
struct Raw {
    event: String,
    #[serde(default)]
    data: serde_json::Value,
}

/// Why a frame was not read: the answer, and whether it was meant for a
/// Claude session (a pane shows those as session errors).
#[derive(Debug)]
pub(crate) struct Unread {
    pub answer: ServerEvent,
    pub for_session: bool,
}

/// Reads `text`: size, JSON, event name, fields.
pub(crate) fn read(text: &str) -> Result<ClientEvent, Unread> {
    let parsed = serde_json::from_str::<Raw>(text);
    let for_session = parsed
        .as_ref()
        .is_ok_and(|f| f.event.starts_with("claude.session."));
    read_parsed(text.len(), parsed).map_err(|answer| Unread {
        answer,
        for_session,
    })
}

fn read_parsed(
    len: usize,
    frame: Result<Raw, serde_json::Error>,
) -> Result<ClientEvent, ServerEvent> {
    // A prompt may be as large as its 8,000 characters need; the sign-in's
    // events are small.
    let is_prompt = frame
        .as_ref()
        .is_ok_and(|f| f.event == "claude.session.prompt");
    if len > MAX_FRAME && !is_prompt {
        return Err(bad_request(format!(
            "That message is {len} bytes; messages are limited to {MAX_FRAME} bytes."
        )));
    }
    let frame = frame.map_err(|e| {
        bad_request(format!(
            "That message is not a frame Dispatch understands: expected JSON {{\"event\": \"…\", \"data\": {{…}}}} ({}).",
            shortened(&e.to_string())
        ))
    })?;
    if !ClientEvent::NAMES.contains(&frame.event.as_str()) {
        let shown: String = frame.event.chars().take(64).collect();
        return Err(bad_request(format!("Unknown event \"{shown}\".")));
    }
    let name: String = frame.event.chars().take(64).collect();
    serde_json::from_value(serde_json::json!({
        "event": frame.event,
        "data": frame.data,
    }))
    .map_err(|e| {
        bad_request(format!(
            "The data of \"{name}\" is not right: {}.",
            shortened(&e.to_string())
        ))
    })
}

/// A parser's message as an answer quotes it: serde quotes the value it
/// refused, which may be the client's whole 16 KiB.
fn shortened(message: &str) -> String {
    const SHOWN: usize = 160;
    if message.chars().count() <= SHOWN {
        return message.to_owned();
    }
    let mut short: String = message.chars().take(SHOWN).collect();
    short.push('…');
    short
}

pub(crate) fn bad_request(message: impl Into<String>) -> ServerEvent {
    ServerEvent::error(ErrorReason::BadRequest, message, true)
}

#[cfg(test)]
mod tests;
