//! Every setting, read from environment variables and validated at start-up. A problem with any
//! variable is collected, so one message lists everything an operator has to fix.

use std::{fmt, net::SocketAddr, num::NonZeroU32, path::PathBuf, time::Duration};

use url::Url;

/// The validated settings of one server process.
#[derive(Clone, Debug)]
pub struct Config {
    /// The origin people type into their browser, e.g. `https://account.example.com`.
    pub public_url: Url,
    pub log_format: LogFormat,
    /// Where the local emulators keep keys and state between restarts.
    pub local_data_dir: PathBuf,
    pub session: SessionSettings,
    pub cognito: CognitoSettings,
    pub authsignal: AuthsignalSettings,
    pub limits: LimitSettings,
    /// Where native apps may ask the pre-built UI to send people back, besides the app's own
    /// return page (`API_REDIRECT_URLS`).
    pub api_redirect_urls: Vec<Url>,
}

#[derive(Clone, Debug)]
pub struct LimitSettings {
    /// Requests per minute one client address may make to each rate-limited operation
    /// (`RATE_LIMIT_PER_IP_PER_MINUTE`).
    pub per_ip_per_minute: NonZeroU32,
    /// Take the client address from the last `X-Forwarded-For` entry, as appended by a trusted
    /// load balancer (`TRUST_FORWARDED_FOR`). Off, the peer address is used.
    pub trust_forwarded_for: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A value that must never reach a log line or a `Debug` dump.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// The key that encrypts the session cookies (`SESSION_KEY`). Required with a real user
    /// pool; otherwise, when unset, a key is generated once and kept in the local data directory.
    pub key: Option<Secret>,
    /// How long a browser stays signed in without using the app (`SESSION_MAX_AGE_DAYS`).
    pub max_age: Duration,
}

#[derive(Clone, Debug)]
pub struct CognitoSettings {
    /// Tolerated clock difference when checking `exp` and `nbf` (`JWT_LEEWAY_SECONDS`, 0–60).
    pub leeway: Duration,
    /// Requested OAuth scopes (`COGNITO_SCOPES`).
    pub scopes: Vec<String>,
    pub mode: CognitoMode,
}

#[derive(Clone, Debug)]
pub enum CognitoMode {
    /// A real user pool.
    Remote(Box<RemoteCognito>),
    /// The embedded emulator, listening on `addr`.
    Local {
        addr: SocketAddr,
        lifetimes: TokenLifetimes,
    },
}

/// How long the local Cognito's tokens last; the app client settings of a real pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLifetimes {
    pub access: Duration,
    pub id: Duration,
    pub refresh: Duration,
}

#[derive(Clone, Debug)]
pub struct RemoteCognito {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// The managed-login domain, e.g. `https://auth.example.com`.
    pub domain: Url,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}` unless overridden.
    pub issuer: String,
    pub jwks_url: Url,
}

#[derive(Clone, Debug)]
pub struct AuthsignalSettings {
    pub connect_timeout: Duration,
    /// The whole request, connection included.
    pub timeout: Duration,
    /// Retries of idempotent requests after a connection error or a 5xx.
    pub retries: u32,
    pub mode: AuthsignalMode,
}

#[derive(Clone, Debug)]
pub enum AuthsignalMode {
    /// A real tenant.
    Remote(RemoteAuthsignal),
    /// The embedded emulator, listening on `addr`.
    Local { addr: SocketAddr },
}

#[derive(Clone, Debug)]
pub struct RemoteAuthsignal {
    pub secret: Secret,
    /// The Server API base, ending in `/v1`.
    pub api_url: Url,
    /// The base the browser calls (`/client/...` is appended), usually the same host.
    pub client_api_url: Url,
    pub tenant_id: String,
}

const COGNITO_VARIABLES: [&str; 6] = [
    "COGNITO_REGION",
    "COGNITO_CLIENT_ID",
    "COGNITO_CLIENT_SECRET",
    "COGNITO_DOMAIN",
    "COGNITO_ISSUER",
    "COGNITO_JWKS_URL",
];

const AUTHSIGNAL_VARIABLES: [&str; 3] = [
    "AUTHSIGNAL_API_URL",
    "AUTHSIGNAL_CLIENT_API_URL",
    "AUTHSIGNAL_TENANT_ID",
];

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
        let allow_local = vars.parse("ALLOW_LOCAL_EMULATORS", "false", parse_bool);
        // An invalid public URL is reported once, not again as a reason to refuse the emulators.
        let local_allowed =
            allow_local.unwrap_or(false) || public_url.as_ref().is_none_or(is_loopback);
        let session = read_session(&mut vars);
        let cognito = read_cognito(&mut vars, local_allowed);
        let authsignal = read_authsignal(&mut vars, local_allowed);
        let per_ip_per_minute = vars.parse("RATE_LIMIT_PER_IP_PER_MINUTE", "60", |value| {
            parse_range(value, 1, 1_000_000).map(|number| NonZeroU32::new(number as u32))
        });
        let trust_forwarded_for = vars.parse("TRUST_FORWARDED_FOR", "false", parse_bool);
        let api_redirect_urls = vars.parse("API_REDIRECT_URLS", "", parse_redirect_urls);
        let config = (|| {
            Some(Config {
                public_url: public_url?,
                log_format: log_format?,
                local_data_dir: local_data_dir?,
                session: session?,
                cognito: cognito?,
                authsignal: authsignal?,
                limits: LimitSettings {
                    per_ip_per_minute: per_ip_per_minute??,
                    trust_forwarded_for: trust_forwarded_for?,
                },
                api_redirect_urls: api_redirect_urls?,
            })
        })();
        vars.finish(config)
    }

    /// `https://host[:port]`, as browsers send it in the `Origin` header.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// Cookies get `Secure` and the `__Host-` prefix whenever the public URL is https.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

fn read_session(vars: &mut Vars) -> Option<SessionSettings> {
    let key = vars.optional("SESSION_KEY", |value| {
        let bytes = base64_decode(value)?;
        if bytes.len() < 64 {
            return Err(format!(
                "must decode to at least 64 bytes, got {} (generate one with `openssl rand -base64 64`)",
                bytes.len()
            ));
        }
        Ok(Secret::new(value))
    });
    let max_age_days = vars.parse("SESSION_MAX_AGE_DAYS", "30", |value| {
        parse_range(value, 1, 3650)
    });
    Some(SessionSettings {
        key: key?,
        max_age: Duration::from_secs(max_age_days? * 24 * 3600),
    })
}

fn read_cognito(vars: &mut Vars, local_allowed: bool) -> Option<CognitoSettings> {
    let leeway = vars.parse("JWT_LEEWAY_SECONDS", "5", |value| parse_range(value, 0, 60));
    let scopes = vars.parse("COGNITO_SCOPES", "openid email", |value| {
        let scopes: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
        if scopes.iter().any(|scope| scope == "openid") {
            Ok(scopes)
        } else {
            Err("must include `openid`: the ID token carries the email address".to_owned())
        }
    });
    let local_addr = vars.parse("LOCAL_COGNITO_ADDR", "127.0.0.1:3100", parse_loopback_addr);
    let lifetimes = read_local_lifetimes(vars);
    let mode = match vars.get("COGNITO_USER_POOL_ID") {
        Some(pool_id) => {
            read_remote_cognito(vars, &pool_id).map(|remote| CognitoMode::Remote(Box::new(remote)))
        }
        None => {
            vars.forbid_without(&COGNITO_VARIABLES, "COGNITO_USER_POOL_ID");
            if !local_allowed {
                vars.error(
                    "COGNITO_USER_POOL_ID",
                    "required unless APP_PUBLIC_URL is a loopback address or ALLOW_LOCAL_EMULATORS=true (the local Cognito is for development only)",
                );
            }
            local_addr
                .zip(lifetimes)
                .map(|(addr, lifetimes)| CognitoMode::Local { addr, lifetimes })
        }
    };
    Some(CognitoSettings {
        leeway: Duration::from_secs(leeway?),
        scopes: scopes?,
        mode: mode?,
    })
}

/// Shorter than a real pool allows (5 minutes at least), so tests can let tokens expire.
fn read_local_lifetimes(vars: &mut Vars) -> Option<TokenLifetimes> {
    let access = vars.parse("LOCAL_COGNITO_ACCESS_TOKEN_SECONDS", "3600", |value| {
        parse_range(value, 1, 86_400)
    });
    let id = vars.parse("LOCAL_COGNITO_ID_TOKEN_SECONDS", "3600", |value| {
        parse_range(value, 1, 86_400)
    });
    let refresh = vars.parse("LOCAL_COGNITO_REFRESH_TOKEN_SECONDS", "2592000", |value| {
        parse_range(value, 60, 315_360_000)
    });
    Some(TokenLifetimes {
        access: Duration::from_secs(access?),
        id: Duration::from_secs(id?),
        refresh: Duration::from_secs(refresh?),
    })
}

fn read_remote_cognito(vars: &mut Vars, pool_id: &str) -> Option<RemoteCognito> {
    let pool_region = match pool_id.split_once('_') {
        Some((region, id))
            if is_region(region)
                && !id.is_empty()
                && id.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(region.to_owned())
        }
        _ => {
            vars.error(
                "COGNITO_USER_POOL_ID",
                "expected `{region}_{id}`, e.g. `eu-west-1_AbC123xyz`",
            );
            None
        }
    };
    let region = match vars.get("COGNITO_REGION") {
        Some(region) if pool_region.as_deref().is_some_and(|pool| pool != region) => {
            vars.error(
                "COGNITO_REGION",
                "does not match the region in COGNITO_USER_POOL_ID",
            );
            None
        }
        Some(region) => Some(region),
        None => pool_region.clone(),
    };
    let client_id = vars.required("COGNITO_CLIENT_ID", |value| {
        if value.len() <= 128 && value.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(value.to_owned())
        } else {
            Err("expected the app client ID: letters and digits".to_owned())
        }
    });
    let client_secret = vars.get("COGNITO_CLIENT_SECRET").map(Secret::new);
    let domain = vars.required("COGNITO_DOMAIN", |value| {
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("https://{value}")
        };
        let domain = parse_origin(&with_scheme)?;
        // The client secret, codes and refresh tokens travel to it.
        if domain.scheme() != "https" && !is_loopback(&domain) {
            return Err("must be an https:// URL".to_owned());
        }
        Ok(domain)
    });
    let issuer = region.clone().and_then(|region| {
        let default = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        vars.parse("COGNITO_ISSUER", &default, |value| {
            Url::parse(value)
                .map(|_| value.trim_end_matches('/').to_owned())
                .map_err(|error| format!("not a URL ({error})"))
        })
    });
    let jwks_url = issuer.as_ref().and_then(|issuer| {
        vars.parse(
            "COGNITO_JWKS_URL",
            &format!("{issuer}/.well-known/jwks.json"),
            |value| Url::parse(value).map_err(|error| format!("not a URL ({error})")),
        )
    });
    if vars.get("SESSION_KEY").is_none() {
        vars.error(
            "SESSION_KEY",
            "required with a real user pool: base64 of 64 random bytes (`openssl rand -base64 64`)",
        );
    }
    Some(RemoteCognito {
        region: region?,
        user_pool_id: pool_id.to_owned(),
        client_id: client_id?,
        client_secret,
        domain: domain?,
        issuer: issuer?,
        jwks_url: jwks_url?,
    })
}

fn read_authsignal(vars: &mut Vars, local_allowed: bool) -> Option<AuthsignalSettings> {
    let connect_timeout = vars.parse("AUTHSIGNAL_CONNECT_TIMEOUT_MS", "2000", |value| {
        parse_range(value, 50, 60_000)
    });
    let timeout = vars.parse("AUTHSIGNAL_TIMEOUT_MS", "5000", |value| {
        parse_range(value, 100, 120_000)
    });
    let retries = vars.parse("AUTHSIGNAL_RETRIES", "2", |value| parse_range(value, 0, 5));
    let local_addr = vars.parse(
        "LOCAL_AUTHSIGNAL_ADDR",
        "127.0.0.1:3200",
        parse_loopback_addr,
    );
    let mode = match vars.get("AUTHSIGNAL_SECRET") {
        Some(secret) => read_remote_authsignal(vars, secret).map(AuthsignalMode::Remote),
        None => {
            vars.forbid_without(&AUTHSIGNAL_VARIABLES, "AUTHSIGNAL_SECRET");
            if !local_allowed {
                vars.error(
                    "AUTHSIGNAL_SECRET",
                    "required unless APP_PUBLIC_URL is a loopback address or ALLOW_LOCAL_EMULATORS=true (the local Authsignal is for development only)",
                );
            }
            local_addr.map(|addr| AuthsignalMode::Local { addr })
        }
    };
    Some(AuthsignalSettings {
        connect_timeout: Duration::from_millis(connect_timeout?),
        timeout: Duration::from_millis(timeout?),
        retries: retries? as u32,
        mode: mode?,
    })
}

fn read_remote_authsignal(vars: &mut Vars, secret: String) -> Option<RemoteAuthsignal> {
    let api_url = vars.parse(
        "AUTHSIGNAL_API_URL",
        "https://api.authsignal.com/v1",
        parse_authsignal_url,
    );
    let client_api_url = api_url.clone().and_then(|api_url| {
        vars.parse(
            "AUTHSIGNAL_CLIENT_API_URL",
            api_url.as_str(),
            parse_authsignal_url,
        )
    });
    let tenant_id = vars.required("AUTHSIGNAL_TENANT_ID", |value| {
        if value.len() <= 128 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Ok(value.to_owned())
        } else {
            Err("expected the tenant ID from the Authsignal Portal".to_owned())
        }
    });
    Some(RemoteAuthsignal {
        secret: Secret::new(secret),
        api_url: api_url?,
        client_api_url: client_api_url?,
        tenant_id: tenant_id?,
    })
}

/// A full base URL, or a region shorthand: `us`, `au`, `eu`, `ca`.
fn parse_authsignal_url(value: &str) -> Result<Url, String> {
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
    Ok(url)
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

/// Absolute https URLs separated by commas or spaces (http only on loopback), such as a
/// native app's universal link. Compared exactly, so no wildcard can widen the list.
fn parse_redirect_urls(value: &str) -> Result<Vec<Url>, String> {
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

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err("expected `true` or `false`".to_owned()),
    }
}

fn parse_range(value: &str, min: u64, max: u64) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// The emulators hold test users and keys: they only ever listen on loopback.
fn parse_loopback_addr(value: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = value
        .parse()
        .map_err(|_| "expected an address such as 127.0.0.1:3100".to_owned())?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err("the local emulators only listen on a loopback address".to_owned())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`.
fn is_region(value: &str) -> bool {
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

fn base64_decode(value: &str) -> Result<Vec<u8>, String> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    STANDARD
        .decode(value)
        .map_err(|_| "not valid base64".to_owned())
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

    fn error(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(ConfigError {
            variable,
            problem: problem.into(),
        });
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

    /// `Some(None)` when unset, `Some(Some(value))` when valid, `None` when invalid.
    fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.get(name) {
            None => Some(None),
            Some(value) => self.check(name, parse(&value)).map(Some),
        }
    }

    fn required<T>(
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

    /// Settings of a real service are an error without the variable that selects that service:
    /// they would be silently ignored in local mode.
    fn forbid_without(&mut self, names: &[&'static str], selector: &str) {
        for &name in names {
            if self.get(name).is_some() {
                self.error(
                    name,
                    format!("set, but {selector} is not: set both, or neither to run locally"),
                );
            }
        }
    }

    fn check<T>(&mut self, name: &'static str, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.error(name, problem)).ok()
    }

    /// The value when every variable was valid, otherwise every problem found.
    fn finish<T>(self, value: Option<T>) -> Result<T, ConfigErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(ConfigErrors(self.errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SESSION_KEY: &str =
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    fn remote() -> Vec<(&'static str, &'static str)> {
        vec![
            ("APP_PUBLIC_URL", "https://account.example.com"),
            ("SESSION_KEY", SESSION_KEY),
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
            ("COGNITO_CLIENT_ID", "4hqt9ikctmesulmh0hbqbs00ta"),
            ("COGNITO_DOMAIN", "auth.example.com"),
            ("AUTHSIGNAL_SECRET", "secret-value"),
            ("AUTHSIGNAL_TENANT_ID", "a1b2c3d4-tenant"),
            ("AUTHSIGNAL_API_URL", "eu"),
        ]
    }

    #[test]
    fn defaults_run_locally() {
        let config = config(&[]).unwrap();
        assert_eq!(config.public_origin(), "http://127.0.0.1:3000");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.local_data_dir, PathBuf::from("target/local-data"));
        assert!(
            matches!(config.cognito.mode, CognitoMode::Local { addr, lifetimes } if addr.port() == 3100 && lifetimes.access == Duration::from_secs(3600))
        );
        assert!(
            matches!(config.authsignal.mode, AuthsignalMode::Local { addr } if addr.port() == 3200)
        );
        assert!(config.session.key.is_none());
        assert!(!config.is_https());
    }

    #[test]
    fn real_services_are_derived_from_few_variables() {
        let config = config(&remote()).unwrap();
        let CognitoMode::Remote(cognito) = &config.cognito.mode else {
            panic!("expected a real user pool");
        };
        assert_eq!(cognito.region, "eu-west-1");
        assert_eq!(
            cognito.issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz"
        );
        assert_eq!(
            cognito.jwks_url.as_str(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
        );
        assert_eq!(cognito.domain.as_str(), "https://auth.example.com/");
        let AuthsignalMode::Remote(authsignal) = &config.authsignal.mode else {
            panic!("expected a real tenant");
        };
        assert_eq!(
            authsignal.api_url.as_str(),
            "https://eu.api.authsignal.com/v1"
        );
        assert_eq!(authsignal.client_api_url, authsignal.api_url);
        assert!(config.is_https());
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
    fn a_real_pool_needs_its_client_domain_and_session_key() {
        let errors = config(&[
            ("APP_PUBLIC_URL", "https://account.example.com"),
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
            ("AUTHSIGNAL_SECRET", "secret-value"),
        ])
        .unwrap_err();
        assert_eq!(
            errors.variables(),
            [
                "COGNITO_CLIENT_ID",
                "COGNITO_DOMAIN",
                "SESSION_KEY",
                "AUTHSIGNAL_TENANT_ID"
            ]
        );
    }

    #[test]
    fn emulators_are_refused_behind_a_public_url() {
        let errors = config(&[("APP_PUBLIC_URL", "https://account.example.com")]).unwrap_err();
        assert_eq!(
            errors.variables(),
            ["COGNITO_USER_POOL_ID", "AUTHSIGNAL_SECRET"]
        );
        let config = config(&[
            ("APP_PUBLIC_URL", "https://account.example.com"),
            ("ALLOW_LOCAL_EMULATORS", "true"),
        ]);
        assert!(config.is_ok());
    }

    #[test]
    fn half_configured_services_are_errors_not_silently_local() {
        let errors = config(&[
            ("COGNITO_CLIENT_ID", "4hqt9ikctmesulmh0hbqbs00ta"),
            ("AUTHSIGNAL_TENANT_ID", "tenant"),
        ])
        .unwrap_err();
        assert_eq!(
            errors.variables(),
            ["COGNITO_CLIENT_ID", "AUTHSIGNAL_TENANT_ID"]
        );
    }

    #[test]
    fn malformed_values_are_named() {
        let mut vars = remote();
        vars.extend([
            ("COGNITO_USER_POOL_ID", "not-a-pool"),
            ("SESSION_KEY", "c2hvcnQ="),
            ("JWT_LEEWAY_SECONDS", "300"),
            ("AUTHSIGNAL_TIMEOUT_MS", "fast"),
            ("LOCAL_COGNITO_ADDR", "0.0.0.0:3100"),
            ("COGNITO_SCOPES", "email"),
            ("LOCAL_COGNITO_ACCESS_TOKEN_SECONDS", "0"),
            ("COGNITO_DOMAIN", "http://auth.example.com"),
        ]);
        let errors = config(&vars).unwrap_err();
        let mut variables = errors.variables();
        variables.sort_unstable();
        assert_eq!(
            variables,
            [
                "AUTHSIGNAL_TIMEOUT_MS",
                "COGNITO_DOMAIN",
                "COGNITO_SCOPES",
                "COGNITO_USER_POOL_ID",
                "JWT_LEEWAY_SECONDS",
                "LOCAL_COGNITO_ACCESS_TOKEN_SECONDS",
                "LOCAL_COGNITO_ADDR",
                "SESSION_KEY"
            ]
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
            assert_eq!(errors.variables()[0], "APP_PUBLIC_URL", "{bad}");
        }
        let config = config(&[("APP_PUBLIC_URL", "http://localhost:3000")]).unwrap();
        assert_eq!(config.public_origin(), "http://localhost:3000");
    }

    #[test]
    fn every_region_shorthand_names_its_host() {
        for (region, host) in [
            ("us", "https://api.authsignal.com/v1"),
            ("au", "https://au.api.authsignal.com/v1"),
            ("eu", "https://eu.api.authsignal.com/v1"),
            ("ca", "https://ca.api.authsignal.com/v1"),
            (
                "https://auth.example.com/v1/",
                "https://auth.example.com/v1",
            ),
        ] {
            assert_eq!(parse_authsignal_url(region).unwrap().as_str(), host);
        }
        for bad in [
            "uk",
            "ftp://api.authsignal.com/v1",
            "https://api.authsignal.com/v1?x=1",
        ] {
            assert!(parse_authsignal_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn native_app_return_addresses_are_exact_urls() {
        let parsed = config(&[(
            "API_REDIRECT_URLS",
            "https://app.example.com/authsignal, http://127.0.0.1:8080/done",
        )])
        .unwrap();
        let urls: Vec<&str> = parsed.api_redirect_urls.iter().map(Url::as_str).collect();
        assert_eq!(
            urls,
            [
                "https://app.example.com/authsignal",
                "http://127.0.0.1:8080/done"
            ]
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "com.example.app://authsignal",
            "http://app.example.com/done",
            "https://app.example.com/#frag",
            "not a url",
        ] {
            let errors = config(&[("API_REDIRECT_URLS", bad)]).unwrap_err();
            assert_eq!(errors.variables(), ["API_REDIRECT_URLS"], "{bad}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = config(&remote()).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("secret-value"), "{debug}");
        assert!(!debug.contains(SESSION_KEY), "{debug}");
    }

    #[test]
    fn blank_values_mean_unset() {
        let config = config(&[("LOG_FORMAT", "  ")]).unwrap();
        assert_eq!(config.log_format, LogFormat::Text);
    }
}
