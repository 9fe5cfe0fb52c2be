//! "Add a method": the kinds the page adds itself through the Authsignal Client API, each a
//! short flow of its own. The person picks one; the email code is shown first, because a code
//! sent to an address is what keeps someone from being locked out.

mod authenticator_app;
mod code_method;
mod field;
mod passkey;
mod qr_code;

use leptos::prelude::*;

use super::lazy_part::LazyPart;
use crate::{
    browser::{authsignal::ClientApiError, dom, json, webauthn::PasskeyError},
    i18n::tr,
    model::{AppError, VerificationMethod},
    pages::address::use_query,
    paths::query,
};
use code_method::{AddCodeMethod, Channel};

/// A method was added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    /// Its list row, when Authsignal names it.
    pub id: Option<String>,
    /// What a screen reader hears: "Passkey added."
    pub announcement: String,
}

/// Where an add that needed a fresh sign-in waits for it: this tab's session storage, so the
/// person comes back to the flow they started, with what they typed. Never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub method: VerificationMethod,
    /// The address typed, for the methods that have one.
    pub address: String,
}

const RESUME_KEY: &str = "account-security.add";

impl Resume {
    fn remember(method: VerificationMethod, address: &str) {
        let kind = json::to_string(&method).unwrap_or_default();
        dom::remember_for_resume(RESUME_KEY, &format!("{kind}\n{address}"));
    }

    fn take() -> Option<Self> {
        let kept = dom::take_resume(RESUME_KEY)?;
        let (kind, address) = kept.split_once('\n')?;
        Some(Self {
            method: json::from_str(kind).ok()?,
            address: address.to_owned(),
        })
    }
}

/// Why a flow stopped, in the words of whoever stopped it.
enum FlowError {
    /// Our server.
    App(AppError),
    /// Authsignal's Client API.
    Client(ClientApiError),
    /// The browser's passkey prompt.
    Passkey { error: PasskeyError, creating: bool },
    /// Authsignal's answer was a no, said in this sentence.
    Refused(&'static str),
}

impl FlowError {
    fn sentence(&self) -> String {
        match self {
            Self::App(error) => error.to_string(),
            Self::Client(error) => error.sentence(),
            Self::Passkey { error, creating } => error.sentence(*creating),
            Self::Refused(sentence) => (*sentence).to_owned(),
        }
    }
}

/// Fetches the chunks of the flows the page does not hydrate with. A failure is left for the
/// flow to explain, if the person picks it.
pub async fn prefetch() {
    let _ = authenticator_app::prefetch().await;
    let _ = passkey::prefetch().await;
}

/// A message of the catalog, looked up when it is shown.
type Message = fn() -> &'static str;

/// The kinds offered, in the order shown, each with its hint; its name is its
/// [`VerificationMethod::label`].
pub const KINDS: [(VerificationMethod, Message); 5] = [
    (VerificationMethod::EmailOtp, tr::add_kind_email_hint),
    (VerificationMethod::Sms, tr::add_kind_sms_hint),
    (VerificationMethod::AuthenticatorApp, tr::add_kind_app_hint),
    (VerificationMethod::Passkey, tr::add_kind_passkey_hint),
    (
        VerificationMethod::SecurityKey,
        tr::add_kind_security_key_hint,
    ),
];

#[component]
pub fn AddMethod(
    /// Whether the person has a method already: then a change needs a step-up first.
    has_methods: Signal<bool>,
    /// The person's email address, for naming a new passkey.
    username: Signal<Option<String>>,
    /// The kinds Authsignal lets the person add.
    addable: Signal<Vec<VerificationMethod>>,
    on_added: Callback<Added>,
) -> impl IntoView {
    let picked = RwSignal::new(None::<VerificationMethod>);
    // A link may name the kind to start with (the checkup's "Add a passkey": `?add=PASSKEY`),
    // chosen once the page runs: the server renders the first kind, as it always does.
    let asked = use_query(query::ADD);
    Effect::new(move || {
        let asked = asked.get_untracked().and_then(|code| {
            KINDS
                .into_iter()
                .map(|(method, ..)| method)
                .find(|method| method.code() == code)
        });
        if asked.is_some() {
            picked.set(asked);
        }
    });
    // The kind picked, or else the first one offered.
    let kind = Signal::derive(move || {
        let offered = addable.get();
        picked
            .get()
            .filter(|method| offered.contains(method))
            .or_else(|| offered.first().copied())
    });
    let resume = RwSignal::new(None::<Resume>);
    // Back from a fresh sign-in a step-up asked for: the flow that asked carries on.
    Effect::new(move || {
        if let Some(kept) = Resume::take() {
            picked.set(Some(kept.method));
            resume.set(Some(kept));
        }
    });

    view! {
        <section class="card needs-js" aria-labelledby="add-title">
            <h2 id="add-title">{tr::add_title()}</h2>
            <div class="kinds" role="group" aria-label=tr::add_kinds_label()>
                {KINDS
                    .map(|(method, hint)| {
                        view! {
                            <button
                                type="button"
                                class="kind"
                                hidden=move || !addable.get().contains(&method)
                                aria-pressed=move || (kind.get() == Some(method)).to_string()
                                on:click=move |_| picked.set(Some(method))
                            >
                                <span class="kind-name">{method.label()}</span>
                                <span class="kind-hint">{hint()}</span>
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || match kind.get() {
                None => {
                    view! {
                        <p class="muted">{tr::add_none_offered()}</p>
                    }
                        .into_any()
                }
                Some(VerificationMethod::EmailOtp) => {
                    view! { <AddCodeMethod channel=Channel::Email has_methods resume on_added /> }
                        .into_any()
                }
                Some(VerificationMethod::Sms) => {
                    view! { <AddCodeMethod channel=Channel::Sms has_methods resume on_added /> }
                        .into_any()
                }
                // Their code is fetched when first picked: the page hydrates without it.
                Some(VerificationMethod::AuthenticatorApp) => {
                    view! {
                        <LazyPart load=move || authenticator_app::load(has_methods, resume, on_added) />
                    }
                        .into_any()
                }
                Some(kind) => {
                    view! {
                        <LazyPart load=move || {
                            passkey::load(kind, has_methods, username, resume, on_added)
                        } />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
