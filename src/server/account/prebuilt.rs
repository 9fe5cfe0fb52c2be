//! Authsignal's pre-built UI in settings mode: a visit started here, and its return checked.

use url::Url;

use super::{Caller, limit};
use crate::{
    i18n::{self, Locale},
    model::AppError,
    server::{
        AppState,
        authsignal::{
            self, AuthsignalError,
            actions::{self, Action},
        },
        http::rate_limit::Bucket,
        step_up::{self, SteppedUp},
    },
    wire::authsignal::{ActionState, TrackAttributes},
};

/// The language the pre-built UI is asked to speak: ours where it speaks it too (it takes en,
/// fr, fr-CA, de, es, it, nl, pl and pt-BR in the track request's `locale`, and ignores other
/// values: docs.authsignal.com, "Pre-built UI › Localization"). For the others it follows the
/// browser's language, falling back to English.
fn prebuilt_locale(locale: Locale) -> Option<&'static str> {
    match locale {
        Locale::En | Locale::De | Locale::Fr | Locale::Es => Some(locale.code()),
        Locale::Ja | Locale::Ar => None,
    }
}

/// A visit to the pre-built UI in settings mode.
pub struct PrebuiltVisit {
    /// Where to send the browser.
    pub url: String,
    /// Names the action; the return is accepted only for this one.
    pub idempotency_key: String,
}

/// Starts a visit to the pre-built UI, where the person can add and remove methods: a change
/// path like any other, so only within a step-up window. Authsignal sends the person back to
/// `return_url`, which the door took from configuration or its allow-list, never from the
/// request as it came.
pub async fn open_prebuilt_ui(
    state: &AppState,
    caller: &Caller,
    return_url: &Url,
) -> Result<PrebuiltVisit, AppError> {
    limit(state, Bucket::PrebuiltUi, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    track_visit(state, &stepped_up, caller, return_url).await
}

async fn track_visit(
    state: &AppState,
    stepped_up: &SteppedUp,
    caller: &Caller,
    return_url: &Url,
) -> Result<PrebuiltVisit, AppError> {
    let attributes = TrackAttributes {
        redirect_url: Some(return_url.to_string()),
        redirect_to_settings: Some(true),
        locale: prebuilt_locale(i18n::current()).map(str::to_owned),
        ..caller.from.attributes()
    };
    let track = state
        .authsignal
        .track(
            stepped_up.user_id(),
            Action::ManageAuthenticators.code(),
            &attributes,
        )
        .await?;
    let track = actions::allowed(track)?;
    Ok(PrebuiltVisit {
        url: track.url.expose().to_owned(),
        idempotency_key: track.idempotency_key,
    })
}

/// How a return from the pre-built UI turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnOutcome {
    Confirmed,
    /// This person's own visit, left before its challenge was passed (Cancel): nothing changed.
    Left,
    /// Forged, for someone else, for another action, or already used.
    Invalid,
    /// Authsignal could not be asked.
    Unavailable,
}

/// Checks the token Authsignal appended to the return URL: it must be this user's, for the
/// settings action, for the visit this browser started (`expected_visit`, from a cookie set when
/// the visit began and cleared on return, so a replayed link is refused).
pub async fn confirm_return(
    state: &AppState,
    user_id: &str,
    token: &str,
    expected_visit: Option<&str>,
) -> ReturnOutcome {
    let Some(expected_visit) = expected_visit else {
        return ReturnOutcome::Invalid;
    };
    if token.is_empty() || token.len() > authsignal::MAX_TOKEN_LENGTH {
        return ReturnOutcome::Invalid;
    }
    let manage = Action::ManageAuthenticators.code();
    match state
        .authsignal
        .validate_challenge(token, Some(user_id), Some(manage))
        .await
    {
        Ok(validation)
            if validation.succeeded_for(user_id)
                && validation.action() == Some(manage)
                && validation.idempotency_key.as_deref() == Some(expected_visit) =>
        {
            ReturnOutcome::Confirmed
        }
        // A genuine token of this visit whose challenge was never passed. Whether Authsignal's
        // validate names the user, action and key of an unfinished action is not documented
        // (DOCS validate-challenge shows a passed one only); without them the return reads as
        // not valid, which is the safe side.
        Ok(validation)
            if validation.error.is_none()
                && validation.user_id.as_deref() == Some(user_id)
                && validation.action() == Some(manage)
                && validation.idempotency_key.as_deref() == Some(expected_visit)
                && validation.state == Some(ActionState::ChallengeRequired) =>
        {
            ReturnOutcome::Left
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
