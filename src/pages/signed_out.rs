use leptos::prelude::*;
use leptos_meta::Title;

use super::address::use_query;
use crate::{
    model::seconds_in_words,
    paths::{Page, SIGN_IN, SIGN_OUT, SignedOutReason, query},
};

/// A wait longer than this in the URL is not one the server set.
const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// What each reason tells the person.
impl SignedOutReason {
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
            Self::SessionEnded => "You were signed out from another device",
            Self::SignedOutEverywhere | Self::SignedOutEverywhereHereOnly => {
                "You signed out everywhere"
            }
            Self::StillSignedOutEverywhere => "Sign in with your password",
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
            Self::SessionEnded => {
                "Someone signed in to your account signed this browser out. If that wasn't you, sign in, then sign out everywhere and change your password."
            }
            Self::SignedOutEverywhere => {
                "Every device and app signed in to your account is signed out, this browser too. Sign in again here, then change your password if you think someone else had access."
            }
            Self::SignedOutEverywhereHereOnly => {
                "Every device and app signed in to your account is refused here from now on, this browser too. The sign-in service could not be reached to end their sessions there as well, so other apps that use your account may stay signed in for up to an hour: change your password to be sure."
            }
            Self::StillSignedOutEverywhere => {
                "You signed out everywhere, and the sign-in service signed you straight back in without asking for your password, so you are not signed in. Wait an hour, or sign in on another browser, then sign in with your password."
            }
        }
    }
}

/// After signing out, and wherever a sign-in could not be completed.
#[component]
pub fn SignedOutPage() -> impl IntoView {
    let reason = use_query(query::REASON);
    let reason = Memo::new(move |_| SignedOutReason::from_code(reason.read().as_deref()));
    let retry_after = use_query(query::RETRY_AFTER);
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
                <form method="post" action=SIGN_OUT>
                    <button type="submit" class="button primary">
                        "Finish signing out"
                    </button>
                </form>
            </Show>
            <p>
                <a class="button primary" href=SIGN_IN>
                    "Sign in again"
                </a>
            </p>
            <p>
                <a href=Page::Home.path()>"Go to the start page"</a>
            </p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_told_in_a_sentence() {
        for reason in SignedOutReason::ALL {
            assert!(reason.message(None).ends_with('.'), "{reason:?}");
        }
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
