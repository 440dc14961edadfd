//! Reading `claude -p … --output-format stream-json --verbose`: one JSON
//! object a line. Pure: a line in, what the pane should see out. Lines this
//! does not know (tool results, hooks, newer kinds) are skipped, not errors.

use serde_json::Value;

use crate::protocol::session::needs_login;

/// What one line means to the pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    Init { session_id: String, model: String },
    Text(String),
    Tool { name: String, detail: String },
    Result(ResultLine),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultLine {
    pub is_error: bool,
    pub text: String,
    pub session_id: Option<String>,
    pub duration_ms: u64,
    pub login_required: bool,
}

/// Longest text forwarded in one event; the rest is cut with a note.
pub(crate) const MAX_TEXT: usize = 64 * 1024;
/// Longest one-line summary of a tool's input.
const MAX_DETAIL: usize = 200;

/// The events of one line of output (none for lines the pane does not show).
pub fn parse_line(line: &str) -> Vec<StreamEvent> {
    let Ok(value) = serde_json::from_str::<Value>(line.trim()) else {
        return Vec::new();
    };
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    match text_of("type") {
        "system" if text_of("subtype") == "init" => vec![StreamEvent::Init {
            session_id: text_of("session_id").to_owned(),
            model: text_of("model").to_owned(),
        }],
        // The CLI's own error, dressed as an assistant message: the result
        // line that follows says it once.
        "assistant" if value.get("is_api_error_message") == Some(&Value::Bool(true)) => Vec::new(),
        "assistant" => value
            .pointer("/message/content")
            .and_then(Value::as_array)
            .map(|parts| parts.iter().filter_map(content_event).collect())
            .unwrap_or_default(),
        "result" => {
            let is_error = value
                .get("is_error")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || text_of("subtype").starts_with("error");
            let text = match value.get("result").and_then(Value::as_str) {
                Some(text) => text.to_owned(),
                // Error results without text name their errors instead.
                None => value
                    .get("errors")
                    .and_then(Value::as_array)
                    .map(|errors| {
                        errors
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .filter(|joined| !joined.is_empty())
                    .unwrap_or_else(|| text_of("subtype").replace('_', " ")),
            };
            vec![StreamEvent::Result(ResultLine {
                is_error,
                login_required: needs_login(is_error, &text),
                text: cut(&text, MAX_TEXT),
                session_id: value
                    .get("session_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                duration_ms: value
                    .get("duration_ms")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            })]
        }
        _ => Vec::new(),
    }
}

fn content_event(part: &Value) -> Option<StreamEvent> {
    match part.get("type")?.as_str()? {
        "text" => {
            let text = part.get("text")?.as_str()?;
            (!text.is_empty()).then(|| StreamEvent::Text(cut(text, MAX_TEXT)))
        }
        "tool_use" => Some(StreamEvent::Tool {
            name: cut(part.get("name")?.as_str()?, 100),
            detail: tool_detail(part.get("input").unwrap_or(&Value::Null)),
        }),
        _ => None,
    }
}

/// The part of a tool's input a person recognises: the command, the file,
/// the pattern…; else the input itself, shortened.
fn tool_detail(input: &Value) -> String {
    const TELLING: [&str; 8] = [
        "command",
        "file_path",
        "notebook_path",
        "path",
        "pattern",
        "url",
        "query",
        "description",
    ];
    let shown = TELLING
        .iter()
        .find_map(|key| input.get(key).and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| match input {
            Value::Null => String::new(),
            other => other.to_string(),
        });
    let one_line = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&one_line, MAX_DETAIL)
}

/// `text` shortened to at most `max` bytes on a character boundary, with a
/// note when something was cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [cut: {} more bytes]", &text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_LOGGED_IN: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/claude-cli/v2.1.332/print-stream-json-not-logged-in.jsonl"
    ));

    #[test]
    fn the_real_not_logged_in_output_is_an_init_then_a_login_result() {
        let events: Vec<StreamEvent> = NOT_LOGGED_IN.lines().flat_map(parse_line).collect();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            events[0],
            StreamEvent::Init {
                session_id: "c9fbd41c-0e28-47c6-878d-ec245653f5a8".into(),
                model: "claude-opus-5-5".into()
            }
        );
        assert_eq!(
            events[1],
            StreamEvent::Result(ResultLine {
                is_error: true,
                text: "Not logged in · Please run /login".into(),
                session_id: Some("c9fbd41c-0e28-47c6-878d-ec245653f5a8".into()),
                duration_ms: 121,
                login_required: true,
            })
        );
    }

    #[test]
    fn assistant_text_and_tool_uses_come_out_in_order() {
        let line = r#"{"type":"assistant","message":{"content":[
            {"type":"thinking","thinking":"hmm"},
            {"type":"text","text":"Let me look."},
            {"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls  -la\nsrc","description":"List"}},
            {"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/p/src/main.rs"}},
            {"type":"tool_use","id":"t3","name":"Custom","input":{"n":1}}
        ]},"session_id":"s"}"#;
        assert_eq!(
            parse_line(line),
            vec![
                StreamEvent::Text("Let me look.".into()),
                StreamEvent::Tool {
                    name: "Bash".into(),
                    detail: "ls -la src".into()
                },
                StreamEvent::Tool {
                    name: "Read".into(),
                    detail: "/p/src/main.rs".into()
                },
                StreamEvent::Tool {
                    name: "Custom".into(),
                    detail: r#"{"n":1}"#.into()
                },
            ]
        );
    }

    fn only_result(line: &str) -> ResultLine {
        match parse_line(line).as_slice() {
            [StreamEvent::Result(result)] => result.clone(),
            other => panic!("not one result: {other:?}"),
        }
    }

    #[test]
    fn a_successful_answer_that_mentions_login_is_only_an_answer() {
        let line = r#"{"type":"result","subtype":"success","is_error":false,
            "result":"Not logged in · Please run /login","session_id":"s","duration_ms":5}"#;
        let result = only_result(line);
        assert!(!result.is_error && !result.login_required);
    }

    #[test]
    fn error_results_without_text_name_their_errors() {
        let line =
            r#"{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"s"}"#;
        let result = only_result(line);
        assert!(result.is_error);
        assert_eq!(result.text, "error max turns");
        let line =
            r#"{"type":"result","subtype":"error_during_execution","errors":["boom","bang"]}"#;
        let result = only_result(line);
        assert_eq!(result.text, "boom; bang");
        assert!(result.is_error && !result.login_required);
    }

    #[test]
    fn other_lines_are_skipped() {
        for line in [
            "",
            "not json",
            "[1,2]",
            r#"{"type":"user","message":{"content":[{"type":"tool_result","content":"x"}]}}"#,
            r#"{"type":"system","subtype":"hook_response"}"#,
            r#"{"type":"assistant","message":{"content":"not a list"}}"#,
        ] {
            assert_eq!(parse_line(line), vec![], "{line}");
        }
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_TEXT);
        let cut_text = cut(&long, MAX_TEXT);
        assert!(cut_text.len() < MAX_TEXT + 40);
        assert!(cut_text.ends_with("more bytes]"));
        assert_eq!(cut("short", 10), "short");
    }
}
