//! Who is asking, as Authsignal records it with every action the app tracks: the client
//! address (as the rate limits see it), the browser's user agent and this browser's device id.

use std::{convert::Infallible, net::IpAddr};

use axum::{
    extract::FromRequestParts,
    http::{header::USER_AGENT, request::Parts},
};

use super::client_ip::client_ip;
use crate::{server::AppState, wire::authsignal::TrackAttributes};

/// Longer user agents are cut here: they are for naming a device, not for fingerprinting.
const MAX_USER_AGENT: usize = 512;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requester {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// From the `device` cookie: browsers only. A native app's calls carry none.
    pub device_id: Option<String>,
}

impl Requester {
    pub fn of(parts: &Parts, state: &AppState) -> Self {
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT).collect());
        Self {
            ip: client_ip(parts, &state.config.limits),
            user_agent,
            device_id: state.session.device_id(&state.session.jar(&parts.headers)),
        }
    }

    /// Track attributes that record where an action came from.
    pub fn attributes(&self) -> TrackAttributes {
        TrackAttributes {
            ip_address: self.ip.map(|ip| ip.to_string()),
            user_agent: self.user_agent.clone(),
            device_id: self.device_id.clone(),
            ..TrackAttributes::default()
        }
    }
}

impl FromRequestParts<AppState> for Requester {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, state))
    }
}
