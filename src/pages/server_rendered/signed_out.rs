use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    i18n::tr,
    model::seconds_in_words,
    pages::address::use_query,
    paths::{Page, SIGN_IN, SIGN_OUT, SignedOutReason, query},
};

/// A wait longer than this in the URL is not one the server set.
const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// What each reason tells the person.
impl SignedOutReason {
    pub fn heading(self) -> &'static str {
        match self {
            Self::SignedOut => tr::signed_out_heading_signed_out(),
            Self::Cancelled => tr::signed_out_heading_cancelled(),
            Self::FlowExpired => tr::signed_out_heading_flow_expired(),
            Self::StateMismatch | Self::SignInFailed => tr::signed_out_heading_not_completed(),
            Self::CodeRejected => tr::signed_out_heading_code_rejected(),
            Self::TokenRejected => tr::signed_out_heading_token_rejected(),
            Self::Unavailable => tr::signed_out_heading_unavailable(),
            Self::RateLimited => tr::signed_out_heading_rate_limited(),
            Self::RevocationUnconfirmed => tr::signed_out_heading_revocation_unconfirmed(),
            Self::SessionTooLarge => tr::signed_out_heading_session_too_large(),
            Self::SessionEnded => tr::signed_out_heading_session_ended(),
            Self::SignedOutEverywhere | Self::SignedOutEverywhereHereOnly => {
                tr::signed_out_heading_signed_out_everywhere()
            }
            Self::StillSignedOutEverywhere => tr::signed_out_heading_still_signed_out_everywhere(),
        }
    }

    /// What happened and what to do; `retry_after` is the wait the server asked for, when it
    /// refused a sign-in for coming too often.
    pub fn message(self, retry_after: Option<u64>) -> String {
        if let (Self::RateLimited, Some(seconds)) = (self, retry_after) {
            return tr::signed_out_message_rate_limited_wait(seconds_in_words(seconds));
        }
        self.fixed_message().to_owned()
    }

    fn fixed_message(self) -> &'static str {
        match self {
            Self::SignedOut => tr::signed_out_message_signed_out(),
            Self::Cancelled => tr::signed_out_message_cancelled(),
            Self::FlowExpired => tr::signed_out_message_flow_expired(),
            Self::StateMismatch => tr::signed_out_message_state_mismatch(),
            Self::CodeRejected => tr::signed_out_message_code_rejected(),
            Self::SignInFailed => tr::signed_out_message_sign_in_failed(),
            Self::TokenRejected => tr::signed_out_message_token_rejected(),
            Self::Unavailable => tr::signed_out_message_unavailable(),
            Self::RateLimited => tr::signed_out_message_rate_limited(),
            Self::RevocationUnconfirmed => tr::signed_out_message_revocation_unconfirmed(),
            Self::SessionTooLarge => tr::signed_out_message_session_too_large(),
            Self::SessionEnded => tr::signed_out_message_session_ended(),
            Self::SignedOutEverywhere => tr::signed_out_message_signed_out_everywhere(),
            Self::SignedOutEverywhereHereOnly => {
                tr::signed_out_message_signed_out_everywhere_here_only()
            }
            Self::StillSignedOutEverywhere => tr::signed_out_message_still_signed_out_everywhere(),
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
                        {tr::signed_out_finish_signing_out()}
                    </button>
                </form>
            </Show>
            <p>
                <a class="button primary" href=SIGN_IN>
                    {tr::signed_out_sign_in_again()}
                </a>
            </p>
            <p>
                <a href=Page::Home.path()>{tr::signed_out_go_to_start()}</a>
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
