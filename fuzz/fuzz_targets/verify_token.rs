//! The Cognito token verifier against a local user pool. The first byte of an input says what
//! the rest is: bit 0 picks access (0) or ID (1), bits 1–2 the kind: 0 an edit to the pool's own
//! valid token of that use (see [`splice`]), 1 JSON claims that the pool signs with its key for
//! that use, 2 and 3 the token itself.
//!
//! Nothing may panic; a token the pool did not sign is accepted only when it is exactly one of
//! its valid tokens; a token it did sign is accepted only when its claims obey Cognito's rules.

#![no_main]

use std::{
    sync::LazyLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use account_security::{
    config::{AppClientKind, LocalCognitoSettings, TokenLifetimes},
    local::cognito::{
        LocalCognito,
        keys::{KeyRing, TokenUse},
    },
    server::{
        cognito::{
            jwks::JwksCache,
            verifier::{TokenVerifier, VerifyError},
        },
        http_client,
    },
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use url::Url;

// The verifier is set up for a pool with these values and the local pool's keys, and the pool
// mints its tokens with them: seeds can then carry claims that pass.
const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz";
const CLIENT_ID: &str = "4hqt9ikctmesulmh0hbqbs00ta";
const NONCE: &str = "fuzz-nonce";
const LEEWAY_SECS: i64 = 5;

struct Pool {
    runtime: Runtime,
    verifier: TokenVerifier,
    keys: KeyRing,
    access_token: String,
    id_token: String,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Fresh keys in every process, so no token kept in the corpus from an earlier run verifies.
    let data_dir = std::env::temp_dir().join(format!("fuzz-verify-token-{}", std::process::id()));
    let (verifier, keys, access_token, id_token) = runtime.block_on(async {
        let hour = Duration::from_secs(3600);
        let settings = LocalCognitoSettings {
            addr: "127.0.0.1:0".parse().expect("an address"),
            lifetimes: TokenLifetimes {
                access: hour,
                id: hour,
                refresh: hour,
            },
            app_client: AppClientKind::Confidential,
            allow_http_callbacks: false,
            managed_login: true,
            rotate_refresh_tokens: false,
        };
        let app_url = Url::parse("http://localhost:3000").expect("a URL");
        let local = LocalCognito::start(&settings, &data_dir, &app_url)
            .await
            .expect("the local Cognito starts");
        let keys = KeyRing::open(&data_dir.join("cognito"))
            .await
            .expect("the pool's keys");
        let http = http_client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client");
        let mint_url = local.base_url().join("_local/mint").expect("the mint URL");
        let access_token = mint(
            &http,
            &mint_url,
            json!({
                "token_use": "access", "expires_in": 86400,
                "claims": { "iss": ISSUER, "client_id": CLIENT_ID },
            }),
        )
        .await;
        let id_token = mint(
            &http,
            &mint_url,
            json!({
                "token_use": "id", "expires_in": 86400,
                "claims": { "iss": ISSUER, "aud": CLIENT_ID, "nonce": NONCE },
            }),
        )
        .await;
        let verifier = TokenVerifier::new(
            JwksCache::new(local.jwks_url(), http),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
            Duration::from_secs(LEEWAY_SECS as u64),
        );
        // Loads the pool's keys into the cache, and shows the set-up is right.
        verifier
            .verify(&access_token)
            .await
            .expect("the minted access token verifies");
        verifier
            .verify_id_token(&id_token, Some(NONCE))
            .await
            .expect("the minted ID token verifies");
        (verifier, keys, access_token, id_token)
    });
    // Nothing reads the data directory after start-up.
    let _ = std::fs::remove_dir_all(&data_dir);
    Pool {
        runtime,
        verifier,
        keys,
        access_token,
        id_token,
    }
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let pool = &*POOL;
    let token_use = if selector & 1 == 0 {
        TokenUse::Access
    } else {
        TokenUse::Id
    };
    let (token, signed_claims) = match (selector >> 1) & 3 {
        0 => {
            let valid = match token_use {
                TokenUse::Access => &pool.access_token,
                TokenUse::Id => &pool.id_token,
            };
            (splice(valid, rest), None)
        }
        1 => {
            let Ok(claims) = serde_json::from_slice::<Value>(rest) else {
                return;
            };
            let token = pool.keys.sign(token_use, &claims).expect("a signature");
            (token.into_bytes(), Some(claims))
        }
        _ => (rest.to_vec(), None),
    };
    let token = String::from_utf8_lossy(&token);

    let before = unix_now();
    let (access, id, id_without_nonce) = pool.runtime.block_on(async {
        (
            pool.verifier.verify(&token).await.map(drop),
            pool.verifier
                .verify_id_token(&token, Some(NONCE))
                .await
                .map(drop),
            pool.verifier.verify_id_token(&token, None).await.map(drop),
        )
    });
    let after = unix_now();

    match signed_claims {
        None => {
            assert!(
                access.is_err() || token == pool.access_token,
                "accepted a forged access token: {token}"
            );
            assert!(
                id.is_err() || token == pool.id_token,
                "accepted a forged ID token: {token}"
            );
            assert!(
                id_without_nonce.is_err() || token == pool.id_token,
                "accepted a forged ID token: {token}"
            );
        }
        Some(claims) => {
            let check = |answer: &Result<(), VerifyError>, expected: &str, nonce: Option<&str>| {
                match answer {
                    Ok(()) => assert!(
                        obeys_cognito_rules(&claims, expected)
                            && is_current(&claims, before, after)
                            && nonce.is_none_or(|nonce| claims["nonce"] == nonce),
                        "accepted a {expected} token with {claims}"
                    ),
                    // Expiry is reported only for a token that is valid in every other way.
                    Err(VerifyError::Expired) => assert!(
                        obeys_cognito_rules(&claims, expected),
                        "expired, but not valid otherwise: {claims}"
                    ),
                    Err(_) => {}
                }
            };
            check(&access, "access", None);
            check(&id, "id", Some(NONCE));
            check(&id_without_nonce, "id", None);
        }
    }
});

/// A token from the pool's test hook (docs/emulators.md: "The local Cognito").
async fn mint(http: &reqwest::Client, url: &Url, request: Value) -> String {
    let answer: Value = http
        .post(url.clone())
        .json(&request)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the pool mints a token")
        .json()
        .await
        .expect("a JSON answer");
    answer["token"].as_str().expect("a token").to_owned()
}

/// `token` with `edit` applied: two bytes of offset, one of how many bytes to cut there, then
/// the bytes to put in their place.
fn splice(token: &str, edit: &[u8]) -> Vec<u8> {
    let token = token.as_bytes();
    let [high, low, cut, insert @ ..] = edit else {
        return token.to_vec();
    };
    let at = usize::from(u16::from_be_bytes([*high, *low])) % (token.len() + 1);
    let end = (at + usize::from(*cut)).min(token.len());
    [&token[..at], insert, &token[end..]].concat()
}

/// Cognito's rules for a token of this use (reference/cognito.md §2–3), apart from time.
fn obeys_cognito_rules(claims: &Value, token_use: &str) -> bool {
    let is = |name: &str, value: &str| claims.get(name).and_then(Value::as_str) == Some(value);
    let audience_ok = match token_use {
        "access" => is("client_id", CLIENT_ID) && claims.get("aud").is_none(),
        _ => is("aud", CLIENT_ID),
    };
    is("token_use", token_use)
        && is("iss", ISSUER)
        && claims
            .get("sub")
            .and_then(Value::as_str)
            .is_some_and(|sub| !sub.is_empty())
        && audience_ok
}

/// Not expired when the verification started, and not before its `nbf` when it ended.
fn is_current(claims: &Value, before: i64, after: i64) -> bool {
    let unexpired = claims["exp"]
        .as_i64()
        .is_some_and(|exp| exp >= before - LEEWAY_SECS);
    let started = claims.get("nbf").is_none_or(|nbf| {
        nbf.as_f64()
            .is_some_and(|nbf| nbf <= (after + LEEWAY_SECS) as f64)
    });
    unexpired && started
}

fn unix_now() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}
