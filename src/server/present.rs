//! How a sign-in method is shown, wherever it is shown (the page, the REST answer's labels, the
//! activity log, the notice mails): masked addresses, the one name of a method, human times.
//! Masking happens on the server, so full addresses never reach the page.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset, format_description::well_known::Rfc3339};

use crate::{
    i18n::{Locale, tr},
    model::{AuthenticatorView, VerificationMethod, When},
    server::i18n::{Reader, exact, with_reader_now},
    wire::authsignal::UserAuthenticator,
};

const DOTS: &str = "•••";

/// `jane@example.com` → `j•••@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}{DOTS}@{domain}")
        }
        None => DOTS.to_owned(),
    }
}

/// `+64211234321` → `+64 •• ••• 4321`: the country and the last four digits, the rest
/// hidden in the rhythm numbers are read in.
pub fn mask_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return format!("{DOTS}•");
    }
    let country = &digits[..country_code_length(&digits)];
    let last_four = &digits[digits.len() - 4..];
    format!("+{country} •• ••• {last_four}")
}

/// The country calling code of an E.164 number, `+64` for `+64211234321`.
pub fn calling_code(phone: &str) -> Option<String> {
    let digits: String = phone
        .strip_prefix('+')?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (digits.len() >= 4).then(|| format!("+{}", &digits[..country_code_length(&digits)]))
}

/// The length of the E.164 country code that starts `digits`: 1 for North America (1) and
/// Russia/Kazakhstan (7), 2 for the zones the ITU gave two digits, 3 for the rest.
fn country_code_length(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT.iter().any(|code| digits.starts_with(code)) {
        2
    } else {
        3
    }
}

/// A moment from Authsignal, seen from `now`.
pub fn when(then: OffsetDateTime, now: OffsetDateTime) -> When {
    // Only an absurd answer (`9999-12-31T23:59:59-23:59`) has no UTC time in the calendar: it is
    // shown at the calendar's edge rather than failing the page.
    let then = then.checked_to_offset(UtcOffset::UTC).unwrap_or_else(|| {
        if then > now {
            PrimitiveDateTime::MAX.assume_utc()
        } else {
            PrimitiveDateTime::MIN.assume_utc()
        }
    });
    When {
        // Formatting a UTC date-time as RFC 3339 cannot fail.
        iso: then.format(&Rfc3339).unwrap_or_default(),
        relative: relative(now - then),
        exact: exact(then),
    }
}

fn relative(elapsed: time::Duration) -> String {
    let minutes = elapsed.whole_minutes();
    let hours = elapsed.whole_hours();
    let days = elapsed.whole_days();
    // Each count is at least 1 where it is used.
    let count = i64::unsigned_abs;
    match () {
        // A timestamp slightly in the future is clock skew, not time travel.
        _ if minutes < 1 => tr::time_just_now().to_owned(),
        _ if hours < 1 => tr::time_minutes_ago(count(minutes)),
        _ if days < 1 => tr::time_hours_ago(count(hours)),
        _ if days == 1 => tr::time_yesterday().to_owned(),
        _ if days < 31 => tr::time_days_ago(count(days)),
        _ if days < 365 => tr::time_months_ago(count(days / 30)),
        _ => tr::time_years_ago(count(days / 365)),
    }
}

/// What tells one method of a kind from another, as every view shows it: the masked address of
/// a code method, the provider of a passkey ("iCloud Keychain"). A passkey's name is not
/// personal data; one that only repeats the kind ("Passkey", in the reader's language or in
/// English, which Authsignal names it in) says nothing, and is left out.
pub fn identifier(
    method: VerificationMethod,
    email: Option<&str>,
    phone_number: Option<&str>,
    passkey_name: Option<&str>,
) -> Option<String> {
    match method {
        VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => email.map(mask_email),
        VerificationMethod::Sms | VerificationMethod::Whatsapp => phone_number.map(mask_phone),
        VerificationMethod::Passkey | VerificationMethod::SecurityKey => passkey_name
            .map(str::trim)
            .filter(|name| {
                let english = with_reader_now(Reader::new(Locale::En, None), || method.label());
                !name.is_empty()
                    && !name.eq_ignore_ascii_case(method.label())
                    && !name.eq_ignore_ascii_case(english)
            })
            .map(str::to_owned),
        _ => None,
    }
}

/// [`identifier`] of an authenticator as Authsignal lists it.
pub fn identifier_of(authenticator: &UserAuthenticator) -> Option<String> {
    let passkey_name = authenticator
        .webauthn_credential
        .as_ref()
        .and_then(|credential| {
            credential
                .name
                .as_deref()
                .or_else(|| credential.aaguid_mapping.as_ref()?.name.as_deref())
        });
    identifier(
        authenticator.verification_method,
        authenticator.email.as_deref(),
        authenticator.phone_number.as_deref(),
        passkey_name,
    )
}

/// What the page shows of each method, as of now. Authsignal lets one address be enrolled
/// twice: the later ones are numbered, "j•••@example.com (2)", so no two rows read the same.
pub fn views(authenticators: &[UserAuthenticator]) -> Vec<AuthenticatorView> {
    let now = OffsetDateTime::now_utc();
    let mut seen: Vec<(VerificationMethod, String)> = Vec::new();
    authenticators
        .iter()
        .map(|authenticator| {
            let mut view = view(authenticator, now);
            if let Some(identifier) = &view.masked_identifier {
                let key = (view.method, identifier.clone());
                let earlier = seen.iter().filter(|other| **other == key).count();
                seen.push(key);
                if earlier > 0 {
                    view.masked_identifier = Some(format!("{identifier} ({})", earlier + 1));
                }
            }
            view
        })
        .collect()
}

/// What the page shows of one method: masked addresses, human times, no secrets.
pub fn view(authenticator: &UserAuthenticator, now: OffsetDateTime) -> AuthenticatorView {
    let method = authenticator.verification_method;
    let added = authenticator
        .verified_at
        .unwrap_or(authenticator.created_at);
    // Verifying a new method counts as its last use; that is not a sign-in.
    let last_used = authenticator.last_verified_at.filter(|last| *last > added);
    AuthenticatorView {
        id: authenticator.user_authenticator_id.clone(),
        method,
        label: method.label().to_owned(),
        masked_identifier: identifier_of(authenticator),
        added: when(added, now),
        last_used: last_used.map(|last| when(last, now)),
        is_fallback: method.is_fallback(),
        credential_id: authenticator
            .webauthn_credential
            .as_ref()
            .filter(|_| method.is_webauthn())
            .and_then(|credential| credential.credential_id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn emails_keep_the_first_letter_and_the_domain() {
        assert_eq!(mask_email("jane@example.com"), "j•••@example.com");
        assert_eq!(mask_email("j@example.com"), "j•••@example.com");
        assert_eq!(mask_email("élodie@exemple.fr"), "é•••@exemple.fr");
        assert_eq!(mask_email("not-an-email"), "•••");
    }

    #[test]
    fn phones_keep_the_country_and_the_last_four_digits() {
        assert_eq!(mask_phone("+64211234321"), "+64 •• ••• 4321");
        assert_eq!(mask_phone("+15555550123"), "+1 •• ••• 0123");
        assert_eq!(mask_phone("+447700900123"), "+44 •• ••• 0123");
        assert_eq!(mask_phone("+353861234567"), "+353 •• ••• 4567");
        assert_eq!(mask_phone("+7 912 345 67 89"), "+7 •• ••• 6789");
        assert_eq!(mask_phone("123"), "••••");
    }

    fn parse(timestamp: &str) -> OffsetDateTime {
        OffsetDateTime::parse(timestamp, &Rfc3339).unwrap()
    }

    #[test]
    fn times_read_as_people_say_them() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let ago = |timestamp: &str| when(parse(timestamp), now).relative;
        assert_eq!(ago("2026-11-23T17:19:30.000Z"), "just now");
        assert_eq!(ago("2026-11-23T17:21:00Z"), "just now");
        assert_eq!(ago("2026-11-23T17:19:00Z"), "1 minute ago");
        assert_eq!(ago("2026-11-23T15:00:00Z"), "2 hours ago");
        assert_eq!(ago("2026-11-22T12:00:00Z"), "yesterday");
        assert_eq!(ago("2026-11-13T17:20:00Z"), "10 days ago");
        assert_eq!(ago("2026-08-01T00:00:00Z"), "3 months ago");
        assert_eq!(ago("2024-05-13T04:59:02.640Z"), "2 years ago");
    }

    #[test]
    fn the_exact_time_is_kept_for_the_tooltip() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let added = when(parse("2024-05-13T04:59:02.640+02:00"), now);
        assert_eq!(added.exact, "13 May 2024, 02:59 UTC");
        assert_eq!(added.iso, "2024-05-13T02:59:02.64Z");
    }

    #[test]
    fn a_time_past_the_calendar_in_utc_is_shown_at_its_edge() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let far = when(parse("9999-12-31T23:59:59-23:59"), now);
        assert_eq!(far.exact, "31 Dec 9999, 23:59 UTC");
        assert_eq!(far.relative, "just now");
        let early = when(parse("0000-01-01T00:00:00+23:59"), now);
        assert!(early.relative.ends_with("years ago"), "{}", early.relative);
    }

    fn authenticator(json: &str) -> UserAuthenticator {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_email_code_shows_masked_with_human_times() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"a1","verificationMethod":"EMAIL_OTP","email":"jane@example.com",
                    "createdAt":"2026-11-20T10:00:00Z","verifiedAt":"2026-11-20T10:01:00Z","lastVerifiedAt":"2026-11-23T15:20:00Z"}"#,
            ),
            now,
        );
        assert_eq!(view.id, "a1");
        assert_eq!(view.label, "Email code");
        assert_eq!(view.masked_identifier.as_deref(), Some("j•••@example.com"));
        assert_eq!(view.added.relative, "3 days ago");
        assert_eq!(view.last_used.unwrap().relative, "2 hours ago");
        assert!(view.is_fallback);
    }

    #[test]
    fn verifying_a_new_method_is_not_a_use() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"a1","verificationMethod":"SMS","phoneNumber":"+64211234321",
                    "createdAt":"2026-11-23T17:00:00Z","verifiedAt":"2026-11-23T17:01:00Z","lastVerifiedAt":"2026-11-23T17:01:00Z"}"#,
            ),
            now,
        );
        assert_eq!(view.masked_identifier.as_deref(), Some("+64 •• ••• 4321"));
        assert!(view.last_used.is_none());
    }

    #[test]
    fn a_passkey_is_named_by_its_provider() {
        let now = datetime!(2026-11-23 17:20:00 UTC);
        let view = view(
            &authenticator(
                r#"{"userAuthenticatorId":"p1","verificationMethod":"PASSKEY","createdAt":"2026-11-01T00:00:00Z",
                    "webauthnCredential":{"aaguidMapping":{"name":"iCloud Keychain"}}}"#,
            ),
            now,
        );
        assert_eq!(view.label, "Passkey");
        assert_eq!(view.masked_identifier.as_deref(), Some("iCloud Keychain"));
        assert!(!view.is_fallback);
        let unnamed = super::view(
            &authenticator(
                r#"{"userAuthenticatorId":"p2","verificationMethod":"PASSKEY","createdAt":"2026-11-01T00:00:00Z",
                    "webauthnCredential":{"name":"Passkey"}}"#,
            ),
            now,
        );
        assert_eq!(unnamed.masked_identifier, None);
    }

    #[test]
    fn the_same_address_twice_reads_as_two_methods() {
        let email = |id: &str| {
            authenticator(&format!(
                r#"{{"userAuthenticatorId":"{id}","verificationMethod":"EMAIL_OTP","email":"jane@example.com","createdAt":"2026-11-20T10:00:00Z","verifiedAt":"2026-11-20T10:01:00Z"}}"#
            ))
        };
        let shown = views(&[email("a"), email("b"), email("c")]);
        let names: Vec<_> = shown
            .iter()
            .map(|view| view.masked_identifier.as_deref().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "j•••@example.com",
                "j•••@example.com (2)",
                "j•••@example.com (3)"
            ]
        );
    }
}
