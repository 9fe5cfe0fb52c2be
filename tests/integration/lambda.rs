//! The Lambda build: API Gateway (HTTP API, payload 2.0) events fed through the handler get the
//! answers the plain server gives over HTTP, and the client address API Gateway saw is the one
//! the app records.

use account_security::serve::{self, lambda};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{
    TestApp,
    authsignal::LocalTenant,
    browser::{encrypt_cookie, jwt_claims, new_email},
    client, forge,
};

/// An answer, as far as it is the same whichever way it was served.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The headers that must agree (others carry dates or per-response nonces).
const COMPARED: [&str; 7] = [
    "content-type",
    "location",
    "cache-control",
    "www-authenticate",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
];

fn answer(status: StatusCode, headers: &header::HeaderMap, body: Vec<u8>) -> Answer {
    Answer {
        status,
        headers: COMPARED
            .iter()
            .filter_map(|name| {
                let value = headers.get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect(),
        body,
    }
}

/// A recorded event with its placeholders filled in.
fn event(name: &str, fills: &[(&str, &str)]) -> Value {
    let recorded = match name {
        "page" => include_str!("lambda_events/page.json"),
        "rest_list" => include_str!("lambda_events/rest_list.json"),
        "cross_site_post" => include_str!("lambda_events/cross_site_post.json"),
        "static_asset" => include_str!("lambda_events/static_asset.json"),
        _ => panic!("no recorded event {name}"),
    };
    let filled = fills
        .iter()
        .fold(recorded.to_owned(), |text, (placeholder, value)| {
            text.replace(&format!("{{{{{placeholder}}}}}"), value)
        });
    serde_json::from_str(&filled).unwrap()
}

async fn through_lambda(app: &TestApp, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let handler = lambda::handler(serve::router(app.state.clone()));
    let response = handler.oneshot(request).await.unwrap();
    // Into what the Lambda runtime sends back to API Gateway.
    let response = lambda_http::IntoResponse::into_response(response).await;
    let (parts, body) = response.into_parts();
    answer(parts.status, &parts.headers, body.to_vec())
}

/// The same request over HTTP to the plain server.
async fn through_http(app: &TestApp, event: &Value) -> Answer {
    let method: reqwest::Method = event["requestContext"]["http"]["method"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut request = client().request(method, app.url(event["rawPath"].as_str().unwrap()));
    for (name, value) in event["headers"].as_object().unwrap() {
        if name != "host" {
            request = request.header(name, value.as_str().unwrap());
        }
    }
    if let Some(cookies) = event["cookies"].as_array() {
        let joined: Vec<&str> = cookies
            .iter()
            .map(|cookie| cookie.as_str().unwrap())
            .collect();
        request = request.header(header::COOKIE, joined.join("; "));
    }
    if let Some(body) = event["body"].as_str() {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    answer(status, &headers, response.bytes().await.unwrap().to_vec())
}

fn host(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn events_get_the_answers_the_plain_server_gives() {
    let site = crate::support::authsignal::fresh_data_dir("lambda-site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/account-security.css"), "body{margin:0}").unwrap();
    let site_root = site.display().to_string();
    let app = TestApp::spawn_with(&[("LEPTOS_SITE_ROOT", site_root.as_str())]).await;
    let host = host(&app);
    let bearer = app.mint(json!({})).await;
    let forged = forge::tampered(&bearer);
    let cookie = format!(
        "session-access={}",
        encrypt_cookie(&app.session_key(), "session-access", &bearer)
    );
    let cases = [
        (
            "a signed-out page",
            event("page", &[("HOST", &host)]),
            StatusCode::SEE_OTHER,
        ),
        (
            "a REST call with a bearer token",
            event("rest_list", &[("HOST", &host), ("BEARER", &bearer)]),
            StatusCode::OK,
        ),
        (
            "a forged token",
            event("rest_list", &[("HOST", &host), ("BEARER", &forged)]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a cross-site POST with the session cookie",
            event("cross_site_post", &[("HOST", &host), ("COOKIE", &cookie)]),
            StatusCode::FORBIDDEN,
        ),
        (
            "a static asset",
            event("static_asset", &[("HOST", &host)]),
            StatusCode::OK,
        ),
    ];
    for (case, event, expected) in cases {
        let lambda = through_lambda(&app, &event).await;
        let http = through_http(&app, &event).await;
        assert_eq!(lambda.status, expected, "{case}");
        assert_eq!(lambda, http, "{case}");
    }
}

#[tokio::test]
async fn the_client_address_is_the_one_api_gateway_saw() {
    let (app, tenant): (TestApp, LocalTenant) = TestApp::spawn_with_tenant(&[]).await;
    let bearer = app.mint(json!({})).await;
    let sub = jwt_claims(&bearer)["sub"].as_str().unwrap().to_owned();
    tenant.give_email(&sub, &new_email("lambda-ip")).await;
    let mut step_up = event("rest_list", &[("HOST", &host(&app)), ("BEARER", &bearer)]);
    step_up["rawPath"] = json!("/api/step-up");
    step_up["requestContext"]["http"]["method"] = json!("POST");
    step_up["requestContext"]["http"]["path"] = json!("/api/step-up");
    let answer = through_lambda(&app, &step_up).await;
    assert_eq!(answer.status, StatusCode::OK);
    let actions = tenant
        .client
        .query_actions(
            &sub,
            &["stepUp"],
            Some(time::OffsetDateTime::now_utc() - time::Duration::hours(1)),
        )
        .await
        .unwrap();
    assert_eq!(actions[0].ip_address.as_deref(), Some("198.51.100.23"));
}

#[tokio::test]
async fn behind_cloudfront_the_viewer_address_counts_only_with_the_origin_secret() {
    const SECRET: &str = "an-origin-secret-of-the-distribution";
    let vars = [("CLOUDFRONT_ORIGIN_SECRET", SECRET)];
    let (app, tenant): (TestApp, LocalTenant) = TestApp::spawn_with_tenant(&vars).await;
    let bearer = app.mint(json!({})).await;
    let sub = jwt_claims(&bearer)["sub"].as_str().unwrap().to_owned();
    tenant.give_email(&sub, &new_email("cloudfront-ip")).await;
    let edge = "130.176.98.14";
    let step_up = |secret: &str| {
        let mut event = event("rest_list", &[("HOST", &host(&app)), ("BEARER", &bearer)]);
        event["rawPath"] = json!("/api/step-up");
        event["requestContext"]["http"]["method"] = json!("POST");
        event["requestContext"]["http"]["path"] = json!("/api/step-up");
        event["requestContext"]["http"]["sourceIp"] = json!(edge);
        event["headers"]["x-forwarded-for"] = json!(format!("203.0.113.7, {edge}"));
        event["headers"]["x-origin-verify"] = json!(secret);
        event["headers"]["cloudfront-viewer-address"] = json!("203.0.113.7:46532");
        event
    };
    let addresses = async || {
        let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let actions = tenant.client.query_actions(&sub, &["stepUp"], Some(since));
        let actions = actions.await.unwrap();
        actions
            .into_iter()
            .map(|action| action.ip_address.unwrap_or_default())
            .collect::<Vec<_>>()
    };

    assert_eq!(
        through_lambda(&app, &step_up(SECRET)).await.status,
        StatusCode::OK
    );
    assert_eq!(addresses().await, ["203.0.113.7"]);
    // Sent around CloudFront, with headers of its own choosing: the edge it came from counts.
    let forged = through_lambda(&app, &step_up("a-guess")).await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(addresses().await.contains(&edge.to_owned()));
}
