//! How the app reads what a real tenant may answer and the emulator can be told to: pending
//! enrollments in the list, rules that block or hold an action for review, deletion switched
//! off, `/validate` refusing a token with a 4xx, actions left unconfigured (ALLOW), the methods
//! an action's challenge may use, and methods the tenant has not switched on.

use account_security::{model::VerificationMethod, wire::authsignal::ActionState};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{
    TestApp,
    authsignal::LocalTenant,
    browser::{Browser, new_email},
    person::Person,
    rest::{Api, Reply},
};

/// Starts enrolling `email` through the Client API and leaves it waiting for its code.
async fn abandon_enrollment(tenant: &LocalTenant, sub: &str, email: &str) {
    let token = tenant.adding(sub).await;
    tenant.sdk(&token).add_email(email).await;
}

/// The removal was refused because the tenant does not allow it.
fn assert_removal_disabled(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.body["error"], "removal_disabled");
}

#[tokio::test]
async fn an_abandoned_enrollment_is_neither_shown_nor_counted() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "pending")
        .with_email_method(&tenant)
        .await;
    abandon_enrollment(&tenant, &person.sub, &new_email("abandoned")).await;
    let raw = tenant.authenticators(&person.sub).await;
    assert_eq!(raw.len(), 2, "Authsignal lists the pending row");

    let api = Api::of(&app, &person);
    let listed = api.list().await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let api = api.stepped_up(&app.step_up_token(&person.bearer, &person.email).await);
    let reply = api.remove(&person.methods[0]).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["error"], "last_authenticator");
    let pending = raw.iter().find(|a| a.verified_at.is_none()).unwrap();
    let reply = api.remove(&pending.user_authenticator_id).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}

#[tokio::test]
async fn a_rule_that_blocks_or_holds_an_action_hands_out_no_token() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "rules").await;
    let api = Api::of(&app, &person);
    for (action, state, path, code) in [
        (
            "addAuthenticator",
            "BLOCK",
            "/api/authenticators",
            "blocked",
        ),
        (
            "addAuthenticator",
            "REVIEW_REQUIRED",
            "/api/authenticators",
            "review_required",
        ),
        (
            "manageAuthenticators",
            "BLOCK",
            "/api/authenticators/prebuilt-ui",
            "blocked",
        ),
    ] {
        tenant
            .configure(
                "rules",
                json!({ "rules": [{ "action": action, "state": state }] }),
            )
            .await;
        let reply = api.raw(Method::POST, path).await;
        let body = &reply.body;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{state}: {body}");
        assert_eq!(body["error"], code, "{body}");
        assert!(body.get("authsignalToken").is_none() && body.get("prebuiltUiUrl").is_none());
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("Nothing was changed."), "{message}");
    }
    tenant.clear("rules").await;
    api.enroll().await.ok();
}

#[tokio::test]
async fn a_tenant_that_forbids_deletion_is_named_not_called_unavailable() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "no-delete").with_email_methods(&tenant, 2);
    let person = person.stepped_up_over_rest().await;
    let api = Api::of(&app, &person);
    let first = &person.methods[0];
    tenant
        .configure(
            "tenant",
            json!({ "allowDeletingUserAuthenticators": false }),
        )
        .await;
    assert_removal_disabled(&api.remove(first).await);
    assert_eq!(tenant.authenticators(&person.sub).await.len(), 2);

    // Whatever refusal the real tenant uses: a 400 reads the same.
    tenant
        .configure("tenant", json!({ "allowDeletingUserAuthenticators": true }))
        .await;
    tenant
        .set_faults(
            json!([{ "method": "DELETE", "path": "/v1/users/*/authenticators/*",
            "fault": { "kind": "status", "status": 400 } }]),
        )
        .await;
    assert_removal_disabled(&api.remove(first).await);
    tenant.set_faults(json!([])).await;
    api.remove(first).await.ok();
}

#[tokio::test]
async fn a_validate_that_answers_4xx_means_the_return_token_is_not_valid() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let email = new_email("validate-4xx");
    let mut browser = Browser::signed_up(&app, &email).await;
    for (status, notice) in [
        (400, "manage-invalid"),
        (401, "manage-invalid"),
        (503, "manage-unavailable"),
    ] {
        tenant
            .set_faults(json!([{ "path": "/v1/validate",
                "fault": { "kind": "status", "status": status } }]))
            .await;
        // A visit this browser started, so only the validation decides.
        let started = browser.call(&app.url("/api/prebuilt_ui_url")).await;
        assert_eq!(started.status(), StatusCode::OK);
        let response = browser
            .get(&app.url("/security/return?token=eyJ.forged.token"))
            .await;
        assert_eq!(
            crate::support::browser::location(&response),
            app.url(&format!("/security?notice={notice}")),
            "{status}"
        );
    }
}

#[tokio::test]
async fn an_action_the_tenant_never_set_up_is_allowed_and_a_step_up_still_needs_its_challenge() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    // Authsignal's default outcome (fidelity row 4): ALLOW, whatever the user has.
    let sub = "rules-unset";
    tenant.give_email(sub, &new_email("rules-unset")).await;
    let attributes = Default::default();
    let unset = tenant.track(sub, "exportData", &attributes).await;
    assert_eq!(unset.state, ActionState::Allow);
    let challenged = tenant.track(sub, "stepUp", &attributes).await;
    assert_eq!(challenged.state, ActionState::ChallengeRequired);

    // A tenant whose stepUp allows without a challenge: the app still wants a passed one.
    let rule = json!({ "rules": [{ "action": "stepUp", "state": "ALLOW" }] });
    tenant.local("/_local/rules", &rule).await;
    let person = Person::signed_up(&app, "rules-allow").signed_in_ago(3600);
    let person = person.with_email_method(&tenant).await;
    let api = Api::of(&app, &person);
    let started = api.start_step_up().await.ok();
    let token = started["authsignalToken"].as_str().unwrap();
    let unchallenged = api.complete_step_up(token).await;
    assert_eq!(
        unchallenged.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unchallenged.body
    );
    api.enroll().await.assert_step_up_required("method");
}

#[tokio::test]
async fn an_actions_verification_methods_limit_what_its_challenge_may_use() {
    let tenant = LocalTenant::start("rules-methods").await;
    let sub = "rules-methods";
    tenant.give_email(sub, &new_email("rules-methods")).await;
    let sms = json!({ "verificationMethod": "SMS", "phoneNumber": "+64211234567" });
    tenant.give(sub, sms).await;
    let rule = json!({ "rules": [{ "action": "stepUp", "state": "CHALLENGE_REQUIRED", "verificationMethods": ["SMS"] }] });
    tenant.local("/_local/rules", &rule).await;
    let sdk = tenant.sdk(&tenant.track_token(sub, "stepUp", None).await);
    let refused = sdk.try_challenge("email-otp", None).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    sdk.challenge("sms").await;
}

#[tokio::test]
async fn methods_the_tenant_has_not_switched_on_are_refused_and_not_offered() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let enabled = json!({ "enabledMethods": ["EMAIL_OTP", "PASSKEY"] });
    tenant.configure("tenant", enabled).await;
    let mut person = Person::signed_up(&app, "enabled").await;
    // The Client API refuses what the Portal did not switch on (fidelity row 8).
    let sdk = tenant.sdk(&tenant.adding(&person.sub).await);
    let refused = sdk.call(
        Method::POST,
        "user-authenticators/sms",
        Some(json!({ "phoneNumber": "+64211234567" })),
    );
    assert_eq!(refused.await.status(), StatusCode::BAD_REQUEST);
    let user = tenant.client.get_user(&person.sub).await.unwrap();
    let allowed = user.allowed_verification_methods.unwrap();
    assert_eq!(
        allowed,
        [VerificationMethod::EmailOtp, VerificationMethod::Passkey]
    );
    // The page offers what Authsignal says the person may add.
    let (status, me) = person.call(&app, "me", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["addable"], json!(["EMAIL_OTP", "PASSKEY"]));
}
