//! The Claude pane as a pure state machine: the person's prompts and the
//! server's `claude.session.*` events go in; the conversation and what to
//! send come out. A result that asks for a sign-in turns the pane's input
//! into the code input; once signed in, the prompt that failed runs again.

use crate::protocol::{session::SessionResult, ServerEvent};

/// One line of the conversation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Entry {
    /// What the person asked.
    Prompt(String),
    /// Claude's text (consecutive pieces joined).
    Text(String),
    Tool {
        name: String,
        detail: String,
    },
    /// The end of an answer, and how long it took.
    Done {
        success: bool,
        text: String,
        duration_ms: u64,
    },
    /// Something went wrong.
    Problem(String),
    /// Dispatch says something (not Claude).
    Notice(String),
    /// Where the sign-in shows while it runs.
    SignIn,
}

/// What the page must send or do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PaneEffect {
    Prompt {
        project: String,
        prompt: String,
        session_id: Option<String>,
    },
    Stop,
    StartLogin,
    /// The input held a code for the sign-in.
    SubmitCode(String),
}

/// Longest prompt, as the server allows.
pub(crate) const MAX_PROMPT: usize = 8_000;
/// The conversation keeps at most this many entries…
const MAX_ENTRIES: usize = 300;
/// …and this much text; older entries go first.
const MAX_KEPT_BYTES: usize = 512 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PaneModel {
    pub project: String,
    pub entries: Vec<Entry>,
    /// A prompt is running.
    pub running: bool,
    /// The conversation to continue (from the last answered prompt).
    pub conversation: Option<String>,
    /// Signing in; the prompt to run again afterwards.
    pub signing_in: Option<String>,
    last_prompt: Option<String>,
    kept: usize,
    /// Entries removed from the front so far, to stay within the limits.
    removed: usize,
    /// What a screen reader is told: a finished answer, or Dispatch's
    /// notice; never the text as it streams (that would be read token by
    /// token). Problems announce themselves (`role="alert"`).
    pub announcement: String,
}

/// "1.5 s" from milliseconds, in integers: float formatting would add
/// several KiB of WASM for one number.
pub(crate) fn seconds(ms: u64) -> String {
    let tenths = (ms + 50) / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

impl Entry {
    /// The text it holds, in bytes (what the limits count).
    pub(crate) fn size(&self) -> usize {
        match self {
            Entry::Prompt(t) | Entry::Text(t) | Entry::Problem(t) | Entry::Notice(t) => t.len(),
            Entry::Tool { name, detail } => name.len() + detail.len(),
            Entry::Done { text, .. } => text.len(),
            Entry::SignIn => 0,
        }
    }
}

impl PaneModel {
    pub(crate) fn new(project: impl Into<String>) -> Self {
        Self {
            project: project.into(),
            entries: Vec::new(),
            running: false,
            conversation: None,
            signing_in: None,
            last_prompt: None,
            kept: 0,
            removed: 0,
            announcement: String::new(),
        }
    }

    /// The input was submitted: a code while signing in, else a prompt.
    pub(crate) fn submit(&mut self, input: &str) -> Result<PaneEffect, String> {
        if self.signing_in.is_some() {
            return Ok(PaneEffect::SubmitCode(input.to_owned()));
        }
        let prompt = input.trim();
        if prompt.is_empty() {
            return Err("Type a prompt first.".into());
        }
        if prompt.chars().count() > MAX_PROMPT {
            return Err(format!(
                "That prompt is too long: at most {MAX_PROMPT} characters."
            ));
        }
        if self.running {
            return Err("Claude is still answering: wait for it, or stop it.".into());
        }
        Ok(self.run(prompt.to_owned()))
    }

    fn run(&mut self, prompt: String) -> PaneEffect {
        self.push(Entry::Prompt(prompt.clone()));
        self.running = true;
        self.last_prompt = Some(prompt.clone());
        PaneEffect::Prompt {
            project: self.project.clone(),
            prompt,
            session_id: self.conversation.clone(),
        }
    }

    /// "Stop".
    pub(crate) fn stop(&self) -> Option<PaneEffect> {
        self.running.then_some(PaneEffect::Stop)
    }

    /// A `claude.session.*` event.
    pub(crate) fn on_event(&mut self, event: ServerEvent) -> Vec<PaneEffect> {
        match event {
            ServerEvent::SessionText { text } => {
                match self.entries.last_mut() {
                    Some(Entry::Text(so_far)) => {
                        so_far.push_str(&text);
                        self.kept += text.len();
                        self.trim();
                    }
                    _ => self.push(Entry::Text(text)),
                }
                Vec::new()
            }
            ServerEvent::SessionTool { name, detail } => {
                self.push(Entry::Tool { name, detail });
                Vec::new()
            }
            ServerEvent::SessionResult(result) => self.on_result(result),
            ServerEvent::SessionError { error, .. } => {
                self.running = false;
                self.push(Entry::Problem(error));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_result(&mut self, result: SessionResult) -> Vec<PaneEffect> {
        self.running = false;
        if result.login_required {
            // The failed prompt's session never held a turn: start afresh
            // unless an earlier answer gave a conversation.
            self.signing_in = Some(self.last_prompt.clone().unwrap_or_default());
            let what = if result.credential_rejected {
                "Claude no longer accepts the sign-in stored on this server"
            } else {
                "Claude is not signed in on this server"
            };
            let again = if result.credential_rejected {
                "Sign in again here"
            } else {
                "Sign in here"
            };
            self.push(Entry::Notice(format!(
                "{what} ({}). {again}: open the link, then paste the code below. Your prompt runs again afterwards.",
                result.text.trim()
            )));
            self.push(Entry::SignIn);
            return vec![PaneEffect::StartLogin];
        }
        if result.session_id.is_some() {
            self.conversation = result.session_id;
        }
        if result.success {
            self.announcement = self.finished_answer(result.duration_ms);
        }
        self.push(Entry::Done {
            success: result.success,
            text: result.text,
            duration_ms: result.duration_ms,
        });
        Vec::new()
    }

    /// The sign-in succeeded: the prompt that failed runs again.
    pub(crate) fn signed_in(&mut self) -> Option<PaneEffect> {
        let prompt = self.signing_in.take()?;
        self.entries.retain(|e| e != &Entry::SignIn);
        self.push(Entry::Notice(
            "Signed in. Running your prompt again.".into(),
        ));
        (!prompt.is_empty()).then(|| self.run(prompt))
    }

    /// The sign-in was cancelled.
    pub(crate) fn sign_in_dropped(&mut self) {
        if self.signing_in.take().is_some() {
            self.entries.retain(|e| e != &Entry::SignIn);
            self.push(Entry::Notice(
                "Sign-in cancelled. Send a prompt to try again.".into(),
            ));
        }
    }

    /// The socket dropped: the server stopped the run with it.
    pub(crate) fn connection_lost(&mut self) {
        if std::mem::take(&mut self.running) {
            self.push(Entry::Problem(
                "The connection to the server dropped, so Claude was stopped. Send the prompt again."
                    .into(),
            ));
        }
    }

    /// Older entries were removed to stay within the limits.
    pub(crate) fn trimmed(&self) -> bool {
        self.removed > 0
    }

    /// Each entry as its place in the whole conversation (removed ones
    /// counted) and its size: a key that changes only when that entry does
    /// (text grows in place), so a page re-renders just that one.
    pub(crate) fn keys(&self) -> Vec<(usize, usize)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (self.removed + i, entry.size()))
            .collect()
    }

    /// The entry at a place given by [`PaneModel::keys`], while it is kept.
    pub(crate) fn entry(&self, place: usize) -> Option<&Entry> {
        self.entries.get(place.checked_sub(self.removed)?)
    }

    /// "Claude answered: <its text>. Done in 1.5 s.", from the text since
    /// the last prompt.
    fn finished_answer(&self, duration_ms: u64) -> String {
        let text: Vec<&str> = self
            .entries
            .iter()
            .rev()
            .take_while(|e| !matches!(e, Entry::Prompt(_)))
            .filter_map(|e| match e {
                Entry::Text(t) => Some(t.trim()),
                _ => None,
            })
            .collect();
        let text: Vec<&str> = text.into_iter().rev().collect();
        format!(
            "Claude answered: {} Done in {}.",
            text.join(" "),
            seconds(duration_ms)
        )
    }

    fn push(&mut self, entry: Entry) {
        if let Entry::Notice(notice) = &entry {
            self.announcement = notice.clone();
        }
        self.kept += entry.size();
        self.entries.push(entry);
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > 1
            && (self.entries.len() > MAX_ENTRIES || self.kept > MAX_KEPT_BYTES)
        {
            let removed = self.entries.remove(0);
            self.kept -= removed.size();
            self.removed += 1;
        }
    }
}

#[cfg(test)]
mod tests;
