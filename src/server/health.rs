//! Health checks for load balancers and orchestrators. Anyone may ask, so readiness answers
//! with fixed reasons only (the details go to the log) and from a result a few seconds old: a
//! flood of `/readyz` costs the upstream services one check per few seconds, not one each.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use tokio::{sync::Mutex, time::Instant};
use tracing::warn;

use super::AppState;

/// How long a readiness answer is reused.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// Liveness: the process is up and serving requests.
pub async fn live() -> &'static str {
    "ok"
}

/// What the server cannot reach, in words that name no URL and quote no upstream; the reason
/// reads `cognito_keys_unavailable`, `authsignal_unavailable`, `shared_state_unavailable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    #[serde(rename = "cognito_keys_unavailable")]
    CognitoKeys,
    #[serde(rename = "authsignal_unavailable")]
    Authsignal,
    #[serde(rename = "shared_state_unavailable")]
    SharedState,
}

impl Problem {
    fn message(self) -> &'static str {
        match self {
            Self::CognitoKeys => "The user pool's signing keys could not be loaded.",
            Self::Authsignal => {
                "Authsignal did not answer an authenticated read with the configured secret."
            }
            Self::SharedState => {
                "Redis (REDIS_URL) did not answer: changes to sign-in methods are refused."
            }
        }
    }
}

/// The last readiness result and when it was found; the lock makes one check at a time.
#[derive(Default)]
pub struct Readiness(Mutex<Option<(Instant, Vec<Problem>)>>);

impl Readiness {
    async fn problems(&self, state: &AppState) -> Vec<Problem> {
        let mut last = self.0.lock().await;
        if let Some((checked, problems)) = &*last
            && checked.elapsed() < FRESH_FOR
        {
            return problems.clone();
        }
        let problems = check(state).await;
        *last = Some((Instant::now(), problems.clone()));
        problems
    }
}

async fn check(state: &AppState) -> Vec<Problem> {
    let (keys, authsignal, shared) = tokio::join!(
        state.cognito.verifier.keys_ready(),
        state.authsignal.check_ready(),
        state.shared.ping()
    );
    let mut problems = Vec::new();
    if let Err(error) = keys {
        warn!(%error, "not ready: the user pool's signing keys are unavailable");
        problems.push(Problem::CognitoKeys);
    }
    if let Err(error) = authsignal {
        warn!(%error, "not ready: Authsignal is unavailable");
        problems.push(Problem::Authsignal);
    }
    if shared.is_err() {
        warn!("not ready: the shared state (Redis) is unavailable");
        problems.push(Problem::SharedState);
    }
    problems
}

#[derive(Serialize)]
struct ProblemBody {
    reason: Problem,
    message: &'static str,
}

/// Readiness: the server can do useful work, which needs the user pool's signing keys,
/// Authsignal answering with our secret, and the shared state (Redis) when there is one.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let problems = state.readiness.problems(&state).await;
    if problems.is_empty() {
        return (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        );
    }
    let problems: Vec<ProblemBody> = problems
        .into_iter()
        .map(|reason| ProblemBody {
            reason,
            message: reason.message(),
        })
        .collect();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "unavailable", "problems": problems })),
    )
}
