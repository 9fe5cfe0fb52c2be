use leptos::prelude::*;

use crate::{i18n::tr, paths};

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
        paths::Notice::Removed => ("ok", tr::notice_removed()),
        paths::Notice::VerifyNeedsJavascript => ("problem", tr::notice_verify_needs_javascript()),
        paths::Notice::SessionEnded => ("ok", tr::notice_session_ended()),
        paths::Notice::ManageDone => ("ok", tr::notice_manage_done()),
        paths::Notice::ManageLeft => ("info", tr::notice_manage_left()),
        paths::Notice::ManageInvalid => ("problem", tr::notice_manage_invalid()),
        paths::Notice::SignInNotFresh => ("problem", tr::notice_sign_in_not_fresh()),
        paths::Notice::ManageUnavailable => ("problem", tr::notice_manage_unavailable()),
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
