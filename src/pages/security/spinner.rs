use leptos::prelude::*;

/// The progress indicator inside a button. It shows while the button has `aria-busy="true"`,
/// drawn over the label so the button keeps its size.
#[component]
pub fn Spinner() -> impl IntoView {
    view! { <span class="spinner" aria-hidden="true"></span> }
}
