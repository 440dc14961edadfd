//! Everything that runs or inspects the `claude` CLI.

pub(crate) mod activity;
pub(crate) mod auth_check;
pub(crate) mod cli;
pub mod cli_env;
pub(crate) mod code;
pub mod credential_life;
pub mod credentials;
pub mod flow_machine;
pub mod flow_task;
pub mod prompt_run;
pub(crate) mod pty;
pub(crate) mod run_credential;
pub mod screen;
pub(crate) mod sequence;
pub(crate) mod status;
pub mod stream_json;
