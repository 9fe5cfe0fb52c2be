//! Step-up: proof, at most `STEP_UP_WINDOW_MINUTES` old, that the person just passed a
//! challenge, before any change to their sign-in methods. A live session alone is never enough
//! (GitHub's sudo mode, Clerk's reverification).
//!
//! Someone with methods proves it with one of them, through Authsignal: the server tracks a
//! `stepUp` action without the `add:authenticators` scope, the browser or app runs the Client
//! API's challenge and verify, and the server validates the resulting token (valid,
//! `CHALLENGE_SUCCEEDED`, this person, this action, fresh, and never accepted twice) before it
//! seals a proof. Someone with no method yet proves it with a fresh Cognito sign-in.
//!
//! The proof is AES-256-GCM sealed with a key derived from `SESSION_KEY`, so every instance
//! opens what any instance sealed, and no client can read or forge it. It names the person and
//! the sign-in (`origin_jti`), so signing out, signing in again or another person's session
//! makes it worthless. The page keeps it in an HttpOnly cookie; native apps send it as the
//! `Step-Up-Token` header. It never travels in a URL.

use std::time::Duration;

use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    hkdf::{HKDF_SHA256, Salt},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppState, account, http::requester::Requester, session::CurrentUser};
use crate::model::{AppError, ClientApiTicket, StepUpVia, VerificationMethod};

/// The action tracked for a step-up challenge.
pub const STEP_UP: &str = "stepUp";

/// What the key is derived for, so it is never the cookies' key.
const KEY_INFO: &[u8] = b"account-security step-up proof v1";
/// Sealed into every proof: a sealed value of any other kind does not open as one.
const AAD: &[u8] = b"step-up-proof";
/// Clocks differ a little: a challenge this far "in the future" is still this one.
const CLOCK_SKEW_SECS: i64 = 60;
/// An Authsignal token lives 10 minutes; a used one is remembered for longer than it and the
/// window together.
const AUTHSIGNAL_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// What a proof says, sealed.
#[derive(Serialize, Deserialize)]
struct Proof {
    sub: String,
    session: String,
    /// Unix seconds.
    expires_at: i64,
    method: Option<VerificationMethod>,
}

/// Seals and opens proofs.
pub struct StepUp {
    key: LessSafeKey,
    window: Duration,
}

/// A proof just sealed, and when it lapses.
pub struct Granted {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl StepUp {
    /// `master` is the session key's master bytes.
    pub fn new(master: &[u8], window: Duration) -> Self {
        let prk = Salt::new(HKDF_SHA256, &[]).extract(master);
        let key = prk
            .expand(&[KEY_INFO], &AES_256_GCM)
            .map(UnboundKey::from)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA-256 output length"));
        Self {
            key: LessSafeKey::new(key),
            window,
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Seconds left in the window that `token` grants this person in this sign-in, if any.
    pub fn remaining(
        &self,
        token: Option<&str>,
        user: &CurrentUser,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let proof = self.open(token?)?;
        let left = proof.expires_at - now.unix_timestamp();
        (proof.sub == user.sub && proof.session == user.session_id && left > 0)
            .then_some(left.unsigned_abs())
    }

    fn grant(
        &self,
        user: &CurrentUser,
        method: Option<VerificationMethod>,
        now: OffsetDateTime,
    ) -> Result<Granted, AppError> {
        let expires_at = now + self.window;
        let proof = Proof {
            sub: user.sub.clone(),
            session: user.session_id.clone(),
            expires_at: expires_at.unix_timestamp(),
            method,
        };
        let mut sealed = serde_json::to_vec(&proof)
            .map_err(|error| AppError::Internal(format!("a proof did not serialise: {error}")))?;
        let mut nonce = [0_u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| AppError::Internal("no randomness for a proof".to_owned()))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(AAD),
                &mut sealed,
            )
            .map_err(|_| AppError::Internal("a proof could not be sealed".to_owned()))?;
        let mut token = nonce.to_vec();
        token.append(&mut sealed);
        Ok(Granted {
            token: URL_SAFE_NO_PAD.encode(token),
            expires_at,
        })
    }

    fn open(&self, token: &str) -> Option<Proof> {
        // A proof is a hundred-odd bytes; anything far larger is not one.
        if token.len() > 1024 {
            return None;
        }
        let mut bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).ok()?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(AAD), &mut sealed)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }
}

/// Whether the person may change their sign-in methods now: `proof` is valid for them in this
/// sign-in, or they have no method yet and signed in within the window. Otherwise the error
/// says how to step up.
pub async fn require(
    state: &AppState,
    user: &CurrentUser,
    proof: Option<&str>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    if state.step_up.remaining(proof, user, now).is_some() {
        return Ok(());
    }
    if !account::authenticators(&state.authsignal, &user.sub)
        .await?
        .is_empty()
    {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::Method,
        });
    }
    if signed_in_recently(state, user, now) {
        Ok(())
    } else {
        Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        })
    }
}

/// What opening Authsignal's pre-built UI in settings mode needs. Authsignal challenges a person
/// who has a method before it shows them any change: the visit is tracked without the
/// `add:authenticators` scope, the one thing that skips that challenge (authsignal-api.md,
/// `redirectToSettings` and the pre-built UI's scopes). Someone with no method would add their
/// first one there unchallenged, so they need what a first method needs here: a recent sign-in
/// (or a window already open).
pub async fn require_for_prebuilt(
    state: &AppState,
    user: &CurrentUser,
    proof: Option<&str>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    if state.step_up.remaining(proof, user, now).is_some()
        || signed_in_recently(state, user, now)
        || !account::authenticators(&state.authsignal, &user.sub)
            .await?
            .is_empty()
    {
        Ok(())
    } else {
        Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        })
    }
}

/// The person typed their password within the window.
fn signed_in_recently(state: &AppState, user: &CurrentUser, now: OffsetDateTime) -> bool {
    let window = i64::try_from(state.step_up.window().as_secs()).unwrap_or(i64::MAX);
    let age = now.unix_timestamp() - user.auth_time;
    (-CLOCK_SKEW_SECS..=window).contains(&age)
}

/// A token for the challenge only: a `stepUp` action, tracked without the `add:authenticators`
/// scope. Someone without a method has nothing to challenge and must sign in again.
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    from: &Requester,
) -> Result<ClientApiTicket, AppError> {
    if account::authenticators(&state.authsignal, &user.sub)
        .await?
        .iter()
        .all(|authenticator| !authenticator.verification_method.can_step_up())
    {
        return Err(AppError::StepUpRequired {
            via: StepUpVia::SignIn,
        });
    }
    let track = state
        .authsignal
        .track(&user.sub, STEP_UP, &from.attributes())
        .await?;
    let track = account::allowed(track)?;
    Ok(account::ticket(&state.authsignal, track.token.expose()))
}

/// Turns the token a Client API verify returned into a proof, if Authsignal says it is a
/// challenge this person passed for this action just now, and it was never used before.
pub async fn complete(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
) -> Result<Granted, AppError> {
    if token.is_empty() || token.len() > account::MAX_TOKEN_LENGTH {
        return Err(not_accepted());
    }
    let validation = match state
        .authsignal
        .validate_challenge(token, Some(&user.sub), Some(STEP_UP))
        .await
    {
        Ok(validation) => validation,
        Err(error) if error.is_refusal() => return Err(not_accepted()),
        Err(error) => return Err(error.into()),
    };
    let now = state.clock.now();
    let fresh = validation.state_updated_at.is_some_and(|passed| {
        let age = (now - passed).whole_seconds();
        (-CLOCK_SKEW_SECS..=i64::try_from(state.step_up.window().as_secs()).unwrap_or(0))
            .contains(&age)
    });
    let Some(action) = validation
        .idempotency_key
        .as_deref()
        .filter(|_| validation.succeeded_for(&user.sub))
        .filter(|_| validation.action() == Some(STEP_UP))
        .filter(|_| fresh)
    else {
        return Err(not_accepted());
    };
    let once = format!("step-up:{}:{action}", user.sub);
    if !state
        .shared
        .first_sighting(&once, AUTHSIGNAL_TOKEN_LIFETIME + state.step_up.window())
        .await?
    {
        tracing::info!("a step-up token was presented again and refused");
        return Err(not_accepted());
    }
    tracing::info!(method = ?validation.verification_method, "stepped up");
    state
        .step_up
        .grant(user, validation.verification_method, now)
}

fn not_accepted() -> AppError {
    AppError::invalid(
        "token",
        "That verification was not accepted: it is not yours, was used already, or is too old. Verify it's you again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(sub: &str, session: &str) -> CurrentUser {
        CurrentUser {
            sub: sub.into(),
            username: sub.into(),
            email: None,
            auth_time: 0,
            session_id: session.into(),
        }
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
            .grant(&jane, Some(VerificationMethod::EmailOtp), now)
            .unwrap();
        let token = Some(granted.token.as_str());
        assert_eq!(step_up.remaining(token, &jane, now), Some(600));
        assert_eq!(
            step_up.remaining(token, &jane, now + time::Duration::seconds(599)),
            Some(1)
        );
        assert_eq!(
            step_up.remaining(token, &jane, now + time::Duration::seconds(600)),
            None
        );
        assert_eq!(
            step_up.remaining(token, &user("john", "sign-in-1"), now),
            None
        );
        assert_eq!(
            step_up.remaining(token, &user("jane", "sign-in-2"), now),
            None
        );
    }

    #[test]
    fn a_proof_cannot_be_read_forged_or_moved_to_another_key() {
        let step_up = step_up();
        let jane = user("jane", "s");
        let now = OffsetDateTime::now_utc();
        let token = step_up.grant(&jane, None, now).unwrap().token;
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
            assert_eq!(step_up.remaining(Some(&bad), &jane, now), None, "{bad}");
        }
        assert_eq!(other_key.remaining(Some(&token), &jane, now), None);
    }
}
