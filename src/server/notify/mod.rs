//! A message to the owner after every change to their sign-in methods, however it was made: on
//! the page, through the REST API (the app removes, so it tells), or anywhere Authsignal's
//! webhooks report from (adds through the Client API, and the pre-built UI). The same change may
//! be reported twice (our removal, then its webhook): it is mailed once.
//!
//! Mail never holds a change up: it goes out in the background, with a few retries, and a
//! failure is a log line that shows only the address's domain.

mod mailer;
mod notice;

use std::{sync::Arc, time::Duration};

use time::OffsetDateTime;
use tracing::{error, info, warn};

use super::{
    activity::device,
    authsignal::AuthsignalClient,
    http::requester::Requester,
    present,
    shared_state::{SharedState, Unavailable},
};
use crate::{
    model::VerificationMethod,
    secret::Secret,
    wire::authsignal::{AuthenticatorEventData, UserAuthenticator},
};
use mailer::Mailer;
pub use notice::Notice;

/// A change is mailed once within this long, however many times it is reported.
const ONCE_WITHIN: Duration = Duration::from_secs(24 * 3600);
/// How long after the app starts a removal its webhook may arrive and still be the app's.
const REMOVAL_WEBHOOK_WITHIN: Duration = Duration::from_secs(10 * 60);
/// The waits before each attempt.
const ATTEMPTS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(2),
    Duration::from_secs(10),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
}

/// What a notice says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub authenticator_id: String,
    pub method: VerificationMethod,
    /// As the page shows it: `j•••@example.com`, `+64 •• ••• 4321`, a passkey's provider.
    pub identifier: Option<String>,
    /// "1 Dec 2026, 22:41 UTC".
    pub when: String,
    pub device: Option<String>,
    pub address: Option<String>,
}

impl Change {
    /// A removal the app just made for a request from `from`.
    pub fn removed(removed: &UserAuthenticator, from: &Requester, now: OffsetDateTime) -> Self {
        Self {
            kind: ChangeKind::Removed,
            authenticator_id: removed.user_authenticator_id.clone(),
            method: removed.verification_method,
            identifier: present::identifier_of(removed),
            when: present::when(now, now).exact,
            device: from.user_agent.as_deref().and_then(device::name),
            address: from.ip.map(|ip| ip.to_string()),
        }
    }

    /// A change an `authenticator.*` webhook reports, with the device and address the activity
    /// log attributes it to, if any.
    pub fn reported(
        kind: ChangeKind,
        event: &AuthenticatorEventData,
        at: OffsetDateTime,
        origin: (Option<String>, Option<String>),
    ) -> Self {
        let identifier = present::identifier(
            event.verification_method,
            event.email.as_deref(),
            event.phone_number.as_deref(),
            event.credential_name.as_deref(),
        );
        Self {
            kind,
            authenticator_id: event.user_authenticator_id.clone(),
            method: event.verification_method,
            identifier,
            when: present::when(at, at).exact,
            device: origin.0,
            address: origin.1,
        }
    }
}

/// Mails notices, when there is a mail server to send through.
pub struct Notifier {
    mailer: Option<Arc<Mailer>>,
    authsignal: AuthsignalClient,
    shared: Arc<SharedState>,
    /// `…/security`, where the notice sends a worried person.
    security_url: String,
}

impl Notifier {
    pub fn new(
        smtp_url: Option<&Secret>,
        from: &str,
        authsignal: AuthsignalClient,
        shared: Arc<SharedState>,
        security_url: String,
    ) -> Result<Self, String> {
        let mailer = match smtp_url {
            Some(url) => Some(Arc::new(Mailer::new(url.expose(), from)?)),
            None => {
                warn!("no SMTP_URL: people are not told of changes to their sign-in methods");
                None
            }
        };
        Ok(Self {
            mailer,
            authsignal,
            shared,
            security_url,
        })
    }

    /// The app is about to remove `authenticator_id` and tells of it itself, with the device and
    /// address of the request; the webhook Authsignal may send for it says less, so it is not
    /// mailed. Called before the removal: the webhook may arrive before the removal returns.
    pub async fn removing(&self, authenticator_id: &str) -> Result<(), Unavailable> {
        self.shared
            .first_sighting(&removing_key(authenticator_id), REMOVAL_WEBHOOK_WITHIN)
            .await
            .map(drop)
    }

    /// Whether a reported removal is one the app is making, and mails, itself.
    pub async fn removed_here(&self, authenticator_id: &str) -> Result<bool, Unavailable> {
        self.shared
            .first_sighting(&removing_key(authenticator_id), REMOVAL_WEBHOOK_WITHIN)
            .await
            .map(|first| !first)
    }

    /// Mails `change` to `user_id`, at `known_address` (their Cognito email, when the request
    /// carried it) or else at the email Authsignal keeps for them; once per change, in the
    /// background.
    pub async fn notify(&self, user_id: &str, known_address: Option<String>, change: Change) {
        let Some(mailer) = self.mailer.clone() else {
            return;
        };
        let kind = match change.kind {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
        };
        let key = format!("notice:{kind}:{}", change.authenticator_id);
        // Without the shared state, a notice sent twice is better than one not sent.
        if self.shared.first_sighting(&key, ONCE_WITHIN).await == Ok(false) {
            return;
        }
        let authsignal = self.authsignal.clone();
        let notice = Notice::of(&change, &self.security_url);
        let user_id = user_id.to_owned();
        tokio::spawn(async move {
            let address = match known_address {
                Some(address) => Some(address),
                None => match authsignal.get_user(&user_id).await {
                    Ok(user) => user.email,
                    Err(error) => {
                        warn!(%error, "no address to send a notice to: Authsignal did not answer");
                        return;
                    }
                },
            };
            let Some(address) = address else {
                warn!("no address to send a notice to: the person has not signed in since");
                return;
            };
            send(&mailer, &address, &notice).await;
        });
    }
}

fn removing_key(authenticator_id: &str) -> String {
    format!("removing:{authenticator_id}")
}

async fn send(mailer: &Mailer, address: &str, notice: &Notice) {
    // The domain only: the local part is personal.
    let to = address
        .rsplit_once('@')
        .map_or_else(String::new, |(_, domain)| format!("…@{domain}"));
    for (attempt, wait) in ATTEMPTS.into_iter().enumerate() {
        tokio::time::sleep(wait).await;
        match mailer.send(address, notice).await {
            Ok(()) => {
                info!(%to, subject = notice.subject, "notice sent");
                return;
            }
            Err(problem) => warn!(%to, attempt, %problem, "a notice was not sent"),
        }
    }
    error!(%to, subject = notice.subject, "a notice could not be sent; giving up");
}
