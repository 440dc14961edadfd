//! Connects the login model to the page: the person's actions and the
//! socket's signals update it, and its effects are carried out here.

use leptos::prelude::*;

use super::model::{Effect, LoginModel};
use crate::{
    protocol::{
        code::CodeError,
        terminal::{TerminalKey, TypedError},
    },
    ui::{
        access::Access,
        socket::{Heard, Socket},
    },
};

#[derive(Clone, Copy)]
pub(crate) struct LoginController {
    pub model: RwSignal<LoginModel>,
    /// Bumped when the sign-in link should take the focus.
    pub focus_link: RwSignal<u32>,
    access: Access,
    socket: Socket,
}

impl LoginController {
    /// The sign-in for this page, listening to `socket`.
    pub(crate) fn provide(access: Access, socket: Socket) -> Self {
        let controller = Self {
            model: RwSignal::new(LoginModel::default()),
            focus_link: RwSignal::new(0),
            access,
            socket,
        };
        socket.listen_sign_in(Callback::new(move |heard| controller.hear(heard)));
        provide_context(controller);
        controller
    }

    pub(crate) fn expect() -> Self {
        expect_context::<LoginController>()
    }

    pub(crate) fn start(self) {
        let effect = self.model.try_update(|m| m.start());
        self.run(effect.into_iter().collect());
    }

    /// `Err` (nothing sent) when the code cannot be right.
    pub(crate) fn submit(self, code: &str) -> Result<(), CodeError> {
        let effect = self
            .model
            .try_update(|m| m.submit(code))
            .unwrap_or(Err(CodeError::Empty))?;
        self.run(vec![effect]);
        Ok(())
    }

    /// Text for the CLI's live screen; `Err` (nothing sent) with why not.
    pub(crate) fn type_text(self, text: &str) -> Result<(), TypedError> {
        let effect = self
            .model
            .try_update(|m| m.type_text(text))
            .unwrap_or(Err(TypedError::Empty))?;
        self.run(vec![effect]);
        Ok(())
    }

    /// A key for the CLI's live screen.
    pub(crate) fn press(self, key: TerminalKey) {
        let effect = self.model.try_update(|m| m.press(key));
        self.run(effect.into_iter().collect());
    }

    pub(crate) fn new_link(self) {
        let effect = self.model.try_update(|m| m.new_link());
        self.run(effect.into_iter().collect());
    }

    pub(crate) fn retry(self) {
        let effect = self.model.try_update(|m| m.retry());
        self.run(effect.into_iter().collect());
    }

    pub(crate) fn cancel(self) {
        let effect = self.model.try_update(|m| m.cancel()).flatten();
        self.run(effect.into_iter().collect());
    }

    /// Back to the prompt or the status after a success or a final error.
    pub(crate) fn dismiss(self) {
        self.model.set(LoginModel::default());
    }

    fn run(self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(outgoing) => self.socket.send(outgoing),
                Effect::RefreshStatus => self.access.refresh(),
                Effect::FocusLink => self.focus_link.update(|n| *n += 1),
                Effect::KeyRefused => self.access.forget_key(),
            }
        }
    }

    /// Makes the socket ready ahead of a tap on "Login with Claude".
    pub(crate) fn warm_up(self) {
        self.socket.warm_up();
    }

    /// What the socket heard for the sign-in.
    fn hear(self, heard: Heard) {
        let effects = match heard {
            Heard::Open => self
                .model
                .with_untracked(|m| m.reconnected())
                .into_iter()
                .collect(),
            Heard::Event(event) => self
                .model
                .try_update(|m| m.on_event(event))
                .unwrap_or_default(),
            Heard::Lost => Vec::new(),
        };
        self.run(effects);
    }
}
