//! The Server API (reference §2): Basic auth with the secret as the username, JSON in and out.

use axum::{
    Json, Router,
    extract::{Path, Query, Request, State},
    http::header::AUTHORIZATION,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};

use super::{
    Emulator,
    conventions::check_user_id,
    conventions::{ApiError, JsonBody},
};
use crate::{
    model::VerificationMethod,
    secret::Secret,
    wire::authsignal::{
        ActionResponse, ActionState, EnrollVerifiedRequest, EnrollVerifiedResponse,
        TrackAttributes, TrackResponse, UpdateActionRequest, UpdateUserRequest, UserActionRecord,
        UserAuthenticator, UserResponse, ValidateRequest, ValidateResponse,
    },
};
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub(super) fn routes(emulator: &Emulator) -> Router<Emulator> {
    Router::new()
        // NODE v1 and RUBY update users with POST, the others with PATCH (reference §2.6).
        .route(
            "/users/{user_id}",
            get(get_user).patch(update_user).post(update_user),
        )
        .route("/users/{user_id}/actions", get(query_actions))
        .route("/users/{user_id}/actions/{action}", post(track))
        .route(
            "/users/{user_id}/actions/{action}/{idempotency_key}",
            get(get_action).patch(update_action),
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

async fn track(
    State(emulator): State<Emulator>,
    Path((user_id, code)): Path<(String, String)>,
    JsonBody(request): JsonBody<TrackAttributes>,
) -> Result<Json<TrackResponse>, ApiError> {
    let (action, user, allowed, now) = emulator
        .change(|data| {
            let action = data.track(&user_id, &code, request)?;
            let user = data.user(&user_id).cloned().unwrap_or_default();
            Ok((
                action,
                user,
                data.tenant.enabled_methods.clone(),
                data.now(),
            ))
        })
        .await?;
    let token = emulator.mint(&action, &action.scope, now)?;
    let enrolled = user.enrolled_methods();
    Ok(Json(TrackResponse {
        state: action.state,
        idempotency_key: action.idempotency_key,
        url: Secret::new(emulator.prebuilt_url(&token)),
        token: Secret::new(token),
        is_enrolled: user.is_enrolled(),
        allowed_verification_methods: Some(allowed.clone()),
        default_verification_method: enrolled.first().copied(),
        enrolled_verification_methods: Some(enrolled),
        rule_ids: Some(Vec::new()),
    }))
}

async fn get_action(
    State(emulator): State<Emulator>,
    Path((user_id, code, key)): Path<(String, String, String)>,
) -> Result<Json<ActionResponse>, ApiError> {
    let action = emulator
        .read(|data| data.find_action(&user_id, &code, &key).cloned())
        .await
        .ok_or_else(|| ApiError::not_found("No action with this idempotencyKey."))?;
    Ok(Json(action_response(&action)))
}

fn action_response(action: &super::data::Action) -> ActionResponse {
    ActionResponse {
        state: action.state,
        state_updated_at: action.state_updated_at,
        created_at: action.created_at,
        verification_method: action.verification_method,
        rule_ids: Some(Vec::new()),
    }
}

/// Sets an action's state, as an operator's review would (`@authsignal/node` `updateAction`).
async fn update_action(
    State(emulator): State<Emulator>,
    Path((user_id, code, key)): Path<(String, String, String)>,
    JsonBody(request): JsonBody<UpdateActionRequest>,
) -> Result<Json<ActionResponse>, ApiError> {
    emulator
        .change(|data| {
            let now = data.now();
            let action = data
                .actions
                .iter_mut()
                .find(|action| action.is(&user_id, &code, &key))
                .ok_or_else(|| ApiError::not_found("No action with this idempotencyKey."))?;
            action.state = request.state;
            action.state_updated_at = now;
            Ok(action_response(action))
        })
        .await
        .map(Json)
}

/// Every authenticator, including enrollments started and not verified (without
/// `verifiedAt`): the docs call the list "currently enrolled authenticators" but mark
/// `verifiedAt` optional, and the Client API creates "an authenticator which has been created
/// but not yet verified" (reference §2.2, fidelity audit row 1). Whether the real list shows
/// them is not documented; listing them keeps the app honest about filtering.
async fn get_authenticators(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
) -> Json<Vec<UserAuthenticator>> {
    let user = emulator
        .read(|data| data.user(&user_id).cloned())
        .await
        .unwrap_or_default();
    Json(
        user.authenticators
            .iter()
            .map(|authenticator| authenticator.for_server(&user_id))
            .collect(),
    )
}

async fn enroll_verified(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
    JsonBody(request): JsonBody<EnrollVerifiedRequest>,
) -> Result<Json<EnrollVerifiedResponse>, ApiError> {
    let authenticator = emulator
        .change(|data| data.enroll_verified(&user_id, request))
        .await?;
    Ok(Json(EnrollVerifiedResponse {
        authenticator: authenticator.for_server(&user_id),
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

/// A token of another user or action is a 200 with `isValid: false` and the sentence the real
/// API gives; both `action` and the deprecated `actionCode` are sent (reference §2.5).
async fn validate(
    State(emulator): State<Emulator>,
    JsonBody(request): JsonBody<ValidateRequest>,
) -> Json<ValidateResponse> {
    let reply = emulator
        .read(|data| {
            let token = emulator.tokens().verify(&request.token, data.now());
            data.validate(token, request.user_id.as_deref(), request.action.as_deref())
                .map(|action| ValidateResponse {
                    is_valid: action.state == ActionState::ChallengeSucceeded,
                    state: Some(action.state),
                    state_updated_at: Some(action.state_updated_at),
                    user_id: Some(action.user_id.clone()),
                    action: Some(action.code.clone()),
                    action_code: Some(action.code.clone()),
                    idempotency_key: Some(action.idempotency_key.clone()),
                    verification_method: action.verification_method,
                    error: None,
                })
        })
        .await;
    Json(reply.unwrap_or_else(|error| ValidateResponse {
        error: Some(error.to_owned()),
        ..ValidateResponse::default()
    }))
}

/// An unknown user is `isEnrolled: false`, not a 404 (reference §2.6).
async fn get_user(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
) -> Json<UserResponse> {
    let (user, allowed) = emulator
        .read(|data| {
            (
                data.user(&user_id).cloned().unwrap_or_default(),
                data.tenant.enabled_methods.clone(),
            )
        })
        .await;
    let enrolled = user.enrolled_methods();
    let has_verified = |method: VerificationMethod, address: &Option<String>| {
        address.as_ref().map(|address| {
            user.verified().any(|authenticator| {
                authenticator.method == method && authenticator.address() == Some(address)
            })
        })
    };
    // `@authsignal/node` declares both flags required booleans: false without an address.
    Json(UserResponse {
        is_enrolled: user.is_enrolled(),
        email_verified: Some(
            user.email_verified
                .or_else(|| has_verified(VerificationMethod::EmailOtp, &user.email))
                .unwrap_or(false),
        ),
        phone_number_verified: Some(
            user.phone_number_verified
                .or_else(|| has_verified(VerificationMethod::Sms, &user.phone_number))
                .unwrap_or(false),
        ),
        email: user.email.clone(),
        phone_number: user.phone_number.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        custom: user.custom.clone(),
        locale: user.locale.clone(),
        allowed_verification_methods: Some(allowed),
        default_verification_method: enrolled.first().copied(),
        enrolled_verification_methods: Some(enrolled),
    })
}

/// Sets the attributes given; the others stay.
async fn update_user(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
    JsonBody(request): JsonBody<UpdateUserRequest>,
) -> Result<Json<UpdateUserRequest>, ApiError> {
    emulator
        .change(|data| {
            check_user_id(&user_id)?;
            let user = data.users.entry(user_id.clone()).or_default();
            let UpdateUserRequest {
                email,
                email_verified,
                phone_number,
                phone_number_verified,
                username,
                display_name,
                custom,
                locale,
            } = request;
            // A phone number need not be E.164 here: the Python SDK's live tests set
            // "9876543210" (fidelity audit row 19).
            keep(&mut user.email, email);
            keep(&mut user.email_verified, email_verified);
            keep(&mut user.phone_number, phone_number);
            keep(&mut user.phone_number_verified, phone_number_verified);
            keep(&mut user.username, username);
            keep(&mut user.display_name, display_name);
            keep(&mut user.custom, custom);
            keep(&mut user.locale, locale);
            Ok(UpdateUserRequest {
                email: user.email.clone(),
                email_verified: user.email_verified,
                phone_number: user.phone_number.clone(),
                phone_number_verified: user.phone_number_verified,
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                custom: user.custom.clone(),
                locale: user.locale.clone(),
            })
        })
        .await
        .map(Json)
}

/// An attribute given is kept; one left out stays as it was.
fn keep<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionsQuery {
    /// Comma-separated action codes; none means all.
    codes: Option<String>,
    /// ISO 8601; the default and the earliest allowed is 30 days ago.
    from_date: Option<String>,
    /// Only actions in this state (`@authsignal/node` `queryUserActions({state})`).
    state: Option<ActionState>,
}

/// The user's actions with these codes since `fromDate`, newest first (`authsignal-methods.md`
/// §5.3). Authsignal documents no paging; this answers at most 100.
async fn query_actions(
    State(emulator): State<Emulator>,
    Path(user_id): Path<String>,
    Query(query): Query<ActionsQuery>,
) -> Result<Json<Vec<UserActionRecord>>, ApiError> {
    let now = emulator.now().await;
    let earliest = now - time::Duration::days(30);
    // "The default and maximum value is 30 days ago" (DOCS query-actions). Whether an older date
    // is clamped or refused is not documented: refusing it makes a regression show here.
    let from = match query.from_date.as_deref() {
        Some(date) => {
            let from = OffsetDateTime::parse(date, &Rfc3339).map_err(|_| {
                ApiError::invalid_request("fromDate must be an ISO 8601 date and time.")
            })?;
            if from < earliest {
                return Err(ApiError::invalid_request(
                    "fromDate must be within the last 30 days.",
                ));
            }
            from
        }
        None => earliest,
    };
    let codes: Option<Vec<String>> = query
        .codes
        .map(|codes| codes.split(',').map(str::trim).map(str::to_owned).collect());
    let records = emulator
        .read(|data| {
            let matching = data
                .actions
                .iter()
                .filter(|action| action.user_id == user_id && action.created_at >= from)
                .filter(|action| query.state.is_none_or(|state| action.state == state))
                .filter(|action| {
                    codes
                        .as_ref()
                        .is_none_or(|codes| codes.contains(&action.code))
                });
            let in_order: Box<dyn Iterator<Item = _>> = if data.tenant.actions_oldest_first {
                Box::new(matching)
            } else {
                Box::new(matching.rev())
            };
            in_order
                .take(100)
                .map(|action| UserActionRecord {
                    action_code: action.code.clone(),
                    idempotency_key: action.idempotency_key.clone(),
                    created_at: action.created_at,
                    updated_at: Some(action.state_updated_at),
                    state: action.state,
                    state_updated_at: Some(action.state_updated_at),
                    verification_method: action.verification_method,
                    verified_by_authenticator_id: action.verified_by_authenticator_id.clone(),
                    user_agent: action.user_agent.clone(),
                    ip_address: action.ip_address.clone(),
                    country_code: None,
                })
                .collect()
        })
        .await;
    Ok(Json(records))
}
