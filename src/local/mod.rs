//! Local emulators of Amazon Cognito and Authsignal, started in-process on their own loopback
//! ports when no real user pool or tenant is configured. They speak the real wire protocols,
//! so the server talks to them over HTTP exactly as it talks to the real services.

pub mod authsignal;
pub mod cognito;
pub mod faults;
pub mod mail;

use std::io;

use tracing::info;

use crate::{
    config::{AuthsignalMode, CognitoMode, Config, Endpoints},
    secret::Secret,
};
use authsignal::LocalAuthsignal;
use cognito::{DEMO_EMAIL, LocalCognito};

/// Starts the emulators the configuration asks for (none, one or both) and returns where every
/// upstream service is: the emulators just started, or the real services as configured.
pub async fn start(config: &Config) -> io::Result<Endpoints> {
    let cognito = match &config.cognito.mode {
        CognitoMode::Remote(remote) => {
            info!(mode = "remote", user_pool = %remote.user_pool_id, domain = %remote.domain, "Cognito: using a real user pool");
            (**remote).clone()
        }
        CognitoMode::Local(settings) => {
            let local =
                LocalCognito::start(settings, &config.local_data_dir, &config.public_url).await?;
            info!(mode = "local", url = %local.base_url(), user_pool = local.user_pool_id(), demo_user = DEMO_EMAIL, "Cognito: started the local user pool");
            local.endpoints(settings.app_client)
        }
    };
    let mut smtp_url = config.mail.smtp_url.clone();
    let authsignal = match &config.authsignal.mode {
        AuthsignalMode::Remote(remote) => remote.clone(),
        AuthsignalMode::Local(settings) => {
            let local = LocalAuthsignal::start(settings, &config.local_data_dir).await?;
            // Without a mail server of their own, notices land in the local outbox.
            if smtp_url.is_none() {
                let url = mail::start(config.mail.local_addr, local.mailbox()).await?;
                smtp_url = Some(Secret::new(url));
            }
            local.endpoints()
        }
    };
    Ok(Endpoints {
        cognito,
        authsignal,
        smtp_url,
    })
}
