//! The document around every page, rendered on the server only: in the reader's language and
//! direction. `/security` is the one page the bundle hydrates, so only it loads the bundle and
//! carries the messages its script reads; the other pages are the server's HTML alone.

use axum::http::request::Parts;
use leptos::{nonce::use_nonce, prelude::*};
use leptos_meta::{MetaTags, Title, provide_meta_context};

use super::bundle::{BundleScripts, BundleStylesheet};
use crate::{
    app::{App, document_title},
    browser::catalog,
    pages::{
        address::provide_address,
        server_rendered::{
            home::HomePage, language_menu::LanguageMenu, not_found::NotFound,
            signed_out::SignedOutPage,
        },
    },
    paths::Page,
    server::i18n,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let reader = i18n::current_reader();
    let locale = reader.locale;
    let address = use_context::<Parts>()
        .and_then(|parts| {
            parts
                .uri
                .path_and_query()
                .map(|address| address.to_string())
        })
        .unwrap_or_else(|| Page::Home.path().to_owned());
    let page = Page::at(address.split('?').next().unwrap_or_default());
    let hydrated = page == Some(Page::Security);
    let body = match page {
        Some(Page::Security) => view! { <App /> }.into_any(),
        Some(Page::Home) => view! { <ServerPage><HomePage /></ServerPage> }.into_any(),
        Some(Page::SignedOut) => view! { <ServerPage><SignedOutPage /></ServerPage> }.into_any(),
        None => view! { <ServerPage><NotFound /></ServerPage> }.into_any(),
    };
    view! {
        <!DOCTYPE html>
        <html lang=locale.code() dir=locale.dir() data-time-zone=reader.zone_name().unwrap_or_default().to_owned()>
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
                {hydrated
                    .then(|| {
                        view! {
                            // Data, never run; with the page's nonce all the same, as every
                            // script of it.
                            <script
                                type="application/json"
                                id=catalog::SCRIPT_ID
                                nonce=use_nonce()
                                inner_html=i18n::page_messages(locale)
                            ></script>
                            <BundleScripts options />
                        }
                    })}
                <MetaTags />
            </head>
            <body>
                {body}
                // After what the bundle hydrates, which ignores what follows it.
                <LanguageMenu return_to=address />
            </body>
        </html>
    }
}

/// A page the browser does not hydrate: what `<App/>` sets up for `/security`, it needs too.
#[component]
fn ServerPage(children: Children) -> impl IntoView {
    provide_meta_context();
    provide_address();
    view! {
        <Title formatter=document_title />
        {children()}
    }
}
