//! The words of a notice: what changed, when, from where, and what to do if it wasn't them, with
//! a "Wasn't you?" link that acts. Never a code, a token or a method's full address: only what
//! the page itself shows.

use leptos::prelude::*;

use super::{Change, ChangeKind};
use crate::server::activity::with_article;

/// A message ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the notice says happened, in a sentence without its full stop: "an email code
/// (j•••@example.com) was added to your account". Also what a "Wasn't you?" link names.
pub fn what_happened(change: &Change) -> String {
    let method = || {
        let named = change
            .method
            .map_or_else(|| "a sign-in method".to_owned(), with_article);
        match &change.identifier {
            Some(identifier) => format!("{named} ({identifier})"),
            None => named,
        }
    };
    match change.kind {
        ChangeKind::Added => format!("{} was added to your account", method()),
        ChangeKind::Removed => format!("{} was removed from your account", method()),
        ChangeKind::SessionEnded => format!(
            "{} was signed out of your account",
            change.identifier.as_deref().unwrap_or("a device")
        ),
        ChangeKind::SignedOutEverywhere => "every device was signed out of your account".to_owned(),
    }
}

impl Notice {
    /// The notice of `change`; `wasnt_me` is the link that acts on it, when there is one.
    pub fn of(change: &Change, security_url: &str, wasnt_me: Option<&str>) -> Self {
        let subject = match change.kind {
            ChangeKind::Added => "A sign-in method was added to your account",
            ChangeKind::Removed => "A sign-in method was removed from your account",
            ChangeKind::SessionEnded => "A device was signed out of your account",
            ChangeKind::SignedOutEverywhere => "Your account was signed out everywhere",
        };
        let happened = format!("{}.", capitalised(&what_happened(change)));
        let details = [
            ("When", Some(change.when.clone())),
            ("Device", change.device.clone()),
            ("Address", change.address.clone()),
        ];
        let act = match change.kind {
            ChangeKind::Added => "sign out everywhere and remove that method at once",
            _ => "sign out everywhere at once",
        };
        let mut text = format!("{happened}\n\n");
        for (name, value) in &details {
            let value = value.as_deref().unwrap_or("not recorded");
            text.push_str(&format!("{name}: {value}\n"));
        }
        text.push_str("\nIf this was you, there is nothing to do.\n\n");
        match wasnt_me {
            Some(link) => text.push_str(&format!(
                "Wasn't you? Someone else may have access to your account. Open this link to \
                 {act}, then change your password: {link}\n\nOr review your sign-in methods at \
                 {security_url}.\n"
            )),
            None => text.push_str(&format!(
                "If it wasn't you, someone else may have access to your account. Go to \
                 {security_url} now, remove any method you don't recognise, and change your \
                 password.\n"
            )),
        }
        let rows = details
            .into_iter()
            .map(|(name, value)| {
                let value = value.unwrap_or_else(|| "not recorded".to_owned());
                view! { <tr><th style="text-align: left">{name}</th><td>{value}</td></tr> }
            })
            .collect_view();
        let security_url = security_url.to_owned();
        let if_not_you = match wasnt_me {
            Some(link) => view! {
                <p>
                    <strong>"Wasn't you? "</strong>
                    "Someone else may have access to your account. "
                    <a href=link.to_owned()>{format!("Open this link to {act}")}</a>
                    ", then change your password."
                </p>
                <p>
                    "Or " <a href=security_url.clone()>"review your sign-in methods"</a> "."
                </p>
            }
            .into_any(),
            None => view! {
                <p>
                    "If it wasn't you, someone else may have access to your account. "
                    <a href=security_url.clone()>"Review your sign-in methods"</a>
                    " now, remove any method you don't recognise, and change your password."
                </p>
            }
            .into_any(),
        };
        let html = view! {
            <html lang="en">
                <body style="font-family: system-ui, sans-serif; line-height: 1.5">
                    <p>{happened}</p>
                    <table style="border-spacing: 8px 2px">{rows}</table>
                    <p>"If this was you, there is nothing to do."</p>
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
            when: "1 Dec 2026, 22:41 UTC".to_owned(),
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
