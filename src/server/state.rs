//! What every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{authsignal::AuthsignalClient, config::Config};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub authsignal: AuthsignalClient,
}

impl AppState {
    pub fn new(
        config: Config,
        leptos_options: LeptosOptions,
        authsignal: AuthsignalClient,
    ) -> Self {
        Self {
            leptos_options,
            config: Arc::new(config),
            authsignal,
        }
    }
}
