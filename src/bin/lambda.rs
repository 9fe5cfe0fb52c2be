//! The server as an AWS Lambda function behind API Gateway (HTTP API) or a function URL,
//! configured by the same variables as the plain server: `cargo lambda build --release
//! --features lambda`.

use account_security::{
    config::Config,
    serve::{self, lambda},
    server,
};
use leptos::prelude::get_configuration;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = Config::load_or_exit();
    server::telemetry::init(config.log_format);
    let leptos_options = get_configuration(None)?.leptos_options;
    let app = serve::build(config, leptos_options).await?;
    lambda_http::run(lambda::handler(app)).await
}
