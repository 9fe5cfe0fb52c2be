//! The conventions every `/v1` answer follows (reference §1.3, §6.2): a JSON body with
//! `Content-Type: application/json` and no charset, and errors as
//! `{"error", "errorCode", "errorDescription"}`, since the Web SDK only looks for `error` in the
//! body and never at the status.

use axum::{
    Json,
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use crate::wire::authsignal::ErrorBody;

/// An error answer of the emulated API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            retry_after_secs: None,
        }
    }

    /// A wrong secret, word for word as the real API says it (reference §1.2).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The request is unauthorized. Check that your API key and region base URL are correctly configured.",
        )
    }

    /// A Client API token that is missing, malformed, foreign or older than ten minutes.
    pub fn expired_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "expired_token",
            "The token is invalid or has expired. Track a new action to get a new token.",
        )
    }

    pub fn missing_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "unauthorized",
            format!(
                "The token needs the {scope} scope: the user already has an authenticator. Track the action with this scope, or complete a challenge first."
            ),
        )
    }

    /// A delete on a tenant that does not allow deleting user authenticators. The real status
    /// and code are not documented (fidelity audit row 5); the app reads any refusal so.
    pub fn deletion_not_allowed() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Deleting user authenticators is not enabled for this tenant (allowDeletingUserAuthenticators).",
        )
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", description)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("Too many codes were sent. Try again in {retry_after_secs} seconds."),
            )
        }
    }

    pub fn internal(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            description,
        )
    }

    /// The error for a status produced outside the handlers (unknown route, wrong method).
    fn for_status(status: StatusCode) -> Self {
        let description = status
            .canonical_reason()
            .unwrap_or("The request failed.")
            .to_owned();
        let code = match status {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
            status if status.is_server_error() => "internal_error",
            _ => "invalid_request",
        };
        Self::new(status, code, description)
    }

    fn body(&self) -> ErrorBody {
        ErrorBody {
            error: Some(self.code.to_owned()),
            error_code: Some(self.code.to_owned()),
            error_description: Some(self.description.clone()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON request body. An empty body reads as `{}` (the Web SDK posts some calls without one),
/// and the `Content-Type` is not insisted on; anything unreadable is an `invalid_request`.
pub(super) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::invalid_request(rejection.body_text()))?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(JsonBody)
            .map_err(|error| {
                ApiError::invalid_request(format!("The request body is invalid: {error}"))
            })
    }
}

/// Rewrites what the framework answers by itself (unknown routes, wrong methods, CORS
/// preflights) into the JSON every client of the API expects, keeping status and headers.
pub(super) async fn json_only(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value == "application/json");
    if is_json {
        return response;
    }
    let status = response.status();
    let (mut parts, _) = response.into_parts();
    let body = if status.is_success() {
        Body::from("{}")
    } else {
        Body::from(serde_json::to_vec(&ApiError::for_status(status).body()).unwrap_or_default())
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, body)
}

/// A user id as Authsignal takes one.
pub(super) fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    if user_id.is_empty() || user_id.len() > 256 {
        Err(ApiError::invalid_request(
            "The userId must be 1 to 256 characters.",
        ))
    } else {
        Ok(())
    }
}
