//! `/api/sessions`: where the person is signed in, signing one session out, and signing out
//! everywhere, as the page does.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::ApiCaller;
use crate::{
    model::{AppError, SessionView},
    server::{AppState, account, app_error::ErrorBody},
};

/// One place the person is signed in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSession {
    #[schema(example = "q3bC0fRzYk1tNw8xLmAp2g")]
    pub id: String,
    /// "Chrome on macOS", when the client said.
    #[schema(example = "Chrome on macOS")]
    pub device: Option<String>,
    /// The client address the server last saw.
    #[schema(example = "203.0.113.7")]
    pub ip_address: Option<String>,
    /// RFC 3339: when the person typed their password for it.
    #[schema(example = "2026-11-23T17:05:00Z")]
    pub signed_in_at: String,
    /// RFC 3339; absent for a sign-in known only from the activity log (after a restart
    /// without Redis), which may or may not still be live.
    #[schema(example = "2026-11-23T18:00:00Z")]
    pub last_seen_at: Option<String>,
    /// The session of the token making this request.
    pub current: bool,
    /// A native app (bearer tokens), not a browser.
    pub app: bool,
}

impl From<SessionView> for ApiSession {
    fn from(view: SessionView) -> Self {
        Self {
            id: view.id,
            device: view.device,
            ip_address: view.address,
            signed_in_at: view.signed_in.iso,
            last_seen_at: view.last_seen.map(|when| when.iso),
            current: view.current,
            app: view.app,
        }
    }
}

/// Every live session, browsers and apps, last seen first.
#[utoipa::path(
    get,
    path = "/api/sessions",
    tag = "sessions",
    security(("cognito" = [])),
    responses(
        (status = 200, description = "Last seen first", body = [ApiSession]),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 503, description = "The list could not be read; try again", body = ErrorBody),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ApiSession>>, AppError> {
    let sessions = account::list_sessions(&state, &caller).await?;
    Ok(Json(sessions.into_iter().map(ApiSession::from).collect()))
}

/// Signs one of the person's other sessions out: it is refused from its next request on,
/// everywhere. Needs a `Step-Up-Token`.
#[utoipa::path(
    delete,
    path = "/api/sessions/{id}",
    tag = "sessions",
    security(("cognito" = [])),
    params(
        ("id" = String, Path, description = "The session's `id`"),
        ("Step-Up-Token" = Option<String>, Header, description = "From `POST /api/step-up/complete`"),
    ),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "That is the calling session: sign it out in the app itself (`field: id`)", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required`, or sent from another website", body = ErrorBody),
        (status = 404, description = "Not one of this person's live sessions", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Not recorded, so nothing changed; try again", body = ErrorBody),
    ),
)]
pub async fn sign_out(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    account::sign_out_session(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs every session out, the calling one included: every access token issued before now is
/// refused, and Cognito revokes every refresh token. Needs a `Step-Up-Token`.
#[utoipa::path(
    post,
    path = "/api/sessions/sign-out-everywhere",
    tag = "sessions",
    security(("cognito" = [])),
    params(
        ("Step-Up-Token" = Option<String>, Header, description = "From `POST /api/step-up/complete`"),
    ),
    responses(
        (status = 204, description = "Signed out everywhere"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required`, or sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Not recorded, so nothing changed; try again", body = ErrorBody),
    ),
)]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<StatusCode, AppError> {
    account::sign_out_everywhere(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
