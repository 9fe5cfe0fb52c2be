//! The root component, which renders the page at the request's path.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};

use crate::{
    pages::{
        address::provide_address, home::HomePage, not_found::NotFound, security::SecurityPage,
        signed_out::SignedOutPage,
    },
    paths::Page,
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let path = provide_address();
    // Effects run only in the browser, after hydration: tests wait for this marker before
    // they interact with the page.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let page = match Page::at(&path) {
        Some(Page::Home) => view! { <HomePage /> }.into_any(),
        Some(Page::Security) => view! { <SecurityPage /> }.into_any(),
        Some(Page::SignedOut) => view! { <SignedOutPage /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    };
    view! {
        <Title formatter=|page: String| format!("{page} · Account Security") />
        {page}
    }
}
