//! What the local Authsignal remembers, kept in memory and written to
//! `<data dir>/authsignal/state.json` after every change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::{
    model::VerificationMethod,
    wire::authsignal::{
        AaguidMapping, ActionState, AuthenticatorEventData, UserAuthenticator, WebauthnCredential,
    },
};

/// A key, drawn for dark and for light backgrounds: the icon of every local passkey.
const ICON_DARK: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PGNpcmNsZSBjeD0iOCIgY3k9IjEyIiByPSI0IiBmaWxsPSJub25lIiBzdHJva2U9IiNmZmYiIHN0cm9rZS13aWR0aD0iMiIvPjxwYXRoIGQ9Ik0xMiAxMmgxME0xOCAxMnY0IiBzdHJva2U9IiNmZmYiIHN0cm9rZS13aWR0aD0iMiIvPjwvc3ZnPg==";
const ICON_LIGHT: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PGNpcmNsZSBjeD0iOCIgY3k9IjEyIiByPSI0IiBmaWxsPSJub25lIiBzdHJva2U9IiMwMDAiIHN0cm9rZS13aWR0aD0iMiIvPjxwYXRoIGQ9Ik0xMiAxMmgxME0xOCAxMnY0IiBzdHJva2U9IiMwMDAiIHN0cm9rZS13aWR0aD0iMiIvPjwvc3ZnPg==";

/// The whole state of the emulator but its keys (see `Installation`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Data {
    /// How far the emulator's clock runs ahead of the real one (`POST /_local/clock`).
    #[serde(default)]
    pub clock_offset_secs: i64,
    #[serde(default)]
    pub users: BTreeMap<String, User>,
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Codes sent and not yet used, one per action and method.
    #[serde(default)]
    pub challenges: Vec<Challenge>,
    /// Every email and SMS "sent", oldest first.
    #[serde(default)]
    pub outbox: Vec<Message>,
    /// When each rate-limited event happened, per limit key.
    #[serde(default)]
    pub events: BTreeMap<String, Vec<i64>>,
    /// Passkey ceremonies begun and not finished.
    #[serde(default)]
    pub ceremonies: Vec<Ceremony>,
    /// Sign-ins started without a token and not finished.
    #[serde(default)]
    pub sign_in_challenges: Vec<SignInChallenge>,
    #[serde(default)]
    pub tenant: TenantSettings,
    /// Mail the app sent through the local mail server, oldest first.
    #[serde(default)]
    pub mail: Vec<MailMessage>,
    /// Webhook events made by the last change, for the emulator to send once it is saved.
    #[serde(skip)]
    pub outgoing: Vec<PendingEvent>,
}

/// Settings of the emulated tenant that change what the APIs allow (`POST /_local/tenant`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TenantSettings {
    /// The Management API's `allowDeletingUserAuthenticators`.
    pub allow_deleting_user_authenticators: bool,
    /// Where `authenticator.*` webhooks go, as set in the Portal's general settings.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Whether `authenticator.deleted` carries `deletedAt`: the documentation names the time of
    /// deletion without naming the field (fidelity audit row 3), so a test can leave it out.
    #[serde(default = "yes")]
    pub send_deleted_at: bool,
    /// Whether the actions query answers oldest first: the documentation says neither order nor
    /// cap (fidelity audit row 11), so a test can take the other reading.
    #[serde(default)]
    pub actions_oldest_first: bool,
    /// The methods the tenant has switched on (the Portal's Authenticators): the Client API
    /// enrolls only these, and track and get user list them as allowed.
    #[serde(default = "every_method")]
    pub enabled_methods: Vec<VerificationMethod>,
    /// How each action code is set up (the Management API's action configurations, and the
    /// Portal's rules set through `POST /_local/rules`). An action without one is `ALLOW`,
    /// Authsignal's default outcome ("the action either needs to have its default outcome set
    /// to CHALLENGE or have at least one rule triggered", DOCS /learn/faqs).
    #[serde(default = "the_apps_actions")]
    pub actions: BTreeMap<String, ActionConfiguration>,
    /// Whether running out of attempts moves an action to `CHALLENGE_FAILED`.
    #[serde(default)]
    pub fail_actions_after_attempts: bool,
    /// How many digits a new authenticator app's codes have.
    #[serde(default = "six")]
    pub totp_digits: usize,
    /// How long each of a new authenticator app's codes lasts.
    #[serde(default = "thirty")]
    pub totp_period_secs: u64,
}

fn six() -> usize {
    6
}

fn thirty() -> u64 {
    30
}

/// One action code's setup in the tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ActionConfiguration {
    /// `CHALLENGE_REQUIRED` challenges a user who has a method; `BLOCK` and `REVIEW_REQUIRED`
    /// stand whatever they have.
    pub outcome: ActionState,
    /// The methods a challenge of this action may use (`verificationMethods`, MGMT
    /// `ActionConfiguration`); all when absent.
    #[serde(default)]
    pub verification_methods: Option<Vec<VerificationMethod>>,
}

/// What the app's deployment guide tells operators to set up: its five actions, each with the
/// default outcome Challenge (docs/deploy.md).
pub(super) fn the_apps_actions() -> BTreeMap<String, ActionConfiguration> {
    [
        "signIn",
        "addAuthenticator",
        "removeAuthenticator",
        "manageAuthenticators",
        "stepUp",
    ]
    .into_iter()
    .map(|code| {
        (
            code.to_owned(),
            ActionConfiguration {
                outcome: ActionState::ChallengeRequired,
                verification_methods: None,
            },
        )
    })
    .collect()
}

/// The methods a tenant may switch on that the emulator implements, in the Portal's order.
pub(super) fn every_method() -> Vec<VerificationMethod> {
    vec![
        VerificationMethod::EmailOtp,
        VerificationMethod::Sms,
        VerificationMethod::AuthenticatorApp,
        VerificationMethod::Passkey,
        VerificationMethod::SecurityKey,
    ]
}

fn yes() -> bool {
    true
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            webhook_url: None,
            allow_deleting_user_authenticators: true,
            send_deleted_at: true,
            actions_oldest_first: false,
            enabled_methods: every_method(),
            actions: the_apps_actions(),
            fail_actions_after_attempts: false,
            totp_digits: six(),
            totp_period_secs: thirty(),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct User {
    pub email: Option<String>,
    /// As the Server API was told (`PATCH /users/{id}`); otherwise whether a verified email
    /// method has this address.
    #[serde(default)]
    pub email_verified: Option<bool>,
    pub phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_verified: Option<bool>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub locale: Option<String>,
    /// Verified ones and ones waiting for their first code.
    #[serde(default)]
    pub authenticators: Vec<StoredAuthenticator>,
    /// The WebAuthn user handle of their passkeys, made with the first.
    #[serde(default)]
    pub webauthn_handle: Option<uuid::Uuid>,
}

impl User {
    pub fn verified(&self) -> impl Iterator<Item = &StoredAuthenticator> {
        self.authenticators
            .iter()
            .filter(|authenticator| authenticator.verified_at.is_some())
    }

    pub fn is_enrolled(&self) -> bool {
        self.verified().next().is_some()
    }

    /// Each method once, in the order they were added.
    pub fn enrolled_methods(&self) -> Vec<VerificationMethod> {
        let mut methods = Vec::new();
        for authenticator in self.verified() {
            if !methods.contains(&authenticator.method) {
                methods.push(authenticator.method);
            }
        }
        methods
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredAuthenticator {
    pub id: String,
    pub method: VerificationMethod,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `None` until the first code is verified: the Server API lists it so, the Client API and
    /// the pre-built UI not at all.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_verified_at: Option<OffsetDateTime>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub otp_uri: Option<String>,
    /// The last time step an authenticator app's code was accepted for: never again.
    #[serde(default)]
    pub last_totp_step: Option<u64>,
    pub passkey: Option<Passkey>,
}

impl StoredAuthenticator {
    /// A new authenticator of `method`, not verified yet, with nothing but its id and times.
    pub fn new(method: VerificationMethod, now: OffsetDateTime) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            method,
            created_at: now,
            verified_at: None,
            last_verified_at: None,
            email: None,
            phone_number: None,
            username: None,
            display_name: None,
            otp_uri: None,
            last_totp_step: None,
            passkey: None,
        }
    }

    /// Where its codes go, for the methods that receive codes.
    pub fn address(&self) -> Option<&str> {
        match self.method {
            VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
                self.email.as_deref()
            }
            VerificationMethod::Sms | VerificationMethod::Whatsapp => self.phone_number.as_deref(),
            _ => None,
        }
    }

    /// As the Server API lists it: full addresses, and whose it is.
    pub fn for_server(&self, user_id: &str) -> UserAuthenticator {
        UserAuthenticator {
            user_id: Some(user_id.to_owned()),
            email: self.email.clone(),
            phone_number: self.phone_number.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            ..self.listed()
        }
    }

    /// As the Client API lists it: masked addresses, and whether Authsignal offers it first.
    pub fn for_client(&self, is_default: bool) -> UserAuthenticator {
        let masked = self.masked_address();
        UserAuthenticator {
            is_default: Some(is_default),
            email: self.email.as_ref().and(masked.clone()),
            phone_number: self.phone_number.as_ref().and(masked),
            ..self.listed()
        }
    }

    /// What both APIs show alike.
    fn listed(&self) -> UserAuthenticator {
        UserAuthenticator {
            user_authenticator_id: self.id.clone(),
            verification_method: self.method,
            created_at: self.created_at,
            user_id: None,
            verified_at: self.verified_at,
            last_verified_at: self.last_verified_at,
            is_default: None,
            email: None,
            phone_number: None,
            username: None,
            display_name: None,
            previous_sms_channel: None,
            webauthn_credential: self
                .passkey
                .as_ref()
                .map(|passkey| passkey.credential(self.verified_at)),
        }
    }

    /// The address as the Client API and the pre-built UI show it: `j***@example.com`,
    /// `+*******4567`.
    pub fn masked_address(&self) -> Option<String> {
        let address = self.address()?;
        Some(match address.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => {
                let count = address.chars().count();
                address
                    .chars()
                    .enumerate()
                    .map(|(index, c)| {
                        if index == 0 || index + 4 >= count {
                            c
                        } else {
                            '*'
                        }
                    })
                    .collect()
            }
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Passkey {
    pub credential_id: String,
    pub device_id: String,
    pub name: String,
    pub aaguid: String,
    pub backed_up: bool,
    pub authenticator_attachment: String,
    /// The WebAuthn credential, for one registered through a ceremony; one given by the
    /// Server API has none and cannot be used to sign in.
    #[serde(default)]
    pub credential: Option<webauthn_rs::prelude::Passkey>,
    /// The name it was registered under, which authentication options can ask for.
    #[serde(default)]
    pub username: Option<String>,
}

impl Passkey {
    fn credential(&self, verified_at: Option<OffsetDateTime>) -> WebauthnCredential {
        WebauthnCredential {
            credential_id: Some(self.credential_id.clone()),
            device_id: Some(self.device_id.clone()),
            name: Some(self.name.clone()),
            aaguid: Some(self.aaguid.clone()),
            aaguid_mapping: Some(AaguidMapping {
                name: Some(self.name.clone()),
                svg_icon_dark: Some(ICON_DARK.to_owned()),
                svg_icon_light: Some(ICON_LIGHT.to_owned()),
            }),
            credential_backed_up: Some(self.backed_up),
            credential_device_type: Some(
                if self.backed_up {
                    "multiDevice"
                } else {
                    "singleDevice"
                }
                .to_owned(),
            ),
            authenticator_attachment: Some(self.authenticator_attachment.clone()),
            verified_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Action {
    pub user_id: String,
    pub code: String,
    pub idempotency_key: String,
    pub state: ActionState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub state_updated_at: OffsetDateTime,
    pub verification_method: Option<VerificationMethod>,
    /// The authenticator that passed the challenge, or the one it enrolled.
    #[serde(default)]
    pub verified_by_authenticator_id: Option<String>,
    pub scope: String,
    /// The methods its challenge may use, as its configuration said when it was tracked.
    #[serde(default)]
    pub verification_methods: Option<Vec<VerificationMethod>>,
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub redirect_to_settings: bool,
    /// Where the action came from, as the tracker said.
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
}

impl Action {
    pub fn is(&self, user_id: &str, code: &str, idempotency_key: &str) -> bool {
        self.user_id == user_id && self.code == code && self.idempotency_key == idempotency_key
    }

    /// Whether its challenge may use `method`.
    pub fn allows(&self, method: VerificationMethod) -> bool {
        self.verification_methods
            .as_ref()
            .is_none_or(|methods| methods.contains(&method))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Challenge {
    pub id: String,
    pub user_id: String,
    pub action_code: String,
    pub idempotency_key: String,
    pub authenticator_id: String,
    pub method: VerificationMethod,
    /// The authenticator is new and becomes verified with this code.
    pub enrollment: bool,
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A passkey ceremony in progress, for one action.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Ceremony {
    pub id: String,
    /// Empty for a sign-in that does not know whose passkey will answer.
    pub user_id: String,
    pub action_code: String,
    pub idempotency_key: String,
    /// The name a registration is for.
    #[serde(default)]
    pub username: Option<String>,
    pub state: CeremonyState,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum CeremonyState {
    Registration(webauthn_rs::prelude::PasskeyRegistration),
    Authentication(webauthn_rs::prelude::PasskeyAuthentication),
    /// Any discoverable passkey of the relying party may answer.
    Discoverable(webauthn_rs::prelude::DiscoverableAuthentication),
}

/// A sign-in started without a token (`POST /client/challenge`): the action a passkey that
/// answers will be recorded as.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SignInChallenge {
    pub id: String,
    pub action_code: String,
    pub idempotency_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A message the app mailed through the local mail server.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MailMessage {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    /// The whole message as it arrived, headers and every MIME part.
    pub raw: String,
    /// The plain-text part, decoded.
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

/// An email or SMS the emulator "sent".
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Message {
    pub to: String,
    pub method: VerificationMethod,
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}

/// A webhook event a change made, waiting for the change to be saved.
#[derive(Clone, Debug)]
pub(super) struct PendingEvent {
    pub kind: &'static str,
    pub data: AuthenticatorEventData,
    pub at: OffsetDateTime,
}

impl Data {
    /// Queues `authenticator.created` or `.deleted` for `authenticator` of `user_id`.
    pub(super) fn announce(
        &mut self,
        kind: &'static str,
        user_id: &str,
        authenticator: &StoredAuthenticator,
    ) {
        let now = self.now();
        let passkey = authenticator.passkey.as_ref();
        self.outgoing.push(PendingEvent {
            kind,
            at: now,
            data: AuthenticatorEventData {
                user_id: user_id.to_owned(),
                user_authenticator_id: authenticator.id.clone(),
                verification_method: authenticator.method,
                created_at: Some(authenticator.created_at),
                deleted_at: (kind == DELETED && self.tenant.send_deleted_at).then_some(now),
                email: authenticator.email.clone(),
                phone_number: authenticator.phone_number.clone(),
                credential_name: passkey.map(|passkey| passkey.name.clone()),
                aaguid: passkey.map(|passkey| passkey.aaguid.clone()),
            },
        });
    }
}

pub(super) const CREATED: &str = "authenticator.created";
pub(super) const DELETED: &str = "authenticator.deleted";

impl Data {
    /// The emulator's clock: the real time plus the offset tests added, to the millisecond.
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc() + Duration::seconds(self.clock_offset_secs);
        now.replace_millisecond(now.millisecond()).unwrap_or(now)
    }

    pub fn advance_clock(&mut self, seconds: i64) {
        self.clock_offset_secs = self.clock_offset_secs.saturating_add(seconds);
    }
}
