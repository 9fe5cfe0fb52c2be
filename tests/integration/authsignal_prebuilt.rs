//! The local pre-built UI, driven as a browser would drive its forms: challenge, settings, and
//! the return to the app with a token that `/validate` accepts.

use crate::support::authsignal::{LocalTenant, hidden, hidden_token};
use account_security::{
    model::VerificationMethod,
    wire::authsignal::{ActionState, TrackAttributes},
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use url::Url;

const RETURN_URL: &str = "http://127.0.0.1:3000/security/return";

async fn open(tenant: &LocalTenant, url: &str) -> (StatusCode, String) {
    let response = tenant.http.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn submit(tenant: &LocalTenant, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    tenant
        .http
        .post(tenant.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn page(tenant: &LocalTenant, path: &str, fields: &[(&str, &str)]) -> String {
    let response = submit(tenant, path, fields).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// The token the pre-built UI appended to the return URL.
fn returned_token(response: &reqwest::Response, expected_prefix: &str) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(expected_prefix), "{location}");
    Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a token in the return URL")
}

/// Sends a code to the method and enters it; returns the page that follows.
async fn pass_challenge(
    tenant: &LocalTenant,
    html: &str,
    method_id: &str,
    to: &str,
) -> reqwest::Response {
    let token = hidden_token(html);
    let code_page = page(
        tenant,
        "/prebuilt/challenge",
        &[("token", &token), ("authenticatorId", method_id)],
    )
    .await;
    assert!(code_page.contains("Enter your code"), "{code_page}");
    let code = tenant.latest_code(to).await;
    submit(
        tenant,
        "/prebuilt/verify",
        &[
            ("token", &hidden_token(&code_page)),
            ("authenticatorId", &hidden(&code_page, "authenticatorId")),
            ("code", &code),
        ],
    )
    .await
}

#[tokio::test]
async fn settings_mode_challenges_then_manages_then_returns_a_valid_token() {
    let tenant = LocalTenant::start("prebuilt-settings").await;
    let first_id = tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        redirect_url: Some(format!("{RETURN_URL}?from=settings")),
        redirect_to_settings: Some(true),
        ..TrackAttributes::default()
    };
    let track = tenant
        .client
        .track("user-1", "manageAuthenticators", &attributes)
        .await
        .unwrap();

    let (status, html) = open(&tenant, track.url.expose()).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm it"), "{html}");
    assert!(html.contains("j***@example.com"), "{html}");

    // A wrong code first.
    let code_page = page(
        &tenant,
        "/prebuilt/challenge",
        &[
            ("token", &hidden_token(&html)),
            ("authenticatorId", &first_id),
        ],
    )
    .await;
    let code = tenant.latest_code("jane@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let retry = page(
        &tenant,
        "/prebuilt/verify",
        &[
            ("token", &hidden_token(&code_page)),
            ("authenticatorId", &first_id),
            ("code", wrong),
        ],
    )
    .await;
    assert!(retry.contains("That code is wrong"), "{retry}");

    let settings = page(
        &tenant,
        "/prebuilt/verify",
        &[
            ("token", &hidden_token(&retry)),
            ("authenticatorId", &first_id),
            ("code", &code),
        ],
    )
    .await;
    assert!(settings.contains("Your sign-in methods"), "{settings}");
    assert!(settings.contains("Your only method"), "{settings}");
    assert!(
        !settings.contains("/prebuilt/remove"),
        "the last cannot be removed"
    );

    // Add an email address.
    let code_page = page(
        &tenant,
        "/prebuilt/enroll",
        &[
            ("token", &hidden_token(&settings)),
            ("method", "EMAIL_OTP"),
            ("address", "work@example.com"),
        ],
    )
    .await;
    let code = tenant.latest_code("work@example.com").await;
    let settings = page(
        &tenant,
        "/prebuilt/verify",
        &[
            ("token", &hidden_token(&code_page)),
            ("authenticatorId", &hidden(&code_page, "authenticatorId")),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(
        settings.matches("/prebuilt/remove").count(),
        2,
        "{settings}"
    );

    // Remove the first one; the other is now the last.
    let settings = page(
        &tenant,
        "/prebuilt/remove",
        &[
            ("token", &hidden_token(&settings)),
            ("authenticatorId", &first_id),
        ],
    )
    .await;
    assert!(settings.contains("Removed."), "{settings}");
    let remaining = tenant.client.get_authenticators("user-1").await.unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].email.as_deref(), Some("work@example.com"));

    // Even a hand-made request cannot remove the last one.
    let refused = page(
        &tenant,
        "/prebuilt/remove",
        &[
            ("token", &hidden_token(&settings)),
            ("authenticatorId", &remaining[0].user_authenticator_id),
        ],
    )
    .await;
    assert!(refused.contains("only way to sign in"), "{refused}");
    assert_eq!(
        tenant
            .client
            .get_authenticators("user-1")
            .await
            .unwrap()
            .len(),
        1
    );

    let done = submit(
        &tenant,
        "/prebuilt/done",
        &[("token", &hidden_token(&refused))],
    )
    .await;
    let token = returned_token(&done, &format!("{RETURN_URL}?from=settings&token="));
    let validated = tenant
        .client
        .validate_challenge(&token, Some("user-1"), Some("manageAuthenticators"))
        .await
        .unwrap();
    assert!(validated.succeeded_for("user-1"), "{validated:?}");
    assert_eq!(
        validated.verification_method,
        Some(VerificationMethod::EmailOtp)
    );
    assert_eq!(
        validated.idempotency_key.as_deref(),
        Some(track.idempotency_key.as_str())
    );
}

#[tokio::test]
async fn without_settings_a_passed_challenge_returns_at_once() {
    let tenant = LocalTenant::start("prebuilt-challenge").await;
    let id = tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        redirect_url: Some(RETURN_URL.into()),
        ..TrackAttributes::default()
    };
    let track = tenant
        .client
        .track("user-1", "signIn", &attributes)
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    let response = pass_challenge(&tenant, &html, &id, "jane@example.com").await;
    let token = returned_token(&response, &format!("{RETURN_URL}?token="));
    let validated = tenant
        .client
        .validate_challenge(&token, Some("user-1"), Some("signIn"))
        .await
        .unwrap();
    assert!(validated.is_valid);
}

#[tokio::test]
async fn a_user_without_methods_adds_one_first() {
    let tenant = LocalTenant::start("prebuilt-first").await;
    let attributes = TrackAttributes {
        redirect_url: Some(RETURN_URL.into()),
        ..TrackAttributes::default()
    };
    let track = tenant
        .client
        .track("user-1", "addAuthenticator", &attributes)
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    assert!(html.contains("Add a sign-in method"), "{html}");
    let code_page = page(
        &tenant,
        "/prebuilt/enroll",
        &[
            ("token", &hidden_token(&html)),
            ("method", "SMS"),
            ("address", "+64211234567"),
        ],
    )
    .await;
    assert!(code_page.contains("+*******4567"), "{code_page}");
    let code = tenant.latest_code("+64211234567").await;
    let response = submit(
        &tenant,
        "/prebuilt/verify",
        &[
            ("token", &hidden_token(&code_page)),
            ("authenticatorId", &hidden(&code_page, "authenticatorId")),
            ("code", &code),
        ],
    )
    .await;
    let token = returned_token(&response, RETURN_URL);
    let validated = tenant
        .client
        .validate_challenge(&token, Some("user-1"), None)
        .await
        .unwrap();
    assert!(validated.is_valid);
    assert_eq!(validated.verification_method, Some(VerificationMethod::Sms));
}

#[tokio::test]
async fn bad_input_on_a_page_is_shown_and_nothing_changes() {
    let tenant = LocalTenant::start("prebuilt-bad-input").await;
    let track = tenant
        .client
        .track("user-1", "addAuthenticator", &TrackAttributes::default())
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    let again = page(
        &tenant,
        "/prebuilt/enroll",
        &[
            ("token", &hidden_token(&html)),
            ("method", "EMAIL_OTP"),
            ("address", "not-an-email"),
        ],
    )
    .await;
    assert!(again.contains("email must be an email address"), "{again}");
    assert!(again.contains("Add a sign-in method"), "{again}");

    let no_codes = submit(
        &tenant,
        "/prebuilt/enroll",
        &[
            ("token", &hidden_token(&html)),
            ("method", "PASSKEY"),
            ("address", "jane@example.com"),
        ],
    )
    .await;
    assert_eq!(no_codes.status(), 400);
    assert!(
        tenant
            .client
            .get_authenticators("user-1")
            .await
            .unwrap()
            .is_empty()
    );

    let incomplete = submit(&tenant, "/prebuilt/verify", &[("token", "x")]).await;
    assert_eq!(incomplete.status(), 400);
    let no_token = tenant
        .http
        .get(tenant.url("/prebuilt"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 400);
}

#[tokio::test]
async fn cancelling_returns_a_token_that_is_not_valid() {
    let tenant = LocalTenant::start("prebuilt-cancel").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        redirect_url: Some(RETURN_URL.into()),
        redirect_to_settings: Some(true),
        ..TrackAttributes::default()
    };
    let track = tenant
        .client
        .track("user-1", "manageAuthenticators", &attributes)
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    let response = submit(
        &tenant,
        "/prebuilt/done",
        &[("token", &hidden_token(&html))],
    )
    .await;
    let token = returned_token(&response, RETURN_URL);
    let validated = tenant
        .client
        .validate_challenge(&token, Some("user-1"), None)
        .await
        .unwrap();
    assert!(!validated.is_valid);
    assert_eq!(validated.state, Some(ActionState::ChallengeRequired));
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let tenant = LocalTenant::start("prebuilt-expired").await;
    let track = tenant
        .client
        .track("user-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap();
    tenant.advance_clock(601).await;
    let (status, html) = open(&tenant, track.url.expose()).await;
    assert_eq!(status, 401);
    assert!(html.contains("expired"), "{html}");
}

#[tokio::test]
async fn without_a_redirect_url_the_end_is_a_page() {
    let tenant = LocalTenant::start("prebuilt-no-redirect").await;
    let track = tenant
        .client
        .track("user-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    let done = page(
        &tenant,
        "/prebuilt/done",
        &[("token", &hidden_token(&html))],
    )
    .await;
    assert!(done.contains("All done"), "{done}");
}

#[tokio::test]
async fn the_manage_scope_skips_the_challenge() {
    let tenant = LocalTenant::start("prebuilt-scope").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        redirect_url: Some(RETURN_URL.into()),
        redirect_to_settings: Some(true),
        scope: Some("add:authenticators update:authenticators remove:authenticators".into()),
        ..TrackAttributes::default()
    };
    let track = tenant
        .client
        .track("user-1", "manageAuthenticators", &attributes)
        .await
        .unwrap();
    let (_, html) = open(&tenant, track.url.expose()).await;
    assert!(html.contains("Your sign-in methods"), "{html}");
}

#[tokio::test]
async fn methods_without_codes_cannot_be_challenged_locally() {
    let tenant = LocalTenant::start("prebuilt-passkey").await;
    tenant
        .give("user-1", json!({ "verificationMethod": "PASSKEY" }))
        .await;
    let track = tenant
        .client
        .track("user-1", "signIn", &TrackAttributes::default())
        .await
        .unwrap();
    let (status, html) = open(&tenant, track.url.expose()).await;
    assert_eq!(status, 200);
    assert!(html.contains("only email and SMS codes"), "{html}");
}

#[tokio::test]
async fn what_users_typed_is_escaped_in_pages() {
    let tenant = LocalTenant::start("prebuilt-escape").await;
    let address = "<b>x</b>@example.com";
    tenant.give_email("user-1", address).await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    tenant
        .client_json(&token, Method::POST, "/v1/client/challenge/email-otp", None)
        .await;
    let html = tenant
        .http
        .get(tenant.url("/outbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<b>x</b>"), "{html}");
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;@example.com"), "{html}");
}
