//! How an [`AppError`] answers an HTTP request outside the server functions (extractors, REST):
//! its status, `Retry-After` when rate limited, and `{"error": code, "message": sentence}`
//! with the `field` at fault for invalid input.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::model::{AppError, StepUpVia};

/// The JSON body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code for programs, e.g. `last_authenticator`.
    #[schema(example = "not_signed_in")]
    pub error: &'static str,
    /// A sentence a person can act on.
    #[schema(example = "You are signed out. Sign in again to continue.")]
    pub message: String,
    /// The input at fault, for `invalid_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "email")]
    pub field: Option<String>,
    /// For `step_up_required`: `method` (verify with one of your methods through
    /// `POST /api/step-up`) or `sign_in` (no method yet: sign in again).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "method")]
    pub via: Option<StepUpVia>,
}

impl From<&AppError> for ErrorBody {
    fn from(error: &AppError) -> Self {
        Self {
            error: error.code(),
            message: error.to_string(),
            field: match error {
                AppError::InvalidInput { field, .. } => Some(field.clone()),
                _ => None,
            },
            via: match error {
                AppError::StepUpRequired { via } => Some(*via),
                _ => None,
            },
        }
    }
}

impl AppError {
    /// Gives a response about this error its status, and `Retry-After` when rate limited:
    /// the one place that maps an error onto HTTP, whatever the body's format.
    pub(crate) fn apply_to_response<B>(&self, response: &mut axum::http::Response<B>) {
        *response.status_mut() =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = Json(ErrorBody::from(&self)).into_response();
        self.apply_to_response(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    #[tokio::test]
    async fn not_signed_in_is_a_401_with_a_code_and_a_sentence() {
        let response = AppError::NotSignedIn.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            body(response).await,
            serde_json::json!({
                "error": "not_signed_in",
                "message": "You are signed out. Sign in again to continue."
            })
        );
    }

    #[tokio::test]
    async fn invalid_input_names_the_field() {
        let response = AppError::invalid("email", "Enter your email address.").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(body(response).await["field"], "email");
    }

    #[tokio::test]
    async fn a_step_up_refusal_says_how_to_step_up() {
        let response = AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body = body(response).await;
        assert_eq!(body["error"], "step_up_required");
        assert_eq!(body["via"], "sign_in");
    }

    #[tokio::test]
    async fn a_rate_limit_says_when_to_come_back() {
        let response = AppError::RateLimited {
            retry_after_secs: 42,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        assert_eq!(body(response).await["error"], "rate_limited");
    }
}
