//! `claude setup-token` in a pseudo-terminal, read and written without a
//! thread per flow: the PTY master is a file descriptor, watched by tokio's
//! `AsyncFd`. Every way a [`PtyProcess`] ends (drop included) kills the
//! child's whole process group and reaps it.

use std::{
    io,
    os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd},
    path::Path,
    sync::Mutex,
    time::Duration,
};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use tokio::io::unix::AsyncFd;

use super::cli_env::CliEnv;

/// Wide enough that neither the full sign-in URL (~330 characters) nor the
/// token (~108) wraps; the emulator reads wrapped lines too, should one wrap.
pub(crate) const COLUMNS: u16 = 400;
pub(crate) const ROWS: u16 = 24;

/// Variables that make the CLI try to open a browser (and wait 3 s first).
const BROWSER_VARIABLES: &[&str] = &["BROWSER", "DISPLAY", "WAYLAND_DISPLAY"];

#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    #[error("could not open a pseudo-terminal: {0}")]
    Open(String),
    #[error("could not start {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("the pseudo-terminal failed: {0}")]
    Io(#[from] io::Error),
}

/// A child process on a pseudo-terminal.
pub(crate) struct PtyProcess {
    fd: AsyncFd<OwnedFd>,
    // Kept so the PTY stays open and sized; reads and writes go through
    // `fd`. (In a Mutex only to make the handle Sync; it is never locked.)
    _master: Mutex<Box<dyn MasterPty + Send>>,
    child: Option<Box<dyn Child + Send + Sync>>,
    pid: i32,
}

impl PtyProcess {
    /// Starts `program args…` on a new PTY of [`COLUMNS`] x [`ROWS`], with
    /// the variables `env` allows (never the browser variables),
    /// `TERM=xterm-256color` and `extra_env`.
    pub(crate) fn spawn(
        program: &Path,
        args: &[&str],
        env: &CliEnv,
        extra_env: &[(&str, &str)],
    ) -> Result<Self, PtyError> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLUMNS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| PtyError::Open(e.to_string()))?;
        let mut command = CommandBuilder::new(program);
        command.args(args);
        env.apply_pty(&mut command);
        // Even when the operator names them: the CLI would wait for a browser.
        for name in BROWSER_VARIABLES {
            command.env_remove(name);
        }
        command.env("TERM", "xterm-256color");
        for (name, value) in extra_env {
            command.env(name, value);
        }
        if let Ok(cwd) = std::env::current_dir() {
            command.cwd(cwd);
        }
        let child = pair
            .slave
            .spawn_command(command)
            .map_err(|e| PtyError::Spawn {
                program: program.display().to_string(),
                reason: e.to_string(),
            })?;
        // Our copy of the slave must go, or reads never see the child's end.
        drop(pair.slave);
        let Some(pid) = child.process_id().and_then(|p| i32::try_from(p).ok()) else {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
            return Err(PtyError::Spawn {
                program: program.display().to_string(),
                reason: "it has no process id".into(),
            });
        };
        Ok(Self {
            fd: register(nonblocking_dup(pair.master.as_raw_fd())?)?,
            _master: Mutex::new(pair.master),
            child: Some(child),
            pid,
        })
    }

    pub(crate) fn pid(&self) -> i32 {
        self.pid
    }

    /// Reads what the child wrote; `Ok(0)` once the child has closed the terminal.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| read_fd(fd.as_raw_fd(), buf)) {
                Ok(Err(e)) if e.raw_os_error() == Some(libc::EIO) => return Ok(0),
                Ok(result) => return result,
                Err(_would_block) => continue,
            }
        }
    }

    /// Writes all of `bytes` to the child's terminal, as one write where the
    /// terminal's buffer allows.
    pub(crate) async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|fd| write_fd(fd.as_raw_fd(), bytes)) {
                Ok(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(Ok(n)) => bytes = &bytes[n..],
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
        Ok(())
    }

    /// The child's exit status if it has ended (reaping it), without waiting.
    pub(crate) fn try_exit_status(&mut self) -> Option<portable_pty::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok().flatten()?;
        self.child = None;
        Some(status)
    }

    /// Waits until the child has exited, up to `within`, and reaps it: its
    /// exit status, or `None` if it still runs (or was reaped before). The
    /// wait is the kernel's (a pidfd turns readable at the exit), not a
    /// poll; only kernels without pidfds (before 5.3) are polled.
    pub(crate) async fn wait_exit(&mut self, within: Duration) -> Option<portable_pty::ExitStatus> {
        if let Some(status) = self.try_exit_status() {
            return Some(status);
        }
        self.child.as_ref()?;
        let deadline = tokio::time::Instant::now() + within;
        let exit = exit_watch(self.pid);
        loop {
            match &exit {
                Ok(pidfd) => match tokio::time::timeout_at(deadline, pidfd.readable()).await {
                    Err(_elapsed) => return None,
                    Ok(Ok(mut ready)) => {
                        if let Some(status) = self.try_exit_status() {
                            return Some(status);
                        }
                        ready.clear_ready();
                    }
                    Ok(Err(_)) => tokio::time::sleep(POLL).await,
                },
                Err(_) => {
                    if tokio::time::Instant::now() >= deadline {
                        return None;
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
            if let Some(status) = self.try_exit_status() {
                return Some(status);
            }
        }
    }

    /// Kills the child's process group and waits (without blocking the
    /// runtime) until it is reaped.
    pub(crate) async fn kill(mut self) {
        if !self.signal_group(libc::SIGKILL) {
            return;
        }
        if self.wait_exit(Duration::from_secs(1)).await.is_none() && self.child.is_some() {
            tracing::error!(
                pid = self.pid,
                "the CLI did not die within a second of SIGKILL"
            );
        }
    }

    /// Signals the child's process group; `false` (and no signal) once the
    /// child was reaped: its pid may then belong to another process.
    fn signal_group(&self, signal: libc::c_int) -> bool {
        if self.child.is_none() {
            return false;
        }
        // SAFETY: kill(2) with a negative pid signals the child's process
        // group; the child leads its own session (portable-pty's setsid),
        // and it is not reaped yet, so the pid is still its own.
        unsafe {
            libc::kill(-self.pid, signal);
            libc::kill(self.pid, signal);
        }
        true
    }

    /// Kill and reap from a context that cannot await (drop).
    fn kill_now(&mut self) {
        if self.child.is_none() {
            return;
        }
        self.signal_group(libc::SIGKILL);
        if self.try_exit_status().is_some() {
            return;
        }
        if let Some(mut child) = self.child.take() {
            // A killed process dies in microseconds; reap it off the runtime's
            // worker threads rather than leave a zombie.
            let mut reap = move || {
                let _ = child.wait();
            };
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn_blocking(reap);
                }
                Err(_) => reap(),
            }
        }
    }
}

impl Drop for PtyProcess {
    fn drop(&mut self) {
        self.kill_now();
    }
}

/// How often a kernel without pidfds is asked whether the child exited.
const POLL: Duration = Duration::from_millis(5);

/// A descriptor that turns readable when process `pid` (our unreaped
/// child, so the pid is still its own) exits.
fn exit_watch(pid: i32) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: pidfd_open(2) takes a pid and flags and returns a new
    // descriptor or -1; it touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("pidfd out of range"))?;
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor was just opened and nothing else owns it.
    register(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn register(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the AsyncFd owns `fd`, which stays open and the same
    // descriptor for the AsyncFd's whole life (it closes on drop).
    unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)
}

fn nonblocking_dup(fd: Option<RawFd>) -> io::Result<OwnedFd> {
    let fd = fd.ok_or_else(|| io::Error::other("the PTY master has no file descriptor"))?;
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we own (or -1).
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `dup` is a fresh descriptor owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(dup) };
    // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(dup, libc::F_GETFL);
        if flags < 0 || libc::fcntl(dup, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(owned)
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    // Negative (only -1) is an error; anything else is the count.
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

fn write_fd(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    // SAFETY: `bytes` is valid for `bytes.len()` bytes.
    let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    // Negative (only -1) is an error; anything else is the count.
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_signal_is_sent_once_the_child_is_reaped() {
        let mut pty = PtyProcess::spawn(
            Path::new("/bin/sh"),
            &["-c", "exit 0"],
            &CliEnv::default(),
            &[],
        )
        .unwrap();
        let status = pty.wait_exit(Duration::from_secs(10)).await;
        assert!(status.is_some_and(|s| s.success()), "sh exits at once");
        // Its pid is free for the system to give to another process now.
        assert!(!pty.signal_group(libc::SIGKILL));
        pty.kill().await;
    }

    #[tokio::test]
    async fn waiting_for_the_exit_gives_its_status_or_gives_up() {
        let spawn = |script: &str| {
            PtyProcess::spawn(
                Path::new("/bin/sh"),
                &["-c", script],
                &CliEnv::default(),
                &[],
            )
            .unwrap()
        };
        let mut failing = spawn("exit 3");
        let status = failing.wait_exit(Duration::from_secs(10)).await;
        assert_eq!(status.map(|s| s.exit_code()), Some(3));
        // Reaped: there is nothing more to wait for.
        assert!(failing.wait_exit(Duration::from_secs(10)).await.is_none());

        let mut sleeping = spawn("sleep 30");
        assert!(sleeping
            .wait_exit(Duration::from_millis(50))
            .await
            .is_none());
        assert!(sleeping.signal_group(0), "still running after the wait");
        sleeping.kill().await;
    }

    #[tokio::test]
    async fn a_live_child_is_signalled_and_reaped() {
        let pty = PtyProcess::spawn(
            Path::new("/bin/sh"),
            &["-c", "sleep 30"],
            &CliEnv::default(),
            &[],
        )
        .unwrap();
        let pid = pty.pid();
        assert!(pty.signal_group(0), "signal 0 only asks whether it lives");
        pty.kill().await;
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }
}
