//! Step-up: proof, at most `STEP_UP_WINDOW_MINUTES` old, that the person just passed a
//! challenge, before any change to their sign-in methods. A live session alone is never enough
//! (GitHub's sudo mode, Clerk's reverification).
//!
//! Someone with methods proves it with one of them, through Authsignal: the server tracks a
//! `stepUp` action without the `add:authenticators` scope, the browser or app runs the Client
//! API's challenge and verify, and the server validates the resulting token (valid,
//! `CHALLENGE_SUCCEEDED`, this person, this action, fresh, and never accepted twice) before it
//! seals a proof ([`proof`]). Someone with no method yet proves it with a fresh Cognito sign-in.
//!
//! The proof names the person and the sign-in (`origin_jti`), so signing out, signing in again
//! or another person's session makes it worthless. The page keeps it in an HttpOnly cookie;
//! native apps send it as the `Step-Up-Token` header. It never travels in a URL.
//!
//! [`require`] is the check, and the only maker of [`SteppedUp`], which every operation that
//! changes sign-in methods demands: a door that skips the check cannot call them.

mod proof;

use std::time::Duration;

use time::OffsetDateTime;

use super::{
    AppState,
    authsignal::{self, actions::Action},
    caller::Caller,
    session::CurrentUser,
};
use crate::model::{AppError, ClientApiTicket, StepUpVia};
pub use proof::{Granted, StepUp};

/// Clocks differ a little: a challenge this far "in the future" is still this one.
const CLOCK_SKEW_SECS: i64 = 60;
/// An Authsignal token lives 10 minutes; a used one is remembered for longer than it and the
/// window together.
const AUTHSIGNAL_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// The step-up check passed for this person, for this request: made only by [`require`] and
/// [`require_for_prebuilt`].
#[derive(Debug)]
pub struct SteppedUp {
    user_id: String,
}

impl SteppedUp {
    /// Whose methods may change: the person who stepped up, never anyone else.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    fn of(user: &CurrentUser) -> Self {
        Self {
            user_id: user.sub.clone(),
        }
    }
}

/// Whether the person may change their sign-in methods now: the caller's proof is valid for
/// them in this sign-in, or they have no method yet and signed in within the window. Otherwise
/// the error says how to step up.
pub async fn require(state: &AppState, caller: &Caller) -> Result<SteppedUp, AppError> {
    let user = &caller.user;
    let now = state.clock.now();
    if has_proof(state, caller, now) {
        return Ok(SteppedUp::of(user));
    }
    if !state
        .authsignal
        .verified_authenticators(&user.sub)
        .await?
        .is_empty()
    {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::Method,
        });
    }
    if signed_in_recently(state, user, now) {
        Ok(SteppedUp::of(user))
    } else {
        Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        })
    }
}

/// What opening Authsignal's pre-built UI in settings mode needs. Authsignal challenges a person
/// who has a method before it shows them any change: the visit is tracked without the
/// `add:authenticators` scope, the one thing that skips that challenge (authsignal-api.md,
/// `redirectToSettings` and the pre-built UI's scopes). Someone with no method would add their
/// first one there unchallenged, so they need what a first method needs here: a recent sign-in
/// (or a window already open).
pub async fn require_for_prebuilt(
    state: &AppState,
    caller: &Caller,
) -> Result<SteppedUp, AppError> {
    let user = &caller.user;
    let now = state.clock.now();
    if has_proof(state, caller, now)
        || signed_in_recently(state, user, now)
        || !state
            .authsignal
            .verified_authenticators(&user.sub)
            .await?
            .is_empty()
    {
        Ok(SteppedUp::of(user))
    } else {
        Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        })
    }
}

/// Seconds left in the caller's window, if any.
pub fn remaining(state: &AppState, caller: &Caller) -> Option<u64> {
    state.step_up.remaining(
        caller.step_up_proof.as_deref(),
        &caller.user,
        state.clock.now(),
    )
}

fn has_proof(state: &AppState, caller: &Caller, now: OffsetDateTime) -> bool {
    state
        .step_up
        .remaining(caller.step_up_proof.as_deref(), &caller.user, now)
        .is_some()
}

/// The person typed their password within the window.
fn signed_in_recently(state: &AppState, user: &CurrentUser, now: OffsetDateTime) -> bool {
    let window = i64::try_from(state.step_up.window().as_secs()).unwrap_or(i64::MAX);
    let age = now.unix_timestamp() - user.auth_time;
    (-CLOCK_SKEW_SECS..=window).contains(&age)
}

/// A token for the challenge only: a `stepUp` action, tracked without the `add:authenticators`
/// scope. Someone without a method has nothing to challenge and must sign in again.
pub async fn start(state: &AppState, caller: &Caller) -> Result<ClientApiTicket, AppError> {
    let user = &caller.user;
    if state
        .authsignal
        .verified_authenticators(&user.sub)
        .await?
        .iter()
        .all(|authenticator| !authenticator.verification_method.can_step_up())
    {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        });
    }
    let track = state
        .authsignal
        .track(&user.sub, Action::StepUp.code(), &caller.from.attributes())
        .await?;
    let track = authsignal::actions::allowed(track)?;
    Ok(state.authsignal.ticket(track.token.expose()))
}

/// Turns the token a Client API verify returned into a proof, if Authsignal says it is a
/// challenge this person passed for this action just now, and it was never used before.
pub async fn complete(state: &AppState, caller: &Caller, token: &str) -> Result<Granted, AppError> {
    let user = &caller.user;
    if token.is_empty() || token.len() > authsignal::MAX_TOKEN_LENGTH {
        return Err(not_accepted());
    }
    let step_up = Action::StepUp.code();
    let validation = match state
        .authsignal
        .validate_challenge(token, Some(&user.sub), Some(step_up))
        .await
    {
        Ok(validation) => validation,
        Err(error) if error.is_refusal() => return Err(not_accepted()),
        Err(error) => return Err(error.into()),
    };
    let now = state.clock.now();
    let fresh = validation.state_updated_at.is_some_and(|passed| {
        let age = (now - passed).whole_seconds();
        (-CLOCK_SKEW_SECS..=i64::try_from(state.step_up.window().as_secs()).unwrap_or(0))
            .contains(&age)
    });
    let Some(action) = validation
        .idempotency_key
        .as_deref()
        .filter(|_| validation.succeeded_for(&user.sub))
        .filter(|_| validation.action() == Some(step_up))
        .filter(|_| fresh)
    else {
        return Err(not_accepted());
    };
    let once = format!("step-up:{}:{action}", user.sub);
    if !state
        .shared
        .first_sighting(&once, AUTHSIGNAL_TOKEN_LIFETIME + state.step_up.window())
        .await?
    {
        tracing::info!("a step-up token was presented again and refused");
        return Err(not_accepted());
    }
    tracing::info!(method = ?validation.verification_method, "stepped up");
    state
        .step_up
        .grant(user, validation.verification_method, now)
}

fn not_accepted() -> AppError {
    AppError::invalid(
        "token",
        "That verification was not accepted: it is not yours, was used already, or is too old. Verify it's you again.",
    )
}
