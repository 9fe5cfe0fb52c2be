//! Who a sentence is for: their language, and the time zone their browser reported.

use axum::http::{HeaderMap, header};
use axum_extra::extract::CookieJar;
use jiff::tz::TimeZone;

use crate::i18n::Locale;

/// The cookie in which the page keeps the browser's time zone (an IANA name). Not HttpOnly:
/// the page's script writes it; it is no secret.
pub const TIME_ZONE_COOKIE: &str = "tz";

/// The longest IANA zone name is 32 characters; anything longer is not one.
const MAX_ZONE_NAME: usize = 64;

/// A person as the server writes for them.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    pub locale: Locale,
    /// Their time zone, when their browser said; times are shown in UTC, named, without it.
    pub zone: Option<TimeZone>,
}

impl Reader {
    pub fn new(locale: Locale, zone_name: Option<&str>) -> Self {
        Self {
            locale,
            zone: zone_name.and_then(time_zone),
        }
    }

    /// The reader of a request: the language they chose on the page (its cookie), else the
    /// best match for their browser's `Accept-Language`; the zone the page reported.
    pub fn of_request(headers: &HeaderMap) -> Self {
        let jar = CookieJar::from_headers(headers);
        let cookie = |name: &str| {
            jar.get(&format!("__Host-{name}"))
                .or_else(|| jar.get(name))
                .map(|cookie| cookie.value().to_owned())
        };
        let locale = cookie(Locale::COOKIE)
            .and_then(|code| Locale::from_code(&code))
            .unwrap_or_else(|| {
                Locale::negotiate(
                    headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default(),
                )
            });
        Self::new(locale, cookie(TIME_ZONE_COOKIE).as_deref())
    }

    /// The IANA name of the zone, when there is one.
    pub fn zone_name(&self) -> Option<&str> {
        self.zone.as_ref().and_then(TimeZone::iana_name)
    }
}

/// A zone the time-zone database knows; `None` for anything else a cookie may hold.
fn time_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_ZONE_NAME {
        return None;
    }
    TimeZone::get(name).ok()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn reader(cookie: Option<&str>, accept_language: Option<&str>) -> Reader {
        let mut headers = HeaderMap::new();
        if let Some(cookie) = cookie {
            headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        if let Some(accept) = accept_language {
            headers.insert(
                header::ACCEPT_LANGUAGE,
                HeaderValue::from_str(accept).unwrap(),
            );
        }
        Reader::of_request(&headers)
    }

    #[test]
    fn the_chosen_language_wins_over_the_browsers() {
        assert_eq!(reader(None, Some("de-AT,de;q=0.9")).locale, Locale::De);
        assert_eq!(reader(Some("lang=ja"), Some("de-AT")).locale, Locale::Ja);
        assert_eq!(reader(Some("__Host-lang=ar"), None).locale, Locale::Ar);
        assert_eq!(reader(Some("lang=xx"), Some("fr")).locale, Locale::Fr);
        assert_eq!(reader(None, None).locale, Locale::En);
    }

    #[test]
    fn only_zones_the_database_knows_are_kept() {
        let zone = |cookie: &str| reader(Some(cookie), None).zone_name().map(str::to_owned);
        assert_eq!(
            zone("tz=Pacific/Auckland").as_deref(),
            Some("Pacific/Auckland")
        );
        assert_eq!(
            zone("tz=America/Los_Angeles").as_deref(),
            Some("America/Los_Angeles")
        );
        assert_eq!(zone("tz=Mars/Olympus_Mons"), None);
        assert_eq!(zone("tz=../../etc/passwd"), None);
        assert_eq!(zone(&format!("tz={}", "A".repeat(100))), None);
    }
}
