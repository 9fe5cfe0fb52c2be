use leptos::prelude::*;

use crate::model::VerificationMethod;

/// A decorative icon for a sign-in method; the method's name is always written beside it.
#[component]
pub fn MethodIcon(method: VerificationMethod) -> impl IntoView {
    let path = match method {
        VerificationMethod::EmailOtp | VerificationMethod::EmailMagicLink => {
            "M3 6.5A1.5 1.5 0 0 1 4.5 5h15A1.5 1.5 0 0 1 21 6.5v11a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5zM3.5 6.5l8.5 6.5 8.5-6.5"
        }
        VerificationMethod::Sms | VerificationMethod::Whatsapp => {
            "M8 2.5h8A1.5 1.5 0 0 1 17.5 4v16a1.5 1.5 0 0 1-1.5 1.5H8A1.5 1.5 0 0 1 6.5 20V4A1.5 1.5 0 0 1 8 2.5zM10.5 18.5h3"
        }
        VerificationMethod::Passkey | VerificationMethod::SecurityKey => {
            "M14.5 9.5a4.5 4.5 0 1 1-2.1-3.8M12.5 11.5 21 20m-3-3 2-2m-4.5-.5 2-2"
        }
        VerificationMethod::AuthenticatorApp | VerificationMethod::Push => {
            "M12 3.5a8.5 8.5 0 1 1 0 17 8.5 8.5 0 0 1 0-17zM12 7.5V12l3 2"
        }
        _ => "M12 3 4.5 6v6c0 4.5 3.2 8 7.5 9 4.3-1 7.5-4.5 7.5-9V6z",
    };
    view! {
        <span class="method-icon" aria-hidden="true">
            <svg
                viewBox="0 0 24 24"
                width="24"
                height="24"
                fill="none"
                stroke="currentColor"
                stroke-width="1.6"
                stroke-linecap="round"
                stroke-linejoin="round"
            >
                <path d=path />
            </svg>
        </span>
    }
}
