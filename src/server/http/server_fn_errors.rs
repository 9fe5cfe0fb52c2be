//! Gives every failed server function the HTTP status of its [`AppError`] (and `Retry-After`
//! when rate limited). Leptos answers every error with 500, including arguments that did not
//! decode before our code ran; the status is decided here, once, from the error itself.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use crate::model::AppError;

/// Server-function errors are a few hundred bytes of JSON.
const MAX_ERROR_BYTES: usize = 16 * 1024;

pub async fn set_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    // A plain form post (no JavaScript) is redirected back to its page: leave it so.
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        || response.status().is_redirection()
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BYTES).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let error = AppError::de(bytes.clone());
    let mut response = Response::from_parts(parts, Body::from(bytes));
    error.apply_to_response(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use axum::{Router, http::header, middleware, routing::post};
    use tower::ServiceExt;

    use super::*;

    async fn status_of(error: AppError) -> Response {
        let app = Router::new()
            .route(
                "/api/f",
                post(move || async move {
                    Response::builder()
                        .status(StatusCode::INTERNAL_SERVER_ERROR)
                        .header(SERVER_FN_ERROR_HEADER, "/api/f")
                        .body(Body::from(error.ser()))
                        .unwrap()
                }),
            )
            .layer(middleware::from_fn(set_status));
        let request = Request::post("/api/f").body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn each_error_gets_its_own_status() {
        assert_eq!(
            status_of(AppError::invalid("email", "Enter your email address."))
                .await
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status_of(AppError::NotFound).await.status(),
            StatusCode::NOT_FOUND
        );
        let limited = status_of(AppError::RateLimited {
            retry_after_secs: 7,
        })
        .await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
    }
}
