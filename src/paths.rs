//! Every address of the app that a page links to or the server sends a browser to, and the codes
//! their query strings carry (`?notice=`, `?reason=`): defined once, read by both builds, so a
//! page and the redirect that leads to it cannot drift apart.

/// The app's pages. The server renders each one at its path; in the browser the page in view
/// hydrates and stays: moving to another page loads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    /// Rendered whole before it is sent (the server waits for its data), so it reads complete
    /// without JavaScript.
    Security,
    SignedOut,
}

impl Page {
    pub const ALL: [Page; 3] = [Page::Home, Page::Security, Page::SignedOut];

    pub const fn path(self) -> &'static str {
        match self {
            Page::Home => "/",
            Page::Security => "/security",
            Page::SignedOut => "/signed-out",
        }
    }

    pub fn at(path: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|page| page.path() == path)
    }
}

/// Starts a sign-in at managed login (`?return_to=`, `?prompt=login`).
pub const SIGN_IN: &str = "/auth/sign-in";
/// Where managed login sends the browser back with a code.
pub const SIGN_IN_CALLBACK: &str = "/auth/callback";
/// Signing out is a form post here.
pub const SIGN_OUT: &str = "/auth/sign-out";
/// The language menu's form: keeps the choice in a cookie.
pub const LANGUAGE: &str = "/language";
/// Where Authsignal's pre-built UI sends the person back (`?token=`).
pub const PREBUILT_RETURN: &str = "/security/return";
/// A fresh sign-in (`prompt=login`), then back to `/security` to add a first method.
pub const FRESH_SIGN_IN_TO_ADD: &str =
    "/auth/sign-in?prompt=login&return_to=%2Fsecurity%3Fresume%3Dadd";

/// The names in the pages' query strings.
pub mod query {
    /// On `/security`: a [`super::Notice`] code.
    pub const NOTICE: &str = "notice";
    /// On `/security`: the id of the method whose removal dialog is open.
    pub const REMOVE: &str = "remove";
    /// On `/signed-out`: a [`super::SignedOutReason`] code.
    pub const REASON: &str = "reason";
    /// On `/signed-out?reason=rate-limited`: the seconds to wait.
    pub const RETRY_AFTER: &str = "retry_after";
    /// On `/security`: the kind of method the add form starts with (Authsignal's code).
    pub const ADD: &str = "add";
    /// On `/security`: the sealed token of a notice's "Wasn't you?" link.
    pub const WASNT_ME: &str = "wasnt_me";
}

/// `/security?remove=<id>`: the removal dialog of one method, open.
pub fn removal_dialog(id: &str) -> String {
    format!("{}?{}={id}", Page::Security.path(), query::REMOVE)
}

/// The id of the element that tells a notice.
pub const NOTICE_ID: &str = "notice";

/// What just happened, told on `/security` after a redirect (a removal without JavaScript, the
/// return from Authsignal): `?notice=<code>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Removed,
    /// A removal posted without JavaScript needed a step-up, which needs JavaScript.
    VerifyNeedsJavascript,
    /// Another session was signed out.
    SessionEnded,
    /// Back from Authsignal's pre-built UI, the return confirmed.
    ManageDone,
    /// Back from Authsignal's pre-built UI, left with Cancel before verifying: nothing changed.
    ManageLeft,
    /// Back from Authsignal with a return link that is forged, someone else's or used.
    ManageInvalid,
    /// Back from Authsignal, which could not be asked to confirm the return.
    ManageUnavailable,
    /// A sign-in that had to be fresh came back without the password being asked for: the
    /// pool's domain does not honour `prompt=login`.
    SignInNotFresh,
}

impl Notice {
    pub const ALL: [Notice; 8] = [
        Notice::Removed,
        Notice::VerifyNeedsJavascript,
        Notice::SessionEnded,
        Notice::ManageDone,
        Notice::ManageLeft,
        Notice::ManageInvalid,
        Notice::ManageUnavailable,
        Notice::SignInNotFresh,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Notice::Removed => "removed",
            Notice::VerifyNeedsJavascript => "verify-needs-javascript",
            Notice::SessionEnded => "session-ended",
            Notice::ManageDone => "manage-done",
            Notice::ManageLeft => "manage-left",
            Notice::ManageInvalid => "manage-invalid",
            Notice::ManageUnavailable => "manage-unavailable",
            Notice::SignInNotFresh => "sign-in-not-fresh",
        }
    }

    /// Only the fixed codes are notices: anything else in the URL shows nothing.
    pub fn from_code(code: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|notice| notice.code() == code)
    }

    /// `/security?notice=<code>`.
    pub fn path(self) -> String {
        format!(
            "{}?{}={}",
            Page::Security.path(),
            query::NOTICE,
            self.code()
        )
    }

    /// [`Notice::path`] scrolled to the notice: after a form post without JavaScript the page
    /// loads at the top, and on a phone the notice can start below the fold.
    pub fn path_to_it(self) -> String {
        format!("{}#{NOTICE_ID}", self.path())
    }
}

/// Why someone is on the signed-out page: after signing out, or a sign-in that could not be
/// completed. Only these fixed codes travel in the URL (`?reason=`), so nothing from outside is
/// displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedOutReason {
    SignedOut,
    /// The hosted page answered `access_denied`.
    Cancelled,
    /// No sign-in was pending in this browser: too slow, or started elsewhere.
    FlowExpired,
    /// The callback's `state` was not this browser's.
    StateMismatch,
    /// Cognito refused the code: used, expired, or the PKCE verifier did not match.
    CodeRejected,
    /// Another error from the hosted page, or no code.
    SignInFailed,
    /// Cognito's tokens did not verify.
    TokenRejected,
    /// Cognito could not be reached.
    Unavailable,
    /// Too many sign-ins from one address.
    RateLimited,
    /// Signed out here, but Cognito did not confirm that the refresh token was revoked.
    RevocationUnconfirmed,
    /// Cognito's tokens are too large for the browser's cookies.
    SessionTooLarge,
    /// This session was signed out from another device.
    SessionEnded,
    /// The person signed out everywhere, here included.
    SignedOutEverywhere,
    /// Signed out everywhere here, but Cognito could not be reached to revoke the refresh tokens.
    SignedOutEverywhereHereOnly,
    /// A sign-in from before a sign-out everywhere came back without the password being asked
    /// for (the classic hosted UI ignores `prompt=login`).
    StillSignedOutEverywhere,
}

impl SignedOutReason {
    pub const ALL: [Self; 15] = [
        Self::SignedOut,
        Self::Cancelled,
        Self::FlowExpired,
        Self::StateMismatch,
        Self::CodeRejected,
        Self::SignInFailed,
        Self::TokenRejected,
        Self::Unavailable,
        Self::RateLimited,
        Self::RevocationUnconfirmed,
        Self::SessionTooLarge,
        Self::SessionEnded,
        Self::SignedOutEverywhere,
        Self::SignedOutEverywhereHereOnly,
        Self::StillSignedOutEverywhere,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SignedOut => "signed-out",
            Self::Cancelled => "cancelled",
            Self::FlowExpired => "expired",
            Self::StateMismatch => "state-mismatch",
            Self::CodeRejected => "code-rejected",
            Self::SignInFailed => "failed",
            Self::TokenRejected => "token-rejected",
            Self::Unavailable => "unavailable",
            Self::RateLimited => "rate-limited",
            Self::RevocationUnconfirmed => "revocation-unconfirmed",
            Self::SessionTooLarge => "session-too-large",
            Self::SessionEnded => "session-ended",
            Self::SignedOutEverywhere => "signed-out-everywhere",
            Self::SignedOutEverywhereHereOnly => "signed-out-everywhere-here-only",
            Self::StillSignedOutEverywhere => "still-signed-out-everywhere",
        }
    }

    /// Unknown codes read as a plain sign-out.
    pub fn from_code(code: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|reason| Some(reason.code()) == code)
            .unwrap_or(Self::SignedOut)
    }

    /// Where the browser is sent to read about it.
    pub fn path(self) -> String {
        match self {
            Self::SignedOut => Page::SignedOut.path().to_owned(),
            reason => format!(
                "{}?{}={}",
                Page::SignedOut.path(),
                query::REASON,
                reason.code()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for notice in Notice::ALL {
            assert_eq!(Notice::from_code(notice.code()), Some(notice));
        }
        assert_eq!(Notice::from_code("<script>"), None);
        assert_eq!(Notice::Removed.path(), "/security?notice=removed");
        for reason in SignedOutReason::ALL {
            assert_eq!(SignedOutReason::from_code(Some(reason.code())), reason);
        }
        assert_eq!(
            SignedOutReason::from_code(Some("<script>")),
            SignedOutReason::SignedOut
        );
        assert_eq!(SignedOutReason::from_code(None), SignedOutReason::SignedOut);
        assert_eq!(
            SignedOutReason::CodeRejected.path(),
            "/signed-out?reason=code-rejected"
        );
        for page in Page::ALL {
            assert_eq!(Page::at(page.path()), Some(page));
        }
        assert_eq!(removal_dialog("a1"), "/security?remove=a1");
        let fresh = FRESH_SIGN_IN_TO_ADD.strip_prefix(SIGN_IN).unwrap();
        assert!(fresh.contains("prompt=login"));
        assert!(fresh.contains("return_to=%2Fsecurity%3F"));
    }
}
