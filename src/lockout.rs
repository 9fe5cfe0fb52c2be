//! The rule that keeps people from locking themselves out: never remove the last method, and
//! never leave nothing to fall back on without an explicit "yes, I accept the risk". Both
//! builds compile it: the server enforces it, and the page asks it whether to offer Remove and
//! when to ask for consent, so the two can never disagree.

use crate::model::{AppError, LockOutReason, VerificationMethod};

/// What stands in the way of removing `id` from `methods`, if it is among them: the last
/// method can never go, and leaving no fallback needs consent.
pub fn removal_risk<'a>(
    methods: impl IntoIterator<Item = (&'a str, VerificationMethod)>,
    id: &str,
) -> Option<LockOutReason> {
    let mut remaining = methods
        .into_iter()
        .filter(|(candidate, _)| *candidate != id)
        .peekable();
    if remaining.peek().is_none() {
        Some(LockOutReason::LastMethod)
    } else if !remaining.any(|(_, method)| method.is_fallback()) {
        Some(LockOutReason::NoFallbackLeft)
    } else {
        None
    }
}

/// Checks that `id` is one of `methods` (the user's own) and that removing it is safe.
pub fn check_removal<'a>(
    methods: impl IntoIterator<Item = (&'a str, VerificationMethod)>,
    id: &str,
    accepts_no_fallback: bool,
) -> Result<(), AppError> {
    let methods: Vec<_> = methods.into_iter().collect();
    if !methods.iter().any(|(candidate, _)| *candidate == id) {
        return Err(AppError::NotFound);
    }
    match removal_risk(methods, id) {
        Some(LockOutReason::NoFallbackLeft) if accepts_no_fallback => Ok(()),
        Some(reason) => Err(AppError::WouldLockOut { reason }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use VerificationMethod::{AuthenticatorApp, EmailOtp, Passkey, Sms};

    use super::*;

    fn lock_out(reason: LockOutReason) -> Result<(), AppError> {
        Err(AppError::WouldLockOut { reason })
    }

    #[test]
    fn an_id_that_is_not_yours_is_not_found() {
        let mine = [("a", EmailOtp), ("b", EmailOtp)];
        assert_eq!(
            check_removal(mine, "someone-elses", true),
            Err(AppError::NotFound)
        );
        assert_eq!(check_removal([], "a", true), Err(AppError::NotFound));
    }

    #[test]
    fn the_last_method_is_never_removed_even_when_confirmed() {
        assert_eq!(
            check_removal([("a", EmailOtp)], "a", true),
            lock_out(LockOutReason::LastMethod)
        );
        assert_eq!(
            check_removal([("p", Passkey)], "p", true),
            lock_out(LockOutReason::LastMethod)
        );
    }

    #[test]
    fn removing_one_of_two_codes_is_fine() {
        assert_eq!(
            check_removal([("a", EmailOtp), ("b", Sms)], "a", false),
            Ok(())
        );
    }

    #[test]
    fn leaving_only_passkeys_needs_an_explicit_yes() {
        let methods = [("e", EmailOtp), ("p", Passkey), ("q", Passkey)];
        assert_eq!(
            check_removal(methods, "e", false),
            lock_out(LockOutReason::NoFallbackLeft)
        );
        assert_eq!(check_removal(methods, "e", true), Ok(()));
        // Removing a passkey keeps the email code: no question asked.
        assert_eq!(check_removal(methods, "p", false), Ok(()));
    }

    #[test]
    fn any_set_without_a_code_to_fall_back_on_needs_the_yes() {
        let methods = [("t", AuthenticatorApp), ("p", Passkey)];
        assert_eq!(
            check_removal(methods, "t", false),
            lock_out(LockOutReason::NoFallbackLeft)
        );
        assert_eq!(check_removal(methods, "t", true), Ok(()));
    }
}
