//! The Authsignal client against the local Authsignal over real HTTP: every operation, and how
//! it fails (wrong secret, 5xx with and without retries, hangs, refused connections, bad JSON).

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, settings},
};
use account_security::{
    config::AuthsignalEndpoints,
    model::{AppError, Upstream, VerificationMethod},
    secret::Secret,
    server::authsignal::{AuthsignalClient, AuthsignalError},
    wire::authsignal::{ActionState, TrackAttributes},
};
use serde_json::json;

/// How the app reads an Authsignal that failed, or timed out.
fn upstream(timed_out: bool) -> AppError {
    let service = Upstream::Authsignal;
    AppError::Upstream { service, timed_out }
}

#[tokio::test]
async fn track_returns_the_whole_response() {
    let tenant = LocalTenant::start("track").await;
    let attributes = TrackAttributes {
        redirect_url: Some("http://127.0.0.1:3000/security/return".into()),
        email: Some("jane@example.com".into()),
        ..TrackAttributes::default()
    };
    let first = tenant
        .track("user-1", "addAuthenticator", &attributes)
        .await;
    assert_eq!(first.state, ActionState::Allow);
    assert!(!first.is_enrolled);
    assert_eq!(first.token.expose().split('.').count(), 3, "a JWT");
    assert!(
        first
            .url
            .expose()
            .starts_with(&tenant.url("/prebuilt?token=")),
        "{}",
        first.url.expose()
    );
    assert!(!first.idempotency_key.is_empty());
    assert_eq!(first.enrolled_verification_methods, Some(vec![]));
    assert!(
        first
            .allowed_verification_methods
            .unwrap()
            .contains(&VerificationMethod::EmailOtp)
    );

    tenant.give_email("user-1", "jane@example.com").await;
    let plain = TrackAttributes::default();
    let second = tenant.track("user-1", "manageAuthenticators", &plain).await;
    assert_eq!(second.state, ActionState::ChallengeRequired);
    assert!(second.is_enrolled);
    assert_eq!(
        second.enrolled_verification_methods,
        Some(vec![VerificationMethod::EmailOtp])
    );
    assert_eq!(
        second.default_verification_method,
        Some(VerificationMethod::EmailOtp)
    );
    assert_eq!(second.rule_ids, Some(vec![]));
    assert_ne!(first.idempotency_key, second.idempotency_key);
}

#[tokio::test]
async fn a_given_idempotency_key_names_the_same_action() {
    let tenant = LocalTenant::start("idempotency").await;
    let attributes = TrackAttributes {
        idempotency_key: Some("my-key".into()),
        ..TrackAttributes::default()
    };
    let first = tenant.track("user-1", "signIn", &attributes).await;
    let again = tenant.track("user-1", "signIn", &attributes).await;
    assert_eq!(first.idempotency_key, "my-key");
    assert_eq!(again.idempotency_key, "my-key");
}

#[tokio::test]
async fn an_enrollment_waiting_for_its_code_is_listed_without_verified_at() {
    let tenant = LocalTenant::start("list").await;
    assert!(tenant.authenticators("user-1").await.is_empty());

    let sdk = tenant.sdk(&tenant.track_token("user-1", "addAuthenticator", None).await);
    sdk.add_email("jane@example.com").await;
    let pending = tenant.authenticators("user-1").await;
    assert_eq!(
        pending.len(),
        1,
        "listed, as the real Server API may list it"
    );
    assert!(pending[0].verified_at.is_none());

    let code = tenant.latest_code("jane@example.com").await;
    sdk.verify("email-otp", &code).await;
    tenant
        .give(
            "user-1",
            json!({ "verificationMethod": "PASSKEY", "webauthnCredential": { "name": "iCloud Keychain" } }),
        )
        .await;
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].verification_method, VerificationMethod::EmailOtp);
    assert_eq!(listed[0].email.as_deref(), Some("jane@example.com"));
    assert_eq!(listed[0].user_id.as_deref(), Some("user-1"));
    assert!(listed[0].verified_at.is_some());
    assert!(listed[0].last_verified_at.is_some());
    assert_eq!(listed[1].verification_method, VerificationMethod::Passkey);
    let passkey = listed[1].webauthn_credential.as_ref().unwrap();
    assert_eq!(passkey.name.as_deref(), Some("iCloud Keychain"));
}

#[tokio::test]
async fn delete_removes_and_an_unknown_id_is_not_found() {
    let tenant = LocalTenant::start("delete").await;
    let id = tenant.give_email("user-1", "jane@example.com").await;
    tenant
        .give(
            "user-1",
            json!({ "verificationMethod": "SMS", "phoneNumber": "+64211234567" }),
        )
        .await;
    tenant
        .client
        .delete_authenticator("user-1", &id)
        .await
        .unwrap();
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].verification_method, VerificationMethod::Sms);

    let error = tenant
        .client
        .delete_authenticator("user-1", &id)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404), "{error}");
    assert_eq!(AppError::from(error), AppError::NotFound);

    let error = tenant
        .client
        .delete_authenticator("someone-else", &listed[0].user_authenticator_id)
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(404),
        "another user's id is not found: {error}"
    );
}

#[tokio::test]
async fn validate_reports_the_challenge_and_refuses_other_users_and_actions() {
    let tenant = LocalTenant::start("validate").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let plain = TrackAttributes::default();
    let track = tenant.track("user-1", "manageAuthenticators", &plain).await;
    let token = track.token.expose();

    let before = tenant
        .validate(token, Some("user-1"), Some("manageAuthenticators"))
        .await;
    assert!(!before.is_valid);
    assert_eq!(before.state, Some(ActionState::ChallengeRequired));
    assert_eq!(before.user_id.as_deref(), Some("user-1"));
    assert_eq!(before.action(), Some("manageAuthenticators"));
    assert_eq!(
        before.idempotency_key.as_deref(),
        Some(track.idempotency_key.as_str())
    );

    let sdk = tenant.sdk(token);
    sdk.challenge("email-otp").await;
    let code = tenant.latest_code("jane@example.com").await;
    let verified = sdk.verify("email-otp", &code).await;
    let access_token = verified["accessToken"].as_str().unwrap();

    for token in [token, access_token] {
        let after = tenant.validate(token, Some("user-1"), None).await;
        assert!(after.is_valid);
        assert!(after.succeeded_for("user-1"));
        assert_eq!(after.state, Some(ActionState::ChallengeSucceeded));
        assert_eq!(
            after.verification_method,
            Some(VerificationMethod::EmailOtp)
        );
        assert!(after.state_updated_at.is_some());
    }

    let other_user = tenant.validate(token, Some("user-2"), None).await;
    assert!(!other_user.is_valid);
    assert_eq!(other_user.error.as_deref(), Some("User is invalid."));
    assert!(!other_user.succeeded_for("user-2"));

    let other_action = tenant.validate(token, None, Some("signIn")).await;
    assert!(!other_action.is_valid);
    assert_eq!(other_action.error.as_deref(), Some("Action is invalid."));

    let garbage = tenant.validate("not-a-token", None, None).await;
    assert!(!garbage.is_valid);
    assert!(garbage.error.is_some());
}

#[tokio::test]
async fn get_user_knows_enrolled_and_unknown_users() {
    let tenant = LocalTenant::start("user").await;
    let unknown = tenant.client.get_user("nobody").await.unwrap();
    assert!(!unknown.is_enrolled);

    let attributes = TrackAttributes {
        email: Some("jane@example.com".into()),
        username: Some("jane".into()),
        ..TrackAttributes::default()
    };
    tenant.track("user-1", "signIn", &attributes).await;
    tenant.give_email("user-1", "jane@example.com").await;
    let user = tenant.client.get_user("user-1").await.unwrap();
    assert!(user.is_enrolled);
    assert_eq!(user.email.as_deref(), Some("jane@example.com"));
    assert_eq!(user.email_verified, Some(true));
    assert_eq!(user.username.as_deref(), Some("jane"));
    assert_eq!(
        user.enrolled_verification_methods,
        Some(vec![VerificationMethod::EmailOtp])
    );
}

#[tokio::test]
async fn user_ids_travel_percent_encoded() {
    let tenant = LocalTenant::start("encoding").await;
    let user_id = "a/b c?d#e%f&g=é";
    tenant
        .track(user_id, "signIn", &TrackAttributes::default())
        .await;
    tenant.give_email(user_id, "jane@example.com").await;
    let listed = tenant.authenticators(user_id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].user_id.as_deref(), Some(user_id));
    assert!(tenant.authenticators("a").await.is_empty());
    tenant
        .client
        .delete_authenticator(user_id, &listed[0].user_authenticator_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn arguments_that_cannot_name_a_path_are_refused_before_sending() {
    let tenant = LocalTenant::start("arguments").await;
    for user_id in ["", ".", ".."] {
        let error = tenant.client.get_authenticators(user_id).await.unwrap_err();
        assert!(
            matches!(
                error,
                AuthsignalError::InvalidArgument {
                    field: "userId",
                    ..
                }
            ),
            "{error:?}"
        );
    }
    let error = tenant
        .client
        .delete_authenticator("user-1", "..")
        .await
        .unwrap_err();
    assert!(matches!(
        AppError::from(error),
        AppError::InvalidInput { .. }
    ));
    let error = tenant
        .client
        .track("user-1", "sign in", &TrackAttributes::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AuthsignalError::InvalidArgument {
                field: "action",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_a_typed_unauthorized_error_without_the_secret() {
    let tenant = LocalTenant::start("secret").await;
    let endpoints = AuthsignalEndpoints {
        secret: Secret::new("wrong-secret-value"),
        ..tenant.local.endpoints()
    };
    let client = AuthsignalClient::new(endpoints, &settings(2)).unwrap();
    let error = client.get_authenticators("user-1").await.unwrap_err();
    let AuthsignalError::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.code, "unauthorized");
    assert_eq!(
        api.description.as_deref(),
        Some(
            "The request is unauthorized. Check that your API key and region base URL are correctly configured."
        )
    );
    for shown in [
        format!("{error:?}"),
        error.to_string(),
        format!("{client:?}"),
    ] {
        assert!(!shown.contains("wrong-secret-value"), "{shown}");
    }
    assert_eq!(AppError::from(error), upstream(false));
}

#[tokio::test]
async fn reads_are_retried_after_server_errors_within_the_limit() {
    let tenant = LocalTenant::start("retry-reads").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let fault = json!({ "kind": "status", "status": 503 });

    tenant
        .set_faults(json!([{ "method": "GET", "path": "/v1/users/*/authenticators", "fault": fault, "times": 2 }]))
        .await;
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed.len(), 1, "two failures, then the second retry");

    tenant
        .set_faults(json!([{ "method": "GET", "path": "/v1/users/*", "fault": fault, "times": 3 }]))
        .await;
    let error = tenant.client.get_user("user-1").await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(AppError::from(error), upstream(false));

    let no_retries = LocalTenant::client_with(&tenant.local, settings(0));
    tenant
        .set_faults(json!([{ "method": "GET", "path": "/v1/users/*", "fault": fault, "times": 1 }]))
        .await;
    assert!(no_retries.get_user("user-1").await.is_err());
    assert!(no_retries.get_user("user-1").await.is_ok());
}

#[tokio::test]
async fn writes_are_sent_once() {
    let tenant = LocalTenant::start("no-retry-writes").await;
    let id = tenant.give_email("user-1", "jane@example.com").await;
    let fault = json!({ "kind": "status", "status": 500 });
    tenant
        .set_faults(json!([
            { "method": "POST", "path": "/v1/users/*/actions", "fault": fault, "times": 1 },
            { "method": "POST", "path": "/v1/validate", "fault": fault, "times": 1 },
            { "method": "DELETE", "path": "/v1/users/*/authenticators", "fault": fault, "times": 1 },
        ]))
        .await;
    let attributes = TrackAttributes::default();
    let error = tenant
        .client
        .track("user-1", "signIn", &attributes)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    let error = tenant
        .client
        .validate_challenge("token", None, None)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    let error = tenant
        .client
        .delete_authenticator("user-1", &id)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));

    // Each rule was used by exactly one request: no retry consumed a second one.
    tenant.track("user-1", "signIn", &attributes).await;
    tenant.validate("token", None, None).await;
    tenant
        .client
        .delete_authenticator("user-1", &id)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_hanging_service_is_a_timeout() {
    let tenant = LocalTenant::start("hang").await;
    let mut settings = settings(2);
    settings.timeout = std::time::Duration::from_millis(300);
    let client = LocalTenant::client_with(&tenant.local, settings);
    tenant
        .set_faults(json!([{ "path": "/v1/users/*", "fault": { "kind": "hang" } }]))
        .await;
    let error = client.get_authenticators("user-1").await.unwrap_err();
    assert!(matches!(error, AuthsignalError::Timeout), "{error:?}");
    assert_eq!(AppError::from(error), upstream(true));
    let error = client
        .track("user-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthsignalError::Timeout), "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_is_fine() {
    let tenant = LocalTenant::start("slow").await;
    tenant
        .set_faults(json!([{ "path": "/v1/users/*", "fault": { "kind": "delay", "millis": 200 } }]))
        .await;
    assert!(tenant.authenticators("user-1").await.is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let tenant = LocalTenant::start("refused").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let endpoints = AuthsignalEndpoints {
        api_url: format!("http://127.0.0.1:{port}/v1").parse().unwrap(),
        ..tenant.local.endpoints()
    };
    let client = AuthsignalClient::new(endpoints, &settings(1)).unwrap();
    let error = client.get_authenticators("user-1").await.unwrap_err();
    assert!(matches!(error, AuthsignalError::Connection(_)), "{error:?}");
    assert_eq!(AppError::from(error), upstream(false));
}

#[tokio::test]
async fn a_body_that_is_not_the_documented_json_is_malformed() {
    let tenant = LocalTenant::start("malformed").await;
    tenant
        .set_faults(json!([{ "path": "/v1/validate", "fault": { "kind": "malformed_json" } }]))
        .await;
    let error = tenant
        .client
        .validate_challenge("token", None, None)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthsignalError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let tenant = LocalTenant::start("rate-limit").await;
    tenant
        .set_faults(
            json!([{ "path": "/v1/users/*", "fault": { "kind": "status", "status": 429 } }]),
        )
        .await;
    let error = tenant.client.get_user("user-1").await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert!(matches!(
        AppError::from(error),
        AppError::RateLimited { .. }
    ));
}

#[tokio::test]
async fn the_page_gets_the_client_api_url_and_tenant_id() {
    let tenant = LocalTenant::start("accessors").await;
    assert_eq!(tenant.client.client_api_url(), tenant.local.base_url());
    assert_eq!(tenant.client.api_url(), tenant.local.base_url());
    assert_eq!(tenant.client.tenant_id(), tenant.local.tenant_id());
    assert!(!tenant.client.tenant_id().is_empty());
}

#[tokio::test]
async fn the_app_reaches_its_local_authsignal_and_reports_ready() {
    let app = TestApp::spawn().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let authsignal = &app.state.authsignal;
    authsignal
        .track("user-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap();
    assert!(authsignal.check_ready().await.is_ok());
}

#[tokio::test]
async fn readiness_fails_with_a_reason_when_authsignal_is_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api_url = format!(
        "http://127.0.0.1:{}/v1",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    let app = TestApp::spawn_with(&[
        ("AUTHSIGNAL_SECRET", "a-real-looking-secret"),
        ("AUTHSIGNAL_API_URL", &api_url),
        ("AUTHSIGNAL_TENANT_ID", "tenant-1"),
    ])
    .await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["problems"][0]["reason"], "authsignal_unavailable");
    let reason = body["problems"][0]["message"].as_str().unwrap();
    assert_eq!(
        reason,
        "Authsignal did not answer an authenticated read with the configured secret."
    );
    let text = body.to_string();
    for private in ["a-real-looking-secret", "127.0.0.1", &api_url] {
        assert!(!text.contains(private), "{private} in {text}");
    }
}

#[tokio::test]
async fn readiness_fails_when_the_secret_is_wrong() {
    let tenant = LocalTenant::start("ready-secret").await;
    let app = TestApp::spawn_with(&[
        ("AUTHSIGNAL_SECRET", "not-the-secret"),
        ("AUTHSIGNAL_API_URL", tenant.local.base_url().as_str()),
        ("AUTHSIGNAL_TENANT_ID", tenant.local.tenant_id()),
    ])
    .await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["problems"][0]["reason"], "authsignal_unavailable");
    let text = body.to_string();
    assert!(
        !text.contains("401") && !text.contains("unauthorized"),
        "{text}"
    );
}

#[tokio::test]
async fn a_flood_of_readiness_checks_costs_authsignal_one_call_and_shows_no_upstream_text() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    // Authsignal as a stub that counts its calls and fails in words that must not leak.
    let calls = Arc::new(AtomicUsize::new(0));
    let stub = axum::Router::new().fallback({
        let calls = calls.clone();
        move || async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"unavailable","errorDescription":"backend db-7.internal.example is down"}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!(
        "http://localhost:{}/v1",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, stub).await });
    let app = TestApp::spawn_with(&[
        ("AUTHSIGNAL_SECRET", "a-real-looking-secret"),
        ("AUTHSIGNAL_API_URL", &api_url),
        ("AUTHSIGNAL_TENANT_ID", "tenant-1"),
    ])
    .await;
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let url = app.url("/readyz");
        flood.spawn(async move {
            let response = crate::support::get(url).await;
            (response.status(), response.text().await.unwrap())
        });
    }
    while let Some(answer) = flood.join_next().await {
        let (status, body) = answer.unwrap();
        assert_eq!(status, 503);
        assert!(body.contains("authsignal_unavailable"), "{body}");
        for private in ["db-7", "internal.example", "localhost", "503 unavailable"] {
            assert!(!body.contains(private), "{private} in {body}");
        }
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one upstream call for 200 checks"
    );
}
