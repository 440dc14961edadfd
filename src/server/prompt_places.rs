//! Every running prompt on the server: the cap on how many `claude` runs
//! at once (`DISPATCH_MAX_SESSIONS`), and stopping them all when the server
//! stops.

use std::{sync::Arc, time::Duration};

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

#[derive(Clone)]
pub struct PromptPlaces {
    places: Arc<Semaphore>,
    max: usize,
    stopping: Arc<watch::Sender<bool>>,
}

impl PromptPlaces {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(max)),
            max,
            stopping: Arc::new(watch::channel(false).0),
        }
    }

    /// The cap.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// A place for one more run, unless all are taken or the server stops.
    pub(crate) fn try_place(&self) -> Option<OwnedSemaphorePermit> {
        if *self.stopping.borrow() {
            return None;
        }
        self.places.clone().try_acquire_owned().ok()
    }

    /// Runs in progress (each holds a place until its CLI is reaped).
    pub(crate) fn running(&self) -> usize {
        self.max - self.places.available_permits()
    }

    /// What a run watches to hear that the server stops.
    pub(crate) fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Stops every run and waits, at most 5 s, until their CLIs are reaped:
    /// until every place is back (each run holds one until it is reaped).
    pub(crate) async fn shut_down(&self) {
        self.stopping.send_replace(true);
        let all = u32::try_from(self.max).unwrap_or(u32::MAX);
        let every_place = self.places.acquire_many(all);
        // Given back at once: `stopping` already refuses new runs.
        match tokio::time::timeout(Duration::from_secs(5), every_place).await {
            Ok(Ok(_every_place)) => {}
            _ => tracing::warn!(
                left = self.running(),
                "some Claude runs did not end within 5 s"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn places_are_capped_returned_and_refused_once_stopping() {
        let places = PromptPlaces::new(2);
        let first = places.try_place().unwrap();
        let _second = places.try_place().unwrap();
        assert!(places.try_place().is_none());
        assert_eq!(places.running(), 2);
        drop(first);
        assert_eq!(places.running(), 1);
        let waiting = places.stopping();
        let stopper = places.clone();
        let stop = tokio::spawn(async move { stopper.shut_down().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(*waiting.borrow());
        assert!(places.try_place().is_none());
        drop(_second);
        stop.await.unwrap();
        assert_eq!(places.running(), 0);
    }
}
