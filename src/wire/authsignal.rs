//! Authsignal's JSON, field for field (reference `authsignal-api.md` §2 and §4,
//! `authsignal-methods.md`): the Server API the app's client calls, and the Client API the
//! browser calls. The local Authsignal writes exactly these structs and the app reads exactly
//! these structs, so the two cannot drift apart; `tests/integration/authsignal_contract.rs`
//! checks both against the reference examples, so they cannot drift from Authsignal together.
//!
//! Optional fields are `Option`s, left out when unset, and an enum value this code does not know
//! yet becomes `Unknown` rather than an error: Authsignal keeps adding methods and states.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{model::VerificationMethod, secret::Secret};

/// The outcome of an action (reference §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionState {
    Allow,
    Block,
    ChallengeRequired,
    ChallengeSucceeded,
    ChallengeFailed,
    ReviewRequired,
    ReviewSucceeded,
    ReviewFailed,
    #[serde(other)]
    Unknown,
}

/// The body of a track request; every field is optional and unset fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Where the pre-built UI sends the user afterwards, with `?token=` appended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Show the authenticator settings screen after the challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to_settings: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164, e.g. `+64211234567`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Space-separated, e.g. `"add:authenticators"`; Authsignal defaults to `read:authenticators`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Data for the tenant's rules: string, number or boolean values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The answer to a track request. `token` and `url` (which embeds the token) are credentials for
/// the browser, so neither shows in `Debug` output.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    pub state: ActionState,
    pub idempotency_key: String,
    /// The pre-built UI for this action.
    pub url: Secret,
    /// For the Client API (`Authorization: Bearer`) and for `/validate`.
    pub token: Secret,
    pub is_enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<String>>,
}

/// `GET /users/{userId}/actions/{action}/{idempotencyKey}` (reference §2.7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    pub state: ActionState,
    #[serde(with = "time::serde::rfc3339")]
    pub state_updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_ids: Option<Vec<String>>,
}

/// One of a user's sign-in methods (reference §2.2). The Server API lists them with full
/// addresses and `userId`; the Client API with masked addresses and `isDefault`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthenticator {
    pub user_authenticator_id: String,
    pub verification_method: VerificationMethod,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub last_verified_at: Option<OffsetDateTime>,
    /// Client API only: the method Authsignal offers first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Email OTP and email magic link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// SMS and WhatsApp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `DEFAULT` or `WHATSAPP`, SMS only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_sms_channel: Option<String>,
    /// Passkeys only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredential>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebauthnCredential {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// What the person calls it, e.g. "iCloud Keychain".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid_mapping: Option<AaguidMapping>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_backed_up: Option<bool>,
    /// `singleDevice` or `multiDevice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_device_type: Option<String>,
    /// `platform` or `cross-platform`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// When the credential was registered (BR `WebauthnCredential.verifiedAt`, required there;
    /// optional here, as the app does not read it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub verified_at: Option<OffsetDateTime>,
}

/// The make and icons of a passkey provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AaguidMapping {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_dark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_light: Option<String>,
}

/// The body of the Server API's "enroll verified authenticator" (reference §2.3).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollVerifiedRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    /// The deprecated name of `verificationMethod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oob_channel: Option<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredential>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrollVerifiedResponse {
    pub authenticator: UserAuthenticator,
}

/// The body of `POST /validate`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateRequest {
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The answer of `POST /validate` (reference §2.5). A token for another user or action is not
/// an HTTP error: it comes back with `is_valid: false` and `error` set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// True only when the challenge succeeded.
    pub is_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ActionState>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub state_updated_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Also sent as the deprecated `actionCode`; read both with [`ValidateResponse::action`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    /// A sentence such as "User is invalid." when the token belongs to someone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ValidateResponse {
    /// The action's code, from whichever of the two field names is present.
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref().or(self.action_code.as_deref())
    }

    /// The challenge succeeded for exactly this user.
    pub fn succeeded_for(&self, user_id: &str) -> bool {
        self.is_valid
            && self.state == Some(ActionState::ChallengeSucceeded)
            && self.user_id.as_deref() == Some(user_id)
    }
}

/// What Authsignal knows about a user (reference §2.6). An unknown user is not an error: it
/// comes back with `is_enrolled: false`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub is_enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<VerificationMethod>,
}

/// `PATCH /users/{userId}` (reference §2.6): the attributes to change; the rest stay. Every
/// attribute `@authsignal/node`'s `UserAttributes` declares; the answer is the same shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// `PATCH /users/{userId}/actions/{action}/{idempotencyKey}` (`@authsignal/node`
/// `updateAction`): the action's new state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionRequest {
    pub state: ActionState,
}

/// One of a user's actions, as `GET /users/{userId}/actions?codes=&fromDate=` lists them
/// (`authsignal-methods.md` §5.3): newest first, at most 30 days back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserActionRecord {
    pub action_code: String,
    pub idempotency_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<OffsetDateTime>,
    pub state: ActionState,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state_updated_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_by_authenticator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// Every webhook Authsignal sends has this envelope (`authsignal-methods.md` §5.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    pub version: u32,
    pub id: String,
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub tenant_id: String,
    /// `authenticator.created`, `authenticator.deleted`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's own fields; for authenticator events, [`AuthenticatorEventData`].
    #[serde(default)]
    pub data: serde_json::Value,
}

/// The `data` of `authenticator.created`, `.updated` and `.deleted`. The deletion time's name
/// is not documented (probably `deletedAt`), so none of the times is required here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorEventData {
    pub user_id: String,
    pub user_authenticator_id: String,
    pub verification_method: VerificationMethod,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
}

/// Every Authsignal error body, on both APIs (reference §1.3); older responses carry only
/// `error`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// `POST /client/user-authenticators/email-otp`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollEmailRequest {
    pub email: String,
}

/// `POST /client/user-authenticators/sms`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollSmsRequest {
    pub phone_number: String,
}

/// The answer of a Client API enrollment: the new, not yet verified authenticator.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollResponse {
    pub user_authenticator_id: String,
    pub user_id: String,
}

/// `POST /client/challenge/email-otp` and `/sms`; the id is "only required if the user has
/// multiple" authenticators of the method.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_authenticator_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResponse {
    pub challenge_id: String,
}

/// `POST /client/challenge`, with the tenant's id instead of a token: the action a passkey
/// sign-in will be recorded as (BR `passkey.signIn({action})`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInChallengeRequest {
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// `{"verificationCode": "123456"}`, the name the Web SDK has sent since 0.5.7.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyRequest {
    pub verification_code: String,
}

/// The answer of a Client API verify. A wrong code is a 200 with `isVerified: false`; a right
/// one carries a new token that may manage authenticators, and the new authenticator when the
/// code completed an enrollment.
///
/// `A` is how the authenticator in it is read: the emulator writes the whole
/// [`UserAuthenticator`]; the page reads only its id ([`AuthenticatorId`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResponse<A = UserAuthenticator> {
    pub is_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Passkey calls name the authenticator and its user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_authenticator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_authenticator: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<FailureReason>,
    /// A passkey sign-in's: the name the passkey was registered under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl<A> Default for VerifyResponse<A> {
    fn default() -> Self {
        Self {
            is_verified: false,
            access_token: None,
            user_authenticator_id: None,
            user_id: None,
            user_authenticator: None,
            failure_reason: None,
            username: None,
        }
    }
}

/// An authenticator read for its id alone. A field the reader does not use (a timestamp in a
/// form it cannot parse, say) then cannot make the answer unreadable, and the bundle carries no
/// timestamp parser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorId {
    pub user_authenticator_id: String,
}

/// `POST /client/user-authenticators/totp` (no body): a new, unverified authenticator app.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollTotpResponse {
    pub user_authenticator_id: String,
    pub user_id: String,
    /// `otpauth://totp/…`, for a QR code.
    pub uri: String,
    /// The same secret, base32, for typing in.
    pub secret: String,
}

/// `POST /client/user-authenticators/passkey/registration-options`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyRegistrationOptionsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `platform`, `cross-platform`, or `null` for either.
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
}

/// `POST /client/user-authenticators/passkey/authentication-options`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyAuthenticationOptionsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// Only the passkeys registered under this name: "recommended for when using passkeys for
    /// MFA or step-up" (DOCS generate-passkey-authentication-options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The options for `navigator.credentials.create()` or `.get()`, in the W3C JSON form, and the
/// ceremony they belong to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptionsResponse {
    pub challenge_id: String,
    pub options: serde_json::Value,
}

/// `POST /client/user-authenticators/passkey`: the new credential, `PublicKeyCredential.toJSON()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddPasskeyRequest {
    pub registration_credential: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
}

/// `POST /client/verify/passkey`: an assertion, `PublicKeyCredential.toJSON()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPasskeyRequest {
    pub authentication_credential: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
}

/// Why a code was not accepted (reference §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureReason {
    CodeInvalidOrExpired,
    MaxAttemptsExceeded,
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_and_methods_are_not_errors() {
        let response: ValidateResponse = serde_json::from_str(
            r#"{"isValid":false,"state":"SOMETHING_NEW","verificationMethod":"PALM_BIOMETRICS_RR"}"#,
        )
        .unwrap();
        assert_eq!(response.state, Some(ActionState::Unknown));
        assert_eq!(
            response.verification_method,
            Some(VerificationMethod::Unknown)
        );
    }

    #[test]
    fn the_action_is_read_from_either_field_name() {
        let both: ValidateResponse =
            serde_json::from_str(r#"{"isValid":true,"action":"signIn","actionCode":"signIn"}"#)
                .unwrap();
        assert_eq!(both.action(), Some("signIn"));
        let deprecated: ValidateResponse =
            serde_json::from_str(r#"{"isValid":true,"actionCode":"signIn"}"#).unwrap();
        assert_eq!(deprecated.action(), Some("signIn"));
    }

    #[test]
    fn unset_attributes_are_not_sent() {
        let body = serde_json::to_value(TrackAttributes {
            redirect_to_settings: Some(true),
            scope: Some("add:authenticators".into()),
            ..TrackAttributes::default()
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"redirectToSettings": true, "scope": "add:authenticators"})
        );
        assert_eq!(
            serde_json::to_string(&TrackAttributes::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn tokens_stay_out_of_debug_output() {
        let response: TrackResponse = serde_json::from_str(
            r#"{"state":"ALLOW","idempotencyKey":"k","url":"https://mfa.example/?token=eyJsecret","token":"eyJsecret","isEnrolled":false}"#,
        )
        .unwrap();
        let debug = format!("{response:?}");
        assert!(!debug.contains("eyJsecret"), "{debug}");
        assert!(debug.contains("Allow"), "{debug}");
    }

    #[test]
    fn a_validation_only_succeeds_for_its_user() {
        let response: ValidateResponse =
            serde_json::from_str(r#"{"isValid":true,"state":"CHALLENGE_SUCCEEDED","userId":"u1"}"#)
                .unwrap();
        assert!(response.succeeded_for("u1"));
        assert!(!response.succeeded_for("u2"));
    }

    #[test]
    fn a_refused_validation_is_only_its_verdict_and_sentence() {
        let refused = ValidateResponse {
            error: Some("Token is invalid.".into()),
            ..ValidateResponse::default()
        };
        assert_eq!(
            serde_json::to_value(refused).unwrap(),
            serde_json::json!({"isValid": false, "error": "Token is invalid."})
        );
    }

    #[test]
    fn verify_answers_use_the_web_sdk_field_names() {
        let wrong: VerifyResponse = serde_json::from_str(
            r#"{"isVerified":false,"failureReason":"CODE_INVALID_OR_EXPIRED"}"#,
        )
        .unwrap();
        assert_eq!(
            wrong.failure_reason,
            Some(FailureReason::CodeInvalidOrExpired)
        );
        let body = serde_json::to_string(&VerifyRequest {
            verification_code: "123456".into(),
        })
        .unwrap();
        assert_eq!(body, r#"{"verificationCode":"123456"}"#);
    }
}
