//! Text-message codes, authenticator apps and passkeys in the local Authsignal, over the Client
//! API as the Web SDK calls it: enrollment and verification of each, wrong and expired codes,
//! TOTP steps, and real WebAuthn ceremonies with a software passkey, forged and replayed ones
//! included; and how the Server API then lists each.

use reqwest::StatusCode;
use serde_json::{Value, json};
use totp_rs::Totp;

use crate::support::{
    authsignal::{LocalTenant, PASSKEY_ORIGIN, Sdk, invalid_or_expired, wrong_code},
    now,
    webauthn::{Attestation, ICLOUD, SoftPasskey, tamper},
};

async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["errorCode"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The refusal of a passkey answer that does not hold.
fn invalid_credential() -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, "invalid_credential".to_owned())
}

/// The Client API with a token that may add a method for `user`.
async fn adding(tenant: &LocalTenant, user: &str) -> Sdk {
    tenant.sdk(&tenant.adding(user).await)
}

/// The Client API with a token to step up `user` with.
async fn stepping_up(tenant: &LocalTenant, user: &str) -> Sdk {
    tenant.sdk(&tenant.track_token(user, "stepUp", None).await)
}

#[tokio::test]
async fn a_text_message_code_is_enrolled_like_an_email_code_and_sent_to_the_number() {
    let tenant = LocalTenant::start("sms").await;
    let sdk = adding(&tenant, "user-1").await;
    let number = "+64211234567";
    let enrolled = sdk.add_sms(number).await;
    assert!(enrolled["userAuthenticatorId"].is_string());
    let code = tenant.latest_code(number).await;
    let refused = sdk.verify("sms", wrong_code(&code)).await;
    assert_eq!(refused, invalid_or_expired());
    let verified = sdk.verify("sms", &code).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(verified["userAuthenticator"]["verificationMethod"], "SMS");
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed[0].phone_number.as_deref(), Some(number));

    // A code for a challenge expires with the emulator's clock.
    let challenge = stepping_up(&tenant, "user-1").await;
    let sent = challenge.try_challenge("sms", None).await;
    assert_eq!(sent.status(), StatusCode::OK);
    let code = tenant.latest_code(number).await;
    tenant.advance_clock(601).await;
    let (status, error) = error_code(challenge.try_verify("sms", &code).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "expired_token")
    );
}

/// The app from an enrollment's URI, as an authenticator app reads the QR code.
fn app_from(enrollment: &Value) -> Totp {
    let uri = enrollment["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Account%20Security:"),
        "{uri}"
    );
    assert!(uri.contains("issuer=Account%20Security"), "{uri}");
    let app = Totp::from_url(uri).unwrap();
    assert_eq!(
        app.secret().to_base32(),
        enrollment["secret"].as_str().unwrap()
    );
    app
}

#[tokio::test]
async fn an_authenticator_app_is_enrolled_and_its_codes_count_within_one_step_once() {
    let tenant = LocalTenant::start("totp").await;
    let sdk = adding(&tenant, "user-1").await;
    let enrollment = sdk.add_app().await;
    let app = app_from(&enrollment);
    let secret = enrollment["secret"].as_str().unwrap();
    assert!(
        secret.len() >= 32
            && secret
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    );
    // Not listed as a way to sign in until a code proves the app has the secret.
    let pending = &tenant.authenticators("user-1").await[0];
    assert!(pending.verified_at.is_none());
    let code = |at: i64| app.generate(at as u64).to_string();
    let far_off = sdk.verify("totp", &code(now() + 3600)).await;
    assert_eq!(far_off["isVerified"], false, "{far_off}");
    let verified = sdk.verify("totp", &code(now())).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(
        verified["userAuthenticator"]["verificationMethod"],
        "AUTHENTICATOR_APP"
    );
    let enrolled = &tenant.authenticators("user-1").await[0];
    assert!(enrolled.verified_at.is_some());

    // A step-up with the app: no challenge call, the code straight away.
    let step_up = stepping_up(&tenant, "user-1").await;
    let again = step_up.verify("totp", &code(now())).await;
    assert_eq!(
        again["isVerified"], false,
        "the same step is never accepted twice"
    );
    let previous = step_up.verify("totp", &code(now() - 30)).await;
    assert_eq!(previous["isVerified"], false, "an older step neither");
    let next = step_up.verify("totp", &code(now() + 30)).await;
    assert_eq!(next["isVerified"], true, "{next}");
    let passed = next["accessToken"].as_str().unwrap();
    let validation = tenant
        .validate(passed, Some("user-1"), Some("stepUp"))
        .await;
    assert!(validation.is_valid);
    assert_eq!(
        validation.verification_method,
        Some(account_security::model::VerificationMethod::AuthenticatorApp)
    );
}

#[tokio::test]
async fn a_previous_step_counts_during_the_enrollment() {
    let tenant = LocalTenant::start("totp-previous").await;
    let sdk = adding(&tenant, "user-1").await;
    let app = app_from(&sdk.add_app().await);
    let previous = app.generate(now() as u64 - 30).to_string();
    let verified = sdk.verify("totp", &previous).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
}

async fn registration_options(sdk: &Sdk) -> Value {
    let body = json!({ "authenticatorAttachment": null });
    sdk.passkey_options("registration", Some(body)).await
}

#[tokio::test]
async fn a_passkey_is_registered_with_real_webauthn_and_named_by_its_provider() {
    for attestation in [Attestation::None, Attestation::PackedSelf] {
        let tenant = LocalTenant::start("passkey").await;
        let sdk = adding(&tenant, "user-1").await;
        let options = registration_options(&sdk).await;
        let creation = &options["options"];
        assert_eq!(creation["rp"]["id"], "localhost");
        assert!(creation["challenge"].is_string() && creation["user"]["id"].is_string());
        let mut passkey = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD);
        let credential = passkey.register(creation, attestation);
        let added = sdk.add_passkey(&options, &credential).await;
        assert_eq!(added["isVerified"], true, "{added}");
        assert!(added["accessToken"].is_string() && added["userAuthenticatorId"].is_string());
        let listed = tenant.authenticators("user-1").await;
        let webauthn = listed[0].webauthn_credential.as_ref().unwrap();
        assert_eq!(webauthn.name.as_deref(), Some("iCloud Keychain"));
        assert_eq!(
            webauthn.aaguid.as_deref(),
            Some("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
        );
        assert_eq!(
            webauthn.aaguid_mapping.as_ref().unwrap().name.as_deref(),
            Some("iCloud Keychain")
        );

        // The same answer again: its ceremony is over.
        let replayed = sdk.try_add_passkey(&options, &credential).await;
        assert_eq!(error_code(replayed).await, invalid_credential());
    }
}

/// Builds a registration response from the options the tenant gave.
type Forge = dyn Fn(&Value) -> Value;

#[tokio::test]
async fn forged_registrations_are_refused_and_add_nothing() {
    let tenant = LocalTenant::start("passkey-forged").await;
    let sdk = adding(&tenant, "user-1").await;
    let forgeries: Vec<(&str, Box<Forge>)> = vec![
        (
            "another page's origin",
            Box::new(|options: &Value| {
                SoftPasskey::new("http://localhost:9999", ICLOUD)
                    .register(options, Attestation::None)
            }),
        ),
        (
            "another challenge",
            Box::new(|options: &Value| {
                let mut other = options.clone();
                other["challenge"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD).register(&other, Attestation::None)
            }),
        ),
        (
            "another relying party",
            Box::new(|options: &Value| {
                let mut other = options.clone();
                other["rp"]["id"] = json!("evil.example");
                SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD).register(&other, Attestation::None)
            }),
        ),
        (
            "a self-attestation signed by someone else",
            Box::new(|options: &Value| {
                let real = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD)
                    .register(options, Attestation::PackedSelf);
                tamper(&real, "/response/clientDataJSON", |bytes| bytes.push(b' '))
            }),
        ),
    ];
    for (case, forge) in forgeries {
        let options = registration_options(&sdk).await;
        let credential = forge(&options["options"]);
        let response = sdk.try_add_passkey(&options, &credential).await;
        assert_eq!(error_code(response).await, invalid_credential(), "{case}");
    }
    assert!(tenant.authenticators("user-1").await.is_empty());
}

#[tokio::test]
async fn a_passkey_signs_in_once_per_assertion_and_forgeries_do_not() {
    let tenant = LocalTenant::start("passkey-assert").await;
    let sdk = adding(&tenant, "user-1").await;
    let options = registration_options(&sdk).await;
    let mut passkey = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD);
    let credential = passkey.register(&options["options"], Attestation::PackedSelf);
    sdk.add_passkey(&options, &credential).await;

    let step_up = stepping_up(&tenant, "user-1").await;
    // Registered without a username: under the user's id, which a step-up names.
    let authentication =
        || step_up.passkey_options("authentication", Some(json!({ "username": "user-1" })));

    let options = authentication().await;
    let request = &options["options"];
    assert_eq!(request["allowCredentials"].as_array().unwrap().len(), 1);
    let discoverable = step_up.passkey_options("authentication", None).await;
    assert_eq!(
        discoverable["options"]["allowCredentials"]
            .as_array()
            .map_or(0, Vec::len),
        0,
        "without a username, any discoverable passkey may answer"
    );
    for (case, forged) in [
        (
            "a changed signature",
            tamper(&passkey.assert(request), "/response/signature", |bytes| {
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
            }),
        ),
        (
            "user verification left out",
            tamper(
                &passkey.assert(request),
                "/response/authenticatorData",
                |bytes| bytes[32] = 0x01,
            ),
        ),
        (
            "another page",
            SoftPasskey::new("http://localhost:9999", ICLOUD).assert(request),
        ),
    ] {
        let options = authentication().await;
        let response = step_up.try_verify_passkey(&options, &forged).await;
        let (status, _) = error_code(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
    }
    let options = authentication().await;
    let assertion = passkey.assert(&options["options"]);
    let verified = step_up.verify_passkey(&options, &assertion).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let replayed = step_up.try_verify_passkey(&options, &assertion).await;
    assert_eq!(error_code(replayed).await, invalid_credential());
    let passed = verified["accessToken"].as_str().unwrap();
    let validation = tenant
        .validate(passed, Some("user-1"), Some("stepUp"))
        .await;
    assert!(validation.is_valid);
    let listed = tenant.authenticators("user-1").await;
    assert!(
        listed[0].last_verified_at > listed[0].verified_at,
        "last used now"
    );
}

#[tokio::test]
async fn an_authenticator_app_follows_the_digits_and_step_its_uri_names() {
    let tenant = LocalTenant::start("totp-eight").await;
    let longer = json!({ "totpDigits": 8, "totpPeriodSecs": 60 });
    tenant.configure("tenant", longer).await;
    let sdk = adding(&tenant, "user-1").await;
    let enrollment = sdk.add_app().await;
    let uri = enrollment["uri"].as_str().unwrap();
    assert!(
        uri.contains("digits=8") && uri.contains("period=60"),
        "{uri}"
    );
    let app = app_from(&enrollment);
    let code = app.generate(now() as u64).to_string();
    assert_eq!(code.len(), 8);
    let six = &code[2..];
    assert_eq!(sdk.verify("totp", six).await["isVerified"], false);
    let verified = sdk.verify("totp", &code).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_username_through_the_tenants_challenge() {
    let tenant = LocalTenant::start("passkey-usernameless").await;
    let sdk = adding(&tenant, "user-1").await;
    let options = registration_options(&sdk).await;
    let selection = &options["options"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    let mut passkey = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD);
    let credential = passkey.register(&options["options"], Attestation::PackedSelf);
    sdk.add_passkey(&options, &credential).await;

    // The browser SDK's passkey.signIn({action}): no token, the tenant's id.
    let anyone = tenant.sdk_without_token();
    let challenge = anyone
        .post("challenge", json!({ "action": "signIn" }))
        .await;
    let challenge_id = &challenge["challengeId"];
    let body = json!({ "challengeId": challenge_id });
    let options = anyone.passkey_options("authentication", Some(body)).await;
    let allowed = options["options"]["allowCredentials"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(allowed, 0, "any discoverable passkey may answer");
    let assertion = passkey.assert(&options["options"]);
    let verified = anyone.verify_passkey(&options, &assertion).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let token = verified["accessToken"].as_str().unwrap();
    let validation = tenant.validate(token, Some("user-1"), Some("signIn")).await;
    assert!(validation.is_valid, "the verify found whose passkey it was");
    // A token, not a tenant id that is not this one.
    let stranger = Sdk::of_tenant(&tenant.url("/v1"), "another-tenant");
    let refused = stranger.call(
        reqwest::Method::POST,
        "challenge",
        Some(json!({ "action": "signIn" })),
    );
    assert_eq!(refused.await.status(), StatusCode::UNAUTHORIZED);
}
