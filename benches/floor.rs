//! The floor `make bench` holds `GET /api/authenticators` against: the least a server can do to
//! answer it. A bare axum route that makes the same upstream call with the same HTTP client (the
//! Authsignal Server API's `GET /users/{userId}/authenticators`, Basic auth with the secret) and
//! hands its body back, with no token check, no layers and no decoding.
//!
//! Not a criterion bench: it serves until killed, and benches/bench.sh drives it with wrk and
//! reads its CPU time. Configured by the environment: `FLOOR_ADDR` to listen on,
//! `AUTHSIGNAL_API_URL` and `AUTHSIGNAL_SECRET` as the app takes them, and `FLOOR_USER_ID`, the
//! user whose methods every request reads (the bench's signed-in user).

use std::{env, net::SocketAddr};

use account_security::server::http_client;
use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use reqwest::Url;

/// The app's allocator, so that the two are compared like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone)]
struct Upstream {
    http: reqwest::Client,
    url: Url,
    secret: String,
}

async fn authenticators(State(upstream): State<Upstream>) -> Response {
    let answer = upstream
        .http
        .get(upstream.url.clone())
        .basic_auth(&upstream.secret, Some(""))
        .header(header::ACCEPT, "application/json")
        .send()
        .await;
    let response = match answer {
        Ok(response) => response,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    let status = response.status();
    match response.bytes().await {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

fn required(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("{name} must be set"))
}

#[tokio::main]
async fn main() {
    let addr: SocketAddr = required("FLOOR_ADDR")
        .parse()
        .expect("FLOOR_ADDR: host:port");
    let mut url = Url::parse(&required("AUTHSIGNAL_API_URL")).expect("AUTHSIGNAL_API_URL: a URL");
    url.path_segments_mut()
        .expect("a base URL")
        .pop_if_empty()
        .extend(["users", &required("FLOOR_USER_ID"), "authenticators"]);
    let upstream = Upstream {
        http: http_client::builder().build().expect("an HTTP client"),
        url,
        secret: required("AUTHSIGNAL_SECRET"),
    };
    let app = Router::new()
        .route("/api/authenticators", get(authenticators))
        .with_state(upstream);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("the floor's address is free");
    axum::serve(listener, app).await.expect("the floor serves");
}
