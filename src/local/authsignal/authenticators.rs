//! A user's authenticators in the local Authsignal: adding one with no code (the Server API's
//! enroll verified), removing one, and who may add another.

use super::{
    codes::Channel,
    conventions::{ApiError, check_user_id},
    data::{self, Action, Data, Passkey, StoredAuthenticator, User},
    tokens::Claims,
};
use crate::{model::VerificationMethod, wire::authsignal::EnrollVerifiedRequest};

impl Data {
    pub fn user(&self, user_id: &str) -> Option<&User> {
        self.users.get(user_id)
    }

    /// Adds an authenticator that needs no code (reference §2.3): how tests give a user a
    /// passkey, an authenticator app or an SMS number.
    pub fn enroll_verified(
        &mut self,
        user_id: &str,
        request: EnrollVerifiedRequest,
    ) -> Result<StoredAuthenticator, ApiError> {
        check_user_id(user_id)?;
        let method = request
            .verification_method
            .or(request.oob_channel)
            .ok_or_else(|| ApiError::invalid_request("verificationMethod is required."))?;
        let now = self.now();
        let mut authenticator = StoredAuthenticator {
            verified_at: Some(now),
            last_verified_at: Some(now),
            username: request.username,
            display_name: request.display_name,
            ..StoredAuthenticator::new(method, now)
        };
        match method {
            VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
                let email = request
                    .email
                    .ok_or_else(|| ApiError::invalid_request("email is required."))?;
                authenticator.email = Some(Channel::Email.check_address(&email)?);
            }
            VerificationMethod::Sms | VerificationMethod::Whatsapp => {
                let phone = request
                    .phone_number
                    .ok_or_else(|| ApiError::invalid_request("phoneNumber is required."))?;
                authenticator.phone_number = Some(Channel::Sms.check_address(&phone)?);
            }
            VerificationMethod::AuthenticatorApp => {
                authenticator.otp_uri = request.otp_uri;
            }
            VerificationMethod::Passkey => {
                let passkey = request.webauthn_credential.unwrap_or_default();
                authenticator.passkey = Some(Passkey {
                    credential_id: uuid::Uuid::new_v4().to_string(),
                    device_id: uuid::Uuid::new_v4().to_string(),
                    name: passkey.name.unwrap_or_else(|| "Local passkey".to_owned()),
                    username: None,
                    aaguid: uuid::Uuid::nil().to_string(),
                    backed_up: passkey.credential_backed_up.unwrap_or(true),
                    authenticator_attachment: passkey
                        .authenticator_attachment
                        .unwrap_or_else(|| "platform".to_owned()),
                    credential: None,
                });
            }
            _ => {
                return Err(ApiError::invalid_request(
                    "verificationMethod must be EMAIL_OTP, EMAIL_MAGIC_LINK, SMS, WHATSAPP, AUTHENTICATOR_APP or PASSKEY.",
                ));
            }
        }
        let user = self.users.entry(user_id.to_owned()).or_default();
        if request.is_default == Some(true) {
            user.authenticators.insert(0, authenticator.clone());
        } else {
            user.authenticators.push(authenticator.clone());
        }
        self.announce(data::CREATED, user_id, &authenticator);
        Ok(authenticator)
    }

    /// Removes an authenticator, the last one included, as the Server API allows, if the tenant
    /// allows deleting them at all.
    pub fn delete_authenticator(&mut self, user_id: &str, id: &str) -> Result<(), ApiError> {
        if !self.tenant.allow_deleting_user_authenticators {
            return Err(ApiError::deletion_not_allowed());
        }
        let user = self.users.get_mut(user_id);
        let position = user.as_ref().and_then(|user| {
            user.authenticators
                .iter()
                .position(|authenticator| authenticator.id == id)
        });
        match (user, position) {
            (Some(user), Some(position)) => {
                let removed = user.authenticators.remove(position);
                self.challenges
                    .retain(|challenge| challenge.authenticator_id != id);
                // An enrollment never finished was never announced.
                if removed.verified_at.is_some() {
                    self.announce(data::DELETED, user_id, &removed);
                }
                Ok(())
            }
            _ => Err(ApiError::not_found(
                "The user has no authenticator with this userAuthenticatorId.",
            )),
        }
    }

    /// Removal from the pre-built UI's settings screen: needs the `remove:authenticators`
    /// scope, and never takes the user's last authenticator.
    pub fn remove_own_authenticator(&mut self, claims: &Claims, id: &str) -> Result<(), ApiError> {
        if !claims.has_scope("remove:authenticators") {
            return Err(ApiError::missing_scope("remove:authenticators"));
        }
        let user_id = &claims.other.user_id;
        let verified: Vec<&str> = self
            .user(user_id)
            .map(|user| {
                user.verified()
                    .map(|authenticator| authenticator.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        if !verified.contains(&id) {
            return Err(ApiError::not_found(
                "The user has no authenticator with this userAuthenticatorId.",
            ));
        }
        if verified.len() == 1 {
            return Err(ApiError::invalid_request(
                "This is the only way to sign in, so it cannot be removed. Add another method first.",
            ));
        }
        self.delete_authenticator(user_id, id)
    }

    /// Refuses a method the tenant has not switched on, as the Client API does. The status and
    /// code of the real refusal are not documented (fidelity audit row 10).
    pub(super) fn check_enabled(&self, method: VerificationMethod) -> Result<(), ApiError> {
        if self.tenant.enabled_methods.contains(&method) {
            Ok(())
        } else {
            Err(ApiError::invalid_request(format!(
                "The {} method is not enabled for this tenant.",
                method.label()
            )))
        }
    }

    /// Refuses a challenge with a method the tenant switched off, or that `action`'s
    /// configuration does not allow (its `verificationMethods`).
    pub(super) fn check_challenge(
        &self,
        action: &Action,
        method: VerificationMethod,
    ) -> Result<(), ApiError> {
        self.check_enabled(method)?;
        if action.allows(method) {
            Ok(())
        } else {
            Err(ApiError::invalid_request(format!(
                "The {} method is not allowed for the {} action.",
                method.label(),
                action.code
            )))
        }
    }

    /// Someone who already has a method needs the `add:authenticators` scope to add another,
    /// "this includes another passkey" (reference §3).
    pub(super) fn check_may_enroll(&self, claims: &Claims) -> Result<(), ApiError> {
        let enrolled = self
            .user(&claims.other.user_id)
            .is_some_and(User::is_enrolled);
        if enrolled && !claims.has_scope("add:authenticators") {
            Err(ApiError::missing_scope("add:authenticators"))
        } else {
            Ok(())
        }
    }
}
