//! The server: read the configuration, start the local emulators when no real services are
//! configured, and serve the application until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use account_security::{config::Config, serve, server};

/// Under load, glibc's allocator made worker threads queue on its arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::load_or_exit();
    server::telemetry::init(config.log_format);
    match serve::run(config, serve::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped");
            ExitCode::FAILURE
        }
    }
}
