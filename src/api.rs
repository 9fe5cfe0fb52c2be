//! The server functions: the only door from the page to the server. Each one starts with
//! [`ssr::signed_in_user`], so none runs without a verified Cognito access token (the session
//! layer also refuses signed-out calls before they get here), and each answers failures with
//! the shared [`AppError`]; a layer gives the response that error's HTTP status.

use leptos::prelude::*;

use crate::model::{AppError, AuthenticatorView, EnrollmentTicket, UserView};

/// Who is signed in.
#[server(endpoint = "me")]
pub async fn me() -> Result<UserView, AppError> {
    let user = ssr::signed_in_user()?;
    Ok(UserView {
        username: user.username,
        email: user.email,
    })
}

/// The signed-in person's sign-in methods.
#[server(endpoint = "list_authenticators")]
pub async fn list_authenticators() -> Result<Vec<AuthenticatorView>, AppError> {
    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    crate::server::account::list(&state.authsignal, &user.sub).await
}

/// A short-lived Authsignal token with which the browser adds an email code for `email`.
#[server(endpoint = "start_enrollment")]
pub async fn start_enrollment(email: String) -> Result<EnrollmentTicket, AppError> {
    use crate::server::{account, http::rate_limit::Bucket};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::Enrollment, &user).await?;
    account::start_enrollment(&state.authsignal, &user.sub, &email).await
}

/// Where to send the browser to manage methods on Authsignal's own pages. The return address
/// comes from configuration, never from the request.
#[server(endpoint = "prebuilt_ui_url")]
pub async fn prebuilt_ui_url() -> Result<String, AppError> {
    use crate::server::{account, http::rate_limit::Bucket, prebuilt_return};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::PrebuiltUi, &user).await?;
    let return_url = prebuilt_return::url(&state.config);
    let visit = account::start_prebuilt_visit(&state.authsignal, &user.sub, &return_url).await?;
    ssr::remember_visit(&state, &visit.idempotency_key);
    Ok(visit.url)
}

/// Removes one of the person's methods, unless that would lock them out; answers with the list
/// as it is afterwards. Without JavaScript the form post lands back on the page.
#[server(endpoint = "remove_authenticator")]
pub async fn remove_authenticator(
    id: String,
    #[server(default)] accepts_no_fallback: bool,
) -> Result<Vec<AuthenticatorView>, AppError> {
    use crate::server::{account, http::rate_limit::Bucket};

    let user = ssr::signed_in_user()?;
    let state = ssr::state()?;
    ssr::limit(&state, Bucket::Removal, &user).await?;
    let remaining = account::remove(
        &state.authsignal,
        &state.removal_locks,
        &user.sub,
        &id,
        accepts_no_fallback,
    )
    .await?;
    leptos_axum::redirect("/security?notice=removed");
    Ok(account::views(&remaining))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::{
        http::{header, request::Parts},
        response::IntoResponse,
    };
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use crate::{
        model::AppError,
        server::{
            AppState,
            http::{client_ip::client_ip, rate_limit::Bucket},
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

    /// Remembers, in an encrypted cookie, which pre-built UI visit this browser started, so
    /// only that visit's return is accepted, and only once.
    pub fn remember_visit(state: &AppState, idempotency_key: &str) {
        let (Some(parts), Some(response)) =
            (use_context::<Parts>(), use_context::<ResponseOptions>())
        else {
            return;
        };
        let jar = state.session.jar(&parts.headers);
        let jar = state.session.store_visit(jar, idempotency_key);
        for cookie in jar.into_response().headers().get_all(header::SET_COOKIE) {
            response.append_header(header::SET_COOKIE, cookie.clone());
        }
    }
}
