//! Step-up on the page: the state is always in view ("Verify it's you to make changes", or
//! "Verified · changes allowed for 8 more minutes" counting down, with "End now"), and a change
//! the server refuses for want of a step-up opens the dialog, then carries on where it was.

mod dialog;

use std::sync::Arc;

use leptos::{prelude::*, server::codee::string::JsonSerdeWasmCodec};

use crate::{
    api::{end_step_up, step_up_status},
    i18n::tr,
    model::{AuthenticatorView, StepUpVia, StepUpWindow},
};
pub use dialog::{StepUpDialog, prefetch as prefetch_dialog};

/// A change waiting for a step-up.
type Continuation = Arc<dyn Fn() + Send + Sync>;

/// The page's step-up state, shared by everything that makes a change.
#[derive(Clone, Copy)]
pub struct StepUp {
    /// When the window ends, in milliseconds since the epoch; `None` when there is none.
    /// `Some` once this page knows better than the server's first answer.
    deadline: RwSignal<Option<Option<f64>>>,
    /// The window as the server first said.
    initial: Resource<Option<StepUpWindow>, JsonSerdeWasmCodec>,
    /// Now, in milliseconds since the epoch, ticking while a window is open.
    now: RwSignal<f64>,
    /// When this page started ticking: the server's first answer was true then.
    started: RwSignal<f64>,
    /// How the dialog asks, while it is open.
    asking: RwSignal<Option<StepUpVia>>,
    /// What to do once the person has proved it's them. Not a `Callback`: that belongs to the
    /// component that made it, which a refreshed list may have replaced meanwhile.
    then: StoredValue<Option<Continuation>>,
    /// What a screen reader hears when the state changes.
    announcement: RwSignal<String>,
    /// How many step-ups passed on this page: the method used shows as just used.
    passed: RwSignal<u32>,
    /// The method being tested ("Test"): the dialog offers it first.
    testing: RwSignal<Option<String>>,
    /// The method a test just passed with.
    tested: RwSignal<Option<String>>,
}

impl StepUp {
    fn new() -> Self {
        let step_up = Self {
            deadline: RwSignal::new(None),
            initial: Resource::new_serde_wb(|| (), |_| async { step_up_status().await.ok() }),
            now: RwSignal::new(0.0),
            started: RwSignal::new(0.0),
            asking: RwSignal::new(None),
            then: StoredValue::new(None),
            announcement: RwSignal::new(String::new()),
            passed: RwSignal::new(0),
            testing: RwSignal::new(None),
            tested: RwSignal::new(None),
        };
        // Effects run in the browser only: the clock ticks there, once a second.
        Effect::new(move || {
            step_up.now.set(js_sys::Date::now());
            step_up.started.set(js_sys::Date::now());
            if let Ok(handle) = set_interval_with_handle(
                move || step_up.now.set(js_sys::Date::now()),
                std::time::Duration::from_secs(1),
            ) {
                on_cleanup(move || handle.clear());
            }
        });
        step_up
    }

    /// Changes with each step-up passed on this page.
    pub fn passed(&self) -> u32 {
        self.passed.get()
    }

    /// Seconds left in the window.
    pub fn remaining(&self) -> Option<u64> {
        match self.deadline.get() {
            Some(deadline) => deadline
                .map(|deadline| ((deadline - self.now.get()) / 1000.0).ceil())
                .filter(|seconds| *seconds > 0.0)
                .map(|seconds| seconds as u64),
            None => self.initial.get().flatten().and_then(|w| w.remaining_secs),
        }
    }

    /// Seconds the sign-in still counts as recent, for someone with no method to verify with.
    fn sign_in_fresh(&self) -> Option<u64> {
        let at_first = self.initial.get().flatten()?.sign_in_fresh_secs?;
        // Zero until the page ticks: on the server, and while hydrating.
        let started = self.started.get();
        let elapsed = if started > 0.0 {
            ((self.now.get() - started) / 1000.0) as u64
        } else {
            0
        };
        at_first.checked_sub(elapsed).filter(|left| *left > 0)
    }

    /// Runs `then` now when the window is open, or someone without a method may try (the
    /// server knows whether their sign-in is recent enough); otherwise once they have verified.
    /// The server decides in the end: a refusal comes back through [`StepUp::ask`].
    pub fn before_change(&self, has_methods: bool, then: impl Fn() + Send + Sync + 'static) {
        if self.remaining_untracked().is_some() || !has_methods {
            then();
        } else {
            self.ask(StepUpVia::Method, then);
        }
    }

    fn remaining_untracked(&self) -> Option<u64> {
        untrack(|| self.remaining())
    }

    /// Runs the challenge of the method `id` without changing anything ("Test"). Passing it is
    /// a step-up too: the change window opens.
    pub fn test(&self, id: String) {
        self.testing.set(Some(id.clone()));
        self.tested.set(None);
        let tested = self.tested;
        self.ask(StepUpVia::Method, move || tested.set(Some(id.clone())));
    }

    /// The method a test just passed with.
    pub fn tested(&self) -> Option<String> {
        self.tested.get()
    }

    /// Opens the dialog; `then` runs once the person has proved it's them.
    pub fn ask(&self, via: StepUpVia, then: impl Fn() + Send + Sync + 'static) {
        self.then.set_value(Some(Arc::new(then)));
        self.asking.set(Some(via));
    }

    /// The dialog closed without a step-up.
    fn cancel(&self) {
        self.then.set_value(None);
        self.testing.set(None);
        self.asking.set(None);
    }

    /// The server granted a window: the interrupted change carries on.
    fn granted(&self, seconds: u64) {
        self.set_remaining(Some(seconds));
        self.passed.update(|count| *count += 1);
        let duration = in_words(seconds);
        let announcement = if self.testing.get_untracked().is_some() {
            tr::step_up_tested_for(&duration)
        } else {
            tr::step_up_verified_for(&duration)
        };
        self.testing.set(None);
        self.announcement.set(announcement);
        let then = self.then.get_value();
        self.then.set_value(None);
        self.asking.set(None);
        if let Some(then) = then {
            then();
        }
    }

    fn set_remaining(&self, seconds: Option<u64>) {
        let now = js_sys::Date::now();
        self.now.set(now);
        self.deadline
            .set(Some(seconds.map(|seconds| now + seconds as f64 * 1000.0)));
    }
}

/// The step-up state of this page, set up by [`provide_step_up`].
pub fn use_step_up() -> StepUp {
    expect_context::<StepUp>()
}

pub fn provide_step_up() -> StepUp {
    let step_up = StepUp::new();
    provide_context(step_up);
    step_up
}

/// "8 minutes", or "45 seconds" in the last minute.
fn in_words(seconds: u64) -> String {
    match seconds {
        0..=59 => tr::step_up_seconds(seconds),
        _ => tr::step_up_minutes(seconds.div_ceil(60)),
    }
}

/// "8 more minutes", "1 more minute", "45 more seconds".
fn more(seconds: u64) -> String {
    match seconds {
        0..=59 => tr::step_up_more_seconds(seconds),
        _ => tr::step_up_more_minutes(seconds.div_ceil(60)),
    }
}

/// Whether the person may make changes now, and the way to start or end that.
#[component]
pub fn StepUpBanner(
    /// The person's methods, to pick one to verify with.
    methods: Signal<Vec<AuthenticatorView>>,
) -> impl IntoView {
    let step_up = use_step_up();
    let ending = RwSignal::new(false);
    let end = move |_| {
        ending.set(true);
        leptos::task::spawn_local(async move {
            if end_step_up().await.is_ok() {
                step_up.set_remaining(None);
                step_up.announcement.set(tr::step_up_ended().to_owned());
            }
            ending.set(false);
        });
    };
    // Someone with nothing the page can challenge steps up with a recent sign-in instead.
    let challengeable = move || {
        methods
            .get()
            .iter()
            .any(|authenticator| authenticator.method.can_step_up())
    };
    let verify = move |_| step_up.ask(StepUpVia::Method, || ());
    let sign_in_again = move |_| step_up.ask(StepUpVia::SignIn, || ());
    // Everything the server's first answer decides sits inside the transition, so the page
    // renders and hydrates the same.
    view! {
        <Transition fallback=|| ()>
            {move || match step_up.remaining() {
                Some(seconds) => {
                    view! {
                        <div class="step-up verified">
                            <p class="step-up-state">
                                <span class="badge">{tr::step_up_verified_badge()}</span>
                                {format!(" · {}", tr::step_up_verified_allowed_for(more(seconds)))}
                            </p>
                            <button
                                type="button"
                                class="button small needs-js"
                                on:click=end
                                disabled=move || ending.get()
                            >
                                {tr::step_up_end_now()}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                None if challengeable() => {
                    view! {
                        <div class="step-up">
                            <p class="step-up-state">{tr::step_up_verify_to_change()}</p>
                            <button type="button" class="button small needs-js" on:click=verify>
                                {tr::step_up_verify_button()}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                None => {
                    match step_up.sign_in_fresh() {
                        Some(seconds) => {
                            view! {
                                <div class="step-up">
                                    <p class="step-up-state">
                                        {tr::step_up_fresh_sign_in_for(more(seconds))}
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <div class="step-up">
                                    <p class="step-up-state">
                                        {tr::step_up_sign_in_needed()}
                                    </p>
                                    <button
                                        type="button"
                                        class="button small needs-js"
                                        on:click=sign_in_again
                                    >
                                        {tr::step_up_sign_in_again()}
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                    }
                }
            }}
        </Transition>
        <p class="visually-hidden" role="status">
            {move || step_up.announcement.get()}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_reads_in_minutes_then_seconds() {
        assert_eq!(in_words(600), "10 minutes");
        assert_eq!(more(481), "9 more minutes");
        assert_eq!(more(480), "8 more minutes");
        assert_eq!(more(61), "2 more minutes");
        assert_eq!(more(60), "1 more minute");
        assert_eq!(in_words(60), "1 minute");
        assert_eq!(more(45), "45 more seconds");
        assert_eq!(more(1), "1 more second");
    }
}
