//! The local Authsignal: the Server API (`/v1/...`, Basic auth with the secret), the Client API
//! the Web SDK calls (`/v1/client/...`, Bearer token, CORS), the pre-built UI (`/prebuilt`), an
//! outbox where "sent" codes can be read (`/outbox`, `/_local/outbox`), a clock tests can move
//! (`/_local/clock`) and the fault mode (`/_local/faults`), all on one loopback port.
//!
//! State lives in memory and is written to `<data dir>/authsignal/` after every change, so a
//! restart loses nothing.

mod actions;
mod authenticators;
mod client_api;
mod codes;
mod conventions;
mod data;
mod html;
mod local_api;
mod mailbox;
mod passkeys;
mod prebuilt;
mod server_api;
mod tokens;
mod totp;
mod webhooks;

use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{Router, middleware};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::{net::TcpListener, sync::Mutex};
use tracing::{error, info};
use url::Url;

use super::{faults::Faults, mail};
use webauthn_rs::Webauthn;

use crate::{
    config::{AuthsignalEndpoints, LocalAuthsignalSettings},
    secret::Secret,
    storage,
};
use conventions::ApiError;
use data::{Action, Data};
use tokens::Tokens;

/// A running local Authsignal. It serves until the process ends.
#[derive(Debug)]
pub struct LocalAuthsignal {
    base_url: Url,
    secret: Secret,
    tenant_id: String,
    emulator: Emulator,
}

impl LocalAuthsignal {
    /// Binds `settings.addr` (port 0 picks a free port), loads or creates the state under
    /// `data_dir`, and serves on the current tokio runtime.
    pub async fn start(
        settings: &LocalAuthsignalSettings,
        data_dir: &Path,
    ) -> io::Result<LocalAuthsignal> {
        let addr = settings.addr;
        let relying_party = passkeys::relying_party(&settings.passkeys)?;
        let dir = data_dir.join("authsignal");
        let installation: Installation =
            storage::load_or_create(&dir.join("installation.json"), || {
                Ok(Installation::generate())
            })
            .await?;
        let state_path = dir.join("state.json");
        let mut data: Data = storage::load(&state_path).await?;
        if let Some(url) = &settings.webhook_url {
            data.tenant.webhook_url = Some(url.to_string());
        }
        let signing_key = URL_SAFE_NO_PAD
            .decode(&installation.signing_key)
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} has an invalid signingKey", dir.display()),
                )
            })?;
        let listener = TcpListener::bind(addr).await.map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("the local Authsignal could not listen on {addr}: {error}"),
            )
        })?;
        // Named `localhost`, as the app's own local address is.
        let origin = Url::parse(&format!(
            "http://localhost:{}/",
            listener.local_addr()?.port()
        ))
        .map_err(io::Error::other)?;
        let base_url = origin.join("v1").map_err(io::Error::other)?;
        let emulator = Emulator(Arc::new(Inner {
            tokens: Tokens::new(&installation.tenant_id, &signing_key),
            relying_party,
            secret: installation.secret.clone(),
            tenant_id: installation.tenant_id.clone(),
            origin: origin.clone(),
            data: Mutex::new(data),
            state_path,
        }));
        let app = router(emulator.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                error!(%error, "the local Authsignal stopped");
            }
        });
        // A development-only secret: printed so that a person can try the API with curl.
        info!(
            url = %base_url,
            secret = %installation.secret,
            tenant_id = %installation.tenant_id,
            outbox = %origin.join("outbox").map_err(io::Error::other)?,
            "local Authsignal started"
        );
        Ok(LocalAuthsignal {
            base_url,
            secret: Secret::new(installation.secret),
            tenant_id: installation.tenant_id,
            emulator,
        })
    }

    /// The Server and Client API base, e.g. `http://localhost:3200/v1`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Keeps a message the local mail server received, for the outbox page and
    /// `/_local/mail`.
    pub fn mailbox(&self) -> mail::Deliver {
        let emulator = self.emulator.clone();
        Arc::new(move |received: mail::Received| {
            let emulator = emulator.clone();
            tokio::spawn(async move {
                let stored = emulator
                    .change(|data| {
                        let now = data.now();
                        data.keep_mail(received, now);
                        Ok(())
                    })
                    .await;
                if stored.is_err() {
                    error!("the local outbox could not keep a message");
                }
            });
        })
    }

    /// What the app needs to call this tenant, as it would a real one: the browser's Client
    /// API is on the same host.
    pub fn endpoints(&self) -> AuthsignalEndpoints {
        AuthsignalEndpoints {
            api_url: self.base_url.clone(),
            client_api_url: self.base_url.clone(),
            secret: self.secret.clone(),
            tenant_id: self.tenant_id.clone(),
        }
    }
}

/// What identifies this installation; made once, kept in `installation.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Installation {
    secret: String,
    tenant_id: String,
    /// Base64url of the HS256 key that signs tokens.
    signing_key: String,
}

impl Installation {
    fn generate() -> Self {
        Self {
            secret: format!("local_{}", random_base64(24)),
            tenant_id: uuid::Uuid::new_v4().to_string(),
            signing_key: random_base64(32),
        }
    }
}

fn random_base64(bytes: usize) -> String {
    let mut buffer = vec![0; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// What every handler reaches.
#[derive(Clone)]
struct Emulator(Arc<Inner>);

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Emulator")
    }
}

struct Inner {
    secret: String,
    tenant_id: String,
    tokens: Tokens,
    relying_party: Webauthn,
    /// `http://localhost:<port>/`, for the URLs the emulator hands out.
    origin: Url,
    data: Mutex<Data>,
    state_path: PathBuf,
}

impl Emulator {
    /// Runs `change` on the state and writes the state to disk before answering, so that what
    /// a client was told survives a restart. Changes are serialised by the lock.
    async fn change<T>(
        &self,
        change: impl FnOnce(&mut Data) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut data = self.0.data.lock().await;
        let result = change(&mut data);
        let events = std::mem::take(&mut data.outgoing);
        let result = result?;
        storage::save(&self.0.state_path, &*data)
            .await
            .map_err(|error| ApiError::internal(format!("could not save the state: {error}")))?;
        if let Some(url) = data.tenant.webhook_url.clone()
            && !events.is_empty()
        {
            webhooks::deliver(url, self.0.secret.clone(), self.0.tenant_id.clone(), events);
        }
        Ok(result)
    }

    /// Runs `read` on the state without writing it.
    async fn read<T>(&self, read: impl FnOnce(&Data) -> T) -> T {
        read(&*self.0.data.lock().await)
    }

    async fn now(&self) -> OffsetDateTime {
        self.read(Data::now).await
    }

    fn tokens(&self) -> &Tokens {
        &self.0.tokens
    }

    fn tenant_id(&self) -> &str {
        &self.0.tenant_id
    }

    fn relying_party(&self) -> &Webauthn {
        &self.0.relying_party
    }

    fn mint(&self, action: &Action, scope: &str, now: OffsetDateTime) -> Result<String, ApiError> {
        self.0
            .tokens
            .mint(action, scope, now)
            .map_err(|error| ApiError::internal(format!("could not sign a token: {error}")))
    }

    /// The pre-built UI's entry URL for a token.
    fn prebuilt_url(&self, token: &str) -> Url {
        let mut url = self.url("prebuilt");
        url.query_pairs_mut().append_pair("token", token);
        url
    }

    /// An absolute URL on this emulator.
    fn url(&self, path: &str) -> Url {
        let mut url = self.0.origin.clone();
        url.set_path(path);
        url
    }
}

fn router(emulator: Emulator) -> Router {
    let faults = Faults::default();
    let api = server_api::routes(&emulator)
        .merge(client_api::routes())
        .fallback(|| async { ApiError::not_found("There is no such endpoint.") })
        .layer(middleware::from_fn(conventions::json_only));
    let app = Router::new()
        .nest("/v1", api)
        .merge(prebuilt::routes())
        .merge(local_api::routes())
        .with_state(emulator)
        .merge(faults.routes());
    faults.apply(app)
}
