//! What `/oauth2/authorize` and the managed-login pages both take: a request checked against
//! the pool's app clients, its redirect URI, its scopes and its PKCE challenge, and how a bad one
//! is answered.

use std::collections::HashMap;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use url::Url;

use super::{ALLOWED_SCOPES, Pool, pages};

/// A valid request to `/oauth2/authorize` (and to the hosted pages, which take the same
/// parameters).
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// `prompt=login`: the person must type their password, whatever session they have.
    pub login_required: bool,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

pub enum AuthorizeError {
    /// The client or the redirect URI cannot be trusted: an error page, never a redirect.
    Page(&'static str),
    /// Reported to the client at its registered redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: &'static str,
        state: Option<String>,
    },
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            Self::Page(problem) => {
                (StatusCode::BAD_REQUEST, pages::error_page(problem)).into_response()
            }
            Self::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => match Url::parse(&redirect_uri) {
                Ok(mut url) => {
                    url.query_pairs_mut()
                        .append_pair("error", error)
                        .append_pair("error_description", description);
                    if let Some(state) = state {
                        url.query_pairs_mut().append_pair("state", &state);
                    }
                    found(url.as_str())
                }
                Err(_) => (
                    StatusCode::BAD_REQUEST,
                    pages::error_page("The redirect_uri is not a valid URL."),
                )
                    .into_response(),
            },
        }
    }
}

pub fn parse_query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// 302, as Cognito answers; after a POST the browser follows with a GET.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

impl Pool {
    pub fn check_authorize(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<AuthorizeRequest, AuthorizeError> {
        let client = match params.get("client_id") {
            None => return Err(AuthorizeError::Page("The client_id parameter is missing.")),
            Some(client_id) => self.client(client_id).ok_or(AuthorizeError::Page(
                "The client_id is not an app client of this user pool.",
            ))?,
        };
        let redirect_uri = match params.get("redirect_uri") {
            None => {
                return Err(AuthorizeError::Page(
                    "The redirect_uri parameter is missing.",
                ));
            }
            // Exact match, as Cognito compares callback URLs.
            Some(uri) if *uri != client.callback_url => {
                return Err(AuthorizeError::Page(
                    "redirect_mismatch: the redirect_uri is not a callback URL of this app client.",
                ));
            }
            Some(uri) => uri.clone(),
        };
        let state = params.get("state").cloned();
        let fail = |error, description| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description,
            state: state.clone(),
        };
        match params.get("response_type").map(String::as_str) {
            Some("code") => {}
            None => return Err(fail("invalid_request", "response_type is missing")),
            Some("token") => {
                return Err(fail(
                    "unauthorized_client",
                    "this app client allows the authorization code grant only",
                ));
            }
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "response_type must be code",
                ));
            }
        }
        let code_challenge = match (
            params.get("code_challenge"),
            params.get("code_challenge_method").map(String::as_str),
        ) {
            (None, None) => None,
            (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
                Some(challenge.clone())
            }
            (Some(_), Some("S256")) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge must be 43 base64url characters",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256",
                ));
            }
            (Some(_), None) => {
                return Err(fail("invalid_request", "code_challenge_method is missing"));
            }
            (None, Some(_)) => return Err(fail("invalid_request", "code_challenge is missing")),
        };
        let scopes = granted_scopes(params.get("scope").map(String::as_str))
            .ok_or_else(|| fail("invalid_scope", "the requested scopes are not allowed"))?;
        // `prompt` is "available in the managed login branding version only, not in the
        // classic hosted UI" (AWS authorization-endpoint): a classic pool signs the person in
        // from its session whatever is asked.
        let login_required = match params.get("prompt").map(String::as_str) {
            _ if !self.managed_login => false,
            None | Some("login") => params.get("prompt").is_some(),
            Some(_) => {
                return Err(fail(
                    "invalid_request",
                    "prompt must be login: the local pool supports no other",
                ));
            }
        };
        Ok(AuthorizeRequest {
            client_id: client.client_id.clone(),
            redirect_uri,
            login_required,
            state,
            scopes,
            nonce: params.get("nonce").cloned(),
            code_challenge,
        })
    }
}

/// The allowed scopes among those requested (all of the client's when none are), or `None`
/// when nothing allowed remains or `email`, `phone` or `profile` come without `openid`.
fn granted_scopes(requested: Option<&str>) -> Option<Vec<String>> {
    let requested: Vec<&str> = requested
        .map(|scope| scope.split_whitespace().collect())
        .unwrap_or_default();
    let mut granted: Vec<String> = Vec::new();
    if requested.is_empty() {
        granted.extend(ALLOWED_SCOPES.iter().map(|scope| scope.to_string()));
    }
    for scope in requested {
        if ALLOWED_SCOPES.contains(&scope) && !granted.iter().any(|s| s == scope) {
            granted.push(scope.to_owned());
        }
    }
    let has = |name: &str| granted.iter().any(|scope| scope == name);
    let needs_openid = has("email") || has("phone") || has("profile");
    (!granted.is_empty() && (has("openid") || !needs_openid)).then_some(granted)
}

/// `BASE64URL(SHA256(verifier))` is 43 characters.
pub(super) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_filtered_like_cognitos() {
        assert_eq!(
            granted_scopes(Some("openid email unknown/scope email")).unwrap(),
            ["openid", "email"]
        );
        assert_eq!(granted_scopes(None).unwrap().len(), ALLOWED_SCOPES.len());
        assert!(granted_scopes(Some("email")).is_none());
        assert!(granted_scopes(Some("unknown")).is_none());
        assert_eq!(
            granted_scopes(Some("aws.cognito.signin.user.admin")).unwrap(),
            ["aws.cognito.signin.user.admin"]
        );
    }
}
