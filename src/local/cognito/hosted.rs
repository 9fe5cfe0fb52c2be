//! The hosted sign-in and sign-up pages (`/login`, `/signup`), and the one-hour managed-login
//! session that lets a returning user "continue as" without typing their password again.

use std::{collections::HashMap, io, sync::Arc, sync::Mutex};

use axum::{
    extract::{Form, RawQuery, State, rejection::FormRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use serde::Deserialize;
use url::Url;

use super::{
    Pool,
    authorize::{AuthorizeRequest, found, parse_query},
    grants::{Authentication, CODE_LIFETIME_SECS, CodeGrant},
    pages::{error_page, login_form, sign_up_form},
    random_bytes,
    users::User,
};

const SESSION_COOKIE: &str = "cognito-local-session";
const SESSION_SECS: i64 = 3600;

/// A managed-login session: whose, until when, and when they typed their password (what
/// `auth_time` keeps saying in every sign-in the session completes).
#[derive(Clone)]
struct HostedSession {
    sub: String,
    expires: i64,
    authenticated_at: i64,
}

/// Managed-login sessions by cookie value.
#[derive(Default)]
pub struct HostedSessions(Mutex<HashMap<String, HostedSession>>);

impl HostedSessions {
    fn start(&self, sub: &str, now: i64, authenticated_at: i64) -> io::Result<Cookie<'static>> {
        let id = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            random_bytes::<32>()?,
        );
        let mut sessions = self.sessions();
        sessions.retain(|_, session| session.expires > now);
        sessions.insert(
            id.clone(),
            HostedSession {
                sub: sub.to_owned(),
                expires: now + SESSION_SECS,
                authenticated_at,
            },
        );
        Ok(Cookie::build((SESSION_COOKIE, id))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(SESSION_SECS))
            .build())
    }

    fn live(&self, jar: &CookieJar, now: i64) -> Option<HostedSession> {
        let id = jar.get(SESSION_COOKIE)?;
        let sessions = self.sessions();
        let session = sessions.get(id.value())?;
        (session.expires > now).then(|| session.clone())
    }

    pub fn end(&self, jar: CookieJar) -> CookieJar {
        if let Some(id) = jar.get(SESSION_COOKIE) {
            self.sessions().remove(id.value());
        }
        jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, HostedSession>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Set by the "Continue as" button.
    #[serde(default)]
    continue_session: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login_page(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    jar: CookieJar,
) -> Response {
    let query = query.unwrap_or_default();
    let request = match pool.check_authorize(&parse_query(Some(&query))) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let signed_in = match request.login_required {
        true => None,
        false => signed_in_user(&pool, &jar).await,
    };
    login_form(
        &query,
        signed_in.as_ref().map(|signed_in| &signed_in.user),
        "",
        None,
    )
    .into_response()
}

pub async fn login(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    jar: CookieJar,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let query = query.unwrap_or_default();
    let request = match pool.check_authorize(&parse_query(Some(&query))) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let Ok(Form(form)) = form else {
        return (
            StatusCode::BAD_REQUEST,
            login_form(
                &query,
                None,
                "",
                Some("Enter your email address and password."),
            ),
        )
            .into_response();
    };
    if form.continue_session.is_some() && !request.login_required {
        return match signed_in_user(&pool, &jar).await {
            Some(signed_in) => complete(&pool, request, &signed_in, jar),
            None => (
                StatusCode::BAD_REQUEST,
                login_form(
                    &query,
                    None,
                    "",
                    Some("Your session has ended. Sign in again."),
                ),
            )
                .into_response(),
        };
    }
    match pool
        .users
        .authenticate(&form.username, &form.password)
        .await
    {
        Some(user) => complete(&pool, request, &SignedIn::now(user, &pool), jar),
        None => (
            StatusCode::BAD_REQUEST,
            login_form(
                &query,
                None,
                &form.username,
                Some("Incorrect username or password."),
            ),
        )
            .into_response(),
    }
}

pub async fn sign_up_page(State(pool): State<Arc<Pool>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    if let Err(error) = pool.check_authorize(&parse_query(Some(&query))) {
        return error.into_response();
    }
    sign_up_form(&query, "", None).into_response()
}

pub async fn sign_up(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    jar: CookieJar,
    form: Result<Form<SignUpForm>, FormRejection>,
) -> Response {
    let query = query.unwrap_or_default();
    let request = match pool.check_authorize(&parse_query(Some(&query))) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let form = form.map(|Form(form)| form).unwrap_or_default();
    match pool
        .users
        .sign_up(&form.email, &form.password, pool.clock.now())
        .await
    {
        Ok(user) => complete(&pool, request, &SignedIn::now(user, &pool), jar),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            sign_up_form(&query, &form.email, Some(&error.to_string())),
        )
            .into_response(),
    }
}

/// Who is signing in, and when they last typed their password.
pub(super) struct SignedIn {
    user: User,
    authenticated_at: i64,
}

impl SignedIn {
    /// Someone who just typed their password.
    fn now(user: User, pool: &Pool) -> Self {
        Self {
            user,
            authenticated_at: pool.clock.now(),
        }
    }
}

/// The person of the browser's live managed-login session, if any.
pub(super) async fn signed_in_user(pool: &Pool, jar: &CookieJar) -> Option<SignedIn> {
    let session = pool.sessions.live(jar, pool.clock.now())?;
    Some(SignedIn {
        user: pool.users.by_sub(&session.sub).await?,
        authenticated_at: session.authenticated_at,
    })
}

/// Issues a one-time code and sends the browser back to the app with it.
pub(super) fn complete(
    pool: &Pool,
    request: AuthorizeRequest,
    signed_in: &SignedIn,
    jar: CookieJar,
) -> Response {
    let now = pool.clock.now();
    let user = &signed_in.user;
    let authentication = Authentication {
        sub: user.sub.clone(),
        client_id: request.client_id.clone(),
        scopes: request.scopes,
        auth_time: signed_in.authenticated_at,
        origin_jti: uuid::Uuid::new_v4().to_string(),
        event_id: uuid::Uuid::new_v4().to_string(),
    };
    let grant = CodeGrant {
        authentication,
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge,
        nonce: request.nonce,
        expires_at: now + CODE_LIFETIME_SECS,
    };
    let issued = pool.grants.issue_code(grant, now).and_then(|code| {
        let session = pool
            .sessions
            .start(&user.sub, now, signed_in.authenticated_at)?;
        Ok((code, session))
    });
    let (code, session) = match issued {
        Ok(issued) => issued,
        Err(error) => {
            tracing::error!(%error, "the local Cognito could not complete a sign-in");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_page("The sign-in could not be completed. Try again."),
            )
                .into_response();
        }
    };
    let Ok(mut url) = Url::parse(&request.redirect_uri) else {
        return (
            StatusCode::BAD_REQUEST,
            error_page("The redirect_uri is not a valid URL."),
        )
            .into_response();
    };
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &request.state {
        url.query_pairs_mut().append_pair("state", state);
    }
    (jar.add(session), found(url.as_str())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_cannot_break_out_of_the_markup() {
        let html = login_form(
            "client_id=x&state=\"><script>",
            None,
            "<img src=x onerror=alert(1)>",
            Some("<b>"),
        )
        .0;
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("client_id=x&amp;state=&quot;&gt;&lt;script&gt;"),
            "{html}"
        );
    }
}
