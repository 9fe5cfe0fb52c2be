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
    has_methods: Signal<bool>,
    username: Signal<Option<String>>,
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AddPasskey has_methods username resume on_added /> }.into_any())
}

#[component]
fn AddPasskey(
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

    let create = move || {
        creating.set(true);
        error.set(None);
        status.set("Follow your browser's prompt to create the passkey.".to_owned());
        let name = username.get_untracked();
        spawn_local(async move {
            match register(name).await {
                Ok(id) => {
                    status.set(String::new());
                    on_added.run(Added {
                        id,
                        announcement: "Passkey added.".to_owned(),
                    });
                }
                Err(FlowError::App(crate::model::AppError::StepUpRequired { via })) => {
                    status.set(String::new());
                    if via == StepUpVia::SignIn {
                        Resume::remember(VerificationMethod::Passkey, "");
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
        if resume
            .get()
            .is_some_and(|resume| resume.method == VerificationMethod::Passkey)
        {
            resume.set(None);
            create();
        }
    });
    let on_create = move |_| step_up.before_change(has_methods.get_untracked(), create);

    view! {
        <section class="method-flow" aria-labelledby="add-passkey-title">
            <h3 id="add-passkey-title">"Add a passkey"</h3>
            <p class="muted">
                "Sign in with your fingerprint, face or screen lock, or with a security key. "
                "Nothing to type, and nothing a fake site can steal."
            </p>
            <p class="status" role="status">{move || status.get()}</p>
            <p class="error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <p class="muted small" hidden=move || supported.get() != Some(false)>
                {webauthn::UNSUPPORTED}
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
                        {move || if error.get().is_some() { "Try again" } else { "Create a passkey" }}
                    </span>
                </button>
            </div>
        </section>
    }
}

/// Gets a token from our server, options from Authsignal, a credential from the browser, and
/// gives that to Authsignal; answers the new method's id when Authsignal gives it.
async fn register(username: Option<String>) -> Result<Option<String>, FlowError> {
    let ticket = start_enrollment(VerificationMethod::Passkey, None, None)
        .await
        .map_err(FlowError::App)?;
    let mut api = ClientApi::new(&ticket);
    let options = api
        .passkey_registration_options(username)
        .await
        .map_err(FlowError::Client)?;
    let credential =
        webauthn::create(&options.options)
            .await
            .map_err(|error| FlowError::Passkey {
                error,
                creating: true,
            })?;
    match api
        .add_passkey(options.challenge_id, credential)
        .await
        .map_err(FlowError::Client)?
    {
        Verification::Verified { authenticator_id } => Ok(authenticator_id),
        Verification::WrongCode | Verification::TooManyAttempts => Err(FlowError::Refused(
            "Authsignal did not accept this passkey. Try again, or use another device or security key.",
        )),
    }
}
