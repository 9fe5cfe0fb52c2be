use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::{spinner::Spinner, step_up::use_step_up};
use crate::{
    api::start_enrollment,
    browser::{
        authsignal::{ClientApi, ClientApiError, Verification},
        dom,
    },
    model::{AppError, StepUpVia, VerificationMethod, normalize_code, validate_email},
};

const EMAIL_INPUT: &str = "new-email";
/// Where the typed address waits while the person signs in again to step up.
const RESUME_KEY: &str = "account-security.add-email";
const CODE_INPUT: &str = "email-code";

/// Where the person is in adding an email code.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Email,
    Code {
        email: String,
        api: ClientApi,
    },
    /// The code request ended (expired, or too many wrong codes): offer to start over.
    Ended {
        email: String,
        reason: String,
    },
}

/// Adds an email code through the Authsignal Client API: our server hands out a short-lived
/// token, and the browser enrolls and verifies with Authsignal directly, as the Web SDK does.
#[component]
pub fn AddEmailCode(
    /// Whether the person has a method already: then a change needs a step-up first.
    has_methods: Signal<bool>,
    /// Called with the new method's id (when Authsignal gives it) and the address, once verified.
    on_added: Callback<(Option<String>, String)>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Email);
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let code_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let verifying = RwSignal::new(false);
    // Adding a method needs the browser to talk to Authsignal: until the page is interactive,
    // the form stays disabled and says why.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let step_up = use_step_up();
    // Itself, for a step-up to call once it has been passed.
    let resend = StoredValue::new(None::<Callback<String>>);

    let send_code = move |address: String| {
        sending.set(true);
        email_error.set(None);
        code_error.set(None);
        spawn_local(async move {
            match request_code(&address).await {
                Ok(api) => {
                    status.set(format!(
                        "We sent a 6-digit code to {address}. It works for 10 minutes."
                    ));
                    code.set(String::new());
                    step.set(Step::Code {
                        email: address,
                        api,
                    });
                    dom::focus(CODE_INPUT);
                }
                Err(SendError::App(error @ AppError::InvalidInput { .. })) => {
                    step.set(Step::Email);
                    email_error.set(Some(error.to_string()));
                    dom::focus(EMAIL_INPUT);
                }
                // Not verified lately: verify, then send without retyping anything.
                Err(SendError::App(AppError::StepUpRequired { via })) => {
                    step.set(Step::Email);
                    if via == StepUpVia::SignIn {
                        dom::remember_for_resume(RESUME_KEY, &address);
                    }
                    let resume = address.clone();
                    step_up.ask(via, move || {
                        if let Some(send) = resend.get_value() {
                            send.run(resume.clone());
                        }
                    });
                }
                Err(error) => {
                    step.set(Step::Ended {
                        email: address,
                        reason: error.sentence(),
                    });
                }
            }
            sending.set(false);
        });
    };

    resend.set_value(Some(Callback::new(send_code)));
    // Back from a fresh sign-in asked for by a step-up: carry on with the address typed.
    Effect::new(move || {
        if let Some(address) = dom::take_resume(RESUME_KEY) {
            email.set(address.clone());
            send_code(address);
        }
    });

    let on_email_submit = move |event: SubmitEvent| {
        event.prevent_default();
        match validate_email(&email.get_untracked()) {
            Ok(address) => step_up.before_change(has_methods.get_untracked(), move || {
                send_code(address.clone())
            }),
            Err(error) => {
                email_error.set(Some(error.to_string()));
                dom::focus(EMAIL_INPUT);
            }
        }
    };

    let on_code_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let Step::Code {
            email: address,
            mut api,
        } = step.get_untracked()
        else {
            return;
        };
        let entered = match normalize_code(&code.get_untracked()) {
            Ok(entered) => entered,
            Err(error) => {
                code_error.set(Some(error.to_string()));
                dom::focus(CODE_INPUT);
                return;
            }
        };
        verifying.set(true);
        code_error.set(None);
        spawn_local(async move {
            match api.verify(VerificationMethod::EmailOtp, &entered).await {
                Ok(Verification::Verified { authenticator_id }) => {
                    step.set(Step::Email);
                    email.set(String::new());
                    status.set(String::new());
                    on_added.run((authenticator_id, address));
                }
                Ok(Verification::WrongCode) => {
                    code_error.set(Some(
                        "That code is not right. Check the newest email from us and try again."
                            .to_owned(),
                    ));
                    dom::focus(CODE_INPUT);
                }
                Ok(Verification::TooManyAttempts) => step.set(Step::Ended {
                    email: address,
                    reason: "Too many wrong codes. For your security, that code no longer works."
                        .to_owned(),
                }),
                Err(ClientApiError::Expired) => step.set(Step::Ended {
                    email: address,
                    reason: ClientApiError::Expired.sentence(),
                }),
                Err(error) => code_error.set(Some(error.sentence())),
            }
            verifying.set(false);
        });
    };

    let resend = move |_| {
        if let Step::Code { email: address, .. } = step.get_untracked() {
            send_code(address);
        }
    };
    let change_email = move |_| {
        step.set(Step::Email);
        status.set(String::new());
        dom::focus(EMAIL_INPUT);
    };

    view! {
        <section class="card" aria-labelledby="add-email-title">
            <h2 id="add-email-title">"Add an email code"</h2>
            <p class="muted">
                "We email you a 6-digit code whenever you need to prove it's you."
            </p>
            <p class="status" role="status">
                {move || status.get()}
            </p>
            {move || match step.get() {
                Step::Email => {
                    view! {
                        <form class="stack" on:submit=on_email_submit novalidate>
                            <Field
                                id=EMAIL_INPUT
                                label="Email address"
                                error=email_error
                            >
                                <input
                                    id=EMAIL_INPUT
                                    name="email"
                                    type="email"
                                    autocomplete="email"
                                    maxlength="254"
                                    required
                                    prop:value=move || email.get()
                                    on:input=move |event| email.set(event_target_value(&event))
                                    aria-invalid=move || email_error.get().is_some().to_string()
                                    aria-describedby=move || email_error.get().map(|_| format!("{EMAIL_INPUT}-error"))
                                />
                            </Field>
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="button primary"
                                    disabled=move || !hydrated.get() || sending.get()
                                    aria-busy=move || sending.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">"Send code"</span>
                                </button>
                            </div>
                            <p class="muted small" hidden=move || hydrated.get()>
                                "Adding a method needs JavaScript, which is off or still loading."
                            </p>
                        </form>
                    }
                        .into_any()
                }
                Step::Code { .. } => {
                    view! {
                        <form class="stack" on:submit=on_code_submit novalidate>
                            <Field id=CODE_INPUT label="6-digit code" error=code_error>
                                <input
                                    id=CODE_INPUT
                                    name="code"
                                    class="code-input"
                                    type="text"
                                    inputmode="numeric"
                                    autocomplete="one-time-code"
                                    spellcheck="false"
                                    maxlength="11"
                                    required
                                    prop:value=move || code.get()
                                    on:input=move |event| code.set(event_target_value(&event))
                                    aria-invalid=move || code_error.get().is_some().to_string()
                                    aria-describedby=move || code_error.get().map(|_| format!("{CODE_INPUT}-error"))
                                />
                            </Field>
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="button primary"
                                    disabled=move || verifying.get()
                                    aria-busy=move || verifying.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">"Verify"</span>
                                </button>
                                <button
                                    type="button"
                                    class="button"
                                    on:click=resend
                                    disabled=move || sending.get()
                                    aria-busy=move || sending.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">"Resend code"</span>
                                </button>
                                <button type="button" class="button link" on:click=change_email>
                                    "Use a different email"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
                Step::Ended { email: address, reason } => {
                    let again = address.clone();
                    view! {
                        <div class="stack">
                            <p class="error" role="alert">
                                {reason}
                            </p>
                            <div class="actions">
                                <button
                                    type="button"
                                    class="button primary"
                                    on:click=move |_| send_code(again.clone())
                                    disabled=move || sending.get()
                                    aria-busy=move || sending.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">{format!("Start again with {address}")}</span>
                                </button>
                                <button type="button" class="button link" on:click=change_email>
                                    "Use a different email"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// A labelled input with its error message underneath.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    error: RwSignal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
            <p class="field-error" id=format!("{id}-error") hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

enum SendError {
    App(AppError),
    Client(ClientApiError),
}

impl SendError {
    fn sentence(&self) -> String {
        match self {
            Self::App(error) => error.to_string(),
            Self::Client(error) => error.sentence(),
        }
    }
}

/// Gets a token from our server, then asks Authsignal to email a code to `address`.
async fn request_code(address: &str) -> Result<ClientApi, SendError> {
    let ticket = start_enrollment(address.to_owned())
        .await
        .map_err(SendError::App)?;
    let api = ClientApi::new(&ticket);
    api.enroll_email(address).await.map_err(SendError::Client)?;
    Ok(api)
}
