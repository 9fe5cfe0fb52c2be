//! The REST API for native apps over real HTTP: every route, every error status, the OpenAPI
//! document against the routes, and every kind of bad token.

use std::time::{Duration, Instant};

use crate::support::{
    TestApp,
    authsignal::{failures, giving_up_after},
    browser::{Browser, jwt_claims, new_email},
    client, forge,
    person::Person,
    rest::Api,
    retry_after, send,
};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

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

/// The `field` of each authenticator in a list.
fn each<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    let list = list.as_array().unwrap().iter();
    list.map(|authenticator| authenticator[field].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes() {
    let app = TestApp::spawn().await;
    let anyone = Api::anonymous(&app);
    let document = anyone.raw(Method::GET, "/api/openapi.json").await.ok();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        document["openapi"]
    );
    assert_eq!(
        operations(&document),
        [
            ("DELETE", "/api/authenticators/{userAuthenticatorId}"),
            ("DELETE", "/api/sessions/{id}"),
            ("DELETE", "/api/step-up"),
            ("GET", "/api/activity"),
            ("GET", "/api/authenticators"),
            ("GET", "/api/checkup"),
            ("GET", "/api/sessions"),
            ("POST", "/api/authenticators"),
            ("POST", "/api/authenticators/prebuilt-ui"),
            ("POST", "/api/authenticators/{userAuthenticatorId}/test"),
            (
                "POST",
                "/api/authenticators/{userAuthenticatorId}/test/complete"
            ),
            ("POST", "/api/sessions/sign-out-everywhere"),
            ("POST", "/api/step-up"),
            ("POST", "/api/step-up/complete"),
            ("POST", "/api/step-up/failed"),
        ]
        .map(|(method, path)| (method.to_owned(), path.to_owned()))
    );
    let scheme = &document["components"]["securitySchemes"]["cognito"]["scheme"];
    assert_eq!(scheme, "bearer");
    // Every documented operation is served, and only behind a token.
    for (method, path) in operations(&document) {
        let path = path
            .replace(
                "{userAuthenticatorId}",
                "4efd2d0d-3278-4e03-8143-d9a0850bebc0",
            )
            .replace("{id}", "q3bC0fRzYk1tNw8xLmAp2g");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let reply = anyone.raw(method.clone(), &path).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
        let challenge = &reply.headers[header::WWW_AUTHENTICATE];
        assert_eq!(challenge, "Bearer", "{method} {path}");
    }
    // And nothing else is.
    let response = anyone
        .raw(Method::PUT, "/api/authenticators")
        .response()
        .await;
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
    let person = Person::signed_up(&app, "rest-list").await;
    let api = Api::of(&app, &person);
    assert_eq!(api.list().await.ok(), json!([]));

    let email_id = tenant.give_email(&person.sub, &person.email).await;
    let icloud = json!({ "name": "iCloud Keychain" });
    let passkey = json!({ "verificationMethod": "PASSKEY", "webauthnCredential": icloud });
    tenant.give(&person.sub, passkey).await;
    let body = api.list().await.ok();
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 2, "{body}");
    assert_eq!(list[0]["userAuthenticatorId"], email_id.as_str());
    assert_eq!(list[0]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(list[0]["email"], person.email.as_str());
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
    let person = Person::signed_up(&app, "rest-enroll").await;
    let api = Api::of(&app, &person);
    // As the guide's apps call it: no body at all.
    let body = api.enroll().await.ok();
    let token = body["authsignalToken"].as_str().unwrap();
    assert_eq!(jwt_claims(token)["sub"], person.sub.as_str());
    let verified = tenant.enroll_email(token, &person.email).await;
    assert_eq!(verified["isVerified"], true, "{verified}");

    // A second method needs a step-up, and the add scope, which the next token carries.
    let step_up = app.step_up_token(&person.bearer, &person.email).await;
    let adding = api.stepped_up(&step_up).enroll();
    let body = adding.body(json!({ "email": person.email })).await.ok();
    let second = new_email("rest-enroll-second");
    let token = body["authsignalToken"].as_str().unwrap();
    let verified = tenant.enroll_email(token, &second).await;
    assert_eq!(verified["isVerified"], true, "{verified}");

    let list = api.list().await.body;
    let emails = each(&list, "email");
    assert_eq!(emails, [person.email.as_str(), second.as_str()]);
}

#[tokio::test]
async fn bad_enrollment_input_names_the_field() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "rest-bad-input").await;
    let api = Api::of(&app, &person);
    for (body, field) in [
        (json!({ "email": "jane@" }), "email"),
        (json!({ "phoneNumber": "021 123 4567" }), "phoneNumber"),
        (json!({ "email": 5 }), "body"),
        (json!(["not", "an", "object"]), "body"),
    ] {
        let reply = api.enroll().body(body.clone()).await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply.body["field"], field, "{body}");
    }
    let not_json = api.enroll().header("content-type", "application/json");
    let reply = not_json.raw_body("{not json").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["field"], "body");

    let huge = api
        .enroll()
        .raw_body(vec![b' '; 100 * 1024])
        .response()
        .await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn removal_applies_the_ownership_and_lock_out_guards() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "rest-remove").with_email_method(&tenant);
    let person = person.stepped_up_over_rest().await;
    let other = Person::signed_up(&app, "rest-remove-other").with_email_method(&tenant);
    let other = other.await;
    let (first, theirs) = (&person.methods[0], &other.methods[0]);
    let api = Api::of(&app, &person);

    let reply = api.remove(theirs).await;
    reply.assert_error(StatusCode::NOT_FOUND, "not_found");
    let their_list = Api::of(&app, &other).list().await.body;
    let untouched = their_list.as_array().unwrap().len();
    assert_eq!(untouched, 1, "theirs is untouched");

    let reply = api.remove(first).await;
    reply.assert_error(StatusCode::CONFLICT, "last_authenticator");

    let passkey = tenant
        .give(&person.sub, json!({ "verificationMethod": "PASSKEY" }))
        .await;
    let reply = api.remove(first).await;
    reply.assert_error(StatusCode::CONFLICT, "no_fallback_left");
    let reply = api.remove(first).query("acceptsNoFallback", "maybe").await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(reply.body["field"], "acceptsNoFallback");
    let body = api.remove(first).accepting_no_fallback().await.ok();
    let remaining = each(&body, "userAuthenticatorId");
    assert_eq!(
        remaining,
        [passkey["userAuthenticatorId"].as_str().unwrap()]
    );

    let reply = api.remove("../../users/x").await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(reply.body["field"], "id");
}

#[tokio::test]
async fn the_prebuilt_ui_returns_only_to_allowed_addresses() {
    let allowed = "https://app.example.com/authsignal";
    let (app, tenant) = TestApp::spawn_with_tenant(&[("API_REDIRECT_URLS", allowed)]).await;
    let person = Person::signed_up(&app, "rest-prebuilt").await;
    let api = Api::of(&app, &person);

    let without = api.prebuilt_ui().await.ok();
    let to_allowed = api.prebuilt_ui().body(json!({ "redirectUrl": allowed }));
    for reply in [without, to_allowed.await.ok()] {
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
        let reply = api
            .prebuilt_ui()
            .body(json!({ "redirectUrl": stolen }))
            .await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply.body["field"], "redirectUrl", "{stolen}");
    }
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_on_every_route() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let demo = Person::demo(&app).with_email_method(&tenant).await;
    let id = &demo.methods[0];
    let routes = [
        (Method::GET, "/api/authenticators".to_owned()),
        (Method::POST, "/api/authenticators".to_owned()),
        (Method::DELETE, format!("/api/authenticators/{id}")),
        (Method::POST, "/api/authenticators/prebuilt-ui".to_owned()),
    ];
    for (case, token) in forge::bad_tokens(&app, &demo.bearer).await {
        let api = Api::with_token(&app, &token);
        for (method, path) in &routes {
            let reply = api.raw(method.clone(), path).await;
            reply.assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
            let challenge = reply.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.starts_with(r#"Bearer error="invalid_token""#),
                "{case}: {challenge}"
            );
        }
    }
    let basic = client().get(app.url("/api/authenticators"));
    let response = send(basic.basic_auth("demo@example.com", Some("Demo-password-1"))).await;
    let refused = response.status();
    assert_eq!(refused, StatusCode::UNAUTHORIZED, "another scheme");

    // Nothing reached Authsignal: the method is still there.
    let body = Api::of(&app, &demo).list().await.ok();
    assert_eq!(body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn too_many_requests_are_refused_with_retry_after() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "rest-limit").await;
    let api = Api::of(&app, &person);
    let mut refused = None;
    for _ in 0..6 {
        let reply = api.enroll().await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let refused = refused.expect("the sixth enrollment in a minute is refused");
    assert_eq!(refused.body["error"], "rate_limited");
    let wait = retry_after(&refused.headers);
    assert!((1..=60).contains(&wait), "{wait}");
    // Reading is not limited, and other people are not affected.
    assert_eq!(api.list().await.status, StatusCode::OK);
    let other = Person::signed_up(&app, "rest-limit-other").await;
    assert_eq!(Api::of(&app, &other).enroll().await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_from_another_website_is_refused() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "rest-origin").with_email_methods(&tenant, 2);
    let person = person.await;
    let api = Api::of(&app, &person);
    let id = &person.methods[1];
    let cross_site = api.remove(id).header("origin", "https://evil.example");
    assert_eq!(cross_site.response().await.status(), StatusCode::FORBIDDEN);
    let list = api.list().await.body;
    assert_eq!(list.as_array().unwrap().len(), 2, "nothing was removed");
    // A native app sends no Origin at all.
    let step_up = app.step_up_token(&person.bearer, &person.email).await;
    api.stepped_up(&step_up).remove(id).await.ok();
}

#[tokio::test]
async fn authsignal_failures_are_upstream_errors_within_the_timeout() {
    let (app, tenant) = TestApp::spawn_with_tenant(&giving_up_after("500")).await;
    let person = Person::signed_up(&app, "rest-upstream").await;
    let api = Api::of(&app, &person);
    for (fault, status, timed_out) in failures() {
        let code = match timed_out {
            true => "upstream_timeout",
            false => "upstream_unavailable",
        };
        let rule = json!({ "path": "/v1/users/*", "fault": fault, "times": 1 });
        tenant.set_faults(json!([rule])).await;
        let started = Instant::now();
        api.list().await.assert_error(status, code);
        let bounded = started.elapsed() < Duration::from_secs(3);
        assert!(bounded, "{fault}: bounded by the timeout");
        let again = api.list().await.status;
        assert_eq!(
            again,
            StatusCode::OK,
            "served again once Authsignal is back"
        );
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
    let demo = Person::demo(&app).await;
    let reply = Api::of(&app, &demo).list().await;
    reply.assert_error(StatusCode::BAD_GATEWAY, "upstream_unavailable");
}
