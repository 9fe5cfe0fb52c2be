//! Local emulators of Amazon Cognito and Authsignal, started in-process on their own loopback
//! ports when no real user pool or tenant is configured. They speak the real wire protocols,
//! so the server talks to them over HTTP exactly as it talks to the real services.

pub mod authsignal;
pub mod cognito;
pub mod faults;
pub mod storage;
