//! Where the focus goes when the page changes under the person: what a
//! screen reader or a keyboard user must meet first. (What axe-core cannot
//! check; the Playwright suite does.) Both run only in the browser.

use leptos::{
    html::{A, P},
    prelude::*,
};

/// Moves the focus to `link` each time `bumped` grows (and it is shown):
/// the sign-in link that just arrived, which the person opens first.
pub(crate) fn focus_when_bumped(bumped: RwSignal<u32>, link: NodeRef<A>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if bumped.get() > 0 {
            if let Some(link) = link.get() {
                let _ = link.focus();
            }
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (bumped, link);
}

/// Moves the focus to `message` each time it is shown: an error the person
/// must read before going on. The element needs `tabindex="-1"`.
pub(crate) fn focus_when_shown(message: NodeRef<P>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(element) = message.get() {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
}

/// Runs `then` each time this tab is shown again (the person comes back
/// from the sign-in tab), for as long as the calling component lives.
pub(crate) fn when_back_in_this_tab(then: impl Fn() + Send + Sync + 'static) {
    #[cfg(feature = "hydrate")]
    {
        // `visibilitychange` is fired at the document and bubbles to the window.
        let handle = window_event_listener_untyped("visibilitychange", move |_| {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if visible {
                then();
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = then;
}
