//! `POST /webhooks/authsignal`: Authsignal tells of authenticators created and deleted anywhere
//! (the Client API, the pre-built UI), and the owner is mailed. Each delivery must be signed
//! with the Server API secret (`X-Signature-V2`, `authsignal-methods.md` §5.2) within five
//! minutes; a replayed delivery is refused; an event already handled is acknowledged and
//! nothing is sent twice.

use std::time::Duration;

use aws_lc_rs::{constant_time, hmac};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::{
    AppState, activity,
    notify::{Change, ChangeKind},
};
use crate::{
    config::WEBHOOK_PATH,
    wire::authsignal::{AuthenticatorEventData, WebhookEvent},
};

/// How old a delivery may be, as the SDKs' default tolerance.
const TOLERANCE_SECS: i64 = 5 * 60;
/// A signature is remembered this long: past it, the timestamp alone refuses a replay.
const SIGNATURE_MEMORY: Duration = Duration::from_secs(2 * TOLERANCE_SECS as u64);
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
/// secrets are active), and `t` must be within five minutes of `now`, either way.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
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
        .then_some(())
        .ok_or(Refusal::Mismatch)
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers
        .get("x-signature-v2")
        .and_then(|value| value.to_str().ok());
    let secret = state.authsignal.webhook_secret();
    if let Err(refusal) = verify(header, &body, secret.expose(), state.clock.now()) {
        info!(?refusal, "a webhook delivery was refused");
        return StatusCode::UNAUTHORIZED;
    }
    // A signed delivery seen before is a replay: Authsignal signs each delivery afresh.
    let signature = header.unwrap_or_default();
    match state
        .shared
        .first_sighting(&format!("webhook-signature:{signature}"), SIGNATURE_MEMORY)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            info!("a replayed webhook delivery was refused");
            return StatusCode::UNAUTHORIZED;
        }
        // Authsignal delivers again later.
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let Ok(event) = serde_json::from_slice::<WebhookEvent>(&body) else {
        warn!("a signed webhook delivery was not an event");
        return StatusCode::BAD_REQUEST;
    };
    let kind = match event.kind.as_str() {
        "authenticator.created" => ChangeKind::Added,
        "authenticator.deleted" => ChangeKind::Removed,
        // Signed and well-formed, but nothing the app acts on.
        _ => return StatusCode::OK,
    };
    match state
        .shared
        .first_sighting(&format!("webhook-event:{}", event.id), EVENT_MEMORY)
        .await
    {
        Ok(true) => {}
        Ok(false) => return StatusCode::OK,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let Ok(data) = serde_json::from_value::<AuthenticatorEventData>(event.data) else {
        warn!(
            kind = event.kind,
            "an authenticator event without its fields"
        );
        return StatusCode::BAD_REQUEST;
    };
    if kind == ChangeKind::Removed {
        match state
            .notifier
            .removed_here(&data.user_authenticator_id)
            .await
        {
            Ok(false) => {}
            Ok(true) => return StatusCode::OK,
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    let at = data.deleted_at.or(data.created_at).unwrap_or(event.time);
    let origin = activity::origin_of(&state.authsignal, &data, state.clock.now()).await;
    let change = Change::reported(kind, &data, at, origin);
    state.notifier.notify(&data.user_id, None, change).await;
    StatusCode::OK
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
            Result<(), Refusal>,
        );
        let cases: [Case; 11] = [
            ("the reference vector", Some(SIGNED), BODY, at, Ok(())),
            (
                "two signatures during rotation, one good",
                Some(&rotated),
                BODY,
                at,
                Ok(()),
            ),
            ("standard padding kept", Some(&padded), BODY, at, Ok(())),
            (
                "within five minutes after",
                Some(SIGNED),
                BODY,
                at + time::Duration::minutes(5),
                Ok(()),
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
