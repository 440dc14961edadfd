//! Everything that runs or inspects the `claude` CLI.

pub mod activity;
pub mod auth_check;
pub mod cli;
pub mod cli_env;
pub mod code;
pub mod credential_life;
pub mod credentials;
pub mod flow_machine;
pub mod flow_task;
pub mod prompt_run;
pub mod pty;
pub mod run_credential;
pub mod screen;
pub mod sequence;
pub mod status;
pub mod stream_json;
