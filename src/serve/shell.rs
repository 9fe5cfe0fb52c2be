//! The document around every page, rendered on the server only: in the reader's language and
//! direction, with the messages the page's script reads in that language.

use leptos::{nonce::use_nonce, prelude::*};
use leptos_meta::MetaTags;

use super::bundle::{BundleScripts, BundleStylesheet};
use crate::{app::App, browser::catalog, server::i18n};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let reader = i18n::current_reader();
    let locale = reader.locale;
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
                // Data, never run; with the page's nonce all the same, as every script of it.
                <script
                    type="application/json"
                    id=catalog::SCRIPT_ID
                    nonce=use_nonce()
                    inner_html=i18n::page_messages(locale)
                ></script>
                <BundleScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}
