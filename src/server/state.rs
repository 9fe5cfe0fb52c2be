//! What every handler and server function can reach.

use std::{net::IpAddr, ops::Deref, sync::Arc};

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
    wasnt_me::WasntMe,
};

/// Axum clones the state for every extractor and layer of every request, so it is one pointer.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What leptos_axum reads from the state: the site's paths and names.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

pub struct Services {
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
    /// Opens the "Wasn't you?" links of those mails.
    pub wasnt_me: Arc<WasntMe>,
    pub clock: Arc<Clock>,
}

impl Services {
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
