//! Every live login flow on the server: the cap on how many may run, and
//! the way back to a flow by its id after a connection dropped.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use rand::{distr::Alphanumeric, Rng};
use tokio::sync::{mpsc, Notify};

use super::claude::{
    activity::ActivityLog,
    flow_machine::FlowEvent,
    flow_task::{self, FlowCommand, FlowHandle, LoginSettings, OutcomeLog},
    pty::PtyError,
};
use super::metrics::Metrics;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error("The server runs as many sign-ins as it allows ({0}). Try again in a few minutes.")]
    Busy(usize),
    #[error("The Claude CLI could not be started: {0}")]
    Spawn(#[from] PtyError),
}

#[derive(Default)]
struct Live {
    flows: HashMap<String, FlowHandle>,
    shutting_down: bool,
}

/// The registry; cheap to clone.
#[derive(Clone)]
pub struct Flows {
    live: Arc<Mutex<Live>>,
    /// Told each time a flow ends (the stop waits for the last one).
    ended: Arc<Notify>,
    max: usize,
    metrics: Arc<Metrics>,
    /// Where each flow's end is recorded: a sign-in, or why it failed.
    activity: Arc<ActivityLog>,
}

impl Flows {
    pub(crate) fn new(max: usize, metrics: Arc<Metrics>, activity: Arc<ActivityLog>) -> Self {
        Self {
            live: Arc::default(),
            ended: Arc::default(),
            max,
            metrics,
            activity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Live> {
        // Every change is a single insert or remove: a poisoned map is whole.
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many flows run now.
    pub(crate) fn count(&self) -> usize {
        self.lock().flows.len()
    }

    /// Starts a flow for the client at `ip` whose events go to `events`;
    /// returns its id and handle.
    pub(crate) fn start(
        &self,
        settings: &LoginSettings,
        events: mpsc::Sender<FlowEvent>,
        ip: Option<IpAddr>,
    ) -> Result<(String, FlowHandle), StartError> {
        let id = new_id();
        {
            // Reserve the place before spawning, so two starts cannot both
            // take the last one.
            let live = self.lock();
            if live.shutting_down || live.flows.len() >= self.max {
                return Err(StartError::Busy(self.max));
            }
        }
        let log = OutcomeLog {
            activity: self.activity.clone(),
            ip,
        };
        let (handle, driver) = flow_task::prepare(settings, events, Some(log))?;
        {
            let mut live = self.lock();
            if live.shutting_down || live.flows.len() >= self.max {
                // Lost the race: the driver is dropped unstarted, which kills the CLI.
                return Err(StartError::Busy(self.max));
            }
            live.flows.insert(id.clone(), handle.clone());
        }
        self.metrics.flow_started();
        let registry = self.clone();
        let flow_id = id.clone();
        let started = std::time::Instant::now();
        tokio::spawn(async move {
            let outcome = driver.await;
            registry.metrics.flow_ended(outcome, started.elapsed());
            registry.lock().flows.remove(&flow_id);
            registry.ended.notify_waiters();
        });
        Ok((id, handle))
    }

    /// The flow with this id, if it still runs.
    pub(crate) fn get(&self, id: &str) -> Option<FlowHandle> {
        self.lock().flows.get(id).cloned()
    }

    /// Tells every flow the server stops, and refuses new ones; resolves
    /// once every flow has ended (each kills and reaps its CLI).
    pub(crate) async fn shut_down(&self) {
        let handles: Vec<FlowHandle> = {
            let mut live = self.lock();
            live.shutting_down = true;
            live.flows.values().cloned().collect()
        };
        for handle in handles {
            let _ = handle.commands.send(FlowCommand::Shutdown).await;
        }
        let last_one_ended = async {
            loop {
                // Registered before the count is read: an end between the
                // two still wakes it.
                let ended = self.ended.notified();
                if self.count() == 0 {
                    return;
                }
                ended.await;
            }
        };
        if tokio::time::timeout(std::time::Duration::from_secs(5), last_one_ended)
            .await
            .is_err()
        {
            tracing::warn!(
                left = self.count(),
                "some login flows did not end within 5 s"
            );
        }
    }
}

/// An unguessable flow id: 128 bits of randomness, URL-safe.
fn new_id() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}
