//! `POST /language`, the language menu's form: keeps the person's choice in a cookie, and sends
//! them back to the page they were on.

use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use serde::Deserialize;

use super::{AppState, cognito::next_path};
use crate::i18n::Locale;

/// How long the choice is kept: the longest a browser keeps a cookie (RFC 6265bis).
const KEPT_FOR: time::Duration = time::Duration::days(400);

#[derive(Deserialize)]
pub struct Choice {
    lang: String,
    #[serde(default)]
    return_to: Option<String>,
}

pub async fn choose(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(choice): Form<Choice>,
) -> Response {
    let back = next_path::or_default(choice.return_to.as_deref(), &state.config.public_url);
    // A language we do not speak changes nothing: the page it came from is shown again.
    let Some(locale) = Locale::from_code(&choice.lang) else {
        return Redirect::to(&back).into_response();
    };
    let secure = state.config.is_https();
    // Behind https, `__Host-`: no subdomain can plant one.
    let name = if secure {
        format!("__Host-{}", Locale::COOKIE)
    } else {
        Locale::COOKIE.to_owned()
    };
    let cookie = Cookie::build((name, locale.code()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(KEPT_FOR)
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}
