//! The webhooks a tenant sends when a user's authenticators change (`authsignal-methods.md`
//! §5.1–5.2): `authenticator.created` and `authenticator.deleted`, signed with the Server API
//! secret in `X-Signature-V2`, retried up to 3 times at least 30 seconds apart.
//!
//! Whether Authsignal also sends `authenticator.deleted` for a Server API delete is not
//! documented (open question 1); this emulator does, and the app sends one notice per change
//! either way.

use std::time::Duration;

use aws_lc_rs::hmac;
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::data::PendingEvent;
use crate::wire::authsignal::WebhookEvent;

/// Deliveries after the first, as Authsignal documents.
const RETRIES: u32 = 3;
const RETRY_AFTER: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(10);

/// `t=<unix seconds>,v2=<base64 of HMAC-SHA256(secret, "<t>.<body>") without padding>`.
pub(super) fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    format!("t={timestamp},v2={}", STANDARD_NO_PAD.encode(tag.as_ref()))
}

/// Sends each event to `url` in the background, each delivery signed when it is sent.
pub(super) fn deliver(url: String, secret: String, tenant_id: String, events: Vec<PendingEvent>) {
    for event in events {
        let envelope = WebhookEvent {
            version: 1,
            id: uuid::Uuid::new_v4().to_string(),
            source: "https://authsignal.com".to_owned(),
            time: event.at,
            tenant_id: tenant_id.clone(),
            kind: event.kind.to_owned(),
            data: serde_json::to_value(&event.data).unwrap_or_default(),
        };
        let Ok(body) = serde_json::to_vec(&envelope) else {
            continue;
        };
        let (url, secret) = (url.clone(), secret.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for attempt in 0..=RETRIES {
                if attempt > 0 {
                    tokio::time::sleep(RETRY_AFTER).await;
                }
                let now = OffsetDateTime::now_utc().unix_timestamp();
                let sent = client
                    .post(&url)
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("X-Signature-V2", signature(&secret, now, &body))
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().is_success() => {
                        info!(kind = envelope.kind, id = envelope.id, "webhook delivered");
                        return;
                    }
                    Ok(response) => {
                        warn!(kind = envelope.kind, status = %response.status(), attempt, "webhook refused");
                    }
                    Err(error) => {
                        warn!(kind = envelope.kind, %error, attempt, "webhook not delivered");
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_reference_vector() {
        let body = r#"{"version":1,"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","source":"https://authsignal.com","time":"2024-01-01T01:23:45.678Z","tenantId":"dddddddd-dddd-dddd-dddd-dddddddddddd","type":"authenticator.created","data":{"userId":"11111111-1111-1111-1111-111111111111","verificationMethod":"SMS","createdAt":"2024-01-01T01:23:45.678Z","userAuthenticatorId":"cccccccc-cccc-cccc-cccc-cccccccccccc","phoneNumber":"+64270000000"}}"#;
        assert_eq!(
            signature("test-secret-key-123", 1704072225, body.as_bytes()),
            "t=1704072225,v2=PiatTPGxxikMQFIXRhuCv638wfgJN5Gbpmaj2sGsLXU"
        );
    }
}
