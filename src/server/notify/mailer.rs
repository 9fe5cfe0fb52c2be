//! SMTP with `lettre` (rustls): implicit TLS for `smtps://`, STARTTLS for
//! `smtp://…?tls=required` (Amazon SES on 587), plain only for a local server.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use super::notice::Notice;

/// One SMTP exchange, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| format!("SMTP_URL: {error}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|error| format!("MAIL_FROM: {error}"))?;
        Ok(Self { transport, from })
    }

    /// Sends `notice` to `to`, plain text and HTML, within [`TIMEOUT`].
    pub async fn send(&self, to: &str, notice: &Notice) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|error| format!("{error}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&notice.subject)
            // A Message-ID of our own domain, as mail filters expect.
            .message_id(None)
            .multipart(MultiPart::alternative_plain_html(
                notice.text.clone(),
                notice.html.clone(),
            ))
            .map_err(|error| error.to_string())?;
        // lettre's own timeout covers each command; this bounds the whole exchange.
        match tokio::time::timeout(TIMEOUT * 3, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the mail server did not answer in time".to_owned()),
        }
    }
}
