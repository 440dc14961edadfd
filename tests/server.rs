//! The `dispatch` binary as a user starts it: configuration, the access key,
//! health, the status API, the page, and a clean stop.
#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use support::{encoded::get_encoded, get, script, Server, TEST_KEY};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn a_key_shorter_than_sixteen_characters_is_refused_at_start() {
    let cwd = tempfile::tempdir().unwrap();
    let output = support::command(&[("DISPATCH_KEY", "short-key")], cwd.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 16"), "{stderr}");
    assert!(
        !stderr.contains("short-key"),
        "the refused key must not be echoed: {stderr}"
    );
}

#[test]
fn a_generated_key_is_printed_once_in_a_link_and_works() {
    let mut server = Server::start(&[]);
    let line = server
        .wait_for_stdout("/#key=", WAIT)
        .expect("the key link on standard output");
    let link = line.trim();
    assert!(
        link.starts_with(&format!("{}/#key=", server.base_url)),
        "{link}"
    );
    let key = link.rsplit_once("#key=").unwrap().1;
    assert!(key.len() >= 16, "{key}");
    assert_eq!(get(&server.url("/api/claude/auth"), Some(key)).status, 200);
}

#[test]
fn a_configured_key_is_never_printed() {
    let mut server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    assert_eq!(
        server.wait_for_stdout(TEST_KEY, Duration::from_millis(500)),
        None
    );
    assert_eq!(
        server.wait_for_log(TEST_KEY, Duration::from_millis(500)),
        None
    );
}

#[test]
fn healthz_answers_without_a_key() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    let answer = get(&server.url("/healthz"), None);
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
}

#[test]
fn the_status_api_needs_the_key() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    let url = server.url("/api/claude/auth");
    for key in [None, Some("wrong-key-0123456789"), Some("")] {
        let answer = get(&url, key);
        assert_eq!(answer.status, 401, "key {key:?}");
        let body = answer.json();
        assert_eq!(body["success"], false);
        assert_eq!(body["reason"], "unauthorized");
        assert!(body["error"].as_str().unwrap().contains("access key"));
    }
}

#[test]
fn the_status_names_the_cli_its_version_and_no_credential() {
    let bin = tempfile::tempdir().unwrap();
    let cli = script(bin.path(), "claude", "echo '2.1.197 (Claude Code)'");
    let server = Server::start(&[
        ("DISPATCH_KEY", TEST_KEY),
        ("CLAUDE_CLI", cli.to_str().unwrap()),
    ]);
    let answer = get(&server.url("/api/claude/auth"), Some(TEST_KEY));
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("application/json"));
    assert_eq!(
        answer.json(),
        serde_json::json!({
            "authenticated": false,
            "method": null,
            "enabled": true,
            "cli": {"found": true, "path": cli.to_str().unwrap(), "version": "2.1.197"},
            "credential": null
        })
    );
}

#[test]
fn a_credential_in_the_environment_is_reported_by_method_never_by_value() {
    let token = "sk-ant-oat01-secret-token-value-for-the-test";
    let mut server = Server::start(&[
        ("DISPATCH_KEY", TEST_KEY),
        ("CLAUDE_CODE_OAUTH_TOKEN", token),
    ]);
    let answer = get(&server.url("/api/claude/auth"), Some(TEST_KEY));
    let body = answer.json();
    assert_eq!(body["authenticated"], true);
    assert_eq!(body["method"], "oauth_token");
    assert_eq!(body["source"], "environment");
    assert!(!answer.body.contains(token));
    assert_eq!(server.wait_for_log(token, Duration::from_millis(300)), None);
}

#[test]
fn a_missing_cli_is_reported_with_what_was_tried() {
    let server = Server::start(&[
        ("DISPATCH_KEY", TEST_KEY),
        ("CLAUDE_CLI", "/nonexistent/claude"),
    ]);
    let body = get(&server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(body["cli"]["found"], false);
    assert!(body["cli"]["problem"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/claude"));
}

#[test]
fn login_can_be_turned_off() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY), ("CLAUDE_AUTH_ENABLED", "false")]);
    let body = get(&server.url("/api/claude/auth"), Some(TEST_KEY)).json();
    assert_eq!(body["enabled"], false);
}

#[test]
fn the_page_renders_from_any_working_directory() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    for path in ["/", "/settings"] {
        let answer = get(&server.url(path), None);
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.content_type.starts_with("text/html"));
        assert!(answer.body.contains(r#"name="viewport""#), "{path}");
        assert!(answer.body.contains("Checking Claude status"), "{path}");
        assert!(!answer.body.contains(TEST_KEY));
    }
    assert_eq!(get(&server.url("/no-such-page"), None).status, 404);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    let status = server
        .terminate(Duration::from_secs(5))
        .expect("the server exits within 5 s of SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(server.wait_for_log("SIGTERM", WAIT).is_some());
}

#[test]
fn sigint_stops_the_server_cleanly() {
    let mut server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    support::signal(server.pid(), "INT");
    assert!(server.wait_for_log("stopped", WAIT).is_some());
}

#[test]
fn every_answer_carries_the_security_headers() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    for (path, key) in [
        ("/", None),
        ("/settings", None),
        ("/no-such-page", None),
        ("/healthz", None),
        ("/api/claude/auth", Some(TEST_KEY)),
        ("/api/claude/auth", None),
    ] {
        let answer = get(&server.url(path), key);
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            answer.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        let policy = answer.header("content-security-policy").unwrap_or_default();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
    }
}

/// The nonce a page's policy names (at least 16 characters).
fn nonce_in(policy: &str) -> &str {
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{nonce}");
    nonce
}

#[test]
fn a_page_allows_only_its_own_hydration_script_by_nonce() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    let first = get(&server.url("/settings"), None);
    let policy = first.header("content-security-policy").unwrap().to_owned();
    let nonce = nonce_in(&policy);
    assert!(policy.contains("'wasm-unsafe-eval'"));
    // Every inline script on the page carries that nonce.
    let scripts = first.body.matches("<script").count();
    assert!(scripts >= 1, "{}", first.body);
    assert_eq!(
        first.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{}",
        first.body
    );
    // A new page, a new nonce: the page is rendered once and kept, and
    // each answer carries its own nonce in the policy and every script.
    for _ in 0..2 {
        let next = get(&server.url("/settings"), None);
        let next_policy = next.header("content-security-policy").unwrap();
        assert_ne!(next_policy, policy);
        let next_nonce = nonce_in(next_policy);
        assert_eq!(
            next.body.matches(next_nonce).count(),
            first.body.matches(nonce).count()
        );
        assert_eq!(next.body.replace(next_nonce, nonce), first.body);
    }
}

#[test]
fn api_answers_are_never_cached() {
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    for key in [Some(TEST_KEY), None] {
        let answer = get(&server.url("/api/claude/auth"), key);
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
        .expect("a gzip stream");
    out
}

#[test]
fn the_site_is_sent_as_its_precompressed_copies_and_pages_gzipped() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let script = "export function hydrate() { /* the app */ }\n".repeat(200);
    std::fs::write(pkg.join("app.js"), &script).unwrap();
    // A copy the server cannot have made itself: it must send this one.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, script.as_bytes()).unwrap();
    let precompressed = encoder.finish().unwrap();
    std::fs::write(pkg.join("app.js.gz"), &precompressed).unwrap();
    let style = "body { color: black; }\n".repeat(100);
    std::fs::write(pkg.join("app.css"), &style).unwrap();
    let root = site.path().to_str().unwrap();
    let server = Server::start(&[("DISPATCH_KEY", TEST_KEY), ("LEPTOS_SITE_ROOT", root)]);

    let sent = get_encoded(&server.url("/pkg/app.js"), "gzip");
    assert_eq!((sent.status, sent.encoding.as_deref()), (200, Some("gzip")));
    assert_eq!(sent.body, precompressed);
    let sent = get_encoded(&server.url("/pkg/app.js"), "identity");
    assert_eq!((sent.status, sent.encoding), (200, None));
    assert_eq!(sent.body, script.as_bytes());
    // No copy: compressed as it goes.
    let sent = get_encoded(&server.url("/pkg/app.css"), "gzip");
    assert_eq!((sent.status, sent.encoding.as_deref()), (200, Some("gzip")));
    assert_eq!(gunzip(&sent.body), style.as_bytes());

    let sent = get_encoded(&server.url("/settings"), "gzip");
    assert_eq!((sent.status, sent.encoding.as_deref()), (200, Some("gzip")));
    let page = String::from_utf8(gunzip(&sent.body)).unwrap();
    assert!(page.contains("Checking Claude status"), "{page}");
    // The API's answers stay as they are (small, and never cached).
    assert_eq!(get_encoded(&server.url("/healthz"), "gzip").encoding, None);
}

#[test]
fn leptos_toml_is_read_at_run_time() {
    let cwd = tempfile::tempdir().unwrap();
    let ours =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml")).unwrap();
    std::fs::write(
        cwd.path().join("Leptos.toml"),
        ours.replace("output-name = \"dispatch\"", "output-name = \"renamed\""),
    )
    .unwrap();
    let server = Server::start_in(&[("DISPATCH_KEY", TEST_KEY)], cwd.path());
    let page = get(&server.url("/settings"), None).body;
    assert!(page.contains("/pkg/renamed.js"), "{page}");
    let elsewhere = Server::start(&[("DISPATCH_KEY", TEST_KEY)]);
    assert!(get(&elsewhere.url("/settings"), None)
        .body
        .contains("/pkg/dispatch.js"));
}

#[test]
fn logs_can_be_json_lines() {
    let mut server = Server::start(&[("DISPATCH_KEY", TEST_KEY), ("DISPATCH_LOG_FORMAT", "json")]);
    get(
        &server.url("/api/claude/auth"),
        Some("wrong-key-0123456789"),
    );
    let line = server
        .wait_for_log("wrong access key", WAIT)
        .expect("the refusal is logged");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON object per line");
    assert_eq!(entry["level"], "INFO");
    assert!(entry["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("wrong access key"));
}

#[test]
fn a_key_on_the_command_line_is_warned_about() {
    use std::io::{BufRead, BufReader};
    let cwd = tempfile::tempdir().unwrap();
    let mut child = support::command(&[], cwd.path())
        .args(["--key", TEST_KEY])
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut warned = false;
    for line in stderr.lines().map_while(Result::ok) {
        warned |= line.contains("--key") && line.contains("DISPATCH_KEY");
        if line.contains("is listening on") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(warned, "no warning about --key");
}
