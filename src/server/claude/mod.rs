//! Everything that runs or inspects the `claude` CLI.

pub mod cli;
pub mod cli_env;
pub mod code;
pub mod credentials;
pub mod flow;
pub mod login;
pub mod pty;
pub mod screen;
pub mod sequence;
pub mod session;
pub mod status;
pub mod stream_json;
