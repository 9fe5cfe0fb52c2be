//! Adding a passkey: the registration options from the Client API go to the browser's WebAuthn
//! prompt, and the new credential back to the Client API, which verifies and keeps it. Either a
//! platform authenticator (the phone or computer's screen lock) or a security key will do.

use leptos::{prelude::*, task::spawn_local, wasm_split::SplitLoaderError};

use super::{Added, FlowError, Resume};
use crate::{
    api::start_enrollment,
    browser::{
        authsignal::{ClientApi, Verification},
        webauthn,
    },
    i18n::tr,
    model::{StepUpVia, VerificationMethod},
    pages::security::{spinner::Spinner, step_up::use_step_up},
};

/// The flow, from its own WASM chunk.
#[leptos::wasm_split::wasm_split(
    passkey,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch)
)]
pub fn load(
    kind: VerificationMethod,
    has_methods: Signal<bool>,
    username: Signal<Option<String>>,
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AddPasskey kind has_methods username resume on_added /> }.into_any())
}

/// What differs between a passkey and a security key, as the flow says it.
struct Words {
    title: &'static str,
    intro: &'static str,
    create: &'static str,
    prompt: &'static str,
    added: &'static str,
}

fn words(kind: VerificationMethod) -> Words {
    if kind == VerificationMethod::SecurityKey {
        Words {
            title: tr::add_passkey_security_key_title(),
            intro: tr::add_passkey_security_key_intro(),
            create: tr::add_passkey_security_key_create(),
            prompt: tr::add_passkey_security_key_prompt(),
            added: tr::add_passkey_security_key_added(),
        }
    } else {
        Words {
            title: tr::add_passkey_title(),
            intro: tr::add_passkey_intro(),
            create: tr::add_passkey_create(),
            prompt: tr::add_passkey_prompt(),
            added: tr::add_passkey_added(),
        }
    }
}

#[component]
fn AddPasskey(
    /// A passkey or a security key.
    kind: VerificationMethod,
    has_methods: Signal<bool>,
    /// The name the passkey is saved under on the device: the person's email address.
    username: Signal<Option<String>>,
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> impl IntoView {
    // Known only in the browser; until then the button waits, like every other way to add.
    let supported = RwSignal::new(None::<bool>);
    Effect::new(move || supported.set(Some(webauthn::is_supported())));
    let creating = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let step_up = use_step_up();
    let again = StoredValue::new(None::<Callback<()>>);

    let Words {
        title,
        intro,
        create: create_label,
        prompt,
        added,
    } = words(kind);
    let create = move || {
        creating.set(true);
        error.set(None);
        status.set(prompt.to_owned());
        let name = username.get_untracked();
        spawn_local(async move {
            match register(kind, name).await {
                Ok(id) => {
                    status.set(String::new());
                    on_added.run(Added {
                        id,
                        announcement: added.to_owned(),
                    });
                }
                Err(FlowError::App(crate::model::AppError::StepUpRequired { via })) => {
                    status.set(String::new());
                    if via == StepUpVia::SignIn {
                        Resume::remember(kind, "");
                    }
                    step_up.ask(via, move || {
                        if let Some(again) = again.get_value() {
                            again.run(());
                        }
                    });
                }
                Err(failure) => {
                    status.set(String::new());
                    error.set(Some(failure.sentence()));
                }
            }
            creating.set(false);
        });
    };
    again.set_value(Some(Callback::new(move |()| create())));
    Effect::new(move || {
        if resume.get().is_some_and(|resume| resume.method == kind) {
            resume.set(None);
            create();
        }
    });
    let on_create = move |_| step_up.before_change(has_methods.get_untracked(), create);

    view! {
        <section class="method-flow" aria-labelledby="add-passkey-title">
            <h3 id="add-passkey-title">{title}</h3>
            <p class="muted">{intro}</p>
            <p class="status" role="status">{move || status.get()}</p>
            <p class="error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <p class="muted small" hidden=move || supported.get() != Some(false)>
                {tr::browser_passkeys_unsupported()}
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="button primary"
                    on:click=on_create
                    disabled=move || supported.get() != Some(true) || creating.get()
                    aria-busy=move || creating.get().to_string()
                >
                    <Spinner />
                    <span class="label">
                        {move || {
                            if error.get().is_some() { tr::add_passkey_try_again() } else { create_label }
                        }}
                    </span>
                </button>
            </div>
        </section>
    }
}

/// Gets a token from our server, options from Authsignal, a credential from the browser, and
/// gives that to Authsignal; answers the new method's id when Authsignal gives it. A security
/// key goes through the Client API's security-key calls, which take the options and the
/// credential as they are.
async fn register(
    kind: VerificationMethod,
    username: Option<String>,
) -> Result<Option<String>, FlowError> {
    let ticket = start_enrollment(kind, None, None)
        .await
        .map_err(FlowError::App)?;
    let mut api = ClientApi::new(&ticket);
    let browser = |error| FlowError::Passkey {
        error,
        creating: true,
    };
    let verification = if kind == VerificationMethod::SecurityKey {
        let options = api
            .security_key_registration_options()
            .await
            .map_err(FlowError::Client)?;
        let credential = webauthn::create(&options).await.map_err(browser)?;
        api.add_security_key(credential).await
    } else {
        let options = api
            .passkey_registration_options(username)
            .await
            .map_err(FlowError::Client)?;
        let credential = webauthn::create(&options.options).await.map_err(browser)?;
        api.add_passkey(options.challenge_id, credential).await
    };
    match verification.map_err(FlowError::Client)? {
        Verification::Verified { authenticator_id } => Ok(authenticator_id),
        Verification::WrongCode | Verification::TooManyAttempts => {
            Err(FlowError::Refused(tr::add_passkey_refused()))
        }
    }
}
