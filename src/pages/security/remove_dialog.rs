use leptos::{html::Dialog, prelude::*};

use super::{spinner::Spinner, step_up::use_step_up};
use crate::{
    api::RemoveAuthenticator,
    browser::webauthn,
    i18n::{self, Locale, tr},
    lockout::removal_risk,
    model::{AppError, AuthenticatorView, LockOutReason},
    pages::address,
    paths::Page,
};

/// The confirmation before a removal. It is open while the URL says `?remove=<id>`, so it works
/// without JavaScript too: the server renders it open, and its form posts like any form.
#[component]
pub fn RemoveDialog(
    /// The id from `?remove=`.
    removing: Memo<Option<String>>,
    authenticators: Vec<AuthenticatorView>,
    action: ServerAction<RemoveAuthenticator>,
    /// The WebAuthn credential of the passkey or security key being removed, for the page to
    /// tell the browser once it is gone.
    removing_credential: StoredValue<Option<String>>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    // Rendered open by the server (no JavaScript needed); in the browser the effect below makes
    // it a modal dialog instead, which traps focus and closes with Escape.
    let open_on_server = removing.get_untracked().is_some();
    Effect::new(move || {
        let wanted = removing.get().is_some();
        let Some(dialog) = dialog.get() else { return };
        if wanted && !dialog.matches(":modal").unwrap_or(false) {
            if dialog.open() {
                dialog.close();
            }
            let _ = dialog.show_modal();
        } else if !wanted && dialog.open() {
            dialog.close();
        }
    });
    let on_close = move |_| {
        action.value().set(None);
        if removing.get_untracked().is_some() {
            address::go(Page::Security.path());
        }
    };
    let target = move || {
        removing.get().map(|id| {
            (
                authenticators.iter().find(|a| a.id == id).cloned(),
                authenticators.clone(),
            )
        })
    };
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            open=open_on_server
            aria-labelledby="remove-title"
            aria-describedby="remove-consequence"
            on:close=on_close
        >
            {move || match target() {
                None => ().into_any(),
                Some((None, _)) => view! { <NotInYourList /> }.into_any(),
                Some((Some(target), all)) => {
                    view! { <ConfirmRemoval target all action removing_credential /> }.into_any()
                }
            }}
        </dialog>
    }
}

#[component]
fn NotInYourList() -> impl IntoView {
    view! {
        <h2 id="remove-title">{tr::remove_nothing_title()}</h2>
        <p id="remove-consequence">{tr::remove_not_in_list()}</p>
        <div class="dialog-actions">
            <a
                class="button"
                href=Page::Security.path()
                on:click=|event| address::follow(&event, Page::Security.path())
            >
                {tr::common_close()}
            </a>
        </div>
    }
}

#[component]
fn ConfirmRemoval(
    target: AuthenticatorView,
    all: Vec<AuthenticatorView>,
    action: ServerAction<RemoveAuthenticator>,
    removing_credential: StoredValue<Option<String>>,
) -> impl IntoView {
    let needs_consent = removal_risk(all.iter().map(|a| (a.id.as_str(), a.method)), &target.id)
        == Some(LockOutReason::NoFallbackLeft);
    let remaining: Vec<AuthenticatorView> = all.into_iter().filter(|a| a.id != target.id).collect();
    let still_with = remaining
        .iter()
        .map(|a| match &a.masked_identifier {
            Some(identifier) => tr::remove_still_with_item(identifier, &a.label),
            None => a.label.clone(),
        })
        .collect::<Vec<_>>()
        .join(tr::remove_list_separator());
    let name = match &target.masked_identifier {
        Some(identifier) => tr::remove_method_name(identifier, &target.label),
        None => target.label.clone(),
    };
    let pending = action.pending();
    let step_up = use_step_up();
    // A removal the server refuses for want of a step-up is asked again once it is passed.
    let error = move || match action.value().get() {
        Some(Err(AppError::StepUpRequired { .. })) => None,
        Some(Err(error)) => Some(error),
        _ => None,
    };
    let asked = StoredValue::new(None::<RemoveAuthenticator>);
    Effect::new(move || {
        if let Some(Err(AppError::StepUpRequired { via })) = action.value().get() {
            action.value().set(None);
            if let Some(removal) = asked.get_value() {
                step_up.ask(via, move || {
                    action.dispatch(removal.clone());
                });
            }
        }
    });
    let consented = RwSignal::new(false);
    // Without JavaScript the checkbox's `required` stops the form; once the page runs, Remove
    // stays disabled until the box is ticked, with the reason beside it.
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    let waiting_for_consent = move || needs_consent && interactive.get() && !consented.get();
    let id = target.id.clone();
    let credential = target.credential_id.clone();
    // Where the browser cannot be told a passkey is gone, the person is asked to delete it.
    let delete_by_hand = RwSignal::new(false);
    if target.method.is_webauthn() {
        Effect::new(move || delete_by_hand.set(!webauthn::can_signal()));
    }
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        // Without JavaScript this is never called: the form posts by itself.
        event.prevent_default();
        let removal = RemoveAuthenticator {
            id: id.clone(),
            accepts_no_fallback: consented.get_untracked(),
        };
        asked.set_value(Some(removal.clone()));
        removing_credential.set_value(credential.clone());
        step_up.before_change(true, move || {
            action.dispatch(removal.clone());
        });
    };
    view! {
        <h2 id="remove-title">{tr::remove_title(in_sentence(&target.label))}</h2>
        <div id="remove-consequence">
            <p>{tr::remove_no_longer_works(&name)}</p>
            <p class="remaining">
                <strong>{tr::remove_still_sign_in_with()}</strong>
                {still_with}
            </p>
            <p class="muted" hidden=move || !delete_by_hand.get()>
                {tr::remove_delete_by_hand()}
            </p>
        </div>
        <form
            class="remove-form"
            method="post"
            action="/api/remove_authenticator"
            on:submit=on_submit
        >
            <input type="hidden" name="id" value=target.id.clone() />
            {needs_consent
                .then(|| {
                    view! {
                        <p class="warning">
                            {tr::remove_no_fallback_warning()}
                        </p>
                        <label class="consent">
                            <input
                                type="checkbox"
                                name="accepts_no_fallback"
                                value="true"
                                required
                                on:change=move |event| consented.set(event_target_checked(&event))
                            />
                            {tr::remove_consent()}
                        </label>
                        <p id="consent-needed" class="muted" hidden=move || !waiting_for_consent()>
                            {tr::remove_consent_needed()}
                        </p>
                    }
                })}
            {move || {
                error()
                    .map(|error: AppError| {
                        view! {
                            <p class="error" role="alert">
                                {error.to_string()}
                            </p>
                        }
                    })
            }}
            <div class="dialog-actions">
                <a
                    class="button"
                    href=Page::Security.path()
                    on:click=|event| address::follow(&event, Page::Security.path())
                >
                    {tr::remove_cancel()}
                </a>
                <button
                    type="submit"
                    class="button danger"
                    disabled=move || pending.get() || waiting_for_consent()
                    aria-describedby=move || waiting_for_consent().then_some("consent-needed")
                    aria-busy=move || pending.get().to_string()
                >
                    <Spinner />
                    <span class="label">{tr::remove_confirm()}</span>
                </button>
            </div>
        </form>
    }
}

/// A method's label inside a sentence: "email code", "passkey".
fn in_sentence(label: &str) -> String {
    // German writes every noun with a capital; Japanese and Arabic have no case to change.
    if matches!(i18n::current(), Locale::De | Locale::Ja | Locale::Ar) {
        return label.to_owned();
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_reads_in_lower_case_inside_a_sentence() {
        assert_eq!(in_sentence("Email code"), "email code");
        assert_eq!(in_sentence("Text message code"), "text message code");
        assert_eq!(in_sentence(""), "");
    }
}
