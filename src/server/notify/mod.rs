//! A message to the owner after every change to their sign-in methods, however it was made: on
//! the page, through the REST API (the app removes, so it tells), or anywhere Authsignal's
//! webhooks report from (adds through the Client API, and the pre-built UI). The same change may
//! be reported twice (our removal, then its webhook): it is mailed once.
//!
//! A notice is never lost silently: "sent" is recorded only after the mail server took it, and
//! while one instance is sending it holds a short lease, so a webhook that reports the same change
//! meanwhile is answered with a retry rather than forgotten. A notice that cannot be sent after
//! its attempts is an error in the log naming the change (never the address); a webhook-reported
//! one is tried again at each of Authsignal's redeliveries. On the server a change does not wait
//! for its mail; on Lambda, which freezes after the response, it does. Only addresses Cognito
//! has verified are written to, and each at most [`PER_RECIPIENT_PER_HOUR`] times an hour.

mod mailer;
mod notice;

use std::{sync::Arc, time::Duration};

use aws_lc_rs::digest::{SHA256, digest};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use time::OffsetDateTime;
use tracing::{error, info, warn};

pub use super::change::{Change, ChangeKind};
use super::{
    authsignal::AuthsignalClient,
    i18n::{self, remembered},
    shared_state::{SharedState, Unavailable},
    wasnt_me::WasntMe,
};
use crate::secret::Secret;
use mailer::Mailer;
pub use notice::Notice;

/// A change is mailed once within this long, however many times it is reported.
const ONCE_WITHIN: Duration = Duration::from_secs(24 * 3600);
/// How long after the app starts a removal its webhook may arrive and still be the app's.
const REMOVAL_WEBHOOK_WITHIN: Duration = Duration::from_secs(10 * 60);
/// The waits before each attempt when nothing waits for the outcome.
const ATTEMPTS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(2),
    Duration::from_secs(10),
];
/// One instance sends a notice at a time; a lease outlives every attempt, so it is free again
/// when the sender died.
const SENDING_LEASE: Duration = Duration::from_secs(60);
/// Notices one address gets at most in an hour: a stranger's account cannot make the app
/// mail-bomb someone whose address it claims.
pub const PER_RECIPIENT_PER_HOUR: u64 = 20;

/// How a notice turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Mailed before: nothing to do.
    AlreadySent,
    /// Another request is sending it now; ask again later.
    Underway,
    /// Not sent, and nothing more to do: no mail server, no verified address, or the
    /// recipient's hourly allowance is used (each said in the log).
    NotSent,
    /// The mail server did not take it; it may be tried again.
    Failed,
}

impl Delivery {
    /// Whether the notice's fate is settled, so a reporter (a webhook) need not report again.
    pub fn is_settled(self) -> bool {
        !matches!(self, Self::Underway | Self::Failed)
    }
}

/// Mails notices, when there is a mail server to send through.
pub struct Notifier {
    mailer: Option<Arc<Mailer>>,
    authsignal: AuthsignalClient,
    shared: Arc<SharedState>,
    /// `…/security`, where the notice sends a worried person.
    security_url: String,
    /// Makes the "Wasn't you?" links.
    wasnt_me: Arc<WasntMe>,
    /// Whether a change waits for its mail: on Lambda nothing runs after the response.
    inline: bool,
}

impl Notifier {
    pub fn new(
        smtp_url: Option<&Secret>,
        from: &str,
        authsignal: AuthsignalClient,
        shared: Arc<SharedState>,
        security_url: String,
        wasnt_me: Arc<WasntMe>,
        inline: bool,
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
            wasnt_me,
            inline,
        })
    }

    /// The app is about to remove `authenticator_id`, one of `user_id`'s own methods, and tells
    /// of it itself, with the device and address of the request; the webhook Authsignal sends
    /// for it says less, so it is not mailed. Set after the ownership check and before the
    /// removal: the webhook may arrive before the removal returns.
    pub async fn removing(&self, user_id: &str, authenticator_id: &str) -> Result<(), Unavailable> {
        let since = OffsetDateTime::now_utc().unix_timestamp().to_string();
        self.shared
            .put(
                &removing_key(user_id, authenticator_id),
                &since,
                REMOVAL_WEBHOOK_WITHIN,
            )
            .await
    }

    /// The removal announced by [`Notifier::removing`] did not happen.
    pub async fn not_removing(&self, user_id: &str, authenticator_id: &str) {
        if self
            .shared
            .take(&removing_key(user_id, authenticator_id))
            .await
            .is_err()
        {
            warn!("a removal that did not happen is still marked as under way");
        }
    }

    /// Whether a reported removal is one the app made, and mails, itself: how far its notice
    /// got, or `None` when it is not the app's.
    pub async fn removed_here(
        &self,
        user_id: &str,
        change: &Change,
    ) -> Result<Option<Delivery>, Unavailable> {
        let Some(since) = self
            .shared
            .get(&removing_key(user_id, &change.about))
            .await?
        else {
            return Ok(None);
        };
        let started = since.parse::<i64>().unwrap_or_default();
        let quiet_for = OffsetDateTime::now_utc().unix_timestamp() - started;
        Ok(Some(
            if self.shared.get(&sent_key(change)).await?.is_some() {
                Delivery::AlreadySent
            } else if self.shared.get(&sending_key(change)).await?.is_some() {
                Delivery::Underway
            } else if self.shared.get(&failed_key(change)).await?.is_some()
                || quiet_for > SENDING_LEASE.as_secs() as i64
            {
                // Its notice failed, or the instance making it never got to it.
                Delivery::Failed
            } else {
                Delivery::Underway
            },
        ))
    }

    /// Mails `change` to `user_id` at `known_address` (their verified Cognito email, when the
    /// request carried one) or else at the email Authsignal keeps for them; in the background on
    /// the server, before returning on Lambda.
    pub async fn notify(&self, user_id: &str, known_address: Option<String>, change: Change) {
        if self.inline {
            self.deliver(user_id, known_address, &change, &ATTEMPTS[..1])
                .await;
            return;
        }
        let notifier = self.detached();
        let user_id = user_id.to_owned();
        tokio::spawn(async move {
            notifier
                .deliver(&user_id, known_address, &change, &ATTEMPTS)
                .await;
        });
    }

    /// Mails `change` now, once, and says how it went; `attempts` are the waits before each try.
    pub async fn deliver(
        &self,
        user_id: &str,
        known_address: Option<String>,
        change: &Change,
        attempts: &[Duration],
    ) -> Delivery {
        let Some(mailer) = &self.mailer else {
            return Delivery::NotSent;
        };
        // Without the shared state, a notice sent twice is better than one not sent.
        if self
            .shared
            .get(&sent_key(change))
            .await
            .ok()
            .flatten()
            .is_some()
        {
            return Delivery::AlreadySent;
        }
        let sending = sending_key(change);
        if self.shared.put_new(&sending, "1", SENDING_LEASE).await == Ok(false) {
            return Delivery::Underway;
        }
        let delivery = self
            .send_once(mailer, user_id, known_address, change, attempts)
            .await;
        let recorded = match delivery {
            Delivery::Sent => self.shared.put(&sent_key(change), "1", ONCE_WITHIN).await,
            Delivery::Failed => self.shared.put(&failed_key(change), "1", ONCE_WITHIN).await,
            _ => Ok(()),
        };
        if recorded.is_err() {
            warn!(?delivery, "how a notice went was not recorded");
        }
        if delivery == Delivery::Sent {
            let _ = self.shared.take(&failed_key(change)).await;
        }
        let _ = self.shared.take(&sending).await;
        delivery
    }

    async fn send_once(
        &self,
        mailer: &Mailer,
        user_id: &str,
        known_address: Option<String>,
        change: &Change,
        attempts: &[Duration],
    ) -> Delivery {
        let address = match known_address {
            Some(address) => address,
            None => match self.authsignal.get_user(user_id).await {
                Ok(user) => match user.email {
                    Some(address) => address,
                    None => {
                        warn!("no address to send a notice to: the person has no verified email");
                        return Delivery::NotSent;
                    }
                },
                Err(error) => {
                    warn!(%error, "no address to send a notice to: Authsignal did not answer");
                    return Delivery::Failed;
                }
            },
        };
        let recipient = format!("notice-recipient:{}", fingerprint(&address));
        match self
            .shared
            .count(&recipient, Duration::from_secs(3600))
            .await
        {
            Ok(counted) if counted.count > PER_RECIPIENT_PER_HOUR => {
                warn!(kind = ?change.kind, method = ?change.method, "a notice was not sent: its recipient had too many this hour");
                return Delivery::NotSent;
            }
            Ok(_) => {}
            Err(Unavailable) => {
                warn!("the recipient's notices could not be counted; sending anyway");
            }
        }
        // In the language and time zone the person last used on the page; else in those of the
        // request that made the change, when it was theirs.
        let reader = remembered::recall(&self.shared, &self.authsignal, user_id)
            .await
            .unwrap_or_else(i18n::current_reader);
        let notice = i18n::with_reader_now(reader, || {
            let link = match change.kind {
                // Signing out everywhere is what the link would do.
                ChangeKind::SignedOutEverywhere => None,
                _ => {
                    let now = OffsetDateTime::now_utc().unix_timestamp();
                    let what = notice::what_happened(change);
                    match self.wasnt_me.link(user_id, change, &what, now) {
                        Ok(link) => Some(link),
                        Err(error) => {
                            warn!(%error, "a notice goes without its \"Wasn't you?\" link");
                            None
                        }
                    }
                }
            };
            Notice::of(change, &self.security_url, link.as_deref())
        });
        if send(mailer, &address, &notice, attempts).await {
            Delivery::Sent
        } else {
            error!(kind = ?change.kind, method = ?change.method, about = change.about, %user_id, "a notice could not be sent; giving up");
            Delivery::Failed
        }
    }

    /// A copy for a background task.
    fn detached(&self) -> Self {
        Self {
            mailer: self.mailer.clone(),
            authsignal: self.authsignal.clone(),
            shared: self.shared.clone(),
            security_url: self.security_url.clone(),
            wasnt_me: self.wasnt_me.clone(),
            inline: self.inline,
        }
    }
}

fn removing_key(user_id: &str, authenticator_id: &str) -> String {
    format!("removing:{user_id}:{authenticator_id}")
}

fn sent_key(change: &Change) -> String {
    format!("notice-sent:{:?}:{}", change.kind, change.about)
}

fn failed_key(change: &Change) -> String {
    format!("notice-failed:{:?}:{}", change.kind, change.about)
}

fn sending_key(change: &Change) -> String {
    format!("notice-sending:{:?}:{}", change.kind, change.about)
}

/// An address as a key: never the address itself in the shared state.
fn fingerprint(address: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, address.trim().to_lowercase().as_bytes()))
}

/// Whether the mail server took the notice within `attempts`.
async fn send(mailer: &Mailer, address: &str, notice: &Notice, attempts: &[Duration]) -> bool {
    // The domain only: the local part is personal.
    let to = address
        .rsplit_once('@')
        .map_or_else(String::new, |(_, domain)| format!("…@{domain}"));
    for (attempt, wait) in attempts.iter().enumerate() {
        tokio::time::sleep(*wait).await;
        match mailer.send(address, notice).await {
            Ok(()) => {
                info!(%to, subject = notice.subject, "notice sent");
                return true;
            }
            Err(problem) => warn!(%to, attempt, %problem, "a notice was not sent"),
        }
    }
    false
}
