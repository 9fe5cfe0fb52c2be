//! The person's recent activity, kept by Authsignal rather than a database of ours: each event
//! is an action the app tracks with where it came from (address, user agent, device id), and the
//! log is Authsignal's query of the user's actions over the last 30 days
//! (`authsignal-methods.md` §5.3).

pub mod device;
mod removal_key;

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use time::{Duration, OffsetDateTime};
use tracing::warn;

use crate::{
    i18n::tr,
    model::{ActivityKind, ActivityView, AppError, VerificationMethod},
    server::{
        authsignal::{AuthsignalClient, actions::Action},
        http::requester::Requester,
        present,
        session::CurrentUser,
    },
    wire::authsignal::{
        ActionState, AuthenticatorEventData, TrackAttributes, UpdateUserRequest, UserActionRecord,
        UserAuthenticator,
    },
};
use removal_key::RemovalKey;

/// As many actions as one answer of Authsignal's actions query is known to hold (the local
/// Authsignal's cap; the real one, and the order it cuts in, are not documented).
const ONE_ANSWER: usize = 100;
/// Shorter windows asked when an answer is full: whatever order Authsignal cut in, the newest
/// actions are in them.
const NEWER_WINDOWS_DAYS: [i64; 2] = [7, 1];
/// A page's worth; older entries are still in the Authsignal Portal.
const SHOWN: usize = 50;

/// Records a sign-in, and keeps the person's email address (from Cognito, when Cognito verified
/// it) as their Authsignal profile email: where notices of changes go when only Authsignal's
/// webhook tells of them. A failure is logged: a sign-in never waits for its record.
/// The record is named `session_id`, the session it starts, so the list of sessions can show it
/// after a restart.
pub async fn record_sign_in(
    authsignal: &AuthsignalClient,
    user: &CurrentUser,
    session_id: Option<String>,
    from: &Requester,
) {
    let attributes = TrackAttributes {
        idempotency_key: session_id,
        ..from.attributes()
    };
    if let Err(error) = authsignal
        .track(&user.sub, Action::SignIn.code(), &attributes)
        .await
    {
        warn!(%error, "a sign-in was not recorded");
    }
    if let Some(email) = user.verified_email() {
        let update = UpdateUserRequest {
            email: Some(email),
            ..UpdateUserRequest::default()
        };
        if let Err(error) = authsignal.update_user(&user.sub, &update).await {
            warn!(%error, "the person's email address was not kept with Authsignal");
        }
    }
}

/// Records a removal the app made, with what the log needs once the method is gone (see
/// [`RemovalKey`]).
pub async fn record_removal(
    authsignal: &AuthsignalClient,
    user_id: &str,
    removed: &UserAuthenticator,
    from: &Requester,
) {
    let attributes = TrackAttributes {
        idempotency_key: Some(RemovalKey::of(removed)),
        ..from.attributes()
    };
    if let Err(error) = authsignal
        .track(user_id, Action::RemoveAuthenticator.code(), &attributes)
        .await
    {
        warn!(%error, "a removal was not recorded in the activity log");
    }
}

/// The last 30 days, newest first. The person's methods name what was added or used ("email
/// code j•••@example.com"); without them the entries still read, by kind.
pub async fn recent(
    authsignal: &AuthsignalClient,
    user_id: &str,
    now: OffsetDateTime,
) -> Result<Vec<ActivityView>, AppError> {
    let codes = Action::ALL.map(Action::code);
    let (records, methods) = tokio::join!(
        authsignal.query_actions(user_id, &codes, None),
        authsignal.verified_authenticators(user_id),
    );
    let mut records = records?;
    if records.len() >= ONE_ANSWER {
        let [week, day] = NEWER_WINDOWS_DAYS.map(|days| {
            authsignal.query_actions(user_id, &codes, Some(now - Duration::days(days)))
        });
        let (week, day) = tokio::join!(week, day);
        let mut seen = std::collections::HashSet::new();
        records.extend(week.unwrap_or_default());
        records.extend(day.unwrap_or_default());
        records.sort_by_key(|record| std::cmp::Reverse(record.created_at));
        records.retain(|record| {
            seen.insert((record.action_code.clone(), record.idempotency_key.clone()))
        });
    }
    let methods = methods.unwrap_or_default();
    let gone = removed_methods(&records);
    Ok(records
        .iter()
        .filter_map(|record| describe(record, &methods, &gone, now))
        .take(SHOWN)
        .collect())
}

/// The device and address a reported change most likely came from: the add that names `event`'s
/// authenticator, or else an add of the same kind of method settled within a minute of it (which
/// authenticator an enrollment's action names is not documented: the new one, or the one that
/// was challenged first), or else the last visit to Authsignal's settings within the hour.
pub async fn origin_of(
    authsignal: &AuthsignalClient,
    event: &AuthenticatorEventData,
    now: OffsetDateTime,
) -> (Option<String>, Option<String>) {
    let codes = [
        Action::AddAuthenticator.code(),
        Action::ManageAuthenticators.code(),
    ];
    let Ok(records) = authsignal
        .query_actions(&event.user_id, &codes, Some(now - Duration::hours(1)))
        .await
    else {
        return (None, None);
    };
    let created = event.created_at.unwrap_or(now);
    let adds = || {
        records
            .iter()
            .filter(|record| record.action_code == Action::AddAuthenticator.code())
    };
    let origin = adds()
        .find(|record| {
            record.verified_by_authenticator_id.as_deref()
                == Some(event.user_authenticator_id.as_str())
        })
        .or_else(|| {
            adds().find(|record| {
                record.verification_method == Some(event.verification_method)
                    && record
                        .state_updated_at
                        .is_some_and(|settled| (settled - created).abs() <= Duration::minutes(1))
            })
        })
        .or_else(|| {
            records
                .iter()
                .find(|record| record.action_code == Action::ManageAuthenticators.code())
        });
    match origin {
        Some(record) => (
            record.user_agent.as_deref().and_then(device::name),
            record.ip_address.clone(),
        ),
        None => (None, None),
    }
}

/// Records a session signed out from another; the device it was travels in the idempotency
/// key (`<uuid>.<device key, base64url>`, see [`device::Device::key`]), which is ours to choose.
pub async fn record_session_ended(
    authsignal: &AuthsignalClient,
    user_id: &str,
    ended_device: Option<&device::Device>,
    from: &Requester,
) {
    let attributes = TrackAttributes {
        idempotency_key: Some(format!(
            "{}.{}",
            uuid::Uuid::new_v4(),
            URL_SAFE_NO_PAD.encode(ended_device.map(device::Device::key).unwrap_or_default())
        )),
        ..from.attributes()
    };
    if let Err(error) = authsignal
        .track(user_id, Action::EndSession.code(), &attributes)
        .await
    {
        warn!(%error, "a session signed out was not recorded in the activity log");
    }
}

/// Records a sign-out everywhere.
pub async fn record_signed_out_everywhere(
    authsignal: &AuthsignalClient,
    user_id: &str,
    from: &Requester,
) {
    if let Err(error) = authsignal
        .track(
            user_id,
            Action::SignOutEverywhere.code(),
            &from.attributes(),
        )
        .await
    {
        warn!(%error, "a sign-out everywhere was not recorded in the activity log");
    }
}

/// The device a session-end's idempotency key names (see [`record_session_ended`]), in the
/// reader's language; as it was written when an earlier version wrote its name.
fn ended_device(idempotency_key: &str) -> Option<String> {
    let (_, encoded) = idempotency_key.split_once('.')?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    let kept = String::from_utf8(bytes)
        .ok()
        .filter(|kept| !kept.is_empty())?;
    Some(device::Device::from_key(&kept).map_or(kept, |device| device.name()))
}

/// How the methods the app removed were shown, by authenticator id: an add of one still names
/// it once it is gone.
fn removed_methods(records: &[UserActionRecord]) -> HashMap<String, String> {
    records
        .iter()
        .filter(|record| record.action_code == Action::RemoveAuthenticator.code())
        .map(|record| RemovalKey::parse(&record.idempotency_key))
        .filter_map(|key| Some((key.authenticator_id?, key.identifier?)))
        .collect()
}

/// Where each passkey or security key without a provider name was added from ("from Chrome on
/// macOS"), so it is told apart from others without repeating its kind: the add that names it, or
/// the add of a passkey settled within a minute of it, within the 30 days Authsignal keeps.
pub async fn unnamed_passkey_origins(
    authsignal: &AuthsignalClient,
    user_id: &str,
    authenticators: &[UserAuthenticator],
) -> HashMap<String, String> {
    let unnamed: Vec<&UserAuthenticator> = authenticators
        .iter()
        .filter(|authenticator| {
            matches!(
                authenticator.verification_method,
                VerificationMethod::Passkey | VerificationMethod::SecurityKey
            ) && present::identifier_of(authenticator).is_none()
        })
        .collect();
    if unnamed.is_empty() {
        return HashMap::new();
    }
    let codes = [Action::AddAuthenticator.code()];
    let Ok(records) = authsignal.query_actions(user_id, &codes, None).await else {
        return HashMap::new();
    };
    unnamed
        .into_iter()
        .filter_map(|passkey| {
            let added = passkey.verified_at.unwrap_or(passkey.created_at);
            let record = records
                .iter()
                .find(|record| {
                    record.verified_by_authenticator_id.as_deref()
                        == Some(passkey.user_authenticator_id.as_str())
                })
                .or_else(|| {
                    records.iter().find(|record| {
                        record.verification_method == Some(passkey.verification_method)
                            && record.state_updated_at.is_some_and(|settled| {
                                (settled - added).abs() <= Duration::minutes(1)
                            })
                    })
                })?;
            let device = record.user_agent.as_deref().and_then(device::name)?;
            Some((passkey.user_authenticator_id.clone(), from_device(&device)))
        })
        .collect()
}

/// "from Chrome on macOS": how an unnamed passkey is told apart.
pub fn from_device(device: &str) -> String {
    tr::activity_from_device(device)
}

/// One action as a person reads it; actions that did not happen as far as the person is
/// concerned (a method add started and abandoned, a step-up not finished) are left out. `gone`
/// names the methods removed since (see [`removed_methods`]).
pub fn describe(
    record: &UserActionRecord,
    methods: &[UserAuthenticator],
    gone: &HashMap<String, String>,
    now: OffsetDateTime,
) -> Option<ActivityView> {
    let succeeded = record.state == ActionState::ChallengeSucceeded;
    let settled = record.state_updated_at.unwrap_or(record.created_at);
    let used = |role| used_method(record, methods, gone, role);
    let (kind, summary, at) = match Action::from_code(&record.action_code)? {
        Action::SignIn => (
            ActivityKind::SignedIn,
            tr::activity_signed_in().to_owned(),
            record.created_at,
        ),
        Action::AddAuthenticator if succeeded || record.verified_by_authenticator_id.is_some() => (
            ActivityKind::MethodAdded,
            tr::activity_added(used(Role::Object)?),
            settled,
        ),
        Action::RemoveAuthenticator => (
            ActivityKind::MethodRemoved,
            tr::activity_removed(removed(&record.idempotency_key)),
            record.created_at,
        ),
        Action::StepUp if succeeded => (
            ActivityKind::Verified,
            match used(Role::Used) {
                Some(method) => tr::activity_verified_with(method),
                None => tr::activity_verified().to_owned(),
            },
            settled,
        ),
        Action::StepUpFailed => (
            ActivityKind::VerificationFailed,
            tr::activity_verification_failed().to_owned(),
            record.created_at,
        ),
        Action::StepUp if record.state == ActionState::ChallengeFailed => (
            ActivityKind::VerificationFailed,
            tr::activity_verification_failed().to_owned(),
            settled,
        ),
        Action::ManageAuthenticators => (
            ActivityKind::OpenedSettings,
            tr::activity_opened_settings().to_owned(),
            record.created_at,
        ),
        Action::EndSession => (
            ActivityKind::SignedOut,
            match ended_device(&record.idempotency_key) {
                Some(device) => tr::activity_signed_out_device(device),
                None => tr::activity_signed_out_a_device().to_owned(),
            },
            record.created_at,
        ),
        Action::SignOutEverywhere => (
            ActivityKind::SignedOutEverywhere,
            tr::activity_signed_out_everywhere().to_owned(),
            record.created_at,
        ),
        _ => return None,
    };
    Some(ActivityView {
        kind,
        summary,
        when: present::when(at, now),
        device: record.user_agent.as_deref().and_then(device::name),
        address: record.ip_address.clone(),
    })
}

/// How a summary names a method: as what was added or removed ("Added a passkey"), or as what it
/// was verified with ("Verified it's you with a passkey"). English says both alike; languages
/// with cases (German: accusative, dative) do not, so each has its own phrases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Object,
    Used,
}

/// "an email code j•••@example.com", "a passkey (iCloud Keychain)": the method the action was
/// verified with, named as the list names it while it exists, and as it was named when the app
/// removed it after.
fn used_method(
    record: &UserActionRecord,
    methods: &[UserAuthenticator],
    gone: &HashMap<String, String>,
    role: Role,
) -> Option<String> {
    let id = record.verified_by_authenticator_id.as_ref();
    let still_there = id.and_then(|id| {
        methods
            .iter()
            .find(|method| method.user_authenticator_id == *id)
    });
    let method = record
        .verification_method
        .or(still_there.map(|method| method.verification_method))?;
    let identifier = match still_there {
        Some(there) => present::identifier_of(there),
        None => id.and_then(|id| gone.get(id)).cloned(),
    };
    Some(named(method, identifier, role))
}

/// The method a removal's idempotency key names (see [`RemovalKey`]).
fn removed(idempotency_key: &str) -> String {
    let key = RemovalKey::parse(idempotency_key);
    match key.method {
        Some(method) => named(method, key.identifier, Role::Object),
        None => tr::activity_object_sign_in_method().to_owned(),
    }
}

/// "an email code j•••@example.com", "a passkey (iCloud Keychain)", "an authenticator app".
fn named(method: VerificationMethod, identifier: Option<String>, role: Role) -> String {
    let named = match role {
        Role::Object => with_article(method),
        Role::Used => used_with_article(method),
    };
    match identifier {
        Some(identifier) if matches!(method, VerificationMethod::Passkey) => {
            tr::activity_named_passkey(identifier, named)
        }
        Some(identifier) => tr::activity_named(identifier, named),
        None => named.to_owned(),
    }
}

/// "an email code", "a passkey": a method as what was added or removed.
pub fn with_article(method: VerificationMethod) -> &'static str {
    match method {
        VerificationMethod::EmailOtp => tr::activity_object_email_otp(),
        VerificationMethod::EmailMagicLink => tr::activity_object_email_magic_link(),
        VerificationMethod::Sms => tr::activity_object_sms(),
        VerificationMethod::Whatsapp => tr::activity_object_whatsapp(),
        VerificationMethod::AuthenticatorApp => tr::activity_object_authenticator_app(),
        VerificationMethod::Passkey => tr::activity_object_passkey(),
        VerificationMethod::SecurityKey => tr::activity_object_security_key(),
        VerificationMethod::Push => tr::activity_object_push(),
        VerificationMethod::RecoveryCode => tr::activity_object_recovery_code(),
        VerificationMethod::Device => tr::activity_object_device(),
        VerificationMethod::Unknown => tr::activity_object_unknown(),
    }
}

/// "an email code", "a passkey": a method as what it was verified with.
fn used_with_article(method: VerificationMethod) -> &'static str {
    match method {
        VerificationMethod::EmailOtp => tr::activity_used_email_otp(),
        VerificationMethod::EmailMagicLink => tr::activity_used_email_magic_link(),
        VerificationMethod::Sms => tr::activity_used_sms(),
        VerificationMethod::Whatsapp => tr::activity_used_whatsapp(),
        VerificationMethod::AuthenticatorApp => tr::activity_used_authenticator_app(),
        VerificationMethod::Passkey => tr::activity_used_passkey(),
        VerificationMethod::SecurityKey => tr::activity_used_security_key(),
        VerificationMethod::Push => tr::activity_used_push(),
        VerificationMethod::RecoveryCode => tr::activity_used_recovery_code(),
        VerificationMethod::Device => tr::activity_used_device(),
        VerificationMethod::Unknown => tr::activity_used_unknown(),
    }
}

#[cfg(test)]
mod tests;
