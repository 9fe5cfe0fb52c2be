//! Bodies from the Authsignal Server API, decoded as the client decodes them, and the views the
//! page builds from a list of authenticators. Authsignal is a remote service: nothing it sends
//! may panic the server.

#![no_main]

use account_security::{
    server::present::views,
    wire::authsignal::{
        ErrorBody, TrackResponse, UserAuthenticator, UserResponse, ValidateResponse,
    },
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = serde_json::from_slice::<TrackResponse>(body);
    let _ = serde_json::from_slice::<UserResponse>(body);
    let _ = serde_json::from_slice::<ErrorBody>(body);
    if let Ok(validation) = serde_json::from_slice::<ValidateResponse>(body) {
        let _ = validation.action();
        let user_id = validation.user_id.clone().unwrap_or_default();
        let _ = validation.succeeded_for(&user_id);
    }
    if let Ok(authenticators) = serde_json::from_slice::<Vec<UserAuthenticator>>(body) {
        let shown = views(&authenticators);
        assert_eq!(shown.len(), authenticators.len());
        for (view, authenticator) in shown.iter().zip(&authenticators) {
            assert_eq!(view.id, authenticator.user_authenticator_id);
        }
    }
});
