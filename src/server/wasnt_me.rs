//! The "Wasn't you?" link in every notice that tells of a change: it names the change it came
//! from, is sealed by this server (so it cannot be made up or altered), expires, and acts once.
//! Followed, it leads to the security page, which after sign-in and a step-up offers, in one
//! confirmation, to sign out everywhere and, when the change added a method, remove it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use super::{
    change::{Change, ChangeKind},
    seal::Sealer,
};
use crate::{model::AppError, paths::query};

/// How long a link works: a notice read after a week is old news.
const LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
const PURPOSE: &[u8] = b"account-security wasnt-me link v1";
/// A link's token is a few hundred bytes.
const MAX_LEN: usize = 2048;

/// What a link says, sealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Names the link, so it acts once.
    pub id: String,
    /// Whose change it was: only they can use it.
    pub sub: String,
    pub kind: ChangeKind,
    /// The method an addition added, to remove it.
    pub added: Option<String>,
    /// How the notice named the change: "an email code j•••@example.com was added".
    pub what: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Makes and opens the links.
pub struct WasntMe {
    sealer: Sealer,
    security_url: Url,
}

impl WasntMe {
    pub fn new(master: &[u8], security_url: Url) -> Self {
        Self {
            sealer: Sealer::new(master, PURPOSE, MAX_LEN),
            security_url,
        }
    }

    /// The link for a notice of `change` to `sub`, sent at `now` (Unix seconds).
    pub fn link(
        &self,
        sub: &str,
        change: &Change,
        what: &str,
        now: i64,
    ) -> Result<String, AppError> {
        let claim = Claim {
            id: Sealer::random_id()?,
            sub: sub.to_owned(),
            kind: change.kind,
            added: (change.kind == ChangeKind::Added).then(|| change.about.clone()),
            what: what.to_owned(),
            expires_at: now + i64::try_from(LIFETIME.as_secs()).unwrap_or(i64::MAX),
        };
        let mut url = self.security_url.clone();
        url.query_pairs_mut()
            .append_pair(query::WASNT_ME, &self.sealer.seal(&claim)?);
        Ok(url.to_string())
    }

    /// What the link `token` says, if it is `sub`'s and has not expired at `now`.
    pub fn open(&self, token: &str, sub: &str, now: i64) -> Option<Claim> {
        self.sealer
            .open::<Claim>(token)
            .filter(|claim| claim.sub == sub && claim.expires_at > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationMethod;

    fn added() -> Change {
        Change {
            kind: ChangeKind::Added,
            about: "authenticator-1".into(),
            method: Some(VerificationMethod::Sms),
            identifier: None,
            at: time::macros::datetime!(2026-12-01 22:41 UTC),
            device: None,
            address: None,
        }
    }

    fn token_of(link: &str) -> String {
        Url::parse(link)
            .unwrap()
            .query_pairs()
            .find(|(name, _)| name == query::WASNT_ME)
            .unwrap()
            .1
            .into_owned()
    }

    /// One character in the middle changed, so that every bit of it counts.
    fn altered(token: &str) -> String {
        let mut chars: Vec<char> = token.chars().collect();
        let middle = chars.len() / 2;
        chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    }

    #[test]
    fn a_link_opens_for_its_person_until_it_expires() {
        let links = WasntMe::new(&[7; 64], Url::parse("https://a.example/security").unwrap());
        let link = links
            .link("jane", &added(), "a text message code was added", 1000)
            .unwrap();
        assert!(
            link.starts_with("https://a.example/security?wasnt_me="),
            "{link}"
        );
        let token = token_of(&link);
        let claim = links.open(&token, "jane", 1001).unwrap();
        assert_eq!(claim.added.as_deref(), Some("authenticator-1"));
        assert_eq!(claim.what, "a text message code was added");
        assert_eq!(links.open(&token, "john", 1001), None, "someone else's");
        assert_eq!(
            links.open(&token, "jane", 1000 + 7 * 24 * 3600),
            None,
            "expired"
        );
        assert_eq!(links.open(&altered(&token), "jane", 1001), None, "altered");
        let other = WasntMe::new(&[8; 64], Url::parse("https://a.example/security").unwrap());
        assert_eq!(other.open(&token, "jane", 1001), None, "another server's");
    }
}
