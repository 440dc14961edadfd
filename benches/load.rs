//! `make bench`: what users feel and what limits a server, printed as
//! figures (never asserted: these machines are shared and noisy). Loopback
//! only; ends by itself in a few minutes.
//!
//! 1. Server overhead from `claude.auth.start` to `claude.auth.url` with a
//!    fake CLI that prints its link at once (200 flows, p50/p99).
//! 2. The real CLI's time from start to link through Dispatch (5 flows).
//! 3. 100, 500 and 1000 websocket clients each completing a whole flow at
//!    once: completed, wall time, memory per live flow, threads, descriptors.
//! 4. The Settings page and the health check under `wrk`, in turn, three
//!    rounds of 10 s each: the medians and their ratio (noise weighs on
//!    both alike).
//! 5. First-load weight of /settings as the server sends it: every file
//!    raw, gzip and brotli.
//! 6. 1,000 sockets that never show a key, each sending a 900 KiB frame,
//!    from 32 loopback addresses: the server's memory before, while they
//!    are open, and after (target: within 20 MB of idle).
// Figures: counts become f64 for ratios and percentiles, and back to
// integers to print. `as` is what that arithmetic means here.
#![allow(clippy::as_conversions)]

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[path = "../tests/support/encoded.rs"]
mod encoded;

const KEY: &str = "bench-key-0123456789abcdef";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Server {
    child: Child,
    port: u16,
    _scratch: tempfile::TempDir,
}

impl Server {
    fn start(port: u16, cli: &Path, extra: &[(&str, &str)]) -> Server {
        let scratch = tempfile::tempdir().expect("scratch dir");
        let bin = repo().join("target/release/dispatch");
        assert!(
            bin.exists(),
            "build first: make build ({} is missing)",
            bin.display()
        );
        let mut command = Command::new(bin);
        command
            .env("DISPATCH_ADDR", format!("127.0.0.1:{port}"))
            .env("DISPATCH_KEY", KEY)
            .env("CLAUDE_CLI", cli)
            .env(
                "CLAUDE_CREDENTIALS_PATH",
                scratch.path().join("credentials"),
            )
            .env("DISPATCH_CREDENTIALS_KEY_FILE", scratch.path().join("key"))
            .env("HOME", scratch.path())
            .env("DISPATCH_MAX_FLOWS", "5000")
            .env("DISPATCH_STARTS_PER_MINUTE", "1000000")
            // Section 3's clients all come from 127.0.0.1.
            .env("DISPATCH_MAX_SOCKETS_PER_ADDRESS", "5000")
            // The light fake's scenario reaches it as an operator's setting would.
            .env("DISPATCH_CLI_ENV", "FAKE_CLAUDE_*")
            .env("RUST_LOG", "warn")
            .env_remove("CLAUDE_CODE_OAUTH_TOKEN")
            .env_remove("ANTHROPIC_API_KEY")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().expect("the server starts");
        let server = Server {
            child,
            port,
            _scratch: scratch,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the server did not listen on {port}");
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Resident memory (KiB), threads, open descriptors.
    fn vitals(&self) -> (u64, u64, usize) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0);
        (field("VmRSS:"), field("Threads:"), fds)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, event: &str, data: Value) {
    let frame = json!({"event": event, "data": data}).to_string();
    ws.send(Message::text(frame)).await.expect("send");
}

/// Waits for `claude.auth.<name>`; `None` on an error event or a timeout.
async fn until(ws: &mut Ws, name: &str) -> Option<Value> {
    let wanted = format!("claude.auth.{name}");
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(60), ws.next())
            .await
            .ok()??
            .ok()?;
        let Message::Text(text) = frame else { continue };
        let value: Value = serde_json::from_str(&text).ok()?;
        if value["event"] == wanted.as_str() {
            return Some(value["data"].clone());
        }
        if value["event"] == "claude.auth.error" {
            eprintln!("  error: {}", value["data"]);
            return None;
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// A client socket with TCP_NODELAY, as browsers open them.
async fn connect(server: &Server) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(server.ws(), None, true)
        .await
        .expect("connect");
    ws
}

async fn time_to_url(server: &Server, flows: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(flows);
    for _ in 0..flows {
        // A connection per flow (opened before the clock starts), as a
        // person's page would have, and within the per-connection limits.
        let mut ws = connect(server).await;
        let started = Instant::now();
        send(&mut ws, "claude.auth.start", json!({"key": KEY})).await;
        if until(&mut ws, "url").await.is_some() {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        send(&mut ws, "claude.auth.cancel", json!({"key": KEY})).await;
        until(&mut ws, "error").await;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times
}

/// The light fake: prints its link at once and accepts any code
/// (`FAKE_CLAUDE_SCENARIO=success`, set on the server, reaches it).
fn light_fake() -> PathBuf {
    let fake = repo().join("target/release/fake-claude");
    assert!(
        fake.exists(),
        "build first: make bench builds {}",
        fake.display()
    );
    fake
}

async fn concurrent(server: &Server, clients: usize) {
    let (rss0, threads0, fds0) = server.vitals();
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        sockets.push(connect(server).await);
    }
    // Everyone starts; everyone waits for the link.
    let starts = sockets.iter_mut().map(|ws| async move {
        send(ws, "claude.auth.start", json!({"key": KEY})).await;
        until(ws, "url").await.is_some()
    });
    let linked = futures_util::future::join_all(starts)
        .await
        .iter()
        .filter(|ok| **ok)
        .count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (rss_live, threads_live, fds_live) = server.vitals();
    let codes = sockets.iter_mut().map(|ws| async move {
        send(
            ws,
            "claude.auth.code",
            json!({"key": KEY, "code": "abc123#def456"}),
        )
        .await;
        until(ws, "complete").await.is_some()
    });
    let completed = futures_util::future::join_all(codes)
        .await
        .iter()
        .filter(|ok| **ok)
        .count();
    let wall = started.elapsed();
    drop(sockets);
    // Let flows end and CLIs be reaped, and tokio's blocking pool (credential
    // writes) let its idle threads go (they linger 10 s).
    let mut after = server.vitals();
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = server.vitals();
        if after.2 <= fds0 && after.1 <= threads0 {
            break;
        }
    }
    let per_flow = (rss_live.saturating_sub(rss0)) as f64 / clients as f64;
    println!(
        "  {clients:>5} clients: {completed} of {clients} completed ({linked} got a link) in {:.2} s; \
         memory per live flow {per_flow:.1} KiB; threads {threads0} -> {threads_live} (peak) -> {}; \
         descriptors {fds0} -> {fds_live} (peak) -> {}",
        wall.as_secs_f64(),
        after.1,
        after.2
    );
}

/// What one `wrk` run measured.
struct WrkRun {
    rps: f64,
    p50: String,
    p99: String,
    errors: Option<String>,
}

/// `wrk -t2 -c32 -d10s` on `url`; `None` when wrk is missing or said nothing.
fn wrk(url: &str) -> Option<WrkRun> {
    let Ok(output) = Command::new("wrk")
        .args(["-t2", "-c32", "-d10s", "--latency", url])
        .output()
    else {
        println!("  wrk is not installed (scripts/setup.sh bench installs it)");
        return None;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let line = |start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .map(|l| l.trim().trim_start_matches(start).trim().to_owned())
    };
    Some(WrkRun {
        rps: line("Requests/sec:")?.parse().ok()?,
        p50: line("50%").unwrap_or_else(|| "?".into()),
        p99: line("99%").unwrap_or_else(|| "?".into()),
        errors: text
            .lines()
            .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
            .map(|l| l.trim().to_owned()),
    })
}

/// Section 4: the page against the health check under the same load, in
/// turn, so that what the machine does meanwhile weighs on both alike.
fn section_throughput(port: u16) {
    println!(
        "\n4. GET /settings and GET /healthz under wrk (2 threads, 32 connections, 10 s each), in turn, three rounds"
    );
    let mut page = Vec::new();
    let mut health = Vec::new();
    for round in 1..=3 {
        for (path, runs) in [("/settings", &mut page), ("/healthz", &mut health)] {
            let Some(run) = wrk(&format!("http://127.0.0.1:{port}{path}")) else {
                return;
            };
            println!(
                "  round {round} {path:<9} {:>8.0} req/s, latency p50 {}, p99 {}{}",
                run.rps,
                run.p50,
                run.p99,
                run.errors.map(|e| format!(" ({e})")).unwrap_or_default()
            );
            runs.push(run.rps);
        }
    }
    let median = |runs: &mut Vec<f64>| {
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let (page, health) = (median(&mut page), median(&mut health));
    println!(
        "  median /settings {page:.0} req/s, /healthz {health:.0} req/s: ratio page/healthz {:.2} (target >= 0.5)",
        page / health
    );
}

/// `GET url` with `Accept-Encoding: encoding`: the body as the server sent
/// it (not decoded) and its `Content-Encoding`.
fn fetch(url: &str, encoding: &str) -> (Vec<u8>, Option<String>) {
    let sent = encoded::get_encoded(url, encoding);
    assert_eq!(sent.status, 200, "GET {url}");
    (sent.body, sent.encoding)
}

/// What a first load of the page fetches besides the page: every `/pkg/…`
/// file it names (stylesheet, script, WASM, preloaded chunks) and every
/// `<link href>` (the icon).
fn page_resources(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |path: String| {
        if path.len() > 1 && !found.contains(&path) {
            found.push(path);
        }
    };
    let until_quote = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>' | ')' | '`'))
            .collect()
    };
    for (at, _) in html.match_indices("/pkg/") {
        add(until_quote(&html[at..]));
    }
    for (at, _) in html.match_indices("<link ") {
        let tag = &html[at..html[at..].find('>').map_or(html.len(), |end| at + end)];
        if let Some(href) = tag.split("href=\"").nth(1) {
            let href = until_quote(href);
            if href.starts_with('/') && !href.starts_with("//") {
                add(href);
            }
        }
    }
    found
}

/// The modules a script imports statically (`from"./x.js"`): the split
/// chunks' loader, which the page's script pulls in at once.
fn js_imports(script: &str, dir: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for marker in ["from\"./", "from \"./"] {
        for (at, _) in script.match_indices(marker) {
            let name: String = script[at + marker.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            let path = format!("{dir}{name}");
            if !found.contains(&path) {
                found.push(path);
            }
        }
    }
    found
}

/// The first load of `page` as the server sends it to a browser that takes
/// gzip (the target), and to one that takes brotli. Each file is fetched
/// once per encoding; the plain copy also says what else the load fetches.
fn weight(port: u16, page: &str, target: &str) {
    let base = format!("http://127.0.0.1:{port}");
    let mut paths = vec![page.to_owned()];
    println!("  {:<44} {:>9} {:>9} {:>9}", "", "raw", "gzip", "br");
    let mut total = [0usize; 3];
    let mut next = 0;
    while next < paths.len() {
        let path = paths[next].clone();
        next += 1;
        let url = format!("{base}{path}");
        let mut sizes = [0usize; 3];
        let mut notes = Vec::new();
        for (i, encoding) in ["identity", "gzip", "br"].into_iter().enumerate() {
            let (body, sent_as) = fetch(&url, encoding);
            if i == 0 {
                let text = String::from_utf8_lossy(&body);
                let found = if path == page {
                    page_resources(&text)
                } else if path.ends_with(".js") {
                    js_imports(&text, &path[..=path.rfind('/').unwrap_or(0)])
                } else {
                    Vec::new()
                };
                for more in found {
                    if !paths.contains(&more) {
                        paths.push(more);
                    }
                }
            } else if sent_as.as_deref() != Some(encoding) {
                notes.push(format!("not sent as {encoding}"));
            }
            sizes[i] = body.len();
            total[i] += body.len();
        }
        println!(
            "  {path:<44} {:>9} {:>9} {:>9} {}",
            sizes[0],
            sizes[1],
            sizes[2],
            notes.join(", ")
        );
    }
    println!(
        "  {:<44} {:>9} {:>9} {:>9}  bytes{target}",
        "total", total[0], total[1], total[2]
    );
}

#[tokio::main]
async fn main() {
    println!(
        "Dispatch benchmarks ({} cores), {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        chrono_now()
    );
    // `cargo bench --bench load -- 4 5` runs only those sections (cargo
    // adds its own `--bench` argument).
    let chosen: Vec<u32> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let runs = |section: u32| chosen.is_empty() || chosen.contains(&section);
    let fake = light_fake();
    let server = Server::start(39_101, &fake, &[("FAKE_CLAUDE_SCENARIO", "success")]);

    if runs(1) {
        section_time_to_url(&server).await;
    }
    if runs(2) {
        section_real_cli().await;
    }
    if runs(3) {
        println!("\n3. concurrent whole flows, light fake CLI (a fresh server for each size)");
        for (i, clients) in [100, 500, 1000].into_iter().enumerate() {
            let fresh = Server::start(
                39_110 + i as u16,
                &fake,
                &[("FAKE_CLAUDE_SCENARIO", "success")],
            );
            concurrent(&fresh, clients).await;
        }
    }
    if runs(4) {
        section_throughput(server.port);
    }
    if runs(5) {
        println!("\n5. first-load weight of /settings, as sent");
        weight(
            server.port,
            "/settings",
            " (target <= 200 KB gzip: 200,000 B)",
        );
        println!("   and of / (Projects: its own chunk and the shared ones too)");
        weight(server.port, "/", "");
    }
    if runs(6) {
        keyless_sockets(&fake).await;
    }
}

/// Section 6: what sockets that never show a key cost, on a fresh server
/// with the default limits (32 per address, so 32 addresses).
async fn keyless_sockets(fake: &Path) {
    const SOCKETS: usize = 1000;
    const ADDRESSES: usize = 32;
    println!(
        "\n6. {SOCKETS} keyless sockets from {ADDRESSES} addresses, each sending a 900 KiB frame"
    );
    let server = Server::start(39_120, fake, &[("DISPATCH_MAX_SOCKETS_PER_ADDRESS", "32")]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle, _, _) = server.vitals();
    let mut sockets = Vec::with_capacity(SOCKETS);
    let mut refused = 0;
    for i in 0..SOCKETS {
        let source = std::net::Ipv4Addr::new(127, 0, 1, 1 + (i % ADDRESSES) as u8);
        match connect_from(&server, source).await {
            Some(ws) => sockets.push(ws),
            None => refused += 1,
        }
    }
    let (open, _, _) = server.vitals();
    let frame = "x".repeat(900 * 1024);
    let sends = sockets.iter_mut().map(|ws| {
        let frame = frame.clone();
        async move {
            let _ = ws.send(Message::text(frame)).await;
        }
    });
    futures_util::future::join_all(sends).await;
    let (sent, _, _) = server.vitals();
    let closes = sockets.iter_mut().map(|ws| async move {
        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
        }
    });
    futures_util::future::join_all(closes).await;
    drop(sockets);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (after, _, fds) = server.vitals();
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  RSS idle {:.1} MiB; {} open: {:.1} MiB; right after the frames: {:.1} MiB (+{:.1}); all closed: {:.1} MiB, {} descriptors (target: within 20 MB of idle){}",
        mib(idle),
        SOCKETS - refused,
        mib(open),
        mib(sent),
        mib(sent.saturating_sub(idle)),
        mib(after),
        fds,
        if refused > 0 { format!("; {refused} refused") } else { String::new() }
    );
}

/// A websocket from `source` (any 127.0.0.0/8 address reaches the server).
async fn connect_from(server: &Server, source: std::net::Ipv4Addr) -> Option<Ws> {
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind((source, 0).into()).ok()?;
    let tcp = socket
        .connect(([127, 0, 0, 1], server.port).into())
        .await
        .ok()?;
    let (ws, _) =
        tokio_tungstenite::client_async(server.ws(), tokio_tungstenite::MaybeTlsStream::Plain(tcp))
            .await
            .ok()?;
    Some(ws)
}

async fn section_time_to_url(server: &Server) {
    println!("\n1. start -> url, fake CLI printing its link at once (200 flows)");
    let times = time_to_url(server, 200).await;
    println!(
        "  p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} flows (target p50 <= 5 ms, p99 <= 20 ms)",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0),
        times.len()
    );
}

async fn section_real_cli() {
    println!("\n2. start -> url with the real CLI (5 flows)");
    let real = repo().join("node_modules/.bin/claude");
    if real.exists() {
        let real_server = Server::start(39_102, &real, &[]);
        let times = time_to_url(&real_server, 5).await;
        if times.is_empty() {
            println!("  the real CLI showed no link");
        } else {
            println!(
                "  p50 {:.0} ms, max {:.0} ms (target < 1 s)",
                percentile(&times, 0.5),
                times.last().copied().unwrap_or(0.0)
            );
        }
    } else {
        println!(
            "  {} is missing (scripts/setup.sh installs it)",
            real.display()
        );
    }
}

fn chrono_now() -> String {
    let out = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
