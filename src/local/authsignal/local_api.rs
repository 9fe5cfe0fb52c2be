//! Hooks that exist only in the emulator, for people and tests: the outbox where every "sent"
//! code can be read (the only place codes ever appear), and a clock that can be moved forward
//! to expire tokens and codes without waiting.

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Emulator,
    conventions::{ApiError, JsonBody},
    data::{ActionConfiguration, Message, TenantSettings, the_apps_actions},
    html::page,
};
use crate::{model::VerificationMethod, wire::authsignal::ActionState};

pub(super) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/outbox", get(outbox_page))
        .route("/_local/outbox", get(outbox))
        .route("/_local/mail", get(mail))
        .route(
            "/_local/clock",
            get(clock).post(advance_clock).delete(reset_clock),
        )
        .route("/_local/rules", post(set_rules).delete(clear_rules))
        .route("/_local/tenant", post(set_tenant))
}

/// How one action is set up, as the Portal's action settings and rules would: its outcome,
/// and the methods its challenge may use.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    action: String,
    state: ActionState,
    #[serde(default)]
    verification_methods: Option<Vec<VerificationMethod>>,
}

#[derive(Deserialize)]
struct Rules {
    rules: Vec<Rule>,
}

/// `POST /_local/rules {"rules": [{"action": "addAuthenticator", "state": "BLOCK"}]}`: sets
/// these actions up (`"verificationMethods": ["SMS"]` limits their challenges), the app's other
/// actions as the deployment guide says; an action set up nowhere is `ALLOW`.
async fn set_rules(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<Rules>,
) -> Result<StatusCode, ApiError> {
    emulator
        .change(|data| {
            data.tenant.actions = the_apps_actions();
            for rule in body.rules {
                data.tenant.actions.insert(
                    rule.action,
                    ActionConfiguration {
                        outcome: rule.state,
                        verification_methods: rule.verification_methods,
                    },
                );
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_rules(State(emulator): State<Emulator>) -> Result<StatusCode, ApiError> {
    emulator
        .change(|data| {
            data.tenant.actions = the_apps_actions();
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant settings to change; the others stay.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TenantUpdate {
    allow_deleting_user_authenticators: Option<bool>,
    /// `""` stops the webhooks.
    webhook_url: Option<String>,
    send_deleted_at: Option<bool>,
    actions_oldest_first: Option<bool>,
    /// The methods switched on in the Portal.
    enabled_methods: Option<Vec<VerificationMethod>>,
    fail_actions_after_attempts: Option<bool>,
    /// A new authenticator app's code length, 6 to 8, and step, 15 to 120 seconds.
    totp_digits: Option<usize>,
    totp_period_secs: Option<u64>,
}

/// `POST /_local/tenant {"allowDeletingUserAuthenticators": false, "webhookUrl": "http://…",
/// "sendDeletedAt": false, "actionsOldestFirst": true, "enabledMethods": ["EMAIL_OTP"]}`.
async fn set_tenant(
    State(emulator): State<Emulator>,
    JsonBody(update): JsonBody<TenantUpdate>,
) -> Result<StatusCode, ApiError> {
    if update
        .totp_digits
        .is_some_and(|digits| !(6..=8).contains(&digits))
        || update
            .totp_period_secs
            .is_some_and(|step| !(15..=120).contains(&step))
    {
        return Err(ApiError::invalid_request(
            "totpDigits must be 6 to 8 and totpPeriodSecs 15 to 120.",
        ));
    }
    if let Some(url) = &update.webhook_url
        && !url.is_empty()
        && url::Url::parse(url).is_err()
    {
        return Err(ApiError::invalid_request(
            "webhookUrl must be an absolute URL.",
        ));
    }
    emulator
        .change(|data| {
            let tenant: &mut TenantSettings = &mut data.tenant;
            if let Some(allow) = update.allow_deleting_user_authenticators {
                tenant.allow_deleting_user_authenticators = allow;
            }
            if let Some(url) = update.webhook_url {
                tenant.webhook_url = Some(url).filter(|url| !url.is_empty());
            }
            if let Some(send) = update.send_deleted_at {
                tenant.send_deleted_at = send;
            }
            if let Some(oldest_first) = update.actions_oldest_first {
                tenant.actions_oldest_first = oldest_first;
            }
            if let Some(methods) = update.enabled_methods {
                tenant.enabled_methods = methods;
            }
            if let Some(fail) = update.fail_actions_after_attempts {
                tenant.fail_actions_after_attempts = fail;
            }
            if let Some(digits) = update.totp_digits {
                tenant.totp_digits = digits;
            }
            if let Some(step) = update.totp_period_secs {
                tenant.totp_period_secs = step;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct OutboxQuery {
    to: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageReply {
    to: String,
    method: VerificationMethod,
    code: String,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
}

impl From<&Message> for MessageReply {
    fn from(message: &Message) -> Self {
        Self {
            to: message.to.clone(),
            method: message.method,
            code: message.code.clone(),
            sent_at: message.sent_at,
        }
    }
}

/// `GET /_local/outbox?to=jane@example.com`: the messages to that address, newest first.
async fn outbox(
    State(emulator): State<Emulator>,
    Query(query): Query<OutboxQuery>,
) -> Json<Vec<MessageReply>> {
    let to = query.to.as_deref().map(str::trim);
    Json(
        emulator
            .read(|data| {
                data.messages(to)
                    .into_iter()
                    .map(MessageReply::from)
                    .collect()
            })
            .await,
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MailReply {
    to: Vec<String>,
    from: String,
    subject: String,
    text: String,
    raw: String,
    #[serde(with = "time::serde::rfc3339")]
    received_at: OffsetDateTime,
}

/// `GET /_local/mail?to=jane@example.com`: the mail the app sent there, newest first.
async fn mail(
    State(emulator): State<Emulator>,
    Query(query): Query<OutboxQuery>,
) -> Json<Vec<MailReply>> {
    let to = query.to.as_deref().map(str::trim);
    Json(
        emulator
            .read(|data| {
                data.mail_to(to)
                    .into_iter()
                    .map(|mail| MailReply {
                        to: mail.to.clone(),
                        from: mail.from.clone(),
                        subject: mail.subject.clone(),
                        text: mail.text.clone(),
                        raw: mail.raw.clone(),
                        received_at: mail.received_at,
                    })
                    .collect()
            })
            .await,
    )
}

/// The same messages, for a person.
async fn outbox_page(
    State(emulator): State<Emulator>,
    Query(query): Query<OutboxQuery>,
) -> Response {
    let to = query.to.as_deref().map(str::trim).map(str::to_owned);
    let messages: Vec<MessageReply> = emulator
        .read(|data| {
            data.messages(to.as_deref())
                .into_iter()
                .map(MessageReply::from)
                .collect()
        })
        .await;
    let heading = match &to {
        Some(to) => format!("Codes sent to {to}, newest first."),
        None => "Every code sent, newest first.".to_owned(),
    };
    let rows = messages
        .into_iter()
        .map(|message| {
            let sent_at = message
                .sent_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            view! {
                <tr>
                    <td>{sent_at}</td>
                    <td>{message.to}</td>
                    <td>{message.method.label()}</td>
                    <td><code>{message.code}</code></td>
                </tr>
            }
        })
        .collect_view();
    let mail = emulator
        .read(|data| {
            data.mail_to(to.as_deref())
                .into_iter()
                .map(|mail| {
                    let received = mail
                        .received_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    view! {
                        <article>
                            <h3>{mail.subject.clone()}</h3>
                            <p>{format!("To {} · {received}", mail.to.join(", "))}</p>
                            <pre>{mail.text.clone()}</pre>
                        </article>
                    }
                })
                .collect_view()
        })
        .await;
    page(
        StatusCode::OK,
        "Outbox",
        view! {
            <p>{heading} " Nothing leaves this machine: the local Authsignal only writes codes here. Reload to see new ones."</p>
            <table>
                <thead>
                    <tr><th>"Sent"</th><th>"To"</th><th>"Method"</th><th>"Code"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <h2>"Mail from the app"</h2>
            <p>"Notices the app sent through the local mail server, newest first."</p>
            {mail}
        },
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceClock {
    advance_seconds: i64,
}

#[derive(Serialize)]
struct ClockReply {
    #[serde(with = "time::serde::rfc3339")]
    now: OffsetDateTime,
}

async fn clock(State(emulator): State<Emulator>) -> Json<ClockReply> {
    Json(ClockReply {
        now: emulator.now().await,
    })
}

/// `DELETE /_local/clock`: back to the real time, so one test's moved clock does not move the
/// next one's (an app compares Authsignal's times with its own).
async fn reset_clock(State(emulator): State<Emulator>) -> Result<Json<ClockReply>, ApiError> {
    let now = emulator
        .change(|data| {
            data.clock_offset_secs = 0;
            Ok(data.now())
        })
        .await?;
    Ok(Json(ClockReply { now }))
}

/// `POST /_local/clock {"advanceSeconds": 601}`. Within a test, time only moves forward, as it
/// does for real.
async fn advance_clock(
    State(emulator): State<Emulator>,
    JsonBody(body): JsonBody<AdvanceClock>,
) -> Result<Json<ClockReply>, ApiError> {
    if !(0..=365 * 24 * 3600).contains(&body.advance_seconds) {
        return Err(ApiError::invalid_request(
            "advanceSeconds must be from 0 to one year.",
        ));
    }
    let now = emulator
        .change(|data| {
            data.advance_clock(body.advance_seconds);
            Ok(data.now())
        })
        .await?;
    Ok(Json(ClockReply { now }))
}
