//! The local pre-built UI, driven as a browser would drive its forms: challenge, settings, and
//! the return to the app with a token that `/validate` accepts.

use crate::support::{
    authsignal::{LocalTenant, wrong_code},
    prebuilt::shown,
};
use account_security::{
    model::VerificationMethod,
    wire::authsignal::{ActionState, TrackAttributes, TrackResponse},
};
use reqwest::StatusCode;
use url::Url;

const RETURN_URL: &str = "http://127.0.0.1:3000/security/return";

/// A visit that returns to [`RETURN_URL`], to the settings if `settings`.
fn returning(settings: bool) -> TrackAttributes {
    TrackAttributes {
        redirect_url: Some(RETURN_URL.into()),
        redirect_to_settings: settings.then_some(true),
        ..TrackAttributes::default()
    }
}

/// Tracks `action` for user-1 and opens the link to the pages: the track, and the first page
/// with its status.
async fn visit(
    tenant: &LocalTenant,
    action: &str,
    attributes: &TrackAttributes,
) -> (TrackResponse, StatusCode, String) {
    let track = tenant.track("user-1", action, attributes).await;
    let (status, html) = tenant.prebuilt().open(track.url.expose()).await;
    (track, status, html)
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

#[tokio::test]
async fn settings_mode_challenges_then_manages_then_returns_a_valid_token() {
    let tenant = LocalTenant::start("prebuilt-settings").await;
    let first_id = tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        redirect_url: Some(format!("{RETURN_URL}?from=settings")),
        ..returning(true)
    };
    let (track, status, html) = visit(&tenant, "manageAuthenticators", &attributes).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm it"), "{html}");
    assert!(html.contains("j***@example.com"), "{html}");
    let pages = tenant.prebuilt();

    // A wrong code first.
    let first = [("authenticatorId", first_id.as_str())];
    let code_page = pages.next(&html, "/prebuilt/challenge", &first).await;
    let code = tenant.latest_code("jane@example.com").await;
    let wrong = [first[0], ("code", wrong_code(&code))];
    let retry = pages.next(&code_page, "/prebuilt/verify", &wrong).await;
    assert!(retry.contains("That code is wrong"), "{retry}");

    let right = [first[0], ("code", code.as_str())];
    let settings = pages.next(&retry, "/prebuilt/verify", &right).await;
    assert!(settings.contains("Your sign-in methods"), "{settings}");
    assert!(settings.contains("Your only method"), "{settings}");
    assert!(
        !settings.contains("/prebuilt/remove"),
        "the last cannot be removed"
    );

    // Add an email address.
    let work = [("method", "EMAIL_OTP"), ("address", "work@example.com")];
    let code_page = pages.next(&settings, "/prebuilt/enroll", &work).await;
    let settings = shown(pages.enter_code(&code_page, "work@example.com").await).await;
    assert_eq!(
        settings.matches("/prebuilt/remove").count(),
        2,
        "{settings}"
    );

    // Remove the first one; the other is now the last.
    let settings = pages.next(&settings, "/prebuilt/remove", &first).await;
    assert!(settings.contains("Removed."), "{settings}");
    let remaining = tenant.authenticators("user-1").await;
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].email.as_deref(), Some("work@example.com"));

    // Even a hand-made request cannot remove the last one.
    let last = [(
        "authenticatorId",
        remaining[0].user_authenticator_id.as_str(),
    )];
    let refused = pages.next(&settings, "/prebuilt/remove", &last).await;
    assert!(refused.contains("only way to sign in"), "{refused}");
    assert_eq!(tenant.authenticators("user-1").await.len(), 1);

    let done = pages.send_from(&refused, "/prebuilt/done", &[]).await;
    let token = returned_token(&done, &format!("{RETURN_URL}?from=settings&token="));
    let validated = tenant
        .validate(&token, Some("user-1"), Some("manageAuthenticators"))
        .await;
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
    let (_, _, html) = visit(&tenant, "signIn", &returning(false)).await;
    let pages = tenant.prebuilt();
    let response = pages.pass_challenge(&html, &id, "jane@example.com").await;
    let token = returned_token(&response, &format!("{RETURN_URL}?token="));
    let validated = tenant
        .validate(&token, Some("user-1"), Some("signIn"))
        .await;
    assert!(validated.is_valid);
}

#[tokio::test]
async fn a_user_without_methods_adds_one_first() {
    let tenant = LocalTenant::start("prebuilt-first").await;
    let (_, _, html) = visit(&tenant, "addAuthenticator", &returning(false)).await;
    assert!(html.contains("Add a sign-in method"), "{html}");
    let pages = tenant.prebuilt();
    let sms = [("method", "SMS"), ("address", "+64211234567")];
    let code_page = pages.next(&html, "/prebuilt/enroll", &sms).await;
    assert!(code_page.contains("+*******4567"), "{code_page}");
    let response = pages.enter_code(&code_page, "+64211234567").await;
    let token = returned_token(&response, RETURN_URL);
    let validated = tenant.validate(&token, Some("user-1"), None).await;
    assert!(validated.is_valid);
    assert_eq!(validated.verification_method, Some(VerificationMethod::Sms));
}

#[tokio::test]
async fn bad_input_on_a_page_is_shown_and_nothing_changes() {
    let tenant = LocalTenant::start("prebuilt-bad-input").await;
    let anywhere = TrackAttributes::default();
    let (_, _, html) = visit(&tenant, "addAuthenticator", &anywhere).await;
    let pages = tenant.prebuilt();
    let bad = [("method", "EMAIL_OTP"), ("address", "not-an-email")];
    let again = pages.next(&html, "/prebuilt/enroll", &bad).await;
    assert!(again.contains("email must be an email address"), "{again}");
    assert!(again.contains("Add a sign-in method"), "{again}");

    let passkey = [("method", "PASSKEY"), ("address", "jane@example.com")];
    let no_codes = pages.send_from(&html, "/prebuilt/enroll", &passkey).await;
    assert_eq!(no_codes.status(), 400);
    assert!(tenant.authenticators("user-1").await.is_empty());

    let incomplete = pages.submit("/prebuilt/verify", &[("token", "x")]).await;
    assert_eq!(incomplete.status(), 400);
    assert_eq!(tenant.get("/prebuilt").await.status(), 400);
}

#[tokio::test]
async fn cancelling_returns_a_token_that_is_not_valid() {
    let tenant = LocalTenant::start("prebuilt-cancel").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let (_, _, html) = visit(&tenant, "manageAuthenticators", &returning(true)).await;
    let pages = tenant.prebuilt();
    let response = pages.send_from(&html, "/prebuilt/done", &[]).await;
    let token = returned_token(&response, RETURN_URL);
    let validated = tenant.validate(&token, Some("user-1"), None).await;
    assert!(!validated.is_valid);
    assert_eq!(validated.state, Some(ActionState::ChallengeRequired));
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let tenant = LocalTenant::start("prebuilt-expired").await;
    let anywhere = TrackAttributes::default();
    let track = tenant.track("user-1", "signIn", &anywhere).await;
    tenant.advance_clock(601).await;
    let (status, html) = tenant.prebuilt().open(track.url.expose()).await;
    assert_eq!(status, 401);
    assert!(html.contains("expired"), "{html}");
}

#[tokio::test]
async fn without_a_redirect_url_the_end_is_a_page() {
    let tenant = LocalTenant::start("prebuilt-no-redirect").await;
    let (_, _, html) = visit(&tenant, "signIn", &TrackAttributes::default()).await;
    let done = tenant.prebuilt().next(&html, "/prebuilt/done", &[]).await;
    assert!(done.contains("All done"), "{done}");
}

#[tokio::test]
async fn the_manage_scope_skips_the_challenge() {
    let tenant = LocalTenant::start("prebuilt-scope").await;
    tenant.give_email("user-1", "jane@example.com").await;
    let attributes = TrackAttributes {
        scope: Some("add:authenticators update:authenticators remove:authenticators".into()),
        ..returning(true)
    };
    let (_, _, html) = visit(&tenant, "manageAuthenticators", &attributes).await;
    assert!(html.contains("Your sign-in methods"), "{html}");
}

#[tokio::test]
async fn methods_without_codes_cannot_be_challenged_locally() {
    let tenant = LocalTenant::start("prebuilt-passkey").await;
    let passkey = serde_json::json!({ "verificationMethod": "PASSKEY" });
    tenant.give("user-1", passkey).await;
    let (_, status, html) = visit(&tenant, "signIn", &TrackAttributes::default()).await;
    assert_eq!(status, 200);
    assert!(html.contains("only email and SMS codes"), "{html}");
}

#[tokio::test]
async fn what_users_typed_is_escaped_in_pages() {
    let tenant = LocalTenant::start("prebuilt-escape").await;
    let address = "<b>x</b>@example.com";
    tenant.give_email("user-1", address).await;
    let token = tenant.track_token("user-1", "signIn", None).await;
    tenant.sdk(&token).challenge("email-otp").await;
    let html = tenant.get("/outbox").await.text().await.unwrap();
    assert!(!html.contains("<b>x</b>"), "{html}");
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;@example.com"), "{html}");
}

#[tokio::test]
async fn each_step_leads_to_a_page_that_back_loads_again_without_a_stale_error() {
    let tenant = LocalTenant::start("prebuilt-back").await;
    let id = tenant.give_email("user-1", "jane@example.com").await;
    let (_, _, html) = visit(&tenant, "manageAuthenticators", &returning(true)).await;
    let token = crate::support::authsignal::hidden_token(&html);
    let send = [("token", token.as_str()), ("authenticatorId", id.as_str())];
    let post = |path: &str, fields: &[(&str, &str)]| {
        let form = tenant.http.post(tenant.url(path)).form(fields);
        async move { form.send().await.unwrap() }
    };
    let page_at = |response: &reqwest::Response| {
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/prebuilt?"), "{location}");
        tenant.url(location)
    };

    let code_page_url = page_at(&post("/prebuilt/challenge", &send).await);
    let (_, code_page) = tenant.prebuilt().open(&code_page_url).await;
    assert!(code_page.contains("Enter your code"), "{code_page}");
    let code = tenant.latest_code("jane@example.com").await;
    let verify = [send[0], send[1], ("code", code.as_str())];
    let settings_url = page_at(&post("/prebuilt/verify", &verify).await);
    let (_, settings) = tenant.prebuilt().open(&settings_url).await;
    assert!(settings.contains("Verified."), "{settings}");

    // Back, to the page that asked for the code: the code is used, the challenge passed; the
    // page shows where the visit is now.
    let (status, again) = tenant.prebuilt().open(&code_page_url).await;
    assert_eq!(status, 200);
    assert!(again.contains("Your sign-in methods"), "{again}");
    assert!(!again.contains("That code is wrong"), "{again}");
}
