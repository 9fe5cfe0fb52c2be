//! The one way outbound HTTP clients are made: rustls with the aws-lc-rs crypto provider (the
//! same backend that checks JWTs), and no redirects followed, so credentials are never sent
//! anywhere but the configured host.

use reqwest::{ClientBuilder, redirect::Policy};

pub fn builder() -> ClientBuilder {
    // Installing twice (several clients, several test servers) is harmless: the first one wins.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder().redirect(Policy::none())
}
