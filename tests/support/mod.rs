//! Runs the real `dispatch` binary for integration tests.
#![allow(dead_code)] // each test file uses a different part of this

pub mod encoded;
pub mod https;
pub mod netns;
pub mod pebble;
pub mod standin;
pub mod ws;

use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

pub const TEST_KEY: &str = "test-key-0123456789abcdef";

/// Variables from the host that would change what the server reports.
const HOST_VARIABLES: &[&str] = &[
    "DISPATCH_ADDR",
    "DISPATCH_KEY",
    "DISPATCH_ALLOWED_ORIGINS",
    "DISPATCH_MAX_FLOWS",
    "CLAUDE_AUTH_ENABLED",
    "CLAUDE_CREDENTIALS_PATH",
    "CLAUDE_AUTH_TIMEOUT",
    "CLAUDE_CLI",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "ANTHROPIC_API_KEY",
    "LEPTOS_SITE_ROOT",
    "LEPTOS_OUTPUT_NAME",
    "DISPATCH_CREDENTIALS_KEY_FILE",
    "DISPATCH_RESUME_GRACE_MS",
    "DISPATCH_STARTS_PER_MINUTE",
    "DISPATCH_LOG_FORMAT",
    "DISPATCH_TLS_CERT",
    "DISPATCH_TLS_KEY",
    "DISPATCH_ACME_DOMAIN",
    "DISPATCH_ACME_EMAIL",
    "DISPATCH_ACME_DIRECTORY",
    "DISPATCH_ACME_CACHE",
    "DISPATCH_ACME_DIRECTORY_CA",
    "DISPATCH_TRUSTED_PROXIES",
    "DISPATCH_INSECURE_HTTP",
    "DISPATCH_CLI_ENV",
    "DISPATCH_MAX_SOCKETS_PER_ADDRESS",
    "DISPATCH_ALLOWED_HOSTS",
    "DISPATCH_SOCKET_KEY_WAIT_MS",
    "DISPATCH_SOCKET_IDLE_MS",
    "DISPATCH_HEADER_TIMEOUT_MS",
    "DISPATCH_NO_LINK_MS",
    "FAKE_CLAUDE_SCENARIO",
    "FAKE_CLAUDE_LOG",
];

pub struct Server {
    child: Child,
    pub base_url: String,
    /// What the server logged before it said where it listens.
    pub start_logs: Vec<String>,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

/// The binary with a clean environment plus `env`, run in `cwd`.
pub fn command(env: &[(&str, &str)], cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dispatch"));
    for name in HOST_VARIABLES {
        command.env_remove(name);
    }
    command
        .env("DISPATCH_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn lines(stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    /// Starts the server and waits until it says where it listens.
    pub fn start(env: &[(&str, &str)]) -> Server {
        let cwd = tempfile::tempdir().expect("temp dir");
        Self::start_in(env, cwd.path())
    }

    pub fn start_in(env: &[(&str, &str)], cwd: &Path) -> Server {
        let mut child = command(env, cwd)
            .spawn()
            .expect("the dispatch binary starts");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let mut server = Server {
            child,
            base_url: String::new(),
            start_logs: Vec::new(),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let line = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = server
                .stderr
                .recv_timeout(left)
                .expect("the server announces its address");
            if line.contains("is listening on ") {
                break line;
            }
            server.start_logs.push(line);
        };
        let start = line.find("listening on ").expect("an address") + "listening on ".len();
        // Text or JSON logs: the address ends at a space or a quote.
        server.base_url = line[start..]
            .split(|c: char| c.is_whitespace() || c == '"')
            .next()
            .expect("an address")
            .trim_end_matches('/')
            .to_owned();
        server
    }

    /// The first log line (standard error) containing `needle`.
    pub fn wait_for_log(&mut self, needle: &str, within: Duration) -> Option<String> {
        wait_for(&self.stderr, needle, within)
    }

    /// Every log line received so far.
    pub fn logs(&mut self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    /// The first standard-output line containing `needle`.
    pub fn wait_for_stdout(&mut self, needle: &str, within: Duration) -> Option<String> {
        wait_for(&self.stdout, needle, within)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The websocket's address.
    pub fn ws_url(&self) -> String {
        self.base_url.replacen("http://", "ws://", 1) + "/ws"
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("a pid fits an i32")
    }

    /// Sends SIGTERM and waits for the exit, at most `within`.
    pub fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        signal(self.pid(), "TERM");
        self.wait_exit(within)
    }

    /// Waits for the process to exit, at most `within`.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(lines: &mpsc::Receiver<String>, needle: &str, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Some(line),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

pub fn signal(pid: i32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// An HTTP answer: status and body text.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// `GET url`, with `Authorization: Bearer <key>` when a key is given.
pub fn get(url: &str, key: Option<&str>) -> Answer {
    let mut request = agent().get(url);
    if let Some(key) = key {
        request = request.header("Authorization", &format!("Bearer {key}"));
    }
    answer(request.call().unwrap_or_else(|e| panic!("GET {url}: {e}")))
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    Answer {
        status: response.status().as_u16(),
        body: response.body_mut().read_to_string().unwrap_or_default(),
        content_type,
        headers,
    }
}

/// `POST url` with a JSON body and the key.
pub fn post_json(url: &str, key: &str, body: &str) -> Answer {
    let response = agent()
        .post(url)
        .header("Authorization", &format!("Bearer {key}"))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    answer(response)
}

/// `DELETE url` with the key.
pub fn delete(url: &str, key: &str) -> Answer {
    let response = agent()
        .delete(url)
        .header("Authorization", &format!("Bearer {key}"))
        .call()
        .unwrap_or_else(|e| panic!("DELETE {url}: {e}"));
    answer(response)
}

/// Writes an executable shell script (a stand-in `claude`).
pub fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The children of process `pid` (any state, zombies included), from /proc:
/// each as its pid and `pid (comm) state`.
pub fn children_of(pid: impl std::fmt::Display) -> Vec<(i32, String)> {
    let pid = pid.to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1) == Some(&pid.as_str()) {
            let child = head.split_whitespace().next().and_then(|p| p.parse().ok());
            if let Some(child) = child {
                found.push((child, format!("{head}) {}", fields[0])));
            }
        }
    }
    found
}

/// The process ids of the children of `pid`.
pub fn child_pids(pid: i32) -> Vec<i32> {
    children_of(pid).into_iter().map(|(pid, _)| pid).collect()
}

/// Fails unless every one of `pids` is gone (killed and reaped).
pub fn assert_gone(pids: &[i32]) {
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} is still there"
        );
    }
}

/// A `claude` that runs the fake CLI with `env` (the scenario, a log…), as
/// an operator's settings would reach the real one.
pub fn fake_cli(dir: &Path, name: &str, env: &[(&str, &str)]) -> std::path::PathBuf {
    let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    script(
        dir,
        name,
        &format!(
            "{} exec {} \"$@\"",
            vars.join(" "),
            env!("CARGO_BIN_EXE_fake-claude")
        ),
    )
}

/// One HTTP/1.1 request written by hand, so that it can carry any `Host`
/// (HTTP clients set it from the URL): the status and the raw body.
pub fn raw_request(base_url: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use std::io::Write;
    let authority = base_url.trim_start_matches("http://");
    let mut tcp = std::net::TcpStream::connect(authority).expect("connects");
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut text = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    tcp.write_all(text.as_bytes()).expect("writes");
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A server with the fake CLI (its settings passed on by
/// `DISPATCH_CLI_ENV`, as an operator's would be) and its credential, key,
/// projects and HOME in a scratch folder, never the machine's own
/// `~/.claude`. Later entries of `extra` win.
pub struct ScratchServer {
    pub server: Server,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for ScratchServer {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

impl std::ops::DerefMut for ScratchServer {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.server
    }
}

/// The settings of a server whose files all live in `dir` (credential,
/// its key, projects, HOME), with the fake CLI signing in.
pub fn scratch_env(dir: &Path) -> Vec<(String, String)> {
    let path = |name: &str| dir.join(name).display().to_string();
    [
        ("DISPATCH_KEY", TEST_KEY.to_owned()),
        ("CLAUDE_CLI", env!("CARGO_BIN_EXE_fake-claude").to_owned()),
        ("DISPATCH_CLI_ENV", "FAKE_CLAUDE_*".to_owned()),
        ("FAKE_CLAUDE_SCENARIO", "success".to_owned()),
        ("CLAUDE_CREDENTIALS_PATH", path("credentials")),
        ("DISPATCH_CREDENTIALS_KEY_FILE", path("key/credentials.key")),
        ("DISPATCH_PROJECTS_ROOT", path("projects")),
        ("HOME", dir.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Starts the server with `env` given as owned pairs.
pub fn start_with(env: &[(String, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start(&env)
}

impl ScratchServer {
    pub fn start(extra: &[(&str, &str)]) -> ScratchServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = scratch_env(dir.path());
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let server = start_with(&env);
        ScratchServer { server, _dir: dir }
    }
}
