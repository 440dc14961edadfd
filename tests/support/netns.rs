//! Running a test in a network namespace of its own, so that the real
//! Claude CLI can reach nothing but loopback: `unshare -m -n`, loopback up,
//! and `/etc/hosts` bind-mounted so that Anthropic's hosts are 127.0.0.1
//! (where a test serves its stand-in). The test binary runs itself again
//! inside; needs root (tests and CI run as root). Where namespaces are
//! refused the test says so and skips, except under `.ci/run`
//! (`DISPATCH_CI=1`), where a skip fails.

use std::process::Command;

/// The hosts a stand-in answers for, inside the namespace.
pub const ANTHROPIC_HOSTS: &[&str] = &[
    "platform.claude.com",
    "console.anthropic.com",
    "api.anthropic.com",
    "statsig.anthropic.com",
    "claude.ai",
    "claude.com",
    "mcp-proxy.anthropic.com",
];

const INSIDE: &str = "DISPATCH_TEST_NETNS";

/// Where the calling test stands.
pub enum Place {
    /// In the namespace: do the work.
    Inside,
    /// Outside, and the test already ran inside and passed.
    RanInside,
}

/// Runs the test `name` (its full path, as `cargo test` names it) again
/// inside a namespace, unless this is that run. Panics when the run inside
/// failed; skips (returns `RanInside` after saying so) where namespaces
/// cannot be made, but fails then under CI.
pub fn run_inside(name: &str) -> Place {
    if std::env::var_os(INSIDE).is_some() {
        return Place::Inside;
    }
    let probe = Command::new("unshare").args(["-m", "-n", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        let why = "network namespaces are refused here (unshare -m -n needs root)";
        assert!(
            std::env::var_os("DISPATCH_CI").is_none(),
            "{name}: {why}; under CI this test must run"
        );
        eprintln!("SKIPPED {name}: {why}");
        return Place::RanInside;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let hosts = dir.path().join("hosts");
    std::fs::write(
        &hosts,
        format!(
            "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 {}\n",
            ANTHROPIC_HOSTS.join(" ")
        ),
    )
    .expect("hosts file");
    let me = std::env::current_exe().expect("the test binary");
    let status = Command::new("unshare")
        .args(["-m", "-n", "--", "sh", "-c"])
        .arg("ip link set lo up && mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"")
        .arg("sh")
        .arg(&hosts)
        .arg(&me)
        .args([
            name,
            "--exact",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .status()
        .expect("unshare runs");
    assert!(
        status.success(),
        "{name} failed inside its network namespace"
    );
    Place::RanInside
}

/// Runs the async test `name` on a tokio runtime inside its namespace: the
/// outer run only starts the inner one (see [`run_inside`]).
pub fn block_on_inside<F: std::future::Future<Output = ()>>(name: &str, work: impl FnOnce() -> F) {
    if let Place::RanInside = run_inside(name) {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(work());
}
