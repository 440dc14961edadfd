//! The browser-facing components, one concern per file.

pub mod access_key_form;
#[cfg(feature = "hydrate")]
mod browser;
pub mod claude_status;
pub mod home;
pub mod login;
pub mod session;
pub mod settings;
