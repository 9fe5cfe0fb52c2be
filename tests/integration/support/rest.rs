//! The REST API as a native app calls it: one person's access token, their `Step-Up-Token`
//! when they have one, and each answer read as its status, headers and JSON.
//!
//! `Api::of(&app, &person).remove(&id).accepting_no_fallback().await`

use std::{future::IntoFuture, pin::Pin};

use reqwest::{Method, RequestBuilder, Response, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use super::{TestApp, authsignal::encode, person::Person};

/// One caller of the REST API: their access token, and their `Step-Up-Token` if any.
#[derive(Clone)]
pub struct Api {
    base_url: String,
    bearer: Option<String>,
    step_up: Option<String>,
}

impl Api {
    /// As `person`, with the proof of their step-up over REST if they made one.
    pub fn of(app: &TestApp, person: &Person) -> Api {
        Api {
            step_up: person.step_up.clone(),
            ..Api::with_token(app, &person.bearer)
        }
    }

    /// With the access token `bearer`.
    pub fn with_token(app: &TestApp, bearer: &str) -> Api {
        Api::at(&app.base_url, bearer)
    }

    /// The app at `base_url`, e.g. one in a process of its own, with the access token `bearer`.
    pub fn at(base_url: &str, bearer: &str) -> Api {
        Api {
            bearer: Some(bearer.to_owned()),
            ..Api::anonymous_at(base_url)
        }
    }

    /// With no token at all.
    pub fn anonymous(app: &TestApp) -> Api {
        Api::anonymous_at(&app.base_url)
    }

    fn anonymous_at(base_url: &str) -> Api {
        Api {
            base_url: base_url.to_owned(),
            bearer: None,
            step_up: None,
        }
    }

    /// The same caller, sending `proof` as the `Step-Up-Token`.
    pub fn stepped_up(&self, proof: &str) -> Api {
        Api {
            step_up: Some(proof.to_owned()),
            ..self.clone()
        }
    }

    /// `GET /api/authenticators`.
    pub fn list(&self) -> Call {
        self.raw(Method::GET, "/api/authenticators")
    }

    /// `POST /api/authenticators`, as the guide's apps call it: no body unless one is given.
    pub fn enroll(&self) -> Call {
        self.raw(Method::POST, "/api/authenticators")
    }

    /// `DELETE /api/authenticators/{id}`.
    pub fn remove(&self, id: &str) -> Call {
        let path = format!("/api/authenticators/{}", encode(id));
        self.raw(Method::DELETE, &path)
    }

    /// `POST /api/authenticators/prebuilt-ui`.
    pub fn prebuilt_ui(&self) -> Call {
        self.raw(Method::POST, "/api/authenticators/prebuilt-ui")
    }

    /// `POST /api/step-up`.
    pub fn start_step_up(&self) -> Call {
        self.raw(Method::POST, "/api/step-up")
    }

    /// `POST /api/step-up/complete` with the verify token `token`.
    pub fn complete_step_up(&self, token: &str) -> Call {
        let call = self.raw(Method::POST, "/api/step-up/complete");
        call.body(json!({ "token": token }))
    }

    /// `GET /api/activity`.
    pub fn activity(&self) -> Call {
        self.raw(Method::GET, "/api/activity")
    }

    /// Any call, e.g. one the API does not serve.
    pub fn raw(&self, method: Method, path: &str) -> Call {
        let url = format!("{}{path}", self.base_url);
        let mut request = super::client().request(method, url);
        if let Some(bearer) = &self.bearer {
            request = request.bearer_auth(bearer);
        }
        if let Some(proof) = &self.step_up {
            request = request.header("Step-Up-Token", proof);
        }
        Call(request)
    }
}

/// One call, sent when awaited.
pub struct Call(RequestBuilder);

impl Call {
    /// With `body` as its JSON.
    pub fn body(self, body: Value) -> Call {
        Call(self.0.json(&body))
    }

    /// With the query parameter `name=value`.
    pub fn query(self, name: &str, value: &str) -> Call {
        Call(self.0.query(&[(name, value)]))
    }

    /// A removal that may leave the person without a fallback method.
    pub fn accepting_no_fallback(self) -> Call {
        self.query("acceptsNoFallback", "true")
    }

    /// With the header `name: value`, e.g. an `Origin`.
    pub fn header(self, name: &str, value: &str) -> Call {
        Call(self.0.header(name, value))
    }

    /// With `body` as it is, not JSON.
    pub fn raw_body(self, body: impl Into<reqwest::Body>) -> Call {
        Call(self.0.body(body))
    }

    /// The answer as it comes, for a body that need not be JSON.
    pub async fn response(self) -> Response {
        self.0.send().await.unwrap()
    }

    async fn reply(self) -> Reply {
        let response = self.response().await;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        Reply {
            status,
            headers,
            body,
        }
    }
}

impl IntoFuture for Call {
    type Output = Reply;
    type IntoFuture = Pin<Box<dyn Future<Output = Reply> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.reply())
    }
}

/// An answer of the REST API: always JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A success, whose JSON is returned.
    pub fn ok(self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.body
    }

    /// A refusal with `status` and the error `code`, its message a sentence.
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        let body = &self.body;
        assert_eq!(self.status, status, "{body}");
        assert_eq!(body["error"], code, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.ends_with('.'), "a sentence: {message}");
    }

    /// The refusal of a change without a step-up, which names how to step up (`via`).
    pub fn assert_step_up_required(&self, via: &str) {
        let body = &self.body;
        assert_eq!(self.status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "step_up_required", "{body}");
        assert_eq!(body["via"], via, "{body}");
    }
}
