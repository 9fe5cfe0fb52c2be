//! Parsers of single values: URLs, numbers, addresses, flags. Each returns the problem as a
//! sentence for the configuration error list.

use std::net::SocketAddr;

use url::Url;

/// A full base URL, or a region shorthand: `us`, `au`, `eu`, `ca`.
pub(super) fn parse_authsignal_url(value: &str) -> Result<Url, String> {
    let full = match value {
        "us" => "https://api.authsignal.com/v1".to_owned(),
        "au" | "eu" | "ca" => format!("https://{value}.api.authsignal.com/v1"),
        other => other.trim_end_matches('/').to_owned(),
    };
    let url = Url::parse(&full)
        .map_err(|error| format!("not a URL or a region (us, au, eu, ca): {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
        return Err(
            "expected an http(s) base URL such as https://api.authsignal.com/v1".to_owned(),
        );
    }
    // The secret travels to it in every request.
    require_https(&url)?;
    Ok(url)
}

/// Secrets, tokens and signing keys travel over these URLs: https, or plain http to this
/// machine only.
pub(super) fn require_https(url: &Url) -> Result<(), String> {
    if url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url)) {
        Ok(())
    } else {
        Err(
            "must be an https:// URL (plain http only to localhost or a loopback address)"
                .to_owned(),
        )
    }
}

/// Parses an absolute http(s) URL that names an origin only.
pub(super) fn parse_origin(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|error| format!("not a URL ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("expected an http:// or https:// URL".to_owned());
    }
    if url.host_str().is_none() {
        return Err("the URL needs a host".to_owned());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("expected an origin only, without path, query or fragment".to_owned());
    }
    Ok(url)
}

/// Absolute https URLs separated by commas or spaces (http only on loopback), such as a
/// native app's universal link. Compared exactly, so no wildcard can widen the list.
pub(super) fn parse_redirect_urls(value: &str) -> Result<Vec<Url>, String> {
    value
        .split([',', ' '])
        .filter(|item| !item.is_empty())
        .map(|item| {
            let url =
                Url::parse(item).map_err(|error| format!("`{item}` is not a URL ({error})"))?;
            let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url));
            if !secure || url.host_str().is_none() || url.fragment().is_some() {
                return Err(format!(
                    "`{item}` cannot be a return address: use an https:// URL without a fragment"
                ));
            }
            Ok(url)
        })
        .collect()
}

pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err("expected `true` or `false`".to_owned()),
    }
}

pub(super) fn parse_range(value: &str, min: u64, max: u64) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// The emulators hold test users and keys: they only ever listen on loopback.
pub(super) fn parse_loopback_addr(value: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = value
        .parse()
        .map_err(|_| "expected an address such as 127.0.0.1:3100".to_owned())?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err("the local emulators only listen on a loopback address".to_owned())
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`.
pub(super) fn is_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let (first, rest) = match parts.as_slice() {
        [first, rest @ ..] => (first, rest),
        [] => return false,
    };
    let (last, middle) = match rest.split_last() {
        Some(split) => split,
        None => return false,
    };
    first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn base64_decode(value: &str) -> Result<Vec<u8>, String> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    STANDARD
        .decode(value)
        .map_err(|_| "not valid base64".to_owned())
}
