//! The Client API the Web SDK calls from the browser (reference §4): `Authorization: Bearer
//! <token>`, CORS for any origin, and exactly the SDK's field names (`verificationCode` in,
//! `accessToken` out).

use std::time::Duration;

use axum::{
    Json, Router,
    extract::{FromRequestParts, State},
    http::{
        Method,
        header::{AUTHORIZATION, CONTENT_TYPE},
        request::Parts,
    },
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_http::cors::{Any, CorsLayer};

use super::{
    Emulator,
    data::Authenticator,
    json::{ApiError, JsonBody},
    rules::{Channel, FailureReason, Verification},
    server_api::{WebauthnReply, webauthn_reply},
    tokens::{Claims, MANAGE_SCOPE},
};
use crate::model::VerificationMethod;

pub(super) fn routes() -> Router<Emulator> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    Router::new()
        .route("/client/user-authenticators", get(list))
        .route("/client/user-authenticators/email-otp", post(enroll_email))
        .route("/client/user-authenticators/sms", post(enroll_sms))
        .route("/client/challenge/email-otp", post(challenge_email))
        .route("/client/challenge/sms", post(challenge_sms))
        .route("/client/verify/email-otp", post(verify_email))
        .route("/client/verify/sms", post(verify_sms))
        .layer(cors)
}

/// The claims of a valid, unexpired bearer token.
struct Bearer(Claims);

impl FromRequestParts<Emulator> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        emulator: &Emulator,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(ApiError::expired_token)?;
        let now = emulator.now().await;
        emulator
            .tokens()
            .verify(token, now)
            .map(Bearer)
            .map_err(|_| ApiError::expired_token())
    }
}

/// An authenticator as the Client API shows it: addresses masked.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientAuthenticator {
    user_authenticator_id: String,
    verification_method: VerificationMethod,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    verified_at: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    last_verified_at: Option<OffsetDateTime>,
    is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webauthn_credential: Option<WebauthnReply>,
}

fn client_view(authenticator: &Authenticator, is_default: bool) -> ClientAuthenticator {
    let masked = authenticator.masked_address();
    ClientAuthenticator {
        user_authenticator_id: authenticator.id.clone(),
        verification_method: authenticator.method,
        created_at: authenticator.created_at,
        verified_at: authenticator.verified_at,
        last_verified_at: authenticator.last_verified_at,
        is_default,
        email: authenticator.email.as_ref().and(masked.clone()),
        phone_number: authenticator.phone_number.as_ref().and(masked),
        webauthn_credential: webauthn_reply(authenticator),
    }
}

/// The token's user's verified authenticators; the first is the default.
async fn list(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
) -> Result<Json<Vec<ClientAuthenticator>>, ApiError> {
    let user = emulator
        .read(|data| {
            data.action_for(&claims)?;
            Ok(data
                .user(&claims.other.user_id)
                .cloned()
                .unwrap_or_default())
        })
        .await?;
    Ok(Json(
        user.verified()
            .enumerate()
            .map(|(index, authenticator)| client_view(authenticator, index == 0))
            .collect(),
    ))
}

#[derive(Deserialize)]
struct EmailEnrollment {
    email: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsEnrollment {
    phone_number: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrollReply {
    user_authenticator_id: String,
    user_id: String,
}

async fn enroll_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<EmailEnrollment>,
) -> Result<Json<EnrollReply>, ApiError> {
    enroll(&emulator, &claims, Channel::Email, &body.email).await
}

async fn enroll_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<SmsEnrollment>,
) -> Result<Json<EnrollReply>, ApiError> {
    enroll(&emulator, &claims, Channel::Sms, &body.phone_number).await
}

async fn enroll(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    address: &str,
) -> Result<Json<EnrollReply>, ApiError> {
    let authenticator = emulator
        .change(|data| data.start_enrollment(claims, channel, address))
        .await?;
    Ok(Json(EnrollReply {
        user_authenticator_id: authenticator.id,
        user_id: claims.other.user_id.clone(),
    }))
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChallengeRequest {
    user_authenticator_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChallengeReply {
    challenge_id: String,
}

async fn challenge_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeReply>, ApiError> {
    challenge(&emulator, &claims, Channel::Email, body).await
}

async fn challenge_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeReply>, ApiError> {
    challenge(&emulator, &claims, Channel::Sms, body).await
}

async fn challenge(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    body: ChallengeRequest,
) -> Result<Json<ChallengeReply>, ApiError> {
    let challenge_id = emulator
        .change(|data| data.start_challenge(claims, channel, body.user_authenticator_id.as_deref()))
        .await?;
    Ok(Json(ChallengeReply { challenge_id }))
}

/// `{"verificationCode": "123456"}`, the name the Web SDK has sent since 0.5.7.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyRequest {
    verification_code: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifyReply {
    is_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_authenticator: Option<ClientAuthenticator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<FailureReason>,
}

async fn verify_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyReply>, ApiError> {
    verify(&emulator, &claims, Channel::Email, &body.verification_code).await
}

async fn verify_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyReply>, ApiError> {
    verify(&emulator, &claims, Channel::Sms, &body.verification_code).await
}

/// A wrong code is a 200 with `isVerified: false`; a right one returns a new token that may
/// manage authenticators for ten minutes.
async fn verify(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    code: &str,
) -> Result<Json<VerifyReply>, ApiError> {
    let (verification, default_id, now) = emulator
        .change(|data| {
            let verification = data.verify(claims, channel, code)?;
            let default_id = data
                .user(&claims.other.user_id)
                .and_then(|user| user.verified().next())
                .map(|authenticator| authenticator.id.clone());
            Ok((verification, default_id, data.now()))
        })
        .await?;
    Ok(Json(match verification {
        Verification::Verified { action, enrolled } => VerifyReply {
            is_verified: true,
            access_token: Some(emulator.mint(&action, MANAGE_SCOPE, now)?),
            user_authenticator: enrolled.map(|authenticator| {
                let is_default = default_id.as_ref() == Some(&authenticator.id);
                client_view(&authenticator, is_default)
            }),
            failure_reason: None,
        },
        Verification::Failed(reason) => VerifyReply {
            is_verified: false,
            access_token: None,
            user_authenticator: None,
            failure_reason: Some(reason),
        },
    }))
}
