//! The security checkup as the page shows it, made into HTML here (the bundle carries no code
//! for it): the rating in words, then each finding with the one action that fixes it. "Add"
//! is a link to the add form with the kind chosen (`?add=`); "Test it" is a button the page's
//! script finds by its `data-test` (the method's id).

use leptos::prelude::*;

use super::checkup::{Checkup, Fix, Rating};
use crate::{
    i18n::tr,
    model::VerificationMethod,
    paths::{Page, query},
};

/// The id of the add form's heading, where "Add …" links lead.
const ADD_TITLE: &str = "add-title";

pub fn render(checkup: &Checkup) -> String {
    let tone = match checkup.rating {
        Rating::Strong => "ok",
        Rating::CouldBeStronger => "info",
        Rating::AtRisk => "problem",
    };
    // Each action once: several findings may be fixed by the same one.
    let mut offered: Vec<&Fix> = Vec::new();
    let findings = checkup
        .findings
        .iter()
        .map(|finding| {
            let first = !offered.contains(&&finding.fix);
            offered.push(&finding.fix);
            let action = first.then(|| match &finding.fix {
                Fix::Add(kind) => {
                    let href = format!(
                        "{}?{}={}#{ADD_TITLE}",
                        Page::Security.path(),
                        query::ADD,
                        kind.code()
                    );
                    view! { <a class="button small" href=href>{add_label(*kind)}</a> }.into_any()
                }
                Fix::Test(id) => view! {
                    <button type="button" class="button small needs-js" data-test=id.clone()>
                        {tr::checkup_test_it()}
                    </button>
                }
                .into_any(),
            });
            view! {
                <li class="finding">
                    <p>{finding.message.clone()}</p>
                    {action}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card checkup" aria-labelledby="checkup-title">
            <h2 id="checkup-title">{tr::checkup_title()}</h2>
            <p class=format!("notice {tone}")>
                <strong>{checkup.rating.sentence()}</strong>
            </p>
            {(!checkup.findings.is_empty())
                .then(|| view! { <ul class="findings" aria-label=tr::checkup_findings_label()>{findings}</ul> })}
        </section>
    }
    .to_html()
    // `<!>` marks where a hydrating page would split text nodes; this HTML is never hydrated.
    .replace("<!>", "")
}

fn add_label(kind: VerificationMethod) -> &'static str {
    match kind {
        VerificationMethod::Passkey => tr::checkup_add_passkey(),
        VerificationMethod::SecurityKey => tr::checkup_add_security_key(),
        VerificationMethod::EmailOtp => tr::checkup_add_email_otp(),
        VerificationMethod::Sms => tr::checkup_add_sms(),
        VerificationMethod::AuthenticatorApp => tr::checkup_add_authenticator_app(),
        _ => tr::checkup_add_method(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::checkup::{Finding, FindingCode};

    #[test]
    fn each_finding_shows_with_its_one_action() {
        let checkup = Checkup {
            rating: Rating::AtRisk,
            findings: vec![
                Finding {
                    code: FindingCode::SmsOnly,
                    message: "Text messages are your only way in.".into(),
                    authenticator_id: None,
                    fix: Fix::Add(VerificationMethod::Passkey),
                },
                Finding {
                    code: FindingCode::UnusedMethod,
                    message: "You haven't used this method.".into(),
                    authenticator_id: Some("m-1".into()),
                    fix: Fix::Test("m-1".into()),
                },
            ],
        };
        let html = render(&checkup);
        assert!(
            html.contains("You could lose access to your account."),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/security?add=PASSKEY#add-title""#),
            "{html}"
        );
        assert!(html.contains(r#"data-test="m-1""#), "{html}");
        assert!(!html.contains("<!>"), "{html}");
    }

    #[test]
    fn an_action_that_fixes_several_findings_is_offered_once() {
        let add = |code| Finding {
            code,
            message: "A sentence.".into(),
            authenticator_id: None,
            fix: Fix::Add(VerificationMethod::Passkey),
        };
        let html = render(&Checkup {
            rating: Rating::AtRisk,
            findings: vec![
                add(FindingCode::SmsOnly),
                add(FindingCode::NoPhishingResistantMethod),
            ],
        });
        assert_eq!(html.matches("Add a passkey").count(), 1, "{html}");
    }
}
