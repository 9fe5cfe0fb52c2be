//! Security headers on every response, and `Cache-Control: no-store` on everything but the
//! static assets (pages and API answers are personal).

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

use super::csp::NON_PAGE_POLICY;

/// Adds to every response of `router`: nosniff, no referrer (tokens travel in query strings on
/// the return page), no framing, a restrictive Permissions-Policy, a default CSP for responses
/// that are not pages, `no-store` on all but static assets, and HSTS when served over https.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let always = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let router = router
        .layer(middleware::from_fn(no_store))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(always(header::REFERRER_POLICY, "no-referrer"))
        .layer(always(header::X_FRAME_OPTIONS, "DENY"))
        .layer(always(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), browsing-topics=()",
        ))
        .layer(always(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        // Pages set their own policy with a nonce; everything else gets the strictest one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_POLICY),
        ));
    if https {
        router.layer(always(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        router
    }
}

/// Static assets may be cached; nothing else may be stored anywhere.
async fn no_store(request: Request, next: Next) -> Response {
    let cacheable = is_static_asset(request.uri().path());
    let mut response = next.run(request).await;
    if !cacheable {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bundle_and_icon_are_cacheable() {
        assert!(is_static_asset("/pkg/account-security.wasm"));
        assert!(is_static_asset("/favicon.svg"));
        assert!(!is_static_asset("/security"));
        assert!(!is_static_asset("/api/list_authenticators"));
        assert!(!is_static_asset("/api/authenticators"));
    }
}
