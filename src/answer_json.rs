//! How the server functions' answers and errors cross the wire: JSON, as Leptos's own `Json`
//! codec writes it. The browser reads it with its own parser ([`crate::browser::json`]), as
//! resources read the values the page was rendered with, so the WASM bundle needs no JSON parser.

use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType, codec::Post};
use serde::{Serialize, de::DeserializeOwned};

use crate::browser::json;

/// Arguments in the URL-encoded body, as Leptos's default; the answer in JSON.
pub type JsonAnswer = Post<JsonText>;

pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8".to_owned())?;
        json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::error::FromServerFnError;

    use super::*;
    use crate::model::{AppError, StepUpVia};

    #[test]
    fn errors_read_back_as_they_were_written() {
        let errors = [
            AppError::StepUpRequired {
                via: StepUpVia::Method,
            },
            AppError::RateLimited {
                retry_after_secs: 90,
            },
            AppError::invalid("email", "Enter your email address."),
        ];
        for error in errors {
            assert_eq!(AppError::de(error.ser()), error);
        }
    }

    #[test]
    fn an_answer_that_is_not_json_text_is_an_error_not_a_panic() {
        for body in [&b"\xff\xfe"[..], b"", b"<html>", br#"{"token": 1}"#] {
            let read: Result<crate::model::ClientApiTicket, _> =
                JsonText::decode(Bytes::copy_from_slice(body));
            assert!(read.is_err(), "{body:?}");
        }
        assert!(matches!(
            AppError::de(Bytes::from_static(b"\xff")),
            AppError::Internal(_)
        ));
    }
}
