//! Everything that runs or inspects the `claude` CLI.

pub mod cli;
pub mod status;
