//! The sealed proof of a step-up: AES-256-GCM with a key derived from `SESSION_KEY`, so every
//! instance opens what any instance sealed, and no client can read or forge it. It names the
//! person and the sign-in, when it lapses (a window after the challenge was passed), and itself:
//! an id by which "End now" and signing out end it everywhere.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    i18n::tr,
    model::{AppError, VerificationMethod},
    server::{seal::Sealer, session::CurrentUser},
};

/// What the key is derived for, so it is never the cookies' key, and what every proof is
/// sealed with: a sealed value of any other kind does not open as one.
const PURPOSE: &[u8] = b"account-security step-up proof v1";
/// A proof is a hundred-odd bytes; anything far larger is not one.
const MAX_LEN: usize = 1024;

/// What a proof says, sealed.
#[derive(Serialize, Deserialize)]
struct Proof {
    id: String,
    sub: String,
    session: String,
    /// Unix seconds.
    expires_at: i64,
    method: Option<VerificationMethod>,
}

/// Seals and opens proofs.
pub struct StepUp {
    sealer: Sealer,
    window: Duration,
}

/// A proof just sealed, and when it lapses.
pub struct Granted {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// A proof that opened for its person and sign-in.
pub struct Opened {
    pub id: String,
    /// Seconds left; none once lapsed.
    pub remaining_secs: Option<u64>,
}

impl StepUp {
    /// `master` is the session key's master bytes.
    pub fn new(master: &[u8], window: Duration) -> Self {
        Self {
            sealer: Sealer::new(master, PURPOSE, MAX_LEN),
            window,
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// `token`, if it is a proof of this person in this sign-in, with the seconds it has left.
    pub fn open_for(
        &self,
        token: Option<&str>,
        user: &CurrentUser,
        now: OffsetDateTime,
    ) -> Option<Opened> {
        let proof = self.open(token?)?;
        if proof.sub != user.sub || Some(&proof.session) != user.session_id.as_ref() {
            return None;
        }
        let left = proof.expires_at - now.unix_timestamp();
        Some(Opened {
            id: proof.id,
            remaining_secs: (left > 0).then_some(left.unsigned_abs()),
        })
    }

    /// `token`, if it is a proof, whoever's: for ending it.
    pub fn open_any(&self, token: &str, now: OffsetDateTime) -> Option<Opened> {
        let proof = self.open(token)?;
        let left = proof.expires_at - now.unix_timestamp();
        Some(Opened {
            id: proof.id,
            remaining_secs: (left > 0).then_some(left.unsigned_abs()),
        })
    }

    /// A proof for `user` in this sign-in, which lapses a window after the challenge was
    /// `passed_at` (never later than a window from `now`). A sign-in Cognito gave no
    /// `origin_jti` has nothing to bind it to, and gets none.
    pub(super) fn grant(
        &self,
        user: &CurrentUser,
        method: Option<VerificationMethod>,
        passed_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Granted, AppError> {
        let Some(session) = user.session_id.clone() else {
            return Err(no_session_id());
        };
        let expires_at = (passed_at + self.window).min(now + self.window);
        let proof = Proof {
            id: Sealer::random_id()?,
            sub: user.sub.clone(),
            session,
            expires_at: expires_at.unix_timestamp(),
            method,
        };
        Ok(Granted {
            token: self.sealer.seal(&proof)?,
            expires_at,
        })
    }

    fn open(&self, token: &str) -> Option<Proof> {
        self.sealer.open(token)
    }
}

/// A sign-in whose tokens carry no `origin_jti` cannot be stepped up in.
pub(super) fn no_session_id() -> AppError {
    tracing::error!(
        "no step-up without origin_jti: turn on token revocation for the Cognito app client"
    );
    AppError::Internal(tr::account_no_session_id().to_owned())
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    use super::*;

    fn user(sub: &str, session: &str) -> CurrentUser {
        CurrentUser {
            sub: sub.into(),
            username: sub.into(),
            email: None,
            email_verified: false,
            auth_time: 0,
            issued_at: 0,
            session_id: Some(session.into()),
        }
    }

    fn remaining(
        step_up: &StepUp,
        token: Option<&str>,
        user: &CurrentUser,
        now: OffsetDateTime,
    ) -> Option<u64> {
        step_up
            .open_for(token, user, now)
            .and_then(|opened| opened.remaining_secs)
    }

    fn step_up() -> StepUp {
        StepUp::new(&[7; 64], Duration::from_secs(600))
    }

    #[test]
    fn a_proof_holds_for_its_person_and_sign_in_until_the_window_ends() {
        let step_up = step_up();
        let jane = user("jane", "sign-in-1");
        let now = OffsetDateTime::now_utc();
        let granted = step_up
            .grant(&jane, Some(VerificationMethod::EmailOtp), now, now)
            .unwrap();
        let token = Some(granted.token.as_str());
        assert_eq!(remaining(&step_up, token, &jane, now), Some(600));
        assert_eq!(
            remaining(&step_up, token, &jane, now + time::Duration::seconds(599)),
            Some(1)
        );
        assert_eq!(
            remaining(&step_up, token, &jane, now + time::Duration::seconds(600)),
            None
        );
        assert_eq!(
            remaining(&step_up, token, &user("john", "sign-in-1"), now),
            None
        );
        assert_eq!(
            remaining(&step_up, token, &user("jane", "sign-in-2"), now),
            None
        );
    }

    #[test]
    fn a_proof_cannot_be_read_forged_or_moved_to_another_key() {
        let step_up = step_up();
        let jane = user("jane", "s");
        let now = OffsetDateTime::now_utc();
        let token = step_up.grant(&jane, None, now, now).unwrap().token;
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("jane"));
        let mut tampered = bytes.clone();
        tampered[20] ^= 1;
        let other_key = StepUp::new(&[8; 64], Duration::from_secs(600));
        for bad in [
            URL_SAFE_NO_PAD.encode(tampered),
            "".to_owned(),
            "not base64!".to_owned(),
            URL_SAFE_NO_PAD.encode([0_u8; 12]),
            "A".repeat(2000),
        ] {
            assert_eq!(remaining(&step_up, Some(&bad), &jane, now), None, "{bad}");
        }
        assert_eq!(remaining(&other_key, Some(&token), &jane, now), None);
    }

    #[test]
    fn the_window_runs_from_the_challenge_not_from_its_completion() {
        let step_up = step_up();
        let jane = user("jane", "s");
        let now = OffsetDateTime::now_utc();
        let passed_at = now - time::Duration::seconds(599);
        let token = step_up.grant(&jane, None, passed_at, now).unwrap().token;
        assert_eq!(remaining(&step_up, Some(&token), &jane, now), Some(1));
        let future = now + time::Duration::seconds(30);
        let token = step_up.grant(&jane, None, future, now).unwrap().token;
        assert_eq!(remaining(&step_up, Some(&token), &jane, now), Some(600));
    }

    #[test]
    fn a_sign_in_without_a_session_id_gets_no_proof() {
        let step_up = step_up();
        let no_session = CurrentUser {
            session_id: None,
            ..user("jane", "s")
        };
        let now = OffsetDateTime::now_utc();
        assert!(step_up.grant(&no_session, None, now, now).is_err());
        let token = step_up
            .grant(&user("jane", "s"), None, now, now)
            .unwrap()
            .token;
        assert_eq!(remaining(&step_up, Some(&token), &no_session, now), None);
    }
}
