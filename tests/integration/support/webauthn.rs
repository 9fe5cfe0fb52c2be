//! A software passkey for tests, as a browser and an authenticator together would answer
//! `navigator.credentials.create()` and `.get()`: an ECDSA P-256 key (aws-lc-rs), CBOR
//! authenticator data and attestation (ciborium), and the W3C `toJSON()` shapes, so tests can
//! also tamper with any part of it.

use aws_lc_rs::{
    digest::{SHA256, digest},
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ciborium::Value as Cbor;
use serde_json::{Value, json};

/// The attestation the authenticator gives.
#[derive(Clone, Copy)]
pub enum Attestation {
    None,
    /// Signed with the credential's own key.
    PackedSelf,
}

pub struct SoftPasskey {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    origin: String,
    aaguid: [u8; 16],
    /// The user handle the relying party gave at registration: a discoverable credential
    /// returns it with every assertion, which is how a sign-in without a username finds whose
    /// passkey answered.
    user_handle: Option<String>,
}

/// iCloud Keychain's AAGUID, so the passkey gets a provider's name.
pub const ICLOUD: [u8; 16] = [
    0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd,
];

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).unwrap();
    bytes
}

impl SoftPasskey {
    /// A passkey that answers the page at `origin`.
    pub fn new(origin: &str, aaguid: [u8; 16]) -> Self {
        let mut credential_id = vec![0_u8; 32];
        aws_lc_rs::rand::fill(&mut credential_id).unwrap();
        Self {
            key: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap(),
            credential_id,
            counter: 0,
            origin: origin.to_owned(),
            aaguid,
            user_handle: None,
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// `PublicKeyCredential.toJSON()` of this passkey with `response`.
    fn credential(&self, response: Value) -> Value {
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        })
    }

    fn sign(&self, authenticator_data: &[u8], client_data: &[u8]) -> Vec<u8> {
        let mut signed = authenticator_data.to_vec();
        signed.extend_from_slice(digest(&SHA256, client_data).as_ref());
        self.key
            .sign(&SystemRandom::new(), &signed)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    /// The answer to registration `options` (`PublicKeyCredentialCreationOptionsJSON`), as
    /// `PublicKeyCredential.toJSON()` gives it.
    pub fn register(&mut self, options: &Value, attestation: Attestation) -> Value {
        let rp_id = options["rp"]["id"].as_str().unwrap();
        let challenge = options["challenge"].as_str().unwrap();
        self.user_handle = options["user"]["id"].as_str().map(str::to_owned);
        let point = self.key.public_key().as_ref();
        let cose = Cbor::Map(vec![
            (Cbor::from(1), Cbor::from(2)),
            (Cbor::from(3), Cbor::from(-7)),
            (Cbor::from(-1), Cbor::from(1)),
            (Cbor::from(-2), Cbor::Bytes(point[1..33].to_vec())),
            (Cbor::from(-3), Cbor::Bytes(point[33..65].to_vec())),
        ]);
        // UP, UV and AT: present, verified, with attested credential data.
        let mut data = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        data.push(0x45);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data.extend_from_slice(&self.aaguid);
        data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        data.extend_from_slice(&self.credential_id);
        data.extend_from_slice(&cbor(&cose));
        let client_data = self.client_data("webauthn.create", challenge);
        let (format, statement) = match attestation {
            Attestation::None => ("none", Cbor::Map(Vec::new())),
            Attestation::PackedSelf => (
                "packed",
                Cbor::Map(vec![
                    (Cbor::from("alg"), Cbor::from(-7)),
                    (
                        Cbor::from("sig"),
                        Cbor::Bytes(self.sign(&data, &client_data)),
                    ),
                ]),
            ),
        };
        let object = Cbor::Map(vec![
            (Cbor::from("fmt"), Cbor::from(format)),
            (Cbor::from("attStmt"), statement),
            (Cbor::from("authData"), Cbor::Bytes(data)),
        ]);
        self.credential(json!({
            "clientDataJSON": b64(&client_data),
            "attestationObject": b64(cbor(&object)),
            "transports": ["internal"],
        }))
    }

    /// The answer to authentication `options` (`PublicKeyCredentialRequestOptionsJSON`); the
    /// counter goes up by one.
    pub fn assert(&mut self, options: &Value) -> Value {
        let rp_id = options["rpId"].as_str().unwrap();
        let challenge = options["challenge"].as_str().unwrap();
        self.counter += 1;
        let mut data = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        data.push(0x05);
        data.extend_from_slice(&self.counter.to_be_bytes());
        let client_data = self.client_data("webauthn.get", challenge);
        self.credential(json!({
            "authenticatorData": b64(&data),
            "clientDataJSON": b64(&client_data),
            "signature": b64(self.sign(&data, &client_data)),
            "userHandle": self.user_handle,
        }))
    }
}

/// `value` with the base64url field at `pointer` decoded, changed by `change` and encoded again.
pub fn tamper(value: &Value, pointer: &str, change: impl FnOnce(&mut Vec<u8>)) -> Value {
    let mut tampered = value.clone();
    let field = tampered.pointer_mut(pointer).unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(field.as_str().unwrap()).unwrap();
    change(&mut bytes);
    *field = Value::from(b64(bytes));
    tampered
}
