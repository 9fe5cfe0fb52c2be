//! Signing in through the local Cognito's hosted pages, over real HTTP.

use crate::support::{
    TestApp,
    browser::{Browser, PASSWORD, decrypt_cookie, jwt_claims, location, new_email},
};
use reqwest::StatusCode;
use serde_json::Value;

/// The access token in the browser's session cookie.
fn cookie_token(app: &TestApp, browser: &Browser) -> String {
    let cookie = browser.cookie("session-access").unwrap();
    decrypt_cookie(&app.session_key(), "session-access", cookie).unwrap()
}

#[tokio::test]
async fn a_new_user_signs_up_and_lands_on_the_security_page() {
    let app = TestApp::spawn().await;
    let email = new_email("sign-up");
    let mut browser = Browser::signed_up(&app, &email).await;

    let page = browser.get(&app.url("/security")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign-in methods"), "{html}");
    assert!(html.contains(&email), "the header names the user: {html}");
    assert!(html.contains(r#"action="/auth/sign-out""#), "{html}");

    let me = browser.call(&app.url("/api/me")).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], email.as_str());
    assert_eq!(
        me["username"].as_str().unwrap().len(),
        36,
        "the sub, as Cognito sets it: {me}"
    );
}

#[tokio::test]
async fn the_session_cookies_are_encrypted_httponly_and_lax() {
    let app = TestApp::spawn().await;
    let (mut browser, login) = Browser::at_sign_in(&app).await;
    let callback = browser.sign_up(&login, &new_email("cookies")).await;
    let response = browser.get(&callback).await;
    let set_cookies: Vec<String> = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    for name in ["session-access", "session-id", "session-refresh"] {
        let cookie = set_cookies
            .iter()
            .find(|cookie| cookie.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {set_cookies:?}"));
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{attribute} in {cookie}");
        }
        // http://127.0.0.1: no Secure, no __Host- (browsers would drop them).
        assert!(!cookie.contains("Secure"), "{cookie}");
    }
    let access = browser.cookie("session-access").unwrap();
    assert_eq!(
        access.matches('.').count(),
        0,
        "the token is not readable: {access}"
    );
    let token = decrypt_cookie(&app.session_key(), "session-access", access).unwrap();
    assert_eq!(jwt_claims(&token)["token_use"], "access");
    assert!(
        set_cookies
            .iter()
            .any(|cookie| cookie.starts_with("sign-in-flow=;")
                || cookie.starts_with("sign-in-flow=") && cookie.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn the_demo_user_signs_in_with_the_documented_password() {
    let app = TestApp::spawn().await;
    let (mut browser, login) = Browser::at_sign_in(&app).await;
    let callback = browser
        .log_in(&login, "demo@example.com", "Demo-password-1")
        .await;
    let response = browser.get(&callback).await;
    assert_eq!(location(&response), app.url("/security"));
    let page = browser
        .get(&app.url("/security"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("demo@example.com"), "{page}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_on_the_hosted_page() {
    let app = TestApp::spawn().await;
    let (mut browser, login) = Browser::at_sign_in(&app).await;
    let response = browser
        .post_form(
            &login,
            &[("username", "demo@example.com"), ("password", "wrong")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("Incorrect username or password."), "{html}");
    assert!(
        html.contains(r#"value="demo@example.com""#),
        "the address is kept: {html}"
    );
}

#[tokio::test]
async fn sign_up_with_bad_input_explains_and_keeps_the_address() {
    let app = TestApp::spawn().await;
    let (mut browser, login) = Browser::at_sign_in(&app).await;
    let sign_up = login.replacen("/login?", "/signup?", 1);
    let cases = [
        ("not-an-address", PASSWORD, "Enter a valid email address"),
        (
            "weak@example.com",
            "password",
            "Use 8 to 256 characters and include an uppercase letter, a number and a symbol.",
        ),
        (
            "demo@example.com",
            PASSWORD,
            "An account with the given email already exists.",
        ),
        ("", "", "Enter a valid email address"),
    ];
    for (email, password, message) in cases {
        let response = browser
            .post_form(&sign_up, &[("email", email), ("password", password)])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{email}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message} in {html}");
        assert!(html.contains(&format!(r#"value="{email}""#)), "{html}");
    }
}

#[tokio::test]
async fn a_returning_user_with_a_managed_login_session_is_signed_straight_back_in() {
    let app = TestApp::spawn().await;
    let email = new_email("continue");
    let mut browser = Browser::signed_up(&app, &email).await;
    let first_auth_time = jwt_claims(&cookie_token(&app, &browser))["auth_time"].clone();
    // As Cognito does: /oauth2/authorize reads the managed-login session and answers with a
    // code at once (awslabs/cognito-at-edge#109).
    let response = browser.get(&app.url("/auth/sign-in")).await;
    let authorize = location(&response);
    let response = browser.get(&authorize).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let callback = location(&response);
    assert!(
        callback.starts_with(&app.url("/auth/callback?code=")),
        "{callback}"
    );
    let response = browser.get(&callback).await;
    assert_eq!(location(&response), app.url("/security"));
    assert_eq!(
        jwt_claims(&cookie_token(&app, &browser))["auth_time"],
        first_auth_time,
        "the session's sign-in is no new authentication"
    );

    // Only the login page itself asks "Continue as".
    let response = browser.get(&app.url("/auth/sign-in")).await;
    let login = location(&response).replacen("/oauth2/authorize?", "/login?", 1);
    let page = browser.get_text(&login).await;
    assert!(page.contains(&format!("Continue as {email}")), "{page}");
    let response = browser
        .post_form(&login, &[("continue_session", "1")])
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let response = browser.get(&location(&response)).await;
    assert_eq!(location(&response), app.url("/security"));
}

#[tokio::test]
async fn prompt_login_asks_for_the_password_whatever_session_there_is() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("prompt")).await;
    let response = browser.get(&app.url("/auth/sign-in")).await;
    let authorize = format!("{}&prompt=login", location(&response));
    let response = browser.get(&authorize).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    assert!(login.contains("/login?"), "{login}");
    let page = browser.get_text(&login).await;
    assert!(!page.contains("Continue as"), "{page}");
    let refused = browser
        .post_form(&login, &[("continue_session", "1")])
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new();
    let response = browser.get(&app.url("/security?tab=methods")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let sign_in = location(&response);
    assert_eq!(
        sign_in,
        app.url("/auth/sign-in?return_to=%2Fsecurity%3Ftab%3Dmethods")
    );
    let login = browser
        .open_sign_in(&app, sign_in.trim_start_matches(&app.base_url))
        .await;
    let callback = browser.sign_up(&login, &new_email("return")).await;
    let response = browser.get(&callback).await;
    assert_eq!(location(&response), app.url("/security?tab=methods"));
}

#[tokio::test]
async fn there_is_no_open_redirect_after_sign_in() {
    let app = TestApp::spawn().await;
    for hostile in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "javascript%3Aalert(1)",
        // Dot segments that normalise into `//evil.example`.
        "%2F.%2F%2Fevil.example",
        "%2Fa%2F..%2F%2Fevil.example",
        "%2F%252e%2F%2Fevil.example",
    ] {
        let mut browser = Browser::new();
        let login = browser
            .open_sign_in(&app, &format!("/auth/sign-in?return_to={hostile}"))
            .await;
        let callback = browser.sign_up(&login, &new_email("redirect")).await;
        let response = browser.get(&callback).await;
        let landing = location(&response);
        assert!(
            landing == app.url("/security") || landing == app.url("/evil.example"),
            "{hostile}: {landing}"
        );
    }
}

#[tokio::test]
async fn a_signed_out_visit_to_the_security_page_goes_to_sign_in() {
    let app = TestApp::spawn().await;
    let response = app.get("/security").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        app.url("/auth/sign-in?return_to=%2Fsecurity")
    );
}

#[tokio::test]
async fn a_signed_out_server_function_call_is_a_typed_401() {
    let app = TestApp::spawn().await;
    let response = Browser::new().call(&app.url("/api/me")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("serverfnerror"));
    assert_eq!(response.text().await.unwrap(), r#""NotSignedIn""#);
}

#[tokio::test]
async fn the_sign_in_request_asks_for_the_code_flow_with_pkce_and_a_nonce() {
    let app = TestApp::spawn().await;
    let response = app.get("/auth/sign-in").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let flow_cookie = response.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap();
    assert!(flow_cookie.starts_with("sign-in-flow="), "{flow_cookie}");
    assert!(
        flow_cookie.contains("HttpOnly") && flow_cookie.contains("Max-Age=600"),
        "{flow_cookie}"
    );
    let authorize = reqwest::Url::parse(&location(&response)).unwrap();
    assert_eq!(authorize.path(), "/oauth2/authorize");
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "openid email");
    assert_eq!(query["redirect_uri"], app.url("/auth/callback"));
    assert!(query.contains_key("state") && query.contains_key("nonce"));
}

#[tokio::test]
async fn a_classic_hosted_ui_ignores_prompt_and_the_app_says_so_instead_of_looping() {
    // A Lite-plan pool: only managed login knows prompt=login (fidelity row 1).
    let app = TestApp::spawn_with(&[("LOCAL_COGNITO_MANAGED_LOGIN", "false")]).await;
    let mut browser = Browser::signed_up(&app, &new_email("classic")).await;
    // Ten minutes on, the page asks for a fresh sign-in to add a first method.
    app.state.clock.advance(601);
    let again = app.url("/auth/sign-in?prompt=login&return_to=%2Fsecurity%3Fresume%3Dadd");
    let authorize = location(&browser.get(&again).await);
    assert!(authorize.contains("prompt=login"), "{authorize}");
    // The classic UI signs the person straight back in from its session.
    let callback = location(&browser.get(&authorize).await);
    assert!(
        callback.starts_with(&app.url("/auth/callback?code=")),
        "{callback}"
    );
    let landed = location(&browser.get(&callback).await);
    assert_eq!(landed, app.url("/security?notice=sign-in-not-fresh"));
    let page = browser.get_text(&landed).await;
    assert!(
        page.contains("without being asked for your password"),
        "{page}"
    );
}
