//! Tokens already verified, as API gateways keep them (Envoy's `jwt_authn` cache): the same
//! bytes are not checked again while they live. Entries are keyed by the token's SHA-256, not
//! the token; `exp` is checked on every use (`nbf`, passed at the full check, stays passed);
//! the cache is bounded; an entry whose key left the JWKS is dropped by the verifier before use.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use super::{Claims, TokenUse};
use aws_lc_rs::digest::{SHA256, digest};

/// Verified tokens kept at most; the oldest go first.
const MAX_ENTRIES: usize = 10_000;

pub type Fingerprint = [u8; 32];

/// A token's verified claims, and what must still hold each time it is used.
#[derive(Clone)]
pub struct Verified {
    pub kid: String,
    pub token_use: TokenUse,
    pub exp: i64,
    pub claims: Arc<Claims>,
}

#[derive(Default)]
pub struct TokenCache(Mutex<Entries>);

#[derive(Default)]
struct Entries {
    by_token: HashMap<Fingerprint, Verified>,
    /// Insertion order, for eviction.
    order: VecDeque<Fingerprint>,
}

pub fn fingerprint(token: &str) -> Fingerprint {
    let mut fingerprint = [0; 32];
    fingerprint.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    fingerprint
}

impl TokenCache {
    pub fn get(&self, token: &Fingerprint) -> Option<Verified> {
        self.entries().by_token.get(token).cloned()
    }

    pub fn insert(&self, token: Fingerprint, verified: Verified) {
        let mut entries = self.entries();
        if entries.by_token.insert(token, verified).is_none() {
            entries.order.push_back(token);
        }
        while entries.by_token.len() > MAX_ENTRIES {
            match entries.order.pop_front() {
                Some(oldest) => {
                    entries.by_token.remove(&oldest);
                }
                None => break,
            }
        }
    }

    pub fn remove(&self, token: &Fingerprint) {
        let mut entries = self.entries();
        entries.by_token.remove(token);
        entries.order.retain(|kept| kept != token);
    }

    /// Forgets every verification.
    pub fn clear(&self) {
        *self.entries() = Entries::default();
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries().by_token.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified() -> Verified {
        Verified {
            kid: "k".into(),
            token_use: TokenUse::Access,
            exp: 0,
            claims: Arc::default(),
        }
    }

    #[test]
    fn the_cache_keeps_at_most_its_bound_and_drops_the_oldest() {
        let cache = TokenCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.insert(fingerprint(&format!("token-{i}")), verified());
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(cache.get(&fingerprint("token-0")).is_none());
        assert!(
            cache
                .get(&fingerprint(&format!("token-{}", MAX_ENTRIES + 9)))
                .is_some()
        );
    }
}
