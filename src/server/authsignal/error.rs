//! Every way a call to Authsignal can fail, and what each one means to the person using the app.

use std::error::Error as _;

use crate::model::{AppError, Upstream};

/// Used when a 429 carries no usable `Retry-After`.
const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

/// A failed call to Authsignal. None of the variants holds the secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum AuthsignalError {
    /// No answer within the configured timeout.
    #[error("Authsignal did not answer in time")]
    Timeout,
    /// The connection failed or broke before an answer arrived.
    #[error("could not reach Authsignal: {0}")]
    Connection(String),
    /// Authsignal answered with an error status.
    #[error("{0}")]
    Api(ApiError),
    /// A success status with a body that is not what the API documents.
    #[error("Authsignal sent an unexpected response: {0}")]
    Malformed(String),
    /// Refused before sending: the value cannot name what the caller meant.
    #[error("{field} {problem}")]
    InvalidArgument {
        field: &'static str,
        problem: &'static str,
    },
}

/// An error answer: the status and the `{error, errorCode, errorDescription}` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// `errorCode`, or `error` from older responses, e.g. `unauthorized`, `invalid_request`;
    /// `http_<status>` when the body was not an Authsignal error body at all.
    pub code: String,
    pub description: Option<String>,
    /// From `Retry-After` on a 429.
    pub retry_after_secs: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authsignal answered {} {}", self.status, self.code)?;
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

impl AuthsignalError {
    /// Classifies a transport failure; reqwest's own message and its causes are kept, and
    /// they never contain headers (where the secret travels) or bodies (where tokens travel).
    pub(super) fn from_transport(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            return Self::Timeout;
        }
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Connection(message)
    }

    /// Authsignal answered, and said no about the request itself (a 4xx other than 429): not an
    /// outage.
    pub fn is_refusal(&self) -> bool {
        self.status()
            .is_some_and(|status| (400..500).contains(&status) && status != 429)
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(error) => Some(error.status),
            _ => None,
        }
    }
}

impl From<AuthsignalError> for AppError {
    fn from(error: AuthsignalError) -> Self {
        let unavailable = AppError::Upstream {
            service: Upstream::Authsignal,
            timed_out: false,
        };
        match error {
            AuthsignalError::Timeout => AppError::Upstream {
                service: Upstream::Authsignal,
                timed_out: true,
            },
            AuthsignalError::Connection(_) | AuthsignalError::Malformed(_) => unavailable,
            AuthsignalError::InvalidArgument { field, .. } => AppError::invalid(
                field,
                "That identifier is not valid. Reload the page and try again.",
            ),
            AuthsignalError::Api(error) => match error.status {
                404 => AppError::NotFound,
                429 => AppError::RateLimited {
                    retry_after_secs: error.retry_after_secs.unwrap_or(DEFAULT_RETRY_AFTER_SECS),
                },
                // 401 is a wrong secret or region and other 4xx a request this app built:
                // nothing the person can change, so they read as "not available".
                _ => unavailable,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after_secs: Option<u64>) -> AuthsignalError {
        AuthsignalError::Api(ApiError {
            status,
            code: "code".into(),
            description: None,
            retry_after_secs,
        })
    }

    #[test]
    fn each_failure_becomes_the_error_a_person_can_act_on() {
        let cases = [
            (
                AuthsignalError::Timeout,
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: true,
                },
            ),
            (
                AuthsignalError::Connection("refused".into()),
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: false,
                },
            ),
            (
                AuthsignalError::Malformed("not JSON".into()),
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: false,
                },
            ),
            (
                api(503, None),
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: false,
                },
            ),
            (
                api(401, None),
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: false,
                },
            ),
            (api(404, None), AppError::NotFound),
            (
                api(429, Some(30)),
                AppError::RateLimited {
                    retry_after_secs: 30,
                },
            ),
            (
                api(429, None),
                AppError::RateLimited {
                    retry_after_secs: DEFAULT_RETRY_AFTER_SECS,
                },
            ),
        ];
        for (error, expected) in cases {
            let shown = error.to_string();
            assert_eq!(AppError::from(error), expected, "{shown}");
        }
    }

    #[test]
    fn api_errors_read_as_one_line() {
        let error = AuthsignalError::Api(ApiError {
            status: 401,
            code: "unauthorized".into(),
            description: Some("The request is unauthorized.".into()),
            retry_after_secs: None,
        });
        assert_eq!(
            error.to_string(),
            "Authsignal answered 401 unauthorized: The request is unauthorized."
        );
    }
}
