//! Amazon Cognito: the JWKS cache and token verifier, the OAuth 2.0 code flow with PKCE, and the
//! `/auth/*` routes that sign people in and out.

pub mod admin;
pub mod jwks;
pub mod next_path;
pub mod oauth;
pub mod routes;
#[cfg(test)]
mod test_keys;
pub mod verifier;
mod verify_error;

use std::{io, time::Duration};

use self::{admin::CognitoAdmin, jwks::JwksCache, oauth::OAuthClient, verifier::TokenVerifier};
use super::http_client;
use crate::config::{CognitoEndpoints, Config};

/// Cognito's calls are small: an answer slower than this is an outage.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(5);

/// The user pool the app trusts, and the app client it signs in with.
pub struct Cognito {
    pub verifier: TokenVerifier,
    pub oauth: OAuthClient,
    pub admin: CognitoAdmin,
}

impl Cognito {
    /// The clients of the user pool at `endpoints`.
    pub async fn new(endpoints: &CognitoEndpoints, config: &Config) -> io::Result<Cognito> {
        let http = http_client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .build()
            .map_err(io::Error::other)?;
        let oauth = OAuthClient::new(
            endpoints,
            &config.public_url,
            config.cognito.scopes.clone(),
            http.clone(),
        )
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let verifier = TokenVerifier::new(
            JwksCache::new(endpoints.jwks_url.clone(), http),
            endpoints.issuer.clone(),
            endpoints.client_id.clone(),
            config.cognito.leeway,
        );
        let admin = CognitoAdmin::connect(endpoints).await;
        Ok(Cognito {
            verifier,
            oauth,
            admin,
        })
    }
}
