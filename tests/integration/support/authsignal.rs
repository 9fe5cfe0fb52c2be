//! A local Authsignal of a test's own (fresh data directory, free port), with the client the app
//! uses and raw HTTP helpers for the Server API, the Client API and the `/_local` hooks.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use account_security::{
    config::{AuthsignalMode, AuthsignalSettings, LocalAuthsignalSettings, PasskeySettings},
    local::authsignal::LocalAuthsignal,
    server::authsignal::AuthsignalClient,
    wire::authsignal::TrackAttributes,
};
use reqwest::{Method, Response};
use serde_json::{Value, json};

pub struct LocalTenant {
    pub local: LocalAuthsignal,
    pub client: AuthsignalClient,
    pub http: reqwest::Client,
}

/// Settings as the app reads them, with a short timeout so failure tests end quickly.
pub fn settings(retries: u32) -> AuthsignalSettings {
    AuthsignalSettings {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retries,
        mode: AuthsignalMode::Local(local_settings()),
    }
}

/// The page a test tenant's passkeys are for.
pub const PASSKEY_ORIGIN: &str = "http://localhost:3000";

/// A local Authsignal on a free port, its passkeys for [`PASSKEY_ORIGIN`].
pub fn local_settings() -> LocalAuthsignalSettings {
    LocalAuthsignalSettings {
        addr: "127.0.0.1:0".parse().unwrap(),
        passkeys: PasskeySettings {
            rp_id: "localhost".into(),
            origins: vec![PASSKEY_ORIGIN.parse().unwrap()],
        },
        webhook_url: None,
    }
}

/// A data directory no other test uses, empty.
pub fn fresh_data_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "account-security-authsignal-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

impl LocalTenant {
    pub async fn start(name: &str) -> LocalTenant {
        Self::start_in(&fresh_data_dir(name)).await
    }

    /// On `data_dir` as it is: a second start on the same directory is a restart.
    pub async fn start_in(data_dir: &Path) -> LocalTenant {
        let local = LocalAuthsignal::start(&local_settings(), data_dir)
            .await
            .unwrap();
        let client = Self::client_with(&local, settings(2));
        LocalTenant {
            local,
            client,
            http: super::client(),
        }
    }

    pub fn client_with(local: &LocalAuthsignal, settings: AuthsignalSettings) -> AuthsignalClient {
        AuthsignalClient::new(local.endpoints(), &settings).unwrap()
    }

    /// `path` on the emulator's host, e.g. `/v1/validate` or `/_local/outbox`.
    pub fn url(&self, path: &str) -> String {
        self.local.base_url().join(path).unwrap().to_string()
    }

    /// A Server API call with the secret, as the SDKs make it.
    pub async fn server(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .basic_auth(self.local.secret().expose(), Some(""));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// A Client API call exactly as the Web SDK makes it: `Content-Type: application/json`,
    /// `Authorization: Bearer <token>`, and no body when there is nothing to send.
    pub async fn client_api(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("Content-Type", "application/json")
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        request.send().await.unwrap()
    }

    /// The JSON of a Client API call that must succeed.
    pub async fn client_json(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let response = self.client_api(token, method, path, body).await;
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// The codes sent to `to`, newest first.
    pub async fn codes(&self, to: &str) -> Vec<String> {
        outbox_codes(&self.http, &self.url("/_local/outbox"), to).await
    }

    pub async fn latest_code(&self, to: &str) -> String {
        self.codes(to)
            .await
            .into_iter()
            .next()
            .expect("a code was sent")
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let response = self
            .http
            .post(self.url("/_local/clock"))
            .json(&json!({ "advanceSeconds": seconds }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Posts to one of the emulator's `/_local` switches (`rules`, `tenant`), which must take it.
    pub async fn configure(&self, switch: &str, body: Value) {
        let response = self
            .http
            .post(self.url(&format!("/_local/{switch}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{switch}");
    }

    pub async fn set_faults(&self, rules: Value) {
        let response = self
            .http
            .post(self.url("/_local/faults"))
            .json(&json!({ "rules": rules }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    /// Gives the user an authenticator through the Server API; returns its JSON.
    pub async fn give(&self, user_id: &str, body: Value) -> Value {
        let path = format!("/v1/users/{}/authenticators", encode(user_id));
        let response = self.server(Method::POST, &path, Some(body)).await;
        assert_eq!(response.status(), 200);
        let reply: Value = response.json().await.unwrap();
        reply["authenticator"].clone()
    }

    pub async fn give_email(&self, user_id: &str, email: &str) -> String {
        let authenticator = self
            .give(
                user_id,
                json!({ "verificationMethod": "EMAIL_OTP", "email": email }),
            )
            .await;
        authenticator["userAuthenticatorId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A track token for the action.
    pub async fn track_token(&self, user_id: &str, action: &str, scope: Option<&str>) -> String {
        let attributes = TrackAttributes {
            scope: scope.map(str::to_owned),
            ..TrackAttributes::default()
        };
        let response = self
            .client
            .track(user_id, action, &attributes)
            .await
            .unwrap();
        response.token.expose().to_owned()
    }

    /// Enrolls an email through the Client API as the Web SDK does; returns the access token.
    pub async fn enroll_email(&self, token: &str, email: &str) -> Value {
        self.client_json(
            token,
            Method::POST,
            "/v1/client/user-authenticators/email-otp",
            Some(json!({ "email": email })),
        )
        .await;
        let code = self.latest_code(email).await;
        self.client_json(
            token,
            Method::POST,
            "/v1/client/verify/email-otp",
            Some(json!({ "verificationCode": code })),
        )
        .await
    }
}

/// The codes a local Authsignal's outbox (`outbox_url`, its `/_local/outbox`) holds for `to`,
/// newest first.
pub async fn outbox_codes(http: &reqwest::Client, outbox_url: &str, to: &str) -> Vec<String> {
    let messages: Vec<Value> = http
        .get(outbox_url)
        .query(&[("to", to)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    messages
        .iter()
        .map(|message| message["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A path segment, percent-encoded.
pub fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The value of the first hidden `token` field of a pre-built UI page.
pub fn hidden_token(html: &str) -> String {
    hidden(html, "token")
}

/// The value of the first hidden field called `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}
