//! After flows end, however they end, nothing is left: no CLI process (nor
//! zombie), and the process's open file descriptors are back where they
//! started. Alone in its own test binary so no other test opens files meanwhile.
#![cfg(feature = "ssr")]

use std::{path::PathBuf, sync::Arc, time::Duration};

use dispatch::server::claude::{
    credentials::CredentialStore,
    flow::{FlowEvent, Timeouts},
    login::{self, FlowCommand, LoginSettings},
};
use tokio::sync::mpsc;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Our children (any state, zombies included), from /proc.
fn children() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1) == Some(&me.as_str()) {
            found.push(format!("{head}) {}", fields[0]));
        }
    }
    found
}

fn fake(dir: &std::path::Path, scenario: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join(format!("claude-{scenario}"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nFAKE_CLAUDE_SCENARIO={scenario} exec {} \"$@\"\n",
            env!("CARGO_BIN_EXE_fake-claude")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test]
async fn flows_leave_no_process_and_no_file_descriptor_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(CredentialStore::new(
        tmp.path().join("c"),
        tmp.path().join("k/key"),
    ));
    let scripts: Vec<(PathBuf, &str)> = ["success", "network", "crash", "hang", "hang"]
        .iter()
        .map(|s| (fake(tmp.path(), s), *s))
        .collect();
    let before = open_fds();
    for (round, (cli, scenario)) in scripts.into_iter().enumerate() {
        let settings = LoginSettings {
            cli,
            lifetime: Duration::from_secs(60),
            timeouts: Timeouts {
                url: Duration::from_secs(10),
                exchange: Duration::from_millis(500),
                resume_grace: Duration::from_secs(1),
            },
            store: store.clone(),
            env: vec![],
        };
        let (tx, mut rx) = mpsc::channel(64);
        let (handle, task) = login::start(&settings, tx).unwrap();
        while !matches!(rx.recv().await, Some(FlowEvent::Url { .. })) {}
        handle
            .commands
            .send(FlowCommand::Code("abc#def".into()))
            .await
            .unwrap();
        match (scenario, round) {
            // The last one is dropped while the CLI still runs.
            (_, 4) => {
                drop(handle);
            }
            ("network", _) => {
                while !matches!(rx.recv().await, Some(FlowEvent::Error { .. })) {}
                handle.commands.send(FlowCommand::Cancel).await.unwrap();
            }
            _ => {}
        }
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .unwrap()
            .unwrap();
    }
    // A killed child is reaped within moments; give the reaper that moment.
    for _ in 0..100 {
        if children().is_empty() && open_fds() == before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(children(), Vec::<String>::new(), "processes left behind");
    assert_eq!(open_fds(), before, "file descriptors left open");
}
