//! "Where you're signed in": the person's sessions, signing one of them out, and signing out
//! everywhere. Both changes need a step-up, are recorded in the activity log and mailed.

use time::{Duration, OffsetDateTime};

use super::{Caller, limit};
use crate::{
    i18n::tr,
    model::{AppError, SessionView},
    server::{
        AppState,
        activity::{self, device},
        authsignal::actions::Action,
        http::rate_limit::Bucket,
        notify::{Change, ChangeKind},
        present,
        sessions::{self, Entry, SessionKind},
        step_up,
    },
};

/// A session id is 22 URL-safe base64 characters (see [`sessions::id_of`]).
fn well_formed(id: &str) -> bool {
    id.len() == 22
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// The person's live sessions, this one first and then the last seen first, then the sign-ins of the last 30 days the app
/// has no record of (after a restart without Redis), from Authsignal's log: those may or may
/// not still be live.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<SessionView>, AppError> {
    let user = &caller.user;
    let (entries, signed_out_before) = sessions::entries(state, &user.sub).await?;
    let now = state.clock.now();
    let current = sessions::id_of(user);
    let mut views: Vec<SessionView> = entries
        .iter()
        .filter(|entry| !entry.ended)
        .map(|entry| view(entry, current.as_deref(), now))
        .collect();
    let oldest = (now - Duration::seconds(seconds(state.config.session.max_age))).max(
        signed_out_before
            .and_then(|at| OffsetDateTime::from_unix_timestamp(at).ok())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    );
    match state
        .authsignal
        .query_actions(&user.sub, &[Action::SignIn.code()], None)
        .await
    {
        Ok(records) => {
            for record in records {
                let id = record.idempotency_key;
                let known = entries.iter().any(|entry| entry.id == id)
                    || views.iter().any(|view| view.id == id);
                if known || !well_formed(&id) || record.created_at < oldest {
                    continue;
                }
                views.push(SessionView {
                    id,
                    device: record.user_agent.as_deref().and_then(device::name),
                    address: record.ip_address,
                    signed_in: present::when(record.created_at, now),
                    last_seen: None,
                    current: false,
                    app: false,
                });
            }
        }
        Err(error) => tracing::warn!(%error, "sign-ins before the last restart are not listed"),
    }
    // This device first; the rest as they were, last seen first.
    views.sort_by_key(|view| !view.current);
    Ok(views)
}

fn seconds(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn view(entry: &Entry, current: Option<&str>, now: OffsetDateTime) -> SessionView {
    let at = |seconds: i64| {
        present::when(
            OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            now,
        )
    };
    SessionView {
        id: entry.id.clone(),
        device: entry.device(),
        address: entry.address.clone(),
        signed_in: at(entry.signed_in_at),
        last_seen: Some(at(entry.last_seen_at)),
        current: current == Some(entry.id.as_str()),
        app: entry.kind == SessionKind::App,
    }
}

/// Signs the session `id` out: it is refused from its next request on, on every instance, and
/// its refresh token is revoked when it next calls. Not the caller's own session: that is
/// "Sign out".
pub async fn sign_out_session(state: &AppState, caller: &Caller, id: &str) -> Result<(), AppError> {
    if !well_formed(id) {
        return Err(AppError::NoSuchSession);
    }
    limit(state, Bucket::SignOut, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    if sessions::id_of(&caller.user).as_deref() == Some(id) {
        return Err(AppError::invalid("id", tr::account_current_session()));
    }
    let user_id = stepped_up.user_id();
    let ended = match sessions::end(state, user_id, id).await? {
        Some(entry) => entry,
        // A sign-in known only from Authsignal's log: refused from now on too.
        None if known_sign_in(state, user_id, id).await => {
            sessions::end_unlisted(state, user_id, id).await?;
            Entry {
                id: id.to_owned(),
                kind: SessionKind::Browser,
                user_agent: None,
                address: None,
                signed_in_at: 0,
                last_seen_at: 0,
                ended: true,
            }
        }
        None => return Err(AppError::NoSuchSession),
    };
    tracing::info!("a session was signed out");
    activity::record_session_ended(
        &state.authsignal,
        user_id,
        ended.device_kept().as_ref(),
        &caller.from,
    )
    .await;
    let now = state.clock.now();
    let change = Change {
        kind: ChangeKind::SessionEnded,
        identifier: ended.device(),
        about: ended.id,
        method: None,
        at: now,
        device: caller.from.user_agent.as_deref().and_then(device::name),
        address: caller.from.ip.map(|ip| ip.to_string()),
    };
    state
        .notifier
        .notify(user_id, caller.user.verified_email(), change)
        .await;
    Ok(())
}

/// Whether `id` names one of the person's sign-ins in Authsignal's log.
async fn known_sign_in(state: &AppState, user_id: &str, id: &str) -> bool {
    state
        .authsignal
        .query_actions(user_id, &[Action::SignIn.code()], None)
        .await
        .is_ok_and(|records| records.iter().any(|record| record.idempotency_key == id))
}

/// What signing out everywhere reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedOutEverywhere {
    /// Cognito revoked every refresh token; when not, only this app refuses the old sessions.
    pub at_cognito: bool,
}

/// Signs every session of the person out, the caller's own included: every access token issued
/// before now is refused by the app from its next request on, on every instance, and Cognito
/// revokes every refresh token. When the shared state cannot note it, nothing is done.
pub async fn sign_out_everywhere(
    state: &AppState,
    caller: &Caller,
) -> Result<SignedOutEverywhere, AppError> {
    limit(state, Bucket::SignOut, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    let user_id = stepped_up.user_id();
    let now = state.clock.now();
    sessions::end_all(state, user_id, now.unix_timestamp()).await?;
    let at_cognito = match state
        .cognito
        .admin
        .global_sign_out(&caller.user.username)
        .await
    {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(%error, "signed out everywhere here, but not at Cognito");
            false
        }
    };
    tracing::info!(at_cognito, "signed out everywhere");
    if let Err(error) = step_up::end(state, caller.step_up_proof.as_deref()).await {
        tracing::warn!(%error, "the step-up of a sign-out everywhere was not ended");
    }
    activity::record_signed_out_everywhere(&state.authsignal, user_id, &caller.from).await;
    let change = Change {
        kind: ChangeKind::SignedOutEverywhere,
        about: now.unix_timestamp().to_string(),
        method: None,
        identifier: None,
        at: now,
        device: caller.from.user_agent.as_deref().and_then(device::name),
        address: caller.from.ip.map(|ip| ip.to_string()),
    };
    state
        .notifier
        .notify(user_id, caller.user.verified_email(), change)
        .await;
    Ok(SignedOutEverywhere { at_cognito })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_session_id_of_the_right_shape_is_looked_for() {
        assert!(well_formed("AbCdEfGhIjKlMnOpQrSt-_"));
        for bad in [
            "",
            "short",
            "AbCdEfGhIjKlMnOpQrSt-_x",
            "AbCdEfGhIjKlMnOpQrSt/_",
            "../../../../etc/passwd!",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
