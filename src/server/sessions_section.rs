//! "Where you're signed in" as the page shows it, made into HTML here: the browser gets the
//! list, not the code to make it (the page's bundle stays small), and every control in it is a
//! plain form that works without JavaScript. The page's script only steps up before a form is
//! sent (`pages::security::sessions`), finding each form by its `data-sign-out` (the session's
//! id) or `data-sign-out-everywhere` attribute.

use leptos::prelude::*;

use crate::{
    i18n::tr,
    model::{SessionView, SessionsView},
};

/// Stands for a value that markup shows, so a message can be split where it goes.
const MARK: &str = "\u{E000}";

/// A message made with [`MARK`] as its one value, split where the value goes: "Signed in {time}"
/// → ("Signed in ", ""), so the `<time>` element stands where each language puts it.
fn around(message: &str) -> (String, String) {
    match message.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (message.to_owned(), String::new()),
    }
}

pub fn render(view: &SessionsView) -> String {
    let rows = view.sessions.iter().cloned().map(row).collect_view();
    let not_at_cognito = (!view.revokes_at_cognito).then(|| {
        view! {
            <p class="muted small">
                {tr::sessions_not_at_cognito()}
            </p>
        }
    });
    view! {
        <ul class="sessions" aria-label=tr::sessions_list_label()>{rows}</ul>
        {not_at_cognito}
        <details class="everywhere">
            <summary class="button danger-quiet">{tr::sessions_sign_out_everywhere()}</summary>
            <form method="post" action="/api/sign_out_everywhere" data-sign-out-everywhere="">
                <p class="warning">
                    {tr::sessions_everywhere_warning()}
                </p>
                <button type="submit" class="button danger">{tr::sessions_everywhere_confirm()}</button>
            </form>
        </details>
    }
    .to_html()
    // `<!>` marks where a hydrating page would split text nodes; this HTML is never hydrated.
    // Text is escaped, so no `<!>` in it can be one of ours.
    .replace("<!>", "")
}

fn row(session: SessionView) -> impl IntoView {
    let name = session.device.clone().unwrap_or_else(|| {
        if session.app {
            tr::sessions_an_app()
        } else {
            tr::sessions_a_browser()
        }
        .to_owned()
    });
    let seen = match session.last_seen {
        Some(when) => {
            let (before, after) = around(&tr::sessions_last_seen(MARK));
            view! {
                " · "
                {before}
                <time datetime=when.iso title=when.exact>{when.relative}</time>
                {after}
            }
            .into_any()
        }
        None => view! { " · " {tr::sessions_may_have_ended()} }.into_any(),
    };
    let sign_out = (!session.current).then(|| {
        view! {
            <form method="post" action="/api/sign_out_session" data-sign-out=session.id.clone()>
                <input type="hidden" name="id" value=session.id.clone() />
                <button type="submit" class="button small" aria-label=tr::sessions_sign_out_device(&name)>
                    {tr::sessions_sign_out()}
                </button>
            </form>
        }
    });
    let (signed_in_before, signed_in_after) = around(&tr::sessions_signed_in(MARK));
    view! {
        <li class="session">
            <div>
                <p class="session-name">
                    {name.clone()}
                    {session.current.then(|| view! { " " <span class="badge">{tr::sessions_this_device()}</span> })}
                </p>
                <p class="dates">
                    {signed_in_before}
                    <time datetime=session.signed_in.iso title=session.signed_in.exact>
                        {session.signed_in.relative}
                    </time>
                    {signed_in_after}
                    {seen}
                    {session.address.map(|address| view! { " · " <span class="detail">{address}</span> })}
                </p>
            </div>
            {sign_out}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::When;

    fn when() -> When {
        When {
            iso: "2026-12-07T10:00:00Z".into(),
            relative: "just now".into(),
            exact: "7 Dec 2026, 10:00 UTC".into(),
        }
    }

    #[test]
    fn what_a_browser_said_is_escaped_and_only_other_sessions_can_be_signed_out() {
        let session = |id: &str, current: bool, device: &str| SessionView {
            id: id.into(),
            device: Some(device.into()),
            address: Some("203.0.113.7".into()),
            signed_in: when(),
            last_seen: Some(when()),
            current,
            app: false,
        };
        let html = render(&SessionsView {
            sessions: vec![
                session("this", true, "Chrome on macOS"),
                session("other", false, "<script>alert(1)</script>"),
            ],
            revokes_at_cognito: true,
        });
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"data-sign-out="other""#), "{html}");
        assert!(!html.contains(r#"data-sign-out="this""#), "{html}");
        assert!(html.contains("This device"), "{html}");
        assert!(!html.contains("<!>"), "{html}");
    }
}
