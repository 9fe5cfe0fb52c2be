use leptos::prelude::*;

use crate::api::me;

/// Who is signed in, and the way out. Signing out is a plain form post, so it works before the
/// page has hydrated and without JavaScript.
#[component]
pub fn SecurityHeader() -> impl IntoView {
    let user = Resource::new(|| (), |()| me());
    view! {
        <header class="site-header">
            <span class="brand">"Account security"</span>
            <Suspense fallback=|| view! { <span class="signed-in-as">"Loading…"</span> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(user) => {
                            let name = user.email.unwrap_or(user.username);
                            view! {
                                <span class="signed-in-as">
                                    "Signed in as " <strong>{name}</strong>
                                </span>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <span class="signed-in-as" role="alert">{error.to_string()}</span>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
            <form method="post" action="/auth/sign-out">
                <button type="submit">"Sign out"</button>
            </form>
        </header>
    }
}
