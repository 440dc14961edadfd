//! After flows end, however they end, nothing is left: no CLI process (nor
//! zombie), and the process's open file descriptors are back where they
//! started. Alone in its own test binary so no other test opens files meanwhile.
#![cfg(feature = "ssr")]

mod support;

use std::{path::PathBuf, sync::Arc, time::Duration};

use dispatch::server::claude::{
    cli_env::CliEnv,
    credentials::CredentialStore,
    flow_machine::{FlowEvent, Timeouts},
    flow_task::{self, FlowCommand, LoginSettings},
};
use tokio::sync::mpsc;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Our children (any state, zombies included).
fn children() -> Vec<String> {
    support::children_of(std::process::id())
        .into_iter()
        .map(|(_, described)| described)
        .collect()
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
        .map(|s| {
            let cli = support::fake_cli(
                tmp.path(),
                &format!("claude-{s}"),
                &[("FAKE_CLAUDE_SCENARIO", s)],
            );
            (cli, *s)
        })
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
            cli_env: CliEnv::default(),
            env: vec![],
        };
        let (tx, mut rx) = mpsc::channel(64);
        let (handle, task) = flow_task::start(&settings, tx).unwrap();
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
