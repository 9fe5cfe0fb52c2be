//! The Authsignal Client API, called from the browser with the short-lived token our server got
//! from `track`, exactly as the Web SDK calls it: `Authorization: Bearer <token>`, JSON bodies,
//! and an error whenever the answer carries an `error` field.

use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::model::EnrollmentTicket;

/// One enrollment session: where the Client API is and the token that authorises it. After a
/// successful verification the token is replaced by the `accessToken` Authsignal returns, as the
/// Web SDK does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientApi {
    base: String,
    token: String,
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
            Self::Expired => {
                "This code request expired after 10 minutes. Start again to get a new code.".into()
            }
            Self::RateLimited => {
                "Too many codes were sent. Wait a few minutes, then start again.".into()
            }
            Self::Refused(reason) => format!("The code could not be sent: {reason}"),
            Self::Network(_) => "The sign-in methods service could not be reached. Check your connection and try again.".into(),
        }
    }
}

/// The outcome of checking a code.
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

#[derive(Serialize)]
struct EnrollEmail<'a> {
    email: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyCode<'a> {
    verification_code: &'a str,
}

/// Every Client API answer: a success shape, or an error shape with `error`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    error: Option<String>,
    error_code: Option<String>,
    error_description: Option<String>,
    is_verified: Option<bool>,
    access_token: Option<String>,
    failure_reason: Option<String>,
    user_authenticator: Option<NewAuthenticator>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAuthenticator {
    user_authenticator_id: String,
}

impl ClientApi {
    pub fn new(ticket: &EnrollmentTicket) -> Self {
        Self {
            base: ticket.client_api_url.trim_end_matches('/').to_owned(),
            token: ticket.token.clone(),
        }
    }

    /// Starts enrolling `email`: Authsignal sends it a 6-digit code. Calling it again with the
    /// same address sends a fresh code.
    pub async fn enroll_email(&self, email: &str) -> Result<(), ClientApiError> {
        let reply = self
            .post(
                "/client/user-authenticators/email-otp",
                &EnrollEmail { email },
            )
            .await?;
        reply_result(reply).map(|_| ())
    }

    /// Checks the code the person typed.
    pub async fn verify_email(&mut self, code: &str) -> Result<Verification, ClientApiError> {
        let reply = self
            .post(
                "/client/verify/email-otp",
                &VerifyCode {
                    verification_code: code,
                },
            )
            .await?;
        let reply = reply_result(reply)?;
        if reply.is_verified == Some(true) {
            if let Some(token) = reply.access_token {
                self.token = token;
            }
            return Ok(Verification::Verified {
                authenticator_id: reply
                    .user_authenticator
                    .map(|authenticator| authenticator.user_authenticator_id),
            });
        }
        Ok(match reply.failure_reason.as_deref() {
            Some("MAX_ATTEMPTS_EXCEEDED") => Verification::TooManyAttempts,
            _ => Verification::WrongCode,
        })
    }

    async fn post(&self, path: &str, body: &impl Serialize) -> Result<Reply, ClientApiError> {
        let request = Request::post(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .json(body)
            .map_err(|error| ClientApiError::Network(error.to_string()))?;
        let response: Response = request
            .send()
            .await
            .map_err(|error| ClientApiError::Network(error.to_string()))?;
        response
            .json::<Reply>()
            .await
            .map_err(|error| ClientApiError::Network(format!("unreadable answer: {error}")))
    }
}

/// Turns an answer with an `error` field into the matching error, as the Web SDK does: the
/// status code alone does not decide.
fn reply_result(reply: Reply) -> Result<Reply, ClientApiError> {
    let Some(error) = reply.error.clone() else {
        return Ok(reply);
    };
    let code = reply.error_code.clone().unwrap_or(error);
    Err(match code.as_str() {
        "expired_token" => ClientApiError::Expired,
        "too_many_requests" => ClientApiError::RateLimited,
        _ => ClientApiError::Refused(
            reply
                .error_description
                .unwrap_or_else(|| "the request was refused.".to_owned()),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(json: &str) -> Reply {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn error_bodies_become_errors_whatever_the_status() {
        let expired = reply(
            r#"{"error":"expired_token","errorCode":"expired_token","errorDescription":"The token has expired."}"#,
        );
        assert_eq!(reply_result(expired).unwrap_err(), ClientApiError::Expired);
        let limited = reply(r#"{"error":"too_many_requests"}"#);
        assert_eq!(
            reply_result(limited).unwrap_err(),
            ClientApiError::RateLimited
        );
        let other = reply(r#"{"error":"invalid_request","errorDescription":"Bad email."}"#);
        assert_eq!(
            reply_result(other).unwrap_err(),
            ClientApiError::Refused("Bad email.".into())
        );
    }

    #[test]
    fn verify_answers_use_the_web_sdk_field_names() {
        let ok = reply(
            r#"{"isVerified":true,"accessToken":"eyJ.a.b","userAuthenticator":{"userAuthenticatorId":"42","verificationMethod":"EMAIL_OTP"}}"#,
        );
        let ok = reply_result(ok).unwrap();
        assert_eq!(ok.access_token.as_deref(), Some("eyJ.a.b"));
        assert_eq!(ok.user_authenticator.unwrap().user_authenticator_id, "42");
        let wrong = reply(r#"{"isVerified":false,"failureReason":"CODE_INVALID_OR_EXPIRED"}"#);
        assert_eq!(reply_result(wrong).unwrap().is_verified, Some(false));
        let body = serde_json::to_string(&VerifyCode {
            verification_code: "123456",
        })
        .unwrap();
        assert_eq!(body, r#"{"verificationCode":"123456"}"#);
    }
}
