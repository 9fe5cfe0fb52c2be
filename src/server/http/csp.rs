//! The page's Content-Security-Policy: scripts run only with the per-response nonce Leptos puts
//! on every script it emits, the browser may call only us and Authsignal's Client API, and forms
//! may go only to us and the hosted sign-in.

use axum::http::HeaderValue;

/// For responses that are not pages (JSON, files): nothing may run or be embedded.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Clone, Debug)]
pub struct ContentSecurityPolicy {
    connect_src: String,
    form_action: String,
}

impl ContentSecurityPolicy {
    /// `connect` and `forms` are the origins, besides our own, that the page may fetch from
    /// and submit forms to (redirects after a form post count as form targets).
    pub fn new<'a>(
        connect: impl IntoIterator<Item = &'a str>,
        forms: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let sources = |origins: &mut dyn Iterator<Item = &'a str>| {
            let mut sources = vec!["'self'".to_owned()];
            for origin in origins {
                if !sources.iter().any(|known| known == origin) {
                    sources.push(origin.to_owned());
                }
            }
            sources.join(" ")
        };
        Self {
            connect_src: sources(&mut connect.into_iter()),
            form_action: sources(&mut forms.into_iter()),
        }
    }

    /// The policy for one page response. `strict-dynamic` lets the nonce'd hydration script
    /// load the WASM bundle's JavaScript; `wasm-unsafe-eval` lets it compile the WASM.
    pub fn for_page(&self, nonce: &str) -> HeaderValue {
        let policy = format!(
            "default-src 'none'; \
             script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; manifest-src 'self'; \
             connect-src {}; form-action {}; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            self.connect_src, self.form_action
        );
        // Origins come from validated configuration and the nonce is base64url.
        HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(NON_PAGE_POLICY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_is_strict() {
        let csp = ContentSecurityPolicy::new(
            ["http://127.0.0.1:3200", "http://127.0.0.1:3200"],
            ["https://auth.example.com"],
        );
        let policy = csp.for_page("abc123");
        let policy = policy.to_str().unwrap();
        assert!(policy.contains("script-src 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval';"));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:3200;"));
        assert!(policy.contains("form-action 'self' https://auth.example.com;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("base-uri 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
