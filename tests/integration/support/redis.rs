//! A real Redis for the tests: Debian's redis-server on a free loopback port, nothing kept on
//! disk, stopped when dropped. It can be stopped and started again on the same port, as an
//! outage and a recovery look to the app.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use account_security::server::shared_state::SharedState;

/// Where `scripts/bootstrap.sh --test` installs it.
const REDIS_SERVER: &str = "/usr/bin/redis-server";

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    pub async fn start(name: &str) -> RedisServer {
        let dir = super::authsignal::fresh_data_dir(&format!("redis-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer {
            port: super::free_port(),
            dir,
            child: None,
        };
        server.run().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The app's shared state on this Redis, its keys under `prefix`.
    pub async fn shared_state(&self, prefix: &str) -> SharedState {
        let url = self.url();
        SharedState::connect(Some(&url), prefix).await.unwrap()
    }

    async fn run(&mut self) {
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{REDIS_SERVER} (scripts/bootstrap.sh --test installs it): {error}")
            });
        self.child = Some(child);
        super::wait_until_listening(self.port, "redis-server").await;
    }

    /// An outage: the server is gone, its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server is back on the same port, empty.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
