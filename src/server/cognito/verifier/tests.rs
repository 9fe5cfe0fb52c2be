//! One case per attack or malformation, each asserting its specific rejection
//! (reference/cognito.md §2.7 and §3.1), as named tables run against one JWKS server.

use std::{
    net::SocketAddr,
    sync::{
        LazyLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use aws_lc_rs::hmac;
use axum::{Json, Router, http::StatusCode, routing::get};
use serde_json::json;
use url::Url;

use super::*;
use crate::server::cognito::test_keys::{access_key, foreign_key, id_key};

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz";
const CLIENT_ID: &str = "4hqt9ikctmesulmh0hbqbs00ta";
const SUB: &str = "28414310-0000-4000-8000-000000000001";

/// Whether `/rotating` serves the pool's access key (before) or only another key (after).
static ROTATED: AtomicBool = AtomicBool::new(false);

/// The pool's keys at `/keys`, the same plus a key published for encryption at
/// `/keys-and-an-encryption-key`, keys that rotate at `/rotating`, and a keys endpoint that is
/// down at `/down`. It runs on a thread of its own, so it outlives every test's runtime.
static KEY_SERVER: LazyLock<SocketAddr> = LazyLock::new(|| {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut encryption = foreign_key().jwk();
            encryption["use"] = json!("enc");
            let pool = json!({ "keys": [access_key().jwk(), id_key().jwk()] });
            let with_encryption = json!({ "keys": [access_key().jwk(), encryption] });
            let app = Router::new()
                .route("/keys", get(move || async move { Json(pool) }))
                .route(
                    "/keys-and-an-encryption-key",
                    get(move || async move { Json(with_encryption) }),
                )
                .route(
                    "/rotating",
                    get(|| async {
                        let key = if ROTATED.load(Ordering::SeqCst) {
                            foreign_key()
                        } else {
                            access_key()
                        };
                        Json(json!({ "keys": [key.jwk()] }))
                    }),
                )
                .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
});

fn verifier_at(path: &str, leeway: u64) -> TokenVerifier {
    let url = Url::parse(&format!("http://{}{path}", *KEY_SERVER)).unwrap();
    let http = crate::server::http_client::builder().build().unwrap();
    TokenVerifier::new(
        JwksCache::new(url, http),
        ISSUER.to_owned(),
        CLIENT_ID.to_owned(),
        Duration::from_secs(leeway),
    )
}

fn verifier() -> TokenVerifier {
    verifier_at("/keys", 0)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": SUB,
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": "cbd790e9-0000-4000-8000-000000000000",
        "event_id": "b4f5ea41-0000-4000-8000-000000000000",
        "token_use": "access",
        "scope": "openid email",
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": "32c296ce-0000-4000-8000-000000000000",
        "username": SUB,
        "version": 2,
    })
}

fn id_claims() -> Value {
    let now = now();
    json!({
        "at_hash": "abc",
        "sub": SUB,
        "email_verified": true,
        "iss": ISSUER,
        "cognito:username": SUB,
        "origin_jti": "cbd790e9-0000-4000-8000-000000000000",
        "aud": CLIENT_ID,
        "token_use": "id",
        "auth_time": now - 10,
        "nonce": "the-nonce",
        "exp": now + 3600,
        "iat": now - 10,
        "jti": "42c296ce-0000-4000-8000-000000000000",
        "email": "person@example.com",
    })
}

/// The claims with `changes` applied; a `null` removes the claim.
fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn sign(claims: &Value) -> String {
    access_key().sign(claims).unwrap()
}

fn sign_access(changes: Value) -> String {
    sign(&with(access_claims(), changes))
}

fn sign_id(changes: Value) -> String {
    id_key().sign(&with(id_claims(), changes)).unwrap()
}

fn sign_with_header(header: Value, claims: &Value) -> String {
    access_key().sign_with_header(&header, claims).unwrap()
}

fn forged_with_header(header: Value, claims: &Value) -> String {
    foreign_key().sign_with_header(&header, claims).unwrap()
}

fn b64(value: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(value)
}

/// A token whose parts are given as they are, signature included.
fn raw(header: &str, payload: &str, signature: &str) -> String {
    format!("{}.{}.{}", b64(header), b64(payload), signature)
}

fn signed_payload(payload: &[u8]) -> String {
    let header = json!({ "alg": "RS256", "kid": access_key().kid() }).to_string();
    access_key().sign_parts(header.as_bytes(), payload).unwrap()
}

/// The genuine token with its signature replaced by `signature(signed part, signature)`.
fn resigned(signature: impl Fn(&str, &str) -> String) -> String {
    let token = sign(&access_claims());
    let (signed, original) = token.rsplit_once('.').unwrap();
    signature(signed, original)
}

fn hs256_with(secret: &[u8]) -> String {
    let header = json!({ "alg": "HS256", "kid": access_key().kid(), "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string()),
        b64(access_claims().to_string())
    );
    let mac = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, secret),
        signing_input.as_bytes(),
    );
    format!("{signing_input}.{}", b64(mac.as_ref()))
}

fn header_alg(alg: Value) -> String {
    sign_with_header(
        json!({ "alg": alg, "kid": access_key().kid() }),
        &access_claims(),
    )
}

fn unsigned_with_alg(alg: &str, signature: &str) -> String {
    let header = json!({ "alg": alg, "kid": access_key().kid() }).to_string();
    raw(&header, &access_claims().to_string(), signature)
}

/// Runs every case and reports every one that did not get its expected answer.
async fn run<T: std::fmt::Debug + PartialEq>(
    expectations: Vec<(&str, T)>,
    actual: impl AsyncFn(usize) -> T,
) {
    let mut failures = Vec::new();
    for (index, (name, expected)) in expectations.iter().enumerate() {
        let got = actual(index).await;
        if got != *expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(name, token)` cases for `verify`, each expecting the same answer.
async fn verify_all(verifier: &TokenVerifier, cases: Vec<(&str, String, Verdict)>) {
    let tokens: Vec<String> = cases.iter().map(|(_, token, _)| token.clone()).collect();
    let expectations = cases
        .into_iter()
        .map(|(name, _, expected)| (name, expected))
        .collect();
    run(expectations, async |index| {
        verifier.verify(&tokens[index]).await.map(drop)
    })
    .await;
}

/// A verdict: accepted, or why not.
type Verdict = Result<(), VerifyError>;

fn refused(reason: InvalidToken) -> Verdict {
    Err(VerifyError::Invalid(reason))
}

#[tokio::test]
async fn a_genuine_access_token_is_accepted() {
    let claims = verifier().verify(&sign(&access_claims())).await.unwrap();
    assert_eq!(claims.sub, SUB);
    assert_eq!(claims.username, SUB);
    assert_eq!(claims.client_id, CLIENT_ID);
    assert_eq!(claims.scope, "openid email");
}

#[tokio::test]
async fn a_genuine_id_token_with_its_nonce_is_accepted() {
    let token = id_key().sign(&id_claims()).unwrap();
    let claims = verifier()
        .verify_id_token(&token, Some("the-nonce"))
        .await
        .unwrap();
    assert_eq!(claims.email.as_deref(), Some("person@example.com"));
    assert_eq!(claims.email_verified, Some(true));
    assert_eq!(claims.username, SUB);
}

#[tokio::test]
async fn tokens_that_are_valid_in_every_way_that_matters_are_accepted() {
    verify_all(
        &verifier(),
        vec![
            (
                "claims Cognito does not always send are optional",
                sign_access(
                    json!({ "jti": null, "origin_jti": null, "event_id": null, "version": null }),
                ),
                Ok(()),
            ),
            (
                "nbf in the past",
                sign_access(json!({ "nbf": now() - 5 })),
                Ok(()),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn malformed_tokens_are_refused_before_any_key_is_used() {
    let genuine = sign(&access_claims());
    let (without_signature, _) = genuine.rsplit_once('.').unwrap();
    verify_all(
        &verifier(),
        vec![
            (
                "an empty token",
                String::new(),
                refused(InvalidToken::NotAJwt),
            ),
            (
                "two parts",
                without_signature.to_owned(),
                refused(InvalidToken::NotAJwt),
            ),
            (
                "four parts",
                format!("{genuine}.AAAA"),
                refused(InvalidToken::NotAJwt),
            ),
            (
                "padding",
                format!("{genuine}=="),
                refused(InvalidToken::NotAJwt),
            ),
            (
                "standard base64 characters",
                genuine.replacen('.', "+.", 1),
                refused(InvalidToken::NotAJwt),
            ),
            (
                "a token larger than 8 KiB",
                sign_access(json!({ "padding": "x".repeat(8 * 1024) })),
                refused(InvalidToken::TooLong),
            ),
            (
                "an empty signature",
                format!("{without_signature}."),
                refused(InvalidToken::NotAJwt),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn hostile_headers_are_refused() {
    let kid = access_key().kid();
    verify_all(
        &verifier(),
        vec![
            (
                "a header that is not JSON",
                raw("{not json", "{}", "c2ln"),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                "a header that is not an object",
                raw("123", "{}", "c2ln"),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                // One reader takes the first `alg`, another the last.
                "a header that names its algorithm twice",
                access_key()
                    .sign_parts(
                        format!(r#"{{"alg": "none", "alg": "RS256", "kid": "{kid}"}}"#).as_bytes(),
                        access_claims().to_string().as_bytes(),
                    )
                    .unwrap(),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                "alg none, unsigned",
                unsigned_with_alg("none", ""),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "alg none with a signature",
                unsigned_with_alg("none", &b64("sig")),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "alg none in other casing",
                unsigned_with_alg("None", ""),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "HS256 signed with the public key (JWK) as the secret",
                hs256_with(access_key().jwk().to_string().as_bytes()),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "HS256 signed with the public key (modulus) as the secret",
                hs256_with(
                    &URL_SAFE_NO_PAD
                        .decode(access_key().jwk()["n"].as_str().unwrap())
                        .unwrap(),
                ),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "RS384 against an RS256 key",
                header_alg(json!("RS384")),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "RS512 against an RS256 key",
                header_alg(json!("RS512")),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "PS256 is not supported",
                header_alg(json!("PS256")),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "ES256 is not supported",
                header_alg(json!("ES256")),
                refused(InvalidToken::AlgorithmNotAllowed),
            ),
            (
                "a missing alg",
                sign_with_header(json!({ "kid": kid }), &access_claims()),
                refused(InvalidToken::MissingAlgorithm),
            ),
            (
                "an alg that is not a string",
                header_alg(json!(12345)),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                "a missing kid",
                sign_with_header(json!({ "alg": "RS256" }), &access_claims()),
                refused(InvalidToken::MissingKeyId),
            ),
            (
                "a kid that is not a string",
                sign_with_header(
                    json!({ "alg": "RS256", "kid": { "kid": kid } }),
                    &access_claims(),
                ),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                "an unknown kid",
                sign_with_header(
                    json!({ "alg": "RS256", "kid": "not-a-pool-key" }),
                    &access_claims(),
                ),
                refused(InvalidToken::UnknownKeyId),
            ),
            (
                "a kid used for path traversal is only a lookup",
                sign_with_header(
                    json!({ "alg": "RS256", "kid": "../../../../dev/null" }),
                    &access_claims(),
                ),
                refused(InvalidToken::UnknownKeyId),
            ),
            (
                "an oversized kid",
                sign_with_header(
                    json!({ "alg": "RS256", "kid": "k".repeat(300) }),
                    &access_claims(),
                ),
                refused(InvalidToken::MalformedHeader),
            ),
            (
                "critical header extensions",
                sign_with_header(
                    json!({ "alg": "RS256", "kid": kid, "crit": ["exp"] }),
                    &access_claims(),
                ),
                refused(InvalidToken::CriticalHeader),
            ),
            (
                // The attacker signs with their own key and offers it in the header.
                "an embedded jwk header is ignored",
                forged_with_header(
                    json!({ "alg": "RS256", "kid": kid, "jwk": foreign_key().jwk() }),
                    &access_claims(),
                ),
                refused(InvalidToken::BadSignature),
            ),
            (
                "a jku header pointing elsewhere is ignored",
                forged_with_header(
                    json!({ "alg": "RS256", "kid": foreign_key().kid(), "jku": "http://127.0.0.1:9/jwks.json" }),
                    &access_claims(),
                ),
                refused(InvalidToken::UnknownKeyId),
            ),
            (
                "an x5u header pointing elsewhere is ignored",
                forged_with_header(
                    json!({ "alg": "RS256", "kid": kid, "x5u": "http://127.0.0.1:9/cert.pem" }),
                    &access_claims(),
                ),
                refused(InvalidToken::BadSignature),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_key_published_for_encryption_does_not_verify_tokens() {
    let verifier = verifier_at("/keys-and-an-encryption-key", 0);
    let token = foreign_key().sign(&access_claims()).unwrap();
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::Invalid(InvalidToken::UnknownKeyId))
    );
}

#[tokio::test]
async fn signatures_that_do_not_match_are_refused() {
    let parts: Vec<String> = sign(&access_claims())
        .split('.')
        .map(str::to_owned)
        .collect();
    let someone_else = b64(with(access_claims(), json!({ "sub": "someone-else" })).to_string());
    verify_all(
        &verifier(),
        vec![
            (
                "a tampered signature",
                resigned(|signed, signature| {
                    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
                    bytes[0] ^= 1;
                    format!("{signed}.{}", b64(bytes))
                }),
                refused(InvalidToken::BadSignature),
            ),
            (
                "a tampered payload",
                format!("{}.{someone_else}.{}", parts[0], parts[2]),
                refused(InvalidToken::BadSignature),
            ),
            (
                "signed by another key under the pool's kid",
                forged_with_header(
                    json!({ "alg": "RS256", "kid": access_key().kid() }),
                    &access_claims(),
                ),
                refused(InvalidToken::BadSignature),
            ),
            (
                "a signature that is not base64url bytes of the right length",
                resigned(|signed, _| format!("{signed}.AAAA")),
                refused(InvalidToken::BadSignature),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn payloads_and_claims_of_the_wrong_shape_are_refused() {
    let malformed = |claim: &str| refused(InvalidToken::MalformedClaim(claim.into()));
    let duplicated = format!(r#"{{"exp": 1, {}"#, &access_claims().to_string()[1..]);
    let duplicated_client = format!(
        r#"{{"client_id": "another-client", {}"#,
        &access_claims().to_string()[1..]
    );
    verify_all(
        &verifier(),
        vec![
            (
                "a payload that is not JSON",
                signed_payload(b"not json"),
                refused(InvalidToken::MalformedPayload),
            ),
            (
                "a payload that is not an object",
                signed_payload(b"[1, 2]"),
                refused(InvalidToken::MalformedPayload),
            ),
            (
                "a payload with a duplicated claim",
                signed_payload(duplicated.as_bytes()),
                refused(InvalidToken::MalformedPayload),
            ),
            (
                "a payload that names its client twice",
                signed_payload(duplicated_client.as_bytes()),
                refused(InvalidToken::MalformedPayload),
            ),
            (
                "exp as a string",
                sign_access(json!({ "exp": (now() + 3600).to_string() })),
                malformed("exp"),
            ),
            (
                "exp as garbage",
                sign_access(json!({ "exp": "Garbage" })),
                malformed("exp"),
            ),
            (
                "nbf as a string",
                sign_access(json!({ "nbf": "foobar" })),
                malformed("nbf"),
            ),
            (
                "iat as a string",
                sign_access(json!({ "iat": "Garbage" })),
                malformed("iat"),
            ),
            (
                "iss not a string",
                sign_access(json!({ "iss": 42 })),
                malformed("iss"),
            ),
            (
                "iss as an array that contains ours",
                sign_access(json!({ "iss": ["https://evil.example", ISSUER] })),
                malformed("iss"),
            ),
            (
                "sub not a string",
                sign_access(json!({ "sub": 42 })),
                malformed("sub"),
            ),
            (
                "sub empty",
                sign_access(json!({ "sub": "" })),
                malformed("sub"),
            ),
            (
                "scope not a string",
                sign_access(json!({ "scope": ["openid"] })),
                malformed("scope"),
            ),
            (
                "jti not a string",
                sign_access(json!({ "jti": 7 })),
                malformed("jti"),
            ),
            (
                "aud, a number, on an access token",
                sign_access(json!({ "aud": 12 })),
                refused(InvalidToken::UnexpectedAudience),
            ),
            (
                "an access token with our client as audience",
                sign_access(json!({ "aud": CLIENT_ID })),
                refused(InvalidToken::UnexpectedAudience),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn tokens_missing_a_required_claim_are_refused() {
    let missing = |claim: &str| refused(InvalidToken::MissingClaim(claim.into()));
    let mut cases: Vec<(&str, String, Verdict)> = [
        ("exp", "no exp"),
        ("iss", "no iss"),
        ("sub", "no sub"),
        ("token_use", "no token_use"),
        ("client_id", "no client_id"),
        ("username", "no username"),
        ("auth_time", "no auth_time"),
        ("scope", "no scope"),
    ]
    .into_iter()
    .map(|(claim, name)| (name, sign_access(json!({ claim: null })), missing(claim)))
    .collect();
    cases.push((
        "no sub on an expired token is not worth a refresh",
        sign_access(json!({ "sub": null, "exp": now() - 100 })),
        missing("sub"),
    ));
    verify_all(&verifier(), cases).await;
}

#[tokio::test]
async fn expiry_and_validity_are_checked_with_the_leeway() {
    verify_all(
        &verifier(),
        vec![
            (
                "expired",
                sign_access(json!({ "exp": now() - 1 })),
                Err(VerifyError::Expired),
            ),
            (
                "an expired token of another client is invalid",
                sign_access(json!({ "exp": now() - 100, "client_id": "another-client" })),
                refused(InvalidToken::WrongClient),
            ),
            (
                "an expired token of another pool is invalid",
                sign_access(json!({ "exp": now() - 100, "iss": "https://evil.example" })),
                refused(InvalidToken::WrongIssuer),
            ),
            (
                "an expired forgery is not worth a refresh",
                forged_with_header(
                    json!({ "alg": "RS256", "kid": access_key().kid() }),
                    &with(access_claims(), json!({ "exp": now() - 100 })),
                ),
                refused(InvalidToken::BadSignature),
            ),
            (
                "not yet valid",
                sign_access(json!({ "nbf": now() + 600 })),
                refused(InvalidToken::NotYetValid),
            ),
        ],
    )
    .await;
    verify_all(
        &verifier_at("/keys", 60),
        vec![
            (
                "expired within a 60 s leeway",
                sign_access(json!({ "exp": now() - 50 })),
                Ok(()),
            ),
            (
                "expired beyond a 60 s leeway",
                sign_access(json!({ "exp": now() - 70 })),
                Err(VerifyError::Expired),
            ),
        ],
    )
    .await;
    verify_all(
        &verifier_at("/keys", 30),
        vec![
            (
                "nbf within a 30 s leeway",
                sign_access(json!({ "nbf": now() + 20 })),
                Ok(()),
            ),
            (
                "nbf beyond a 30 s leeway",
                sign_access(json!({ "nbf": now() + 60 })),
                refused(InvalidToken::NotYetValid),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn tokens_of_another_pool_client_or_kind_are_refused() {
    verify_all(
        &verifier(),
        vec![
            (
                "the wrong issuer",
                sign_access(
                    json!({ "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1234" }),
                ),
                refused(InvalidToken::WrongIssuer),
            ),
            (
                "the issuer with a trailing slash",
                sign_access(json!({ "iss": format!("{ISSUER}/") })),
                refused(InvalidToken::WrongIssuer),
            ),
            (
                "an ID token used as an access token",
                id_key().sign(&id_claims()).unwrap(),
                refused(InvalidToken::WrongTokenUse),
            ),
            (
                "an unknown token_use",
                sign_access(json!({ "token_use": "refresh" })),
                refused(InvalidToken::WrongTokenUse),
            ),
            (
                "another client's access token",
                sign_access(json!({ "client_id": "0therc1ient0000000000000ab" })),
                refused(InvalidToken::WrongClient),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn id_tokens_are_checked_for_this_client_and_this_sign_in() {
    let cases: Vec<(&str, String, Option<&str>, Verdict)> = vec![
        (
            "an access token used as an ID token",
            sign(&access_claims()),
            None,
            refused(InvalidToken::MissingClaim("aud".into())),
        ),
        (
            "an access token with our client as audience used as an ID token",
            sign_access(json!({ "aud": CLIENT_ID })),
            None,
            refused(InvalidToken::WrongTokenUse),
        ),
        (
            "another client's ID token",
            sign_id(json!({ "aud": "another-client" })),
            None,
            refused(InvalidToken::WrongAudience),
        ),
        (
            "an ID token with an audience list",
            sign_id(json!({ "aud": [CLIENT_ID, "another-client"] })),
            None,
            refused(InvalidToken::MalformedClaim("aud".into())),
        ),
        (
            "an ID token with a number in its audience list",
            sign_id(json!({ "aud": [CLIENT_ID, 7] })),
            None,
            refused(InvalidToken::MalformedClaim("aud".into())),
        ),
        (
            "an ID token with another nonce",
            sign_id(json!({})),
            Some("another-nonce"),
            refused(InvalidToken::NonceMismatch),
        ),
        (
            "an ID token without the sign-in's nonce",
            sign_id(json!({ "nonce": null })),
            Some("the-nonce"),
            refused(InvalidToken::NonceMismatch),
        ),
        (
            "an ID token with a malformed email_verified",
            sign_id(json!({ "email_verified": "yes" })),
            None,
            refused(InvalidToken::MalformedClaim("email_verified".into())),
        ),
        (
            "an ID token with email_verified as a number",
            sign_id(json!({ "email_verified": 1 })),
            None,
            refused(InvalidToken::MalformedClaim("email_verified".into())),
        ),
    ];
    let verifier = verifier();
    let inputs: Vec<(String, Option<&str>)> = cases
        .iter()
        .map(|(_, token, nonce, _)| (token.clone(), *nonce))
        .collect();
    let expectations = cases
        .into_iter()
        .map(|(name, _, _, expected)| (name, expected))
        .collect();
    run(expectations, async |index| {
        let (token, nonce) = &inputs[index];
        verifier.verify_id_token(token, *nonce).await.map(drop)
    })
    .await;
}

#[tokio::test]
async fn email_verified_may_be_a_string_as_cognito_sometimes_sends_it() {
    let verifier = verifier();
    for (sent, read) in [
        (json!(true), Some(true)),
        (json!("true"), Some(true)),
        (json!(false), Some(false)),
        (json!("false"), Some(false)),
        (Value::Null, None),
    ] {
        let token = sign_id(json!({ "email_verified": sent }));
        let claims = verifier.verify_id_token(&token, None).await.unwrap();
        assert_eq!(claims.email_verified, read, "{sent}");
    }
}

#[tokio::test]
async fn keys_that_cannot_be_fetched() {
    let verifier = verifier_at("/down", 0);
    assert_eq!(
        verifier.verify(&sign(&access_claims())).await,
        Err(VerifyError::KeysUnavailable)
    );
    assert_eq!(
        verifier.keys_ready().await,
        Err(VerifyError::KeysUnavailable)
    );
}

#[tokio::test]
async fn a_verified_token_is_not_checked_again_but_its_expiry_still_is() {
    let verifier = verifier();
    let token = sign_access(json!({ "exp": now() + 1 }));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(verifier.verified.len(), 1);
    assert!(verifier.verify(&token).await.is_ok());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(verifier.verify(&token).await, Err(VerifyError::Expired));
    // Another kind of token with the same bytes is not taken from the cache.
    assert!(verifier.verify_id_token(&token, None).await.is_err());
}

#[tokio::test]
async fn a_verified_token_whose_key_left_the_jwks_is_refused() {
    let verifier = verifier_at("/rotating", 0);
    let token = sign_access(json!({}));
    assert!(verifier.verify(&token).await.is_ok());
    ROTATED.store(true, Ordering::SeqCst);
    // A token under the new key makes the verifier fetch the JWKS again.
    let rotated = foreign_key().sign(&access_claims()).unwrap();
    assert!(verifier.verify(&rotated).await.is_ok());
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::Invalid(InvalidToken::UnknownKeyId))
    );
}
