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
use crate::{
    config::Config,
    paths::{self, Notice},
};

/// A visit's return is remembered as long as its token could be presented.
const VISIT_MEMORY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The return address given to Authsignal, from configuration only.
pub fn url(config: &Config) -> Url {
    let mut url = config.public_url.clone();
    url.set_path(paths::PREBUILT_RETURN);
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
    let outcome = account::confirm_return(&state, &user.sub, &query.token, visit.as_deref()).await;
    // The cookie goes with the first return; a copy of it kept and sent again, to this
    // instance or another, finds the visit used.
    let outcome = match (outcome, visit) {
        (outcome @ (ReturnOutcome::Confirmed | ReturnOutcome::Left), Some(visit)) => {
            match state
                .shared
                .first_sighting(&format!("prebuilt-return:{visit}"), VISIT_MEMORY)
                .await
            {
                Ok(true) => outcome,
                Ok(false) => ReturnOutcome::Invalid,
                Err(_) => ReturnOutcome::Unavailable,
            }
        }
        (outcome, _) => outcome,
    };
    let notice = match outcome {
        ReturnOutcome::Confirmed => Notice::ManageDone,
        ReturnOutcome::Left => Notice::ManageLeft,
        ReturnOutcome::Invalid => Notice::ManageInvalid,
        ReturnOutcome::Unavailable => Notice::ManageUnavailable,
    };
    tracing::info!(?outcome, "returned from the pre-built UI");
    (jar, Redirect::to(&notice.path()))
}
