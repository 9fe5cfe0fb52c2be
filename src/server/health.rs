//! Health checks for load balancers and orchestrators.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::authsignal::AuthsignalClient;

/// Liveness: the process is up and serving requests.
pub async fn live() -> &'static str {
    "ok"
}

/// Readiness: the server can do useful work, which needs Authsignal to answer with our secret.
pub async fn ready(State(authsignal): State<AuthsignalClient>) -> (StatusCode, Json<Value>) {
    match authsignal.check_ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not_ready", "reason": format!("Authsignal: {error}") })),
        ),
    }
}
