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
use tower_http::cors::{Any, CorsLayer};

use super::{
    Emulator,
    codes::{Channel, Verification},
    conventions::{ApiError, JsonBody},
    tokens::{Claims, MANAGE_SCOPE},
};
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::model::VerificationMethod;

use crate::wire::authsignal::{
    AddPasskeyRequest, ChallengeRequest, ChallengeResponse, EnrollEmailRequest, EnrollResponse,
    EnrollSmsRequest, EnrollTotpResponse, PasskeyAuthenticationOptionsRequest,
    PasskeyOptionsResponse, PasskeyRegistrationOptionsRequest, SignInChallengeRequest,
    UserAuthenticator, VerifyPasskeyRequest, VerifyRequest, VerifyResponse,
};

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
        .route("/client/user-authenticators/totp", post(enroll_totp))
        .route("/client/verify/totp", post(verify_totp))
        .route(
            "/client/user-authenticators/passkey/registration-options",
            post(passkey_registration_options),
        )
        .route("/client/user-authenticators/passkey", post(add_passkey))
        .route(
            "/client/user-authenticators/passkey/authentication-options",
            post(passkey_authentication_options),
        )
        .route("/client/verify/passkey", post(verify_passkey))
        .route("/client/challenge", post(start_sign_in))
        .route(
            "/client/user-authenticators/security-key/registration-options",
            post(security_key_registration_options),
        )
        .route(
            "/client/user-authenticators/security-key",
            post(add_security_key),
        )
        .route(
            "/client/user-authenticators/security-key/authentication-options",
            post(security_key_authentication_options),
        )
        .route("/client/verify/security-key", post(verify_security_key))
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

/// Who calls: the holder of a token for one action, or, for a passkey sign-in that does not
/// know its user yet, anyone naming the tenant (`Basic base64(tenantId)`; the browser SDK sends
/// no colon, the Android SDK and the docs `tenantId:`, and both are taken).
enum ClientAuth {
    Token(Claims),
    Tenant,
}

impl FromRequestParts<Emulator> for ClientAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        emulator: &Emulator,
    ) -> Result<Self, Self::Rejection> {
        let tenant = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, credentials)| STANDARD.decode(credentials.trim()).ok())
            .and_then(|decoded| String::from_utf8(decoded).ok());
        match tenant {
            Some(id) if id.trim_end_matches(':') == emulator.tenant_id() => Ok(Self::Tenant),
            Some(_) => Err(ApiError::unauthorized()),
            None => Bearer::from_request_parts(parts, emulator)
                .await
                .map(|Bearer(claims)| Self::Token(claims)),
        }
    }
}

impl ClientAuth {
    fn claims(&self) -> Option<&Claims> {
        match self {
            Self::Token(claims) => Some(claims),
            Self::Tenant => None,
        }
    }
}

/// `POST /client/challenge {action}`: a passkey sign-in, with the tenant's id.
async fn start_sign_in(
    State(emulator): State<Emulator>,
    auth: ClientAuth,
    JsonBody(body): JsonBody<SignInChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    if auth.claims().is_some() {
        return Err(ApiError::invalid_request(
            "A sign-in challenge takes the tenant's id, not a token.",
        ));
    }
    let challenge_id = emulator
        .change(|data| data.start_sign_in(&body.action, body.idempotency_key))
        .await?;
    Ok(Json(ChallengeResponse { challenge_id }))
}

/// The token's user's verified authenticators; the first is the default.
async fn list(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
) -> Result<Json<Vec<UserAuthenticator>>, ApiError> {
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
            .map(|(index, authenticator)| authenticator.for_client(index == 0))
            .collect(),
    ))
}

async fn enroll_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<EnrollEmailRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    enroll(&emulator, &claims, Channel::Email, &body.email).await
}

async fn enroll_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<EnrollSmsRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    enroll(&emulator, &claims, Channel::Sms, &body.phone_number).await
}

async fn enroll(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    address: &str,
) -> Result<Json<EnrollResponse>, ApiError> {
    let authenticator = emulator
        .change(|data| data.start_enrollment(claims, channel, address))
        .await?;
    Ok(Json(EnrollResponse {
        user_authenticator_id: authenticator.id,
        user_id: claims.other.user_id.clone(),
    }))
}

async fn challenge_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    challenge(&emulator, &claims, Channel::Email, body).await
}

async fn challenge_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    challenge(&emulator, &claims, Channel::Sms, body).await
}

async fn challenge(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    body: ChallengeRequest,
) -> Result<Json<ChallengeResponse>, ApiError> {
    let challenge_id = emulator
        .change(|data| data.start_challenge(claims, channel, body.user_authenticator_id.as_deref()))
        .await?;
    Ok(Json(ChallengeResponse { challenge_id }))
}

async fn verify_email(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    verify(&emulator, &claims, Channel::Email, &body.verification_code).await
}

async fn verify_sms(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    verify(&emulator, &claims, Channel::Sms, &body.verification_code).await
}

/// A wrong code is a 200 with `isVerified: false`; a right one returns a new token that may
/// manage authenticators for ten minutes.
async fn verify(
    emulator: &Emulator,
    claims: &Claims,
    channel: Channel,
    code: &str,
) -> Result<Json<VerifyResponse>, ApiError> {
    let verification = emulator
        .change(|data| data.verify(claims, channel, code))
        .await?;
    answer(emulator, &claims.other.user_id, verification).await
}

/// `POST /client/user-authenticators/totp`, no body: an app's secret, as a URI and in base32.
async fn enroll_totp(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
) -> Result<Json<EnrollTotpResponse>, ApiError> {
    let enrollment = emulator
        .change(|data| data.start_totp_enrollment(&claims))
        .await?;
    Ok(Json(EnrollTotpResponse {
        user_authenticator_id: enrollment.authenticator.id,
        user_id: claims.other.user_id.clone(),
        uri: enrollment.uri,
        secret: enrollment.secret,
    }))
}

async fn verify_totp(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let verification = emulator
        .change(|data| data.verify_totp(&claims, &body.verification_code))
        .await?;
    answer(&emulator, &claims.other.user_id, verification).await
}

async fn passkey_registration_options(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<PasskeyRegistrationOptionsRequest>,
) -> Result<Json<PasskeyOptionsResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let (challenge_id, options) = emulator
        .change(|data| {
            data.passkey_registration_options(
                relying_party,
                &claims,
                body.username.as_deref(),
                body.display_name.as_deref(),
                VerificationMethod::Passkey,
            )
        })
        .await?;
    Ok(Json(PasskeyOptionsResponse {
        challenge_id,
        options,
    }))
}

async fn add_passkey(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(body): JsonBody<AddPasskeyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let verification = emulator
        .change(|data| {
            data.add_passkey(
                relying_party,
                &claims,
                &body.registration_credential,
                body.challenge_id.as_deref(),
                VerificationMethod::Passkey,
            )
        })
        .await?;
    answer(&emulator, &claims.other.user_id, verification).await
}

/// Security keys, as the browser SDK calls the Client API for them (BR `securityKey.enroll`
/// and `.verify`): the options come bare, and the credential goes back as it came from the
/// browser, without a ceremony id; the token's action names the ceremony.
async fn security_key_registration_options(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
) -> Result<Json<serde_json::Value>, ApiError> {
    let relying_party = emulator.relying_party();
    let (_, options) = emulator
        .change(|data| {
            data.passkey_registration_options(
                relying_party,
                &claims,
                None,
                None,
                VerificationMethod::SecurityKey,
            )
        })
        .await?;
    Ok(Json(options))
}

async fn add_security_key(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(credential): JsonBody<serde_json::Value>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let verification = emulator
        .change(|data| {
            data.add_passkey(
                relying_party,
                &claims,
                &credential,
                None,
                VerificationMethod::SecurityKey,
            )
        })
        .await?;
    answer(&emulator, &claims.other.user_id, verification).await
}

async fn security_key_authentication_options(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
) -> Result<Json<serde_json::Value>, ApiError> {
    let relying_party = emulator.relying_party();
    let options = emulator
        .change(|data| data.security_key_authentication_options(relying_party, &claims))
        .await?;
    Ok(Json(options))
}

async fn verify_security_key(
    State(emulator): State<Emulator>,
    Bearer(claims): Bearer,
    JsonBody(credential): JsonBody<serde_json::Value>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let verified = emulator
        .change(|data| data.verify_passkey(relying_party, Some(&claims), &credential, None))
        .await?;
    let Json(mut reply) = answer(&emulator, &verified.user_id, verified.verification).await?;
    if reply.is_verified {
        reply.user_authenticator_id = Some(verified.authenticator_id);
    }
    Ok(Json(reply))
}

async fn passkey_authentication_options(
    State(emulator): State<Emulator>,
    auth: ClientAuth,
    JsonBody(body): JsonBody<PasskeyAuthenticationOptionsRequest>,
) -> Result<Json<PasskeyOptionsResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let (challenge_id, options) = emulator
        .change(|data| {
            data.passkey_authentication_options(
                relying_party,
                auth.claims(),
                body.username.as_deref(),
                body.challenge_id.as_deref(),
            )
        })
        .await?;
    Ok(Json(PasskeyOptionsResponse {
        challenge_id,
        options,
    }))
}

/// A passkey's answer names the passkey and whose it is (BR `VerifyResponse`).
async fn verify_passkey(
    State(emulator): State<Emulator>,
    auth: ClientAuth,
    JsonBody(body): JsonBody<VerifyPasskeyRequest>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let relying_party = emulator.relying_party();
    let verified = emulator
        .change(|data| {
            data.verify_passkey(
                relying_party,
                auth.claims(),
                &body.authentication_credential,
                body.challenge_id.as_deref(),
            )
        })
        .await?;
    let Json(mut reply) = answer(&emulator, &verified.user_id, verified.verification).await?;
    if reply.is_verified {
        reply.user_authenticator_id = Some(verified.authenticator_id);
        reply.username = verified.username;
    }
    Ok(Json(reply))
}

/// The answer of every verify: on success a new token that may manage authenticators for ten
/// minutes, and the new authenticator when the verification completed an enrollment.
async fn answer(
    emulator: &Emulator,
    user_id: &str,
    verification: Verification,
) -> Result<Json<VerifyResponse>, ApiError> {
    let user_id = user_id.to_owned();
    let (default_id, now) = emulator
        .read(|data| {
            let default_id = data
                .user(&user_id)
                .and_then(|user| user.verified().next())
                .map(|authenticator| authenticator.id.clone());
            (default_id, data.now())
        })
        .await;
    Ok(Json(match verification {
        Verification::Verified { action, enrolled } => VerifyResponse {
            is_verified: true,
            access_token: Some(emulator.mint(&action, MANAGE_SCOPE, now)?),
            user_authenticator_id: enrolled
                .as_ref()
                .map(|authenticator| authenticator.id.clone()),
            user_id: Some(user_id),
            user_authenticator: enrolled.map(|authenticator| {
                let is_default = default_id.as_ref() == Some(&authenticator.id);
                authenticator.for_client(is_default)
            }),
            failure_reason: None,
            username: None,
        },
        Verification::Failed(reason) => VerifyResponse {
            failure_reason: Some(reason),
            ..VerifyResponse::default()
        },
    }))
}
