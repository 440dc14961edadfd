//! Claude sessions over the wire: projects, prompts streamed back as
//! `claude.session.*`, the sign-in a "Please run /login" result starts, and
//! the bounds (one prompt per pane, a server-wide cap, a timeout, an output
//! cap, nothing outliving its connection). Against the real binary, with
//! the fake CLI's `-p` mode; one test holds the fake to the real CLI.
#![cfg(feature = "ssr")]

mod support;

use std::{path::PathBuf, process::Command, time::Duration};

use serde_json::{json, Value};
use support::{
    get, post_json,
    ws::{recv, send, Ws},
    Server, TEST_KEY,
};

/// A server whose `claude` is the fake (through a script, so its own
/// settings survive the clean environment prompts run in).
struct Setup {
    server: Server,
    tmp: tempfile::TempDir,
}

const API_KEY: &str = "sk-ant-api03-sessiontest0123456789abcdefghijklmnopqrstuvwxyz";

impl Setup {
    fn start(extra: &[(&str, &str)]) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let path = |name: &str| tmp.path().join(name).display().to_string();
        let cli = support::fake_cli(
            tmp.path(),
            "claude",
            &[
                ("FAKE_CLAUDE_LOG", &path("runs.jsonl")),
                ("FAKE_CLAUDE_SCENARIO", "success"),
            ],
        );
        let (creds, key, projects) = (
            path("credentials"),
            path("key/credentials.key"),
            path("projects"),
        );
        let mut env: Vec<(&str, &str)> = vec![
            ("DISPATCH_KEY", TEST_KEY),
            ("CLAUDE_CLI", cli.to_str().unwrap()),
            ("CLAUDE_CREDENTIALS_PATH", &creds),
            ("DISPATCH_CREDENTIALS_KEY_FILE", &key),
            ("DISPATCH_PROJECTS_ROOT", &projects),
            ("HOME", tmp.path().to_str().unwrap()),
            // Something secret-looking the prompts must not see.
            ("DISPATCH_SECRET_SAMPLE", "do-not-pass"),
        ];
        env.extend_from_slice(extra);
        let server = Server::start(&env);
        let setup = Setup { server, tmp };
        setup.create_project("web");
        setup
    }

    fn create_project(&self, name: &str) -> support::Answer {
        post_json(
            &self.server.url("/api/projects"),
            TEST_KEY,
            &json!({ "name": name }).to_string(),
        )
    }

    fn store_api_key(&self, key: &str) {
        let answer = post_json(
            &self.server.url("/api/claude/auth"),
            TEST_KEY,
            &json!({ "apiKey": key }).to_string(),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    async fn connect(&self) -> Ws {
        let url = self.server.base_url.replacen("http://", "ws://", 1) + "/ws";
        support::ws::connect(&url, None).await.unwrap()
    }

    /// Every run the fake logged: prompt, resumed session, folder, variables.
    fn runs(&self) -> Vec<Value> {
        std::fs::read_to_string(self.tmp.path().join("runs.jsonl"))
            .unwrap_or_default()
            .lines()
            // The same log holds what a sign-in typed: only runs are JSON.
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|run| run.get("prompt").is_some())
            .collect()
    }

    fn children(&self) -> usize {
        support::children_of(self.server.pid()).len()
    }

    /// Waits until the server runs no child process, at most `within`.
    async fn no_children_within(&self, within: Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if self.children() == 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

async fn prompt(ws: &mut Ws, text: &str, session: Option<&str>) {
    let mut data = json!({"key": TEST_KEY, "project": "web", "prompt": text});
    if let Some(session) = session {
        data["sessionId"] = json!(session);
    }
    send(ws, "claude.session.prompt", data).await;
}

/// Session frames up to and including the run's last one (a result or an
/// error); auth frames are skipped.
async fn run_frames(ws: &mut Ws) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = recv(ws).await;
        let event = frame["event"].as_str().unwrap_or_default().to_owned();
        if !event.starts_with("claude.session.") {
            continue;
        }
        frames.push(frame);
        if event == "claude.session.result" || event == "claude.session.error" {
            return frames;
        }
    }
}

fn events(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .map(|f| f["event"].as_str().unwrap())
        .collect()
}

async fn session_error(ws: &mut Ws) -> Value {
    let frames = run_frames(ws).await;
    let last = frames.last().unwrap();
    assert_eq!(last["event"], "claude.session.error", "{frames:?}");
    last["data"].clone()
}

#[tokio::test]
async fn projects_are_listed_created_and_kept_inside_the_root() {
    let setup = Setup::start(&[]);
    let url = setup.server.url("/api/projects");
    let list = get(&url, Some(TEST_KEY)).json();
    assert_eq!(list["projects"], json!(["web"]));
    assert!(list["root"].as_str().unwrap().ends_with("/projects"));
    assert_eq!(get(&url, None).status, 401);

    assert_eq!(setup.create_project("api").status, 201);
    let again = setup.create_project("api");
    assert_eq!(again.status, 409);
    assert!(again.json()["error"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    for bad in ["../escape", "..", ".hidden", "a/b", "", "-rf"] {
        let refused = setup.create_project(bad);
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
        assert_eq!(refused.json()["reason"], "bad_request");
    }
    assert!(!setup.tmp.path().join("escape").exists());
    let list = get(&url, Some(TEST_KEY)).json();
    assert_eq!(list["projects"], json!(["api", "web"]));
}

#[tokio::test]
async fn a_prompt_streams_back_in_its_project_with_the_stored_credential_only() {
    let setup = Setup::start(&[]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hello there", None).await;
    let frames = run_frames(&mut ws).await;
    assert_eq!(
        events(&frames),
        [
            "claude.session.started",
            "claude.session.init",
            "claude.session.text",
            "claude.session.text",
            "claude.session.result"
        ]
    );
    assert_eq!(frames[0]["data"], json!({"project": "web"}));
    let session = frames[1]["data"]["sessionId"].as_str().unwrap().to_owned();
    assert_eq!(frames[2]["data"]["text"], "You said: ");
    assert_eq!(frames[3]["data"]["text"], "hello there");
    let result = &frames[4]["data"];
    assert_eq!(result["success"], true);
    assert_eq!(result["text"], "You said: hello there");
    assert_eq!(result["sessionId"], session.as_str());
    assert_eq!(result["loginRequired"], false);

    let runs = setup.runs();
    assert_eq!(runs.len(), 1);
    let project = setup.tmp.path().join("projects/web");
    assert_eq!(runs[0]["cwd"], project.display().to_string());
    let env: Vec<&str> = runs[0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env.contains(&"ANTHROPIC_API_KEY"), "{env:?}");
    for name in &env {
        // The one rule of every CLI run, the credential, and what the
        // shell of the wrapper script sets.
        assert!(
            dispatch::server::claude::cli_env::PASSED_THROUGH.contains(name)
                || ["ANTHROPIC_API_KEY", "PWD", "SHLVL", "_", "OLDPWD"].contains(name),
            "{name} reached the CLI: {env:?}"
        );
    }
    // Nothing a frame carries names the credential.
    for frame in &frames {
        assert!(!frame.to_string().contains("sessiontest"), "{frame}");
    }

    // A prompt that looks like a flag is still a prompt (it goes in on
    // standard input, never on the command line).
    prompt(&mut ws, "--dangerously-skip-permissions", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["text"], "You said: --dangerously-skip-permissions");

    // A follow-up continues the conversation the CLI reported.
    prompt(&mut ws, "and again", Some(&session)).await;
    let frames = run_frames(&mut ws).await;
    assert_eq!(frames[1]["data"]["sessionId"], session.as_str());
    assert_eq!(setup.runs()[2]["resume"], session.as_str());
    assert!(setup.no_children_within(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn tool_uses_stream_between_the_texts() {
    let setup = Setup::start(&[]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "tool please", None).await;
    let frames = run_frames(&mut ws).await;
    assert_eq!(
        events(&frames)[2..],
        [
            "claude.session.text",
            "claude.session.tool",
            "claude.session.text",
            "claude.session.result"
        ]
    );
    assert_eq!(
        frames[3]["data"],
        json!({"name": "Bash", "detail": "ls -la"})
    );
}

#[tokio::test]
async fn the_clis_login_errors_ask_for_a_sign_in_and_a_mention_does_not() {
    let setup = Setup::start(&[]);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hello", None).await;
    let frames = run_frames(&mut ws).await;
    // As the real CLI: no assistant text, only the result.
    assert_eq!(
        events(&frames),
        [
            "claude.session.started",
            "claude.session.init",
            "claude.session.result"
        ]
    );
    let result = &frames[2]["data"];
    assert_eq!(result["success"], false);
    assert_eq!(result["text"], "Not logged in · Please run /login");
    assert_eq!(result["loginRequired"], true);
    assert_eq!(result.get("credentialRejected"), None, "nothing was stored");

    for (credential, text) in [
        (
            "sk-ant-api03-revoked0123456789abcdefghij",
            "OAuth token revoked · Please run /login",
        ),
        (
            "sk-ant-api03-expired0123456789abcdefghij",
            "Login expired · Please run /login",
        ),
        (
            "sk-ant-api03-invalid0123456789abcdefghij",
            "Invalid API key · Please run /login",
        ),
    ] {
        setup.store_api_key(credential);
        prompt(&mut ws, "hello", None).await;
        let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
        assert_eq!(result["text"], text);
        assert_eq!(result["loginRequired"], true, "{text}");
    }

    // An answer that quotes the line, or a prompt that mentions /login: no sign-in.
    setup.store_api_key(API_KEY);
    prompt(&mut ws, "mention it", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["success"], true);
    assert_eq!(result["loginRequired"], false);
    prompt(&mut ws, "Please run /login", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["loginRequired"], false);
}

/// Claude refusing the stored credential marks it rejected: kept, no longer
/// counted nor passed, until a new one is stored.
#[tokio::test]
async fn a_refused_stored_credential_is_marked_rejected_until_replaced() {
    let setup = Setup::start(&[]);
    let status = || get(&setup.server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    setup.store_api_key("sk-ant-api03-revoked0123456789abcdefghij");
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hello", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["loginRequired"], true);
    assert_eq!(result["credentialRejected"], true, "{result}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let body = loop {
        let body = status();
        if body["credential"]["state"] == "rejected" || std::time::Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(body["credential"]["state"], "rejected", "{body}");
    assert_eq!(body["authenticated"], false, "{body}");
    // Not passed any more: the CLI now sees no credential at all.
    prompt(&mut ws, "hello", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["text"], "Not logged in · Please run /login");
    assert_eq!(result.get("credentialRejected"), None, "none was passed");

    setup.store_api_key(API_KEY);
    let body = status();
    assert_eq!(body["credential"]["state"], "ok", "{body}");
    assert_eq!(body["authenticated"], true);
}

/// The pane's inline sign-in, as the page drives it: the login result, a
/// flow on the same socket, the code, then the same prompt again.
#[tokio::test]
async fn a_sign_in_on_the_same_socket_lets_the_failed_prompt_run_again() {
    let setup = Setup::start(&[]);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "what is here?", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["loginRequired"], true);

    send(&mut ws, "claude.auth.start", json!({"key": TEST_KEY})).await;
    loop {
        if recv(&mut ws).await["event"] == "claude.auth.url" {
            break;
        }
    }
    send(
        &mut ws,
        "claude.auth.code",
        json!({"key": TEST_KEY, "code": "success-abc#def"}),
    )
    .await;
    loop {
        let frame = recv(&mut ws).await;
        assert_ne!(frame["event"], "claude.auth.error", "{frame}");
        if frame["event"] == "claude.auth.complete" {
            break;
        }
    }
    prompt(&mut ws, "what is here?", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["success"], true, "{result}");
    assert_eq!(result["text"], "You said: what is here?");
    let runs = setup.runs();
    let env = runs.last().unwrap()["env"].to_string();
    assert!(env.contains("CLAUDE_CODE_OAUTH_TOKEN"), "{env}");
}

#[tokio::test]
async fn one_prompt_per_pane_and_a_cap_on_the_server() {
    let setup = Setup::start(&[("DISPATCH_MAX_SESSIONS", "1")]);
    setup.store_api_key(API_KEY);
    let mut pane = setup.connect().await;
    prompt(&mut pane, "hang on", None).await;
    assert_eq!(recv(&mut pane).await["event"], "claude.session.started");
    prompt(&mut pane, "another", None).await;
    let busy = session_error(&mut pane).await;
    assert_eq!(busy["reason"], "busy");
    assert!(busy["error"].as_str().unwrap().contains("last prompt"));

    let mut other = setup.connect().await;
    prompt(&mut other, "hello", None).await;
    let busy = session_error(&mut other).await;
    assert_eq!(busy["reason"], "busy");
    assert!(busy["error"]
        .as_str()
        .unwrap()
        .contains("DISPATCH_MAX_SESSIONS"));
    let metrics = get(&setup.server.url("/metrics"), Some(TEST_KEY)).body;
    assert!(
        metrics.contains("dispatch_claude_prompts_running 1"),
        "{metrics}"
    );

    // Cancel frees the place and the process.
    send(&mut pane, "claude.session.cancel", json!({"key": TEST_KEY})).await;
    let cancelled = session_error(&mut pane).await;
    assert_eq!(cancelled["reason"], "cancelled");
    assert!(setup.no_children_within(Duration::from_secs(5)).await);
    prompt(&mut other, "hello", None).await;
    let result = run_frames(&mut other).await.pop().unwrap();
    assert_eq!(result["data"]["success"], true);
    send(
        &mut other,
        "claude.session.cancel",
        json!({"key": TEST_KEY}),
    )
    .await;
    assert_eq!(session_error(&mut other).await["reason"], "no_flow");
}

#[tokio::test]
async fn a_prompt_that_runs_too_long_is_stopped() {
    let setup = Setup::start(&[("DISPATCH_PROMPT_TIMEOUT", "1000")]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hang forever", None).await;
    let timeout = session_error(&mut ws).await;
    assert_eq!(timeout["reason"], "timeout");
    assert!(timeout["error"]
        .as_str()
        .unwrap()
        .contains("DISPATCH_PROMPT_TIMEOUT"));
    assert!(setup.no_children_within(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn no_run_outlives_its_connection() {
    let setup = Setup::start(&[]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hang forever", None).await;
    assert_eq!(recv(&mut ws).await["event"], "claude.session.started");
    assert_eq!(setup.children(), 1);
    drop(ws);
    assert!(setup.no_children_within(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn failures_and_floods_end_clearly() {
    let setup = Setup::start(&[]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;

    prompt(&mut ws, "crash now", None).await;
    let failed = session_error(&mut ws).await;
    assert_eq!(failed["reason"], "cli_failed");
    assert!(
        failed["error"].as_str().unwrap().contains("boom"),
        "{failed}"
    );

    prompt(&mut ws, "error please", None).await;
    let result = run_frames(&mut ws).await.pop().unwrap()["data"].clone();
    assert_eq!(result["success"], false);
    assert_eq!(result["text"], "error during execution");
    assert_eq!(result["loginRequired"], false);

    prompt(&mut ws, "flood me", None).await;
    let frames = run_frames(&mut ws).await;
    let texts: Vec<&str> = frames
        .iter()
        .filter(|f| f["event"] == "claude.session.text")
        .map(|f| f["data"]["text"].as_str().unwrap())
        .collect();
    let shown: usize = texts.iter().map(|t| t.len()).sum();
    assert!(shown <= 2 * 1024 * 1024 + 200, "{shown} bytes forwarded");
    assert!(texts.last().unwrap().contains("passed 2 MiB"));
    assert_eq!(frames.last().unwrap()["data"]["success"], true);
}

#[tokio::test]
async fn bad_prompts_get_clear_session_errors_and_run_nothing() {
    let setup = Setup::start(&[]);
    let mut ws = setup.connect().await;
    let cases = [
        (
            json!({"key": TEST_KEY, "project": "web", "prompt": "  "}),
            "Type a prompt",
        ),
        (
            json!({"key": TEST_KEY, "project": "../..", "prompt": "hi"}),
            "letter or a digit",
        ),
        (
            json!({"key": TEST_KEY, "project": "nope", "prompt": "hi"}),
            "no project",
        ),
        (
            json!({"key": TEST_KEY, "project": "web", "prompt": "x".repeat(8001)}),
            "too long",
        ),
        (
            json!({"key": TEST_KEY, "project": "web", "prompt": "hi", "sessionId": "../x"}),
            "session id",
        ),
        // A flag where the id goes never reaches the CLI's command line.
        (
            json!({"key": TEST_KEY, "project": "web", "prompt": "hi",
                   "sessionId": "--dangerously-skip-permissions"}),
            "session id",
        ),
        (json!({"key": TEST_KEY, "project": "web"}), "prompt"),
    ];
    for (data, says) in cases {
        send(&mut ws, "claude.session.prompt", data).await;
        let error = session_error(&mut ws).await;
        assert_eq!(error["reason"], "bad_request", "{error}");
        assert!(
            error["error"].as_str().unwrap().contains(says),
            "{says}: {error}"
        );
    }
    send(
        &mut ws,
        "claude.session.prompt",
        json!({"key": "wrong-key-0123456789", "project": "web", "prompt": "hi"}),
    )
    .await;
    assert_eq!(session_error(&mut ws).await["reason"], "unauthorized");
    assert!(setup.runs().is_empty());
}

#[tokio::test]
async fn sigterm_stops_running_prompts_and_reaps_them() {
    let mut setup = Setup::start(&[]);
    setup.store_api_key(API_KEY);
    let mut ws = setup.connect().await;
    prompt(&mut ws, "hang forever", None).await;
    assert_eq!(recv(&mut ws).await["event"], "claude.session.started");
    let clis = support::child_pids(setup.server.pid());
    assert_eq!(clis.len(), 1);
    support::signal(setup.server.pid(), "TERM");
    let stopped = session_error(&mut ws).await;
    assert_eq!(stopped["reason"], "cancelled");
    assert!(stopped["error"].as_str().unwrap().contains("restarting"));
    let status = setup
        .server
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits within 5 s");
    assert!(status.success());
    support::assert_gone(&clis);
}

/// What a line of `-p` output says, without ids, times and paths.
fn shape(line: &Value) -> Value {
    json!({
        "type": line["type"], "subtype": line["subtype"], "is_error": line["is_error"],
        "result": line["result"], "error": line["error"],
        "is_api_error_message": line["is_api_error_message"],
        "text": line.pointer("/message/content/0/text"),
    })
}

fn print_lines(cli: &std::path::Path) -> (Vec<Value>, Option<i32>) {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(cli)
        .args(["-p", "hi", "--output-format", "stream-json", "--verbose"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .current_dir(home.path())
        .output()
        .expect("the CLI runs");
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, output.status.code())
}

#[test]
fn the_fakes_not_logged_in_output_is_the_real_clis() {
    // The real CLI runs where it can reach nothing but loopback.
    use support::netns::{run_inside, Place};
    if let Place::RanInside = run_inside("the_fakes_not_logged_in_output_is_the_real_clis") {
        return;
    }
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/claude");
    assert!(
        real.exists(),
        "the real CLI is installed by `make test` (npm ci)"
    );
    let (real_lines, real_code) = print_lines(&real);
    let (fake_lines, fake_code) =
        print_lines(std::path::Path::new(env!("CARGO_BIN_EXE_fake-claude")));
    assert_eq!(fake_code, real_code);
    let real_shape: Vec<Value> = real_lines.iter().map(shape).collect();
    let fake_shape: Vec<Value> = fake_lines.iter().map(shape).collect();
    assert_eq!(fake_shape, real_shape);
    // And Dispatch reads both the same way.
    use dispatch::server::claude::stream_json::parse_line;
    let read = |lines: &[Value]| -> Vec<_> {
        lines
            .iter()
            .flat_map(|l| parse_line(&l.to_string()))
            .map(|e| {
                format!("{e:?}")
                    .split("session_id")
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(read(&fake_lines), read(&real_lines));
}

/// Runs `script` as the CLI of one prompt, through the session runner
/// itself, holding the only place of a cap of one; the place and the run.
fn run_script(
    dir: &std::path::Path,
    script: &str,
    timeout: Duration,
) -> (
    std::sync::Arc<tokio::sync::Semaphore>,
    dispatch::server::claude::prompt_run::RunningSession,
    tokio::sync::watch::Sender<bool>,
) {
    use dispatch::server::claude::{cli_env::CliEnv, prompt_run};
    let cli = support::script(dir, "claude", script);
    let places = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
    let place = places.clone().try_acquire_owned().unwrap();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = prompt_run::start(
        prompt_run::SessionSettings {
            cli,
            cli_env: CliEnv::default(),
            project_dir: dir.to_path_buf(),
            prompt: "hi".into(),
            resume: None,
            credential: None,
            timeout,
            max_output: usize::MAX,
            stopping,
        },
        place,
    )
    .unwrap();
    (places, running, stop)
}

/// Waits until the run gave its place back.
async fn place_returned(places: &tokio::sync::Semaphore, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if places.available_permits() == 1 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn a_pane_that_stops_reading_does_not_stall_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    // Far more events than the pane's queue holds, then silence.
    let line = r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"x"}]},"session_id":"s"}"#;
    let (places, running, _stop) = run_script(
        tmp.path(),
        &format!("i=0; while [ $i -lt 500 ]; do echo '{line}'; i=$((i+1)); done; sleep 30"),
        Duration::from_secs(1),
    );
    // The pane never reads `running.updates`; the timeout still ends the run.
    assert!(
        place_returned(&places, Duration::from_secs(15)).await,
        "the run kept its place"
    );
    drop(running);
}

#[tokio::test]
async fn a_tool_that_keeps_standard_error_open_does_not_hold_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    // The CLI exits without a result; what it started keeps stderr open.
    let (places, mut running, _stop) = run_script(
        tmp.path(),
        "echo 'about to fail' >&2; sleep 30 >/dev/null & exit 3",
        Duration::from_secs(60),
    );
    let end = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match running.updates.recv().await {
                Some(dispatch::server::claude::prompt_run::SessionUpdate::End(end)) => return end,
                Some(_) => continue,
                None => panic!("no end"),
            }
        }
    })
    .await
    .expect("the end comes without waiting for the tool");
    let text = format!("{end:?}");
    assert!(text.contains("exited"), "{text}");
    assert!(place_returned(&places, Duration::from_secs(5)).await);
}
