//! Types both sides share: what the page shows and the one error type that crosses the wire.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::i18n::tr;

/// A way to prove who you are, as Authsignal names it. New methods keep appearing, so an unknown
/// name becomes [`VerificationMethod::Unknown`] instead of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationMethod {
    EmailOtp,
    EmailMagicLink,
    Sms,
    Whatsapp,
    AuthenticatorApp,
    Passkey,
    SecurityKey,
    Push,
    RecoveryCode,
    Device,
    #[serde(other)]
    Unknown,
}

impl VerificationMethod {
    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::EmailOtp => tr::method_email_otp(),
            Self::EmailMagicLink => tr::method_email_magic_link(),
            Self::Sms => tr::method_sms(),
            Self::Whatsapp => tr::method_whatsapp(),
            Self::AuthenticatorApp => tr::method_authenticator_app(),
            Self::Passkey => tr::method_passkey(),
            Self::SecurityKey => tr::method_security_key(),
            Self::Push => tr::method_push(),
            Self::RecoveryCode => tr::method_recovery_code(),
            Self::Device => tr::method_device(),
            Self::Unknown => tr::method_unknown(),
        }
    }

    /// Authsignal's name for it: `EMAIL_OTP`, `PASSKEY`.
    pub fn code(self) -> &'static str {
        match self {
            Self::EmailOtp => "EMAIL_OTP",
            Self::EmailMagicLink => "EMAIL_MAGIC_LINK",
            Self::Sms => "SMS",
            Self::Whatsapp => "WHATSAPP",
            Self::AuthenticatorApp => "AUTHENTICATOR_APP",
            Self::Passkey => "PASSKEY",
            Self::SecurityKey => "SECURITY_KEY",
            Self::Push => "PUSH",
            Self::RecoveryCode => "RECOVERY_CODE",
            Self::Device => "DEVICE",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// A code sent to an address you control: it still works when a device is lost, so it is
    /// what keeps a person from being locked out.
    pub fn is_fallback(self) -> bool {
        matches!(self, Self::EmailOtp | Self::Sms)
    }

    /// Whether the page can challenge it to prove it's the person again (step-up).
    pub fn can_step_up(self) -> bool {
        matches!(
            self,
            Self::EmailOtp | Self::Sms | Self::AuthenticatorApp | Self::Passkey | Self::SecurityKey
        )
    }

    /// A WebAuthn credential: a passkey or a security key.
    pub fn is_webauthn(self) -> bool {
        matches!(self, Self::Passkey | Self::SecurityKey)
    }
}

/// How a person proves it's them again before changing their sign-in methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepUpVia {
    /// With one of their methods, through an Authsignal challenge.
    Method,
    /// With a fresh sign-in: they have no method to challenge yet.
    SignIn,
}

/// Whether the person may change their sign-in methods now, and for how long.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpWindow {
    /// Seconds left in the step-up window; `None` when there is none.
    pub remaining_secs: Option<u64>,
    /// Seconds the sign-in still counts as recent: what lets someone with no method to verify
    /// with make a change. `None` once it is too old.
    #[serde(default)]
    pub sign_in_fresh_secs: Option<u64>,
}

/// A point in time as the page shows it: relative text, and the exact time for a tooltip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct When {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "3 days ago".
    pub relative: String,
    /// "23 Nov 2026, 17:20 UTC".
    pub exact: String,
}

/// One of the user's sign-in methods, ready to display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorView {
    pub id: String,
    pub method: VerificationMethod,
    /// "Email code", or a passkey's name such as "iCloud Keychain".
    pub label: String,
    /// `j•••@example.com`, `+64 •• ••• 4321`, a passkey's provider.
    pub masked_identifier: Option<String>,
    pub added: When,
    pub last_used: Option<When>,
    pub is_fallback: bool,
    /// A passkey's or security key's WebAuthn credential id (base64url): once it is removed,
    /// the browser is told, so its password manager stops offering it.
    #[serde(default)]
    pub credential_id: Option<String>,
}

/// Why a removal was refused to keep the user from being locked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockOutReason {
    /// Nothing would remain to sign in with.
    LastMethod,
    /// Only device-bound methods (passkeys, apps) would remain, with no email or text-message code
    /// to fall back on. The user may go ahead after confirming explicitly.
    NoFallbackLeft,
}

/// The service behind a failure the user cannot fix by changing their input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Upstream {
    Cognito,
    Authsignal,
}

/// The one error type of every server function and API route. Each message is a sentence a
/// person can act on, in their language: the page's, or the one a REST call asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{}", tr::errors_not_signed_in())]
    NotSignedIn,
    #[error("{}", tr::errors_forbidden())]
    Forbidden,
    #[error("{}", tr::errors_not_found())]
    NotFound,
    #[error("{}", tr::errors_no_such_session())]
    NoSuchSession,
    #[error("{}", match reason {
        LockOutReason::LastMethod => tr::errors_last_method(),
        LockOutReason::NoFallbackLeft => tr::errors_no_fallback_left(),
    })]
    WouldLockOut { reason: LockOutReason },
    /// `message` is already in the reader's language: it was written where the input was read.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// The change needs a recent step-up the request does not carry.
    #[error("{}", match via {
        StepUpVia::Method => tr::errors_step_up_method(),
        StepUpVia::SignIn => tr::errors_step_up_sign_in(),
    })]
    StepUpRequired { via: StepUpVia },
    /// A rule of the Authsignal tenant stopped the change (`BLOCK`), or wants a person to look
    /// at it first (`REVIEW_REQUIRED`).
    #[error("{}", if *review { tr::errors_review_required() } else { tr::errors_blocked() })]
    BlockedByRule { review: bool },
    /// The Authsignal tenant does not allow removing sign-in methods.
    #[error("{}", tr::errors_removal_disabled())]
    RemovalDisabled,
    #[error("{}", tr::errors_rate_limited(seconds_in_words(*retry_after_secs)))]
    RateLimited { retry_after_secs: u64 },
    #[error("{}", match (service, timed_out) {
        (Upstream::Cognito, true) => tr::errors_cognito_slow(),
        (Upstream::Cognito, false) => tr::errors_cognito_down(),
        (Upstream::Authsignal, true) => tr::errors_authsignal_slow(),
        (Upstream::Authsignal, false) => tr::errors_authsignal_down(),
    })]
    Upstream { service: Upstream, timed_out: bool },
    /// What keeps changes safe across the server's instances (their shared state) cannot be
    /// reached, or another change of the same person's methods is still under way.
    #[error("{}", tr::errors_unavailable())]
    Unavailable,
    /// The way between the page and our code failed: the request did not arrive or the answer
    /// could not be read, or the server is not set up to answer.
    #[error("{}", tr::errors_internal(.0))]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status that carries this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotSignedIn => 401,
            Self::Forbidden => 403,
            Self::NotFound | Self::NoSuchSession => 404,
            Self::WouldLockOut { .. } => 409,
            Self::InvalidInput { .. } => 400,
            Self::BlockedByRule { .. } | Self::RemovalDisabled | Self::StepUpRequired { .. } => 403,
            Self::RateLimited { .. } => 429,
            Self::Upstream {
                timed_out: true, ..
            } => 504,
            Self::Upstream { .. } => 502,
            Self::Unavailable => 503,
            Self::Internal(_) => 500,
        }
    }

    /// A stable machine-readable code, for the REST API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not_signed_in",
            Self::Forbidden => "forbidden",
            Self::NotFound | Self::NoSuchSession => "not_found",
            Self::WouldLockOut {
                reason: LockOutReason::LastMethod,
            } => "last_authenticator",
            Self::WouldLockOut {
                reason: LockOutReason::NoFallbackLeft,
            } => "no_fallback_left",
            Self::InvalidInput { .. } => "invalid_input",
            Self::BlockedByRule { review: false } => "blocked",
            Self::BlockedByRule { review: true } => "review_required",
            Self::RemovalDisabled => "removal_disabled",
            Self::StepUpRequired { .. } => "step_up_required",
            Self::RateLimited { .. } => "rate_limited",
            Self::Upstream {
                timed_out: true, ..
            } => "upstream_timeout",
            Self::Upstream { .. } => "upstream_unavailable",
            Self::Unavailable => "temporarily_unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::answer_json::JsonText;

    /// Failures of the server-function machinery itself: the request never reached our code, or
    /// its answer could not be read.
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                Self::invalid(
                    &argument_named_in(&message).unwrap_or_else(|| "request".to_owned()),
                    tr::errors_incomplete_request(),
                )
            }
            ServerFnErrorErr::Request(message)
            | ServerFnErrorErr::Response(message)
            | ServerFnErrorErr::Deserialization(message)
            | ServerFnErrorErr::Serialization(message)
            | ServerFnErrorErr::ServerError(message)
            | ServerFnErrorErr::MiddlewareError(message)
            | ServerFnErrorErr::Registration(message)
            | ServerFnErrorErr::UnsupportedRequestMethod(message) => Self::Internal(message),
        }
    }
}

/// The argument serde names in a decoding error ("missing field `email`"); other messages name
/// no argument.
fn argument_named_in(message: &str) -> Option<String> {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())
}

/// What the browser needs to call the Authsignal Client API: to enroll a method, or to verify
/// with one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientApiTicket {
    /// A short-lived (10 minutes) Authsignal token for one tracked action.
    pub token: String,
    /// The Client API base, e.g. `https://api.authsignal.com/v1`.
    pub client_api_url: String,
    pub tenant_id: String,
    /// For a step-up: the name the person's passkeys are registered under, so that only theirs
    /// are offered.
    #[serde(default)]
    pub username: Option<String>,
}

/// The longest address SMTP can deliver to.
pub const MAX_EMAIL_LENGTH: usize = 254;

/// Checks an email address before anything is sent, on both sides. Returns it trimmed.
pub fn validate_email(input: &str) -> Result<String, AppError> {
    let email = input.trim();
    let invalid = |message: &str| Err(AppError::invalid("email", message));
    if email.is_empty() {
        return invalid(tr::input_email_empty());
    }
    if email.len() > MAX_EMAIL_LENGTH {
        return invalid(tr::input_email_too_long());
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return invalid(tr::input_email_invalid());
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2);
    if local_ok && domain_ok {
        Ok(email.to_owned())
    } else {
        invalid(tr::input_email_invalid())
    }
}

/// Checks a phone number in E.164 form (`+` then 7 to 15 digits, no leading zero), which is
/// what Authsignal stores. Spaces, dashes, dots and brackets people type are dropped. Each way
/// of getting it wrong has its own sentence; a number typed as it is dialled at home is the
/// usual one.
pub fn validate_phone_number(input: &str) -> Result<String, AppError> {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let invalid = |message: &str| Err(AppError::invalid("phoneNumber", message));
    let Some(digits) = compact.strip_prefix('+') else {
        return match compact.chars().next() {
            None => invalid(tr::input_phone_empty()),
            Some('0') if compact.chars().all(|c| c.is_ascii_digit()) => {
                invalid(tr::input_phone_local())
            }
            Some(_) => invalid(tr::input_phone_no_plus()),
        };
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return invalid(tr::input_phone_not_digits());
    }
    if digits.starts_with('0') {
        return invalid(tr::input_phone_leading_zero());
    }
    match digits.len() {
        0..7 => invalid(tr::input_phone_too_short()),
        7..=15 => Ok(compact),
        _ => invalid(tr::input_phone_too_long()),
    }
}

/// Accepts a 6-digit code as people type or paste it ("123 456", "123-456").
pub fn normalize_code(input: &str) -> Result<String, AppError> {
    normalize_code_of(input, CodeLength::Exactly(6))
}

/// How many digits a code has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeLength {
    Exactly(usize),
    /// An authenticator app's code, when the app's setup is not known: RFC 6238 codes have
    /// 6 to 8 digits.
    AnyApp,
}

/// Accepts a code of `length` as people type or paste it.
pub fn normalize_code_of(input: &str, length: CodeLength) -> Result<String, AppError> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let (fits, asked) = match length {
        CodeLength::Exactly(count) => (digits.len() == count, tr::input_code_digits(count)),
        CodeLength::AnyApp => (
            (6..=8).contains(&digits.len()),
            tr::input_code_app().to_owned(),
        ),
    };
    if fits && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(AppError::invalid("code", asked))
    }
}

/// What an authenticator app's `otpauth://` URI says of its codes (Google's Key Uri Format):
/// how many digits, and how many seconds each lasts; 6 and 30 when it does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TotpParameters {
    pub digits: usize,
    pub period_secs: u64,
}

impl TotpParameters {
    pub fn of_uri(uri: &str) -> Self {
        let mut parameters = Self {
            digits: 6,
            period_secs: 30,
        };
        let query = uri.split_once('?').map_or("", |(_, query)| query);
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("digits", value)) => {
                    if let Some(digits) = value.parse().ok().filter(|d| (6..=8).contains(d)) {
                        parameters.digits = digits;
                    }
                }
                Some(("period", value)) => {
                    if let Some(period) = value.parse().ok().filter(|p| (1..=300).contains(p)) {
                        parameters.period_secs = period;
                    }
                }
                _ => {}
            }
        }
        parameters
    }
}

/// What kind of thing happened, for icons and for clients that sort entries themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    SignedIn,
    MethodAdded,
    MethodRemoved,
    Verified,
    VerificationFailed,
    OpenedSettings,
    SignedOut,
    SignedOutEverywhere,
}

/// One entry of the person's recent activity, ready to display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub kind: ActivityKind,
    /// "Added a text message code +64 •• ••• 4321".
    pub summary: String,
    pub when: When,
    /// "Chrome on macOS", when the browser said.
    pub device: Option<String>,
    /// The client address as the app saw it.
    pub address: Option<String>,
}

/// One place the person is signed in, ready to display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    /// "Chrome on macOS", "App on iPhone".
    pub device: Option<String>,
    pub address: Option<String>,
    pub signed_in: When,
    /// When the app last saw it; `None` for a sign-in known only from Authsignal's log.
    pub last_seen: Option<When>,
    /// The session this page is open in.
    pub current: bool,
    /// A native app, not a browser.
    pub app: bool,
}

/// The person's methods, and their security checkup as HTML made on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodsView {
    pub methods: Vec<AuthenticatorView>,
    pub checkup: String,
}

/// Where the person is signed in, and whether signing out reaches the sign-in service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsView {
    pub sessions: Vec<SessionView>,
    /// Whether the server can revoke sessions at Cognito (it has AWS credentials); without,
    /// it only refuses them itself.
    pub revokes_at_cognito: bool,
}

/// What a notice's "Wasn't you?" link offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasntMeView {
    /// "an email code (j•••@example.com) was added to your account".
    pub what: String,
    /// Confirming removes the method the change added (it is still there).
    pub removes: bool,
}

/// Who is signed in, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub username: String,
    pub email: Option<String>,
    /// The kinds of method the page may offer to add: those Authsignal says the person may
    /// enroll, among the ones the page adds.
    pub addable: Vec<VerificationMethod>,
}

/// "45 seconds", "1 minute", "3 minutes".
pub fn seconds_in_words(seconds: u64) -> String {
    match seconds {
        0..=59 => tr::errors_seconds(seconds.max(1)),
        _ => tr::errors_minutes(seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_deserialize_without_error() {
        let method: VerificationMethod = serde_json::from_str("\"PALM_BIOMETRICS_RR\"").unwrap();
        assert_eq!(method, VerificationMethod::Unknown);
        let method: VerificationMethod = serde_json::from_str("\"EMAIL_OTP\"").unwrap();
        assert_eq!(method, VerificationMethod::EmailOtp);
    }

    #[test]
    fn only_codes_sent_to_an_address_are_fallbacks() {
        assert!(VerificationMethod::EmailOtp.is_fallback());
        assert!(VerificationMethod::Sms.is_fallback());
        assert!(!VerificationMethod::Passkey.is_fallback());
        assert!(!VerificationMethod::AuthenticatorApp.is_fallback());
    }

    #[test]
    fn every_error_has_a_status_and_a_sentence() {
        let errors = [
            (AppError::NotSignedIn, 401),
            (AppError::Forbidden, 403),
            (AppError::NotFound, 404),
            (AppError::NoSuchSession, 404),
            (
                AppError::WouldLockOut {
                    reason: LockOutReason::LastMethod,
                },
                409,
            ),
            (AppError::invalid("email", "Enter an email address."), 400),
            (AppError::BlockedByRule { review: false }, 403),
            (AppError::BlockedByRule { review: true }, 403),
            (AppError::RemovalDisabled, 403),
            (AppError::Unavailable, 503),
            (
                AppError::StepUpRequired {
                    via: StepUpVia::Method,
                },
                403,
            ),
            (
                AppError::StepUpRequired {
                    via: StepUpVia::SignIn,
                },
                403,
            ),
            (
                AppError::RateLimited {
                    retry_after_secs: 90,
                },
                429,
            ),
            (
                AppError::Upstream {
                    service: Upstream::Authsignal,
                    timed_out: true,
                },
                504,
            ),
            (
                AppError::Upstream {
                    service: Upstream::Cognito,
                    timed_out: false,
                },
                502,
            ),
        ];
        for (error, status) in errors {
            assert_eq!(error.status(), status, "{error:?}");
            assert!(error.to_string().ends_with('.'), "{error}");
        }
    }

    #[test]
    fn email_addresses_are_checked_before_anything_is_sent() {
        assert_eq!(
            validate_email("  jane@example.com ").unwrap(),
            "jane@example.com"
        );
        assert_eq!(
            validate_email("j.o+tag@mail.example.co.uk").unwrap(),
            "j.o+tag@mail.example.co.uk"
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "jane@@example.com",
            "jane doe@example.com",
            "jane@exa mple.com",
            ".jane@example.com",
            "jane..doe@example.com",
            "jane@-example.com",
            "jane@example.c0m",
            "<script>@example.com",
        ] {
            let error = validate_email(bad).unwrap_err();
            assert!(
                matches!(&error, AppError::InvalidInput { field, .. } if field == "email"),
                "{bad}: {error:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(validate_email(&long).is_err());
    }

    #[test]
    fn phone_numbers_are_e164_however_they_are_typed() {
        assert_eq!(
            validate_phone_number(" +64 21 123-4321 ").unwrap(),
            "+64211234321"
        );
        assert_eq!(
            validate_phone_number("+1 (555) 010.9999").unwrap(),
            "+15550109999"
        );
        for (bad, says) in [
            ("", "Enter your phone number."),
            ("021 123 4321", "That is a local number."),
            ("64 21 123 4321", "Start with + and your country code"),
            ("+", "too short"),
            ("+123456", "too short"),
            ("+1234567890123456", "too long"),
            ("+0211234321", "Leave out the 0"),
            ("+64 21 abc", "only digits"),
            ("++64211234321", "only digits"),
        ] {
            let error = validate_phone_number(bad).unwrap_err();
            assert!(
                matches!(&error, AppError::InvalidInput { field, message }
                    if field == "phoneNumber" && message.contains(says)),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn codes_are_six_digits_however_they_are_pasted() {
        assert_eq!(normalize_code("123456").unwrap(), "123456");
        assert_eq!(normalize_code(" 123 456 ").unwrap(), "123456");
        assert_eq!(normalize_code("123-456").unwrap(), "123456");
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            let error = normalize_code(bad).unwrap_err();
            assert!(
                matches!(&error, AppError::InvalidInput { field, .. } if field == "code"),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_apps_codes_are_as_its_uri_says() {
        let defaults = TotpParameters::of_uri("otpauth://totp/Acme:jane?secret=ABC&issuer=Acme");
        assert_eq!((defaults.digits, defaults.period_secs), (6, 30));
        let eight = TotpParameters::of_uri(
            "otpauth://totp/Acme:jane?secret=ABC&digits=8&period=60&algorithm=SHA1",
        );
        assert_eq!((eight.digits, eight.period_secs), (8, 60));
        let nonsense = TotpParameters::of_uri("otpauth://totp/x?digits=99&period=0");
        assert_eq!((nonsense.digits, nonsense.period_secs), (6, 30));
        assert_eq!(
            normalize_code_of("1234 5678", CodeLength::Exactly(8)).unwrap(),
            "12345678"
        );
        assert!(normalize_code_of("123456", CodeLength::Exactly(8)).is_err());
        assert!(normalize_code_of("1234567", CodeLength::AnyApp).is_ok());
        assert!(normalize_code_of("12345", CodeLength::AnyApp).is_err());
    }

    #[test]
    fn an_argument_that_did_not_decode_is_named() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `email`".to_owned(),
        ));
        assert!(matches!(&error, AppError::InvalidInput { field, .. } if field == "email"));
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "provided string was not `true` or `false`".to_owned(),
        ));
        assert!(matches!(&error, AppError::InvalidInput { field, .. } if field == "request"));
    }

    #[test]
    fn retry_after_reads_naturally() {
        assert_eq!(seconds_in_words(1), "1 second");
        assert_eq!(seconds_in_words(45), "45 seconds");
        assert_eq!(seconds_in_words(60), "1 minute");
        assert_eq!(seconds_in_words(61), "2 minutes");
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 120
            }
            .to_string(),
            "Too many attempts. Try again in 2 minutes."
        );
    }
}
