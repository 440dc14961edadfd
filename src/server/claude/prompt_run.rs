//! Runs one prompt: `claude -p --output-format stream-json --verbose
//! [--resume <session>]`, the prompt on standard input, in a project folder, without a terminal,
//! with the server's variables `cli_env` allows plus the credential. Its lines become
//! [`SessionUpdate`]s; the run ends at its result, its timeout, a cancel, or
//! when the [`RunningSession`] is dropped — the CLI's whole process group
//! (tools included) is killed and reaped every time.

use std::{collections::VecDeque, path::PathBuf, process::Stdio, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader},
    process::{Child, Command},
    sync::{mpsc, oneshot, watch, OwnedSemaphorePermit},
};

use super::{
    cli_env::CliEnv,
    stream_json::{self, StreamEvent},
};

/// What a run needs.
pub struct SessionSettings {
    pub cli: PathBuf,
    /// Which of the server's variables the CLI sees.
    pub cli_env: CliEnv,
    pub project_dir: PathBuf,
    pub prompt: String,
    /// The CLI's session id, to continue that conversation.
    pub resume: Option<String>,
    /// The credential, as the variable the CLI reads and its value.
    pub credential: Option<(&'static str, SecretString)>,
    pub timeout: Duration,
    /// Output forwarded per run before the rest is dropped.
    pub max_output: usize,
    /// Turns true when the server stops.
    pub stopping: watch::Receiver<bool>,
}

/// What the pane hears from a run.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionUpdate {
    Event(StreamEvent),
    /// The output passed this many bytes (`max_output`); text and tools
    /// from here on are dropped.
    OutputCut(usize),
    End(SessionEnd),
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The CLI reported its result (success or error).
    Finished,
    /// No result within the timeout.
    TimedOut(Duration),
    Cancelled,
    /// The server stops.
    ServerStopping,
    /// The CLI ended without a result; the last of what it said.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("The Claude CLI could not be started ({}): {source}", cli.display())]
    Spawn {
        cli: PathBuf,
        source: std::io::Error,
    },
}

/// A run in progress. Dropping it stops the run.
pub struct RunningSession {
    pub updates: mpsc::Receiver<SessionUpdate>,
    cancel: Option<oneshot::Sender<()>>,
}

impl RunningSession {
    /// Stops the run; its `End(Cancelled)` follows on `updates`.
    pub(crate) fn cancel(&mut self) {
        if let Some(cancel) = self.cancel.take() {
            let _ = cancel.send(());
        }
    }
}

/// Starts the CLI; `permit` (a place under the server's cap) is held until
/// the process is reaped.
pub fn start(
    settings: SessionSettings,
    permit: OwnedSemaphorePermit,
) -> Result<RunningSession, SessionError> {
    // The prompt goes in on standard input, not the command line: a prompt
    // that starts with "-" would be read as a flag, and a command line is
    // visible to every user of the machine (`ps`).
    let mut command = Command::new(&settings.cli);
    command.args(["-p", "--output-format", "stream-json", "--verbose"]);
    if let Some(session) = &settings.resume {
        // One argument, `--resume=<id>`: even a value that slipped past the
        // UUID check could not be taken for a flag of its own.
        command.arg(format!("--resume={session}"));
    }
    settings.cli_env.apply(&mut command);
    if let Some((name, secret)) = &settings.credential {
        command.env(name, secret.expose_secret());
    }
    command
        .current_dir(&settings.project_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the tools it starts die with it.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|source| SessionError::Spawn {
        cli: settings.cli.clone(),
        source,
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        let prompt = settings.prompt.clone();
        tokio::spawn(async move {
            // Closing it (the drop) tells the CLI the prompt is whole. A CLI
            // that died early makes this fail; its end is reported anyway.
            let _ = stdin.write_all(prompt.as_bytes()).await;
        });
    }
    let (updates_tx, updates) = mpsc::channel(64);
    let (cancel, cancelled) = oneshot::channel();
    tokio::spawn(async move {
        let end = drive(child, settings, &updates_tx, cancelled).await;
        // The CLI is reaped: its place is free, whether or not the pane
        // reads its end.
        drop(permit);
        if let Some(end) = end {
            let _ = updates_tx.send(SessionUpdate::End(end)).await;
        }
    });
    Ok(RunningSession {
        updates,
        cancel: Some(cancel),
    })
}

/// Longest line read from the CLI; longer ones are skipped whole.
const MAX_LINE: usize = 4 * 1024 * 1024;
/// What is kept of standard error for a failure's message.
const STDERR_KEPT: usize = 2048;

/// How long the end of standard error is waited for once the output
/// closed: a tool the CLI left running may hold it open for ever.
const STDERR_WAIT: Duration = Duration::from_secs(2);

/// Runs the CLI to its end and reaps it; the end, or `None` when the pane
/// is gone. Nothing in here waits on the pane: updates queue up and go out
/// as it takes them, so a pane that stopped reading holds no more than the
/// queue, and the timeout, a cancel and the server's stop always work.
async fn drive(
    mut child: Child,
    settings: SessionSettings,
    updates: &mpsc::Sender<SessionUpdate>,
    mut cancelled: oneshot::Receiver<()>,
) -> Option<SessionEnd> {
    let mut stopping = settings.stopping.clone();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        stop(&mut child).await;
        return Some(SessionEnd::Failed(
            "the CLI's output could not be read".into(),
        ));
    };
    let mut stderr_tail = tokio::spawn(tail(stderr));
    let mut lines = BufReader::new(stdout);
    let mut line = Vec::new();
    let mut forwarded = 0usize;
    let mut cut_told = false;
    // Read from the CLI, not yet taken by the pane. The CLI is read only
    // while this is empty, so it holds the events of one line at most.
    let mut queue: VecDeque<SessionUpdate> = VecDeque::new();
    let mut finished = false;
    let deadline = tokio::time::sleep(settings.timeout);
    tokio::pin!(deadline);
    let end = loop {
        if finished && queue.is_empty() {
            break Some(SessionEnd::Finished);
        }
        tokio::select! {
            permit = updates.reserve(), if !queue.is_empty() => match permit {
                Ok(permit) => {
                    if let Some(update) = queue.pop_front() {
                        permit.send(update);
                    }
                }
                // The pane is gone.
                Err(_) => break None,
            },
            read = read_line(&mut lines, &mut line), if queue.is_empty() && !finished => match read {
                Ok(true) => {
                    let text = String::from_utf8_lossy(&line);
                    for event in stream_json::parse_line(&text) {
                        let is_result = matches!(event, StreamEvent::Result(_));
                        let size = match &event {
                            StreamEvent::Text(text) => text.len(),
                            StreamEvent::Tool { detail, .. } => detail.len(),
                            _ => 0,
                        };
                        if !is_result && forwarded + size > settings.max_output {
                            if !std::mem::replace(&mut cut_told, true) {
                                queue.push_back(SessionUpdate::OutputCut(settings.max_output));
                            }
                            continue;
                        }
                        forwarded += size;
                        queue.push_back(SessionUpdate::Event(event));
                        if is_result {
                            // Done: the CLI goes now, its result follows.
                            stop(&mut child).await;
                            finished = true;
                            break;
                        }
                    }
                }
                Ok(false) | Err(_) => {
                    // Output closed without a result.
                    let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                    let said = match tokio::time::timeout(STDERR_WAIT, &mut stderr_tail).await {
                        Ok(Ok(said)) => said,
                        _ => String::new(),
                    };
                    let how = match status {
                        Ok(Ok(status)) => format!("the CLI exited ({status}) without a result"),
                        _ => "the CLI closed its output without a result".to_owned(),
                    };
                    let said = said.trim();
                    break Some(SessionEnd::Failed(if said.is_empty() {
                        how
                    } else {
                        format!("{how}: {said}")
                    }));
                }
            },
            () = &mut deadline => break Some(SessionEnd::TimedOut(settings.timeout)),
            _ = &mut cancelled => break Some(SessionEnd::Cancelled),
            () = server_stops(&mut stopping) => break Some(SessionEnd::ServerStopping),
        }
    };
    stderr_tail.abort();
    stop(&mut child).await;
    // What the pane has not taken yet goes before the end, as far as it
    // takes it without waiting.
    for update in queue {
        if updates.try_send(update).is_err() {
            break;
        }
    }
    end
}

/// Resolves once the server stops (never, if the sender is gone).
async fn server_stops(stopping: &mut watch::Receiver<bool>) {
    if stopping.wait_for(|stopping| *stopping).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Reads one line (without its newline) into `line`; `false` at the end.
/// A line longer than [`MAX_LINE`] is skipped.
async fn read_line<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
) -> std::io::Result<bool> {
    loop {
        line.clear();
        let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX) + 1;
        let mut limited = (&mut *reader).take(limit);
        let read = limited.read_until(b'\n', line).await?;
        if read == 0 {
            return Ok(false);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            return Ok(true);
        }
        if line.len() <= MAX_LINE {
            // The last line, without a newline.
            return Ok(true);
        }
        // Too long: skip to the end of it.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let mut limited = (&mut *reader).take(64 * 1024);
            let read = limited.read_until(b'\n', &mut rest).await?;
            if read == 0 {
                return Ok(false);
            }
            if rest.last() == Some(&b'\n') {
                break;
            }
        }
    }
}

/// The last [`STDERR_KEPT`] bytes of a stream, read to its end.
async fn tail<R: AsyncRead + Unpin>(mut stream: R) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > STDERR_KEPT {
            kept.drain(..kept.len() - STDERR_KEPT);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Kills the CLI's process group and reaps the CLI.
async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SAFETY: killpg only sends a signal; the group is the child's own
        // (process_group(0)), and the child is not reaped yet, so its id
        // cannot have been reused.
        unsafe {
            if let Ok(group) = libc::pid_t::try_from(pid) {
                libc::killpg(group, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill().await;
    let _ = child.wait().await;
}
