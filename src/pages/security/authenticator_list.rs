use leptos::prelude::*;

use super::{method_icon::MethodIcon, step_up::use_step_up};
use crate::{
    i18n::tr,
    lockout::removal_risk,
    model::{AppError, AuthenticatorView, LockOutReason, When},
    pages::address,
    paths,
};

/// The id of a row, so focus can move to a method that was just added.
pub fn row_id(authenticator_id: &str) -> String {
    format!("authenticator-{authenticator_id}")
}

/// Every sign-in method the person has, or a clear empty state.
#[component]
pub fn AuthenticatorList(authenticators: Vec<AuthenticatorView>) -> impl IntoView {
    if authenticators.is_empty() {
        return view! {
            <div class="empty-state">
                <p class="empty-title">{tr::list_empty_title()}</p>
                <p>{tr::list_empty_hint()}</p>
            </div>
        }
        .into_any();
    }
    let methods: Vec<_> = authenticators
        .iter()
        .map(|authenticator| (authenticator.id.clone(), authenticator.method))
        .collect();
    view! {
        <ul class="authenticators" aria-label=tr::list_methods_label()>
            {authenticators
                .into_iter()
                .map(|authenticator| {
                    let is_last = removal_risk(
                        methods.iter().map(|(id, method)| (id.as_str(), *method)),
                        &authenticator.id,
                    ) == Some(LockOutReason::LastMethod);
                    view! { <AuthenticatorRow authenticator is_last /> }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn AuthenticatorRow(authenticator: AuthenticatorView, is_last: bool) -> impl IntoView {
    let AuthenticatorView {
        id,
        method,
        label,
        masked_identifier,
        added,
        last_used,
        ..
    } = authenticator;
    let name = match &masked_identifier {
        // What the aria-labels call the method: "Email code j•••@example.com".
        Some(identifier) => tr::list_method_name(identifier, &label),
        None => label.clone(),
    };
    let reason_id = format!("{}-why", row_id(&id));
    let step_up = use_step_up();
    let tested_id = id.clone();
    let works = move || step_up.tested().as_deref() == Some(tested_id.as_str());
    let test = method.can_step_up().then(|| {
        let id = id.clone();
        view! {
            <button
                type="button"
                class="button small needs-js"
                aria-label=tr::list_test_method(&name)
                on:click=move |_| step_up.test(id.clone())
            >
                {tr::list_test()}
            </button>
        }
    });
    let why_not = is_last.then(|| {
        view! {
            <p class="why-not" id=reason_id.clone()>
                {AppError::WouldLockOut {
                    reason: LockOutReason::LastMethod,
                }
                    .to_string()}
            </p>
        }
    });
    let remove = if is_last {
        view! {
            <button type="button" class="button danger-quiet" disabled aria-describedby=reason_id>
                {tr::list_remove()}
            </button>
        }
        .into_any()
    } else {
        let href = paths::removal_dialog(&id);
        view! {
            <a
                class="button danger-quiet"
                href=href.clone()
                on:click=move |event| address::follow(&event, &href)
                // Two methods may share a label and an address: the date tells them apart.
                aria-label=tr::list_remove_method(&name, &added.relative)
            >
                {tr::list_remove()}
            </a>
        }
        .into_any()
    };
    view! {
        <li class="authenticator" id=row_id(&id) tabindex="-1">
            <MethodIcon method />
            <div class="authenticator-text">
                <p class="authenticator-name">{label}</p>
                {masked_identifier.map(|identifier| view! { <p class="identifier">{identifier}</p> })}
                <p class="dates">
                    <TimeAgo prefix=tr::list_added_before_time() when=added />
                    " · "
                    {match last_used {
                        Some(when) => {
                            view! { <TimeAgo prefix=tr::list_last_used_before_time() when /> }
                                .into_any()
                        }
                        None => view! { <span>{tr::list_not_used_yet()}</span> }.into_any(),
                    }}
                </p>
                <p class="tested" role="status">
                    {move || works().then(tr::list_works_tested_now)}
                </p>
            </div>
            <div class="row-action">{test}{remove}</div>
            {why_not}
        </li>
    }
}

/// "Added 3 days ago", with the exact time in a tooltip.
#[component]
fn TimeAgo(prefix: &'static str, when: When) -> impl IntoView {
    view! {
        <span>
            {prefix} " "
            <time datetime=when.iso title=when.exact>
                {when.relative}
            </time>
        </span>
    }
}
