use crate::{i18n::tr, paths::Page};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any path that is not one of ours.
#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=tr::not_found_title() />
        <main class="page narrow">
            <h1>{tr::not_found_title()}</h1>
            <p>{tr::not_found_nothing_here()}</p>
            <p>
                <a href=Page::Home.path()>{tr::not_found_go_to_start()}</a>
            </p>
        </main>
    }
}
