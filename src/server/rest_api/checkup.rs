//! `GET /api/checkup`: the person's security checkup, as the page shows it.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::ApiCaller;
use crate::{
    model::AppError,
    server::{
        AppState, account,
        app_error::ErrorBody,
        checkup::{Checkup, FindingCode, Rating},
    },
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiCheckup {
    /// `strong`, `could_be_stronger` or `at_risk`.
    #[schema(value_type = String, example = "could_be_stronger")]
    pub rating: Rating,
    pub findings: Vec<ApiFinding>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiFinding {
    /// `no_method`, `only_one_method`, `no_phishing_resistant_method`, `sms_only`,
    /// `device_bound_passkeys_only`, `unused_method`, `all_methods_on_one_device`.
    #[schema(value_type = String, example = "unused_method")]
    pub code: FindingCode,
    /// In English, with what to do.
    pub message: String,
    /// The method the finding is about, when it is about one.
    pub authenticator_id: Option<String>,
}

impl From<Checkup> for ApiCheckup {
    fn from(checkup: Checkup) -> Self {
        Self {
            rating: checkup.rating,
            findings: checkup
                .findings
                .into_iter()
                .map(|finding| ApiFinding {
                    code: finding.code,
                    message: finding.message,
                    authenticator_id: finding.authenticator_id,
                })
                .collect(),
        }
    }
}

/// How well the person's methods keep them able to sign in, and what to improve. It advises;
/// it never stops a change.
#[utoipa::path(
    get,
    path = "/api/checkup",
    tag = "authenticators",
    security(("cognito" = [])),
    responses(
        (status = 200, description = "The rating and the findings", body = ApiCheckup),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 502, description = "Authsignal is unavailable: the checkup could not be made", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ApiCheckup>, AppError> {
    Ok(Json(account::checkup(&state, &caller).await?.into()))
}
