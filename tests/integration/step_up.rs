//! Step-up before every change, over real HTTP: an old session can change nothing, a passed
//! challenge opens a window that ends on the server's clock, a verify token counts once, for
//! its person and its action only, and someone without a method steps up by signing in again.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use totp_rs::Totp;

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, PASSKEY_ORIGIN, encode},
    browser::{Browser, encrypt_cookie, jwt_claims, new_email},
    webauthn::{Attestation, ICLOUD, SoftPasskey},
};

const ACCESS: &str = "session-access";
const THIRTY_DAYS: i64 = 30 * 24 * 3600;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Someone signed up with one email method, in a browser and as a native app holding an
/// access token whose sign-in was `signed_in_ago` seconds ago.
struct Person {
    email: String,
    sub: String,
    browser: Browser,
    bearer: String,
}

async fn person(app: &TestApp, tenant: &LocalTenant, label: &str, signed_in_ago: i64) -> Person {
    let email = new_email(label);
    let mut browser = Browser::signed_up(app, &email).await;
    let bearer = app
        .mint(json!({ "email": email, "claims": { "auth_time": now() - signed_in_ago } }))
        .await;
    browser.set_cookie(ACCESS, &encrypt_cookie(&app.session_key(), ACCESS, &bearer));
    let sub = jwt_claims(&bearer)["sub"].as_str().unwrap().to_owned();
    tenant.give_email(&sub, &email).await;
    Person {
        email,
        sub,
        browser,
        bearer,
    }
}

async fn rest(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: &str,
    step_up: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = crate::support::client()
        .request(method, app.url(path))
        .bearer_auth(bearer);
    if let Some(step_up) = step_up {
        request = request.header("Step-Up-Token", step_up);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn assert_step_up_required(status: StatusCode, body: &Value, via: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "step_up_required", "{body}");
    assert_eq!(body["via"], via, "{body}");
}

/// What a server function answered: its status and JSON.
async fn page_call(
    app: &TestApp,
    browser: &mut Browser,
    function: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = browser
        .call_with(&app.url(&format!("/api/{function}")), form)
        .await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_old_session_changes_nothing_until_it_steps_up_and_then_only_within_the_window() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person(&app, &tenant, "old-session", THIRTY_DAYS).await;
    let second = tenant.give_email(&person.sub, &new_email("second")).await;

    // The page: no enrollment token, no removal.
    let (status, body) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", "new@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "method" } }));
    let (status, _) = page_call(
        &app,
        &mut person.browser,
        "remove_authenticator",
        &[("id", &second)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The REST API: the same.
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/authenticators",
        &person.bearer,
        None,
        None,
    )
    .await;
    assert_step_up_required(status, &body, "method");
    let remove = format!("/api/authenticators/{}", encode(&second));
    let (status, body) = rest(&app, Method::DELETE, &remove, &person.bearer, None, None).await;
    assert_step_up_required(status, &body, "method");
    assert_eq!(
        tenant
            .client
            .get_authenticators(&person.sub)
            .await
            .unwrap()
            .len(),
        2
    );

    // After a step-up with the email code, both doors open.
    person.browser.step_up(&app, &person.email).await;
    let (status, window) = page_call(&app, &mut person.browser, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], 600);
    let (status, ticket) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", "new@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert!(
        jwt_claims(ticket["token"].as_str().unwrap())["scope"]
            .as_str()
            .unwrap()
            .contains("add:authenticators")
    );
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/authenticators",
        &person.bearer,
        Some(&proof),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Until the window ends.
    app.state.clock.advance(601);
    let (status, _) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", "new@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, window) = page_call(&app, &mut person.browser, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], Value::Null);
    let (status, body) = rest(
        &app,
        Method::DELETE,
        &remove,
        &person.bearer,
        Some(&proof),
        None,
    )
    .await;
    assert_step_up_required(status, &body, "method");
    assert_eq!(
        tenant
            .client
            .get_authenticators(&person.sub)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn ending_the_window_or_signing_out_voids_the_proof() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person(&app, &tenant, "end", THIRTY_DAYS).await;
    person.browser.step_up(&app, &person.email).await;
    let proof = person.browser.cookie("step-up").unwrap().to_owned();
    let (status, window) = page_call(&app, &mut person.browser, "end_step_up", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], Value::Null);
    assert!(person.browser.cookie("step-up").is_none());
    let (status, _) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", "x@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    person.browser.step_up(&app, &person.email).await;
    let response = person
        .browser
        .post_form(&app.url("/auth/sign-out"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        person.browser.cookie("step-up").is_none(),
        "signing out clears it"
    );

    // The proof of one sign-in is worthless in another, even the same person's.
    let mut again = Browser::signed_up(&app, &new_email("again")).await;
    again.set_cookie("step-up", &proof);
    let (status, _) = page_call(&app, &mut again, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let mut same_person = Browser::new();
    let login = same_person.open_sign_in(&app, "/auth/sign-in").await;
    let callback = same_person.sign_in(&login, &person.email).await;
    same_person.get(&callback).await;
    same_person.set_cookie("step-up", &proof);
    let (_, window) = page_call(&app, &mut same_person, "step_up_status", &[]).await;
    assert_eq!(window["remaining_secs"], Value::Null, "another sign-in");
}

#[tokio::test]
async fn a_verify_token_counts_once_for_its_person_and_its_action_only() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let jane = person(&app, &tenant, "jane", THIRTY_DAYS).await;
    let john = person(&app, &tenant, "john", THIRTY_DAYS).await;
    let complete = |bearer: String, token: String| {
        let app = &app;
        async move {
            rest(
                app,
                Method::POST,
                "/api/step-up/complete",
                &bearer,
                None,
                Some(json!({ "token": token })),
            )
            .await
        }
    };
    let refused = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "invalid_input");
        assert_eq!(body["field"], "token");
        assert!(body.get("stepUpToken").is_none());
    };
    let started = |bearer: String| {
        let app = &app;
        async move {
            let (status, body) = rest(app, Method::POST, "/api/step-up", &bearer, None, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let token = body["authsignalToken"].as_str().unwrap().to_owned();
            // A token to challenge with, not to add methods.
            assert!(
                !jwt_claims(&token)["scope"]
                    .as_str()
                    .unwrap()
                    .contains("add:authenticators")
            );
            token
        }
    };

    // Passed once, accepted once.
    let passed = app
        .pass_challenge(&started(jane.bearer.clone()).await, &jane.email)
        .await;
    let (status, body) = complete(jane.bearer.clone(), passed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["stepUpToken"].is_string() && body["expiresAt"].is_string());
    refused(complete(jane.bearer.clone(), passed.clone()).await);

    // Someone else's passed challenge.
    let theirs = app
        .pass_challenge(&started(john.bearer.clone()).await, &john.email)
        .await;
    refused(complete(jane.bearer.clone(), theirs).await);

    // A challenge passed for another action.
    let other_action = tenant.track_token(&jane.sub, "signIn", None).await;
    let passed_elsewhere = app.pass_challenge(&other_action, &jane.email).await;
    refused(complete(jane.bearer.clone(), passed_elsewhere).await);

    // Not started and never passed: the challenge token itself.
    refused(complete(jane.bearer.clone(), started(jane.bearer.clone()).await).await);

    // Passed too long ago, and expired.
    let stale = app
        .pass_challenge(&started(jane.bearer.clone()).await, &jane.email)
        .await;
    app.state.clock.advance(601);
    refused(complete(jane.bearer.clone(), stale.clone()).await);
    tenant.advance_clock(601).await;
    refused(complete(jane.bearer.clone(), stale).await);

    // Garbage.
    for garbage in ["", "garbage", "eyJ.e30.x", &"a".repeat(10_000)] {
        refused(complete(john.bearer.clone(), garbage.to_owned()).await);
    }
    // A forged, foreign or malformed proof is the same refusal as none.
    for proof in [
        "garbage",
        "AAAA",
        &body["stepUpToken"].as_str().unwrap().replace('A', "B"),
    ] {
        let (status, body) = rest(
            &app,
            Method::POST,
            "/api/authenticators",
            &jane.bearer,
            Some(proof),
            None,
        )
        .await;
        assert_step_up_required(status, &body, "method");
    }
    let janes = body["stepUpToken"].as_str().unwrap().to_owned();
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/authenticators",
        &john.bearer,
        Some(&janes),
        None,
    )
    .await;
    assert_step_up_required(status, &body, "method");
}

#[tokio::test]
async fn a_first_method_needs_a_fresh_sign_in_not_a_challenge() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let email = new_email("first");
    let mut browser = Browser::signed_up(&app, &email).await;
    // Just signed in: the first method needs nothing more.
    let (status, body) = page_call(
        &app,
        &mut browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", &email)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = app.mint(json!({ "email": email })).await;
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/authenticators",
        &fresh,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Signed in a while ago: sign in again.
    let stale = app
        .mint(json!({ "email": email, "claims": { "auth_time": now() - 601 } }))
        .await;
    browser.set_cookie(ACCESS, &encrypt_cookie(&app.session_key(), ACCESS, &stale));
    let (status, body) = page_call(
        &app,
        &mut browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", &email)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "sign_in" } }));
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/authenticators",
        &stale,
        None,
        None,
    )
    .await;
    assert_step_up_required(status, &body, "sign_in");
    let (status, body) = rest(&app, Method::POST, "/api/step-up", &stale, None, None).await;
    assert_step_up_required(status, &body, "sign_in");

    // A sign-in with prompt=login asks for the password again, and counts as fresh.
    let response = browser
        .get(&app.url("/auth/sign-in?prompt=login&return_to=%2Fsecurity%3Fresume%3Dadd"))
        .await;
    let authorize = crate::support::browser::location(&response);
    assert!(authorize.contains("prompt=login"), "{authorize}");
    let login = crate::support::browser::location(&browser.get(&authorize).await);
    assert!(login.contains("/login?"), "{login}");
    let callback = browser.sign_in(&login, &email).await;
    let response = browser.get(&callback).await;
    assert_eq!(
        crate::support::browser::location(&response),
        app.url("/security?resume=add")
    );
    let (status, body) = page_call(
        &app,
        &mut browser,
        "start_enrollment",
        &[("method", "EMAIL_OTP"), ("email", &email)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn authsignal_down_during_a_step_up_grants_nothing() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person(&app, &tenant, "down", THIRTY_DAYS).await;
    let started = rest(
        &app,
        Method::POST,
        "/api/step-up",
        &person.bearer,
        None,
        None,
    )
    .await
    .1;
    let passed = app
        .pass_challenge(started["authsignalToken"].as_str().unwrap(), &person.email)
        .await;
    tenant
        .set_faults(
            json!([{ "path": "/v1/validate", "fault": { "kind": "status", "status": 503 } }]),
        )
        .await;
    let (status, body) = page_call(
        &app,
        &mut person.browser,
        "complete_step_up",
        &[("token", &passed)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(person.browser.cookie("step-up").is_none());
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/step-up/complete",
        &person.bearer,
        None,
        Some(json!({ "token": passed })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"], "upstream_unavailable");
    tenant.set_faults(json!([])).await;
    // The token was never accepted, so it still counts once.
    let (status, body) = rest(
        &app,
        Method::POST,
        "/api/step-up/complete",
        &person.bearer,
        None,
        Some(json!({ "token": passed })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// What the page does to step up once the dialog has a verified Client API token.
async fn complete_on_page(app: &TestApp, browser: &mut Browser, passed: &str) {
    let (status, body) = page_call(app, browser, "complete_step_up", &[("token", passed)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(browser.cookie("step-up").is_some());
}

/// The page's step-up ticket's token.
async fn step_up_ticket(app: &TestApp, browser: &mut Browser) -> String {
    let (status, ticket) = page_call(app, browser, "start_step_up", &[]).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_authenticator_app_passes_the_step_up_with_a_code_of_another_time_step() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person(&app, &tenant, "app-step-up", THIRTY_DAYS).await;
    let adding = tenant
        .track_token(&person.sub, "addAuthenticator", Some("add:authenticators"))
        .await;
    let setup = tenant
        .client_json(
            &adding,
            Method::POST,
            "/v1/client/user-authenticators/totp",
            None,
        )
        .await;
    let authenticator = Totp::from_url(setup["uri"].as_str().unwrap()).unwrap();
    let now = now() as u64;
    let added = tenant
        .client_json(
            &adding,
            Method::POST,
            "/v1/client/verify/totp",
            Some(json!({ "verificationCode": authenticator.generate(now).to_string() })),
        )
        .await;
    assert_eq!(added["isVerified"], true, "{added}");

    let token = step_up_ticket(&app, &mut person.browser).await;
    // No challenge call: the app's code is verified directly. This step's code was spent on
    // the enrollment; the next step's is within the drift allowed.
    let spent = tenant
        .client_json(
            &token,
            Method::POST,
            "/v1/client/verify/totp",
            Some(json!({ "verificationCode": authenticator.generate(now).to_string() })),
        )
        .await;
    assert_eq!(spent["isVerified"], false, "{spent}");
    let passed = tenant
        .client_json(
            &token,
            Method::POST,
            "/v1/client/verify/totp",
            Some(json!({ "verificationCode": authenticator.generate(now + 30).to_string() })),
        )
        .await;
    assert_eq!(passed["isVerified"], true, "{passed}");
    complete_on_page(
        &app,
        &mut person.browser,
        passed["accessToken"].as_str().unwrap(),
    )
    .await;
    let (status, body) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "AUTHENTICATOR_APP")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_passkey_passes_the_step_up_with_an_assertion() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person(&app, &tenant, "passkey-step-up", THIRTY_DAYS).await;
    let adding = tenant
        .track_token(&person.sub, "addAuthenticator", Some("add:authenticators"))
        .await;
    let options = tenant
        .client_json(
            &adding,
            Method::POST,
            "/v1/client/user-authenticators/passkey/registration-options",
            Some(json!({})),
        )
        .await;
    let mut passkey = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD);
    let credential = passkey.register(&options["options"], Attestation::None);
    let added = tenant
        .client_json(
            &adding,
            Method::POST,
            "/v1/client/user-authenticators/passkey",
            Some(json!({ "registrationCredential": credential, "challengeId": options["challengeId"] })),
        )
        .await;
    assert_eq!(added["isVerified"], true, "{added}");

    let token = step_up_ticket(&app, &mut person.browser).await;
    let request = tenant
        .client_json(
            &token,
            Method::POST,
            "/v1/client/user-authenticators/passkey/authentication-options",
            Some(json!({})),
        )
        .await;
    let passed = tenant
        .client_json(
            &token,
            Method::POST,
            "/v1/client/verify/passkey",
            Some(json!({
                "authenticationCredential": passkey.assert(&request["options"]),
                "challengeId": request["challengeId"],
            })),
        )
        .await;
    assert_eq!(passed["isVerified"], true, "{passed}");
    complete_on_page(
        &app,
        &mut person.browser,
        passed["accessToken"].as_str().unwrap(),
    )
    .await;
    let (status, body) = page_call(
        &app,
        &mut person.browser,
        "start_enrollment",
        &[("method", "SMS"), ("phone_number", "+64 21 123 4567")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_prebuilt_ui_needs_a_recent_sign_in_from_someone_without_a_method() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let email = new_email("prebuilt-first");
    let mut browser = Browser::signed_up(&app, &email).await;
    let prebuilt = "/api/authenticators/prebuilt-ui";
    // Just signed in: Authsignal's pages may add the first method.
    let (status, body) = page_call(&app, &mut browser, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = app.mint(json!({ "email": email })).await;
    let (status, body) = rest(&app, Method::POST, prebuilt, &fresh, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Signed in a while ago, with nothing for Authsignal to challenge: sign in again.
    let stale = app
        .mint(json!({ "email": email, "claims": { "auth_time": now() - 601 } }))
        .await;
    browser.set_cookie(ACCESS, &encrypt_cookie(&app.session_key(), ACCESS, &stale));
    let (status, body) = page_call(&app, &mut browser, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "sign_in" } }));
    let (status, body) = rest(&app, Method::POST, prebuilt, &stale, None, None).await;
    assert_step_up_required(status, &body, "sign_in");

    // With a method, Authsignal challenges the person on its own pages first. (One call: the
    // person's allowance of visits is five a minute.)
    let sub = jwt_claims(&stale)["sub"].as_str().unwrap().to_owned();
    tenant.give_email(&sub, &email).await;
    let (status, body) = rest(&app, Method::POST, prebuilt, &stale, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
