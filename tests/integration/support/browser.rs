//! A browser for tests: one cookie jar for 127.0.0.1 (browsers do not separate cookies by port,
//! so the app and the local Cognito share it, as in real life), redirects followed by hand so
//! tests see every hop, and the steps of a sign-in through the hosted pages.

use std::collections::BTreeMap;

use axum_extra::extract::{
    PrivateCookieJar,
    cookie::{Cookie, Key},
};
use reqwest::{Response, StatusCode, header};
use serde_json::Value;

use super::TestApp;

/// Meets the local pool's password policy.
pub const PASSWORD: &str = "Correct-horse-9";

/// The fields of a form, or a server function's arguments.
pub type Form<'a> = &'a [(&'a str, &'a str)];

/// A server function's status and JSON.
pub type Answer = (StatusCode, Value);

#[derive(Clone, Default)]
pub struct Browser {
    cookies: BTreeMap<String, String>,
    user_agent: Option<String>,
}

/// What a desktop Chrome on a Mac sends.
pub const CHROME_ON_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

impl Browser {
    pub fn new() -> Browser {
        Browser::default()
    }

    /// A browser that names itself, as real ones do.
    pub fn with_user_agent(user_agent: &str) -> Browser {
        Browser {
            user_agent: Some(user_agent.to_owned()),
            ..Browser::default()
        }
    }

    pub async fn get(&mut self, url: &str) -> Response {
        let request = super::client().get(url);
        self.send(request).await
    }

    /// A form submitted from a page of the same site, with the `Origin` browsers send.
    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Response {
        let request = super::client()
            .post(url)
            .header(header::ORIGIN, origin_of(url))
            .form(form);
        self.send(request).await
    }

    /// A server function call as the page makes it.
    pub async fn call(&mut self, url: &str) -> Response {
        self.call_with(url, &[]).await
    }

    /// A server function call with arguments, as the page makes it.
    pub async fn call_with(&mut self, url: &str, form: &[(&str, &str)]) -> Response {
        let request = super::client()
            .post(url)
            .header(header::ORIGIN, origin_of(url))
            .header(header::ACCEPT, "application/json")
            .form(form);
        self.send(request).await
    }

    /// The server function `name` called as the page calls it: its status and JSON.
    pub async fn function(&mut self, app: &TestApp, name: &str, form: Form<'_>) -> Answer {
        let url = app.url(&format!("/api/{name}"));
        let response = self.call_with(&url, form).await;
        (response.status(), response.json().await.unwrap())
    }

    /// The JSON a server function answers with, called as the page calls it.
    pub async fn call_json<T: serde::de::DeserializeOwned>(&mut self, url: &str) -> T {
        self.call(url).await.json().await.unwrap()
    }

    /// The text of the page at `url`.
    pub async fn get_text(&mut self, url: &str) -> String {
        self.get(url).await.text().await.unwrap()
    }

    /// Sends a request built elsewhere (odd headers, other origins) with this browser's cookies.
    pub async fn send_raw(&mut self, request: reqwest::RequestBuilder) -> Response {
        self.send(request).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Response {
        let request = match &self.user_agent {
            Some(agent) => request.header(header::USER_AGENT, agent),
            None => request,
        };
        let request = match self.cookie_header() {
            Some(cookies) => request.header(header::COOKIE, cookies),
            None => request,
        };
        let response = request.send().await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let cookie = Cookie::parse(value.to_str().unwrap().to_owned()).unwrap();
            let removed = cookie.max_age().is_some_and(|age| age.is_zero());
            if removed {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
        response
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn remove_cookie(&mut self, name: &str) {
        self.cookies.remove(name);
    }

    /// Steps up on the page with the email method `address`, as the page's dialog does: the
    /// step-up cookie is set afterwards.
    pub async fn step_up(&mut self, app: &TestApp, address: &str) {
        let ticket: Value = self.call_json(&app.url("/api/start_step_up")).await;
        let token = ticket["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no ticket: {ticket}"));
        let passed = app.pass_challenge(token, address).await;
        let response = self
            .call_with(&app.url("/api/complete_step_up"), &[("token", &passed)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
        assert!(self.cookie("step-up").is_some());
    }

    /// A new browser on the app's hosted sign-in page, and the page's URL.
    pub async fn at_sign_in(app: &TestApp) -> (Browser, String) {
        let mut browser = Browser::new();
        let login = browser.open_sign_in(app, "/auth/sign-in").await;
        (browser, login)
    }

    /// Starts a sign-in at the app and follows it to the hosted sign-in page; returns its URL.
    pub async fn open_sign_in(&mut self, app: &TestApp, path: &str) -> String {
        let response = self.get(&app.url(path)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let authorize = location(&response);
        assert!(authorize.starts_with(&app.cognito_url), "{authorize}");
        let response = self.get(&authorize).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{authorize}");
        let login = location(&response);
        let page = self.get(&login).await;
        assert_eq!(page.status(), StatusCode::OK, "{login}");
        login
    }

    /// Signs in with the password on the hosted page; returns the app's callback URL.
    pub async fn sign_in(&mut self, login_url: &str, email: &str) -> String {
        self.log_in(login_url, email, PASSWORD).await
    }

    /// Signs up on the hosted page; returns the app's callback URL it redirects to.
    pub async fn sign_up(&mut self, login_url: &str, email: &str) -> String {
        let sign_up = login_url.replacen("/login?", "/signup?", 1);
        self.redirected(&sign_up, &[("email", email), ("password", PASSWORD)])
            .await
    }

    /// Signs in on the hosted page; returns the app's callback URL it redirects to.
    pub async fn log_in(&mut self, login_url: &str, email: &str, password: &str) -> String {
        self.redirected(login_url, &[("username", email), ("password", password)])
            .await
    }

    /// Where a hosted page's form sends the browser once it is accepted.
    async fn redirected(&mut self, url: &str, form: &[(&str, &str)]) -> String {
        let response = self.post_form(url, form).await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "{}",
            response.text().await.unwrap()
        );
        location(&response)
    }

    /// A fresh user, signed in: the whole flow, ending on `/security`.
    pub async fn signed_up(app: &TestApp, email: &str) -> Browser {
        Self::signed_up_as(app, email, Browser::new()).await
    }

    /// Signs `browser` up as `email`.
    pub async fn signed_up_as(app: &TestApp, email: &str, mut browser: Browser) -> Browser {
        let login = browser.open_sign_in(app, "/auth/sign-in").await;
        let callback = browser.sign_up(&login, email).await;
        let response = browser.get(&callback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), app.url("/security"));
        browser
    }
}

/// The absolute URL a redirect points to.
/// `http://host:port` of `url`, as a browser puts it in `Origin`.
pub fn origin_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .origin()
        .ascii_serialization()
}

pub fn location(response: &Response) -> String {
    let location = response
        .headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| {
            panic!(
                "no Location in {} from {}",
                response.status(),
                response.url()
            )
        })
        .to_str()
        .unwrap();
    response.url().join(location).unwrap().to_string()
}

/// The value of the query parameter `name` of `url`.
pub fn query_param(url: &str, name: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    let mut pairs = url.query_pairs();
    let found = pairs.find(|(key, _)| key == name);
    found
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .1
        .into_owned()
}

/// A cookie value encrypted with the app's session key, as the app would set it.
pub fn encrypt_cookie(key: &Key, name: &str, value: &str) -> String {
    use axum::response::IntoResponse;
    let jar =
        PrivateCookieJar::new(key.clone()).add(Cookie::new(name.to_owned(), value.to_owned()));
    let response = (jar, ()).into_response();
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    Cookie::parse(set_cookie.to_owned())
        .unwrap()
        .value()
        .to_owned()
}

/// The plaintext of a cookie the app set, read with its session key.
pub fn decrypt_cookie(key: &Key, name: &str, value: &str) -> Option<String> {
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(header::COOKIE, format!("{name}={value}").parse().unwrap());
    PrivateCookieJar::from_headers(&headers, key.clone())
        .get(name)
        .map(|cookie| cookie.value().to_owned())
}

/// The JSON payload of a JWT, unverified: for assertions only.
pub fn jwt_claims(token: &str) -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A unique address for a fresh user.
pub fn new_email(label: &str) -> String {
    format!("{label}-{}@example.com", uuid::Uuid::new_v4().simple())
}
