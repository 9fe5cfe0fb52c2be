//! `POST /webhooks/authsignal`: Authsignal tells of authenticators created and deleted anywhere
//! (the Client API, the pre-built UI), and the owner is mailed. Each delivery must be signed
//! with the Server API secret (`X-Signature-V2`, `authsignal-methods.md` §5.2) within five
//! minutes. A delivery is remembered only once it was handled, by what was signed (its
//! timestamp and body, however the header spells them): the same signed delivery again is
//! refused as a replay, an event already handled is acknowledged and nothing is sent twice, and
//! one that could not be handled (its notice not sent) is answered 503, so Authsignal delivers
//! it again and the notice gets another chance.

use std::time::Duration;

use aws_lc_rs::{
    constant_time,
    digest::{SHA256, digest},
    hmac,
};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD},
};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::{
    AppState, activity, i18n,
    notify::{Change, ChangeKind, Delivery},
    shared_state::Unavailable,
};
use crate::{
    config::WEBHOOK_PATH,
    wire::authsignal::{AuthenticatorEventData, WebhookEvent},
};

/// How old a delivery may be, as the SDKs' default tolerance.
const TOLERANCE_SECS: i64 = 5 * 60;
/// A handled delivery is remembered this long: past it, the timestamp alone refuses a replay.
const DELIVERY_MEMORY: Duration = Duration::from_secs(2 * TOLERANCE_SECS as u64);
/// How long a report waits for the app's own notice that is on its way: 12 × 250 ms.
const UNDERWAY_CHECKS: u32 = 12;
const UNDERWAY_PAUSE: Duration = Duration::from_millis(250);
/// At-least-once delivery: an event id is remembered a day.
const EVENT_MEMORY: Duration = Duration::from_secs(24 * 3600);

pub fn routes() -> Router<AppState> {
    Router::new().route(WEBHOOK_PATH, post(receive))
}

/// Why a delivery is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No header, or no `t` or `v2` in it.
    Format,
    /// Outside the tolerance.
    Stale,
    /// No `v2` matches.
    Mismatch,
}

/// Checks `header` against the raw `body`: any one `v2` may match (two are sent while two
/// secrets are active), and `t` must be within five minutes of `now`, either way. Returns the
/// signed timestamp.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: OffsetDateTime,
) -> Result<i64, Refusal> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.ok_or(Refusal::Format)?.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v2", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Refusal::Format)?;
    if signatures.is_empty() {
        return Err(Refusal::Format);
    }
    if (now.unix_timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(Refusal::Stale);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let expected = STANDARD_NO_PAD.encode(hmac::sign(&key, &signed).as_ref());
    signatures
        .iter()
        .any(|candidate| {
            constant_time::verify_slices_are_equal(
                candidate.trim_end_matches('=').as_bytes(),
                expected.as_bytes(),
            )
            .is_ok()
        })
        .then_some(timestamp)
        .ok_or(Refusal::Mismatch)
}

/// What a delivery signed, whatever the header's spelling: its timestamp and body.
fn delivery_key(timestamp: i64, body: &[u8]) -> String {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!(
        "webhook-delivery:{}",
        URL_SAFE_NO_PAD.encode(digest(&SHA256, &signed))
    )
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers
        .get("x-signature-v2")
        .and_then(|value| value.to_str().ok());
    let secret = state.authsignal.webhook_secret();
    let timestamp = match verify(header, &body, secret.expose(), state.clock.now()) {
        Ok(timestamp) => timestamp,
        Err(refusal) => {
            info!(?refusal, "a webhook delivery was refused");
            return StatusCode::UNAUTHORIZED;
        }
    };
    let delivery = delivery_key(timestamp, &body);
    match state.shared.get(&delivery).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            info!("a replayed webhook delivery was refused");
            return StatusCode::UNAUTHORIZED;
        }
        // Authsignal delivers again later.
        Err(Unavailable) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let Ok(event) = serde_json::from_slice::<WebhookEvent>(&body) else {
        warn!("a signed webhook delivery was not an event");
        return StatusCode::BAD_REQUEST;
    };
    let handled = match handle(&state, &event).await {
        Ok(Handled::Done) => remember(&state, &delivery, Some(&event.id)).await,
        Ok(Handled::Ignored) => remember(&state, &delivery, None).await,
        Ok(Handled::Later) => Err(Unavailable),
        Err(Malformed) => return StatusCode::BAD_REQUEST,
    };
    match handled {
        Ok(()) => StatusCode::OK,
        Err(Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// What became of an event.
enum Handled {
    /// Its notice was settled.
    Done,
    /// Nothing the app acts on.
    Ignored,
    /// Not yet: its notice is being sent elsewhere, or could not be sent.
    Later,
}

/// A signed delivery that is not an authenticator event.
struct Malformed;

async fn handle(state: &AppState, event: &WebhookEvent) -> Result<Handled, Malformed> {
    let kind = match event.kind.as_str() {
        "authenticator.created" => ChangeKind::Added,
        "authenticator.deleted" => ChangeKind::Removed,
        // Signed and well-formed, but nothing the app acts on.
        _ => return Ok(Handled::Ignored),
    };
    match state
        .shared
        .get(&format!("webhook-event:{}", event.id))
        .await
    {
        Ok(None) => {}
        Ok(Some(_)) => return Ok(Handled::Ignored),
        Err(Unavailable) => return Ok(Handled::Later),
    }
    let Ok(data) = serde_json::from_value::<AuthenticatorEventData>(event.data.clone()) else {
        warn!(
            kind = event.kind,
            "an authenticator event without its fields"
        );
        return Err(Malformed);
    };
    // When the deletion is not in the payload, the event's own time is the closest: never the
    // method's creation date.
    let at = if kind == ChangeKind::Removed {
        data.deleted_at.unwrap_or(event.time)
    } else {
        data.created_at.unwrap_or(event.time)
    };
    // Written for the person it is about, in the language and time zone they last used on the
    // page: a webhook's request says nothing of them.
    let reader = i18n::remembered::recall(&state.shared, &state.authsignal, &data.user_id)
        .await
        .unwrap_or_default();
    let delivery = i18n::with_reader(reader, notify_of(state, kind, &data, at)).await;
    Ok(if delivery.is_settled() {
        Handled::Done
    } else {
        Handled::Later
    })
}

async fn notify_of(
    state: &AppState,
    kind: ChangeKind,
    data: &AuthenticatorEventData,
    at: OffsetDateTime,
) -> Delivery {
    let origin = activity::origin_of(&state.authsignal, data, state.clock.now()).await;
    let change = Change::reported(kind, data, at, origin);
    if kind == ChangeKind::Removed {
        // The app made this removal and mails it itself, with more to say: unless its own
        // notice failed, in which case this report is the second chance.
        match removal_progress(state, &data.user_id, &change).await {
            Ok(None | Some(Delivery::Failed)) => deliver(state, &data.user_id, &change).await,
            Ok(Some(progress)) => progress,
            Err(Unavailable) => Delivery::Underway,
        }
    } else {
        deliver(state, &data.user_id, &change).await
    }
}

/// How far the app's own notice of a removal got. The report usually arrives while that notice
/// is on its way: a few seconds' wait spares Authsignal a redelivery half a minute later.
async fn removal_progress(
    state: &AppState,
    user_id: &str,
    change: &Change,
) -> Result<Option<Delivery>, Unavailable> {
    for _ in 0..UNDERWAY_CHECKS {
        let progress = state.notifier.removed_here(user_id, change).await?;
        if !matches!(progress, Some(Delivery::Underway)) {
            return Ok(progress);
        }
        tokio::time::sleep(UNDERWAY_PAUSE).await;
    }
    state.notifier.removed_here(user_id, change).await
}

/// One attempt: Authsignal's redeliveries are the retries, and it waits for the answer.
async fn deliver(state: &AppState, user_id: &str, change: &Change) -> Delivery {
    state
        .notifier
        .deliver(user_id, None, change, &[Duration::ZERO])
        .await
}

/// Marks a delivery (and its event) handled, so they are not handled again.
async fn remember(
    state: &AppState,
    delivery: &str,
    event_id: Option<&str>,
) -> Result<(), Unavailable> {
    if let Some(id) = event_id {
        state
            .shared
            .put(&format!("webhook-event:{id}"), "1", EVENT_MEMORY)
            .await?;
    }
    state.shared.put(delivery, "1", DELIVERY_MEMORY).await
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const SECRET: &str = "test-secret-key-123";
    const BODY: &str = r#"{"version":1,"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","source":"https://authsignal.com","time":"2024-01-01T01:23:45.678Z","tenantId":"dddddddd-dddd-dddd-dddd-dddddddddddd","type":"authenticator.created","data":{"userId":"11111111-1111-1111-1111-111111111111","verificationMethod":"SMS","createdAt":"2024-01-01T01:23:45.678Z","userAuthenticatorId":"cccccccc-cccc-cccc-cccc-cccccccccccc","phoneNumber":"+64270000000"}}"#;
    /// The reference vector (`authsignal-methods.md` §5.2).
    const SIGNED: &str = "t=1704072225,v2=PiatTPGxxikMQFIXRhuCv638wfgJN5Gbpmaj2sGsLXU";

    #[test]
    fn one_case_per_way_a_delivery_can_be_wrong() {
        let at = datetime!(2024-01-01 01:23:45 UTC);
        let other = "t=1704072225,v2=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let rotated = format!("{other},v2=PiatTPGxxikMQFIXRhuCv638wfgJN5Gbpmaj2sGsLXU");
        let padded = format!("{SIGNED}=");
        // What the case is, the header, the body, when it arrives, the verdict.
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            &'a str,
            OffsetDateTime,
            Result<i64, Refusal>,
        );
        let cases: [Case; 11] = [
            (
                "the reference vector",
                Some(SIGNED),
                BODY,
                at,
                Ok(1704072225),
            ),
            (
                "two signatures during rotation, one good",
                Some(&rotated),
                BODY,
                at,
                Ok(1704072225),
            ),
            (
                "standard padding kept",
                Some(&padded),
                BODY,
                at,
                Ok(1704072225),
            ),
            (
                "within five minutes after",
                Some(SIGNED),
                BODY,
                at + time::Duration::minutes(5),
                Ok(1704072225),
            ),
            ("no header", None, BODY, at, Err(Refusal::Format)),
            (
                "no timestamp",
                Some("v2=PiatTPGxxikMQFIXRhuCv638wfgJN5Gbpmaj2sGsLXU"),
                BODY,
                at,
                Err(Refusal::Format),
            ),
            (
                "no signature",
                Some("t=1704072225"),
                BODY,
                at,
                Err(Refusal::Format),
            ),
            (
                "another secret's signature",
                Some(other),
                BODY,
                at,
                Err(Refusal::Mismatch),
            ),
            (
                "a changed body",
                Some(SIGNED),
                &BODY.replace("SMS", "PASSKEY"),
                at,
                Err(Refusal::Mismatch),
            ),
            (
                "stale",
                Some(SIGNED),
                BODY,
                at + time::Duration::minutes(6),
                Err(Refusal::Stale),
            ),
            (
                "from the future",
                Some(SIGNED),
                BODY,
                at - time::Duration::minutes(6),
                Err(Refusal::Stale),
            ),
        ];
        for (case, header, body, now, expected) in cases {
            assert_eq!(
                verify(header, body.as_bytes(), SECRET, now),
                expected,
                "{case}"
            );
        }
    }
}
