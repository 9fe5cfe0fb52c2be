//! JSON as the page reads and writes it: with the browser's own `JSON.parse` and
//! `JSON.stringify`, and serde-wasm-bindgen between those and our types, so the bundle carries
//! no JSON parser or printer of its own. Off the browser (the server, and the unit tests of
//! browser code) the same calls go through serde_json; the text on the wire is the same.

use serde::{Serialize, de::DeserializeOwned};

/// Reads `text` as a `T`; the error says why it could not.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    imp::from_str(text)
}

/// Writes `value` as JSON text, with maps as objects and `None` as `null`, as serde_json does.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    imp::to_string(value)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::JSON;
    use serde::{Serialize, de::DeserializeOwned};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        let parsed = JSON::parse(text).map_err(|error| reason(&error))?;
        serde_wasm_bindgen::from_value(parsed).map_err(|error| error.to_string())
    }

    pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
        let value = value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|error| error.to_string())?;
        JSON::stringify(&value)
            .map(String::from)
            .map_err(|error| reason(&error))
    }

    /// The message of the `SyntaxError` or `TypeError` the browser threw.
    fn reason(error: &JsValue) -> String {
        error
            .dyn_ref::<js_sys::Error>()
            .map(|error| error.message().into())
            .unwrap_or_else(|| "not JSON".to_owned())
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde::{Serialize, de::DeserializeOwned};

    pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|error| error.to_string())
    }

    pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
        serde_json::to_string(value).map_err(|error| error.to_string())
    }
}
