//! What can be proved about the Docker image without Docker (images cannot
//! be pulled on these machines): the Dockerfile's shape, and its runtime
//! stage rebuilt as a folder — the binary at /app, the site, the CLI, the
//! user's home with its two volumes — started with only the image's and the
//! compose example's environment, as a non-root user, then "recreated" with
//! everything but the volumes wiped: the stored credential is still there.
#![cfg(feature = "ssr")]

mod support;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use support::{
    https::{exchange, tls_stream},
    TEST_KEY,
};

/// The user the image runs as (Dockerfile: `useradd --uid 10001`).
const APP_UID: u32 = 10001;
/// The image's volumes.
const VOLUMES: [&str; 2] = ["/home/appuser/.claude", "/home/appuser/.config/dispatch"];

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Dockerfile's instructions, continuation lines joined, comments out.
fn instructions() -> Vec<String> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
}

/// The instructions of the last stage (the runtime image).
fn runtime_stage() -> Vec<String> {
    let all = instructions();
    let start = all.iter().rposition(|i| i.starts_with("FROM ")).unwrap();
    all[start..].to_vec()
}

/// The runtime stage's `ENV KEY=value …` settings.
fn image_env() -> BTreeMap<String, String> {
    runtime_stage()
        .iter()
        .filter_map(|i| i.strip_prefix("ENV "))
        .flat_map(|pairs| pairs.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// compose.yaml's `- KEY=value` environment entries.
fn compose_env() -> BTreeMap<String, String> {
    read("compose.yaml")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|entry| entry.split_once('='))
        .filter(|(k, _)| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn the_dockerfile_builds_in_stages_and_runs_unprivileged_with_volumes_and_a_health_check() {
    let all = instructions();
    let stages: Vec<&String> = all.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 3, "{stages:?}");
    assert!(stages[0].ends_with("AS npm") && stages[1].ends_with("AS build"));
    assert!(stages[2].starts_with("FROM debian:bookworm-slim"));
    let runtime = runtime_stage();
    let has = |prefix: &str| runtime.iter().any(|i| i.starts_with(prefix));
    assert!(has("USER appuser"));
    assert!(runtime
        .iter()
        .any(|i| i.contains("useradd") && i.contains(&format!("--uid {APP_UID}"))));
    assert!(has(
        r#"VOLUME ["/home/appuser/.claude", "/home/appuser/.config/dispatch"]"#
    ));
    assert!(
        has("HEALTHCHECK")
            && runtime
                .iter()
                .any(|i| i.ends_with(r#"CMD ["/app/dispatch", "healthcheck"]"#))
    );
    assert!(has(r#"ENTRYPOINT ["/app/dispatch"]"#));
    // Nothing to build with in the runtime image.
    assert!(!runtime.iter().any(|i| i.starts_with("RUN ")
        && ["cargo", "npm", "rustc"]
            .iter()
            .any(|tool| i.contains(tool))));
    // The CLI comes from package-lock.json, as in development.
    assert!(all
        .iter()
        .any(|i| i == "COPY package.json package-lock.json ./"));
    assert!(all.iter().any(|i| i == "RUN npm ci --no-audit --no-fund"));
    // One cargo-leptos version for setup.sh and the image.
    let setup = read("scripts/setup.sh");
    let pinned = setup
        .lines()
        .find_map(|l| l.strip_prefix("CARGO_LEPTOS_VERSION="))
        .and_then(|v| v.split_whitespace().next())
        .unwrap();
    assert!(
        all.iter()
            .any(|i| i == &format!("ARG CARGO_LEPTOS_VERSION={pinned}")),
        "the Dockerfile should pin cargo-leptos {pinned}"
    );
    // The image builds the site as `make build` does: every command of
    // that target, in order, in the build stage's one RUN.
    let makefile = read("Makefile");
    // The recipe of the stamp that `build` depends on, less the stamp.
    let recipe: Vec<&str> = makefile
        .split("\n$(BUILT):")
        .nth(1)
        .expect("the release build's rule in the Makefile")
        .lines()
        .skip(1)
        .map_while(|l| l.strip_prefix('\t'))
        .filter(|c| !c.starts_with("touch "))
        .collect();
    assert!(recipe.iter().any(|c| c.contains("--precompress")));
    let build = all
        .iter()
        .find(|i| i.contains("cargo leptos build"))
        .expect("a RUN that builds the site");
    let mut rest = build.as_str();
    for command in &recipe {
        let at = rest
            .find(command)
            .unwrap_or_else(|| panic!("the Dockerfile should run `{command}` as make build does"));
        rest = &rest[at + command.len()..];
    }
    // The credential store and its key both live on volumes.
    let env = image_env();
    assert_eq!(env["CLAUDE_CREDENTIALS_PATH"], "/home/appuser/.claude");
    assert!(env["DISPATCH_CREDENTIALS_KEY_FILE"].starts_with("/home/appuser/.config/dispatch/"));
    assert_eq!(env["HOME"], "/home/appuser");
}

/// The runtime image as a folder: `/app` and `/home/appuser` under `root`.
struct Layout {
    root: tempfile::TempDir,
}

impl Layout {
    fn new() -> Layout {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("app");
        std::fs::create_dir_all(app.join("node_modules/.bin")).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_dispatch"), app.join("dispatch")).unwrap();
        std::fs::copy(repo("Leptos.toml"), app.join("Leptos.toml")).unwrap();
        // The site as built, when it is (`make build`); the server runs without it.
        std::fs::create_dir_all(app.join("site/pkg")).unwrap();
        // The stand-in CLI where the image links the real one.
        std::fs::copy(
            env!("CARGO_BIN_EXE_fake-claude"),
            app.join("node_modules/.bin/claude"),
        )
        .unwrap();
        let tls = root.path().join("run/tls");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::copy(
            repo("tests/fixtures/tls/cert.pem"),
            tls.join("fullchain.pem"),
        )
        .unwrap();
        std::fs::copy(repo("tests/fixtures/tls/key.pem"), tls.join("privkey.pem")).unwrap();
        let layout = Layout { root };
        layout.new_container();
        layout
    }

    fn path(&self, image_path: &str) -> PathBuf {
        self.root.path().join(image_path.trim_start_matches('/'))
    }

    /// A fresh container: the home as the image makes it, only the two
    /// volumes kept from the last one.
    fn new_container(&self) {
        let home = self.path("/home/appuser");
        let kept = tempfile::tempdir_in(self.root.path()).unwrap();
        for (i, volume) in VOLUMES.iter().enumerate() {
            if self.path(volume).exists() {
                std::fs::rename(self.path(volume), kept.path().join(i.to_string())).unwrap();
            }
        }
        let _ = std::fs::remove_dir_all(&home);
        for (i, volume) in VOLUMES.iter().enumerate() {
            std::fs::create_dir_all(self.path(volume)).unwrap();
            let old = kept.path().join(i.to_string());
            if old.exists() {
                std::fs::remove_dir(self.path(volume)).unwrap();
                std::fs::rename(old, self.path(volume)).unwrap();
            }
        }
        if running_as_root() {
            chown_tree(self.root.path(), APP_UID);
        }
    }

    /// The image's and the compose example's variables, with the image's
    /// paths moved under this folder; nothing from the test's environment.
    fn command(&self, port: u16) -> Command {
        let mut env = image_env();
        env.extend(compose_env());
        env.insert("DISPATCH_KEY".into(), TEST_KEY.into());
        env.insert("DISPATCH_ADDR".into(), format!("0.0.0.0:{port}"));
        let rooted = |value: &str| {
            if value.starts_with("/app")
                || value.starts_with("/home/")
                || value.starts_with("/run/")
            {
                self.path(value).display().to_string()
            } else {
                value.to_owned()
            }
        };
        let mut command = if running_as_root() {
            // As the image's user, with no supplementary groups.
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={APP_UID}"),
                &format!("--regid={APP_UID}"),
                "--clear-groups",
                "--",
            ]);
            c.arg(self.path("/app/dispatch"));
            c
        } else {
            Command::new(self.path("/app/dispatch"))
        };
        command
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, rooted(v))))
            .current_dir(self.path("/app"))
            .stdin(Stdio::null());
        command
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn chown_tree(path: &Path, uid: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A free port on loopback (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthy(layout: &Layout, port: u16) -> bool {
    let mut check = layout.command(port);
    check
        .arg("healthcheck")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    check.status().unwrap().success()
}

/// Starts the container's entrypoint and waits for its health check.
fn start(layout: &Layout, port: u16) -> std::process::Child {
    let mut child = layout
        .command(port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if healthy(layout, port) {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the entrypoint exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the health check never passed");
}

/// `docker stop`: SIGTERM, then the exit within the grace period.
fn stop(mut child: std::process::Child) {
    support::signal(i32::try_from(child.id()).expect("a pid"), "TERM");
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "{status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("no exit within 10 s of SIGTERM");
}

/// The API over HTTPS, with the key.
fn api(port: u16, method: &str, body: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let bearer = format!("Bearer {TEST_KEY}");
        let headers = [("Authorization", bearer.as_str())];
        exchange(
            tls_stream(port).await,
            method,
            "/api/claude/auth",
            &headers,
            body,
        )
        .await
        .body
    })
}

#[test]
fn the_runtime_layout_runs_unprivileged_and_keeps_the_credential_across_containers() {
    let layout = Layout::new();
    let port = free_port();

    // The image's environment alone (no TLS, no proxy) is refused: safe by default.
    let mut bare = layout.command(port);
    bare.env_remove("DISPATCH_TLS_CERT")
        .env_remove("DISPATCH_TLS_KEY");
    let refused = bare.output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to serve plain HTTP"));

    let first = start(&layout, port);
    if running_as_root() {
        // The server process runs as the image's user.
        let status = std::fs::read_to_string(format!("/proc/{}/status", first.id())).unwrap();
        let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        assert!(
            uid_line
                .split_whitespace()
                .skip(1)
                .all(|uid| uid == APP_UID.to_string()),
            "{uid_line}"
        );
    }
    assert!(api(port, "GET", "").contains(r#""authenticated":false"#));
    let stored = api(
        port,
        "POST",
        r#"{"apiKey":"sk-ant-api03-containertest0123456789abcdefghijklmnopqrstuvwxyz"}"#,
    );
    assert!(stored.contains(r#""success":true"#), "{stored}");
    stop(first);

    // The volumes hold the credential (encrypted), its activity list and
    // its key, the user's only.
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut credential_files: Vec<_> = std::fs::read_dir(layout.path("/home/appuser/.claude"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    credential_files.sort();
    assert_eq!(
        credential_files,
        ["dispatch-activity.jsonl", "dispatch-credential.enc"]
    );
    for file in [
        layout.path("/home/appuser/.claude/dispatch-credential.enc"),
        layout.path("/home/appuser/.claude/dispatch-activity.jsonl"),
        layout.path("/home/appuser/.config/dispatch/credentials.key"),
    ] {
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file:?}");
        if running_as_root() {
            assert_eq!(meta.uid(), APP_UID, "{file:?}");
        }
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains("containertest"),
            "{file:?} holds the key in clear"
        );
    }

    // A new container on the same volumes.
    layout.new_container();
    let second = start(&layout, port);
    let status = api(port, "GET", "");
    assert!(status.contains(r#""authenticated":true"#), "{status}");
    assert!(!status.contains("containertest"));
    stop(second);
}
