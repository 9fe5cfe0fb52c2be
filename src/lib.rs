//! Account Security: a page where a person signed in with Amazon Cognito manages the sign-in
//! methods Authsignal keeps for them. The crate builds twice: the server binary (`ssr`) and the
//! WASM bundle that hydrates the page in the browser (`hydrate`).

pub mod answer_json;
pub mod api;
pub mod app;
pub mod browser;
pub mod fetch_client;
pub mod i18n;
pub mod lockout;
pub mod model;
pub mod pages;
pub mod paths;
pub mod secret;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod local;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod storage;

/// Hydrates `/security`, the one page that loads the bundle (see `serve/shell.rs`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
