//! How the app reads what a real tenant may answer and the emulator can be told to: pending
//! enrollments in the list, rules that block or hold an action for review, deletion switched
//! off, and `/validate` refusing a token with a 4xx.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, encode},
    browser::{Browser, jwt_claims, new_email},
};

/// Someone signed up, and the access token their app holds.
async fn person(app: &TestApp, label: &str) -> (String, String, String) {
    let email = new_email(label);
    Browser::signed_up(app, &email).await;
    let token = app.mint(json!({ "email": email })).await;
    let sub = jwt_claims(&token)["sub"].as_str().unwrap().to_owned();
    (email, sub, token)
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str) -> (StatusCode, Value) {
    stepped_up(app, method, path, token, "").await
}

async fn stepped_up(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    step_up: &str,
) -> (StatusCode, Value) {
    let response = crate::support::client()
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Step-Up-Token", step_up)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Starts enrolling `email` through the Client API and leaves it waiting for its code.
async fn abandon_enrollment(tenant: &LocalTenant, sub: &str, email: &str) {
    let token = tenant
        .track_token(sub, "addAuthenticator", Some("add:authenticators"))
        .await;
    tenant
        .client_json(
            &token,
            Method::POST,
            "/v1/client/user-authenticators/email-otp",
            Some(json!({ "email": email })),
        )
        .await;
}

#[tokio::test]
async fn an_abandoned_enrollment_is_neither_shown_nor_counted() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let (email, sub, token) = person(&app, "pending").await;
    let only = tenant.give_email(&sub, &email).await;
    abandon_enrollment(&tenant, &sub, &new_email("abandoned")).await;
    let raw = tenant.client.get_authenticators(&sub).await.unwrap();
    assert_eq!(raw.len(), 2, "Authsignal lists the pending row");

    let (status, listed) = api(&app, Method::GET, "/api/authenticators", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let step_up = app.step_up_token(&token, &email).await;
    let (status, body) = stepped_up(
        &app,
        Method::DELETE,
        &format!("/api/authenticators/{}", encode(&only)),
        &token,
        &step_up,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "last_authenticator");
    let pending = raw.iter().find(|a| a.verified_at.is_none()).unwrap();
    let (status, body) = stepped_up(
        &app,
        Method::DELETE,
        &format!(
            "/api/authenticators/{}",
            encode(&pending.user_authenticator_id)
        ),
        &token,
        &step_up,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_rule_that_blocks_or_holds_an_action_hands_out_no_token() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let (_, _, token) = person(&app, "rules").await;
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
        let (status, body) = api(&app, Method::POST, path, &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{state}: {body}");
        assert_eq!(body["error"], code, "{body}");
        assert!(body.get("authsignalToken").is_none() && body.get("prebuiltUiUrl").is_none());
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("Nothing was changed."), "{message}");
    }
    let response = crate::support::client()
        .delete(tenant.url("/_local/rules"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = api(&app, Method::POST, "/api/authenticators", &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_tenant_that_forbids_deletion_is_named_not_called_unavailable() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let (email, sub, token) = person(&app, "no-delete").await;
    let first = tenant.give_email(&sub, &email).await;
    tenant.give_email(&sub, &new_email("second")).await;
    let path = format!("/api/authenticators/{}", encode(&first));
    let step_up = app.step_up_token(&token, &email).await;
    tenant
        .configure(
            "tenant",
            json!({ "allowDeletingUserAuthenticators": false }),
        )
        .await;
    let (status, body) = stepped_up(&app, Method::DELETE, &path, &token, &step_up).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "removal_disabled");
    assert_eq!(
        tenant.client.get_authenticators(&sub).await.unwrap().len(),
        2
    );

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
    let (status, body) = stepped_up(&app, Method::DELETE, &path, &token, &step_up).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "removal_disabled");
    tenant.set_faults(json!([])).await;
    let (status, body) = stepped_up(&app, Method::DELETE, &path, &token, &step_up).await;
    assert_eq!(status, StatusCode::OK, "{body}");
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
