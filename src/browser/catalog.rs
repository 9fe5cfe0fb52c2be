//! The page's messages in the browser: the shell carries its locale's list, as JSON, in
//! `<script id="i18n" type="application/json">` (see `crate::app`); it is read once. Plural
//! forms are chosen by the browser's own `Intl.PluralRules`, so no CLDR data is in the WASM.

use std::cell::OnceCell;

use js_sys::{Array, Intl, JSON, Object};
use leptos::prelude::document;
use wasm_bindgen::JsValue;

use crate::i18n::{Entry, Locale};

/// The id of the script that carries the messages.
pub const SCRIPT_ID: &str = "i18n";

struct Catalog {
    locale: Locale,
    entries: Vec<Entry>,
    rules: Intl::PluralRules,
}

thread_local! {
    static CATALOG: OnceCell<Catalog> = const { OnceCell::new() };
}

fn with<T>(read: impl FnOnce(&Catalog) -> T) -> T {
    CATALOG.with(|cell| read(cell.get_or_init(load)))
}

fn load() -> Catalog {
    let root = document().document_element();
    let locale = root
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|code| Locale::from_code(&code))
        .unwrap_or_default();
    let list = document()
        .get_element_by_id(SCRIPT_ID)
        .and_then(|script| script.text_content())
        .and_then(|json| JSON::parse(&json).ok())
        .map(|list| Array::from(&list))
        .unwrap_or_default();
    let entries = list.iter().map(entry_of).collect();
    let rules = Intl::PluralRules::new(
        &Array::of1(&JsValue::from_str(locale.code())),
        &Object::new(),
    );
    Catalog {
        locale,
        entries,
        rules,
    }
}

/// The strings live as long as the page: each is read many times, and never changes.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn entry_of(value: JsValue) -> Entry {
    if let Some(text) = value.as_string() {
        return Entry::Text(leak(text));
    }
    let forms: Vec<(&'static str, &'static str)> = Object::entries(&Object::from(value))
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            let category = category(&pair.get(0).as_string()?)?;
            Some((category, leak(pair.get(1).as_string()?)))
        })
        .collect();
    Entry::Plural(Box::leak(forms.into_boxed_slice()))
}

/// The CLDR category, as a name that lives as long as the page.
fn category(name: &str) -> Option<&'static str> {
    ["zero", "one", "two", "few", "many", "other"]
        .into_iter()
        .find(|known| *known == name)
}

pub fn current_locale() -> Locale {
    with(|catalog| catalog.locale)
}

pub fn entry(index: usize) -> Entry {
    with(|catalog| {
        catalog
            .entries
            .get(index)
            .copied()
            .unwrap_or(Entry::Text(""))
    })
}

pub fn plural_category(count: u64) -> &'static str {
    with(|catalog| {
        catalog
            .rules
            .select(count as f64)
            .as_string()
            .and_then(|name| category(&name))
            .unwrap_or("other")
    })
}
