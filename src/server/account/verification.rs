//! Stepping up, as operations: starting a challenge, turning its passed token into a proof,
//! ending the window early, and asking how long it lasts (the mechanism is `server::step_up`).

use super::{Caller, limit};
use crate::{
    model::{AppError, ClientApiTicket, StepUpWindow},
    server::{
        AppState,
        http::rate_limit::Bucket,
        step_up::{self, Granted},
    },
};

/// A token with which the caller challenges one of their methods (no scope to add).
pub async fn start_step_up(state: &AppState, caller: &Caller) -> Result<ClientApiTicket, AppError> {
    limit(state, Bucket::StepUp, caller).await?;
    step_up::start(state, caller).await
}

/// Turns the token of a passed challenge into a proof; the door keeps it (a cookie, or the
/// answer a native app sends back as `Step-Up-Token`).
pub async fn complete_step_up(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<Granted, AppError> {
    limit(state, Bucket::StepUp, caller).await?;
    step_up::complete(state, caller, token).await
}

/// Records that the caller's step-up ran out of attempts; `token` is the step-up's own.
pub async fn report_step_up_failure(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<(), AppError> {
    limit(state, Bucket::StepUp, caller).await?;
    step_up::record_failure(state, caller, token).await
}

/// Ends the caller's window now, on every instance; the door forgets its proof too.
pub async fn end_step_up(state: &AppState, caller: &Caller) -> Result<StepUpWindow, AppError> {
    step_up::end(state, caller.step_up_proof.as_deref()).await?;
    Ok(StepUpWindow {
        remaining_secs: None,
        sign_in_fresh_secs: step_up::sign_in_fresh_for(state, &caller.user),
    })
}

/// Whether the caller may change their methods now, and for how long.
pub async fn step_up_status(state: &AppState, caller: &Caller) -> StepUpWindow {
    StepUpWindow {
        remaining_secs: step_up::remaining(state, caller).await,
        sign_in_fresh_secs: step_up::sign_in_fresh_for(state, &caller.user),
    }
}
