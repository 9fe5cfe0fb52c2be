use crate::paths::Page;
use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any path that is not one of ours.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>
                <a href=Page::Home.path()>"Go to the start page"</a>
            </p>
        </main>
    }
}
