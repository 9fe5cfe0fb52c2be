//! The shared state's promises, checked the same way on both engines: this process's memory
//! and a real Redis. Windows count and start again, a record is seen once and holds its value
//! until replaced, taken or lapsed, a lock is held by one at a time, freed by its lease when its
//! holder is gone, and released only by its owner; keys of two prefixes never meet; an
//! unreachable Redis answers "unavailable", never a guess.

use std::{sync::Arc, time::Duration};

use account_security::server::shared_state::{SharedState, Unavailable};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::support::redis::RedisServer;

async fn windows_count_then_start_again(state: &SharedState) {
    let window = Duration::from_millis(300);
    assert_eq!(state.count("k", window).await.unwrap().count, 1);
    assert_eq!(state.count("k", window).await.unwrap().count, 2);
    assert_eq!(state.count("other", window).await.unwrap().count, 1);
    let third = state.count("k", window).await.unwrap();
    assert_eq!(third.count, 3);
    assert!(
        third.resets_in <= window && !third.resets_in.is_zero(),
        "{third:?}"
    );
    tokio::time::sleep(window + Duration::from_millis(50)).await;
    assert_eq!(state.count("k", window).await.unwrap().count, 1);
}

async fn a_record_is_seen_once_within_its_lifetime(state: &SharedState) {
    let lifetime = Duration::from_millis(300);
    assert!(state.first_sighting("token-1", lifetime).await.unwrap());
    assert!(!state.first_sighting("token-1", lifetime).await.unwrap());
    assert!(state.first_sighting("token-2", lifetime).await.unwrap());
    tokio::time::sleep(lifetime + Duration::from_millis(50)).await;
    assert!(state.first_sighting("token-1", lifetime).await.unwrap());
}

async fn a_record_holds_its_value_until_replaced_taken_or_lapsed(state: &SharedState) {
    let lifetime = Duration::from_millis(300);
    assert_eq!(state.get("r").await.unwrap(), None);
    assert!(state.put_new("r", "first", lifetime).await.unwrap());
    assert!(!state.put_new("r", "second", lifetime).await.unwrap());
    assert_eq!(state.get("r").await.unwrap().as_deref(), Some("first"));
    state.put("r", "replaced", lifetime).await.unwrap();
    assert_eq!(state.get("r").await.unwrap().as_deref(), Some("replaced"));
    // Taken once: whoever comes second finds nothing.
    assert_eq!(state.take("r").await.unwrap().as_deref(), Some("replaced"));
    assert_eq!(state.take("r").await.unwrap(), None);
    state.put("r", "lapsing", lifetime).await.unwrap();
    tokio::time::sleep(lifetime + Duration::from_millis(50)).await;
    assert_eq!(state.get("r").await.unwrap(), None);
    assert!(state.put_new("r", "again", lifetime).await.unwrap());
}

async fn one_holder_at_a_time_and_only_the_owner_releases(state: Arc<SharedState>) {
    let lease = Duration::from_millis(400);
    // A holds the lock until told to let go.
    let (release, held) = oneshot::channel::<()>();
    let (taken, is_taken) = oneshot::channel::<()>();
    let holder = {
        let state = state.clone();
        tokio::spawn(async move {
            state
                .locked("person-1", Duration::from_secs(10), Duration::ZERO, async {
                    taken.send(()).unwrap();
                    held.await.unwrap();
                })
                .await
        })
    };
    is_taken.await.unwrap();
    let waited = state
        .locked("person-1", lease, Duration::from_millis(100), async {})
        .await
        .unwrap();
    assert_eq!(waited, None, "taken: the second waits, then gives up");
    assert_eq!(
        state
            .locked("person-2", lease, Duration::ZERO, async { 7 })
            .await
            .unwrap(),
        Some(7),
        "another key is free"
    );
    release.send(()).unwrap();
    assert_eq!(holder.await.unwrap().unwrap(), Some(()));
    assert_eq!(
        state
            .locked("person-1", lease, Duration::ZERO, async { "mine" })
            .await
            .unwrap(),
        Some("mine"),
        "released"
    );

    // A holder that outlives its lease loses the lock, and its late release does not free
    // the lock of whoever took it next.
    let ms = Duration::from_millis;
    let slow = hold(&state, "person-3", ms(200), Duration::ZERO, ms(600));
    tokio::time::sleep(ms(50)).await;
    let next = hold(&state, "person-3", ms(10_000), ms(2000), ms(800));
    // After the slow holder let go (at 600 ms), the next one (in from ~200 ms to ~1700 ms)
    // still holds.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(slow.await.unwrap().unwrap(), Some(()));
    let during = state
        .locked("person-3", lease, Duration::ZERO, async {})
        .await
        .unwrap();
    assert_eq!(during, None, "the late release freed someone else's lock");
    assert_eq!(next.await.unwrap().unwrap(), Some(()));
}

/// A task that takes the lock `key` with `lease`, waiting up to `wait` for it, and holds it for
/// `held`; it ends with what `locked` returned.
fn hold(
    state: &Arc<SharedState>,
    key: &'static str,
    lease: Duration,
    wait: Duration,
    held: Duration,
) -> JoinHandle<Result<Option<()>, Unavailable>> {
    let state = state.clone();
    let holding = async move { tokio::time::sleep(held).await };
    tokio::spawn(async move { state.locked(key, lease, wait, holding).await })
}

async fn behaves_as_shared_state(state: SharedState) {
    windows_count_then_start_again(&state).await;
    a_record_is_seen_once_within_its_lifetime(&state).await;
    a_record_holds_its_value_until_replaced_taken_or_lapsed(&state).await;
    one_holder_at_a_time_and_only_the_owner_releases(Arc::new(state)).await;
}

#[tokio::test]
async fn memory_keeps_the_promises() {
    behaves_as_shared_state(SharedState::connect(None, "").await.unwrap()).await;
}

#[tokio::test]
async fn redis_keeps_the_promises() {
    let redis = RedisServer::start("promises").await;
    let state = redis.shared_state("test:").await;
    behaves_as_shared_state(state).await;
}

#[tokio::test]
async fn two_prefixes_share_a_redis_without_meeting() {
    let redis = RedisServer::start("prefixes").await;
    let one = redis.shared_state("one:").await;
    let two = redis.shared_state("two:").await;
    let lifetime = Duration::from_secs(60);
    assert!(one.first_sighting("token", lifetime).await.unwrap());
    assert!(two.first_sighting("token", lifetime).await.unwrap());
    assert_eq!(one.count("k", lifetime).await.unwrap().count, 1);
    assert_eq!(two.count("k", lifetime).await.unwrap().count, 1);
}

#[tokio::test]
async fn an_unreachable_redis_is_unavailable_and_then_back() {
    let mut redis = RedisServer::start("down").await;
    let state = redis.shared_state("test:").await;
    redis.stop();
    let minute = Duration::from_secs(60);
    assert_eq!(state.count("k", minute).await, Err(Unavailable));
    assert_eq!(state.first_sighting("t", minute).await, Err(Unavailable));
    assert_eq!(
        state.locked("p", minute, Duration::ZERO, async {}).await,
        Err(Unavailable)
    );
    assert_eq!(state.ping().await, Err(Unavailable));
    redis.restart().await;
    let mut back = false;
    for _ in 0..50 {
        if state.ping().await.is_ok() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the connection heals by itself");
    assert!(state.first_sighting("t", minute).await.unwrap());
}

#[tokio::test]
async fn a_redis_that_is_not_there_stops_the_start_with_a_reason() {
    let port = crate::support::free_port();
    let refused = SharedState::connect(Some(&format!("redis://127.0.0.1:{port}")), "")
        .await
        .err()
        .unwrap();
    assert!(
        refused.starts_with("Redis could not be reached at REDIS_URL"),
        "{refused}"
    );
}
