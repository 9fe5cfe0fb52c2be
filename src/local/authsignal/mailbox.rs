//! The mail the app sent through the local mail server, kept beside the codes in the outbox.

use mail_parser::MessageParser;
use time::OffsetDateTime;

use super::data::{Data, MailMessage};
use crate::local::mail::Received;

/// Old mail goes first.
const KEPT: usize = 500;

impl Data {
    pub(super) fn keep_mail(&mut self, received: Received, now: OffsetDateTime) {
        let parsed = MessageParser::default().parse(&received.raw);
        let subject = parsed
            .as_ref()
            .and_then(|message| message.subject())
            .unwrap_or_default()
            .to_owned();
        let text = parsed
            .as_ref()
            .and_then(|message| message.body_text(0))
            .map(|text| text.into_owned())
            .unwrap_or_default();
        self.mail.push(MailMessage {
            to: received.to,
            from: received.from,
            subject,
            raw: String::from_utf8_lossy(&received.raw).into_owned(),
            text,
            received_at: now,
        });
        let excess = self.mail.len().saturating_sub(KEPT);
        self.mail.drain(..excess);
    }

    /// Mail to `to` (every message without it), newest first.
    pub(super) fn mail_to(&self, to: Option<&str>) -> Vec<&MailMessage> {
        self.mail
            .iter()
            .rev()
            .filter(|mail| {
                to.is_none_or(|to| {
                    mail.to
                        .iter()
                        .any(|address| address.eq_ignore_ascii_case(to))
                })
            })
            .collect()
    }
}
