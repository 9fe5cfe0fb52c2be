//! The server functions: the only door from the page to the server. Each one starts with
//! [`ssr::signed_in_user`], so none runs without a verified Cognito access token (the session
//! layer also refuses signed-out calls before they get here), and each answers failures with
//! the shared [`AppError`]; a layer gives the response that error's HTTP status.

use leptos::prelude::*;

use crate::answer_json::JsonAnswer;

use crate::model::{
    ActivityView, AppError, AuthenticatorView, ClientApiTicket, StepUpWindow, UserView,
    VerificationMethod,
};

/// Who is signed in.
#[server(endpoint = "me", output = JsonAnswer)]
pub async fn me() -> Result<UserView, AppError> {
    let user = ssr::signed_in_user()?;
    Ok(UserView {
        username: user.username,
        email: user.email,
    })
}

/// The signed-in person's sign-in methods.
#[server(endpoint = "list_authenticators", output = JsonAnswer)]
pub async fn list_authenticators() -> Result<Vec<AuthenticatorView>, AppError> {
    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    crate::server::account::list(&state.authsignal, &user.sub).await
}

/// A short-lived Authsignal token with which the browser adds one method: an email code for
/// `email`, a text-message code for `phone_number`, an authenticator app or a passkey; only
/// within a step-up window.
#[server(endpoint = "start_enrollment", output = JsonAnswer)]
pub async fn start_enrollment(
    method: VerificationMethod,
    #[server(default)] email: Option<String>,
    #[server(default)] phone_number: Option<String>,
) -> Result<ClientApiTicket, AppError> {
    use crate::server::{
        account::{self, Contact},
        http::rate_limit::Bucket,
    };

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    let contact = Contact::for_new(method, email, phone_number)?;
    ssr::limit(&state, Bucket::Enrollment, &user).await?;
    ssr::require_step_up(&state, &user).await?;
    let username = user.email.as_deref().unwrap_or(&user.username);
    account::start_enrollment(
        &state.authsignal,
        &user.sub,
        &contact,
        Some(username),
        &ssr::requester(&state),
    )
    .await
}

/// The last 30 days of the person's account, newest first.
#[server(endpoint = "recent_activity", output = JsonAnswer)]
pub async fn recent_activity() -> Result<Vec<ActivityView>, AppError> {
    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    crate::server::activity::recent(&state.authsignal, &user.sub, state.clock.now()).await
}

/// Whether this browser may change the person's methods now, and for how long.
#[server(endpoint = "step_up_status", output = JsonAnswer)]
pub async fn step_up_status() -> Result<StepUpWindow, AppError> {
    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    Ok(ssr::step_up_status(&state, &user))
}

/// A token with which the browser challenges one of the person's methods (no scope to add).
#[server(endpoint = "start_step_up", output = JsonAnswer)]
pub async fn start_step_up() -> Result<ClientApiTicket, AppError> {
    use crate::server::{http::rate_limit::Bucket, step_up};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::StepUp, &user).await?;
    step_up::start(&state, &user, &ssr::requester(&state)).await
}

/// Turns the token of a passed challenge into a step-up window, kept in an HttpOnly cookie.
#[server(endpoint = "complete_step_up", output = JsonAnswer)]
pub async fn complete_step_up(token: String) -> Result<StepUpWindow, AppError> {
    use crate::server::{http::rate_limit::Bucket, step_up};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::StepUp, &user).await?;
    let granted = step_up::complete(&state, &user, &token).await?;
    ssr::set_cookies(|jar| {
        state
            .session
            .store_step_up(jar, &granted.token, state.step_up.window())
    });
    Ok(StepUpWindow {
        remaining_secs: Some(state.step_up.window().as_secs()),
    })
}

/// Ends the step-up window now.
#[server(endpoint = "end_step_up", output = JsonAnswer)]
pub async fn end_step_up() -> Result<StepUpWindow, AppError> {
    let _user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::set_cookies(|jar| state.session.clear_step_up(jar));
    Ok(StepUpWindow {
        remaining_secs: None,
    })
}

/// Where to send the browser to manage methods on Authsignal's own pages. The return address
/// comes from configuration, never from the request. Authsignal challenges anyone with a
/// method there; someone without one must have signed in lately, as for a first method here.
#[server(endpoint = "prebuilt_ui_url", output = JsonAnswer)]
pub async fn prebuilt_ui_url() -> Result<String, AppError> {
    use crate::server::{account, http::rate_limit::Bucket, prebuilt_return};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::PrebuiltUi, &user).await?;
    ssr::require_step_up_for_prebuilt(&state, &user).await?;
    let return_url = prebuilt_return::url(&state.config);
    let visit = account::start_prebuilt_visit(
        &state.authsignal,
        &user.sub,
        &return_url,
        &ssr::requester(&state),
    )
    .await?;
    // Which visit this browser started: only that visit's return is accepted, and only once.
    ssr::set_cookies(|jar| state.session.store_visit(jar, &visit.idempotency_key));
    Ok(visit.url)
}

/// Removes one of the person's methods, unless that would lock them out; only within a step-up
/// window. Answers with the list as it is afterwards. Without JavaScript the form post lands
/// back on the page, which explains that verifying needs JavaScript when it was needed.
#[server(endpoint = "remove_authenticator", output = JsonAnswer)]
pub async fn remove_authenticator(
    id: String,
    #[server(default)] accepts_no_fallback: bool,
) -> Result<Vec<AuthenticatorView>, AppError> {
    use crate::server::{account, http::rate_limit::Bucket, notify::Change};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    account::validate_authenticator_id(&id)?;
    ssr::limit(&state, Bucket::Removal, &user).await?;
    if let Err(error) = ssr::require_step_up(&state, &user).await {
        if ssr::is_plain_form_post() {
            leptos_axum::redirect("/security?notice=verify-needs-javascript");
        }
        return Err(error);
    }
    let from = ssr::requester(&state);
    state.notifier.removing(&id).await?;
    let removal = account::remove(
        &state.authsignal,
        &state.shared,
        &user.sub,
        &id,
        accepts_no_fallback,
        &from,
    )
    .await?;
    let change = Change::removed(&removal.removed, &from, state.clock.now());
    state
        .notifier
        .notify(&user.sub, user.email.clone(), change)
        .await;
    leptos_axum::redirect("/security?notice=removed");
    Ok(account::views(&removal.remaining))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::{
        http::{header, request::Parts},
        response::IntoResponse,
    };
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use axum_extra::extract::PrivateCookieJar;

    use crate::{
        model::{AppError, StepUpWindow},
        server::{
            AppState,
            http::{client_ip::client_ip, rate_limit::Bucket, requester::Requester},
            session::{self, CurrentUser},
            step_up,
        },
    };

    /// The person behind the current request (a signed-out call answers 401 with
    /// `"NotSignedIn"`).
    pub fn signed_in_user() -> Result<CurrentUser, AppError> {
        use_context::<Parts>()
            .ok_or(AppError::NotSignedIn)
            .and_then(|parts| session::current_user(&parts))
    }

    /// The server's state, provided to every server function by the router.
    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>()
            .ok_or_else(|| AppError::Internal("the server is not set up".to_owned()))
    }

    /// Counts this request against the person's and their address's allowance.
    pub async fn limit(
        state: &AppState,
        bucket: Bucket,
        user: &CurrentUser,
    ) -> Result<(), AppError> {
        let ip = use_context::<Parts>()
            .and_then(|parts| client_ip(&parts, state.config.limits.trust_forwarded_for));
        state.limit(bucket, Some(&user.sub), ip).await
    }

    /// Where the current request comes from, as the activity log records it.
    pub fn requester(state: &AppState) -> Requester {
        use_context::<Parts>()
            .map(|parts| Requester::of(&parts, state))
            .unwrap_or_default()
    }

    /// Changes this browser's cookies: `change` gets the request's jar and returns it changed.
    pub fn set_cookies(change: impl FnOnce(PrivateCookieJar) -> PrivateCookieJar) {
        let (Some(parts), Some(response), Some(state)) = (
            use_context::<Parts>(),
            use_context::<ResponseOptions>(),
            use_context::<AppState>(),
        ) else {
            return;
        };
        let jar = change(state.session.jar(&parts.headers));
        for cookie in jar.into_response().headers().get_all(header::SET_COOKIE) {
            response.append_header(header::SET_COOKIE, cookie.clone());
        }
    }

    /// The step-up proof this browser's cookie holds.
    fn step_up_proof(state: &AppState) -> Option<String> {
        use_context::<Parts>()
            .and_then(|parts| state.session.step_up(&state.session.jar(&parts.headers)))
    }

    /// A change to sign-in methods needs a recent step-up (see `server::step_up`).
    pub async fn require_step_up(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
        step_up::require(state, user, step_up_proof(state).as_deref()).await
    }

    pub async fn require_step_up_for_prebuilt(
        state: &AppState,
        user: &CurrentUser,
    ) -> Result<(), AppError> {
        step_up::require_for_prebuilt(state, user, step_up_proof(state).as_deref()).await
    }

    pub fn step_up_status(state: &AppState, user: &CurrentUser) -> StepUpWindow {
        let proof = step_up_proof(state);
        StepUpWindow {
            remaining_secs: state
                .step_up
                .remaining(proof.as_deref(), user, state.clock.now()),
        }
    }

    /// A form the browser posted by itself, without the page's JavaScript: it cannot run a
    /// step-up, and is redirected back to the page instead of given an error to read.
    pub fn is_plain_form_post() -> bool {
        // The test Leptos itself uses to send such a post back to its page.
        use_context::<Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        })
    }
}
