//! Authenticator apps in the local Authsignal: RFC 6238 (SHA-1, 6 digits and 30-second steps
//! unless the tenant says otherwise, one step of drift either way) with totp-rs, and the
//! `otpauth://totp/` URI apps read, which names the digits and the step. A code is accepted
//! once: a step used is never accepted again (RFC 6238 §5.2). Whether a real tenant's codes can
//! differ from 6 digits and 30 seconds is not documented (fidelity audit row 12): the settings
//! let a test take the other reading.
//!
//! Authsignal documents the calls (`POST /client/user-authenticators/totp`, answering `uri` and
//! `secret`; `POST /client/verify/totp`, for enrollment and for step-up alike) but not the URI's
//! exact form (authsignal-methods.md §2, [?]); this is the form Auth0's MFA API returns and every
//! app reads: `otpauth://totp/{Issuer}:{account}?secret={base32}&issuer={Issuer}`.

use rand::RngCore;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::{
    codes::{CODE_LIFETIME, Verification},
    conventions::ApiError,
    data::{Challenge, Data, StoredAuthenticator},
    tokens::Claims,
};
use crate::{model::VerificationMethod, wire::authsignal::FailureReason};

/// What the person's app shows above the codes.
const ISSUER: &str = "Account Security";

/// A new app's enrollment: the authenticator, its URI and its secret in base32.
pub(super) struct TotpEnrollment {
    pub authenticator: StoredAuthenticator,
    pub uri: String,
    pub secret: String,
}

impl Data {
    /// Starts adding an authenticator app: a new secret, kept unverified until the first code.
    /// A user who already has a method needs the `add:authenticators` scope.
    pub fn start_totp_enrollment(&mut self, claims: &Claims) -> Result<TotpEnrollment, ApiError> {
        let action = self.action_for(claims)?.clone();
        self.check_enabled(VerificationMethod::AuthenticatorApp)?;
        self.check_may_enroll(claims)?;
        let user = self.user(&action.user_id).cloned().unwrap_or_default();
        let account = user
            .email
            .or(user.username)
            .unwrap_or_else(|| action.user_id.clone());
        let mut bytes = [0_u8; 20];
        rand::rng().fill_bytes(&mut bytes);
        let secret = Secret::from(bytes);
        let (digits, step) = (self.tenant.totp_digits, self.tenant.totp_period_secs);
        let uri = totp(secret.clone(), &account, digits, step)?
            .to_url()
            .map_err(|error| ApiError::internal(format!("no otpauth URI: {error}")))?;
        let now = self.now();
        let authenticator = StoredAuthenticator {
            otp_uri: Some(uri.clone()),
            ..StoredAuthenticator::new(VerificationMethod::AuthenticatorApp, now)
        };
        // One pending app per action: starting again replaces the last one.
        let pending: Vec<String> = self
            .challenges
            .iter()
            .filter(|challenge| {
                challenge.method == VerificationMethod::AuthenticatorApp
                    && challenge.user_id == action.user_id
                    && challenge.action_code == action.code
                    && challenge.idempotency_key == action.idempotency_key
            })
            .map(|challenge| challenge.authenticator_id.clone())
            .collect();
        self.challenges
            .retain(|challenge| !pending.contains(&challenge.authenticator_id));
        let user = self.users.entry(action.user_id.clone()).or_default();
        user.authenticators
            .retain(|candidate| !pending.contains(&candidate.id));
        user.authenticators.push(authenticator.clone());
        self.challenges.push(Challenge {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: action.user_id.clone(),
            action_code: action.code.clone(),
            idempotency_key: action.idempotency_key.clone(),
            authenticator_id: authenticator.id.clone(),
            method: VerificationMethod::AuthenticatorApp,
            enrollment: true,
            code: String::new(),
            expires_at: now + CODE_LIFETIME,
        });
        Ok(TotpEnrollment {
            authenticator,
            uri,
            secret: secret.to_base32(),
        })
    }

    /// Checks a code from an app: the one this action is enrolling, or, with none pending, any
    /// of the user's verified apps (a step-up; there is no challenge call for apps).
    pub fn verify_totp(&mut self, claims: &Claims, code: &str) -> Result<Verification, ApiError> {
        let action = self.action_for(claims)?.clone();
        let method = VerificationMethod::AuthenticatorApp;
        if self.count_attempt(&action.user_id, method).is_err() {
            return Ok(self.fail(claims));
        }
        let now = self.now();
        let enrolling = self
            .challenges
            .iter()
            .find(|challenge| {
                challenge.method == method
                    && challenge.user_id == action.user_id
                    && challenge.action_code == action.code
                    && challenge.idempotency_key == action.idempotency_key
                    && challenge.expires_at > now
            })
            .map(|challenge| challenge.authenticator_id.clone());
        if enrolling.is_none() {
            self.check_challenge(&action, method)?;
        }
        let Some(user) = self.users.get_mut(&action.user_id) else {
            return Ok(Verification::Failed(FailureReason::CodeInvalidOrExpired));
        };
        let matched = user.authenticators.iter_mut().find_map(|authenticator| {
            let candidate = match &enrolling {
                Some(id) => authenticator.id == *id,
                None => authenticator.method == method && authenticator.verified_at.is_some(),
            };
            let step = accepted_step(authenticator, code, now).filter(|_| candidate)?;
            Some((authenticator, step))
        });
        let Some((authenticator, step)) = matched else {
            return Ok(Verification::Failed(FailureReason::CodeInvalidOrExpired));
        };
        authenticator.verified_at.get_or_insert(now);
        authenticator.last_verified_at = Some(now);
        authenticator.last_totp_step = Some(step);
        let enrolled = enrolling.is_some().then(|| Box::new(authenticator.clone()));
        let by = authenticator.id.clone();
        if let Some(id) = &enrolling {
            self.challenges
                .retain(|challenge| challenge.authenticator_id != *id);
        }
        self.succeed(claims, method, &by, enrolled, now)
    }
}

/// The time step `code` is right for, within one step of `now`, if it was not used before.
fn accepted_step(
    authenticator: &StoredAuthenticator,
    code: &str,
    now: OffsetDateTime,
) -> Option<u64> {
    let totp = Totp::from_url(authenticator.otp_uri.as_deref()?).ok()?;
    let seconds = u64::try_from(now.unix_timestamp()).ok()?;
    let step = totp.check(code.trim(), seconds)?;
    authenticator
        .last_totp_step
        .is_none_or(|last| step > last)
        .then_some(step)
}

fn totp(secret: Secret, account: &str, digits: usize, step_secs: u64) -> Result<Totp, ApiError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(u8::try_from(digits).unwrap_or(6))
        .with_skew(1)
        .with_step_duration(step_secs)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        // A colon would end the label's account part early.
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|error| ApiError::internal(format!("no authenticator app: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_vector_holds() {
        let totp = totp(
            Secret::from(*b"12345678901234567890"),
            "jane@example.com",
            6,
            30,
        )
        .unwrap();
        assert_eq!(totp.generate(59).to_string(), "287082");
        let uri = totp.to_url().unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Account%20Security:jane%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Account%20Security"), "{uri}");
    }

    #[test]
    fn a_code_counts_within_one_step_and_only_once() {
        let totp = totp(Secret::from(*b"12345678901234567890"), "jane", 6, 30).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_000_000_020).unwrap();
        let mut app = StoredAuthenticator {
            otp_uri: Some(totp.to_url().unwrap()),
            ..StoredAuthenticator::new(VerificationMethod::AuthenticatorApp, now)
        };
        let at = |seconds: u64| totp.generate(seconds).to_string();
        let current = 1_000_000_020 / 30;
        assert_eq!(accepted_step(&app, &at(1_000_000_020), now), Some(current));
        assert_eq!(
            accepted_step(&app, &at(1_000_000_020 - 30), now),
            Some(current - 1)
        );
        assert_eq!(
            accepted_step(&app, &at(1_000_000_020 + 30), now),
            Some(current + 1)
        );
        assert_eq!(accepted_step(&app, &at(1_000_000_020 - 90), now), None);
        assert_eq!(accepted_step(&app, &at(1_000_000_020 + 3600), now), None);
        app.last_totp_step = Some(current);
        assert_eq!(accepted_step(&app, &at(1_000_000_020), now), None, "used");
        assert_eq!(
            accepted_step(&app, &at(1_000_000_020 - 30), now),
            None,
            "older"
        );
    }
}
