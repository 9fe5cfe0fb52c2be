//! The operations behind the page's server functions and the REST API: one implementation, so
//! both doors apply the same checks.

pub mod lockout;
pub mod present;
