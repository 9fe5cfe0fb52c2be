//! The page in the person's language: chosen from `Accept-Language` or the language menu's
//! cookie, the REST API's sentences in the language a call asks for, and the notice mails in
//! the language and time zone the person last used on the page. Expected sentences are read
//! from the catalogs, so a better translation does not break a test.

use std::time::Duration;

use account_security::{
    i18n::{Locale, tr},
    server::i18n::{Reader, with_reader_now},
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TestApp, browser::Browser, client, person::Person, send, smtp::SmtpServer};

/// `text()` as `locale` writes it.
fn in_locale(locale: Locale, text: impl FnOnce() -> String) -> String {
    with_reader_now(Reader::new(locale, None), text)
}

fn html_tag(page: &str) -> &str {
    let start = page.find("<html").expect("an html element");
    &page[start..start + page[start..].find('>').unwrap()]
}

#[tokio::test]
async fn a_page_is_in_the_language_asked_for_its_cookie_first() {
    let app = TestApp::spawn().await;
    let cases = [
        (Some("de-AT,de;q=0.9,en;q=0.5"), None, Locale::De),
        (Some("fr-CA"), None, Locale::Fr),
        (Some("it-IT, es;q=0.6"), None, Locale::Es),
        (Some("ja"), Some("lang=ar"), Locale::Ar),
        (Some("pt-BR"), None, Locale::En),
        (None, Some("lang=ja"), Locale::Ja),
        (Some("de"), Some("lang=klingon"), Locale::De),
    ];
    for (accept, cookie, want) in cases {
        let mut request = client().get(app.url("/signed-out?reason=signed-out"));
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_LANGUAGE, accept);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let page = send(request).await.text().await.unwrap();
        let tag = html_tag(&page);
        assert!(
            tag.contains(&format!(r#"lang="{}""#, want.code()))
                && tag.contains(&format!(r#"dir="{}""#, want.dir())),
            "{accept:?} {cookie:?}: {tag}"
        );
        let heading = in_locale(want, || tr::signed_out_heading_signed_out().to_owned());
        assert!(page.contains(&heading), "{accept:?} {cookie:?}: {heading}");
        // The server's HTML alone: no bundle, so no messages for one either.
        assert!(!page.contains(r#"id="i18n""#), "{page}");
    }
}

#[tokio::test]
async fn the_language_menu_keeps_the_choice_and_goes_back() {
    let app = TestApp::spawn().await;
    let back_to = "/signed-out?reason=signed-out";
    let mut browser = Browser::new();
    let chosen = browser
        .post_form(
            &app.url("/language"),
            &[("lang", "ja"), ("return_to", back_to)],
        )
        .await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.headers()[header::LOCATION], back_to);
    let cookie = chosen.headers()[header::SET_COOKIE].to_str().unwrap();
    for attribute in [
        "lang=ja",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=34560000",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let page = browser.get_text(&app.url(back_to)).await;
    assert!(
        html_tag(&page).contains(r#"lang="ja""#),
        "{}",
        html_tag(&page)
    );

    // Never somewhere else, and nothing kept for a language the page does not speak.
    let cases = [
        (("fr", "//evil.example/phish"), "/security", true),
        (("fr", "https://evil.example/"), "/security", true),
        (("xx", "/signed-out"), "/signed-out", false),
    ];
    for ((lang, return_to), location, kept) in cases {
        let answer = Browser::new()
            .post_form(
                &app.url("/language"),
                &[("lang", lang), ("return_to", return_to)],
            )
            .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{lang} {return_to}");
        assert_eq!(answer.headers()[header::LOCATION], location);
        assert_eq!(answer.headers().contains_key(header::SET_COOKIE), kept);
    }

    // A form from another site changes nothing.
    let forged = send(
        client()
            .post(app.url("/language"))
            .header(header::ORIGIN, "https://evil.example")
            .form(&[("lang", "ar"), ("return_to", "/security")]),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(!forged.headers().contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn rest_sentences_follow_accept_language_and_codes_stay_the_same() {
    let app = TestApp::spawn().await;
    for locale in Locale::ALL {
        let answer = send(
            client()
                .get(app.url("/api/authenticators"))
                .header(header::ACCEPT_LANGUAGE, locale.code()),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "not_signed_in");
        let sentence = in_locale(locale, || tr::errors_not_signed_in().to_owned());
        assert_eq!(body["message"], sentence.as_str(), "{}", locale.code());
    }
}

#[tokio::test]
async fn a_notice_is_written_in_the_language_and_zone_of_the_page_its_reader_uses() {
    let smtp = SmtpServer::start("i18n").await;
    let (app, tenant) = TestApp::spawn_with_tenant(&[("SMTP_URL", &smtp.url())]).await;
    tenant
        .configure(
            "tenant",
            json!({ "webhookUrl": app.url("/webhooks/authsignal") }),
        )
        .await;
    let mut person = Person::signed_up(&app, "auf-deutsch")
        .with_email_methods(&tenant, 2)
        .stepped_up()
        .await;
    // The page in German, in Auckland: what it is read in is kept for the notices.
    person.browser.set_cookie("lang", "de");
    person.browser.set_cookie("tz", "Pacific/Auckland");
    let (status, _) = person.call(&app, "me", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let user: Value = tenant
        .server(
            reqwest::Method::GET,
            &format!("/v1/users/{}", person.sub),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        user["locale"], "de",
        "kept with the Authsignal user: {user}"
    );

    let second = person.methods[1].clone();
    let (status, _) = person
        .call(&app, "remove_authenticator", &[("id", &second)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let subject = in_locale(Locale::De, || tr::mail_subject_removed().to_owned());
    let mut notice = None;
    for _ in 0..200 {
        notice = smtp
            .messages()
            .into_iter()
            // The additions' notices may still be arriving, in English: they were sent before
            // the page was read in German.
            .find(|message| message.subject == subject);
        if notice.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notice = notice.unwrap_or_else(|| panic!("no German notice: {:?}", smtp.messages()));
    let when = in_locale(Locale::De, || tr::mail_label_when().to_owned());
    let line = notice
        .text
        .lines()
        .find(|line| line.starts_with(&when))
        .unwrap_or_else(|| panic!("{}", notice.text));
    // In Auckland's time, which the page reported: no zone named.
    assert!(!line.contains("UTC"), "{line}");
    assert!(notice.html.contains(r#"lang="de""#), "{}", notice.html);
}
