//! A device as a person names it ("Chrome on macOS"), from a user agent, with `woothee`.

use woothee::parser::Parser;

/// `None` when the user agent says nothing a person would recognise.
pub fn name(user_agent: &str) -> Option<String> {
    let parsed = Parser::new().parse(user_agent)?;
    // Crawlers and HTTP libraries are not devices a person would recognise.
    if !matches!(
        parsed.category,
        "pc" | "smartphone" | "mobilephone" | "appliance"
    ) {
        return None;
    }
    let browser = Some(parsed.name).filter(|name| *name != "UNKNOWN");
    let os = os_name(parsed.os);
    match (browser, os) {
        (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
        (Some(browser), None) => Some(browser.to_owned()),
        (None, Some(os)) => Some(format!("A browser on {os}")),
        (None, None) => None,
    }
}

/// woothee's OS names, as their makers write them today.
fn os_name(os: &str) -> Option<&str> {
    Some(match os {
        "UNKNOWN" | "" => return None,
        "Mac OSX" | "Mac OS Classic" => "macOS",
        "iPhone" | "iPod" => "iOS",
        "iPad" => "iPadOS",
        os if os.starts_with("Windows") => "Windows",
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_read_as_people_name_them() {
        let cases = [
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                Some("Chrome on macOS"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                Some("Firefox on Windows"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                Some("Safari on iOS"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                Some("Chrome on Android"),
            ),
            ("curl/8.5.0", None),
            ("", None),
        ];
        for (agent, expected) in cases {
            assert_eq!(name(agent).as_deref(), expected, "{agent}");
        }
    }
}
