//! The security checkup over REST, testing a method (right method, wrong method, replay,
//! another person's), and security keys in the local Authsignal as the browser SDK calls it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, PASSKEY_ORIGIN},
    person::Person,
    rest::Api,
    webauthn::{Attestation, SoftPasskey},
};

/// The finding codes of `api`'s checkup, and its rating.
async fn checkup(api: &Api) -> (Value, Vec<String>) {
    let checkup = api.raw(Method::GET, "/api/checkup").await.ok();
    let codes = checkup["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap().to_owned())
        .collect();
    (checkup["rating"].clone(), codes)
}

#[tokio::test]
async fn the_checkup_follows_the_methods_a_person_has() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::minted(&app, "checkup").await;
    let api = Api::of(&app, &person);
    assert_eq!(
        checkup(&api).await,
        (json!("at_risk"), vec!["no_method".to_owned()])
    );

    let sms = json!({ "verificationMethod": "SMS", "phoneNumber": "+64211234567" });
    tenant.give(&person.sub, sms).await;
    let (rating, codes) = checkup(&api).await;
    assert_eq!(rating, "at_risk");
    assert_eq!(
        codes,
        [
            "sms_only",
            "only_one_method",
            "no_phishing_resistant_method"
        ]
    );

    let synced = json!({
        "verificationMethod": "PASSKEY",
        "webauthnCredential": { "name": "iCloud Keychain", "credentialBackedUp": true },
    });
    tenant.give(&person.sub, synced).await;
    assert_eq!(checkup(&api).await, (json!("strong"), Vec::<String>::new()));

    // Authsignal down: the checkup could not be made, and says so.
    let fault = json!({ "kind": "status", "status": 503 });
    tenant
        .set_faults(json!([{ "path": "/v1/users/*/authenticators", "fault": fault }]))
        .await;
    let failed = api.raw(Method::GET, "/api/checkup").await;
    failed.assert_error(StatusCode::BAD_GATEWAY, "upstream_unavailable");
}

/// `POST /api/authenticators/{id}/test`: the token for that method's challenge.
async fn start_test(api: &Api, id: &str) -> String {
    let started = api
        .raw(Method::POST, &format!("/api/authenticators/{id}/test"))
        .await
        .ok();
    started["authsignalToken"].as_str().unwrap().to_owned()
}

async fn complete_test(api: &Api, id: &str, token: &str) -> crate::support::rest::Reply {
    api.raw(
        Method::POST,
        &format!("/api/authenticators/{id}/test/complete"),
    )
    .body(json!({ "token": token }))
    .await
}

#[tokio::test]
async fn a_test_counts_once_for_its_person_and_its_method_only() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "test-method").with_email_methods(&tenant, 2);
    let person = person.await;
    let api = Api::of(&app, &person);
    let own = person.methods[0].clone();
    let work = person.methods[1].clone();

    // The right method: tested, and a step-up too.
    let token = start_test(&api, &own).await;
    let passed = app.pass_challenge(&token, &person.email).await;
    let done = complete_test(&api, &own, &passed).await.ok();
    assert_eq!(done["tested"], true);
    assert!(done["lastVerifiedAt"].is_string(), "{done}");
    let proof = done["stepUpToken"].as_str().unwrap();
    api.stepped_up(proof).enroll().await.ok();
    // Once.
    let again = complete_test(&api, &own, &passed).await;
    again.assert_error(StatusCode::BAD_REQUEST, "invalid_input");

    // Started for the work address, passed with the own one: not that method.
    let token = start_test(&api, &work).await;
    let passed = app.pass_challenge(&token, &person.email).await;
    let wrong = complete_test(&api, &work, &passed).await;
    wrong.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
    // Nor does a test of one method complete another's.
    let token = start_test(&api, &own).await;
    let passed = app.pass_challenge(&token, &person.email).await;
    complete_test(&api, &work, &passed)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_input");

    // Another person: their method is not found here, and their passed test is refused.
    let other = Person::signed_up(&app, "test-other")
        .with_email_method(&tenant)
        .await;
    let theirs = Api::of(&app, &other);
    api.raw(
        Method::POST,
        &format!("/api/authenticators/{}/test", other.methods[0]),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    let token = start_test(&theirs, &other.methods[0]).await;
    let passed = app.pass_challenge(&token, &other.email).await;
    complete_test(&api, &other.methods[0], &passed)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_input");
    complete_test(&theirs, &other.methods[0], &passed)
        .await
        .ok();
}

#[tokio::test]
async fn a_security_key_is_enrolled_and_verified_through_its_own_client_api_calls() {
    let tenant = LocalTenant::start("security-key").await;
    let sdk = tenant.sdk(&tenant.adding("user-1").await);
    // The options come bare, for a roaming authenticator that need not keep a resident key.
    let options = sdk
        .post(
            "user-authenticators/security-key/registration-options",
            json!({}),
        )
        .await;
    assert!(options.get("challengeId").is_none(), "{options}");
    let selection = &options["authenticatorSelection"];
    assert_eq!(selection["authenticatorAttachment"], "cross-platform");
    assert_eq!(selection["residentKey"], "discouraged");
    let mut key = SoftPasskey::new(PASSKEY_ORIGIN, [0; 16]);
    let credential = key.register(&options, Attestation::PackedSelf);
    let added = sdk
        .post("user-authenticators/security-key", credential)
        .await;
    assert_eq!(added["isVerified"], true, "{added}");
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(
        listed[0].verification_method,
        account_security::model::VerificationMethod::SecurityKey
    );
    let name = listed[0].webauthn_credential.as_ref().unwrap().name.clone();
    assert_eq!(name.as_deref(), Some("Security key"));

    // A step-up with it; passkey options do not offer it.
    let step_up = tenant.sdk(&tenant.track_token("user-1", "stepUp", None).await);
    let refused = step_up
        .call(
            Method::POST,
            "user-authenticators/passkey/authentication-options",
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let request = step_up
        .post(
            "user-authenticators/security-key/authentication-options",
            json!({}),
        )
        .await;
    let assertion = key.assert(&request);
    let verified = step_up.post("verify/security-key", assertion).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let token = verified["accessToken"].as_str().unwrap();
    let validation = tenant.validate(token, Some("user-1"), Some("stepUp")).await;
    assert!(validation.is_valid);
    assert_eq!(
        validation.verification_method,
        Some(account_security::model::VerificationMethod::SecurityKey)
    );
}
