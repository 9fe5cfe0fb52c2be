use leptos::{prelude::*, server::codee::string::JsonSerdeWasmCodec};

use crate::i18n::tr;
use crate::model::{AppError, UserView};
use crate::paths::{Page, SIGN_OUT};

/// Who is signed in, and the way out. Signing out is a plain form post, so it works before the
/// page has hydrated and without JavaScript.
#[component]
pub fn SecurityHeader(
    user: Resource<Result<UserView, AppError>, JsonSerdeWasmCodec>,
) -> impl IntoView {
    view! {
        <header class="top-bar">
            <a class="brand" href=Page::Security.path()>
                {tr::header_brand()}
            </a>
            <div class="who">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        user.await
                            .ok()
                            .map(|user| {
                                let who = user.email.unwrap_or(user.username);
                                let whole = who.clone();
                                view! {
                                    <span class="signed-in-as">
                                        <span>{tr::header_signed_in_as_before_name()}</span>
                                        <strong title=whole dir="auto">{who}</strong>
                                    </span>
                                }
                            })
                    })}
                </Suspense>
                <form method="post" action=SIGN_OUT>
                    <button type="submit" class="button small">
                        {tr::header_sign_out()}
                    </button>
                </form>
            </div>
        </header>
    }
}
