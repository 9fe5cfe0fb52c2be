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
    assert_eq!(config.public_origin(), "http://localhost:3000");
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.local_data_dir, PathBuf::from("target/local-data"));
    assert!(
        matches!(config.cognito.mode, CognitoMode::Local(local) if local.addr.port() == 3100 && local.lifetimes.access == Duration::from_secs(3600) && local.app_client == AppClientKind::Confidential && !local.allow_http_callbacks)
    );
    assert!(
        matches!(&config.authsignal.mode, AuthsignalMode::Local(local) if local.addr.port() == 3200
            && local.passkeys.rp_id == "localhost"
            && local.passkeys.origins.iter().map(Url::as_str).eq(["http://localhost:3000/"]))
    );
    assert!(config.session.key.is_none());
    assert_eq!(config.session.step_up_window, Duration::from_secs(600));
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
        ("STEP_UP_WINDOW_MINUTES", "61"),
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
            "SESSION_KEY",
            "STEP_UP_WINDOW_MINUTES"
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
fn passkeys_need_a_domain_and_origins_on_it() {
    let refused = config(&[
        ("APP_PUBLIC_URL", "http://127.0.0.1:3000"),
        ("LOCAL_COGNITO_ALLOW_HTTP_CALLBACKS", "true"),
    ])
    .unwrap_err();
    assert_eq!(refused.variables(), ["PASSKEY_RP_ID"]);
    assert!(
        refused.to_string().contains("not an IP address"),
        "{refused}"
    );
    let custom = config(&[
        ("PASSKEY_RP_ID", "localhost"),
        (
            "PASSKEY_ORIGINS",
            "http://localhost:3000, http://app.localhost:4000",
        ),
    ])
    .unwrap();
    let AuthsignalMode::Local(local) = custom.authsignal.mode else {
        panic!("local");
    };
    assert_eq!(local.passkeys.origins.len(), 2);
    let elsewhere = config(&[("PASSKEY_ORIGINS", "https://evil.example")]).unwrap_err();
    assert_eq!(elsewhere.variables(), ["PASSKEY_ORIGINS"]);
    let mut real = remote();
    real.push(("PASSKEY_RP_ID", "example.com"));
    assert_eq!(config(&real).unwrap_err().variables(), ["PASSKEY_RP_ID"]);
}

#[test]
fn upstream_urls_must_be_https_unless_on_this_machine() {
    for (variable, value) in [
        ("COGNITO_JWKS_URL", "http://keys.example.net/jwks.json"),
        (
            "COGNITO_ISSUER",
            "http://cognito.example.net/eu-west-1_AbC123xyz",
        ),
        ("AUTHSIGNAL_API_URL", "http://as.internal/v1"),
        ("AUTHSIGNAL_CLIENT_API_URL", "http://as.internal/v1"),
    ] {
        let mut vars = remote();
        vars.push((variable, value));
        let errors = config(&vars).unwrap_err();
        assert_eq!(errors.variables(), [variable], "{value}");
        assert!(errors.to_string().contains("https"), "{errors}");
    }
    let mut local = remote();
    local.extend([
        (
            "COGNITO_JWKS_URL",
            "http://127.0.0.1:3100/pool/.well-known/jwks.json",
        ),
        ("AUTHSIGNAL_API_URL", "http://localhost:3200/v1"),
    ]);
    assert!(config(&local).is_ok());
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

#[test]
fn mail_to_another_machine_needs_tls() {
    for bad in [
        "smtp://AKIA:secret@email-smtp.eu-west-1.amazonaws.com:587",
        "smtp://AKIA:secret@email-smtp.eu-west-1.amazonaws.com:587?tls=opportunistic",
        "smtp://mail.example.com:25?tls=none",
    ] {
        let errors = config(&[("SMTP_URL", bad)]).unwrap_err();
        assert_eq!(errors.variables(), ["SMTP_URL"], "{bad}");
        assert!(errors.to_string().contains("needs TLS"), "{errors}");
        assert!(!errors.to_string().contains("secret"), "{errors}");
    }
    for good in [
        "smtps://AKIA:secret@email-smtp.eu-west-1.amazonaws.com:465",
        "smtp://AKIA:secret@email-smtp.eu-west-1.amazonaws.com:587?tls=required",
        "smtp://127.0.0.1:3025",
        "smtp://localhost:2525",
    ] {
        assert!(config(&[("SMTP_URL", good)]).is_ok(), "{good}");
    }
}

#[test]
fn lambda_needs_redis() {
    let mut lambda = remote();
    lambda.push(("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"));
    let errors = config(&lambda).unwrap_err();
    assert_eq!(errors.variables(), ["REDIS_URL"]);
    assert!(errors.to_string().contains("Lambda"), "{errors}");
    lambda.push(("REDIS_URL", "rediss://cache.example.com:6379"));
    let config = config(&lambda).unwrap();
    assert!(config.on_lambda);
    assert!(!self::config(&remote()).unwrap().on_lambda);
}

#[test]
fn text_messages_and_cloudfront_are_set_as_documented() {
    let config = config(&[
        ("SMS_ALLOWED_COUNTRIES", "+64, 61,+1"),
        ("SMS_PER_COUNTRY_PER_HOUR", "50"),
        ("CLOUDFRONT_ORIGIN_SECRET", "0123456789abcdef0123"),
    ])
    .unwrap();
    assert_eq!(config.limits.sms_allowed_countries, ["+64", "+61", "+1"]);
    assert_eq!(config.limits.sms_per_country_per_hour, 50);
    assert!(config.limits.cloudfront_origin_secret.is_some());
    for (variable, bad) in [
        ("SMS_ALLOWED_COUNTRIES", "+064"),
        ("SMS_ALLOWED_COUNTRIES", "NZ"),
        ("SMS_PER_COUNTRY_PER_HOUR", "0"),
        ("CLOUDFRONT_ORIGIN_SECRET", "short"),
    ] {
        let errors = self::config(&[(variable, bad)]).unwrap_err();
        assert_eq!(errors.variables(), [variable], "{bad}");
    }
}
