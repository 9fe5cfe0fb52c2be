//! The page in the person's language. Every sentence a person reads is a message of
//! `locales/<locale>/*.json`, reached through a function of [`tr`] that `build.rs` writes from
//! the English catalog and checks every other locale against. The server holds every locale;
//! the browser only the messages of the page's own, which the shell carries in a JSON script
//! (see `crate::app`), so no catalog goes into the WASM.

mod locale;

pub use locale::Locale;

#[cfg(not(feature = "ssr"))]
use crate::browser::catalog as source;
#[cfg(feature = "ssr")]
use crate::server::i18n as source;

/// One function per message: `tr::activity_title()`, `tr::errors_rate_limited(wait)`.
pub mod tr {
    include!(concat!(env!("OUT_DIR"), "/messages.rs"));
}

/// A message as a catalog holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Text(&'static str),
    /// Forms by CLDR plural category (`"one"`, `"other"`).
    Plural(&'static [(&'static str, &'static str)]),
}

impl Entry {
    /// The text of a message without forms; the `other` form of a plural one.
    fn text(self) -> &'static str {
        match self {
            Self::Text(text) => text,
            Self::Plural(forms) => form(forms, "other"),
        }
    }
}

/// The form for `category`, or `other`, which every language has.
fn form(forms: &'static [(&'static str, &'static str)], category: &str) -> &'static str {
    let find = |wanted: &str| forms.iter().find(|(name, _)| *name == wanted);
    find(category)
        .or_else(|| find("other"))
        .map_or("", |(_, form)| form)
}

/// The language the page and the server speak to this person now.
pub fn current() -> Locale {
    source::current_locale()
}

fn text(index: usize) -> &'static str {
    source::entry(index).text()
}

fn plural(index: usize, count: u64) -> &'static str {
    match source::entry(index) {
        Entry::Plural(forms) => form(forms, source::plural_category(count)),
        entry => entry.text(),
    }
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        match values.iter().find(|(name, _)| *name == &after[..end]) {
            Some((_, value)) => out.push_str(&value.to_string()),
            None => out.push_str(&rest[start..start + end + 2]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name_wherever_they_stand() {
        let minutes = 3;
        assert_eq!(
            fill(
                "In {minutes} min, {name}.",
                &[("name", &"Jane"), ("minutes", &minutes)]
            ),
            "In 3 min, Jane."
        );
        assert_eq!(fill("{name}{name}", &[("name", &"a")]), "aa");
        assert_eq!(fill("no {value", &[]), "no {value");
    }

    #[test]
    fn a_missing_form_falls_back_to_other() {
        let forms: &'static [(&str, &str)] = &[("one", "a minute"), ("other", "{count} minutes")];
        assert_eq!(form(forms, "one"), "a minute");
        assert_eq!(form(forms, "few"), "{count} minutes");
    }
}
