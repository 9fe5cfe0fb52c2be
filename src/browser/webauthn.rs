//! Passkeys through the browser's WebAuthn API: the options Authsignal gives, in their JSON form,
//! go to `navigator.credentials.create()` or `.get()` through the standard JSON helpers
//! (`PublicKeyCredential.parseCreationOptionsFromJSON` and friends, and `toJSON` on the answer),
//! which is how the Authsignal Web SDK hands them over too.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CredentialCreationOptions, CredentialRequestOptions, DomException};

use super::json;
use crate::i18n::tr;

/// How long a prompt lasts when the options do not say: the WebAuthn recommendation.
const DEFAULT_TIMEOUT_MS: f64 = 300_000.0;

/// Why no credential came back, in terms the page can explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasskeyError {
    /// The person closed the prompt, or chose not to go on.
    Cancelled,
    /// The prompt was open until the options' timeout.
    TimedOut,
    /// This authenticator already holds a passkey for the account (`excludeCredentials`).
    AlreadyRegistered,
    /// The browser has no WebAuthn, or not the JSON helpers this page relies on.
    Unsupported,
    /// The page's address does not match the relying party the options name.
    WrongSite,
    /// Anything else the browser said.
    Other(String),
}

impl PasskeyError {
    /// What the person reads; `creating` is whether they were adding a passkey.
    pub fn sentence(&self, creating: bool) -> String {
        match (self, creating) {
            (Self::Cancelled, true) => tr::browser_passkey_creation_cancelled().into(),
            (Self::Cancelled, false) => tr::browser_passkey_prompt_cancelled().into(),
            (Self::TimedOut, _) => tr::browser_passkey_timed_out().into(),
            (Self::AlreadyRegistered, _) => tr::browser_passkey_already_registered().into(),
            (Self::Unsupported, _) => tr::browser_passkeys_unsupported().into(),
            (Self::WrongSite, _) => tr::browser_passkey_wrong_site().into(),
            (Self::Other(message), _) => tr::browser_passkey_failed(message),
        }
    }
}

/// Whether this browser can create and use passkeys the way this page asks it to.
pub fn is_supported() -> bool {
    public_key_credential().is_some_and(|class| {
        [
            "parseCreationOptionsFromJSON",
            "parseRequestOptionsFromJSON",
        ]
        .iter()
        .all(|name| method(&class, name).is_some())
    })
}

/// Creates a passkey from registration options; answers the credential's JSON form.
pub async fn create(options: &Value) -> Result<Value, PasskeyError> {
    let options = parsed(options, "parseCreationOptionsFromJSON")?;
    let request = wrapped(&options)?.unchecked_into::<CredentialCreationOptions>();
    let promise = credentials()?
        .create_with_options(&request)
        .map_err(failure)?;
    answered(promise, &options).await
}

/// Signs a challenge with one of the person's passkeys; answers the assertion's JSON form.
pub async fn get(options: &Value) -> Result<Value, PasskeyError> {
    let options = parsed(options, "parseRequestOptionsFromJSON")?;
    let request = wrapped(&options)?.unchecked_into::<CredentialRequestOptions>();
    let promise = credentials()?.get_with_options(&request).map_err(failure)?;
    answered(promise, &options).await
}

/// Whether the browser can tell its password manager that a credential is gone (the WebAuthn
/// Signal API, `PublicKeyCredential.signalUnknownCredential`).
pub fn can_signal() -> bool {
    public_key_credential().is_some_and(|class| method(&class, "signalUnknownCredential").is_some())
}

/// Tells the browser the credential `credential_id` (base64url) of this site is gone, so its
/// password manager stops offering it; does nothing where the browser cannot be told. The
/// relying party is this page's host, as Authsignal's passkeys are set up for it.
pub fn signal_unknown_credential(credential_id: &str) {
    let Some(class) = public_key_credential() else {
        return;
    };
    let Some(signal) = method(&class, "signalUnknownCredential") else {
        return;
    };
    let Some(host) = web_sys::window().and_then(|window| window.location().hostname().ok()) else {
        return;
    };
    let options = Object::new();
    let set = |name: &str, value: &str| Reflect::set(&options, &name.into(), &value.into());
    if set("rpId", &host).is_ok() && set("credentialId", credential_id).is_ok() {
        // The browser answers with a promise; nothing waits for it.
        let _ = signal.call1(&class, &options);
    }
}

fn public_key_credential() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &"PublicKeyCredential".into())
        .ok()
        .filter(|class| class.is_function())
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|value| value.dyn_into::<Function>().ok())
}

fn credentials() -> Result<web_sys::CredentialsContainer, PasskeyError> {
    web_sys::window()
        .map(|window| window.navigator().credentials())
        .ok_or(PasskeyError::Unsupported)
}

/// The options as the browser wants them, through its own parser of the JSON form. Null
/// members are left out first: the parser refuses `null` where a list or string belongs, and
/// some servers write absent members that way.
fn parsed(options: &Value, parser: &str) -> Result<JsValue, PasskeyError> {
    let class = public_key_credential().ok_or(PasskeyError::Unsupported)?;
    let parse = method(&class, parser).ok_or(PasskeyError::Unsupported)?;
    let json = json::to_string(&without_nulls(options)).map_err(PasskeyError::Other)?;
    let json = JSON::parse(&json).map_err(failure)?;
    parse.call1(&class, &json).map_err(failure)
}

/// `{ publicKey: options }`, what `navigator.credentials` takes.
fn wrapped(options: &JsValue) -> Result<Object, PasskeyError> {
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), options).map_err(failure)?;
    Ok(request)
}

async fn answered(promise: Promise, options: &JsValue) -> Result<Value, PasskeyError> {
    let started = js_sys::Date::now();
    let timeout = Reflect::get(options, &"timeout".into())
        .ok()
        .and_then(|timeout| timeout.as_f64())
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    let credential = JsFuture::from(promise).await.map_err(|error| {
        // The browser answers `NotAllowedError` both when the person cancels and when the
        // prompt times out, on purpose; only the time it took tells them apart.
        match failure(error) {
            PasskeyError::Cancelled if js_sys::Date::now() - started >= timeout * 0.95 => {
                PasskeyError::TimedOut
            }
            other => other,
        }
    })?;
    if credential.is_null() || credential.is_undefined() {
        return Err(PasskeyError::Cancelled);
    }
    let json = JSON::stringify(&credential)
        .ok()
        .and_then(|json| json.as_string())
        .ok_or_else(|| PasskeyError::Other(tr::browser_credential_unreadable().to_owned()))?;
    json::from_str(&json)
        .map_err(|_| PasskeyError::Other(tr::browser_credential_unreadable().to_owned()))
}

/// Names a browser's refusal by the `DOMException` it threw.
fn failure(error: JsValue) -> PasskeyError {
    match error.dyn_into::<DomException>() {
        Ok(exception) => match exception.name().as_str() {
            "NotAllowedError" | "AbortError" => PasskeyError::Cancelled,
            "InvalidStateError" => PasskeyError::AlreadyRegistered,
            "NotSupportedError" => PasskeyError::Unsupported,
            "SecurityError" => PasskeyError::WrongSite,
            _ => PasskeyError::Other(exception.message()),
        },
        Err(other) => PasskeyError::Other(
            other
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
                .unwrap_or_else(|| tr::browser_no_reason_given().to_owned()),
        ),
    }
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(name, member)| (name.clone(), without_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn null_members_are_left_out_at_every_depth() {
        let options = json!({
            "challenge": "abc",
            "hints": null,
            "user": { "id": "u", "displayName": null },
            "excludeCredentials": [{ "id": "c", "transports": null }],
        });
        assert_eq!(
            without_nulls(&options),
            json!({
                "challenge": "abc",
                "user": { "id": "u" },
                "excludeCredentials": [{ "id": "c" }],
            })
        );
    }
}
