//! A local Amazon Cognito user pool with managed login, on its own loopback port: discovery and
//! JWKS, `/oauth2/authorize`, the hosted sign-in and sign-up pages, `/oauth2/token`,
//! `/oauth2/revoke`, `/oauth2/userInfo` and `/logout`, plus test hooks under `/_local/`.
//!
//! One pool (`us-east-1_LocalDev01`) with one confidential app client whose callback URL is
//! `{APP_PUBLIC_URL}/auth/callback` and sign-out URL `{APP_PUBLIC_URL}/signed-out`. The issuer is
//! `{emulator URL}/{poolId}`. Keys, the client's credentials, users and refresh tokens live in
//! `<data dir>/cognito/`.

mod claims;
mod clock;
mod discovery;
mod grants;
mod hooks;
mod hosted;
pub mod keys;
mod oauth;
mod users;

use std::{io, net::SocketAddr, path::Path, sync::Arc};

use axum::{
    Router,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use url::Url;

pub use self::users::{DEMO_EMAIL, DEMO_PASSWORD};
use self::{clock::Clock, grants::Grants, hosted::HostedSessions, keys::KeyRing, users::Users};
use crate::{
    config::{CognitoEndpoints, TokenLifetimes},
    local::faults::Faults,
    secret::Secret,
    storage,
};

pub const USER_POOL_ID: &str = "us-east-1_LocalDev01";

/// The scopes the local app client may request.
const ALLOWED_SCOPES: [&str; 5] = [
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// A running local user pool: what the app needs to talk to it.
#[derive(Clone, Debug)]
pub struct LocalCognito {
    base_url: Url,
    client_id: String,
    client_secret: Secret,
}

impl LocalCognito {
    /// Binds `addr` (port 0 picks a free port), loads or creates the pool's keys, client and
    /// users under `data_dir/cognito`, and serves on the current tokio runtime.
    pub async fn start(
        addr: SocketAddr,
        data_dir: &Path,
        app_public_url: &Url,
        lifetimes: TokenLifetimes,
    ) -> io::Result<LocalCognito> {
        let listener = TcpListener::bind(addr).await?;
        let base_url = Url::parse(&format!("http://{}", listener.local_addr()?))
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let pool = Arc::new(
            Pool::open(
                &data_dir.join("cognito"),
                &base_url,
                app_public_url,
                lifetimes,
            )
            .await?,
        );
        let local = LocalCognito {
            base_url,
            client_id: pool.client.client_id.clone(),
            client_secret: Secret::new(pool.client.client_secret.clone()),
        };
        let app = router(pool, Faults::default());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the local Cognito stopped");
            }
        });
        Ok(local)
    }

    /// `http://127.0.0.1:{port}/`: the managed-login domain and the base of the test hooks.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// `{base}/{poolId}`, the `iss` of every token.
    pub fn issuer(&self) -> String {
        format!("{}{USER_POOL_ID}", self.base_url)
    }

    pub fn jwks_url(&self) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(&format!("{USER_POOL_ID}/.well-known/jwks.json"));
        url
    }

    pub fn user_pool_id(&self) -> &str {
        USER_POOL_ID
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// What the app needs to sign people in here, as it would for a real pool.
    pub fn endpoints(&self) -> CognitoEndpoints {
        CognitoEndpoints {
            region: USER_POOL_ID
                .split_once('_')
                .map_or(USER_POOL_ID, |(region, _)| region)
                .to_owned(),
            user_pool_id: USER_POOL_ID.to_owned(),
            client_id: self.client_id.clone(),
            client_secret: Some(self.client_secret.clone()),
            domain: self.base_url.clone(),
            issuer: self.issuer(),
            jwks_url: self.jwks_url(),
        }
    }
}

fn router(pool: Arc<Pool>, faults: Faults) -> Router {
    let routes = Router::new()
        .route(
            &format!("/{USER_POOL_ID}/.well-known/jwks.json"),
            get(discovery::jwks),
        )
        .route(
            &format!("/{USER_POOL_ID}/.well-known/openid-configuration"),
            get(discovery::openid_configuration),
        )
        .route("/oauth2/authorize", get(oauth::authorize))
        .route("/oauth2/token", post(oauth::token))
        .route("/oauth2/revoke", post(oauth::revoke))
        .route(
            "/oauth2/userInfo",
            get(oauth::user_info).post(oauth::user_info),
        )
        .route("/logout", get(oauth::logout))
        .route("/login", get(hosted::login_page).post(hosted::login))
        .route("/signup", get(hosted::sign_up_page).post(hosted::sign_up))
        .route("/_local/mint", post(hooks::mint))
        .route("/_local/rotate-keys", post(hooks::rotate_keys))
        .route("/_local/clock", post(hooks::advance_clock))
        .with_state(pool);
    faults.apply(routes.merge(faults.routes()))
}

/// Everything the handlers share.
struct Pool {
    base_url: Url,
    issuer: String,
    client: AppClient,
    keys: KeyRing,
    users: Users,
    grants: Grants,
    sessions: HostedSessions,
    clock: Clock,
    lifetimes: TokenLifetimes,
}

/// The one app client of the local pool.
struct AppClient {
    client_id: String,
    client_secret: String,
    callback_url: String,
    sign_out_url: String,
}

#[derive(Serialize, Deserialize)]
struct StoredClient {
    client_id: String,
    client_secret: String,
}

impl Pool {
    async fn open(
        dir: &Path,
        base_url: &Url,
        app_public_url: &Url,
        lifetimes: TokenLifetimes,
    ) -> io::Result<Pool> {
        let stored: StoredClient = storage::load_or_create(&dir.join("client.json"), || {
            Ok(StoredClient {
                client_id: random_alphanumeric(26)?,
                client_secret: random_alphanumeric(52)?,
            })
        })
        .await?;
        let app_origin = app_public_url.origin().ascii_serialization();
        let clock = Clock::default();
        let keys = KeyRing::open(dir).await?;
        let users = Users::open(dir, clock.now()).await?;
        let grants = Grants::open(dir).await?;
        Ok(Pool {
            base_url: base_url.clone(),
            issuer: format!("{base_url}{USER_POOL_ID}"),
            client: AppClient {
                client_id: stored.client_id,
                client_secret: stored.client_secret,
                callback_url: format!("{app_origin}/auth/callback"),
                sign_out_url: format!("{app_origin}/signed-out"),
            },
            keys,
            users,
            grants,
            sessions: HostedSessions::default(),
            clock,
            lifetimes,
        })
    }

    /// An absolute URL on the emulator.
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path.trim_start_matches('/'))
    }
}

fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| io::Error::other("no randomness available"))?;
    Ok(bytes)
}

/// Lowercase letters and digits, like Cognito's client IDs and secrets.
fn random_alphanumeric(len: usize) -> io::Result<String> {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes::<64>()? {
            // 252 = 7 × 36: larger bytes are dropped so every character is equally likely.
            if byte < 252 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(byte % 36)]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_look_like_cognitos() {
        let id = random_alphanumeric(26).unwrap();
        assert_eq!(id.len(), 26);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(id, random_alphanumeric(26).unwrap());
    }
}
