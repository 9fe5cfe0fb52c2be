//! Authsignal's pre-built pages on a local tenant, driven as a browser drives their forms: each
//! page carries the token of the visit in a hidden field, which the next form sends back.

use reqwest::{Response, StatusCode};

use super::authsignal::{LocalTenant, hidden, hidden_token};

/// The pre-built pages of one local tenant.
pub struct Prebuilt<'a> {
    tenant: &'a LocalTenant,
}

impl<'a> Prebuilt<'a> {
    /// The pages of `tenant`, as [`LocalTenant::prebuilt`] gives them.
    pub fn of(tenant: &'a LocalTenant) -> Prebuilt<'a> {
        Prebuilt { tenant }
    }

    /// Opens a link to the pages (a track's `url`): its status and page.
    pub async fn open(&self, url: &str) -> (StatusCode, String) {
        let response = self.tenant.http.get(url).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Submits the form at `path` with `fields`; the answer, as a browser shows it: a step that
    /// leads to another of the pages is followed there (post, redirect, get), a return to the
    /// app is left as it comes.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let form = self.tenant.http.post(self.tenant.url(path)).form(fields);
        let response = form.send().await.unwrap();
        let next_page = (response.status() == StatusCode::SEE_OTHER)
            .then(|| response.headers().get(reqwest::header::LOCATION))
            .flatten()
            .and_then(|location| location.to_str().ok())
            .filter(|location| location.starts_with("/prebuilt?"))
            .map(|location| self.tenant.url(location));
        match next_page {
            Some(url) => self.tenant.http.get(url).send().await.unwrap(),
            None => response,
        }
    }

    /// On the page `html`, sends a code to the method `method_id` and enters the code `to`
    /// received; returns what follows.
    pub async fn pass_challenge(&self, html: &str, method_id: &str, to: &str) -> Response {
        let chosen = [("authenticatorId", method_id)];
        let code_page = self.next(html, "/prebuilt/challenge", &chosen).await;
        assert!(code_page.contains("Enter your code"), "{code_page}");
        self.enter_code(&code_page, to).await
    }

    /// On the page `code_page` that asks for the code `to` received, enters it; the answer.
    pub async fn enter_code(&self, code_page: &str, to: &str) -> Response {
        let code = self.tenant.latest_code(to).await;
        let method = hidden(code_page, "authenticatorId");
        let fields = [("authenticatorId", method.as_str()), ("code", &code)];
        self.send_from(code_page, "/prebuilt/verify", &fields).await
    }

    /// Opens the link `url` of a settings visit and passes its challenge with the email method
    /// `method_id` at `to`: the settings page.
    pub async fn settings(&self, url: &str, method_id: &str, to: &str) -> String {
        let (_, html) = self.open(url).await;
        shown(self.pass_challenge(&html, method_id, to).await).await
    }

    /// Submits the form at `path` of the page `html`, its token and `fields`; the answer.
    pub async fn send_from(&self, html: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = hidden_token(html);
        let mut all = vec![("token", token.as_str())];
        all.extend_from_slice(fields);
        self.submit(path, &all).await
    }

    /// The page the form at `path` of the page `html` leads to, which must be shown.
    pub async fn next(&self, html: &str, path: &str, fields: &[(&str, &str)]) -> String {
        shown(self.send_from(html, path, fields).await).await
    }
}

/// The page of an answer that must be shown.
pub async fn shown(response: Response) -> String {
    let url = response.url().clone();
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.unwrap()
}
