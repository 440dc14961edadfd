//! The browser-facing components, one concern per file.

pub(crate) mod access;
pub(crate) mod access_key_form;
#[cfg(feature = "hydrate")]
mod backoff;
#[cfg(feature = "hydrate")]
mod browser;
mod chunk;
pub(crate) mod claude_status;
pub(crate) mod credential_activity;
pub(crate) mod credential_banner;
mod focus;
pub(crate) mod header;
#[cfg(feature = "hydrate")]
pub(crate) mod hydration;
pub(crate) mod login;
pub(crate) mod not_found;
pub(crate) mod owner_cards;
pub(crate) mod pane;
pub(crate) mod projects;
#[cfg(feature = "hydrate")]
mod rest;
pub(crate) mod routes;
pub(crate) mod settings;
pub(crate) mod sign_in_check;
pub(crate) mod socket;
