//! The server functions: the only door from the page to the server. Each one starts with
//! [`ssr::signed_in_user`], so none runs without a verified Cognito access token (the session
//! layer also refuses signed-out calls before they get here).

use leptos::prelude::*;

use crate::model::{AppError, UserView};

/// Who is signed in.
#[server(endpoint = "me")]
pub async fn me() -> Result<UserView, AppError> {
    let user = ssr::signed_in_user()?;
    Ok(UserView {
        username: user.username,
        email: user.email,
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::http::{StatusCode, request::Parts};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use crate::{
        model::AppError,
        server::session::{self, CurrentUser},
    };

    /// The person behind the current request, or the error with its HTTP status set (a
    /// signed-out call answers 401 with `"NotSignedIn"`).
    pub fn signed_in_user() -> Result<CurrentUser, AppError> {
        use_context::<Parts>()
            .ok_or(AppError::NotSignedIn)
            .and_then(|parts| session::current_user(&parts))
            .map_err(fail)
    }

    /// Sets the response status from `error` and hands it back, for `map_err`.
    pub fn fail(error: AppError) -> AppError {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        error
    }
}
