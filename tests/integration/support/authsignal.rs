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
    wire::authsignal::{TrackAttributes, TrackResponse, UserAuthenticator, ValidateResponse},
};
use base64::Engine;
use reqwest::{Method, Response, StatusCode};
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

    /// The Client API as the Web SDK calls it with `token`.
    pub fn sdk(&self, token: &str) -> Sdk {
        Sdk::new(&self.url("/v1"), token)
    }

    /// The Client API with the tenant's id, for a usernameless passkey sign-in.
    pub fn sdk_without_token(&self) -> Sdk {
        Sdk::of_tenant(&self.url("/v1"), self.local.tenant_id())
    }

    /// `path` on the emulator's host, fetched without credentials.
    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// Tracks `action` for `user_id` with the app's client, which must succeed.
    pub async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> TrackResponse {
        self.client
            .track(user_id, action, attributes)
            .await
            .unwrap()
    }

    /// The user's authenticators, as the app's client lists them.
    pub async fn authenticators(&self, user_id: &str) -> Vec<UserAuthenticator> {
        self.client.get_authenticators(user_id).await.unwrap()
    }

    /// What `/v1/validate` says of `token`, through the app's client.
    pub async fn validate(
        &self,
        token: &str,
        user_id: Option<&str>,
        action: Option<&str>,
    ) -> ValidateResponse {
        let client = &self.client;
        client
            .validate_challenge(token, user_id, action)
            .await
            .unwrap()
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
        let clock = json!({ "advanceSeconds": seconds });
        assert_eq!(self.local("/_local/clock", &clock).await.status(), 200);
    }

    /// Posts `body` to one of the emulator's `/_local` hooks.
    pub async fn local(&self, path: &str, body: &Value) -> Response {
        let request = self.http.post(self.url(path)).json(body);
        request.send().await.unwrap()
    }

    /// Posts to one of the emulator's `/_local` switches (`rules`, `tenant`), which must take it.
    pub async fn configure(&self, switch: &str, body: Value) {
        let response = self.local(&format!("/_local/{switch}"), &body).await;
        assert_eq!(response.status(), 204, "{switch}");
    }

    pub async fn set_faults(&self, rules: Value) {
        let faults = json!({ "rules": rules });
        assert_eq!(self.local("/_local/faults", &faults).await.status(), 204);
    }

    /// Ends every fault (`rules`) or rule (`faults`) set on the emulator; `what` names which.
    pub async fn clear(&self, what: &str) {
        let path = format!("/_local/{what}");
        let cleared = self.http.delete(self.url(&path)).send().await.unwrap();
        assert_eq!(cleared.status(), 204, "{what}");
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
        let response = self.track(user_id, action, &attributes).await;
        response.token.expose().to_owned()
    }

    /// A token that may add a method for `user_id`, a second one too.
    pub async fn adding(&self, user_id: &str) -> String {
        let scope = Some("add:authenticators");
        self.track_token(user_id, "addAuthenticator", scope).await
    }

    /// Enrolls an email through the Client API as the Web SDK does; returns the verify's JSON.
    pub async fn enroll_email(&self, token: &str, email: &str) -> Value {
        let sdk = self.sdk(token);
        sdk.add_email(email).await;
        sdk.verify("email-otp", &self.latest_code(email).await)
            .await
    }

    /// Authsignal's pre-built pages of this tenant.
    pub fn prebuilt(&self) -> super::prebuilt::Prebuilt<'_> {
        super::prebuilt::Prebuilt::of(self)
    }
}

/// The Client API as the Web SDK calls it with the token of one action: `base` is its root
/// (`…/v1`), paths are below `client/`.
pub struct Sdk {
    http: reqwest::Client,
    base: String,
    auth: SdkAuth,
}

/// How the SDK authenticates: an action's token, or the tenant's id where no one is signed in
/// yet (a usernameless passkey sign-in, BR `passkey.signIn`).
enum SdkAuth {
    Token(String),
    Tenant(String),
}

impl Sdk {
    /// The Client API at `base` (`…/v1`), called with `token`.
    pub fn new(base: &str, token: &str) -> Sdk {
        Sdk {
            http: super::client(),
            base: base.trim_end_matches('/').to_owned(),
            auth: SdkAuth::Token(token.to_owned()),
        }
    }

    /// The Client API at `base` with the tenant's id, as the browser SDK calls it before anyone
    /// is known: `Authorization: Basic base64(tenantId:)`.
    pub fn of_tenant(base: &str, tenant_id: &str) -> Sdk {
        Sdk {
            auth: SdkAuth::Tenant(tenant_id.to_owned()),
            ..Sdk::new(base, "")
        }
    }

    /// A call exactly as the Web SDK makes it: `Content-Type: application/json`,
    /// `Authorization: Bearer <token>`, and no body when there is nothing to send.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let url = format!("{}/client/{path}", self.base);
        let mut request = self.http.request(method, url);
        request = request.header("Content-Type", "application/json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        request = match &self.auth {
            SdkAuth::Token(token) => request.bearer_auth(token),
            // `btoa(encodeURIComponent(tenantId))`, no colon (BR `getAuthorizationHeader`).
            SdkAuth::Tenant(id) => request.header(
                reqwest::header::AUTHORIZATION,
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(id)
                ),
            ),
        };
        request.send().await.unwrap()
    }

    /// The JSON of a call that must succeed.
    pub async fn json(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let response = self.call(method, path, body).await;
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// A POST that must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.json(Method::POST, path, Some(body)).await
    }

    /// The user's methods, as the client view shows them.
    pub async fn authenticators(&self) -> Vec<Value> {
        let listed = self.json(Method::GET, "user-authenticators", None).await;
        serde_json::from_value(listed).unwrap()
    }

    /// Starts enrolling `email`; the answer, as it comes.
    pub async fn try_add_email(&self, email: &str) -> Response {
        let body = json!({ "email": email });
        let path = "user-authenticators/email-otp";
        self.call(Method::POST, path, Some(body)).await
    }

    /// Starts enrolling `email`, which must be taken: a code is sent to it.
    pub async fn add_email(&self, email: &str) -> Value {
        let body = json!({ "email": email });
        self.post("user-authenticators/email-otp", body).await
    }

    /// Starts enrolling the phone `number`: a code is sent to it.
    pub async fn add_sms(&self, number: &str) -> Value {
        let body = json!({ "phoneNumber": number });
        self.post("user-authenticators/sms", body).await
    }

    /// Starts enrolling an authenticator app: its secret and `otpauth://` URI.
    pub async fn add_app(&self) -> Value {
        self.json(Method::POST, "user-authenticators/totp", None)
            .await
    }

    /// The options of a passkey `ceremony` (`registration`, `authentication`), asked with `body`.
    pub async fn passkey_options(&self, ceremony: &str, body: Option<Value>) -> Value {
        let path = format!("user-authenticators/passkey/{ceremony}-options");
        self.json(Method::POST, &path, body).await
    }

    /// Registers `credential`, made for the registration `options`; the answer, as it comes.
    pub async fn try_add_passkey(&self, options: &Value, credential: &Value) -> Response {
        let challenge = &options["challengeId"];
        let body = json!({ "registrationCredential": credential, "challengeId": challenge });
        let path = "user-authenticators/passkey";
        self.call(Method::POST, path, Some(body)).await
    }

    /// Registers `credential`, which must be accepted: the verify's JSON.
    pub async fn add_passkey(&self, options: &Value, credential: &Value) -> Value {
        let response = self.try_add_passkey(options, credential).await;
        assert_eq!(response.status(), 200, "passkey");
        response.json().await.unwrap()
    }

    /// Signs in with `assertion`, made for the authentication options `options`; the answer.
    pub async fn try_verify_passkey(&self, options: &Value, assertion: &Value) -> Response {
        let challenge = &options["challengeId"];
        let body = json!({ "authenticationCredential": assertion, "challengeId": challenge });
        self.call(Method::POST, "verify/passkey", Some(body)).await
    }

    /// Signs in with `assertion`, which must be accepted: the verify's JSON.
    pub async fn verify_passkey(&self, options: &Value, assertion: &Value) -> Value {
        let response = self.try_verify_passkey(options, assertion).await;
        assert_eq!(response.status(), 200, "verify/passkey");
        response.json().await.unwrap()
    }

    /// Asks for a code over `channel` (`email-otp`, `sms`), for the method `body` names if
    /// any; the answer, as it comes.
    pub async fn try_challenge(&self, channel: &str, body: Option<Value>) -> Response {
        let path = format!("challenge/{channel}");
        self.call(Method::POST, &path, body).await
    }

    /// Sends a code over `channel` to the user's default method of it.
    pub async fn challenge(&self, channel: &str) -> Value {
        let path = format!("challenge/{channel}");
        self.json(Method::POST, &path, None).await
    }

    /// Sends a code over `channel` to the method `id`.
    pub async fn challenge_method(&self, channel: &str, id: &Value) -> Value {
        let body = json!({ "userAuthenticatorId": id });
        self.post(&format!("challenge/{channel}"), body).await
    }

    /// Enters `code` for `channel` (`email-otp`, `sms`, `totp`); the answer, as it comes.
    pub async fn try_verify(&self, channel: &str, code: &str) -> Response {
        let body = json!({ "verificationCode": code });
        let path = format!("verify/{channel}");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// Enters `code` for `channel`: the verify's JSON, which says whether it was right.
    pub async fn verify(&self, channel: &str, code: &str) -> Value {
        let response = self.try_verify(channel, code).await;
        assert_eq!(response.status(), 200, "verify/{channel}");
        response.json().await.unwrap()
    }
}

/// A six-digit code that is not `code`.
pub fn wrong_code(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

/// What a verify answers to a code that is wrong or no longer valid.
pub fn invalid_or_expired() -> Value {
    json!({ "isVerified": false, "failureReason": "CODE_INVALID_OR_EXPIRED" })
}

/// The faults a local Authsignal can be told to answer with, each with what the app makes of
/// it: a bad gateway, or a gateway timeout when it timed out (the third, `true`).
pub fn failures() -> [(Value, StatusCode, bool); 3] {
    [
        (
            json!({ "kind": "status", "status": 500 }),
            BAD_GATEWAY,
            false,
        ),
        (json!({ "kind": "malformed_json" }), BAD_GATEWAY, false),
        (json!({ "kind": "hang" }), StatusCode::GATEWAY_TIMEOUT, true),
    ]
}

const BAD_GATEWAY: StatusCode = StatusCode::BAD_GATEWAY;

/// The app's settings to give up on Authsignal after `millis` ms, without retrying.
pub fn giving_up_after(millis: &'static str) -> [(&'static str, &'static str); 2] {
    [
        ("AUTHSIGNAL_TIMEOUT_MS", millis),
        ("AUTHSIGNAL_RETRIES", "0"),
    ]
}

/// The codes a local Authsignal's outbox (`outbox_url`, its `/_local/outbox`) holds for `to`,
/// newest first.
pub async fn outbox_codes(http: &reqwest::Client, outbox_url: &str, to: &str) -> Vec<String> {
    let messages: Vec<Value> = super::json_of(http.get(outbox_url).query(&[("to", to)])).await;
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
