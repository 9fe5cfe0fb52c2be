//! Step-up for native apps: a token to challenge one of the person's methods with the
//! Authsignal Mobile or Web SDK, and the exchange of the passed challenge's token for a sealed
//! `stepUpToken`, which sensitive calls send as the `Step-Up-Token` header.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{bearer::ApiCaller, json_body::JsonBody};
use crate::{
    model::AppError,
    server::{AppState, account, app_error::ErrorBody},
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepUpStart {
    /// For the Authsignal SDK: challenge one of the person's methods, then verify. It cannot
    /// add methods. Valid for 10 minutes.
    pub authsignal_token: String,
}

/// Starts a step-up: a token for the challenge only.
#[utoipa::path(
    post,
    path = "/api/step-up",
    tag = "step-up",
    security(("cognito" = [])),
    responses(
        (status = 200, description = "A token for the challenge", body = StepUpStart),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required` with `via: sign_in`: the person has no method to verify with, so signs in again; or sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn start(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<StepUpStart>, AppError> {
    let ticket = account::start_step_up(&state, &caller).await?;
    Ok(Json(StepUpStart {
        authsignal_token: ticket.token,
    }))
}

#[derive(Default, Deserialize, ToSchema)]
pub struct StepUpCompletion {
    /// The token the Client API verify call returned.
    #[serde(default)]
    pub token: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepUpProof {
    /// Sealed by the server, bound to this person and this sign-in: send it as the
    /// `Step-Up-Token` header with sensitive calls until `expiresAt`.
    pub step_up_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

/// Completes a step-up: the passed challenge's token becomes a step-up proof. A token of
/// someone else, of another action, used before, too old or not a token at all is refused.
#[utoipa::path(
    post,
    path = "/api/step-up/complete",
    tag = "step-up",
    security(("cognito" = [])),
    request_body = StepUpCompletion,
    responses(
        (status = 200, description = "The proof and when it lapses", body = StepUpProof),
        (status = 400, description = "The token was not accepted: someone else's, another action's, used before, too old or not a token (`field: token`)", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "Sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn complete(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(request): JsonBody<StepUpCompletion>,
) -> Result<Json<StepUpProof>, AppError> {
    let granted = account::complete_step_up(&state, &caller, &request.token).await?;
    Ok(Json(StepUpProof {
        step_up_token: granted.token,
        expires_at: granted.expires_at,
    }))
}

/// Ends the step-up window of the `Step-Up-Token` now, on every instance: the token is refused
/// from then on. A token that is not a proof is ignored.
#[utoipa::path(
    delete,
    path = "/api/step-up",
    tag = "step-up",
    security(("cognito" = [])),
    params(
        ("Step-Up-Token" = Option<String>, Header, description = "The proof to end"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "Sent from another website", body = ErrorBody),
        (status = 503, description = "The shared state could not record it; try again", body = ErrorBody),
    ),
)]
pub async fn end(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, AppError> {
    account::end_step_up(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records that a step-up ran out of attempts, for the activity log: the app cannot see the
/// codes typed into the Authsignal SDK. `token` is the step-up's own, from `POST /api/step-up`.
#[utoipa::path(
    post,
    path = "/api/step-up/failed",
    tag = "step-up",
    security(("cognito" = [])),
    request_body = StepUpCompletion,
    responses(
        (status = 204, description = "Recorded (or Authsignal records it itself)"),
        (status = 400, description = "Not this person's step-up token (`field: token`)", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "Sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn failed(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(request): JsonBody<StepUpCompletion>,
) -> Result<StatusCode, AppError> {
    account::report_step_up_failure(&state, &caller, &request.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
