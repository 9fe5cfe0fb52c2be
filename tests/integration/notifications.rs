//! Notices by mail, through a real SMTP server (aiosmtpd): one message per change, however the
//! change was made (the page, the REST API, Authsignal's pre-built UI through its webhook), and a
//! mail server that does not answer holds nothing up. The webhook receiver's checks, one case per
//! way a delivery can be wrong.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{
    TestApp,
    authsignal::LocalTenant,
    browser::CHROME_ON_MAC,
    person::Person,
    rest::Api,
    smtp::{Received, SmtpServer},
    webhooks::{deliver, event, signature},
};

async fn app_mailing_to(smtp_url: &str) -> (TestApp, LocalTenant) {
    let (app, tenant) = TestApp::spawn_with_tenant(&[("SMTP_URL", smtp_url)]).await;
    tenant
        .configure(
            "tenant",
            json!({ "webhookUrl": app.url("/webhooks/authsignal") }),
        )
        .await;
    (app, tenant)
}

/// A mail server, and the app mailing its notices to it.
async fn mailing(name: &str) -> (SmtpServer, TestApp, LocalTenant) {
    let smtp = SmtpServer::start(name).await;
    let (app, tenant) = app_mailing_to(&smtp.url()).await;
    (smtp, app, tenant)
}

/// Someone signed in on a Mac with two email methods, stepped up on the page.
async fn person(app: &TestApp, tenant: &LocalTenant, label: &str) -> Person {
    let person = Person::signed_up(app, label).with_user_agent(CHROME_ON_MAC);
    person.with_email_methods(tenant, 2).stepped_up().await
}

/// The address of the person's second method, as Authsignal keeps it.
async fn second_address(tenant: &LocalTenant, person: &Person) -> String {
    let methods = tenant.authenticators(&person.sub).await;
    methods[1].email.clone().unwrap()
}

/// Removes the person's second method on the page.
async fn remove_second_on_page(app: &TestApp, person: &mut Person) {
    let second = person.methods[1].clone();
    let (status, _) = person
        .call(app, "remove_authenticator", &[("id", &second)])
        .await;
    assert_eq!(status, StatusCode::OK);
}

fn removals(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|message| message.subject.contains("removed"))
        .collect()
}

/// Waits for the notice of a removal and shows no second one comes.
async fn one_removal_notice(smtp: &SmtpServer) -> Received {
    for _ in 0..200 {
        if !removals(&smtp.messages()).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The webhook for the same removal arrives too: it must not make a second message.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut messages = smtp.messages();
    let count = removals(&messages).len();
    assert_eq!(count, 1, "{messages:?}");
    let position = messages
        .iter()
        .position(|message| message.subject.contains("removed"))
        .unwrap();
    messages.remove(position)
}

fn assert_says_what_happened(notice: &Received, person: &Person, removed_email: &str) {
    assert_eq!(notice.to, person.email);
    assert_eq!(notice.from, "no-reply@localhost");
    assert!(
        notice
            .raw
            .contains("From: \"Account Security\" <no-reply@localhost>")
            || notice
                .raw
                .contains("From: Account Security <no-reply@localhost>"),
        "{}",
        notice.raw
    );
    assert_eq!(
        notice.subject,
        "A sign-in method was removed from your account"
    );
    let masked = format!(
        "{}•••@{}",
        &removed_email[..1],
        removed_email.split_once('@').unwrap().1
    );
    assert!(
        notice
            .text
            .contains(&format!("An email code ({masked}) was removed")),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("When: "), "{}", notice.text);
    assert!(notice.text.contains("/security"), "{}", notice.text);
    assert!(notice.html.contains("/security"), "{}", notice.html);
    assert!(
        !notice.raw.contains(removed_email),
        "never the method's full address"
    );
}

/// The notice names the Mac the person used.
fn assert_names_the_device(notice: &Received) {
    let device = notice.text.contains("Device: Chrome on macOS");
    assert!(device, "{}", notice.text);
}

#[tokio::test]
async fn a_removal_on_the_page_is_mailed_once_with_what_where_and_when() {
    let (smtp, app, tenant) = mailing("page").await;
    let mut person = person(&app, &tenant, "notice-page").await;
    let removed_email = second_address(&tenant, &person).await;
    remove_second_on_page(&app, &mut person).await;
    let notice = one_removal_notice(&smtp).await;
    assert_says_what_happened(&notice, &person, &removed_email);
    assert_names_the_device(&notice);
    assert!(
        notice.text.contains("Address: 127.0.0.1"),
        "{}",
        notice.text
    );
    // Each method the tenant added was announced by its webhook too.
    let added = smtp
        .messages()
        .into_iter()
        .filter(|message| message.subject.contains("added"))
        .count();
    assert_eq!(added, 2);
}

#[tokio::test]
async fn a_removal_over_rest_is_mailed_once_to_the_address_authsignal_keeps() {
    let (smtp, app, tenant) = mailing("rest").await;
    let person = person(&app, &tenant, "notice-rest").await;
    let removed_email = second_address(&tenant, &person).await;
    // An access token carries no email: the notice goes where the last sign-in put it.
    let step_up = app.step_up_token(&person.bearer, &person.email).await;
    let api = Api::of(&app, &person).stepped_up(&step_up);
    api.remove(&person.methods[1]).await.ok();
    let notice = one_removal_notice(&smtp).await;
    assert_says_what_happened(&notice, &person, &removed_email);
}

#[tokio::test]
async fn a_removal_in_the_prebuilt_ui_is_mailed_once_through_the_webhook() {
    let (smtp, app, tenant) = mailing("prebuilt").await;
    let mut person = person(&app, &tenant, "notice-prebuilt").await;
    let removed_email = second_address(&tenant, &person).await;
    let url: String = person
        .browser
        .call_json(&app.url("/api/prebuilt_ui_url"))
        .await;
    let prebuilt = tenant.prebuilt();
    let settings = prebuilt
        .settings(&url, &person.methods[0], &person.email)
        .await;
    let second = [("authenticatorId", person.methods[1].as_str())];
    let removed = prebuilt.next(&settings, "/prebuilt/remove", &second).await;
    assert!(removed.contains("Removed."), "{removed}");
    let notice = one_removal_notice(&smtp).await;
    assert_says_what_happened(&notice, &person, &removed_email);
    // Attributed to the visit to Authsignal's settings the page started.
    assert_names_the_device(&notice);
}

#[tokio::test]
async fn a_mail_server_that_never_answers_holds_no_change_up() {
    // Accepts connections and says nothing: the worst a mail server can do.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let (app, tenant) = app_mailing_to(&format!("smtp://127.0.0.1:{port}")).await;
    let mut person = person(&app, &tenant, "notice-down").await;
    let started = Instant::now();
    remove_second_on_page(&app, &mut person).await;
    // The mailer waits 30 s for a silent server; the removal must not wait with it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let remaining = tenant.authenticators(&person.sub).await;
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].user_authenticator_id, person.methods[0]);
}

#[tokio::test]
async fn webhook_deliveries_are_refused_unless_signed_fresh_and_new() {
    let (smtp, app, tenant) = mailing("webhooks").await;
    let person = Person::signed_up(&app, "webhook").await;
    let user = &person.sub;
    let secret = tenant.local.secret().expose().to_owned();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = event("e1", user);
    let signed = signature(&secret, now, &good);
    let cases = [
        ("unsigned", None, good.clone(), StatusCode::UNAUTHORIZED),
        (
            "signed with another secret",
            Some(signature("wrong", now, &good)),
            good.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a body changed after signing",
            Some(signed.clone()),
            good.replace("SMS", "PASSKEY"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "stale",
            Some(signature(&secret, now - 600, &good)),
            good.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "not a signature",
            Some("v2=abc".to_owned()),
            good.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        ("good", Some(signed.clone()), good.clone(), StatusCode::OK),
        (
            "replayed",
            Some(signed.clone()),
            good.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "the same event, signed again",
            Some(signature(&secret, now + 1, &good)),
            good.clone(),
            StatusCode::OK,
        ),
    ];
    for (case, header, body, expected) in cases {
        assert_eq!(
            deliver(&app, header.as_deref(), &body).await,
            expected,
            "{case}"
        );
    }
    // Rotation, signed properly: one of the two is good.
    let second = event("e2", user);
    let both = format!(
        "{},v2={}",
        signature("an-old-secret", now, &second),
        signature(&secret, now, &second)
            .split_once("v2=")
            .unwrap()
            .1
    );
    assert_eq!(deliver(&app, Some(&both), &second).await, StatusCode::OK);
    // Two events, each mailed once, however often delivered.
    let messages = smtp.wait_for(2).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    for message in &messages {
        assert_eq!(message.to, person.email);
        assert!(
            message
                .text
                .contains("A text message code (+64 •• ••• 4567) was added"),
            "{}",
            message.text
        );
        assert!(!message.raw.contains("+64211234567"));
    }
}

/// The line of a notice that says when the change was made.
fn when(notice: &Received) -> &str {
    notice
        .text
        .lines()
        .find(|line| line.starts_with("When: "))
        .unwrap()
}

#[tokio::test]
async fn a_removal_reported_without_its_time_is_dated_by_the_event_not_by_the_creation() {
    let (smtp, app, tenant) = mailing("no-deleted-at").await;
    // Whether authenticator.deleted carries deletedAt is not documented (fidelity row 3).
    tenant
        .configure("tenant", json!({ "sendDeletedAt": false }))
        .await;
    let person = Person::signed_up(&app, "no-deleted-at").await;
    let id = tenant.give_email(&person.sub, &person.email).await;
    smtp.wait_for(1).await;
    // The tenant's clock is three days on; its deliveries are signed at the real time.
    tenant.advance_clock(3 * 24 * 3600).await;
    let path = format!("/v1/users/{}/authenticators/{id}", person.sub);
    let deleted = tenant.server(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let messages = smtp.wait_for(2).await;
    let added = messages
        .iter()
        .find(|m| m.subject.contains("added"))
        .unwrap();
    let removed = messages.iter().find(|m| m.subject.contains("removed"));
    let removed = removed.unwrap_or_else(|| panic!("{messages:?}"));
    assert_ne!(when(removed), when(added), "{}", removed.text);
}
