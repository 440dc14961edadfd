//! The Claude login section: its model, its controller, its screens.

pub(crate) mod controller;
pub(crate) mod live;
pub(crate) mod model;
mod outcome;
mod prompt;
mod screens;
pub(crate) mod section;
mod steps;
