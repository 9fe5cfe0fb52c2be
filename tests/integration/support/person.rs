//! A person for the tests, built as a sentence says it: signed up through the hosted pages (or
//! known to the pool by an access token only), with the token their native app holds, email
//! methods at the tenant, and a step-up on the page or over REST.
//!
//! `Person::signed_up(&app, "csrf").with_email_methods(&tenant, 2).stepped_up().await`

use std::{future::IntoFuture, pin::Pin};

use serde_json::{Value, json};

use super::{
    TestApp,
    authsignal::LocalTenant,
    browser::{Answer, Browser, Form, encrypt_cookie, jwt_claims, new_email},
    now,
};

/// Someone a test acts as: on the page, through their browser, and over REST, with their token.
pub struct Person {
    pub email: String,
    pub sub: String,
    /// Signed in through the hosted pages; without cookies for [`Person::minted`] and
    /// [`Person::demo`].
    pub browser: Browser,
    /// An access token for the REST API, as the person's native app holds one.
    pub bearer: String,
    /// The ids of the email methods given at the tenant: the person's own address first.
    pub methods: Vec<String>,
    /// The `Step-Up-Token` of a step-up over REST, once made.
    pub step_up: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Who {
    SignsUp,
    Minted,
    Demo,
}

#[derive(Clone, Copy)]
enum StepUp {
    None,
    OnThePage,
    OverRest,
}

/// A [`Person`] being described; awaiting it makes them.
pub struct PersonBuilder<'a> {
    app: &'a TestApp,
    label: String,
    who: Who,
    user_agent: Option<&'a str>,
    signed_in_ago: Option<i64>,
    tenant: Option<&'a LocalTenant>,
    methods: usize,
    step_up: StepUp,
}

impl Person {
    /// Someone who signs up through the hosted pages as `label-…@example.com`.
    pub fn signed_up<'a>(app: &'a TestApp, label: &str) -> PersonBuilder<'a> {
        PersonBuilder {
            app,
            label: label.to_owned(),
            who: Who::SignsUp,
            user_agent: None,
            signed_in_ago: None,
            tenant: None,
            methods: 0,
            step_up: StepUp::None,
        }
    }

    /// Someone new to the pool, known only by an access token: the demo user's under a sub of
    /// their own. Their browser has no session.
    pub fn minted<'a>(app: &'a TestApp, label: &str) -> PersonBuilder<'a> {
        PersonBuilder {
            who: Who::Minted,
            ..Person::signed_up(app, label)
        }
    }

    /// The local pool's demo user, demo@example.com, known by an access token only.
    pub fn demo(app: &TestApp) -> PersonBuilder<'_> {
        PersonBuilder {
            who: Who::Demo,
            ..Person::signed_up(app, "demo")
        }
    }
}

impl<'a> PersonBuilder<'a> {
    /// A browser that names itself so, e.g. [`super::browser::CHROME_ON_MAC`].
    pub fn with_user_agent(self, user_agent: &'a str) -> Self {
        PersonBuilder {
            user_agent: Some(user_agent),
            ..self
        }
    }

    /// The sign-in behind the access token, and the browser's session, was `seconds` ago.
    pub fn signed_in_ago(self, seconds: i64) -> Self {
        PersonBuilder {
            signed_in_ago: Some(seconds),
            ..self
        }
    }

    /// `count` email methods at `tenant`: the person's own address, then others of theirs.
    pub fn with_email_methods(self, tenant: &'a LocalTenant, count: usize) -> Self {
        PersonBuilder {
            tenant: Some(tenant),
            methods: count,
            ..self
        }
    }

    /// One email method at `tenant`, the person's own address.
    pub fn with_email_method(self, tenant: &'a LocalTenant) -> Self {
        self.with_email_methods(tenant, 1)
    }

    /// Stepped up on the page with the first email method: the browser holds the proof.
    pub fn stepped_up(self) -> Self {
        PersonBuilder {
            step_up: StepUp::OnThePage,
            ..self
        }
    }

    /// Stepped up over the REST API with the first email method: [`Person::step_up`].
    pub fn stepped_up_over_rest(self) -> Self {
        PersonBuilder {
            step_up: StepUp::OverRest,
            ..self
        }
    }

    async fn build(self) -> Person {
        let app = self.app;
        let email = match self.who {
            Who::Demo => "demo@example.com".to_owned(),
            _ => new_email(&self.label),
        };
        let mut browser = match self.user_agent {
            Some(agent) => Browser::with_user_agent(agent),
            None => Browser::new(),
        };
        if self.who == Who::SignsUp {
            browser = Browser::signed_up_as(app, &email, browser).await;
        }
        let own_sub = (self.who == Who::Minted).then(|| uuid::Uuid::new_v4().to_string());
        let bearer = app
            .mint(self.token_request(&email, own_sub.as_deref()))
            .await;
        if self.signed_in_ago.is_some() {
            plant(app, &mut browser, &bearer);
        }
        let sub = jwt_claims(&bearer)["sub"].as_str().unwrap().to_owned();
        if let Some(own) = own_sub {
            assert_eq!(sub, own);
        }
        let mut methods = Vec::new();
        for n in 0..self.methods {
            let address = match n {
                0 => email.clone(),
                _ => new_email(&format!("{}-work", self.label)),
            };
            methods.push(self.tenant.unwrap().give_email(&sub, &address).await);
        }
        let step_up = match self.step_up {
            StepUp::None => None,
            StepUp::OnThePage => {
                browser.step_up(app, &email).await;
                None
            }
            StepUp::OverRest => Some(app.step_up_token(&bearer, &email).await),
        };
        Person {
            email,
            sub,
            browser,
            bearer,
            methods,
            step_up,
        }
    }

    /// What `/_local/mint` is asked for: the signed-up person's token, or a sub of their own.
    fn token_request(&self, email: &str, own_sub: Option<&str>) -> Value {
        if let Some(sub) = own_sub {
            return json!({ "claims": { "sub": sub, "username": sub } });
        }
        if self.who == Who::Demo {
            return json!({});
        }
        match self.signed_in_ago {
            Some(ago) => json!({ "email": email, "claims": { "auth_time": now() - ago } }),
            None => json!({ "email": email }),
        }
    }
}

impl Person {
    /// The server function `name` called from the person's page: its status and JSON.
    pub async fn call(&mut self, app: &TestApp, name: &str, form: Form<'_>) -> Answer {
        self.browser.function(app, name, form).await
    }

    /// A new access token, in the browser too, whose sign-in was `seconds` ago.
    pub async fn signed_in_ago(&mut self, app: &TestApp, seconds: i64) {
        let claims = json!({ "auth_time": now() - seconds });
        self.bearer = app
            .mint(json!({ "email": self.email, "claims": claims }))
            .await;
        plant(app, &mut self.browser, &self.bearer);
    }
}

/// Puts `token` in the browser's access cookie, encrypted as the app would.
fn plant(app: &TestApp, browser: &mut Browser, token: &str) {
    let cookie = encrypt_cookie(&app.session_key(), "session-access", token);
    browser.set_cookie("session-access", &cookie);
}

impl<'a> IntoFuture for PersonBuilder<'a> {
    type Output = Person;
    type IntoFuture = Pin<Box<dyn Future<Output = Person> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.build())
    }
}
