//! Who changed the credential, and when: every sign-in, stored API key,
//! sign-out, failed sign-in and refusal by Claude, as JSON lines in a file
//! beside the credential. Private (0600 in the 0700 folder), bounded to the
//! last [`KEPT`] events, and rewritten whole on each event (written beside,
//! synced, renamed over): a crash leaves the old list or the new one. No
//! event holds a secret or a code.

use std::{
    io,
    net::IpAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use super::{
    credential_life::now,
    credentials::{private_dir, write_atomically},
};
use crate::protocol::{time::iso8601, ActivityEvent, ActivityKind, AuthMethod, ErrorReason};

/// The file inside `CLAUDE_CREDENTIALS_PATH`.
pub(crate) const ACTIVITY_FILE: &str = "dispatch-activity.jsonl";
/// Events kept; older ones are dropped as new ones come.
pub(crate) const KEPT: usize = 1_000;

pub struct ActivityLog {
    path: PathBuf,
    /// One writer at a time: each write reads the list, adds, rewrites.
    writing: Mutex<()>,
}

impl ActivityLog {
    /// The log in the credential folder `dir`.
    pub(crate) fn new(dir: &Path) -> ActivityLog {
        ActivityLog {
            path: dir.join(ACTIVITY_FILE),
            writing: Mutex::new(()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `event` (blocking: call off the runtime's threads).
    pub(crate) fn record(&self, event: &ActivityEvent) -> io::Result<()> {
        let _one_writer = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut lines = self.lines()?;
        lines.push(serde_json::to_string(event).map_err(io::Error::other)?);
        let start = lines.len().saturating_sub(KEPT);
        let mut text = lines[start..].join("\n");
        text.push('\n');
        if let Some(dir) = self.path.parent() {
            private_dir(dir)?;
        }
        write_atomically(&self.path, text.as_bytes())
    }

    /// Every kept event, newest first (lines that do not parse are skipped).
    pub(crate) fn recent(&self) -> io::Result<Vec<ActivityEvent>> {
        let mut events: Vec<ActivityEvent> = self
            .lines()?
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        events.reverse();
        Ok(events)
    }

    fn lines(&self) -> io::Result<Vec<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// An event that happened now, from `ip`.
pub(crate) fn happened(
    kind: ActivityKind,
    ip: Option<IpAddr>,
    method: Option<AuthMethod>,
    reason: Option<ErrorReason>,
) -> ActivityEvent {
    ActivityEvent {
        at: iso8601(now()),
        kind,
        ip: ip.map(|ip| ip.to_string()),
        method,
        reason,
    }
}

/// Records `event` off the runtime's threads, and waits for it, so that
/// events keep the order they happened in. A failure is logged, never in
/// the way of what happened.
pub(crate) async fn record(log: &Arc<ActivityLog>, event: ActivityEvent) {
    let log = log.clone();
    let written = tokio::task::spawn_blocking(move || {
        let written = log.record(&event);
        (written, log)
    })
    .await;
    match written {
        Ok((Ok(()), _)) => {}
        Ok((Err(error), log)) => {
            tracing::warn!(%error, path = %log.path().display(), "the activity log could not be written");
        }
        Err(error) => tracing::error!(%error, "writing the activity log failed"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn event(n: usize) -> ActivityEvent {
        ActivityEvent {
            at: iso8601(1_796_300_000 + i64::try_from(n).unwrap()),
            kind: ActivityKind::LoginFailed,
            ip: Some("192.0.2.7".into()),
            method: None,
            reason: Some(ErrorReason::InvalidCode),
        }
    }

    #[test]
    fn events_come_back_newest_first_from_a_private_bounded_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("claude");
        let log = ActivityLog::new(&dir);
        assert!(log.recent().unwrap().is_empty());
        for n in 0..KEPT + 5 {
            log.record(&event(n)).unwrap();
        }
        let events = log.recent().unwrap();
        assert_eq!(events.len(), KEPT);
        assert_eq!(events[0], event(KEPT + 4), "newest first");
        assert_eq!(events[KEPT - 1], event(5), "the oldest five dropped");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(log.path()), 0o600);
        assert_eq!(mode(&dir), 0o700);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from(ACTIVITY_FILE)],
            "no temporary left"
        );
    }

    #[test]
    fn a_damaged_line_is_skipped_not_fatal() {
        let tmp = tempfile::tempdir().unwrap();
        let log = ActivityLog::new(tmp.path());
        log.record(&event(1)).unwrap();
        let mut text = std::fs::read_to_string(log.path()).unwrap();
        text.push_str("{not json\n");
        std::fs::write(log.path(), text).unwrap();
        log.record(&event(2)).unwrap();
        assert_eq!(log.recent().unwrap(), vec![event(2), event(1)]);
    }

    #[test]
    fn the_wire_form_names_what_happened_and_never_more() {
        let json = serde_json::to_value(happened(
            ActivityKind::SignedIn,
            Some("2001:db8::1".parse().unwrap()),
            Some(AuthMethod::OauthToken),
            None,
        ))
        .unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["at", "ip", "kind", "method"]);
        assert_eq!(json["kind"], "signed_in");
        assert_eq!(json["ip"], "2001:db8::1");
    }
}
