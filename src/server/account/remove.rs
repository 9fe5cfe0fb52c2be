//! Removing a method: never someone else's, never the last one, only passkeys or apps left only
//! after an explicit yes, one removal per person at a time on every instance; recorded, and
//! told to the owner by mail.

use std::time::Duration;

use tokio::time::Instant;

use super::{Caller, limit};
use crate::{
    i18n::tr,
    lockout,
    model::AppError,
    server::{
        AppState, activity, http::rate_limit::Bucket, notify::Change, step_up, step_up::SteppedUp,
    },
    wire::authsignal::UserAuthenticator,
};

/// Authsignal's ids are UUIDs; anything far from that shape is refused before it is sent.
const MAX_ID_LENGTH: usize = 128;
/// What a lock's lease keeps beyond the longest its work can take: the shared state's own
/// round trips, and clocks that differ.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// How long a removal waits for another of the same person's to finish.
const REMOVAL_WAIT: Duration = Duration::from_secs(5);

/// A removal done: the method that went, and the list as it is afterwards, oldest first.
pub struct Removal {
    pub removed: UserAuthenticator,
    pub remaining: Vec<UserAuthenticator>,
}

/// Removes one of the person's methods, unless it is not theirs (`NotFound`, whoever owns it)
/// or removing it would lock them out; records it in the activity log and mails the owner.
pub async fn remove(
    state: &AppState,
    caller: &Caller,
    authenticator_id: &str,
    accepts_no_fallback: bool,
) -> Result<Removal, AppError> {
    validate_authenticator_id(authenticator_id)?;
    limit(state, Bucket::Removal, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    let removal = remove_locked(state, &stepped_up, authenticator_id, accepts_no_fallback).await?;
    let user_id = stepped_up.user_id();
    tracing::info!(method = ?removal.verification_method, "authenticator removed");
    activity::record_removal(&state.authsignal, user_id, &removal, &caller.from).await;
    let change = Change::removed(&removal, &caller.from, state.clock.now());
    state
        .notifier
        .notify(user_id, caller.user.verified_email(), change)
        .await;
    Ok(Removal {
        removed: removal,
        remaining: state.authsignal.verified_authenticators(user_id).await?,
    })
}

/// One removal per person at a time, across every instance (the shared lock): two at once
/// could each see the other's method remain and leave nothing. The lock's lease outlasts the
/// work it guards, as configured: a read with all its retries, then the removal.
async fn remove_locked(
    state: &AppState,
    stepped_up: &SteppedUp,
    authenticator_id: &str,
    accepts_no_fallback: bool,
) -> Result<UserAuthenticator, AppError> {
    let authsignal = &state.authsignal;
    let lease = authsignal.longest_read() + authsignal.longest_write() + LEASE_MARGIN;
    let removal = remove_now(
        state,
        stepped_up,
        authenticator_id,
        accepts_no_fallback,
        lease,
    );
    state
        .shared
        .locked(
            &format!("removal:{}", stepped_up.user_id()),
            lease,
            REMOVAL_WAIT,
            removal,
        )
        .await?
        .unwrap_or(Err(AppError::Unavailable))
}

/// The removal itself, with the lock held for `lease` from now: the method that went.
async fn remove_now(
    state: &AppState,
    stepped_up: &SteppedUp,
    authenticator_id: &str,
    accepts_no_fallback: bool,
    lease: Duration,
) -> Result<UserAuthenticator, AppError> {
    let locked_at = Instant::now();
    let authsignal = &state.authsignal;
    let user_id = stepped_up.user_id();
    let current = authsignal.verified_authenticators(user_id).await?;
    lockout::check_removal(
        current.iter().map(|authenticator| {
            (
                authenticator.user_authenticator_id.as_str(),
                authenticator.verification_method,
            )
        }),
        authenticator_id,
        accepts_no_fallback,
    )?;
    let removed = current
        .into_iter()
        .find(|authenticator| authenticator.user_authenticator_id == authenticator_id)
        .ok_or(AppError::NotFound)?;
    // Another removal may take the lock once the lease lapses: never delete past it.
    if locked_at.elapsed() + authsignal.longest_write() + LEASE_MARGIN > lease {
        tracing::warn!("a removal stopped before its delete: the lock's lease could lapse");
        return Err(AppError::Unavailable);
    }
    state.notifier.removing(user_id, authenticator_id).await?;
    let deleted = authsignal
        .delete_authenticator(user_id, authenticator_id)
        .await;
    if deleted.is_err() {
        state.notifier.not_removing(user_id, authenticator_id).await;
    }
    deleted.map_err(|error| match error.status() {
            // What Authsignal answers when the tenant does not allow deletion is not
            // documented: any refusal but "not found" and "too many" is read as that.
            Some(401 | 404 | 429) => AppError::from(error),
            _ if error.is_refusal() => {
                tracing::warn!(%error, "Authsignal refused to delete an authenticator: does the tenant allow deleting user authenticators (allowDeletingUserAuthenticators)?");
                AppError::RemovalDisabled
            }
            _ => AppError::from(error),
        })?;
    Ok(removed)
}

/// An id is letters, digits, `-` and `_`: Authsignal's are UUIDs.
pub fn validate_authenticator_id(id: &str) -> Result<(), AppError> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LENGTH
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if well_formed {
        Ok(())
    } else {
        Err(AppError::invalid("id", tr::account_not_a_method_id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_reach_authsignal() {
        assert!(validate_authenticator_id("4efd2d0d-3278-4e03-8143-d9a0850bebc0").is_ok());
        for bad in [
            "",
            "../other-user",
            "a/b",
            "a b",
            "%2e%2e",
            &"x".repeat(129),
        ] {
            let error = validate_authenticator_id(bad).unwrap_err();
            assert!(
                matches!(&error, AppError::InvalidInput { field, .. } if field == "id"),
                "{bad}"
            );
        }
    }
}
