//! Health checks for load balancers and orchestrators.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;

/// Liveness: the process is up and serving requests.
pub async fn live() -> &'static str {
    "ok"
}

/// Readiness: the server can do useful work, which needs the user pool's signing keys.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.cognito.verifier.keys_ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable",
                "reason": "cognito_keys_unavailable",
                "message": "The user pool's signing keys could not be loaded.",
            })),
        ),
    }
}
