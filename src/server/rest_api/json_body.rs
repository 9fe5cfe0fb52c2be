//! A JSON request body that may be left out: native apps call `POST /api/authenticators` with no
//! body at all, as the guide's Lambdas allow. A body that is there must parse, and a problem is
//! answered in the API's own error format, naming the body as the field at fault.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use crate::{i18n::tr, model::AppError};

/// The parsed body, or `T::default()` when the body is empty.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|_| {
            AppError::invalid("body", tr::account_body_unreadable()).into_response()
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&bytes).map(Self).map_err(|error| {
            AppError::invalid("body", tr::account_body_not_json(error)).into_response()
        })
    }
}
