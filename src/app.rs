//! The HTML shell and the root component, which renders the page at the request's path.

mod bundle;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};

use crate::{
    pages::{
        address::provide_address, home::HomePage, not_found::NotFound, security::SecurityPage,
        signed_out::SignedOutPage,
    },
    paths::Page,
};
use bundle::{BundleScripts, BundleStylesheet};

/// The document around every page, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // The bundle's names carry a hash of their content in release builds.
                <BundleStylesheet options=options.clone() />
                <noscript>
                    <link rel="stylesheet" href="/no-js.css" />
                </noscript>
                <AutoReload options=options.clone() />
                <BundleScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

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
