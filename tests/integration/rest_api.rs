//! The REST API for native apps over real HTTP: every route, every error status, the OpenAPI
//! document against the routes, and every kind of bad token.

use std::time::{Duration, Instant};

use crate::support::{
    TestApp,
    authsignal::encode,
    browser::{Browser, jwt_claims, new_email},
    forge,
};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// A signed-up person and the access token their app would hold.
struct User {
    email: String,
    sub: String,
    token: String,
}

async fn sign_up(app: &TestApp, label: &str) -> User {
    let email = new_email(label);
    Browser::signed_up(app, &email).await;
    let token = app.mint(json!({ "email": email })).await;
    let sub = jwt_claims(&token)["sub"].as_str().unwrap().to_owned();
    User { email, sub, token }
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    call_stepped_up(app, method, path, token, None, body).await
}

/// As [`call`], with a `Step-Up-Token`.
async fn call_stepped_up(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    step_up: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = crate::support::client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(step_up) = step_up {
        request = request.header("Step-Up-Token", step_up);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, headers, body)
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.ends_with('.'), "a sentence: {message}");
}

/// The documented operations, as `(METHOD, path)`.
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut operations: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    operations.sort();
    operations
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes() {
    let app = TestApp::spawn().await;
    let (status, _, document) = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        document["openapi"]
    );
    assert_eq!(
        operations(&document),
        [
            ("DELETE", "/api/authenticators/{userAuthenticatorId}"),
            ("GET", "/api/activity"),
            ("GET", "/api/authenticators"),
            ("POST", "/api/authenticators"),
            ("POST", "/api/authenticators/prebuilt-ui"),
            ("POST", "/api/step-up"),
            ("POST", "/api/step-up/complete"),
        ]
        .map(|(method, path)| (method.to_owned(), path.to_owned()))
    );
    assert_eq!(
        document["components"]["securitySchemes"]["cognito"]["scheme"],
        "bearer"
    );
    // Every documented operation is served, and only behind a token.
    for (method, path) in operations(&document) {
        let path = path.replace(
            "{userAuthenticatorId}",
            "4efd2d0d-3278-4e03-8143-d9a0850bebc0",
        );
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, headers, body) = call(&app, method.clone(), &path, None, None).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_signed_in");
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            "Bearer",
            "{method} {path}"
        );
    }
    // And nothing else is.
    let response = crate::support::client()
        .put(app.url("/api/authenticators"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_session_cookie_is_not_accepted_in_place_of_a_token() {
    let app = TestApp::spawn().await;
    let browser = Browser::signed_up(&app, &new_email("cookie-only")).await;
    let mut same_browser = browser.clone();
    let response = same_browser.get(&app.url("/api/authenticators")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_signed_in");
}

#[tokio::test]
async fn listing_returns_the_guides_shape_oldest_first() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-list").await;
    let (status, _, body) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]));

    let email_id = tenant.give_email(&user.sub, &user.email).await;
    tenant
        .give(
            &user.sub,
            json!({ "verificationMethod": "PASSKEY", "webauthnCredential": { "name": "iCloud Keychain" } }),
        )
        .await;
    let (status, _, body) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 2, "{body}");
    assert_eq!(list[0]["userAuthenticatorId"], email_id.as_str());
    assert_eq!(list[0]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(list[0]["email"], user.email.as_str());
    assert_eq!(list[0]["label"], "Email code");
    assert_eq!(list[0]["isFallback"], true);
    assert!(list[0]["createdAt"].as_str().unwrap().contains('T'));
    assert_eq!(list[1]["verificationMethod"], "PASSKEY");
    assert_eq!(list[1]["webauthnCredential"]["name"], "iCloud Keychain");
    assert_eq!(list[1]["isFallback"], false);
}

#[tokio::test]
async fn the_enrollment_token_lets_the_app_add_a_method_through_the_client_api() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-enroll").await;
    // As the guide's apps call it: no body at all.
    let (status, _, body) = call(
        &app,
        Method::POST,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["authsignalToken"].as_str().unwrap();
    assert_eq!(jwt_claims(token)["sub"], user.sub.as_str());
    let verified = tenant.enroll_email(token, &user.email).await;
    assert_eq!(verified["isVerified"], true, "{verified}");

    // A second method needs a step-up, and the add scope, which the next token carries.
    let step_up = app.step_up_token(&user.token, &user.email).await;
    let (_, _, body) = call_stepped_up(
        &app,
        Method::POST,
        "/api/authenticators",
        Some(&user.token),
        Some(&step_up),
        Some(json!({ "email": user.email })),
    )
    .await;
    let second = new_email("rest-enroll-second");
    let verified = tenant
        .enroll_email(body["authsignalToken"].as_str().unwrap(), &second)
        .await;
    assert_eq!(verified["isVerified"], true, "{verified}");

    let (_, _, list) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    let emails: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|authenticator| authenticator["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [user.email.as_str(), second.as_str()]);
}

#[tokio::test]
async fn bad_enrollment_input_names_the_field() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-bad-input").await;
    for (body, field) in [
        (json!({ "email": "jane@" }), "email"),
        (json!({ "phoneNumber": "021 123 4567" }), "phoneNumber"),
        (json!({ "email": 5 }), "body"),
        (json!(["not", "an", "object"]), "body"),
    ] {
        let (status, _, reply) = call(
            &app,
            Method::POST,
            "/api/authenticators",
            Some(&user.token),
            Some(body.clone()),
        )
        .await;
        assert_error(status, &reply, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply["field"], field, "{body}");
    }
    let response = crate::support::client()
        .post(app.url("/api/authenticators"))
        .bearer_auth(&user.token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["field"], "body");

    let response = crate::support::client()
        .post(app.url("/api/authenticators"))
        .bearer_auth(&user.token)
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn removal_applies_the_ownership_and_lock_out_guards() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-remove").await;
    let other = sign_up(&app, "rest-remove-other").await;
    let first = tenant.give_email(&user.sub, &user.email).await;
    let theirs = tenant.give_email(&other.sub, &other.email).await;
    let step_up = app.step_up_token(&user.token, &user.email).await;
    let remove = |id: String, query: &'static str| {
        let app = &app;
        let token = user.token.clone();
        let step_up = step_up.clone();
        async move {
            let path = format!("/api/authenticators/{}{query}", encode(&id));
            call_stepped_up(
                app,
                Method::DELETE,
                &path,
                Some(&token),
                Some(&step_up),
                None,
            )
            .await
        }
    };

    let (status, _, body) = remove(theirs.clone(), "").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, _, their_list) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&other.token),
        None,
    )
    .await;
    assert_eq!(
        their_list.as_array().unwrap().len(),
        1,
        "theirs is untouched"
    );

    let (status, _, body) = remove(first.clone(), "").await;
    assert_error(status, &body, StatusCode::CONFLICT, "last_authenticator");

    let passkey = tenant
        .give(&user.sub, json!({ "verificationMethod": "PASSKEY" }))
        .await["userAuthenticatorId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = remove(first.clone(), "").await;
    assert_error(status, &body, StatusCode::CONFLICT, "no_fallback_left");
    let (status, _, body) = remove(first.clone(), "?acceptsNoFallback=maybe").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(body["field"], "acceptsNoFallback");
    let (status, _, body) = remove(first.clone(), "?acceptsNoFallback=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let remaining: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|authenticator| authenticator["userAuthenticatorId"].as_str().unwrap())
        .collect();
    assert_eq!(remaining, [passkey.as_str()]);

    let (status, _, body) = remove("../../users/x".to_owned(), "").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(body["field"], "id");
}

#[tokio::test]
async fn the_prebuilt_ui_returns_only_to_allowed_addresses() {
    let (app, tenant) =
        TestApp::spawn_with_tenant(&[("API_REDIRECT_URLS", "https://app.example.com/authsignal")])
            .await;
    let user = sign_up(&app, "rest-prebuilt").await;
    let prebuilt = |body: Option<Value>| {
        call(
            &app,
            Method::POST,
            "/api/authenticators/prebuilt-ui",
            Some(&user.token),
            body,
        )
    };

    for body in [
        None,
        Some(json!({ "redirectUrl": "https://app.example.com/authsignal" })),
    ] {
        let (status, _, reply) = prebuilt(body).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        let url = reply["prebuiltUiUrl"].as_str().unwrap();
        assert!(url.starts_with(&tenant.url("/prebuilt?token=")), "{url}");
    }
    for stolen in [
        "https://evil.example/steal",
        "https://app.example.com/authsignal/../evil",
        "https://app.example.com.evil.example/authsignal",
        "javascript:alert(1)",
        "not a url",
    ] {
        let (status, _, reply) = prebuilt(Some(json!({ "redirectUrl": stolen }))).await;
        assert_error(status, &reply, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply["field"], "redirectUrl", "{stolen}");
    }
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_on_every_route() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let demo = app.mint(json!({})).await;
    let demo_sub = jwt_claims(&demo)["sub"].as_str().unwrap().to_owned();
    let id = tenant.give_email(&demo_sub, "demo@example.com").await;
    let routes = [
        (Method::GET, "/api/authenticators".to_owned()),
        (Method::POST, "/api/authenticators".to_owned()),
        (Method::DELETE, format!("/api/authenticators/{id}")),
        (Method::POST, "/api/authenticators/prebuilt-ui".to_owned()),
    ];
    for (case, token) in forge::bad_tokens(&app, &demo).await {
        for (method, path) in &routes {
            let (status, headers, body) =
                call(&app, method.clone(), path, Some(&token), None).await;
            assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_signed_in");
            let challenge = headers[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.starts_with(r#"Bearer error="invalid_token""#),
                "{case}: {challenge}"
            );
        }
    }
    let response = crate::support::client()
        .get(app.url("/api/authenticators"))
        .basic_auth("demo@example.com", Some("Demo-password-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "another scheme"
    );

    // Nothing reached Authsignal: the method is still there.
    let (status, _, body) = call(&app, Method::GET, "/api/authenticators", Some(&demo), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn too_many_requests_are_refused_with_retry_after() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-limit").await;
    let mut refused = None;
    for _ in 0..6 {
        let (status, headers, body) = call(
            &app,
            Method::POST,
            "/api/authenticators",
            Some(&user.token),
            None,
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((headers, body));
            break;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (headers, body) = refused.expect("the sixth enrollment in a minute is refused");
    assert_eq!(body["error"], "rate_limited");
    let wait: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Reading is not limited, and other people are not affected.
    let (status, _, _) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let other = sign_up(&app, "rest-limit-other").await;
    let (status, _, _) = call(
        &app,
        Method::POST,
        "/api/authenticators",
        Some(&other.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_from_another_website_is_refused() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let user = sign_up(&app, "rest-origin").await;
    tenant.give_email(&user.sub, &user.email).await;
    let id = tenant
        .give_email(&user.sub, &new_email("rest-origin-second"))
        .await;
    let response = crate::support::client()
        .delete(app.url(&format!("/api/authenticators/{id}")))
        .bearer_auth(&user.token)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, _, list) = call(
        &app,
        Method::GET,
        "/api/authenticators",
        Some(&user.token),
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2, "nothing was removed");
    // A native app sends no Origin at all.
    let step_up = app.step_up_token(&user.token, &user.email).await;
    let (status, _, body) = call_stepped_up(
        &app,
        Method::DELETE,
        &format!("/api/authenticators/{id}"),
        Some(&user.token),
        Some(&step_up),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn authsignal_failures_are_upstream_errors_within_the_timeout() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[
        ("AUTHSIGNAL_TIMEOUT_MS", "500"),
        ("AUTHSIGNAL_RETRIES", "0"),
    ])
    .await;
    let user = sign_up(&app, "rest-upstream").await;
    let list = || {
        call(
            &app,
            Method::GET,
            "/api/authenticators",
            Some(&user.token),
            None,
        )
    };
    for (fault, status, code) in [
        (
            json!({ "kind": "status", "status": 500 }),
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
        ),
        (
            json!({ "kind": "malformed_json" }),
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
        ),
        (
            json!({ "kind": "hang" }),
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
        ),
    ] {
        tenant
            .set_faults(json!([{ "path": "/v1/users/*", "fault": fault, "times": 1 }]))
            .await;
        let started = Instant::now();
        let (got, _, body) = list().await;
        assert_error(got, &body, status, code);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{fault}: bounded by the timeout"
        );
        let (got, _, _) = list().await;
        assert_eq!(got, StatusCode::OK, "served again once Authsignal is back");
    }
}

#[tokio::test]
async fn authsignal_refusing_connections_is_an_upstream_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    let app = TestApp::spawn_with(&[
        ("AUTHSIGNAL_SECRET", "secret"),
        ("AUTHSIGNAL_API_URL", &url),
        ("AUTHSIGNAL_TENANT_ID", "tenant"),
        ("AUTHSIGNAL_RETRIES", "0"),
    ])
    .await;
    let token = app.mint(json!({})).await;
    let (status, _, body) =
        call(&app, Method::GET, "/api/authenticators", Some(&token), None).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_GATEWAY,
        "upstream_unavailable",
    );
}
