//! A real SMTP server for the tests: Debian's aiosmtpd on a free loopback port, delivering into
//! a maildir the tests read. Stopped when dropped.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use mail_parser::MessageParser;

/// Where `scripts/bootstrap.sh --test` installs it.
const AIOSMTPD: &str = "/usr/bin/aiosmtpd";

pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    /// `None` while stopped.
    child: Option<Child>,
}

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl SmtpServer {
    pub async fn start(name: &str) -> SmtpServer {
        let port = super::free_port();
        let dir = super::authsignal::fresh_data_dir(&format!("smtp-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = SmtpServer {
            port,
            maildir: dir.join("mail"),
            child: None,
        };
        server.run().await;
        server
    }

    async fn run(&mut self) {
        let child = Command::new(AIOSMTPD)
            .args(["-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{AIOSMTPD} (scripts/bootstrap.sh --test installs it): {error}")
            });
        self.child = Some(child);
        super::wait_until_listening(self.port, "aiosmtpd").await;
    }

    /// An outage: the server is gone, its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server is back on the same port, with the mail it had.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let Ok(files) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        files
            .filter_map(|file| std::fs::read(file.ok()?.path()).ok())
            .map(|raw| {
                let parsed = MessageParser::default().parse(&raw).unwrap();
                let header = |name: &str| {
                    parsed
                        .header_raw(name)
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                };
                Received {
                    to: header("X-RcptTo"),
                    from: header("X-MailFrom"),
                    subject: parsed.subject().unwrap_or_default().to_owned(),
                    text: parsed.body_text(0).unwrap_or_default().into_owned(),
                    html: parsed.body_html(0).unwrap_or_default().into_owned(),
                    raw: String::from_utf8_lossy(&raw).into_owned(),
                }
            })
            .collect()
    }

    /// Waits until `count` messages have arrived, then a little longer to show no more come.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.messages().len() >= count {
                tokio::time::sleep(Duration::from_millis(300)).await;
                return self.messages();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} messages did not arrive; got {:?}", self.messages());
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
