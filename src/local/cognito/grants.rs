//! What the local pool has handed out: one-time authorization codes (in memory, 5 minutes) and
//! refresh tokens (opaque, kept by their SHA-256 in the data directory, revocable).

use std::{
    collections::{BTreeMap, HashMap},
    io,
    path::{Path, PathBuf},
    sync::Mutex,
};

use aws_lc_rs::digest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use super::random_bytes;
use crate::storage;

/// How long an authorization code can be exchanged, as in Cognito.
pub const CODE_LIFETIME_SECS: i64 = 300;

/// One sign-in: what every token issued from it shares.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authentication {
    pub sub: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// When the user typed their password; unchanged by refreshes.
    pub auth_time: i64,
    pub origin_jti: String,
    pub event_id: String,
}

#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub authentication: Authentication,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshGrant {
    pub authentication: Authentication,
    pub expires_at: i64,
    pub revoked: bool,
}

pub struct Grants {
    path: PathBuf,
    codes: Mutex<HashMap<String, CodeGrant>>,
    /// By the SHA-256 of the token: the file never holds a usable token.
    refresh: tokio::sync::Mutex<BTreeMap<String, RefreshGrant>>,
}

impl Grants {
    pub async fn open(dir: &Path) -> io::Result<Self> {
        let path = dir.join("refresh-tokens.json");
        let refresh = storage::load(&path).await?;
        Ok(Self {
            path,
            codes: Mutex::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(refresh),
        })
    }

    pub fn issue_code(&self, grant: CodeGrant, now: i64) -> io::Result<String> {
        let code = random_token()?;
        let mut codes = self.codes();
        codes.retain(|_, grant| grant.expires_at > now);
        codes.insert(code.clone(), grant);
        Ok(code)
    }

    /// The grant of `code`, which can never be used again, whatever happens next.
    pub fn take_code(&self, code: &str) -> Option<CodeGrant> {
        self.codes().remove(code)
    }

    pub async fn issue_refresh_token(
        &self,
        authentication: Authentication,
        expires_at: i64,
    ) -> io::Result<String> {
        let token = random_token()?;
        let mut grants = self.refresh.lock().await;
        grants.insert(
            hash(&token),
            RefreshGrant {
                authentication,
                expires_at,
                revoked: false,
            },
        );
        storage::save(&self.path, &*grants).await?;
        Ok(token)
    }

    pub async fn refresh_grant(&self, token: &str) -> Option<RefreshGrant> {
        self.refresh.lock().await.get(&hash(token)).cloned()
    }

    /// Refresh token rotation: a new token for the grant of `token`, which no longer works.
    /// The sign-in it belongs to is the same (its `origin_jti` and expiry stay): AWS documents
    /// that refreshes keep `origin_jti`, and says nothing of rotation changing it.
    pub async fn rotate(&self, token: &str) -> io::Result<Option<String>> {
        let new_token = random_token()?;
        let mut grants = self.refresh.lock().await;
        let Some(grant) = grants.remove(&hash(token)) else {
            return Ok(None);
        };
        grants.insert(hash(&new_token), grant);
        storage::save(&self.path, &*grants).await?;
        Ok(Some(new_token))
    }

    /// Revokes `token` if `client_id` obtained it; an unknown token is not an error.
    pub async fn revoke(&self, token: &str, client_id: &str) -> io::Result<()> {
        let mut grants = self.refresh.lock().await;
        match grants.get_mut(&hash(token)) {
            Some(grant) if grant.authentication.client_id == client_id && !grant.revoked => {
                grant.revoked = true;
                storage::save(&self.path, &*grants).await
            }
            _ => Ok(()),
        }
    }

    /// Revokes every refresh token of the user `sub` (a global sign-out); how many were live.
    pub async fn revoke_all(&self, sub: &str) -> io::Result<usize> {
        let mut grants = self.refresh.lock().await;
        let mut revoked = 0;
        for grant in grants.values_mut() {
            if grant.authentication.sub == sub && !grant.revoked {
                grant.revoked = true;
                revoked += 1;
            }
        }
        if revoked > 0 {
            storage::save(&self.path, &*grants).await?;
        }
        Ok(revoked)
    }

    /// Whether the sign-in `origin_jti` belongs to was revoked: its access tokens stop working
    /// at `/oauth2/userInfo` (but, as with Cognito, not for verifiers that only check the JWT).
    pub async fn is_revoked(&self, origin_jti: &str) -> bool {
        self.refresh
            .lock()
            .await
            .values()
            .any(|grant| grant.revoked && grant.authentication.origin_jti == origin_jti)
    }

    fn codes(&self) -> std::sync::MutexGuard<'_, HashMap<String, CodeGrant>> {
        self.codes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn random_token() -> io::Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authentication() -> Authentication {
        Authentication {
            sub: "sub".into(),
            client_id: "client".into(),
            scopes: vec!["openid".into()],
            auth_time: 1,
            origin_jti: "origin".into(),
            event_id: "event".into(),
        }
    }

    #[test]
    fn a_code_works_once() {
        let dir = std::env::temp_dir().join("unused");
        let grants = Grants {
            path: dir,
            codes: Mutex::default(),
            refresh: tokio::sync::Mutex::default(),
        };
        let code = grants
            .issue_code(
                CodeGrant {
                    authentication: authentication(),
                    redirect_uri: "http://app/callback".into(),
                    code_challenge: None,
                    nonce: None,
                    expires_at: 100,
                },
                0,
            )
            .unwrap();
        assert!(grants.take_code(&code).is_some());
        assert!(grants.take_code(&code).is_none());
    }

    #[tokio::test]
    async fn revoked_refresh_tokens_stay_revoked_after_a_restart() {
        let dir =
            std::env::temp_dir().join(format!("account-security-grants-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let grants = Grants::open(&dir).await.unwrap();
        let token = grants
            .issue_refresh_token(authentication(), 100)
            .await
            .unwrap();
        let stored = std::fs::read_to_string(dir.join("refresh-tokens.json")).unwrap();
        assert!(!stored.contains(&token), "the file must not hold the token");

        grants.revoke(&token, "another-client").await.unwrap();
        assert!(!grants.refresh_grant(&token).await.unwrap().revoked);
        grants.revoke(&token, "client").await.unwrap();
        assert!(grants.is_revoked("origin").await);

        let reopened = Grants::open(&dir).await.unwrap();
        assert!(reopened.refresh_grant(&token).await.unwrap().revoked);
    }
}
