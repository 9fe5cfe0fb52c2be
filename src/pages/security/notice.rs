use leptos::prelude::*;

/// A message about what just happened, named by `?notice=` so it survives a redirect (a removal
/// without JavaScript, the return from Authsignal).
#[component]
pub fn Notice(notice: Memo<Option<String>>) -> impl IntoView {
    let message = move || notice.get().and_then(|notice| message(&notice));
    view! {
        {move || {
            message()
                .map(|(tone, text)| {
                    view! {
                        <p class=format!("notice {tone}") role="status">
                            {text}
                        </p>
                    }
                })
        }}
    }
}

/// The tone (a CSS class) and the sentence for each notice.
fn message(notice: &str) -> Option<(&'static str, &'static str)> {
    Some(match notice {
        "removed" => ("ok", "Sign-in method removed."),
        "verify-needs-javascript" => (
            "problem",
            "Nothing was removed: changing your sign-in methods needs you to verify it's you first, and that needs JavaScript, which is off or did not load.",
        ),
        "manage-done" => (
            "ok",
            "Welcome back from Authsignal. The list below shows your sign-in methods as they are now.",
        ),
        "manage-invalid" => (
            "problem",
            "The link back from Authsignal was not valid, or was already used, so nothing was confirmed. Your list below is up to date.",
        ),
        "manage-unavailable" => (
            "problem",
            "Authsignal could not confirm your visit just now. Your changes there are kept; reload this page in a minute to see them.",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_show() {
        assert!(message("removed").is_some());
        assert!(message("manage-done").is_some());
        assert!(message("<script>").is_none());
    }
}
