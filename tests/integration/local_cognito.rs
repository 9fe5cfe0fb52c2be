//! The local Cognito speaks Cognito's protocol: discovery, JWKS, authorize, token, revoke,
//! userInfo and logout, with Cognito's validation and error answers.

use std::{collections::HashMap, time::Duration};

use crate::support::{
    TestApp,
    browser::{Browser, decrypt_cookie, jwt_claims, location, new_email},
};
use account_security::{config::TokenLifetimes, local::cognito::LocalCognito};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_LocalDev01";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Client {
    id: String,
    secret: String,
}

fn app_client(app: &TestApp) -> Client {
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(app.data_dir.join("cognito/client.json")).unwrap(),
    )
    .unwrap();
    Client {
        id: stored["client_id"].as_str().unwrap().to_owned(),
        secret: stored["client_secret"].as_str().unwrap().to_owned(),
    }
}

fn authorize_url(app: &TestApp, client: &Client, extra: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&app.cognito("/oauth2/authorize")).unwrap();
    let callback = app.url("/auth/callback");
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &client.id),
        ("redirect_uri", &callback),
        ("state", "the-state"),
        ("scope", "openid email"),
        ("nonce", "the-nonce"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        params.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

fn query(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Signs a new user up directly at the emulator; returns the authorization code.
async fn code(app: &TestApp, client: &Client) -> String {
    let mut browser = Browser::new();
    let response = browser.get(&authorize_url(app, client, &[])).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    let callback = browser.sign_up(&login, &new_email("protocol")).await;
    let params = query(&callback);
    assert_eq!(params["state"], "the-state");
    params["code"].clone()
}

async fn token_request(
    app: &TestApp,
    client: &Client,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let response = crate::support::client()
        .post(app.cognito("/oauth2/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn exchange(app: &TestApp, client: &Client, code: &str) -> (StatusCode, Value) {
    let callback = app.url("/auth/callback");
    token_request(
        app,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &callback),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

#[tokio::test]
async fn discovery_names_every_endpoint_and_matches_the_issuer() {
    let app = TestApp::spawn().await;
    let document: Value = crate::support::client()
        .get(app.cognito(&format!("/{POOL}/.well-known/openid-configuration")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = app.cognito(POOL);
    assert_eq!(document["issuer"], issuer.as_str());
    assert_eq!(
        document["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json")
    );
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("userinfo_endpoint", "/oauth2/userInfo"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(document[field], app.cognito(path).as_str(), "{field}");
    }
    assert_eq!(
        document["id_token_signing_alg_values_supported"][0],
        "RS256"
    );
    assert_eq!(
        document["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
}

#[tokio::test]
async fn tokens_carry_cognitos_claims_and_are_signed_by_separate_keys() {
    let app = TestApp::spawn().await;
    let jwks: Value = crate::support::client()
        .get(app.cognito(&format!("/{POOL}/.well-known/jwks.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
        assert_eq!(key["kid"].as_str().unwrap().len(), 44);
    }

    let client = app_client(&app);
    assert_eq!(client.id.len(), 26);
    let (status, tokens) = exchange(&app, &client, &code(&app, &client).await).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .matches('.')
            .count()
            == 0,
        "opaque"
    );
    let access = jwt_claims(tokens["access_token"].as_str().unwrap());
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());

    let issuer = app.cognito(POOL);
    assert_eq!(access["iss"], issuer.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(access["scope"], "openid email");
    assert_eq!(access["version"], 2);
    assert_eq!(access["username"], access["sub"]);
    assert!(
        access.get("aud").is_none(),
        "access tokens have no aud: {access}"
    );
    for claim in ["auth_time", "exp", "iat", "jti", "origin_jti", "event_id"] {
        assert!(access.get(claim).is_some(), "{claim} in {access}");
    }
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], client.id.as_str());
    assert_eq!(id["nonce"], "the-nonce");
    assert_eq!(id["cognito:username"], access["sub"]);
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    assert!(id.get("at_hash").is_some());

    let kid = |token: &Value| -> String {
        let header = token.as_str().unwrap().split('.').next().unwrap();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    assert_ne!(kid(&tokens["access_token"]), kid(&tokens["id_token"]));
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_unregistered_redirects_without_redirecting() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    for (case, extra) in [
        (
            "unknown client",
            vec![("client_id", "unknownclient0000000000000")],
        ),
        ("no client", vec![("client_id", "")]),
        (
            "other redirect",
            vec![("redirect_uri", "https://evil.example/callback")],
        ),
        (
            "redirect with a suffix",
            vec![("redirect_uri", "http://127.0.0.1/auth/callback/x")],
        ),
        ("no redirect", vec![("redirect_uri", "")]),
    ] {
        let response = crate::support::client()
            .get(authorize_url(&app, &client, &extra))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert!(response.headers().get("location").is_none(), "{case}");
    }
}

#[tokio::test]
async fn authorize_reports_bad_requests_at_the_redirect_uri() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    for (case, extra, error) in [
        (
            "no response_type",
            vec![("response_type", "")],
            "invalid_request",
        ),
        (
            "implicit flow",
            vec![("response_type", "token")],
            "unauthorized_client",
        ),
        (
            "unknown response_type",
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            "plain PKCE",
            vec![("code_challenge_method", "plain")],
            "invalid_request",
        ),
        (
            "challenge without method",
            vec![("code_challenge_method", "")],
            "invalid_request",
        ),
        (
            "method without challenge",
            vec![("code_challenge", "")],
            "invalid_request",
        ),
        (
            "short challenge",
            vec![("code_challenge", "abc")],
            "invalid_request",
        ),
        (
            "email without openid",
            vec![("scope", "email")],
            "invalid_scope",
        ),
        (
            "only unknown scopes",
            vec![("scope", "admin")],
            "invalid_scope",
        ),
    ] {
        let response = crate::support::client()
            .get(authorize_url(&app, &client, &extra))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{case}");
        let redirect = location(&response);
        assert!(
            redirect.starts_with(&app.url("/auth/callback?")),
            "{case}: {redirect}"
        );
        let params = query(&redirect);
        assert_eq!(params["error"], error, "{case}");
        assert_eq!(params["state"], "the-state", "{case}");
        assert!(!params.contains_key("code"), "{case}");
    }
}

#[tokio::test]
async fn the_token_endpoint_authenticates_the_client() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    let wrong = Client {
        id: client.id.clone(),
        secret: "wrong".into(),
    };
    let (status, body) = token_request(
        &app,
        &wrong,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    let anonymous = crate::support::client()
        .post(app.cognito("/oauth2/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let public_style = crate::support::client()
        .post(app.cognito("/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", &client.id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        public_style.status(),
        StatusCode::UNAUTHORIZED,
        "the secret is required"
    );

    let code = code(&app, &client).await;
    let callback = app.url("/auth/callback");
    let post_auth = crate::support::client()
        .post(app.cognito("/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
            ("code_verifier", VERIFIER),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        post_auth.status(),
        StatusCode::OK,
        "client_secret_post works too"
    );
}

#[tokio::test]
async fn codes_are_one_time_bound_to_the_redirect_and_the_pkce_verifier() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    let callback = app.url("/auth/callback");

    let first = code(&app, &client).await;
    assert_eq!(exchange(&app, &client, &first).await.0, StatusCode::OK);
    let (status, body) = exchange(&app, &client, &first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "reused"
    );

    let wrong_verifier = code(&app, &client).await;
    let (status, body) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &wrong_verifier),
            ("redirect_uri", &callback),
            ("code_verifier", &"a".repeat(43)),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let no_verifier = code(&app, &client).await;
    let (_, body) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &no_verifier),
            ("redirect_uri", &callback),
        ],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");

    let wrong_redirect = code(&app, &client).await;
    let (_, body) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &wrong_redirect),
            ("redirect_uri", "https://evil.example/callback"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let (_, body) = exchange(&app, &client, &wrong_redirect).await;
    assert_eq!(
        body["error"], "invalid_grant",
        "a failed attempt spends the code"
    );

    let (_, body) = exchange(&app, &client, "never-issued").await;
    assert_eq!(body["error"], "invalid_grant");
    let (_, body) = token_request(&app, &client, &[("grant_type", "password")]).await;
    assert_eq!(body["error"], "unsupported_grant_type");
    let (_, body) = token_request(&app, &client, &[("grant_type", "authorization_code")]).await;
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_keeps_auth_time_and_revocation_ends_it() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    let (_, tokens) = exchange(&app, &client, &code(&app, &client).await).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let original = jwt_claims(tokens["access_token"].as_str().unwrap());

    let (status, refreshed) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert!(refreshed.get("refresh_token").is_none(), "no rotation");
    let renewed = jwt_claims(refreshed["access_token"].as_str().unwrap());
    assert_eq!(renewed["auth_time"], original["auth_time"]);
    assert_eq!(renewed["origin_jti"], original["origin_jti"]);
    assert_ne!(renewed["jti"], original["jti"]);
    assert!(refreshed["id_token"].is_string());

    let revoke = |form: Vec<(&'static str, String)>, client: &Client| {
        crate::support::client()
            .post(app.cognito("/oauth2/revoke"))
            .basic_auth(&client.id, Some(&client.secret))
            .form(&form)
            .send()
    };
    let response = revoke(vec![("token", refresh_token.to_owned())], &client)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "");
    let (status, body) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let unknown = revoke(vec![("token", "unknown".to_owned())], &client)
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        StatusCode::OK,
        "unknown tokens are not an error"
    );
    let missing = revoke(vec![], &client).await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let access = revoke(
        vec![("token", tokens["access_token"].as_str().unwrap().to_owned())],
        &client,
    )
    .await
    .unwrap();
    assert_eq!(access.status(), StatusCode::BAD_REQUEST);
    let body: Value = access.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_token_type");
    let wrong = Client {
        id: client.id.clone(),
        secret: "wrong".into(),
    };
    let unauthorized = revoke(vec![("token", refresh_token.to_owned())], &wrong)
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_tokens_expire() {
    let app = TestApp::spawn_with(&[("LOCAL_COGNITO_REFRESH_TOKEN_SECONDS", "60")]).await;
    let client = app_client(&app);
    let (_, tokens) = exchange(&app, &client, &code(&app, &client).await).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    crate::support::client()
        .post(app.cognito("/_local/clock"))
        .json(&serde_json::json!({ "advance_secs": 61 }))
        .send()
        .await
        .unwrap();
    let (_, body) = token_request(
        &app,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn user_info_answers_for_valid_tokens_only() {
    let app = TestApp::spawn().await;
    let email = new_email("user-info");
    let browser = Browser::signed_up(&app, &email).await;
    let access = decrypt_cookie(
        &app.session_key(),
        "session-access",
        browser.cookie("session-access").unwrap(),
    )
    .unwrap();
    let user_info = |token: Option<String>| {
        let request = crate::support::client().get(app.cognito("/oauth2/userInfo"));
        match token {
            Some(token) => request.bearer_auth(token).send(),
            None => request.send(),
        }
    };
    let response = user_info(Some(access.clone())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], email.as_str());
    assert_eq!(body["sub"], jwt_claims(&access)["sub"]);

    assert_eq!(
        user_info(None).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let garbage = user_info(Some("garbage".into())).await.unwrap();
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    assert!(
        garbage.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let expired = app
        .mint(serde_json::json!({ "email": email, "expires_in": -1 }))
        .await;
    assert_eq!(
        user_info(Some(expired)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let id_token = app
        .mint(serde_json::json!({ "email": email, "token_use": "id" }))
        .await;
    assert_eq!(
        user_info(Some(id_token)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let no_openid = app
        .mint(serde_json::json!({ "email": email, "claims": { "scope": "email" } }))
        .await;
    assert_eq!(
        user_info(Some(no_openid)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_only_returns_to_registered_sign_out_urls() {
    let app = TestApp::spawn().await;
    let client = app_client(&app);
    let signed_out = app.url("/signed-out");
    let logout = |params: Vec<(&str, &str)>| {
        let mut url = Url::parse(&app.cognito("/logout")).unwrap();
        url.query_pairs_mut().extend_pairs(params);
        crate::support::client().get(url).send()
    };
    let ok = logout(vec![("client_id", &client.id), ("logout_uri", &signed_out)])
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    assert_eq!(location(&ok), signed_out);
    for (case, params) in [
        (
            "other site",
            vec![
                ("client_id", client.id.as_str()),
                ("logout_uri", "https://evil.example/"),
            ],
        ),
        ("no client", vec![("logout_uri", signed_out.as_str())]),
        (
            "unknown client",
            vec![
                ("client_id", "unknown"),
                ("logout_uri", signed_out.as_str()),
            ],
        ),
        ("nowhere to go", vec![("client_id", client.id.as_str())]),
    ] {
        let response = logout(params).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert!(response.headers().get("location").is_none(), "{case}");
    }
}

#[tokio::test]
async fn mint_refuses_unknown_users_and_unknown_options() {
    let app = TestApp::spawn().await;
    let unknown = crate::support::client()
        .post(app.cognito("/_local/mint"))
        .json(&serde_json::json!({ "email": "nobody@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let typo = crate::support::client()
        .post(app.cognito("/_local/mint"))
        .json(&serde_json::json!({ "expires": 5 }))
        .send()
        .await
        .unwrap();
    assert!(typo.status().is_client_error());
}

#[tokio::test]
async fn the_pool_keeps_its_client_keys_and_users_across_restarts() {
    let dir = std::env::temp_dir().join(format!("account-security-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app_url = Url::parse("http://localhost:3999").unwrap();
    let settings = crate::support::local_cognito(TokenLifetimes {
        access: Duration::from_secs(3600),
        id: Duration::from_secs(3600),
        refresh: Duration::from_secs(86_400),
    });
    let first = LocalCognito::start(&settings, &dir, &app_url)
        .await
        .unwrap();
    let second = LocalCognito::start(&settings, &dir, &app_url)
        .await
        .unwrap();
    assert_eq!(first.client_id(), second.client_id());
    assert_eq!(first.client_secret(), second.client_secret());
    assert_ne!(first.base_url(), second.base_url());
    assert_eq!(first.issuer(), format!("{}{POOL}", first.base_url()));
    let jwks = |local: &LocalCognito| {
        let url = local.jwks_url();
        async move {
            crate::support::client()
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(jwks(&first).await, jwks(&second).await);
    assert!(!format!("{first:?}").contains(first.client_secret().expose()));
    let users = std::fs::read_to_string(dir.join("cognito/users.json")).unwrap();
    assert!(users.contains("demo@example.com"));
    assert!(!users.contains("Demo-password-1"), "passwords are hashed");
}

#[tokio::test]
async fn like_cognito_the_pool_takes_plain_http_callbacks_only_for_localhost() {
    let hour = Duration::from_secs(3600);
    let settings = crate::support::local_cognito(TokenLifetimes {
        access: hour,
        id: hour,
        refresh: hour,
    });
    let dir = crate::support::authsignal::fresh_data_dir("callbacks");
    for accepted in [
        "http://localhost:3000",
        "https://account.example.com",
        "https://127.0.0.1:8443",
    ] {
        let url = Url::parse(accepted).unwrap();
        assert!(
            LocalCognito::start(&settings, &dir, &url).await.is_ok(),
            "{accepted}"
        );
    }
    for refused in ["http://127.0.0.1:3000", "http://account.example.com"] {
        let url = Url::parse(refused).unwrap();
        let error = LocalCognito::start(&settings, &dir, &url)
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("http://localhost")
                && message.contains("LOCAL_COGNITO_ALLOW_HTTP_CALLBACKS"),
            "{refused}: {message}"
        );
    }
    let for_tests = account_security::config::LocalCognitoSettings {
        allow_http_callbacks: true,
        ..settings
    };
    let url = Url::parse("http://127.0.0.1:3000").unwrap();
    assert!(LocalCognito::start(&for_tests, &dir, &url).await.is_ok());
}

#[tokio::test]
async fn the_public_app_client_authenticates_with_its_id_alone() {
    let hour = Duration::from_secs(3600);
    let settings = crate::support::local_cognito(TokenLifetimes {
        access: hour,
        id: hour,
        refresh: hour,
    });
    let dir = crate::support::authsignal::fresh_data_dir("public-client");
    let pool = LocalCognito::start(&settings, &dir, &Url::parse("http://localhost:9").unwrap())
        .await
        .unwrap();
    assert_ne!(pool.public_client_id(), pool.client_id());
    let revoke = |form: Vec<(&'static str, String)>| {
        let url = pool.base_url().join("oauth2/revoke").unwrap();
        async move {
            let response = crate::support::client()
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    let public = pool.public_client_id().to_owned();
    let (status, body) = revoke(vec![
        ("token", "unknown".into()),
        ("client_id", public.clone()),
    ])
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = revoke(vec![
        ("token", "unknown".into()),
        ("client_id", public),
        ("client_secret", "anything".into()),
    ])
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a public client sends no secret: {body}"
    );
    let (status, body) = revoke(vec![
        ("token", "unknown".into()),
        ("client_id", pool.client_id().to_owned()),
    ])
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the confidential one needs its secret: {body}"
    );
}

#[tokio::test]
async fn with_rotation_each_refresh_gives_a_new_refresh_token_and_retires_the_used_one() {
    let app = TestApp::spawn_with(&[("LOCAL_COGNITO_REFRESH_TOKEN_ROTATION", "true")]).await;
    let client = app_client(&app);
    let (_, tokens) = exchange(&app, &client, &code(&app, &client).await).await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let original = jwt_claims(tokens["access_token"].as_str().unwrap());
    let refresh = async |token: &str| {
        let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
        token_request(&app, &client, &form).await
    };
    let (status, rotated) = refresh(first).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(second, first);
    let renewed = jwt_claims(rotated["access_token"].as_str().unwrap());
    assert_eq!(
        renewed["origin_jti"], original["origin_jti"],
        "the same sign-in"
    );
    let (status, body) = refresh(first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(refresh(second).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_admin_api_signs_a_user_out_everywhere_only_for_a_signed_call() {
    let app = TestApp::spawn().await;
    let call = |authorization: Option<&str>, body: Value| {
        let mut request = crate::support::client()
            .post(app.cognito("/"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut",
            )
            .body(body.to_string());
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let signed = "AWS4-HMAC-SHA256 Credential=LOCALACCESSKEY/20261207/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let demo = jwt_claims(&app.mint(json!({})).await)["sub"].clone();
    let body = json!({ "UserPoolId": "us-east-1_LocalDev01", "Username": demo });
    let cases = [
        (None, body.clone(), "MissingAuthenticationTokenException"),
        (
            Some(signed),
            json!({ "UserPoolId": "us-east-1_Other", "Username": demo }),
            "ResourceNotFoundException",
        ),
        (
            Some(signed),
            json!({ "UserPoolId": "us-east-1_LocalDev01", "Username": "nobody" }),
            "UserNotFoundException",
        ),
        (Some(signed), json!({}), "InvalidParameterException"),
    ];
    for (authorization, body, kind) in cases {
        let (status, answer) = call(authorization, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}");
        assert_eq!(answer["__type"], kind);
    }
    let (status, answer) = call(Some(signed), body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({}));
}
