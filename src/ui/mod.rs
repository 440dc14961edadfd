//! The browser-facing components, one concern per file.

pub mod access_key_form;
#[cfg(feature = "hydrate")]
mod browser;
pub mod claude_status;
pub mod login;
pub mod not_found;
pub mod pane;
pub mod projects;
pub mod session;
pub mod settings;
