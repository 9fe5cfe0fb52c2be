use leptos::prelude::*;
use leptos_meta::Title;

use super::address::use_query;
use crate::model::seconds_in_words;

/// A wait longer than this in the URL is not one the server set.
const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// Why someone is on the signed-out page: after signing out, or a sign-in that could not be
/// completed. Only these fixed codes travel in the URL, so nothing from outside is displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedOutReason {
    SignedOut,
    /// The hosted page answered `access_denied`.
    Cancelled,
    /// No sign-in was pending in this browser: too slow, or started elsewhere.
    FlowExpired,
    /// The callback's `state` was not this browser's.
    StateMismatch,
    /// Cognito refused the code: used, expired, or the PKCE verifier did not match.
    CodeRejected,
    /// Another error from the hosted page, or no code.
    SignInFailed,
    /// Cognito's tokens did not verify.
    TokenRejected,
    /// Cognito could not be reached.
    Unavailable,
    /// Too many sign-ins from one address.
    RateLimited,
    /// Signed out here, but Cognito did not confirm that the refresh token was revoked.
    RevocationUnconfirmed,
    /// Cognito's tokens are too large for the browser's cookies.
    SessionTooLarge,
}

impl SignedOutReason {
    pub const ALL: [Self; 11] = [
        Self::SignedOut,
        Self::Cancelled,
        Self::FlowExpired,
        Self::StateMismatch,
        Self::CodeRejected,
        Self::SignInFailed,
        Self::TokenRejected,
        Self::Unavailable,
        Self::RateLimited,
        Self::RevocationUnconfirmed,
        Self::SessionTooLarge,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SignedOut => "signed-out",
            Self::Cancelled => "cancelled",
            Self::FlowExpired => "expired",
            Self::StateMismatch => "state-mismatch",
            Self::CodeRejected => "code-rejected",
            Self::SignInFailed => "failed",
            Self::TokenRejected => "token-rejected",
            Self::Unavailable => "unavailable",
            Self::RateLimited => "rate-limited",
            Self::RevocationUnconfirmed => "revocation-unconfirmed",
            Self::SessionTooLarge => "session-too-large",
        }
    }

    /// Unknown codes read as a plain sign-out.
    pub fn from_code(code: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|reason| Some(reason.code()) == code)
            .unwrap_or(Self::SignedOut)
    }

    /// Where the browser is sent to read about it.
    pub fn path(self) -> String {
        match self {
            Self::SignedOut => "/signed-out".to_owned(),
            reason => format!("/signed-out?reason={}", reason.code()),
        }
    }

    pub fn heading(self) -> &'static str {
        match self {
            Self::SignedOut => "You are signed out",
            Self::Cancelled => "Sign-in was cancelled",
            Self::FlowExpired => "Sign-in took too long",
            Self::StateMismatch | Self::SignInFailed => "Sign-in could not be completed",
            Self::CodeRejected => "This sign-in has expired",
            Self::TokenRejected => "Sign-in could not be verified",
            Self::Unavailable => "The sign-in service is not available",
            Self::RateLimited => "Too many sign-ins",
            Self::RevocationUnconfirmed => "You are signed out on this browser",
            Self::SessionTooLarge => "Your session could not be kept",
        }
    }

    /// What happened and what to do; `retry_after` is the wait the server asked for, when it
    /// refused a sign-in for coming too often.
    pub fn message(self, retry_after: Option<u64>) -> String {
        if let (Self::RateLimited, Some(seconds)) = (self, retry_after) {
            return format!(
                "Too many sign-ins came from your network in a short time. Wait {}, then sign in again.",
                seconds_in_words(seconds)
            );
        }
        self.fixed_message().to_owned()
    }

    fn fixed_message(self) -> &'static str {
        match self {
            Self::SignedOut => "You signed out of Account Security on this browser.",
            Self::Cancelled => {
                "The sign-in page reported that sign-in was cancelled. You are not signed in."
            }
            Self::FlowExpired => {
                "This sign-in started too long ago, or in another browser. You are not signed in."
            }
            Self::StateMismatch => {
                "This sign-in did not match the one this browser started, so it was stopped to protect your account. You are not signed in."
            }
            Self::CodeRejected => {
                "Its one-time code was already used or has expired. You are not signed in."
            }
            Self::SignInFailed => "The sign-in page returned an error. You are not signed in.",
            Self::TokenRejected => {
                "The sign-in service returned a session that could not be verified, so you were not signed in."
            }
            Self::Unavailable => {
                "We could not reach the sign-in service. Nothing has changed in your account; try again in a minute."
            }
            Self::RateLimited => {
                "Too many sign-ins came from your network in a short time. Wait a minute, then sign in again."
            }
            Self::RevocationUnconfirmed => {
                "The sign-in service did not confirm that your session was ended, so other devices or copies of this session may stay signed in until it expires. Finish signing out below; if it keeps failing, change your password."
            }
            Self::SessionTooLarge => {
                "The sign-in service gave this browser a session too large to keep, so you are not signed in. Nothing in your account has changed; tell your administrator that the session is too large (too many groups or attributes)."
            }
        }
    }
}

/// After signing out, and wherever a sign-in could not be completed.
#[component]
pub fn SignedOutPage() -> impl IntoView {
    let reason = use_query("reason");
    let reason = Memo::new(move |_| SignedOutReason::from_code(reason.read().as_deref()));
    let retry_after = use_query("retry_after");
    let retry_after = Memo::new(move |_| {
        retry_after
            .get()
            .and_then(|value| value.parse::<u64>().ok())
            .filter(|seconds| *seconds <= MAX_RETRY_AFTER_SECS)
    });
    view! {
        <Title text=move || reason.get().heading() />
        <main class="page narrow">
            <h1>{move || reason.get().heading()}</h1>
            <p class="lead">{move || reason.get().message(retry_after.get())}</p>
            <Show when=move || reason.get() == SignedOutReason::RevocationUnconfirmed>
                // Signing out again ends the managed-login session and tries the revocation
                // once more, as far as anything is left to revoke.
                <form method="post" action="/auth/sign-out">
                    <button type="submit" class="button primary">
                        "Finish signing out"
                    </button>
                </form>
            </Show>
            <p>
                <a class="button primary" href="/auth/sign-in">
                    "Sign in again"
                </a>
            </p>
            <p>
                <a href="/">"Go to the start page"</a>
            </p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_through_its_code() {
        for reason in SignedOutReason::ALL {
            assert_eq!(SignedOutReason::from_code(Some(reason.code())), reason);
            assert!(reason.message(None).ends_with('.'), "{reason:?}");
        }
        assert_eq!(
            SignedOutReason::from_code(Some("<script>")),
            SignedOutReason::SignedOut
        );
        assert_eq!(SignedOutReason::from_code(None), SignedOutReason::SignedOut);
        assert_eq!(
            SignedOutReason::CodeRejected.path(),
            "/signed-out?reason=code-rejected"
        );
    }

    #[test]
    fn a_refused_sign_in_says_how_long_to_wait() {
        assert_eq!(
            SignedOutReason::RateLimited.message(Some(42)),
            "Too many sign-ins came from your network in a short time. Wait 42 seconds, then sign in again."
        );
        assert!(
            SignedOutReason::RateLimited
                .message(None)
                .contains("Wait a minute")
        );
        assert_eq!(
            SignedOutReason::SignedOut.message(Some(42)),
            SignedOutReason::SignedOut.message(None)
        );
    }
}
