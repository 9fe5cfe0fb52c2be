//! The root component, which renders the page at the request's path.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};

use crate::{
    browser::time_zone,
    i18n::tr,
    pages::{
        address::{provide_address, use_href},
        home::HomePage,
        language_menu::LanguageMenu,
        not_found::NotFound,
        security::SecurityPage,
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
        time_zone::report();
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let href = use_href(path.clone());
    let page = match Page::at(&path) {
        Some(Page::Home) => view! { <HomePage /> }.into_any(),
        Some(Page::Security) => view! { <SecurityPage /> }.into_any(),
        Some(Page::SignedOut) => view! { <SignedOutPage /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    };
    view! {
        <Title formatter=|page: String| tr::app_document_title(page) />
        {page}
        <LanguageMenu return_to=href />
    }
}
