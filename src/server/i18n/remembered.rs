//! The reader a person last was on the page, kept for what is written to them when they are not
//! there: their notice mails. In the shared state, language and time zone; the language with
//! their Authsignal user too (its `locale` attribute), where it outlives the shared state.

use std::time::Duration;

use tracing::warn;

use super::Reader;
use crate::{
    i18n::Locale,
    server::{AppState, authsignal::AuthsignalClient, shared_state::SharedState},
    wire::authsignal::UpdateUserRequest,
};

/// Kept as long as the language cookie.
const KEPT_FOR: Duration = Duration::from_secs(400 * 24 * 3600);

fn key(sub: &str) -> String {
    format!("reader:{sub}")
}

/// `"de Pacific/Auckland"`, or `"de"` without a zone.
fn stored(reader: &Reader) -> String {
    match reader.zone_name() {
        Some(zone) => format!("{} {zone}", reader.locale.code()),
        None => reader.locale.code().to_owned(),
    }
}

fn parse(stored: &str) -> Option<Reader> {
    let (code, zone) = match stored.split_once(' ') {
        Some((code, zone)) => (code, Some(zone)),
        None => (stored, None),
    };
    Some(Reader::new(Locale::from_code(code)?, zone))
}

/// Notes `reader` as `sub`'s, when it is not already: a read of the shared state on most
/// page views, a write and an Authsignal update only when the person changed language or zone.
pub async fn remember(state: &AppState, sub: &str, reader: &Reader) {
    let value = stored(reader);
    let before = match state.shared.get(&key(sub)).await {
        Ok(before) => before,
        Err(_) => return,
    };
    if before.as_deref() == Some(value.as_str()) {
        return;
    }
    if state.shared.put(&key(sub), &value, KEPT_FOR).await.is_err() {
        warn!("the person's language was not kept for their notices");
    }
    let language_before = before
        .as_deref()
        .and_then(parse)
        .map(|reader| reader.locale);
    if language_before != Some(reader.locale) {
        let update = UpdateUserRequest {
            locale: Some(reader.locale.code().to_owned()),
            ..UpdateUserRequest::default()
        };
        if let Err(error) = state.authsignal.update_user(sub, &update).await {
            warn!(%error, "the person's language was not kept with Authsignal");
        }
    }
}

/// Whom a mail to `sub` is written for: as they last were on the page; else in the language
/// Authsignal keeps for them; else `None`.
pub async fn recall(
    shared: &SharedState,
    authsignal: &AuthsignalClient,
    sub: &str,
) -> Option<Reader> {
    if let Some(reader) = shared
        .get(&key(sub))
        .await
        .ok()
        .flatten()
        .as_deref()
        .and_then(parse)
    {
        return Some(reader);
    }
    let user = authsignal.get_user(sub).await.ok()?;
    let locale = Locale::from_code(user.locale.as_deref()?.split(['-', '_']).next()?)?;
    Some(Reader::new(locale, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_is_kept_as_a_short_string() {
        let reader = Reader::new(Locale::De, Some("Pacific/Auckland"));
        assert_eq!(stored(&reader), "de Pacific/Auckland");
        let back = parse("de Pacific/Auckland").unwrap();
        assert_eq!(
            (back.locale, back.zone_name()),
            (Locale::De, Some("Pacific/Auckland"))
        );
        assert_eq!(parse("ja").unwrap().zone_name(), None);
        assert!(parse("xx Europe/Paris").is_none());
        assert_eq!(parse("fr Not/AZone").unwrap().zone_name(), None);
    }
}
