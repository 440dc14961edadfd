//! What every request handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{access::AccessKey, claude::status::StatusReporter};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub key: Arc<AccessKey>,
    pub status: Arc<StatusReporter>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
