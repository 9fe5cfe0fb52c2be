//! The session layers, each applied to the routes that need it (see `server::router`): pages
//! that need a signed-in person send a signed-out visitor to sign in, and server functions
//! answer a signed-out call with the error before any of their code runs. Both verify the
//! access token (refreshing it silently once expired) and put the outcome in the request
//! extensions, where [`super::CurrentUser`] reads it.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::PrivateCookieJar;
use leptos::server_fn::{
    error::{FromServerFnError, SERVER_FN_ERROR_HEADER},
    redirect::REDIRECT_HEADER,
};
use tracing::{debug, info, warn};

use super::{
    super::{
        AppState,
        cognito::{oauth::OAuthError, verifier::VerifyError},
        http::requester::Requester,
        sessions::{self, Admission, SessionKind},
    },
    Session, check,
};
use crate::{
    model::AppError,
    paths::{self, Page, SignedOutReason},
};

/// For pages that need a signed-in person.
pub async fn for_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (request, session, jar) = resolve_and_admit(&state, request).await;
    match session {
        Session::SignedOut => (jar, Redirect::to(&sign_in_path(request.uri()))).into_response(),
        Session::Refused(reason) => (jar, Redirect::to(&reason.path())).into_response(),
        session => run_with(session, jar, request, next).await,
    }
}

/// For server functions: all of them need a signed-in person.
pub async fn for_server_fns(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (request, session, jar) = resolve_and_admit(&state, request).await;
    if let Err(error) = session.user() {
        let mut response = server_fn_error(&error, request.uri().path());
        // The page follows it, as it follows `leptos_axum::redirect`: to the signed-out page
        // that says why.
        if let Session::Refused(reason) = session
            && let Ok(location) = HeaderValue::from_str(&reason.path())
        {
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, location);
            headers.insert(
                HeaderName::from_static(REDIRECT_HEADER),
                HeaderValue::from_static(""),
            );
        }
        return (jar, response).into_response();
    }
    run_with(session, jar, request, next).await
}

/// The session of `request`, refused when it was signed out from elsewhere: then its cookies
/// go, and its refresh token is revoked at Cognito.
async fn resolve_and_admit(
    state: &AppState,
    request: Request,
) -> (Request, Session, PrivateCookieJar) {
    let (session, jar) = resolve_request(state, request.headers()).await;
    let Session::SignedIn(user) = &session else {
        return (request, session, jar);
    };
    let (parts, body) = request.into_parts();
    let from = Requester::of(&parts, state);
    let request = Request::from_parts(parts, body);
    let reason = match sessions::admit(state, user, &from, SessionKind::Browser).await {
        Admission::Admitted => return (request, session, jar),
        Admission::Ended => SignedOutReason::SessionEnded,
        Admission::SignedOutEverywhere => SignedOutReason::SignedOutEverywhere,
    };
    info!(?reason, "a session signed out from elsewhere was refused");
    if let Some(refresh_token) = state.session.refresh_token(&jar) {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = state.cognito.oauth.revoke(&refresh_token).await {
                warn!(%error, "the refresh token of a session signed out elsewhere was not revoked");
            }
        });
    }
    let jar = state.session.clear_step_up(state.session.clear_tokens(jar));
    (request, Session::Refused(reason), jar)
}

async fn run_with(
    session: Session,
    jar: PrivateCookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(session);
    let response = next.run(request).await;
    (jar, response).into_response()
}

/// The session the request's cookies carry, and the cookies to send back (refreshed or
/// cleared).
async fn resolve_request(state: &AppState, headers: &HeaderMap) -> (Session, PrivateCookieJar) {
    let jar = state.session.jar(headers);
    if state.session.any_present(headers) {
        resolve(state, jar).await
    } else {
        (Session::SignedOut, jar)
    }
}

async fn resolve(state: &AppState, jar: PrivateCookieJar) -> (Session, PrivateCookieJar) {
    let cookies = &state.session;
    let verifier = &state.cognito.verifier;
    let tokens = cookies.stored(&jar);
    let checked = match &tokens.access {
        Some(access) => check(verifier, access, tokens.id.as_deref()).await,
        // Unreadable or gone: as good as expired if a refresh token is left.
        None => Err(VerifyError::Expired),
    };
    match checked {
        Ok(user) => (Session::SignedIn(user), jar),
        Err(VerifyError::Expired) => match tokens.refresh {
            Some(refresh) => refresh_session(state, jar, &refresh).await,
            None => (Session::SignedOut, cookies.clear_tokens(jar)),
        },
        Err(VerifyError::Invalid(reason)) => {
            debug!(%reason, "a session token was refused; signing out");
            (Session::SignedOut, cookies.clear_tokens(jar))
        }
        Err(VerifyError::KeysUnavailable) => (Session::Unavailable, jar),
    }
}

async fn refresh_session(
    state: &AppState,
    jar: PrivateCookieJar,
    refresh_token: &str,
) -> (Session, PrivateCookieJar) {
    let cookies = &state.session;
    match state.cognito.oauth.refresh(refresh_token).await {
        Ok(tokens) => {
            let checked = check(
                &state.cognito.verifier,
                &tokens.access_token,
                tokens.id_token.as_deref(),
            )
            .await;
            match checked {
                Ok(user) => match cookies.store_tokens(jar.clone(), &tokens) {
                    Ok(jar) => {
                        debug!("the session was refreshed");
                        (Session::SignedIn(user), jar)
                    }
                    Err(too_large) => {
                        warn!(%too_large, "a refreshed session could not be kept; signing out");
                        (Session::SignedOut, cookies.clear_tokens(jar))
                    }
                },
                Err(VerifyError::KeysUnavailable) => (Session::Unavailable, jar),
                Err(error) => {
                    warn!(%error, "Cognito's refreshed tokens were refused; signing out");
                    (Session::SignedOut, cookies.clear_tokens(jar))
                }
            }
        }
        Err(OAuthError::Rejected(code)) => {
            info!(%code, "the refresh token was refused; signing out");
            (Session::SignedOut, cookies.clear_tokens(jar))
        }
        Err(OAuthError::Unavailable(problem)) => {
            warn!(%problem, "the session could not be refreshed");
            (Session::Unavailable, jar)
        }
    }
}

fn sign_in_path(uri: &axum::http::Uri) -> String {
    let return_to = uri
        .path_and_query()
        .map_or(Page::Security.path(), |path| path.as_str());
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", return_to)
        .finish();
    format!("{}?{query}", paths::SIGN_IN)
}

/// The error as the server function would have answered it, so the page decodes it as an
/// `AppError`.
fn server_fn_error(error: &AppError, path: &str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], error.ser()).into_response();
    error.apply_to_response(&mut response);
    if let Ok(path) = HeaderValue::from_str(path) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(SERVER_FN_ERROR_HEADER), path);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_out_visitors_are_sent_to_sign_in_with_where_they_were() {
        let uri: axum::http::Uri = "/security/return?token=a%20b&x=1".parse().unwrap();
        assert_eq!(
            sign_in_path(&uri),
            "/auth/sign-in?return_to=%2Fsecurity%2Freturn%3Ftoken%3Da%2520b%26x%3D1"
        );
    }
}
