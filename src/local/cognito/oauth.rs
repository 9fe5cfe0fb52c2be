//! The OAuth 2.0 endpoints of managed login, with Cognito's rules and error responses
//! (reference/cognito.md §4.2 and §4.4–§4.7).

use std::{collections::HashMap, sync::Arc};

use aws_lc_rs::{constant_time, digest};
use axum::{
    Json,
    extract::{Form, RawQuery, State, rejection::FormRejection},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{self, AUTHORIZATION},
    },
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};

use super::{
    AppClient, Pool,
    authorize::{found, parse_query},
    claims,
    grants::Authentication,
    hosted,
    keys::TokenUse,
    pages,
    users::User,
};

impl Pool {
    /// Checks the client credentials of a token or revocation request: the confidential client
    /// with its secret (Basic or in the body), the public one with its `client_id` alone.
    fn authenticate_client(
        &self,
        headers: &HeaderMap,
        form: &HashMap<String, String>,
    ) -> Result<&AppClient, TokenError> {
        let (client_id, secret) = match headers.get(AUTHORIZATION) {
            Some(value) => {
                let (id, secret) = parse_basic(value).ok_or(TokenError::invalid_client(
                    "the Authorization header is not valid Basic authentication",
                ))?;
                if form.get("client_id").is_some_and(|body_id| *body_id != id) {
                    return Err(TokenError::invalid_client(
                        "client_id differs from the Basic authentication",
                    ));
                }
                if form.contains_key("client_secret") {
                    return Err(TokenError::bad(
                        "invalid_request",
                        "use one client authentication method, not two",
                    ));
                }
                (id, Some(secret))
            }
            None => match form.get("client_id") {
                Some(id) => (id.clone(), form.get("client_secret").cloned()),
                None => {
                    return Err(TokenError::invalid_client(
                        "client authentication is missing",
                    ));
                }
            },
        };
        let client = self.client(&client_id);
        let authenticated = match client.map(|client| (&client.client_secret, secret)) {
            Some((Some(expected), Some(secret))) => {
                constant_time::verify_slices_are_equal(secret.as_bytes(), expected.as_bytes())
                    .is_ok()
            }
            // A public client has no secret to send, and may not send one.
            Some((None, None)) => true,
            _ => false,
        };
        match client {
            Some(client) if authenticated => Ok(client),
            _ => Err(TokenError::invalid_client(
                "the client is unknown or its secret is wrong",
            )),
        }
    }

    /// Signs the tokens of `authentication` and answers like Cognito's token endpoint.
    /// The token endpoint's answer: an access token, an ID token with `openid`, and a new
    /// refresh token when `refresh_token` says so.
    async fn issue_tokens(
        &self,
        authentication: &Authentication,
        nonce: Option<&str>,
        refresh_token: Option<String>,
    ) -> Result<Response, TokenError> {
        let user = self
            .users
            .by_sub(&authentication.sub)
            .await
            .ok_or(TokenError::bad(
                "invalid_grant",
                "the user no longer exists",
            ))?;
        let now = self.clock.now();
        let access_lifetime = seconds(self.lifetimes.access);
        let access_token = self
            .keys
            .sign(
                TokenUse::Access,
                &claims::access(&self.issuer, authentication, &user, now, access_lifetime),
            )
            .map_err(TokenError::server)?;
        let mut body = Map::new();
        if authentication.scopes.iter().any(|scope| scope == "openid") {
            let claims = claims::id(
                &self.issuer,
                authentication,
                &user,
                nonce,
                &access_token,
                now,
                seconds(self.lifetimes.id),
            );
            let id_token = self
                .keys
                .sign(TokenUse::Id, &claims)
                .map_err(TokenError::server)?;
            body.insert("id_token".into(), id_token.into());
        }
        if let Some(refresh_token) = refresh_token {
            body.insert("refresh_token".into(), refresh_token.into());
        }
        body.insert("access_token".into(), access_token.into());
        body.insert("expires_in".into(), access_lifetime.into());
        body.insert("token_type".into(), "Bearer".into());
        Ok(no_store(Json(Value::Object(body))))
    }

    /// The user of a valid, unrevoked access token with the `openid` scope.
    async fn user_of_access_token(&self, token: &str) -> Option<User> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let (n, e) = self.keys.access_key(header.kid.as_deref()?)?;
        let key = DecodingKey::from_rsa_components(&n, &e).ok()?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Checked below against the pool's clock, which tests can move forward.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .ok()?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let valid = claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_some_and(|exp| exp > self.clock.now())
            && text("token_use") == Some("access")
            && text("client_id").is_some_and(|client_id| self.client(client_id).is_some())
            && text("scope").is_some_and(|scope| scope.split(' ').any(|s| s == "openid"));
        if !valid || self.grants.is_revoked(text("origin_jti")?).await {
            return None;
        }
        self.users.by_sub(text("sub")?).await
    }
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    is_code_verifier(verifier)
        && constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes()).is_ok()
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 has clients send it.
fn parse_basic(value: &HeaderValue) -> Option<(String, String)> {
    let value = value.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(credentials.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn form_decode(value: &str) -> String {
    url::form_urlencoded::parse(value.as_bytes())
        .next()
        .map(|(decoded, _)| decoded.into_owned())
        .unwrap_or_default()
}

pub fn seconds(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn no_store(response: impl IntoResponse) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        response,
    )
        .into_response()
}

/// An OAuth error answer of the token and revocation endpoints.
#[derive(Debug)]
pub struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
}

impl TokenError {
    fn bad(error: &'static str, description: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description,
        }
    }

    fn invalid_client(description: &'static str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description,
        }
    }

    fn server(error: std::io::Error) -> Self {
        tracing::error!(%error, "the local Cognito could not issue tokens");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "the tokens could not be issued",
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.error, "error_description": self.description }));
        if self.status == StatusCode::UNAUTHORIZED {
            no_store((self.status, [(header::WWW_AUTHENTICATE, "Basic")], body))
        } else {
            no_store((self.status, body))
        }
    }
}

/// With a live managed-login session, Cognito signs the person straight back in; only `/login`
/// asks "Continue as" (awslabs/cognito-at-edge#109, localstack#5310). `prompt=login` always
/// asks for the password.
pub async fn authorize(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    jar: CookieJar,
) -> Response {
    let params = parse_query(query.as_deref());
    match pool.check_authorize(&params) {
        Ok(request) if !request.login_required => match hosted::signed_in_user(&pool, &jar).await {
            Some(user) => hosted::complete(&pool, request, &user, jar),
            None => found(&pool.url(&format!("/login?{}", query.unwrap_or_default()))),
        },
        Ok(_) => found(&pool.url(&format!("/login?{}", query.unwrap_or_default()))),
        Err(error) => error.into_response(),
    }
}

type FormBody = Result<Form<HashMap<String, String>>, FormRejection>;

fn form_fields(form: FormBody) -> Result<HashMap<String, String>, TokenError> {
    form.map(|Form(fields)| fields).map_err(|_| {
        TokenError::bad(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )
    })
}

pub async fn token(
    State(pool): State<Arc<Pool>>,
    headers: HeaderMap,
    form: FormBody,
) -> Result<Response, TokenError> {
    let form = form_fields(form)?;
    let client = pool.authenticate_client(&headers, &form)?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(&pool, client, &form).await,
        Some("refresh_token") => refresh(&pool, client, &form).await,
        Some("client_credentials") => Err(TokenError::bad(
            "unauthorized_client",
            "this app client does not allow client credentials",
        )),
        Some(_) => Err(TokenError::bad(
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        )),
        None => Err(TokenError::bad("invalid_request", "grant_type is missing")),
    }
}

async fn exchange_code(
    pool: &Pool,
    client: &AppClient,
    form: &HashMap<String, String>,
) -> Result<Response, TokenError> {
    let code = form
        .get("code")
        .ok_or(TokenError::bad("invalid_request", "code is missing"))?;
    let redirect_uri = form.get("redirect_uri").ok_or(TokenError::bad(
        "invalid_request",
        "redirect_uri is missing",
    ))?;
    // Taken, not read: a code is spent by any attempt to use it.
    let grant = pool.grants.take_code(code).ok_or(TokenError::bad(
        "invalid_grant",
        "the code is unknown or was used already",
    ))?;
    if grant.expires_at <= pool.clock.now() {
        return Err(TokenError::bad("invalid_grant", "the code has expired"));
    }
    if grant.authentication.client_id != client.client_id {
        return Err(TokenError::bad(
            "invalid_grant",
            "the code was issued to another app client",
        ));
    }
    if grant.redirect_uri != *redirect_uri {
        return Err(TokenError::bad(
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        ));
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce_matches(challenge, verifier) => {}
        (None, None) => {}
        _ => {
            return Err(TokenError::bad(
                "invalid_grant",
                "the code_verifier does not match the code_challenge",
            ));
        }
    }
    let refresh_token = pool
        .grants
        .issue_refresh_token(
            grant.authentication.clone(),
            pool.clock.now() + seconds(pool.lifetimes.refresh),
        )
        .await
        .map_err(TokenError::server)?;
    pool.issue_tokens(
        &grant.authentication,
        grant.nonce.as_deref(),
        Some(refresh_token),
    )
    .await
}

async fn refresh(
    pool: &Pool,
    client: &AppClient,
    form: &HashMap<String, String>,
) -> Result<Response, TokenError> {
    let token = form.get("refresh_token").ok_or(TokenError::bad(
        "invalid_request",
        "refresh_token is missing",
    ))?;
    let now = pool.clock.now();
    let grant = pool
        .grants
        .refresh_grant(token)
        .await
        .filter(|grant| {
            !grant.revoked
                && grant.expires_at > now
                && grant.authentication.client_id == client.client_id
        })
        .ok_or(TokenError::bad(
            "invalid_grant",
            "the refresh token is invalid, expired or revoked",
        ))?;
    // Without rotation (Cognito's default) no new refresh token. With it, "your app client
    // issues new ID, access, and refresh tokens" and the one used no longer works
    // (RefreshTokenRotationType, here with no retry grace period).
    let rotated = if pool.rotate_refresh_tokens {
        Some(
            pool.grants
                .rotate(token)
                .await
                .map_err(TokenError::server)?
                .ok_or(TokenError::bad(
                    "invalid_grant",
                    "the refresh token was used already",
                ))?,
        )
    } else {
        None
    };
    pool.issue_tokens(&grant.authentication, None, rotated)
        .await
}

pub async fn revoke(
    State(pool): State<Arc<Pool>>,
    headers: HeaderMap,
    form: FormBody,
) -> Result<StatusCode, TokenError> {
    let form = form_fields(form)?;
    let client = pool.authenticate_client(&headers, &form)?;
    let token = form
        .get("token")
        .ok_or(TokenError::bad("invalid_request", "token is missing"))?;
    if token.matches('.').count() == 2 {
        return Err(TokenError::bad(
            "unsupported_token_type",
            "only refresh tokens can be revoked",
        ));
    }
    pool.grants
        .revoke(token, &client.client_id)
        .await
        .map_err(TokenError::server)?;
    Ok(StatusCode::OK)
}

pub async fn user_info(State(pool): State<Arc<Pool>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(token) = token else {
        return (
            StatusCode::BAD_REQUEST,
            [(
                header::WWW_AUTHENTICATE,
                r#"Bearer error="invalid_request", error_description="Access token is missing""#,
            )],
        )
            .into_response();
    };
    match pool.user_of_access_token(token.trim()).await {
        Some(user) => no_store(Json(json!({
            "sub": user.sub,
            "email_verified": user.email_verified.to_string(),
            "email": user.email,
            "username": user.username(),
        }))),
        None => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                r#"Bearer error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out.""#,
            )],
        )
            .into_response(),
    }
}

/// Ends the managed-login session. It does not revoke tokens: that is `/oauth2/revoke`.
pub async fn logout(
    State(pool): State<Arc<Pool>>,
    RawQuery(query): RawQuery,
    jar: CookieJar,
) -> Response {
    let params = parse_query(query.as_deref());
    let Some(client) = params.get("client_id").and_then(|id| pool.client(id)) else {
        return (
            StatusCode::BAD_REQUEST,
            pages::error_page(
                "The client_id parameter is missing or not an app client of this user pool.",
            ),
        )
            .into_response();
    };
    if let Some(logout_uri) = params.get("logout_uri") {
        if *logout_uri != client.sign_out_url {
            return (
                StatusCode::BAD_REQUEST,
                pages::error_page("The logout_uri is not a sign-out URL of this app client."),
            )
                .into_response();
        }
        return (pool.sessions.end(jar), found(logout_uri)).into_response();
    }
    if params.contains_key("redirect_uri") {
        return match pool.check_authorize(&params) {
            Ok(_) => (
                pool.sessions.end(jar),
                found(&pool.url(&format!("/login?{}", query.unwrap_or_default()))),
            )
                .into_response(),
            Err(error) => error.into_response(),
        };
    }
    (
        StatusCode::BAD_REQUEST,
        pages::error_page("Either logout_uri or redirect_uri is required."),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_is_checked_with_s256() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636 appendix B.
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(super::super::authorize::is_s256_challenge(challenge));
        assert!(pkce_matches(challenge, verifier));
        assert!(!pkce_matches(challenge, &verifier.replace('d', "e")));
        assert!(!pkce_matches(challenge, "short"));
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let value =
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode("id:a%2Bb+c"))).unwrap();
        assert_eq!(parse_basic(&value), Some(("id".into(), "a+b c".into())));
        assert_eq!(parse_basic(&HeaderValue::from_static("Bearer x")), None);
        assert_eq!(parse_basic(&HeaderValue::from_static("Basic !!!")), None);
    }
}
