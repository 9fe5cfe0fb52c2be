//! Every setting, read from environment variables and validated at start-up. A problem with any
//! variable is collected, so one message lists everything an operator has to fix.

mod parse;
mod vars;

use std::{net::SocketAddr, num::NonZeroU32, path::PathBuf, time::Duration};

use url::Url;

use crate::secret::Secret;
use parse::{
    base64_decode, is_loopback, is_region, parse_authsignal_url, parse_bool, parse_loopback_addr,
    parse_origin, parse_range, parse_redirect_urls, require_https,
};
pub use vars::ConfigErrors;
use vars::Vars;

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
    pub mail: MailSettings,
    pub shared: SharedStateSettings,
    /// Where native apps may ask the pre-built UI to send people back, besides the app's own
    /// return page (`API_REDIRECT_URLS`).
    pub api_redirect_urls: Vec<Url>,
    /// Whether this process is an AWS Lambda function (its runtime sets
    /// `AWS_LAMBDA_RUNTIME_API`): nothing runs after a response there, and one process's memory
    /// is not shared with the function's other instances.
    pub on_lambda: bool,
}

#[derive(Clone, Debug)]
pub struct LimitSettings {
    /// Requests per minute one client address may make to each rate-limited operation
    /// (`RATE_LIMIT_PER_IP_PER_MINUTE`).
    pub per_ip_per_minute: NonZeroU32,
    /// The country calling codes text messages may go to, e.g. `+64`, `+61`
    /// (`SMS_ALLOWED_COUNTRIES`); empty, every country.
    pub sms_allowed_countries: Vec<String>,
    /// Text-message numbers that may be added in an hour, all people together, per country
    /// calling code (`SMS_PER_COUNTRY_PER_HOUR`): what SMS pumping through many accounts can
    /// cost at most.
    pub sms_per_country_per_hour: u64,
    /// Take the client address from the last `X-Forwarded-For` entry, as appended by a trusted
    /// load balancer (`TRUST_FORWARDED_FOR`). Off, the peer address is used.
    pub trust_forwarded_for: bool,
    /// Behind Amazon CloudFront: the value of the `X-Origin-Verify` header CloudFront adds to
    /// every request it forwards (`CLOUDFRONT_ORIGIN_SECRET`). A request that carries it has
    /// the viewer's address in `CloudFront-Viewer-Address`; one that does not came around
    /// CloudFront and counts by its peer.
    pub cloudfront_origin_secret: Option<Secret>,
}

/// Where the state every instance shares lives.
#[derive(Clone, Debug)]
pub struct SharedStateSettings {
    /// `redis://` or `rediss://` (TLS), credentials in the URL (`REDIS_URL`). Unset: this
    /// process's memory, right for one instance.
    pub redis_url: Option<Secret>,
    /// Put before every key, so deployments can share one server (`REDIS_KEY_PREFIX`).
    pub key_prefix: String,
}

/// Where notices of changes are mailed from and through.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://` (with `?tls=required` for STARTTLS) or `smtps://`, credentials in the URL
    /// (`SMTP_URL`). Unset: the local mail server in local mode, otherwise no notices.
    pub smtp_url: Option<Secret>,
    /// The `From` of every notice, `Name <address>` (`MAIL_FROM`).
    pub from: String,
    /// Where the local mail server listens (`LOCAL_SMTP_ADDR`).
    pub local_addr: SocketAddr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// The key that encrypts the session cookies (`SESSION_KEY`). Required with a real user
    /// pool; otherwise, when unset, a key is generated once and kept in the local data directory.
    pub key: Option<Secret>,
    /// How long a browser stays signed in without using the app (`SESSION_MAX_AGE_DAYS`).
    pub max_age: Duration,
    /// How long a step-up lets the person change their sign-in methods
    /// (`STEP_UP_WINDOW_MINUTES`).
    pub step_up_window: Duration,
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
    Remote(Box<CognitoEndpoints>),
    /// The embedded emulator.
    Local(LocalCognitoSettings),
}

/// How the local Cognito runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalCognitoSettings {
    /// Where it listens (`LOCAL_COGNITO_ADDR`).
    pub addr: SocketAddr,
    pub lifetimes: TokenLifetimes,
    /// Which of its two app clients the app signs in with (`LOCAL_COGNITO_APP_CLIENT`).
    pub app_client: AppClientKind,
    /// Register a plain-http callback URL on any host (`LOCAL_COGNITO_ALLOW_HTTP_CALLBACKS`).
    /// Real Cognito accepts plain http only for `http://localhost`; this is for tests.
    pub allow_http_callbacks: bool,
    /// Managed login (`true`, the default) or the classic hosted UI of a Lite plan pool, which
    /// ignores `prompt` (`LOCAL_COGNITO_MANAGED_LOGIN`).
    pub managed_login: bool,
    /// Whether a refresh returns a new refresh token and retires the old one, as an app client
    /// with refresh token rotation does (`LOCAL_COGNITO_REFRESH_TOKEN_ROTATION`).
    pub rotate_refresh_tokens: bool,
}

/// The two kinds of Cognito app client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppClientKind {
    /// With a client secret ("traditional web application").
    Confidential,
    /// Without one ("single-page application", native apps).
    Public,
}

/// How long the local Cognito's tokens last; the app client settings of a real pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLifetimes {
    pub access: Duration,
    pub id: Duration,
    pub refresh: Duration,
}

/// Where a user pool and its app client are: a real one from the configuration, or the local
/// one once started.
#[derive(Clone, Debug)]
pub struct CognitoEndpoints {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// The managed-login domain, e.g. `https://auth.example.com`.
    pub domain: Url,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}` unless overridden.
    pub issuer: String,
    pub jwks_url: Url,
    /// Where Cognito's admin API is answered when it is not AWS's own endpoint for the region:
    /// the local Cognito, which the app calls with local credentials.
    pub admin_endpoint: Option<Url>,
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
    Remote(AuthsignalEndpoints),
    /// The embedded emulator.
    Local(LocalAuthsignalSettings),
}

/// How the local Authsignal runs.
#[derive(Clone, Debug)]
pub struct LocalAuthsignalSettings {
    /// Where it listens (`LOCAL_AUTHSIGNAL_ADDR`).
    pub addr: SocketAddr,
    pub passkeys: PasskeySettings,
    /// Where it sends its webhooks: the app's own receiver.
    pub webhook_url: Option<Url>,
}

/// The relying party passkeys are registered with: a real tenant's are set in the Authsignal
/// Portal; the local one's here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeySettings {
    /// A domain name, never an IP address (`PASSKEY_RP_ID`).
    pub rp_id: String,
    /// The pages that may use them, scheme and port included (`PASSKEY_ORIGINS`).
    pub origins: Vec<Url>,
}

/// Where an Authsignal tenant is and how to authenticate to it: a real one from the
/// configuration, or the local one once started.
#[derive(Clone, Debug)]
pub struct AuthsignalEndpoints {
    pub secret: Secret,
    /// The Server API base, ending in `/v1`.
    pub api_url: Url,
    /// The base the browser calls (`/client/...` is appended), usually the same host.
    pub client_api_url: Url,
    pub tenant_id: String,
}

/// Both upstream services, as the server reaches them.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub cognito: CognitoEndpoints,
    pub authsignal: AuthsignalEndpoints,
    /// Where notices are mailed through: `SMTP_URL`, or the local mail server; none, no notices.
    pub smtp_url: Option<Secret>,
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

/// Where Authsignal's webhooks are received, on the public URL.
pub const WEBHOOK_PATH: &str = "/webhooks/authsignal";

/// Settings of the local Authsignal only: a real tenant keeps them in the Portal.
const LOCAL_AUTHSIGNAL_VARIABLES: [&str; 2] = ["PASSKEY_RP_ID", "PASSKEY_ORIGINS"];

impl Config {
    /// For the binaries: the process environment and a `.env` file in the working directory;
    /// when anything is wrong, every problem is printed and the process exits.
    pub fn load_or_exit() -> Config {
        // A missing .env is the normal case; a malformed one is reported by the validation.
        let _ = dotenvy::dotenv();
        Self::from_env().unwrap_or_else(|errors| {
            eprintln!("{errors}");
            std::process::exit(1)
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut vars = Vars::new(&lookup);
        let public_url = vars.parse("APP_PUBLIC_URL", "http://localhost:3000", parse_origin);
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
        let authsignal = read_authsignal(&mut vars, local_allowed, public_url.as_ref());
        let per_ip_per_minute = vars.parse("RATE_LIMIT_PER_IP_PER_MINUTE", "60", |value| {
            parse_range(value, 1, 1_000_000).map(|number| NonZeroU32::new(number as u32))
        });
        let trust_forwarded_for = vars.parse("TRUST_FORWARDED_FOR", "false", parse_bool);
        let sms_allowed_countries = vars.parse("SMS_ALLOWED_COUNTRIES", "", |value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(|code| {
                    let digits = code.strip_prefix('+').unwrap_or(code);
                    if (1..=3).contains(&digits.len())
                        && digits.bytes().all(|byte| byte.is_ascii_digit())
                        && !digits.starts_with('0')
                    {
                        Ok(format!("+{digits}"))
                    } else {
                        Err(format!(
                            "`{code}` is not a country calling code such as +64"
                        ))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let sms_per_country_per_hour = vars.parse("SMS_PER_COUNTRY_PER_HOUR", "200", |value| {
            parse_range(value, 1, 1_000_000)
        });
        let cloudfront_origin_secret = vars.optional("CLOUDFRONT_ORIGIN_SECRET", |value| {
            if value.len() >= 16 && value.bytes().all(|byte| byte.is_ascii_graphic()) {
                Ok(Secret::new(value.to_owned()))
            } else {
                Err(
                    "at least 16 printable characters, no spaces (e.g. `openssl rand -hex 32`)"
                        .to_owned(),
                )
            }
        });
        let api_redirect_urls = vars.parse("API_REDIRECT_URLS", "", parse_redirect_urls);
        let mail = read_mail(&mut vars, public_url.as_ref());
        let redis_url = vars.optional("REDIS_URL", |value| {
            let url = Url::parse(value).map_err(|error| format!("not a URL: {error}"))?;
            match (url.scheme(), url.host_str()) {
                ("redis" | "rediss", Some(host)) if !host.is_empty() => {
                    Ok(Secret::new(value.to_owned()))
                }
                _ => Err("expected redis://host:6379 or rediss://host:6379 (TLS)".to_owned()),
            }
        });
        let on_lambda = vars.get("AWS_LAMBDA_RUNTIME_API").is_some();
        if on_lambda && matches!(redis_url, Some(None)) {
            vars.error(
                "REDIS_URL",
                "required on AWS Lambda: each instance of the function has its own memory, so one-time tokens, removal locks and rate limits need Redis to hold across them",
            );
        }
        let key_prefix = vars.parse("REDIS_KEY_PREFIX", "account-security:", |value| {
            if value.len() <= 64 && !value.contains(char::is_whitespace) {
                Ok(value.to_owned())
            } else {
                Err("at most 64 characters, no spaces".to_owned())
            }
        });
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
                    sms_allowed_countries: sms_allowed_countries?,
                    sms_per_country_per_hour: sms_per_country_per_hour?,
                    trust_forwarded_for: trust_forwarded_for?,
                    cloudfront_origin_secret: cloudfront_origin_secret?,
                },
                api_redirect_urls: api_redirect_urls?,
                mail: mail?,
                shared: SharedStateSettings {
                    redis_url: redis_url?,
                    key_prefix: key_prefix?,
                },
                on_lambda,
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

fn read_mail(vars: &mut Vars, public_url: Option<&Url>) -> Option<MailSettings> {
    let smtp_url = vars.optional("SMTP_URL", |value| {
        let url = Url::parse(value).map_err(|error| format!("not a URL: {error}"))?;
        let tls = url
            .query_pairs()
            .find(|(name, _)| name == "tls")
            .map(|(_, mode)| mode.into_owned());
        match (url.scheme(), url.host_str()) {
            ("smtps", Some(host)) if !host.is_empty() => Ok(Secret::new(value.to_owned())),
            ("smtp", Some(host)) if !host.is_empty() => {
                // Credentials and notices in clear, or TLS that anyone on the path can strip,
                // only to a server on this machine.
                // `smtp` is not a special scheme: its host is opaque text, never an IP address.
                let on_this_machine = host == "localhost"
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if tls.as_deref() == Some("required") || on_this_machine {
                    Ok(Secret::new(value.to_owned()))
                } else {
                    Err("a mail server that is not on this machine needs TLS: smtps://host:465, or smtp://host:587?tls=required (STARTTLS)".to_owned())
                }
            }
            _ => Err(
                "expected smtp://host:port (add ?tls=required for STARTTLS) or smtps://host:port"
                    .to_owned(),
            ),
        }
    });
    let host = public_url
        .and_then(Url::host_str)
        .unwrap_or("localhost")
        .to_owned();
    let from = vars.parse(
        "MAIL_FROM",
        &format!("Account Security <no-reply@{host}>"),
        |value| {
            value
                .parse::<lettre::message::Mailbox>()
                .map(|mailbox| mailbox.to_string())
                .map_err(|error| format!("expected `Name <address>` or an address: {error}"))
        },
    );
    let local_addr = vars.parse("LOCAL_SMTP_ADDR", "127.0.0.1:3025", parse_loopback_addr);
    Some(MailSettings {
        smtp_url: smtp_url?,
        from: from?,
        local_addr: local_addr?,
    })
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
    let step_up_minutes = vars.parse("STEP_UP_WINDOW_MINUTES", "10", |value| {
        parse_range(value, 1, 60)
    });
    Some(SessionSettings {
        key: key?,
        max_age: Duration::from_secs(max_age_days? * 24 * 3600),
        step_up_window: Duration::from_secs(step_up_minutes? * 60),
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
    let local = read_local_cognito(vars);
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
            local.map(CognitoMode::Local)
        }
    };
    Some(CognitoSettings {
        leeway: Duration::from_secs(leeway?),
        scopes: scopes?,
        mode: mode?,
    })
}

fn read_local_cognito(vars: &mut Vars) -> Option<LocalCognitoSettings> {
    let addr = vars.parse("LOCAL_COGNITO_ADDR", "127.0.0.1:3100", parse_loopback_addr);
    let lifetimes = read_local_lifetimes(vars);
    let app_client = vars.parse(
        "LOCAL_COGNITO_APP_CLIENT",
        "confidential",
        |value| match value {
            "confidential" => Ok(AppClientKind::Confidential),
            "public" => Ok(AppClientKind::Public),
            _ => Err("expected `confidential` or `public`".to_owned()),
        },
    );
    let allow_http_callbacks =
        vars.parse("LOCAL_COGNITO_ALLOW_HTTP_CALLBACKS", "false", parse_bool);
    let managed_login = vars.parse("LOCAL_COGNITO_MANAGED_LOGIN", "true", parse_bool);
    let rotate_refresh_tokens =
        vars.parse("LOCAL_COGNITO_REFRESH_TOKEN_ROTATION", "false", parse_bool);
    Some(LocalCognitoSettings {
        addr: addr?,
        lifetimes: lifetimes?,
        app_client: app_client?,
        allow_http_callbacks: allow_http_callbacks?,
        managed_login: managed_login?,
        rotate_refresh_tokens: rotate_refresh_tokens?,
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

fn read_remote_cognito(vars: &mut Vars, pool_id: &str) -> Option<CognitoEndpoints> {
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
        require_https(&domain)?;
        Ok(domain)
    });
    let issuer = region.clone().and_then(|region| {
        let default = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        vars.parse("COGNITO_ISSUER", &default, |value| {
            let url = Url::parse(value).map_err(|error| format!("not a URL ({error})"))?;
            // The keys are looked up under it: plain http would let anyone on the way forge them.
            require_https(&url)?;
            Ok(value.trim_end_matches('/').to_owned())
        })
    });
    let jwks_url = issuer.as_ref().and_then(|issuer| {
        vars.parse(
            "COGNITO_JWKS_URL",
            &format!("{issuer}/.well-known/jwks.json"),
            |value| {
                let url = Url::parse(value).map_err(|error| format!("not a URL ({error})"))?;
                // Whoever can change these keys can sign in as anyone.
                require_https(&url)?;
                Ok(url)
            },
        )
    });
    if vars.get("SESSION_KEY").is_none() {
        vars.error(
            "SESSION_KEY",
            "required with a real user pool: base64 of 64 random bytes (`openssl rand -base64 64`)",
        );
    }
    Some(CognitoEndpoints {
        region: region?,
        user_pool_id: pool_id.to_owned(),
        client_id: client_id?,
        client_secret,
        domain: domain?,
        issuer: issuer?,
        jwks_url: jwks_url?,
        admin_endpoint: None,
    })
}

fn read_authsignal(
    vars: &mut Vars,
    local_allowed: bool,
    public_url: Option<&Url>,
) -> Option<AuthsignalSettings> {
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
        Some(secret) => {
            vars.forbid_with(
                &LOCAL_AUTHSIGNAL_VARIABLES,
                "AUTHSIGNAL_SECRET",
                "a real tenant's passkey settings are in the Authsignal Portal",
            );
            read_remote_authsignal(vars, secret).map(AuthsignalMode::Remote)
        }
        None => {
            vars.forbid_without(&AUTHSIGNAL_VARIABLES, "AUTHSIGNAL_SECRET");
            if !local_allowed {
                vars.error(
                    "AUTHSIGNAL_SECRET",
                    "required unless APP_PUBLIC_URL is a loopback address or ALLOW_LOCAL_EMULATORS=true (the local Authsignal is for development only)",
                );
            }
            let passkeys = public_url.and_then(|public_url| read_passkeys(vars, public_url));
            let webhook_url = public_url.and_then(|url| url.join(WEBHOOK_PATH).ok());
            local_addr.zip(passkeys).map(|(addr, passkeys)| {
                AuthsignalMode::Local(LocalAuthsignalSettings {
                    addr,
                    passkeys,
                    webhook_url,
                })
            })
        }
    };
    Some(AuthsignalSettings {
        connect_timeout: Duration::from_millis(connect_timeout?),
        timeout: Duration::from_millis(timeout?),
        retries: retries? as u32,
        mode: mode?,
    })
}

/// The RP ID defaults to the public URL's host, the origins to its origin.
fn read_passkeys(vars: &mut Vars, public_url: &Url) -> Option<PasskeySettings> {
    let host = public_url.host_str().unwrap_or_default();
    let rp_id = vars.parse("PASSKEY_RP_ID", host, |value| {
        if value.parse::<std::net::IpAddr>().is_ok() || value.starts_with('[') {
            return Err("WebAuthn takes a domain name, not an IP address: use APP_PUBLIC_URL=http://localhost:PORT, or set PASSKEY_RP_ID".to_owned());
        }
        if value.is_empty() || value.contains(['/', ':', ' ']) {
            return Err("expected a domain name such as example.com".to_owned());
        }
        Ok(value.to_ascii_lowercase())
    })?;
    let origins = vars.parse(
        "PASSKEY_ORIGINS",
        &public_url.origin().ascii_serialization(),
        |value| {
            value
                .split([',', ' '])
                .filter(|item| !item.is_empty())
                .map(|item| {
                    let origin = parse_origin(item)?;
                    let domain = origin.domain().unwrap_or_default();
                    if domain == rp_id || domain.ends_with(&format!(".{rp_id}")) {
                        Ok(origin)
                    } else {
                        Err(format!(
                            "`{item}` is not on {rp_id} (PASSKEY_RP_ID) or below it"
                        ))
                    }
                })
                .collect()
        },
    )?;
    Some(PasskeySettings { rp_id, origins })
}

fn read_remote_authsignal(vars: &mut Vars, secret: String) -> Option<AuthsignalEndpoints> {
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
    Some(AuthsignalEndpoints {
        secret: Secret::new(secret),
        api_url: api_url?,
        client_api_url: client_api_url?,
        tenant_id: tenant_id?,
    })
}

#[cfg(test)]
mod tests;
