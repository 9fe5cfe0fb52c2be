//! Adding an authenticator app: Authsignal makes a secret, the page shows it as a QR code and as
//! a key to type, and the app's first code proves it was set up. The secret stays in this page's
//! memory: it never goes to our server, into a URL, a log or storage.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local, wasm_split::SplitLoaderError};

use super::{Added, FlowError, Resume, field::CodeField, qr_code::QrCode};
use crate::{
    api::start_enrollment,
    browser::{
        authsignal::{ClientApi, ClientApiError, TotpSetup, Verification},
        dom,
    },
    i18n::tr,
    model::{
        AppError, CodeLength, StepUpVia, TotpParameters, VerificationMethod, normalize_code_of,
    },
    pages::security::{spinner::Spinner, step_up::use_step_up},
};

const CODE_INPUT: &str = "app-code";
const START: &str = "app-start";
/// Where focus goes once the QR code is shown, so a screen reader starts with what to do.
const FIRST_STEP: &str = "app-first-step";

/// Where the person is in setting the app up.
#[derive(Clone, PartialEq)]
enum Step {
    Start,
    Scan {
        api: ClientApi,
        setup: TotpSetup,
    },
    /// The setup ended (expired, or too many wrong codes): a new secret is needed.
    Ended {
        reason: String,
    },
}

/// The flow, from its own WASM chunk.
#[leptos::wasm_split::wasm_split(
    authenticator_app,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch)
)]
pub fn load(
    has_methods: Signal<bool>,
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AddAuthenticatorApp has_methods resume on_added /> }.into_any())
}

#[component]
fn AddAuthenticatorApp(
    has_methods: Signal<bool>,
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Start);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let starting = RwSignal::new(false);
    let verifying = RwSignal::new(false);
    let step_up = use_step_up();
    let restart = StoredValue::new(None::<Callback<()>>);

    let begin = move || {
        starting.set(true);
        error.set(None);
        spawn_local(async move {
            match set_up().await {
                Ok((api, setup)) => {
                    code.set(String::new());
                    step.set(Step::Scan { api, setup });
                    dom::focus(FIRST_STEP);
                }
                Err(FlowError::App(AppError::StepUpRequired { via })) => {
                    if via == StepUpVia::SignIn {
                        Resume::remember(VerificationMethod::AuthenticatorApp, "");
                    }
                    step_up.ask(via, move || {
                        if let Some(again) = restart.get_value() {
                            again.run(());
                        }
                    });
                }
                Err(failure) => step.set(Step::Ended {
                    reason: failure.sentence(),
                }),
            }
            starting.set(false);
        });
    };
    restart.set_value(Some(Callback::new(move |()| begin())));
    Effect::new(move || {
        if resume
            .get()
            .is_some_and(|resume| resume.method == VerificationMethod::AuthenticatorApp)
        {
            resume.set(None);
            begin();
        }
    });

    let on_start = move |_| step_up.before_change(has_methods.get_untracked(), begin);
    let on_code = move |event: SubmitEvent| {
        event.prevent_default();
        let Step::Scan { mut api, setup } = step.get_untracked() else {
            return;
        };
        let digits = TotpParameters::of_uri(&setup.uri).digits;
        let entered = match normalize_code_of(&code.get_untracked(), CodeLength::Exactly(digits)) {
            Ok(entered) => entered,
            Err(invalid) => {
                error.set(Some(invalid.to_string()));
                dom::focus(CODE_INPUT);
                return;
            }
        };
        verifying.set(true);
        error.set(None);
        spawn_local(async move {
            match api
                .verify(VerificationMethod::AuthenticatorApp, &entered)
                .await
            {
                Ok(Verification::Verified { authenticator_id }) => {
                    step.set(Step::Start);
                    status.set(String::new());
                    on_added.run(Added {
                        id: authenticator_id,
                        announcement: tr::add_app_added().to_owned(),
                    });
                }
                Ok(Verification::WrongCode) => {
                    error.set(Some(tr::add_app_wrong_code().to_owned()));
                    dom::focus(CODE_INPUT);
                }
                Ok(Verification::TooManyAttempts) => step.set(Step::Ended {
                    reason: tr::add_app_too_many_attempts().to_owned(),
                }),
                Err(ClientApiError::Expired) => step.set(Step::Ended {
                    reason: tr::add_app_expired().to_owned(),
                }),
                Err(failure) => error.set(Some(failure.sentence())),
            }
            verifying.set(false);
        });
    };
    let cancel = move |_| {
        step.set(Step::Start);
        status.set(String::new());
        error.set(None);
        dom::focus(START);
    };

    view! {
        <section class="method-flow" aria-labelledby="add-app-title">
            <h3 id="add-app-title">{tr::add_app_title()}</h3>
            <p class="muted">{tr::add_app_intro()}</p>
            <p class="status" role="status">{move || status.get()}</p>
            {move || match step.get() {
                Step::Start => view! {
                    <div class="actions">
                        <button
                            id=START
                            type="button"
                            class="button primary"
                            on:click=on_start
                            disabled=move || starting.get()
                            aria-busy=move || starting.get().to_string()
                        >
                            <Spinner />
                            <span class="label">{tr::add_app_set_up()}</span>
                        </button>
                    </div>
                }
                .into_any(),
                Step::Scan { setup, .. } => {
                    let label = app_code_label(TotpParameters::of_uri(&setup.uri));
                    view! {
                    <ol class="setup-steps">
                        <li>
                            <p id=FIRST_STEP tabindex="-1">
                                {tr::add_app_first_step()}
                            </p>
                            <QrCode text=setup.uri label=tr::add_app_qr_label() />
                            <SetupKey secret=setup.secret />
                        </li>
                        <li>
                            <form class="stack" on:submit=on_code novalidate>
                                <CodeField
                                    id=CODE_INPUT
                                    label=label
                                    code
                                    error
                                />
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="button primary"
                                        disabled=move || verifying.get()
                                        aria-busy=move || verifying.get().to_string()
                                    >
                                        <Spinner />
                                        <span class="label">{tr::add_app_verify()}</span>
                                    </button>
                                    <button type="button" class="button link" on:click=cancel>
                                        {tr::add_app_cancel()}
                                    </button>
                                </div>
                            </form>
                        </li>
                    </ol>
                    }
                    .into_any()
                }
                Step::Ended { reason } => view! {
                    <div class="stack">
                        <p class="error" role="alert">{reason}</p>
                        <div class="actions">
                            <button
                                id=START
                                type="button"
                                class="button primary"
                                on:click=move |_| begin()
                                disabled=move || starting.get()
                                aria-busy=move || starting.get().to_string()
                            >
                                <Spinner />
                                <span class="label">{tr::add_app_start_again()}</span>
                            </button>
                        </div>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The secret as a key to type, in groups of four, with a button that copies it.
#[component]
fn SetupKey(secret: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let grouped = in_groups(&secret);
    let copy = move |_| {
        let secret = secret.clone();
        spawn_local(async move {
            copied.set(Some(dom::copy_text(&secret).await));
        });
    };
    view! {
        <div class="setup-key">
            <p>{tr::add_app_key_intro()}</p>
            <p class="key-row">
                <code class="key">{grouped}</code>
                <button type="button" class="button small" on:click=copy>
                    {tr::add_app_copy_key()}
                </button>
            </p>
            <p class="muted small" role="status">
                {move || match copied.get() {
                    Some(true) => tr::add_app_key_copied(),
                    Some(false) => tr::add_app_key_not_copied(),
                    None => "",
                }}
            </p>
        </div>
    }
}

/// `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`, as apps show keys.
fn in_groups(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Gets a token from our server, then a new secret from Authsignal.
async fn set_up() -> Result<(ClientApi, TotpSetup), FlowError> {
    let ticket = start_enrollment(VerificationMethod::AuthenticatorApp, None, None)
        .await
        .map_err(FlowError::App)?;
    let api = ClientApi::new(&ticket);
    let setup = api.enroll_totp().await.map_err(FlowError::Client)?;
    Ok((api, setup))
}

/// "6-digit code from the app (a new one every 30 seconds)", as the app's setup says.
fn app_code_label(codes: TotpParameters) -> String {
    tr::add_app_code_label(codes.period_secs, codes.digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_in_groups_of_four() {
        assert_eq!(in_groups("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(in_groups("JBSWY3DPEHPK3PX"), "JBSW Y3DP EHPK 3PX");
        assert_eq!(in_groups("JBSW Y3DP===="), "JBSW Y3DP");
        assert_eq!(in_groups(""), "");
    }
}
