//! The languages the page speaks, and how the one a person gets is chosen.

use serde::{Deserialize, Serialize};

/// A language of the page. English is the default and what every other is checked against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    Es,
    Ja,
    Ar,
}

impl Locale {
    /// In the order of `build.rs`'s catalogs, and of the language menu.
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::Es,
        Locale::Ja,
        Locale::Ar,
    ];

    /// The cookie that keeps the person's choice of language.
    pub const COOKIE: &'static str = "lang";

    /// Its BCP 47 tag, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::Ja => "ja",
            Self::Ar => "ar",
        }
    }

    /// Its name in itself, as a language menu lists it.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
            Self::Fr => "Français",
            Self::Es => "Español",
            Self::Ja => "日本語",
            Self::Ar => "العربية",
        }
    }

    /// Which way its text runs, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        match self {
            Self::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// The tag dates are written with, by ICU4X on the server and `Intl` in the browser alike:
    /// English as written outside the US (day before month, a 24-hour clock), Arabic with the
    /// digits the rest of the page uses.
    pub fn dates_tag(self) -> &'static str {
        match self {
            Self::En => "en-GB",
            Self::Ar => "ar-u-nu-latn",
            other => other.code(),
        }
    }

    /// Its position in [`Locale::ALL`], which is the catalogs' too.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|locale| locale.code().eq_ignore_ascii_case(code))
    }

    /// The best of ours for an `Accept-Language` header: the highest `q` first, then the
    /// order given; a regional tag falls back to its language (`de-AT` → German). English
    /// when none of ours is asked for.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut asked: Vec<(u16, usize, Locale)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let quality = parts
                    .find_map(|parameter| {
                        let (name, value) = parameter.split_once('=')?;
                        (name.trim() == "q").then(|| quality(value.trim()))
                    })
                    .unwrap_or(Some(1000))?;
                let language = tag.split(['-', '_']).next()?;
                let locale = Self::from_code(language)?;
                (quality > 0).then_some((quality, order, locale))
            })
            .collect();
        asked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.first().map_or(Self::En, |(_, _, locale)| *locale)
    }
}

/// A `q` value in thousandths; `None` when it is not one (RFC 9110: 0 to 1, three decimals).
fn quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        let cases = [
            ("", Locale::En),
            ("de", Locale::De),
            ("de-AT", Locale::De),
            ("de_CH", Locale::De),
            ("fr-CA,fr;q=0.9,en;q=0.8", Locale::Fr),
            ("en-US,en;q=0.9,ja;q=0.8", Locale::En),
            ("it-IT,it;q=0.9,es;q=0.5,en;q=0.4", Locale::Es),
            ("es;q=0.5, ar;q=0.7", Locale::Ar),
            ("ja;q=0.8, de;q=0.8", Locale::Ja),
            ("*", Locale::En),
            ("pt-BR", Locale::En),
            ("AR-EG", Locale::Ar),
            ("de;q=0, fr", Locale::Fr),
            ("de;q=2, fr;q=0.1", Locale::Fr),
            ("de;q=abc, es", Locale::Es),
            ("de;q=0.1234, ja;q=0.001", Locale::Ja),
            (";;;,,,", Locale::En),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::negotiate(header), want, "{header:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_code(locale.code()), Some(locale));
            assert_eq!(Locale::ALL[locale.index()], locale);
        }
        assert_eq!(Locale::Ar.dir(), "rtl");
        assert_eq!(Locale::from_code("xx"), None);
    }
}
