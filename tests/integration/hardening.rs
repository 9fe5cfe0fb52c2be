//! What an attacker, a flaky upstream or a flood gets from the page's side of the app, over real
//! HTTP: cross-origin posts, security headers and the CSP nonce, rate limits, size limits, input
//! validation, and Authsignal failing in every way.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::support::{
    TestApp,
    authsignal::{LocalTenant, failures, giving_up_after},
    browser::{Browser, new_email, origin_of},
    client,
    person::Person,
    rest::Api,
    retry_after,
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// A signed-in person with two email codes, so that either could be removed, stepped up.
async fn person_with_two_methods(app: &TestApp, tenant: &LocalTenant, label: &str) -> Person {
    let person = Person::signed_up(app, label).with_email_methods(tenant, 2);
    person.stepped_up().await
}

async fn method_count(app: &TestApp, browser: &mut Browser) -> usize {
    let response = browser.call(&app.url("/api/list_authenticators")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Value = response.json().await.unwrap();
    listed["methods"].as_array().unwrap().len()
}

#[tokio::test]
async fn posts_from_another_origin_are_refused_and_change_nothing() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person_with_two_methods(&app, &tenant, "csrf").await;
    let remove = app.url("/api/remove_authenticator");
    let id = person.methods[1].clone();
    let form = [("id", id.as_str())];
    let attacks = [
        // A form on the attacker's page, submitted by the victim's browser.
        client()
            .post(&remove)
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .form(&form),
        // `fetch(…, {method: "POST", mode: "no-cors", credentials: "include"})`.
        client()
            .post(&remove)
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
            .body(format!("id={id}")),
        // A look-alike origin, and a subdomain of ours.
        client()
            .post(&remove)
            .header(header::ORIGIN, format!("{}.evil.example", app.base_url))
            .form(&form),
        // No Origin at all, but the fetch metadata says it is cross-site.
        client()
            .post(&remove)
            .header("sec-fetch-site", "cross-site")
            .form(&form),
        // Neither header: not provably ours.
        client().post(&remove).form(&form),
    ];
    for attack in attacks {
        let response = person.browser.send_raw(attack).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    assert_eq!(method_count(&app, &mut person.browser).await, 2);

    let sign_out = client()
        .post(app.url("/auth/sign-out"))
        .header(header::ORIGIN, "https://evil.example");
    assert_eq!(
        person.browser.send_raw(sign_out).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        person.browser.get(&app.url("/security")).await.status(),
        StatusCode::OK,
        "still signed in"
    );

    // The same request from our own page goes through.
    let response = person.browser.call_with(&remove, &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(method_count(&app, &mut person.browser).await, 1);
}

/// The `nonce-…` of a page's policy.
fn nonce_of(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce") + "'nonce-".len();
    policy[start..].split('\'').next().unwrap().to_owned()
}

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

#[tokio::test]
async fn pages_carry_a_strict_policy_with_a_fresh_nonce_on_every_script_and_preload() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("csp")).await;
    let mut nonces = Vec::new();
    for path in [
        "/security",
        "/security",
        "/",
        "/signed-out",
        "/no-such-page",
    ] {
        let response = browser.get(&app.url(path)).await;
        let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        let html = response.text().await.unwrap();
        assert!(policy.contains("'nonce-"), "{path}: {policy}");
        let nonce = nonce_of(&policy);
        let scripts = html.matches("<script").count();
        // A module preload is fetched under script-src too: without the nonce the browser
        // drops it without a word, and the bundle's JS waits until the page has been parsed.
        let preloads = html.matches("<link rel=\"modulepreload\"").count();
        if path == "/security" {
            assert!(scripts > 0, "{path} hydrates");
            assert_eq!(
                preloads, 2,
                "{path} preloads the bundle's JS and the loader of its chunks"
            );
        } else {
            // Only Leptos's own inline data (its resource bootstrap), never the bundle.
            assert_eq!(preloads, 0, "{path} loads no bundle");
            for bundle in [r#"type="module""#, r#"rel="preload""#] {
                assert!(!html.contains(bundle), "{path} loads no bundle");
            }
        }
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts + preloads,
            "{path}: every script and module preload carries this response's nonce"
        );
        let script_src = directive(&policy, "script-src");
        assert!(script_src.contains("'wasm-unsafe-eval'"), "{policy}");
        assert!(!script_src.contains("unsafe-inline"), "{policy}");
        assert_eq!(
            directive(&policy, "frame-ancestors"),
            "frame-ancestors 'none'"
        );
        assert_eq!(directive(&policy, "base-uri"), "base-uri 'none'");
        let connect = directive(&policy, "connect-src");
        assert!(
            connect.starts_with("connect-src 'self' http://localhost:"),
            "{policy}"
        );
        let forms = directive(&policy, "form-action");
        assert!(
            forms.contains(&origin_of(&app.cognito_url)),
            "sign-out ends on the hosted pages: {policy}"
        );
        nonces.push(nonce);
    }
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "a fresh nonce per response");
}

#[tokio::test]
async fn every_response_has_the_security_headers_and_personal_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("headers")).await;
    let page = browser.get(&app.url("/security")).await;
    let server_fn = browser.call(&app.url("/api/me")).await;
    let api = app.get("/api/authenticators").await;
    let health = app.get("/healthz").await;
    for (what, response) in [
        ("page", &page),
        ("server function", &server_fn),
        ("REST API", &api),
        ("health check", &health),
    ] {
        let headers = response.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{what}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
        assert!(
            headers["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("camera=()"),
            "{what}"
        );
        assert!(
            headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{what}"
        );
        assert!(
            !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "{what}: no HSTS over http"
        );
    }
}

#[tokio::test]
async fn behind_https_every_response_asks_for_https_only() {
    let app = TestApp::spawn_with(&[
        ("APP_PUBLIC_URL", "https://account.example.test"),
        ("ALLOW_LOCAL_EMULATORS", "true"),
    ])
    .await;
    let response = app.get("/healthz").await;
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn too_many_enrollments_are_refused_with_retry_after() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("limit")).await;
    let url = app.url("/api/start_enrollment");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = browser
            .call_with(
                &url,
                &[("method", "EMAIL_OTP"), ("email", "jane@example.com")],
            )
            .await;
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(response.headers());
            assert!((1..=60).contains(&wait), "{wait}");
            let body: Value = response.json().await.unwrap();
            assert!(body["RateLimited"]["retry_after_secs"].is_u64(), "{body}");
        }
    }
    assert_eq!(
        statuses,
        [
            [StatusCode::OK; 5].as_slice(),
            &[StatusCode::TOO_MANY_REQUESTS]
        ]
        .concat()
    );
}

#[tokio::test]
async fn too_many_sign_ins_from_one_address_say_when_to_come_back() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_IP_PER_MINUTE", "2")]).await;
    let mut browser = Browser::new();
    let callback = app.url("/auth/callback?code=x&state=y");
    for _ in 0..2 {
        let response = browser.get(&callback).await;
        assert!(
            !crate::support::browser::location(&response).contains("rate-limited"),
            "within the limit"
        );
    }
    let response = browser.get(&callback).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let wait = retry_after(response.headers());
    let page = crate::support::browser::location(&response);
    assert_eq!(
        page,
        app.url(&format!(
            "/signed-out?reason=rate-limited&retry_after={wait}"
        ))
    );
    let html = browser.get(&page).await.text().await.unwrap();
    let wait_in_words = account_security::model::seconds_in_words(wait);
    assert!(html.contains(&format!("Wait {wait_in_words}")), "{html}");
}

#[tokio::test]
async fn an_oversized_request_is_refused_before_any_handler() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("size")).await;
    let huge = "a".repeat(100 * 1024);
    let response = browser
        .call_with(
            &app.url("/api/start_enrollment"),
            &[("method", "EMAIL_OTP"), ("email", &huge)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn bad_server_function_input_is_a_400_naming_the_field() {
    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut person = person_with_two_methods(&app, &tenant, "input").await;
    let long_email = format!("{}@example.com", "a".repeat(250));
    let first = person.methods[0].clone();
    let cases = [
        (
            "start_enrollment",
            vec![("method", "EMAIL_OTP"), ("email", "jane@")],
            "email",
        ),
        (
            "start_enrollment",
            vec![("method", "EMAIL_OTP"), ("email", &long_email)],
            "email",
        ),
        ("start_enrollment", vec![("method", "EMAIL_OTP")], "email"),
        ("start_enrollment", Vec::new(), "method"),
        ("start_enrollment", vec![("method", "PUSH")], "method"),
        (
            "start_enrollment",
            vec![("method", "SMS"), ("phone_number", "021 123 4567")],
            "phoneNumber",
        ),
        ("start_enrollment", vec![("method", "SMS")], "phoneNumber"),
        ("remove_authenticator", vec![("id", "../../users/x")], "id"),
        ("remove_authenticator", vec![("id", "")], "id"),
        (
            "remove_authenticator",
            vec![("id", first.as_str()), ("accepts_no_fallback", "maybe")],
            // serde's message for a bad boolean names no field.
            "request",
        ),
    ];
    for (function, form, field) in cases {
        let (status, body) = person.browser.function(&app, function, &form).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{function} {form:?}: {body}"
        );
        assert_eq!(
            body["InvalidInput"]["field"], field,
            "{function} {form:?}: {body}"
        );
    }
    assert_eq!(method_count(&app, &mut person.browser).await, 2);
}

#[tokio::test]
async fn authsignal_failing_is_an_upstream_error_and_others_are_still_served() {
    let (app, tenant) = TestApp::spawn_with_tenant(&giving_up_after("1000")).await;
    let mut person = person_with_two_methods(&app, &tenant, "upstream").await;
    let mut other = person_with_two_methods(&app, &tenant, "upstream-other").await;
    let list = app.url("/api/list_authenticators");
    for (fault, status, timed_out) in failures() {
        let path = format!("/v1/users/{}/authenticators", person.sub);
        tenant
            .set_faults(json!([{ "path": path, "fault": fault }]))
            .await;
        let started = Instant::now();
        let (failed, served) = tokio::join!(person.browser.call(&list), async {
            // While one person's call hangs, someone else's is answered.
            tokio::time::sleep(Duration::from_millis(100)).await;
            other.browser.call(&list).await
        });
        assert_eq!(failed.status(), status, "{fault}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{fault}: bounded by AUTHSIGNAL_TIMEOUT_MS"
        );
        let body: Value = failed.json().await.unwrap();
        assert_eq!(
            body["Upstream"],
            json!({ "service": "Authsignal", "timed_out": timed_out }),
            "{fault}"
        );
        assert_eq!(served.status(), StatusCode::OK, "{fault}");

        // The page says so in a sentence and still shows who is signed in.
        let html = person.browser.get_text(&app.url("/security")).await;
        assert!(
            html.contains("Your sign-in methods are unchanged; try again in a minute."),
            "{fault}: {html}"
        );
        assert!(html.contains("Sign out"), "{fault}");
        tenant.clear("faults").await;
    }
    assert_eq!(method_count(&app, &mut person.browser).await, 2);
}

#[tokio::test]
async fn a_storm_of_unknown_key_ids_costs_at_most_one_jwks_fetch_a_second() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use account_security::{config::TokenLifetimes, local::cognito::LocalCognito};
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    // The local Cognito on its own, and the app pointed at it as at a real pool, with the keys
    // fetched through a counter.
    let data_dir = crate::support::authsignal::fresh_data_dir("jwks-storm");
    let hour = Duration::from_secs(3600);
    let settings = crate::support::local_cognito(TokenLifetimes {
        access: hour,
        id: hour,
        refresh: hour,
    });
    let cognito = LocalCognito::start(&settings, &data_dir, &"http://localhost:9".parse().unwrap())
        .await
        .unwrap();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get({
            let fetches = fetches.clone();
            let upstream = cognito.jwks_url().to_string();
            move || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                let keys = client().get(upstream).send().await.unwrap();
                keys.text().await.unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, counter).await });
    let session_key = base64::engine::general_purpose::STANDARD.encode([7_u8; 64]);
    let domain = cognito.base_url().to_string();
    let issuer = cognito.issuer();
    let app = TestApp::spawn_with(&[
        ("COGNITO_USER_POOL_ID", cognito.user_pool_id()),
        ("COGNITO_CLIENT_ID", cognito.client_id()),
        ("COGNITO_CLIENT_SECRET", cognito.client_secret().expose()),
        ("COGNITO_DOMAIN", domain.trim_end_matches('/')),
        ("COGNITO_ISSUER", &issuer),
        ("COGNITO_JWKS_URL", &jwks_url),
        ("SESSION_KEY", &session_key),
    ])
    .await;

    let genuine = app.mint(json!({})).await;
    let list = |token: String| Api::with_token(&app, &token).list().response();
    assert_eq!(list(genuine.clone()).await.status(), StatusCode::OK);
    let before = fetches.load(Ordering::SeqCst);
    assert!(before >= 1, "the keys were fetched");

    let (_, rest) = genuine.split_once('.').unwrap();
    let started = std::time::Instant::now();
    let mut storm = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let kid = uuid::Uuid::new_v4().to_string();
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "kid": kid }).to_string());
        storm.spawn(list(format!("{header}.{rest}")));
    }
    while let Some(response) = storm.join_next().await {
        assert_eq!(response.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let during = fetches.load(Ordering::SeqCst) - before;
    let seconds = started.elapsed().as_secs() as usize;
    assert!(
        during <= seconds + 2,
        "{during} fetches in {seconds} s for 200 unknown kids"
    );
    let known = list(genuine).await.status();
    assert_eq!(known, StatusCode::OK, "known keys still work");
}

#[tokio::test]
async fn someone_elses_genuine_return_token_changes_nothing() {
    use account_security::wire::authsignal::TrackAttributes;

    let (app, tenant) = TestApp::spawn_with_tenant(&[]).await;
    let mut victim = person_with_two_methods(&app, &tenant, "return-victim").await;
    let attacker = person_with_two_methods(&app, &tenant, "return-attacker").await;
    // The victim has a visit pending, as if they had just opened Authsignal's pages.
    let visit = victim.browser.call(&app.url("/api/prebuilt_ui_url")).await;
    assert_eq!(visit.status(), StatusCode::OK);

    // The attacker passes their own challenge for the same action: a token Authsignal vouches
    // for, but not the victim's.
    let manage = TrackAttributes::default();
    let track = tenant
        .track(&attacker.sub, "manageAuthenticators", &manage)
        .await;
    let token = track.token.expose();
    let sdk = tenant.sdk(token);
    sdk.challenge("email-otp").await;
    sdk.verify("email-otp", &tenant.latest_code(&attacker.email).await)
        .await;
    let validation = tenant.validate(token, Some(&attacker.sub), None).await;
    assert!(validation.is_valid, "a genuine, succeeded token");

    let response = victim
        .browser
        .get(&app.url(&format!("/security/return?token={token}")))
        .await;
    assert_eq!(
        crate::support::browser::location(&response),
        app.url("/security?notice=manage-invalid")
    );
    assert_eq!(method_count(&app, &mut victim.browser).await, 2);
}

#[tokio::test]
async fn pages_and_api_answers_are_never_compressed() {
    // Compressing personal data next to text a visitor chose would leak it (BREACH).
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("breach")).await;
    for path in ["/security", "/api/me", "/no-such-page"] {
        let request = client()
            .request(
                if path.starts_with("/api/") {
                    reqwest::Method::POST
                } else {
                    reqwest::Method::GET
                },
                app.url(path),
            )
            .header(header::ORIGIN, &app.base_url)
            .header(header::ACCEPT_ENCODING, "br, gzip");
        let response = browser.send_raw(request).await;
        assert!(
            !response.headers().contains_key(header::CONTENT_ENCODING),
            "{path}"
        );
    }
}

#[tokio::test]
async fn only_static_files_are_cached_or_compressed() {
    let site = crate::support::authsignal::fresh_data_dir("static-site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(
        site.join("pkg/account-security.css"),
        "body { margin: 0; padding: 0; font-family: system-ui, sans-serif; }\n".repeat(20),
    )
    .unwrap();
    // A release build's precompressed copy (`--precompress`), here only a marker.
    std::fs::write(site.join("pkg/account-security.js"), "export {};\n").unwrap();
    std::fs::write(site.join("pkg/account-security.js.br"), b"precompressed").unwrap();
    let site_root = site.display().to_string();
    let app = TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site_root.as_str())]).await;
    let get = |path: &'static str| {
        client()
            .get(app.url(path))
            .header(header::ACCEPT_ENCODING, "br, gzip")
            .send()
    };
    // Unhashed names (no LEPTOS_HASH_FILES): the browser revalidates each time.
    let asset = get("/pkg/account-security.css").await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(asset.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(asset.headers()[header::VARY], "accept-encoding");
    // The precompressed copy is sent as it is, and a cache is told it depends on the encoding.
    let precompressed = get("/pkg/account-security.js").await.unwrap();
    assert_eq!(precompressed.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(precompressed.headers()[header::VARY], "accept-encoding");
    assert_eq!(precompressed.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(precompressed.bytes().await.unwrap(), "precompressed");
    for (what, path) in [
        ("a missing asset", "/pkg/account-security.0123.js"),
        ("the 404 page", "/no-such-page"),
        ("a public page", "/"),
        ("the health check", "/healthz"),
    ] {
        let response = get(path).await.unwrap();
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-store",
            "{what}"
        );
        assert!(
            !response.headers().contains_key(header::CONTENT_ENCODING),
            "{what}"
        );
    }
}

/// Listing an app's routes through Leptos holds resource loading off for the whole process
/// (leptos-rs/leptos#4773), so the server lists its pages itself; this binary builds a router
/// for every test, and a page rendered while another router is built must still finish, not
/// hang until the request times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_renders_while_other_routers_are_built() {
    /// Ends the building when the test ends, passed or failed: the runtime waits for it.
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("routers")).await;
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let builder = tokio::task::spawn_blocking({
        let (state, stop) = (app.state.clone(), stop.0.clone());
        move || {
            let mut built = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                drop(account_security::serve::router(state.clone()));
                built += 1;
            }
            built
        }
    });
    let until = Instant::now() + Duration::from_secs(2);
    let mut rendered = 0_u32;
    while Instant::now() < until {
        let page = tokio::time::timeout(Duration::from_secs(5), browser.get(&app.url("/security")))
            .await
            .expect("the page finished while routers were being built");
        assert_eq!(page.status(), StatusCode::OK);
        rendered += 1;
    }
    drop(stop);
    let built = builder.await.unwrap();
    assert!(
        built > 0 && rendered > 0,
        "{built} routers, {rendered} pages"
    );
}

/// A static file served while pages render keeps to its own headers, and each page keeps its
/// own: Leptos's file handler runs the page context for a file too, in an owner that can be a
/// child of a page being rendered on the same thread, and then takes that page's headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_served_while_pages_render_do_not_take_their_headers() {
    let site = crate::support::authsignal::fresh_data_dir("concurrent-site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/account-security.js"), "export {};\n").unwrap();
    let site_root = site.display().to_string();
    let app = Arc::new(TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site_root.as_str())]).await);
    let browser = Browser::signed_up(&app, &new_email("concurrent")).await;
    let until = Instant::now() + Duration::from_secs(3);
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (pages_app, mut browser) = (app.clone(), browser.clone());
        loops.spawn(async move {
            let app = pages_app;
            let mut pages = 0;
            while Instant::now() < until {
                let page = browser.get(&app.url("/security")).await;
                assert_eq!(page.status(), StatusCode::OK);
                let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
                    .to_str()
                    .unwrap();
                assert!(
                    policy.contains("'nonce-"),
                    "a page kept its policy: {policy}"
                );
                pages += 1;
            }
            pages
        });
        let app = app.clone();
        loops.spawn(async move {
            let mut files = 0;
            while Instant::now() < until {
                let file = app.get("/pkg/account-security.js").await;
                assert_eq!(file.status(), StatusCode::OK);
                assert_eq!(
                    file.headers()[header::CONTENT_SECURITY_POLICY],
                    account_security::server::http::csp::NON_PAGE_POLICY,
                    "a file has the policy for what is not a page"
                );
                files += 1;
            }
            files
        });
    }
    while let Some(count) = loops.join_next().await {
        assert!(count.unwrap() > 0);
    }
}

/// Each page answers at its own path and nowhere else: a near miss is the 404 page, for a
/// signed-in person and for anyone, and never the signed-in page outside its session check.
#[tokio::test]
async fn pages_answer_at_their_own_paths_only() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::signed_up(&app, &new_email("paths")).await;
    assert_eq!(browser.get(&app.url("/security")).await.status(), 200);
    for path in [
        "/security/",
        "/SECURITY",
        "/security/methods",
        "/signed-out/",
    ] {
        let signed_in = browser.get(&app.url(path)).await;
        let anyone = app.get(path).await;
        for (who, response) in [("signed in", signed_in), ("anyone", anyone)] {
            assert_eq!(response.status(), 404, "{path}, {who}");
            let html = response.text().await.unwrap();
            assert!(html.contains("Page not found"), "{path}, {who}");
        }
    }
}
