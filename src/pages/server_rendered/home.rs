use crate::{i18n::tr, paths::SIGN_IN};
use leptos::prelude::*;
use leptos_meta::Title;

/// The start page: what this is, and the way in.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=tr::home_title() />
        <main class="page narrow">
            <h1>{tr::home_heading()}</h1>
            <p class="lead">{tr::home_lead()}</p>
            <p>
                <a class="button primary" href=SIGN_IN>
                    {tr::home_sign_in()}
                </a>
            </p>
            <HowItWorks />
        </main>
    }
}

/// What the page protects against, behind the browser's own disclosure: it opens without a
/// script.
#[component]
fn HowItWorks() -> impl IntoView {
    view! {
        <details class="disclosure">
            <summary>{tr::home_how_it_works()}</summary>
            <p>{tr::home_how_it_works_changes()}</p>
            <p>{tr::home_how_it_works_no_lock_out()}</p>
        </details>
    }
}
