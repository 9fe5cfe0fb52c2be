//! Security headers on every response, and caching: content-hashed static assets for good,
//! `no-store` on everything else (pages and API answers are personal).

use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

use super::csp::NON_PAGE_POLICY;

/// Adds to every response of `router`: nosniff, no referrer (tokens travel in query strings on
/// the return page), no framing, a restrictive Permissions-Policy, a default CSP for responses
/// that are not pages, `no-store` unless [`static_assets`] said otherwise, and HSTS when served
/// over https. Plain header layers only: this runs on every request.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let always = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    // One composed layer: each `Router::layer` call would box every route once more, and that
    // box is cloned on every request.
    router.layer(
        ServiceBuilder::new()
            .option_layer(https.then(|| {
                always(
                    header::STRICT_TRANSPORT_SECURITY,
                    "max-age=63072000; includeSubDomains",
                )
            }))
            // Pages set their own policy with a nonce; everything else gets the strictest one.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(NON_PAGE_POLICY),
            ))
            .layer(always(
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ))
            .layer(always(
                HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), browsing-topics=()",
            ))
            .layer(always(header::X_FRAME_OPTIONS, "DENY"))
            .layer(always(header::REFERRER_POLICY, "no-referrer"))
            .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            )),
    )
}

/// For the router that serves the static files: their `Cache-Control` (see [`cache_policy`]),
/// and `no-store` for anything else it answers (its pages, the 404 page).
pub fn static_assets<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    hashed_assets: bool,
) -> Router<S> {
    router.layer(middleware::from_fn(move |request, next| {
        caching(request, next, hashed_assets)
    }))
}

/// A bundle whose name carries its content's hash never changes: it is cached for a year and
/// never revalidated. Without hashing (development), and for the icon, the browser revalidates.
/// Nothing else may be stored anywhere.
async fn caching(request: Request, next: Next, hashed_assets: bool) -> Response {
    let policy = cache_policy(request.uri().path(), hashed_assets);
    let mut response = next.run(request).await;
    // A missing asset is not cached either: the next build may have it.
    let policy = policy.filter(|_| response.status().is_success());
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(policy.unwrap_or("no-store")),
    );
    // A cached copy must match the encoding asked for. The compression layer says so when it
    // compresses, but a precompressed file (`.br`, `.gz`) is served as it is, without `Vary`.
    let varies = headers
        .get_all(header::VARY)
        .iter()
        .any(|value| value.as_bytes().eq_ignore_ascii_case(b"accept-encoding"));
    if policy.is_some() && !varies {
        headers.append(
            header::VARY,
            HeaderValue::from_static(header::ACCEPT_ENCODING.as_str()),
        );
    }
    response
}

/// `None`: not a static asset.
fn cache_policy(path: &str, hashed_assets: bool) -> Option<&'static str> {
    match path {
        _ if path.starts_with("/pkg/") && hashed_assets => {
            Some("public, max-age=31536000, immutable")
        }
        _ if path.starts_with("/pkg/") || path == "/favicon.svg" => Some("no-cache"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bundle_and_icon_are_cacheable_and_only_a_hashed_bundle_for_good() {
        let forever = Some("public, max-age=31536000, immutable");
        let revalidate = Some("no-cache");
        let cases = [
            ("/pkg/account-security.0a1b2c.wasm", true, forever),
            ("/pkg/account-security.wasm", false, revalidate),
            ("/favicon.svg", true, revalidate),
            ("/security", true, None),
            ("/api/list_authenticators", true, None),
            ("/api/authenticators", false, None),
        ];
        for (path, hashed, expected) in cases {
            assert_eq!(cache_policy(path, hashed), expected, "{path}");
        }
    }
}
