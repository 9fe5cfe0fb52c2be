use leptos::prelude::*;

use super::step_up::use_step_up;
use crate::{
    api::{SignOutEverywhere, SignOutSession, list_sessions},
    model::{AppError, SessionView, SessionsView},
};

/// "Where you're signed in": every session of the person, each but this one with "Sign out",
/// and "Sign out everywhere". Both need a step-up, as every change does; without JavaScript
/// they are plain form posts, and say that verifying needs it.
#[component]
pub fn Sessions(
    /// Whether the person has a method: then a change needs a step-up first.
    has_methods: Signal<bool>,
    /// A session was signed out.
    on_signed_out: Callback<()>,
) -> impl IntoView {
    let sign_out = ServerAction::<SignOutSession>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let sessions = Resource::new_serde_wb(move || sign_out.version().get(), |_| list_sessions());
    let step_up = use_step_up();
    Effect::new(move || {
        if let Some(Ok(())) = sign_out.value().get() {
            on_signed_out.run(());
        }
    });
    // The session last asked to sign out: a refusal for want of a step-up asks it again once
    // the step-up is passed.
    let asked = StoredValue::new(None::<SignOutSession>);
    Effect::new(move || {
        if let Some(Err(AppError::StepUpRequired { via })) = sign_out.value().get()
            && let Some(input) = asked.get_value()
        {
            step_up.ask(via, move || {
                sign_out.dispatch(input.clone());
            });
        }
    });
    Effect::new(move || {
        if let Some(Err(AppError::StepUpRequired { via })) = everywhere.value().get() {
            step_up.ask(via, move || {
                everywhere.dispatch(SignOutEverywhere {});
            });
        }
    });
    let error = move || {
        [sign_out.value().get(), everywhere.value().get()]
            .into_iter()
            .find_map(|outcome| match outcome {
                Some(Err(AppError::StepUpRequired { .. })) | None | Some(Ok(())) => None,
                Some(Err(error)) => Some(error.to_string()),
            })
    };
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Where you're signed in"</h2>
            <p class="muted">
                "Browsers and apps signed in to your account. If you don't recognise one, sign it out, then change your password."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading where you're signed in…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(view) => view! { <SessionList view sign_out asked has_methods /> }.into_any(),
                        Err(error) => view! {
                            <p class="load-error" role="alert">
                                {format!("Where you're signed in could not be loaded. {error}")}
                            </p>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
            <p class="error" role="alert" hidden=move || error().is_none()>
                {error}
            </p>
            <SignOutEverywhereForm everywhere has_methods />
        </section>
    }
}

#[component]
fn SessionList(
    view: SessionsView,
    sign_out: ServerAction<SignOutSession>,
    asked: StoredValue<Option<SignOutSession>>,
    has_methods: Signal<bool>,
) -> impl IntoView {
    let SessionsView {
        sessions,
        revokes_at_cognito,
    } = view;
    view! {
        <ul class="sessions" aria-label="Your sessions">
            {sessions
                .into_iter()
                .map(|session| view! { <SessionRow session sign_out asked has_methods /> })
                .collect_view()}
        </ul>
        {(!revokes_at_cognito)
            .then(|| {
                view! {
                    <p class="muted small">
                        "Signing out here refuses a device from this page on. This server cannot end its sign-in at the sign-in service, so other apps that use your account may keep it until it expires."
                    </p>
                }
            })}
    }
}

#[component]
fn SessionRow(
    session: SessionView,
    sign_out: ServerAction<SignOutSession>,
    asked: StoredValue<Option<SignOutSession>>,
    has_methods: Signal<bool>,
) -> impl IntoView {
    let step_up = use_step_up();
    let name = session
        .device
        .clone()
        .unwrap_or_else(|| if session.app { "An app" } else { "A browser" }.to_owned());
    let id = session.id.clone();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = SignOutSession { id: id.clone() };
        asked.set_value(Some(input.clone()));
        step_up.before_change(has_methods.get_untracked(), move || {
            sign_out.dispatch(input.clone());
        });
    };
    let seen = match &session.last_seen {
        Some(when) => view! {
            " · Last seen "
            <time datetime=when.iso.clone() title=when.exact.clone()>{when.relative.clone()}</time>
        }
        .into_any(),
        None => view! { " · May have ended: not seen since this server restarted" }.into_any(),
    };
    view! {
        <li class="session">
            <div>
                <p class="session-name">
                    {name.clone()}
                    {session.current.then(|| view! { " " <span class="badge">"This device"</span> })}
                </p>
                <p class="dates">
                    "Signed in "
                    <time datetime=session.signed_in.iso title=session.signed_in.exact>
                        {session.signed_in.relative}
                    </time>
                    {seen}
                    {session.address.map(|address| view! { " · " <span class="detail">{address}</span> })}
                </p>
            </div>
            {(!session.current)
                .then(|| {
                    view! {
                        <form method="post" action="/api/sign_out_session" on:submit=on_submit>
                            <input type="hidden" name="id" value=session.id />
                            <button
                                type="submit"
                                class="button small"
                                aria-label=format!("Sign out {name}")
                                disabled=move || sign_out.pending().get()
                            >
                                "Sign out"
                            </button>
                        </form>
                    }
                })}
        </li>
    }
}

/// One click asks, the second signs out everywhere; the page then goes to the signed-out page.
#[component]
fn SignOutEverywhereForm(
    everywhere: ServerAction<SignOutEverywhere>,
    has_methods: Signal<bool>,
) -> impl IntoView {
    let step_up = use_step_up();
    let asking = RwSignal::new(false);
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if !asking.get_untracked() {
            asking.set(true);
            return;
        }
        step_up.before_change(has_methods.get_untracked(), move || {
            everywhere.dispatch(SignOutEverywhere {});
        });
    };
    view! {
        <form class="everywhere" method="post" action="/api/sign_out_everywhere" on:submit=on_submit>
            <p class="warning" hidden=move || !asking.get()>
                "Every browser and app signed in to your account will be signed out, this one too. You can then sign in again here."
            </p>
            <div class="actions">
                <button
                    type="submit"
                    class="button danger-quiet"
                    disabled=move || everywhere.pending().get()
                >
                    {move || if asking.get() { "Yes, sign out everywhere" } else { "Sign out everywhere" }}
                </button>
                <button
                    type="button"
                    class="button"
                    hidden=move || !(asking.get() && interactive.get())
                    on:click=move |_| asking.set(false)
                >
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
