//! The actions the app tracks with Authsignal, in one place: what each is for, its code, and
//! the gate every tracked outcome passes before a token or URL reaches a browser. The activity
//! log is these actions read back.

use crate::{
    model::AppError,
    wire::authsignal::{ActionState, TrackResponse},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Every sign-in, with where it came from.
    SignIn,
    /// A token that may add a method (`add:authenticators`).
    AddAuthenticator,
    /// A removal the app made; the kind of method travels in the idempotency key.
    RemoveAuthenticator,
    /// A challenge of one of the person's methods, to prove it's them again.
    StepUp,
    /// A visit to the pre-built UI in settings mode.
    ManageAuthenticators,
    /// A step-up that ran out of attempts, recorded by the app itself: whether Authsignal
    /// moves the step-up's own action to `CHALLENGE_FAILED` is not documented. Needs no
    /// configuration: an action the tenant has not set up is allowed.
    StepUpFailed,
    /// One session signed out from another; the device it was travels in the idempotency key.
    /// A record only, like `stepUpFailed`: it needs no configuration.
    EndSession,
    /// Every session signed out at once. A record only.
    SignOutEverywhere,
}

impl Action {
    /// What the activity log is made of.
    pub const ALL: [Action; 8] = [
        Action::SignIn,
        Action::AddAuthenticator,
        Action::RemoveAuthenticator,
        Action::StepUp,
        Action::ManageAuthenticators,
        Action::StepUpFailed,
        Action::EndSession,
        Action::SignOutEverywhere,
    ];

    /// The action code, as configured in the tenant (docs/deploy.md: the actions to configure).
    pub fn code(self) -> &'static str {
        match self {
            Action::SignIn => "signIn",
            Action::AddAuthenticator => "addAuthenticator",
            Action::RemoveAuthenticator => "removeAuthenticator",
            Action::StepUp => "stepUp",
            Action::ManageAuthenticators => "manageAuthenticators",
            Action::StepUpFailed => "stepUpFailed",
            Action::EndSession => "endSession",
            Action::SignOutEverywhere => "signOutEverywhere",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.code() == code)
    }
}

/// The track answer, unless a rule of the tenant stopped the action: then no token or URL
/// reaches the browser. A state this code does not know yet stops it too.
pub fn allowed(track: TrackResponse) -> Result<TrackResponse, AppError> {
    match track.state {
        ActionState::Allow
        | ActionState::ChallengeRequired
        | ActionState::ChallengeSucceeded
        | ActionState::ReviewSucceeded => Ok(track),
        ActionState::ReviewRequired => Err(AppError::BlockedByRule { review: true }),
        state => {
            tracing::warn!(?state, "an Authsignal rule stopped an action");
            Err(AppError::BlockedByRule { review: false })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_names_one_action() {
        for action in Action::ALL {
            assert_eq!(Action::from_code(action.code()), Some(action));
        }
        assert_eq!(Action::from_code("somethingElse"), None);
    }
}
