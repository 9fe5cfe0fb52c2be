use leptos::{prelude::*, task::spawn_local};

use super::spinner::Spinner;
use crate::{api::prebuilt_ui_url, browser::dom};

/// Opens Authsignal's own settings page (the pre-built UI); Authsignal sends the person back to
/// `/security/return` when they are done.
#[component]
pub fn ManageInAuthsignal() -> impl IntoView {
    let opening = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let open = move |_| {
        opening.set(true);
        error.set(None);
        spawn_local(async move {
            match prebuilt_ui_url().await {
                // Stay busy: the browser is leaving for Authsignal.
                Ok(url) => dom::go_to(&url),
                Err(failure) => {
                    error.set(Some(failure.to_string()));
                    opening.set(false);
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="manage-title">
            <h2 id="manage-title">"Manage in Authsignal"</h2>
            <p class="muted">
                "Authsignal, which keeps your sign-in methods, has its own settings page. "
                "You'll confirm it's you there first, then come back here."
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="button"
                    on:click=open
                    disabled=move || !hydrated.get() || opening.get()
                    aria-busy=move || opening.get().to_string()
                >
                    <Spinner />
                    <span class="label">"Open Authsignal settings"</span>
                </button>
            </div>
            <p class="error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </section>
    }
}
