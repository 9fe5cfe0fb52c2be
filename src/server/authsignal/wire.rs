//! The Server API's JSON, field for field (reference §2). Optional fields are `Option`s, and an
//! enum value this code does not know yet becomes `Unknown` rather than an error: Authsignal
//! keeps adding methods and states.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::{model::VerificationMethod, server::config::Secret};

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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    pub state: ActionState,
    pub idempotency_key: String,
    /// The pre-built UI for this action.
    #[serde(deserialize_with = "secret")]
    pub url: Secret,
    /// For the Client API (`Authorization: Bearer`) and for `/validate`.
    #[serde(deserialize_with = "secret")]
    pub token: Secret,
    pub is_enrolled: bool,
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    pub default_verification_method: Option<VerificationMethod>,
    pub rule_ids: Option<Vec<String>>,
}

/// One of a user's verified sign-in methods (reference §2.2).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthenticator {
    pub user_authenticator_id: String,
    pub verification_method: VerificationMethod,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub user_id: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_verified_at: Option<OffsetDateTime>,
    /// Email OTP and email magic link.
    pub email: Option<String>,
    /// SMS and WhatsApp.
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// `DEFAULT` or `WHATSAPP`, SMS only.
    pub previous_sms_channel: Option<String>,
    /// Passkeys only.
    pub webauthn_credential: Option<WebauthnCredential>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebauthnCredential {
    pub credential_id: Option<String>,
    pub device_id: Option<String>,
    /// What the person calls it, e.g. "iCloud Keychain".
    pub name: Option<String>,
    pub aaguid: Option<String>,
    pub aaguid_mapping: Option<AaguidMapping>,
    pub credential_backed_up: Option<bool>,
    /// `singleDevice` or `multiDevice`.
    pub credential_device_type: Option<String>,
    /// `platform` or `cross-platform`.
    pub authenticator_attachment: Option<String>,
}

/// The make and icons of a passkey provider.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AaguidMapping {
    pub name: Option<String>,
    pub svg_icon_dark: Option<String>,
    pub svg_icon_light: Option<String>,
}

/// The body of `POST /validate`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ValidateRequest<'a> {
    pub token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'a str>,
}

/// The answer of `POST /validate` (reference §2.5). A token for another user or action is not
/// an HTTP error: it comes back with `is_valid: false` and `error` set.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// True only when the challenge succeeded.
    pub is_valid: bool,
    pub state: Option<ActionState>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub state_updated_at: Option<OffsetDateTime>,
    pub user_id: Option<String>,
    /// Also sent as the deprecated `actionCode`; read both with [`ValidateResponse::action`].
    pub action: Option<String>,
    pub action_code: Option<String>,
    pub idempotency_key: Option<String>,
    pub verification_method: Option<VerificationMethod>,
    /// A sentence such as "User is invalid." when the token belongs to someone else.
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
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub is_enrolled: bool,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub phone_number: Option<String>,
    pub phone_number_verified: Option<bool>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
    pub locale: Option<String>,
    pub enrolled_verification_methods: Option<Vec<VerificationMethod>>,
    pub allowed_verification_methods: Option<Vec<VerificationMethod>>,
    pub default_verification_method: Option<VerificationMethod>,
}

/// Every Authsignal error body (reference §1.3); older responses carry only `error`. Public
/// only so that the fuzz targets can decode it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub error_description: Option<String>,
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    String::deserialize(deserializer).map(Secret::new)
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
}
