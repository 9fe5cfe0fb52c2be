//! The session over real HTTP: verification on every request, silent refresh, sign-out with
//! revocation, forged cookies, key rotation, and Cognito outages.

use crate::support::{
    TestApp,
    browser::{Browser, decrypt_cookie, encrypt_cookie, jwt_claims, location, new_email},
    client, forge, now,
    person::Person,
    rest::Api,
    send,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The app once with each kind of Cognito app client: with a secret, and without one.
async fn each_app_client() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for kind in ["confidential", "public"] {
        apps.push(TestApp::spawn_with(&[("LOCAL_COGNITO_APP_CLIENT", kind)]).await);
    }
    apps
}

const ACCESS: &str = "session-access";
const ID: &str = "session-id";
const REFRESH: &str = "session-refresh";

/// Puts `token` in the access cookie, encrypted with the app's key as the app would.
fn plant_access_token(app: &TestApp, browser: &mut Browser, token: &str) {
    browser.set_cookie(ACCESS, &encrypt_cookie(&app.session_key(), ACCESS, token));
}

fn cookie_token(app: &TestApp, browser: &Browser, name: &str) -> String {
    decrypt_cookie(&app.session_key(), name, browser.cookie(name).unwrap()).unwrap()
}

async fn me(app: &TestApp, browser: &mut Browser) -> (StatusCode, String) {
    let response = browser.call(&app.url("/api/me")).await;
    (response.status(), response.text().await.unwrap())
}

fn assert_signed_out(response: &reqwest::Response, app: &TestApp) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(response),
        app.url("/auth/sign-in?return_to=%2Fsecurity")
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_silently() {
    for app in each_app_client().await {
        refreshes_silently(app).await;
    }
}

async fn refreshes_silently(app: TestApp) {
    let Person {
        email, mut browser, ..
    } = Person::signed_up(&app, "refresh").await;
    let expired = app.mint(json!({ "email": email, "expires_in": -60 })).await;
    plant_access_token(&app, &mut browser, &expired);

    let page = browser.get(&app.url("/security")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(&email));
    let renewed = cookie_token(&app, &browser, ACCESS);
    assert_ne!(renewed, expired);
    let claims = jwt_claims(&renewed);
    assert!(claims["exp"].as_i64().unwrap() > now());
    assert_eq!(
        jwt_claims(&cookie_token(&app, &browser, ID))["email"],
        email.as_str()
    );
    assert!(
        browser.cookie(REFRESH).is_some(),
        "the refresh token is kept"
    );
    assert_eq!(me(&app, &mut browser).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_server_function_call_refreshes_too() {
    let app = TestApp::spawn().await;
    let email = new_email("refresh-fn");
    let mut browser = Browser::signed_up(&app, &email).await;
    browser.remove_cookie(ACCESS);
    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(&email), "{body}");
    assert!(
        browser.cookie(ACCESS).is_some(),
        "a new access token was set"
    );
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_clears_the_cookies_and_ends_managed_login() {
    for app in each_app_client().await {
        signs_out_everywhere(app).await;
    }
}

async fn signs_out_everywhere(app: TestApp) {
    let email = new_email("sign-out");
    let mut browser = Browser::signed_up(&app, &email).await;
    let stolen = browser.clone();
    let access_token = cookie_token(&app, &browser, ACCESS);
    let user_info = |token: String| {
        let request = client().get(app.cognito("/oauth2/userInfo"));
        async { send(request.bearer_auth(token)).await.status() }
    };
    assert_eq!(user_info(access_token.clone()).await, StatusCode::OK);

    let response = browser.post_form(&app.url("/auth/sign-out"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let logout = reqwest::Url::parse(&location(&response)).unwrap();
    assert!(
        logout.as_str().starts_with(&app.cognito("/logout")),
        "{logout}"
    );
    let query: std::collections::HashMap<_, _> = logout.query_pairs().into_owned().collect();
    assert_eq!(query["logout_uri"], app.url("/signed-out"));
    for name in [ACCESS, ID, REFRESH] {
        assert!(browser.cookie(name).is_none(), "{name} is cleared");
    }

    let response = browser.get(logout.as_str()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), app.url("/signed-out"));
    let page = browser.get_text(&location(&response)).await;
    assert!(page.contains("You are signed out"), "{page}");
    assert!(page.contains("Sign in again"), "{page}");
    assert_signed_out(&browser.get(&app.url("/security")).await, &app);

    // The managed-login session is over: the hosted page asks for a password again.
    let login = browser.open_sign_in(&app, "/auth/sign-in").await;
    let html = browser.get(&login).await.text().await.unwrap();
    assert!(!html.contains("Continue as"), "{html}");

    // Revoked: Cognito refuses the tokens of that sign-in, and a copy of the old cookies
    // cannot be refreshed once the access token expires.
    assert_eq!(user_info(access_token).await, StatusCode::UNAUTHORIZED);
    let mut stolen = stolen;
    let expired = app.mint(json!({ "email": email, "expires_in": -60 })).await;
    plant_access_token(&app, &mut stolen, &expired);
    let response = stolen.get(&app.url("/security")).await;
    assert_signed_out(&response, &app);
    for name in [ACCESS, ID, REFRESH] {
        assert!(
            stolen.cookie(name).is_none(),
            "{name} is cleared after a refused refresh"
        );
    }
}

#[tokio::test]
async fn a_sign_out_cognito_does_not_confirm_still_signs_out_here_and_says_so() {
    let app = TestApp::spawn().await;
    let email = new_email("revoke-fails");
    let mut browser = Browser::signed_up(&app, &email).await;
    app.cognito_fault("/oauth2/revoke", 503).await;
    let response = browser.post_form(&app.url("/auth/sign-out"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = location(&response);
    assert_eq!(page, app.url("/signed-out?reason=revocation-unconfirmed"));
    for name in [ACCESS, ID, REFRESH] {
        assert!(browser.cookie(name).is_none(), "{name} is cleared");
    }
    let html = browser.get(&page).await.text().await.unwrap();
    assert!(html.contains("other devices"), "{html}");
    assert!(html.contains("Finish signing out"), "{html}");
    assert_signed_out(&browser.get(&app.url("/security")).await, &app);
    // Finishing signs out of managed login too.
    let response = browser.post_form(&app.url("/auth/sign-out"), &[]).await;
    assert!(location(&response).starts_with(&app.cognito("/logout")));
}

#[tokio::test]
async fn sign_out_is_post_only() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("get-sign-out")).await;
    let response = browser.get(&app.url("/auth/sign-out")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        browser.get(&app.url("/security")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn only_the_security_pages_and_server_functions_read_the_session() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new();
    // A forged cookie is cleared wherever the session is read, and only there.
    browser.set_cookie(ACCESS, "forged");
    for path in [
        "/healthz",
        "/",
        "/signed-out",
        "/pkg/nothing.js",
        "/no-such-page",
        // Only the page itself, not whatever starts like it.
        "/securityx",
        "/security-settings",
    ] {
        let response = browser.get(&app.url(path)).await;
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{path} read the session"
        );
        assert!(browser.cookie(ACCESS).is_some(), "{path}");
    }
    for path in ["/security", "/security/return?token=t"] {
        let mut browser = browser.clone();
        let response = browser.get(&app.url(path)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(&response).starts_with(&app.url("/auth/sign-in?return_to=%2Fsecurity")),
            "{path}"
        );
        assert!(
            browser.cookie(ACCESS).is_none(),
            "{path}: the cookie is cleared"
        );
    }
    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(browser.cookie(ACCESS).is_none());
}

#[tokio::test]
async fn a_cookie_holding_a_forged_or_wrong_token_means_signed_out() {
    let app = TestApp::spawn().await;
    let email = new_email("forged");
    let signed_in = Browser::signed_up(&app, &email).await;
    let minted = |claims: Value| app.mint(json!({ "email": email, "claims": claims }));
    // The forged and foreign tokens of `forge::bad_tokens` are in the next test; these two
    // need a signed-in browser's own cookies.
    let cases: Vec<(&str, Option<String>)> = vec![
        ("not encrypted", None),
        (
            "without username",
            Some(minted(json!({ "username": null })).await),
        ),
    ];
    for (case, token) in cases {
        let mut browser = signed_in.clone();
        browser.remove_cookie(REFRESH);
        match token {
            Some(token) => plant_access_token(&app, &mut browser, &token),
            None => {
                let token = app.mint(json!({ "email": email })).await;
                browser.set_cookie(ACCESS, &token);
            }
        }
        let (status, body) = me(&app, &mut browser).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(body, r#""NotSignedIn""#, "{case}");
        assert!(
            browser.cookie(ACCESS).is_none(),
            "{case}: the cookie is cleared"
        );
        let mut browser = signed_in.clone();
        browser.remove_cookie(REFRESH);
        browser.set_cookie(ACCESS, "forged");
        assert_signed_out(&browser.get(&app.url("/security")).await, &app);
    }
}

#[tokio::test]
async fn a_session_holding_any_bad_token_reaches_no_server_function() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let demo = Person::demo(&app).with_email_methods(&tenant, 2).await;
    let id = &demo.methods[0];
    let remove = app.url("/api/remove_authenticator");
    for (case, token) in forge::bad_tokens(&app, &demo.bearer).await {
        // No refresh token: an expired access token cannot be renewed.
        let mut browser = Browser::new();
        plant_access_token(&app, &mut browser, &token);
        let response = browser.call_with(&remove, &[("id", id)]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(response.text().await.unwrap(), r#""NotSignedIn""#, "{case}");
        assert!(
            browser.cookie(ACCESS).is_none(),
            "{case}: the cookie is cleared"
        );

        let mut browser = Browser::new();
        plant_access_token(&app, &mut browser, &token);
        assert_signed_out(&browser.get(&app.url("/security")).await, &app);
    }
    let methods = app.state.authsignal.get_authenticators(&demo.sub).await;
    let methods = methods.unwrap();
    assert_eq!(methods.len(), 2, "nothing was removed");
}

#[tokio::test]
async fn an_id_token_of_someone_else_means_signed_out() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("mixed")).await;
    browser.remove_cookie(REFRESH);
    let demo_id_token = app.mint(json!({ "token_use": "id" })).await;
    browser.set_cookie(ID, &encrypt_cookie(&app.session_key(), ID, &demo_id_token));
    assert_eq!(me(&app, &mut browser).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rotated_keys_are_picked_up_and_old_tokens_keep_working() {
    let app = TestApp::spawn().await;
    let email = new_email("rotation");
    let mut browser = Browser::signed_up(&app, &email).await;
    let old_kid = jwt_header_kid(&cookie_token(&app, &browser, ACCESS));

    let rotated = app.rotate_keys().await;
    let new_kid = rotated["access_kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);

    assert_eq!(
        me(&app, &mut browser).await.0,
        StatusCode::OK,
        "old key still published"
    );
    let fresh = app.mint(json!({ "email": email })).await;
    assert_eq!(jwt_header_kid(&fresh), new_kid);
    plant_access_token(&app, &mut browser, &fresh);
    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the unknown kid made the app refetch the JWKS: {body}"
    );
}

#[tokio::test]
async fn random_key_ids_from_anyone_do_not_sign_out_a_session_under_a_rotated_key() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    let app = TestApp::spawn().await;
    let email = new_email("rotation-storm");
    let mut browser = Browser::signed_up(&app, &email).await;
    let genuine = app.mint(json!({ "email": email })).await;
    let (_, rest) = genuine.split_once('.').unwrap();
    let anonymous = || async {
        let kid = uuid::Uuid::new_v4().to_string();
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "kid": kid }).to_string());
        let unknown = Api::with_token(&app, &format!("{header}.{rest}"));
        let status = unknown.list().response().await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    };
    anonymous().await;
    app.rotate_keys().await;
    anonymous().await;
    let fresh = app.mint(json!({ "email": email })).await;
    plant_access_token(&app, &mut browser, &fresh);
    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(browser.cookie(REFRESH).is_some(), "still signed in");
}

fn jwt_header_kid(token: &str) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn with_the_jwks_endpoint_down_cached_keys_keep_working() {
    let app = TestApp::spawn().await;
    let email = new_email("jwks-down");
    let mut browser = Browser::signed_up(&app, &email).await;
    app.cognito_fault("/us-east-1_LocalDev01/.well-known/jwks.json", 500)
        .await;

    assert_eq!(
        browser.get(&app.url("/security")).await.status(),
        StatusCode::OK
    );
    assert_eq!(me(&app, &mut browser).await.0, StatusCode::OK);
    let ready = app.get("/readyz").await.status();
    assert_eq!(ready, StatusCode::OK, "keys are loaded");

    // A token under a key the app has never seen cannot be checked while the JWKS is down:
    // that is Cognito being unavailable, not the user being signed out.
    app.rotate_keys().await;
    let unseen = app.mint(json!({ "email": email })).await;
    plant_access_token(&app, &mut browser, &unseen);
    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body.contains("Upstream") && body.contains("Cognito"),
        "{body}"
    );
    assert!(
        browser.cookie(ACCESS).is_some(),
        "the session is kept for later"
    );
}

#[tokio::test]
async fn readiness_fails_while_the_keys_cannot_be_loaded() {
    let app = TestApp::spawn().await;
    app.cognito_fault("/us-east-1_LocalDev01/.well-known/jwks.json", 503)
        .await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["problems"][0]["reason"], "cognito_keys_unavailable");
}

#[tokio::test]
async fn a_refresh_during_a_cognito_outage_keeps_the_session_for_later() {
    let app = TestApp::spawn().await;
    let email = new_email("outage");
    let mut browser = Browser::signed_up(&app, &email).await;
    let expired = app.mint(json!({ "email": email, "expires_in": -60 })).await;
    plant_access_token(&app, &mut browser, &expired);
    app.cognito_fault("/oauth2/token", 503).await;

    let (status, body) = me(&app, &mut browser).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        browser.cookie(REFRESH).is_some(),
        "not signed out by an outage"
    );

    app.clear_cognito_faults().await;
    assert_eq!(me(&app, &mut browser).await.0, StatusCode::OK);
}

#[tokio::test]
async fn with_refresh_token_rotation_the_new_token_is_kept_and_the_step_up_survives() {
    for rotation in ["false", "true"] {
        let vars = [("LOCAL_COGNITO_REFRESH_TOKEN_ROTATION", rotation)];
        let (app, tenant) = TestApp::spawn_with_tenant(&vars).await;
        let person = Person::signed_up(&app, "rotation").with_email_method(&tenant);
        let mut person = person.stepped_up().await;
        let before = cookie_token(&app, &person.browser, REFRESH);
        for _ in 0..2 {
            person.browser.remove_cookie(ACCESS);
            let (status, window) = person.call(&app, "step_up_status", &[]).await;
            assert_eq!(status, StatusCode::OK, "{rotation}: {window}");
            assert!(window["remaining_secs"].is_number(), "{rotation}: {window}");
        }
        let after = cookie_token(&app, &person.browser, REFRESH);
        assert_eq!(after != before, rotation == "true", "{rotation}");
    }
}
