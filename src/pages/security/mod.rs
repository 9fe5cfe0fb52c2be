//! `/security`: the person's sign-in methods, and everything they can do with them.

mod add_method;
mod authenticator_list;
mod header;
mod lazy_part;
mod manage_in_authsignal;
mod method_icon;
mod notice;
mod recent_activity;
mod remove_dialog;
mod sessions;
mod spinner;
mod step_up;
mod wasnt_me;

use leptos::prelude::*;
use leptos_meta::Title;
use wasm_bindgen::JsCast;

use crate::{
    api::{RemoveAuthenticator, list_authenticators, me},
    browser::{dom, webauthn},
    i18n::tr,
    model::AppError,
    pages::address::use_query,
    paths::{Page, query},
};
use add_method::{AddMethod, Added};
use authenticator_list::{AuthenticatorList, row_id};
use header::SecurityHeader;
use manage_in_authsignal::ManageInAuthsignal;
use notice::Notice;
use recent_activity::RecentActivity;
use remove_dialog::RemoveDialog;
use sessions::Sessions;
use step_up::{StepUpBanner, StepUpDialog, provide_step_up};
use wasnt_me::WasntMe;

const PAGE_TITLE: &str = "page-title";

#[component]
pub fn SecurityPage() -> impl IntoView {
    let notice = use_query(query::NOTICE);
    let removing = use_query(query::REMOVE);
    let wasnt_me = use_query(query::WASNT_ME);
    let remove = ServerAction::<RemoveAuthenticator>::new();
    let added = RwSignal::new(0_u32);
    let retry = RwSignal::new(0_u32);
    let signed_out = RwSignal::new(0_u32);
    // Refetched after a change, not after a refusal: a removal refused for want of a step-up
    // keeps its dialog while the person verifies.
    let removed = RwSignal::new(0_u32);
    Effect::new(move || {
        if let Some(Ok(_)) = remove.value().get() {
            removed.update(|count| *count += 1);
        }
    });
    let step_up = provide_step_up();
    let authenticators = Resource::new_serde_wb(
        move || (removed.get(), added.get(), retry.get(), step_up.passed()),
        |_| list_authenticators(),
    );
    let user = Resource::new_serde_wb(|| (), |_| me());
    let methods = Signal::derive(move || {
        authenticators
            .get()
            .and_then(Result::ok)
            .map(|view| view.methods)
            .unwrap_or_default()
    });
    let announcement = RwSignal::new(String::new());
    let focus_next = RwSignal::new(None::<String>);

    // Once the refreshed list shows a method that was just added, move focus to its row.
    Effect::new(move || {
        let Some(Ok(view)) = authenticators.get() else {
            return;
        };
        let Some(id) = focus_next.get_untracked() else {
            return;
        };
        if view
            .methods
            .iter()
            .any(|authenticator| authenticator.id == id)
        {
            focus_next.set(None);
            dom::focus(&row_id(&id));
        }
    });
    // After a removal the row is gone; the page title is the next sensible place for focus.
    // A passkey or security key removed is also gone from the browser's password manager,
    // where the browser can be told.
    let removing_credential = StoredValue::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(_)) = remove.value().get() {
            dom::focus(PAGE_TITLE);
            if let Some(credential) = removing_credential.get_value() {
                removing_credential.set_value(None);
                webauthn::signal_unknown_credential(&credential);
            }
        }
    });
    let on_added = Callback::new(move |added_now: Added| {
        announcement.set(added_now.announcement);
        focus_next.set(added_now.id);
        added.update(|count| *count += 1);
    });
    // Once the page is interactive and the browser idle, the chunks a next click may need, so
    // that click does not wait for them.
    Effect::new(move || {
        request_idle_callback(|| {
            leptos::task::spawn_local(async {
                let _ = step_up::prefetch_dialog().await;
                add_method::prefetch().await;
            })
        })
    });
    let test_from_checkup = move |event: leptos::ev::MouseEvent| {
        let id = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("[data-test]").ok().flatten())
            .and_then(|button| button.get_attribute("data-test"));
        if let Some(id) = id {
            step_up.test(id);
        }
    };
    let username = Signal::derive(move || {
        user.get()
            .and_then(Result::ok)
            .map(|user| user.email.unwrap_or(user.username))
    });
    // Until Authsignal says otherwise, every kind the page adds.
    let addable = Signal::derive(move || match user.get() {
        Some(Ok(user)) => user.addable,
        _ => add_method::KINDS.map(|(method, ..)| method).to_vec(),
    });

    view! {
        <Title text=tr::security_title() />
        <SecurityHeader user />
        <main class="page" id="main">
            <h1 id=PAGE_TITLE tabindex="-1">
                {tr::security_title()}
            </h1>
            <p class="lead">{tr::security_lead()}</p>
            <p class="visually-hidden" role="status">
                {move || announcement.get()}
            </p>
            <Notice notice />
            <p class="notice info without-js">{tr::security_without_js()}</p>
            <StepUpBanner methods />
            <StepUpDialog methods />
            <WasntMe token=wasnt_me has_methods=Signal::derive(move || !methods.get().is_empty()) />
            <Transition fallback=|| {
                view! {
                    <section class="card">
                        <h2>{tr::security_methods_title()}</h2>
                        <p class="muted">{tr::security_loading_methods()}</p>
                    </section>
                }
            }>
                {move || Suspend::new(async move {
                    match authenticators.await {
                        Ok(view) => {
                            view! {
                                // The checkup, made on the server; its "Test it" buttons
                                // carry the method's id.
                                <div on:click=test_from_checkup inner_html=view.checkup></div>
                                <section class="card" aria-labelledby="methods-title">
                                    <h2 id="methods-title">{tr::security_methods_title()}</h2>
                                    <AuthenticatorList authenticators=view.methods.clone() />
                                    <RemoveDialog
                                        removing
                                        authenticators=view.methods
                                        action=remove
                                        removing_credential
                                    />
                                </section>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <section class="card" aria-labelledby="methods-title">
                                    <h2 id="methods-title">{tr::security_methods_title()}</h2>
                                    <LoadError error retry />
                                    <p class="muted">{tr::security_checkup_not_made_either()}</p>
                                </section>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            <AddMethod
                has_methods=Signal::derive(move || !methods.get().is_empty())
                username
                addable
                on_added
            />
            <Sessions
                has_methods=Signal::derive(move || !methods.get().is_empty())
                on_signed_out=Callback::new(move |()| signed_out.update(|count| *count += 1))
            />
            <RecentActivity changes=Signal::derive(move || {
                (added.get(), removed.get(), step_up.remaining().is_some(), signed_out.get())
            }) />
            <ManageInAuthsignal />
            <aside class="tip" aria-labelledby="tip-title">
                <h2 id="tip-title">{tr::security_tip_title()}</h2>
                <p>{tr::security_tip()}</p>
            </aside>
        </main>
    }
}

/// The list could not be loaded; the rest of the page still works.
#[component]
fn LoadError(error: AppError, retry: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="load-error" role="alert">
            <p>{error.to_string()}</p>
            <a
                class="button"
                href=Page::Security.path()
                on:click=move |event| {
                    event.prevent_default();
                    retry.update(|count| *count += 1);
                }
            >
                {tr::security_try_again()}
            </a>
        </div>
    }
}
