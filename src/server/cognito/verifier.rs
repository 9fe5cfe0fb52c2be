//! Checks Cognito access and ID tokens: what aws-jwt-verify checks, and stricter where it is
//! lax (`exp` is required, only RS256 is accepted). jsonwebtoken verifies the signature, `exp`,
//! `nbf` and `iss`; the Cognito rules (`token_use`, `client_id`, `aud`) are checked here, on the
//! verified claims only.
//!
//! The header is read before the signature is checked, but only to refuse what can never be
//! valid and to pick the key: the `kid` is a map key and nothing else (never a path or URL), and
//! `jku`, `x5u` and embedded `jwk` headers are ignored.

use std::{sync::Arc, time::Duration};

use aws_lc_rs::constant_time;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Map, Value};

use super::jwks::JwksCache;

/// Cognito's tokens are 1–2 KiB; larger input is refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Real kids are 44 characters.
const MAX_KID_BYTES: usize = 256;

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Genuine and otherwise valid, but past its `exp`: refresh the session.
    #[error("the token has expired")]
    Expired,
    /// Never acceptable: the caller is signed out.
    #[error("the token is not valid: {0}")]
    Invalid(#[from] InvalidToken),
    /// The user pool's keys could not be fetched, so nothing can be verified right now.
    #[error("the user pool's signing keys are not available")]
    KeysUnavailable,
}

/// The specific reason a token is invalid, for logs and tests (never shown to users).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToken {
    #[error("longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("not three base64url parts")]
    NotAJwt,
    #[error("the header is not a JSON object with string fields")]
    MalformedHeader,
    #[error("the header names no algorithm")]
    MissingAlgorithm,
    #[error("the algorithm is not RS256")]
    AlgorithmNotAllowed,
    #[error("the header has critical extensions")]
    CriticalHeader,
    #[error("the header names no key")]
    MissingKeyId,
    #[error("the key is not one of the user pool's")]
    UnknownKeyId,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the payload is not a JSON object")]
    MalformedPayload,
    #[error("the claim `{0}` is missing")]
    MissingClaim(String),
    #[error("the claim `{0}` has the wrong type")]
    MalformedClaim(String),
    #[error("not valid yet (`nbf`)")]
    NotYetValid,
    #[error("issued by another user pool")]
    WrongIssuer,
    #[error("the wrong kind of token (`token_use`)")]
    WrongTokenUse,
    #[error("an access token with an audience")]
    UnexpectedAudience,
    #[error("issued to another app client (`aud`)")]
    WrongAudience,
    #[error("issued to another app client (`client_id`)")]
    WrongClient,
    #[error("the nonce does not match the sign-in")]
    NonceMismatch,
    #[error("the ID token is someone else's than the access token")]
    SubjectMismatch,
}

/// The claims of a verified access token that the app uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: String,
    pub username: String,
    pub client_id: String,
    /// Space-separated, e.g. `openid email`.
    pub scope: String,
    pub auth_time: i64,
    pub iat: i64,
    pub exp: i64,
    pub jti: Option<String>,
    pub origin_jti: Option<String>,
}

/// The claims of a verified ID token that the app uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdClaims {
    pub sub: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub auth_time: i64,
    pub exp: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    fn claim(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

/// Verifies the tokens of one user pool and app client.
pub struct TokenVerifier {
    keys: JwksCache,
    issuer: String,
    client_id: String,
    leeway: u64,
}

impl TokenVerifier {
    pub fn new(keys: JwksCache, issuer: String, client_id: String, leeway: Duration) -> Self {
        Self {
            keys,
            issuer,
            client_id,
            leeway: leeway.as_secs(),
        }
    }

    /// A Cognito access token issued by this pool to this app client.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let claims = self.verify_claims(token, TokenUse::Access).await?;
        Ok(AccessClaims {
            sub: string(&claims, "sub")?,
            username: string(&claims, "username")?,
            client_id: string(&claims, "client_id")?,
            scope: string(&claims, "scope")?,
            auth_time: integer(&claims, "auth_time")?,
            iat: integer(&claims, "iat")?,
            exp: integer(&claims, "exp")?,
            jti: optional_string(&claims, "jti")?,
            origin_jti: optional_string(&claims, "origin_jti")?,
        })
    }

    /// A Cognito ID token issued by this pool to this app client; after a sign-in, its `nonce`
    /// must be the one sent with the authorization request.
    pub async fn verify_id_token(
        &self,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims, VerifyError> {
        let claims = self.verify_claims(token, TokenUse::Id).await?;
        if let Some(expected) = nonce {
            let matches = optional_string(&claims, "nonce")?.is_some_and(|nonce| {
                constant_time::verify_slices_are_equal(nonce.as_bytes(), expected.as_bytes())
                    .is_ok()
            });
            if !matches {
                return Err(InvalidToken::NonceMismatch.into());
            }
        }
        Ok(IdClaims {
            sub: string(&claims, "sub")?,
            username: string(&claims, "cognito:username")?,
            email: optional_string(&claims, "email")?,
            email_verified: match claims.get("email_verified") {
                None => None,
                Some(Value::Bool(verified)) => Some(*verified),
                Some(_) => return Err(malformed("email_verified").into()),
            },
            auth_time: integer(&claims, "auth_time")?,
            exp: integer(&claims, "exp")?,
        })
    }

    /// Whether the pool's keys are loaded or can be: for the readiness check.
    pub async fn keys_ready(&self) -> Result<(), VerifyError> {
        self.keys.ensure_loaded().await
    }

    async fn verify_claims(
        &self,
        token: &str,
        token_use: TokenUse,
    ) -> Result<Map<String, Value>, VerifyError> {
        let kid = check_header(token)?;
        let key = self.keys.key(&kid).await?;
        match decode(token, &key, &self.validation(token_use, true)) {
            Ok(claims) => {
                self.check_cognito_claims(&claims, token_use)?;
                Ok(claims)
            }
            // Expired is reported only for a token that is valid in every other way: only such
            // a token is worth a refresh.
            Err(VerifyError::Expired) => {
                let claims = decode(token, &key, &self.validation(token_use, false))?;
                self.check_cognito_claims(&claims, token_use)?;
                Err(VerifyError::Expired)
            }
            // jsonwebtoken counts a claim of the wrong type (`"exp": "..."`) as missing; decode
            // once more without the presence checks to tell which it is. Still a rejection.
            Err(VerifyError::Invalid(InvalidToken::MissingClaim(claim))) => {
                let mut lenient = self.validation(token_use, false);
                lenient.required_spec_claims.clear();
                let claims = decode(token, &key, &lenient)?;
                Err(match claims.get(&claim) {
                    Some(_) => InvalidToken::MalformedClaim(claim),
                    None => InvalidToken::MissingClaim(claim),
                }
                .into())
            }
            Err(error) => Err(error),
        }
    }

    fn validation(&self, token_use: TokenUse, check_exp: bool) -> Validation {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = self.leeway;
        validation.validate_exp = check_exp;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        match token_use {
            TokenUse::Access => {
                validation.set_required_spec_claims(&["exp", "iss", "sub"]);
                // Access tokens have no `aud`; one that has it is refused below, after the
                // `token_use` check, so an ID token is reported as the wrong kind of token.
                validation.validate_aud = false;
            }
            TokenUse::Id => {
                validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
                validation.set_audience(&[&self.client_id]);
            }
        }
        validation
    }

    /// What jsonwebtoken does not know about: `token_use`, `client_id`, and claims that must be
    /// single strings even where the JWT spec allows arrays.
    fn check_cognito_claims(
        &self,
        claims: &Map<String, Value>,
        token_use: TokenUse,
    ) -> Result<(), InvalidToken> {
        if string(claims, "token_use")? != token_use.claim() {
            return Err(InvalidToken::WrongTokenUse);
        }
        if string(claims, "iss")? != self.issuer {
            return Err(InvalidToken::WrongIssuer);
        }
        if string(claims, "sub")?.is_empty() {
            return Err(malformed("sub"));
        }
        match token_use {
            TokenUse::Access => {
                if claims.contains_key("aud") {
                    return Err(InvalidToken::UnexpectedAudience);
                }
                if string(claims, "client_id")? != self.client_id {
                    return Err(InvalidToken::WrongClient);
                }
            }
            TokenUse::Id => {
                if string(claims, "aud")? != self.client_id {
                    return Err(InvalidToken::WrongAudience);
                }
            }
        }
        Ok(())
    }
}

/// Structure and header checks; returns the `kid`.
fn check_header(token: &str) -> Result<String, InvalidToken> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(InvalidToken::TooLong);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(InvalidToken::NotAJwt);
    };
    if !parts.iter().all(|part| is_base64url(part)) {
        return Err(InvalidToken::NotAJwt);
    }
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or(InvalidToken::MalformedHeader)?;
    match header.get("alg") {
        None => return Err(InvalidToken::MissingAlgorithm),
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(_)) => return Err(InvalidToken::AlgorithmNotAllowed),
        Some(_) => return Err(InvalidToken::MalformedHeader),
    }
    if header.contains_key("crit") {
        return Err(InvalidToken::CriticalHeader);
    }
    let kid = match header.get("kid") {
        None => return Err(InvalidToken::MissingKeyId),
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid,
        Some(_) => return Err(InvalidToken::MalformedHeader),
    };
    if payload.is_empty() || signature.is_empty() {
        return Err(InvalidToken::NotAJwt);
    }
    Ok(kid.clone())
}

fn is_base64url(part: &str) -> bool {
    part.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn decode(
    token: &str,
    key: &Arc<DecodingKey>,
    validation: &Validation,
) -> Result<Map<String, Value>, VerifyError> {
    jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|error| {
            VerifyError::Invalid(match error.into_kind() {
                ErrorKind::ExpiredSignature => return VerifyError::Expired,
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidKeyFormat => InvalidToken::BadSignature,
                ErrorKind::InvalidAlgorithm
                | ErrorKind::MissingAlgorithm
                | ErrorKind::InvalidAlgorithmName => InvalidToken::AlgorithmNotAllowed,
                ErrorKind::ImmatureSignature => InvalidToken::NotYetValid,
                ErrorKind::InvalidIssuer => InvalidToken::WrongIssuer,
                ErrorKind::InvalidAudience => InvalidToken::WrongAudience,
                ErrorKind::MissingRequiredClaim(claim) => InvalidToken::MissingClaim(claim),
                ErrorKind::InvalidClaimFormat(claim) => InvalidToken::MalformedClaim(claim),
                _ => InvalidToken::MalformedPayload,
            })
        })
}

fn malformed(name: &str) -> InvalidToken {
    InvalidToken::MalformedClaim(name.to_owned())
}

fn string(claims: &Map<String, Value>, name: &str) -> Result<String, InvalidToken> {
    optional_string(claims, name)?.ok_or_else(|| InvalidToken::MissingClaim(name.to_owned()))
}

fn optional_string(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, InvalidToken> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(malformed(name)),
    }
}

/// NumericDate claims: whole seconds.
fn integer(claims: &Map<String, Value>, name: &str) -> Result<i64, InvalidToken> {
    match claims.get(name) {
        None => Err(InvalidToken::MissingClaim(name.to_owned())),
        Some(value) => value.as_i64().ok_or_else(|| malformed(name)),
    }
}

#[cfg(test)]
mod tests {
    //! One case per attack or malformation, each asserting its specific rejection
    //! (reference/cognito.md §2.7 and §3.1).

    use std::time::{SystemTime, UNIX_EPOCH};

    use aws_lc_rs::hmac;
    use serde_json::json;

    use super::*;
    use crate::server::cognito::test_keys::{JwksServer, access_key, foreign_key, id_key};

    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz";
    const CLIENT_ID: &str = "4hqt9ikctmesulmh0hbqbs00ta";
    const SUB: &str = "28414310-0000-4000-8000-000000000001";

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

    fn sign_with_header(header: Value, claims: &Value) -> String {
        access_key().sign_with_header(&header, claims).unwrap()
    }

    fn b64(value: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(value)
    }

    /// A token whose parts are given as they are, signature included.
    fn raw(header: &str, payload: &str, signature: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), signature)
    }

    struct Fixture {
        verifier: TokenVerifier,
        _server: JwksServer,
    }

    async fn fixture_with_leeway(leeway: u64) -> Fixture {
        let server =
            JwksServer::start(json!({ "keys": [access_key().jwk(), id_key().jwk()] })).await;
        let http = crate::server::http_client::builder().build().unwrap();
        let verifier = TokenVerifier::new(
            JwksCache::new(server.url(), http),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
            Duration::from_secs(leeway),
        );
        Fixture {
            verifier,
            _server: server,
        }
    }

    async fn fixture() -> Fixture {
        fixture_with_leeway(0).await
    }

    async fn rejects(token: &str, expected: InvalidToken) {
        let fixture = fixture().await;
        assert_eq!(
            fixture.verifier.verify(token).await,
            Err(VerifyError::Invalid(expected))
        );
    }

    // Accepted.

    #[tokio::test]
    async fn a_genuine_access_token_is_accepted() {
        let fixture = fixture().await;
        let claims = fixture
            .verifier
            .verify(&sign(&access_claims()))
            .await
            .unwrap();
        assert_eq!(claims.sub, SUB);
        assert_eq!(claims.username, SUB);
        assert_eq!(claims.client_id, CLIENT_ID);
        assert_eq!(claims.scope, "openid email");
    }

    #[tokio::test]
    async fn a_genuine_id_token_with_its_nonce_is_accepted() {
        let fixture = fixture().await;
        let token = id_key().sign(&id_claims()).unwrap();
        let claims = fixture
            .verifier
            .verify_id_token(&token, Some("the-nonce"))
            .await
            .unwrap();
        assert_eq!(claims.email.as_deref(), Some("person@example.com"));
        assert_eq!(claims.email_verified, Some(true));
        assert_eq!(claims.username, SUB);
    }

    #[tokio::test]
    async fn claims_cognito_does_not_always_send_are_optional() {
        let fixture = fixture().await;
        let token = sign(&with(
            access_claims(),
            json!({ "jti": null, "origin_jti": null, "event_id": null, "version": null }),
        ));
        assert!(fixture.verifier.verify(&token).await.is_ok());
    }

    #[tokio::test]
    async fn nbf_in_the_past_is_accepted() {
        let fixture = fixture().await;
        let token = sign(&with(access_claims(), json!({ "nbf": now() - 5 })));
        assert!(fixture.verifier.verify(&token).await.is_ok());
    }

    // Structure.

    #[tokio::test]
    async fn an_empty_token() {
        rejects("", InvalidToken::NotAJwt).await;
    }

    #[tokio::test]
    async fn two_parts() {
        let token = sign(&access_claims());
        let (head, _) = token.rsplit_once('.').unwrap();
        rejects(head, InvalidToken::NotAJwt).await;
    }

    #[tokio::test]
    async fn four_parts() {
        rejects(
            &format!("{}.AAAA", sign(&access_claims())),
            InvalidToken::NotAJwt,
        )
        .await;
    }

    #[tokio::test]
    async fn padding_or_standard_base64_characters() {
        let token = sign(&access_claims());
        rejects(&format!("{token}=="), InvalidToken::NotAJwt).await;
        rejects(&token.replacen('.', "+.", 1), InvalidToken::NotAJwt).await;
    }

    #[tokio::test]
    async fn a_token_larger_than_8_kib() {
        let token = sign(&with(
            access_claims(),
            json!({ "padding": "x".repeat(8 * 1024) }),
        ));
        rejects(&token, InvalidToken::TooLong).await;
    }

    #[tokio::test]
    async fn an_empty_signature() {
        let token = sign(&access_claims());
        let (signed, _) = token.rsplit_once('.').unwrap();
        rejects(&format!("{signed}."), InvalidToken::NotAJwt).await;
    }

    // Header.

    #[tokio::test]
    async fn a_header_that_is_not_json() {
        rejects(
            &raw("{not json", "{}", "c2ln"),
            InvalidToken::MalformedHeader,
        )
        .await;
    }

    #[tokio::test]
    async fn a_header_that_is_not_an_object() {
        rejects(&raw("123", "{}", "c2ln"), InvalidToken::MalformedHeader).await;
    }

    #[tokio::test]
    async fn alg_none_unsigned() {
        let header = json!({ "alg": "none", "kid": access_key().kid() }).to_string();
        rejects(
            &raw(&header, &access_claims().to_string(), ""),
            InvalidToken::AlgorithmNotAllowed,
        )
        .await;
    }

    #[tokio::test]
    async fn alg_none_with_a_signature() {
        let header = json!({ "alg": "none", "kid": access_key().kid() }).to_string();
        let token = raw(&header, &access_claims().to_string(), &b64("sig"));
        rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
    }

    #[tokio::test]
    async fn alg_none_in_other_casing() {
        let header = json!({ "alg": "None", "kid": access_key().kid() }).to_string();
        rejects(
            &raw(&header, &access_claims().to_string(), ""),
            InvalidToken::AlgorithmNotAllowed,
        )
        .await;
    }

    #[tokio::test]
    async fn hs256_signed_with_the_public_key_as_the_secret() {
        let header = json!({ "alg": "HS256", "kid": access_key().kid(), "typ": "JWT" });
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string()),
            b64(access_claims().to_string())
        );
        for secret in [
            access_key().jwk().to_string().into_bytes(),
            URL_SAFE_NO_PAD
                .decode(access_key().jwk()["n"].as_str().unwrap())
                .unwrap(),
        ] {
            let mac = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &secret),
                signing_input.as_bytes(),
            );
            let token = format!("{signing_input}.{}", b64(mac.as_ref()));
            rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
        }
    }

    #[tokio::test]
    async fn rs384_against_an_rs256_key() {
        let token = sign_with_header(
            json!({ "alg": "RS384", "kid": access_key().kid() }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
    }

    #[tokio::test]
    async fn rs512_against_an_rs256_key() {
        let token = sign_with_header(
            json!({ "alg": "RS512", "kid": access_key().kid() }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
    }

    #[tokio::test]
    async fn ps256_is_not_supported() {
        let token = sign_with_header(
            json!({ "alg": "PS256", "kid": access_key().kid() }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
    }

    #[tokio::test]
    async fn es256_is_not_supported() {
        let token = sign_with_header(
            json!({ "alg": "ES256", "kid": access_key().kid() }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::AlgorithmNotAllowed).await;
    }

    #[tokio::test]
    async fn a_missing_alg() {
        let token = sign_with_header(json!({ "kid": access_key().kid() }), &access_claims());
        rejects(&token, InvalidToken::MissingAlgorithm).await;
    }

    #[tokio::test]
    async fn an_alg_that_is_not_a_string() {
        let token = sign_with_header(
            json!({ "alg": 12345, "kid": access_key().kid() }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::MalformedHeader).await;
    }

    #[tokio::test]
    async fn a_missing_kid() {
        let token = sign_with_header(json!({ "alg": "RS256" }), &access_claims());
        rejects(&token, InvalidToken::MissingKeyId).await;
    }

    #[tokio::test]
    async fn a_kid_that_is_not_a_string() {
        let token = sign_with_header(
            json!({ "alg": "RS256", "kid": { "kid": access_key().kid() } }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::MalformedHeader).await;
    }

    #[tokio::test]
    async fn an_unknown_kid() {
        let token = sign_with_header(
            json!({ "alg": "RS256", "kid": "not-a-pool-key" }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::UnknownKeyId).await;
    }

    #[tokio::test]
    async fn a_kid_used_for_path_traversal_is_only_a_lookup() {
        let token = sign_with_header(
            json!({ "alg": "RS256", "kid": "../../../../dev/null" }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::UnknownKeyId).await;
    }

    #[tokio::test]
    async fn an_oversized_kid() {
        let token = sign_with_header(
            json!({ "alg": "RS256", "kid": "k".repeat(300) }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::MalformedHeader).await;
    }

    #[tokio::test]
    async fn critical_header_extensions() {
        let token = sign_with_header(
            json!({ "alg": "RS256", "kid": access_key().kid(), "crit": ["exp"] }),
            &access_claims(),
        );
        rejects(&token, InvalidToken::CriticalHeader).await;
    }

    #[tokio::test]
    async fn an_embedded_jwk_header_is_ignored() {
        // The attacker signs with their own key and offers it in the header.
        let token = foreign_key()
            .sign_with_header(
                &json!({ "alg": "RS256", "kid": access_key().kid(), "jwk": foreign_key().jwk() }),
                &access_claims(),
            )
            .unwrap();
        rejects(&token, InvalidToken::BadSignature).await;
    }

    #[tokio::test]
    async fn a_jku_header_pointing_elsewhere_is_ignored() {
        let token = foreign_key()
            .sign_with_header(
                &json!({ "alg": "RS256", "kid": foreign_key().kid(), "jku": "http://127.0.0.1:9/jwks.json" }),
                &access_claims(),
            )
            .unwrap();
        rejects(&token, InvalidToken::UnknownKeyId).await;
    }

    #[tokio::test]
    async fn an_x5u_header_pointing_elsewhere_is_ignored() {
        let token = foreign_key()
            .sign_with_header(
                &json!({ "alg": "RS256", "kid": access_key().kid(), "x5u": "http://127.0.0.1:9/cert.pem" }),
                &access_claims(),
            )
            .unwrap();
        rejects(&token, InvalidToken::BadSignature).await;
    }

    #[tokio::test]
    async fn a_key_published_for_encryption_does_not_verify_tokens() {
        let mut encryption = foreign_key().jwk();
        encryption["use"] = json!("enc");
        let server = JwksServer::start(json!({ "keys": [access_key().jwk(), encryption] })).await;
        let http = crate::server::http_client::builder().build().unwrap();
        let verifier = TokenVerifier::new(
            JwksCache::new(server.url(), http),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
            Duration::ZERO,
        );
        let token = foreign_key().sign(&access_claims()).unwrap();
        assert_eq!(
            verifier.verify(&token).await,
            Err(VerifyError::Invalid(InvalidToken::UnknownKeyId))
        );
    }

    // Signature.

    #[tokio::test]
    async fn a_tampered_signature() {
        let token = sign(&access_claims());
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        bytes[0] ^= 1;
        rejects(
            &format!("{signed}.{}", b64(bytes)),
            InvalidToken::BadSignature,
        )
        .await;
    }

    #[tokio::test]
    async fn a_tampered_payload() {
        let token = sign(&access_claims());
        let parts: Vec<&str> = token.split('.').collect();
        let forged = b64(with(access_claims(), json!({ "sub": "someone-else" })).to_string());
        rejects(
            &format!("{}.{forged}.{}", parts[0], parts[2]),
            InvalidToken::BadSignature,
        )
        .await;
    }

    #[tokio::test]
    async fn signed_by_another_key_under_the_pools_kid() {
        let token = foreign_key()
            .sign_with_header(
                &json!({ "alg": "RS256", "kid": access_key().kid() }),
                &access_claims(),
            )
            .unwrap();
        rejects(&token, InvalidToken::BadSignature).await;
    }

    #[tokio::test]
    async fn a_signature_that_is_not_base64url_bytes_of_the_right_length() {
        let token = sign(&access_claims());
        let (signed, _) = token.rsplit_once('.').unwrap();
        rejects(&format!("{signed}.AAAA"), InvalidToken::BadSignature).await;
    }

    // Payload and claim types.

    fn signed_payload(payload: &[u8]) -> String {
        let header = json!({ "alg": "RS256", "kid": access_key().kid() }).to_string();
        access_key().sign_parts(header.as_bytes(), payload).unwrap()
    }

    #[tokio::test]
    async fn a_payload_that_is_not_json() {
        rejects(&signed_payload(b"not json"), InvalidToken::MalformedPayload).await;
    }

    #[tokio::test]
    async fn a_payload_that_is_not_an_object() {
        rejects(&signed_payload(b"[1, 2]"), InvalidToken::MalformedPayload).await;
    }

    #[tokio::test]
    async fn a_payload_with_a_duplicated_claim() {
        let payload = format!(r#"{{"exp": 1, {}"#, &access_claims().to_string()[1..]);
        rejects(
            &signed_payload(payload.as_bytes()),
            InvalidToken::MalformedPayload,
        )
        .await;
    }

    #[tokio::test]
    async fn exp_as_a_string() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "exp": (now() + 3600).to_string() }),
            )),
            InvalidToken::MalformedClaim("exp".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn exp_as_garbage() {
        rejects(
            &sign(&with(access_claims(), json!({ "exp": "Garbage" }))),
            InvalidToken::MalformedClaim("exp".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn nbf_as_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "nbf": "foobar" }))),
            InvalidToken::MalformedClaim("nbf".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn iat_as_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "iat": "Garbage" }))),
            InvalidToken::MalformedClaim("iat".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn iss_not_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "iss": 42 }))),
            InvalidToken::MalformedClaim("iss".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn iss_as_an_array_that_contains_ours() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "iss": ["https://evil.example", ISSUER] }),
            )),
            InvalidToken::MalformedClaim("iss".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn sub_not_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "sub": 42 }))),
            InvalidToken::MalformedClaim("sub".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn sub_empty() {
        rejects(
            &sign(&with(access_claims(), json!({ "sub": "" }))),
            InvalidToken::MalformedClaim("sub".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn scope_not_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "scope": ["openid"] }))),
            InvalidToken::MalformedClaim("scope".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn jti_not_a_string() {
        rejects(
            &sign(&with(access_claims(), json!({ "jti": 7 }))),
            InvalidToken::MalformedClaim("jti".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn aud_a_number_on_an_access_token() {
        rejects(
            &sign(&with(access_claims(), json!({ "aud": 12 }))),
            InvalidToken::UnexpectedAudience,
        )
        .await;
    }

    #[tokio::test]
    async fn an_access_token_with_our_client_as_audience() {
        rejects(
            &sign(&with(access_claims(), json!({ "aud": CLIENT_ID }))),
            InvalidToken::UnexpectedAudience,
        )
        .await;
    }

    // Missing claims.

    #[tokio::test]
    async fn no_exp() {
        rejects(
            &sign(&with(access_claims(), json!({ "exp": null }))),
            InvalidToken::MissingClaim("exp".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_sub_on_an_expired_token_is_not_worth_a_refresh() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "sub": null, "exp": now() - 100 }),
            )),
            InvalidToken::MissingClaim("sub".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_iss() {
        rejects(
            &sign(&with(access_claims(), json!({ "iss": null }))),
            InvalidToken::MissingClaim("iss".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_sub() {
        rejects(
            &sign(&with(access_claims(), json!({ "sub": null }))),
            InvalidToken::MissingClaim("sub".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_token_use() {
        rejects(
            &sign(&with(access_claims(), json!({ "token_use": null }))),
            InvalidToken::MissingClaim("token_use".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_client_id() {
        rejects(
            &sign(&with(access_claims(), json!({ "client_id": null }))),
            InvalidToken::MissingClaim("client_id".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_username() {
        rejects(
            &sign(&with(access_claims(), json!({ "username": null }))),
            InvalidToken::MissingClaim("username".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_auth_time() {
        rejects(
            &sign(&with(access_claims(), json!({ "auth_time": null }))),
            InvalidToken::MissingClaim("auth_time".into()),
        )
        .await;
    }

    #[tokio::test]
    async fn no_scope() {
        rejects(
            &sign(&with(access_claims(), json!({ "scope": null }))),
            InvalidToken::MissingClaim("scope".into()),
        )
        .await;
    }

    // Time.

    #[tokio::test]
    async fn expired() {
        let fixture = fixture().await;
        let token = sign(&with(access_claims(), json!({ "exp": now() - 1 })));
        assert_eq!(
            fixture.verifier.verify(&token).await,
            Err(VerifyError::Expired)
        );
    }

    #[tokio::test]
    async fn expired_within_the_leeway_is_accepted_and_beyond_it_is_not() {
        let fixture = fixture_with_leeway(60).await;
        let inside = sign(&with(access_claims(), json!({ "exp": now() - 50 })));
        assert!(fixture.verifier.verify(&inside).await.is_ok());
        let outside = sign(&with(access_claims(), json!({ "exp": now() - 70 })));
        assert_eq!(
            fixture.verifier.verify(&outside).await,
            Err(VerifyError::Expired)
        );
    }

    #[tokio::test]
    async fn an_expired_token_that_is_also_invalid_is_invalid() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "exp": now() - 100, "client_id": "another-client" }),
            )),
            InvalidToken::WrongClient,
        )
        .await;
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "exp": now() - 100, "iss": "https://evil.example" }),
            )),
            InvalidToken::WrongIssuer,
        )
        .await;
    }

    #[tokio::test]
    async fn an_expired_forgery_is_not_worth_a_refresh() {
        let token = foreign_key()
            .sign_with_header(
                &json!({ "alg": "RS256", "kid": access_key().kid() }),
                &with(access_claims(), json!({ "exp": now() - 100 })),
            )
            .unwrap();
        rejects(&token, InvalidToken::BadSignature).await;
    }

    #[tokio::test]
    async fn not_yet_valid() {
        rejects(
            &sign(&with(access_claims(), json!({ "nbf": now() + 600 }))),
            InvalidToken::NotYetValid,
        )
        .await;
    }

    #[tokio::test]
    async fn nbf_within_the_leeway_is_accepted_and_beyond_it_is_not() {
        let fixture = fixture_with_leeway(30).await;
        let inside = sign(&with(access_claims(), json!({ "nbf": now() + 20 })));
        assert!(fixture.verifier.verify(&inside).await.is_ok());
        let outside = sign(&with(access_claims(), json!({ "nbf": now() + 60 })));
        assert_eq!(
            fixture.verifier.verify(&outside).await,
            Err(VerifyError::Invalid(InvalidToken::NotYetValid))
        );
    }

    // Substitution.

    #[tokio::test]
    async fn wrong_issuer() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1234" }),
            )),
            InvalidToken::WrongIssuer,
        )
        .await;
    }

    #[tokio::test]
    async fn issuer_with_a_trailing_slash() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "iss": format!("{ISSUER}/") }),
            )),
            InvalidToken::WrongIssuer,
        )
        .await;
    }

    #[tokio::test]
    async fn an_id_token_used_as_an_access_token() {
        let token = id_key().sign(&id_claims()).unwrap();
        rejects(&token, InvalidToken::WrongTokenUse).await;
    }

    #[tokio::test]
    async fn an_access_token_used_as_an_id_token() {
        let fixture = fixture().await;
        let token = sign(&access_claims());
        assert_eq!(
            fixture.verifier.verify_id_token(&token, None).await,
            Err(VerifyError::Invalid(InvalidToken::MissingClaim(
                "aud".into()
            )))
        );
        let with_audience = sign(&with(access_claims(), json!({ "aud": CLIENT_ID })));
        assert_eq!(
            fixture.verifier.verify_id_token(&with_audience, None).await,
            Err(VerifyError::Invalid(InvalidToken::WrongTokenUse))
        );
    }

    #[tokio::test]
    async fn an_unknown_token_use() {
        rejects(
            &sign(&with(access_claims(), json!({ "token_use": "refresh" }))),
            InvalidToken::WrongTokenUse,
        )
        .await;
    }

    #[tokio::test]
    async fn another_clients_access_token() {
        rejects(
            &sign(&with(
                access_claims(),
                json!({ "client_id": "0therc1ient0000000000000ab" }),
            )),
            InvalidToken::WrongClient,
        )
        .await;
    }

    #[tokio::test]
    async fn another_clients_id_token() {
        let fixture = fixture().await;
        let token = id_key()
            .sign(&with(id_claims(), json!({ "aud": "another-client" })))
            .unwrap();
        assert_eq!(
            fixture.verifier.verify_id_token(&token, None).await,
            Err(VerifyError::Invalid(InvalidToken::WrongAudience))
        );
    }

    #[tokio::test]
    async fn an_id_token_with_an_audience_list() {
        let fixture = fixture().await;
        let token = id_key()
            .sign(&with(
                id_claims(),
                json!({ "aud": [CLIENT_ID, "another-client"] }),
            ))
            .unwrap();
        assert_eq!(
            fixture.verifier.verify_id_token(&token, None).await,
            Err(VerifyError::Invalid(InvalidToken::MalformedClaim(
                "aud".into()
            )))
        );
    }

    #[tokio::test]
    async fn an_id_token_with_a_number_in_its_audience_list() {
        let fixture = fixture().await;
        let token = id_key()
            .sign(&with(id_claims(), json!({ "aud": [CLIENT_ID, 7] })))
            .unwrap();
        assert_eq!(
            fixture.verifier.verify_id_token(&token, None).await,
            Err(VerifyError::Invalid(InvalidToken::MalformedClaim(
                "aud".into()
            )))
        );
    }

    #[tokio::test]
    async fn an_id_token_with_another_nonce() {
        let fixture = fixture().await;
        let token = id_key().sign(&id_claims()).unwrap();
        assert_eq!(
            fixture
                .verifier
                .verify_id_token(&token, Some("another-nonce"))
                .await,
            Err(VerifyError::Invalid(InvalidToken::NonceMismatch))
        );
        let without = id_key()
            .sign(&with(id_claims(), json!({ "nonce": null })))
            .unwrap();
        assert_eq!(
            fixture
                .verifier
                .verify_id_token(&without, Some("the-nonce"))
                .await,
            Err(VerifyError::Invalid(InvalidToken::NonceMismatch))
        );
    }

    #[tokio::test]
    async fn an_id_token_with_a_malformed_email_verified() {
        let fixture = fixture().await;
        let token = id_key()
            .sign(&with(id_claims(), json!({ "email_verified": "true" })))
            .unwrap();
        assert_eq!(
            fixture.verifier.verify_id_token(&token, None).await,
            Err(VerifyError::Invalid(InvalidToken::MalformedClaim(
                "email_verified".into()
            )))
        );
    }

    // Keys.

    #[tokio::test]
    async fn keys_that_cannot_be_fetched() {
        let server = JwksServer::start(json!({ "keys": [] })).await;
        server.fail(true);
        let http = crate::server::http_client::builder().build().unwrap();
        let verifier = TokenVerifier::new(
            JwksCache::new(server.url(), http),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
            Duration::ZERO,
        );
        assert_eq!(
            verifier.verify(&sign(&access_claims())).await,
            Err(VerifyError::KeysUnavailable)
        );
        assert_eq!(
            verifier.keys_ready().await,
            Err(VerifyError::KeysUnavailable)
        );
    }
}
