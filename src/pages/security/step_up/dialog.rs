use leptos::{
    ev::SubmitEvent, html::Dialog, prelude::*, task::spawn_local, wasm_split::SplitLoaderError,
};

use super::{StepUp, use_step_up};
use crate::{
    api::{complete_step_up, report_step_up_failure, start_step_up},
    browser::{
        authsignal::{ClientApi, ClientApiError, Verification},
        dom, webauthn,
    },
    i18n::tr,
    model::{AuthenticatorView, CodeLength, StepUpVia, VerificationMethod, normalize_code_of},
    pages::security::{lazy_part::LazyPart, spinner::Spinner},
    paths,
};

const CODE_INPUT: &str = "step-up-code";
const TITLE: &str = "step-up-title";

/// Where the person is in proving it's them.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Pick the method to verify with.
    Choose,
    /// A code was sent to `target`, or, for an app, is waiting to be typed.
    Code {
        target: AuthenticatorView,
        api: ClientApi,
    },
    /// That code no longer works (too many tries, or expired): send a new one.
    Ended {
        target: AuthenticatorView,
        reason: String,
    },
}

/// The dialog that asks for a step-up: a passkey, a code from an authenticator app, a code sent
/// to one of the person's addresses, or, for someone without a method, a fresh sign-in. On
/// success, the change that asked carries on.
/// The dialog that asks for a step-up: a passkey, a code from an authenticator app, a code sent
/// to one of the person's addresses, or, for someone without a method, a fresh sign-in. On
/// success, the change that asked carries on. What it shows, and the code that verifies, is a
/// separate WASM chunk, loaded the first time it opens.
#[component]
pub fn StepUpDialog(
    /// The person's methods; those that can be challenged are offered.
    methods: Signal<Vec<AuthenticatorView>>,
) -> impl IntoView {
    let step_up = use_step_up();
    let dialog = NodeRef::<Dialog>::new();
    // Kept once loaded, so that a closed dialog gives focus back where it was.
    let asked = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false) || step_up.asking.get().is_some()
    });

    Effect::new(move || {
        let asking = step_up.asking.get().is_some();
        let Some(dialog) = dialog.get() else { return };
        if asking && !dialog.open() {
            let _ = dialog.show_modal();
            dom::focus(TITLE);
        } else if !asking && dialog.open() {
            dialog.close();
        }
    });

    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            aria-labelledby=TITLE
            aria-describedby="step-up-why"
            on:close=move |_| step_up.cancel()
        >
            // Nothing inside until it opens: what it offers depends on the list, which the
            // server renders only inside its own transition.
            {move || {
                asked
                    .get()
                    .then(|| {
                        view! {
                            <LazyPart load=move || contents(step_up, methods) not_loaded />
                        }
                    })
            }}
        </dialog>
    }
}

/// The dialog's code could not be fetched: say so, and offer to fetch it again.
fn not_loaded(retry: Callback<()>) -> AnyView {
    let step_up = use_step_up();
    Effect::new(move || dom::focus(TITLE));
    view! {
        <h2 id=TITLE tabindex="-1">{tr::step_up_title()}</h2>
        <p id="step-up-why" class="error" role="alert">{tr::lazy_not_loaded()}</p>
        <div class="dialog-actions">
            <button type="button" class="button" on:click=move |_| step_up.cancel()>
                {tr::step_up_cancel()}
            </button>
            <button type="button" class="button primary" on:click=move |_| retry.run(())>
                {tr::step_up_try_again()}
            </button>
        </div>
    }
    .into_any()
}

/// The dialog's contents, from their own WASM chunk.
#[leptos::wasm_split::wasm_split(
    step_up_dialog,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch)
)]
pub fn contents(
    step_up: StepUp,
    methods: Signal<Vec<AuthenticatorView>>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Contents step_up methods /> }.into_any())
}

/// What the dialog shows while it is open.
#[component]
fn Contents(step_up: StepUp, methods: Signal<Vec<AuthenticatorView>>) -> impl IntoView {
    let stage = RwSignal::new(Stage::Choose);
    let chosen = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let challengeable = Signal::derive(move || choices(methods.get(), webauthn::is_supported()));
    let chosen_method = move || {
        chosen.get().and_then(|id| {
            challengeable
                .get()
                .into_iter()
                .find(|method| method.id == id)
                .map(|method| method.method)
        })
    };

    // Each time it opens, it starts again from the choice. Already open when first loaded.
    Effect::new(move || {
        if step_up.asking.get().is_some() {
            stage.set(Stage::Choose);
            error.set(None);
            status.set(String::new());
            // The method under test, or else the first one.
            let offered = challengeable.get_untracked();
            let testing = step_up.testing.get_untracked();
            chosen.set(
                testing
                    .filter(|id| offered.iter().any(|method| method.id == *id))
                    .or_else(|| offered.first().map(|m| m.id.clone())),
            );
            dom::focus(TITLE);
        }
    });

    let send = move |target: AuthenticatorView| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match send_code(&target).await {
                Ok(api) => {
                    status.set(match target.method {
                        VerificationMethod::AuthenticatorApp => {
                            tr::step_up_app_code_prompt().to_owned()
                        }
                        _ => match &target.masked_identifier {
                            Some(address) => tr::step_up_code_sent_to(address),
                            None => tr::step_up_code_sent_by_text().to_owned(),
                        },
                    });
                    code.set(String::new());
                    stage.set(Stage::Code { target, api });
                    dom::focus(CODE_INPUT);
                }
                Err(reason) => error.set(Some(reason)),
            }
            busy.set(false);
        });
    };
    let on_choose = move |event: SubmitEvent| {
        event.prevent_default();
        let target = chosen.get_untracked().and_then(|id| {
            challengeable
                .get_untracked()
                .into_iter()
                .find(|method| method.id == id)
        });
        match target {
            Some(target) if target.method.is_webauthn() => {
                busy.set(true);
                error.set(None);
                status.set(
                    if target.method == VerificationMethod::SecurityKey {
                        tr::step_up_security_key_prompt()
                    } else {
                        tr::step_up_passkey_prompt()
                    }
                    .to_owned(),
                );
                spawn_local(async move {
                    match use_passkey(target.method).await {
                        Ok(api) => finish(step_up, api, stage, error).await,
                        Err(reason) => error.set(Some(reason)),
                    }
                    status.set(String::new());
                    busy.set(false);
                });
            }
            Some(target) => send(target),
            None => error.set(Some(tr::step_up_choose_method().to_owned())),
        }
    };
    let on_code = move |event: SubmitEvent| {
        event.prevent_default();
        let Stage::Code { target, mut api } = stage.get_untracked() else {
            return;
        };
        // An app's setup is not known here: any length an app may show.
        let length = match target.method {
            VerificationMethod::AuthenticatorApp => CodeLength::AnyApp,
            _ => CodeLength::Exactly(6),
        };
        let entered = match normalize_code_of(&code.get_untracked(), length) {
            Ok(entered) => entered,
            Err(invalid) => {
                error.set(Some(invalid.to_string()));
                dom::focus(CODE_INPUT);
                return;
            }
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api.verify(target.method, &entered).await {
                Ok(Verification::Verified { .. }) => finish(step_up, api, stage, error).await,
                Ok(Verification::WrongCode) => {
                    error.set(Some(
                        match target.method {
                            VerificationMethod::AuthenticatorApp => tr::step_up_wrong_app_code(),
                            _ => tr::step_up_wrong_sent_code(),
                        }
                        .to_owned(),
                    ));
                    dom::focus(CODE_INPUT);
                }
                Ok(Verification::TooManyAttempts) => {
                    // For the activity log: the server cannot see the codes typed here.
                    let _ = report_step_up_failure(api.into_token()).await;
                    stage.set(Stage::Ended {
                        target,
                        reason: tr::step_up_too_many_attempts().to_owned(),
                    });
                }
                Err(ClientApiError::Expired) => stage.set(Stage::Ended {
                    target,
                    reason: tr::step_up_expired().to_owned(),
                }),
                Err(failure) => error.set(Some(failure.sentence())),
            }
            busy.set(false);
        });
    };
    let other_method = move |_| {
        stage.set(Stage::Choose);
        error.set(None);
        status.set(String::new());
        dom::focus(TITLE);
    };
    let cancel = move |_| step_up.cancel();

    view! {
            {move || match step_up.asking.get() {
                None => ().into_any(),
                Some(StepUpVia::SignIn) => view! { <SignInAgain cancel /> }.into_any(),
                Some(StepUpVia::Method) => {
                    view! {
                        <h2 id=TITLE tabindex="-1">{tr::step_up_title()}</h2>
                        <p id="step-up-why">
                            {move || {
                                if step_up.testing.get().is_some() {
                                    tr::step_up_why_testing()
                                } else {
                                    tr::step_up_why()
                                }
                            }}
                        </p>
                        <p class="status" role="status">{move || status.get()}</p>
                        {move || match stage.get() {
                            Stage::Choose => {
                                view! {
                                    <form class="stack" on:submit=on_choose novalidate>
                                        <fieldset class="choices">
                                            <legend>{tr::step_up_verify_with()}</legend>
                                            <For
                                                each=move || challengeable.get()
                                                key=|method| method.id.clone()
                                                let(method)
                                            >
                                                <MethodChoice method chosen />
                                            </For>
                                        </fieldset>
                                        <Problem error />
                                        <div class="dialog-actions">
                                            <button type="button" class="button" on:click=cancel>
                                                {tr::step_up_cancel()}
                                            </button>
                                            <button
                                                type="submit"
                                                class="button primary"
                                                disabled=move || busy.get()
                                                aria-busy=move || busy.get().to_string()
                                            >
                                                <Spinner />
                                                <span class="label">
                                                    {move || match chosen_method() {
                                                        Some(VerificationMethod::Passkey) => tr::step_up_use_passkey(),
                                                        Some(VerificationMethod::SecurityKey) => {
                                                            tr::step_up_use_security_key()
                                                        }
                                                        Some(VerificationMethod::AuthenticatorApp) => {
                                                            tr::step_up_continue()
                                                        }
                                                        _ => tr::step_up_send_code(),
                                                    }}
                                                </span>
                                            </button>
                                        </div>
                                    </form>
                                }
                                    .into_any()
                            }
                            Stage::Code { target, .. } => {
                                let sent = target.method != VerificationMethod::AuthenticatorApp;
                                let again = target.clone();
                                view! {
                                    <form class="stack" on:submit=on_code novalidate>
                                        <div class="field">
                                            <label for=CODE_INPUT>{tr::step_up_code_label()}</label>
                                            <input
                                                id=CODE_INPUT
                                                class="code-input"
                                                type="text"
                                                inputmode="numeric"
                                                autocomplete="one-time-code"
                                                spellcheck="false"
                                                maxlength="11"
                                                required
                                                prop:value=move || code.get()
                                                on:input=move |event| code.set(event_target_value(&event))
                                                aria-invalid=move || error.get().is_some().to_string()
                                                aria-describedby=move || {
                                                    error.get().map(|_| "step-up-problem".to_owned())
                                                }
                                            />
                                        </div>
                                        <Problem error />
                                        <div class="dialog-actions">
                                            <button type="button" class="button link" on:click=other_method>
                                                {tr::step_up_other_method()}
                                            </button>
                                            {sent.then(|| view! {
                                                <button
                                                    type="button"
                                                    class="button"
                                                    on:click=move |_| send(again.clone())
                                                    disabled=move || busy.get()
                                                >
                                                    {tr::step_up_resend_code()}
                                                </button>
                                            })}
                                            <button
                                                type="submit"
                                                class="button primary"
                                                disabled=move || busy.get()
                                                aria-busy=move || busy.get().to_string()
                                            >
                                                <Spinner />
                                                <span class="label">{tr::step_up_verify_code()}</span>
                                            </button>
                                        </div>
                                    </form>
                                }
                                    .into_any()
                            }
                            Stage::Ended { target, reason } => {
                                view! {
                                    <div class="stack">
                                        <p class="error" role="alert">{reason}</p>
                                        <div class="dialog-actions">
                                            <button type="button" class="button" on:click=cancel>
                                                {tr::step_up_cancel()}
                                            </button>
                                            <button
                                                type="button"
                                                class="button primary"
                                                on:click=move |_| send(target.clone())
                                                disabled=move || busy.get()
                                                aria-busy=move || busy.get().to_string()
                                            >
                                                <Spinner />
                                                <span class="label">{tr::step_up_start_again()}</span>
                                            </button>
                                        </div>
                                    </div>
                                }
                                    .into_any()
                            }
                        }}
                    }
                        .into_any()
                }
            }}
    }
}

/// One method to verify with, as a radio button.
#[component]
fn MethodChoice(method: AuthenticatorView, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let id = method.id.clone();
    let checked = {
        let id = id.clone();
        move || chosen.get().as_deref() == Some(id.as_str())
    };
    let name = match (&method.masked_identifier, method.method) {
        // One choice stands for all of them: the browser or the app picks which.
        (
            _,
            VerificationMethod::Passkey
            | VerificationMethod::SecurityKey
            | VerificationMethod::AuthenticatorApp,
        ) => method.label.clone(),
        (Some(identifier), _) => tr::step_up_choice_name(identifier, &method.label),
        (None, _) => method.label.clone(),
    };
    view! {
        <label class="choice">
            <input
                type="radio"
                name="step-up-method"
                value=id.clone()
                prop:checked=checked
                on:change=move |_| chosen.set(Some(id.clone()))
            />
            {name}
        </label>
    }
}

/// What went wrong in this step, announced.
#[component]
fn Problem(error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id="step-up-problem" role="alert" hidden=move || error.get().is_none()>
            {move || error.get()}
        </p>
    }
}

/// For someone with no method to verify with: a fresh sign-in proves it's them.
#[component]
fn SignInAgain(cancel: impl Fn(leptos::ev::MouseEvent) + 'static) -> impl IntoView {
    view! {
        <h2 id=TITLE tabindex="-1">{tr::step_up_sign_in_title()}</h2>
        <p id="step-up-why">{tr::step_up_sign_in_why()}</p>
        <div class="dialog-actions">
            <button type="button" class="button" on:click=cancel>
                {tr::step_up_cancel()}
            </button>
            <a class="button primary" href=paths::FRESH_SIGN_IN_TO_ADD>
                {tr::step_up_sign_in_again()}
            </a>
        </div>
    }
}

/// What the dialog offers, fastest first: a passkey (when this browser can use one), an app,
/// then each email address in the list's order, then text messages. A passkey or an app is
/// offered once however many the person has: the browser or the app decides which one answers.
/// Text messages are offered once too, named by the number only when there is one: Authsignal's
/// text-message challenge takes no authenticator id (DOCS start-sms-challenge), so which of
/// several numbers gets the code is not the page's to promise.
fn choices(methods: Vec<AuthenticatorView>, passkeys_work: bool) -> Vec<AuthenticatorView> {
    let rank = |method: VerificationMethod| match method {
        VerificationMethod::Passkey | VerificationMethod::SecurityKey => 0,
        VerificationMethod::AuthenticatorApp => 1,
        VerificationMethod::Sms => 3,
        _ => 2,
    };
    let numbers = methods
        .iter()
        .filter(|method| method.method == VerificationMethod::Sms)
        .count();
    let mut offered: Vec<AuthenticatorView> = Vec::new();
    for mut method in methods {
        let once = matches!(
            method.method,
            VerificationMethod::Passkey
                | VerificationMethod::SecurityKey
                | VerificationMethod::AuthenticatorApp
                | VerificationMethod::Sms
        );
        if method.method == VerificationMethod::Sms && numbers > 1 {
            method.masked_identifier = None;
        }
        let usable = method.method.can_step_up() && (!method.method.is_webauthn() || passkeys_work);
        if usable && !(once && offered.iter().any(|other| other.method == method.method)) {
            offered.push(method);
        }
    }
    offered.sort_by_key(|method| rank(method.method));
    offered
}

/// Gets a step-up token from our server; for a code sent to an address, asks Authsignal to
/// send it to `target`. An app's code needs no sending.
async fn send_code(target: &AuthenticatorView) -> Result<ClientApi, String> {
    let ticket = start_step_up().await.map_err(|error| error.to_string())?;
    let api = ClientApi::new(&ticket);
    if target.method != VerificationMethod::AuthenticatorApp {
        api.challenge(target.method, &target.id)
            .await
            .map_err(|error| error.sentence())?;
    }
    Ok(api)
}

/// Gets a step-up token from our server, options for the person's passkeys (or security
/// keys) from Authsignal, and the browser's assertion, which Authsignal checks.
async fn use_passkey(kind: VerificationMethod) -> Result<ClientApi, String> {
    let ticket = start_step_up().await.map_err(|error| error.to_string())?;
    let mut api = ClientApi::new(&ticket);
    let verification = if kind == VerificationMethod::SecurityKey {
        let options = api
            .security_key_authentication_options()
            .await
            .map_err(|error| error.sentence())?;
        let assertion = webauthn::get(&options)
            .await
            .map_err(|error| error.sentence(false))?;
        api.verify_security_key(assertion).await
    } else {
        let options = api
            .passkey_authentication_options()
            .await
            .map_err(|error| error.sentence())?;
        let assertion = webauthn::get(&options.options)
            .await
            .map_err(|error| error.sentence(false))?;
        api.verify_passkey(options.challenge_id, assertion).await
    };
    match verification.map_err(|error| error.sentence())? {
        Verification::Verified { .. } => Ok(api),
        _ => Err(tr::step_up_passkey_not_accepted().to_owned()),
    }
}

/// The challenge was passed: our server turns its token into a window. The page keeps no
/// Authsignal token after: the passed challenge's could still add methods.
async fn finish(
    step_up: StepUp,
    api: ClientApi,
    stage: RwSignal<Stage>,
    error: RwSignal<Option<String>>,
) {
    let completed = complete_step_up(api.into_token()).await;
    stage.set(Stage::Choose);
    match completed {
        Ok(window) => step_up.granted(window.remaining_secs.unwrap_or(0)),
        Err(refused) => error.set(Some(refused.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::When;

    fn method(id: &str, method: VerificationMethod, identifier: &str) -> AuthenticatorView {
        let when = When {
            iso: String::new(),
            relative: String::new(),
            exact: String::new(),
        };
        AuthenticatorView {
            id: id.to_owned(),
            method,
            label: method.label().to_owned(),
            masked_identifier: Some(identifier.to_owned()),
            added: when,
            last_used: None,
            is_fallback: method.is_fallback(),
            credential_id: None,
        }
    }

    #[test]
    fn text_messages_are_one_choice_named_by_the_number_only_when_there_is_one() {
        let one = choices(
            vec![
                method("s1", VerificationMethod::Sms, "+64 •• ••• 4321"),
                method("e1", VerificationMethod::EmailOtp, "j•••@example.com"),
            ],
            true,
        );
        let names: Vec<_> = one.iter().map(|m| m.masked_identifier.clone()).collect();
        assert_eq!(
            names,
            [
                Some("j•••@example.com".to_owned()),
                Some("+64 •• ••• 4321".to_owned())
            ]
        );
        let two = choices(
            vec![
                method("s1", VerificationMethod::Sms, "+64 •• ••• 4321"),
                method("s2", VerificationMethod::Sms, "+61 •• ••• 9876"),
                method("e1", VerificationMethod::EmailOtp, "j•••@example.com"),
                method("e2", VerificationMethod::EmailOtp, "k•••@example.com"),
            ],
            true,
        );
        let ids: Vec<_> = two.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2", "s1"]);
        assert_eq!(two[2].masked_identifier, None);
    }
}
