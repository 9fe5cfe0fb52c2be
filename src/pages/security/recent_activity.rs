use leptos::prelude::*;

use crate::{
    api::recent_activity,
    i18n::tr,
    model::{ActivityView, AppError},
};

/// The last 30 days of the account, newest first, as Authsignal recorded them. Loading it may
/// fail on its own: the rest of the page keeps working.
#[component]
pub fn RecentActivity(
    /// Changes whenever something the log shows has just happened.
    changes: Signal<(u32, u32, bool, u32)>,
) -> impl IntoView {
    let retry = RwSignal::new(0_u32);
    let activity =
        Resource::new_serde_wb(move || (changes.get(), retry.get()), |_| recent_activity());
    view! {
        <section class="card" aria-labelledby="activity-title">
            <h2 id="activity-title">{tr::activity_title()}</h2>
            <p class="muted">{tr::activity_intro()}</p>
            <Transition fallback=|| view! { <p class="muted">{tr::activity_loading()}</p> }>
                {move || Suspend::new(async move {
                    match activity.await {
                        Ok(entries) if entries.is_empty() => {
                            view! { <p>{tr::activity_empty()}</p> }.into_any()
                        }
                        Ok(entries) => view! { <ActivityList entries /> }.into_any(),
                        Err(error) => view! { <ActivityError error retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ActivityList(entries: Vec<ActivityView>) -> impl IntoView {
    view! {
        <ol class="activity" aria-label=tr::activity_list_label()>
            {entries
                .into_iter()
                .map(|entry| {
                    let details: Vec<String> = [entry.device, entry.address]
                        .into_iter()
                        .flatten()
                        .collect();
                    view! {
                        <li class="activity-entry">
                            <p class="activity-summary">{entry.summary}</p>
                            <p class="dates">
                                <time datetime=entry.when.iso title=entry.when.exact>
                                    {entry.when.relative}
                                </time>
                                {details
                                    .into_iter()
                                    .map(|detail| view! { " · " <span class="detail">{detail}</span> })
                                    .collect_view()}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

#[component]
fn ActivityError(error: AppError, retry: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="load-error" role="alert">
            <p>{tr::activity_load_failed(&error)}</p>
            <button type="button" class="button" on:click=move |_| retry.update(|count| *count += 1)>
                {tr::activity_try_again()}
            </button>
        </div>
    }
}
