//! The page's one websocket to `/ws`, shared by the sign-in and the Claude
//! pane: each listens to its own events, both send through it.
//!
//! It is opened when first needed (the login prompt shows, or a pane sends
//! a prompt) and reopened with backoff when it drops. The connection itself
//! (`connection.rs`) is a WASM chunk of its own: a page that only shows the
//! status never loads it.

#[cfg(feature = "hydrate")]
mod connection;

use leptos::prelude::*;

use crate::{
    protocol::{ClientEvent, ServerEvent},
    ui::access::Access,
};

/// Whether the socket is up (only the browser opens one).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// Not opened yet (nothing needed it), or open.
    Up,
    /// Dropped; trying again in this many seconds.
    Reconnecting(u64),
}

/// What a listener hears.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug)]
pub(crate) enum Heard {
    /// Connected (again): the sign-in resumes a live flow.
    Open,
    /// An event for this listener: `claude.session.*` for the pane, the
    /// rest for the sign-in.
    Event(ServerEvent),
    /// Dropped (the server stops a running prompt with it).
    Lost,
}

/// The socket, for the whole page (through context); cheap to copy.
#[derive(Clone, Copy)]
pub(crate) struct Socket {
    pub link: RwSignal<Link>,
    /// Holds the key each frame is signed with.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    access: Access,
    sign_in: StoredValue<Option<Callback<Heard>>>,
    /// The Claude pane on the page, if one is open.
    session: StoredValue<Option<Callback<Heard>>>,
    /// Where frames wait to be sent; `None` until the socket is opened.
    #[cfg(feature = "hydrate")]
    outbox: StoredValue<Option<futures::channel::mpsc::UnboundedSender<ClientEvent>>, LocalStorage>,
}

impl Socket {
    pub(crate) fn provide(access: Access) -> Self {
        let socket = Self {
            link: RwSignal::new(Link::Up),
            access,
            sign_in: StoredValue::new(None),
            session: StoredValue::new(None),
            #[cfg(feature = "hydrate")]
            outbox: StoredValue::new_local(None),
        };
        provide_context(socket);
        socket
    }

    pub(crate) fn expect() -> Self {
        expect_context::<Socket>()
    }

    /// The sign-in hears everything but `claude.session.*`.
    pub(crate) fn listen_sign_in(self, listener: Callback<Heard>) {
        self.sign_in.set_value(Some(listener));
    }

    /// A pane hears `claude.session.*` and losses (`None`: it closed).
    pub(crate) fn listen_sessions(self, listener: Option<Callback<Heard>>) {
        self.session.set_value(listener);
    }

    /// Opens the socket before it is needed (its code fetched, its hello
    /// said), so that a tap on "Login with Claude" finds it ready: on a
    /// phone's network, fetching and opening it after the tap took most
    /// of a second. A socket the server closed as idle stays closed.
    pub(crate) fn warm_up(self) {
        #[cfg(feature = "hydrate")]
        if self.outbox.with_value(Option::is_none) {
            self.outbox.set_value(Some(connection::open(self)));
        }
    }

    /// Sends `event`, signed with the access key, opening the socket first
    /// if it is not.
    pub(crate) fn send(self, event: ClientEvent) {
        #[cfg(feature = "hydrate")]
        {
            self.warm_up();
            self.outbox.with_value(|outbox| {
                if let Some(outbox) = outbox {
                    let _ = outbox.unbounded_send(event);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }

    /// The access key each frame is signed with.
    #[cfg(feature = "hydrate")]
    fn key(self) -> Option<String> {
        self.access.key()
    }

    /// What the connection heard, to whom it concerns. Called only from
    /// the connection's task, so it travels in its chunk.
    #[cfg(feature = "hydrate")]
    fn hear(self, heard: Heard) {
        let tell = |listener: StoredValue<Option<Callback<Heard>>>, heard: Heard| {
            if let Some(listener) = listener.get_value() {
                listener.run(heard);
            }
        };
        match heard {
            Heard::Open => {
                self.link.set(Link::Up);
                tell(self.sign_in, Heard::Open);
            }
            Heard::Event(event) if event.is_session() => tell(self.session, Heard::Event(event)),
            Heard::Event(event) => tell(self.sign_in, Heard::Event(event)),
            Heard::Lost => tell(self.session, Heard::Lost),
        }
    }

    /// The socket is down (or its code could not be fetched); the next try
    /// is in `retry_in`.
    #[cfg(feature = "hydrate")]
    fn lost(self, retry_in: std::time::Duration) {
        self.hear(Heard::Lost);
        self.link.set(Link::Reconnecting(retry_in.as_secs().max(1)))
    }
}
