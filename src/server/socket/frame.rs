//! Reading one client frame: its size, JSON, event name and fields. Pure
//! (no socket, no state), so every byte a client can send is fuzzed here;
//! the key in it is checked by the connection.

use serde::de::DeserializeOwned;

use crate::protocol::{
    client_event, terminal::TerminalKey, ClientFrame, CodeData, ErrorReason, KeyData, KeyOnly,
    PromptData, ResumeData, ServerEvent, TypeData,
};

/// The sign-in events' limit: larger ones get a clear error. (The
/// transport refuses anything past 64 KiB before this is reached.)
pub const MAX_FRAME: usize = 16 * 1024;

/// What a frame asks for.
#[derive(Debug)]
pub enum Request {
    Hello,
    Start,
    Code(String),
    Retry,
    Cancel,
    Resume(String),
    /// Text for the CLI's live screen (checked by the flow).
    Type(String),
    Key(TerminalKey),
    Prompt(PromptData),
    SessionCancel,
}

/// A frame that was read: the key it carries and what it asks.
#[derive(Debug)]
pub struct Frame {
    pub key: String,
    pub request: Request,
}

/// Why a frame was not read: the answer, and whether it was meant for a
/// Claude session (a pane shows those as session errors).
#[derive(Debug)]
pub struct Unread {
    pub answer: ServerEvent,
    pub for_session: bool,
}

/// Reads `text`: size, JSON, event name, fields.
pub fn read(text: &str) -> Result<Frame, Unread> {
    let parsed = serde_json::from_str::<ClientFrame>(text);
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
    frame: Result<ClientFrame, serde_json::Error>,
) -> Result<Frame, ServerEvent> {
    // A prompt may be as large as its 8,000 characters need; the sign-in's
    // events are small.
    let is_prompt = frame
        .as_ref()
        .is_ok_and(|f| f.event == client_event::PROMPT);
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
    let (key, request) = match frame.event.as_str() {
        client_event::HELLO => (data::<KeyOnly>(&frame)?.key, Request::Hello),
        client_event::START => (data::<KeyOnly>(&frame)?.key, Request::Start),
        client_event::RETRY => (data::<KeyOnly>(&frame)?.key, Request::Retry),
        client_event::CANCEL => (data::<KeyOnly>(&frame)?.key, Request::Cancel),
        client_event::CODE => {
            let d = data::<CodeData>(&frame)?;
            (d.key, Request::Code(d.code))
        }
        client_event::RESUME => {
            let d = data::<ResumeData>(&frame)?;
            (d.key, Request::Resume(d.flow))
        }
        client_event::TYPE => {
            let d = data::<TypeData>(&frame)?;
            (d.key, Request::Type(d.text))
        }
        client_event::KEY => {
            let d = data::<KeyData>(&frame)?;
            (d.key, Request::Key(d.name))
        }
        client_event::PROMPT => {
            let d = data::<PromptData>(&frame)?;
            (d.key.clone(), Request::Prompt(d))
        }
        client_event::SESSION_CANCEL => (data::<KeyOnly>(&frame)?.key, Request::SessionCancel),
        other => {
            let shown: String = other.chars().take(64).collect();
            return Err(bad_request(format!("Unknown event \"{shown}\".")));
        }
    };
    Ok(Frame { key, request })
}

/// The frame's `data` as `T`, or a `bad_request` naming what is wrong.
fn data<T: DeserializeOwned>(frame: &ClientFrame) -> Result<T, ServerEvent> {
    serde_json::from_value(frame.data.clone()).map_err(|e| {
        bad_request(format!(
            "The data of \"{}\" is not right: {}.",
            frame.event.chars().take(64).collect::<String>(),
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

pub fn bad_request(message: impl Into<String>) -> ServerEvent {
    ServerEvent::error(ErrorReason::BadRequest, message, true)
}

#[cfg(test)]
mod tests;
