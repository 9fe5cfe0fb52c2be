//! The operations behind both doors: each one call that takes the [`Caller`] and does the whole
//! thing, in this order: rate limit → step-up → per-person lock → lock-out rule → the
//! Authsignal call → activity record → notice. The page's server functions (`crate::api`) and
//! the REST handlers (`super::rest_api`) only translate between their wire form and these calls,
//! so a third door (an admin route, a CLI) gets every check by calling the same function.
//!
//! What changes sign-in methods demands a [`SteppedUp`](super::step_up::SteppedUp), which only
//! the step-up check makes. Every function acts for the verified Cognito `sub`, which is the
//! Authsignal user id.

mod enroll;
mod prebuilt;
mod remove;
mod sessions;
mod test_method;
mod verification;
mod wasnt_me;

pub use enroll::{Contact, addable_methods, start_enrollment};
pub use prebuilt::{PrebuiltVisit, ReturnOutcome, confirm_return, open_prebuilt_ui};
pub use remove::{Removal, remove, validate_authenticator_id};
pub use sessions::{
    SignedOutEverywhere, list as list_sessions, sign_out_everywhere, sign_out_session,
};
pub use test_method::{complete_test, start_test};
pub use verification::{
    complete_step_up, end_step_up, report_step_up_failure, start_step_up, step_up_status,
};
pub use wasnt_me::{wasnt_me_act, wasnt_me_offer};

use super::{
    AppState, activity,
    caller::Caller,
    checkup::{self, Checkup},
    http::rate_limit::Bucket,
    present,
};
use crate::{
    model::{ActivityView, AppError, AuthenticatorView},
    wire::authsignal::UserAuthenticator,
};

/// The person's verified methods, oldest first, as Authsignal names them (the REST answer).
pub async fn authenticators(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<UserAuthenticator>, AppError> {
    state
        .authsignal
        .verified_authenticators(&caller.user.sub)
        .await
}

/// The security checkup of the person's methods (see [`super::checkup`]).
pub async fn checkup(state: &AppState, caller: &Caller) -> Result<Checkup, AppError> {
    let authenticators = authenticators(state, caller).await?;
    Ok(checkup::checkup(&authenticators, state.clock.now()))
}

/// The person's verified methods, oldest first, ready to show, and their checkup.
pub async fn list(
    state: &AppState,
    caller: &Caller,
) -> Result<(Vec<AuthenticatorView>, Checkup), AppError> {
    let authenticators = authenticators(state, caller).await?;
    let checked = checkup::checkup(&authenticators, state.clock.now());
    let origins =
        activity::unnamed_passkey_origins(&state.authsignal, &caller.user.sub, &authenticators)
            .await;
    let mut views = present::views(&authenticators);
    for view in &mut views {
        if view.masked_identifier.is_none() {
            view.masked_identifier = origins.get(&view.id).cloned();
        }
    }
    Ok((views, checked))
}

/// The last 30 days of the person's account, newest first.
pub async fn recent_activity(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<ActivityView>, AppError> {
    activity::recent(&state.authsignal, &caller.user.sub, state.clock.now()).await
}

/// Counts this call against the person's and their address's allowance for `bucket`: each
/// operation names its bucket once, here in the domain, whichever door it came through.
async fn limit(state: &AppState, bucket: Bucket, caller: &Caller) -> Result<(), AppError> {
    state
        .limit(bucket, Some(&caller.user.sub), caller.from.ip)
        .await
}
