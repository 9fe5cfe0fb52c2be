//! Checks Cognito access and ID tokens: what aws-jwt-verify checks, and stricter where it is
//! lax (`exp` is required, only RS256 is accepted). jsonwebtoken verifies the signature, `exp`,
//! `nbf` and `iss`; the Cognito rules (`token_use`, `client_id`, `aud`) are checked here, on the
//! verified claims only.
//!
//! The header is read before the signature is checked, but only to refuse what can never be
//! valid and to pick the key: the `kid` is a map key and nothing else (never a path or URL), and
//! `jku`, `x5u` and embedded `jwk` headers are ignored.

mod cache;

use std::{sync::Arc, time::Duration};

use aws_lc_rs::constant_time;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Map, Value};

use super::jwks::JwksCache;
use cache::TokenCache;

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
pub(crate) enum TokenUse {
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
    verified: TokenCache,
}

impl TokenVerifier {
    pub fn new(keys: JwksCache, issuer: String, client_id: String, leeway: Duration) -> Self {
        Self {
            keys,
            issuer,
            client_id,
            leeway: leeway.as_secs(),
            verified: TokenCache::default(),
        }
    }

    /// Forgets every token verified so far, so the next use of each is checked in full.
    pub fn forget_verified(&self) {
        self.verified.clear();
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
            // Cognito sends a boolean for native users, but turns attributes into strings in
            // other places (userInfo; after an email change, amazon-cognito-identity-js#436).
            email_verified: match claims.get("email_verified") {
                None => None,
                Some(Value::Bool(verified)) => Some(*verified),
                Some(Value::String(text)) if text == "true" => Some(true),
                Some(Value::String(text)) if text == "false" => Some(false),
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

    /// The claims of a token verified in full before (still under a key of the JWKS, and not
    /// expired), or else of one verified in full now.
    async fn verify_claims(
        &self,
        token: &str,
        token_use: TokenUse,
    ) -> Result<Arc<Map<String, Value>>, VerifyError> {
        let fingerprint = cache::fingerprint(token);
        if let Some(verified) = self.verified.get(&fingerprint)
            && verified.token_use == token_use
        {
            if self.keys.holds(&verified.kid) {
                let now = jsonwebtoken::get_current_timestamp() as i64;
                if now > verified.exp.saturating_add(self.leeway as i64) {
                    return Err(VerifyError::Expired);
                }
                return Ok(verified.claims);
            }
            self.verified.remove(&fingerprint);
        }
        let kid = check_header(token)?;
        let key = self.keys.key(&kid).await?;
        match decode(token, &key, &self.validation(token_use, true)) {
            Ok(claims) => {
                self.check_cognito_claims(&claims, token_use)?;
                let claims = Arc::new(claims);
                self.verified.insert(
                    fingerprint,
                    cache::Verified {
                        kid,
                        token_use,
                        exp: integer(&claims, "exp")?,
                        claims: claims.clone(),
                    },
                );
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
mod tests;
