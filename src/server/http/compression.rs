//! Compression of the static bundle (WASM, JavaScript, CSS, the icon): most of what a first
//! visit downloads. Pages and API answers are sent as they are, because they carry personal data
//! beside text a visitor can choose, which compression would let an attacker guess (BREACH).

use axum::http::{Response, header};
use tower_http::compression::{
    CompressionLayer,
    predicate::{DefaultPredicate, Predicate},
};

/// Brotli or gzip, whichever the browser prefers, for the bundle's content types only.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(BundleOnly))
}

#[derive(Clone, Copy)]
struct BundleOnly;

impl Predicate for BundleOnly {
    fn should_compress<B>(&self, response: &Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                matches!(
                    mime.trim(),
                    "application/wasm"
                        | "text/javascript"
                        | "application/javascript"
                        | "text/css"
                        | "image/svg+xml"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressed(content_type: &str) -> bool {
        let response = Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(String::new())
            .unwrap();
        BundleOnly.should_compress(&response)
    }

    #[test]
    fn only_the_bundle_is_compressed() {
        assert!(compressed("application/wasm"));
        assert!(compressed("text/javascript; charset=utf-8"));
        assert!(compressed("text/css"));
        assert!(!compressed("text/html; charset=utf-8"));
        assert!(!compressed("application/json"));
    }
}
