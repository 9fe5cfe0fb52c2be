//! The integration tests: the whole application and its emulators over real HTTP on loopback
//! ports. One test binary on purpose: each extra one is compiled and linked on its own, which on
//! two cores costs minutes per run. Add a module here rather than a file beside `tests/`.

mod activity;
mod authsignal_client;
mod authsignal_contract;
mod authsignal_emulator;
mod authsignal_methods;
mod authsignal_prebuilt;
mod callback_errors;
mod checkup;
mod hardening;
mod health;
mod i18n;
mod instances;
#[cfg(feature = "lambda")]
mod lambda;
mod local_cognito;
mod notifications;
mod rest_api;
mod review_findings;
mod secrets_in_logs;
mod session;
mod sessions;
mod shared_state;
mod sign_in;
mod step_up;
mod support;
mod tenant_rules;
