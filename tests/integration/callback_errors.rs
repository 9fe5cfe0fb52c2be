//! Every way a sign-in callback can fail ends on the signed-out page with a reason and a
//! "Sign in again" link: never a 500, never a session.

use crate::support::{
    TestApp,
    browser::{Browser, decrypt_cookie, encrypt_cookie, location, new_email, query_param},
    client, send,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Each reason a sign-in fails for, and the heading of the signed-out page that says so.
const HEADINGS: [(&str, &str); 6] = [
    ("cancelled", "Sign-in was cancelled"),
    ("expired", "Sign-in took too long"),
    ("state-mismatch", "Sign-in could not be completed"),
    ("failed", "Sign-in could not be completed"),
    ("code-rejected", "This sign-in has expired"),
    ("unavailable", "The sign-in service is not available"),
];

/// Follows the callback's redirect and checks the signed-out page it leads to, which gives
/// `reason`.
async fn assert_signed_out_page(
    app: &TestApp,
    browser: &mut Browser,
    callback: &str,
    reason: &str,
) {
    let (_, heading) = HEADINGS.iter().find(|(r, _)| *r == reason).unwrap();
    let response = browser.get(callback).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{callback}");
    assert_eq!(
        location(&response),
        app.url(&format!("/signed-out?reason={reason}"))
    );
    assert!(
        browser.cookie("session-access").is_none(),
        "no session after {reason}"
    );
    assert!(
        browser.cookie("sign-in-flow").is_none(),
        "the flow is spent after {reason}"
    );
    let page = browser.get(&location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(heading), "{heading} in {html}");
    assert!(html.contains(r#"href="/auth/sign-in""#), "{html}");
    assert!(html.contains("Sign in again"), "{html}");
    let security = browser.get(&app.url("/security")).await;
    assert_eq!(security.status(), StatusCode::SEE_OTHER, "still signed out");
}

/// An app, and a browser with a sign-in taken up to the callback, not yet followed.
async fn pending_callback() -> (TestApp, Browser, String) {
    let app = TestApp::spawn().await;
    let (mut browser, login) = Browser::at_sign_in(&app).await;
    let callback = browser.sign_up(&login, &new_email("callback")).await;
    (app, browser, callback)
}

fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(key, _)| key != name)
        .collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (key, existing) in &pairs {
            query.append_pair(key, existing);
        }
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    url.to_string()
}

#[tokio::test]
async fn the_hosted_page_reports_access_denied() {
    let (app, mut browser, callback) = pending_callback().await;
    let state = query_param(&callback, "state");
    let denied = app.url(&format!(
        "/auth/callback?error=access_denied&error_description=User+cancelled&state={state}"
    ));
    assert_signed_out_page(&app, &mut browser, &denied, "cancelled").await;
}

#[tokio::test]
async fn the_hosted_page_reports_another_error() {
    let (app, mut browser, callback) = pending_callback().await;
    let error = app.url(&format!(
        "/auth/callback?error=server_error&error_description=%3Cscript%3E&state={}",
        query_param(&callback, "state")
    ));
    let response = browser.get(&error).await;
    assert_eq!(location(&response), app.url("/signed-out?reason=failed"));
    let html = browser.get_text(&location(&response)).await;
    assert!(
        !html.contains("<script>"),
        "outside text is never shown: {html}"
    );
    assert!(html.contains("Sign-in could not be completed"), "{html}");
}

#[tokio::test]
async fn no_sign_in_pending_in_this_browser() {
    let (app, _started_here, callback) = pending_callback().await;
    let mut elsewhere = Browser::new();
    assert_signed_out_page(&app, &mut elsewhere, &callback, "expired").await;
}

#[tokio::test]
async fn a_flow_cookie_that_does_not_decrypt() {
    let (app, mut browser, callback) = pending_callback().await;
    browser.set_cookie("sign-in-flow", "forged");
    assert_signed_out_page(&app, &mut browser, &callback, "expired").await;
}

#[tokio::test]
async fn a_state_that_is_not_this_browsers() {
    let (app, mut browser, callback) = pending_callback().await;
    let forged = with_param(&callback, "state", Some("attacker-state"));
    assert_signed_out_page(&app, &mut browser, &forged, "state-mismatch").await;
}

#[tokio::test]
async fn a_missing_state() {
    let (app, mut browser, callback) = pending_callback().await;
    let stripped = with_param(&callback, "state", None);
    assert_signed_out_page(&app, &mut browser, &stripped, "state-mismatch").await;
}

#[tokio::test]
async fn a_missing_code() {
    let (app, mut browser, callback) = pending_callback().await;
    let stripped = with_param(&callback, "code", None);
    assert_signed_out_page(&app, &mut browser, &stripped, "failed").await;
}

#[tokio::test]
async fn a_code_used_twice() {
    let (app, mut browser, callback) = pending_callback().await;
    let mut replay = browser.clone();
    let first = browser.get(&callback).await;
    assert_eq!(location(&first), app.url("/security"));
    assert_signed_out_page(&app, &mut replay, &callback, "code-rejected").await;
}

#[tokio::test]
async fn a_code_older_than_five_minutes() {
    let (app, mut browser, callback) = pending_callback().await;
    let clock = client().post(app.cognito("/_local/clock"));
    let advanced = send(clock.json(&json!({ "advance_secs": 301 }))).await;
    assert_eq!(advanced.status(), StatusCode::NO_CONTENT);
    assert_signed_out_page(&app, &mut browser, &callback, "code-rejected").await;
}

#[tokio::test]
async fn a_wrong_pkce_verifier() {
    let (app, mut browser, callback) = pending_callback().await;
    let key = app.session_key();
    let flow = decrypt_cookie(
        &key,
        "sign-in-flow",
        browser.cookie("sign-in-flow").unwrap(),
    )
    .unwrap();
    let mut flow: Value = serde_json::from_str(&flow).unwrap();
    flow["pkce_verifier"] = json!("x".repeat(64));
    browser.set_cookie(
        "sign-in-flow",
        &encrypt_cookie(&key, "sign-in-flow", &flow.to_string()),
    );
    assert_signed_out_page(&app, &mut browser, &callback, "code-rejected").await;
}

#[tokio::test]
async fn cognito_down_at_the_token_endpoint() {
    let (app, mut browser, callback) = pending_callback().await;
    app.cognito_fault("/oauth2/token", 503).await;
    assert_signed_out_page(&app, &mut browser, &callback, "unavailable").await;
}

#[tokio::test]
async fn a_failed_callback_leaves_an_existing_session_alone() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("existing")).await;
    let response = browser
        .get(&app.url("/auth/callback?error=access_denied"))
        .await;
    assert_eq!(location(&response), app.url("/signed-out?reason=cancelled"));
    let security = browser.get(&app.url("/security")).await;
    assert_eq!(
        security.status(),
        StatusCode::OK,
        "a crafted link cannot sign anyone out"
    );
}
