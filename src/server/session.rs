//! The browser session. Cognito's tokens live in encrypted, HttpOnly, SameSite=Lax cookies
//! (`__Host-` and Secure behind https); nothing is kept on the server. On every request the
//! session layer verifies the access token (refreshing it silently once expired), puts the
//! outcome in the request extensions, and keeps signed-out visitors away from `/security` and
//! from every server function.

use std::io;

use axum::{
    extract::{FromRef, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::{
    PrivateCookieJar,
    cookie::{Cookie, Key, SameSite},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
use tracing::{debug, info, warn};

use super::{
    AppState,
    cognito::{
        oauth::{OAuthError, SignInFlow, TokenSet},
        verifier::{InvalidToken, TokenVerifier, VerifyError},
    },
    config::Config,
};
use crate::{
    local::storage,
    model::{AppError, Upstream},
};

/// Where Leptos serves the server functions.
pub const SERVER_FN_PREFIX: &str = "/api/";

const ACCESS: &str = "session-access";
const ID: &str = "session-id";
const REFRESH: &str = "session-refresh";
const FLOW: &str = "sign-in-flow";
const VISIT: &str = "prebuilt-visit";
/// Long enough to type a password, short enough that a stale sign-in is not replayable.
const FLOW_MAX_AGE: time::Duration = time::Duration::minutes(10);
/// Long enough to add a method on Authsignal's pages, short enough not to linger.
const VISIT_MAX_AGE: time::Duration = time::Duration::minutes(30);

/// The person behind a request, from their verified Cognito tokens. Authsignal knows them by
/// `sub`. There is deliberately no token in here, and nothing is `Serialize`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub sub: String,
    pub username: String,
    /// From the ID token; `None` without the `email` scope or with a bearer token only.
    pub email: Option<String>,
    /// When the person last typed their password (NumericDate).
    pub auth_time: i64,
}

/// What the session layer found, in the request extensions.
#[derive(Clone, Debug)]
pub enum Session {
    SignedIn(CurrentUser),
    SignedOut,
    /// Cognito's keys or token endpoint could not be reached, so the session could not be
    /// checked; the cookies are kept for when it is back.
    Unavailable,
}

impl Session {
    fn user(&self) -> Result<CurrentUser, AppError> {
        match self {
            Self::SignedIn(user) => Ok(user.clone()),
            Self::SignedOut => Err(AppError::NotSignedIn),
            Self::Unavailable => Err(AppError::Upstream {
                service: Upstream::Cognito,
                timed_out: false,
            }),
        }
    }
}

/// The signed-in user of a request that went through the session layer; for server functions,
/// which get the request's `Parts` from the Leptos context.
pub fn current_user(parts: &Parts) -> Result<CurrentUser, AppError> {
    // No outcome means the layer did not run: fail closed.
    parts
        .extensions
        .get::<Session>()
        .map_or(Err(AppError::NotSignedIn), Session::user)
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        current_user(parts)
    }
}

/// Names, attributes and the encryption key of the session cookies.
#[derive(Clone)]
pub struct SessionCookies {
    key: Key,
    secure: bool,
    max_age: time::Duration,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.session.key.clone()
    }
}

/// The tokens found in the cookies; a cookie that does not decrypt counts as absent.
struct StoredTokens {
    access: Option<String>,
    id: Option<String>,
    refresh: Option<String>,
}

impl SessionCookies {
    pub fn new(key: Key, secure: bool, max_age: std::time::Duration) -> Self {
        let max_age = time::Duration::try_from(max_age).unwrap_or(time::Duration::days(30));
        Self {
            key,
            secure,
            max_age,
        }
    }

    /// The jar of a request's cookies, decrypting with the session key.
    pub fn jar(&self, headers: &HeaderMap) -> PrivateCookieJar {
        PrivateCookieJar::from_headers(headers, self.key.clone())
    }

    /// Behind https the `__Host-` prefix makes browsers refuse the cookie unless it is Secure,
    /// host-only and for `/`: no subdomain can plant or read it.
    pub fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    fn cookie(&self, base: &str, value: String, max_age: time::Duration) -> Cookie<'static> {
        Cookie::build((self.name(base), value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(max_age)
            .build()
    }

    /// Deletes the cookie in the browser. Added rather than `remove`d: the jar only removes
    /// cookies that decrypted, and a forged one must go too.
    fn remove(&self, jar: PrivateCookieJar, base: &str) -> PrivateCookieJar {
        let mut cookie = self.cookie(base, String::new(), time::Duration::ZERO);
        cookie.make_removal();
        jar.add(cookie)
    }

    fn stored(&self, jar: &PrivateCookieJar) -> StoredTokens {
        let value = |base: &str| {
            jar.get(&self.name(base))
                .map(|cookie| cookie.value().to_owned())
        };
        StoredTokens {
            access: value(ACCESS),
            id: value(ID),
            refresh: value(REFRESH),
        }
    }

    /// Whether the request carried any session cookie, readable or not.
    fn any_present(&self, headers: &HeaderMap) -> bool {
        let names = [ACCESS, ID, REFRESH].map(|base| self.name(base));
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim()))
            .any(|name| names.iter().any(|wanted| wanted == name))
    }

    pub fn refresh_token(&self, jar: &PrivateCookieJar) -> Option<String> {
        self.stored(jar).refresh
    }

    pub fn store_tokens(&self, jar: PrivateCookieJar, tokens: &TokenSet) -> PrivateCookieJar {
        let mut jar = jar.add(self.cookie(ACCESS, tokens.access_token.clone(), self.max_age));
        jar = match &tokens.id_token {
            Some(id) => jar.add(self.cookie(ID, id.clone(), self.max_age)),
            None => self.remove(jar, ID),
        };
        match &tokens.refresh_token {
            Some(refresh) => jar.add(self.cookie(REFRESH, refresh.clone(), self.max_age)),
            None => jar,
        }
    }

    pub fn clear_tokens(&self, jar: PrivateCookieJar) -> PrivateCookieJar {
        let jar = self.remove(jar, ACCESS);
        let jar = self.remove(jar, ID);
        self.remove(jar, REFRESH)
    }

    pub fn store_flow(&self, jar: PrivateCookieJar, flow: &SignInFlow) -> PrivateCookieJar {
        match serde_json::to_string(flow) {
            Ok(value) => jar.add(self.cookie(FLOW, value, FLOW_MAX_AGE)),
            Err(_) => jar,
        }
    }

    /// Remembers the pre-built UI visit this browser started (its idempotency key).
    pub fn store_visit(&self, jar: PrivateCookieJar, idempotency_key: &str) -> PrivateCookieJar {
        jar.add(self.cookie(VISIT, idempotency_key.to_owned(), VISIT_MAX_AGE))
    }

    /// The pending pre-built UI visit, if any; the cookie is removed either way: one return per
    /// visit.
    pub fn take_visit(&self, jar: PrivateCookieJar) -> (PrivateCookieJar, Option<String>) {
        let visit = jar
            .get(&self.name(VISIT))
            .map(|cookie| cookie.value().to_owned());
        (self.remove(jar, VISIT), visit)
    }

    /// The pending sign-in, if any; the cookie is removed either way: one callback per flow.
    pub fn take_flow(&self, jar: PrivateCookieJar) -> (PrivateCookieJar, Option<SignInFlow>) {
        let flow = jar
            .get(&self.name(FLOW))
            .and_then(|cookie| serde_json::from_str(cookie.value()).ok());
        (self.remove(jar, FLOW), flow)
    }
}

/// The session key: `SESSION_KEY`, or in local mode one generated once and kept in the local
/// data directory, so restarts keep people signed in.
pub async fn load_key(config: &Config) -> io::Result<Key> {
    let encoded = match &config.session.key {
        Some(key) => key.expose().to_owned(),
        None => {
            let path = config.local_data_dir.join("session-key.json");
            storage::load_or_create(&path, || {
                let mut bytes = [0u8; 64];
                aws_lc_rs::rand::fill(&mut bytes)
                    .map_err(|_| io::Error::other("no randomness available"))?;
                Ok(STANDARD.encode(bytes))
            })
            .await?
        }
    };
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the session key must be base64 of at least 64 bytes",
        )
    };
    let bytes = STANDARD.decode(encoded).map_err(|_| invalid())?;
    Key::try_from(bytes.as_slice()).map_err(|_| invalid())
}

/// The session layer: runs before every page and server function.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if !needs_session(&path) {
        return next.run(request).await;
    }
    let jar = state.session.jar(request.headers());
    let present = state.session.any_present(request.headers());
    let (session, jar) = if present {
        resolve(&state, jar).await
    } else {
        (Session::SignedOut, jar)
    };
    if path.starts_with(SERVER_FN_PREFIX) {
        if let Err(error) = session.user() {
            return (jar, server_fn_error(&error, &path)).into_response();
        }
    } else if is_protected_page(&path) && matches!(session, Session::SignedOut) {
        return (jar, Redirect::to(&sign_in_path(request.uri()))).into_response();
    }
    request.extensions_mut().insert(session);
    let response = next.run(request).await;
    (jar, response).into_response()
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
                Ok(user) => {
                    debug!("the session was refreshed");
                    (Session::SignedIn(user), cookies.store_tokens(jar, &tokens))
                }
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

/// Verifies the access token and, when present, the ID token of the same person.
pub async fn check(
    verifier: &TokenVerifier,
    access_token: &str,
    id_token: Option<&str>,
) -> Result<CurrentUser, VerifyError> {
    let access = verifier.verify(access_token).await?;
    let email = match id_token {
        Some(id_token) => {
            let id = verifier.verify_id_token(id_token, None).await?;
            if id.sub != access.sub {
                return Err(InvalidToken::SubjectMismatch.into());
            }
            id.email
        }
        None => None,
    };
    Ok(CurrentUser {
        sub: access.sub,
        username: access.username,
        email,
        auth_time: access.auth_time,
    })
}

/// Static files and health checks do not need a session; the sign-in routes handle their
/// cookies themselves.
fn needs_session(path: &str) -> bool {
    !(path.starts_with("/pkg/")
        || path.starts_with("/auth/")
        || path == "/healthz"
        || path == "/readyz")
}

/// `/security` and everything below it.
fn is_protected_page(path: &str) -> bool {
    path == "/security" || path.starts_with("/security/")
}

fn sign_in_path(uri: &axum::http::Uri) -> String {
    let return_to = uri
        .path_and_query()
        .map_or("/security", |path| path.as_str());
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", return_to)
        .finish();
    format!("/auth/sign-in?{query}")
}

/// The error as the server function would have answered it, so the page decodes it as an
/// `AppError`.
fn server_fn_error(error: &AppError, path: &str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], error.ser()).into_response();
    error.mark(&mut response);
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

    #[test]
    fn only_security_pages_are_protected() {
        assert!(is_protected_page("/security"));
        assert!(is_protected_page("/security/return"));
        assert!(!is_protected_page("/securityx"));
        assert!(!is_protected_page("/"));
        assert!(!needs_session("/pkg/account-security.wasm"));
        assert!(needs_session("/api/me"));
    }

    #[test]
    fn cookies_get_the_host_prefix_and_secure_behind_https() {
        let key = Key::generate();
        let https = SessionCookies::new(key.clone(), true, std::time::Duration::from_secs(60));
        let cookie = https
            .cookie(ACCESS, "v".into(), time::Duration::MINUTE)
            .to_string();
        assert!(cookie.starts_with("__Host-session-access="), "{cookie}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(cookie.contains(attribute), "{attribute} in {cookie}");
        }
        assert!(!cookie.contains("Domain"), "{cookie}");

        let http = SessionCookies::new(key, false, std::time::Duration::from_secs(60));
        let cookie = http
            .cookie(ACCESS, "v".into(), time::Duration::MINUTE)
            .to_string();
        assert!(cookie.starts_with("session-access="), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
    }

    #[test]
    fn a_missing_session_outcome_fails_closed() {
        let (parts, ()) = axum::http::Request::new(()).into_parts();
        assert_eq!(current_user(&parts), Err(AppError::NotSignedIn));
    }
}
