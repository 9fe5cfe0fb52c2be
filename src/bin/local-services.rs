//! Runs only the local emulators of Cognito and Authsignal, in a process of their own, and writes
//! the settings that point the app at them as if they were the real services. Benchmarks and the
//! load run use it, so the app is measured without the emulators sharing its process.
//!
//! ```sh
//! local-services target/bench/services.env   # then: set -a; . target/bench/services.env
//! ```
//!
//! It reads the app's own variables (`APP_PUBLIC_URL`, `LOCAL_COGNITO_ADDR`,
//! `LOCAL_AUTHSIGNAL_ADDR`, `LOCAL_DATA_DIR`, token lifetimes) and runs until SIGTERM or Ctrl-C.

use std::{io, path::PathBuf, process::ExitCode};

use account_security::{
    config::{AuthsignalMode, CognitoMode, Config},
    local, serve,
    server::telemetry,
    storage,
};
use base64::{Engine, engine::general_purpose::STANDARD};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::load_or_exit();
    telemetry::init(config.log_format);
    let env_file = std::env::args_os().nth(1).map(PathBuf::from);
    match start(&config).await {
        Ok(settings) => {
            let written = match &env_file {
                // It holds the emulators' secrets and the session key.
                Some(path) => storage::write_private(path, settings.as_bytes()).await,
                None => {
                    print!("{settings}");
                    Ok(())
                }
            };
            if let Err(error) = written {
                eprintln!("could not write the settings: {error}");
                return ExitCode::FAILURE;
            }
            serve::shutdown_signal().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("the local services could not start: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Starts both emulators and returns the app's settings for them, one `NAME=value` per line.
async fn start(config: &Config) -> io::Result<String> {
    let both_local = matches!(
        (&config.cognito.mode, &config.authsignal.mode),
        (CognitoMode::Local { .. }, AuthsignalMode::Local { .. })
    );
    if !both_local {
        return Err(io::Error::other(
            "unset COGNITO_USER_POOL_ID and AUTHSIGNAL_SECRET: this runs the local emulators",
        ));
    }
    let endpoints = local::start(config).await?;
    let (cognito, authsignal) = (endpoints.cognito.clone(), endpoints.authsignal.clone());
    let mut session_key = [0_u8; 64];
    aws_lc_rs::rand::fill(&mut session_key).map_err(|_| io::Error::other("no randomness"))?;
    let client_secret = cognito
        .client_secret
        .as_ref()
        .map(|secret| secret.expose().to_owned())
        .unwrap_or_default();
    Ok([
        ("APP_PUBLIC_URL", config.public_origin()),
        ("COGNITO_USER_POOL_ID", cognito.user_pool_id),
        ("COGNITO_CLIENT_ID", cognito.client_id),
        ("COGNITO_CLIENT_SECRET", client_secret),
        (
            "COGNITO_DOMAIN",
            cognito.domain.as_str().trim_end_matches('/').to_owned(),
        ),
        ("COGNITO_ISSUER", cognito.issuer),
        ("SESSION_KEY", STANDARD.encode(session_key)),
        (
            "SMTP_URL",
            endpoints
                .smtp_url
                .as_ref()
                .map(|url| url.expose().to_owned())
                .unwrap_or_default(),
        ),
        ("AUTHSIGNAL_SECRET", authsignal.secret.expose().to_owned()),
        ("AUTHSIGNAL_API_URL", authsignal.api_url.to_string()),
        ("AUTHSIGNAL_TENANT_ID", authsignal.tenant_id),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={value}\n"))
    .collect())
}
