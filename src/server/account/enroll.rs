//! Adding a method: a short-lived Authsignal token with which the browser or a native app adds
//! it through the Client API, minted only inside a step-up window.

use super::{Caller, limit};
use crate::{
    model::{AppError, ClientApiTicket, VerificationMethod, validate_email, validate_phone_number},
    server::{
        AppState,
        authsignal::actions::{self, Action},
        http::rate_limit::Bucket,
        step_up::{self, SteppedUp},
    },
    wire::authsignal::TrackAttributes,
};

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
/// Web or Mobile SDK) may add a method that sends its codes to `contact`, if any. Each given
/// address is checked before anything is counted or sent.
pub async fn start_enrollment(
    state: &AppState,
    caller: &Caller,
    contact: &Contact,
) -> Result<ClientApiTicket, AppError> {
    contact.validate()?;
    limit(state, Bucket::Enrollment, caller).await?;
    let stepped_up = step_up::require(state, caller).await?;
    let token = enrollment_token(state, &stepped_up, caller, contact).await?;
    Ok(state.authsignal.ticket(&token))
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
