//! Reading variables while collecting every problem, so one message lists everything an
//! operator has to fix.

use std::fmt;

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
            "The configuration is invalid ({} problem{}); see the configuration table in docs/configuration.md:",
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
pub(super) struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<ConfigError>,
}

impl<'a> Vars<'a> {
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            errors: Vec::new(),
        }
    }

    /// The trimmed value, with an empty value counting as unset.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub(super) fn error(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(ConfigError {
            variable,
            problem: problem.into(),
        });
    }

    /// Parses the variable, or `default` when it is unset. `None` means the value was invalid.
    pub(super) fn parse<T>(
        &mut self,
        name: &'static str,
        default: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.get(name).unwrap_or_else(|| default.to_owned());
        self.check(name, parse(&value))
    }

    /// `Some(None)` when unset, `Some(Some(value))` when valid, `None` when invalid.
    pub(super) fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.get(name) {
            None => Some(None),
            Some(value) => self.check(name, parse(&value)).map(Some),
        }
    }

    pub(super) fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.get(name) {
            None => {
                self.error(name, "required");
                None
            }
            Some(value) => self.check(name, parse(&value)),
        }
    }

    /// Settings of the local emulator are an error beside the variable that selects the real
    /// service: they would be silently ignored.
    pub(super) fn forbid_with(&mut self, names: &[&'static str], selector: &str, why: &str) {
        for &name in names {
            if self.get(name).is_some() {
                self.error(name, format!("set together with {selector}: {why}"));
            }
        }
    }

    /// Settings of a real service are an error without the variable that selects that service:
    /// they would be silently ignored in local mode.
    pub(super) fn forbid_without(&mut self, names: &[&'static str], selector: &str) {
        for &name in names {
            if self.get(name).is_some() {
                self.error(
                    name,
                    format!("set, but {selector} is not: set both, or neither to run locally"),
                );
            }
        }
    }

    pub(super) fn check<T>(&mut self, name: &'static str, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.error(name, problem)).ok()
    }

    /// The value when every variable was valid, otherwise every problem found.
    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, ConfigErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(ConfigErrors(self.errors)),
        }
    }
}
