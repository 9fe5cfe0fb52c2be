//! Adding a method that sends codes: an email address or a phone number, then the 6-digit code
//! Authsignal sent to it. Our server hands out a short-lived token; the browser enrolls and
//! verifies with Authsignal directly, as the Web SDK does.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::{
    Added, FlowError, Resume,
    field::{CodeField, Field, described_by},
};
use crate::{
    api::start_enrollment,
    browser::{
        authsignal::{ClientApi, ClientApiError, Verification},
        dom,
    },
    i18n::tr,
    model::{
        AppError, StepUpVia, VerificationMethod, normalize_code, validate_email,
        validate_phone_number,
    },
    pages::security::{spinner::Spinner, step_up::use_step_up},
};

/// Where codes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn method(self) -> VerificationMethod {
        match self {
            Self::Email => VerificationMethod::EmailOtp,
            Self::Sms => VerificationMethod::Sms,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Email => tr::add_code_email_title(),
            Self::Sms => tr::add_code_sms_title(),
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::Email => tr::add_code_email_explanation(),
            Self::Sms => tr::add_code_sms_explanation(),
        }
    }

    fn address_id(self) -> &'static str {
        match self {
            Self::Email => "new-email",
            Self::Sms => "new-phone",
        }
    }

    fn code_id(self) -> &'static str {
        match self {
            Self::Email => "email-code",
            Self::Sms => "sms-code",
        }
    }

    fn address_label(self) -> &'static str {
        match self {
            Self::Email => tr::add_code_email_label(),
            Self::Sms => tr::add_code_phone_label(),
        }
    }

    fn hint(self) -> Option<&'static str> {
        match self {
            Self::Email => None,
            Self::Sms => Some(tr::add_code_phone_hint()),
        }
    }

    /// The address as it will be sent, or why it can't be.
    fn validate(self, input: &str) -> Result<String, AppError> {
        match self {
            Self::Email => validate_email(input),
            Self::Sms => validate_phone_number(input),
        }
    }

    fn wrong_code(self) -> &'static str {
        match self {
            Self::Email => tr::add_code_email_wrong_code(),
            Self::Sms => tr::add_code_sms_wrong_code(),
        }
    }

    fn other_address(self) -> &'static str {
        match self {
            Self::Email => tr::add_code_email_other_address(),
            Self::Sms => tr::add_code_sms_other_address(),
        }
    }

    /// What is announced once it is added.
    fn added(self, address: &str) -> String {
        match self {
            Self::Email => tr::add_code_email_added(address),
            Self::Sms => tr::add_code_sms_added(address),
        }
    }
}

/// Where the person is in adding it.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Address,
    Code {
        address: String,
        api: ClientApi,
    },
    /// The code request ended (expired, or too many wrong codes): offer to start over.
    Ended {
        address: String,
        reason: String,
    },
}

#[component]
pub fn AddCodeMethod(
    channel: Channel,
    /// Whether the person has a method already: then a change needs a step-up first.
    has_methods: Signal<bool>,
    /// An address typed before a fresh sign-in, to carry on with.
    resume: RwSignal<Option<Resume>>,
    on_added: Callback<Added>,
) -> impl IntoView {
    let address_id = channel.address_id();
    let code_id = channel.code_id();
    let step = RwSignal::new(Step::Address);
    let address = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let address_error = RwSignal::new(None::<String>);
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

    let send_code = move |to: String| {
        sending.set(true);
        address_error.set(None);
        code_error.set(None);
        spawn_local(async move {
            match request_code(channel, &to).await {
                Ok(api) => {
                    status.set(tr::add_code_code_sent(&to));
                    code.set(String::new());
                    step.set(Step::Code { address: to, api });
                    dom::focus(code_id);
                }
                Err(FlowError::App(error @ AppError::InvalidInput { .. })) => {
                    step.set(Step::Address);
                    address_error.set(Some(error.to_string()));
                    dom::focus(address_id);
                }
                // Not verified lately: verify, then send without retyping anything.
                Err(FlowError::App(AppError::StepUpRequired { via })) => {
                    step.set(Step::Address);
                    if via == StepUpVia::SignIn {
                        Resume::remember(channel.method(), &to);
                    }
                    let again = to.clone();
                    step_up.ask(via, move || {
                        if let Some(send) = resend.get_value() {
                            send.run(again.clone());
                        }
                    });
                }
                Err(error) => step.set(Step::Ended {
                    address: to,
                    reason: error.sentence(),
                }),
            }
            sending.set(false);
        });
    };
    resend.set_value(Some(Callback::new(send_code)));

    // Back from a fresh sign-in asked for by a step-up: carry on with the address typed.
    Effect::new(move || {
        if let Some(Resume {
            method,
            address: typed,
        }) = resume.get()
            && method == channel.method()
        {
            resume.set(None);
            address.set(typed.clone());
            send_code(typed);
        }
    });

    let on_address_submit = move |event: SubmitEvent| {
        event.prevent_default();
        match channel.validate(&address.get_untracked()) {
            Ok(valid) => step_up.before_change(has_methods.get_untracked(), move || {
                send_code(valid.clone())
            }),
            Err(error) => {
                address_error.set(Some(error.to_string()));
                dom::focus(address_id);
            }
        }
    };

    let on_code_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let Step::Code {
            address: to,
            mut api,
        } = step.get_untracked()
        else {
            return;
        };
        let entered = match normalize_code(&code.get_untracked()) {
            Ok(entered) => entered,
            Err(error) => {
                code_error.set(Some(error.to_string()));
                dom::focus(code_id);
                return;
            }
        };
        verifying.set(true);
        code_error.set(None);
        spawn_local(async move {
            match api.verify(channel.method(), &entered).await {
                Ok(Verification::Verified { authenticator_id }) => {
                    step.set(Step::Address);
                    address.set(String::new());
                    status.set(String::new());
                    on_added.run(Added {
                        id: authenticator_id,
                        announcement: channel.added(&to),
                    });
                }
                Ok(Verification::WrongCode) => {
                    code_error.set(Some(channel.wrong_code().to_owned()));
                    dom::focus(code_id);
                }
                Ok(Verification::TooManyAttempts) => step.set(Step::Ended {
                    address: to,
                    reason: tr::add_code_too_many_attempts().to_owned(),
                }),
                Err(ClientApiError::Expired) => step.set(Step::Ended {
                    address: to,
                    reason: ClientApiError::Expired.sentence(),
                }),
                Err(error) => code_error.set(Some(error.sentence())),
            }
            verifying.set(false);
        });
    };

    let resend = move |_| {
        if let Step::Code { address: to, .. } = step.get_untracked() {
            send_code(to);
        }
    };
    let change_address = move |_| {
        step.set(Step::Address);
        status.set(String::new());
        dom::focus(address_id);
    };
    let title_id = match channel {
        Channel::Email => "add-email-title",
        Channel::Sms => "add-sms-title",
    };

    view! {
        <section class="method-flow" aria-labelledby=title_id>
            <h3 id=title_id>{channel.title()}</h3>
            <p class="muted">{channel.explanation()}</p>
            <p class="status" role="status">
                {move || status.get()}
            </p>
            {move || match step.get() {
                Step::Address => {
                    let (input_type, autocomplete, inputmode, maxlength) = match channel {
                        Channel::Email => ("email", "email", "email", "254"),
                        Channel::Sms => ("tel", "tel", "tel", "24"),
                    };
                    view! {
                        <form class="stack" on:submit=on_address_submit novalidate>
                            <Field
                                id=address_id
                                label=channel.address_label()
                                hint=channel.hint()
                                error=address_error
                            >
                                <input
                                    id=address_id
                                    name=input_type
                                    type=input_type
                                    autocomplete=autocomplete
                                    inputmode=inputmode
                                    maxlength=maxlength
                                    required
                                    prop:value=move || address.get()
                                    on:input=move |event| address.set(event_target_value(&event))
                                    aria-invalid=move || address_error.get().is_some().to_string()
                                    aria-describedby=described_by(
                                        address_id,
                                        channel.hint().is_some(),
                                        address_error,
                                    )
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
                                    <span class="label">{tr::add_code_send_code()}</span>
                                </button>
                            </div>
                            <p class="muted small" hidden=move || hydrated.get()>
                                {tr::add_code_needs_javascript()}
                            </p>
                        </form>
                    }
                        .into_any()
                }
                Step::Code { .. } => {
                    view! {
                        <form class="stack" on:submit=on_code_submit novalidate>
                            <CodeField
                                id=code_id
                                label=tr::add_code_code_label()
                                code
                                error=code_error
                            />
                            <div class="actions">
                                <button
                                    type="submit"
                                    class="button primary"
                                    disabled=move || verifying.get()
                                    aria-busy=move || verifying.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">{tr::add_code_verify()}</span>
                                </button>
                                <button
                                    type="button"
                                    class="button"
                                    on:click=resend
                                    disabled=move || sending.get()
                                    aria-busy=move || sending.get().to_string()
                                >
                                    <Spinner />
                                    <span class="label">{tr::add_code_resend_code()}</span>
                                </button>
                                <button type="button" class="button link" on:click=change_address>
                                    {channel.other_address()}
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
                Step::Ended { address: to, reason } => {
                    let again = to.clone();
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
                                    <span class="label">{tr::add_code_start_again_with(&to)}</span>
                                </button>
                                <button type="button" class="button link" on:click=change_address>
                                    {channel.other_address()}
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

/// Gets a token from our server, then asks Authsignal to send a code to `address`.
async fn request_code(channel: Channel, address: &str) -> Result<ClientApi, FlowError> {
    let (email, phone_number) = match channel {
        Channel::Email => (Some(address.to_owned()), None),
        Channel::Sms => (None, Some(address.to_owned())),
    };
    let ticket = start_enrollment(channel.method(), email, phone_number)
        .await
        .map_err(FlowError::App)?;
    let api = ClientApi::new(&ticket);
    let sent = match channel {
        Channel::Email => api.enroll_email(address).await,
        Channel::Sms => api.enroll_sms(address).await,
    };
    sent.map_err(FlowError::Client)?;
    Ok(api)
}
