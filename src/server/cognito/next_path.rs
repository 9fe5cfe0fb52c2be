//! Where to send someone after they sign in: a path on this site, never another site. Anything
//! else (absolute or scheme-relative URLs, backslash tricks, control characters) falls back to
//! the default, so there is no open redirect. What is checked is what is returned: the path is
//! rebuilt after the URL parser has normalised it (dot segments, `%2e`), with exactly one
//! leading slash, so it can never be read as scheme-relative (`//host`) or absolute.

use url::Url;

use crate::paths::Page;

/// Where a signed-in person lands by default.
pub const DEFAULT: &str = Page::Security.path();
const MAX_LEN: usize = 2048;

/// `raw` as a same-origin path with its query, or `None`.
pub fn validate(raw: &str, public_url: &Url) -> Option<String> {
    if raw.len() > MAX_LEN
        || !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let resolved = public_url.join(raw).ok()?;
    if resolved.origin() != public_url.origin() {
        return None;
    }
    // Normalisation can turn `/.//evil.example` into `//evil.example`: the path is rebuilt
    // with one leading slash, whatever the parser made of it.
    let path = format!("/{}", resolved.path().trim_start_matches('/'));
    // Never back into the sign-in machinery: that could loop.
    if path.starts_with("/auth/") || path.contains('\\') {
        return None;
    }
    Some(match resolved.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    })
}

/// `raw` when valid, else [`DEFAULT`].
pub fn or_default(raw: Option<&str>, public_url: &Url) -> String {
    raw.and_then(|raw| validate(raw, public_url))
        .unwrap_or_else(|| DEFAULT.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> Url {
        Url::parse("https://account.example.com").unwrap()
    }

    #[test]
    fn same_origin_paths_are_kept_with_their_query() {
        assert_eq!(
            validate("/security", &public()).as_deref(),
            Some("/security")
        );
        assert_eq!(
            validate("/security/return?token=abc", &public()).as_deref(),
            Some("/security/return?token=abc")
        );
        assert_eq!(
            validate("/security#fragment", &public()).as_deref(),
            Some("/security")
        );
        assert_eq!(
            validate("/a/../security", &public()).as_deref(),
            Some("/security")
        );
    }

    #[test]
    fn other_sites_and_tricks_are_refused() {
        for hostile in [
            "https://evil.example/",
            "http://account.example.com/security",
            "//evil.example/security",
            "/\\evil.example",
            "\\\\evil.example",
            "/\tevil",
            "/\n/evil.example",
            " /security",
            "javascript:alert(1)",
            "security",
            "",
            "/auth/sign-in?return_to=/security",
            "/auth/callback",
        ] {
            assert_eq!(validate(hostile, &public()), None, "{hostile:?}");
        }
        assert_eq!(
            validate(&format!("/{}", "a".repeat(MAX_LEN)), &public()),
            None
        );
    }

    /// What a browser does with `Location: {path}` on our page: it must stay on our origin.
    fn stays_home(path: &str) -> bool {
        let mut chars = path.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && public()
                .join(path)
                .is_ok_and(|url| url.origin() == public().origin())
    }

    #[test]
    fn no_normalisation_trick_leads_off_site() {
        let dots = [
            "", ".", "..", "%2e", "%2E", "%2e%2e", ".%2e", "%2e.", "a/..",
        ];
        let separators = [
            "/", "//", "///", "\\", "/\\", "%2f", "%2F", "%5c", "/%2f", "\t/", "/\t/",
        ];
        let mut tried = 0;
        for first in dots {
            for separator in separators {
                for second in dots {
                    for tail in [
                        "evil.example",
                        "/evil.example",
                        "%2fevil.example",
                        "@evil.example",
                    ] {
                        let hostile = format!("/{first}{separator}{second}/{tail}");
                        tried += 1;
                        if let Some(path) = validate(&hostile, &public()) {
                            assert!(stays_home(&path), "{hostile:?} became {path:?}");
                        }
                    }
                }
            }
        }
        assert!(tried > 3000, "{tried}");
        for (hostile, expected) in [
            ("/.//evil.example", Some("/evil.example")),
            ("/a/..//evil.example", Some("/evil.example")),
            ("/%2e//evil.example", Some("/evil.example")),
            ("/%2e%2e//evil.example/login", Some("/evil.example/login")),
        ] {
            assert_eq!(
                validate(hostile, &public()).as_deref(),
                expected,
                "{hostile}"
            );
        }
    }

    #[test]
    fn anything_invalid_falls_back_to_the_security_page() {
        assert_eq!(
            or_default(Some("https://evil.example"), &public()),
            "/security"
        );
        assert_eq!(or_default(None, &public()), "/security");
        assert_eq!(or_default(Some("/security/x"), &public()), "/security/x");
    }
}
