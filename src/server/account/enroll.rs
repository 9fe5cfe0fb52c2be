//! Adding a method: a short-lived Authsignal token with which the browser or a native app adds
//! it through the Client API, minted only inside a step-up window. Text messages cost money and
//! are the tool of SMS pumping: numbers go only to the countries the operator allows, and each
//! person, and each country, may add only so many.

use std::time::Duration;

use super::{Caller, limit};
use crate::{
    i18n::tr,
    model::{
        AppError, ClientApiTicket, StepUpVia, VerificationMethod, validate_email,
        validate_phone_number,
    },
    server::{
        AppState,
        authsignal::actions::{self, Action},
        http::rate_limit::Bucket,
        present,
        step_up::{self, SteppedUp},
    },
    wire::authsignal::TrackAttributes,
};

/// The kinds of method the page adds itself, in the order it offers them.
const ADDED_ON_THE_PAGE: [VerificationMethod; 5] = [
    VerificationMethod::EmailOtp,
    VerificationMethod::Sms,
    VerificationMethod::AuthenticatorApp,
    VerificationMethod::Passkey,
    VerificationMethod::SecurityKey,
];

/// Text-message numbers one person may add in a day: each sends a code.
const SMS_NUMBERS_PER_PERSON_PER_DAY: u64 = 10;
/// An add token lives as long as the tenant's tokens (10 minutes by default) and cannot be
/// recalled: none is minted when less than this is left of the window, which the person then
/// opens again.
const LEAST_WINDOW_FOR_A_TOKEN_SECS: u64 = 120;

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
            VerificationMethod::AuthenticatorApp
            | VerificationMethod::Passkey
            | VerificationMethod::SecurityKey => Ok(Self::default()),
            _ => Err(AppError::invalid(
                "method",
                tr::account_method_cannot_be_added(),
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
/// Web or Mobile SDK) may add a method that sends its codes to `contact`, if any. Each given
/// address is checked before anything is counted or sent.
pub async fn start_enrollment(
    state: &AppState,
    caller: &Caller,
    contact: &Contact,
) -> Result<ClientApiTicket, AppError> {
    contact.validate()?;
    let country = contact
        .phone_number
        .as_deref()
        .map(|number| allowed_country(state, number))
        .transpose()?;
    limit(state, Bucket::Enrollment, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    if step_up::remaining(state, caller)
        .await
        .is_some_and(|left| left < LEAST_WINDOW_FOR_A_TOKEN_SECS)
    {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::Method,
        });
    }
    if let Some(country) = country {
        limit_text_messages(state, caller, &country).await?;
    }
    let token = enrollment_token(state, &stepped_up, caller, contact).await?;
    Ok(state.authsignal.ticket(&token))
}

/// The kinds the page may offer: those Authsignal lists as the person's
/// `allowedVerificationMethods` ("the list of verification methods which the user is permitted
/// to enroll", DOCS track-action). When Authsignal cannot be asked, or says nothing, all of
/// them: a method the tenant refuses is then explained when it is tried.
pub async fn addable_methods(state: &AppState, caller: &Caller) -> Vec<VerificationMethod> {
    let allowed = match state.authsignal.get_user(&caller.user.sub).await {
        Ok(user) => user.allowed_verification_methods,
        Err(error) => {
            tracing::warn!(%error, "the methods the person may add were not known");
            None
        }
    };
    ADDED_ON_THE_PAGE
        .into_iter()
        .filter(|method| {
            allowed
                .as_ref()
                .is_none_or(|allowed| allowed.contains(method))
        })
        .collect()
}

/// The calling code of `number`, if the operator lets text messages go there.
fn allowed_country(state: &AppState, number: &str) -> Result<String, AppError> {
    let country = present::calling_code(number).unwrap_or_default();
    let allowed = &state.config.limits.sms_allowed_countries;
    if allowed.is_empty() || allowed.contains(&country) {
        Ok(country)
    } else {
        Err(AppError::invalid(
            "phoneNumber",
            tr::account_country_not_allowed(),
        ))
    }
}

/// Counts a text-message number against the person's daily allowance and their country's
/// hourly one.
async fn limit_text_messages(
    state: &AppState,
    caller: &Caller,
    country: &str,
) -> Result<(), AppError> {
    let checks = [
        (
            format!("sms-numbers:user:{}", caller.user.sub),
            Duration::from_secs(24 * 3600),
            SMS_NUMBERS_PER_PERSON_PER_DAY,
        ),
        (
            format!("sms-numbers:country:{country}"),
            Duration::from_secs(3600),
            state.config.limits.sms_per_country_per_hour,
        ),
    ];
    for (key, window, max) in checks {
        let counted = state.shared.count(&key, window).await?;
        if counted.count > max {
            tracing::warn!(%country, "a text-message number was refused: too many added");
            return Err(AppError::RateLimited {
                retry_after_secs: counted.resets_in.as_secs().max(1),
            });
        }
    }
    Ok(())
}

async fn enrollment_token(
    state: &AppState,
    stepped_up: &SteppedUp,
    caller: &Caller,
    contact: &Contact,
) -> Result<String, AppError> {
    // An email address goes to the Client API's enroll call only. Sent here too, it would
    // become the person's profile email, which is where notices of changes go.
    let attributes = TrackAttributes {
        username: caller.name.clone(),
        scope: Some("add:authenticators".to_owned()),
        phone_number: contact
            .phone_number
            .as_deref()
            .map(validate_phone_number)
            .transpose()?,
        ..caller.from.attributes()
    };
    let track = state
        .authsignal
        .track(
            stepped_up.user_id(),
            Action::AddAuthenticator.code(),
            &attributes,
        )
        .await?;
    Ok(actions::allowed(track)?.token.expose().to_owned())
}
