//! The HTTP hardening every response and request goes through: security headers and the page's
//! Content-Security-Policy, the same-origin check on state-changing requests, rate limits, and
//! the status of server-function errors, and compression of the static bundle; and who a request
//! comes from, for the activity log.

pub mod client_ip;
pub mod compression;
pub mod csp;
pub mod headers;
pub mod origin;
pub mod rate_limit;
pub mod requester;
pub mod server_fn_errors;
