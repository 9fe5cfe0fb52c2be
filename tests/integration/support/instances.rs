//! Two instances of the app behind one user pool, one Authsignal tenant and one Redis, as a
//! load balancer would have them: each its own process state, sharing only what production
//! shares (the upstreams, `SESSION_KEY`, `REDIS_URL`).

use std::time::Duration;

use account_security::{config::TokenLifetimes, local::cognito::LocalCognito};
use axum_extra::extract::cookie::Key;
use base64::{Engine, engine::general_purpose::STANDARD};

use super::{TestApp, authsignal::LocalTenant, local_cognito};

pub struct Instances {
    pub a: TestApp,
    pub b: TestApp,
    pub tenant: LocalTenant,
    /// The key both encrypt cookies and seal step-up proofs with.
    pub session_key: Key,
    _cognito: LocalCognito,
}

impl Instances {
    /// Both instances on `redis_url`, with `extra` settings each.
    pub async fn start(name: &str, redis_url: &str, extra: &[(&str, &str)]) -> Instances {
        let dir = super::authsignal::fresh_data_dir(&format!("instances-{name}"));
        let lifetimes = TokenLifetimes {
            access: Duration::from_secs(3600),
            id: Duration::from_secs(3600),
            refresh: Duration::from_secs(86400),
        };
        // Nobody signs in through the hosted pages here: the tests mint their tokens.
        let cognito = LocalCognito::start(
            &local_cognito(lifetimes),
            &dir,
            &"http://localhost:1".parse().unwrap(),
        )
        .await
        .unwrap();
        let pool = cognito.endpoints(account_security::config::AppClientKind::Confidential);
        let tenant = LocalTenant::start(&format!("instances-{name}")).await;
        let mut key = [0_u8; 64];
        aws_lc_rs::rand::fill(&mut key).unwrap();
        let session_key = STANDARD.encode(key);
        let secret = tenant.local.secret().expose().to_owned();
        let api_url = tenant.local.base_url().to_string();
        let client_secret = pool.client_secret.as_ref().unwrap().expose().to_owned();
        let domain = pool.domain.as_str().trim_end_matches('/').to_owned();
        let mut vars = vec![
            ("COGNITO_USER_POOL_ID", pool.user_pool_id.as_str()),
            ("COGNITO_CLIENT_ID", pool.client_id.as_str()),
            ("COGNITO_CLIENT_SECRET", client_secret.as_str()),
            ("COGNITO_DOMAIN", domain.as_str()),
            ("COGNITO_ISSUER", pool.issuer.as_str()),
            ("SESSION_KEY", session_key.as_str()),
            ("AUTHSIGNAL_SECRET", secret.as_str()),
            ("AUTHSIGNAL_API_URL", api_url.as_str()),
            ("AUTHSIGNAL_TENANT_ID", tenant.local.tenant_id()),
            ("REDIS_URL", redis_url),
        ];
        vars.extend_from_slice(extra);
        let a = TestApp::spawn_with(&vars).await;
        let b = TestApp::spawn_with(&vars).await;
        Instances {
            a,
            b,
            tenant,
            session_key: Key::from(&key),
            _cognito: cognito,
        }
    }
}
