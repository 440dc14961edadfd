//! What this tab has of the server: the access key it holds, and what the
//! server said about Claude with it. Shared by every page through context.
//! ("Session" is kept for a Claude conversation, `claude.session.*`.)

use leptos::prelude::*;

use crate::protocol::ClaudeStatus;

/// Where the status check stands (the server renders `Checking`).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StatusState {
    /// Before the browser has looked for a key, or while the server is asked.
    Checking,
    /// No key yet, or the one given was refused (`wrong_key`).
    NeedKey {
        wrong_key: bool,
    },
    Ready(ClaudeStatus),
    /// The server could not be asked; the sentence says why.
    Unreachable(String),
}

/// The key and the status, for the whole page.
#[derive(Clone, Copy)]
pub(crate) struct Access {
    key: RwSignal<Option<String>>,
    pub state: RwSignal<StatusState>,
}

impl Access {
    /// Creates the access for this page and offers it to every component below.
    pub(crate) fn provide() -> Self {
        let access = Access {
            key: RwSignal::new(None),
            state: RwSignal::new(StatusState::Checking),
        };
        provide_context(access);
        // Effects run only in the browser: the server renders "Checking…".
        Effect::new(move |_| access.start());
        access
    }

    pub(crate) fn expect() -> Self {
        expect_context::<Access>()
    }

    /// Whether the key was accepted: true from the first status on, and
    /// through later re-checks (a refresh after a sign-in must not unmount
    /// what the key unlocked, a Claude pane mid-conversation among them).
    pub(crate) fn has_key_checked(self) -> Memo<bool> {
        Memo::new(move |before: Option<&bool>| match self.state.get() {
            StatusState::Ready(_) => true,
            StatusState::Checking => before.copied().unwrap_or(false),
            StatusState::NeedKey { .. } | StatusState::Unreachable(_) => false,
        })
    }

    /// The access key this tab holds, if any.
    pub(crate) fn key(self) -> Option<String> {
        self.key.get_untracked()
    }

    /// The key from the link's fragment or from storage, then the status.
    fn start(self) {
        // Not before the whole page has hydrated: the state chosen here
        // changes what the server rendered ("Checking…").
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            super::hydration::finished().await;
            self.start_now();
        });
    }

    #[cfg(feature = "hydrate")]
    fn start_now(self) {
        use super::browser;
        let from_link = browser::take_key_from_fragment();
        if let Some(key) = &from_link {
            browser::store_key(key, false);
        }
        match from_link.or_else(browser::stored_key) {
            Some(key) => {
                self.key.set(Some(key));
                self.refresh();
            }
            None => self.state.set(StatusState::NeedKey { wrong_key: false }),
        }
        browser::mark_hydrated();
    }

    /// The person typed a key: keep it (for the device too if `remember`) and check it.
    pub(crate) fn submit_key(self, key: String, remember: bool) {
        let key = key.trim().to_owned();
        if key.is_empty() {
            self.state.set(StatusState::NeedKey { wrong_key: true });
            return;
        }
        #[cfg(feature = "hydrate")]
        super::browser::store_key(&key, remember);
        #[cfg(not(feature = "hydrate"))]
        let _ = remember;
        self.key.set(Some(key));
        self.refresh();
    }

    /// Asks the server for the Claude status again.
    pub(crate) fn refresh(self) {
        #[cfg(feature = "hydrate")]
        {
            use super::{
                browser,
                rest::{self, StatusAnswer},
            };
            let Some(key) = self.key.get_untracked() else {
                self.state.set(StatusState::NeedKey { wrong_key: false });
                return;
            };
            self.state.set(StatusState::Checking);
            leptos::task::spawn_local(async move {
                let next = match rest::fetch_status(&key).await {
                    StatusAnswer::Status(status) => StatusState::Ready(status),
                    StatusAnswer::WrongKey => {
                        browser::forget_key();
                        self.key.set(None);
                        StatusState::NeedKey { wrong_key: true }
                    }
                    StatusAnswer::Failed(why) => StatusState::Unreachable(why),
                };
                self.state.set(next);
            });
        }
    }

    /// Forgets the key on this device and asks for it again.
    pub(crate) fn forget_key(self) {
        #[cfg(feature = "hydrate")]
        super::browser::forget_key();
        self.key.set(None);
        self.state.set(StatusState::NeedKey { wrong_key: false });
    }
}
