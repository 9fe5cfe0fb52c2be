//! The tokens the local Authsignal hands out: HS256 JWTs signed with a key of this installation,
//! valid for ten minutes, shaped as reference §3 recommends. The emulator's own clock decides
//! expiry, so tests can move it forward instead of sleeping.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::data::Action;

/// "The token is valid for 10 minutes" (reference §3).
pub(super) const LIFETIME_SECS: i64 = 600;

/// What a track token allows unless the track call asked for more.
pub(super) const DEFAULT_SCOPE: &str = "read:authenticators";

/// What a completed challenge allows (reference §3, "Scope rules").
pub(super) const MANAGE_SCOPE: &str =
    "read:authenticators add:authenticators update:authenticators remove:authenticators";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Space-separated.
    pub scope: String,
    pub other: Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Other {
    pub tenant_id: String,
    pub user_id: String,
    pub action_code: String,
    pub idempotency_key: String,
}

impl Claims {
    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scope.split_whitespace().any(|scope| scope == wanted)
    }

    pub fn is_for(&self, action: &Action) -> bool {
        action.is(
            &self.other.user_id,
            &self.other.action_code,
            &self.other.idempotency_key,
        )
    }
}

/// Whether a space-separated scope allows adding, changing or removing authenticators.
pub(super) fn grants_management(scope: &str) -> bool {
    scope.split_whitespace().any(|scope| scope != DEFAULT_SCOPE)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenError {
    /// Not a token of this installation: garbage, another key, another tenant.
    Invalid,
    Expired,
}

pub(super) struct Tokens {
    tenant_id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Tokens {
    pub fn new(tenant_id: &str, key: &[u8]) -> Self {
        Self {
            tenant_id: tenant_id.to_owned(),
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
        }
    }

    pub fn mint(
        &self,
        action: &Action,
        scope: &str,
        now: OffsetDateTime,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let iat = now.unix_timestamp();
        let claims = Claims {
            sub: action.user_id.clone(),
            iat,
            exp: iat + LIFETIME_SECS,
            scope: scope.to_owned(),
            other: Other {
                tenant_id: self.tenant_id.clone(),
                user_id: action.user_id.clone(),
                action_code: action.code.clone(),
                idempotency_key: action.idempotency_key.clone(),
            },
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the emulator's clock, not the system's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.other.tenant_id != self.tenant_id || claims.sub != claims.other.user_id {
            return Err(TokenError::Invalid);
        }
        if now.unix_timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn action() -> Action {
        let now = OffsetDateTime::now_utc();
        Action {
            user_id: "user-1".into(),
            code: "signIn".into(),
            idempotency_key: "key-1".into(),
            state: crate::wire::authsignal::ActionState::Allow,
            created_at: now,
            state_updated_at: now,
            verification_method: None,
            verified_by_authenticator_id: None,
            scope: DEFAULT_SCOPE.into(),
            verification_methods: None,
            redirect_url: None,
            redirect_to_settings: false,
            ip_address: None,
            user_agent: None,
            device_id: None,
        }
    }

    #[test]
    fn a_token_is_valid_for_ten_minutes_of_emulator_time() {
        let tokens = Tokens::new("tenant", b"key-key-key-key-key-key-key-key!");
        let now = OffsetDateTime::now_utc();
        let token = tokens.mint(&action(), DEFAULT_SCOPE, now).unwrap();
        let claims = tokens.verify(&token, now + Duration::seconds(599)).unwrap();
        assert!(claims.is_for(&action()));
        assert!(!grants_management(&claims.scope));
        assert!(grants_management(MANAGE_SCOPE));
        assert_eq!(
            tokens.verify(&token, now + Duration::seconds(600)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn foreign_and_tampered_tokens_are_invalid() {
        let ours = Tokens::new("tenant", b"key-key-key-key-key-key-key-key!");
        let theirs = Tokens::new("tenant", b"another-key-another-key-another!");
        let other_tenant = Tokens::new("other", b"key-key-key-key-key-key-key-key!");
        let now = OffsetDateTime::now_utc();
        let foreign = theirs.mint(&action(), MANAGE_SCOPE, now).unwrap();
        assert_eq!(ours.verify(&foreign, now), Err(TokenError::Invalid));
        let other = other_tenant.mint(&action(), MANAGE_SCOPE, now).unwrap();
        assert_eq!(ours.verify(&other, now), Err(TokenError::Invalid));
        let token = ours.mint(&action(), DEFAULT_SCOPE, now).unwrap();
        let tampered = format!("{token}x");
        assert_eq!(ours.verify(&tampered, now), Err(TokenError::Invalid));
        assert_eq!(ours.verify("not a token", now), Err(TokenError::Invalid));
    }
}
