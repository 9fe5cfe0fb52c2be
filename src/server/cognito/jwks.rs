//! The user pool's public keys, fetched from its JWKS URL once and kept.
//!
//! A token with an unknown `kid` triggers a refetch: that is how key rotation is picked up.
//! Every unknown kid gets an answer from a fetch that started after it arrived, so a storm of
//! random kids can never keep a newly rotated key out; concurrent lookups share one fetch, and
//! fetches for unknown kids start at most once per [`REFETCH_INTERVAL`], so the storm costs
//! Cognito at most one request per interval. A failed fetch keeps the keys already cached, and
//! nothing is fetched for [`FAILURE_PENALTY`] after it.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::Value;
use tokio::{sync::Mutex, time::Instant};
use url::Url;

use jsonwebtoken::DecodingKey;

use super::verify_error::{InvalidToken, VerifyError};

/// Fetches for unknown kids start at most this often: how long a genuine token under a
/// rotated key may wait, and what a flood of random kids costs Cognito.
const REFETCH_INTERVAL: Duration = Duration::from_secs(1);
/// After a failed fetch, nothing is fetched for this long; the cached keys keep working.
const FAILURE_PENALTY: Duration = Duration::from_secs(10);
/// A real JWKS is about 1 KiB; anything this large is not one.
const MAX_JWKS_BYTES: usize = 64 * 1024;
const MAX_KEYS: usize = 64;
/// Cognito's keys are RSA-2048; shorter moduli are not trusted.
const MIN_MODULUS_BYTES: usize = 256;

/// Built once, when fetched, for `jsonwebtoken::decode`.
type Keys = HashMap<String, Arc<DecodingKey>>;

pub struct JwksCache {
    url: Url,
    http: reqwest::Client,
    interval: Duration,
    penalty: Duration,
    keys: RwLock<Arc<Keys>>,
    /// Held while fetching, and while waiting to fetch: the single flight.
    fetch: Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    /// When the last fetch started, and whether it failed.
    last: Option<(Instant, bool)>,
}

impl JwksCache {
    pub fn new(url: Url, http: reqwest::Client) -> Self {
        Self::with_timing(url, http, REFETCH_INTERVAL, FAILURE_PENALTY)
    }

    fn with_timing(url: Url, http: reqwest::Client, interval: Duration, penalty: Duration) -> Self {
        Self {
            url,
            http,
            interval,
            penalty,
            keys: RwLock::new(Arc::default()),
            fetch: Mutex::new(FetchState::default()),
        }
    }

    /// The key with this `kid`, fetching the JWKS when it is not cached yet.
    pub async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let arrived = Instant::now();
        let mut state = self.fetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        match state.last {
            // Fetched since this kid arrived: that fetch is the answer.
            Some((started, failed)) if started >= arrived => {
                return Err(if failed {
                    VerifyError::KeysUnavailable
                } else {
                    InvalidToken::UnknownKeyId.into()
                });
            }
            Some((started, true)) if started.elapsed() < self.penalty => {
                return Err(VerifyError::KeysUnavailable);
            }
            // Wait for the interval to pass, holding the flight: whoever queues meanwhile
            // gets this fetch's answer.
            Some((started, false)) => tokio::time::sleep_until(started + self.interval).await,
            _ => {}
        }
        self.refetch(&mut state).await?;
        self.cached(kid)
            .ok_or_else(|| InvalidToken::UnknownKeyId.into())
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
        if let Some((started, true)) = state.last
            && started.elapsed() < self.penalty
        {
            return Err(VerifyError::KeysUnavailable);
        }
        self.refetch(&mut state).await
    }

    async fn refetch(&self, state: &mut FetchState) -> Result<(), VerifyError> {
        let started = Instant::now();
        let result = self.download().await;
        state.last = Some((started, result.is_err()));
        match result {
            Ok(keys) => {
                *self
                    .keys
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(keys);
                Ok(())
            }
            Err(problem) => {
                tracing::warn!(url = %self.url, %problem, "the Cognito signing keys could not be fetched; keeping the cached ones");
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

    /// Whether the key `kid` is in the JWKS as last fetched; never fetches.
    pub fn holds(&self, kid: &str) -> bool {
        self.current().contains_key(kid)
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
    let exponent = URL_SAFE_NO_PAD
        .decode(&e)
        .map_err(|_| "exponent is not base64url")?;
    // A key aws-lc-rs cannot use is skipped now, not found unusable at every token.
    RsaPublicKeyComponents {
        n: &modulus,
        e: &exponent,
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .map_err(|_| "not a usable RSA public key")?;
    Ok((
        kid,
        DecodingKey::from_rsa_raw_components(&modulus, &exponent),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::server::cognito::test_keys::{JwksServer, access_key, id_key};

    async fn cache(server: &JwksServer, interval: Duration) -> JwksCache {
        JwksCache::with_timing(
            server.url(),
            crate::server::http_client::builder().build().unwrap(),
            interval,
            FAILURE_PENALTY,
        )
    }

    #[tokio::test]
    async fn keys_are_fetched_once_and_kept() {
        let server =
            JwksServer::start(json!({ "keys": [access_key().jwk(), id_key().jwk()] })).await;
        let cache = cache(&server, REFETCH_INTERVAL).await;
        cache.key(access_key().kid()).await.unwrap();
        cache.key(id_key().kid()).await.unwrap();
        cache.key(access_key().kid()).await.unwrap();
        assert_eq!(server.hits(), 1);
    }

    #[tokio::test]
    async fn unknown_kids_refetch_at_most_once_an_interval() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let interval = Duration::from_millis(200);
        let cache = cache(&server, interval).await;
        cache.key(access_key().kid()).await.unwrap();
        let started = Instant::now();
        for kid in ["unknown", "other-unknown", "a-third"] {
            assert_eq!(
                cache.key(kid).await.unwrap_err(),
                InvalidToken::UnknownKeyId.into()
            );
        }
        assert_eq!(
            server.hits(),
            4,
            "one fetch for each kid, after the interval"
        );
        assert!(started.elapsed() >= interval * 2, "{:?}", started.elapsed());
        cache.key(access_key().kid()).await.unwrap();
        assert_eq!(server.hits(), 4, "known keys need no fetch");
    }

    #[tokio::test]
    async fn a_storm_of_random_kids_never_keeps_a_rotated_key_out() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let interval = Duration::from_millis(100);
        let cache = Arc::new(cache(&server, interval).await);
        cache.key(access_key().kid()).await.unwrap();
        let storm = {
            let cache = cache.clone();
            tokio::spawn(async move {
                for i in 0.. {
                    let _ = cache.key(&format!("random-{i}")).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(250)).await;
        server.set(json!({ "keys": [access_key().jwk(), id_key().jwk()] }));
        let started = Instant::now();
        cache.key(id_key().kid()).await.unwrap();
        assert!(
            started.elapsed() < interval * 3,
            "the rotated key waited {:?}",
            started.elapsed()
        );
        storm.abort();
        assert!(
            server.hits() <= 8,
            "{} fetches in about 0.35 s",
            server.hits()
        );
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_fetch() {
        let server = JwksServer::start(json!({ "keys": [access_key().jwk()] })).await;
        let cache = Arc::new(cache(&server, REFETCH_INTERVAL).await);
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
        let cache = cache(&server, REFETCH_INTERVAL).await;
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
        let cache = cache(&server, REFETCH_INTERVAL).await;
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
