//! Two instances sharing one Redis (Debian's redis-server, started for the test): the
//! last-method rule holds when two removals race on two instances, rate limits count across
//! both, a one-time token spent on one is refused on the other, a step-up proof of one is good on
//! the other, and a Redis outage refuses changes, keeps lists, and heals by itself.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    TestApp,
    browser::{Browser, encrypt_cookie, location},
    instances::Instances,
    person::Person,
    redis::RedisServer,
    rest::Api,
};

/// Races per run: enough that an unguarded check-then-delete loses some.
const ROUNDS: usize = 25;

/// Someone new to the pool with two email methods, stepped up over REST on instance A.
async fn person(instances: &Instances, label: &str) -> Person {
    let person = Person::minted(&instances.a, label).with_email_methods(&instances.tenant, 2);
    person.stepped_up_over_rest().await
}

#[tokio::test]
async fn two_removals_racing_on_two_instances_never_leave_a_person_without_a_method() {
    let redis = RedisServer::start("race").await;
    let instances = Instances::start("race", &redis.url(), &[]).await;
    let mut outcomes = Vec::new();
    for round in 0..ROUNDS {
        let person = person(&instances, &format!("race-{round}")).await;
        let (on_a, on_b) = (
            Api::of(&instances.a, &person),
            Api::of(&instances.b, &person),
        );
        let (on_a, on_b) = tokio::join!(
            on_a.remove(&person.methods[0]).into_future(),
            on_b.remove(&person.methods[1]).into_future(),
        );
        let mut statuses = [on_a.status, on_b.status];
        statuses.sort();
        outcomes.push(statuses);
        let refused = if on_a.status == StatusCode::OK {
            &on_b
        } else {
            &on_a
        };
        assert_eq!(refused.body["error"], "last_authenticator", "{refused:?}");
        let left = instances.tenant.authenticators(&person.sub).await;
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
    let four = [("RATE_LIMIT_PER_IP_PER_MINUTE", "4")];
    let instances = Instances::start("limits", &redis.url(), &four).await;
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
    let (on_a, on_b) = (
        Api::of(&instances.a, &person),
        Api::of(&instances.b, &person),
    );

    // A step-up: the verify token turned into a proof on A is worth nothing on B.
    let started = on_a.start_step_up().await.ok();
    let passed = instances
        .a
        .pass_challenge(started["authsignalToken"].as_str().unwrap(), &person.email)
        .await;
    assert_eq!(on_a.complete_step_up(&passed).await.status, StatusCode::OK);
    let replayed = on_b.complete_step_up(&passed).await;
    let body = &replayed.body;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "token", "{body}");

    // A return from the pre-built UI: confirmed on A, a kept copy of the browser refused on B.
    let mut browser = Browser::new();
    let access = encrypt_cookie(&instances.session_key, "session-access", &person.bearer);
    browser.set_cookie("session-access", &access);
    browser.step_up(&instances.a, &person.email).await;
    let url: String = browser
        .call_json(&instances.a.url("/api/prebuilt_ui_url"))
        .await;
    let prebuilt = instances.tenant.prebuilt();
    let settings = prebuilt
        .settings(&url, &person.methods[0], &person.email)
        .await;
    let done = prebuilt.send_from(&settings, "/prebuilt/done", &[]).await;
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
    let body = Api::of(&instances.b, &person).enroll().await.ok();
    assert!(body["authsignalToken"].is_string());
}

#[tokio::test]
async fn a_redis_outage_refuses_changes_keeps_lists_and_heals_by_itself() {
    let mut redis = RedisServer::start("outage").await;
    let instances = Instances::start("outage", &redis.url(), &[]).await;
    let person = person(&instances, "outage").await;
    redis.stop();

    let app: &TestApp = &instances.a;
    let api = Api::of(app, &person);
    let refusals = [
        api.enroll().await,
        api.remove(&person.methods[1]).await,
        api.complete_step_up("x").await,
    ];
    for refusal in &refusals {
        let body = &refusal.body;
        assert_eq!(refusal.status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert_eq!(
            body["message"],
            "Changes can't be made right now. Nothing was changed; try again in a minute."
        );
    }
    let methods = api.list().await.ok();
    let listed = methods.as_array().unwrap().len();
    assert_eq!(listed, 2, "nothing was half-done");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["problems"][0]["reason"], "shared_state_unavailable");

    redis.restart().await;
    let mut healed = false;
    for _ in 0..100 {
        if api.enroll().await.status == StatusCode::OK {
            healed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        healed,
        "changes work again once Redis is back, without a restart"
    );
    api.remove(&person.methods[1]).await.ok();
}
