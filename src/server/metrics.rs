//! `/metrics` in the Prometheus text format: flows started, completed and
//! failed by reason, how long they took, and what is live now.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

use super::claude::flow_task::FlowOutcome;
use crate::protocol::ErrorReason;

/// Upper bounds (seconds) of the flow-duration histogram: a sign-in takes
/// from seconds (a pasted code) to the 10-minute lifetime.
const DURATION_BUCKETS: [f64; 8] = [1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0];

#[derive(Default)]
struct Durations {
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    started: AtomicU64,
    completed: AtomicU64,
    failed: Mutex<BTreeMap<String, u64>>,
    durations: Mutex<Durations>,
    websockets: AtomicI64,
}

/// What is read at the moment of a scrape, besides the counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Gauges {
    /// Login flows running (each runs one CLI).
    pub live_flows: usize,
    /// Claude prompts running (each runs one CLI).
    pub running_prompts: usize,
    /// When the served TLS certificate expires (Unix seconds).
    pub certificate_expiry: Option<i64>,
    /// When the stored credential expires (Unix seconds).
    pub credential_expiry: Option<i64>,
}

/// Counts a websocket connection while it lives.
pub(crate) struct ConnectionGuard<'a>(&'a Metrics);

impl Drop for ConnectionGuard<'_> {
    fn drop(&mut self) {
        self.0.websockets.fetch_sub(1, Ordering::Relaxed);
    }
}

fn reason_name(reason: ErrorReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

impl Metrics {
    pub(crate) fn flow_started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn flow_ended(&self, outcome: Option<FlowOutcome>, took: Duration) {
        match outcome {
            Some(FlowOutcome::Completed) => {
                self.completed.fetch_add(1, Ordering::Relaxed);
            }
            Some(FlowOutcome::Failed(reason)) => {
                *lock(&self.failed).entry(reason_name(reason)).or_default() += 1;
            }
            None => {}
        }
        let secs = took.as_secs_f64();
        let mut d = lock(&self.durations);
        for (i, bound) in DURATION_BUCKETS.iter().enumerate() {
            if secs <= *bound {
                d.buckets[i] += 1;
            }
        }
        d.count += 1;
        d.sum += secs;
    }

    pub(crate) fn websocket_opened(&self) -> ConnectionGuard<'_> {
        self.websockets.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard(self)
    }

    /// The text format, with the gauges read now.
    pub(crate) fn render(&self, now: &Gauges) -> String {
        let Gauges {
            live_flows,
            running_prompts,
            certificate_expiry,
            credential_expiry,
        } = *now;
        let failed = lock(&self.failed).clone();
        let (buckets, count, sum) = {
            let d = lock(&self.durations);
            (d.buckets, d.count, d.sum)
        };
        let mut out = String::new();
        let o = &mut out;
        let count_of = |n: &AtomicU64| gauge(n.load(Ordering::Relaxed));
        sample(
            o,
            "dispatch_login_flows_started_total",
            "counter",
            "Login flows started.",
            count_of(&self.started),
        );
        sample(
            o,
            "dispatch_login_flows_completed_total",
            "counter",
            "Login flows that stored a token.",
            count_of(&self.completed),
        );
        header(
            o,
            "dispatch_login_flows_failed_total",
            "counter",
            "Login flows that ended without a token, by reason.",
        );
        for (reason, n) in &failed {
            let _ = writeln!(
                o,
                "dispatch_login_flows_failed_total{{reason=\"{reason}\"}} {n}"
            );
        }
        let duration = "dispatch_login_flow_duration_seconds";
        header(o, duration, "histogram", "How long login flows lasted.");
        for (bound, n) in DURATION_BUCKETS.iter().zip(buckets) {
            let _ = writeln!(o, "{duration}_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(o, "{duration}_bucket{{le=\"+Inf\"}} {count}\n{duration}_sum {sum}\n{duration}_count {count}");
        let websockets = self.websockets.load(Ordering::Relaxed);
        sample(
            o,
            "dispatch_login_flows_live",
            "gauge",
            "Login flows running now.",
            gauge(live_flows),
        );
        sample(
            o,
            "dispatch_claude_prompts_running",
            "gauge",
            "Claude session prompts running now.",
            gauge(running_prompts),
        );
        sample(
            o,
            "dispatch_running_clis",
            "gauge",
            "Claude CLI processes running now (sign-ins and prompts).",
            gauge(live_flows + running_prompts),
        );
        sample(
            o,
            "dispatch_websocket_connections",
            "gauge",
            "Open websocket connections.",
            websockets,
        );
        // Only where Dispatch serves TLS: an alert on "expires within N
        // days" is the usual use.
        if let Some(expiry) = certificate_expiry {
            sample(
                o,
                "dispatch_tls_certificate_expiry_timestamp_seconds",
                "gauge",
                "When the TLS certificate served stops being valid (Unix time).",
                expiry,
            );
        }
        // Only for a stored credential that expires (a token, not an API key).
        if let Some(expiry) = credential_expiry {
            sample(
                o,
                "dispatch_credential_expiry_timestamp_seconds",
                "gauge",
                "When the Claude credential Dispatch stored expires (Unix time).",
                expiry,
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A metric with one value: its header, then the value.
fn sample(out: &mut String, name: &str, kind: &str, help: &str, value: i64) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Counters stay meaningful after a panic elsewhere.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A count as a sample's value (counts never come near `i64::MAX`).
fn gauge(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_counts_flows_by_outcome() {
        let m = Metrics::default();
        m.flow_started();
        m.flow_started();
        m.flow_started();
        m.flow_ended(Some(FlowOutcome::Completed), Duration::from_secs(3));
        m.flow_ended(
            Some(FlowOutcome::Failed(ErrorReason::InvalidCode)),
            Duration::from_secs(40),
        );
        let _socket = m.websocket_opened();
        let text = m.render(&Gauges {
            live_flows: 1,
            ..Gauges::default()
        });
        for line in [
            "dispatch_login_flows_started_total 3",
            "dispatch_login_flows_completed_total 1",
            "dispatch_login_flows_failed_total{reason=\"invalid_code\"} 1",
            "dispatch_login_flow_duration_seconds_bucket{le=\"5\"} 1",
            "dispatch_login_flow_duration_seconds_bucket{le=\"60\"} 2",
            "dispatch_login_flow_duration_seconds_bucket{le=\"+Inf\"} 2",
            "dispatch_login_flow_duration_seconds_count 2",
            "dispatch_login_flows_live 1",
            "dispatch_running_clis 1",
            "dispatch_websocket_connections 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        drop(_socket);
        assert!(m
            .render(&Gauges::default())
            .contains("dispatch_websocket_connections 0"));
        assert!(
            !text.contains("expiry"),
            "no TLS or token, no expiry metrics"
        );
    }

    #[test]
    fn expiries_are_gauges_when_known() {
        let text = Metrics::default().render(&Gauges {
            certificate_expiry: Some(1_900_000_000),
            credential_expiry: Some(1_800_000_000),
            ..Gauges::default()
        });
        for line in [
            "dispatch_tls_certificate_expiry_timestamp_seconds 1900000000",
            "dispatch_credential_expiry_timestamp_seconds 1800000000",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing");
        }
    }
}
