//! Values only this server can read or make: AES-256-GCM under a key derived from
//! `SESSION_KEY` for one purpose, so every instance opens what any instance sealed, no client
//! can read or forge one, and a value sealed for one purpose never opens as another's.

use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    hkdf::{HKDF_SHA256, Salt},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::model::AppError;

/// Seals and opens the values of one purpose.
pub struct Sealer {
    key: LessSafeKey,
    purpose: &'static [u8],
    /// Sealed values of this purpose are never longer: anything longer is not one.
    max_len: usize,
}

impl Sealer {
    /// `master` is the session key's master bytes; `purpose` names what the values are, and
    /// derives a key of its own.
    pub fn new(master: &[u8], purpose: &'static [u8], max_len: usize) -> Self {
        let prk = Salt::new(HKDF_SHA256, &[]).extract(master);
        let key = prk
            .expand(&[purpose], &AES_256_GCM)
            .map(UnboundKey::from)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA-256 output length"));
        Self {
            key: LessSafeKey::new(key),
            purpose,
            max_len,
        }
    }

    /// `value`, sealed: URL-safe base64 of a random nonce and the ciphertext.
    pub fn seal<T: Serialize>(&self, value: &T) -> Result<String, AppError> {
        let mut sealed = serde_json::to_vec(value)
            .map_err(|error| AppError::Internal(format!("a value did not serialise: {error}")))?;
        let mut nonce = [0_u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| AppError::Internal("no randomness to seal with".to_owned()))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.purpose),
                &mut sealed,
            )
            .map_err(|_| AppError::Internal("a value could not be sealed".to_owned()))?;
        let mut token = nonce.to_vec();
        token.append(&mut sealed);
        Ok(URL_SAFE_NO_PAD.encode(token))
    }

    /// What `token` holds, if this sealer sealed it.
    pub fn open<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        if token.len() > self.max_len {
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
            .open_in_place(nonce, Aad::from(self.purpose), &mut sealed)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }

    /// A fresh random id, URL-safe.
    pub fn random_id() -> Result<String, AppError> {
        let mut id = [0_u8; 16];
        aws_lc_rs::rand::fill(&mut id)
            .map_err(|_| AppError::Internal("no randomness for an id".to_owned()))?;
        Ok(URL_SAFE_NO_PAD.encode(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_with_its_key_and_purpose_and_unaltered() {
        let sealer = Sealer::new(&[7; 64], b"test purpose v1", 1024);
        let token = sealer.seal(&("jane", 42)).unwrap();
        assert_eq!(
            sealer.open::<(String, i64)>(&token),
            Some(("jane".into(), 42))
        );

        let other_purpose = Sealer::new(&[7; 64], b"another purpose v1", 1024);
        let other_key = Sealer::new(&[8; 64], b"test purpose v1", 1024);
        let mut altered = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        let altered = URL_SAFE_NO_PAD.encode(altered);
        for (case, opened) in [
            (
                "another purpose",
                other_purpose.open::<(String, i64)>(&token),
            ),
            ("another key", other_key.open(&token)),
            ("altered", sealer.open(&altered)),
            ("garbage", sealer.open("not-a-sealed-value")),
            ("too long", sealer.open(&"A".repeat(2000))),
            ("empty", sealer.open("")),
        ] {
            assert_eq!(opened, None, "{case}");
        }
        assert_ne!(
            sealer.seal(&1).unwrap(),
            sealer.seal(&1).unwrap(),
            "a fresh nonce each time"
        );
    }
}
