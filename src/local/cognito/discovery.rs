//! `/{poolId}/.well-known/*`: where OpenID Connect clients find the endpoints and the keys.

use std::sync::Arc;

use axum::{Json, extract::State};
use serde_json::{Value, json};

use super::Pool;

pub async fn jwks(State(pool): State<Arc<Pool>>) -> Json<Value> {
    Json(pool.keys.jwks())
}

/// Every field of a real pool's document, `end_session_endpoint` included.
pub async fn openid_configuration(State(pool): State<Arc<Pool>>) -> Json<Value> {
    Json(json!({
        "authorization_endpoint": pool.url("/oauth2/authorize"),
        "end_session_endpoint": pool.url("/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": pool.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", pool.issuer),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": pool.url("/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": pool.url("/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": pool.url("/oauth2/userInfo"),
    }))
}
