use time::macros::datetime;

use super::*;

fn record(code: &str, state: &str, extra: serde_json::Value) -> UserActionRecord {
    let mut json = serde_json::json!({
        "actionCode": code,
        "idempotencyKey": "k",
        "createdAt": "2026-11-23T17:00:00Z",
        "stateUpdatedAt": "2026-11-23T17:05:00Z",
        "state": state,
        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "ipAddress": "203.0.113.7",
    });
    json.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(json).unwrap()
}

fn methods() -> Vec<UserAuthenticator> {
    serde_json::from_value(serde_json::json!([
        { "userAuthenticatorId": "e1", "verificationMethod": "EMAIL_OTP", "createdAt": "2026-11-01T00:00:00Z", "verifiedAt": "2026-11-01T00:00:00Z", "email": "jane@example.com" },
        { "userAuthenticatorId": "p1", "verificationMethod": "PASSKEY", "createdAt": "2026-11-01T00:00:00Z", "verifiedAt": "2026-11-01T00:00:00Z", "webauthnCredential": { "name": "iCloud Keychain" } },
    ]))
    .unwrap()
}

#[test]
fn each_kind_of_action_reads_as_what_happened() {
    let now = datetime!(2026-11-23 18:00:00 UTC);
    let cases = [
        (
            record("signIn", "ALLOW", serde_json::json!({})),
            Some((ActivityKind::SignedIn, "Signed in")),
        ),
        (
            record(
                "addAuthenticator",
                "CHALLENGE_SUCCEEDED",
                serde_json::json!({ "verificationMethod": "EMAIL_OTP", "verifiedByAuthenticatorId": "e1" }),
            ),
            Some((
                ActivityKind::MethodAdded,
                "Added an email code j•••@example.com",
            )),
        ),
        (
            record(
                "addAuthenticator",
                "CHALLENGE_SUCCEEDED",
                serde_json::json!({ "verificationMethod": "SMS", "verifiedByAuthenticatorId": "gone" }),
            ),
            Some((ActivityKind::MethodAdded, "Added a text message code")),
        ),
        // Started and never finished: nothing happened.
        (
            record(
                "addAuthenticator",
                "CHALLENGE_REQUIRED",
                serde_json::json!({}),
            ),
            None,
        ),
        (
            record(
                "removeAuthenticator",
                "CHALLENGE_REQUIRED",
                serde_json::json!({ "idempotencyKey": "AUTHENTICATOR_APP.5d2c" }),
            ),
            Some((ActivityKind::MethodRemoved, "Removed an authenticator app")),
        ),
        (
            record(
                "removeAuthenticator",
                "ALLOW",
                serde_json::json!({ "idempotencyKey": "not-ours" }),
            ),
            Some((ActivityKind::MethodRemoved, "Removed a sign-in method")),
        ),
        (
            record(
                "stepUp",
                "CHALLENGE_SUCCEEDED",
                serde_json::json!({ "verificationMethod": "PASSKEY", "verifiedByAuthenticatorId": "p1" }),
            ),
            Some((
                ActivityKind::Verified,
                "Verified it's you with a passkey (iCloud Keychain)",
            )),
        ),
        (
            record("stepUp", "CHALLENGE_FAILED", serde_json::json!({})),
            Some((
                ActivityKind::VerificationFailed,
                "Couldn't verify it's you: too many wrong codes",
            )),
        ),
        (
            record("stepUp", "CHALLENGE_REQUIRED", serde_json::json!({})),
            None,
        ),
        (
            record(
                "manageAuthenticators",
                "CHALLENGE_REQUIRED",
                serde_json::json!({}),
            ),
            Some((ActivityKind::OpenedSettings, "Opened Authsignal settings")),
        ),
        (
            record("somethingElse", "ALLOW", serde_json::json!({})),
            None,
        ),
    ];
    for (record, expected) in cases {
        let described = describe(&record, &methods(), &HashMap::new(), now);
        assert_eq!(
            described
                .as_ref()
                .map(|view| (view.kind, view.summary.as_str())),
            expected,
            "{record:?}"
        );
        if let Some(view) = described {
            assert_eq!(view.device.as_deref(), Some("Chrome on macOS"));
            assert_eq!(view.address.as_deref(), Some("203.0.113.7"));
        }
    }
}

#[test]
fn a_finished_action_is_dated_when_it_finished() {
    let now = datetime!(2026-11-23 18:00:00 UTC);
    let added = describe(
        &record(
            "addAuthenticator",
            "CHALLENGE_SUCCEEDED",
            serde_json::json!({ "verificationMethod": "EMAIL_OTP" }),
        ),
        &[],
        &HashMap::new(),
        now,
    )
    .unwrap();
    assert_eq!(added.when.exact, "23 Nov 2026, 17:05 UTC");
    let signed_in = describe(
        &record("signIn", "ALLOW", serde_json::json!({})),
        &[],
        &HashMap::new(),
        now,
    )
    .unwrap();
    assert_eq!(signed_in.when.exact, "23 Nov 2026, 17:00 UTC");
}

#[test]
fn a_removed_method_is_named_as_it_was_shown_in_its_removal_and_in_its_add() {
    let now = datetime!(2026-11-23 18:00:00 UTC);
    let gone: UserAuthenticator = serde_json::from_value(serde_json::json!({
        "userAuthenticatorId": "s1", "verificationMethod": "SMS",
        "createdAt": "2026-11-01T00:00:00Z", "phoneNumber": "+64211234321",
    }))
    .unwrap();
    let key = RemovalKey::of(&gone);
    let records = [
        record(
            "removeAuthenticator",
            "CHALLENGE_REQUIRED",
            serde_json::json!({ "idempotencyKey": key }),
        ),
        record(
            "addAuthenticator",
            "CHALLENGE_SUCCEEDED",
            serde_json::json!({ "verificationMethod": "SMS", "verifiedByAuthenticatorId": "s1" }),
        ),
    ];
    let gone = removed_methods(&records);
    let summaries: Vec<String> = records
        .iter()
        .filter_map(|record| describe(record, &methods(), &gone, now))
        .map(|view| view.summary)
        .collect();
    assert_eq!(
        summaries,
        [
            "Removed a text message code +64 •• ••• 4321",
            "Added a text message code +64 •• ••• 4321",
        ]
    );
}

#[test]
fn methods_read_with_their_article() {
    assert_eq!(with_article(VerificationMethod::EmailOtp), "an email code");
    assert_eq!(with_article(VerificationMethod::Passkey), "a passkey");
    assert_eq!(
        with_article(VerificationMethod::AuthenticatorApp),
        "an authenticator app"
    );
}
