//! Cognito's admin API, for the one call the app makes there: `AdminUserGlobalSignOut` ("sign
//! out everywhere"), through the official AWS SDK. Its credentials come from the standard chain
//! (environment, profile, the Lambda function's role); it needs `cognito-idp:AdminUserGlobalSignOut`
//! on the pool. Locally the call goes to the local Cognito with local credentials.
//!
//! Without credentials the app still refuses every token issued before a sign-out everywhere
//! itself (see `server::sessions`); only the revocation of refresh tokens at Cognito is lost,
//! which the start-up log and the page say.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::{
    Client,
    config::{BehaviorVersion, Credentials, ProvideCredentials, Region, timeout::TimeoutConfig},
    error::DisplayErrorContext,
};

use crate::config::CognitoEndpoints;

/// The call is small: slower than this is an outage, and the sign-out goes on without it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the start-up waits for the credential chain to answer.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(3);

/// Cognito's admin API for one user pool.
pub struct CognitoAdmin {
    /// `None` when no AWS credentials were found.
    client: Option<Client>,
    user_pool_id: String,
}

/// Why Cognito did not sign someone out everywhere.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no AWS credentials: refresh tokens are not revoked at Cognito")]
    NoCredentials,
    #[error("Cognito refused or did not answer AdminUserGlobalSignOut: {0}")]
    Failed(String),
}

impl CognitoAdmin {
    /// The admin API of the pool at `endpoints`: AWS's endpoint for its region with the
    /// standard credential chain, or the local Cognito's.
    pub async fn connect(endpoints: &CognitoEndpoints) -> Self {
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(CALL_TIMEOUT)
            .build();
        let region = Region::new(endpoints.region.clone());
        let client = match &endpoints.admin_endpoint {
            Some(endpoint) => {
                let config = aws_sdk_cognitoidentityprovider::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(region)
                    .credentials_provider(Credentials::new(
                        "LOCALACCESSKEY",
                        "local-secret-key",
                        None,
                        None,
                        "local Cognito",
                    ))
                    .endpoint_url(endpoint.as_str().trim_end_matches('/'))
                    .timeout_config(timeouts)
                    .build();
                Some(Client::from_conf(config))
            }
            None => {
                let config = aws_config::defaults(BehaviorVersion::latest())
                    .region(region)
                    .timeout_config(timeouts)
                    .load()
                    .await;
                let found = match config.credentials_provider() {
                    Some(provider) => {
                        tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials())
                            .await
                            .is_ok_and(|credentials| credentials.is_ok())
                    }
                    None => false,
                };
                if found {
                    Some(Client::new(&config))
                } else {
                    tracing::warn!(
                        "no AWS credentials were found: \"sign out everywhere\" refuses old sessions here, but cannot revoke other devices' refresh tokens at Cognito (grant cognito-idp:AdminUserGlobalSignOut to the app's role)"
                    );
                    None
                }
            }
        };
        Self {
            client,
            user_pool_id: endpoints.user_pool_id.clone(),
        }
    }

    /// Whether sign-outs reach Cognito: there are credentials to call it with.
    pub fn revokes_at_cognito(&self) -> bool {
        self.client.is_some()
    }

    /// Revokes every refresh token of `username` at Cognito. Access tokens already issued stay
    /// valid for anyone who checks them without asking Cognito; the app refuses them itself.
    pub async fn global_sign_out(&self, username: &str) -> Result<(), AdminError> {
        let client = self.client.as_ref().ok_or(AdminError::NoCredentials)?;
        client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .send()
            .await
            .map(drop)
            .map_err(|error| AdminError::Failed(DisplayErrorContext(&error).to_string()))
    }
}
