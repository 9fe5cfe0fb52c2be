//! `GET /api/activity`: the person's recent activity, as the page shows it.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::ApiCaller;
use crate::{
    model::{ActivityKind, ActivityView, AppError},
    server::{AppState, account, app_error::ErrorBody},
};

/// One thing that happened to the person's account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiActivity {
    /// `signed_in`, `method_added`, `method_removed`, `verified`, `verification_failed`,
    /// `opened_settings`.
    #[schema(value_type = String, example = "method_added")]
    pub kind: ActivityKind,
    /// In English, e.g. "Added an email code j•••@example.com".
    #[schema(example = "Added an email code j•••@example.com")]
    pub summary: String,
    /// RFC 3339.
    #[schema(example = "2026-11-23T17:05:00Z")]
    pub at: String,
    /// "Chrome on macOS", when the client said.
    #[schema(example = "Chrome on macOS")]
    pub device: Option<String>,
    /// The client address the server saw.
    #[schema(example = "203.0.113.7")]
    pub ip_address: Option<String>,
}

impl From<ActivityView> for ApiActivity {
    fn from(view: ActivityView) -> Self {
        Self {
            kind: view.kind,
            summary: view.summary,
            at: view.when.iso,
            device: view.device,
            ip_address: view.address,
        }
    }
}

/// The last 30 days, newest first: sign-ins, methods added and removed, step-ups passed and
/// failed, visits to Authsignal's settings. Kept by Authsignal, from the actions the app tracks.
#[utoipa::path(
    get,
    path = "/api/activity",
    tag = "activity",
    security(("cognito" = [])),
    responses(
        (status = 200, description = "Newest first", body = [ApiActivity]),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 502, description = "Authsignal is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ApiActivity>>, AppError> {
    let entries = account::recent_activity(&state, &caller).await?;
    Ok(Json(entries.into_iter().map(ApiActivity::from).collect()))
}
