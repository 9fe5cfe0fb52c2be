//! Actions as the local Authsignal records them (reference §2–4): what track decides for an
//! action, how a token finds its action again, and what `/validate` answers.

use url::Url;

use super::{
    conventions::{ApiError, check_user_id},
    data::{Action, Data},
    tokens::{Claims, DEFAULT_SCOPE, TokenError},
};
use crate::wire::authsignal::{ActionState, TrackAttributes};

/// Old entries go first; enough for any development session.
const KEPT_ACTIONS: usize = 2000;

const KNOWN_SCOPES: [&str; 4] = [
    "read:authenticators",
    "add:authenticators",
    "update:authenticators",
    "remove:authenticators",
];

impl Data {
    /// Records an action: `ALLOW` for a user without authenticators, `CHALLENGE_REQUIRED` for
    /// one with. A known idempotency key returns the action it already names.
    pub fn track(
        &mut self,
        user_id: &str,
        code: &str,
        request: TrackAttributes,
    ) -> Result<Action, ApiError> {
        check_user_id(user_id)?;
        if !is_action_code(code) {
            return Err(ApiError::invalid_request(
                "The action must be 1 to 64 letters, digits, `_` or `-`.",
            ));
        }
        if let Some(redirect_url) = &request.redirect_url {
            let valid =
                Url::parse(redirect_url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
            if !valid {
                return Err(ApiError::invalid_request(
                    "redirectUrl must be an absolute http(s) URL.",
                ));
            }
        }
        let scope = match &request.scope {
            Some(scope) => check_scope(scope)?,
            None => DEFAULT_SCOPE.to_owned(),
        };
        if let Some(key) = &request.idempotency_key {
            if key.is_empty() || key.len() > 128 {
                return Err(ApiError::invalid_request(
                    "idempotencyKey must be 1 to 128 characters.",
                ));
            }
            if let Some(action) = self.find_action(user_id, code, key) {
                return Ok(action.clone());
            }
        }
        let user = self.users.entry(user_id.to_owned()).or_default();
        for (field, value) in [
            (&mut user.email, &request.email),
            (&mut user.phone_number, &request.phone_number),
            (&mut user.username, &request.username),
            (&mut user.display_name, &request.display_name),
        ] {
            if value.is_some() {
                field.clone_from(value);
            }
        }
        let configuration = self.tenant.actions.get(code).cloned();
        let state = match configuration.as_ref().map(|configured| configured.outcome) {
            // "To be challenged a user needs to have enrolled at least one authenticator."
            Some(ActionState::ChallengeRequired) if !user.is_enrolled() => ActionState::Allow,
            Some(outcome) => outcome,
            None => ActionState::Allow,
        };
        let now = self.now();
        let action = Action {
            user_id: user_id.to_owned(),
            code: code.to_owned(),
            idempotency_key: request
                .idempotency_key
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            state,
            created_at: now,
            state_updated_at: now,
            verification_method: None,
            verified_by_authenticator_id: None,
            scope,
            verification_methods: configuration
                .and_then(|configured| configured.verification_methods),
            redirect_url: request.redirect_url,
            redirect_to_settings: request.redirect_to_settings.unwrap_or(false),
            ip_address: request.ip_address,
            user_agent: request.user_agent,
            device_id: request.device_id,
        };
        self.actions.push(action.clone());
        let excess = self.actions.len().saturating_sub(KEPT_ACTIONS);
        self.actions.drain(..excess);
        Ok(action)
    }

    pub fn find_action(&self, user_id: &str, code: &str, key: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|action| action.is(user_id, code, key))
    }

    /// The action a Client API token was minted for; a token whose action is gone is as good
    /// as expired.
    pub fn action_for(&self, claims: &Claims) -> Result<&Action, ApiError> {
        self.actions
            .iter()
            .find(|action| claims.is_for(action))
            .ok_or_else(ApiError::expired_token)
    }

    /// What `/validate` answers for a token: its action, or the sentence the real API gives.
    pub fn validate(
        &self,
        token: Result<Claims, TokenError>,
        user_id: Option<&str>,
        action_code: Option<&str>,
    ) -> Result<&Action, &'static str> {
        let claims = match token {
            Ok(claims) => claims,
            Err(TokenError::Expired) => return Err("Token has expired."),
            Err(TokenError::Invalid) => return Err("Token is invalid."),
        };
        let action = self.action_for(&claims).map_err(|_| "Token is invalid.")?;
        if user_id.is_some_and(|user_id| user_id != action.user_id) {
            return Err("User is invalid.");
        }
        if action_code.is_some_and(|code| code != action.code) {
            return Err("Action is invalid.");
        }
        Ok(action)
    }
}

fn is_action_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// Known scopes only, so that a typo fails here rather than quietly against the real API.
fn check_scope(scope: &str) -> Result<String, ApiError> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    match scopes.iter().find(|scope| !KNOWN_SCOPES.contains(scope)) {
        Some(unknown) => Err(ApiError::invalid_request(format!(
            "Unknown scope `{unknown}`; scopes are {}.",
            KNOWN_SCOPES.join(", ")
        ))),
        None if scopes.is_empty() => Ok(DEFAULT_SCOPE.to_owned()),
        None => Ok(scopes.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_must_be_known() {
        assert_eq!(
            check_scope("add:authenticators  remove:authenticators").unwrap(),
            "add:authenticators remove:authenticators"
        );
        assert_eq!(check_scope(" ").unwrap(), DEFAULT_SCOPE);
        assert!(check_scope("add:authenticator").is_err());
    }
}
