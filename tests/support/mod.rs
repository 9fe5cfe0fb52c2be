//! Runs the whole application in-process on a loopback port, with fresh local emulators, so
//! integration tests talk to it over real HTTP.

#![allow(dead_code)]

pub mod authsignal;

use std::{collections::HashMap, net::SocketAddr, path::PathBuf};

use account_security::server::{self, AppState, config::Config};
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    pub data_dir: PathBuf,
    /// What the handlers see, e.g. `state.authsignal` to reach the local Authsignal.
    pub state: AppState,
}

impl TestApp {
    /// The app with local emulators on free ports and a data directory of its own.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// As [`TestApp::spawn`], with extra environment variables.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let data_dir = std::env::temp_dir().join(format!(
            "account-security-test-{}-{}",
            std::process::id(),
            addr.port()
        ));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut env: HashMap<String, String> = HashMap::from([
            ("APP_PUBLIC_URL".into(), base_url.clone()),
            ("LOCAL_DATA_DIR".into(), data_dir.display().to_string()),
            ("LOCAL_COGNITO_ADDR".into(), "127.0.0.1:0".into()),
            ("LOCAL_AUTHSIGNAL_ADDR".into(), "127.0.0.1:0".into()),
        ]);
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_lookup(|name| env.get(name).cloned()).expect("valid test config");
        let leptos_options = LeptosOptions::builder()
            .output_name("account-security")
            .site_addr(addr)
            .build();
        let state = server::start_services(config, leptos_options)
            .await
            .unwrap();
        let app = server::router(state.clone());
        tokio::spawn(server::serve(listener, app, std::future::pending()));
        TestApp {
            addr,
            base_url,
            data_dir,
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// A client that does not follow redirects, so tests can see them.
pub fn client() -> reqwest::Client {
    server::http_client::builder().build().unwrap()
}
