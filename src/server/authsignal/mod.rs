//! The Authsignal Server API client: track actions, read and remove a user's authenticators,
//! validate the token a challenge produced. Basic auth with the secret as the username and an
//! empty password, one pooled connection client shared by every clone, and retries of reads only
//! (reference §1.2–1.3, §2).

pub mod actions;
mod error;

use std::{sync::Arc, time::Duration};

use axum::body::Bytes;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64_STANDARD};
use rand::Rng;
use reqwest::{
    Method, Response,
    header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER},
};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tracing::{debug, warn};
use url::Url;

use crate::secret::Secret;

pub use error::{ApiError, AuthsignalError};

use super::http_client;
use crate::{
    config::{AuthsignalEndpoints, AuthsignalSettings},
    model::{AppError, ClientApiTicket},
    wire::authsignal::{
        ErrorBody, TrackAttributes, TrackResponse, UpdateUserRequest, UserActionRecord,
        UserAuthenticator, UserResponse, ValidateRequest, ValidateResponse,
    },
};

/// `2020-01-01T00:00:00Z`, the form of the actions query's `fromDate` in Authsignal's
/// documentation (query-actions).
const FROM_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Authsignal tokens are JWTs of a few hundred bytes; anything far longer is refused before it
/// is sent.
pub const MAX_TOKEN_LENGTH: usize = 8 * 1024;

/// The user the readiness probe asks about: reading an unknown user is a cheap authenticated
/// call that changes nothing (Authsignal answers `isEnrolled: false`).
const PROBE_USER_ID: &str = "account-security-readiness-probe";

/// The first retry waits this long, each later one twice as long, plus up to a fifth at random
/// so that many servers do not retry in step.
const BACKOFF_BASE: Duration = Duration::from_millis(100);

/// A client of one tenant. Clones share the connection pool.
#[derive(Clone, Debug)]
pub struct AuthsignalClient {
    http: reqwest::Client,
    endpoints: Arc<AuthsignalEndpoints>,
    /// `Basic base64(secret:)`, encoded once rather than on every call; marked sensitive so it
    /// is never printed.
    authorization: HeaderValue,
    retries: u32,
    /// A whole request's time limit, connection included.
    timeout: Duration,
}

impl AuthsignalClient {
    pub fn new(
        endpoints: AuthsignalEndpoints,
        settings: &AuthsignalSettings,
    ) -> Result<Self, reqwest::Error> {
        let http = http_client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("account-security/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let credentials = BASE64_STANDARD.encode(format!("{}:", endpoints.secret.expose()));
        let mut authorization = HeaderValue::from_str(&format!("Basic {credentials}"))
            .expect("base64 is a valid header value");
        authorization.set_sensitive(true);
        Ok(Self {
            http,
            endpoints: Arc::new(endpoints),
            authorization,
            retries: settings.retries,
            timeout: settings.timeout,
        })
    }

    /// The longest a read can take, its retries and their waits included: what a lock held
    /// across it must outlast.
    pub fn longest_read(&self) -> Duration {
        (1..=self.retries).fold(self.timeout, |total, attempt| {
            // The backoff's delay plus its largest jitter, a fifth.
            let wait = BACKOFF_BASE * 2u32.saturating_pow(attempt - 1);
            total + self.timeout + wait + wait / 5
        })
    }

    /// The longest a change can take: it is never retried.
    pub fn longest_write(&self) -> Duration {
        self.timeout
    }

    /// The Server API base.
    pub fn api_url(&self) -> &Url {
        &self.endpoints.api_url
    }

    /// The Client API base, for the browser's Web SDK calls.
    pub fn client_api_url(&self) -> &Url {
        &self.endpoints.client_api_url
    }

    /// The Server API secret, which also signs the tenant's webhooks.
    pub fn webhook_secret(&self) -> &Secret {
        &self.endpoints.secret
    }

    pub fn tenant_id(&self) -> &str {
        &self.endpoints.tenant_id
    }

    /// Records an action for a user and returns the outcome with a token for the Client API and
    /// the pre-built UI URL. Not retried: a repeat would record a second action.
    pub async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, AuthsignalError> {
        check_action(action)?;
        let url = self.url(&[
            "users",
            segment("userId", user_id)?,
            "actions",
            segment("action", action)?,
        ]);
        let body = self.call("track", Method::POST, url, Some(json(attributes)?));
        decode("track", &body.await?)
    }

    /// The user's verified authenticators; none is an empty list.
    pub async fn get_authenticators(
        &self,
        user_id: &str,
    ) -> Result<Vec<UserAuthenticator>, AuthsignalError> {
        let url = self.url(&["users", segment("userId", user_id)?, "authenticators"]);
        let body = self.call("get_authenticators", Method::GET, url, None);
        decode("get_authenticators", &body.await?)
    }

    /// The user's verified methods, oldest first. An enrollment started and never finished may
    /// be listed by Authsignal without `verifiedAt`: it is no way to sign in, so it is neither
    /// shown nor counted by the lock-out rule.
    pub async fn verified_authenticators(
        &self,
        user_id: &str,
    ) -> Result<Vec<UserAuthenticator>, AppError> {
        let mut authenticators = self.get_authenticators(user_id).await?;
        authenticators.retain(|authenticator| authenticator.verified_at.is_some());
        authenticators.sort_by_key(|authenticator| authenticator.created_at);
        Ok(authenticators)
    }

    /// What a browser needs to call the Client API with `token`.
    pub fn ticket(&self, token: &str) -> ClientApiTicket {
        ClientApiTicket {
            token: token.to_owned(),
            client_api_url: self
                .client_api_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            tenant_id: self.tenant_id().to_owned(),
            username: None,
        }
    }

    /// Removes one authenticator. The body of the answer is ignored, as every SDK does.
    pub async fn delete_authenticator(
        &self,
        user_id: &str,
        user_authenticator_id: &str,
    ) -> Result<(), AuthsignalError> {
        let url = self.url(&[
            "users",
            segment("userId", user_id)?,
            "authenticators",
            segment("userAuthenticatorId", user_authenticator_id)?,
        ]);
        self.call("delete_authenticator", Method::DELETE, url, None)
            .await
            .map(drop)
    }

    /// Asks Authsignal what the token proves. Passing `user_id` and `action` makes a token of
    /// another user or action come back with `is_valid: false`.
    pub async fn validate_challenge(
        &self,
        token: &str,
        user_id: Option<&str>,
        action: Option<&str>,
    ) -> Result<ValidateResponse, AuthsignalError> {
        let url = self.url(&["validate"]);
        let request = ValidateRequest {
            token: token.to_owned(),
            user_id: user_id.map(str::to_owned),
            action: action.map(str::to_owned),
        };
        let body = self.call(
            "validate_challenge",
            Method::POST,
            url,
            Some(json(&request)?),
        );
        decode("validate_challenge", &body.await?)
    }

    /// What Authsignal knows about the user; an unknown user is `is_enrolled: false`.
    pub async fn get_user(&self, user_id: &str) -> Result<UserResponse, AuthsignalError> {
        let url = self.url(&["users", segment("userId", user_id)?]);
        let body = self.call("get_user", Method::GET, url, None);
        decode("get_user", &body.await?)
    }

    /// Changes some of the user's attributes; the others stay as they are.
    pub async fn update_user(
        &self,
        user_id: &str,
        request: &UpdateUserRequest,
    ) -> Result<(), AuthsignalError> {
        let url = self.url(&["users", segment("userId", user_id)?]);
        self.call("update_user", Method::PATCH, url, Some(json(request)?))
            .await
            .map(drop)
    }

    /// The user's actions with these codes since `from`, or, without it, over the last 30 days
    /// (Authsignal's default and its maximum: no date is sent, so a clock a little ahead of
    /// Authsignal's never asks for more), newest first.
    pub async fn query_actions(
        &self,
        user_id: &str,
        codes: &[&str],
        from: Option<OffsetDateTime>,
    ) -> Result<Vec<UserActionRecord>, AuthsignalError> {
        for code in codes {
            check_action(code)?;
        }
        let mut url = self.url(&["users", segment("userId", user_id)?, "actions"]);
        url.query_pairs_mut().append_pair("codes", &codes.join(","));
        if let Some(from) = from {
            // Whole seconds in UTC, as Authsignal's documentation writes it.
            let from = from
                .to_offset(time::UtcOffset::UTC)
                .format(FROM_DATE)
                .map_err(|error| AuthsignalError::Malformed(format!("query_actions: {error}")))?;
            url.query_pairs_mut().append_pair("fromDate", &from);
        }
        let body = self.call("query_actions", Method::GET, url, None);
        let mut actions: Vec<UserActionRecord> = decode("query_actions", &body.await?)?;
        // The order is not documented: newest first is what the page shows.
        actions.sort_by_key(|action| std::cmp::Reverse(action.created_at));
        Ok(actions)
    }

    /// For readiness checks: one authenticated read, without retries, so a wrong secret or
    /// region shows up as well as an unreachable host. The caller reports the failure.
    pub async fn check_ready(&self) -> Result<(), AuthsignalError> {
        let url = self.url(&["users", PROBE_USER_ID]);
        let body = self.send(&Method::GET, &url, None).await?;
        decode::<UserResponse>("check_ready", &body).map(drop)
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.endpoints.api_url.clone();
        // Configured base URLs are http(s), which always have path segments to extend.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends the request, retrying GETs after a connection failure or a 5xx, as the official
    /// SDKs do. Other methods are sent once: Authsignal may have acted before failing.
    async fn call(
        &self,
        operation: &'static str,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Bytes, AuthsignalError> {
        let retries = if method == Method::GET {
            self.retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            match self.send(&method, &url, body.as_deref()).await {
                Err(error) if attempt < retries && is_transient(&error) => {
                    attempt += 1;
                    warn!(operation, attempt, %error, "Authsignal call failed; retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(error) => {
                    warn!(operation, %error, "Authsignal call failed");
                    return Err(error);
                }
                Ok(body) => {
                    debug!(operation, "Authsignal call succeeded");
                    return Ok(body);
                }
            }
        }
    }

    async fn send(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<Bytes, AuthsignalError> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        match request.send().await {
            Ok(response) => read(response).await,
            Err(error) => Err(AuthsignalError::from_transport(&error)),
        }
    }
}

/// The body of a success, or the error the status and body describe.
async fn read(response: Response) -> Result<Bytes, AuthsignalError> {
    let status = response.status();
    let retry_after_secs = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    let body = response
        .bytes()
        .await
        .map_err(|error| AuthsignalError::from_transport(&error))?;
    if status.is_success() {
        return Ok(body);
    }
    let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
    Err(AuthsignalError::Api(ApiError {
        status: status.as_u16(),
        code: error
            .error_code
            .or(error.error)
            .unwrap_or_else(|| format!("http_{}", status.as_u16())),
        description: error.error_description,
        retry_after_secs,
    }))
}

fn decode<T: DeserializeOwned>(operation: &str, body: &[u8]) -> Result<T, AuthsignalError> {
    serde_json::from_slice(body).map_err(|error| {
        // serde quotes the offending value in most messages, and that value may be a token;
        // a missing field is named without any value.
        let detail = error.to_string();
        let detail = if detail.starts_with("missing field") {
            detail
        } else {
            format!(
                "{:?} error at line {}, column {}",
                error.classify(),
                error.line(),
                error.column()
            )
        };
        AuthsignalError::Malformed(format!("{operation}: {detail}"))
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, AuthsignalError> {
    serde_json::to_vec(value).map_err(|error| AuthsignalError::Malformed(error.to_string()))
}

/// Failures a second attempt may not meet. A timeout is not one: it has used the time the
/// caller had.
fn is_transient(error: &AuthsignalError) -> bool {
    match error {
        AuthsignalError::Connection(_) => true,
        AuthsignalError::Api(error) => error.status >= 500,
        AuthsignalError::Timeout
        | AuthsignalError::Malformed(_)
        | AuthsignalError::InvalidArgument { .. } => false,
    }
}

fn backoff(attempt: u32) -> Duration {
    let delay = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1));
    let jitter_ms = rand::rng().random_range(0..=delay.as_millis() as u64 / 5);
    delay + Duration::from_millis(jitter_ms)
}

/// Path segments are percent-encoded by `Url`, which drops `.` and `..` instead; refuse those
/// (and empty ones) so a request can never land on another path.
fn segment<'a>(field: &'static str, value: &'a str) -> Result<&'a str, AuthsignalError> {
    if value.is_empty() || value == "." || value == ".." {
        Err(AuthsignalError::InvalidArgument {
            field,
            problem: "must not be empty, `.` or `..`",
        })
    } else {
        Ok(value)
    }
}

/// Authsignal accepts action codes of 1 to 64 letters, digits, `_` and `-`.
fn check_action(action: &str) -> Result<(), AuthsignalError> {
    let valid = (1..=64).contains(&action.len())
        && action
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(AuthsignalError::InvalidArgument {
            field: "action",
            problem: "must be 1 to 64 letters, digits, `_` or `-`",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_for(api_url: &str) -> AuthsignalClient {
        let endpoints = AuthsignalEndpoints {
            api_url: Url::parse(api_url).unwrap(),
            client_api_url: Url::parse(api_url).unwrap(),
            secret: crate::secret::Secret::new("sk_test"),
            tenant_id: "tenant".into(),
        };
        let settings = AuthsignalSettings {
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            retries: 0,
            mode: crate::config::AuthsignalMode::Local(crate::config::LocalAuthsignalSettings {
                addr: "127.0.0.1:0".parse().unwrap(),
                passkeys: crate::config::PasskeySettings {
                    rp_id: "localhost".into(),
                    origins: vec![Url::parse("http://localhost:3000").unwrap()],
                },
                webhook_url: None,
            }),
        };
        AuthsignalClient::new(endpoints, &settings).unwrap()
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        let client = client_for("https://api.authsignal.com/v1");
        let url = client.url(&["users", "a/b c?d#e%f", "authenticators"]);
        assert_eq!(
            url.as_str(),
            "https://api.authsignal.com/v1/users/a%2Fb%20c%3Fd%23e%25f/authenticators"
        );
        let trailing_slash = client_for("https://eu.api.authsignal.com/v1/").url(&["validate"]);
        assert_eq!(
            trailing_slash.as_str(),
            "https://eu.api.authsignal.com/v1/validate"
        );
    }

    #[test]
    fn dot_segments_and_bad_actions_are_refused() {
        for bad in ["", ".", ".."] {
            assert!(segment("userId", bad).is_err(), "{bad:?}");
        }
        assert!(segment("userId", "...").is_ok());
        for bad in ["", "sign in", "a/b", &"x".repeat(65)] {
            assert!(check_action(bad).is_err(), "{bad:?}");
        }
        assert!(check_action("manage-Authenticators_2").is_ok());
    }

    #[test]
    fn backoff_doubles_and_stays_bounded() {
        for attempt in 1..=5 {
            let delay = backoff(attempt);
            let base = BACKOFF_BASE * 2u32.pow(attempt - 1);
            assert!(delay >= base && delay <= base + base / 5, "{delay:?}");
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let debug = format!("{:?}", client_for("https://api.authsignal.com/v1"));
        assert!(!debug.contains("sk_test"), "{debug}");
    }

    #[test]
    fn decoding_errors_never_quote_values() {
        let error =
            decode::<UserResponse>("get_user", br#"{"isEnrolled": "eyJsecret"}"#).unwrap_err();
        assert!(!error.to_string().contains("eyJsecret"), "{error}");
        let error = decode::<UserResponse>("get_user", b"{}").unwrap_err();
        assert!(
            error.to_string().contains("missing field `isEnrolled`"),
            "{error}"
        );
    }
}
