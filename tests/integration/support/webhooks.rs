//! Authsignal's webhooks as a test sends them: signed with the tenant's secret, to the app.

use aws_lc_rs::hmac;
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use reqwest::StatusCode;
use serde_json::json;

use super::{TestApp, client};

/// `t=…,v2=…` over `body` with `secret`, as Authsignal signs.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v2={}", STANDARD_NO_PAD.encode(tag.as_ref()))
}

/// Posts `body` to the app's webhook with `header` as its signature; the status it answers.
pub async fn deliver(app: &TestApp, header: Option<&str>, body: &str) -> StatusCode {
    let mut request = client()
        .post(app.url("/webhooks/authsignal"))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(header) = header {
        request = request.header("X-Signature-V2", header);
    }
    request.send().await.unwrap().status()
}

/// An `authenticator.created` event for a text-message number of `user_id`.
pub fn event(id: &str, user_id: &str) -> String {
    json!({
        "version": 1,
        "id": id,
        "source": "https://authsignal.com",
        "time": "2026-12-01T10:00:00.000Z",
        "tenantId": "t",
        "type": "authenticator.created",
        "data": {
            "userId": user_id,
            "verificationMethod": "SMS",
            "createdAt": "2026-12-01T10:00:00.000Z",
            "userAuthenticatorId": format!("sms-{id}"),
            "phoneNumber": "+64211234567",
        },
    })
    .to_string()
}
