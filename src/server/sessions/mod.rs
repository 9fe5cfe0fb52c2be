//! Where each person is signed in: a book per person in the shared state (memory or Redis, as the
//! rate limits are), with an entry per sign-in, named by the `origin_jti` every token of that
//! sign-in carries (hashed: the book never holds a token's claim as it is). An entry is written
//! when its sign-in is first seen and at most once a minute after, and kept for
//! `SESSION_MAX_AGE_DAYS` after it was last seen.
//!
//! Ending one session marks its entry; signing out everywhere notes the moment, and every access
//! token issued before it is refused from then on, whatever its expiry: Cognito's revocation
//! stops refreshes, not tokens already issued to verifiers that check them alone.
//!
//! Checking a request never fails it for want of the shared state: when the book cannot be read
//! the request goes ahead (and the log says so), as signing in does. Changes to the book fail
//! with [`Unavailable`] instead, and nothing is half-done.

use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::{
    AppState,
    activity::device,
    http::requester::Requester,
    session::CurrentUser,
    shared_state::{SharedState, Unavailable},
};

/// Sign-ins of one person kept at most: the most recently seen.
const KEPT: usize = 30;
/// How often a session's "last seen" is written at most.
const TOUCH_EVERY_SECS: i64 = 60;
/// Changes to one person's book wait this long for another change to finish.
const LOCK_WAIT: Duration = Duration::from_secs(2);
const LOCK_LEASE: Duration = Duration::from_secs(5);

/// How a session reaches the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A browser, with the session cookies.
    Browser,
    /// A native app, with a bearer token.
    App,
}

/// One person's sign-ins, as kept.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Book {
    /// Unix seconds of the last "sign out everywhere": tokens issued before are refused.
    #[serde(default)]
    signed_out_before: Option<i64>,
    #[serde(default)]
    sessions: Vec<Entry>,
}

/// One sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub kind: SessionKind,
    /// The browser's or app's user agent (its first [`MAX_USER_AGENT`] bytes): named for the
    /// reader when shown, in their language.
    #[serde(default)]
    pub user_agent: Option<String>,
    pub address: Option<String>,
    /// Unix seconds: when the person typed their password for it.
    pub signed_in_at: i64,
    pub last_seen_at: i64,
    /// Signed out from another session: refused from its next request on.
    #[serde(default)]
    pub ended: bool,
}

/// User agents are rarely longer; the rest names nothing a person would recognise.
const MAX_USER_AGENT: usize = 512;

impl Entry {
    /// "Chrome on macOS", in the reader's language.
    pub fn device(&self) -> Option<String> {
        self.user_agent.as_deref().and_then(device::name)
    }

    /// The device, as the activity log keeps it.
    pub fn device_kept(&self) -> Option<device::Device> {
        self.user_agent.as_deref().and_then(device::Device::of)
    }
}

/// Whether a request's session may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Signed out from another device.
    Ended,
    /// The person signed out everywhere after this token was issued.
    SignedOutEverywhere,
}

/// The public name of the session `user` signed in with: not the claim itself.
pub fn id_of(user: &CurrentUser) -> Option<String> {
    let origin = user.session_id.as_deref()?;
    let hash = digest(&SHA256, format!("session:{origin}").as_bytes());
    Some(URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16]))
}

fn book_key(sub: &str) -> String {
    format!("sessions:{sub}")
}

async fn read(shared: &SharedState, sub: &str) -> Result<Book, Unavailable> {
    Ok(shared
        .get(&book_key(sub))
        .await?
        .and_then(|stored| serde_json::from_str(&stored).ok())
        .unwrap_or_default())
}

/// Changes the person's book under its lock, and keeps it for `keep` more.
async fn change(
    state: &AppState,
    sub: &str,
    edit: impl FnOnce(&mut Book),
) -> Result<Book, Unavailable> {
    let shared = &state.shared;
    let keep = state.config.session.max_age;
    let key = book_key(sub);
    let work = async {
        let mut book = read(shared, sub).await?;
        edit(&mut book);
        let oldest = state.clock.now().unix_timestamp() - seconds(keep);
        book.sessions.retain(|entry| entry.last_seen_at >= oldest);
        book.sessions
            .sort_by_key(|entry| std::cmp::Reverse(entry.last_seen_at));
        book.sessions.truncate(KEPT);
        let stored = serde_json::to_string(&book).map_err(|_| Unavailable)?;
        shared.put(&key, &stored, keep).await?;
        Ok(book)
    };
    shared
        .locked(&format!("sessions:{sub}"), LOCK_LEASE, LOCK_WAIT, work)
        .await?
        .unwrap_or(Err(Unavailable))
}

fn seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

/// Whether the session of this request may go on; notes when it was last seen (at most once a
/// minute).
pub async fn admit(
    state: &AppState,
    user: &CurrentUser,
    from: &Requester,
    kind: SessionKind,
) -> Admission {
    let book = match read(&state.shared, &user.sub).await {
        Ok(book) => book,
        Err(Unavailable) => {
            warn!(
                "the session could not be checked against sign-outs: the shared state did not answer"
            );
            return Admission::Admitted;
        }
    };
    // Whole seconds: a token of the same second as the sign-out is refused too.
    if book
        .signed_out_before
        .is_some_and(|before| user.issued_at <= before)
    {
        return Admission::SignedOutEverywhere;
    }
    let Some(id) = id_of(user) else {
        return Admission::Admitted;
    };
    let now = state.clock.now().unix_timestamp();
    match book.sessions.iter().find(|entry| entry.id == id) {
        Some(entry) if entry.ended => return Admission::Ended,
        Some(entry) if now - entry.last_seen_at < TOUCH_EVERY_SECS => {}
        _ => {
            let seen = Entry {
                id: id.clone(),
                kind,
                user_agent: from.user_agent.as_deref().map(|agent| {
                    let mut end = agent.len().min(MAX_USER_AGENT);
                    while !agent.is_char_boundary(end) {
                        end -= 1;
                    }
                    agent[..end].to_owned()
                }),
                address: from.ip.map(|ip| ip.to_string()),
                signed_in_at: user.auth_time,
                last_seen_at: now,
                ended: false,
            };
            let touched = change(state, &user.sub, |book| {
                match book.sessions.iter_mut().find(|entry| entry.id == id) {
                    // Ended meanwhile: it stays ended.
                    Some(entry) => {
                        entry.last_seen_at = now;
                        entry.address = seen.address.clone().or(entry.address.take());
                    }
                    None => book.sessions.push(seen),
                }
            })
            .await;
            if touched.is_err() {
                warn!("a session's last use was not noted: the shared state did not answer");
            }
        }
    }
    Admission::Admitted
}

/// When the person last signed out everywhere, if they did.
pub async fn signed_out_before(state: &AppState, sub: &str) -> Result<Option<i64>, Unavailable> {
    Ok(read(&state.shared, sub).await?.signed_out_before)
}

/// The person's sign-ins the book knows, newest seen first, ended ones included, and when they
/// last signed out everywhere.
pub async fn entries(
    state: &AppState,
    sub: &str,
) -> Result<(Vec<Entry>, Option<i64>), Unavailable> {
    let book = read(&state.shared, sub).await?;
    Ok((book.sessions, book.signed_out_before))
}

/// Ends the session `id` of `sub`, which is refused from its next request on: the entry as it
/// was, or `None` when `sub` has no live session of that id.
pub async fn end(state: &AppState, sub: &str, id: &str) -> Result<Option<Entry>, Unavailable> {
    let mut ended = None;
    change(state, sub, |book| {
        if let Some(entry) = book
            .sessions
            .iter_mut()
            .find(|entry| entry.id == id && !entry.ended)
        {
            entry.ended = true;
            ended = Some(entry.clone());
        }
    })
    .await?;
    Ok(ended)
}

/// Ends the session `id` of `sub` that the book never saw (a sign-in known only from
/// Authsignal's log): should it come back, it is refused.
pub async fn end_unlisted(state: &AppState, sub: &str, id: &str) -> Result<(), Unavailable> {
    let now = state.clock.now().unix_timestamp();
    change(state, sub, |book| {
        if !book.sessions.iter().any(|entry| entry.id == id) {
            book.sessions.push(Entry {
                id: id.to_owned(),
                kind: SessionKind::Browser,
                user_agent: None,
                address: None,
                signed_in_at: now,
                last_seen_at: now,
                ended: true,
            });
        }
    })
    .await
    .map(drop)
}

/// Refuses every token of `sub` issued before `now`, and ends every session the book knows.
pub async fn end_all(state: &AppState, sub: &str, now: i64) -> Result<(), Unavailable> {
    change(state, sub, |book| {
        book.signed_out_before = Some(now);
        for entry in &mut book.sessions {
            entry.ended = true;
        }
    })
    .await
    .map(drop)
}

/// The person signed out of this session themselves: it leaves the list, and a copy of its
/// tokens kept somewhere is refused.
pub async fn forget(state: &AppState, user: &CurrentUser) {
    let Some(id) = id_of(user) else { return };
    let forgotten = change(state, &user.sub, |book| {
        if let Some(entry) = book.sessions.iter_mut().find(|entry| entry.id == id) {
            entry.ended = true;
        }
    })
    .await;
    if forgotten.is_err() {
        warn!("a signed-out session was not taken off the list: the shared state did not answer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(origin: Option<&str>) -> CurrentUser {
        CurrentUser {
            sub: "sub".into(),
            username: "sub".into(),
            email: None,
            email_verified: false,
            auth_time: 0,
            issued_at: 0,
            session_id: origin.map(str::to_owned),
        }
    }

    #[test]
    fn a_session_is_named_by_its_sign_in_but_never_by_the_claim_itself() {
        let one = id_of(&user(Some("origin-1"))).unwrap();
        assert_eq!(id_of(&user(Some("origin-1"))).unwrap(), one);
        assert_ne!(id_of(&user(Some("origin-2"))).unwrap(), one);
        assert!(!one.contains("origin"));
        assert_eq!(one.len(), 22);
        assert_eq!(id_of(&user(None)), None);
    }
}
