//! The language menu at the foot of every page: a plain form, outside what the browser hydrates,
//! so it works at once and without JavaScript. The server keeps the choice in a cookie and sends
//! the person back to the address the page was opened at.

use leptos::prelude::*;

use crate::{
    i18n::{self, Locale, tr},
    paths,
};

#[component]
pub fn LanguageMenu(
    /// The path and query to come back to.
    return_to: String,
) -> impl IntoView {
    let current = i18n::current();
    view! {
        <footer class="language-menu">
            <form method="post" action=paths::LANGUAGE>
                <input type="hidden" name="return_to" value=return_to />
                <label for="language">
                    <Globe />
                    {tr::language_label()}
                </label>
                <select id="language" name="lang">
                    {Locale::ALL
                        .into_iter()
                        .map(|locale| {
                            view! {
                                <option
                                    value=locale.code()
                                    lang=locale.code()
                                    selected=locale == current
                                >
                                    {locale.name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="button small">
                    {tr::language_change()}
                </button>
            </form>
        </footer>
    }
}

/// A globe: what the menu is, for someone who cannot read the label's language.
#[component]
fn Globe() -> impl IntoView {
    view! {
        <svg class="globe" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="1.5" />
            <path
                d="M2.5 12h19M12 2.5c2.6 2.7 3.9 5.9 3.9 9.5s-1.3 6.8-3.9 9.5M12 2.5C9.4 5.2 8.1 8.4 8.1 12s1.3 6.8 3.9 9.5"
                fill="none"
                stroke="currentColor"
                stroke-width="1.5"
            />
        </svg>
    }
}
