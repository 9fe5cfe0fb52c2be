//! The user pool's public keys, fetched from its JWKS URL once and kept.
//!
//! As aws-jwt-verify does: a token with an unknown `kid` triggers one refetch (that is how key
//! rotation is picked up); concurrent lookups share that fetch; a lookup that still fails blocks
//! further fetches for at least 10 seconds, so random kids cannot turn into a flood of requests
//! to Cognito; a failed fetch keeps the keys already cached.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::Value;
use tokio::{sync::Mutex, time::Instant};
use url::Url;

use super::verifier::{InvalidToken, VerifyError};

/// How long a failed lookup blocks further fetches.
const PENALTY: Duration = Duration::from_secs(10);
/// A real JWKS is about 1 KiB; anything this large is not one.
const MAX_JWKS_BYTES: usize = 64 * 1024;
const MAX_KEYS: usize = 64;
/// Cognito's keys are RSA-2048; shorter moduli are not trusted.
const MIN_MODULUS_BYTES: usize = 256;

type Keys = HashMap<String, Arc<DecodingKey>>;

pub struct JwksCache {
    url: Url,
    http: reqwest::Client,
    penalty: Duration,
    keys: RwLock<Arc<Keys>>,
    /// Held while fetching: the single flight.
    fetch: Mutex<FetchState>,
    /// Bumped by every fetch, so a lookup that waited knows one just happened.
    fetches: AtomicU64,
}

#[derive(Default)]
struct FetchState {
    blocked_until: Option<Instant>,
    last_failed: bool,
}

impl JwksCache {
    pub fn new(url: Url, http: reqwest::Client) -> Self {
        Self::with_penalty(url, http, PENALTY)
    }

    fn with_penalty(url: Url, http: reqwest::Client, penalty: Duration) -> Self {
        Self {
            url,
            http,
            penalty,
            keys: RwLock::new(Arc::default()),
            fetch: Mutex::new(FetchState::default()),
            fetches: AtomicU64::new(0),
        }
    }

    /// The key with this `kid`, fetching the JWKS when it is not cached yet.
    pub async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let seen = self.fetches.load(Ordering::Acquire);
        let mut state = self.fetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let fetched_meanwhile = self.fetches.load(Ordering::Acquire) != seen;
        let blocked = state
            .blocked_until
            .is_some_and(|until| Instant::now() < until);
        if fetched_meanwhile || blocked {
            return Err(if state.last_failed {
                VerifyError::KeysUnavailable
            } else {
                InvalidToken::UnknownKeyId.into()
            });
        }
        self.refetch(&mut state).await?;
        match self.cached(kid) {
            Some(key) => Ok(key),
            None => {
                state.blocked_until = Some(Instant::now() + self.penalty);
                Err(InvalidToken::UnknownKeyId.into())
            }
        }
    }

    /// Loads the keys unless some are cached already: for readiness checks.
    pub async fn ensure_loaded(&self) -> Result<(), VerifyError> {
        if !self.current().is_empty() {
            return Ok(());
        }
        let mut state = self.fetch.lock().await;
        if !self.current().is_empty() {
            return Ok(());
        }
        if state
            .blocked_until
            .is_some_and(|until| Instant::now() < until)
        {
            return Err(VerifyError::KeysUnavailable);
        }
        self.refetch(&mut state).await
    }

    async fn refetch(&self, state: &mut FetchState) -> Result<(), VerifyError> {
        let result = self.download().await;
        self.fetches.fetch_add(1, Ordering::AcqRel);
        match result {
            Ok(keys) => {
                *self
                    .keys
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(keys);
                *state = FetchState::default();
                Ok(())
            }
            Err(problem) => {
                tracing::warn!(url = %self.url, %problem, "the Cognito signing keys could not be fetched; keeping the cached ones");
                state.blocked_until = Some(Instant::now() + self.penalty);
                state.last_failed = true;
                Err(VerifyError::KeysUnavailable)
            }
        }
    }

    async fn download(&self) -> Result<Keys, String> {
        let mut response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(|error| format!("request failed: {error}"))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| format!("reading the body failed: {error}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the body is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body)?;
        if keys.is_empty() {
            return Err("no usable RS256 signing key in the JWKS".to_owned());
        }
        Ok(keys)
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.current().get(kid).cloned()
    }

    fn current(&self) -> Arc<Keys> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Value>,
}

/// Only the fields we check. A JWK whose fields are not strings fails to parse and is skipped.
#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    key_use: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The usable keys of a JWKS document; an unusable key is skipped, not fatal, as other keys in
/// the set may be fine.
fn parse_jwks(body: &[u8]) -> Result<Keys, String> {
    let set: JwkSet =
        serde_json::from_slice(body).map_err(|error| format!("not a JWKS document: {error}"))?;
    let mut keys = Keys::new();
    for jwk in set.keys.into_iter().take(MAX_KEYS) {
        match usable_key(jwk) {
            Ok((kid, key)) => {
                keys.entry(kid).or_insert_with(|| Arc::new(key));
            }
            Err(reason) => tracing::debug!(reason, "skipped a key of the JWKS"),
        }
    }
    Ok(keys)
}

fn usable_key(jwk: Value) -> Result<(String, DecodingKey), &'static str> {
    let jwk: RsaJwk = serde_json::from_value(jwk).map_err(|_| "malformed key")?;
    if jwk.kty != "RSA" {
        return Err("not an RSA key");
    }
    if jwk
        .key_use
        .as_deref()
        .is_some_and(|key_use| key_use != "sig")
    {
        return Err("not a signing key");
    }
    if jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
        return Err("not an RS256 key");
    }
    let kid = jwk.kid.filter(|kid| !kid.is_empty()).ok_or("no kid")?;
    let (n, e) = jwk.n.zip(jwk.e).ok_or("no modulus or exponent")?;
    let modulus = URL_SAFE_NO_PAD
        .decode(&n)
        .map_err(|_| "modulus is not base64url")?;
    let significant = modulus.iter().skip_while(|byte| **byte == 0).count();
    if significant < MIN_MODULUS_BYTES {
        return Err("modulus shorter than 2048 bits");
    }
    let key = DecodingKey::from_rsa_components(&n, &e).map_err(|_| "exponent is not base64url")?;
    Ok((kid, key))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use serde_json::json;

    use super::*;
    use crate::server::cognito::test_keys::{JwksServer, access_key, id_key};

    async fn cache(server: &JwksServer, penalty: Duration) -> JwksCache {
        JwksCache::with_penalty(
            server.url(),
            crate::server::http_client::builder().build().unwrap(),
            penalty,
        )
    }

    #[tokio::test]
    async fn keys_are_fetched_once_and_kept() {
        let server =
            JwksServer::start(json!({ "keys": [access_key().jwk(), id_key().jwk()] })).await;
        let cache = cache(&server, PENALTY).await;
        cache.key(access_key().kid()).await.unwrap();
        cache.key(id_key().kid()).await.unwrap();
        cache.key(access_key().kid()).await.unwrap();
        assert_eq!(server.hits(), 1);
    }

    #[tokio::test]
    async fn an_unknown_kid_refetches_once_then_waits_out_the_penalty() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let cache = cache(&server, Duration::from_millis(200)).await;
        cache.key(access_key().kid()).await.unwrap();
        assert_eq!(
            cache.key("unknown").await.unwrap_err(),
            InvalidToken::UnknownKeyId.into()
        );
        assert_eq!(server.hits(), 2);
        assert_eq!(
            cache.key("other-unknown").await.unwrap_err(),
            InvalidToken::UnknownKeyId.into()
        );
        assert_eq!(server.hits(), 2, "blocked: no fetch during the penalty");
        cache.key(access_key().kid()).await.unwrap();

        tokio::time::sleep(Duration::from_millis(300)).await;
        server.set(json!({ "keys": [access_key().jwk(), id_key().jwk()] }));
        cache.key(id_key().kid()).await.unwrap();
        assert_eq!(
            server.hits(),
            3,
            "a rotated-in key is picked up after the penalty"
        );
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_fetch() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let cache = Arc::new(cache(&server, PENALTY).await);
        let unknown = Arc::new(AtomicUsize::new(0));
        let lookups: Vec<_> = (0..16)
            .map(|i| {
                let (cache, unknown) = (cache.clone(), unknown.clone());
                tokio::spawn(async move {
                    let kid = if i % 2 == 0 {
                        access_key().kid().to_owned()
                    } else {
                        format!("unknown-{i}")
                    };
                    if cache.key(&kid).await.is_err() {
                        unknown.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for lookup in lookups {
            lookup.await.unwrap();
        }
        assert_eq!(unknown.load(Ordering::Relaxed), 8);
        assert!(server.hits() <= 2, "{} fetches", server.hits());
    }

    #[tokio::test]
    async fn a_failed_refetch_keeps_the_cached_keys() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let cache = cache(&server, PENALTY).await;
        cache.key(access_key().kid()).await.unwrap();
        server.fail(true);
        assert_eq!(
            cache.key(id_key().kid()).await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
        assert_eq!(
            cache.key("another").await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
        cache.key(access_key().kid()).await.unwrap();
        assert_eq!(server.hits(), 2);
    }

    #[tokio::test]
    async fn an_unreachable_jwks_url_means_keys_unavailable() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        server.fail(true);
        let cache = cache(&server, PENALTY).await;
        assert_eq!(
            cache.ensure_loaded().await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
        assert_eq!(
            cache.key(access_key().kid()).await.unwrap_err(),
            VerifyError::KeysUnavailable
        );
        assert_eq!(server.hits(), 1);
    }

    #[test]
    fn only_rsa_signing_keys_for_rs256_are_kept() {
        let good = access_key().jwk();
        let with = |field: &str, value: Value| {
            let mut jwk = good.clone();
            jwk["kid"] = json!(format!("{field}-{value}"));
            jwk[field] = value;
            jwk
        };
        let without = |field: &str| {
            let mut jwk = good.clone();
            jwk["kid"] = json!(format!("without-{field}"));
            jwk.as_object_mut().unwrap().remove(field);
            jwk
        };
        let mut no_use_no_alg = good.clone();
        no_use_no_alg.as_object_mut().unwrap().remove("use");
        no_use_no_alg.as_object_mut().unwrap().remove("alg");
        no_use_no_alg["kid"] = json!("plain");
        let document = json!({ "keys": [
            good,
            no_use_no_alg,
            with("use", json!("enc")),
            with("alg", json!("RS384")),
            with("alg", json!("HS256")),
            with("kty", json!("oct")),
            with("kty", json!("EC")),
            with("n", json!(12)),
            with("n", json!("AQAB")),
            with("e", json!("%%%")),
            with("kid", json!({ "nested": true })),
            without("n"),
            without("e"),
            without("kid"),
            json!("not an object"),
            json!({ "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" }),
            json!({ "kty": "EC", "kid": "ec", "crv": "P-256", "x": "AAAA", "y": "AAAA" }),
            json!({ "kty": "EC", "kid": "ec-without-curve" }),
            json!({ "kty": "OKP", "kid": "okp", "crv": "Ed25519", "x": "AAAA" }),
        ]});
        let keys = parse_jwks(document.to_string().as_bytes()).unwrap();
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        let mut expected = vec![access_key().kid(), "plain"];
        expected.sort_unstable();
        assert_eq!(kids, expected);
    }

    #[test]
    fn documents_that_are_not_a_jwks_are_refused() {
        for document in [
            "[]",
            "{}",
            r#"{"keys": {}}"#,
            r#"{"keys": "x"}"#,
            "null",
            "not json",
        ] {
            assert!(parse_jwks(document.as_bytes()).is_err(), "{document}");
        }
        assert!(parse_jwks(br#"{"keys": []}"#).unwrap().is_empty());
    }
}
