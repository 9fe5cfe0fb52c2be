//! The bodies the page's server functions receive: decoded by server_fn's own `PostUrl` decoder
//! (serde_qs), as a request to the app is, then checked by every validator the server applies.
//! Nothing may panic, whatever a validator accepts has the shape it documents, and what the
//! browser would encode for a decoded value decodes back to that value.

#![no_main]

use account_security::{
    api::{
        CompleteStepUp, ListAuthenticators, Me, PrebuiltUiUrl, RemoveAuthenticator, StartEnrollment,
    },
    model::{AppError, MAX_EMAIL_LENGTH, normalize_code, validate_email, validate_phone_number},
    server::account::validate_authenticator_id,
};
use axum::{body::Body, http::Request};
use leptos::server_fn::codec::{FromReq, PostUrl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = decode::<Me>(body);
    let _ = decode::<ListAuthenticators>(body);
    let _ = decode::<PrebuiltUiUrl>(body);
    if let Ok(input) = decode::<CompleteStepUp>(body) {
        let again: CompleteStepUp = decode(encode(&input).as_bytes()).expect("re-encoded input");
        assert_eq!(again.token, input.token);
    }
    if let Ok(input) = decode::<StartEnrollment>(body) {
        for text in [&input.email, &input.phone_number].into_iter().flatten() {
            check_text(text);
        }
        let again: StartEnrollment = decode(encode(&input).as_bytes()).expect("re-encoded input");
        assert_eq!(again.email, input.email);
        assert_eq!(again.phone_number, input.phone_number);
        assert_eq!(again.method, input.method);
    }
    if let Ok(input) = decode::<RemoveAuthenticator>(body) {
        check_text(&input.id);
        let again: RemoveAuthenticator =
            decode(encode(&input).as_bytes()).expect("re-encoded input");
        assert_eq!(again.id, input.id);
        assert_eq!(again.accepts_no_fallback, input.accepts_no_fallback);
    }
});

/// A form post to a server function, as the router hands it over.
fn decode<T: FromReq<PostUrl, Request<Body>, AppError>>(body: &[u8]) -> Result<T, AppError> {
    futures::executor::block_on(T::from_req(Request::new(Body::from(body.to_vec()))))
}

/// What the browser sends: server_fn encodes `PostUrl` arguments with `serde_qs::to_string`.
fn encode<T: serde::Serialize>(input: &T) -> String {
    serde_qs::to_string(input).expect("an encodable input")
}

/// Every validator on every decoded string: the inputs are all typed by a person, and each
/// validator must hold its promise whatever it is given.
fn check_text(input: &str) {
    if let Ok(email) = validate_email(input) {
        assert_eq!(email, input.trim(), "an email is only trimmed");
        assert!(email.len() <= MAX_EMAIL_LENGTH, "{email:?}");
        let (local, domain) = email.split_once('@').expect("an email has an @");
        assert!(
            !local.is_empty() && domain.contains('.') && !domain.contains('@'),
            "{email:?}"
        );
        assert!(email.bytes().all(|b| b.is_ascii_graphic()), "{email:?}");
    }
    if let Ok(phone) = validate_phone_number(input) {
        let digits = phone.strip_prefix('+').expect("E.164 starts with +");
        assert!((7..=15).contains(&digits.len()), "{phone:?}");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{phone:?}");
        assert!(!digits.starts_with('0'), "{phone:?}");
    }
    if let Ok(code) = normalize_code(input) {
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code:?}"
        );
    }
    if validate_authenticator_id(input).is_ok() {
        assert!((1..=128).contains(&input.len()), "{input:?}");
        assert!(
            input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{input:?}"
        );
    }
}
