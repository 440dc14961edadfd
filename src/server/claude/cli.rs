//! Finding the `claude` binary and asking its version.
//!
//! Order: `CLAUDE_CLI`, then `node_modules/.bin/claude` (in the
//! working directory, then in each folder above the `dispatch` binary, so an
//! installed tree works from any directory), then `claude` on `PATH`.

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use tokio::process::Command;

use super::cli_env::CliEnv;

/// How long `claude --version` may take before the CLI counts as broken.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);
const LOCAL_CLI: &str = "node_modules/.bin/claude";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum CliError {
    #[error("The Claude CLI was not found (tried {}). Install it with `npm ci` in Dispatch's folder, or set CLAUDE_CLI.", list(.tried))]
    Missing { tried: Vec<PathBuf> },
    #[error("The Claude CLI at {} is not an executable file (set by CLAUDE_CLI).", .0.display())]
    NotExecutable(PathBuf),
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where to look, in order.
pub(crate) struct CliSearch {
    /// `CLAUDE_CLI`, if set: then nothing else is tried.
    pub configured: Option<PathBuf>,
    pub working_dir: Option<PathBuf>,
    /// Folders above the running binary, nearest first.
    pub install_dirs: Vec<PathBuf>,
    /// The `PATH` variable.
    pub path_var: Option<std::ffi::OsString>,
}

impl CliSearch {
    /// The search this process would do.
    pub(crate) fn from_process(configured: Option<PathBuf>) -> Self {
        Self {
            configured,
            working_dir: std::env::current_dir().ok(),
            install_dirs: crate::server::install::executable_ancestors(),
            path_var: std::env::var_os("PATH"),
        }
    }

    /// Every place that will be looked at, in order.
    pub(crate) fn candidates(&self) -> Vec<PathBuf> {
        if let Some(configured) = &self.configured {
            return vec![configured.clone()];
        }
        let mut out: Vec<PathBuf> = Vec::new();
        for dir in self.working_dir.iter().chain(&self.install_dirs) {
            let candidate = dir.join(LOCAL_CLI);
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
        if let Some(path_var) = &self.path_var {
            out.extend(std::env::split_paths(path_var).map(|d| d.join("claude")));
        }
        out
    }

    /// The first candidate that is an executable file.
    pub(crate) fn find(&self) -> Result<PathBuf, CliError> {
        let candidates = self.candidates();
        if let Some(configured) = &self.configured {
            return if is_executable(configured) {
                Ok(configured.clone())
            } else {
                Err(CliError::NotExecutable(configured.clone()))
            };
        }
        candidates
            .iter()
            .find(|c| is_executable(c))
            .cloned()
            .ok_or_else(|| {
                // Name the local places and PATH itself, not every PATH entry.
                let mut tried: Vec<PathBuf> = candidates
                    .into_iter()
                    .filter(|c| c.ends_with(LOCAL_CLI))
                    .collect();
                tried.push(PathBuf::from("claude on PATH"));
                CliError::Missing { tried }
            })
    }
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Reads the version out of `claude --version` output (`2.1.197 (Claude Code)`).
pub(crate) fn parse_version(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|word| {
            let mut parts = word.split('.');
            parts.clone().count() >= 2
                && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        })
        .map(str::to_owned)
}

/// Runs `claude --version` with the variables `env` allows; `None` if it
/// fails, hangs or prints no version.
pub(crate) async fn version(cli: &Path, env: &CliEnv) -> Option<String> {
    let mut command = Command::new(cli);
    env.apply(&mut command);
    let run = command
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(VERSION_TIMEOUT, run).await {
        Ok(Ok(output)) if output.status.success() => {
            parse_version(&String::from_utf8_lossy(&output.stdout))
        }
        Ok(Ok(output)) => {
            tracing::warn!(cli = %cli.display(), status = %output.status, "claude --version failed");
            None
        }
        Ok(Err(error)) => {
            tracing::warn!(cli = %cli.display(), %error, "claude --version could not run");
            None
        }
        Err(_) => {
            tracing::warn!(cli = %cli.display(), "claude --version timed out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn executable(dir: &Path, rel: &str) -> PathBuf {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "#!/bin/sh\necho '9.8.7 (Claude Code)'\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn search(root: &Path) -> CliSearch {
        CliSearch {
            configured: None,
            working_dir: Some(root.join("cwd")),
            install_dirs: vec![root.join("install")],
            path_var: Some(root.join("bin").into_os_string()),
        }
    }

    #[test]
    fn versions_are_read_from_the_cli_output() {
        assert_eq!(
            parse_version("2.1.197 (Claude Code)\n").as_deref(),
            Some("2.1.197")
        );
        assert_eq!(parse_version("claude 2.1.332").as_deref(), Some("2.1.332"));
        assert_eq!(parse_version("no version here"), None);
        assert_eq!(parse_version("1. 2"), None);
    }

    #[test]
    fn the_working_directory_comes_before_the_install_dir_and_path() {
        let tmp = tempfile::tempdir().unwrap();
        let in_path = executable(tmp.path(), "bin/claude");
        let s = search(tmp.path());
        assert_eq!(s.find().unwrap(), in_path);
        let installed = executable(tmp.path(), "install/node_modules/.bin/claude");
        assert_eq!(s.find().unwrap(), installed);
        let local = executable(tmp.path(), "cwd/node_modules/.bin/claude");
        assert_eq!(s.find().unwrap(), local);
    }

    #[test]
    fn a_missing_cli_names_what_was_tried() {
        let tmp = tempfile::tempdir().unwrap();
        let error = search(tmp.path()).find().unwrap_err();
        let text = error.to_string();
        assert!(text.contains("cwd/node_modules/.bin/claude"), "{text}");
        assert!(text.contains("install/node_modules/.bin/claude"), "{text}");
        assert!(text.contains("claude on PATH"), "{text}");
    }

    #[test]
    fn a_configured_cli_is_the_only_one_tried() {
        let tmp = tempfile::tempdir().unwrap();
        executable(tmp.path(), "bin/claude");
        let mut s = search(tmp.path());
        s.configured = Some(tmp.path().join("nowhere/claude"));
        assert_eq!(
            s.find(),
            Err(CliError::NotExecutable(tmp.path().join("nowhere/claude")))
        );
        let plain_file = tmp.path().join("not-executable");
        fs::write(&plain_file, "").unwrap();
        s.configured = Some(plain_file.clone());
        assert_eq!(s.find(), Err(CliError::NotExecutable(plain_file)));
    }

    #[tokio::test]
    async fn the_version_comes_from_running_the_cli() {
        let tmp = tempfile::tempdir().unwrap();
        let cli = executable(tmp.path(), "bin/claude");
        let env = CliEnv::default();
        assert_eq!(version(&cli, &env).await.as_deref(), Some("9.8.7"));
        assert_eq!(version(&tmp.path().join("missing"), &env).await, None);
    }
}
