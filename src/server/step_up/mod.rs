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
use crate::{
    i18n::tr,
    model::{AppError, ClientApiTicket, StepUpVia},
    wire::authsignal::{ActionState, TrackAttributes},
};
pub use proof::{Granted, StepUp};

/// Clocks differ a little: a challenge this far "in the future" is still this one.
const CLOCK_SKEW_SECS: i64 = 60;
/// An Authsignal token lives 10 minutes (the tenant's default): a started step-up is kept as
/// long as its token could be completed.
const AUTHSIGNAL_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// The step-up check passed for this person, for this request: made only by [`require`].
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
/// them in this sign-in and was not ended, or they have nothing the page can challenge (no
/// method yet, or only kinds it cannot challenge) and signed in within the window. Otherwise
/// the error says how to step up.
pub async fn require(state: &AppState, caller: &Caller) -> Result<SteppedUp, AppError> {
    let user = &caller.user;
    let now = state.clock.now();
    if live_proof(state, caller, now).await?.is_some() {
        return Ok(SteppedUp::of(user));
    }
    if can_be_challenged(state, user).await? {
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

/// Seconds left in the caller's window, if any. A shared state that cannot be asked whether the
/// proof was ended counts as no window.
pub async fn remaining(state: &AppState, caller: &Caller) -> Option<u64> {
    live_proof(state, caller, state.clock.now())
        .await
        .ok()
        .flatten()
}

/// Ends the window `proof` opened, on every instance: "End now", signing out. Whoever holds a
/// proof may end it.
pub async fn end(state: &AppState, proof: Option<&str>) -> Result<(), AppError> {
    let Some(opened) = proof.and_then(|proof| state.step_up.open_any(proof, state.clock.now()))
    else {
        return Ok(());
    };
    if let Some(left) = opened.remaining_secs {
        state
            .shared
            .put(&ended_key(&opened.id), "1", Duration::from_secs(left + 1))
            .await?;
        tracing::info!("a step-up was ended");
    }
    Ok(())
}

/// The seconds left of the caller's proof, unless it lapsed or was ended.
async fn live_proof(
    state: &AppState,
    caller: &Caller,
    now: OffsetDateTime,
) -> Result<Option<u64>, AppError> {
    let Some(opened) = state
        .step_up
        .open_for(caller.step_up_proof.as_deref(), &caller.user, now)
    else {
        return Ok(None);
    };
    let Some(left) = opened.remaining_secs else {
        return Ok(None);
    };
    let ended = state.shared.get(&ended_key(&opened.id)).await?.is_some();
    Ok((!ended).then_some(left))
}

fn ended_key(proof_id: &str) -> String {
    format!("step-up-ended:{proof_id}")
}

/// Whether the person has a method the page can challenge.
async fn can_be_challenged(state: &AppState, user: &CurrentUser) -> Result<bool, AppError> {
    Ok(state
        .authsignal
        .verified_authenticators(&user.sub)
        .await?
        .iter()
        .any(|authenticator| authenticator.verification_method.can_step_up()))
}

/// The person typed their password within the window.
fn signed_in_recently(state: &AppState, user: &CurrentUser, now: OffsetDateTime) -> bool {
    let window = i64::try_from(state.step_up.window().as_secs()).unwrap_or(i64::MAX);
    let age = now.unix_timestamp() - user.auth_time;
    (-CLOCK_SKEW_SECS..=window).contains(&age)
}

/// How much longer the person's sign-in counts as recent, if it still does.
pub fn sign_in_fresh_for(state: &AppState, user: &CurrentUser) -> Option<u64> {
    let now = state.clock.now();
    let window = i64::try_from(state.step_up.window().as_secs()).unwrap_or(i64::MAX);
    let age = (now.unix_timestamp() - user.auth_time).max(0);
    signed_in_recently(state, user, now).then(|| u64::try_from(window - age).unwrap_or(0))
}

/// A token for the challenge only: a `stepUp` action, tracked without the `add:authenticators`
/// scope, under an idempotency key this app chose and keeps, bound to this person and this
/// sign-in: only that action's passed challenge completes here. Someone with nothing to
/// challenge must sign in again.
pub async fn start(state: &AppState, caller: &Caller) -> Result<ClientApiTicket, AppError> {
    start_for(state, caller, None).await
}

/// What a test is of: the method, and when Authsignal last saw it used before the test.
pub struct Testing<'a> {
    pub id: &'a str,
    pub last_used: Option<OffsetDateTime>,
}

/// As [`start`], for a test of a method (one of the caller's): its completion must show that
/// method was the one used.
pub async fn start_for(
    state: &AppState,
    caller: &Caller,
    testing: Option<Testing<'_>>,
) -> Result<ClientApiTicket, AppError> {
    let user = &caller.user;
    if !can_be_challenged(state, user).await? {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        });
    }
    if user.session_id.is_none() {
        return Err(proof::no_session_id());
    }
    let key = uuid::Uuid::new_v4().to_string();
    let attributes = TrackAttributes {
        idempotency_key: Some(key.clone()),
        ..caller.from.attributes()
    };
    let started = Binding {
        sub: user.sub.clone(),
        session: user.session_id.clone().unwrap_or_default(),
        testing: testing.as_ref().map(|testing| testing.id.to_owned()),
        last_used: testing
            .and_then(|testing| testing.last_used)
            .map(OffsetDateTime::unix_timestamp_nanos),
    };
    state
        .shared
        .put(
            &started_key(&key),
            &serde_json::to_string(&started).map_err(|_| proof::no_session_id())?,
            AUTHSIGNAL_TOKEN_LIFETIME,
        )
        .await?;
    let track = state
        .authsignal
        .track(&user.sub, Action::StepUp.code(), &attributes)
        .await?;
    if track.state == ActionState::Allow {
        // Authsignal's default outcome for an action the tenant left unconfigured: the page
        // still runs the challenge, and only its success counts.
        tracing::warn!(
            "Authsignal allowed a stepUp without a challenge: set the stepUp action's outcome to Challenge in the tenant"
        );
    }
    let track = authsignal::actions::allowed(track)?;
    Ok(ClientApiTicket {
        username: caller.name.clone(),
        ..state.authsignal.ticket(track.token.expose())
    })
}

fn started_key(idempotency_key: &str) -> String {
    format!("step-up-start:{idempotency_key}")
}

/// Whom, which sign-in and which test a started step-up is for, and when it started.
#[derive(serde::Serialize, serde::Deserialize)]
struct Binding {
    sub: String,
    session: String,
    testing: Option<String>,
    /// When Authsignal last saw the tested method used before the test (Unix nanoseconds): a
    /// test passed with it moves that on. Authsignal's times are compared with Authsignal's.
    last_used: Option<i128>,
}

impl Binding {
    fn is_for(&self, user: &CurrentUser, testing: Option<&str>) -> bool {
        self.sub == user.sub
            && Some(self.session.as_str()) == user.session_id.as_deref()
            && self.testing.as_deref() == testing
    }
}

/// Turns the token a Client API verify returned into a proof, if Authsignal says it is a
/// challenge this person passed, just now, for a `stepUp` action this app started for this
/// person in this sign-in, and it was never used before. The proof's window runs from when the
/// challenge was passed.
pub async fn complete(state: &AppState, caller: &Caller, token: &str) -> Result<Granted, AppError> {
    complete_for(state, caller, token, None).await
}

/// As [`complete`], for a test of the method `testing`: only if that method is the one the
/// challenge used (Authsignal moved its "last used" since the test started).
pub async fn complete_for(
    state: &AppState,
    caller: &Caller,
    token: &str,
    testing: Option<&str>,
) -> Result<Granted, AppError> {
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
    let window = i64::try_from(state.step_up.window().as_secs()).unwrap_or(0);
    let passed_at = validation
        .state_updated_at
        .filter(|passed| (-CLOCK_SKEW_SECS..=window).contains(&(now - *passed).whole_seconds()));
    let (Some(key), Some(passed_at)) = (
        validation
            .idempotency_key
            .as_deref()
            .filter(|_| validation.succeeded_for(&user.sub))
            .filter(|_| validation.action() == Some(step_up)),
        passed_at,
    ) else {
        return Err(not_accepted());
    };
    // Taken, so it counts once, on whichever instance it is presented.
    let started = state
        .shared
        .take(&started_key(key))
        .await?
        .and_then(|stored| serde_json::from_str::<Binding>(&stored).ok())
        .filter(|started| started.is_for(user, testing));
    let Some(started) = started else {
        tracing::info!("a step-up token this sign-in did not start, or used already, was refused");
        return Err(not_accepted());
    };
    if let Some(id) = testing {
        let used_since = state
            .authsignal
            .verified_authenticators(&user.sub)
            .await?
            .into_iter()
            .find(|authenticator| authenticator.user_authenticator_id == id)
            .and_then(|authenticator| authenticator.last_verified_at)
            .is_some_and(|used| {
                started
                    .last_used
                    .is_none_or(|before| used.unix_timestamp_nanos() > before)
            });
        if !used_since {
            tracing::info!("a test's challenge was passed with another method");
            return Err(not_accepted());
        }
    }
    tracing::info!(method = ?validation.verification_method, "stepped up");
    state
        .step_up
        .grant(user, validation.verification_method, passed_at, now)
}

/// Records that a step-up this person started ran out of attempts (the activity log's "Couldn't
/// verify it's you"), unless Authsignal already records it as `CHALLENGE_FAILED`. `token` is the
/// step-up's own token, which the browser or app still holds; anything else is ignored.
pub async fn record_failure(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<(), AppError> {
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
    let ours = validation.user_id.as_deref() == Some(user.sub.as_str())
        && validation.action() == Some(step_up);
    let (Some(key), true) = (validation.idempotency_key, ours) else {
        return Err(not_accepted());
    };
    if matches!(
        validation.state,
        Some(ActionState::ChallengeFailed | ActionState::ChallengeSucceeded)
    ) {
        return Ok(());
    }
    // The step-up's own key: a report sent twice is one entry.
    let attributes = TrackAttributes {
        idempotency_key: Some(key),
        ..caller.from.attributes()
    };
    state
        .authsignal
        .track(&user.sub, Action::StepUpFailed.code(), &attributes)
        .await?;
    Ok(())
}

fn not_accepted() -> AppError {
    AppError::invalid("token", tr::account_verification_not_accepted())
}
