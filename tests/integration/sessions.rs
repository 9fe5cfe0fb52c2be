//! Where a person is signed in, over real HTTP against the emulators: the list (browsers and
//! apps), signing one session out (refused from its next request, on every instance, its refresh
//! token revoked), signing out everywhere (Cognito's AdminUserGlobalSignOut through the AWS SDK,
//! and every older token refused), the "Wasn't you?" link of a real notice, and what goes wrong.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    TestApp,
    browser::{Browser, CHROME_ON_MAC, location, query_param},
    instances::Instances,
    person::Person,
    redis::RedisServer,
    rest::Api,
    smtp::SmtpServer,
};

const FIREFOX_ON_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// The same person signed in on a second browser, Firefox on Linux: the local pool's session
/// for them is fresh.
async fn second_browser(app: &TestApp, email: &str) -> Browser {
    let mut browser = Browser::with_user_agent(FIREFOX_ON_LINUX);
    let login = browser.open_sign_in(app, "/auth/sign-in").await;
    let callback = browser.sign_in(&login, email).await;
    let response = browser.get(&callback).await;
    assert_eq!(location(&response), app.url("/security"));
    // The first page seen records the session.
    assert_eq!(
        browser.get(&app.url("/security")).await.status(),
        StatusCode::OK
    );
    browser
}

/// "Where you're signed in" as the page gets it: HTML made on the server.
async fn section_of(app: &TestApp, person: &mut Person) -> String {
    let (status, html) = person.call(app, "sessions_section", &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html.as_str().unwrap().to_owned()
}

/// The sessions the section offers to sign out: its forms' `data-sign-out`.
fn signed_out_by(section: &str) -> Vec<String> {
    section
        .split(r#"data-sign-out=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// `GET /api/sessions` for `api`.
async fn listed(api: &Api) -> Vec<Value> {
    api.raw(Method::GET, "/api/sessions")
        .await
        .ok()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_list_shows_each_browser_and_app_and_one_device_is_signed_out_from_another() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let person = Person::signed_up(&app, "sessions").with_user_agent(CHROME_ON_MAC);
    let mut person = person.with_email_method(&tenant).stepped_up().await;
    let mut other = second_browser(&app, &person.email).await;
    let api = Api::of(&app, &person);

    // The page lists both browsers, this one first and marked, each other with "Sign out".
    let section = section_of(&app, &mut person).await;
    let this_device = section.find("This device").unwrap();
    assert!(
        section.find("Chrome on macOS").unwrap() < this_device,
        "{section}"
    );
    assert!(section.contains("Firefox on Linux"), "{section}");
    let other_id = signed_out_by(&section);
    assert_eq!(other_id.len(), 1, "{section}");
    let other_id = other_id[0].clone();
    // Over REST: the app's token is a session of its own.
    let from_rest = listed(&api).await;
    assert_eq!(from_rest.len(), 3, "{from_rest:?}");
    let this_app: Vec<&Value> = from_rest.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(this_app[0]["app"], true);
    assert!(this_app[0]["signedInAt"].as_str().unwrap().ends_with('Z'));
    let current: Vec<&Value> = from_rest
        .iter()
        .filter(|s| s["device"] == "Chrome on macOS")
        .collect();

    // The current session is signed out with "Sign out", not here.
    let own_id = current[0]["id"].as_str().unwrap();
    let (status, body) = person
        .call(&app, "sign_out_session", &[("id", own_id)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Not one of theirs: nothing changes.
    for unknown in ["q3bC0fRzYk1tNw8xLmAp2g", "../../etc", ""] {
        let (status, _) = person
            .call(&app, "sign_out_session", &[("id", unknown)])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    }

    let (status, body) = person
        .call(&app, "sign_out_session", &[("id", &other_id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Its next request: the page that says why, its cookies gone; a server function the same.
    let refresh = other.cookie("session-refresh").unwrap().to_owned();
    let mut copy = other.clone();
    let response = other.get(&app.url("/security")).await;
    assert_eq!(
        location(&response),
        app.url("/signed-out?reason=session-ended")
    );
    assert!(other.cookie("session-access").is_none());
    let response = copy.call(&app.url("/api/me")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["location"],
        "/signed-out?reason=session-ended"
    );
    // And its refresh token no longer works at Cognito.
    revoked(&app, &refresh).await;
    let after = section_of(&app, &mut person).await;
    assert!(!after.contains(&other_id), "{after}");
    // Recorded, and told.
    let activity = api.activity().await.ok();
    assert_eq!(
        activity[0]["summary"], "Signed out Firefox on Linux",
        "{activity}"
    );
}

/// Cognito refuses `refresh_token` (the app revokes it in the background: a moment's wait).
async fn revoked(app: &TestApp, refresh_token: &str) {
    for _ in 0..50 {
        if app
            .state
            .cognito
            .oauth
            .refresh(refresh_token)
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the refresh token still works");
}

#[tokio::test]
async fn signed_out_on_one_instance_is_signed_out_on_the_other() {
    let redis = RedisServer::start("sessions-two").await;
    let instances = Instances::start("sessions-two", &redis.url(), &[]).await;
    let person = Person::minted(&instances.a, "two-instances")
        .with_email_method(&instances.tenant)
        .stepped_up_over_rest()
        .await;
    let proof = person.step_up.clone().unwrap();
    // A second app of the same person, on instance B.
    let app_b = instances
        .a
        .mint(json!({ "claims": { "sub": person.sub, "username": person.sub } }))
        .await;
    let on_b = Api::with_token(&instances.b, &app_b);
    let ids: Vec<String> = listed(&on_b)
        .await
        .iter()
        .filter(|session| session["current"] == true)
        .map(|session| session["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1);

    let on_a = Api::of(&instances.a, &person).stepped_up(&proof);
    let ended = on_a
        .raw(Method::DELETE, &format!("/api/sessions/{}", ids[0]))
        .response()
        .await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    on_b.list()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
    Api::with_token(&instances.a, &app_b)
        .list()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
    on_a.list().await.ok();
}

#[tokio::test]
async fn signing_out_everywhere_refuses_every_older_token_and_revokes_at_cognito() {
    let smtp = SmtpServer::start("everywhere").await;
    let (app, tenant) = TestApp::spawn_with_tenant(&[("SMTP_URL", &smtp.url())]).await;
    let person = Person::signed_up(&app, "everywhere").with_email_method(&tenant);
    let mut person = person.stepped_up().await;
    let mut other = second_browser(&app, &person.email).await;
    let other_refresh = other.cookie("session-refresh").unwrap().to_owned();
    let old_app = Api::of(&app, &person);
    old_app.list().await.ok();
    // Step-up needed, as for any change.
    old_app
        .raw(Method::POST, "/api/sessions/sign-out-everywhere")
        .await
        .assert_step_up_required("method");

    let response = person
        .browser
        .call(&app.url("/api/sign_out_everywhere"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["location"],
        "/signed-out?reason=signed-out-everywhere"
    );
    assert!(
        person.browser.cookie("session-access").is_none(),
        "this browser too"
    );
    old_app
        .list()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
    let response = other.get(&app.url("/security")).await;
    assert_eq!(
        location(&response),
        app.url("/signed-out?reason=signed-out-everywhere")
    );
    // Cognito revoked the other browser's refresh token: it cannot get new tokens.
    revoked(&app, &other_refresh).await;

    // Managed login's own session would sign the person straight back in: the callback asks
    // for the password instead, and a sign-in with it works.
    let start = person.browser.get(&app.url("/auth/sign-in")).await;
    let authorize = location(&start);
    let back = location(&person.browser.get(&authorize).await);
    assert!(back.contains("/auth/callback?code="), "{back}");
    let asked = location(&person.browser.get(&back).await);
    assert!(
        asked.starts_with(&app.url("/auth/sign-in?prompt=login")),
        "{asked}"
    );
    let authorize = location(&person.browser.get(&asked).await);
    let login = location(&person.browser.get(&authorize).await);
    // A sign-in in the same second as the sign-out counts as one from before it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let callback = person.browser.sign_in(&login, &person.email).await;
    let landed = location(&person.browser.get(&callback).await);
    assert_eq!(landed, app.url("/security"));
    let (status, _) = person.call(&app, "me", &[]).await;
    assert_eq!(status, StatusCode::OK, "signed in again");

    // Recorded and mailed.
    let mail = smtp.wait_for(1).await;
    assert!(
        mail.iter()
            .any(|message| message.subject == "Your account was signed out everywhere"),
        "{mail:?}"
    );
    let (status, page_list) = person.call(&app, "recent_activity", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page_list
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["summary"] == "Signed out everywhere"),
        "{page_list}"
    );
}

#[tokio::test]
async fn with_redis_down_nothing_is_half_done_and_with_cognito_down_the_app_still_refuses() {
    let mut redis = RedisServer::start("sessions-down").await;
    let (app, tenant) = TestApp::spawn_with_tenant(&[("REDIS_URL", &redis.url())]).await;
    let person = Person::signed_up(&app, "sessions-down").with_email_method(&tenant);
    let person = person.stepped_up_over_rest().await;
    let api = Api::of(&app, &person).stepped_up(person.step_up.as_deref().unwrap());
    api.list().await.ok();

    redis.stop();
    let reply = api
        .raw(Method::POST, "/api/sessions/sign-out-everywhere")
        .await;
    reply.assert_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
    redis.restart().await;
    // Nothing was noted: the same token still works (Redis came back empty, too).
    api.list().await.ok();

    // Cognito's admin API fails: the sign-out still holds here, and the log says so.
    let person = Person::signed_up(&app, "cognito-down").with_email_method(&tenant);
    let person = person.stepped_up_over_rest().await;
    let api = Api::of(&app, &person).stepped_up(person.step_up.as_deref().unwrap());
    app.cognito_fault("/", 500).await;
    let done = api
        .raw(Method::POST, "/api/sessions/sign-out-everywhere")
        .response()
        .await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    api.list()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");
}

/// The "Wasn't you?" link in the newest notice to `to`.
fn wasnt_me_link(smtp: &SmtpServer, to: &str, subject: &str) -> String {
    let messages = smtp.messages();
    let notice = messages
        .iter()
        .find(|message| message.to == to && message.subject == subject)
        .unwrap_or_else(|| panic!("no {subject} to {to}: {messages:?}"));
    let start = notice.text.find("http").unwrap();
    let link: String = notice.text[start..]
        .split_whitespace()
        .find(|word| word.contains("wasnt_me="))
        .unwrap_or_else(|| panic!("{}", notice.text))
        .to_owned();
    link
}

#[tokio::test]
async fn a_wasnt_me_link_from_a_real_notice_removes_the_method_and_signs_out_everywhere_once() {
    let smtp = SmtpServer::start("wasnt-me").await;
    let (app, tenant) = TestApp::spawn_with_tenant(&[("SMTP_URL", &smtp.url())]).await;
    let hook = json!({ "webhookUrl": app.url("/webhooks/authsignal") });
    tenant.configure("tenant", hook).await;
    let person = Person::signed_up(&app, "wasnt-me").with_email_methods(&tenant, 2);
    let mut person = person.stepped_up().await;
    smtp.wait_for(2).await;
    let link = wasnt_me_link(
        &smtp,
        &person.email,
        "A sign-in method was added to your account",
    );
    assert!(link.starts_with(&app.url("/security?wasnt_me=")), "{link}");
    let token = query_param(&link, "wasnt_me");

    // Someone else's account, or a made-up link: a sentence, nothing changes.
    let mut stranger = Person::signed_up(&app, "stranger").await;
    let (status, body) = stranger
        .call(&app, "wasnt_me_offer", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = person
        .call(&app, "wasnt_me_offer", &[("token", "made-up")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, offer) = person
        .call(&app, "wasnt_me_offer", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(offer["removes"], true);
    assert!(
        offer["what"]
            .as_str()
            .unwrap()
            .contains("was added to your account"),
        "{offer}"
    );
    let page = person.browser.get_text(&link).await;
    // The page opens on it (the panel itself is made in the browser: acting needs JavaScript).
    assert!(
        page.contains("To act on the link in our notice, turn on JavaScript"),
        "{page}"
    );

    let before = tenant.authenticators(&person.sub).await.len();
    let (status, body) = person
        .call(&app, "wasnt_me_act", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(tenant.authenticators(&person.sub).await.len(), before - 1);
    Api::of(&app, &person)
        .list()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "not_signed_in");

    // Used once: signed in again, the same link acts no more. (A sign-in in the same second as
    // the sign-out counts as one from before it.)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut again = second_browser(&app, &person.email).await;
    let (status, body) = again
        .function(&app, "wasnt_me_offer", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("used already"), "{body}");
}
