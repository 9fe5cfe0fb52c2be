//! The page's Content-Security-Policy: scripts run only with the per-response nonce Leptos puts
//! on every script it emits, the browser may call only us and Authsignal's Client API, and forms
//! may go only to us and the hosted sign-in.

use axum::http::{HeaderValue, header};
use leptos::prelude::use_context;

use crate::server::AppState;

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

/// What the page may connect to and post forms to, besides itself: Authsignal's Client API
/// (the browser enrolls methods there) and the hosted sign-in (sign-out ends there). In
/// development, also the live-reload socket.
pub fn page_policy(state: &AppState) -> ContentSecurityPolicy {
    let authsignal = state
        .authsignal
        .client_api_url()
        .origin()
        .ascii_serialization();
    let sign_in = state
        .cognito
        .oauth
        .logout_url()
        .origin()
        .ascii_serialization();
    let options = &state.leptos_options;
    let reload = (options.env == leptos::config::Env::DEV).then(|| {
        let host = state.config.public_url.host_str().unwrap_or("127.0.0.1");
        format!("ws://{host}:{}", options.reload_port)
    });
    ContentSecurityPolicy::new(
        [Some(authsignal.as_str()), reload.as_deref()]
            .into_iter()
            .flatten(),
        [sign_in.as_str()],
    )
}

/// Puts the policy, with this response's nonce, on a page response.
pub fn set_page_policy(policy: &ContentSecurityPolicy) {
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, policy.for_page(&nonce));
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
