//! What every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;

use super::{
    account::RemovalLocks, authsignal::AuthsignalClient, cognito::Cognito,
    http::rate_limit::RateLimits, session::SessionCookies,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub authsignal: AuthsignalClient,
    pub cognito: Arc<Cognito>,
    pub session: SessionCookies,
    pub limits: Arc<RateLimits>,
    pub removal_locks: Arc<RemovalLocks>,
}
