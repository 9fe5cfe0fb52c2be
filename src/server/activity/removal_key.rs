//! What a removal the app records carries for the activity log once the method is gone. The
//! actions query answers no custom data, so it travels in the idempotency key, which is ours to
//! choose: `SMS.<uuid>.<authenticator id>.<identifier>`, the id and the masked identifier
//! base64url-encoded. Keys of the older form (`SMS.<uuid>`) and keys that are not ours still
//! read, as far as they go.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{model::VerificationMethod, server::present, wire::authsignal::UserAuthenticator};

/// What the log knows of a removed method.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RemovalKey {
    pub method: Option<VerificationMethod>,
    pub authenticator_id: Option<String>,
    /// As the list showed it: "+64 •• ••• 4321", "iCloud Keychain".
    pub identifier: Option<String>,
}

impl RemovalKey {
    /// A new key for the removal of `removed`.
    pub fn of(removed: &UserAuthenticator) -> String {
        let kind = serde_json::to_value(removed.verification_method)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let identifier = present::identifier_of(removed).unwrap_or_default();
        format!(
            "{kind}.{}.{}.{}",
            uuid::Uuid::new_v4(),
            URL_SAFE_NO_PAD.encode(&removed.user_authenticator_id),
            URL_SAFE_NO_PAD.encode(identifier),
        )
    }

    pub fn parse(key: &str) -> Self {
        let mut parts = key.split('.');
        let method = parts
            .next()
            .and_then(|kind| {
                serde_json::from_value::<VerificationMethod>(serde_json::Value::from(kind)).ok()
            })
            .filter(|method| *method != VerificationMethod::Unknown);
        if method.is_none() {
            return Self::default();
        }
        let _unique = parts.next();
        let mut decoded = || {
            parts
                .next()
                .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .filter(|text| !text.is_empty())
        };
        let authenticator_id = decoded();
        let identifier = decoded();
        Self {
            method,
            authenticator_id,
            identifier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sms() -> UserAuthenticator {
        serde_json::from_value(serde_json::json!({
            "userAuthenticatorId": "7f3a-b2",
            "verificationMethod": "SMS",
            "createdAt": "2026-11-01T00:00:00Z",
            "phoneNumber": "+64211234321",
        }))
        .unwrap()
    }

    #[test]
    fn a_removal_key_carries_the_method_its_id_and_how_it_was_shown() {
        let key = RemovalKey::of(&sms());
        assert!(key.starts_with("SMS."), "{key}");
        assert!(
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "safe in a URL path: {key}"
        );
        assert_eq!(
            RemovalKey::parse(&key),
            RemovalKey {
                method: Some(VerificationMethod::Sms),
                authenticator_id: Some("7f3a-b2".to_owned()),
                identifier: Some("+64 •• ••• 4321".to_owned()),
            }
        );
    }

    #[test]
    fn older_and_foreign_keys_read_as_far_as_they_go() {
        let older = RemovalKey::parse("AUTHENTICATOR_APP.5d2c");
        assert_eq!(older.method, Some(VerificationMethod::AuthenticatorApp));
        assert_eq!(older.identifier, None);
        assert_eq!(RemovalKey::parse("not-ours"), RemovalKey::default());
        assert_eq!(RemovalKey::parse("SMS.u.%%%.***").identifier, None);
    }
}
