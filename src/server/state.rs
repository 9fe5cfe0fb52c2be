//! What every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{cognito::Cognito, config::Config, session::SessionCookies};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub cognito: Arc<Cognito>,
    pub session: SessionCookies,
}

impl AppState {
    pub fn new(
        config: Config,
        leptos_options: LeptosOptions,
        cognito: Cognito,
        session: SessionCookies,
    ) -> Self {
        Self {
            leptos_options,
            config: Arc::new(config),
            cognito: Arc::new(cognito),
            session,
        }
    }
}
