//! The product, server side: the operations behind both doors, the HTTP stack, sessions and the
//! clients of the upstream services. Start-up and the router are one level up, in `serve`.

pub mod account;
pub mod activity;
pub mod app_error;
pub mod authsignal;
pub mod caller;
pub mod change;
pub mod checkup;
pub mod checkup_section;
pub mod clock;
pub mod cognito;
pub mod health;
pub mod http;
pub mod http_client;
pub mod i18n;
pub mod language;
pub mod notify;
pub mod prebuilt_return;
pub mod present;
pub mod rest_api;
pub mod seal;
pub mod session;
pub mod sessions;
pub mod sessions_section;
pub mod shared_state;
mod state;
pub mod step_up;
pub mod telemetry;
pub mod wasnt_me;
pub mod webhooks;

pub use state::{AppState, Services};
