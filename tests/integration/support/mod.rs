//! Runs the whole application in-process on a loopback port, with fresh local emulators, so
//! integration tests talk to it over real HTTP.

pub mod authsignal;
pub mod browser;
pub mod forge;
pub mod instances;
pub mod person;
pub mod prebuilt;
pub mod redis;
pub mod rest;
pub mod smtp;
pub mod webauthn;
pub mod webhooks;

use std::{collections::HashMap, path::PathBuf};

use account_security::{
    config::{AppClientKind, Config, LocalCognitoSettings, TokenLifetimes},
    serve,
    server::{self, AppState},
};
use axum_extra::extract::cookie::Key;
use base64::{Engine, engine::general_purpose::STANDARD};
use leptos::config::LeptosOptions;
use reqwest::{IntoUrl, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The time now, in seconds since the epoch, as tokens carry it.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Waits up to five seconds for `what` to listen on the loopback `port`.
pub async fn wait_until_listening(port: u16, what: &str) {
    for _ in 0..100 {
        let connected = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
        if connected.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what} did not listen on {port}");
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

pub struct TestApp {
    pub base_url: String,
    pub data_dir: PathBuf,
    /// What the handlers see, e.g. `state.authsignal` to reach the local Authsignal.
    pub state: AppState,
    /// The local Cognito's base URL, e.g. `http://127.0.0.1:41234/` (its port is picked at start).
    pub cognito_url: String,
}

impl TestApp {
    /// The app with local emulators on free ports and a data directory of its own.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// As [`TestApp::spawn`], with extra environment variables.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://localhost:{}", addr.port());
        let data_dir = std::env::temp_dir().join(format!(
            "account-security-test-{}-{}",
            std::process::id(),
            addr.port()
        ));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut env: HashMap<String, String> = HashMap::from([
            ("APP_PUBLIC_URL".into(), base_url.clone()),
            ("LOCAL_DATA_DIR".into(), data_dir.display().to_string()),
            ("LOCAL_COGNITO_ADDR".into(), "127.0.0.1:0".into()),
            ("LOCAL_AUTHSIGNAL_ADDR".into(), "127.0.0.1:0".into()),
            ("LOCAL_SMTP_ADDR".into(), "127.0.0.1:0".into()),
        ]);
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_lookup(|name| env.get(name).cloned()).expect("valid test config");
        let mut leptos_options = LeptosOptions::builder()
            .output_name("account-security")
            .site_addr(addr)
            .build();
        if let Some(root) = env.get("LEPTOS_SITE_ROOT") {
            leptos_options.site_root = root.as_str().into();
        }
        let state = serve::start_services(config, leptos_options).await.unwrap();
        let app = serve::router(state.clone());
        tokio::spawn(serve::serve(listener, app, std::future::pending()));
        let cognito_url = discover_cognito(&base_url).await;
        TestApp {
            base_url,
            data_dir,
            state,
            cognito_url,
        }
    }

    /// The app in front of a local Authsignal of the test's own, configured as a real tenant
    /// is, so the test can give users methods, read the codes sent and make Authsignal fail.
    pub async fn spawn_with_tenant(vars: &[(&str, &str)]) -> (TestApp, authsignal::LocalTenant) {
        let tenant = authsignal::LocalTenant::start("app").await;
        let api_url = tenant.local.base_url().to_string();
        let secret = tenant.local.secret().expose().to_owned();
        let mut all = vec![
            ("AUTHSIGNAL_SECRET", secret.as_str()),
            ("AUTHSIGNAL_API_URL", api_url.as_str()),
            ("AUTHSIGNAL_TENANT_ID", tenant.local.tenant_id()),
        ];
        all.extend_from_slice(vars);
        (Self::spawn_with(&all).await, tenant)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A URL on the local Cognito; `path` without its leading slash is fine too.
    pub fn cognito(&self, path: &str) -> String {
        format!("{}{}", self.cognito_url, path.trim_start_matches('/'))
    }

    /// The session key the app generated in its data directory.
    pub fn session_key(&self) -> Key {
        let stored = std::fs::read_to_string(self.data_dir.join("session-key.json")).unwrap();
        let encoded: String = serde_json::from_str(&stored).unwrap();
        Key::from(&STANDARD.decode(encoded).unwrap())
    }

    /// A token signed by the local Cognito: `/_local/mint` with these options, for the app
    /// client the app signs in with unless the claims name another.
    pub async fn mint(&self, mut request: Value) -> String {
        let client_id = self.state.cognito.oauth.client_id().to_owned();
        let claims = request["claims"].as_object_mut();
        match claims {
            Some(claims) => {
                claims.entry("client_id").or_insert(client_id.into());
            }
            None => request["claims"] = json!({ "client_id": client_id }),
        }
        let response = send(client().post(self.cognito("/_local/mint")).json(&request)).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `path` on the app, fetched without a session.
    pub async fn get(&self, path: &str) -> Response {
        get(self.url(path)).await
    }

    /// A URL on the Authsignal the app talks to (its own local one, or a test's tenant).
    pub fn authsignal(&self, path: &str) -> String {
        self.state
            .authsignal
            .api_url()
            .join(path.trim_start_matches('/'))
            .unwrap()
            .to_string()
    }

    /// Passes the challenge of a step-up `token` (from the app) with the email code sent to
    /// `address`, through the Client API as the Web SDK does; returns the token the verify
    /// answered with.
    pub async fn pass_challenge(&self, token: &str, address: &str) -> String {
        let sdk = authsignal::Sdk::new(self.state.authsignal.client_api_url().as_str(), token);
        let authenticators = sdk.authenticators().await;
        let masked = format!("{}***@", &address[..1]);
        let domain = address.split_once('@').unwrap().1;
        let method = authenticators
            .iter()
            .find(|a| {
                a["email"]
                    .as_str()
                    .is_some_and(|email| email.starts_with(&masked) && email.ends_with(domain))
            })
            .unwrap_or_else(|| panic!("no email method {address} in {authenticators:?}"));
        sdk.challenge_method("email-otp", &method["userAuthenticatorId"])
            .await;
        let outbox = self.authsignal("/_local/outbox");
        let code = authsignal::outbox_codes(&client(), &outbox, address).await;
        let verified = sdk.verify("email-otp", &code[0]).await;
        assert_eq!(verified["isVerified"], true, "{verified}");
        verified["accessToken"].as_str().unwrap().to_owned()
    }

    /// A step-up through the REST API with the email method `address`, for the person whose
    /// access token is `bearer`: the `Step-Up-Token` to send.
    pub async fn step_up_token(&self, bearer: &str, address: &str) -> String {
        let api = rest::Api::with_token(self, bearer);
        let started = api.start_step_up().await.body;
        let token = started["authsignalToken"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {started}"));
        let passed = self.pass_challenge(token, address).await;
        let completed = api.complete_step_up(&passed).await.body;
        completed["stepUpToken"]
            .as_str()
            .unwrap_or_else(|| panic!("not completed: {completed}"))
            .to_owned()
    }

    /// Makes the local Cognito fail on `path` with `status` (`/_local/faults`).
    pub async fn cognito_fault(&self, path: &str, status: u16) {
        let rules =
            json!({ "rules": [{ "path": path, "fault": { "kind": "status", "status": status } }] });
        let faults = client().post(self.cognito("/_local/faults")).json(&rules);
        assert_eq!(send(faults).await.status(), 204);
    }

    /// Ends the local Cognito's faults (`/_local/faults`).
    pub async fn clear_cognito_faults(&self) {
        let cleared = send(client().delete(self.cognito("/_local/faults"))).await;
        assert_eq!(cleared.status(), 204);
    }

    /// Makes the local Cognito sign with a new key (`/_local/rotate-keys`); returns its answer.
    pub async fn rotate_keys(&self) -> Value {
        json_of(client().post(self.cognito("/_local/rotate-keys"))).await
    }
}

/// The sign-in redirect names managed login's domain: that is where the local Cognito listens.
async fn discover_cognito(base_url: &str) -> String {
    let response = get(format!("{base_url}/auth/sign-in")).await;
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    let mut url = reqwest::Url::parse(location).unwrap();
    url.set_path("/");
    url.set_query(None);
    url.to_string()
}

/// How a test starts a local Cognito of its own: free port, confidential client, the defaults
/// of managed login and no refresh token rotation.
pub fn local_cognito(lifetimes: TokenLifetimes) -> LocalCognitoSettings {
    LocalCognitoSettings {
        addr: "127.0.0.1:0".parse().unwrap(),
        lifetimes,
        app_client: AppClientKind::Confidential,
        allow_http_callbacks: false,
        managed_login: true,
        rotate_refresh_tokens: false,
    }
}

/// A client that does not follow redirects, so tests can see them.
pub fn client() -> reqwest::Client {
    server::http_client::builder().build().unwrap()
}

/// Sends a request built on [`client`].
pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.unwrap()
}

/// `url`, fetched with [`client`].
pub async fn get(url: impl IntoUrl) -> Response {
    send(client().get(url)).await
}

/// The JSON a request is answered with.
pub async fn json_of<T: DeserializeOwned>(request: RequestBuilder) -> T {
    send(request).await.json().await.unwrap()
}

/// The seconds a `Retry-After` header asks to wait.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> u64 {
    let value = headers[reqwest::header::RETRY_AFTER].to_str().unwrap();
    value.parse().unwrap()
}
