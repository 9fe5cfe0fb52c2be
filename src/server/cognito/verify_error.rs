//! Why a token was not accepted: what the verifier and the key cache answer.

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Genuine and otherwise valid, but past its `exp`: refresh the session.
    #[error("the token has expired")]
    Expired,
    /// Never acceptable: the caller is signed out.
    #[error("the token is not valid: {0}")]
    Invalid(#[from] InvalidToken),
    /// The user pool's keys could not be fetched, so nothing can be verified right now.
    #[error("the user pool's signing keys are not available")]
    KeysUnavailable,
}

/// The specific reason a token is invalid, for logs and tests (never shown to users).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToken {
    #[error("longer than any Cognito token")]
    TooLong,
    #[error("not three base64url parts")]
    NotAJwt,
    #[error("the header is not a JSON object with string fields")]
    MalformedHeader,
    #[error("the header names no algorithm")]
    MissingAlgorithm,
    #[error("the algorithm is not RS256")]
    AlgorithmNotAllowed,
    #[error("the header has critical extensions")]
    CriticalHeader,
    #[error("the header names no key")]
    MissingKeyId,
    #[error("the key is not one of the user pool's")]
    UnknownKeyId,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the payload is not a JSON object")]
    MalformedPayload,
    #[error("the claim `{0}` is missing")]
    MissingClaim(String),
    #[error("the claim `{0}` has the wrong type")]
    MalformedClaim(String),
    #[error("not valid yet (`nbf`)")]
    NotYetValid,
    #[error("issued by another user pool")]
    WrongIssuer,
    #[error("the wrong kind of token (`token_use`)")]
    WrongTokenUse,
    #[error("an access token with an audience")]
    UnexpectedAudience,
    #[error("issued to another app client (`aud`)")]
    WrongAudience,
    #[error("issued to another app client (`client_id`)")]
    WrongClient,
    #[error("the nonce does not match the sign-in")]
    NonceMismatch,
    #[error("the ID token is someone else's than the access token")]
    SubjectMismatch,
}
