//! The HTML shell, the root component and the routes.

mod bundle;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{FlatRoutes, Route, Router},
};

use crate::pages::{
    home::HomePage, not_found::NotFound, security::SecurityPage, signed_out::SignedOutPage,
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
    // Effects run only in the browser, after hydration: tests wait for this marker before
    // they interact with the page.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|page: String| format!("{page} · Account Security") />
        <Router>
            // Flat, as the routes are: FlatRoutes weighs 13 KiB (gzip) less in the bundle than
            // the nested Routes.
            <FlatRoutes fallback=NotFound>
                <Route path=StaticSegment("") view=HomePage />
                // Async: the whole page is rendered before it is sent, so it reads complete
                // without JavaScript.
                <Route path=StaticSegment("security") view=SecurityPage ssr=SsrMode::Async />
                <Route path=StaticSegment("signed-out") view=SignedOutPage />
            </FlatRoutes>
        </Router>
    }
}
