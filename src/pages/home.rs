use crate::paths::SIGN_IN;
use leptos::prelude::*;
use leptos_meta::Title;

/// The start page: what this is, and the way in.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <main class="page narrow">
            <h1>"Account security"</h1>
            <p class="lead">
                "See and manage the ways you sign in: email and text-message codes, "
                "authenticator apps and passkeys."
            </p>
            <p>
                <a class="button primary" href=SIGN_IN>
                    "Sign in"
                </a>
            </p>
            <HowItWorks />
        </main>
    }
}

/// A disclosure that explains what the page protects against.
#[component]
fn HowItWorks() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <section class="disclosure">
            <button
                type="button"
                class="link"
                aria-expanded=move || open.get().to_string()
                aria-controls="how-it-works"
                on:click=move |_| open.update(|open| *open = !*open)
            >
                {move || if open.get() { "Hide how it works" } else { "How it works" }}
            </button>
            <div id="how-it-works" hidden=move || !open.get()>
                <p>
                    "After you sign in, you see every method you can use to prove it is you. "
                    "You can add a method, and remove those you no longer use. Every change asks "
                    "you to prove it is you first, and is emailed to you."
                </p>
                <p>
                    "You can never remove your last method, so you cannot lock yourself out."
                </p>
            </div>
        </section>
    }
}
