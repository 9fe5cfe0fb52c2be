//! The logs of a whole session, captured as an operator would (the server binary's output, with
//! `RUST_LOG=debug`), hold no token, secret, password or one-time code. The emulators run in a
//! process of their own, as the real services would; their log may name their own development
//! secret (it is printed at start on purpose) but no token or code either: codes appear only in
//! the outbox.

use std::{
    collections::HashMap,
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::support::{
    authsignal::{Sdk, fresh_data_dir, outbox_codes, wrong_code},
    browser::{Browser, PASSWORD, decrypt_cookie, location, new_email, query_param},
    client, forge, free_port, json_of,
    rest::Api,
    send,
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// A child process that is killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(binary: &str, args: &[&Path], env: &HashMap<String, String>, log: &Path) -> Running {
    let output = File::create(log).unwrap();
    let child = Command::new(binary)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .stdout(Stdio::from(output.try_clone().unwrap()))
        .stderr(Stdio::from(output))
        .spawn()
        .unwrap();
    Running(child)
}

fn read_env_file(path: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

async fn wait_for(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not start within 20 s");
}

/// Whether `code` appears in `log` as a number of its own (not inside a timestamp's fraction
/// or a longer number).
fn contains_number(log: &str, code: &str) -> bool {
    log.match_indices(code).any(|(at, _)| {
        let before = log[..at].chars().next_back();
        let after = log[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// What must never be logged, collected while the session runs.
#[derive(Default)]
struct Secrets {
    named: Vec<(String, String)>,
    codes: Vec<String>,
}

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        assert!(value.len() >= 8, "{what} is long enough to search for");
        self.named.push((what.to_owned(), value.to_owned()));
        // A JWT cut short in a log line still leaks its signature.
        if let Some(signature) = value.split('.').nth(2).filter(|part| part.len() >= 20) {
            self.named
                .push((format!("the signature of {what}"), signature.to_owned()));
        }
    }

    fn assert_absent_from(&self, log: &str, source: &str) {
        for (what, value) in &self.named {
            assert!(
                !log.contains(value.as_str()),
                "{what} is in the {source} log"
            );
        }
        for code in &self.codes {
            assert!(
                !contains_number(log, code),
                "the code {code} is in the {source} log"
            );
        }
    }
}

struct Session {
    browser: Browser,
    app: String,
    key: axum_extra::extract::cookie::Key,
    secrets: Secrets,
}

impl Session {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app)
    }

    /// Remembers the session tokens the browser holds right now.
    fn note_cookies(&mut self) {
        for name in ["session-access", "session-id", "session-refresh"] {
            if let Some(sealed) = self.browser.cookie(name) {
                let token = decrypt_cookie(&self.key, name, sealed).unwrap();
                self.secrets.add(name, &token);
                self.secrets.add(&format!("the sealed {name}"), sealed);
            }
        }
    }

    async fn call(&mut self, function: &str, form: &[(&str, &str)]) -> Value {
        let url = self.url(&format!("/api/{function}"));
        let response = self.browser.call_with(&url, form).await;
        assert_eq!(response.status(), StatusCode::OK, "{function}");
        response.json().await.unwrap()
    }

    /// The Client API with the Authsignal token of a page's `ticket`, remembered as a secret
    /// (`what`).
    fn sdk(&mut self, ticket: &Value, what: &str) -> Sdk {
        let token = ticket["token"].as_str().unwrap();
        self.secrets.add(what, token);
        Sdk::new(ticket["client_api_url"].as_str().unwrap(), token)
    }

    /// The newest code the local Authsignal at `authsignal` sent to `to`, remembered.
    async fn newest_code(&mut self, authsignal: &str, to: &str) -> String {
        let outbox = format!("{authsignal}/_local/outbox");
        let code = outbox_codes(&client(), &outbox, to).await[0].clone();
        self.secrets.codes.push(code.clone());
        code
    }

    /// Passes the challenge of `sdk`'s action with the first method, an email code sent to
    /// `email`; remembers the token the verify answered with as `what`, and returns it.
    async fn pass_challenge(
        &mut self,
        sdk: &Sdk,
        authsignal: &str,
        email: &str,
        what: &str,
    ) -> String {
        let methods = sdk.authenticators().await;
        let first = &methods[0]["userAuthenticatorId"];
        sdk.challenge_method("email-otp", first).await;
        let code = self.newest_code(authsignal, email).await;
        let verified = sdk.verify("email-otp", &code).await;
        let passed = verified["accessToken"].as_str().unwrap();
        self.secrets.add(what, passed);
        passed.to_owned()
    }
}

/// Adds an email code through the Client API as the page does; returns the code.
async fn enroll(session: &mut Session, authsignal: &str, email: &str) -> String {
    let add = [("method", "EMAIL_OTP"), ("email", email)];
    let ticket = session.call("start_enrollment", &add).await;
    let sdk = session.sdk(&ticket, "an enrollment token");
    sdk.add_email(email).await;
    let code = session.newest_code(authsignal, email).await;
    let refused = sdk.verify("email-otp", wrong_code(&code)).await;
    assert_eq!(refused["isVerified"], false);
    let verified = sdk.verify("email-otp", &code).await;
    assert_eq!(verified["isVerified"], true);
    let token = verified["accessToken"].as_str().unwrap();
    session.secrets.add("a post-verification token", token);
    code
}

/// Steps up with the email method `email`, as the page's dialog does.
async fn step_up(session: &mut Session, authsignal: &str, email: &str) {
    let ticket = session.call("start_step_up", &[]).await;
    let sdk = session.sdk(&ticket, "a step-up token");
    let what = "a passed step-up token";
    let passed = session.pass_challenge(&sdk, authsignal, email, what).await;
    session
        .call("complete_step_up", &[("token", &passed)])
        .await;
    let proof = session.browser.cookie("step-up").unwrap().to_owned();
    session.secrets.add("the sealed step-up proof", &proof);
    let opened = decrypt_cookie(&session.key, "step-up", &proof).unwrap();
    session.secrets.add("the step-up proof", &opened);
}

#[tokio::test]
async fn a_whole_session_leaves_no_secret_in_the_logs() {
    let dir: PathBuf = fresh_data_dir("logs");
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let app_addr = format!("127.0.0.1:{port}");
    let app = format!("http://localhost:{port}");
    let settings = dir.join("services.env");
    let services_log = dir.join("services.log");
    let app_log = dir.join("app.log");

    let services_env = HashMap::from([
        ("APP_PUBLIC_URL".to_owned(), app.clone()),
        ("LOCAL_COGNITO_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("LOCAL_AUTHSIGNAL_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("LOCAL_SMTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("LOCAL_DATA_DIR".to_owned(), dir.display().to_string()),
        // Short-lived access tokens, so the session is refreshed along the way.
        (
            "LOCAL_COGNITO_ACCESS_TOKEN_SECONDS".to_owned(),
            "3".to_owned(),
        ),
        ("RUST_LOG".to_owned(), "debug".to_owned()),
    ]);
    let _services = start(
        env!("CARGO_BIN_EXE_local-services"),
        &[&settings],
        &services_env,
        &services_log,
    );
    wait_for("local-services", async || settings.exists()).await;
    wait_for("local-services", async || {
        read_env_file(&settings).len() >= 10
    })
    .await;
    let mut app_env = read_env_file(&settings);
    app_env.extend(
        [
            ("LEPTOS_OUTPUT_NAME", "account-security"),
            ("LEPTOS_SITE_ADDR", app_addr.as_str()),
            ("LEPTOS_ENV", "PROD"),
            ("JWT_LEEWAY_SECONDS", "0"),
            ("RUST_LOG", "debug"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    app_env.insert(
        "LEPTOS_SITE_ROOT".to_owned(),
        dir.join("site").display().to_string(),
    );
    let mut server = start(
        env!("CARGO_BIN_EXE_account-security"),
        &[],
        &app_env,
        &app_log,
    );
    wait_for("the app", async || {
        let ready = client().get(format!("{app}/readyz")).send().await;
        ready.is_ok_and(|response| response.status().is_success())
    })
    .await;

    let cognito = app_env["COGNITO_DOMAIN"].clone();
    let authsignal = app_env["AUTHSIGNAL_API_URL"]
        .trim_end_matches("/v1")
        .to_owned();
    let key = {
        use base64::{Engine, engine::general_purpose::STANDARD};
        axum_extra::extract::cookie::Key::from(&STANDARD.decode(&app_env["SESSION_KEY"]).unwrap())
    };
    let mut secrets = Secrets::default();
    for name in ["SESSION_KEY", "COGNITO_CLIENT_SECRET", "AUTHSIGNAL_SECRET"] {
        secrets.add(name, &app_env[name]);
    }
    secrets.add("the password", PASSWORD);
    let mut session = Session {
        browser: Browser::new(),
        app: app.clone(),
        key,
        secrets,
    };

    // Sign up and in through the hosted pages.
    let email = new_email("logs");
    let response = session.browser.get(&session.url("/auth/sign-in")).await;
    let response = session.browser.get(&location(&response)).await;
    let login = location(&response);
    let response = session
        .browser
        .post_form(
            &login.replacen("/login?", "/signup?", 1),
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    let callback = location(&response);
    let code = query_param(&callback, "code");
    session.secrets.add("the authorization code", &code);
    let response = session.browser.get(&callback).await;
    assert_eq!(location(&response), session.url("/security"));
    session.note_cookies();

    // Two email codes, a wrong code on the way, one removed.
    enroll(&mut session, &authsignal, &email).await;
    step_up(&mut session, &authsignal, &email).await;
    let second = new_email("logs-second");
    enroll(&mut session, &authsignal, &second).await;
    let listed = session.call("list_authenticators", &[]).await;
    let id = listed["methods"][1]["id"].as_str().unwrap().to_owned();
    session.call("remove_authenticator", &[("id", &id)]).await;

    // The access token expires: the next page is served after a silent refresh.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let page = session.browser.get(&session.url("/security")).await;
    assert_eq!(page.status(), StatusCode::OK);
    session.note_cookies();

    // The pre-built UI link carries a token.
    let visit = session.call("prebuilt_ui_url", &[]).await;
    let visit = visit.as_str().unwrap();
    let token = query_param(visit, "token");
    session.secrets.add("the pre-built UI token", &token);
    let response = session
        .browser
        .get(&session.url(&format!("/security/return?token={token}")))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // A native app's calls, and a forged token.
    let mint = client().post(format!("{cognito}/_local/mint"));
    let minted: Value = json_of(mint.json(&json!({ "email": email, "expires_in": 3600 }))).await;
    let bearer = minted["token"].as_str().unwrap().to_owned();
    session.secrets.add("a bearer token", &bearer);
    for token in [
        bearer.clone(),
        forge::tampered(&bearer),
        forge::alg_none(&bearer),
    ] {
        let list = client().get(session.url("/api/authenticators"));
        send(list.header(header::AUTHORIZATION, format!("Bearer {token}"))).await;
    }
    // A step-up over REST, then an enrollment token with it.
    let api = Api::at(&app, &bearer);
    let started = api.start_step_up().await.body;
    let challenge_token = started["authsignalToken"].as_str().unwrap();
    session.secrets.add("a REST step-up token", challenge_token);
    let sdk = Sdk::new(&format!("{authsignal}/v1"), challenge_token);
    let what = "a passed REST step-up token";
    let passed = session
        .pass_challenge(&sdk, &authsignal, &email, what)
        .await;
    let proof = api.complete_step_up(&passed).await.body;
    let step_up_token = proof["stepUpToken"].as_str().unwrap().to_owned();
    session.secrets.add("a REST step-up proof", &step_up_token);
    let enrollment = api.stepped_up(&step_up_token).enroll().await.body;
    let enrollment_token = enrollment["authsignalToken"].as_str().unwrap();
    session
        .secrets
        .add("a REST enrollment token", enrollment_token);

    let response = session
        .browser
        .post_form(&session.url("/auth/sign-out"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let _ = server.0.kill();
    let _ = server.0.wait();
    let app_log = std::fs::read_to_string(&app_log).unwrap();
    for expected in [
        "signed in",
        "the session was refreshed",
        "authenticator removed",
        "a bearer token was refused",
        "path=/api/start_enrollment",
    ] {
        assert!(
            app_log.contains(expected),
            "the log is being written ({expected}): {app_log}"
        );
    }
    session.secrets.assert_absent_from(&app_log, "app");

    // The emulators' own log: their development secret is printed at start, on purpose.
    let services_log = std::fs::read_to_string(&services_log).unwrap();
    session.secrets.named.retain(|(what, _)| {
        !what.contains("AUTHSIGNAL_SECRET") && !what.contains("COGNITO_CLIENT_SECRET")
    });
    session
        .secrets
        .assert_absent_from(&services_log, "emulators'");
}
