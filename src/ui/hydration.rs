//! When the whole page has hydrated. Lazy routes hydrate after their WASM
//! chunk arrives, while the App's own effects already run: state that
//! changes what the server rendered (the access-key step replacing
//! "Checking…") must wait for this, or the route hydrates against markup
//! that is no longer there.

use std::cell::RefCell;

use futures::channel::oneshot;

thread_local! {
    /// `None` once the page has hydrated; until then, who waits for it.
    static WAITING: RefCell<Option<Vec<oneshot::Sender<()>>>> = const { RefCell::new(Some(Vec::new())) };
}

/// Called once, when hydration has finished.
pub(crate) fn done() {
    let waiting = WAITING.with(|w| w.borrow_mut().take()).unwrap_or_default();
    for waiter in waiting {
        let _ = waiter.send(());
    }
}

/// Resolves once the page has hydrated (at once if it has).
pub(crate) async fn finished() {
    let receiver = WAITING.with(|w| {
        w.borrow_mut().as_mut().map(|waiting| {
            let (sender, receiver) = oneshot::channel();
            waiting.push(sender);
            receiver
        })
    });
    if let Some(receiver) = receiver {
        let _ = receiver.await;
    }
}
