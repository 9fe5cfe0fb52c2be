//! The Authsignal Client API, called from the browser with the short-lived token our server got
//! from `track`, exactly as the Web SDK calls it: `Authorization: Bearer <token>`, JSON bodies,
//! and an error whenever the answer carries an `error` field.

use gloo_net::http::Request;
use serde::{Serialize, de::DeserializeOwned};

use serde_json::Value;

use super::json;
use crate::{
    i18n::tr,
    model::{ClientApiTicket, VerificationMethod},
    wire::authsignal::{
        AddPasskeyRequest, AuthenticatorId, ChallengeRequest, ChallengeResponse,
        EnrollEmailRequest, EnrollResponse, EnrollSmsRequest, EnrollTotpResponse, ErrorBody,
        FailureReason, PasskeyAuthenticationOptionsRequest, PasskeyOptionsResponse,
        PasskeyRegistrationOptionsRequest, VerifyPasskeyRequest, VerifyRequest, VerifyResponse,
    },
};

/// A verify answer as the page reads it: of the new authenticator, only its id.
type VerifyAnswer = VerifyResponse<AuthenticatorId>;

/// One session with the Client API, for one tracked action: where the API is and the token
/// that authorises it. After a successful verification the token is replaced by the
/// `accessToken` Authsignal returns, as the Web SDK does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientApi {
    base: String,
    token: String,
    /// The name the person's passkeys are registered under, for a step-up.
    username: Option<String>,
}

/// What can go wrong talking to the Client API, in terms the page can explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientApiError {
    /// The token is older than 10 minutes.
    Expired,
    /// Too many codes were sent.
    RateLimited,
    /// Authsignal refused the request for another reason.
    Refused(String),
    /// The request never got an answer we could read.
    Network(String),
}

impl ClientApiError {
    pub fn sentence(&self) -> String {
        match self {
            Self::Expired => tr::browser_code_request_expired().into(),
            Self::RateLimited => tr::browser_too_many_codes().into(),
            Self::Refused(reason) => tr::browser_service_refused(reason),
            Self::Network(_) => tr::browser_service_unreachable().into(),
        }
    }
}

/// A new authenticator app's secret, which stays in the page: in a QR code and as text.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSetup {
    /// `otpauth://totp/Issuer:account?secret=…&issuer=…`.
    pub uri: String,
    /// The same secret in base32.
    pub secret: String,
}

/// The outcome of checking a code or a passkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The method is now enrolled; `authenticator_id` names the new list row.
    Verified {
        authenticator_id: Option<String>,
    },
    WrongCode,
    /// Too many wrong codes: this one no longer works.
    TooManyAttempts,
}

impl ClientApi {
    pub fn new(ticket: &ClientApiTicket) -> Self {
        Self {
            base: ticket.client_api_url.trim_end_matches('/').to_owned(),
            token: ticket.token.clone(),
            username: ticket.username.clone(),
        }
    }

    /// Starts enrolling `email`: Authsignal sends it a 6-digit code. Calling it again with the
    /// same address sends a fresh code.
    pub async fn enroll_email(&self, email: &str) -> Result<(), ClientApiError> {
        let request = EnrollEmailRequest {
            email: email.to_owned(),
        };
        self.post::<EnrollResponse>("/client/user-authenticators/email-otp", &request)
            .await
            .map(drop)
    }

    /// Starts enrolling `phone_number` (E.164): Authsignal texts it a 6-digit code. Calling it
    /// again with the same number sends a fresh code.
    pub async fn enroll_sms(&self, phone_number: &str) -> Result<(), ClientApiError> {
        let request = EnrollSmsRequest {
            phone_number: phone_number.to_owned(),
        };
        self.post::<EnrollResponse>("/client/user-authenticators/sms", &request)
            .await
            .map(drop)
    }

    /// Starts adding an authenticator app: a new secret, as an `otpauth://` URI for a QR code
    /// and in base32 for typing in. Verified by the app's first code ([`ClientApi::verify`]).
    pub async fn enroll_totp(&self) -> Result<TotpSetup, ClientApiError> {
        let reply: EnrollTotpResponse = self
            .post("/client/user-authenticators/totp", &serde_json::Map::new())
            .await?;
        Ok(TotpSetup {
            uri: reply.uri,
            secret: reply.secret,
        })
    }

    /// The options for `navigator.credentials.create()`: a new passkey for `username`.
    pub async fn passkey_registration_options(
        &self,
        username: Option<String>,
    ) -> Result<PasskeyOptionsResponse, ClientApiError> {
        let request = PasskeyRegistrationOptionsRequest {
            display_name: username.clone(),
            username,
            // Either a platform authenticator or a security key.
            authenticator_attachment: None,
        };
        self.post(
            "/client/user-authenticators/passkey/registration-options",
            &request,
        )
        .await
    }

    /// Hands the new credential to Authsignal, which verifies and keeps it.
    pub async fn add_passkey(
        &mut self,
        challenge_id: String,
        credential: Value,
    ) -> Result<Verification, ClientApiError> {
        let request = AddPasskeyRequest {
            registration_credential: credential,
            challenge_id: Some(challenge_id),
        };
        let reply = self
            .post("/client/user-authenticators/passkey", &request)
            .await?;
        Ok(self.verified(reply))
    }

    /// The options for `navigator.credentials.get()` with the person's passkeys.
    pub async fn passkey_authentication_options(
        &self,
    ) -> Result<PasskeyOptionsResponse, ClientApiError> {
        const PATH: &str = "/client/user-authenticators/passkey/authentication-options";
        // Only this person's passkeys, as Authsignal recommends for a step-up; a name their
        // passkeys were not registered under (their email changed since) finds none, and then
        // any of their passkeys may answer, Authsignal checking whose it is.
        let named = PasskeyAuthenticationOptionsRequest {
            username: self.username.clone(),
            ..PasskeyAuthenticationOptionsRequest::default()
        };
        match self.post(PATH, &named).await {
            Err(ClientApiError::Refused(_)) if named.username.is_some() => {
                self.post(PATH, &PasskeyAuthenticationOptionsRequest::default())
                    .await
            }
            answer => answer,
        }
    }

    /// Hands an assertion to Authsignal, which checks it against the person's passkeys.
    pub async fn verify_passkey(
        &mut self,
        challenge_id: String,
        credential: Value,
    ) -> Result<Verification, ClientApiError> {
        let request = VerifyPasskeyRequest {
            authentication_credential: credential,
            challenge_id: Some(challenge_id),
        };
        let reply = self.post("/client/verify/passkey", &request).await?;
        Ok(self.verified(reply))
    }

    /// The options for a new security key: the browser SDK's `securityKey.enroll` gets them
    /// bare, and sends the credential back as the browser made it.
    pub async fn security_key_registration_options(&self) -> Result<Value, ClientApiError> {
        self.post(
            "/client/user-authenticators/security-key/registration-options",
            &Value::Object(Default::default()),
        )
        .await
    }

    /// Hands a new security key's credential to Authsignal.
    pub async fn add_security_key(
        &mut self,
        credential: Value,
    ) -> Result<Verification, ClientApiError> {
        let reply = self
            .post("/client/user-authenticators/security-key", &credential)
            .await?;
        Ok(self.verified(reply))
    }

    /// The options for `navigator.credentials.get()` with the person's security keys.
    pub async fn security_key_authentication_options(&self) -> Result<Value, ClientApiError> {
        self.post(
            "/client/user-authenticators/security-key/authentication-options",
            &Value::Object(Default::default()),
        )
        .await
    }

    /// Hands a security key's assertion to Authsignal.
    pub async fn verify_security_key(
        &mut self,
        credential: Value,
    ) -> Result<Verification, ClientApiError> {
        let reply = self
            .post("/client/verify/security-key", &credential)
            .await?;
        Ok(self.verified(reply))
    }

    /// Sends a code to one of the person's methods, to prove it's them (step-up).
    pub async fn challenge(
        &self,
        method: VerificationMethod,
        authenticator_id: &str,
    ) -> Result<(), ClientApiError> {
        let request = ChallengeRequest {
            user_authenticator_id: Some(authenticator_id.to_owned()),
        };
        let path = format!("/client/challenge/{}", code_path(method)?);
        self.post::<ChallengeResponse>(&path, &request)
            .await
            .map(drop)
    }

    /// Checks the code the person typed for `method`.
    pub async fn verify(
        &mut self,
        method: VerificationMethod,
        code: &str,
    ) -> Result<Verification, ClientApiError> {
        let request = VerifyRequest {
            verification_code: code.to_owned(),
        };
        let path = format!("/client/verify/{}", code_path(method)?);
        let reply = self.post(&path, &request).await?;
        Ok(self.verified(reply))
    }

    /// Reads a verify answer; on success the token becomes the one that proves it.
    fn verified(&mut self, reply: VerifyAnswer) -> Verification {
        if reply.is_verified {
            if let Some(token) = reply.access_token {
                self.token = token;
            }
            return Verification::Verified {
                authenticator_id: reply.user_authenticator_id.or(reply
                    .user_authenticator
                    .map(|authenticator| authenticator.user_authenticator_id)),
            };
        }
        match reply.failure_reason {
            Some(FailureReason::MaxAttemptsExceeded) => Verification::TooManyAttempts,
            _ => Verification::WrongCode,
        }
    }

    /// The current token: after a successful verification, the one that proves it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The current token, and nothing left here to call the Client API with.
    pub fn into_token(self) -> String {
        self.token
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientApiError> {
        let request = Request::post(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .body(json::to_string(body).map_err(ClientApiError::Network)?)
            .map_err(|error| ClientApiError::Network(error.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|error| ClientApiError::Network(error.to_string()))?;
        let succeeded = response.ok();
        let body = response
            .text()
            .await
            .map_err(|error| ClientApiError::Network(error.to_string()))?;
        read_answer(succeeded, &body)
    }
}

/// Where the Client API takes codes for `method`.
fn code_path(method: VerificationMethod) -> Result<&'static str, ClientApiError> {
    match method {
        VerificationMethod::EmailOtp => Ok("email-otp"),
        VerificationMethod::Sms => Ok("sms"),
        VerificationMethod::AuthenticatorApp => Ok("totp"),
        _ => Err(ClientApiError::Refused(
            tr::browser_method_without_codes().to_owned(),
        )),
    }
}

/// An answer with an `error` field is that error, as the Web SDK decides; so is any status
/// but a 2xx, whatever the body says (a gateway or firewall in between answers in its own
/// words). Anything else must be the answer the call documents.
fn read_answer<T: DeserializeOwned>(succeeded: bool, body: &str) -> Result<T, ClientApiError> {
    let error: ErrorBody = json::from_str(body).unwrap_or_default();
    if let Some(code) = error.error_code.or(error.error) {
        return Err(match code.as_str() {
            "expired_token" => ClientApiError::Expired,
            "too_many_requests" => ClientApiError::RateLimited,
            _ => ClientApiError::Refused(
                error
                    .error_description
                    .unwrap_or_else(|| tr::browser_request_refused().to_owned()),
            ),
        });
    }
    if !succeeded {
        return Err(ClientApiError::Network(
            "an error answer without a reason".to_owned(),
        ));
    }
    json::from_str(body)
        .map_err(|error| ClientApiError::Network(format!("unreadable answer: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_errors_whatever_the_status() {
        let expired = read_answer::<VerifyAnswer>(
            false,
            r#"{"error":"expired_token","errorCode":"expired_token","errorDescription":"The token has expired."}"#,
        );
        assert_eq!(expired.unwrap_err(), ClientApiError::Expired);
        let limited = read_answer::<VerifyAnswer>(true, r#"{"error":"too_many_requests"}"#);
        assert_eq!(limited.unwrap_err(), ClientApiError::RateLimited);
        let other = read_answer::<VerifyAnswer>(
            false,
            r#"{"error":"invalid_request","errorDescription":"Bad email."}"#,
        );
        assert_eq!(
            other.unwrap_err(),
            ClientApiError::Refused("Bad email.".into())
        );
    }

    #[test]
    fn any_status_but_a_2xx_is_an_error_whatever_the_body_says() {
        for body in [
            r#"{"isVerified":true,"accessToken":"eyJ.a.b"}"#,
            r#"{"userAuthenticatorId":"a","userId":"u"}"#,
            "<html>502 Bad Gateway</html>",
            "",
        ] {
            assert!(
                matches!(
                    read_answer::<VerifyAnswer>(false, body),
                    Err(ClientApiError::Network(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn verify_answers_use_the_web_sdk_field_names() {
        let ok: VerifyAnswer = read_answer(
            true,
            r#"{"isVerified":true,"accessToken":"eyJ.a.b","userAuthenticator":{"userAuthenticatorId":"42","verificationMethod":"EMAIL_OTP","createdAt":"2026-11-23T17:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(ok.access_token.as_deref(), Some("eyJ.a.b"));
        assert_eq!(ok.user_authenticator.unwrap().user_authenticator_id, "42");
        // What the page does not use cannot make the answer unreadable.
        let odd_dates: VerifyAnswer = read_answer(
            true,
            r#"{"isVerified":true,"userAuthenticator":{"userAuthenticatorId":"43","createdAt":"23/11/2026","verificationMethod":"SOMETHING_NEW"}}"#,
        )
        .unwrap();
        assert_eq!(
            odd_dates.user_authenticator.unwrap().user_authenticator_id,
            "43"
        );
        let wrong: VerifyAnswer = read_answer(
            true,
            r#"{"isVerified":false,"failureReason":"CODE_INVALID_OR_EXPIRED"}"#,
        )
        .unwrap();
        assert!(!wrong.is_verified);
    }
}
