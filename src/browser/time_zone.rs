//! The browser's time zone, for the server: kept in a cookie, so the server writes times in it
//! (the page's, and the notice mails'). Until the server knows it, it writes times in UTC; those
//! on the page are then written again here, in the browser's zone, by the browser's own `Intl`.

use js_sys::{Array, Date, Intl, Object, Reflect};
use leptos::prelude::document;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use crate::i18n::{self, Locale};

/// As long as a browser keeps a cookie (RFC 6265bis: 400 days).
const KEPT_FOR_SECS: u32 = 400 * 24 * 3600;

/// Tells the server the browser's zone when it does not know it yet, and shows this page's
/// times in it meanwhile.
pub fn report() {
    let Some(zone) = browser_zone() else { return };
    let root = document().document_element();
    let rendered_in = root
        .as_ref()
        .and_then(|html| html.get_attribute("data-time-zone"))
        .unwrap_or_default();
    if rendered_in == zone {
        return;
    }
    remember(&zone);
    relabel(&zone, i18n::current());
}

fn browser_zone() -> Option<String> {
    let format = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
        .ok()?
        .as_string()
        .filter(|zone| !zone.is_empty())
}

fn remember(zone: &str) {
    let Ok(document) = document().dyn_into::<HtmlDocument>() else {
        return;
    };
    let https = web_sys::window()
        .and_then(|window| window.location().protocol().ok())
        .is_some_and(|protocol| protocol == "https:");
    // Behind https, `__Host-` (Secure, this host, all paths), as the server's own cookies.
    let cookie = if https {
        format!("__Host-tz={zone}; Path=/; Max-Age={KEPT_FOR_SECS}; SameSite=Lax; Secure")
    } else {
        format!("tz={zone}; Path=/; Max-Age={KEPT_FOR_SECS}; SameSite=Lax")
    };
    let _ = document.set_cookie(&cookie);
}

/// The exact times (`<time title>`) of the page, in `zone`.
fn relabel(zone: &str, locale: Locale) {
    let options = Object::new();
    for (name, value) in [
        ("dateStyle", "medium"),
        ("timeStyle", "short"),
        ("timeZone", zone),
    ] {
        let _ = Reflect::set(
            &options,
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        );
    }
    let format = Intl::DateTimeFormat::new(
        &Array::of1(&JsValue::from_str(locale.dates_tag())),
        &options,
    )
    .format();
    let Ok(times) = document().query_selector_all("time[datetime][title]") else {
        return;
    };
    for index in 0..times.length() {
        let Some(time) = times
            .item(index)
            .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let Some(iso) = time.get_attribute("datetime") else {
            continue;
        };
        let date = Date::new(&JsValue::from_str(&iso));
        if let Some(text) = format
            .call1(&JsValue::NULL, &date)
            .ok()
            .and_then(|text| text.as_string())
        {
            let _ = time.set_attribute("title", &text);
        }
    }
}
