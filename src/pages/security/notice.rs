use leptos::prelude::*;

use crate::paths;

/// A message about what just happened, named by `?notice=` so it survives a redirect (a removal
/// without JavaScript, the return from Authsignal).
#[component]
pub fn Notice(notice: Memo<Option<String>>) -> impl IntoView {
    let message = move || {
        notice
            .get()
            .and_then(|code| paths::Notice::from_code(&code))
            .map(message)
    };
    view! {
        {move || {
            message()
                .map(|(tone, text)| {
                    view! {
                        <p id=paths::NOTICE_ID class=format!("notice {tone}") role="status" tabindex="-1">
                            {text}
                        </p>
                    }
                })
        }}
    }
}

/// The tone (a CSS class) and the sentence for each notice.
fn message(notice: paths::Notice) -> (&'static str, &'static str) {
    match notice {
        paths::Notice::Removed => ("ok", "Sign-in method removed."),
        paths::Notice::VerifyNeedsJavascript => (
            "problem",
            "Nothing was changed: every change needs you to verify it's you first, and that needs JavaScript, which is off or did not load.",
        ),
        paths::Notice::SessionEnded => (
            "ok",
            "That device is signed out. It will have to sign in again to use your account.",
        ),
        paths::Notice::ManageDone => (
            "ok",
            "Welcome back from Authsignal. The list below shows your sign-in methods as they are now.",
        ),
        paths::Notice::ManageLeft => (
            "info",
            "You left Authsignal's settings without changing anything. Your sign-in methods are as they were.",
        ),
        paths::Notice::ManageInvalid => (
            "problem",
            "The link back from Authsignal was not valid, or was already used, so nothing was confirmed. Your list below is up to date.",
        ),
        paths::Notice::SignInNotFresh => (
            "problem",
            "You were signed in again without being asked for your password, so this didn't confirm it's you. Sign out, then sign in again: you'll be asked for your password, and can then add your first method.",
        ),
        paths::Notice::ManageUnavailable => (
            "problem",
            "Authsignal could not confirm your visit just now. Your changes there are kept; reload this page in a minute to see them.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_is_a_sentence() {
        for notice in paths::Notice::ALL {
            assert!(message(notice).1.ends_with('.'), "{notice:?}");
        }
    }
}
