//! A moment as a person reads it: in their language (ICU4X, CLDR's patterns) and their time
//! zone (jiff, the IANA database); in UTC, said so, when their browser has not told us theirs.

use std::sync::OnceLock;

use icu_calendar::Gregorian;
use icu_datetime::{
    FixedCalendarDateTimeFormatter,
    fieldsets::YMDT,
    input::{Date, DateTime, Time},
    options::TimePrecision,
};
use jiff::Timestamp;
use time::OffsetDateTime;

use super::current_reader;
use crate::i18n::{Locale, tr};

type Formatter = FixedCalendarDateTimeFormatter<Gregorian, YMDT>;

/// "3 Dec 2026, 14:05" in the reader's zone; "3 Dec 2026, 01:05 UTC" without one.
pub fn exact(then: OffsetDateTime) -> String {
    let reader = current_reader();
    let in_zone = reader.zone.clone().and_then(|zone| {
        let civil = Timestamp::from_second(then.unix_timestamp())
            .ok()?
            .to_zoned_datetime(zone)
            .datetime();
        Some((
            i32::from(civil.year()),
            u8::try_from(civil.month()).ok()?,
            u8::try_from(civil.day()).ok()?,
            u8::try_from(civil.hour()).ok()?,
            u8::try_from(civil.minute()).ok()?,
        ))
    });
    // Without a zone, or past the ends of jiff's calendar (years ±9999): UTC, said so.
    let (fields, zoned) = match in_zone {
        Some(fields) => (fields, true),
        None => {
            let utc = then.checked_to_offset(time::UtcOffset::UTC).unwrap_or(then);
            (
                (
                    utc.year(),
                    u8::from(utc.month()),
                    utc.day(),
                    utc.hour(),
                    utc.minute(),
                ),
                false,
            )
        }
    };
    let (year, month, day, hour, minute) = fields;
    let formatted = Date::try_new_gregorian(year, month, day)
        .ok()
        .zip(Time::try_new(hour, minute, 0, 0).ok())
        .map(|(date, time)| {
            formatter(reader.locale)
                .format(&DateTime { date, time })
                .to_string()
        })
        .unwrap_or_default();
    if zoned {
        formatted
    } else {
        tr::time_in_utc(formatted)
    }
}

fn formatter(locale: Locale) -> &'static Formatter {
    static FORMATTERS: OnceLock<Vec<Formatter>> = OnceLock::new();
    &FORMATTERS.get_or_init(|| {
        Locale::ALL
            .iter()
            .map(|locale| {
                let tag: icu_locale_core::Locale =
                    locale.dates_tag().parse().expect("valid BCP 47");
                Formatter::try_new(
                    (&tag).into(),
                    YMDT::medium().with_time_precision(TimePrecision::Minute),
                )
                .expect("compiled data has every locale")
            })
            .collect()
    })[locale.index()]
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::{
        super::{Reader, with_reader_now},
        *,
    };

    fn shown(locale: Locale, zone: Option<&str>) -> String {
        with_reader_now(Reader::new(locale, zone), || {
            exact(datetime!(2026-12-03 01:05:00 UTC))
        })
    }

    #[test]
    fn a_moment_reads_in_the_readers_zone_and_language() {
        assert_eq!(
            shown(Locale::En, Some("Pacific/Auckland")),
            "3 Dec 2026, 14:05"
        );
        assert_eq!(
            shown(Locale::En, Some("America/Los_Angeles")),
            "2 Dec 2026, 17:05"
        );
        assert_eq!(shown(Locale::En, None), "3 Dec 2026, 01:05 UTC");
        assert!(shown(Locale::De, Some("Europe/Berlin")).contains("02:05"));
        assert!(shown(Locale::Ja, Some("Asia/Tokyo")).starts_with("2026/12/03"));
        assert!(
            shown(Locale::Ar, None).contains("2026"),
            "{}",
            shown(Locale::Ar, None)
        );
    }
}
