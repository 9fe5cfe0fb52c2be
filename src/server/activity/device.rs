//! A device as a person names it ("Chrome on macOS"), from a user agent, with `woothee`.

use woothee::parser::Parser;

use crate::i18n::tr;

/// A browser and the system it runs on, by their makers' names: the same in every language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    browser: Option<String>,
    os: Option<String>,
}

impl Device {
    /// `None` when the user agent says nothing a person would recognise.
    pub fn of(user_agent: &str) -> Option<Self> {
        let parsed = Parser::new().parse(user_agent)?;
        // Crawlers and HTTP libraries are not devices a person would recognise.
        if !matches!(
            parsed.category,
            "pc" | "smartphone" | "mobilephone" | "appliance"
        ) {
            return None;
        }
        let device = Self {
            browser: Some(parsed.name)
                .filter(|name| *name != "UNKNOWN")
                .map(str::to_owned),
            os: os_name(parsed.os).map(str::to_owned),
        };
        (device.browser.is_some() || device.os.is_some()).then_some(device)
    }

    /// "Chrome on macOS", in the reader's language.
    pub fn name(&self) -> String {
        match (&self.browser, &self.os) {
            (Some(browser), Some(os)) => tr::activity_browser_on_os(browser, os),
            (None, Some(os)) => tr::activity_a_browser_on_os(os),
            (Some(browser), None) => browser.clone(),
            (None, None) => String::new(),
        }
    }

    /// `Chrome|macOS`: what is kept where the name is read later, by someone in another
    /// language perhaps.
    pub fn key(&self) -> String {
        format!(
            "{}|{}",
            self.browser.as_deref().unwrap_or_default(),
            self.os.as_deref().unwrap_or_default()
        )
    }

    pub fn from_key(key: &str) -> Option<Self> {
        let (browser, os) = key.split_once('|')?;
        let part = |name: &str| Some(name.to_owned()).filter(|name| !name.is_empty());
        let device = Self {
            browser: part(browser),
            os: part(os),
        };
        (device.browser.is_some() || device.os.is_some()).then_some(device)
    }
}

/// "Chrome on macOS" in the reader's language; `None` when the user agent says nothing a
/// person would recognise.
pub fn name(user_agent: &str) -> Option<String> {
    Device::of(user_agent).map(|device| device.name())
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
            if let Some(device) = Device::of(agent) {
                assert_eq!(Device::from_key(&device.key()), Some(device));
            }
        }
        assert_eq!(Device::from_key("Chrome on macOS"), None);
        assert_eq!(Device::from_key("|"), None);
    }
}
