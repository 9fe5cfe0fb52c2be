//! Fault mode for tests: make chosen routes of an emulator fail, hang or slow down, so the app's
//! handling of a flaky upstream can be tested over real HTTP. Local emulators only.
//!
//! `POST /_local/faults` with `{"rules": [{"path": "/v1/users/*", "fault": {"kind": "status", "status": 500}}]}`
//! replaces the rules; `DELETE /_local/faults` clears them. A rule's `path` matches a request
//! whose path starts with the same segments, `*` standing for any one segment. With `"times": n`
//! a rule applies to the next `n` matching requests only, so a test can tell how often a
//! client retried.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::{Deserialize, Serialize};

const FAULTS_PATH: &str = "/_local/faults";

/// How long a hanging route hangs: longer than any client timeout, but bounded.
const HANG: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and a JSON error body.
    Status { status: u16 },
    /// Accept the request and never answer (within any sensible timeout).
    Hang,
    /// Answer normally after a delay.
    Delay { millis: u64 },
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Matches any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    pub fault: Fault,
    /// Applies to this many requests, then lapses; forever when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Rules {
    rules: Vec<Rule>,
}

/// The rules in force for one emulator.
#[derive(Clone, Default)]
pub struct Faults(Arc<RwLock<Vec<Rule>>>);

impl Faults {
    /// The `/_local/faults` endpoints, to merge into the emulator's router.
    pub fn routes(&self) -> Router {
        Router::new()
            .route(FAULTS_PATH, post(set).delete(clear))
            .with_state(self.clone())
    }

    /// Wraps an emulator's router so matching requests get their fault.
    pub fn apply(&self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(self.clone(), inject))
    }

    /// The fault of the first matching rule, counting one use of it.
    fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = rules.iter().position(|rule| {
            rule.method
                .as_deref()
                .is_none_or(|wanted| wanted.eq_ignore_ascii_case(method))
                && path_matches(&rule.path, path)
        })?;
        let rule = &mut rules[index];
        let fault = rule.fault.clone();
        match &mut rule.times {
            Some(0..=1) => {
                rules.remove(index);
            }
            Some(times) => *times -= 1,
            None => {}
        }
        Some(fault)
    }

    fn replace(&self, rules: Vec<Rule>) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = rules;
    }
}

async fn set(State(faults): State<Faults>, Json(body): Json<Rules>) -> StatusCode {
    faults.replace(body.rules);
    StatusCode::NO_CONTENT
}

async fn clear(State(faults): State<Faults>) -> StatusCode {
    faults.replace(Vec::new());
    StatusCode::NO_CONTENT
}

async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let fault = if path.starts_with(FAULTS_PATH) {
        None
    } else {
        faults.take(request.method().as_str(), path)
    };
    match fault {
        None => next.run(request).await,
        Some(Fault::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({
                "error": "injected_fault",
                "errorCode": "injected_fault",
                "errorDescription": "This failure was injected by the local fault mode.",
            });
            (status, Json(body)).into_response()
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(HANG).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(Fault::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(request).await
        }
        Some(Fault::MalformedJson) => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"isValid\": tru",
        )
            .into_response(),
    }
}

/// `/v1/users/*` matches `/v1/users/abc` and `/v1/users/abc/authenticators`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut path_segments = path.trim_matches('/').split('/');
    pattern
        .trim_matches('/')
        .split('/')
        .filter(|segment| !segment.is_empty())
        .all(|wanted| {
            path_segments
                .next()
                .is_some_and(|segment| wanted == "*" || wanted == segment)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_leading_segments() {
        assert!(path_matches("/v1/users/*", "/v1/users/abc"));
        assert!(path_matches("/v1/users/*", "/v1/users/abc/authenticators"));
        assert!(path_matches(
            "/v1/users/*/authenticators",
            "/v1/users/a/authenticators/x"
        ));
        assert!(!path_matches(
            "/v1/users/*/authenticators",
            "/v1/users/a/actions/x"
        ));
        assert!(!path_matches("/v1/users/*", "/v1/users"));
        assert!(path_matches("/", "/anything"));
        assert!(!path_matches("/v1/validate", "/v1/client/verify"));
    }

    #[test]
    fn the_first_matching_rule_wins_and_methods_filter() {
        let faults = Faults::default();
        faults.replace(vec![
            Rule {
                method: Some("DELETE".into()),
                path: "/v1/users".into(),
                fault: Fault::Status { status: 503 },
                times: None,
            },
            Rule {
                method: None,
                path: "/v1/users".into(),
                fault: Fault::Hang,
                times: None,
            },
        ]);
        assert_eq!(
            faults.take("delete", "/v1/users/x"),
            Some(Fault::Status { status: 503 })
        );
        assert_eq!(faults.take("GET", "/v1/users/x"), Some(Fault::Hang));
        assert_eq!(faults.take("GET", "/v1/validate"), None);
    }

    #[test]
    fn a_counted_rule_lapses_after_its_uses() {
        let faults = Faults::default();
        faults.replace(vec![Rule {
            method: None,
            path: "/v1/users/*".into(),
            fault: Fault::Status { status: 500 },
            times: Some(2),
        }]);
        let status = Some(Fault::Status { status: 500 });
        assert_eq!(faults.take("GET", "/v1/users/a"), status);
        assert_eq!(faults.take("GET", "/v1/users/a"), status);
        assert_eq!(faults.take("GET", "/v1/users/a"), None);
    }
}
