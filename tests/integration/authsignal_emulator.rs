//! The local Authsignal's own rules, one test each: JSON everywhere, scopes, token and code
//! expiry, attempt and send limits, CORS, validate mismatches, the Web SDK's wire format, the
//! outbox, persistence, the fault mode and the enroll-verified endpoint.

use crate::support::{
    authsignal::{LocalTenant, fresh_data_dir, invalid_or_expired, wrong_code},
    retry_after,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn error_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], body["errorCode"], "{body}");
    assert!(body["errorDescription"].is_string(), "{body}");
    (status, body)
}

/// A 400 `invalid_request`, for the case `case` names.
async fn assert_invalid_request(response: reqwest::Response, case: &str) {
    let (status, body) = error_of(response).await;
    assert_eq!(status, 400, "{case}");
    assert_eq!(body["error"], "invalid_request", "{case}");
}

#[tokio::test]
async fn every_api_answer_is_json_with_exactly_that_content_type() {
    let tenant = LocalTenant::start("json").await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    let secret = tenant.local.secret().expose().to_owned();
    let requests = [
        // success, Server API and Client API
        tenant
            .http
            .post(tenant.url("/v1/users/user-1/actions/signIn"))
            .basic_auth(&secret, Some(""))
            .json(&json!({})),
        tenant
            .http
            .get(tenant.url("/v1/client/user-authenticators"))
            .bearer_auth(&token),
        // errors of our handlers
        tenant
            .http
            .get(tenant.url("/v1/users/user-1"))
            .basic_auth("wrong", Some("")),
        tenant
            .http
            .delete(tenant.url("/v1/users/user-1/authenticators/unknown"))
            .basic_auth(&secret, Some("")),
        tenant
            .http
            .post(tenant.url("/v1/validate"))
            .basic_auth(&secret, Some(""))
            .body("{not json"),
        tenant
            .http
            .get(tenant.url("/v1/client/user-authenticators"))
            .bearer_auth("expired"),
        // answers the framework makes by itself
        tenant
            .http
            .get(tenant.url("/v1/no/such/route"))
            .basic_auth(&secret, Some("")),
        tenant
            .http
            .put(tenant.url("/v1/validate"))
            .basic_auth(&secret, Some("")),
        tenant
            .http
            .request(
                Method::OPTIONS,
                tenant.url("/v1/client/user-authenticators/email-otp"),
            )
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "POST"),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        let status = response.status();
        let url = response.url().clone();
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{status} {url}"
        );
        let body: Value = response.json().await.unwrap();
        if !status.is_success() {
            assert!(body["error"].is_string(), "{status} {url}: {body}");
        }
    }
}

#[tokio::test]
async fn a_second_enrollment_needs_the_add_authenticators_scope() {
    let tenant = LocalTenant::start("scope").await;
    let first = tenant.track_token("user-1", "addAuthenticator", None).await;
    let verified = tenant.enroll_email(&first, "jane@example.com").await;
    assert_eq!(verified["isVerified"], true, "the first needs no scope");

    let plain = tenant.track_token("user-1", "addAuthenticator", None).await;
    let refused = tenant.sdk(&plain).try_add_email("work@example.com").await;
    let (status, body) = error_of(refused).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "unauthorized");
    assert!(tenant.codes("work@example.com").await.is_empty());

    let scoped = tenant.adding("user-1").await;
    let second = tenant.enroll_email(&scoped, "work@example.com").await;
    assert_eq!(second["isVerified"], true);

    // The token a completed challenge returns may add methods too.
    let access_token = second["accessToken"].as_str().unwrap();
    let third = tenant.enroll_email(access_token, "home@example.com").await;
    assert_eq!(third["isVerified"], true);
    assert_eq!(tenant.authenticators("user-1").await.len(), 3);
}

#[tokio::test]
async fn the_same_address_can_be_enrolled_twice_as_authsignal_allows() {
    let tenant = LocalTenant::start("duplicate").await;
    let token = tenant.adding("user-1").await;
    let first = tenant.enroll_email(&token, "jane@example.com").await;
    let second = tenant.enroll_email(&token, "jane@example.com").await;
    assert_eq!(second["isVerified"], true, "{second}");
    let first_id = &first["userAuthenticator"]["userAuthenticatorId"];
    let second_id = &second["userAuthenticator"]["userAuthenticatorId"];
    assert_ne!(first_id, second_id);
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|a| a.email.as_deref() == Some("jane@example.com"))
    );
}

#[tokio::test]
async fn bad_addresses_are_refused_and_nothing_is_sent() {
    let tenant = LocalTenant::start("bad-address").await;
    let token = tenant.track_token("user-1", "addAuthenticator", None).await;
    let sdk = tenant.sdk(&token);
    for (path, body) in [
        (
            "user-authenticators/email-otp",
            json!({ "email": "not-an-email" }),
        ),
        ("user-authenticators/email-otp", json!({})),
        (
            "user-authenticators/sms",
            json!({ "phoneNumber": "021 123 4567" }),
        ),
    ] {
        let response = sdk.call(Method::POST, path, Some(body.clone())).await;
        assert_invalid_request(response, &body.to_string()).await;
    }
    let outbox: Vec<Value> = tenant.get("/_local/outbox").await.json().await.unwrap();
    assert!(outbox.is_empty());
}

#[tokio::test]
async fn tokens_expire_after_ten_minutes() {
    let tenant = LocalTenant::start("token-expiry").await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    let list = async |token: String| {
        let sdk = tenant.sdk(&token);
        sdk.call(Method::GET, "user-authenticators", None).await
    };
    assert_eq!(list(token.clone()).await.status(), 200);
    tenant.advance_clock(599).await;
    assert_eq!(list(token.clone()).await.status(), 200);
    tenant.advance_clock(1).await;
    let (status, body) = error_of(list(token.clone()).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "expired_token");

    for bad in ["garbage", "a.b.c", ""] {
        let (status, body) = error_of(list(bad.to_owned()).await).await;
        assert_eq!(status, 401, "{bad:?}");
        assert_eq!(body["error"], "expired_token");
    }
    let unauthenticated = tenant.get("/v1/client/user-authenticators").await;
    let (status, body) = error_of(unauthenticated).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "expired_token");

    let validated = tenant.validate(&token, None, None).await;
    assert!(!validated.is_valid);
    assert_eq!(validated.error.as_deref(), Some("Token has expired."));
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    let tenant = LocalTenant::start("code-expiry").await;
    let attributes = account_security::wire::authsignal::TrackAttributes {
        idempotency_key: Some("one-action".into()),
        ..Default::default()
    };
    let first = tenant
        .track("user-1", "addAuthenticator", &attributes)
        .await;
    let first = tenant.sdk(first.token.expose());
    first.add_email("jane@example.com").await;
    let code = tenant.latest_code("jane@example.com").await;
    tenant.advance_clock(500).await;
    // A later token for the same action, still valid when the code is not.
    let later = tenant
        .track("user-1", "addAuthenticator", &attributes)
        .await;
    tenant.advance_clock(101).await;
    let later = tenant.sdk(later.token.expose());
    assert_eq!(later.verify("email-otp", &code).await, invalid_or_expired());
}

#[tokio::test]
async fn wrong_codes_fail_then_attempts_run_out_for_five_minutes() {
    let tenant = LocalTenant::start("attempts").await;
    let token = tenant.track_token("user-1", "addAuthenticator", None).await;
    let sdk = tenant.sdk(&token);
    sdk.add_email("jane@example.com").await;
    let code = tenant.latest_code("jane@example.com").await;
    let wrong = wrong_code(&code);
    for _ in 0..10 {
        let refused = sdk.verify("email-otp", wrong).await;
        assert_eq!(refused, invalid_or_expired());
    }
    assert_eq!(
        sdk.verify("email-otp", &code).await,
        json!({ "isVerified": false, "failureReason": "MAX_ATTEMPTS_EXCEEDED" }),
        "even the right code is refused once the attempts are used up"
    );
    tenant.advance_clock(301).await;
    let verified = sdk.verify("email-otp", &code).await;
    assert_eq!(verified["isVerified"], true, "{verified}");
}

#[tokio::test]
async fn sends_are_limited_per_method() {
    let tenant = LocalTenant::start("send-limits").await;
    tenant.give_email("user-1", "jane@example.com").await;
    tenant
        .give(
            "user-1",
            json!({ "verificationMethod": "SMS", "phoneNumber": "+64211234567" }),
        )
        .await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    for (channel, allowed) in [("email-otp", 12), ("sms", 6)] {
        for _ in 0..allowed {
            sdk.challenge(channel).await;
        }
        let response = sdk.try_challenge(channel, None).await;
        let retry_after = retry_after(response.headers());
        assert!((1..=600).contains(&retry_after), "{retry_after}");
        let (status, body) = error_of(response).await;
        assert_eq!(status, 429, "{channel}");
        assert_eq!(body["error"], "too_many_requests");
    }
    assert_eq!(tenant.codes("jane@example.com").await.len(), 12);
    assert_eq!(tenant.codes("+64211234567").await.len(), 6);

    tenant.advance_clock(600).await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    tenant.sdk(&token).challenge("sms").await;
}

#[tokio::test]
async fn the_client_api_allows_cors_preflights_for_the_sdk_headers() {
    let tenant = LocalTenant::start("cors").await;
    let preflight = tenant
        .http
        .request(Method::OPTIONS, tenant.url("/v1/client/verify/email-otp"))
        .header("Origin", "http://127.0.0.1:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    assert!(
        allowed_headers.contains("content-type"),
        "{allowed_headers}"
    );
    let allowed_methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(allowed_methods.contains("POST"), "{allowed_methods}");

    let token = tenant.track_token("user-1", "signIn", None).await;
    let call = tenant
        .http
        .get(tenant.url("/v1/client/user-authenticators"))
        .header("Origin", "https://anywhere.example")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(call.headers()["access-control-allow-origin"], "*");

    // The Server API, which takes the secret, is not offered to browsers.
    let server = tenant
        .http
        .request(Method::OPTIONS, tenant.url("/v1/validate"))
        .header("Origin", "http://127.0.0.1:3000")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(!server.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn validate_mismatches_are_a_200_with_is_valid_false() {
    let tenant = LocalTenant::start("validate-mismatch").await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    for (body, error) in [
        (
            json!({ "token": token, "userId": "user-2" }),
            "User is invalid.",
        ),
        (
            json!({ "token": token, "action": "manageAuthenticators" }),
            "Action is invalid.",
        ),
        (
            json!({ "token": token, "userId": "user-2", "action": "other" }),
            "User is invalid.",
        ),
        (json!({ "token": "eyJ.garbage.x" }), "Token is invalid."),
    ] {
        let response = tenant
            .server(Method::POST, "/v1/validate", Some(body))
            .await;
        assert_eq!(response.status(), 200);
        let reply: Value = response.json().await.unwrap();
        assert_eq!(reply, json!({ "isValid": false, "error": error }));
    }
    let missing_token = tenant
        .server(Method::POST, "/v1/validate", Some(json!({})))
        .await;
    assert_invalid_request(missing_token, "").await;
}

#[tokio::test]
async fn the_web_sdk_wire_format_is_verification_code_in_and_access_token_out() {
    let tenant = LocalTenant::start("sdk-wire").await;
    let token = tenant.track_token("user-1", "addAuthenticator", None).await;
    let sdk = tenant.sdk(&token);
    let enroll = sdk.add_email("jane@example.com").await;
    assert!(enroll["userAuthenticatorId"].is_string());
    assert_eq!(enroll["userId"], "user-1");

    // Web SDKs before 0.5.7 sent `code`; the API only knows `verificationCode`.
    let code = tenant.latest_code("jane@example.com").await;
    let old = json!({ "code": code });
    let old = sdk.call(Method::POST, "verify/email-otp", Some(old)).await;
    assert_invalid_request(old, "").await;

    let verified = sdk.verify("email-otp", &code).await;
    assert_eq!(verified["isVerified"], true);
    let access_token = verified["accessToken"].as_str().unwrap();
    assert_eq!(access_token.split('.').count(), 3);
    assert!(verified.get("token").is_none(), "{verified}");
    let enrolled = &verified["userAuthenticator"];
    assert_eq!(
        enrolled["userAuthenticatorId"],
        enroll["userAuthenticatorId"]
    );
    assert_eq!(enrolled["verificationMethod"], "EMAIL_OTP");
    assert_eq!(
        enrolled["email"], "j***@example.com",
        "the client view masks"
    );

    // The SDK carries on with the access token: listing and a challenge without a body.
    let carried_on = tenant.sdk(access_token);
    let listed = carried_on.authenticators().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["isDefault"], true);
    let challenge = carried_on.challenge("email-otp").await;
    assert!(challenge["challengeId"].is_string());
    let code = tenant.latest_code("jane@example.com").await;
    let again = carried_on.verify("email-otp", &code).await;
    assert_eq!(again["isVerified"], true);
    assert!(
        again.get("userAuthenticator").is_none(),
        "only an enrollment returns the authenticator"
    );
}

#[tokio::test]
async fn a_challenge_needs_a_method_of_that_kind() {
    let tenant = LocalTenant::start("challenge-none").await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    let response = tenant.sdk(&token).try_challenge("sms", None).await;
    assert_invalid_request(response, "").await;
}

#[tokio::test]
async fn a_code_that_was_never_sent_is_invalid() {
    let tenant = LocalTenant::start("no-code").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    let verify = sdk.verify("email-otp", "123456").await;
    assert_eq!(verify, invalid_or_expired());
    let theirs = json!({ "userAuthenticatorId": "not-one-of-hers" });
    let unknown = sdk.try_challenge("email-otp", Some(theirs)).await;
    assert_invalid_request(unknown, "").await;
    assert!(tenant.codes("jane@example.com").await.is_empty());
}

#[tokio::test]
async fn sms_works_like_email() {
    let tenant = LocalTenant::start("sms").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "addAuthenticator", None).await);
    sdk.add_sms("+64211234567").await;
    let code = tenant.latest_code("+64211234567").await;
    let verified = sdk.verify("sms", &code).await;
    assert_eq!(verified["isVerified"], true);
    assert_eq!(verified["userAuthenticator"]["phoneNumber"], "+*******4567");
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed[0].phone_number.as_deref(), Some("+64211234567"));
}

#[tokio::test]
async fn the_outbox_lists_codes_newest_first_as_json_and_html() {
    let tenant = LocalTenant::start("outbox").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    for _ in 0..2 {
        sdk.challenge("email-otp").await;
    }
    let outbox = tenant.get("/_local/outbox?to=jane@example.com").await;
    let messages: Vec<Value> = outbox.json().await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["to"], "jane@example.com");
    assert_eq!(messages[0]["method"], "EMAIL_OTP");
    let code = messages[0]["code"].as_str().unwrap();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    let sent_at = |message: &Value| {
        time::OffsetDateTime::parse(
            message["sentAt"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert!(sent_at(&messages[0]) >= sent_at(&messages[1]));
    assert!(tenant.codes("someone@example.com").await.is_empty());

    // Only the newest code is accepted.
    let verified = sdk.verify("email-otp", code).await;
    assert_eq!(verified["isVerified"], true);

    let page = tenant.get("/outbox?to=jane@example.com").await;
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(code), "{html}");
    assert!(html.contains("jane@example.com"), "{html}");
}

#[tokio::test]
async fn a_restart_loses_nothing() {
    let data_dir = fresh_data_dir("restart");
    let before = LocalTenant::start_in(&data_dir).await;
    before.give_email("user-1", "jane@example.com").await;
    let token = before.track_token("user-1", "signIn", None).await;
    before.sdk(&token).challenge("email-otp").await;
    before.advance_clock(60).await;

    let after = LocalTenant::start_in(&data_dir).await;
    assert_eq!(after.local.secret(), before.local.secret());
    assert_eq!(after.local.tenant_id(), before.local.tenant_id());
    assert_eq!(after.authenticators("user-1").await.len(), 1);
    let code = after.latest_code("jane@example.com").await;
    let verified = after.sdk(&token).verify("email-otp", &code).await;
    assert_eq!(
        verified["isVerified"], true,
        "the action, code and key survived"
    );
    let clock: Value = after.get("/_local/clock").await.json().await.unwrap();
    let now = time::OffsetDateTime::parse(
        clock["now"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(now - time::OffsetDateTime::now_utc() > time::Duration::seconds(50));
}

#[tokio::test]
async fn the_fault_mode_breaks_chosen_routes_only() {
    let tenant = LocalTenant::start("faults").await;
    tenant
        .set_faults(json!([{ "method": "POST", "path": "/v1/users/*/actions", "fault": { "kind": "status", "status": 500 } }]))
        .await;
    let broken = tenant
        .server(
            Method::POST,
            "/v1/users/user-1/actions/signIn",
            Some(json!({})),
        )
        .await;
    let (status, body) = error_of(broken).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "injected_fault");
    let other = tenant
        .server(Method::GET, "/v1/users/user-1/authenticators", None)
        .await;
    assert_eq!(other.status(), 200);

    tenant.clear("faults").await;
    let fixed = tenant
        .server(
            Method::POST,
            "/v1/users/user-1/actions/signIn",
            Some(json!({})),
        )
        .await;
    assert_eq!(fixed.status(), 200);
}

#[tokio::test]
async fn tests_can_give_users_any_kind_of_authenticator() {
    let tenant = LocalTenant::start("give").await;
    let passkey = tenant
        .give(
            "user-1",
            json!({
                "verificationMethod": "PASSKEY",
                "webauthnCredential": { "name": "YubiKey 5", "authenticatorAttachment": "cross-platform", "credentialBackedUp": false }
            }),
        )
        .await;
    assert_eq!(passkey["webauthnCredential"]["name"], "YubiKey 5");
    assert_eq!(
        passkey["webauthnCredential"]["credentialDeviceType"],
        "singleDevice"
    );
    let app = tenant
        .give(
            "user-1",
            json!({ "verificationMethod": "AUTHENTICATOR_APP", "otpUri": "otpauth://totp/x?secret=ABC" }),
        )
        .await;
    assert_eq!(app["verificationMethod"], "AUTHENTICATOR_APP");
    let sms = tenant
        .give(
            "user-1",
            json!({ "oobChannel": "SMS", "phoneNumber": "+14155550100", "isDefault": true }),
        )
        .await;
    assert_eq!(sms["phoneNumber"], "+14155550100");
    let listed = tenant.authenticators("user-1").await;
    assert_eq!(listed.len(), 3);
    assert_eq!(
        listed[0].phone_number.as_deref(),
        Some("+14155550100"),
        "isDefault puts it first"
    );

    for (body, why) in [
        (json!({}), "no method"),
        (json!({ "verificationMethod": "EMAIL_OTP" }), "no email"),
        (
            json!({ "verificationMethod": "SMS", "phoneNumber": "12" }),
            "bad number",
        ),
        (
            json!({ "verificationMethod": "IPROOV" }),
            "not enrollable locally",
        ),
    ] {
        let response = tenant
            .server(Method::POST, "/v1/users/user-1/authenticators", Some(body))
            .await;
        assert_invalid_request(response, why).await;
    }
}

#[tokio::test]
async fn track_refuses_bad_input_with_a_clear_error() {
    let tenant = LocalTenant::start("track-input").await;
    for (path, body, why) in [
        (
            "/v1/users/user-1/actions/signIn",
            json!({ "redirectUrl": "javascript:alert(1)" }),
            "redirect scheme",
        ),
        (
            "/v1/users/user-1/actions/signIn",
            json!({ "scope": "add:authenticator" }),
            "scope typo",
        ),
        (
            "/v1/users/user-1/actions/sign%20in",
            json!({}),
            "action code",
        ),
        (
            "/v1/users/user-1/actions/signIn",
            json!({ "redirectToSettings": "yes" }),
            "wrong type",
        ),
        (
            "/v1/users/user-1/actions/signIn",
            json!({ "idempotencyKey": "" }),
            "empty idempotency key",
        ),
    ] {
        let response = tenant.server(Method::POST, path, Some(body)).await;
        assert_invalid_request(response, why).await;
    }
    let known_action = tenant
        .server(
            Method::GET,
            "/v1/users/user-1/actions/signIn/no-such-key",
            None,
        )
        .await;
    assert_eq!(known_action.status(), 404);
}

#[tokio::test]
async fn the_clock_only_moves_forward() {
    let tenant = LocalTenant::start("clock").await;
    let backwards = json!({ "advanceSeconds": -60 });
    let response = tenant.local("/_local/clock", &backwards).await;
    let (status, _) = error_of(response).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_text_message_challenge_goes_to_the_first_number_whatever_id_is_sent() {
    // The docs give the SMS challenge no authenticator id (fidelity row 6).
    let tenant = LocalTenant::start("sms-first").await;
    let first = json!({ "verificationMethod": "SMS", "phoneNumber": "+64211111111" });
    let second = json!({ "verificationMethod": "SMS", "phoneNumber": "+64212222222" });
    tenant.give("user-1", first).await;
    let second = tenant.give("user-1", second).await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    sdk.challenge_method("sms", &second["userAuthenticatorId"])
        .await;
    assert_eq!(tenant.codes("+64211111111").await.len(), 1);
    assert!(tenant.codes("+64212222222").await.is_empty());
}

#[tokio::test]
async fn the_actions_query_keeps_to_thirty_days_and_filters_by_state() {
    let tenant = LocalTenant::start("actions-query").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    sdk.challenge("email-otp").await;
    sdk.verify("email-otp", &tenant.latest_code("jane@example.com").await)
        .await;
    tenant.track_token("user-1", "signIn", None).await;
    let query = async |query: &str| {
        let path = format!("/v1/users/user-1/actions?{query}");
        tenant.server(Method::GET, &path, None).await
    };

    // "The default and maximum value is 30 days ago" (fidelity row 2).
    let old = (time::OffsetDateTime::now_utc() - time::Duration::days(31))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_invalid_request(query(&format!("fromDate={old}")).await, "31 days").await;
    let all: Vec<Value> = query("").await.json().await.unwrap();
    assert_eq!(all.len(), 2);
    let succeeded: Vec<Value> = query("state=CHALLENGE_SUCCEEDED")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(succeeded.len(), 1);
    assert_eq!(succeeded[0]["state"], "CHALLENGE_SUCCEEDED");
}
