//! Waiting before trying again: the socket's reconnects, and fetches of a
//! WASM chunk that must come before the page can go on.

use std::{future::Future, time::Duration};

/// Delays of 0.5 s, 1 s, 2 s, 4 s, then every 8 s.
#[derive(Default)]
pub(crate) struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// Tells the page when the next try is (`lost`), then waits until then.
    pub(crate) async fn wait(&mut self, lost: impl Fn(Duration)) {
        let retry_in = delay(self.attempt);
        self.attempt += 1;
        lost(retry_in);
        sleep(retry_in).await;
    }

    /// It worked: the next failure starts again from the shortest delay.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Runs `attempt` until it succeeds, with the backoff's waits between tries;
/// `lost` hears each wait before it starts.
pub(crate) async fn until_ok<T, E, F>(mut attempt: impl FnMut() -> F, lost: impl Fn(Duration)) -> T
where
    F: Future<Output = Result<T, E>>,
{
    let mut backoff = Backoff::default();
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(_) => backoff.wait(&lost).await,
        }
    }
}

/// The wait before try number `attempt + 1`.
fn delay(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.min(4)))
}

/// Waits `delay` without blocking the page.
pub(crate) async fn sleep(delay: Duration) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = done.send(());
        },
        delay,
    );
    let _ = wait.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_half_a_second_and_stop_at_eight() {
        let delays: Vec<u64> = (0..7).map(|a| delay(a).as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(delay(u32::MAX), Duration::from_secs(8));
    }
}
