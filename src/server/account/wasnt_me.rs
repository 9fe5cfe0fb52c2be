//! Acting on a notice's "Wasn't you?" link: in one confirmation, after a step-up, remove the
//! method the change added (when it added one) and sign out everywhere. The link must be the
//! person's own, unexpired and unused; it acts once.

use std::time::Duration;

use super::{Caller, SignedOutEverywhere, remove, sign_out_everywhere};
use crate::{
    i18n::tr,
    model::{AppError, WasntMeView},
    server::{AppState, step_up, wasnt_me::Claim},
};

/// A link is remembered as used longer than it can live.
const USED_FOR: Duration = Duration::from_secs(8 * 24 * 3600);

fn not_valid() -> AppError {
    AppError::invalid("token", tr::account_link_not_valid())
}

fn used_key(claim: &Claim) -> String {
    format!("wasnt-me-used:{}", claim.id)
}

/// What the link `token` offers the caller, if it is theirs and still good.
async fn open(state: &AppState, caller: &Caller, token: &str) -> Result<Claim, AppError> {
    let now = state.clock.now().unix_timestamp();
    let claim = state
        .wasnt_me
        .open(token, &caller.user.sub, now)
        .ok_or_else(not_valid)?;
    if state.shared.get(&used_key(&claim)).await?.is_some() {
        return Err(AppError::invalid("token", tr::account_link_used()));
    }
    Ok(claim)
}

/// What following the link offers: the change it came from, and whether confirming removes a
/// method too (one that is still there).
pub async fn wasnt_me_offer(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<WasntMeView, AppError> {
    let claim = open(state, caller, token).await?;
    let removes = match &claim.added {
        Some(id) => state
            .authsignal
            .verified_authenticators(&caller.user.sub)
            .await?
            .iter()
            .any(|authenticator| authenticator.user_authenticator_id == *id),
        None => false,
    };
    Ok(WasntMeView {
        what: claim.what,
        removes,
    })
}

/// Removes what the change added, if it is still there, then signs out everywhere.
pub async fn wasnt_me_act(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> Result<SignedOutEverywhere, AppError> {
    let claim = open(state, caller, token).await?;
    step_up::require(state, caller).await?;
    if !state
        .shared
        .put_new(&used_key(&claim), "1", USED_FOR)
        .await?
    {
        return Err(AppError::invalid("token", tr::account_link_used()));
    }
    if let Some(id) = &claim.added {
        match remove(state, caller, id, true).await {
            Ok(_) | Err(AppError::NotFound) => {}
            // Signing out everywhere matters more: it goes ahead, and the page says so.
            Err(error) => {
                tracing::warn!(%error, "a method a \"Wasn't you?\" link named was not removed")
            }
        }
    }
    sign_out_everywhere(state, caller).await
}
