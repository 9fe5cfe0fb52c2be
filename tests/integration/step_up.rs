//! Step-up before every change, over real HTTP: an old session can change nothing, a passed
//! challenge opens a window that ends on the server's clock, a verify token counts once, for
//! its person and its action only, and someone without a method steps up by signing in again.

use reqwest::StatusCode;
use serde_json::{Value, json};

use totp_rs::Totp;

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, PASSKEY_ORIGIN},
    browser::{Browser, Form, jwt_claims, location, new_email},
    now,
    person::{Person, PersonBuilder},
    rest::{Api, Reply},
    webauthn::{Attestation, ICLOUD, SoftPasskey},
};

const THIRTY_DAYS: i64 = 30 * 24 * 3600;

/// The form of the page's "add an email code".
const ADD_EMAIL: &[(&str, &str)] = &[("method", "EMAIL_OTP"), ("email", "new@example.com")];

/// Someone signed up with one email method, in a browser and as a native app holding an
/// access token, whose sign-in was thirty days ago.
fn old_session<'a>(app: &'a TestApp, tenant: &'a LocalTenant, label: &str) -> PersonBuilder<'a> {
    let person = Person::signed_up(app, label).signed_in_ago(THIRTY_DAYS);
    person.with_email_method(tenant)
}

#[tokio::test]
async fn an_old_session_changes_nothing_until_it_steps_up_and_then_only_within_the_window() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = old_session(&app, &tenant, "old-session").await;
    let second = tenant.give_email(&person.sub, &new_email("second")).await;
    let api = Api::of(&app, &person);

    // The page: no enrollment token, no removal.
    let (status, body) = person.call(&app, "start_enrollment", ADD_EMAIL).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "method" } }));
    let removal = [("id", second.as_str())];
    let (status, _) = person.call(&app, "remove_authenticator", &removal).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The REST API: the same.
    api.enroll().await.assert_step_up_required("method");
    api.remove(&second).await.assert_step_up_required("method");
    assert_eq!(tenant.authenticators(&person.sub).await.len(), 2);

    // After a step-up with the email code, both doors open.
    person.browser.step_up(&app, &person.email).await;
    let (status, window) = person.call(&app, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], 600);
    let ticket = may_enroll(&app, &mut person, ADD_EMAIL).await;
    let scope = jwt_claims(ticket["token"].as_str().unwrap())["scope"].clone();
    assert!(scope.as_str().unwrap().contains("add:authenticators"));
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let stepped_up = api.stepped_up(&proof);
    stepped_up.enroll().await.ok();

    // Until the window ends.
    app.state.clock.advance(601);
    let (status, _) = person.call(&app, "start_enrollment", ADD_EMAIL).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, window) = person.call(&app, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], Value::Null);
    let refused = stepped_up.remove(&second).await;
    refused.assert_step_up_required("method");
    assert_eq!(tenant.authenticators(&person.sub).await.len(), 2);
}

#[tokio::test]
async fn ending_the_window_or_signing_out_voids_the_proof() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = old_session(&app, &tenant, "end").stepped_up().await;
    let proof = person.browser.cookie("step-up").unwrap().to_owned();
    let (status, window) = person.call(&app, "end_step_up", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(window["remaining_secs"], Value::Null);
    assert!(person.browser.cookie("step-up").is_none());
    let (status, _) = person.call(&app, "start_enrollment", ADD_EMAIL).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    person.browser.step_up(&app, &person.email).await;
    let sign_out = app.url("/auth/sign-out");
    let response = person.browser.post_form(&sign_out, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cleared = person.browser.cookie("step-up").is_none();
    assert!(cleared, "signing out clears it");

    // The proof of one sign-in is worthless in another, even the same person's.
    let mut again = Browser::signed_up(&app, &new_email("again")).await;
    again.set_cookie("step-up", &proof);
    let (status, _) = again.function(&app, "step_up_status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (mut same_person, login) = Browser::at_sign_in(&app).await;
    let callback = same_person.sign_in(&login, &person.email).await;
    same_person.get(&callback).await;
    same_person.set_cookie("step-up", &proof);
    let (_, window) = same_person.function(&app, "step_up_status", &[]).await;
    assert_eq!(window["remaining_secs"], Value::Null, "another sign-in");
}

#[tokio::test]
async fn a_verify_token_counts_once_for_its_person_and_its_action_only() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let jane = old_session(&app, &tenant, "jane").await;
    let john = old_session(&app, &tenant, "john").await;
    let (as_jane, as_john) = (Api::of(&app, &jane), Api::of(&app, &john));
    let refused = |reply: Reply| {
        let body = &reply.body;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "invalid_input");
        assert_eq!(body["field"], "token");
        assert!(body.get("stepUpToken").is_none());
    };
    let started = async |api: &Api| {
        let body = api.start_step_up().await.ok();
        let token = body["authsignalToken"].as_str().unwrap().to_owned();
        // A token to challenge with, not to add methods.
        let scope = jwt_claims(&token)["scope"].clone();
        assert!(!scope.as_str().unwrap().contains("add:authenticators"));
        token
    };

    // Passed once, accepted once.
    let passed = app
        .pass_challenge(&started(&as_jane).await, &jane.email)
        .await;
    let body = as_jane.complete_step_up(&passed).await.ok();
    assert!(body["stepUpToken"].is_string() && body["expiresAt"].is_string());
    refused(as_jane.complete_step_up(&passed).await);

    // Someone else's passed challenge.
    let theirs = app
        .pass_challenge(&started(&as_john).await, &john.email)
        .await;
    refused(as_jane.complete_step_up(&theirs).await);

    // A challenge passed for another action.
    let other_action = tenant.track_token(&jane.sub, "signIn", None).await;
    let passed_elsewhere = app.pass_challenge(&other_action, &jane.email).await;
    refused(as_jane.complete_step_up(&passed_elsewhere).await);

    // Not started and never passed: the challenge token itself.
    refused(as_jane.complete_step_up(&started(&as_jane).await).await);

    // Passed too long ago, and expired.
    let stale = app
        .pass_challenge(&started(&as_jane).await, &jane.email)
        .await;
    app.state.clock.advance(601);
    refused(as_jane.complete_step_up(&stale).await);
    tenant.advance_clock(601).await;
    refused(as_jane.complete_step_up(&stale).await);

    // Garbage.
    for garbage in ["", "garbage", "eyJ.e30.x", &"a".repeat(10_000)] {
        refused(as_john.complete_step_up(garbage).await);
    }
    // A forged, foreign or malformed proof is the same refusal as none.
    let janes = body["stepUpToken"].as_str().unwrap();
    // One character in the middle changed, so that every bit of it counts.
    let mut forged: Vec<char> = janes.chars().collect();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    for proof in ["garbage", "AAAA", &forged] {
        let reply = as_jane.stepped_up(proof).enroll().await;
        reply.assert_step_up_required("method");
    }
    let reply = as_john.stepped_up(janes).enroll().await;
    reply.assert_step_up_required("method");
}

#[tokio::test]
async fn a_first_method_needs_a_fresh_sign_in_not_a_challenge() {
    let (app, _tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = Person::signed_up(&app, "first").await;
    let email = person.email.clone();
    let add_own = [("method", "EMAIL_OTP"), ("email", email.as_str())];
    // Just signed in: the first method needs nothing more.
    may_enroll(&app, &mut person, &add_own).await;
    Api::of(&app, &person).enroll().await.ok();

    // Signed in a while ago: sign in again.
    person.signed_in_ago(&app, 601).await;
    let (status, body) = person.call(&app, "start_enrollment", &add_own).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "sign_in" } }));
    let stale = Api::of(&app, &person);
    stale.enroll().await.assert_step_up_required("sign_in");
    stale
        .start_step_up()
        .await
        .assert_step_up_required("sign_in");

    // A sign-in with prompt=login asks for the password again, and counts as fresh.
    let browser = &mut person.browser;
    let again = app.url("/auth/sign-in?prompt=login&return_to=%2Fsecurity%3Fresume%3Dadd");
    let authorize = location(&browser.get(&again).await);
    assert!(authorize.contains("prompt=login"), "{authorize}");
    let login = location(&browser.get(&authorize).await);
    assert!(login.contains("/login?"), "{login}");
    let callback = browser.sign_in(&login, &email).await;
    let response = browser.get(&callback).await;
    assert_eq!(location(&response), app.url("/security?resume=add"));
    may_enroll(&app, &mut person, &add_own).await;
}

#[tokio::test]
async fn authsignal_down_during_a_step_up_grants_nothing() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = old_session(&app, &tenant, "down").await;
    let api = Api::of(&app, &person);
    let started = api.start_step_up().await.body;
    let token = started["authsignalToken"].as_str().unwrap();
    let passed = app.pass_challenge(token, &person.email).await;
    let fault = json!({ "kind": "status", "status": 503 });
    tenant
        .set_faults(json!([{ "path": "/v1/validate", "fault": fault }]))
        .await;
    let completion = [("token", passed.as_str())];
    let (status, body) = person.call(&app, "complete_step_up", &completion).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(person.browser.cookie("step-up").is_none());
    let reply = api.complete_step_up(&passed).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert_eq!(reply.body["error"], "upstream_unavailable");
    tenant.set_faults(json!([])).await;
    // The token was never accepted, so it still counts once.
    api.complete_step_up(&passed).await.ok();
}

/// The page hands the person an enrollment token for `form`: its ticket.
async fn may_enroll(app: &TestApp, person: &mut Person, form: Form<'_>) -> Value {
    let (status, ticket) = person.call(app, "start_enrollment", form).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket
}

/// What the page does to step up once the dialog has a verified Client API token.
async fn complete_on_page(app: &TestApp, person: &mut Person, passed: &Value) {
    let completion = [("token", passed["accessToken"].as_str().unwrap())];
    let (status, body) = person.call(app, "complete_step_up", &completion).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(person.browser.cookie("step-up").is_some());
}

/// The page's step-up ticket's token.
async fn step_up_ticket(app: &TestApp, person: &mut Person) -> String {
    let (status, ticket) = person.call(app, "start_step_up", &[]).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_authenticator_app_passes_the_step_up_with_a_code_of_another_time_step() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = old_session(&app, &tenant, "app-step-up").await;
    let adding = tenant.sdk(&tenant.adding(&person.sub).await);
    let setup = adding.add_app().await;
    let authenticator = Totp::from_url(setup["uri"].as_str().unwrap()).unwrap();
    let code = |at: i64| authenticator.generate(at as u64).to_string();
    let at = now();
    let added = adding.verify("totp", &code(at)).await;
    assert_eq!(added["isVerified"], true, "{added}");

    let sdk = tenant.sdk(&step_up_ticket(&app, &mut person).await);
    // No challenge call: the app's code is verified directly. This step's code was spent on
    // the enrollment; the next step's is within the drift allowed.
    let spent = sdk.verify("totp", &code(at)).await;
    assert_eq!(spent["isVerified"], false, "{spent}");
    let passed = sdk.verify("totp", &code(at + 30)).await;
    assert_eq!(passed["isVerified"], true, "{passed}");
    complete_on_page(&app, &mut person, &passed).await;
    let add_app = [("method", "AUTHENTICATOR_APP")];
    may_enroll(&app, &mut person, &add_app).await;
}

#[tokio::test]
async fn a_passkey_passes_the_step_up_with_an_assertion() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = old_session(&app, &tenant, "passkey-step-up").await;
    let adding = tenant.sdk(&tenant.adding(&person.sub).await);
    let options = adding
        .passkey_options("registration", Some(json!({})))
        .await;
    let mut passkey = SoftPasskey::new(PASSKEY_ORIGIN, ICLOUD);
    let credential = passkey.register(&options["options"], Attestation::None);
    let added = adding.add_passkey(&options, &credential).await;
    assert_eq!(added["isVerified"], true, "{added}");

    let sdk = tenant.sdk(&step_up_ticket(&app, &mut person).await);
    let request = sdk.passkey_options("authentication", Some(json!({}))).await;
    let assertion = passkey.assert(&request["options"]);
    let passed = sdk.verify_passkey(&request, &assertion).await;
    assert_eq!(passed["isVerified"], true, "{passed}");
    complete_on_page(&app, &mut person, &passed).await;
    let add_sms = [("method", "SMS"), ("phone_number", "+64 21 123 4567")];
    may_enroll(&app, &mut person, &add_sms).await;
}

#[tokio::test]
async fn the_prebuilt_ui_needs_a_recent_sign_in_from_someone_without_a_method() {
    let app = TestApp::spawn().await;
    let mut person = Person::signed_up(&app, "prebuilt-first").await;
    // Just signed in: Authsignal's pages may add the first method.
    let (status, body) = person.call(&app, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Api::of(&app, &person).prebuilt_ui().await.ok();

    // Signed in a while ago, with nothing for Authsignal to challenge: sign in again.
    person.signed_in_ago(&app, 601).await;
    let (status, body) = person.call(&app, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "sign_in" } }));
    let stale = Api::of(&app, &person);
    stale.prebuilt_ui().await.assert_step_up_required("sign_in");
}
