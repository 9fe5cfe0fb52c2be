//! Test hooks, served only by the local emulator:
//!
//! - `POST /_local/mint` `{"token_use": "access"|"id", "email": "...", "expires_in": -60,
//!   "claims": {"client_id": "other", "username": null}}` signs a token for that user (the demo
//!   user by default) with the pool's real key; `claims` overrides or, with `null`, removes
//!   claims. Answers `{"token": "..."}`.
//! - `POST /_local/rotate-keys` replaces both signing keys; answers the new key IDs.
//! - `POST /_local/clock` `{"advance_secs": 301}` moves the pool's clock forward, so codes and
//!   refresh tokens expire without waiting.

use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Pool, claims, grants::Authentication, keys::TokenUse, oauth, users::DEMO_EMAIL};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    #[serde(default = "access")]
    token_use: TokenUse,
    #[serde(default)]
    email: Option<String>,
    /// Seconds from now; negative for a token that has already expired.
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    claims: Map<String, Value>,
}

fn access() -> TokenUse {
    TokenUse::Access
}

pub async fn mint(State(pool): State<Arc<Pool>>, Json(request): Json<MintRequest>) -> Response {
    let email = request.email.as_deref().unwrap_or(DEMO_EMAIL);
    let Some(user) = pool.users.by_email(email).await else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "user_not_found", "message": format!("no user has the email address {email}") })),
        )
            .into_response();
    };
    let now = pool.clock.now();
    let authentication = Authentication {
        sub: user.sub.clone(),
        client_id: pool.confidential().client_id.clone(),
        scopes: vec!["openid".into(), "email".into()],
        auth_time: now,
        origin_jti: uuid::Uuid::new_v4().to_string(),
        event_id: uuid::Uuid::new_v4().to_string(),
    };
    let mut claims = match request.token_use {
        TokenUse::Access => {
            let lifetime = request
                .expires_in
                .unwrap_or(oauth::seconds(pool.lifetimes.access));
            claims::access(&pool.issuer, &authentication, &user, now, lifetime)
        }
        TokenUse::Id => {
            let lifetime = request
                .expires_in
                .unwrap_or(oauth::seconds(pool.lifetimes.id));
            claims::id(
                &pool.issuer,
                &authentication,
                &user,
                None,
                "",
                now,
                lifetime,
            )
        }
    };
    if let Value::Object(map) = &mut claims {
        for (name, value) in request.claims {
            if value.is_null() {
                map.remove(&name);
            } else {
                map.insert(name, value);
            }
        }
    }
    match pool.keys.sign(request.token_use, &claims) {
        Ok(token) => Json(json!({ "token": token })).into_response(),
        Err(error) => server_error(error),
    }
}

pub async fn rotate_keys(State(pool): State<Arc<Pool>>) -> Response {
    match pool.keys.rotate().await {
        Ok((access_kid, id_kid)) => {
            tracing::info!("the local Cognito rotated its signing keys");
            Json(json!({ "access_kid": access_kid, "id_kid": id_kid })).into_response()
        }
        Err(error) => server_error(error),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    advance_secs: i64,
}

pub async fn advance_clock(
    State(pool): State<Arc<Pool>>,
    Json(request): Json<AdvanceClock>,
) -> StatusCode {
    pool.clock.advance(request.advance_secs);
    StatusCode::NO_CONTENT
}

fn server_error(error: std::io::Error) -> Response {
    tracing::error!(%error, "a local Cognito test hook failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "server_error" })),
    )
        .into_response()
}
