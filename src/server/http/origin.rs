//! The same-origin check on every request that can change state (CSRF defence). Leptos server
//! functions accept plain form posts and check nothing themselves, so this layer does.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, header},
    response::{IntoResponse, Response},
};
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};

use crate::model::AppError;

/// Who may send state-changing requests to a group of routes.
#[derive(Clone, Debug)]
pub struct SameOrigin {
    /// `https://host[:port]`, exactly as browsers send it in `Origin`. Shared: the layer's
    /// state is cloned for every request.
    origin: Arc<str>,
    mode: Mode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Routes that trust the session cookie: the request must show it comes from our own pages,
    /// with our `Origin`, or `Sec-Fetch-Site: same-origin` when `Origin` is absent.
    Cookie,
    /// Routes that trust only an `Authorization: Bearer` token, which browsers never attach on
    /// their own: native apps send neither header, so only a request that says it comes from
    /// another site is refused.
    Bearer,
}

impl SameOrigin {
    pub fn new(origin: String, mode: Mode) -> Self {
        Self {
            origin: origin.into(),
            mode,
        }
    }

    fn allows(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return true;
        }
        // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even on their own
        // pages' posts; that says nothing, so the fetch metadata decides.
        let origin = headers
            .get(header::ORIGIN)
            .map(|value| value.as_bytes())
            .filter(|origin| *origin != b"null");
        let fetch_site = headers.get("sec-fetch-site").map(|value| value.as_bytes());
        match (origin, fetch_site) {
            (Some(origin), _) => origin == self.origin.as_bytes(),
            (None, Some(site)) => site == b"same-origin",
            (None, None) => self.mode == Mode::Bearer,
        }
    }
}

/// Refuses a cross-origin state-changing request with 403 before any handler sees it. A plain
/// check on the request, so it adds no boxing or cloning to the requests it lets through.
pub fn layer(policy: SameOrigin) -> ValidateRequestHeaderLayer<SameOrigin> {
    ValidateRequestHeaderLayer::custom(policy)
}

impl<B> ValidateRequest<B> for SameOrigin {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        if self.allows(request.method(), request.headers()) {
            return Ok(());
        }
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-origin request refused");
        Err(AppError::Forbidden.into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://account.example.com";

    fn allows(mode: Mode, method: Method, headers: &[(&'static str, &'static str)]) -> bool {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        SameOrigin::new(ORIGIN.into(), mode).allows(&method, &map)
    }

    #[test]
    fn reading_is_always_allowed() {
        assert!(allows(
            Mode::Cookie,
            Method::GET,
            &[("origin", "https://evil.example")]
        ));
        assert!(allows(Mode::Cookie, Method::HEAD, &[]));
    }

    #[test]
    fn our_own_pages_may_post() {
        assert!(allows(Mode::Cookie, Method::POST, &[("origin", ORIGIN)]));
        assert!(allows(
            Mode::Cookie,
            Method::POST,
            &[("sec-fetch-site", "same-origin")]
        ));
    }

    #[test]
    fn other_sites_may_not() {
        for headers in [
            &[("origin", "https://evil.example")][..],
            &[("origin", "https://account.example.com.evil.example")],
            &[("origin", "http://account.example.com")],
            &[("origin", "null"), ("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "same-origin"),
            ],
        ] {
            assert!(!allows(Mode::Cookie, Method::POST, headers), "{headers:?}");
            assert!(
                !allows(Mode::Bearer, Method::DELETE, headers),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn without_any_proof_only_bearer_routes_are_open() {
        assert!(!allows(Mode::Cookie, Method::POST, &[]));
        assert!(!allows(Mode::Cookie, Method::POST, &[("origin", "null")]));
        assert!(allows(Mode::Bearer, Method::POST, &[]));
        assert!(allows(Mode::Bearer, Method::DELETE, &[("origin", ORIGIN)]));
    }
}
