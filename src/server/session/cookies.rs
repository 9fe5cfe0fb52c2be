//! The session cookies: names, attributes and the key that encrypts them. Cognito's tokens,
//! the pending sign-in and the pending pre-built UI visit each live in a cookie of their own.

use axum::{
    http::{HeaderMap, header},
    response::IntoResponse,
};
use axum_extra::extract::{
    PrivateCookieJar,
    cookie::{Cookie, Key, SameSite},
};

use super::super::{
    AppState,
    cognito::oauth::{SignInFlow, TokenSet},
};
use axum::extract::FromRef;

/// Browsers keep cookies of at least 4096 bytes, name, value and attributes together
/// (RFC 6265 §6.1), and drop larger ones silently.
const MAX_COOKIE_BYTES: usize = 4096;

const ACCESS: &str = "session-access";
const ID: &str = "session-id";
const REFRESH: &str = "session-refresh";
const FLOW: &str = "sign-in-flow";
const VISIT: &str = "prebuilt-visit";
const STEP_UP: &str = "step-up";
const DEVICE: &str = "device";
/// Long enough to type a password, short enough that a stale sign-in is not replayable.
const FLOW_MAX_AGE: time::Duration = time::Duration::minutes(10);
/// Long enough to add a method on Authsignal's pages, short enough not to linger.
const VISIT_MAX_AGE: time::Duration = time::Duration::minutes(30);
/// The longest a browser keeps a cookie (RFC 6265bis caps it at 400 days).
const DEVICE_MAX_AGE: time::Duration = time::Duration::days(400);

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
pub(super) struct StoredTokens {
    pub access: Option<String>,
    pub id: Option<String>,
    pub refresh: Option<String>,
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

    pub(super) fn stored(&self, jar: &PrivateCookieJar) -> StoredTokens {
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
    pub(super) fn any_present(&self, headers: &HeaderMap) -> bool {
        let names = [ACCESS, ID, REFRESH].map(|base| self.name(base));
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.split_once('=').map(|(name, _)| name.trim()))
            .any(|name| names.iter().any(|wanted| wanted == name))
    }

    /// The access token the cookies hold, unchecked.
    pub fn access_token(&self, jar: &PrivateCookieJar) -> Option<String> {
        self.stored(jar).access
    }

    pub fn refresh_token(&self, jar: &PrivateCookieJar) -> Option<String> {
        self.stored(jar).refresh
    }

    /// Puts the tokens in their cookies, unless one of them would be too large for a browser
    /// to keep: browsers drop such a cookie silently, which would leave a session that half
    /// works.
    pub fn store_tokens(
        &self,
        jar: PrivateCookieJar,
        tokens: &TokenSet,
    ) -> Result<PrivateCookieJar, TooLarge> {
        let stored = [
            (ACCESS, "access token", Some(&tokens.access_token)),
            (ID, "ID token", tokens.id_token.as_ref()),
            (REFRESH, "refresh token", tokens.refresh_token.as_ref()),
        ];
        for (base, token, value) in stored {
            if let Some(value) = value {
                let bytes = self.set_cookie_size(base, value);
                if bytes > MAX_COOKIE_BYTES {
                    return Err(TooLarge { token, bytes });
                }
            }
        }
        let mut jar = jar.add(self.cookie(ACCESS, tokens.access_token.clone(), self.max_age));
        jar = match &tokens.id_token {
            Some(id) => jar.add(self.cookie(ID, id.clone(), self.max_age)),
            None => self.remove(jar, ID),
        };
        Ok(match &tokens.refresh_token {
            Some(refresh) => jar.add(self.cookie(REFRESH, refresh.clone(), self.max_age)),
            None => jar,
        })
    }

    /// The length of the `Set-Cookie` header that would carry `value`: name, encrypted and
    /// encoded value, and attributes.
    fn set_cookie_size(&self, base: &str, value: &str) -> usize {
        let jar = PrivateCookieJar::new(self.key.clone()).add(self.cookie(
            base,
            value.to_owned(),
            self.max_age,
        ));
        jar.into_response()
            .headers()
            .get(header::SET_COOKIE)
            .map_or(0, |header| header.len())
    }

    /// Signing out ends the step-up window too.
    pub fn clear_tokens(&self, jar: PrivateCookieJar) -> PrivateCookieJar {
        let jar = self.remove(jar, ACCESS);
        let jar = self.remove(jar, ID);
        let jar = self.remove(jar, STEP_UP);
        self.remove(jar, REFRESH)
    }

    /// Keeps a step-up proof for as long as it lasts.
    pub fn store_step_up(
        &self,
        jar: PrivateCookieJar,
        proof: &str,
        lasts: std::time::Duration,
    ) -> PrivateCookieJar {
        let max_age = time::Duration::try_from(lasts).unwrap_or(time::Duration::ZERO);
        jar.add(self.cookie(STEP_UP, proof.to_owned(), max_age))
    }

    /// The step-up proof this browser holds, if any.
    pub fn step_up(&self, jar: &PrivateCookieJar) -> Option<String> {
        jar.get(&self.name(STEP_UP))
            .map(|cookie| cookie.value().to_owned())
    }

    pub fn clear_step_up(&self, jar: PrivateCookieJar) -> PrivateCookieJar {
        self.remove(jar, STEP_UP)
    }

    /// The id this browser is recorded under in the activity log, if it has one.
    pub fn device_id(&self, jar: &PrivateCookieJar) -> Option<String> {
        jar.get(&self.name(DEVICE))
            .map(|cookie| cookie.value().to_owned())
    }

    /// This browser's device id, made at its first sign-in; it outlives sign-outs, as a device
    /// does. Random, and says nothing about the person.
    pub fn ensure_device_id(&self, jar: PrivateCookieJar) -> (PrivateCookieJar, String) {
        match self.device_id(&jar) {
            Some(id) => (jar, id),
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                (jar.add(self.cookie(DEVICE, id.clone(), DEVICE_MAX_AGE)), id)
            }
        }
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

/// A token too large for its cookie.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {token} would need a cookie of {bytes} bytes, over the {MAX_COOKIE_BYTES} browsers keep (many groups or custom attributes make tokens large)"
)]
pub struct TooLarge {
    pub token: &'static str,
    pub bytes: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: usize, id: usize) -> TokenSet {
        TokenSet {
            access_token: "a".repeat(access),
            id_token: Some("i".repeat(id)),
            refresh_token: Some("r".repeat(1800)),
        }
    }

    #[test]
    fn tokens_too_large_for_a_cookie_are_refused_not_dropped() {
        for secure in [false, true] {
            let cookies =
                SessionCookies::new(Key::generate(), secure, std::time::Duration::from_secs(60));
            let jar = || PrivateCookieJar::new(Key::generate());
            assert!(cookies.store_tokens(jar(), &tokens(1500, 1200)).is_ok());
            let refused = cookies
                .store_tokens(jar(), &tokens(3100, 1200))
                .unwrap_err();
            assert_eq!(refused.token, "access token");
            assert!(refused.bytes > MAX_COOKIE_BYTES, "{refused}");
            let refused = cookies
                .store_tokens(jar(), &tokens(1500, 3100))
                .unwrap_err();
            assert_eq!(refused.token, "ID token");
        }
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
}
