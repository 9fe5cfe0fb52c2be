//! The Server API (reference §2): Basic auth with the secret as the username, JSON in and out.

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::header::AUTHORIZATION,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Emulator,
    data::Authenticator,
    json::{ApiError, JsonBody},
    rules::{CODE_METHODS, EnrollVerifiedRequest, TrackRequest},
};
use crate::{model::VerificationMethod, server::authsignal::ActionState};

pub(super) fn routes(emulator: &Emulator) -> Router<Emulator> {
    Router::new()
        .route("/users/{user_id}", get(get_user))
        .route("/users/{user_id}/actions/{action}", post(track))
        .route(
            "/users/{user_id}/actions/{action}/{idempotency_key}",
            get(get_action),
        )
        .route(
            "/users/{user_id}/authenticators",
            get(get_authenticators).post(enroll_verified),
        )
        .route(
            "/users/{user_id}/authenticators/{authenticator_id}",
            delete(delete_authenticator),
        )
        .route("/validate", post(validate))
        .route_layer(middleware::from_fn_with_state(
            emulator.clone(),
            require_secret,
        ))
}

/// `Authorization: Basic base64("<secret>:")`; the password is not checked, as it is always
/// empty (reference §1.2).
async fn require_secret(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let username = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, credentials)| STANDARD.decode(credentials.trim()).ok())
        .map(
            |decoded| match decoded.iter().position(|&byte| byte == b':') {
                Some(colon) => decoded[..colon].to_vec(),
                None => decoded,
            },
        );
    let authorized = username.is_some_and(|username| {
        aws_lc_rs::constant_time::verify_slices_are_equal(&username, emulator.0.secret.as_bytes())
            .is_ok()
    });
    if authorized {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrackReply {
    state: ActionState,
    idempotency_key: String,
    url: String,
    token: String,
    is_enrolled: bool,
    enrolled_verification_methods: Vec<VerificationMethod>,
    allowed_verification_methods: Vec<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_verification_method: Option<VerificationMethod>,
    rule_ids: Vec<String>,
}

async fn track(
    State(emulator): State<Emulator>,
    Path((user_id, code)): Path<(String, String)>,
    JsonBody(request): JsonBody<TrackRequest>,
) -> Result<Json<TrackReply>, ApiError> {
    let (action, user, now) = emulator
        .change(|data| {
            let action = data.track(&user_id, &code, request)?;
            let user = data.user(&user_id).cloned().unwrap_or_default();
            Ok((action, user, data.now()))
        })
        .await?;
    let token = emulator.mint(&action, &action.scope, now)?;
    let enrolled = user.enrolled_methods();
    Ok(Json(TrackReply {
        state: action.state,
        idempotency_key: action.idempotency_key,
        url: emulator.prebuilt_url(&token).into(),
        token,
        is_enrolled: user.is_enrolled(),
        allowed_verification_methods: allowed_methods(&enrolled),
        default_verification_method: enrolled.first().copied(),
        enrolled_verification_methods: enrolled,
        rule_ids: Vec::new(),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionReply {
    state: ActionState,
    #[serde(with = "time::serde::rfc3339")]
    state_updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_method: Option<VerificationMethod>,
    rule_ids: Vec<String>,
}

async fn get_action(
    State(emulator): State<Emulator>,
    Path((user_id, code, key)): Path<(String, String, String)>,
) -> Result<Json<ActionReply>, ApiError> {
    let action = emulator
        .read(|data| data.find_action(&user_id, &code, &key).cloned())
        .await
        .ok_or_else(|| ApiError::not_found("No action with this idempotencyKey."))?;
    Ok(Json(ActionReply {
        state: action.state,
        state_updated_at: action.state_updated_at,
        created_at: action.created_at,
        verification_method: action.verification_method,
        rule_ids: Vec::new(),
    }))
}

/// An authenticator as the Server API shows it (reference §2.2).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticatorReply {
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
    user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webauthn_credential: Option<WebauthnReply>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WebauthnReply {
    credential_id: String,
    device_id: String,
    pub name: String,
    aaguid: String,
    pub aaguid_mapping: AaguidMappingReply,
    credential_backed_up: bool,
    credential_device_type: &'static str,
    authenticator_attachment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AaguidMappingReply {
    name: String,
    svg_icon_dark: &'static str,
    svg_icon_light: &'static str,
}

/// A key, drawn for dark and for light backgrounds.
const ICON_DARK: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PGNpcmNsZSBjeD0iOCIgY3k9IjEyIiByPSI0IiBmaWxsPSJub25lIiBzdHJva2U9IiNmZmYiIHN0cm9rZS13aWR0aD0iMiIvPjxwYXRoIGQ9Ik0xMiAxMmgxME0xOCAxMnY0IiBzdHJva2U9IiNmZmYiIHN0cm9rZS13aWR0aD0iMiIvPjwvc3ZnPg==";
const ICON_LIGHT: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PGNpcmNsZSBjeD0iOCIgY3k9IjEyIiByPSI0IiBmaWxsPSJub25lIiBzdHJva2U9IiMwMDAiIHN0cm9rZS13aWR0aD0iMiIvPjxwYXRoIGQ9Ik0xMiAxMmgxME0xOCAxMnY0IiBzdHJva2U9IiMwMDAiIHN0cm9rZS13aWR0aD0iMiIvPjwvc3ZnPg==";

pub(super) fn webauthn_reply(authenticator: &Authenticator) -> Option<WebauthnReply> {
    authenticator.passkey.as_ref().map(|passkey| WebauthnReply {
        credential_id: passkey.credential_id.clone(),
        device_id: passkey.device_id.clone(),
        name: passkey.name.clone(),
        aaguid: passkey.aaguid.clone(),
        aaguid_mapping: AaguidMappingReply {
            name: passkey.name.clone(),
            svg_icon_dark: ICON_DARK,
            svg_icon_light: ICON_LIGHT,
        },
        credential_backed_up: passkey.backed_up,
        credential_device_type: if passkey.backed_up {
            "multiDevice"
        } else {
            "singleDevice"
        },
        authenticator_attachment: passkey.authenticator_attachment.clone(),
    })
}

fn authenticator_reply(user_id: &str, authenticator: &Authenticator) -> AuthenticatorReply {
    AuthenticatorReply {
        user_authenticator_id: authenticator.id.clone(),
        verification_method: authenticator.method,
        created_at: authenticator.created_at,
        verified_at: authenticator.verified_at,
        last_verified_at: authenticator.last_verified_at,
        user_id: user_id.to_owned(),
        email: authenticator.email.clone(),
        phone_number: authenticator.phone_number.clone(),
        username: authenticator.username.clone(),
        display_name: authenticator.display_name.clone(),
        webauthn_credential: webauthn_reply(authenticator),
    }
}

async fn get_authenticators(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
) -> Json<Vec<AuthenticatorReply>> {
    let user = emulator
        .read(|data| data.user(&user_id).cloned())
        .await
        .unwrap_or_default();
    Json(
        user.verified()
            .map(|authenticator| authenticator_reply(&user_id, authenticator))
            .collect(),
    )
}

#[derive(Serialize)]
struct EnrollVerifiedReply {
    authenticator: AuthenticatorReply,
}

async fn enroll_verified(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
    JsonBody(request): JsonBody<EnrollVerifiedRequest>,
) -> Result<Json<EnrollVerifiedReply>, ApiError> {
    let authenticator = emulator
        .change(|data| data.enroll_verified(&user_id, request))
        .await?;
    Ok(Json(EnrollVerifiedReply {
        authenticator: authenticator_reply(&user_id, &authenticator),
    }))
}

async fn delete_authenticator(
    State(emulator): State<Emulator>,
    Path((user_id, authenticator_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    emulator
        .change(|data| data.delete_authenticator(&user_id, &authenticator_id))
        .await?;
    Ok(Json(serde_json::json!({ "success": true })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidateRequest {
    token: String,
    user_id: Option<String>,
    action: Option<String>,
}

/// Both `action` and the deprecated `actionCode` are sent (reference §2.5).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValidateReply {
    is_valid: bool,
    state: ActionState,
    #[serde(with = "time::serde::rfc3339")]
    state_updated_at: OffsetDateTime,
    user_id: String,
    action: String,
    action_code: String,
    idempotency_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_method: Option<VerificationMethod>,
}

/// A token of another user or action is a 200 with `isValid: false` (reference §2.5).
#[derive(Serialize)]
#[serde(untagged)]
enum ValidateOutcome {
    Found(ValidateReply),
    #[serde(rename_all = "camelCase")]
    Refused {
        is_valid: bool,
        error: &'static str,
    },
}

async fn validate(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<ValidateRequest>,
) -> Json<ValidateOutcome> {
    let reply = emulator
        .read(|data| {
            let token = emulator.tokens().verify(&request.token, data.now());
            data.validate(token, request.user_id.as_deref(), request.action.as_deref())
                .map(|action| ValidateReply {
                    is_valid: action.state == ActionState::ChallengeSucceeded,
                    state: action.state,
                    state_updated_at: action.state_updated_at,
                    user_id: action.user_id.clone(),
                    action: action.code.clone(),
                    action_code: action.code.clone(),
                    idempotency_key: action.idempotency_key.clone(),
                    verification_method: action.verification_method,
                })
        })
        .await;
    Json(match reply {
        Ok(reply) => ValidateOutcome::Found(reply),
        Err(error) => ValidateOutcome::Refused {
            is_valid: false,
            error,
        },
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserReply {
    is_enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    enrolled_verification_methods: Vec<VerificationMethod>,
    allowed_verification_methods: Vec<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_verification_method: Option<VerificationMethod>,
}

/// An unknown user is `isEnrolled: false`, not a 404 (reference §2.6).
async fn get_user(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
) -> Json<UserReply> {
    let user = emulator
        .read(|data| data.user(&user_id).cloned())
        .await
        .unwrap_or_default();
    let enrolled = user.enrolled_methods();
    let has_verified = |method: VerificationMethod, address: &Option<String>| {
        address.as_ref().map(|address| {
            user.verified().any(|authenticator| {
                authenticator.method == method && authenticator.address() == Some(address)
            })
        })
    };
    Json(UserReply {
        is_enrolled: user.is_enrolled(),
        email_verified: has_verified(VerificationMethod::EmailOtp, &user.email),
        phone_number_verified: has_verified(VerificationMethod::Sms, &user.phone_number),
        email: user.email.clone(),
        phone_number: user.phone_number.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        allowed_verification_methods: allowed_methods(&enrolled),
        default_verification_method: enrolled.first().copied(),
        enrolled_verification_methods: enrolled,
    })
}

/// What the emulated tenant offers: the code methods, plus whatever the user already has.
fn allowed_methods(enrolled: &[VerificationMethod]) -> Vec<VerificationMethod> {
    let mut allowed = enrolled.to_vec();
    for method in CODE_METHODS {
        if !allowed.contains(&method) {
            allowed.push(method);
        }
    }
    allowed
}
