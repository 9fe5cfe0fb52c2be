//! The page's query. On the server it comes from the request; in the browser from its location,
//! kept in step while the page moves within itself (`?remove=…`) and as the person goes back and
//! forward.
//!
//! In place of a router: the server renders every page, and the only moves within a page change
//! its query, so the bundle carries no router (leptos_router weighs about 40 KiB gzip in a
//! minimal page built as ours is).

use leptos::prelude::*;

/// The query of the page in view, without its `?`.
#[derive(Clone, Copy)]
struct Query(RwSignal<String>);

/// Sets up the address of the page being rendered, for [`use_query`].
pub fn provide_address() {
    let query = RwSignal::new(imp::current_query());
    provide_context(Query(query));
    imp::follow_history(query);
}

/// The value of `name` in the query, decoded; `None` when the query has no such field.
pub fn use_query(name: &'static str) -> Memo<Option<String>> {
    let Query(query) = expect_context::<Query>();
    Memo::new(move |_| imp::field(&query.read(), name))
}

/// Moves to `href` within this page, as a link would but without loading the page again; an
/// address on another path is loaded as a link loads it.
pub fn go(href: &str) {
    imp::go(href);
}

/// A click on a link to another address of this page: handled by [`go`], unless the person
/// asked for a new tab or window, or anything but a plain click.
pub fn follow(event: &leptos::ev::MouseEvent, href: &str) {
    let plain = event.button() == 0
        && !(event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key());
    if plain {
        event.prevent_default();
        go(href);
    }
}

#[cfg(feature = "ssr")]
mod imp {
    use axum::http::request::Parts;
    use leptos::prelude::*;

    pub fn current_query() -> String {
        use_context::<Parts>()
            .and_then(|parts| parts.uri.query().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn field(query: &str, name: &str) -> Option<String> {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// A page on the server has no history to follow.
    pub fn follow_history(_query: RwSignal<String>) {}

    /// Nothing moves on the server: a page is rendered for one address.
    pub fn go(_href: &str) {}
}

#[cfg(not(feature = "ssr"))]
mod imp {
    use leptos::prelude::*;
    use wasm_bindgen::JsValue;

    /// Where the query signal of this page is, for the moves made outside any component: a
    /// server function's redirect, a link followed.
    static QUERY: std::sync::OnceLock<RwSignal<String>> = std::sync::OnceLock::new();

    pub fn current_query() -> String {
        let search = window().location().search().unwrap_or_default();
        search.strip_prefix('?').unwrap_or(&search).to_owned()
    }

    pub fn field(query: &str, name: &str) -> Option<String> {
        web_sys::UrlSearchParams::new_with_str(query)
            .ok()?
            .get(name)
    }

    pub fn follow_history(query: RwSignal<String>) {
        let _ = QUERY.set(query);
        // Back and forward move within the page as the links did.
        window_event_listener(leptos::ev::popstate, move |_| query.set(current_query()));
        // A server function that redirects (a removal, to `?notice=removed`) moves the page.
        let _ = leptos::server_fn::redirect::set_redirect_hook(go);
    }

    pub fn go(href: &str) {
        let location = window().location();
        let Ok(target) = web_sys::Url::new_with_base(href, &location.href().unwrap_or_default())
        else {
            return;
        };
        let same_page = location.origin().ok() == Some(target.origin())
            && location.pathname().ok() == Some(target.pathname());
        let moved = same_page
            && window()
                .history()
                .and_then(|history| history.push_state_with_url(&JsValue::NULL, "", Some(href)))
                .is_ok();
        match QUERY.get() {
            Some(query) if moved => query.set(current_query()),
            _ => {
                let _ = location.assign(href);
            }
        }
    }
}
