//! The Claude login section: its model, its controller, its screens.

pub mod controller;
pub mod live;
pub mod model;
mod outcome;
mod prompt;
mod screens;
pub mod section;
mod steps;
