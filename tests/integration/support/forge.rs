//! Tokens an attacker could make from a genuine one and the pool's public keys: each must be
//! refused wherever the app accepts a Cognito access token.

use aws_lc_rs::hmac;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::TestApp;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn parts(token: &str) -> (Value, String) {
    let mut parts = token.split('.');
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    (header, parts.next().unwrap().to_owned())
}

/// The genuine token's claims under `"alg": "none"`, with no signature.
pub fn alg_none(token: &str) -> String {
    let (header, payload) = parts(token);
    let header = json!({ "alg": "none", "kid": header["kid"], "typ": "JWT" });
    format!("{}.{payload}.", b64(header.to_string()))
}

/// The genuine token's claims signed with HS256, the public key (as its JWK) as the secret.
pub fn hs256_with_public_key(token: &str, jwk: &Value) -> String {
    let (header, payload) = parts(token);
    let header = json!({ "alg": "HS256", "kid": header["kid"], "typ": "JWT" });
    let signing_input = format!("{}.{payload}", b64(header.to_string()));
    let key = hmac::Key::new(hmac::HMAC_SHA256, jwk.to_string().as_bytes());
    let mac = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(mac.as_ref()))
}

/// The genuine token with one claim changed and the original signature kept.
pub fn tampered(token: &str) -> String {
    let mut parts = token.split('.');
    let header = parts.next().unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    claims["sub"] = json!("someone-else");
    let signature = parts.next().unwrap();
    format!("{header}.{}.{signature}", b64(claims.to_string()))
}

/// 100 KB of token-looking characters.
pub fn blob() -> String {
    "eyJ".repeat(100 * 1024 / 3)
}

/// The pool's access-token key, as its JWKS publishes it.
pub async fn access_jwk(app: &TestApp, token: &str) -> Value {
    let (header, _) = parts(token);
    let jwks = app.cognito("/us-east-1_LocalDev01/.well-known/jwks.json");
    let jwks: Value = super::json_of(super::client().get(jwks)).await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .cloned()
        .expect("the token's key is published")
}

/// Every kind of bad access token, named, made from a genuine `token` of the demo user.
pub async fn bad_tokens(app: &TestApp, token: &str) -> Vec<(&'static str, String)> {
    let jwk = access_jwk(app, token).await;
    let mint = |request: Value| app.mint(request);
    vec![
        ("garbage", "garbage".to_owned()),
        ("a 100 KB blob", blob()),
        ("alg none", alg_none(token)),
        ("HS256 signed with the public key", hs256_with_public_key(token, &jwk)),
        ("a tampered payload", tampered(token)),
        ("expired", mint(json!({ "expires_in": -3600 })).await),
        (
            "from another pool",
            mint(json!({ "claims": { "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other0001" } })).await,
        ),
        ("an ID token", mint(json!({ "token_use": "id" })).await),
        (
            "for another app client",
            mint(json!({ "claims": { "client_id": "0therc1ient0000000000000ab" } })).await,
        ),
        (
            "not yet valid",
            mint(json!({ "claims": { "nbf": 4_102_444_800_i64 } })).await,
        ),
    ]
}
