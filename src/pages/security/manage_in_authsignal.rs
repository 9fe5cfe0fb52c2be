use leptos::{prelude::*, task::spawn_local};

use super::{spinner::Spinner, step_up::use_step_up};
use crate::{api::prebuilt_ui_url, browser::dom, i18n::tr, model::AppError};

/// Opens Authsignal's own settings page (the pre-built UI), where methods can be added and
/// removed: like any change here, only after verifying it's you. Authsignal sends the person
/// back to `/security/return` when they are done.
#[component]
pub fn ManageInAuthsignal() -> impl IntoView {
    let step_up = use_step_up();
    let opening = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let again = StoredValue::new(None::<Callback<()>>);
    let open = move || {
        opening.set(true);
        error.set(None);
        spawn_local(async move {
            match prebuilt_ui_url().await {
                // Stay busy: the browser is leaving for Authsignal.
                Ok(url) => dom::go_to(&url),
                Err(AppError::StepUpRequired { via }) => {
                    opening.set(false);
                    step_up.ask(via, move || {
                        if let Some(open) = again.get_value() {
                            open.run(());
                        }
                    });
                }
                Err(failure) => {
                    error.set(Some(failure.to_string()));
                    opening.set(false);
                }
            }
        });
    };
    again.set_value(Some(Callback::new(move |()| open())));
    view! {
        <section class="card needs-js" aria-labelledby="manage-title">
            <h2 id="manage-title">{tr::manage_title()}</h2>
            <p class="muted">{tr::manage_intro()}</p>
            <div class="actions">
                <button
                    type="button"
                    class="button"
                    on:click=move |_| open()
                    disabled=move || !hydrated.get() || opening.get()
                    aria-busy=move || opening.get().to_string()
                >
                    <Spinner />
                    <span class="label">{tr::manage_open()}</span>
                </button>
            </div>
            <p class="error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </section>
    }
}
