//! The local pool's users: signed up on the hosted page, or the documented demo user. They sign
//! in with their email address; as in a real pool configured that way, their `username` is
//! their `sub`.

use std::{
    collections::BTreeMap,
    io,
    num::NonZeroU32,
    path::{Path, PathBuf},
};

use aws_lc_rs::pbkdf2;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::random_bytes;
use crate::storage;

pub const DEMO_EMAIL: &str = "demo@example.com";
/// Documented in the README; it meets the default password policy of a Cognito pool.
pub const DEMO_PASSWORD: &str = "Demo-password-1";

/// OWASP suggests 600 000 for PBKDF2-HMAC-SHA256; a local emulator that signs up a user in
/// every test settles for fewer.
const PBKDF2_ITERATIONS: NonZeroU32 = NonZeroU32::new(100_000).unwrap();
const HASH_LEN: usize = 32;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub created_at: i64,
    salt: String,
    password_hash: String,
}

impl User {
    pub fn username(&self) -> &str {
        &self.sub
    }
}

/// Why a sign-up was refused, in the words the hosted page shows.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignUpError {
    #[error("Enter a valid email address, such as name@example.com.")]
    InvalidEmail,
    #[error("{0}")]
    WeakPassword(String),
    #[error("An account with the given email already exists.")]
    AlreadyExists,
    #[error("The account could not be saved. Try again.")]
    Storage,
}

pub struct Users {
    path: PathBuf,
    /// By normalized email address.
    users: Mutex<BTreeMap<String, User>>,
}

impl Users {
    /// Loads `<dir>/users.json` and makes sure the demo user exists.
    pub async fn open(dir: &Path, now: i64) -> io::Result<Self> {
        let path = dir.join("users.json");
        let mut users: BTreeMap<String, User> = storage::load(&path).await?;
        if !users.contains_key(DEMO_EMAIL) {
            let demo = new_user(DEMO_EMAIL, DEMO_PASSWORD.to_owned(), now).await?;
            users.insert(DEMO_EMAIL.to_owned(), demo);
            storage::save(&path, &users).await?;
        }
        Ok(Self {
            path,
            users: Mutex::new(users),
        })
    }

    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        now: i64,
    ) -> Result<User, SignUpError> {
        let email = normalize_email(email).ok_or(SignUpError::InvalidEmail)?;
        check_password_policy(password)?;
        if self.users.lock().await.contains_key(&email) {
            return Err(SignUpError::AlreadyExists);
        }
        let user = new_user(&email, password.to_owned(), now)
            .await
            .map_err(|_| SignUpError::Storage)?;
        let mut users = self.users.lock().await;
        // Checked again: another sign-up may have taken the address while the hash was computed.
        if users.contains_key(&email) {
            return Err(SignUpError::AlreadyExists);
        }
        users.insert(email, user.clone());
        storage::save(&self.path, &*users).await.map_err(|error| {
            tracing::error!(%error, "the local Cognito could not save its users");
            SignUpError::Storage
        })?;
        Ok(user)
    }

    /// The user, when the email and password match.
    pub async fn authenticate(&self, email: &str, password: &str) -> Option<User> {
        let user = match normalize_email(email) {
            Some(email) => self.users.lock().await.get(&email).cloned(),
            None => None,
        };
        // An unknown address costs as much as a wrong password, so timing does not tell
        // which addresses have accounts.
        let (salt, hash) = match &user {
            Some(user) => (user.salt.clone(), user.password_hash.clone()),
            None => (STANDARD.encode([0u8; 16]), STANDARD.encode([0u8; HASH_LEN])),
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
                return false;
            };
            pbkdf2::verify(
                pbkdf2::PBKDF2_HMAC_SHA256,
                PBKDF2_ITERATIONS,
                &salt,
                password.as_bytes(),
                &hash,
            )
            .is_ok()
        })
        .await
        .unwrap_or(false);
        user.filter(|_| matches)
    }

    pub async fn by_sub(&self, sub: &str) -> Option<User> {
        self.users
            .lock()
            .await
            .values()
            .find(|user| user.sub == sub)
            .cloned()
    }

    pub async fn by_email(&self, email: &str) -> Option<User> {
        let email = normalize_email(email)?;
        self.users.lock().await.get(&email).cloned()
    }
}

async fn new_user(email: &str, password: String, now: i64) -> io::Result<User> {
    let salt = random_bytes::<16>()?;
    let hash = tokio::task::spawn_blocking(move || {
        let mut hash = [0u8; HASH_LEN];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            PBKDF2_ITERATIONS,
            &salt,
            password.as_bytes(),
            &mut hash,
        );
        hash
    })
    .await
    .map_err(io::Error::other)?;
    Ok(User {
        sub: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        email_verified: true,
        created_at: now,
        salt: STANDARD.encode(salt),
        password_hash: STANDARD.encode(hash),
    })
}

/// Trimmed and lower-cased, when it looks like an address: one `@`, a non-empty local part, a
/// dotted domain, no spaces.
fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(email)
}

/// The default policy of a Cognito user pool.
fn check_password_policy(password: &str) -> Result<(), SignUpError> {
    let mut missing = Vec::new();
    if !password.chars().any(|c| c.is_lowercase()) {
        missing.push("a lowercase letter");
    }
    if !password.chars().any(|c| c.is_uppercase()) {
        missing.push("an uppercase letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        missing.push("a number");
    }
    if !password
        .chars()
        .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        missing.push("a symbol");
    }
    let length = password.chars().count();
    if !(8..=256).contains(&length) || !missing.is_empty() {
        let needs = match missing.as_slice() {
            [] => String::new(),
            [one] => format!(" and include {one}"),
            [rest @ .., last] => format!(" and include {} and {last}", rest.join(", ")),
        };
        return Err(SignUpError::WeakPassword(format!(
            "Use 8 to 256 characters{needs}."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "account-security-users-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn the_demo_user_signs_in_with_the_documented_password() {
        let users = Users::open(&scratch("demo"), 0).await.unwrap();
        let demo = users.authenticate("Demo@Example.com ", DEMO_PASSWORD).await;
        assert_eq!(demo.map(|user| user.email).as_deref(), Some(DEMO_EMAIL));
        assert!(users.authenticate(DEMO_EMAIL, "wrong").await.is_none());
        assert!(
            users
                .authenticate("nobody@example.com", DEMO_PASSWORD)
                .await
                .is_none()
        );
    }

    #[tokio::test]
    async fn sign_up_refuses_bad_input_and_duplicates() {
        let dir = scratch("sign-up");
        let users = Users::open(&dir, 0).await.unwrap();
        for email in [
            "",
            "no-at-sign",
            "@example.com",
            "a@nodot",
            "a b@example.com",
            "a@@example.com",
        ] {
            assert_eq!(
                users.sign_up(email, "Good-passw0rd", 0).await.unwrap_err(),
                SignUpError::InvalidEmail,
                "{email}"
            );
        }
        let weak = users
            .sign_up("new@example.com", "short", 0)
            .await
            .unwrap_err();
        assert_eq!(
            weak.to_string(),
            "Use 8 to 256 characters and include an uppercase letter, a number and a symbol."
        );
        assert!(matches!(
            users.sign_up("new@example.com", "alllowercase1!", 0).await,
            Err(SignUpError::WeakPassword(_))
        ));
        let user = users
            .sign_up("New@Example.com", "Good-passw0rd", 0)
            .await
            .unwrap();
        assert_eq!(user.email, "new@example.com");
        assert_eq!(user.username(), user.sub);
        assert_eq!(
            users
                .sign_up("new@example.com", "Other-passw0rd", 0)
                .await
                .unwrap_err(),
            SignUpError::AlreadyExists
        );
        let reopened = Users::open(&dir, 0).await.unwrap();
        assert!(
            reopened
                .authenticate("new@example.com", "Good-passw0rd")
                .await
                .is_some()
        );
        assert_eq!(
            reopened.by_sub(&user.sub).await.map(|u| u.email),
            Some(user.email)
        );
    }
}
