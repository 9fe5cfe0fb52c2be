//! The pre-built UI the `url` of a track response opens (reference §4.4), as plain HTML forms:
//!
//! - an enrolled user first passes a challenge with an existing email or SMS method (the code
//!   is in the outbox); a user without any method adds one;
//! - with `redirectToSettings`, the user then manages their methods: add an email or a phone
//!   number, remove any but the last;
//! - leaving returns to `redirectUrl` with `?token=` (or `&token=`), a token for the action.
//!
//! The token travels in a hidden field from page to page, as the real UI keeps it in memory.
//! Each step that succeeds answers with a redirect to the page it leads to (post, redirect,
//! get), so Back never posts a form again: the real UI is one page whose steps are requests
//! (BR `authsignal.launch`), and Back from the app reloads it at its URL, with its token. What it
//! then shows is not documented; here it is the flow as it stands, without a stale error.

use axum::{
    Form, Router,
    extract::{Query, State, rejection::FormRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::prelude::*;
use serde::Deserialize;
use url::Url;

use super::{
    Emulator,
    codes::{CODE_METHODS, Channel, Verification},
    conventions::ApiError,
    data::{Action, Data, StoredAuthenticator, User},
    html::{error_page, page},
    tokens::{Claims, MANAGE_SCOPE, grants_management},
};
use crate::{
    model::VerificationMethod,
    wire::authsignal::{ActionState, FailureReason},
};

pub(super) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/prebuilt", get(start))
        .route("/prebuilt/challenge", post(challenge))
        .route("/prebuilt/enroll", post(enroll))
        .route("/prebuilt/verify", post(verify))
        .route("/prebuilt/remove", post(remove))
        .route("/prebuilt/done", post(done))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Start {
    token: Option<String>,
    /// The method a code was just sent to: its code is asked for next.
    code_for: Option<String>,
    /// What the last step did.
    done: Option<Done>,
}

/// What a step that succeeded says on the page it leads to.
#[derive(Clone, Copy, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Done {
    Verified,
    Removed,
}

impl Done {
    fn notice(self) -> Notice {
        Notice::Done(
            match self {
                Done::Verified => "Verified.",
                Done::Removed => "Removed.",
            }
            .to_owned(),
        )
    }
}

async fn start(State(emulator): State<Emulator>, Query(query): Query<Start>) -> Response {
    let Some(token) = query.token else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This page needs the url from a track response, with its token.",
        );
    };
    let claims = match session(&emulator, &token).await {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    if let Some(id) = &query.code_for {
        let waiting = emulator
            .read(|data| waiting_for_code(data, &claims, id))
            .await;
        if let Some(authenticator) = waiting {
            return code_page(&token, &authenticator, Notice::None);
        }
    }
    let notice = query.done.map_or(Notice::None, Done::notice);
    screen(&emulator, &claims, notice).await
}

/// The method `id`, while a code for it is still wanted: an enrollment not verified yet, or the
/// challenge of an action not passed yet.
fn waiting_for_code(data: &Data, claims: &Claims, id: &str) -> Option<StoredAuthenticator> {
    let action = data.action_for(claims).ok()?;
    let authenticator = data
        .user(&action.user_id)?
        .authenticators
        .iter()
        .find(|authenticator| authenticator.id == id)?;
    let wanted =
        authenticator.verified_at.is_none() || action.state != ActionState::ChallengeSucceeded;
    wanted.then(|| authenticator.clone())
}

/// Where a step that succeeded leads: the page again, at a URL Back can load.
fn next(token: &str, code_for: Option<&str>, done: Option<Done>) -> Response {
    let mut url = String::from("/prebuilt?");
    let mut query = url::form_urlencoded::Serializer::new(&mut url);
    query.append_pair("token", token);
    if let Some(id) = code_for {
        query.append_pair("codeFor", id);
    }
    if let Some(done) = done {
        let done = serde_json::to_value(done).unwrap_or_default();
        query.append_pair("done", done.as_str().unwrap_or_default());
    }
    query.finish();
    Redirect::to(&url).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChallengeForm {
    token: String,
    authenticator_id: String,
}

async fn challenge(
    State(emulator): State<Emulator>,
    form: Result<Form<ChallengeForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    let claims = match session(&emulator, &form.token).await {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let sent = emulator
        .change(|data| {
            let authenticator = data
                .user(&claims.other.user_id)
                .and_then(|user| {
                    user.verified()
                        .find(|authenticator| authenticator.id == form.authenticator_id)
                })
                .cloned()
                .ok_or_else(|| ApiError::not_found("That method no longer exists."))?;
            let channel = Channel::for_method(authenticator.method).ok_or_else(|| {
                ApiError::invalid_request("The local emulator can only send email and SMS codes.")
            })?;
            data.start_challenge(&claims, channel, Some(&authenticator.id))?;
            Ok(authenticator)
        })
        .await;
    match sent {
        Ok(authenticator) => next(&form.token, Some(&authenticator.id), None),
        Err(error) => screen(&emulator, &claims, Notice::Error(error.description)).await,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollForm {
    token: String,
    method: VerificationMethod,
    address: String,
}

async fn enroll(
    State(emulator): State<Emulator>,
    form: Result<Form<EnrollForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    let claims = match session(&emulator, &form.token).await {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let Some(channel) = Channel::for_method(form.method) else {
        return bad_form();
    };
    let started = emulator
        .change(|data| data.start_enrollment(&claims, channel, &form.address))
        .await;
    match started {
        Ok(authenticator) => next(&form.token, Some(&authenticator.id), None),
        Err(error) => screen(&emulator, &claims, Notice::Error(error.description)).await,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyForm {
    token: String,
    authenticator_id: String,
    code: String,
}

async fn verify(
    State(emulator): State<Emulator>,
    form: Result<Form<VerifyForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    let claims = match session(&emulator, &form.token).await {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let result = emulator
        .change(|data| {
            let authenticator = data
                .user(&claims.other.user_id)
                .and_then(|user| {
                    user.authenticators
                        .iter()
                        .find(|authenticator| authenticator.id == form.authenticator_id)
                })
                .cloned()
                .ok_or_else(|| ApiError::not_found("That method no longer exists."))?;
            let channel = Channel::for_method(authenticator.method)
                .ok_or_else(|| ApiError::invalid_request("This method takes no code."))?;
            Ok((data.verify(&claims, channel, &form.code)?, authenticator))
        })
        .await;
    match result {
        Ok((Verification::Verified { .. }, _)) => next(&form.token, None, Some(Done::Verified)),
        Ok((Verification::Failed(reason), authenticator)) => {
            let message = match reason {
                FailureReason::CodeInvalidOrExpired => {
                    "That code is wrong or has expired. Check the outbox and try again."
                }
                FailureReason::MaxAttemptsExceeded | FailureReason::Unknown => {
                    "Too many attempts. Wait a few minutes, then send a new code."
                }
            };
            code_page(&form.token, &authenticator, Notice::Error(message.into()))
        }
        Err(error) => screen(&emulator, &claims, Notice::Error(error.description)).await,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveForm {
    token: String,
    authenticator_id: String,
}

async fn remove(
    State(emulator): State<Emulator>,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    let claims = match session(&emulator, &form.token).await {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let removed = emulator
        .change(|data| data.remove_own_authenticator(&claims, &form.authenticator_id))
        .await;
    match removed {
        Ok(()) => next(&form.token, None, Some(Done::Removed)),
        Err(error) => screen(&emulator, &claims, Notice::Error(error.description)).await,
    }
}

#[derive(Deserialize)]
struct DoneForm {
    token: String,
}

/// Back to the app with a fresh token for the action; `/validate` tells the app the outcome.
async fn done(
    State(emulator): State<Emulator>,
    form: Result<Form<DoneForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return bad_form();
    };
    match session(&emulator, &form.token).await {
        Ok(claims) => finish(&emulator, &claims).await,
        Err(response) => response,
    }
}

/// The token's claims, or the page that says the link is no good.
async fn session(emulator: &Emulator, token: &str) -> Result<Claims, Response> {
    let now = emulator.now().await;
    let claims = emulator
        .tokens()
        .verify(token, now)
        .map_err(|_| expired_page())?;
    let known = emulator.read(|data| data.action_for(&claims).is_ok()).await;
    if known {
        Ok(claims)
    } else {
        Err(expired_page())
    }
}

fn expired_page() -> Response {
    error_page(
        StatusCode::UNAUTHORIZED,
        "This link has expired or is not valid. Go back to the app and start again.",
    )
}

fn bad_form() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "The form was incomplete. Go back and try again.",
    )
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Notice {
    None,
    Done(String),
    Error(String),
}

impl Notice {
    fn view(self) -> impl IntoView {
        match self {
            Notice::None => None,
            Notice::Done(message) => {
                Some(view! { <p class="notice" role="status">{message}</p> }.into_any())
            }
            Notice::Error(message) => {
                Some(view! { <p class="error" role="alert">{message}</p> }.into_any())
            }
        }
    }
}

/// Where the user is in the flow, decided from the action and the user's methods.
enum Screen {
    /// Prove it is you with a method you have.
    Challenge,
    /// You have no method yet: add one.
    EnrollFirst,
    /// List, add and remove methods.
    Settings,
    /// Nothing left to do: back to the app.
    Finish,
}

fn decide(action: &Action, user: &User) -> Screen {
    let track_can_manage = grants_management(&action.scope);
    let passed = action.state == ActionState::ChallengeSucceeded;
    if !user.is_enrolled() {
        Screen::EnrollFirst
    } else if !passed && !track_can_manage {
        Screen::Challenge
    } else if action.redirect_to_settings || track_can_manage {
        Screen::Settings
    } else {
        Screen::Finish
    }
}

/// The screen the session is at now, with a notice about the last step.
async fn screen(emulator: &Emulator, claims: &Claims, notice: Notice) -> Response {
    let snapshot = emulator.read(|data| snapshot(data, claims)).await;
    let Some((action, user, now)) = snapshot else {
        return expired_page();
    };
    // After a challenge the session may manage methods, as the Client API's access token may.
    let scope = if action.state == ActionState::ChallengeSucceeded {
        MANAGE_SCOPE
    } else {
        action.scope.as_str()
    };
    let token = match emulator.mint(&action, scope, now) {
        Ok(token) => token,
        Err(error) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, &error.description),
    };
    let can_remove = scope
        .split_whitespace()
        .any(|scope| scope == "remove:authenticators");
    match decide(&action, &user) {
        Screen::Challenge => challenge_page(&token, &user, notice),
        Screen::EnrollFirst => page(
            StatusCode::OK,
            "Add a sign-in method",
            view! {
                {notice.view()}
                <p>"You have no sign-in method yet. Add one to continue."</p>
                {enroll_forms(token.clone())}
                {cancel_form(token)}
            },
        ),
        Screen::Settings => settings_page(&token, &user, can_remove, notice),
        Screen::Finish => finish(emulator, claims).await,
    }
}

fn snapshot(data: &Data, claims: &Claims) -> Option<(Action, User, time::OffsetDateTime)> {
    let action = data.action_for(claims).ok()?.clone();
    let user = data.user(&action.user_id).cloned().unwrap_or_default();
    Some((action, user, data.now()))
}

fn challenge_page(token: &str, user: &User, notice: Notice) -> Response {
    let methods: Vec<StoredAuthenticator> = user
        .verified()
        .filter(|authenticator| CODE_METHODS.contains(&authenticator.method))
        .cloned()
        .collect();
    let body = if methods.is_empty() {
        view! {
            <p class="error">
                "Your methods cannot be used in the local emulator: only email and SMS codes can. "
                "Give this user an email or SMS method through the Server API."
            </p>
        }
        .into_any()
    } else {
        let token = token.to_owned();
        view! {
            <p>"Confirm it's you before you continue. We'll send a one-time code."</p>
            <ul class="methods">
                {methods
                    .into_iter()
                    .map(|authenticator| {
                        let label = describe(&authenticator);
                        view! {
                            <li>
                                <span>{label}</span>
                                <form class="inline" method="post" action="/prebuilt/challenge">
                                    <input type="hidden" name="token" value=token.clone() />
                                    <input type="hidden" name="authenticatorId" value=authenticator.id />
                                    <button type="submit">"Send a code"</button>
                                </form>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    page(
        StatusCode::OK,
        "Confirm it's you",
        view! {
            {notice.view()}
            {body}
            {cancel_form(token.to_owned())}
        },
    )
}

fn code_page(token: &str, authenticator: &StoredAuthenticator, notice: Notice) -> Response {
    let sent_to = authenticator.masked_address().unwrap_or_default();
    let outbox = format!(
        "/outbox?to={}",
        url::form_urlencoded::byte_serialize(
            authenticator.address().unwrap_or_default().as_bytes()
        )
        .collect::<String>()
    );
    let token = token.to_owned();
    page(
        StatusCode::OK,
        "Enter your code",
        view! {
            {notice.view()}
            <p>"We sent a 6-digit code to " <strong>{sent_to}</strong> "."</p>
            <p>
                "Nothing is really sent by the local emulator: read the code in the "
                <a href=outbox target="_blank">"outbox"</a> "."
            </p>
            <form method="post" action="/prebuilt/verify">
                <input type="hidden" name="token" value=token.clone() />
                <input type="hidden" name="authenticatorId" value=authenticator.id.clone() />
                <label for="code">"Code"</label>
                <input
                    id="code"
                    name="code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9]{6}"
                    maxlength="6"
                    required
                    autofocus
                />
                <button type="submit">"Verify"</button>
            </form>
            {cancel_form(token)}
        },
    )
}

fn settings_page(token: &str, user: &User, can_remove: bool, notice: Notice) -> Response {
    let methods: Vec<StoredAuthenticator> = user.verified().cloned().collect();
    let only_one = methods.len() == 1;
    let token = token.to_owned();
    let rows = methods
        .into_iter()
        .map(|authenticator| {
            let label = describe(&authenticator);
            let action = if only_one {
                view! { <small>"Your only method: add another before removing it."</small> }
                    .into_any()
            } else if can_remove {
                view! {
                    <form class="inline" method="post" action="/prebuilt/remove">
                        <input type="hidden" name="token" value=token.clone() />
                        <input type="hidden" name="authenticatorId" value=authenticator.id />
                        <button type="submit">"Remove"</button>
                    </form>
                }
                .into_any()
            } else {
                ().into_any()
            };
            view! {
                <li>
                    <span>{label}</span>
                    {action}
                </li>
            }
        })
        .collect_view();
    page(
        StatusCode::OK,
        "Your sign-in methods",
        view! {
            {notice.view()}
            <ul class="methods">{rows}</ul>
            <h2>"Add a method"</h2>
            {enroll_forms(token.clone())}
            <form method="post" action="/prebuilt/done">
                <input type="hidden" name="token" value=token />
                <button type="submit">"Done"</button>
            </form>
        },
    )
}

fn enroll_forms(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/prebuilt/enroll">
            <input type="hidden" name="token" value=token.clone() />
            <input type="hidden" name="method" value="EMAIL_OTP" />
            <label for="email">"Email address"</label>
            <input id="email" name="address" type="email" autocomplete="email" required />
            <button type="submit">"Send a code by email"</button>
        </form>
        <form method="post" action="/prebuilt/enroll">
            <input type="hidden" name="token" value=token />
            <input type="hidden" name="method" value="SMS" />
            <label for="phone">"Mobile number, e.g. +64211234567"</label>
            <input id="phone" name="address" type="tel" autocomplete="tel" required />
            <button type="submit">"Send a code by SMS"</button>
        </form>
    }
}

/// Leaves without finishing; the app learns the outcome from `/validate`.
fn cancel_form(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/prebuilt/done">
            <input type="hidden" name="token" value=token />
            <button type="submit">"Cancel"</button>
        </form>
    }
}

/// "Email code · j***@example.com", "Passkey · iCloud Keychain".
fn describe(authenticator: &StoredAuthenticator) -> String {
    let detail = authenticator.masked_address().or_else(|| {
        authenticator
            .passkey
            .as_ref()
            .map(|passkey| passkey.name.clone())
    });
    match detail {
        Some(detail) => format!("{} · {detail}", authenticator.method.label()),
        None => authenticator.method.label().to_owned(),
    }
}

/// Redirects to `redirectUrl` with `token` added to its query; without one, says it is over.
async fn finish(emulator: &Emulator, claims: &Claims) -> Response {
    let snapshot = emulator.read(|data| snapshot(data, claims)).await;
    let Some((action, _, now)) = snapshot else {
        return expired_page();
    };
    let token = match emulator.mint(&action, &action.scope, now) {
        Ok(token) => token,
        Err(error) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, &error.description),
    };
    match action.redirect_url.as_deref().map(Url::parse) {
        Some(Ok(mut url)) => {
            url.query_pairs_mut().append_pair("token", &token);
            Redirect::to(url.as_str()).into_response()
        }
        _ => page(
            StatusCode::OK,
            "All done",
            view! { <p>"You can close this window and return to the app."</p> },
        ),
    }
}
