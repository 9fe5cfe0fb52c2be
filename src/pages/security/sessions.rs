//! "Where you're signed in". The list is HTML made on the server (`server::sessions_section`):
//! its forms post without JavaScript. The page's script only steps up before one is sent, then
//! sends it itself; that code is its own WASM chunk, fetched at the first sign-out.

use leptos::{prelude::*, task::spawn_local, wasm_split::SplitLoaderError};
use wasm_bindgen::JsCast;

use super::step_up::use_step_up;
use crate::{
    api::{sessions_section, sign_out_everywhere, sign_out_session},
    i18n::tr,
    model::AppError,
};

/// What a form in the list asks for, from its `data-` attribute.
#[derive(Clone)]
enum Ask {
    SignOut(String),
    Everywhere,
}

/// What a sign-out tells the page.
#[derive(Clone, Copy)]
struct Page {
    has_methods: Signal<bool>,
    /// Bumped after a sign-out: the list is fetched again.
    version: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    on_signed_out: Callback<()>,
}

#[component]
pub fn Sessions(
    /// Whether the person has a method: then a change needs a step-up first.
    has_methods: Signal<bool>,
    /// A session was signed out.
    on_signed_out: Callback<()>,
) -> impl IntoView {
    let page = Page {
        has_methods,
        version: RwSignal::new(0),
        error: RwSignal::new(None),
        on_signed_out,
    };
    let section = Resource::new_serde_wb(move || page.version.get(), |_| sessions_section());
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let ask = match form.get_attribute("data-sign-out") {
            Some(id) => Ask::SignOut(id),
            None if form.has_attribute("data-sign-out-everywhere") => Ask::Everywhere,
            None => return,
        };
        event.prevent_default();
        page.error.set(None);
        spawn_local(async move {
            if sign_out(ask, page).await.is_err() {
                page.error.set(Some(tr::lazy_not_loaded().to_owned()));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="sessions-title" on:submit=on_submit>
            <h2 id="sessions-title">{tr::sessions_title()}</h2>
            <p class="muted">{tr::sessions_intro()}</p>
            <Transition fallback=|| ()>
                // A list that could not be made comes as its sentence, made on the server too.
                {move || Suspend::new(async move {
                    view! { <div inner_html=section.await.unwrap_or_default()></div> }
                })}
            </Transition>
            <p class="error" role="alert" hidden=move || page.error.get().is_none()>
                {move || page.error.get()}
            </p>
        </section>
    }
}

/// Steps up when needed, then signs out; a refusal for want of a step-up asks for one and
/// carries on.
#[leptos::wasm_split::wasm_split(
    sessions_sign_out,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn sign_out(ask: Ask, page: Page) -> Result<(), SplitLoaderError> {
    let step_up = use_step_up();
    step_up.before_change(page.has_methods.get_untracked(), move || {
        send(ask.clone(), page)
    });
    Ok(())
}

fn send(ask: Ask, page: Page) {
    let step_up = use_step_up();
    spawn_local(async move {
        let outcome = match &ask {
            Ask::SignOut(id) => sign_out_session(id.clone()).await,
            // On success the page goes to the signed-out page (a redirect the server sends).
            Ask::Everywhere => sign_out_everywhere().await,
        };
        match outcome {
            // The page is on its way to the signed-out page: this session has ended too.
            Ok(()) if matches!(ask, Ask::Everywhere) => {}
            Ok(()) => {
                page.version.update(|count| *count += 1);
                page.on_signed_out.run(());
            }
            Err(AppError::StepUpRequired { via }) => {
                step_up.ask(via, move || send(ask.clone(), page));
            }
            Err(failure) => page.error.set(Some(failure.to_string())),
        }
    });
}
