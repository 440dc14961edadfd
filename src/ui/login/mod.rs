//! The Claude login section: its model, its socket, its screens.

pub mod controller;
pub mod live;
pub mod model;
mod outcome;
mod prompt;
mod screens;
pub mod section;
#[cfg(feature = "hydrate")]
mod socket;
mod steps;
