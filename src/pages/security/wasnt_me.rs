//! Where a notice's "Wasn't you?" link leads: the change it came from, and one confirmation that
//! removes what the change added and signs out everywhere, after a step-up. Its code is its own
//! WASM chunk: it loads only for the person who followed such a link.

use leptos::{prelude::*, wasm_split::SplitLoaderError};

use super::{lazy_part::LazyPart, step_up::use_step_up};
use crate::{
    api::{WasntMeAct, wasnt_me_offer},
    i18n::tr,
    model::AppError,
};

/// The panel, when the page was opened from a link (`?wasnt_me=`). It is made in the browser
/// only, after hydration: acting on the link needs a step-up, which needs JavaScript.
#[component]
pub fn WasntMe(token: Memo<Option<String>>, has_methods: Signal<bool>) -> impl IntoView {
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    view! {
        {move || {
            token
                .get()
                .map(|_| {
                    view! {
                        <p class="notice info without-js">
                            {tr::wasnt_me_needs_javascript()}
                        </p>
                    }
                })
        }}
        {move || {
            token
                .get()
                .filter(|_| interactive.get())
                .map(|token| view! { <LazyPart load=move || load(token.clone(), has_methods) /> })
        }}
    }
}

#[leptos::wasm_split::wasm_split(
    wasnt_me,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn load(token: String, has_methods: Signal<bool>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Offer token has_methods /> }.into_any())
}

#[component]
fn Offer(token: String, has_methods: Signal<bool>) -> impl IntoView {
    let offer = {
        let token = token.clone();
        Resource::new_serde_wb(|| (), move |_| wasnt_me_offer(token.clone()))
    };
    let act = ServerAction::<WasntMeAct>::new();
    let step_up = use_step_up();
    let input = WasntMeAct { token };
    {
        let input = input.clone();
        Effect::new(move || {
            if let Some(Err(AppError::StepUpRequired { via })) = act.value().get() {
                let input = input.clone();
                step_up.ask(via, move || {
                    act.dispatch(input.clone());
                });
            }
        });
    }
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = input.clone();
        step_up.before_change(has_methods.get_untracked(), move || {
            act.dispatch(input.clone());
        });
    };
    let failed = move || match act.value().get() {
        Some(Err(AppError::StepUpRequired { .. })) | Some(Ok(())) | None => None,
        Some(Err(error)) => Some(error.to_string()),
    };
    view! {
        <section class="card wasnt-me" aria-labelledby="wasnt-me-title">
            <h2 id="wasnt-me-title">{tr::wasnt_me_title()}</h2>
            <Transition fallback=|| ()>
                {move || {
                    let confirm = confirm.clone();
                    Suspend::new(async move {
                    match offer.await {
                        Ok(offer) => {
                            let action = if offer.removes {
                                tr::wasnt_me_remove_and_sign_out()
                            } else {
                                tr::wasnt_me_sign_out()
                            };
                            view! {
                                <p>{tr::wasnt_me_notice_said(&offer.what)}</p>
                                <p>
                                    {if offer.removes {
                                        tr::wasnt_me_explain_remove()
                                    } else {
                                        tr::wasnt_me_explain_sign_out()
                                    }}
                                </p>
                                <form on:submit=confirm>
                                    <button
                                        type="submit"
                                        class="button danger"
                                        disabled=move || act.pending().get()
                                    >
                                        {action}
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })
                }}
            </Transition>
            <p class="error" role="alert" hidden=move || failed().is_none()>
                {failed}
            </p>
        </section>
    }
}
