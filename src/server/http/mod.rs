//! The HTTP hardening every response and request goes through: security headers and the page's
//! Content-Security-Policy, the same-origin check on state-changing requests, rate limits, and
//! the status of server-function errors, and compression of the static bundle.

pub mod client_ip;
pub mod compression;
pub mod csp;
pub mod headers;
pub mod origin;
pub mod rate_limit;
pub mod server_fn_errors;
