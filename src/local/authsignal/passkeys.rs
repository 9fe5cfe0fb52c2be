//! Passkeys in the local Authsignal: real WebAuthn registration and authentication, verified
//! by webauthn-rs against the configured relying party (RP ID and the app's origins, as a
//! tenant sets them in the Portal): attestation `none` and packed self-attestation, challenge,
//! origin, RP ID hash, user verification, signature and counter. A ceremony is used once, so a
//! replayed or forged credential is refused (`invalid_credential`, the code the Web SDK knows).
//!
//! The calls are the Web SDK's (authsignal-methods.md §3): registration options, then the
//! credential, with the token of one tracked action; authentication options, then the
//! assertion. Registration asks for a discoverable credential (`residentKey: required`):
//! Authsignal's browser SDK signs people in without a username (`passkey.signIn` with no token:
//! `POST /client/challenge`, then authentication options with an empty `allowCredentials`,
//! BR `passkey.ts`), which only discoverable credentials answer. Authentication options given a
//! `username` (as step-up sends it, DOCS generate-passkey-authentication-options) list only the
//! passkeys registered under it; without one, any discoverable passkey may answer, and the
//! verify finds whose it is. What Authsignal puts in `excludeCredentials` is not documented
//! (§7 question 4): the person's passkeys are excluded.

use std::io;

use axum::http::StatusCode;
use time::Duration;
use webauthn_rs::{
    Webauthn, WebauthnBuilder,
    prelude::{CredentialID, DiscoverableKey, PublicKeyCredential, RegisterPublicKeyCredential},
};

use super::{
    codes::Verification,
    conventions::ApiError,
    data::{Action, Ceremony, CeremonyState, Data, Passkey, SignInChallenge, StoredAuthenticator},
    tokens::Claims,
};
use crate::{config::PasskeySettings, model::VerificationMethod};

/// A ceremony lasts as long as the browser's prompt may.
const CEREMONY_LIFETIME: Duration = Duration::minutes(5);
/// Old ceremonies go first.
const KEPT_CEREMONIES: usize = 500;

/// What the emulated tenant's passkeys are bound to.
pub(super) fn relying_party(settings: &PasskeySettings) -> io::Result<Webauthn> {
    let invalid = |error| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the passkey settings are not usable: {error}"),
        )
    };
    let (first, others) = settings
        .origins
        .split_first()
        .ok_or_else(|| invalid(webauthn_rs::prelude::WebauthnError::Configuration))?;
    let mut builder = WebauthnBuilder::new(&settings.rp_id, first)
        .map_err(invalid)?
        .rp_name("Account Security");
    for origin in others {
        builder = builder.append_allowed_origin(origin);
    }
    builder.build().map_err(invalid)
}

/// Names of passkey providers by AAGUID, from the community list the industry uses
/// (passkeydeveloper/passkey-authenticator-aaguids); an unknown one is named by its kind.
const PROVIDERS: [(&str, &str); 8] = [
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
];

fn provider_name(aaguid: &str, attachment: Option<&str>) -> String {
    PROVIDERS
        .iter()
        .find(|(known, _)| *known == aaguid)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| match attachment {
            Some("cross-platform") => "Security key".to_owned(),
            _ => "Passkey".to_owned(),
        })
}

impl Data {
    /// Registration options for a new passkey (or, with `method` `SECURITY_KEY`, a security key)
    /// of the token's user.
    pub fn passkey_registration_options(
        &mut self,
        relying_party: &Webauthn,
        claims: &Claims,
        username: Option<&str>,
        display_name: Option<&str>,
        method: VerificationMethod,
    ) -> Result<(String, serde_json::Value), ApiError> {
        let action = self.action_for(claims)?.clone();
        self.check_enabled(method)?;
        self.check_may_enroll(claims)?;
        let user = self.users.entry(action.user_id.clone()).or_default();
        let handle = *user.webauthn_handle.get_or_insert_with(uuid::Uuid::new_v4);
        let name = username
            .map(str::to_owned)
            .or_else(|| user.email.clone())
            .or_else(|| user.username.clone())
            .unwrap_or_else(|| action.user_id.clone());
        let exclude: Vec<CredentialID> = user
            .verified()
            .filter_map(|authenticator| authenticator.passkey.as_ref()?.credential.as_ref())
            .map(|credential| credential.cred_id().clone())
            .collect();
        let (options, state) = relying_party
            .start_passkey_registration(handle, &name, display_name.unwrap_or(&name), Some(exclude))
            .map_err(|error| {
                ApiError::invalid_request(format!("No registration options: {error}."))
            })?;
        let mut options = serde_json::to_value(&options.public_key)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        if method == VerificationMethod::SecurityKey {
            // A security key is a roaming authenticator, found by its credential id: it need
            // not hold a discoverable credential (Authsignal's authenticator configuration,
            // `authenticatorAttachment: cross-platform`).
            options["authenticatorSelection"]["authenticatorAttachment"] = "cross-platform".into();
            options["authenticatorSelection"]["residentKey"] = "discouraged".into();
            options["authenticatorSelection"]["requireResidentKey"] = false.into();
        } else {
            // A passkey is a discoverable credential; webauthn-rs's default discourages one.
            options["authenticatorSelection"]["residentKey"] = "required".into();
            options["authenticatorSelection"]["requireResidentKey"] = true.into();
        }
        let id = self.begin(
            &action.user_id,
            claims.other.action_code.clone(),
            claims.other.idempotency_key.clone(),
            Some(name),
            CeremonyState::Registration(state),
        );
        Ok((id, options))
    }

    /// Checks the new credential against the ceremony it answers, and keeps it as a verified
    /// passkey.
    pub fn add_passkey(
        &mut self,
        relying_party: &Webauthn,
        claims: &Claims,
        credential: &serde_json::Value,
        challenge_id: Option<&str>,
        method: VerificationMethod,
    ) -> Result<Verification, ApiError> {
        self.check_may_enroll(claims)?;
        let ceremony = self.finish(claims, challenge_id)?;
        let CeremonyState::Registration(state) = ceremony.state else {
            return Err(invalid_credential("That is not a passkey registration."));
        };
        let response: RegisterPublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|_| invalid_credential("The credential is not a WebAuthn registration."))?;
        let registered = relying_party
            .finish_passkey_registration(&response, &state)
            .map_err(|error| invalid_credential(&format!("The passkey was refused: {error}.")))?;
        let aaguid = aaguid_of(&response.response.attestation_object).unwrap_or_default();
        let attachment = credential["authenticatorAttachment"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| {
                (method == VerificationMethod::SecurityKey).then(|| "cross-platform".to_owned())
            });
        let now = self.now();
        let passkey = Passkey {
            credential_id: base64_url(registered.cred_id().as_ref()),
            device_id: uuid::Uuid::new_v4().to_string(),
            name: if method == VerificationMethod::SecurityKey {
                provider_name(&aaguid, Some("cross-platform"))
            } else {
                provider_name(&aaguid, attachment.as_deref())
            },
            aaguid,
            backed_up: backed_up(&response.response.attestation_object),
            authenticator_attachment: attachment.unwrap_or_else(|| "platform".to_owned()),
            credential: Some(registered),
            username: ceremony.username,
        };
        let authenticator = StoredAuthenticator {
            verified_at: Some(now),
            last_verified_at: Some(now),
            passkey: Some(passkey),
            ..StoredAuthenticator::new(method, now)
        };
        self.users
            .entry(claims.other.user_id.clone())
            .or_default()
            .authenticators
            .push(authenticator.clone());
        let by = authenticator.id.clone();
        self.succeed(claims, method, &by, Some(Box::new(authenticator)), now)
    }

    /// Authentication options: with a token, for its user's passkeys, only those registered
    /// under `username` when one is given; without a token, a sign-in (`challenge_id` from
    /// `POST /client/challenge`, or a new one). Without a username any discoverable passkey of
    /// the relying party may answer (an empty `allowCredentials`), and the verify finds whose.
    pub fn passkey_authentication_options(
        &mut self,
        relying_party: &Webauthn,
        claims: Option<&Claims>,
        username: Option<&str>,
        challenge_id: Option<&str>,
    ) -> Result<(String, serde_json::Value), ApiError> {
        let Some(claims) = claims else {
            return self.sign_in_options(relying_party, challenge_id);
        };
        let action = self.action_for(claims)?.clone();
        self.check_challenge(&action, VerificationMethod::Passkey)?;
        let passkeys: Vec<&Passkey> = self
            .user(&action.user_id)
            .map(|user| {
                user.verified()
                    .filter(|authenticator| authenticator.method == VerificationMethod::Passkey)
                    .filter_map(|authenticator| authenticator.passkey.as_ref())
                    .filter(|passkey| passkey.credential.is_some())
                    .collect()
            })
            .unwrap_or_default();
        if passkeys.is_empty() {
            return Err(ApiError::invalid_request(
                "The user has no passkey to authenticate with.",
            ));
        }
        let (options, state) = match username {
            Some(username) => {
                let named: Vec<_> = passkeys
                    .iter()
                    .filter(|passkey| passkey.username.as_deref() == Some(username))
                    .filter_map(|passkey| passkey.credential.clone())
                    .collect();
                if named.is_empty() {
                    return Err(ApiError::invalid_request(
                        "The user has no passkey registered under this username.",
                    ));
                }
                let (options, state) = relying_party
                    .start_passkey_authentication(&named)
                    .map_err(no_options)?;
                (options, CeremonyState::Authentication(state))
            }
            None => {
                let (options, state) = relying_party
                    .start_discoverable_authentication()
                    .map_err(no_options)?;
                (options, CeremonyState::Discoverable(state))
            }
        };
        let options = serde_json::to_value(&options.public_key)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let id = self.begin(
            &action.user_id,
            claims.other.action_code.clone(),
            claims.other.idempotency_key.clone(),
            None,
            state,
        );
        Ok((id, options))
    }

    /// Authentication options for the security keys of the token's user (BR
    /// `securityKey.verify`: the options as they are, no ceremony id).
    pub fn security_key_authentication_options(
        &mut self,
        relying_party: &Webauthn,
        claims: &Claims,
    ) -> Result<serde_json::Value, ApiError> {
        let action = self.action_for(claims)?.clone();
        self.check_challenge(&action, VerificationMethod::SecurityKey)?;
        let keys: Vec<_> = self
            .user(&action.user_id)
            .map(|user| {
                user.verified()
                    .filter(|authenticator| authenticator.method == VerificationMethod::SecurityKey)
                    .filter_map(|authenticator| authenticator.passkey.as_ref()?.credential.clone())
                    .collect()
            })
            .unwrap_or_default();
        if keys.is_empty() {
            return Err(ApiError::invalid_request(
                "The user has no security key to authenticate with.",
            ));
        }
        let (options, state) = relying_party
            .start_passkey_authentication(&keys)
            .map_err(no_options)?;
        let options = serde_json::to_value(&options.public_key)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        self.begin(
            &action.user_id,
            claims.other.action_code.clone(),
            claims.other.idempotency_key.clone(),
            None,
            CeremonyState::Authentication(state),
        );
        Ok(options)
    }

    /// Starts a sign-in whose passkey is not known yet: `POST /client/challenge {action}`,
    /// with the tenant's id instead of a token. The action is recorded once a passkey answers.
    pub fn start_sign_in(
        &mut self,
        action_code: &str,
        idempotency_key: Option<String>,
    ) -> Result<String, ApiError> {
        if !(1..=64).contains(&action_code.len())
            || !action_code
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
        {
            return Err(ApiError::invalid_request(
                "The action must be 1 to 64 letters, digits, `_` or `-`.",
            ));
        }
        let now = self.now();
        self.sign_in_challenges
            .retain(|challenge| challenge.expires_at > now);
        let id = uuid::Uuid::new_v4().to_string();
        self.sign_in_challenges.push(SignInChallenge {
            id: id.clone(),
            action_code: action_code.to_owned(),
            idempotency_key: idempotency_key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            expires_at: now + CEREMONY_LIFETIME,
        });
        Ok(id)
    }

    /// Options for a sign-in: any discoverable passkey may answer.
    fn sign_in_options(
        &mut self,
        relying_party: &Webauthn,
        challenge_id: Option<&str>,
    ) -> Result<(String, serde_json::Value), ApiError> {
        self.check_enabled(VerificationMethod::Passkey)?;
        let now = self.now();
        let challenge = match challenge_id {
            Some(id) => {
                let position = self
                    .sign_in_challenges
                    .iter()
                    .position(|challenge| challenge.id == id && challenge.expires_at > now)
                    .ok_or_else(|| {
                        ApiError::invalid_request("No such challenge, or it expired.")
                    })?;
                self.sign_in_challenges.remove(position)
            }
            // Whether the real default action code is `signIn` is not documented.
            None => SignInChallenge {
                id: uuid::Uuid::new_v4().to_string(),
                action_code: "signIn".to_owned(),
                idempotency_key: uuid::Uuid::new_v4().to_string(),
                expires_at: now + CEREMONY_LIFETIME,
            },
        };
        let (options, state) = relying_party
            .start_discoverable_authentication()
            .map_err(no_options)?;
        let options = serde_json::to_value(&options.public_key)
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let id = self.begin(
            "",
            challenge.action_code,
            challenge.idempotency_key,
            None,
            CeremonyState::Discoverable(state),
        );
        Ok((id, options))
    }

    /// Checks an assertion against the ceremony it answers; the passkey's counter moves on.
    /// With a token, the passkey must be the token's user's; without one (a sign-in), the
    /// passkey says whose it is, and its action is recorded as passed.
    pub fn verify_passkey(
        &mut self,
        relying_party: &Webauthn,
        claims: Option<&Claims>,
        credential: &serde_json::Value,
        challenge_id: Option<&str>,
    ) -> Result<PasskeyVerification, ApiError> {
        let ceremony = match claims {
            Some(claims) => self.finish(claims, challenge_id)?,
            None => self.finish_sign_in(challenge_id)?,
        };
        let response: PublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|_| invalid_credential("The credential is not a WebAuthn assertion."))?;
        let user_id = match &ceremony.state {
            CeremonyState::Discoverable(_) => {
                let (handle, _) = relying_party
                    .identify_discoverable_authentication(&response)
                    .map_err(|_| invalid_credential("The assertion names no user."))?;
                let owner = self
                    .users
                    .iter()
                    .find(|(_, user)| user.webauthn_handle == Some(handle))
                    .map(|(user_id, _)| user_id.clone())
                    .ok_or_else(unknown_credential)?;
                if claims.is_some_and(|claims| claims.other.user_id != owner) {
                    return Err(unknown_credential());
                }
                owner
            }
            _ => ceremony.user_id.clone(),
        };
        let stored = self
            .user(&user_id)
            .and_then(|user| {
                user.verified().find_map(|authenticator| {
                    let passkey = authenticator.passkey.as_ref()?.credential.as_ref()?;
                    (AsRef::<[u8]>::as_ref(passkey.cred_id()) == response.get_credential_id())
                        .then(|| passkey.clone())
                })
            })
            .ok_or_else(unknown_credential)?;
        let result = match &ceremony.state {
            CeremonyState::Authentication(state) => {
                relying_party.finish_passkey_authentication(&response, state)
            }
            CeremonyState::Discoverable(state) => relying_party
                .finish_discoverable_authentication_v2(
                    &response,
                    state.clone(),
                    DiscoverableKey::from(&stored),
                ),
            CeremonyState::Registration(_) => {
                return Err(invalid_credential("That is not a passkey authentication."));
            }
        }
        .map_err(|error| invalid_credential(&format!("The passkey was refused: {error}.")))?;
        let now = self.now();
        let user = self
            .users
            .get_mut(&user_id)
            .ok_or_else(unknown_credential)?;
        let authenticator = user
            .authenticators
            .iter_mut()
            .find(|authenticator| {
                authenticator
                    .passkey
                    .as_ref()
                    .and_then(|passkey| passkey.credential.as_ref())
                    .is_some_and(|stored| stored.cred_id() == result.cred_id())
            })
            .ok_or_else(unknown_credential)?;
        if let Some(stored) = authenticator
            .passkey
            .as_mut()
            .and_then(|passkey| passkey.credential.as_mut())
        {
            stored.update_credential(&result);
        }
        authenticator.last_verified_at = Some(now);
        let by = authenticator.id.clone();
        let method = authenticator.method;
        let username = authenticator
            .passkey
            .as_ref()
            .and_then(|passkey| passkey.username.clone());
        let verification = match claims {
            Some(claims) => self.succeed(claims, method, &by, None, now)?,
            None => self.signed_in(&user_id, &ceremony, &by, now),
        };
        Ok(PasskeyVerification {
            verification,
            user_id,
            authenticator_id: by,
            username,
        })
    }

    /// A sign-in a passkey answered: its action, recorded as passed.
    fn signed_in(
        &mut self,
        user_id: &str,
        ceremony: &Ceremony,
        by: &str,
        now: time::OffsetDateTime,
    ) -> Verification {
        let action = Action {
            user_id: user_id.to_owned(),
            code: ceremony.action_code.clone(),
            idempotency_key: ceremony.idempotency_key.clone(),
            state: crate::wire::authsignal::ActionState::ChallengeSucceeded,
            created_at: now,
            state_updated_at: now,
            verification_method: Some(VerificationMethod::Passkey),
            verified_by_authenticator_id: Some(by.to_owned()),
            scope: super::tokens::DEFAULT_SCOPE.to_owned(),
            verification_methods: None,
            redirect_url: None,
            redirect_to_settings: false,
            ip_address: None,
            user_agent: None,
            device_id: None,
        };
        self.actions.push(action.clone());
        Verification::Verified {
            action: Box::new(action),
            enrolled: None,
        }
    }

    /// Keeps a ceremony for an action; returns its id.
    fn begin(
        &mut self,
        user_id: &str,
        action_code: String,
        idempotency_key: String,
        username: Option<String>,
        state: CeremonyState,
    ) -> String {
        let now = self.now();
        self.ceremonies.retain(|ceremony| ceremony.expires_at > now);
        let excess = self.ceremonies.len().saturating_sub(KEPT_CEREMONIES);
        self.ceremonies.drain(..excess);
        let id = uuid::Uuid::new_v4().to_string();
        self.ceremonies.push(Ceremony {
            id: id.clone(),
            user_id: user_id.to_owned(),
            action_code,
            idempotency_key,
            username,
            state,
            expires_at: now + CEREMONY_LIFETIME,
        });
        id
    }

    /// Takes the token's action's ceremony (the one named, or the latest): a ceremony answers
    /// one credential, once.
    fn finish(
        &mut self,
        claims: &Claims,
        challenge_id: Option<&str>,
    ) -> Result<Ceremony, ApiError> {
        self.action_for(claims)?;
        let now = self.now();
        let position = self.ceremonies.iter().rposition(|ceremony| {
            ceremony.user_id == claims.other.user_id
                && ceremony.action_code == claims.other.action_code
                && ceremony.idempotency_key == claims.other.idempotency_key
                && ceremony.expires_at > now
                && challenge_id.is_none_or(|id| ceremony.id == id)
        });
        self.take_ceremony(position)
    }

    /// Takes a sign-in's ceremony, named by its challenge id.
    fn finish_sign_in(&mut self, challenge_id: Option<&str>) -> Result<Ceremony, ApiError> {
        let now = self.now();
        let position = challenge_id.and_then(|id| {
            self.ceremonies.iter().position(|ceremony| {
                ceremony.id == id && ceremony.user_id.is_empty() && ceremony.expires_at > now
            })
        });
        self.take_ceremony(position)
    }

    fn take_ceremony(&mut self, position: Option<usize>) -> Result<Ceremony, ApiError> {
        match position {
            Some(position) => Ok(self.ceremonies.remove(position)),
            None => Err(invalid_credential(
                "No passkey ceremony is waiting for this credential: it expired or was used.",
            )),
        }
    }
}

/// What a passkey verify found: the outcome, whose passkey it was, and its name.
pub(super) struct PasskeyVerification {
    pub verification: Verification,
    pub user_id: String,
    pub authenticator_id: String,
    pub username: Option<String>,
}

fn no_options(error: webauthn_rs::prelude::WebauthnError) -> ApiError {
    ApiError::invalid_request(format!("No authentication options: {error}."))
}

fn invalid_credential(description: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_credential", description)
}

fn unknown_credential() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "unknown_credential",
        "The passkey is not one of the user's.",
    )
}

/// The AAGUID in an attestation object's authenticator data (after the 32-byte RP ID hash, the
/// flags byte and the 4-byte counter), as a UUID.
fn aaguid_of(attestation_object: &[u8]) -> Option<String> {
    let data = authenticator_data(attestation_object)?;
    let bytes: [u8; 16] = data.get(37..53)?.try_into().ok()?;
    Some(uuid::Uuid::from_bytes(bytes).to_string())
}

/// The backup-state flag (BS, 0x10) of the authenticator data: a synced passkey.
fn backed_up(attestation_object: &[u8]) -> bool {
    authenticator_data(attestation_object)
        .and_then(|data| data.get(32).copied())
        .is_some_and(|flags| flags & 0x10 != 0)
}

fn authenticator_data(attestation_object: &[u8]) -> Option<Vec<u8>> {
    let value: ciborium::Value = ciborium::from_reader(attestation_object).ok()?;
    value.as_map()?.iter().find_map(|(key, value)| {
        (key.as_text() == Some("authData"))
            .then(|| value.as_bytes().cloned())
            .flatten()
    })
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_named_by_aaguid_or_by_kind() {
        assert_eq!(
            provider_name("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", Some("platform")),
            "iCloud Keychain"
        );
        assert_eq!(
            provider_name(
                "00000000-0000-0000-0000-000000000000",
                Some("cross-platform")
            ),
            "Security key"
        );
        assert_eq!(provider_name("unknown", None), "Passkey");
    }
}
