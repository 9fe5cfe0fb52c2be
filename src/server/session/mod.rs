//! The browser session. Cognito's tokens live in encrypted, HttpOnly, SameSite=Lax cookies
//! (`__Host-` and Secure behind https); nothing is kept on the server. The layers in
//! [`layer`] verify the access token on the routes that need a signed-in person (refreshing it
//! silently once expired) and put the outcome in the request extensions, where
//! [`CurrentUser`] reads it.

mod cookies;
pub mod layer;

use std::io;

use axum::{extract::FromRequestParts, http::request::Parts};
use axum_extra::extract::cookie::Key;
use base64::{Engine, engine::general_purpose::STANDARD};

use super::cognito::verifier::{AccessClaims, InvalidToken, TokenVerifier, VerifyError};
use crate::{
    config::Config,
    model::{AppError, Upstream},
    paths::SignedOutReason,
    storage,
};
pub use cookies::SessionCookies;

/// The person behind a request, from their verified Cognito tokens. Authsignal knows them by
/// `sub`. There is deliberately no token in here, and nothing is `Serialize`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub sub: String,
    pub username: String,
    /// From the ID token; `None` without the `email` scope or with a bearer token only.
    pub email: Option<String>,
    /// Whether Cognito says the person proved they own `email` (`email_verified`).
    pub email_verified: bool,
    /// When the person last typed their password (NumericDate).
    pub auth_time: i64,
    /// When this access token was issued (NumericDate): a sign-out everywhere refuses tokens
    /// issued before it.
    pub issued_at: i64,
    /// Names this sign-in: what Cognito keeps across refreshes (`origin_jti`) and a new sign-in
    /// changes, so a step-up proof of one sign-in is worthless in another. Cognito puts it in
    /// tokens only when token revocation is on for the app client; without it there is nothing
    /// to bind a proof to, and none is made.
    pub session_id: Option<String>,
}

impl CurrentUser {
    /// The person a verified access token names, with their email from the ID token.
    pub fn from_access(access: AccessClaims, email: Option<(String, bool)>) -> Self {
        let (email, email_verified) = match email {
            Some((email, verified)) => (Some(email), verified),
            None => (None, false),
        };
        Self {
            sub: access.sub,
            username: access.username,
            email,
            email_verified,
            auth_time: access.auth_time,
            issued_at: access.iat,
            session_id: access.origin_jti,
        }
    }

    /// The email address to write to and to keep with Authsignal: only one Cognito verified.
    /// Anyone can put any address on an account whose pool lets it carry unverified ones.
    pub fn verified_email(&self) -> Option<String> {
        self.email.clone().filter(|_| self.email_verified)
    }
}

/// What the session layer found, in the request extensions.
#[derive(Clone, Debug)]
pub enum Session {
    SignedIn(CurrentUser),
    SignedOut,
    /// Cognito's keys or token endpoint could not be reached, so the session could not be
    /// checked; the cookies are kept for when it is back.
    Unavailable,
    /// A valid session the person signed out from another device, or everywhere: the page
    /// says which.
    Refused(SignedOutReason),
}

impl Session {
    fn user(&self) -> Result<CurrentUser, AppError> {
        match self {
            Self::SignedIn(user) => Ok(user.clone()),
            Self::SignedOut | Self::Refused(_) => Err(AppError::NotSignedIn),
            Self::Unavailable => Err(AppError::Upstream {
                service: Upstream::Cognito,
                timed_out: false,
            }),
        }
    }
}

/// The signed-in user of a request that went through the session layer; for server functions,
/// which get the request's `Parts` from the Leptos context.
pub fn current_user(parts: &Parts) -> Result<CurrentUser, AppError> {
    // No outcome means the layer did not run: fail closed.
    parts
        .extensions
        .get::<Session>()
        .map_or(Err(AppError::NotSignedIn), Session::user)
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        current_user(parts)
    }
}

/// The session key: `SESSION_KEY`, or in local mode one generated once and kept in the local
/// data directory, so restarts keep people signed in.
pub async fn load_key(config: &Config) -> io::Result<Key> {
    let encoded = match &config.session.key {
        Some(key) => key.expose().to_owned(),
        None => {
            let path = config.local_data_dir.join("session-key.json");
            storage::load_or_create(&path, || {
                let mut bytes = [0u8; 64];
                aws_lc_rs::rand::fill(&mut bytes)
                    .map_err(|_| io::Error::other("no randomness available"))?;
                Ok(STANDARD.encode(bytes))
            })
            .await?
        }
    };
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the session key must be base64 of at least 64 bytes",
        )
    };
    let bytes = STANDARD.decode(encoded).map_err(|_| invalid())?;
    Key::try_from(bytes.as_slice()).map_err(|_| invalid())
}

/// Verifies the access token and, when present, the ID token of the same person.
pub async fn check(
    verifier: &TokenVerifier,
    access_token: &str,
    id_token: Option<&str>,
) -> Result<CurrentUser, VerifyError> {
    let access = verifier.verify(access_token).await?;
    let email = match id_token {
        Some(id_token) => {
            let id = verifier.verify_id_token(id_token, None).await?;
            if id.sub != access.sub {
                return Err(InvalidToken::SubjectMismatch.into());
            }
            id.email
                .map(|email| (email, id.email_verified.unwrap_or(false)))
        }
        None => None,
    };
    Ok(CurrentUser::from_access(access, email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_session_outcome_fails_closed() {
        let (parts, ()) = axum::http::Request::new(()).into_parts();
        assert_eq!(current_user(&parts), Err(AppError::NotSignedIn));
    }
}
