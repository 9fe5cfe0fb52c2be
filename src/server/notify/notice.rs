//! The words of a notice: what changed, when, from where, and what to do if it wasn't them, with
//! a "Wasn't you?" link that acts. Never a code, a token or a method's full address: only what
//! the page itself shows. In the language of whoever reads it: the plain text and the HTML say
//! the same messages.

use leptos::prelude::*;

use super::{Change, ChangeKind};
use crate::{
    i18n::{self, tr},
    model::VerificationMethod,
};

/// A message ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Stands for what a link shows in a message, so the message can be split where the link goes.
const MARK: &str = "\u{E000}";

/// A message made with [`MARK`] as its one value, split where the value goes: "Or {review}." →
/// ("Or ", "."), so the link stands where each language puts it.
fn around(message: &str) -> (String, String) {
    match message.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (message.to_owned(), String::new()),
    }
}

/// What the notice says happened, in a sentence without its full stop: "an email code
/// (j•••@example.com) was added to your account". Also what a "Wasn't you?" link names.
pub fn what_happened(change: &Change) -> String {
    let method = || {
        let named = change
            .method
            .map_or_else(tr::mail_a_sign_in_method, method_phrase);
        match &change.identifier {
            Some(identifier) => tr::mail_named(identifier, named),
            None => named.to_owned(),
        }
    };
    match change.kind {
        ChangeKind::Added => tr::mail_added(method()),
        ChangeKind::Removed => tr::mail_removed(method()),
        ChangeKind::SessionEnded => match &change.identifier {
            Some(device) => tr::mail_device_signed_out(device),
            None => tr::mail_a_device_signed_out().to_owned(),
        },
        ChangeKind::SignedOutEverywhere => tr::mail_signed_out_everywhere().to_owned(),
    }
}

impl Notice {
    /// The notice of `change`; `wasnt_me` is the link that acts on it, when there is one.
    pub fn of(change: &Change, security_url: &str, wasnt_me: Option<&str>) -> Self {
        let subject = match change.kind {
            ChangeKind::Added => tr::mail_subject_added(),
            ChangeKind::Removed => tr::mail_subject_removed(),
            ChangeKind::SessionEnded => tr::mail_subject_session_ended(),
            ChangeKind::SignedOutEverywhere => tr::mail_subject_signed_out_everywhere(),
        };
        let happened = tr::mail_happened(capitalised(&what_happened(change)));
        let details = [
            (
                tr::mail_label_when(),
                Some(crate::server::i18n::exact(change.at)),
            ),
            (tr::mail_label_device(), change.device.clone()),
            (tr::mail_label_address(), change.address.clone()),
        ];
        let act = match change.kind {
            ChangeKind::Added => tr::mail_open_link_sign_out_and_remove(),
            _ => tr::mail_open_link_sign_out(),
        };
        let mut text = format!("{happened}\n\n");
        for (label, value) in &details {
            let value = value.as_deref().unwrap_or(tr::mail_not_recorded());
            text.push_str(&tr::mail_detail(label, value));
            text.push('\n');
        }
        text.push_str(&format!("\n{}\n\n", tr::mail_if_you()));
        match wasnt_me {
            Some(link) => text.push_str(&format!(
                "{} {} {}\n\n{}\n",
                tr::mail_wasnt_you(),
                tr::mail_someone_else(),
                tr::mail_then_change_password_at(act, link),
                tr::mail_or_review_at(security_url),
            )),
            None => text.push_str(&format!(
                "{} {}\n",
                tr::mail_if_not_you(),
                tr::mail_go_to_now(security_url),
            )),
        }
        let rows = details
            .into_iter()
            .map(|(label, value)| {
                let value = value.unwrap_or_else(|| tr::mail_not_recorded().to_owned());
                view! { <tr><th style="text-align: left">{label}</th><td>{value}</td></tr> }
            })
            .collect_view();
        let security_url = security_url.to_owned();
        let if_not_you = match wasnt_me {
            Some(link) => {
                let (before, after) = around(&tr::mail_then_change_password(MARK));
                let (or_before, or_after) = around(&tr::mail_or_review(MARK));
                view! {
                    <p>
                        <strong>{tr::mail_wasnt_you()} " "</strong>
                        {tr::mail_someone_else()} " "
                        {before}
                        <a href=link.to_owned()>{act}</a>
                        {after}
                    </p>
                    <p>
                        {or_before}
                        <a href=security_url.clone()>{tr::mail_review_link()}</a>
                        {or_after}
                    </p>
                }
                .into_any()
            }
            None => {
                let (before, after) = around(&tr::mail_review_now(MARK));
                view! {
                    <p>
                        {tr::mail_if_not_you()} " "
                        {before}
                        <a href=security_url.clone()>{tr::mail_review_link_start()}</a>
                        {after}
                    </p>
                }
                .into_any()
            }
        };
        let locale = i18n::current();
        // `dir` only where the text runs right to left: left to right is every mail's default.
        let dir = (locale.dir() == "rtl").then_some("rtl");
        let html = view! {
            <html lang=locale.code() dir=dir>
                <body style="font-family: system-ui, sans-serif; line-height: 1.5">
                    <p>{happened}</p>
                    <table style="border-spacing: 8px 2px">{rows}</table>
                    <p>{tr::mail_if_you()}</p>
                    {if_not_you}
                </body>
            </html>
        }
        .to_html()
        // `<!>` marks where a hydrating page would split text nodes; a mail is never hydrated.
        // Text is escaped, so no `<!>` in it can be one of ours.
        .replace("<!>", "");
        Self {
            subject: subject.to_owned(),
            text,
            html,
        }
    }
}

/// "an email code", "a passkey": a method as what was added to or removed from the account,
/// the subject of its sentence.
fn method_phrase(method: VerificationMethod) -> &'static str {
    match method {
        VerificationMethod::EmailOtp => tr::mail_method_email_otp(),
        VerificationMethod::EmailMagicLink => tr::mail_method_email_magic_link(),
        VerificationMethod::Sms => tr::mail_method_sms(),
        VerificationMethod::Whatsapp => tr::mail_method_whatsapp(),
        VerificationMethod::AuthenticatorApp => tr::mail_method_authenticator_app(),
        VerificationMethod::Passkey => tr::mail_method_passkey(),
        VerificationMethod::SecurityKey => tr::mail_method_security_key(),
        VerificationMethod::Push => tr::mail_method_push(),
        VerificationMethod::RecoveryCode => tr::mail_method_recovery_code(),
        VerificationMethod::Device => tr::mail_method_device(),
        VerificationMethod::Unknown => tr::mail_method_unknown(),
    }
}

fn capitalised(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationMethod;

    fn change(kind: ChangeKind, device: &str) -> Change {
        Change {
            kind,
            about: "a-1".to_owned(),
            method: Some(VerificationMethod::Sms),
            identifier: Some("+64 •• ••• 4321".to_owned()),
            at: time::macros::datetime!(2026-12-01 22:41 UTC),
            device: Some(device.to_owned()),
            address: None,
        }
    }

    #[test]
    fn the_html_has_no_hydration_markers_and_escapes_what_it_quotes() {
        let notice = Notice::of(
            &change(ChangeKind::Added, "Firefox <!> on <b>Linux</b>"),
            "https://example.com/security",
            Some("https://example.com/security?wasnt_me=a&b"),
        );
        assert!(!notice.html.contains("<!"), "{}", notice.html);
        assert!(
            notice
                .html
                .contains("Firefox &lt;!&gt; on &lt;b&gt;Linux&lt;/b&gt;"),
            "{}",
            notice.html
        );
        assert!(
            notice.html.contains("<td>not recorded</td>"),
            "{}",
            notice.html
        );
        assert!(
            notice
                .html
                .contains(r#"href="https://example.com/security?wasnt_me=a&amp;b""#),
            "{}",
            notice.html
        );
    }

    #[test]
    fn each_kind_of_change_reads_as_what_happened_with_what_its_link_does() {
        let cases = [
            (
                ChangeKind::Added,
                "A sign-in method was added to your account",
                "A text message code (+64 •• ••• 4321) was added to your account.",
                Some("sign out everywhere and remove that method at once"),
            ),
            (
                ChangeKind::Removed,
                "A sign-in method was removed from your account",
                "A text message code (+64 •• ••• 4321) was removed from your account.",
                Some("sign out everywhere at once"),
            ),
            (
                ChangeKind::SessionEnded,
                "A device was signed out of your account",
                "+64 •• ••• 4321 was signed out of your account.",
                Some("sign out everywhere at once"),
            ),
            (
                ChangeKind::SignedOutEverywhere,
                "Your account was signed out everywhere",
                "Every device was signed out of your account.",
                None,
            ),
        ];
        for (kind, subject, happened, act) in cases {
            let link = act.map(|_| "https://example.com/security?wasnt_me=t");
            let notice = Notice::of(
                &change(kind, "Chrome on macOS"),
                "https://example.com/security",
                link,
            );
            assert_eq!(notice.subject, subject);
            assert!(notice.text.starts_with(happened), "{}", notice.text);
            match act {
                Some(act) => {
                    assert!(notice.text.contains(act), "{}", notice.text);
                    assert!(notice.text.contains("wasnt_me=t"), "{}", notice.text);
                }
                None => assert!(!notice.text.contains("wasnt_me"), "{}", notice.text),
            }
        }
    }
}
