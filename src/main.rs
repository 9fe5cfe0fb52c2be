//! The server: read the configuration, start the local emulators when no real services are
//! configured, and serve the application until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use account_security::server::{self, config::Config};

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is the normal case; a malformed one is reported by the validation below.
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    server::telemetry::init(config.log_format);
    match server::run(config, server::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            ExitCode::FAILURE
        }
    }
}
