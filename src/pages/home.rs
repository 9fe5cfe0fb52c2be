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

/// A disclosure that explains what the page protects against.
#[component]
fn HowItWorks() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <section class="disclosure">
            <button
                type="button"
                class="link"
                aria-expanded=move || open.get().to_string()
                aria-controls="how-it-works"
                on:click=move |_| open.update(|open| *open = !*open)
            >
                {move || {
                    if open.get() { tr::home_hide_how_it_works() } else { tr::home_how_it_works() }
                }}
            </button>
            <div id="how-it-works" hidden=move || !open.get()>
                <p>{tr::home_how_it_works_changes()}</p>
                <p>{tr::home_how_it_works_no_lock_out()}</p>
            </div>
        </section>
    }
}
