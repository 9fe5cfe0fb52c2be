//! What a person sees. Components live beside the page that uses them.
//!
//! Only `/security` has anything to do in the browser: the bundle hydrates it alone. The other
//! pages are HTML the server makes, with no bundle (`server_rendered/`).

pub mod address;
pub mod security;
#[cfg(feature = "ssr")]
pub mod server_rendered;
