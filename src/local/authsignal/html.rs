//! The frame of the emulator's own pages (pre-built UI, outbox): plain server-rendered HTML with
//! forms and no script. Leptos' `view!` escapes everything interpolated.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use leptos::prelude::*;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1c1e21; }
main { max-width: 34rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 12px; }
.badge { display: inline-block; font-size: .75rem; padding: .1rem .5rem; border-radius: 99px; background: #fde68a; }
.error { color: #b42318; } .notice { color: #1a7f37; }
ul.methods { list-style: none; padding: 0; }
ul.methods li { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .6rem 0; border-bottom: 1px solid #e4e6eb; }
form.inline { display: inline; }
label { display: block; margin: 1rem 0 .3rem; }
input[type=text], input[type=email], input[type=tel] { font-size: 1.1rem; padding: .4rem; width: 100%; box-sizing: border-box; }
button { font-size: 1rem; padding: .45rem 1rem; margin-top: .8rem; cursor: pointer; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e4e6eb; }
code { font-size: 1.2rem; letter-spacing: .15em; }
pre { white-space: pre-wrap; background: #f4f5f7; padding: .8rem; border-radius: 8px; }
";

/// A whole page with the emulator's frame around `body`.
pub(super) fn page(status: StatusCode, title: &str, body: impl IntoView + 'static) -> Response {
    let title = title.to_owned();
    let html = view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{format!("{title} · Local Authsignal")}</title>
                // No favicon request: the emulator has none to serve.
                <link rel="icon" href="data:," />
                <style>{STYLE}</style>
            </head>
            <body>
                <main>
                    <p>
                        <span class="badge">"Local Authsignal"</span>
                    </p>
                    <h1>{title}</h1>
                    {body}
                </main>
            </body>
        </html>
    }
    .to_html();
    (status, Html(html)).into_response()
}

/// A page that only explains what went wrong.
pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    let message = message.to_owned();
    page(
        status,
        "Something went wrong",
        view! { <p class="error">{message}</p> },
    )
}
