//! "Test this method": the method's own challenge, changing nothing. Passing it is a step-up
//! too (it opens the change window): the page runs it as one, with that method chosen; native
//! apps get a token for that method's challenge, accepted once, for that person and that
//! method only.

use time::OffsetDateTime;

use super::{Caller, authenticators, limit, validate_authenticator_id};
use crate::{
    i18n::tr,
    model::{AppError, ClientApiTicket},
    server::{
        AppState,
        http::rate_limit::Bucket,
        step_up::{self, Granted},
    },
};

/// A token with which the caller challenges their method `id`.
pub async fn start_test(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ClientApiTicket, AppError> {
    validate_authenticator_id(id)?;
    limit(state, Bucket::StepUp, caller).await?;
    let method = authenticators(state, caller)
        .await?
        .into_iter()
        .find(|authenticator| authenticator.user_authenticator_id == id)
        .ok_or(AppError::NotFound)?;
    if !method.verification_method.can_step_up() {
        return Err(AppError::invalid("id", tr::account_cannot_test()));
    }
    let testing = step_up::Testing {
        id,
        last_used: method.last_verified_at,
    };
    step_up::start_for(state, caller, Some(testing)).await
}

/// A test passed with the method `id`: the proof of the step-up it is, and when the method was
/// last used (now).
pub async fn complete_test(
    state: &AppState,
    caller: &Caller,
    id: &str,
    token: &str,
) -> Result<(Granted, Option<OffsetDateTime>), AppError> {
    validate_authenticator_id(id)?;
    limit(state, Bucket::StepUp, caller).await?;
    let granted = step_up::complete_for(state, caller, token, Some(id)).await?;
    let last_used = authenticators(state, caller)
        .await?
        .into_iter()
        .find(|authenticator| authenticator.user_authenticator_id == id)
        .and_then(|authenticator| authenticator.last_verified_at);
    Ok((granted, last_used))
}
