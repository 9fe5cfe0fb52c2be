//! The floor `make bench` holds `GET /api/authenticators` against: the least a server can do to
//! answer it. A bare axum route that makes the same upstream call with the same HTTP client (the
//! Authsignal Server API's `GET /users/{userId}/authenticators`, Basic auth with the secret) and
//! hands its body back, with no token check, no layers and no decoding.
//!
//! It is also the floor of the time to hydrate: `GET /security` answers with a page the bench
//! saved from the app, with the app's headers (its CSP and cross-origin isolation included), whose
//! bundle tags the bench replaced by a script that marks the page hydrated at once; the page's
//! stylesheet and icon come from the same site folder as the app's. What the browser spends on
//! that page is what hydrating `/security` costs without any WASM.
//!
//! Not a criterion bench: it serves until killed, and benches/bench.sh drives it with wrk and
//! headless Chromium and reads its CPU time. Configured by the environment: `FLOOR_ADDR` to
//! listen on, `AUTHSIGNAL_API_URL` and `AUTHSIGNAL_SECRET` as the app takes them,
//! `FLOOR_USER_ID`, the user whose methods every request reads (the bench's signed-in user),
//! `FLOOR_PAGE` and `FLOOR_PAGE_HEADERS`, the page and its headers as `curl -D` wrote them, and
//! `LEPTOS_SITE_ROOT`, the site folder.

use std::{env, fs, net::SocketAddr};

use account_security::server::http_client;
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use reqwest::Url;
use tower_http::services::ServeDir;

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

/// The headers of a `curl -D` dump, but those that describe the connection or the transfer
/// rather than the page.
fn page_headers(dump: &str) -> HeaderMap {
    let per_transfer = [
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::DATE,
        header::TRANSFER_ENCODING,
    ];
    dump.lines()
        .skip(1)
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = HeaderName::try_from(name.trim()).ok()?;
            let value = HeaderValue::try_from(value.trim()).ok()?;
            (!per_transfer.contains(&name)).then_some((name, value))
        })
        .collect()
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
    let page = fs::read(required("FLOOR_PAGE")).expect("FLOOR_PAGE: a file");
    let headers = page_headers(
        &fs::read_to_string(required("FLOOR_PAGE_HEADERS")).expect("FLOOR_PAGE_HEADERS: a file"),
    );
    let app = Router::new()
        .route("/api/authenticators", get(authenticators))
        .with_state(upstream)
        .route(
            "/security",
            get(move || async move { (headers, page).into_response() }),
        )
        .fallback_service(ServeDir::new(required("LEPTOS_SITE_ROOT")).precompressed_br());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("the floor's address is free");
    axum::serve(listener, app).await.expect("the floor serves");
}
