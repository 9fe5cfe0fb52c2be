//! The words of a notice: what changed, when, from where, and what to do if it wasn't them.
//! Never a code, a token or a method's full address: only what the page itself shows.

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

impl Notice {
    pub fn of(change: &Change, security_url: &str) -> Self {
        let method = match &change.identifier {
            Some(identifier) => format!("{} ({identifier})", with_article(change.method)),
            None => with_article(change.method),
        };
        let (subject, happened) = match change.kind {
            ChangeKind::Added => (
                "A sign-in method was added to your account",
                format!("{} was added to your account.", capitalised(&method)),
            ),
            ChangeKind::Removed => (
                "A sign-in method was removed from your account",
                format!("{} was removed from your account.", capitalised(&method)),
            ),
        };
        let details = [
            ("When", Some(change.when.clone())),
            ("Device", change.device.clone()),
            ("Address", change.address.clone()),
        ];
        let if_not_you = format!(
            "If it wasn't you, someone else may have access to your account. Go to {security_url} \
             now, remove any method you don't recognise, and change your password."
        );
        let mut text = format!("{happened}\n\n");
        for (name, value) in &details {
            let value = value.as_deref().unwrap_or("not recorded");
            text.push_str(&format!("{name}: {value}\n"));
        }
        text.push_str(&format!(
            "\nIf this was you, there is nothing to do.\n\n{if_not_you}\n"
        ));
        let rows = details
            .into_iter()
            .map(|(name, value)| {
                let value = value.unwrap_or_else(|| "not recorded".to_owned());
                view! { <tr><th style="text-align: left">{name}</th><td>{value}</td></tr> }
            })
            .collect_view();
        let security_url = security_url.to_owned();
        let html = view! {
            <html lang="en">
                <body style="font-family: system-ui, sans-serif; line-height: 1.5">
                    <p>{happened}</p>
                    <table style="border-spacing: 8px 2px">{rows}</table>
                    <p>"If this was you, there is nothing to do."</p>
                    <p>
                        "If it wasn't you, someone else may have access to your account. "
                        <a href=security_url.clone()>"Review your sign-in methods"</a>
                        " now, remove any method you don't recognise, and change your password."
                    </p>
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

    fn change(device: &str) -> Change {
        Change {
            kind: ChangeKind::Added,
            authenticator_id: "a-1".to_owned(),
            method: VerificationMethod::Sms,
            identifier: Some("+64 •• ••• 4321".to_owned()),
            when: "1 Dec 2026, 22:41 UTC".to_owned(),
            device: Some(device.to_owned()),
            address: None,
        }
    }

    #[test]
    fn the_html_has_no_hydration_markers_and_escapes_what_it_quotes() {
        let notice = Notice::of(
            &change("Firefox <!> on <b>Linux</b>"),
            "https://example.com/security",
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
    }
}
