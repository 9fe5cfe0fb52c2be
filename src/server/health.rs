//! Health checks for load balancers and orchestrators.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;

/// Liveness: the process is up and serving requests.
pub async fn live() -> &'static str {
    "ok"
}

/// Readiness: the server can do useful work, which needs the user pool's signing keys and
/// Authsignal answering with our secret.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (keys, authsignal) = tokio::join!(
        state.cognito.verifier.keys_ready(),
        state.authsignal.check_ready()
    );
    let mut problems = Vec::new();
    if keys.is_err() {
        problems.push(json!({
            "reason": "cognito_keys_unavailable",
            "message": "The user pool's signing keys could not be loaded.",
        }));
    }
    if let Err(error) = authsignal {
        problems.push(json!({
            "reason": "authsignal_unavailable",
            "message": format!("Authsignal: {error}"),
        }));
    }
    if problems.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "problems": problems })),
        )
    }
}
