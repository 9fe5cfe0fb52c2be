//! The local pool's signing keys: one RSA-2048 pair for ID tokens and one for access tokens, as
//! Cognito has, generated at first start and kept in the data directory (never in the repo, so
//! nobody can forge tokens for someone else's copy).

use std::{io, path::Path, sync::RwLock};

use aws_lc_rs::{
    digest,
    encoding::AsDer,
    rand::SystemRandom,
    rsa::{KeyPair, KeySize},
    signature::{KeyPair as _, RSA_PKCS1_SHA256},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::storage;

/// One RSA key pair and its key ID.
pub struct SigningKey {
    pair: KeyPair,
    kid: String,
}

impl SigningKey {
    pub fn generate() -> io::Result<Self> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| io::Error::other("RSA key generation failed"))?;
        Ok(Self::from_pair(pair))
    }

    fn from_pkcs8(der: &[u8]) -> io::Result<Self> {
        let pair = KeyPair::from_pkcs8(der).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a stored key is not an RSA private key: {error}"),
            )
        })?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: KeyPair) -> Self {
        // Like Cognito's: 44 characters of standard base64, with `+`, `/` and `=`.
        let kid = STANDARD.encode(digest::digest(&digest::SHA256, pair.public_key().as_ref()));
        Self { pair, kid }
    }

    fn to_pkcs8(&self) -> io::Result<String> {
        let der = self
            .pair
            .as_der()
            .map_err(|_| io::Error::other("the key could not be serialized"))?;
        Ok(STANDARD.encode(der.as_ref()))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as Cognito publishes it in `jwks.json`.
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "use": "sig",
        })
    }

    /// The modulus and exponent, base64url, as a verifier builds its key from them.
    pub fn public_components(&self) -> (String, String) {
        let public = self.pair.public_key();
        (
            URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        )
    }

    /// A compact RS256 JWS of `claims` with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> io::Result<String> {
        self.sign_with_header(&json!({ "kid": self.kid, "alg": "RS256" }), claims)
    }

    /// Signs exactly the header given, whatever it says, so tests can build hostile tokens with
    /// a genuine signature.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> io::Result<String> {
        self.sign_parts(header.to_string().as_bytes(), claims.to_string().as_bytes())
    }

    /// The compact serialization of these exact header and payload bytes, signed with RS256.
    /// jsonwebtoken's signer would need a PKCS#1 key, which aws-lc-rs does not export; the
    /// serialization itself is three base64url parts.
    pub fn sign_parts(&self, header: &[u8], payload: &[u8]) -> io::Result<String> {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| io::Error::other("RSA signing failed"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// Which of the pool's two keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    Access,
    Id,
}

/// The current key for each token use, and the one it replaced: tokens signed before a
/// rotation keep verifying until they expire.
pub struct KeyRing {
    path: std::path::PathBuf,
    keys: RwLock<Keys>,
}

struct Keys {
    access: SigningKey,
    id: SigningKey,
    previous_access: Option<SigningKey>,
    previous_id: Option<SigningKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    access: String,
    id: String,
    #[serde(default)]
    previous_access: Option<String>,
    #[serde(default)]
    previous_id: Option<String>,
}

impl KeyRing {
    /// Loads `<dir>/keys.json`, creating both keys the first time.
    pub async fn open(dir: &Path) -> io::Result<Self> {
        let path = dir.join("keys.json");
        let stored: StoredKeys = storage::load_or_create(&path, || {
            let (access, id) = (SigningKey::generate()?, SigningKey::generate()?);
            Ok(StoredKeys {
                access: access.to_pkcs8()?,
                id: id.to_pkcs8()?,
                previous_access: None,
                previous_id: None,
            })
        })
        .await?;
        let keys = Keys {
            access: decode_key(&stored.access)?,
            id: decode_key(&stored.id)?,
            previous_access: stored
                .previous_access
                .as_deref()
                .map(decode_key)
                .transpose()?,
            previous_id: stored.previous_id.as_deref().map(decode_key).transpose()?,
        };
        Ok(Self {
            path,
            keys: RwLock::new(keys),
        })
    }

    /// Signs with the current key for `token_use`.
    pub fn sign(&self, token_use: TokenUse, claims: &Value) -> io::Result<String> {
        let keys = self.read();
        match token_use {
            TokenUse::Access => keys.access.sign(claims),
            TokenUse::Id => keys.id.sign(claims),
        }
    }

    /// `{"keys": [...]}`: current and previous keys of both uses.
    pub fn jwks(&self) -> Value {
        let keys = self.read();
        let all = [
            Some(&keys.id),
            Some(&keys.access),
            keys.previous_id.as_ref(),
            keys.previous_access.as_ref(),
        ];
        json!({ "keys": all.into_iter().flatten().map(SigningKey::jwk).collect::<Vec<_>>() })
    }

    /// The public components of the access key with this `kid`, current or previous.
    pub fn access_key(&self, kid: &str) -> Option<(String, String)> {
        let keys = self.read();
        [Some(&keys.access), keys.previous_access.as_ref()]
            .into_iter()
            .flatten()
            .find(|key| key.kid() == kid)
            .map(SigningKey::public_components)
    }

    /// Replaces both keys with new ones; the old ones stay published until the next rotation.
    pub async fn rotate(&self) -> io::Result<(String, String)> {
        let (access, id) = tokio::task::spawn_blocking(|| {
            Ok::<_, io::Error>((SigningKey::generate()?, SigningKey::generate()?))
        })
        .await
        .map_err(io::Error::other)??;
        let (stored, kids) = {
            let mut keys = self
                .keys
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let previous_access = std::mem::replace(&mut keys.access, access);
            let previous_id = std::mem::replace(&mut keys.id, id);
            keys.previous_access = Some(previous_access);
            keys.previous_id = Some(previous_id);
            let stored = StoredKeys {
                access: keys.access.to_pkcs8()?,
                id: keys.id.to_pkcs8()?,
                previous_access: keys
                    .previous_access
                    .as_ref()
                    .map(SigningKey::to_pkcs8)
                    .transpose()?,
                previous_id: keys
                    .previous_id
                    .as_ref()
                    .map(SigningKey::to_pkcs8)
                    .transpose()?,
            };
            (stored, (keys.access.kid.clone(), keys.id.kid.clone()))
        };
        storage::save(&self.path, &stored).await?;
        Ok(kids)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn decode_key(encoded: &str) -> io::Result<SigningKey> {
    let der = STANDARD.decode(encoded).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a stored key is not valid base64",
        )
    })?;
    SigningKey::from_pkcs8(&der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kids_look_like_cognitos_and_jwks_entries_are_complete() {
        let key = SigningKey::generate().unwrap();
        assert_eq!(key.kid().len(), 44);
        assert!(key.kid().ends_with('='));
        let jwk = key.jwk();
        for field in ["alg", "e", "kid", "kty", "n", "use"] {
            assert!(jwk[field].is_string(), "{field} in {jwk}");
        }
        assert_eq!(jwk["e"], "AQAB");
        // 2048 bits, base64url without padding.
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
    }

    #[tokio::test]
    async fn keys_survive_a_restart_and_rotation_keeps_the_old_ones_published() {
        let dir =
            std::env::temp_dir().join(format!("account-security-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = KeyRing::open(&dir).await.unwrap();
        let jwks = first.jwks();
        let second = KeyRing::open(&dir).await.unwrap();
        assert_eq!(second.jwks(), jwks);
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert_ne!(jwks["keys"][0]["kid"], jwks["keys"][1]["kid"]);

        let old_access = first.read().access.kid.clone();
        let (new_access, _) = first.rotate().await.unwrap();
        assert_ne!(new_access, old_access);
        assert!(first.access_key(&old_access).is_some());
        assert!(first.access_key(&new_access).is_some());
        let reopened = KeyRing::open(&dir).await.unwrap();
        assert_eq!(reopened.jwks()["keys"].as_array().unwrap().len(), 4);
        assert_eq!(reopened.read().access.kid, new_access);
    }
}
