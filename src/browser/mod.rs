//! Code that runs only in the browser: the Authsignal Client API calls the page makes directly,
//! as the Authsignal Web SDK does, the WebAuthn prompts for passkeys, and a few DOM helpers. It
//! compiles into the server build too, so that the event handlers calling it type-check there,
//! but it is never called on the server.

pub mod authsignal;
pub mod catalog;
pub mod dom;
pub mod json;
pub mod time_zone;
pub mod webauthn;
