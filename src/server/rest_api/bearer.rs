//! `Authorization: Bearer <Cognito access token>`: how native apps authenticate. The token is
//! verified exactly as the session cookie's is (same verifier, same checks); cookies are not
//! read here, so a browser's session cannot be ridden into these routes. There is no refresh:
//! an app refreshes its own tokens with Cognito.

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use axum_extra::{
    TypedHeader,
    headers::{Authorization, authorization::Bearer},
};

use crate::{
    model::{AppError, Upstream},
    server::{
        AppState,
        caller::Caller,
        cognito::verifier::VerifyError,
        http::requester::Requester,
        session::CurrentUser,
        sessions::{self, Admission, SessionKind},
    },
};

/// The header sensitive calls carry a step-up proof in.
pub const STEP_UP_HEADER: &str = "step-up-token";

/// The person whose access token authorised the request.
pub struct BearerUser(pub CurrentUser);

impl FromRequestParts<AppState> for BearerUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(TypedHeader(Authorization(bearer))) =
            TypedHeader::<Authorization<Bearer>>::from_request_parts(parts, state).await
        else {
            return Err(unauthorized(None));
        };
        match state.cognito.verifier.verify(bearer.token()).await {
            Ok(claims) => {
                let user = CurrentUser::from_access(claims, None);
                let from = Requester::of(parts, state);
                match sessions::admit(state, &user, &from, SessionKind::App).await {
                    Admission::Admitted => Ok(Self(user)),
                    Admission::Ended | Admission::SignedOutEverywhere => {
                        Err(unauthorized(Some("The session was signed out")))
                    }
                }
            }
            Err(VerifyError::Expired) => Err(unauthorized(Some("The access token expired"))),
            Err(VerifyError::Invalid(reason)) => {
                tracing::debug!(%reason, "a bearer token was refused");
                Err(unauthorized(Some("The access token is invalid")))
            }
            Err(VerifyError::KeysUnavailable) => Err(AppError::Upstream {
                service: Upstream::Cognito,
                timed_out: false,
            }
            .into_response()),
        }
    }
}

/// 401 with the challenge RFC 6750 §3 asks for: no `error` when no token was sent at all.
fn unauthorized(problem: Option<&'static str>) -> Response {
    let challenge = match problem {
        None => "Bearer".to_owned(),
        Some(description) => {
            format!(r#"Bearer error="invalid_token", error_description="{description}""#)
        }
    };
    let mut response = AppError::NotSignedIn.into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Who calls a REST route: the person of the bearer token, where the request came from, and
/// the `Step-Up-Token` header, if any.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let BearerUser(user) = BearerUser::from_request_parts(parts, state).await?;
        let proof = parts
            .headers
            .get(STEP_UP_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_owned());
        Ok(Self(Caller::over_api(
            user,
            Requester::of(parts, state),
            proof,
        )))
    }
}
