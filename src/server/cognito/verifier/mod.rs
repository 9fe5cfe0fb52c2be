//! Checks Cognito access and ID tokens: what aws-jwt-verify checks, and stricter where it is
//! lax (`exp` is required, only RS256 is accepted, no header member or claim the verifier reads
//! may appear twice). `jsonwebtoken::decode` (aws-lc-rs) checks the signature with the pool's
//! key, built once per JWKS fetch, then reads the claims into [`Claims`] and checks `nbf` and
//! `iss`; the rules Cognito's tokens need beyond that (`token_use`, `client_id`, one audience,
//! the types of the claims the app reads) follow here, and expiry last, so that only a token
//! valid in every other way is worth a refresh. Claims are only ever read from a payload whose
//! signature is genuine.
//!
//! The header is read before the signature is checked, but only to refuse what can never be
//! valid and to pick the key: the `kid` is a map key and nothing else (never a path or URL), and
//! `jku`, `x5u` and embedded `jwk` headers are ignored.

mod cache;

use std::{fmt, sync::Arc, time::Duration};

use aws_lc_rs::constant_time;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind};
use serde::{
    Deserialize, Deserializer,
    de::{DeserializeOwned, MapAccess, Visitor, value::MapAccessDeserializer},
};
use serde_json::Value;

use super::jwks::JwksCache;
pub use super::verify_error::{InvalidToken, VerifyError};
use cache::TokenCache;

/// Cognito's tokens are 1–2 KiB; larger input is refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Real kids are 44 characters.
const MAX_KID_BYTES: usize = 256;
/// RSA-8192, the largest key aws-lc-rs verifies with, signs in 1 KiB.
const MAX_SIGNATURE_BYTES: usize = 1024;

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
    client_id: String,
    leeway: u64,
    /// What `jsonwebtoken::decode` checks: RS256 only, `nbf` and the issuer.
    validation: Validation,
    verified: TokenCache,
}

impl TokenVerifier {
    pub fn new(keys: JwksCache, issuer: String, client_id: String, leeway: Duration) -> Self {
        let leeway = leeway.as_secs();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = leeway;
        validation.set_issuer(&[issuer]);
        // Checked below, where a missing claim and one of the wrong type tell apart, and where
        // expiry comes last.
        validation.set_required_spec_claims::<&str>(&[]);
        validation.validate_exp = false;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        Self {
            keys,
            client_id,
            leeway,
            validation,
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
            email_verified: match &claims.email_verified {
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
    ) -> Result<Arc<Claims>, VerifyError> {
        let fingerprint = cache::fingerprint(token);
        if let Some(verified) = self.verified.get(&fingerprint)
            && verified.token_use == token_use
        {
            if self.keys.holds(&verified.kid) {
                if self.expired(verified.exp) {
                    return Err(VerifyError::Expired);
                }
                return Ok(verified.claims);
            }
            self.verified.remove(&fingerprint);
        }
        let parts = check_header(token)?;
        let key = self.keys.key(&parts.kid).await?;
        let claims = jsonwebtoken::decode::<ClaimsObject>(token, &key, &self.validation)
            .map_err(|error| refusal(token, error.kind()))?
            .claims
            .0;
        let exp = self.check_claims(&claims, token_use)?;
        // Expired is reported only for a token that is valid in every other way: only such a
        // token is worth a refresh.
        if self.expired(exp) {
            return Err(VerifyError::Expired);
        }
        let claims = Arc::new(claims);
        self.verified.insert(
            fingerprint,
            cache::Verified {
                kid: parts.kid,
                token_use,
                exp,
                claims: claims.clone(),
            },
        );
        Ok(claims)
    }

    fn expired(&self, exp: i64) -> bool {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        now > exp.saturating_add(self.leeway as i64)
    }

    /// Every claim rule but expiry and those `jsonwebtoken::decode` checked (`nbf`, the value of
    /// `iss`), on a payload whose signature is genuine; returns `exp`. The registered claims a
    /// kind of token must have count as missing when `null`.
    fn check_claims(&self, claims: &Claims, token_use: TokenUse) -> Result<i64, InvalidToken> {
        let required: &[&str] = match token_use {
            TokenUse::Access => &["exp", "iss", "sub"],
            TokenUse::Id => &["exp", "iss", "sub", "aud"],
        };
        if let Some(missing) = required
            .iter()
            .find(|name| claims.get(name).is_none_or(Value::is_null))
        {
            return Err(InvalidToken::MissingClaim((*missing).to_owned()));
        }
        let exp = integer(claims, "exp")?;
        // A list of issuers, even with ours in it, is not Cognito's.
        string(claims, "iss")?;
        if string(claims, "token_use")? != token_use.claim() {
            return Err(InvalidToken::WrongTokenUse);
        }
        if string(claims, "sub")?.is_empty() {
            return Err(malformed("sub"));
        }
        match token_use {
            TokenUse::Access => {
                if claims.aud.is_some() {
                    return Err(InvalidToken::UnexpectedAudience);
                }
                if string(claims, "client_id")? != self.client_id {
                    return Err(InvalidToken::WrongClient);
                }
            }
            // One audience, as Cognito issues it; a list, even with ours in it, is refused.
            TokenUse::Id => {
                if string(claims, "aud")? != self.client_id {
                    return Err(InvalidToken::WrongAudience);
                }
            }
        }
        Ok(exp)
    }
}

/// The claims the app reads, as a payload whose signature is genuine states them: `None` when
/// absent, `Some(Value::Null)` when `null`. A claim the app reads that is named twice makes the
/// payload malformed; one it does not read is skipped unparsed.
#[derive(Default, Deserialize)]
pub(crate) struct Claims {
    #[serde(default, deserialize_with = "present")]
    exp: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    nbf: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    iat: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    auth_time: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    iss: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    sub: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    aud: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    token_use: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    client_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    username: Option<Value>,
    #[serde(default, deserialize_with = "present", rename = "cognito:username")]
    cognito_username: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    scope: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    jti: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    origin_jti: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    nonce: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    email_verified: Option<Value>,
}

impl Claims {
    fn get(&self, name: &str) -> Option<&Value> {
        match name {
            "exp" => self.exp.as_ref(),
            "nbf" => self.nbf.as_ref(),
            "iat" => self.iat.as_ref(),
            "auth_time" => self.auth_time.as_ref(),
            "iss" => self.iss.as_ref(),
            "sub" => self.sub.as_ref(),
            "aud" => self.aud.as_ref(),
            "token_use" => self.token_use.as_ref(),
            "client_id" => self.client_id.as_ref(),
            "username" => self.username.as_ref(),
            "cognito:username" => self.cognito_username.as_ref(),
            "scope" => self.scope.as_ref(),
            "jti" => self.jti.as_ref(),
            "origin_jti" => self.origin_jti.as_ref(),
            "nonce" => self.nonce.as_ref(),
            "email" => self.email.as_ref(),
            "email_verified" => self.email_verified.as_ref(),
            // A claim not listed here reads as absent: a token that needs it is refused.
            _ => None,
        }
    }
}

/// [`Claims`] from a JSON object only: a derived struct would also read an array, by position.
struct ClaimsObject(Claims);

impl<'de> Deserialize<'de> for ClaimsObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Claims;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object of claims")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Claims, A::Error> {
                Claims::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Object).map(Self)
    }
}

/// Why `jsonwebtoken::decode` refused a token whose header [`check_header`] already passed.
fn refusal(token: &str, error: &ErrorKind) -> InvalidToken {
    match error {
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            InvalidToken::AlgorithmNotAllowed
        }
        ErrorKind::ImmatureSignature => InvalidToken::NotYetValid,
        ErrorKind::InvalidIssuer => InvalidToken::WrongIssuer,
        ErrorKind::InvalidClaimFormat(claim) => malformed(claim),
        ErrorKind::MissingRequiredClaim(claim) => InvalidToken::MissingClaim(claim.clone()),
        ErrorKind::InvalidToken => InvalidToken::NotAJwt,
        // The signature's encoding was checked before: a payload that does not decode.
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) => InvalidToken::MalformedPayload,
        // jsonwebtoken reads the whole header into its own type, which is stricter about
        // members this verifier ignores.
        ErrorKind::Json(_) if jsonwebtoken::decode_header(token).is_err() => {
            InvalidToken::MalformedHeader
        }
        ErrorKind::Json(_) => InvalidToken::MalformedPayload,
        _ => InvalidToken::BadSignature,
    }
}

/// The members of the header the verifier reads, as [`Claims`] are read.
#[derive(Deserialize)]
struct Header {
    #[serde(default, deserialize_with = "present")]
    alg: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    kid: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    crit: Option<Value>,
}

/// A JSON object read into `T`, or nothing: a derived struct would also read an array, by
/// position.
fn object<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    if json.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// A member that is there, `null` included.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// A token cut at its dots, its header checked.
struct Parts {
    kid: String,
}

/// Structure and header checks.
fn check_header(token: &str) -> Result<Parts, InvalidToken> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(InvalidToken::TooLong);
    }
    // One pass over the bytes, with no early exit, so that it runs many bytes at a time.
    let alphabet = token.bytes().fold(true, |valid, b| {
        valid & (b.is_ascii_alphanumeric() | (b == b'-') | (b == b'_') | (b == b'.'))
    });
    let mut parts = token.splitn(4, '.');
    let (Some(header), Some(payload), Some(signature), None, true) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        alphabet,
    ) else {
        return Err(InvalidToken::NotAJwt);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|json| object(&json))
        .ok_or(InvalidToken::MalformedHeader)?;
    match &header.alg {
        None => return Err(InvalidToken::MissingAlgorithm),
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(_)) => return Err(InvalidToken::AlgorithmNotAllowed),
        Some(_) => return Err(InvalidToken::MalformedHeader),
    }
    if header.crit.is_some() {
        return Err(InvalidToken::CriticalHeader);
    }
    let kid = match header.kid {
        None => return Err(InvalidToken::MissingKeyId),
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid,
        Some(_) => return Err(InvalidToken::MalformedHeader),
    };
    if payload.is_empty() || signature.is_empty() {
        return Err(InvalidToken::NotAJwt);
    }
    let mut decoded = [0; MAX_SIGNATURE_BYTES];
    URL_SAFE_NO_PAD
        .decode_slice(signature, &mut decoded)
        .map_err(|_| InvalidToken::BadSignature)?;
    Ok(Parts { kid })
}

fn malformed(name: &str) -> InvalidToken {
    InvalidToken::MalformedClaim(name.to_owned())
}

fn string(claims: &Claims, name: &str) -> Result<String, InvalidToken> {
    optional_string(claims, name)?.ok_or_else(|| InvalidToken::MissingClaim(name.to_owned()))
}

fn optional_string(claims: &Claims, name: &str) -> Result<Option<String>, InvalidToken> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(malformed(name)),
    }
}

/// NumericDate claims: whole seconds.
fn integer(claims: &Claims, name: &str) -> Result<i64, InvalidToken> {
    match claims.get(name) {
        None => Err(InvalidToken::MissingClaim(name.to_owned())),
        Some(value) => value.as_i64().ok_or_else(|| malformed(name)),
    }
}

#[cfg(test)]
mod tests;
