//! Contract tests: the JSON examples of the reference (tests/fixtures/authsignal) deserialize into
//! the client's types, and the local Authsignal answers with every field those examples have, of
//! the same JSON type. Either side drifting from the real API fails here, even if both drift
//! together.

use crate::support::authsignal::{LocalTenant, settings};
use account_security::{
    config::AuthsignalEndpoints,
    model::VerificationMethod,
    secret::Secret,
    server::authsignal::{AuthsignalClient, AuthsignalError},
    wire::authsignal::{
        ActionResponse, ActionState, TrackResponse, UpdateUserRequest, UserActionRecord,
        UserAuthenticator, UserResponse, ValidateResponse,
    },
};
use reqwest::Method;
use serde_json::{Value, json};

fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/authsignal/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Every field of `example`, recursively through objects, is in `actual` with the same JSON
/// type. Arrays are checked by their first element when the example has one.
fn assert_has_fields_of(example: &Value, actual: &Value, path: &str) {
    match (example, actual) {
        (Value::Object(wanted), Value::Object(got)) => {
            for (key, value) in wanted {
                let field = format!("{path}.{key}");
                let Some(actual_value) = got.get(key) else {
                    panic!("{field} is missing from the emulator's answer: {actual}");
                };
                assert_has_fields_of(value, actual_value, &field);
            }
        }
        (Value::Array(wanted), Value::Array(got)) => {
            if let (Some(wanted), Some(got)) = (wanted.first(), got.first()) {
                assert_has_fields_of(wanted, got, &format!("{path}[0]"));
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        _ => panic!("{path}: expected a value like {example}, got {actual}"),
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{}",
        response.url()
    );
    response.json().await.unwrap()
}

#[test]
fn the_reference_examples_deserialize_into_the_client_types() {
    let track: TrackResponse = serde_json::from_value(example("track")).unwrap();
    assert_eq!(track.state, ActionState::ChallengeRequired);
    assert!(track.is_enrolled);
    assert_eq!(track.token.expose(), "eyJhbGciOiJ...");
    assert_eq!(
        track.allowed_verification_methods,
        Some(vec![
            VerificationMethod::EmailOtp,
            VerificationMethod::Passkey,
            VerificationMethod::Sms
        ])
    );
    assert_eq!(
        track.default_verification_method,
        Some(VerificationMethod::EmailOtp)
    );

    let authenticator: UserAuthenticator =
        serde_json::from_value(example("authenticator")).unwrap();
    assert_eq!(
        authenticator.verification_method,
        VerificationMethod::Passkey
    );
    assert_eq!(authenticator.display_name.as_deref(), Some("Jane Smith"));
    assert_eq!(authenticator.created_at.unix_timestamp(), 1_715_576_342);
    assert!(authenticator.last_verified_at > authenticator.verified_at);
    let credential = authenticator.webauthn_credential.unwrap();
    assert_eq!(credential.name.as_deref(), Some("iCloud Keychain"));
    assert_eq!(credential.credential_backed_up, Some(true));
    assert_eq!(
        credential.aaguid_mapping.unwrap().svg_icon_light.as_deref(),
        Some("data:image/svg+xml;base64...")
    );

    let validate: ValidateResponse = serde_json::from_value(example("validate")).unwrap();
    assert!(validate.is_valid);
    assert_eq!(validate.state, Some(ActionState::ChallengeSucceeded));
    assert_eq!(validate.action(), Some("signIn"));
    assert_eq!(
        validate.verification_method,
        Some(VerificationMethod::EmailOtp)
    );

    let enrolled: UserAuthenticator =
        serde_json::from_value(example("enroll-verified")["authenticator"].clone()).unwrap();
    assert_eq!(enrolled.email.as_deref(), Some("jane@example.com"));

    let user: UserResponse = serde_json::from_value(example("get-user")).unwrap();
    assert_eq!(user.email_verified, Some(false));
    let attributes: UpdateUserRequest = serde_json::from_value(example("update-user")).unwrap();
    assert_eq!(attributes.locale.as_deref(), Some("de"));
    let actions: Vec<UserActionRecord> = serde_json::from_value(example("actions")).unwrap();
    assert_eq!(actions[0].state, ActionState::ChallengeSucceeded);
    let updated: ActionResponse = serde_json::from_value(example("update-action")).unwrap();
    assert_eq!(updated.state, ActionState::ReviewSucceeded);
    let passkey: UserAuthenticator = serde_json::from_value(example("client-passkey")).unwrap();
    assert!(passkey.webauthn_credential.unwrap().verified_at.is_some());
}

/// The Server API's answers about users and their actions have every field the SDK types
/// declare required (`@authsignal/node`), and the attributes an update was given.
#[tokio::test]
async fn users_and_actions_answer_with_what_the_sdk_types_require() {
    let tenant = LocalTenant::start("contract-users").await;
    // Known to Authsignal only by an action: no method, no attribute.
    tenant.track_token("user-1", "signIn", None).await;
    let user = json_of(tenant.server(Method::GET, "/v1/users/user-1", None).await).await;
    assert_has_fields_of(
        &json!({ "isEnrolled": false, "emailVerified": false, "phoneNumberVerified": false }),
        &user,
        "get-user",
    );

    let attributes = example("update-user");
    let path = "/v1/users/user-1";
    let updated = json_of(
        tenant
            .server(Method::PATCH, path, Some(attributes.clone()))
            .await,
    )
    .await;
    assert_has_fields_of(&attributes, &updated, "update-user");
    // An update naming one attribute keeps the others.
    let one = json!({ "displayName": "Jane S." });
    let updated = json_of(tenant.server(Method::PATCH, path, Some(one)).await).await;
    assert_eq!(updated["locale"], "de");
    assert_eq!(updated["custom"], json!({ "plan": "pro" }));
    let user = json_of(tenant.server(Method::GET, path, None).await).await;
    assert_eq!(user["username"], "jane");
    assert_eq!(user["displayName"], "Jane S.");

    tenant.give_email("user-1", "jane@example.com").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "signIn", None).await);
    sdk.challenge("email-otp").await;
    sdk.verify("email-otp", &tenant.latest_code("jane@example.com").await)
        .await;
    let actions = json_of(
        tenant
            .server(Method::GET, "/v1/users/user-1/actions", None)
            .await,
    )
    .await;
    assert_has_fields_of(&example("actions"), &actions, "actions");

    let key = actions[0]["idempotencyKey"].as_str().unwrap();
    let action = format!("/v1/users/user-1/actions/signIn/{key}");
    let review = Some(json!({ "state": "REVIEW_SUCCEEDED" }));
    let updated = json_of(tenant.server(Method::PATCH, &action, review).await).await;
    assert_has_fields_of(&example("update-action"), &updated, "update-action");
}

#[tokio::test]
async fn a_wrong_secret_gets_the_documented_body_and_the_client_reads_it() {
    let tenant = LocalTenant::start("contract-401").await;
    let path = tenant.url("/v1/users/user-1/authenticators");
    let wrong = tenant.http.get(path).basic_auth("not-the-secret", Some(""));
    let response = wrong.send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(json_of(response).await, example("unauthorized"));

    let missing = tenant.get("/v1/users/user-1").await;
    assert_eq!(missing.status(), 401);
    assert_eq!(json_of(missing).await, example("unauthorized"));

    let endpoints = AuthsignalEndpoints {
        secret: Secret::new("not-the-secret"),
        ..tenant.local.endpoints()
    };
    let client = AuthsignalClient::new(endpoints, &settings(0)).unwrap();
    let error = client.get_user("user-1").await.unwrap_err();
    let AuthsignalError::Api(error) = error else {
        panic!("expected an API error");
    };
    assert_eq!(error.code, example("unauthorized")["errorCode"]);
    assert_eq!(
        error.description.as_deref(),
        example("unauthorized")["errorDescription"].as_str()
    );
}

#[tokio::test]
async fn the_server_api_answers_with_every_documented_field() {
    let tenant = LocalTenant::start("contract-server").await;
    let email = json!({ "verificationMethod": "EMAIL_OTP", "email": "jane@example.com" });
    let given = tenant.give("user-1", email).await;
    assert_has_fields_of(
        &example("enroll-verified")["authenticator"],
        &given,
        "enroll-verified.authenticator",
    );
    tenant
        .give(
            "user-1",
            json!({
                "verificationMethod": "PASSKEY",
                "username": "jane.smith@example.com",
                "displayName": "Jane Smith",
                "webauthnCredential": { "name": "iCloud Keychain" }
            }),
        )
        .await;

    let track = json_of(
        tenant
            .server(
                Method::POST,
                "/v1/users/user-1/actions/signIn",
                Some(json!({})),
            )
            .await,
    )
    .await;
    assert_has_fields_of(&example("track"), &track, "track");
    assert_eq!(track["state"], "CHALLENGE_REQUIRED");

    let authenticators = json_of(
        tenant
            .server(Method::GET, "/v1/users/user-1/authenticators", None)
            .await,
    )
    .await;
    let passkey = authenticators
        .as_array()
        .unwrap()
        .iter()
        .find(|authenticator| authenticator["verificationMethod"] == "PASSKEY")
        .unwrap();
    assert_has_fields_of(&example("authenticator"), passkey, "authenticator");

    let token = track["token"].as_str().unwrap();
    let sdk = tenant.sdk(token);
    sdk.challenge("email-otp").await;
    sdk.verify("email-otp", &tenant.latest_code("jane@example.com").await)
        .await;
    let validate = json_of(
        tenant
            .server(
                Method::POST,
                "/v1/validate",
                Some(json!({ "token": token })),
            )
            .await,
    )
    .await;
    assert_has_fields_of(&example("validate"), &validate, "validate");
    assert_eq!(
        validate["actionCode"], validate["action"],
        "the deprecated actionCode is sent too"
    );

    let id = passkey["userAuthenticatorId"].as_str().unwrap();
    let deleted = json_of(
        tenant
            .server(
                Method::DELETE,
                &format!("/v1/users/user-1/authenticators/{id}"),
                None,
            )
            .await,
    )
    .await;
    assert_eq!(deleted, example("delete"));
}

#[tokio::test]
async fn the_client_api_answers_with_every_documented_field() {
    let tenant = LocalTenant::start("contract-client").await;
    let sdk = tenant.sdk(&tenant.track_token("user-1", "addAuthenticator", None).await);

    let enroll = json_of(sdk.try_add_email("jane@example.com").await).await;
    assert_has_fields_of(&example("client-enroll"), &enroll, "client-enroll");

    let failure = json_of(sdk.try_verify("email-otp", "not-the-code").await).await;
    assert_eq!(failure, example("client-verify-failure"));

    let code = tenant.latest_code("jane@example.com").await;
    let success = json_of(sdk.try_verify("email-otp", &code).await).await;
    assert_has_fields_of(
        &example("client-verify-success"),
        &success,
        "client-verify-success",
    );

    let challenge = json_of(sdk.try_challenge("email-otp", None).await).await;
    assert_has_fields_of(&example("client-challenge"), &challenge, "client-challenge");

    let passkey = json!({ "verificationMethod": "PASSKEY", "webauthnCredential": {} });
    tenant.give("user-1", passkey).await;
    let listed = sdk.json(Method::GET, "user-authenticators", None).await;
    let passkey = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|authenticator| authenticator["verificationMethod"] == "PASSKEY")
        .unwrap();
    assert_has_fields_of(&example("client-passkey"), passkey, "client-passkey");
}

#[test]
fn the_field_check_itself_catches_drift() {
    let example = json!({ "a": { "b": true }, "list": [{ "c": "x" }] });
    let complete = json!({ "a": { "b": false, "extra": 1 }, "list": [{ "c": "y" }] });
    assert_has_fields_of(&example, &complete, "ok");
    for drifted in [
        json!({ "a": { "b": false }, "list": [{}] }),
        json!({ "a": { "b": "false" }, "list": [{ "c": "y" }] }),
        json!({ "list": [{ "c": "y" }] }),
    ] {
        let result = std::panic::catch_unwind(|| assert_has_fields_of(&example, &drifted, "x"));
        assert!(result.is_err(), "{drifted} should not pass");
    }
}
