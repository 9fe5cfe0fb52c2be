//! Deliveries to `POST /webhooks/authsignal` as anyone on the internet can send them: a
//! signature header and a body. Checking the signature never panics; a delivery signed with the
//! secret is accepted, and the same header over any other body is not; whatever body is
//! accepted decodes without panicking.

#![no_main]

use account_security::{
    server::webhooks::verify,
    wire::authsignal::{AuthenticatorEventData, WebhookEvent},
};
use aws_lc_rs::hmac;
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

const SECRET: &str = "fuzz-webhook-secret";
const NOW: i64 = 1_704_072_225;

fuzz_target!(|input: (&str, &[u8], u16)| {
    let (header, body, age) = input;
    let now = OffsetDateTime::from_unix_timestamp(NOW).expect("a time in range");
    let _ = verify(Some(header), body, SECRET, now);

    let signed_at = NOW - i64::from(age % 600);
    let signed = signature(signed_at, body);
    let verdict = verify(Some(&signed), body, SECRET, now);
    if age % 600 <= 300 {
        assert_eq!(verdict, Ok(signed_at), "{signed}");
    } else {
        assert!(verdict.is_err(), "a stale delivery was accepted: {signed}");
    }
    let mut changed = body.to_vec();
    changed.push(b' ');
    assert!(verify(Some(&signed), &changed, SECRET, now).is_err());

    if let Ok(event) = serde_json::from_slice::<WebhookEvent>(body) {
        let _ = serde_json::from_value::<AuthenticatorEventData>(event.data);
    }
});

/// `t=<unix>,v2=<base64 HMAC-SHA256 of "t.body">`, as Authsignal signs.
fn signature(timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    let tag = STANDARD_NO_PAD.encode(hmac::sign(&key, &message).as_ref());
    format!("t={timestamp},v2={tag}")
}
