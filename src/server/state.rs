//! What every handler and server function can reach.

use std::{net::IpAddr, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{config::Config, model::AppError};

use super::{
    authsignal::AuthsignalClient,
    clock::Clock,
    cognito::Cognito,
    health::Readiness,
    http::rate_limit::{Bucket, RateLimits},
    notify::Notifier,
    session::SessionCookies,
    shared_state::SharedState,
    step_up::StepUp,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub authsignal: AuthsignalClient,
    pub cognito: Arc<Cognito>,
    pub session: SessionCookies,
    pub limits: Arc<RateLimits>,
    pub readiness: Arc<Readiness>,
    /// Counters (and, as they come, locks and one-time records) every instance shares.
    pub shared: Arc<SharedState>,
    pub step_up: Arc<StepUp>,
    /// Mails the owner after each change.
    pub notifier: Arc<Notifier>,
    pub clock: Arc<Clock>,
}

impl AppState {
    /// Counts one request against the rate limits of `bucket` for this person and address.
    pub async fn limit(
        &self,
        bucket: Bucket,
        user: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        self.limits.check(&self.shared, bucket, user, ip).await
    }
}
