//! The root the browser hydrates: `/security`, the one page with anything to do there. The
//! server renders it inside its shell (`serve/shell.rs`), which makes the other pages itself.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};

use crate::{
    browser::time_zone,
    i18n::tr,
    pages::{address::provide_address, security::SecurityPage},
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_address();
    // Effects run only in the browser, after hydration: tests wait for this marker before
    // they interact with the page.
    Effect::new(|| {
        time_zone::report();
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=document_title />
        <SecurityPage />
    }
}

/// "Security · Account Security": every page's title names the product after the page.
pub fn document_title(page: String) -> String {
    tr::app_document_title(page)
}
