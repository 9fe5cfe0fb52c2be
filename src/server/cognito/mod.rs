//! Amazon Cognito: the JWKS cache and token verifier, the OAuth 2.0 code flow with PKCE, and the
//! `/auth/*` routes that sign people in and out.

pub mod jwks;
pub mod oauth;
pub mod routes;
#[cfg(test)]
mod test_keys;
pub mod verifier;

use std::{io, time::Duration};

use tracing::info;

use self::{
    jwks::JwksCache,
    oauth::{CognitoEndpoints, OAuthClient},
    verifier::TokenVerifier,
};
use super::{
    config::{CognitoMode, Config},
    http_client,
};
use crate::local::cognito::{DEMO_EMAIL, LocalCognito};

/// Cognito's calls are small: an answer slower than this is an outage.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(5);

/// The user pool the app trusts, and the app client it signs in with.
pub struct Cognito {
    pub verifier: TokenVerifier,
    pub oauth: OAuthClient,
}

impl Cognito {
    /// Connects to the configured user pool, starting the local one first when no real pool is
    /// configured.
    pub async fn start(config: &Config) -> io::Result<Cognito> {
        let endpoints = match &config.cognito.mode {
            CognitoMode::Remote(remote) => {
                info!(mode = "remote", user_pool = %remote.user_pool_id, domain = %remote.domain, "Cognito: using a real user pool");
                CognitoEndpoints {
                    issuer: remote.issuer.clone(),
                    jwks_url: remote.jwks_url.clone(),
                    domain: remote.domain.clone(),
                    client_id: remote.client_id.clone(),
                    client_secret: remote.client_secret.clone(),
                }
            }
            CognitoMode::Local { addr, lifetimes } => {
                let local = LocalCognito::start(
                    *addr,
                    &config.local_data_dir,
                    &config.public_url,
                    *lifetimes,
                )
                .await?;
                info!(mode = "local", url = %local.base_url(), user_pool = local.user_pool_id(), demo_user = DEMO_EMAIL, "Cognito: started the local user pool");
                CognitoEndpoints {
                    issuer: local.issuer(),
                    jwks_url: local.jwks_url(),
                    domain: local.base_url().clone(),
                    client_id: local.client_id().to_owned(),
                    client_secret: Some(local.client_secret().clone()),
                }
            }
        };
        let http = http_client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .build()
            .map_err(io::Error::other)?;
        let oauth = OAuthClient::new(
            &endpoints,
            &config.public_url,
            config.cognito.scopes.clone(),
            http.clone(),
        )
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let verifier = TokenVerifier::new(
            JwksCache::new(endpoints.jwks_url, http),
            endpoints.issuer,
            endpoints.client_id,
            config.cognito.leeway,
        );
        Ok(Cognito { verifier, oauth })
    }
}
