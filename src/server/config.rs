//! Every setting, read from environment variables and validated at start-up. A problem with any
//! variable is collected, so one message lists everything an operator has to fix.

use std::{fmt, path::PathBuf};

use url::Url;

/// The validated settings of one server process.
#[derive(Clone, Debug)]
pub struct Config {
    /// The origin people type into their browser, e.g. `https://account.example.com`.
    pub public_url: Url,
    pub log_format: LogFormat,
    /// Where the local emulators keep keys and state between restarts.
    pub local_data_dir: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut vars = Vars {
            lookup: &lookup,
            errors: Vec::new(),
        };
        let public_url = vars.parse("APP_PUBLIC_URL", "http://127.0.0.1:3000", parse_origin);
        let log_format = vars.parse("LOG_FORMAT", "text", |value| match value {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".to_owned()),
        });
        let local_data_dir = vars.parse("LOCAL_DATA_DIR", "target/local-data", |value| {
            Ok(PathBuf::from(value))
        });
        vars.finish()?;
        Ok(Config {
            public_url: public_url.expect("checked by finish"),
            log_format: log_format.expect("checked by finish"),
            local_data_dir: local_data_dir.expect("checked by finish"),
        })
    }

    /// `https://host[:port]`, as browsers send it in the `Origin` header.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// Parses an absolute http(s) URL that names an origin only.
pub(crate) fn parse_origin(value: &str) -> Result<Url, String> {
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

/// Every variable that was missing or invalid.
#[derive(Debug)]
pub struct ConfigErrors(Vec<ConfigError>);

#[derive(Debug)]
struct ConfigError {
    variable: &'static str,
    problem: String,
}

impl ConfigErrors {
    /// The names of the variables at fault, for tests.
    pub fn variables(&self) -> Vec<&'static str> {
        self.0.iter().map(|error| error.variable).collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The configuration is invalid ({} problem{}); see the configuration table in README.md:",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  - {}: {}", error.variable, error.problem)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Reads variables and remembers every problem instead of stopping at the first.
struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<ConfigError>,
}

impl Vars<'_> {
    /// The trimmed value, with an empty value counting as unset.
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// Parses the variable, or `default` when it is unset. `None` means the value was invalid.
    fn parse<T>(
        &mut self,
        name: &'static str,
        default: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.get(name).unwrap_or_else(|| default.to_owned());
        self.check(name, parse(&value))
    }

    fn check<T>(&mut self, name: &'static str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|problem| {
                self.errors.push(ConfigError {
                    variable: name,
                    problem,
                })
            })
            .ok()
    }

    fn finish(self) -> Result<(), ConfigErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_locally() {
        let config = config(&[]).unwrap();
        assert_eq!(config.public_origin(), "http://127.0.0.1:3000");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.local_data_dir, PathBuf::from("target/local-data"));
    }

    #[test]
    fn every_invalid_variable_is_listed_at_once() {
        let errors = config(&[
            ("APP_PUBLIC_URL", "ftp://example.com"),
            ("LOG_FORMAT", "xml"),
        ])
        .unwrap_err();
        assert_eq!(errors.variables(), ["APP_PUBLIC_URL", "LOG_FORMAT"]);
        let message = errors.to_string();
        assert!(message.contains("2 problems"), "{message}");
        assert!(
            message.contains("LOG_FORMAT: expected `text` or `json`"),
            "{message}"
        );
    }

    #[test]
    fn public_url_must_be_an_origin() {
        for bad in [
            "https://example.com/app",
            "https://example.com/?a=b",
            "example.com",
        ] {
            let errors = config(&[("APP_PUBLIC_URL", bad)]).unwrap_err();
            assert_eq!(errors.variables(), ["APP_PUBLIC_URL"], "{bad}");
        }
        let config = config(&[("APP_PUBLIC_URL", "https://account.example.com")]).unwrap();
        assert_eq!(config.public_origin(), "https://account.example.com");
    }

    #[test]
    fn blank_values_mean_unset() {
        let config = config(&[("LOG_FORMAT", "  ")]).unwrap();
        assert_eq!(config.log_format, LogFormat::Text);
    }
}
