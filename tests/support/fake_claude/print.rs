//! `claude -p --output-format stream-json --verbose [--resume <id>]` with the
//! prompt on standard input (or as an argument),
//! as 2.1.332 writes it: one JSON object a line (init, assistant messages,
//! tool results, a result). Without a credential in its environment it
//! prints what the real CLI prints (tests/fixtures/claude-cli/v2.1.332/
//! print-stream-json-not-logged-in.jsonl) and exits 1.
//!
//! The prompt picks the script, by its first word:
//! - `tool …`: text, a Bash tool use and its result, more text.
//! - `hang …`: the init line, then nothing, ever.
//! - `crash …`: the init line, "boom" on standard error, exit 3.
//! - `error …`: an error result (`error_during_execution`).
//! - `flood …`: 3 MiB of text in 64 KiB messages.
//! - `mention …`: a successful answer whose text is the not-logged-in line.
//! - anything else: "You said: `<prompt>`", in two messages.
//!
//! A credential containing `revoked`, `expired` or `invalid` gets the CLI's
//! other sign-in errors. `FAKE_CLAUDE_PRINT_DELAY_MS` pauses before each
//! line; `FAKE_CLAUDE_LOG` receives one line per run: the prompt, the
//! resumed session, the folder and the names of the variables it was given.

use std::io::Write;

use serde_json::{json, Value};

fn line(value: Value) {
    let pause = std::env::var("FAKE_CLAUDE_PRINT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    std::thread::sleep(std::time::Duration::from_millis(pause));
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{value}");
    let _ = stdout.flush();
}

fn assistant(session: &str, content: Value) -> Value {
    json!({"type": "assistant", "message": {"role": "assistant", "type": "message",
        "model": "claude-opus-5-5", "content": content}, "parent_tool_use_id": null,
        "session_id": session})
}

fn result(session: &str, is_error: bool, subtype: &str, text: Option<&str>) -> Value {
    let mut value = json!({"type": "result", "subtype": subtype, "is_error": is_error,
        "duration_ms": 1234, "duration_api_ms": 1100, "num_turns": 1,
        "session_id": session, "total_cost_usd": 0.0123});
    if let Some(text) = text {
        value["result"] = json!(text);
    }
    value
}

/// The prompt: the first argument that is neither a flag nor a flag's
/// value (or anything after `--`), else standard input, as the real CLI.
fn prompt_of(args: &[String]) -> String {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--" => return rest.cloned().collect::<Vec<_>>().join(" "),
            "--output-format" | "--resume" | "--model" => {
                rest.next();
            }
            flag if flag.starts_with('-') => {}
            prompt => return prompt.to_owned(),
        }
    }
    let mut stdin = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut stdin);
    stdin
}

pub fn run(args: &[String]) {
    let prompt = prompt_of(args);
    // `--resume <id>` or `--resume=<id>`, as the real CLI (commander) takes it.
    let resume = args
        .iter()
        .find_map(|a| a.strip_prefix("--resume=").map(str::to_owned))
        .or_else(|| {
            args.iter()
                .position(|a| a == "--resume")
                .and_then(|i| args.get(i + 1))
                .cloned()
        });
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    if let Ok(log) = std::env::var("FAKE_CLAUDE_LOG") {
        let mut names: Vec<String> = std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| !k.starts_with("FAKE_CLAUDE_"))
            .collect();
        names.sort();
        let entry = json!({"prompt": prompt, "resume": resume, "cwd": cwd, "env": names});
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            // On a line of its own: a sign-in's typed bytes may precede it.
            let _ = writeln!(file, "\n{entry}");
        }
    }
    let session = resume.unwrap_or_else(|| "0b7c2a47-5f7e-4a52-9a57-3c1f0e6f2d11".to_owned());
    line(
        json!({"type": "system", "subtype": "init", "cwd": cwd, "session_id": session,
        "tools": ["Bash", "Edit", "Read"], "mcp_servers": [], "model": "claude-opus-5-5",
        "permissionMode": "default", "apiKeySource": "none", "claude_code_version": "2.1.332"}),
    );

    let credential = ["CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    let login_error = match credential.as_deref() {
        None => Some("Not logged in · Please run /login"),
        Some(c) if c.contains("revoked") => Some("OAuth token revoked · Please run /login"),
        Some(c) if c.contains("expired") => Some("Login expired · Please run /login"),
        Some(c) if c.contains("invalid") => Some("Invalid API key · Please run /login"),
        Some(_) => None,
    };
    if let Some(text) = login_error {
        // As the real CLI: a synthetic assistant message, then the result.
        let mut message = assistant(&session, json!([{"type": "text", "text": text}]));
        message["message"]["model"] = json!("<synthetic>");
        message["error"] = json!("authentication_failed");
        message["is_api_error_message"] = json!(true);
        line(message);
        let mut end = result(&session, true, "success", Some(text));
        end["duration_ms"] = json!(121);
        end["total_cost_usd"] = json!(0);
        end["terminal_reason"] = json!("api_error");
        line(end);
        std::process::exit(1);
    }

    let first_word = prompt.split_whitespace().next().unwrap_or_default();
    match first_word {
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        },
        "crash" => {
            eprintln!("boom");
            std::process::exit(3);
        }
        "error" => {
            line(result(&session, true, "error_during_execution", None));
            std::process::exit(1);
        }
        "flood" => {
            let chunk = "x".repeat(64 * 1024);
            for _ in 0..48 {
                line(assistant(
                    &session,
                    json!([{"type": "text", "text": chunk}]),
                ));
            }
            line(result(&session, false, "success", Some("flooded")));
        }
        "mention" => {
            let text = "Not logged in · Please run /login";
            line(assistant(&session, json!([{"type": "text", "text": text}])));
            line(result(&session, false, "success", Some(text)));
        }
        "tool" => {
            line(assistant(
                &session,
                json!([
                    {"type": "text", "text": "Let me look at the files."},
                    {"type": "tool_use", "id": "toolu_01", "name": "Bash",
                     "input": {"command": "ls -la", "description": "List the files"}}
                ]),
            ));
            line(
                json!({"type": "user", "message": {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "README.md"}]},
                "session_id": session}),
            );
            line(assistant(
                &session,
                json!([{"type": "text", "text": "There is a README."}]),
            ));
            line(result(
                &session,
                false,
                "success",
                Some("There is a README."),
            ));
        }
        _ => {
            line(assistant(
                &session,
                json!([{"type": "text", "text": "You said: "}]),
            ));
            line(assistant(
                &session,
                json!([{"type": "text", "text": prompt}]),
            ));
            let whole = format!("You said: {prompt}");
            line(result(&session, false, "success", Some(&whole)));
        }
    }
}
