//! How the local Authsignal behaves (reference §2–4 and the checklist in §6): what track decides,
//! who may enroll, how codes are sent, limited and verified, and what `/validate` answers. The
//! HTTP handlers and the pre-built UI pages only translate to and from these rules.

use rand::Rng;
use time::{Duration, OffsetDateTime};
use url::Url;

use super::{
    conventions::ApiError,
    data::{Action, Challenge, Data, Message, Passkey, StoredAuthenticator, User},
    tokens::{Claims, DEFAULT_SCOPE, TokenError},
    webhooks,
};
use crate::{
    model::VerificationMethod,
    wire::authsignal::{ActionState, EnrollVerifiedRequest, FailureReason, TrackAttributes},
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

/// Old entries go first; enough for any development session.
const KEPT_ACTIONS: usize = 2000;
const KEPT_MESSAGES: usize = 500;

const KNOWN_SCOPES: [&str; 4] = [
    "read:authenticators",
    "add:authenticators",
    "update:authenticators",
    "remove:authenticators",
];

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
    /// The emulator's clock: the real time plus the offset tests added, to the millisecond.
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc() + Duration::seconds(self.clock_offset_secs);
        now.replace_millisecond(now.millisecond()).unwrap_or(now)
    }

    pub fn advance_clock(&mut self, seconds: i64) {
        self.clock_offset_secs = self.clock_offset_secs.saturating_add(seconds);
    }

    /// Records an action: `ALLOW` for a user without authenticators, `CHALLENGE_REQUIRED` for
    /// one with. A known idempotency key returns the action it already names.
    pub fn track(
        &mut self,
        user_id: &str,
        code: &str,
        request: TrackAttributes,
    ) -> Result<Action, ApiError> {
        check_user_id(user_id)?;
        if !is_action_code(code) {
            return Err(ApiError::invalid_request(
                "The action must be 1 to 64 letters, digits, `_` or `-`.",
            ));
        }
        if let Some(redirect_url) = &request.redirect_url {
            let valid =
                Url::parse(redirect_url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
            if !valid {
                return Err(ApiError::invalid_request(
                    "redirectUrl must be an absolute http(s) URL.",
                ));
            }
        }
        let scope = match &request.scope {
            Some(scope) => check_scope(scope)?,
            None => DEFAULT_SCOPE.to_owned(),
        };
        if let Some(key) = &request.idempotency_key {
            if key.is_empty() || key.len() > 128 {
                return Err(ApiError::invalid_request(
                    "idempotencyKey must be 1 to 128 characters.",
                ));
            }
            if let Some(action) = self.find_action(user_id, code, key) {
                return Ok(action.clone());
            }
        }
        let user = self.users.entry(user_id.to_owned()).or_default();
        for (field, value) in [
            (&mut user.email, &request.email),
            (&mut user.phone_number, &request.phone_number),
            (&mut user.username, &request.username),
            (&mut user.display_name, &request.display_name),
        ] {
            if value.is_some() {
                field.clone_from(value);
            }
        }
        let state = match self.rules.get(code) {
            Some(state) => *state,
            None if user.is_enrolled() => ActionState::ChallengeRequired,
            None => ActionState::Allow,
        };
        let now = self.now();
        let action = Action {
            user_id: user_id.to_owned(),
            code: code.to_owned(),
            idempotency_key: request
                .idempotency_key
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            state,
            created_at: now,
            state_updated_at: now,
            verification_method: None,
            verified_by_authenticator_id: None,
            scope,
            redirect_url: request.redirect_url,
            redirect_to_settings: request.redirect_to_settings.unwrap_or(false),
            ip_address: request.ip_address,
            user_agent: request.user_agent,
            device_id: request.device_id,
        };
        self.actions.push(action.clone());
        let excess = self.actions.len().saturating_sub(KEPT_ACTIONS);
        self.actions.drain(..excess);
        Ok(action)
    }

    pub fn find_action(&self, user_id: &str, code: &str, key: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|action| action.is(user_id, code, key))
    }

    /// The action a Client API token was minted for; a token whose action is gone is as good
    /// as expired.
    pub fn action_for(&self, claims: &Claims) -> Result<&Action, ApiError> {
        self.actions
            .iter()
            .find(|action| claims.is_for(action))
            .ok_or_else(ApiError::expired_token)
    }

    /// What `/validate` answers for a token: its action, or the sentence the real API gives.
    pub fn validate(
        &self,
        token: Result<Claims, TokenError>,
        user_id: Option<&str>,
        action_code: Option<&str>,
    ) -> Result<&Action, &'static str> {
        let claims = match token {
            Ok(claims) => claims,
            Err(TokenError::Expired) => return Err("Token has expired."),
            Err(TokenError::Invalid) => return Err("Token is invalid."),
        };
        let action = self.action_for(&claims).map_err(|_| "Token is invalid.")?;
        if user_id.is_some_and(|user_id| user_id != action.user_id) {
            return Err("User is invalid.");
        }
        if action_code.is_some_and(|code| code != action.code) {
            return Err("Action is invalid.");
        }
        Ok(action)
    }

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
        self.announce(webhooks::CREATED, user_id, &authenticator);
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
                    self.announce(webhooks::DELETED, user_id, &removed);
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

    /// Sends a code to one of the user's verified addresses: the one named, or the first.
    pub fn start_challenge(
        &mut self,
        claims: &Claims,
        channel: Channel,
        authenticator_id: Option<&str>,
    ) -> Result<String, ApiError> {
        let action = self.action_for(claims)?.clone();
        let method = channel.method();
        let authenticator = self
            .user(&action.user_id)
            .and_then(|user| {
                user.verified().find(|authenticator| {
                    authenticator.method == method
                        && authenticator_id.is_none_or(|id| authenticator.id == id)
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
            self.announce(webhooks::CREATED, &action.user_id, enrolled);
        }
        Ok(Verification::Verified { action, enrolled })
    }

    /// The token's action ran out of attempts: it is `CHALLENGE_FAILED`. Authsignal's documents
    /// do not say when an action fails; the app reads an action that never succeeded as not
    /// verified, whatever its state.
    pub(super) fn fail(&mut self, claims: &Claims) -> Verification {
        let now = self.now();
        if let Some(action) = self
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

pub(super) fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    if user_id.is_empty() || user_id.len() > 256 {
        Err(ApiError::invalid_request(
            "The userId must be 1 to 256 characters.",
        ))
    } else {
        Ok(())
    }
}

fn is_action_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// Known scopes only, so that a typo fails here rather than quietly against the real API.
fn check_scope(scope: &str) -> Result<String, ApiError> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    match scopes.iter().find(|scope| !KNOWN_SCOPES.contains(scope)) {
        Some(unknown) => Err(ApiError::invalid_request(format!(
            "Unknown scope `{unknown}`; scopes are {}.",
            KNOWN_SCOPES.join(", ")
        ))),
        None if scopes.is_empty() => Ok(DEFAULT_SCOPE.to_owned()),
        None => Ok(scopes.join(" ")),
    }
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
    fn scopes_must_be_known() {
        assert_eq!(
            check_scope("add:authenticators  remove:authenticators").unwrap(),
            "add:authenticators remove:authenticators"
        );
        assert_eq!(check_scope(" ").unwrap(), DEFAULT_SCOPE);
        assert!(check_scope("add:authenticator").is_err());
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
