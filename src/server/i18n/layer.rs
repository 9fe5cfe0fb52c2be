//! Finds each request's reader, for everything that answers it.

use axum::{extract::Request, middleware::Next, response::Response};

use super::{READER, Reader};

/// Runs the rest of the request with its reader: in the task-local every sentence reads, and in
/// the request's extensions for handlers that ask.
pub async fn read(mut request: Request, next: Next) -> Response {
    let reader = Reader::of_request(request.headers());
    request.extensions_mut().insert(reader.clone());
    READER.scope(reader, next.run(request)).await
}
