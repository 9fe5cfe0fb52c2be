//! The authorization code flow with PKCE against Cognito's managed login, with the `oauth2`
//! crate: the sign-in redirect, the code exchange, refresh, revocation and the logout URL.

use std::fmt;

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    config::CognitoEndpoints,
    paths::{self, Page},
    secret::Secret,
};

/// The token endpoint's answer has an `id_token` beside the standard fields.
#[derive(Clone, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdTokenField(<redacted>)")
    }
}

impl ExtraTokenFields for IdTokenField {}

type CognitoTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

type Client = oauth2::Client<
    BasicErrorResponse,
    CognitoTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the token endpoint handed out.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub id_token: Option<String>,
    /// Cognito returns one with the code, and with a refresh only when rotation is on.
    pub refresh_token: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSet(<redacted>)")
    }
}

/// What a sign-in must remember between the redirect to Cognito and the callback: it lives in
/// an encrypted, short-lived cookie.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignInFlow {
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// A validated same-origin path.
    pub return_to: String,
    /// When a sign-in that must be fresh (`prompt=login`) began, in Unix seconds: its
    /// `auth_time` must not be older.
    #[serde(default)]
    pub fresh_since: Option<i64>,
}

impl fmt::Debug for SignInFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInFlow")
            .field("return_to", &self.return_to)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Cognito refused: a used, expired or unknown code, a wrong PKCE verifier, a revoked
    /// refresh token, or a misconfigured client. The OAuth error code, e.g. `invalid_grant`.
    #[error("Cognito refused the request: {0}")]
    Rejected(String),
    /// Cognito could not be reached, failed, or answered something unreadable.
    #[error("Cognito is not available: {0}")]
    Unavailable(String),
}

/// The OAuth 2.0 error codes that mean "no", as opposed to "not now".
const REFUSALS: [&str; 7] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "unsupported_token_type",
];

pub struct OAuthClient {
    client: Client,
    http: reqwest::Client,
    scopes: Vec<String>,
    client_id: String,
    client_secret: Option<Secret>,
    revocation_url: Url,
    logout_url: Url,
}

impl OAuthClient {
    pub fn new(
        endpoints: &CognitoEndpoints,
        public_url: &Url,
        scopes: Vec<String>,
        http: reqwest::Client,
    ) -> Result<Self, url::ParseError> {
        let domain = |path: &str| endpoints.domain.join(path);
        let mut client = oauth2::Client::new(ClientId::new(endpoints.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(domain("/oauth2/authorize")?))
            .set_token_uri(TokenUrl::from_url(domain("/oauth2/token")?))
            .set_redirect_uri(RedirectUrl::from_url(
                public_url.join(paths::SIGN_IN_CALLBACK)?,
            ));
        if let Some(secret) = &endpoints.client_secret {
            // Sent with HTTP Basic authentication, the crate's default.
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
        }
        let mut logout_url = domain("/logout")?;
        logout_url
            .query_pairs_mut()
            .append_pair("client_id", &endpoints.client_id)
            .append_pair(
                "logout_uri",
                public_url.join(Page::SignedOut.path())?.as_str(),
            );
        Ok(Self {
            client,
            http,
            scopes,
            client_id: endpoints.client_id.clone(),
            client_secret: endpoints.client_secret.clone(),
            revocation_url: domain("/oauth2/revoke")?,
            logout_url,
        })
    }

    /// The app client the app signs in with.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The managed-login URL to send the browser to, and what the callback must check. With
    /// `fresh`, managed login asks for the password even in a live session (`prompt=login`).
    pub fn start_sign_in(&self, return_to: String, fresh_since: Option<i64>) -> (Url, SignInFlow) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.secret());
        if fresh_since.is_some() {
            request = request.add_extra_param("prompt", "login");
        }
        let (url, state) = request.url();
        let flow = SignInFlow {
            state: state.into_secret(),
            pkce_verifier: verifier.into_secret(),
            nonce: nonce.into_secret(),
            return_to,
            fresh_since,
        };
        (url, flow)
    }

    pub async fn exchange_code(
        &self,
        code: String,
        pkce_verifier: String,
    ) -> Result<TokenSet, OAuthError> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(classify)?;
        Ok(token_set(response))
    }

    /// New access and ID tokens; the refresh token is kept unless Cognito rotates it.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, OAuthError> {
        let refresh_token = RefreshToken::new(refresh_token.to_owned());
        let response = self
            .client
            .exchange_refresh_token(&refresh_token)
            .request_async(&self.http)
            .await
            .map_err(classify)?;
        let mut tokens = token_set(response);
        tokens
            .refresh_token
            .get_or_insert_with(|| refresh_token.into_secret());
        Ok(tokens)
    }

    /// Revokes the refresh token and every access token issued from it.
    ///
    /// By hand rather than with `oauth2`, which refuses any revocation endpoint that is not
    /// https (RFC 7009 §2) and so the local Cognito on loopback. The client authenticates as it
    /// does at the token endpoint: HTTP Basic with form-encoded credentials (RFC 6749 §2.3.1),
    /// or its ID in the body when it has no secret.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), OAuthError> {
        let mut form = vec![
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ];
        let request = self.http.post(self.revocation_url.clone());
        let request = match &self.client_secret {
            Some(secret) => request.basic_auth(
                form_encode(&self.client_id),
                Some(form_encode(secret.expose())),
            ),
            None => {
                form.push(("client_id", &self.client_id));
                request
            }
        };
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|error| OAuthError::Unavailable(error.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let code = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body.get("error")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        Err(
            if status.is_client_error() && REFUSALS.contains(&code.as_str()) {
                OAuthError::Rejected(code)
            } else {
                OAuthError::Unavailable(format!("answered {status} `{code}`"))
            },
        )
    }

    /// Managed login's `/logout`, which ends its session and comes back to `/signed-out`.
    pub fn logout_url(&self) -> &Url {
        &self.logout_url
    }
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn token_set(response: CognitoTokenResponse) -> TokenSet {
    TokenSet {
        access_token: response.access_token().secret().clone(),
        id_token: response.extra_fields().id_token.clone(),
        refresh_token: response.refresh_token().map(|token| token.secret().clone()),
    }
}

fn classify<RE, T>(error: RequestTokenError<RE, T>) -> OAuthError
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponse + 'static,
{
    match error {
        RequestTokenError::ServerResponse(response) => {
            // The crate's error response types serialize to the OAuth JSON body.
            let code = serde_json::to_value(&response)
                .ok()
                .and_then(|body| body.get("error")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            if REFUSALS.contains(&code.as_str()) {
                OAuthError::Rejected(code)
            } else {
                OAuthError::Unavailable(format!("answered the error `{code}`"))
            }
        }
        RequestTokenError::Request(error) => OAuthError::Unavailable(error.to_string()),
        RequestTokenError::Parse(error, _) => {
            OAuthError::Unavailable(format!("unreadable answer: {error}"))
        }
        RequestTokenError::Other(message) => OAuthError::Unavailable(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(secret: Option<&str>) -> OAuthClient {
        let endpoints = CognitoEndpoints {
            region: "eu-west-1".into(),
            user_pool_id: "eu-west-1_AbC123xyz".into(),
            issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz".into(),
            jwks_url: Url::parse("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json").unwrap(),
            domain: Url::parse("https://auth.example.com").unwrap(),
            client_id: "4hqt9ikctmesulmh0hbqbs00ta".into(),
            client_secret: secret.map(Secret::new),
            admin_endpoint: None,
        };
        OAuthClient::new(
            &endpoints,
            &Url::parse("https://account.example.com").unwrap(),
            vec!["openid".into(), "email".into()],
            crate::server::http_client::builder().build().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn sign_in_uses_the_code_flow_with_pkce_s256_state_and_nonce() {
        let (url, flow) = client(None).start_sign_in("/security".into(), None);
        assert_eq!(
            url.origin().ascii_serialization(),
            "https://auth.example.com"
        );
        assert_eq!(url.path(), "/oauth2/authorize");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "4hqt9ikctmesulmh0hbqbs00ta");
        assert_eq!(
            query["redirect_uri"],
            "https://account.example.com/auth/callback"
        );
        assert_eq!(query["scope"], "openid email");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["code_challenge"].len(), 43);
        assert_eq!(query["state"], flow.state);
        assert_eq!(query["nonce"], flow.nonce);
        assert!(flow.pkce_verifier.len() >= 43);
        assert!(!url.as_str().contains(&flow.pkce_verifier));
        assert!(!query.contains_key("prompt"));

        let (fresh, other) = client(None).start_sign_in("/security".into(), Some(0));
        assert_ne!(other.state, flow.state);
        assert_ne!(other.nonce, flow.nonce);
        let query: std::collections::HashMap<_, _> = fresh.query_pairs().into_owned().collect();
        assert_eq!(query["prompt"], "login");
    }

    /// A revocation endpoint that records what it was sent.
    async fn revocation_server(
        status: u16,
    ) -> (
        Url,
        std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, String)>>>,
    ) {
        use axum::{extract::State, http::HeaderMap, routing::post};
        type Seen = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, String)>>>;
        let seen: Seen = Default::default();
        let app = axum::Router::new()
            .route(
                "/oauth2/revoke",
                post(
                    move |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
                        let authorization = headers
                            .get("authorization")
                            .map(|value| value.to_str().unwrap().to_owned());
                        seen.lock().unwrap().push((authorization, body));
                        let status = axum::http::StatusCode::from_u16(status).unwrap();
                        (
                            status,
                            axum::Json(serde_json::json!({ "error": "invalid_client" })),
                        )
                    },
                ),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    fn client_at(domain: &Url, secret: Option<&str>) -> OAuthClient {
        let endpoints = CognitoEndpoints {
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_Test".into(),
            issuer: "https://issuer".into(),
            jwks_url: domain.join("/jwks.json").unwrap(),
            domain: domain.clone(),
            client_id: "client".into(),
            client_secret: secret.map(Secret::new),
            admin_endpoint: None,
        };
        OAuthClient::new(
            &endpoints,
            &Url::parse("http://127.0.0.1:3000").unwrap(),
            vec!["openid".into()],
            crate::server::http_client::builder().build().unwrap(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn revocation_authenticates_like_the_token_request() {
        let (domain, seen) = revocation_server(200).await;
        client_at(&domain, Some("a+b/c"))
            .revoke("refresh-1")
            .await
            .unwrap();
        client_at(&domain, None).revoke("refresh-2").await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let basic = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "client:a%2Bb%2Fc",
        );
        assert_eq!(
            seen[0].0.as_deref(),
            Some(format!("Basic {basic}").as_str())
        );
        assert_eq!(seen[0].1, "token=refresh-1&token_type_hint=refresh_token");
        assert_eq!(seen[1].0, None);
        assert_eq!(
            seen[1].1,
            "token=refresh-2&token_type_hint=refresh_token&client_id=client"
        );
    }

    #[tokio::test]
    async fn a_refused_revocation_is_reported() {
        let (domain, _) = revocation_server(401).await;
        let error = client_at(&domain, Some("secret"))
            .revoke("refresh")
            .await
            .unwrap_err();
        assert!(matches!(error, OAuthError::Rejected(code) if code == "invalid_client"));
        let (domain, _) = revocation_server(503).await;
        let error = client_at(&domain, Some("secret"))
            .revoke("refresh")
            .await
            .unwrap_err();
        assert!(matches!(error, OAuthError::Unavailable(_)));
    }

    #[test]
    fn logout_returns_to_the_signed_out_page() {
        assert_eq!(
            client(Some("secret")).logout_url().as_str(),
            "https://auth.example.com/logout?client_id=4hqt9ikctmesulmh0hbqbs00ta&logout_uri=https%3A%2F%2Faccount.example.com%2Fsigned-out"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let tokens = TokenSet {
            access_token: "access-secret".into(),
            id_token: Some("id-secret".into()),
            refresh_token: Some("refresh-secret".into()),
        };
        assert!(!format!("{tokens:?}").contains("secret"));
        let flow = SignInFlow {
            state: "state-secret".into(),
            pkce_verifier: "verifier-secret".into(),
            nonce: "nonce-secret".into(),
            return_to: "/security".into(),
            fresh_since: None,
        };
        assert!(!format!("{flow:?}").contains("secret"));
    }
}
