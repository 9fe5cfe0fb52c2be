//! The server functions: the only door from the page to the server. Each one starts with
//! [`ssr::caller`] (or [`ssr::signed_in_user`]), so none runs without a verified Cognito access
//! token (the session layer also refuses signed-out calls before they get here), then calls one
//! operation of `server::account` and translates its answer: cookies, redirects of plain form
//! posts. Failures are the shared [`AppError`]; a layer gives the response its HTTP status.

use leptos::prelude::*;

use crate::answer_json::JsonAnswer;

use crate::model::{
    ActivityView, AppError, AuthenticatorView, ClientApiTicket, MethodsView, StepUpWindow,
    UserView, VerificationMethod, WasntMeView,
};

/// Who is signed in.
#[server(endpoint = "me", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn me() -> Result<UserView, AppError> {
    let (state, caller) = ssr::caller()?;
    // What the person reads the page in is what their notices are written in.
    let reader = crate::server::i18n::current_reader();
    let (addable, ()) = tokio::join!(
        crate::server::account::addable_methods(&state, &caller),
        crate::server::i18n::remembered::remember(&state, &caller.user.sub, &reader),
    );
    Ok(UserView {
        username: caller.user.username,
        email: caller.user.email,
        addable,
    })
}

/// The signed-in person's sign-in methods, and their security checkup as HTML made here.
#[server(endpoint = "list_authenticators", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn list_authenticators() -> Result<MethodsView, AppError> {
    let (state, caller) = ssr::caller()?;
    let (methods, checkup) = crate::server::account::list(&state, &caller).await?;
    Ok(MethodsView {
        methods,
        checkup: crate::server::checkup_section::render(&checkup),
    })
}

/// A short-lived Authsignal token with which the browser adds one method: an email code for
/// `email`, a text-message code for `phone_number`, an authenticator app or a passkey; only
/// within a step-up window.
#[server(endpoint = "start_enrollment", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn start_enrollment(
    method: VerificationMethod,
    #[server(default)] email: Option<String>,
    #[server(default)] phone_number: Option<String>,
) -> Result<ClientApiTicket, AppError> {
    use crate::server::account::{self, Contact};

    let (state, caller) = ssr::caller()?;
    let contact = Contact::for_new(method, email, phone_number)?;
    account::start_enrollment(&state, &caller, &contact).await
}

/// The last 30 days of the person's account, newest first.
#[server(endpoint = "recent_activity", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn recent_activity() -> Result<Vec<ActivityView>, AppError> {
    let (state, caller) = ssr::caller()?;
    crate::server::account::recent_activity(&state, &caller).await
}

/// Whether this browser may change the person's methods now, and for how long.
#[server(endpoint = "step_up_status", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn step_up_status() -> Result<StepUpWindow, AppError> {
    let (state, caller) = ssr::caller()?;
    Ok(crate::server::account::step_up_status(&state, &caller).await)
}

/// A token with which the browser challenges one of the person's methods (no scope to add).
#[server(endpoint = "start_step_up", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn start_step_up() -> Result<ClientApiTicket, AppError> {
    let (state, caller) = ssr::caller()?;
    crate::server::account::start_step_up(&state, &caller).await
}

/// Turns the token of a passed challenge into a step-up window, kept in an HttpOnly cookie.
#[server(endpoint = "complete_step_up", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn complete_step_up(token: String) -> Result<StepUpWindow, AppError> {
    let (state, caller) = ssr::caller()?;
    let granted = crate::server::account::complete_step_up(&state, &caller, &token).await?;
    let remaining = (granted.expires_at - state.clock.now()).unsigned_abs();
    ssr::set_cookies(|jar| state.session.store_step_up(jar, &granted.token, remaining));
    Ok(StepUpWindow {
        remaining_secs: Some(remaining.as_secs()),
        sign_in_fresh_secs: crate::server::step_up::sign_in_fresh_for(&state, &caller.user),
    })
}

/// The step-up with this token (the one `start_step_up` gave) ran out of attempts.
#[server(endpoint = "report_step_up_failure", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn report_step_up_failure(token: String) -> Result<(), AppError> {
    let (state, caller) = ssr::caller()?;
    crate::server::account::report_step_up_failure(&state, &caller, &token).await
}

/// Ends the step-up window now.
#[server(endpoint = "end_step_up", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn end_step_up() -> Result<StepUpWindow, AppError> {
    let (state, caller) = ssr::caller()?;
    let window = crate::server::account::end_step_up(&state, &caller).await?;
    ssr::set_cookies(|jar| state.session.clear_step_up(jar));
    Ok(window)
}

/// Where to send the browser to manage methods on Authsignal's own pages. The return address
/// comes from configuration, never from the request.
#[server(endpoint = "prebuilt_ui_url", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn prebuilt_ui_url() -> Result<String, AppError> {
    use crate::server::{account, prebuilt_return};

    let (state, caller) = ssr::caller()?;
    let return_url = prebuilt_return::url(&state.config);
    let visit = account::open_prebuilt_ui(&state, &caller, &return_url).await?;
    // Which visit this browser started: only that visit's return is accepted, and only once.
    ssr::set_cookies(|jar| state.session.store_visit(jar, &visit.idempotency_key));
    Ok(visit.url)
}

/// Removes one of the person's methods, unless that would lock them out; only within a step-up
/// window. Answers with the list as it is afterwards. Without JavaScript the form post lands
/// back on the page, which explains that verifying needs JavaScript when it was needed.
#[server(endpoint = "remove_authenticator", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn remove_authenticator(
    id: String,
    #[server(default)] accepts_no_fallback: bool,
) -> Result<Vec<AuthenticatorView>, AppError> {
    use crate::{
        paths::Notice,
        server::{account, present},
    };

    let (state, caller) = ssr::caller()?;
    match account::remove(&state, &caller, &id, accepts_no_fallback).await {
        Ok(removal) => {
            leptos_axum::redirect(&Notice::Removed.path_to_it());
            Ok(present::views(&removal.remaining))
        }
        Err(error @ AppError::StepUpRequired { .. }) => {
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&Notice::VerifyNeedsJavascript.path_to_it());
            }
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// Where the person is signed in, as the page shows it: HTML made on the server.
#[server(endpoint = "sessions_section", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn sessions_section() -> Result<String, AppError> {
    let (state, caller) = ssr::caller()?;
    let view = crate::model::SessionsView {
        sessions: crate::server::account::list_sessions(&state, &caller).await?,
        revokes_at_cognito: state.cognito.admin.revokes_at_cognito(),
    };
    Ok(crate::server::sessions_section::render(&view))
}

/// Signs one of the person's other sessions out; only within a step-up window. Without
/// JavaScript the form post lands back on the page with a notice.
#[server(endpoint = "sign_out_session", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn sign_out_session(id: String) -> Result<(), AppError> {
    use crate::paths::Notice;

    let (state, caller) = ssr::caller()?;
    match crate::server::account::sign_out_session(&state, &caller, &id).await {
        Ok(()) => {
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&Notice::SessionEnded.path_to_it());
            }
            Ok(())
        }
        Err(error @ AppError::StepUpRequired { .. }) => {
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&Notice::VerifyNeedsJavascript.path_to_it());
            }
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// Signs every session of the person out, this browser's too, which then lands on the
/// signed-out page; only within a step-up window.
#[server(endpoint = "sign_out_everywhere", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::{
        paths::{Notice, SignedOutReason},
        server::account,
    };

    let (state, caller) = ssr::caller()?;
    match account::sign_out_everywhere(&state, &caller).await {
        Ok(done) => {
            ssr::set_cookies(|jar| state.session.clear_step_up(state.session.clear_tokens(jar)));
            let reason = if done.at_cognito {
                SignedOutReason::SignedOutEverywhere
            } else {
                SignedOutReason::SignedOutEverywhereHereOnly
            };
            leptos_axum::redirect(&reason.path());
            Ok(())
        }
        Err(error @ AppError::StepUpRequired { .. }) => {
            if ssr::is_plain_form_post() {
                leptos_axum::redirect(&Notice::VerifyNeedsJavascript.path_to_it());
            }
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// What a notice's "Wasn't you?" link offers the signed-in person.
#[server(endpoint = "wasnt_me_offer", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn wasnt_me_offer(token: String) -> Result<WasntMeView, AppError> {
    let (state, caller) = ssr::caller()?;
    crate::server::account::wasnt_me_offer(&state, &caller, &token).await
}

/// Acts on a "Wasn't you?" link: removes the method its change added, then signs out
/// everywhere, this browser too; only within a step-up window.
#[server(endpoint = "wasnt_me_act", output = JsonAnswer, client = crate::fetch_client::FetchClient)]
pub async fn wasnt_me_act(token: String) -> Result<(), AppError> {
    use crate::paths::SignedOutReason;

    let (state, caller) = ssr::caller()?;
    let done = crate::server::account::wasnt_me_act(&state, &caller, &token).await?;
    ssr::set_cookies(|jar| state.session.clear_step_up(state.session.clear_tokens(jar)));
    leptos_axum::redirect(
        &if done.at_cognito {
            SignedOutReason::SignedOutEverywhere
        } else {
            SignedOutReason::SignedOutEverywhereHereOnly
        }
        .path(),
    );
    Ok(())
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
        model::AppError,
        server::{
            AppState,
            caller::Caller,
            http::requester::Requester,
            session::{self, CurrentUser},
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

    /// The server's state and who is asking: the signed-in person, where the request comes
    /// from, and the step-up proof this browser's cookie holds.
    pub fn caller() -> Result<(AppState, Caller), AppError> {
        let user = signed_in_user()?;
        let state = state()?;
        let parts = use_context::<Parts>();
        let from = parts
            .as_ref()
            .map(|parts| Requester::of(parts, &state))
            .unwrap_or_default();
        let proof =
            parts.and_then(|parts| state.session.step_up(&state.session.jar(&parts.headers)));
        Ok((state, Caller::on_page(user, from, proof)))
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
