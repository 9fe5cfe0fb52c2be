//! What checking a Cognito access token costs: the app's `TokenVerifier` next to the bare
//! RSA-2048 PKCS#1 v1.5 SHA-256 signature check it cannot go below (aws-lc-rs, with the JWKS
//! key parsed once beforehand, as the verifier keeps it), for a valid token seen for the first time, the same token again (answered by the
//! verified-token cache), and one whose signature was tampered with.
//!
//! The token is minted by a local Cognito started in this process, and the verifier is warmed
//! first, so only verification is measured, never a JWKS fetch. `make bench` runs this and reads
//! `target/criterion/jwt_valid/{first,repeat,rsa_floor}` and
//! `target/criterion/jwt_bad_signature/{verifier,rsa_floor}` (`new/estimates.json`).

use std::{
    hint::black_box,
    net::SocketAddr,
    path::Path,
    time::{Duration, Instant},
};

use account_security::{
    config::{AppClientKind, LocalCognitoSettings, TokenLifetimes},
    local::cognito::{DEMO_EMAIL, LocalCognito},
    server::{
        cognito::{
            jwks::JwksCache,
            verifier::{InvalidToken, TokenVerifier, VerifyError},
        },
        http_client,
    },
};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use reqwest::Url;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// A JWT and what the floor needs of it, decoded once outside the measured loop.
struct Token {
    jwt: String,
    signed: Vec<u8>,
    signature: Vec<u8>,
}

impl Token {
    fn new(jwt: String) -> Token {
        let (signed, signature) = jwt.rsplit_once('.').expect("a JWT has three parts");
        Token {
            signed: signed.as_bytes().to_vec(),
            signature: decode(signature),
            jwt,
        }
    }

    /// The same token with one bit of its signature flipped: well-formed, but not genuine.
    fn tampered(&self) -> Token {
        let mut signature = self.signature.clone();
        signature[100] ^= 1;
        let signed = std::str::from_utf8(&self.signed).expect("ASCII");
        Token::new(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    fn kid(&self) -> String {
        let header = self.jwt.split('.').next().expect("a header");
        let header: Value = serde_json::from_slice(&decode(header)).expect("a JSON header");
        header["kid"].as_str().expect("a kid").to_owned()
    }
}

struct Fixture {
    verifier: TokenVerifier,
    /// The pool's key that signed the token.
    key: ParsedPublicKey,
    valid: Token,
    bad_signature: Token,
}

impl Fixture {
    async fn start() -> Fixture {
        // Kept between runs, so the pool's RSA keys are generated only once.
        let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/jwt-data");
        let app_url = Url::parse("http://localhost:4000").expect("a URL");
        let settings = LocalCognitoSettings {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lifetimes: TokenLifetimes {
                access: Duration::from_secs(3600),
                id: Duration::from_secs(3600),
                refresh: Duration::from_secs(3600),
            },
            app_client: AppClientKind::Confidential,
            allow_http_callbacks: false,
            managed_login: true,
            rotate_refresh_tokens: false,
        };
        let cognito = LocalCognito::start(&settings, &data_dir, &app_url)
            .await
            .expect("the local Cognito starts");
        let http = http_client::builder().build().expect("an HTTP client");

        let minted: Value = http
            .post(cognito.base_url().join("_local/mint").expect("a URL"))
            .json(&json!({ "email": DEMO_EMAIL }))
            .send()
            .await
            .and_then(|response| response.error_for_status())
            .expect("a minted token")
            .json()
            .await
            .expect("JSON");
        let valid = Token::new(minted["token"].as_str().expect("a token").to_owned());
        let bad_signature = valid.tampered();

        let jwks: Value = http
            .get(cognito.jwks_url())
            .send()
            .await
            .expect("the JWKS")
            .json()
            .await
            .expect("JSON");
        let kid = valid.kid();
        let key = jwks["keys"]
            .as_array()
            .expect("a key list")
            .iter()
            .find(|key| key["kid"] == kid.as_str())
            .expect("the token's key is in the JWKS");
        let component = |name: &str| decode(key[name].as_str().expect("a key component"));

        let verifier = TokenVerifier::new(
            JwksCache::new(cognito.jwks_url(), http),
            cognito.issuer(),
            cognito.client_id().to_owned(),
            Duration::from_secs(5),
        );
        // Warms the key cache; also proves both cases measure what their names say.
        verifier
            .verify(&valid.jwt)
            .await
            .expect("the token is valid");
        assert_eq!(
            verifier.verify(&bad_signature.jwt).await,
            Err(VerifyError::Invalid(InvalidToken::BadSignature))
        );
        let key = RsaPublicKeyComponents {
            n: component("n"),
            e: component("e"),
        }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("an RSA public key");
        Fixture {
            verifier,
            key,
            valid,
            bad_signature,
        }
    }

    fn floor(&self, token: &Token) -> bool {
        self.key.verify_sig(&token.signed, &token.signature).is_ok()
    }
}

fn decode(part: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(part).expect("base64url")
}

fn verification(c: &mut Criterion) {
    let runtime = Runtime::new().expect("a tokio runtime");
    // The local Cognito keeps serving on this runtime's worker threads for the whole run.
    let fixture = runtime.block_on(Fixture::start());
    assert!(fixture.floor(&fixture.valid));
    assert!(!fixture.floor(&fixture.bad_signature));
    let verifier = &fixture.verifier;
    let (valid, bad_signature) = (&fixture.valid.jwt, &fixture.bad_signature.jwt);

    let mut group = c.benchmark_group("jwt_valid");
    // A token the verifier has not seen: checked in full, then remembered. Only the check is
    // timed, not the forgetting before it.
    group.bench_function("first", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                verifier.forget_verified();
                let started = Instant::now();
                black_box(verifier.verify(black_box(valid)).await).ok();
                total += started.elapsed();
            }
            total
        });
    });
    // The same token again, as every later request of a session or a native app sends it.
    group.bench_function("repeat", |b| {
        b.to_async(&runtime)
            .iter(|| async move { black_box(verifier.verify(black_box(valid)).await) });
    });
    group.bench_function("rsa_floor", |b| {
        b.iter(|| fixture.floor(black_box(&fixture.valid)));
    });
    group.finish();

    // Refusals are never remembered: each one costs a full check.
    let mut group = c.benchmark_group("jwt_bad_signature");
    group.bench_function("verifier", |b| {
        b.to_async(&runtime)
            .iter(|| async move { black_box(verifier.verify(black_box(bad_signature)).await) });
    });
    group.bench_function("rsa_floor", |b| {
        b.iter(|| fixture.floor(black_box(&fixture.bad_signature)));
    });
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
