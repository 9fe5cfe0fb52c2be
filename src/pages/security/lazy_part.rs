//! Parts of the page whose code is its own WASM chunk (`cargo leptos build --split`), fetched the
//! first time the part shows: the page hydrates without them.

use std::future::Future;

use leptos::{prelude::*, wasm_split::SplitLoaderError};

use crate::i18n::tr;

/// Shows what `load` makes once its chunk is in. If the chunk cannot be fetched, shows what
/// `not_loaded` makes of a way to fetch it again; the rest of the page carries on meanwhile.
#[component]
pub fn LazyPart<Load, Loading>(
    load: Load,
    #[prop(default = not_loaded_here)] not_loaded: fn(Callback<()>) -> AnyView,
) -> impl IntoView
where
    Load: Fn() -> Loading + Send + Sync + 'static,
    Loading: Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
{
    let attempt = RwSignal::new(0_u32);
    let retry = Callback::new(move |()| attempt.update(|count| *count += 1));
    move || {
        attempt.track();
        let loading = load();
        Suspend::new(async move { loading.await.unwrap_or_else(|_| not_loaded(retry)) })
    }
}

/// The failure where the part would have been.
fn not_loaded_here(retry: Callback<()>) -> AnyView {
    view! {
        <div class="load-error" role="alert">
            <p>{tr::lazy_not_loaded()}</p>
            <button type="button" class="button" on:click=move |_| retry.run(())>
                {tr::lazy_try_again()}
            </button>
        </div>
    }
    .into_any()
}
