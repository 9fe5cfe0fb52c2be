//! The wire protocols of the upstream services, defined once: the server's clients read these
//! types and the local emulators write them. Neither side owns this module.

pub mod authsignal;
