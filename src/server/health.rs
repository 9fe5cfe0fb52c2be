//! Health checks for load balancers and orchestrators.

use axum::{Json, http::StatusCode};
use serde_json::{Value, json};

/// Liveness: the process is up and serving requests.
pub async fn live() -> &'static str {
    "ok"
}

/// Readiness: the server can do useful work.
pub async fn ready() -> (StatusCode, Json<Value>) {
    (StatusCode::OK, Json(json!({ "status": "ready" })))
}
