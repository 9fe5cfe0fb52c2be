//! The sealed proof of a step-up: AES-256-GCM with a key derived from `SESSION_KEY`, so every
//! instance opens what any instance sealed, and no client can read or forge it. It names the
//! person and the sign-in, and when it lapses.

use std::time::Duration;

use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    hkdf::{HKDF_SHA256, Salt},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    model::{AppError, VerificationMethod},
    server::session::CurrentUser,
};

/// What the key is derived for, so it is never the cookies' key.
const KEY_INFO: &[u8] = b"account-security step-up proof v1";
/// Sealed into every proof: a sealed value of any other kind does not open as one.
const AAD: &[u8] = b"step-up-proof";

/// What a proof says, sealed.
#[derive(Serialize, Deserialize)]
struct Proof {
    sub: String,
    session: String,
    /// Unix seconds.
    expires_at: i64,
    method: Option<VerificationMethod>,
}

/// Seals and opens proofs.
pub struct StepUp {
    key: LessSafeKey,
    window: Duration,
}

/// A proof just sealed, and when it lapses.
pub struct Granted {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl StepUp {
    /// `master` is the session key's master bytes.
    pub fn new(master: &[u8], window: Duration) -> Self {
        let prk = Salt::new(HKDF_SHA256, &[]).extract(master);
        let key = prk
            .expand(&[KEY_INFO], &AES_256_GCM)
            .map(UnboundKey::from)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA-256 output length"));
        Self {
            key: LessSafeKey::new(key),
            window,
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Seconds left in the window that `token` grants this person in this sign-in, if any.
    pub fn remaining(
        &self,
        token: Option<&str>,
        user: &CurrentUser,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let proof = self.open(token?)?;
        let left = proof.expires_at - now.unix_timestamp();
        (proof.sub == user.sub && proof.session == user.session_id && left > 0)
            .then_some(left.unsigned_abs())
    }

    pub(super) fn grant(
        &self,
        user: &CurrentUser,
        method: Option<VerificationMethod>,
        now: OffsetDateTime,
    ) -> Result<Granted, AppError> {
        let expires_at = now + self.window;
        let proof = Proof {
            sub: user.sub.clone(),
            session: user.session_id.clone(),
            expires_at: expires_at.unix_timestamp(),
            method,
        };
        let mut sealed = serde_json::to_vec(&proof)
            .map_err(|error| AppError::Internal(format!("a proof did not serialise: {error}")))?;
        let mut nonce = [0_u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| AppError::Internal("no randomness for a proof".to_owned()))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(AAD),
                &mut sealed,
            )
            .map_err(|_| AppError::Internal("a proof could not be sealed".to_owned()))?;
        let mut token = nonce.to_vec();
        token.append(&mut sealed);
        Ok(Granted {
            token: URL_SAFE_NO_PAD.encode(token),
            expires_at,
        })
    }

    fn open(&self, token: &str) -> Option<Proof> {
        // A proof is a hundred-odd bytes; anything far larger is not one.
        if token.len() > 1024 {
            return None;
        }
        let mut bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).ok()?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(AAD), &mut sealed)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(sub: &str, session: &str) -> CurrentUser {
        CurrentUser {
            sub: sub.into(),
            username: sub.into(),
            email: None,
            auth_time: 0,
            session_id: session.into(),
        }
    }

    fn step_up() -> StepUp {
        StepUp::new(&[7; 64], Duration::from_secs(600))
    }

    #[test]
    fn a_proof_holds_for_its_person_and_sign_in_until_the_window_ends() {
        let step_up = step_up();
        let jane = user("jane", "sign-in-1");
        let now = OffsetDateTime::now_utc();
        let granted = step_up
            .grant(&jane, Some(VerificationMethod::EmailOtp), now)
            .unwrap();
        let token = Some(granted.token.as_str());
        assert_eq!(step_up.remaining(token, &jane, now), Some(600));
        assert_eq!(
            step_up.remaining(token, &jane, now + time::Duration::seconds(599)),
            Some(1)
        );
        assert_eq!(
            step_up.remaining(token, &jane, now + time::Duration::seconds(600)),
            None
        );
        assert_eq!(
            step_up.remaining(token, &user("john", "sign-in-1"), now),
            None
        );
        assert_eq!(
            step_up.remaining(token, &user("jane", "sign-in-2"), now),
            None
        );
    }

    #[test]
    fn a_proof_cannot_be_read_forged_or_moved_to_another_key() {
        let step_up = step_up();
        let jane = user("jane", "s");
        let now = OffsetDateTime::now_utc();
        let token = step_up.grant(&jane, None, now).unwrap().token;
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("jane"));
        let mut tampered = bytes.clone();
        tampered[20] ^= 1;
        let other_key = StepUp::new(&[8; 64], Duration::from_secs(600));
        for bad in [
            URL_SAFE_NO_PAD.encode(tampered),
            "".to_owned(),
            "not base64!".to_owned(),
            URL_SAFE_NO_PAD.encode([0_u8; 12]),
            "A".repeat(2000),
        ] {
            assert_eq!(step_up.remaining(Some(&bad), &jane, now), None, "{bad}");
        }
        assert_eq!(other_key.remaining(Some(&token), &jane, now), None);
    }
}
