//! The claims of the local pool's tokens, exactly as Cognito sets them for a sign-in through
//! managed login (reference/cognito.md §1.3 and §1.4).

use aws_lc_rs::digest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use super::{grants::Authentication, users::User};

/// Access token: no `aud`; `client_id` names the app client; `username`, not `cognito:username`.
pub fn access(
    issuer: &str,
    authentication: &Authentication,
    user: &User,
    now: i64,
    lifetime: i64,
) -> Value {
    json!({
        "sub": user.sub,
        "iss": issuer,
        "client_id": authentication.client_id,
        "origin_jti": authentication.origin_jti,
        "event_id": authentication.event_id,
        "token_use": "access",
        "scope": authentication.scopes.join(" "),
        "auth_time": authentication.auth_time,
        "exp": now + lifetime,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "username": user.username(),
        "version": 2,
    })
}

/// ID token: `aud` is the app client; the email claims only with the `email` scope; `nonce`
/// echoed from the authorization request; `at_hash` binds it to the access token issued with it.
pub fn id(
    issuer: &str,
    authentication: &Authentication,
    user: &User,
    nonce: Option<&str>,
    access_token: &str,
    now: i64,
    lifetime: i64,
) -> Value {
    let mut claims = Map::new();
    claims.insert("at_hash".into(), at_hash(access_token).into());
    claims.insert("sub".into(), user.sub.clone().into());
    if authentication.scopes.iter().any(|scope| scope == "email") {
        claims.insert("email_verified".into(), user.email_verified.into());
        claims.insert("email".into(), user.email.clone().into());
    }
    claims.insert("iss".into(), issuer.into());
    claims.insert("cognito:username".into(), user.username().into());
    claims.insert(
        "origin_jti".into(),
        authentication.origin_jti.clone().into(),
    );
    claims.insert("aud".into(), authentication.client_id.clone().into());
    claims.insert("event_id".into(), authentication.event_id.clone().into());
    claims.insert("token_use".into(), "id".into());
    claims.insert("auth_time".into(), authentication.auth_time.into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    claims.insert("exp".into(), (now + lifetime).into());
    claims.insert("iat".into(), now.into());
    claims.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
    Value::Object(claims)
}

/// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token.
fn at_hash(access_token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures(scopes: &[&str]) -> (Authentication, User) {
        let user: User = serde_json::from_value(json!({
            "sub": "28414310-0000-4000-8000-000000000000",
            "email": "a@example.com",
            "email_verified": true,
            "created_at": 0,
            "salt": "",
            "password_hash": "",
        }))
        .unwrap();
        let authentication = Authentication {
            sub: user.sub.clone(),
            client_id: "client".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            auth_time: 10,
            origin_jti: "origin".into(),
            event_id: "event".into(),
        };
        (authentication, user)
    }

    #[test]
    fn access_tokens_have_cognitos_claims_and_no_audience() {
        let (authentication, user) = fixtures(&["openid", "email"]);
        let claims = access("https://issuer", &authentication, &user, 100, 3600);
        let mut names: Vec<&str> = claims
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "auth_time",
                "client_id",
                "event_id",
                "exp",
                "iat",
                "iss",
                "jti",
                "origin_jti",
                "scope",
                "sub",
                "token_use",
                "username",
                "version"
            ]
        );
        assert_eq!(claims["scope"], "openid email");
        assert_eq!(claims["username"], claims["sub"]);
        assert_eq!(claims["exp"], 3700);
    }

    #[test]
    fn id_tokens_carry_the_email_only_with_the_email_scope() {
        let (authentication, user) = fixtures(&["openid", "email"]);
        let claims = id(
            "https://issuer",
            &authentication,
            &user,
            Some("n"),
            "token",
            100,
            60,
        );
        assert_eq!(claims["aud"], "client");
        assert_eq!(claims["email"], "a@example.com");
        assert_eq!(claims["nonce"], "n");
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["cognito:username"], user.sub);
        assert_eq!(claims["at_hash"].as_str().unwrap().len(), 22);

        let (authentication, user) = fixtures(&["openid"]);
        let claims = id(
            "https://issuer",
            &authentication,
            &user,
            None,
            "token",
            100,
            60,
        );
        assert!(claims.get("email").is_none());
        assert!(claims.get("nonce").is_none());
    }
}
