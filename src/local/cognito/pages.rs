//! The HTML of the local managed login: its sign-in, sign-up and error pages, escaped.

use std::fmt::Write as _;

use axum::response::Html;

use super::{USER_POOL_ID, users::User};

pub(super) fn login_form(
    query: &str,
    signed_in: Option<&User>,
    username: &str,
    error: Option<&str>,
) -> Html<String> {
    let query = escape(query);
    let mut body = alert(error);
    if let Some(user) = signed_in {
        let _ = write!(
            body,
            r#"<form method="post" action="/login?{query}">
<input type="hidden" name="continue_session" value="1">
<button type="submit" class="primary">Continue as {email}</button>
</form>
<p class="or">or sign in as a different user</p>"#,
            email = escape(&user.email),
        );
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/login?{query}">
<label for="username">Email address</label>
<input id="username" name="username" type="email" autocomplete="username" required value="{username}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>
<p>New user? <a href="/signup?{query}">Create an account</a></p>"#,
        username = escape(username),
    );
    page("Sign in", &body)
}

pub(super) fn sign_up_form(query: &str, email: &str, error: Option<&str>) -> Html<String> {
    let query = escape(query);
    let mut body = alert(error);
    let _ = write!(
        body,
        r#"<form method="post" action="/signup?{query}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-rules">
<p id="password-rules" class="hint">8 or more characters, with an uppercase letter, a lowercase letter, a number and a symbol.</p>
<button type="submit" class="primary">Create account</button>
</form>
<p>Already have an account? <a href="/login?{query}">Sign in</a></p>"#,
        email = escape(email),
    );
    page("Create an account", &body)
}

/// The page shown when the request itself is wrong (unknown client, unregistered URL).
pub fn error_page(problem: &str) -> Html<String> {
    page(
        "An error was encountered with the requested page",
        &format!(r#"<p class="error" role="alert">{}</p>"#, escape(problem)),
    )
}

fn alert(error: Option<&str>) -> String {
    error
        .map(|error| format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)))
        .unwrap_or_default()
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>{title} · Local Cognito</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<p class="badge">Local Cognito · {USER_POOL_ID}</p>
<h1>{title}</h1>
{body}
</main>
</body>
</html>"#,
        title = escape(title),
    ))
}

const STYLE: &str = "body{margin:0;font-family:system-ui,sans-serif;background:#eef1f5;color:#16191f}\
main{max-width:24rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:10px;box-shadow:0 1px 4px #0002}\
h1{font-size:1.4rem;margin:.25rem 0 1.25rem}.badge{margin:0;color:#5f6b7a;font-size:.85rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
input{box-sizing:border-box;width:100%;padding:.6rem;font:inherit;border:1px solid #8d99a8;border-radius:6px}\
button{margin-top:1.25rem;width:100%;padding:.7rem;font:inherit;font-weight:600;border-radius:6px;border:1px solid #0972d3;background:#fff;color:#0972d3;cursor:pointer}\
button.primary{background:#0972d3;color:#fff}.hint{color:#5f6b7a;font-size:.85rem;margin:.25rem 0}\
.error{color:#d91515;background:#fff7f7;border:1px solid #d91515;border-radius:6px;padding:.6rem}\
.or{text-align:center;color:#5f6b7a}a{color:#0972d3}\
@media (prefers-color-scheme:dark){body{background:#0f1b2a;color:#e9ebed}main{background:#192534}\
input{background:#0f1b2a;color:#e9ebed}button{background:#192534;color:#539fe5;border-color:#539fe5}\
button.primary{background:#539fe5;color:#0f1b2a}a{color:#539fe5}.error{background:#1a0000;color:#ff7a7a}}";

/// For text and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
