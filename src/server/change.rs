//! What a notice tells of: a change to a person's sign-in methods (added, removed) or sessions
//! (one signed out, all of them), with when, from which device and address.

use time::OffsetDateTime;

use super::{
    activity::{self, device},
    http::requester::Requester,
    present,
};
use crate::{
    model::VerificationMethod,
    wire::authsignal::{AuthenticatorEventData, UserAuthenticator},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    /// One session was signed out from another.
    SessionEnded,
    SignedOutEverywhere,
}

/// What a notice says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// What the change was to: an authenticator's id, a session's, or the moment of a sign-out
    /// everywhere. It names the notice, which is sent once.
    pub about: String,
    /// The kind of method added or removed.
    pub method: Option<VerificationMethod>,
    /// As the page shows it: `j•••@example.com`, `+64 •• ••• 4321`, a passkey's provider; the
    /// device of a session signed out.
    pub identifier: Option<String>,
    /// When it happened: the notice writes it in its reader's language and time zone.
    pub at: OffsetDateTime,
    pub device: Option<String>,
    pub address: Option<String>,
}

impl Change {
    /// A removal the app just made for a request from `from`.
    pub fn removed(removed: &UserAuthenticator, from: &Requester, now: OffsetDateTime) -> Self {
        Self {
            kind: ChangeKind::Removed,
            about: removed.user_authenticator_id.clone(),
            method: Some(removed.verification_method),
            identifier: present::identifier_of(removed),
            at: now,
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
        )
        .or_else(|| {
            // A passkey without a provider name is told apart by where it was added from.
            matches!(
                event.verification_method,
                VerificationMethod::Passkey | VerificationMethod::SecurityKey
            )
            .then_some(origin.0.as_deref())
            .flatten()
            .map(activity::from_device)
        });
        Self {
            kind,
            about: event.user_authenticator_id.clone(),
            method: Some(event.verification_method),
            identifier,
            at,
            device: origin.0,
            address: origin.1,
        }
    }
}
