//! The security review's findings (`security-review.md`), one test per outcome it asked for,
//! over real HTTP against the emulators, a real mail server and a real Redis.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{
    TestApp,
    authsignal::LocalTenant,
    browser::{Browser, encrypt_cookie, new_email},
    person::Person,
    redis::RedisServer,
    rest::Api,
    smtp::{Received, SmtpServer},
    webhooks::{deliver, event, signature},
};

const THIRTY_DAYS: i64 = 30 * 24 * 3600;

/// The app mailing its notices to `smtp`, and its tenant announcing changes by webhook.
async fn mailing(smtp: &SmtpServer, vars: &[(&str, &str)]) -> (TestApp, LocalTenant) {
    let url = smtp.url();
    let mut all = vec![("SMTP_URL", url.as_str())];
    all.extend_from_slice(vars);
    let (app, tenant) = TestApp::spawn_with_tenant(&all).await;
    let hook = json!({ "webhookUrl": app.url("/webhooks/authsignal") });
    tenant.configure("tenant", hook).await;
    (app, tenant)
}

fn to<'a>(messages: &'a [Received], address: &str) -> Vec<&'a Received> {
    messages
        .iter()
        .filter(|message| message.to == address)
        .collect()
}

/// What `smtp` holds for `address` once a second has passed with nothing new.
async fn settled_mail(smtp: &SmtpServer, address: &str) -> Vec<Received> {
    let mut seen = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let messages = smtp.messages();
        if messages.len() == seen {
            return to(&messages, address).into_iter().cloned().collect();
        }
        seen = messages.len();
    }
}

#[tokio::test]
async fn f1_the_prebuilt_ui_needs_a_step_up_at_both_doors() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "f1").signed_in_ago(THIRTY_DAYS);
    let mut person = person.with_email_method(&tenant).await;
    let (status, body) = person.call(&app, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({ "StepUpRequired": { "via": "method" } }));
    let api = Api::of(&app, &person);
    api.prebuilt_ui().await.assert_step_up_required("method");

    person.browser.step_up(&app, &person.email).await;
    let (status, body) = person.call(&app, "prebuilt_ui_url", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let url = api.stepped_up(&proof).prebuilt_ui().await.ok();
    assert!(url["prebuiltUiUrl"].is_string(), "{url}");
}

#[tokio::test]
async fn f2_a_webhook_whose_notice_could_not_be_sent_is_answered_503_and_mailed_on_redelivery() {
    let mut smtp = SmtpServer::start("f2").await;
    let (app, tenant) = mailing(&smtp, &[]).await;
    let person = Person::signed_up(&app, "f2").await;
    let secret = tenant.local.secret().expose().to_owned();
    let body = event("f2-outage", &person.sub);
    let header = signature(
        &secret,
        time::OffsetDateTime::now_utc().unix_timestamp(),
        &body,
    );

    smtp.stop();
    let status = deliver(&app, Some(&header), &body).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "Authsignal delivers again"
    );
    smtp.restart().await;
    // Authsignal's redelivery is the same signed bytes.
    assert_eq!(deliver(&app, Some(&header), &body).await, StatusCode::OK);
    assert_eq!(
        deliver(&app, Some(&header), &body).await,
        StatusCode::UNAUTHORIZED
    );
    let mail = settled_mail(&smtp, &person.email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.contains("added"), "{}", mail[0].subject);
}

#[tokio::test]
async fn f2_on_lambda_a_notice_is_sent_before_the_answer() {
    let smtp = SmtpServer::start("f2-lambda").await;
    let redis = RedisServer::start("f2-lambda").await;
    let redis_url = redis.url();
    // The Lambda runtime's variable: no work may outlive the answer.
    let lambda = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9"),
        ("REDIS_URL", redis_url.as_str()),
    ];
    let (app, tenant) = mailing(&smtp, &lambda).await;
    let person = Person::signed_up(&app, "f2-lambda");
    let person = person.with_email_methods(&tenant, 2).await;
    let added = settled_mail(&smtp, &person.email).await.len();
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let api = Api::of(&app, &person).stepped_up(&proof);
    api.remove(&person.methods[1]).await.ok();
    // Read at once: no waiting for a task that a frozen Lambda would never run.
    let removed = to(&smtp.messages(), &person.email)
        .into_iter()
        .filter(|message| message.subject.contains("removed"))
        .count();
    assert_eq!(removed, 1);
    assert_eq!(settled_mail(&smtp, &person.email).await.len(), added + 1);
}

/// An ID token for `person` naming `email`, verified or not, put in their browser.
async fn claim_email(app: &TestApp, person: &mut Person, email: &str, verified: bool) {
    let claims = json!({ "sub": person.sub, "email": email, "email_verified": verified });
    let id = app
        .mint(json!({ "token_use": "id", "claims": claims }))
        .await;
    let cookie = encrypt_cookie(&app.session_key(), "session-id", &id);
    person.browser.set_cookie("session-id", &cookie);
}

#[tokio::test]
async fn f3_mail_and_authsignals_email_only_for_an_address_cognito_verified() {
    let smtp = SmtpServer::start("f3").await;
    let (app, tenant) = mailing(&smtp, &[]).await;
    let person = Person::minted(&app, "f3").signed_in_ago(0);
    let mut person = person.with_email_methods(&tenant, 3).stepped_up().await;
    let claimed = new_email("f3-claimed");

    claim_email(&app, &mut person, &claimed, false).await;
    let third = person.methods[2].clone();
    let removal = [("id", third.as_str())];
    let (status, body) = person.call(&app, "remove_authenticator", &removal).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(settled_mail(&smtp, &claimed).await.is_empty());
    let user = tenant.client.get_user(&person.sub).await.unwrap();
    assert_eq!(user.email, None, "an unverified address is not kept");

    claim_email(&app, &mut person, &claimed, true).await;
    let second = person.methods[1].clone();
    let removal = [("id", second.as_str())];
    let (status, body) = person.call(&app, "remove_authenticator", &removal).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = settled_mail(&smtp, &claimed).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.contains("removed"));
}

#[tokio::test]
async fn f4_a_stranger_naming_someones_method_does_not_silence_its_notice() {
    let smtp = SmtpServer::start("f4").await;
    let (app, tenant) = mailing(&smtp, &[]).await;
    let victim = Person::signed_up(&app, "f4-victim");
    let victim = victim.with_email_methods(&tenant, 2).await;
    let stranger = Person::signed_up(&app, "f4-stranger");
    let stranger = stranger.with_email_method(&tenant).await;

    let proof = app.step_up_token(&stranger.bearer, &stranger.email).await;
    let theirs = &victim.methods[1];
    let api = Api::of(&app, &stranger).stepped_up(&proof);
    api.remove(theirs)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(tenant.authenticators(&victim.sub).await.len(), 2);

    // The method goes another way (Authsignal's portal, an admin): its owner still hears.
    let path = format!("/v1/users/{}/authenticators/{theirs}", victim.sub);
    let deleted = tenant.server(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let mail = settled_mail(&smtp, &victim.email).await;
    let removed: Vec<_> = mail
        .iter()
        .filter(|message| message.subject.contains("removed"))
        .collect();
    assert_eq!(removed.len(), 1, "{mail:?}");
}

#[tokio::test]
async fn f5_a_proof_ends_when_ended_and_adds_nothing_in_its_last_minutes() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "f5").signed_in_ago(THIRTY_DAYS);
    let person = person.with_email_methods(&tenant, 2).await;

    // Ended over REST: refused from then on.
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let api = Api::of(&app, &person).stepped_up(&proof);
    api.enroll().await.ok();
    let ended = api.raw(Method::DELETE, "/api/step-up").response().await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    api.enroll().await.assert_step_up_required("method");

    // Nine minutes on, a token to add (good for ten) is not handed out; a removal still is.
    let proof = app.step_up_token(&person.bearer, &person.email).await;
    let api = Api::of(&app, &person).stepped_up(&proof);
    app.state.clock.advance(540);
    api.enroll().await.assert_step_up_required("method");
    api.remove(&person.methods[1]).await.ok();
}

#[tokio::test]
async fn f7_a_handled_delivery_spelled_another_way_is_still_a_replay() {
    let smtp = SmtpServer::start("f7").await;
    let (app, tenant) = mailing(&smtp, &[]).await;
    let person = Person::signed_up(&app, "f7").await;
    let secret = tenant.local.secret().expose().to_owned();
    let body = event("f7", &person.sub);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = signature(&secret, now, &body);
    let (t, v2) = header.split_once(',').unwrap();
    assert_eq!(deliver(&app, Some(&header), &body).await, StatusCode::OK);

    let respelled = [
        format!("{header}="),
        format!("{t}, {v2}"),
        format!("{v2},{t}"),
        format!("{header},{v2}"),
        format!("{t},v2=AAAA,{v2}"),
        format!("{header},v3=extra"),
    ];
    for spelling in respelled {
        let status = deliver(&app, Some(&spelling), &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{spelling}");
    }
    let mail = settled_mail(&smtp, &person.email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
}

#[tokio::test]
async fn f9_a_sign_in_goes_ahead_while_the_shared_state_is_down() {
    let mut redis = RedisServer::start("f9").await;
    let app = TestApp::spawn_with(&[("REDIS_URL", &redis.url())]).await;
    redis.stop();
    // The whole flow, ending on /security with a session.
    let browser = Browser::signed_up(&app, &new_email("f9")).await;
    assert!(browser.cookie("session-access").is_some());
}

#[tokio::test]
async fn f10_only_a_step_up_this_sign_in_started_here_completes() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "f10").signed_in_ago(THIRTY_DAYS);
    let person = person.with_email_method(&tenant).await;
    let api = Api::of(&app, &person);

    // A stepUp someone else tracked with the Server API (a second app, a leaked secret).
    let foreign = tenant.track_token(&person.sub, "stepUp", None).await;
    let passed = app.pass_challenge(&foreign, &person.email).await;
    let refused = api.complete_step_up(&passed).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.get("stepUpToken").is_none());

    // Started here, then presented by another sign-in of the same person.
    let started = api.start_step_up().await.ok();
    let token = started["authsignalToken"].as_str().unwrap();
    let passed = app.pass_challenge(token, &person.email).await;
    let claims = json!({ "auth_time": crate::support::now() - THIRTY_DAYS });
    let other = app
        .mint(json!({ "email": person.email, "claims": claims }))
        .await;
    let refused = Api::with_token(&app, &other)
        .complete_step_up(&passed)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.get("stepUpToken").is_none());

    // A sign-in with no origin_jti has nothing to bind a proof to.
    let claims = json!({ "origin_jti": null, "auth_time": crate::support::now() - THIRTY_DAYS });
    let unbound = app
        .mint(json!({ "email": person.email, "claims": claims }))
        .await;
    let reply = Api::with_token(&app, &unbound).start_step_up().await;
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn f14_text_messages_go_only_where_and_as_often_as_the_operator_allows() {
    let vars = [
        ("SMS_ALLOWED_COUNTRIES", "+64,+61"),
        ("SMS_PER_COUNTRY_PER_HOUR", "2"),
    ];
    let (app, tenant) = TestApp::spawn_with_tenant(&vars).await;
    let person = Person::signed_up(&app, "f14").with_email_method(&tenant);
    let person = person.stepped_up_over_rest().await;
    let api = Api::of(&app, &person).stepped_up(person.step_up.as_deref().unwrap());
    let sms = |number: &str| json!({ "phoneNumber": number });

    let elsewhere = api.enroll().body(sms("+44 7700 900123")).await;
    elsewhere.assert_error(StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(elsewhere.body["field"], "phoneNumber");
    api.enroll().body(sms("+64 21 123 4567")).await.ok();
    api.enroll().body(sms("+64 21 123 4568")).await.ok();
    let third = api.enroll().body(sms("+64 21 123 4569")).await;
    third.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another country has its own allowance.
    api.enroll().body(sms("+61 412 345 678")).await.ok();
}

#[tokio::test]
async fn f15_someone_whose_methods_the_page_cannot_challenge_steps_up_by_signing_in() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = Person::signed_up(&app, "f15").await;
    let whatsapp = json!({ "verificationMethod": "WHATSAPP", "phoneNumber": "+64211234567" });
    tenant.give(&person.sub, whatsapp).await;
    Api::of(&app, &person).enroll().await.ok();

    person.signed_in_ago(&app, 601).await;
    let stale = Api::of(&app, &person);
    stale.enroll().await.assert_step_up_required("sign_in");
    stale
        .start_step_up()
        .await
        .assert_step_up_required("sign_in");
}
