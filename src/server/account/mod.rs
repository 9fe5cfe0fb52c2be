//! The operations behind the page's server functions and the REST API: one implementation, so
//! both doors apply the same checks. Every function takes the Authsignal user id, which is the
//! verified Cognito `sub`.

pub mod present;

use std::time::Duration;

use time::OffsetDateTime;
use url::Url;

use crate::{
    lockout,
    model::{
        AppError, AuthenticatorView, ClientApiTicket, VerificationMethod, validate_email,
        validate_phone_number,
    },
    server::{
        activity,
        authsignal::{AuthsignalClient, AuthsignalError},
        http::requester::Requester,
        shared_state::SharedState,
    },
    wire::authsignal::{ActionState, TrackAttributes, TrackResponse, UserAuthenticator},
};

/// The action tracked to get a token that may add a method.
pub const ADD_AUTHENTICATOR: &str = "addAuthenticator";
/// The action tracked to open the pre-built UI in settings mode.
pub const MANAGE_AUTHENTICATORS: &str = "manageAuthenticators";

/// Authsignal's ids are UUIDs; anything far from that shape is refused before it is sent.
const MAX_ID_LENGTH: usize = 128;
/// Authsignal tokens are JWTs of a few hundred bytes.
pub(crate) const MAX_TOKEN_LENGTH: usize = 8 * 1024;

/// The user's verified methods, oldest first. An enrollment started and never finished may be
/// listed by Authsignal without `verifiedAt`: it is no way to sign in, so it is neither shown
/// nor counted by the lock-out rule.
pub async fn authenticators(
    authsignal: &AuthsignalClient,
    user_id: &str,
) -> Result<Vec<UserAuthenticator>, AppError> {
    let mut authenticators = authsignal.get_authenticators(user_id).await?;
    authenticators.retain(|authenticator| authenticator.verified_at.is_some());
    authenticators.sort_by_key(|authenticator| authenticator.created_at);
    Ok(authenticators)
}

/// The user's verified methods, oldest first, ready to show.
pub async fn list(
    authsignal: &AuthsignalClient,
    user_id: &str,
) -> Result<Vec<AuthenticatorView>, AppError> {
    Ok(views(&authenticators(authsignal, user_id).await?))
}

/// What the page shows of each method, as of now. Authsignal lets one address be enrolled
/// twice: the later ones are numbered, "j•••@example.com (2)", so no two rows read the same.
pub fn views(authenticators: &[UserAuthenticator]) -> Vec<AuthenticatorView> {
    let now = OffsetDateTime::now_utc();
    let mut seen: Vec<(VerificationMethod, String)> = Vec::new();
    authenticators
        .iter()
        .map(|authenticator| {
            let mut view = view(authenticator, now);
            if let Some(identifier) = &view.masked_identifier {
                let key = (view.method, identifier.clone());
                let earlier = seen.iter().filter(|other| **other == key).count();
                seen.push(key);
                if earlier > 0 {
                    view.masked_identifier = Some(format!("{identifier} ({})", earlier + 1));
                }
            }
            view
        })
        .collect()
}

/// What the page shows of one method: masked addresses, human times, no secrets.
pub fn view(authenticator: &UserAuthenticator, now: OffsetDateTime) -> AuthenticatorView {
    let method = authenticator.verification_method;
    let masked_identifier = match method {
        VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
            authenticator.email.as_deref().map(present::mask_email)
        }
        VerificationMethod::Sms | VerificationMethod::Whatsapp => authenticator
            .phone_number
            .as_deref()
            .map(present::mask_phone),
        // A passkey's name ("iCloud Keychain") says which one it is; it is not personal data.
        // A name that only repeats the kind ("Passkey") says nothing more.
        VerificationMethod::Passkey | VerificationMethod::SecurityKey => authenticator
            .webauthn_credential
            .as_ref()
            .and_then(|credential| {
                credential
                    .name
                    .clone()
                    .or_else(|| credential.aaguid_mapping.as_ref()?.name.clone())
            })
            .filter(|name| !name.trim().eq_ignore_ascii_case(method.label())),
        _ => None,
    };
    let added = authenticator
        .verified_at
        .unwrap_or(authenticator.created_at);
    // Verifying a new method counts as its last use; that is not a sign-in.
    let last_used = authenticator.last_verified_at.filter(|last| *last > added);
    AuthenticatorView {
        id: authenticator.user_authenticator_id.clone(),
        method,
        label: method.label().to_owned(),
        masked_identifier,
        added: present::when(added, now),
        last_used: last_used.map(|last| present::when(last, now)),
        is_fallback: method.is_fallback(),
    }
}

/// The address a new method will send its codes to, when the caller already knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

impl Contact {
    /// What a new method of kind `method` sends its codes to: the address its kind needs,
    /// checked; none for an app or a passkey. Only the kinds the page adds itself are accepted.
    pub fn for_new(
        method: VerificationMethod,
        email: Option<String>,
        phone_number: Option<String>,
    ) -> Result<Self, AppError> {
        match method {
            VerificationMethod::EmailOtp => Ok(Self {
                email: Some(validate_email(email.as_deref().unwrap_or_default())?),
                phone_number: None,
            }),
            VerificationMethod::Sms => Ok(Self {
                email: None,
                phone_number: Some(validate_phone_number(
                    phone_number.as_deref().unwrap_or_default(),
                )?),
            }),
            VerificationMethod::AuthenticatorApp | VerificationMethod::Passkey => {
                Ok(Self::default())
            }
            _ => Err(AppError::invalid(
                "method",
                "This kind of method can't be added here.",
            )),
        }
    }

    /// Checks each address given, as it will be sent.
    pub fn validate(&self) -> Result<(), AppError> {
        self.email.as_deref().map(validate_email).transpose()?;
        self.phone_number
            .as_deref()
            .map(validate_phone_number)
            .transpose()?;
        Ok(())
    }
}

/// A 10-minute Authsignal token with which a client (the page, or a native app through the
/// Web or Mobile SDK) may add a method for this user. Each given address is checked first.
/// `username` is how the person is known (their sign-in email): what an authenticator app
/// shows beside the codes and a passkey is saved under.
pub async fn enrollment_token(
    authsignal: &AuthsignalClient,
    user_id: &str,
    contact: &Contact,
    username: Option<&str>,
    from: &Requester,
) -> Result<String, AppError> {
    contact.validate()?;
    // An email address goes to the Client API's enroll call only. Sent here too, it would
    // become the person's profile email, which is where notices of changes go.
    let attributes = TrackAttributes {
        username: username.map(str::to_owned),
        scope: Some("add:authenticators".to_owned()),
        phone_number: contact
            .phone_number
            .as_deref()
            .map(validate_phone_number)
            .transpose()?,
        ..from.attributes()
    };
    let track = authsignal
        .track(user_id, ADD_AUTHENTICATOR, &attributes)
        .await?;
    Ok(allowed(track)?.token.expose().to_owned())
}

/// The track answer, unless a rule of the tenant stopped the action: then no token or URL
/// reaches the browser. A state this code does not know yet stops it too.
pub(crate) fn allowed(track: TrackResponse) -> Result<TrackResponse, AppError> {
    match track.state {
        ActionState::Allow
        | ActionState::ChallengeRequired
        | ActionState::ChallengeSucceeded
        | ActionState::ReviewSucceeded => Ok(track),
        ActionState::ReviewRequired => Err(AppError::BlockedByRule { review: true }),
        state => {
            tracing::warn!(?state, "an Authsignal rule stopped an action");
            Err(AppError::BlockedByRule { review: false })
        }
    }
}

/// What the page needs to add a method that sends its codes to `contact`, if any.
pub async fn start_enrollment(
    authsignal: &AuthsignalClient,
    user_id: &str,
    contact: &Contact,
    username: Option<&str>,
    from: &Requester,
) -> Result<ClientApiTicket, AppError> {
    let token = enrollment_token(authsignal, user_id, contact, username, from).await?;
    Ok(ticket(authsignal, &token))
}

/// What the browser needs to call the Client API with `token`.
pub fn ticket(authsignal: &AuthsignalClient, token: &str) -> ClientApiTicket {
    ClientApiTicket {
        token: token.to_owned(),
        client_api_url: authsignal
            .client_api_url()
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        tenant_id: authsignal.tenant_id().to_owned(),
    }
}

/// A visit to Authsignal's pre-built UI in settings mode.
pub struct PrebuiltVisit {
    /// Where to send the browser.
    pub url: String,
    /// Names the action; the return is accepted only for this one.
    pub idempotency_key: String,
}

/// Starts a visit to the pre-built UI; Authsignal sends the person back to `return_url`.
pub async fn start_prebuilt_visit(
    authsignal: &AuthsignalClient,
    user_id: &str,
    return_url: &Url,
    from: &Requester,
) -> Result<PrebuiltVisit, AppError> {
    let attributes = TrackAttributes {
        redirect_url: Some(return_url.to_string()),
        redirect_to_settings: Some(true),
        ..from.attributes()
    };
    let track = allowed(
        authsignal
            .track(user_id, MANAGE_AUTHENTICATORS, &attributes)
            .await?,
    )?;
    Ok(PrebuiltVisit {
        url: track.url.expose().to_owned(),
        idempotency_key: track.idempotency_key,
    })
}

/// How a return from the pre-built UI turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnOutcome {
    Confirmed,
    /// Forged, for someone else, for another action, or already used.
    Invalid,
    /// Authsignal could not be asked.
    Unavailable,
}

/// Checks the token Authsignal appended to the return URL: it must be this user's, for the
/// settings action, for the visit this browser started (`expected_visit`, from a cookie set when
/// the visit began and cleared on return, so a replayed link is refused).
pub async fn confirm_return(
    authsignal: &AuthsignalClient,
    user_id: &str,
    token: &str,
    expected_visit: Option<&str>,
) -> ReturnOutcome {
    let Some(expected_visit) = expected_visit else {
        return ReturnOutcome::Invalid;
    };
    if token.is_empty() || token.len() > MAX_TOKEN_LENGTH {
        return ReturnOutcome::Invalid;
    }
    match authsignal
        .validate_challenge(token, Some(user_id), Some(MANAGE_AUTHENTICATORS))
        .await
    {
        Ok(validation)
            if validation.succeeded_for(user_id)
                && validation.action() == Some(MANAGE_AUTHENTICATORS)
                && validation.idempotency_key.as_deref() == Some(expected_visit) =>
        {
            ReturnOutcome::Confirmed
        }
        Ok(_) | Err(AuthsignalError::InvalidArgument { .. }) => ReturnOutcome::Invalid,
        // Whether Authsignal answers a garbage, expired or foreign token with a 200 and
        // `isValid: false` or with a 4xx is not documented (fidelity audit row 2): either way
        // the token is not valid. Only a failure to get an answer is "unavailable".
        Err(error) if error.is_refusal() => {
            tracing::info!(%error, "Authsignal refused to validate a return token");
            ReturnOutcome::Invalid
        }
        Err(_) => ReturnOutcome::Unavailable,
    }
}

/// How long a removal may hold its person's lock; past it, the lock frees itself (the instance
/// holding it may have died).
const REMOVAL_LEASE: Duration = Duration::from_secs(15);
/// How long a removal waits for another of the same person's to finish.
const REMOVAL_WAIT: Duration = Duration::from_secs(5);

/// A removal done: the method that went, and the list as it is afterwards, oldest first.
pub struct Removal {
    pub removed: UserAuthenticator,
    pub remaining: Vec<UserAuthenticator>,
}

/// Removes one of the user's methods, unless it is not theirs (`NotFound`, whoever owns it) or
/// removing it would lock them out, and records the removal in the activity log. One removal per
/// person at a time, across every instance (the shared lock): two at once could each see the
/// other's method remain and leave nothing.
pub async fn remove(
    authsignal: &AuthsignalClient,
    shared: &SharedState,
    user_id: &str,
    authenticator_id: &str,
    accepts_no_fallback: bool,
    from: &Requester,
) -> Result<Removal, AppError> {
    validate_authenticator_id(authenticator_id)?;
    let removal = remove_now(
        authsignal,
        user_id,
        authenticator_id,
        accepts_no_fallback,
        from,
    );
    shared
        .locked(
            &format!("removal:{user_id}"),
            REMOVAL_LEASE,
            REMOVAL_WAIT,
            removal,
        )
        .await?
        .unwrap_or(Err(AppError::Unavailable))
}

/// The removal itself, with the lock held.
async fn remove_now(
    authsignal: &AuthsignalClient,
    user_id: &str,
    authenticator_id: &str,
    accepts_no_fallback: bool,
    from: &Requester,
) -> Result<Removal, AppError> {
    let current = authenticators(authsignal, user_id).await?;
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
    authsignal
        .delete_authenticator(user_id, authenticator_id)
        .await
        .map_err(|error| match error.status() {
            // What Authsignal answers when the tenant does not allow deletion is not
            // documented: any refusal but "not found" and "too many" is read as that.
            Some(401 | 404 | 429) => AppError::from(error),
            _ if error.is_refusal() => {
                tracing::warn!(%error, "Authsignal refused to delete an authenticator: does the tenant allow deleting user authenticators (allowDeletingUserAuthenticators)?");
                AppError::RemovalDisabled
            }
            _ => AppError::from(error),
        })?;
    let removed = current
        .into_iter()
        .find(|authenticator| authenticator.user_authenticator_id == authenticator_id)
        .ok_or(AppError::NotFound)?;
    tracing::info!(method = ?removed.verification_method, "authenticator removed");
    activity::record_removal(authsignal, user_id, removed.verification_method, from).await;
    Ok(Removal {
        removed,
        remaining: authenticators(authsignal, user_id).await?,
    })
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
        Err(AppError::invalid(
            "id",
            "That is not the id of a sign-in method. Reload the page and try again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn authenticator(json: &str) -> UserAuthenticator {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_email_code_shows_masked_with_human_times() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"a1","verificationMethod":"EMAIL_OTP","email":"jane@example.com",
                    "createdAt":"2026-11-20T10:00:00Z","verifiedAt":"2026-11-20T10:01:00Z","lastVerifiedAt":"2026-11-23T15:20:00Z"}"#,
            ),
            now,
        );
        assert_eq!(view.id, "a1");
        assert_eq!(view.label, "Email code");
        assert_eq!(view.masked_identifier.as_deref(), Some("j•••@example.com"));
        assert_eq!(view.added.relative, "3 days ago");
        assert_eq!(view.last_used.unwrap().relative, "2 hours ago");
        assert!(view.is_fallback);
    }

    #[test]
    fn verifying_a_new_method_is_not_a_use() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"a1","verificationMethod":"SMS","phoneNumber":"+64211234321",
                    "createdAt":"2026-11-23T17:00:00Z","verifiedAt":"2026-11-23T17:01:00Z","lastVerifiedAt":"2026-11-23T17:01:00Z"}"#,
            ),
            now,
        );
        assert_eq!(view.masked_identifier.as_deref(), Some("+64 •• ••• 4321"));
        assert!(view.last_used.is_none());
    }

    #[test]
    fn a_passkey_is_named_by_its_provider() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"p1","verificationMethod":"PASSKEY","createdAt":"2026-11-01T00:00:00Z",
                    "webauthnCredential":{"aaguidMapping":{"name":"iCloud Keychain"}}}"#,
            ),
            now,
        );
        assert_eq!(view.label, "Passkey");
        assert_eq!(view.masked_identifier.as_deref(), Some("iCloud Keychain"));
        assert!(!view.is_fallback);
        let unnamed = super::view(
            &authenticator(
                r#"{"userAuthenticatorId":"p2","verificationMethod":"PASSKEY","createdAt":"2026-11-01T00:00:00Z",
                    "webauthnCredential":{"name":"Passkey"}}"#,
            ),
            now,
        );
        assert_eq!(unnamed.masked_identifier, None);
    }

    #[test]
    fn the_same_address_twice_reads_as_two_methods() {
        let email = |id: &str| {
            authenticator(&format!(
                r#"{{"userAuthenticatorId":"{id}","verificationMethod":"EMAIL_OTP","email":"jane@example.com","createdAt":"2026-11-20T10:00:00Z","verifiedAt":"2026-11-20T10:01:00Z"}}"#
            ))
        };
        let shown = views(&[email("a"), email("b"), email("c")]);
        let names: Vec<_> = shown
            .iter()
            .map(|view| view.masked_identifier.as_deref().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "j•••@example.com",
                "j•••@example.com (2)",
                "j•••@example.com (3)"
            ]
        );
    }

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
