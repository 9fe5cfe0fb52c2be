//! `/security`: the signed-in person's sign-in methods.

mod header;

use leptos::prelude::*;
use leptos_meta::Title;

use self::header::SecurityHeader;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <Title text="Sign-in methods" />
        <SecurityHeader />
        <main class="page">
            <h1>"Sign-in methods"</h1>
        </main>
    }
}
