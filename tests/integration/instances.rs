//! Two instances sharing one Redis (Debian's redis-server, started for the test): the
//! last-method rule holds when two removals race on two instances, rate limits count across
//! both, a one-time token spent on one is refused on the other, a step-up proof of one is good on
//! the other, and a Redis outage refuses changes, keeps lists, and heals by itself.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    TestApp,
    authsignal::hidden_token,
    browser::{Browser, encrypt_cookie, jwt_claims, location, new_email},
    client,
    instances::Instances,
    redis::RedisServer,
};

/// Races per run: enough that an unguarded check-then-delete loses some.
const ROUNDS: usize = 25;

struct Person {
    email: String,
    sub: String,
    bearer: String,
    /// The `Step-Up-Token`, from instance A.
    step_up: String,
    methods: [String; 2],
}

async fn person(instances: &Instances, label: &str) -> Person {
    let email = new_email(label);
    // Someone new to the pool: the demo user's token under a sub of their own.
    let sub = uuid::Uuid::new_v4().to_string();
    let bearer = instances
        .a
        .mint(json!({ "claims": { "sub": sub, "username": sub } }))
        .await;
    assert_eq!(jwt_claims(&bearer)["sub"], sub.as_str());
    let first = instances.tenant.give_email(&sub, &email).await;
    let second = instances
        .tenant
        .give_email(&sub, &new_email(&format!("{label}-work")))
        .await;
    let step_up = instances.a.step_up_token(&bearer, &email).await;
    Person {
        email,
        sub,
        bearer,
        step_up,
        methods: [first, second],
    }
}

async fn rest(
    app: &TestApp,
    method: Method,
    path: &str,
    person: &Person,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client()
        .request(method, app.url(path))
        .bearer_auth(&person.bearer)
        .header("Step-Up-Token", &person.step_up);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn remove(app: &TestApp, person: &Person, id: &str) -> (StatusCode, Value) {
    rest(
        app,
        Method::DELETE,
        &format!("/api/authenticators/{id}"),
        person,
        None,
    )
    .await
}

#[tokio::test]
async fn two_removals_racing_on_two_instances_never_leave_a_person_without_a_method() {
    let redis = RedisServer::start("race").await;
    let instances = Instances::start("race", &redis.url(), &[]).await;
    let mut outcomes = Vec::new();
    for round in 0..ROUNDS {
        let person = person(&instances, &format!("race-{round}")).await;
        let (on_a, on_b) = tokio::join!(
            remove(&instances.a, &person, &person.methods[0]),
            remove(&instances.b, &person, &person.methods[1]),
        );
        let mut statuses = [on_a.0, on_b.0];
        statuses.sort();
        outcomes.push(statuses);
        let refused = if on_a.0 == StatusCode::OK {
            &on_b
        } else {
            &on_a
        };
        assert_eq!(refused.1["error"], "last_authenticator", "{refused:?}");
        let left = instances
            .tenant
            .client
            .get_authenticators(&person.sub)
            .await
            .unwrap();
        assert_eq!(left.len(), 1, "round {round}: {outcomes:?}");
    }
    assert!(
        outcomes
            .iter()
            .all(|statuses| *statuses == [StatusCode::OK, StatusCode::CONFLICT]),
        "{outcomes:?}"
    );
    println!(
        "concurrent removals: {ROUNDS} rounds of 2 on 2 instances, each 1 × 200 and 1 × 409 last_authenticator"
    );
}

#[tokio::test]
async fn a_rate_limit_counts_across_both_instances() {
    let redis = RedisServer::start("limits").await;
    let instances = Instances::start(
        "limits",
        &redis.url(),
        &[("RATE_LIMIT_PER_IP_PER_MINUTE", "4")],
    )
    .await;
    let mut limited = Vec::new();
    for attempt in 0..6 {
        let app = if attempt % 2 == 0 {
            &instances.a
        } else {
            &instances.b
        };
        let response = Browser::new()
            .get(&app.url("/auth/callback?code=x&state=y"))
            .await;
        limited.push(location(&response).contains("rate-limited"));
    }
    assert_eq!(limited, [false, false, false, false, true, true]);
}

#[tokio::test]
async fn a_one_time_token_spent_on_one_instance_is_refused_on_the_other() {
    let redis = RedisServer::start("once").await;
    let instances = Instances::start("once", &redis.url(), &[]).await;
    let person = person(&instances, "once").await;

    // A step-up: the verify token turned into a proof on A is worth nothing on B.
    let (status, started) = rest(&instances.a, Method::POST, "/api/step-up", &person, None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let passed = instances
        .a
        .pass_challenge(started["authsignalToken"].as_str().unwrap(), &person.email)
        .await;
    let complete = json!({ "token": passed });
    let (on_a, _) = rest(
        &instances.a,
        Method::POST,
        "/api/step-up/complete",
        &person,
        Some(complete.clone()),
    )
    .await;
    assert_eq!(on_a, StatusCode::OK);
    let (on_b, body) = rest(
        &instances.b,
        Method::POST,
        "/api/step-up/complete",
        &person,
        Some(complete),
    )
    .await;
    assert_eq!(on_b, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "token", "{body}");

    // A return from the pre-built UI: confirmed on A, a kept copy of the browser refused on B.
    let mut browser = Browser::new();
    browser.set_cookie(
        "session-access",
        &encrypt_cookie(&instances.session_key, "session-access", &person.bearer),
    );
    let url: String = browser
        .call(&instances.a.url("/api/prebuilt_ui_url"))
        .await
        .json()
        .await
        .unwrap();
    let tenant = &instances.tenant;
    let html = tenant
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code_page = tenant
        .http
        .post(tenant.url("/prebuilt/challenge"))
        .form(&[
            ("token", hidden_token(&html).as_str()),
            ("authenticatorId", &person.methods[0]),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = tenant.latest_code(&person.email).await;
    let settings = tenant
        .http
        .post(tenant.url("/prebuilt/verify"))
        .form(&[
            ("token", hidden_token(&code_page).as_str()),
            ("authenticatorId", &person.methods[0]),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let done = tenant
        .http
        .post(tenant.url("/prebuilt/done"))
        .form(&[("token", hidden_token(&settings).as_str())])
        .send()
        .await
        .unwrap();
    let back = location(&done);
    let path = back.split_once("/security/return").unwrap().1;
    let mut copy = browser.clone();
    let confirmed = browser
        .get(&instances.a.url(&format!("/security/return{path}")))
        .await;
    assert!(location(&confirmed).ends_with("notice=manage-done"));
    let replayed = copy
        .get(&instances.b.url(&format!("/security/return{path}")))
        .await;
    assert!(
        location(&replayed).ends_with("notice=manage-invalid"),
        "{}",
        location(&replayed)
    );
}

#[tokio::test]
async fn a_step_up_proof_of_one_instance_is_good_on_the_other() {
    let redis = RedisServer::start("proof").await;
    let instances = Instances::start("proof", &redis.url(), &[]).await;
    let person = person(&instances, "proof").await;
    // Made on A (see `person`), used on B.
    let (status, body) = rest(
        &instances.b,
        Method::POST,
        "/api/authenticators",
        &person,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["authsignalToken"].is_string());
}

#[tokio::test]
async fn a_redis_outage_refuses_changes_keeps_lists_and_heals_by_itself() {
    let mut redis = RedisServer::start("outage").await;
    let instances = Instances::start("outage", &redis.url(), &[]).await;
    let person = person(&instances, "outage").await;
    redis.stop();

    let app = &instances.a;
    let refusals = [
        rest(app, Method::POST, "/api/authenticators", &person, None).await,
        remove(app, &person, &person.methods[1]).await,
        rest(
            app,
            Method::POST,
            "/api/step-up/complete",
            &person,
            Some(json!({ "token": "x" })),
        )
        .await,
    ];
    for (status, body) in &refusals {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert_eq!(
            body["message"],
            "Changes can't be made right now. Nothing was changed; try again in a minute."
        );
    }
    let (status, methods) = rest(app, Method::GET, "/api/authenticators", &person, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        methods.as_array().unwrap().len(),
        2,
        "nothing was half-done"
    );
    let ready = client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["problems"][0]["reason"], "shared_state_unavailable");

    redis.restart().await;
    let mut healed = false;
    for _ in 0..100 {
        let (status, _) = rest(app, Method::POST, "/api/authenticators", &person, None).await;
        if status == StatusCode::OK {
            healed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        healed,
        "changes work again once Redis is back, without a restart"
    );
    let (status, body) = remove(app, &person, &person.methods[1]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
