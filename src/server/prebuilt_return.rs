//! `GET /security/return?token=…`: where Authsignal's pre-built UI sends the person back. The
//! token is checked with Authsignal, then the browser goes on to `/security` with a notice, so
//! the token does not stay in the address bar or the history.

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect},
};
use serde::Deserialize;
use url::Url;

use super::{
    AppState,
    account::{self, ReturnOutcome},
    session::CurrentUser,
};
use crate::config::Config;

pub const PATH: &str = "/security/return";

/// The return address given to Authsignal, from configuration only.
pub fn url(config: &Config) -> Url {
    let mut url = config.public_url.clone();
    url.set_path(PATH);
    url
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    token: String,
}

pub async fn handle(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<ReturnQuery>,
) -> impl IntoResponse {
    let (jar, visit) = state.session.take_visit(state.session.jar(&headers));
    let outcome =
        account::confirm_return(&state.authsignal, &user.sub, &query.token, visit.as_deref()).await;
    let notice = match outcome {
        ReturnOutcome::Confirmed => "manage-done",
        ReturnOutcome::Invalid => "manage-invalid",
        ReturnOutcome::Unavailable => "manage-unavailable",
    };
    tracing::info!(?outcome, "returned from the pre-built UI");
    (jar, Redirect::to(&format!("/security?notice={notice}")))
}
