//! Who asks for an operation, from where, and with which step-up proof: what both doors hand
//! to the operations in [`super::account`]. The page builds it from the session cookie, the REST
//! API from the bearer token; the operations never look at a request themselves.

use super::{http::requester::Requester, session::CurrentUser};

#[derive(Clone, Debug)]
pub struct Caller {
    pub user: CurrentUser,
    pub from: Requester,
    /// The step-up proof the request carries, not yet checked: the page's HttpOnly cookie, or
    /// a native app's `Step-Up-Token` header.
    pub step_up_proof: Option<String>,
    /// How the person is known to the methods they add: what an authenticator app shows
    /// beside the codes, and what a passkey is saved under.
    pub name: Option<String>,
}

impl Caller {
    /// A person on the page: named by their sign-in email, or their username without one.
    pub fn on_page(user: CurrentUser, from: Requester, step_up_proof: Option<String>) -> Self {
        let name = Some(user.email.clone().unwrap_or_else(|| user.username.clone()));
        Self {
            user,
            from,
            step_up_proof,
            name,
        }
    }

    /// A native app: a bearer token carries no email, and the app names passkeys itself, so
    /// the name Authsignal keeps from the page is left as it is.
    pub fn over_api(user: CurrentUser, from: Requester, step_up_proof: Option<String>) -> Self {
        let name = user.email.clone();
        Self {
            user,
            from,
            step_up_proof,
            name,
        }
    }
}
