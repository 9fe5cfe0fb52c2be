//! A local Amazon Cognito user pool with managed login, on its own loopback port: discovery and
//! JWKS, `/oauth2/authorize`, the hosted sign-in and sign-up pages, `/oauth2/token`,
//! `/oauth2/revoke`, `/oauth2/userInfo` and `/logout`, the admin API's
//! `AdminUserGlobalSignOut`, plus test hooks under `/_local/`.
//!
//! One pool (`us-east-1_LocalDev01`) with two app clients, one confidential (with a secret) and
//! one public (without), whose callback URL is `{APP_PUBLIC_URL}/auth/callback` and sign-out
//! URL `{APP_PUBLIC_URL}/signed-out`. As real Cognito does, it refuses a plain-http callback URL
//! on any host but `localhost`, unless told otherwise for tests. The issuer is
//! `{emulator URL}/{poolId}`, the emulator URL naming `localhost` as the app's does. Keys, the
//! clients' credentials, users and refresh tokens live in `<data dir>/cognito/`.

mod admin_api;
mod authorize;
mod claims;
mod clock;
mod discovery;
mod grants;
mod hooks;
mod hosted;
pub mod keys;
mod oauth;
mod pages;
mod users;

use std::{io, path::Path, sync::Arc};

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
    config::{AppClientKind, CognitoEndpoints, LocalCognitoSettings, TokenLifetimes},
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
    public_client_id: String,
}

impl LocalCognito {
    /// Binds `settings.addr` (port 0 picks a free port), loads or creates the pool's keys,
    /// clients and users under `data_dir/cognito`, and serves on the current tokio runtime.
    pub async fn start(
        settings: &LocalCognitoSettings,
        data_dir: &Path,
        app_public_url: &Url,
    ) -> io::Result<LocalCognito> {
        check_callback_url(app_public_url, settings.allow_http_callbacks)?;
        let listener = TcpListener::bind(settings.addr).await?;
        let base_url = Url::parse(&format!(
            "http://localhost:{}",
            listener.local_addr()?.port()
        ))
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let pool = Arc::new(
            Pool::open(
                &data_dir.join("cognito"),
                &base_url,
                app_public_url,
                settings,
            )
            .await?,
        );
        let local = LocalCognito {
            base_url,
            client_id: pool.confidential().client_id.clone(),
            client_secret: Secret::new(
                pool.confidential()
                    .client_secret
                    .clone()
                    .unwrap_or_default(),
            ),
            public_client_id: pool.public().client_id.clone(),
        };
        let app = router(pool, Faults::default());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the local Cognito stopped");
            }
        });
        Ok(local)
    }

    /// `http://localhost:{port}/`: the managed-login domain and the base of the test hooks.
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

    /// The confidential app client.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The app client without a secret.
    pub fn public_client_id(&self) -> &str {
        &self.public_client_id
    }

    /// What the app needs to sign people in here with one of the two app clients, as it would
    /// for a real pool.
    pub fn endpoints(&self, app_client: AppClientKind) -> CognitoEndpoints {
        let (client_id, client_secret) = match app_client {
            AppClientKind::Confidential => {
                (self.client_id.clone(), Some(self.client_secret.clone()))
            }
            AppClientKind::Public => (self.public_client_id.clone(), None),
        };
        CognitoEndpoints {
            region: USER_POOL_ID
                .split_once('_')
                .map_or(USER_POOL_ID, |(region, _)| region)
                .to_owned(),
            user_pool_id: USER_POOL_ID.to_owned(),
            client_id,
            client_secret,
            domain: self.base_url.clone(),
            issuer: self.issuer(),
            jwks_url: self.jwks_url(),
            admin_endpoint: Some(self.base_url.clone()),
        }
    }
}

/// "Amazon Cognito requires HTTPS over HTTP except for http://localhost for testing purposes
/// only" (AWS docs, authorization endpoint; `CallbackURLs` in the API reference): the pool
/// cannot be given another plain-http callback URL, as a real one could not.
fn check_callback_url(app_public_url: &Url, allow_http: bool) -> io::Result<()> {
    let secure = app_public_url.scheme() == "https"
        || app_public_url.host_str() == Some("localhost")
        || allow_http;
    if secure {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the local Cognito cannot register {app_public_url}auth/callback as a callback URL: Cognito accepts plain http only for http://localhost. Use APP_PUBLIC_URL=http://localhost:PORT (or set LOCAL_COGNITO_ALLOW_HTTP_CALLBACKS=true in tests)"
            ),
        ))
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
        .route("/", post(admin_api::call))
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
    /// The confidential client, then the public one.
    clients: [AppClient; 2],
    keys: KeyRing,
    users: Users,
    grants: Grants,
    sessions: HostedSessions,
    clock: Clock,
    lifetimes: TokenLifetimes,
    /// Managed login honours `prompt=login`; the classic hosted UI ignores it.
    managed_login: bool,
    rotate_refresh_tokens: bool,
}

/// An app client of the local pool.
struct AppClient {
    client_id: String,
    /// `None` for the public client.
    client_secret: Option<String>,
    callback_url: String,
    sign_out_url: String,
}

#[derive(Serialize, Deserialize)]
struct StoredClient {
    client_id: String,
    client_secret: String,
    /// Added later than the confidential client: made on the first start that lacks it.
    #[serde(default)]
    public_client_id: Option<String>,
}

impl Pool {
    async fn open(
        dir: &Path,
        base_url: &Url,
        app_public_url: &Url,
        settings: &LocalCognitoSettings,
    ) -> io::Result<Pool> {
        let client_file = dir.join("client.json");
        let mut stored: StoredClient = storage::load_or_create(&client_file, || {
            Ok(StoredClient {
                client_id: random_alphanumeric(26)?,
                client_secret: random_alphanumeric(52)?,
                public_client_id: Some(random_alphanumeric(26)?),
            })
        })
        .await?;
        if stored.public_client_id.is_none() {
            stored.public_client_id = Some(random_alphanumeric(26)?);
            storage::save(&client_file, &stored).await?;
        }
        let app_origin = app_public_url.origin().ascii_serialization();
        let clock = Clock::default();
        let keys = KeyRing::open(dir).await?;
        let users = Users::open(dir, clock.now()).await?;
        let grants = Grants::open(dir).await?;
        Ok(Pool {
            base_url: base_url.clone(),
            issuer: format!("{base_url}{USER_POOL_ID}"),
            clients: [
                (stored.client_id, Some(stored.client_secret)),
                (stored.public_client_id.unwrap_or_default(), None),
            ]
            .map(|(client_id, client_secret)| AppClient {
                client_id,
                client_secret,
                callback_url: format!("{app_origin}/auth/callback"),
                sign_out_url: format!("{app_origin}/signed-out"),
            }),
            keys,
            users,
            grants,
            sessions: HostedSessions::default(),
            clock,
            lifetimes: settings.lifetimes,
            managed_login: settings.managed_login,
            rotate_refresh_tokens: settings.rotate_refresh_tokens,
        })
    }

    fn confidential(&self) -> &AppClient {
        &self.clients[0]
    }

    fn public(&self) -> &AppClient {
        &self.clients[1]
    }

    /// The app client with this id.
    fn client(&self, client_id: &str) -> Option<&AppClient> {
        self.clients
            .iter()
            .find(|client| client.client_id == client_id)
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
