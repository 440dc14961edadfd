//! Connects the login model to the page: the person's actions and the
//! socket's signals update it, and its effects are carried out here.

use leptos::prelude::*;

use super::model::{Effect, LoginModel};
use crate::{
    protocol::{
        code::CodeError,
        terminal::{TerminalKey, TypedError},
        ClientEvent, ServerEvent,
    },
    ui::access::Access,
};

/// What a Claude pane hears from the shared socket.
#[derive(Clone, Debug)]
pub enum PaneSignal {
    /// A `claude.session.*` event.
    Event(ServerEvent),
    /// The socket dropped (the server stops a running prompt with it).
    Lost,
}

/// Whether the socket is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not opened yet (nothing needed it), or open.
    Up,
    /// Dropped; trying again in this many seconds.
    Reconnecting(u64),
}

#[derive(Clone, Copy)]
pub struct LoginController {
    pub model: RwSignal<LoginModel>,
    pub link: RwSignal<Link>,
    /// Bumped when the sign-in link should take the focus.
    pub focus_link: RwSignal<u32>,
    access: Access,
    /// The Claude pane on the page, if one is open.
    pane: StoredValue<Option<Callback<PaneSignal>>>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<Option<super::socket::LoginSocket>, LocalStorage>,
}

impl LoginController {
    pub fn provide(access: Access) -> Self {
        let controller = Self {
            model: RwSignal::new(LoginModel::default()),
            link: RwSignal::new(Link::Up),
            focus_link: RwSignal::new(0),
            access,
            pane: StoredValue::new(None),
            #[cfg(feature = "hydrate")]
            socket: StoredValue::new_local(None),
        };
        provide_context(controller);
        controller
    }

    pub fn expect() -> Self {
        expect_context::<LoginController>()
    }

    pub fn start(self) {
        let effect = self.model.try_update(|m| m.start());
        self.run(effect.into_iter().collect());
    }

    /// `Err` (nothing sent) when the code cannot be right.
    pub fn submit(self, code: &str) -> Result<(), CodeError> {
        let effect = self
            .model
            .try_update(|m| m.submit(code))
            .unwrap_or(Err(CodeError::Empty))?;
        self.run(vec![effect]);
        Ok(())
    }

    /// Text for the CLI's live screen; `Err` (nothing sent) with why not.
    pub fn type_text(self, text: &str) -> Result<(), TypedError> {
        let effect = self
            .model
            .try_update(|m| m.type_text(text))
            .unwrap_or(Err(TypedError::Empty))?;
        self.run(vec![effect]);
        Ok(())
    }

    /// A key for the CLI's live screen.
    pub fn press(self, key: TerminalKey) {
        let effect = self.model.try_update(|m| m.press(key));
        self.run(effect.into_iter().collect());
    }

    pub fn new_link(self) {
        let effect = self.model.try_update(|m| m.new_link());
        self.run(effect.into_iter().collect());
    }

    pub fn retry(self) {
        let effect = self.model.try_update(|m| m.retry());
        self.run(effect.into_iter().collect());
    }

    pub fn cancel(self) {
        let effect = self.model.try_update(|m| m.cancel()).flatten();
        self.run(effect.into_iter().collect());
    }

    /// A pane listens to the socket's session events (`None`: it closed).
    pub fn listen_pane(self, pane: Option<Callback<PaneSignal>>) {
        self.pane.set_value(pane);
    }

    #[cfg(feature = "hydrate")]
    fn tell_pane(self, signal: PaneSignal) {
        if let Some(pane) = self.pane.get_value() {
            pane.run(signal);
        }
    }

    /// Back to the prompt or the status after a success or a final error.
    pub fn dismiss(self) {
        self.model.set(LoginModel::default());
    }

    fn run(self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(outgoing) => self.send(outgoing),
                Effect::RefreshStatus => self.access.refresh(),
                Effect::FocusLink => self.focus_link.update(|n| *n += 1),
                Effect::KeyRefused => self.access.forget_key(),
            }
        }
    }

    /// Opens the socket before it is needed (its code fetched, its hello
    /// said), so that a tap on "Login with Claude" finds it ready: on a
    /// phone's network, fetching and opening it after the tap took most
    /// of a second. A socket the server closed as idle stays closed.
    #[cfg(feature = "hydrate")]
    pub fn warm_up(self) {
        if self.socket.with_value(Option::is_none) {
            let socket = super::socket::LoginSocket::open(self);
            self.socket.set_value(Some(socket));
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn warm_up(self) {}

    #[cfg(feature = "hydrate")]
    pub fn send(self, outgoing: ClientEvent) {
        self.warm_up();
        self.socket.with_value(|s| {
            if let Some(socket) = s {
                socket.send(outgoing);
            }
        });
    }

    /// The access key each frame is signed with.
    #[cfg(feature = "hydrate")]
    pub(super) fn key(self) -> Option<String> {
        self.access.key()
    }

    /// What the socket heard. Called only from the socket's task, so this
    /// (and the model's reading of events) travels in its WASM chunk.
    #[cfg(feature = "hydrate")]
    pub(super) fn hear(self, signal: super::socket::Signal) {
        use super::socket::Signal;
        match signal {
            Signal::Open => {
                self.link.set(Link::Up);
                let resume = self.model.with_untracked(|m| m.reconnected());
                self.run(resume.into_iter().collect());
            }
            Signal::Event(event) if event.is_session() => self.tell_pane(PaneSignal::Event(event)),
            Signal::Event(event) => {
                let effects = self
                    .model
                    .try_update(|m| m.on_event(event))
                    .unwrap_or_default();
                self.run(effects);
            }
            Signal::Lost { retry_in } => self.lost(retry_in),
        }
    }

    /// The socket is down (or its code could not be fetched); the next try
    /// is in `retry_in`.
    #[cfg(feature = "hydrate")]
    pub(super) fn lost(self, retry_in: std::time::Duration) {
        self.tell_pane(PaneSignal::Lost);
        self.link.set(Link::Reconnecting(retry_in.as_secs().max(1)))
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn send(self, _: ClientEvent) {}
}
