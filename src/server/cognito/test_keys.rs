//! For the verifier's tests: signing keys made once per test run, and a JWKS endpoint on a
//! loopback port that counts its requests and can be told to fail.

use std::sync::{
    Arc, LazyLock, Mutex,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::Value;
use url::Url;

use crate::local::cognito::keys::SigningKey;

static ACCESS: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
static ID: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
static FOREIGN: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());

/// The pool's access-token key.
pub fn access_key() -> &'static SigningKey {
    &ACCESS
}

/// The pool's ID-token key.
pub fn id_key() -> &'static SigningKey {
    &ID
}

/// A key that is not the pool's: an attacker's.
pub fn foreign_key() -> &'static SigningKey {
    &FOREIGN
}

#[derive(Clone)]
pub struct JwksServer {
    url: Url,
    state: Arc<Served>,
}

struct Served {
    document: Mutex<Value>,
    failing: AtomicBool,
    hits: AtomicUsize,
}

impl JwksServer {
    pub async fn start(document: Value) -> JwksServer {
        let state = Arc::new(Served {
            document: Mutex::new(document),
            failing: AtomicBool::new(false),
            hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/pool/.well-known/jwks.json", get(serve))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/pool/.well-known/jwks.json",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        JwksServer { url, state }
    }

    pub fn url(&self) -> Url {
        self.url.clone()
    }

    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    pub fn set(&self, document: Value) {
        *self.state.document.lock().unwrap() = document;
    }

    pub fn fail(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }
}

async fn serve(State(state): State<Arc<Served>>) -> impl IntoResponse {
    state.hits.fetch_add(1, Ordering::SeqCst);
    if state.failing.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Json(state.document.lock().unwrap().clone()).into_response()
}
