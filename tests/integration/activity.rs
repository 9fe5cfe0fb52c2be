//! The activity log, as Authsignal keeps it: every kind of event shows with its device, address
//! and time, on the page and over REST, and nobody sees another person's.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    TestApp,
    authsignal::LocalTenant,
    browser::{Browser, CHROME_ON_MAC, new_email},
    person::Person,
    rest::Api,
};

async fn recent(app: &TestApp, browser: &mut Browser) -> Vec<Value> {
    let response = browser.call(&app.url("/api/recent_activity")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn summaries(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| entry["summary"].as_str().unwrap().to_owned())
        .collect()
}

/// A wrong code until the step-up's attempts run out, which the page then reports, as its
/// dialog does: the server cannot see the codes typed.
async fn fail_a_step_up(app: &TestApp, tenant: &LocalTenant, browser: &mut Browser, id: &str) {
    let ticket: Value = browser.call_json(&app.url("/api/start_step_up")).await;
    let token = ticket["token"].as_str().unwrap();
    let sdk = tenant.sdk(token);
    sdk.challenge_method("email-otp", &json!(id)).await;
    for _ in 0..12 {
        sdk.verify("email-otp", "000000").await;
    }
    let (status, body) = browser
        .function(app, "report_step_up_failure", &[("token", token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn each_kind_of_event_shows_with_its_device_address_and_time() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "activity").with_user_agent(CHROME_ON_MAC);
    let mut person = person.await;
    let (email, sub) = (person.email.clone(), person.sub.clone());

    // Added on the page (a fresh sign-in needs no step-up for the first method).
    let add_own = [("method", "EMAIL_OTP"), ("email", email.as_str())];
    let (_, ticket) = person.call(&app, "start_enrollment", &add_own).await;
    let added = tenant
        .enroll_email(ticket["token"].as_str().unwrap(), &email)
        .await;
    assert_eq!(added["isVerified"], true, "{added}");
    let second_email = new_email("activity-work");
    let second = tenant.give_email(&sub, &second_email).await;
    person.browser.step_up(&app, &email).await;
    let (status, _) = person.call(&app, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let removal = [("id", second.as_str())];
    let (status, _) = person.call(&app, "remove_authenticator", &removal).await;
    assert_eq!(status, StatusCode::OK);
    let first = tenant.authenticators(&sub).await[0]
        .user_authenticator_id
        .clone();
    let browser = &mut person.browser;
    fail_a_step_up(&app, &tenant, browser, &first).await;

    let entries = recent(&app, browser).await;
    let masked = format!("{}•••@example.com", &email[..1]);
    assert_eq!(
        summaries(&entries),
        [
            "Couldn't verify it's you: too many wrong codes".to_owned(),
            format!(
                "Removed an email code {}•••@example.com",
                &second_email[..1]
            ),
            "Opened Authsignal settings".to_owned(),
            format!("Verified it's you with an email code {masked}"),
            format!("Added an email code {masked}"),
            "Signed in".to_owned(),
        ]
    );
    for entry in &entries {
        assert_eq!(entry["device"], "Chrome on macOS", "{entry}");
        assert_eq!(entry["address"], "127.0.0.1", "{entry}");
        assert!(
            entry["when"]["iso"].as_str().unwrap().ends_with('Z'),
            "{entry}"
        );
        assert_eq!(entry["when"]["relative"], "just now", "{entry}");
    }
    let kinds: Vec<&str> = entries
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "verification_failed",
            "method_removed",
            "opened_settings",
            "verified",
            "method_added",
            "signed_in"
        ]
    );

    // The same over REST, for native apps.
    let rest = Api::of(&app, &person).activity().await.ok();
    let rest = rest.as_array().unwrap();
    assert_eq!(rest.len(), entries.len());
    assert_eq!(rest[1]["kind"], "method_removed");
    assert_eq!(rest[1]["summary"], entries[1]["summary"]);
    assert_eq!(rest[1]["ipAddress"], "127.0.0.1");
    assert!(rest[1]["at"].as_str().unwrap().ends_with('Z'));

    // Someone else sees only their own sign-in.
    let mut other = Browser::signed_up(&app, &new_email("activity-other")).await;
    let theirs = recent(&app, &mut other).await;
    assert_eq!(summaries(&theirs), ["Signed in"]);
    assert_eq!(theirs[0]["device"], Value::Null);
}

#[tokio::test]
async fn authsignal_down_fails_the_log_alone() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[("AUTHSIGNAL_RETRIES", "0")]).await;
    let mut browser = Browser::signed_up(&app, &new_email("activity-down")).await;
    tenant
        .set_faults(json!([{ "path": "/v1/users/*/actions", "fault": { "kind": "status", "status": 503 } }]))
        .await;
    let response = browser.call(&app.url("/api/recent_activity")).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let methods = browser.call(&app.url("/api/list_authenticators")).await;
    assert_eq!(methods.status(), StatusCode::OK);
    let page = browser.get(&app.url("/security")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Recent activity could not be loaded."),
        "{html}"
    );
    assert!(html.contains("Your methods"), "{html}");
}

#[tokio::test]
async fn a_failed_step_up_is_one_entry_whichever_way_authsignal_records_it() {
    // Whether running out of attempts fails the action is not documented (fidelity row 7).
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let fails = json!({ "failActionsAfterAttempts": true });
    tenant.configure("tenant", fails).await;
    let person = Person::signed_up(&app, "fails").signed_in_ago(3600);
    let mut person = person.with_email_method(&tenant).await;
    let id = person.methods[0].clone();
    fail_a_step_up(&app, &tenant, &mut person.browser, &id).await;
    let entries = summaries(&recent(&app, &mut person.browser).await);
    let failed = entries
        .iter()
        .filter(|summary| summary.starts_with("Couldn't verify it's you"))
        .count();
    assert_eq!(failed, 1, "{entries:?}");
}

#[tokio::test]
async fn the_newest_show_for_someone_with_more_actions_than_one_answer_holds() {
    // Authsignal documents neither the order nor the cap of the actions query (fidelity row 9):
    // this tenant answers oldest first, 100 at most.
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    tenant
        .configure("tenant", json!({ "actionsOldestFirst": true }))
        .await;
    let two_days = 2 * 24 * 3600;
    let bearer = app
        .mint(
            json!({ "expires_in": 2 * two_days, "claims": { "sub": "busy", "username": "busy" } }),
        )
        .await;
    for _ in 0..120 {
        tenant.track_token("busy", "signIn", None).await;
    }
    tenant.advance_clock(two_days).await;
    app.state.clock.advance(two_days);
    let email = new_email("busy");
    tenant.give_email("busy", &email).await;
    let sdk = tenant.sdk(&tenant.track_token("busy", "stepUp", None).await);
    sdk.challenge("email-otp").await;
    sdk.verify("email-otp", &tenant.latest_code(&email).await)
        .await;

    let entries = Api::with_token(&app, &bearer).activity().await.ok();
    let newest = &entries.as_array().unwrap()[0];
    let at = time::OffsetDateTime::parse(
        newest["at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let since = time::OffsetDateTime::now_utc() + time::Duration::seconds(two_days - 60);
    assert!(at > since, "the newest entry is from today: {newest}");
}
