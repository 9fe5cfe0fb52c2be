//! Email and text-message codes in the local Authsignal (reference §1.3, §3): enrolling an
//! address, challenging one, verifying what was typed, and the limits on sending and trying.

use rand::Rng;
use time::{Duration, OffsetDateTime};

use super::{
    conventions::ApiError,
    data::{self, Action, Challenge, Data, Message, StoredAuthenticator},
    tokens::Claims,
};
use crate::{
    model::VerificationMethod,
    wire::authsignal::{ActionState, FailureReason},
};

/// "Email OTP 12 per 10 min; SMS OTP 6 per 10 min" (reference §1.3).
const EMAIL_SENDS: Limit = Limit {
    max: 12,
    window_secs: 600,
};
const SMS_SENDS: Limit = Limit {
    max: 6,
    window_secs: 600,
};
/// "Verifications: email OTP 10 per 5 min; SMS OTP 10 per 5 min."
const VERIFICATIONS: Limit = Limit {
    max: 10,
    window_secs: 300,
};
const LONGEST_WINDOW_SECS: i64 = 600;

pub(super) const CODE_LIFETIME: Duration = Duration::minutes(10);

/// Old messages go first; enough for any development session.
const KEPT_MESSAGES: usize = 500;

/// The methods an end user can enroll and be challenged with through the emulator.
pub(super) const CODE_METHODS: [VerificationMethod; 2] =
    [VerificationMethod::EmailOtp, VerificationMethod::Sms];

/// At most `max` events per `window_secs`, sliding.
#[derive(Clone, Copy)]
struct Limit {
    max: usize,
    window_secs: i64,
}

/// Where one-time codes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn method(self) -> VerificationMethod {
        match self {
            Self::Email => VerificationMethod::EmailOtp,
            Self::Sms => VerificationMethod::Sms,
        }
    }

    pub fn for_method(method: VerificationMethod) -> Option<Self> {
        match method {
            VerificationMethod::EmailOtp => Some(Self::Email),
            VerificationMethod::Sms => Some(Self::Sms),
            _ => None,
        }
    }

    fn send_limit(self) -> Limit {
        match self {
            Self::Email => EMAIL_SENDS,
            Self::Sms => SMS_SENDS,
        }
    }

    /// The address, trimmed, or why it cannot receive codes.
    pub fn check_address(self, address: &str) -> Result<String, ApiError> {
        let address = address.trim();
        let valid = match self {
            Self::Email => is_email(address),
            Self::Sms => is_e164(address),
        };
        if valid {
            Ok(address.to_owned())
        } else {
            Err(ApiError::invalid_request(match self {
                Self::Email => "email must be an email address such as jane@example.com.",
                Self::Sms => "phoneNumber must be in E.164 format, such as +64211234567.",
            }))
        }
    }
}

pub(super) enum Verification {
    Verified {
        action: Box<Action>,
        /// The new authenticator, when the code completed an enrollment.
        enrolled: Option<Box<StoredAuthenticator>>,
    },
    Failed(FailureReason),
}

impl Data {
    /// Starts enrolling a new email or phone number: creates it unverified and sends a code.
    /// A user who already has an authenticator needs the `add:authenticators` scope.
    pub fn start_enrollment(
        &mut self,
        claims: &Claims,
        channel: Channel,
        address: &str,
    ) -> Result<StoredAuthenticator, ApiError> {
        let action = self.action_for(claims)?.clone();
        let address = channel.check_address(address)?;
        let method = channel.method();
        self.check_enabled(method)?;
        self.check_may_enroll(claims)?;
        // An address already enrolled is enrolled again, as a second authenticator: a user may
        // hold several email OTP authenticators (DOCS start-email-otp-challenge, "only required
        // if the user has multiple email authenticators"); nothing documents a refusal.
        self.take(&send_key(&action.user_id, method), channel.send_limit())?;
        let now = self.now();
        let authenticator = StoredAuthenticator {
            email: (channel == Channel::Email).then(|| address.clone()),
            phone_number: (channel == Channel::Sms).then(|| address.clone()),
            ..StoredAuthenticator::new(method, now)
        };
        // One pending enrollment per method: a new address replaces the last one typed.
        let user = self.users.entry(action.user_id.clone()).or_default();
        let abandoned: Vec<String> = user
            .authenticators
            .iter()
            .filter(|pending| pending.method == method && pending.verified_at.is_none())
            .map(|pending| pending.id.clone())
            .collect();
        user.authenticators
            .retain(|pending| !abandoned.contains(&pending.id));
        user.authenticators.push(authenticator.clone());
        self.challenges
            .retain(|challenge| !abandoned.contains(&challenge.authenticator_id));
        self.issue_code(&action, &authenticator, true, now);
        Ok(authenticator)
    }

    /// Sends a code to one of the user's verified addresses: for email the one named, or the
    /// first. A text message goes to the first number whatever is named: the SMS challenge
    /// takes only `smsChannel` (DOCS start-sms-challenge; no SDK sends an id), so which of
    /// several numbers the real service picks is not known, and the app must not promise one.
    pub fn start_challenge(
        &mut self,
        claims: &Claims,
        channel: Channel,
        authenticator_id: Option<&str>,
    ) -> Result<String, ApiError> {
        let action = self.action_for(claims)?.clone();
        let method = channel.method();
        self.check_challenge(&action, method)?;
        let named = authenticator_id.filter(|_| channel == Channel::Email);
        let authenticator = self
            .user(&action.user_id)
            .and_then(|user| {
                user.verified().find(|authenticator| {
                    authenticator.method == method && named.is_none_or(|id| authenticator.id == id)
                })
            })
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid_request(match channel {
                    Channel::Email => "The user has no email OTP authenticator to challenge.",
                    Channel::Sms => "The user has no SMS authenticator to challenge.",
                })
            })?;
        self.take(&send_key(&action.user_id, method), channel.send_limit())?;
        let now = self.now();
        Ok(self.issue_code(&action, &authenticator, false, now))
    }

    /// Checks a code against the last one sent for this action. Right: the authenticator is
    /// verified and the action `CHALLENGE_SUCCEEDED`. Wrong, expired or too many attempts: a
    /// failure reason, never an HTTP error (reference §4.2).
    pub fn verify(
        &mut self,
        claims: &Claims,
        channel: Channel,
        code: &str,
    ) -> Result<Verification, ApiError> {
        let action = self.action_for(claims)?.clone();
        let method = channel.method();
        if self.count_attempt(&action.user_id, method).is_err() {
            return Ok(self.fail(claims));
        }
        let now = self.now();
        let position = self.challenges.iter().position(|challenge| {
            challenge.method == method
                && challenge.user_id == action.user_id
                && challenge.action_code == action.code
                && challenge.idempotency_key == action.idempotency_key
                && challenge.expires_at > now
        });
        let Some(position) = position else {
            return Ok(Verification::Failed(FailureReason::CodeInvalidOrExpired));
        };
        let matches = aws_lc_rs::constant_time::verify_slices_are_equal(
            self.challenges[position].code.as_bytes(),
            code.trim().as_bytes(),
        )
        .is_ok();
        if !matches {
            return Ok(Verification::Failed(FailureReason::CodeInvalidOrExpired));
        }
        let challenge = self.challenges.remove(position);
        let authenticator = self
            .users
            .get_mut(&action.user_id)
            .and_then(|user| {
                user.authenticators
                    .iter_mut()
                    .find(|authenticator| authenticator.id == challenge.authenticator_id)
            })
            .ok_or_else(ApiError::expired_token)?;
        authenticator.verified_at.get_or_insert(now);
        authenticator.last_verified_at = Some(now);
        let enrolled = challenge
            .enrollment
            .then(|| Box::new(authenticator.clone()));
        let by = authenticator.id.clone();
        self.succeed(claims, method, &by, enrolled, now)
    }

    /// The token's action passed its challenge with `method`.
    pub(super) fn succeed(
        &mut self,
        claims: &Claims,
        method: VerificationMethod,
        by: &str,
        enrolled: Option<Box<StoredAuthenticator>>,
        now: OffsetDateTime,
    ) -> Result<Verification, ApiError> {
        let action = self
            .actions
            .iter_mut()
            .find(|candidate| claims.is_for(candidate))
            .ok_or_else(ApiError::expired_token)?;
        action.state = ActionState::ChallengeSucceeded;
        action.state_updated_at = now;
        action.verification_method = Some(method);
        action.verified_by_authenticator_id = Some(by.to_owned());
        let action = Box::new(action.clone());
        if let Some(enrolled) = &enrolled {
            self.announce(data::CREATED, &action.user_id, enrolled);
        }
        Ok(Verification::Verified { action, enrolled })
    }

    /// The token's action ran out of attempts. Whether that moves it to `CHALLENGE_FAILED` is
    /// not documented: verify answers `MAX_ATTEMPTS_EXCEEDED` (BR, DOCS), and the FAQ's entry on
    /// the failed state points to `CHALLENGE_REQUIRED` (fidelity audit row 9), so by default the
    /// action stays as it was; the tenant setting `failActionsAfterAttempts` takes the other
    /// reading. The app records failures itself either way.
    pub(super) fn fail(&mut self, claims: &Claims) -> Verification {
        let now = self.now();
        if self.tenant.fail_actions_after_attempts
            && let Some(action) = self
                .actions
                .iter_mut()
                .find(|candidate| claims.is_for(candidate))
                .filter(|action| action.state != ActionState::ChallengeSucceeded)
        {
            action.state = ActionState::ChallengeFailed;
            action.state_updated_at = now;
        }
        Verification::Failed(FailureReason::MaxAttemptsExceeded)
    }

    /// Counts one verification attempt of `method` for the user, against the limit.
    pub(super) fn count_attempt(
        &mut self,
        user_id: &str,
        method: VerificationMethod,
    ) -> Result<(), ApiError> {
        self.take(&format!("verify:{method:?}:{user_id}"), VERIFICATIONS)
    }

    /// Messages to `to` (every message when `None`), newest first.
    pub fn messages(&self, to: Option<&str>) -> Vec<&Message> {
        self.outbox
            .iter()
            .rev()
            .filter(|message| to.is_none_or(|to| message.to == to))
            .collect()
    }

    /// Replaces the action's pending code for this method with a new one and "sends" it.
    fn issue_code(
        &mut self,
        action: &Action,
        authenticator: &StoredAuthenticator,
        enrollment: bool,
        now: OffsetDateTime,
    ) -> String {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        self.challenges.retain(|challenge| {
            challenge.expires_at > now
                && !(challenge.method == authenticator.method
                    && challenge.user_id == action.user_id
                    && challenge.action_code == action.code
                    && challenge.idempotency_key == action.idempotency_key)
        });
        let id = uuid::Uuid::new_v4().to_string();
        self.challenges.push(Challenge {
            id: id.clone(),
            user_id: action.user_id.clone(),
            action_code: action.code.clone(),
            idempotency_key: action.idempotency_key.clone(),
            authenticator_id: authenticator.id.clone(),
            method: authenticator.method,
            enrollment,
            code: code.clone(),
            expires_at: now + CODE_LIFETIME,
        });
        self.outbox.push(Message {
            to: authenticator.address().unwrap_or_default().to_owned(),
            method: authenticator.method,
            code,
            sent_at: now,
        });
        let excess = self.outbox.len().saturating_sub(KEPT_MESSAGES);
        self.outbox.drain(..excess);
        id
    }

    /// Counts one event against `limit`, or says how many seconds until one is allowed.
    fn take(&mut self, key: &str, limit: Limit) -> Result<(), ApiError> {
        let now = self.now().unix_timestamp();
        self.events.retain(|_, times| {
            times.retain(|&time| time > now - LONGEST_WINDOW_SECS);
            !times.is_empty()
        });
        let times = self.events.entry(key.to_owned()).or_default();
        let recent: Vec<i64> = times
            .iter()
            .copied()
            .filter(|&time| time > now - limit.window_secs)
            .collect();
        if recent.len() >= limit.max {
            let oldest = recent.first().copied().unwrap_or(now);
            let retry_after = (oldest + limit.window_secs - now).max(1);
            return Err(ApiError::too_many_requests(retry_after.unsigned_abs()));
        }
        times.push(now);
        Ok(())
    }
}

fn send_key(user_id: &str, method: VerificationMethod) -> String {
    format!("send:{method:?}:{user_id}")
}

fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    (3..=254).contains(&address.len())
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && address
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control())
}

/// `+` and 8 to 15 digits, not starting with 0.
fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        for good in ["jane@example.com", " j.doe+x@mail.example.org "] {
            assert!(Channel::Email.check_address(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "a@b@c.com",
            "jane@example",
            "ja ne@x.com",
        ] {
            assert!(Channel::Email.check_address(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Channel::Sms.check_address("+64211234567").unwrap(),
            "+64211234567"
        );
        for bad in [
            "0211234567",
            "+0211234567",
            "+64 21 123",
            "+1234567",
            "+1234567890123456",
        ] {
            assert!(Channel::Sms.check_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_slide_and_say_when_to_come_back() {
        let mut data = Data::default();
        for _ in 0..6 {
            data.take("k", SMS_SENDS).unwrap();
        }
        let error = data.take("k", SMS_SENDS).unwrap_err();
        assert_eq!(error.code, "too_many_requests");
        assert!(matches!(error.retry_after_secs, Some(1..=600)));
        data.advance_clock(601);
        assert!(data.take("k", SMS_SENDS).is_ok());
    }
}
