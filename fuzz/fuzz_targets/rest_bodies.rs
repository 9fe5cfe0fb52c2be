//! The JSON bodies native apps send to the REST API, through the same extractor the routes use:
//! nothing may panic, and whatever decodes is checked by the validators the routes apply.

#![no_main]

use account_security::{
    model::{AppError, validate_email, validate_phone_number},
    server::rest_api::{
        authenticators::{EnrollmentRequest, PrebuiltUiRequest},
        json_body::JsonBody,
        step_up::StepUpCompletion,
    },
};
use axum::{body::Body, extract::FromRequest, http::Request};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fuzz_target!(|body: &[u8]| {
    if let Some(request) = decode::<EnrollmentRequest>(body) {
        if let Some(email) = &request.email
            && let Ok(valid) = validate_email(email)
        {
            assert_eq!(valid, email.trim());
        }
        if let Some(phone) = &request.phone_number
            && let Ok(valid) = validate_phone_number(phone)
        {
            assert!(valid.starts_with('+'), "{valid:?}");
        }
    }
    if let Some(request) = decode::<PrebuiltUiRequest>(body)
        && let Some(url) = &request.redirect_url
    {
        let _ = url::Url::parse(url);
    }
    let _ = decode::<StepUpCompletion>(body);
    let invalid = AppError::invalid("body", "");
    assert_eq!(invalid.code(), "invalid_input");
});

/// A body as the route's extractor reads it; `None` when it answers an error.
fn decode<T: DeserializeOwned + Default + Send>(body: &[u8]) -> Option<T> {
    let request = Request::new(Body::from(body.to_vec()));
    futures::executor::block_on(JsonBody::<T>::from_request(request, &()))
        .ok()
        .map(|JsonBody(value)| value)
}
