//! The browser-facing components, one concern per file.

pub mod access;
pub mod access_key_form;
#[cfg(feature = "hydrate")]
mod backoff;
#[cfg(feature = "hydrate")]
mod browser;
mod chunk;
pub mod claude_status;
pub mod credential_activity;
pub mod credential_banner;
mod focus;
pub mod header;
#[cfg(feature = "hydrate")]
pub mod hydration;
pub mod login;
pub mod not_found;
pub mod owner_cards;
pub mod pane;
pub mod projects;
#[cfg(feature = "hydrate")]
mod rest;
pub mod routes;
pub mod settings;
pub mod sign_in_check;
pub mod socket;
