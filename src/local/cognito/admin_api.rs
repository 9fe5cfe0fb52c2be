//! The Cognito Identity Provider JSON API, as far as the app calls it: `AdminUserGlobalSignOut`,
//! which revokes every refresh token of a user. As the AWS SDK sends it: `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, `Content-Type:
//! application/x-amz-json-1.1`, a SigV4 `Authorization` header, and errors as
//! `{"__type": "…Exception", "message": "…"}` with status 400 (AWS API reference,
//! AdminUserGlobalSignOut and Common Errors).
//!
//! The signature's form and scope are checked (an unsigned call is refused, as Cognito refuses
//! it), not its value: the emulator holds no AWS secret keys. Like Cognito, it does not end the
//! managed-login session; access tokens already issued keep their signature and expiry.

use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{Pool, USER_POOL_ID};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GlobalSignOut {
    user_pool_id: String,
    username: String,
}

pub async fn call(State(pool): State<Arc<Pool>>, headers: HeaderMap, body: String) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    if !signed(header(header::AUTHORIZATION.as_str())) {
        return error(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    }
    if header(header::CONTENT_TYPE.as_str()) != "application/x-amz-json-1.1" {
        return error(
            "SerializationException",
            "Expected Content-Type application/x-amz-json-1.1",
        );
    }
    match header("x-amz-target").strip_prefix(TARGET_PREFIX) {
        Some("AdminUserGlobalSignOut") => global_sign_out(&pool, &body).await,
        _ => error(
            "UnknownOperationException",
            "The local Cognito answers AdminUserGlobalSignOut only",
        ),
    }
}

async fn global_sign_out(pool: &Pool, body: &str) -> Response {
    let Ok(request) = serde_json::from_str::<GlobalSignOut>(body) else {
        return error(
            "InvalidParameterException",
            "UserPoolId and Username are required",
        );
    };
    if request.user_pool_id != USER_POOL_ID {
        return error(
            "ResourceNotFoundException",
            &format!("User pool {} does not exist.", request.user_pool_id),
        );
    }
    // The local pool's usernames are the users' subs.
    let Some(user) = pool.users.by_sub(&request.username).await else {
        return error("UserNotFoundException", "User does not exist.");
    };
    match pool.grants.revoke_all(&user.sub).await {
        Ok(revoked) => {
            tracing::info!(revoked, "the local Cognito signed a user out everywhere");
            ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], "{}").into_response()
        }
        Err(problem) => {
            tracing::error!(%problem, "the local Cognito could not keep a global sign-out");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "__type": "InternalErrorException", "message": "Internal error" })),
            )
                .into_response()
        }
    }
}

/// `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/cognito-idp/aws4_request,
/// SignedHeaders=…, Signature=<hex>`.
fn signed(authorization: &str) -> bool {
    let Some(rest) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let part = |name: &str| {
        rest.split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix(name))
    };
    let scope_ok = part("Credential=").is_some_and(|credential| {
        let scope: Vec<&str> = credential.split('/').collect();
        scope.len() == 5 && scope[3] == "cognito-idp" && scope[4] == "aws4_request"
    });
    let signature_ok = part("Signature=").is_some_and(|signature| {
        signature.len() == 64 && signature.bytes().all(|byte| byte.is_ascii_hexdigit())
    });
    scope_ok && part("SignedHeaders=").is_some() && signature_ok
}

fn error(kind: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [
            (header::CONTENT_TYPE, "application/x-amz-json-1.1"),
            (header::HeaderName::from_static("x-amzn-errortype"), kind),
        ],
        json!({ "__type": kind, "message": message }).to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sigv4_header_for_cognito_passes() {
        let good = "AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(signed(good));
        for bad in [
            "",
            "Bearer token",
            &good.replace("cognito-idp", "s3"),
            &good.replace("Signature=0123", "Signature=xyz0"),
            &good.replace(
                ", SignedHeaders=content-type;host;x-amz-date;x-amz-target",
                "",
            ),
            &good.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
        ] {
            assert!(!signed(bad), "{bad}");
        }
    }
}
