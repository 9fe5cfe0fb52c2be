//! The security checkup: how well the person's own methods keep them able to sign in, and each
//! thing to improve as one sentence with the one action that fixes it. Computed from what
//! Authsignal says of each method (its kind, when it was last used, a passkey's provider and
//! whether it is synced); it advises and never stops a change.
//!
//! What the rules can and cannot know: a synced passkey (`credentialBackedUp`) lives in a
//! password manager and survives a lost device; a device-bound one does not. Whether an
//! authenticator app, a text-message number and a device-bound passkey are on the same phone
//! cannot be told from Authsignal's data, so `all_methods_on_one_device` is said only when every
//! method is a device-bound passkey of the same provider on the same device (Authsignal's
//! `deviceId`), and never guessed from kinds alone. "Last used" moves only when a method is used
//! through Authsignal (a step-up, a test, a sign-in the app routes through it): a password
//! sign-in does not move it.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::{i18n::tr, model::VerificationMethod, wire::authsignal::UserAuthenticator};

/// A method not used for this long is worth testing.
const UNUSED_AFTER: Duration = Duration::days(180);

/// How the person stands, in three steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Strong,
    CouldBeStronger,
    AtRisk,
}

impl Rating {
    /// The rating in words a person understands.
    pub fn sentence(self) -> &'static str {
        match self {
            Rating::Strong => tr::checkup_strong(),
            Rating::CouldBeStronger => tr::checkup_could_be_stronger(),
            Rating::AtRisk => tr::checkup_at_risk(),
        }
    }
}

/// One thing to improve; its code is stable (the REST answer carries it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    NoMethod,
    OnlyOneMethod,
    NoPhishingResistantMethod,
    SmsOnly,
    DeviceBoundPasskeysOnly,
    UnusedMethod,
    AllMethodsOnOneDevice,
}

/// What fixes a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    /// Add a method of this kind.
    Add(VerificationMethod),
    /// Test this method (its id).
    Test(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: FindingCode,
    pub message: String,
    pub authenticator_id: Option<String>,
    pub fix: Fix,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkup {
    pub rating: Rating,
    pub findings: Vec<Finding>,
}

fn is_phishing_resistant(method: VerificationMethod) -> bool {
    matches!(
        method,
        VerificationMethod::Passkey | VerificationMethod::SecurityKey
    )
}

/// A passkey that lives on one device only: not synced to a password manager.
fn device_bound(authenticator: &UserAuthenticator) -> bool {
    authenticator
        .webauthn_credential
        .as_ref()
        .is_some_and(|credential| {
            credential.credential_backed_up == Some(false)
                || credential.credential_device_type.as_deref() == Some("singleDevice")
        })
}

/// The checkup of `methods` (the person's verified ones) at `now`.
pub fn checkup(methods: &[UserAuthenticator], now: OffsetDateTime) -> Checkup {
    let finding = |code, message: &str, authenticator_id: Option<&str>, fix| Finding {
        code,
        message: message.to_owned(),
        authenticator_id: authenticator_id.map(str::to_owned),
        fix,
    };
    let mut findings = Vec::new();
    if methods.is_empty() {
        findings.push(finding(
            FindingCode::NoMethod,
            tr::checkup_no_method(),
            None,
            Fix::Add(VerificationMethod::Passkey),
        ));
        return Checkup {
            rating: Rating::AtRisk,
            findings,
        };
    }
    let kinds: Vec<VerificationMethod> = methods
        .iter()
        .map(|method| method.verification_method)
        .collect();
    let passkeys: Vec<&UserAuthenticator> = methods
        .iter()
        .filter(|method| is_phishing_resistant(method.verification_method))
        .collect();
    if kinds.iter().all(|kind| *kind == VerificationMethod::Sms) {
        findings.push(finding(
            FindingCode::SmsOnly,
            tr::checkup_sms_only(),
            None,
            Fix::Add(VerificationMethod::Passkey),
        ));
    }
    if methods.len() == 1 {
        findings.push(finding(
            FindingCode::OnlyOneMethod,
            tr::checkup_only_one_method(),
            None,
            Fix::Add(if kinds[0].is_fallback() {
                VerificationMethod::Passkey
            } else {
                VerificationMethod::EmailOtp
            }),
        ));
    }
    if passkeys.is_empty() {
        findings.push(finding(
            FindingCode::NoPhishingResistantMethod,
            tr::checkup_no_phishing_resistant_method(),
            None,
            Fix::Add(VerificationMethod::Passkey),
        ));
    } else if passkeys.iter().all(|passkey| device_bound(passkey)) {
        findings.push(finding(
            FindingCode::DeviceBoundPasskeysOnly,
            tr::checkup_device_bound_passkeys_only(),
            None,
            Fix::Add(VerificationMethod::Passkey),
        ));
    }
    if methods.len() > 1 && all_on_one_device(methods) {
        findings.push(finding(
            FindingCode::AllMethodsOnOneDevice,
            tr::checkup_all_methods_on_one_device(),
            None,
            Fix::Add(VerificationMethod::EmailOtp),
        ));
    }
    for method in methods {
        let last = method
            .last_verified_at
            .or(method.verified_at)
            .unwrap_or(method.created_at);
        if now - last >= UNUSED_AFTER {
            findings.push(finding(
                FindingCode::UnusedMethod,
                tr::checkup_unused_method(),
                Some(&method.user_authenticator_id),
                Fix::Test(method.user_authenticator_id.clone()),
            ));
        }
    }
    let at_risk = findings.iter().any(|finding| {
        matches!(
            finding.code,
            FindingCode::SmsOnly | FindingCode::OnlyOneMethod | FindingCode::AllMethodsOnOneDevice
        )
    });
    Checkup {
        rating: if at_risk {
            Rating::AtRisk
        } else if findings.is_empty() {
            Rating::Strong
        } else {
            Rating::CouldBeStronger
        },
        findings,
    }
}

/// Every method is a device-bound passkey or security key of one provider on one device: the
/// only case Authsignal's data shows for sure.
fn all_on_one_device(methods: &[UserAuthenticator]) -> bool {
    let devices: Vec<(Option<&str>, Option<&str>)> = methods
        .iter()
        .map(|method| {
            let credential = method.webauthn_credential.as_ref();
            (
                credential.and_then(|credential| credential.device_id.as_deref()),
                credential.and_then(|credential| credential.aaguid.as_deref()),
            )
        })
        .collect();
    methods
        .iter()
        .all(|method| is_phishing_resistant(method.verification_method) && device_bound(method))
        && devices[0].0.is_some()
        && devices.iter().all(|device| *device == devices[0])
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-07 12:00 UTC);

    /// A method of `kind` last used `days` ago; `passkey` is (synced, device id) for a passkey.
    fn method(id: &str, kind: &str, days: i64, passkey: Option<(bool, &str)>) -> UserAuthenticator {
        let used = (NOW - Duration::days(days))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let mut json = serde_json::json!({
            "userAuthenticatorId": id,
            "verificationMethod": kind,
            "createdAt": "2020-01-01T00:00:00Z",
            "verifiedAt": "2020-01-01T00:00:00Z",
            "lastVerifiedAt": used,
        });
        if let Some((synced, device)) = passkey {
            json["webauthnCredential"] = serde_json::json!({
                "credentialBackedUp": synced,
                "deviceId": device,
                "aaguid": "fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
            });
        }
        serde_json::from_value(json).unwrap()
    }

    fn codes(methods: &[UserAuthenticator]) -> (Rating, Vec<FindingCode>) {
        let checkup = checkup(methods, NOW);
        (
            checkup.rating,
            checkup
                .findings
                .iter()
                .map(|finding| finding.code)
                .collect(),
        )
    }

    #[test]
    fn each_finding_from_the_methods_that_cause_it() {
        use FindingCode::*;
        let synced = Some((true, "d1"));
        let bound = Some((false, "d1"));
        let cases: Vec<(&str, Vec<UserAuthenticator>, Rating, Vec<FindingCode>)> = vec![
            (
                "nothing but the password",
                vec![],
                Rating::AtRisk,
                vec![NoMethod],
            ),
            (
                "one text-message number",
                vec![method("s", "SMS", 1, None)],
                Rating::AtRisk,
                vec![SmsOnly, OnlyOneMethod, NoPhishingResistantMethod],
            ),
            (
                "two numbers",
                vec![method("s1", "SMS", 1, None), method("s2", "SMS", 1, None)],
                Rating::AtRisk,
                vec![SmsOnly, NoPhishingResistantMethod],
            ),
            (
                "an email code and an app",
                vec![
                    method("e", "EMAIL_OTP", 1, None),
                    method("a", "AUTHENTICATOR_APP", 1, None),
                ],
                Rating::CouldBeStronger,
                vec![NoPhishingResistantMethod],
            ),
            (
                "a device-bound passkey and an email code",
                vec![
                    method("p", "PASSKEY", 1, bound),
                    method("e", "EMAIL_OTP", 1, None),
                ],
                Rating::CouldBeStronger,
                vec![DeviceBoundPasskeysOnly],
            ),
            (
                "a synced passkey and an email code",
                vec![
                    method("p", "PASSKEY", 1, synced),
                    method("e", "EMAIL_OTP", 1, None),
                ],
                Rating::Strong,
                vec![],
            ),
            (
                "two device-bound passkeys on one device",
                vec![
                    method("p1", "PASSKEY", 1, bound),
                    method("p2", "PASSKEY", 1, bound),
                ],
                Rating::AtRisk,
                vec![DeviceBoundPasskeysOnly, AllMethodsOnOneDevice],
            ),
            (
                "device-bound passkeys on two devices",
                vec![
                    method("p1", "PASSKEY", 1, bound),
                    method("p2", "PASSKEY", 1, Some((false, "d2"))),
                ],
                Rating::CouldBeStronger,
                vec![DeviceBoundPasskeysOnly],
            ),
            (
                "an app and a passkey can't be told to share a phone",
                vec![
                    method("a", "AUTHENTICATOR_APP", 1, None),
                    method("p", "PASSKEY", 1, bound),
                ],
                Rating::CouldBeStronger,
                vec![DeviceBoundPasskeysOnly],
            ),
            (
                "an email code unused for half a year",
                vec![
                    method("p", "PASSKEY", 1, synced),
                    method("e", "EMAIL_OTP", 200, None),
                ],
                Rating::CouldBeStronger,
                vec![UnusedMethod],
            ),
            (
                "used 179 days ago",
                vec![
                    method("p", "PASSKEY", 1, synced),
                    method("e", "EMAIL_OTP", 179, None),
                ],
                Rating::Strong,
                vec![],
            ),
            (
                "a security key counts as phishing-resistant",
                vec![
                    method("k", "SECURITY_KEY", 1, synced),
                    method("e", "EMAIL_OTP", 1, None),
                ],
                Rating::Strong,
                vec![],
            ),
        ];
        for (case, methods, rating, expected) in cases {
            assert_eq!(codes(&methods), (rating, expected), "{case}");
        }
    }

    #[test]
    fn an_unused_method_names_itself_and_asks_for_a_test() {
        let methods = [
            method("p", "PASSKEY", 1, Some((true, "d"))),
            method("e", "EMAIL_OTP", 400, None),
        ];
        let checkup = checkup(&methods, NOW);
        assert_eq!(checkup.findings[0].authenticator_id.as_deref(), Some("e"));
        assert_eq!(checkup.findings[0].fix, Fix::Test("e".to_owned()));
        assert!(checkup.findings[0].message.ends_with('.'));
    }
}
