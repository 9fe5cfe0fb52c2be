//! `/auth/sign-in`, `/auth/callback` and `/auth/sign-out`. Every failure of a sign-in ends on
//! the signed-out page with a reason and a "Sign in again" link, never on an error status.

use std::collections::HashMap;

use aws_lc_rs::constant_time;
use axum::{
    Router,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use tracing::{info, warn};

use super::{
    next_path,
    oauth::{OAuthError, SignInFlow, TokenSet},
    verifier::VerifyError,
};
use crate::{
    model::AppError,
    paths::{self, Notice, SignedOutReason},
    server::{
        AppState, activity,
        http::{client_ip::client_ip, rate_limit::Bucket, requester::Requester},
        session::{self, CurrentUser},
        sessions, step_up,
    },
};

/// Clocks differ a little: Cognito's `auth_time` may be this much behind ours.
const CLOCK_SKEW_SECS: i64 = 60;
/// How long a sign-in waits for its record in the activity log.
const SIGN_IN_RECORD_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::SIGN_IN, get(sign_in))
        .route(paths::SIGN_IN_CALLBACK, get(callback))
        .route(paths::SIGN_OUT, post(sign_out))
}

fn query_params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Starts the authorization code flow: state, PKCE verifier and nonce go into a short-lived
/// encrypted cookie, and the browser goes to managed login.
async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = query_params(query.as_deref());
    let return_to = next_path::or_default(
        params.get("return_to").map(String::as_str),
        &state.config.public_url,
    );
    // `prompt=login`: a step-up for someone with no method yet needs a fresh sign-in, not the
    // managed-login session.
    let fresh = params.get("prompt").is_some_and(|prompt| prompt == "login");
    let fresh_since = fresh.then(|| state.clock.now().unix_timestamp());
    let (url, flow) = state.cognito.oauth.start_sign_in(return_to, fresh_since);
    let jar = state.session.store_flow(state.session.jar(&headers), &flow);
    (jar, Redirect::to(url.as_str())).into_response()
}

async fn callback(
    State(state): State<AppState>,
    parts: Parts,
    RawQuery(query): RawQuery,
) -> Response {
    let ip = client_ip(&parts, &state.config.limits);
    match state.limit(Bucket::SignIn, None, ip).await {
        Ok(()) => {}
        // Each callback costs a token exchange with Cognito; the pending sign-in is kept, so
        // the person can finish once the limit allows.
        Err(AppError::RateLimited { retry_after_secs }) => {
            let page = format!(
                "{}&{}={retry_after_secs}",
                SignedOutReason::RateLimited.path(),
                paths::query::RETRY_AFTER
            );
            return (
                [(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))],
                Redirect::to(&page),
            )
                .into_response();
        }
        // A sign-in changes no method, and Cognito limits sign-ins too: one that cannot be
        // counted goes ahead rather than locking everyone out while the shared state is down.
        Err(error) => {
            warn!(%error, "a sign-in was not rate limited: the shared state did not answer")
        }
    }
    let headers = &parts.headers;
    let params = query_params(query.as_deref());
    let (jar, flow) = state.session.take_flow(state.session.jar(headers));
    match complete_sign_in(&state, &params, flow).await {
        Ok((_, user, return_to)) if from_before_signing_out_everywhere(&state, &user).await => {
            // Managed login signed the person straight back in from its own session, which
            // a sign-out everywhere does not end: ask for the password.
            let next = if return_to.fresh_asked {
                SignedOutReason::StillSignedOutEverywhere.path()
            } else {
                fresh_sign_in(&return_to.path)
            };
            info!("a sign-in from before a sign-out everywhere was sent to type the password");
            (jar, Redirect::to(&next)).into_response()
        }
        Ok((tokens, user, return_to)) => match state.session.store_tokens(jar.clone(), &tokens) {
            Ok(jar) => {
                info!("signed in");
                let return_to = if return_to.not_fresh {
                    warn!(
                        "a sign-in asked to be fresh (prompt=login) came back with an older auth_time: managed login is off for the pool's domain (the classic hosted UI ignores prompt)"
                    );
                    Notice::SignInNotFresh.path()
                } else {
                    return_to.path
                };
                let (jar, device_id) = state.session.ensure_device_id(jar);
                let from = Requester {
                    device_id: Some(device_id),
                    ..Requester::of(&parts, &state)
                };
                let authsignal = state.authsignal.clone();
                let session_id = sessions::id_of(&user);
                let recording = tokio::spawn(async move {
                    activity::record_sign_in(&authsignal, &user, session_id, &from).await;
                });
                // Usually done at once, so the page shows this sign-in; a slow Authsignal
                // finishes it in the background instead of holding the sign-in up.
                let _ = tokio::time::timeout(SIGN_IN_RECORD_WAIT, recording).await;
                (jar, Redirect::to(&return_to)).into_response()
            }
            Err(too_large) => {
                warn!(%too_large, "a sign-in could not be kept");
                (jar, Redirect::to(&SignedOutReason::SessionTooLarge.path())).into_response()
            }
        },
        // An existing session is left alone: a crafted callback link must not sign anyone out.
        Err(reason) => (jar, Redirect::to(&reason.path())).into_response(),
    }
}

/// Where a completed sign-in goes: `path`, unless it had to be fresh and was `not_fresh`.
struct ReturnTo {
    path: String,
    /// The sign-in asked for the password (`prompt=login`).
    fresh_asked: bool,
    not_fresh: bool,
}

/// Whether the person typed their password for this sign-in before they last signed out
/// everywhere. Without the shared state, it is let in, as any sign-in is.
async fn from_before_signing_out_everywhere(state: &AppState, user: &CurrentUser) -> bool {
    match sessions::signed_out_before(state, &user.sub).await {
        Ok(before) => before.is_some_and(|before| user.auth_time <= before),
        Err(_) => false,
    }
}

/// `/auth/sign-in?prompt=login&return_to=…`.
fn fresh_sign_in(return_to: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("prompt", "login")
        .append_pair("return_to", return_to)
        .finish();
    format!("{}?{query}", paths::SIGN_IN)
}

async fn complete_sign_in(
    state: &AppState,
    params: &HashMap<String, String>,
    flow: Option<SignInFlow>,
) -> Result<(TokenSet, CurrentUser, ReturnTo), SignedOutReason> {
    if let Some(error) = params.get("error") {
        // The code only: the description is free text from outside.
        info!(error = %error.chars().take(64).collect::<String>(), "managed login returned an error");
        return Err(if error == "access_denied" {
            SignedOutReason::Cancelled
        } else {
            SignedOutReason::SignInFailed
        });
    }
    let flow = flow.ok_or(SignedOutReason::FlowExpired)?;
    let state_matches = params.get("state").is_some_and(|returned| {
        constant_time::verify_slices_are_equal(returned.as_bytes(), flow.state.as_bytes()).is_ok()
    });
    if !state_matches {
        warn!("a sign-in callback's state did not match this browser's sign-in");
        return Err(SignedOutReason::StateMismatch);
    }
    let code = params
        .get("code")
        .filter(|code| !code.is_empty())
        .ok_or(SignedOutReason::SignInFailed)?;
    let tokens = state
        .cognito
        .oauth
        .exchange_code(code.clone(), flow.pkce_verifier)
        .await
        .map_err(|error| match error {
            OAuthError::Rejected(code) => {
                info!(%code, "Cognito refused the authorization code");
                SignedOutReason::CodeRejected
            }
            OAuthError::Unavailable(problem) => {
                warn!(%problem, "the authorization code could not be exchanged");
                SignedOutReason::Unavailable
            }
        })?;
    let user = verify_new_tokens(state, &tokens, &flow.nonce).await?;
    // The sign-in service signed the person in from its own session, not with their password.
    let not_fresh = flow
        .fresh_since
        .is_some_and(|since| user.auth_time < since - CLOCK_SKEW_SECS);
    Ok((
        tokens,
        user,
        ReturnTo {
            path: flow.return_to,
            fresh_asked: flow.fresh_since.is_some(),
            not_fresh,
        },
    ))
}

/// The tokens of a sign-in: both must verify, the ID token must carry this sign-in's nonce,
/// and both must be the same person's.
async fn verify_new_tokens(
    state: &AppState,
    tokens: &TokenSet,
    nonce: &str,
) -> Result<CurrentUser, SignedOutReason> {
    let verifier = &state.cognito.verifier;
    let refused = |error: VerifyError| match error {
        VerifyError::KeysUnavailable => SignedOutReason::Unavailable,
        error => {
            warn!(%error, "Cognito's tokens were refused at sign-in");
            SignedOutReason::TokenRejected
        }
    };
    let Some(id_token) = &tokens.id_token else {
        warn!("Cognito returned no ID token: is the `openid` scope allowed for the app client?");
        return Err(SignedOutReason::TokenRejected);
    };
    verifier
        .verify_id_token(id_token, Some(nonce))
        .await
        .map_err(refused)?;
    session::check(verifier, &tokens.access_token, Some(id_token))
        .await
        .map_err(refused)
}

/// Revokes the refresh token (and with it the access tokens issued from it), clears the
/// cookies, and ends the managed-login session too. When Cognito does not confirm the
/// revocation, even on a second try, the person is still signed out here, and told that other
/// copies of the session may live on.
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let jar = state.session.jar(&headers);
    if let Some(access) = state.session.access_token(&jar)
        && let Ok(user) = session::check(&state.cognito.verifier, &access, None).await
    {
        sessions::forget(&state, &user).await;
    }
    if let Err(error) = step_up::end(&state, state.session.step_up(&jar).as_deref()).await {
        warn!(%error, "a step-up was not ended at sign-out");
    }
    let revoked = match state.session.refresh_token(&jar) {
        Some(refresh_token) => revoke(&state, &refresh_token).await,
        None => true,
    };
    let jar = state.session.clear_tokens(jar);
    if revoked {
        (jar, Redirect::to(state.cognito.oauth.logout_url().as_str())).into_response()
    } else {
        let page = SignedOutReason::RevocationUnconfirmed.path();
        (jar, Redirect::to(&page)).into_response()
    }
}

/// Whether Cognito confirmed the revocation, trying twice.
async fn revoke(state: &AppState, refresh_token: &str) -> bool {
    for attempt in 1..=2 {
        match state.cognito.oauth.revoke(refresh_token).await {
            Ok(()) => {
                info!("signed out; the refresh token was revoked");
                return true;
            }
            Err(error) => {
                warn!(%error, attempt, "the refresh token could not be revoked");
            }
        }
    }
    warn!(
        "signed out on this browser only: Cognito did not confirm the revocation, so copies of the session keep working until the refresh token expires"
    );
    false
}
