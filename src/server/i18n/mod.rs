//! The server's side of the page's languages: every locale's catalog, the reader of each
//! request (their language and time zone), plural forms and dates by ICU4X. Everything that
//! makes a sentence on the server reads the reader of the request it serves, or the one a mail's
//! recipient left ([`with_reader`]).

mod dates;
pub mod layer;
mod reader;
pub mod remembered;

use std::sync::OnceLock;

use icu_plurals::{PluralCategory, PluralRules};
use leptos::prelude::use_context;

pub use dates::exact;
pub use reader::Reader;

use crate::i18n::{Entry, Locale};

mod catalogs {
    use crate::i18n::Entry;
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

tokio::task_local! {
    static READER: Reader;
}

/// The reader of the request being served: set by [`layer`] for each request, and given to the
/// page's work in its Leptos context, which runs in tasks of its own.
pub fn current_reader() -> Reader {
    READER
        .try_with(Reader::clone)
        .ok()
        .or_else(use_context::<Reader>)
        .unwrap_or_default()
}

pub fn current_locale() -> Locale {
    READER
        .try_with(|reader| reader.locale)
        .ok()
        .or_else(|| use_context::<Reader>().map(|reader| reader.locale))
        .unwrap_or_default()
}

/// Runs `work` with everything it writes for `reader`: a mail in its recipient's language.
pub async fn with_reader<F: Future>(reader: Reader, work: F) -> F::Output {
    READER.scope(reader, work).await
}

/// [`with_reader`], for work that does not wait.
pub fn with_reader_now<T>(reader: Reader, work: impl FnOnce() -> T) -> T {
    READER.sync_scope(reader, work)
}

pub fn entry(index: usize) -> Entry {
    catalogs::CATALOGS[current_locale().index()][index]
}

/// The JSON list of `locale`'s messages the page reads, for the shell to carry.
pub fn page_messages(locale: Locale) -> &'static str {
    catalogs::PAGE_JSON[locale.index()]
}

pub fn plural_category(count: u64) -> &'static str {
    static RULES: OnceLock<Vec<PluralRules>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        Locale::ALL
            .iter()
            .map(|locale| {
                let tag: icu_locale_core::Locale =
                    locale.code().parse().expect("our codes are BCP 47");
                PluralRules::try_new_cardinal((&tag).into()).expect("compiled data has them")
            })
            .collect()
    });
    match rules[current_locale().index()].category_for(count) {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(locale: Locale, count: u64) -> &'static str {
        with_reader_now(Reader::new(locale, None), || plural_category(count))
    }

    #[test]
    fn plural_forms_are_those_of_the_language() {
        assert_eq!(category(Locale::En, 1), "one");
        assert_eq!(category(Locale::En, 0), "other");
        assert_eq!(category(Locale::Fr, 0), "one");
        assert_eq!(category(Locale::Fr, 1_000_000), "many");
        assert_eq!(category(Locale::Ja, 1), "other");
        assert_eq!(category(Locale::Ar, 0), "zero");
        assert_eq!(category(Locale::Ar, 2), "two");
        assert_eq!(category(Locale::Ar, 5), "few");
        assert_eq!(category(Locale::Ar, 11), "many");
        assert_eq!(category(Locale::Ar, 100), "other");
    }

    #[test]
    fn every_locale_has_every_message_with_the_same_placeholders() {
        assert!(
            catalogs::PROBLEMS.is_empty(),
            "the catalogs in locales/ disagree with English:\n  {}",
            catalogs::PROBLEMS.join("\n  ")
        );
    }

    #[test]
    fn each_locale_has_its_own_words() {
        let said = |locale| {
            with_reader_now(Reader::new(locale, None), || {
                crate::i18n::tr::common_close().to_owned()
            })
        };
        assert_eq!(said(Locale::En), "Close");
        assert_ne!(said(Locale::De), said(Locale::En));
    }
}
