//! The routes of Authsignal's "manage authenticators with Cognito" guide, for native apps: the
//! same operations and guards as the page's server functions, in the shapes the guide's Lambdas
//! answer with, so its example apps work against this server unchanged.

use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;
use utoipa::{IntoParams, ToSchema};

use super::{bearer::ApiCaller, json_body::JsonBody};
use crate::{
    i18n::tr,
    model::{AppError, VerificationMethod},
    server::{
        AppState,
        account::{self, Contact},
        app_error::ErrorBody,
        prebuilt_return,
    },
    wire::authsignal::UserAuthenticator,
};

/// One of the user's sign-in methods, field for field as Authsignal's Server API names it, plus
/// what the page also shows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Authenticator)]
pub struct ApiAuthenticator {
    #[schema(example = "4efd2d0d-3278-4e03-8143-d9a0850bebc0")]
    pub user_authenticator_id: String,
    /// `EMAIL_OTP`, `SMS`, `PASSKEY`, `AUTHENTICATOR_APP`, …; `UNKNOWN` for a method this
    /// server does not know yet.
    #[schema(value_type = String, example = "EMAIL_OTP")]
    pub verification_method: VerificationMethod,
    /// The method's name in English, e.g. "Email code".
    #[schema(example = "Email code")]
    pub label: String,
    /// An email or text-message code: what keeps the person from being locked out when a
    /// device is lost.
    pub is_fallback: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_verified_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredential>,
}

/// What identifies a passkey to its owner.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebauthnCredential {
    /// e.g. "iCloud Keychain".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid_mapping: Option<AaguidMapping>,
}

/// The passkey provider's name and icons.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AaguidMapping {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_light: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_dark: Option<String>,
}

impl From<UserAuthenticator> for ApiAuthenticator {
    fn from(authenticator: UserAuthenticator) -> Self {
        let method = authenticator.verification_method;
        Self {
            user_authenticator_id: authenticator.user_authenticator_id,
            verification_method: method,
            label: method.label().to_owned(),
            is_fallback: method.is_fallback(),
            created_at: authenticator.created_at,
            verified_at: authenticator.verified_at,
            last_verified_at: authenticator.last_verified_at,
            email: authenticator.email,
            phone_number: authenticator.phone_number,
            display_name: authenticator.display_name,
            webauthn_credential: authenticator.webauthn_credential.map(|credential| {
                WebauthnCredential {
                    name: credential.name,
                    aaguid_mapping: credential.aaguid_mapping.map(|mapping| AaguidMapping {
                        name: mapping.name,
                        svg_icon_light: mapping.svg_icon_light,
                        svg_icon_dark: mapping.svg_icon_dark,
                    }),
                }
            }),
        }
    }
}

fn answer(authenticators: Vec<UserAuthenticator>) -> Json<Vec<ApiAuthenticator>> {
    Json(
        authenticators
            .into_iter()
            .map(ApiAuthenticator::from)
            .collect(),
    )
}

/// The signed-in person's verified sign-in methods, oldest first.
#[utoipa::path(
    get,
    path = "/api/authenticators",
    tag = "authenticators",
    security(("cognito" = [])),
    responses(
        (status = 200, description = "The methods, oldest first", body = [ApiAuthenticator]),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ApiAuthenticator>>, AppError> {
    Ok(answer(account::authenticators(&state, &caller).await?))
}

/// Optional addresses for the method about to be added; Authsignal sends the first code there.
#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentRequest {
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
    /// E.164, e.g. `+64211234567`.
    #[schema(example = "+64211234567")]
    pub phone_number: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentResponse {
    /// For the Authsignal Client SDK (`setToken`), valid for 10 minutes, with the scope
    /// `add:authenticators`: enough to add an email or SMS code, an authenticator app or a
    /// passkey.
    pub authsignal_token: String,
}

/// A short-lived Authsignal token with which the app adds one method through the Authsignal
/// Client SDK: an email code (`emailOtp.enroll`), a text-message code (`sms.enroll`), an
/// authenticator app (`totp.enroll`, then `totp.verify` with the app's first code) or a passkey
/// (`passkey.signUp`). Any kind the tenant allows may be added with it; `GET
/// /api/authenticators` then lists it with its fields (`phoneNumber`, a passkey's
/// provider name). Give `email` or `phoneNumber` for a code method so Authsignal knows the
/// address; for an app or a passkey, send no body.
#[utoipa::path(
    post,
    path = "/api/authenticators",
    tag = "authenticators",
    security(("cognito" = [])),
    params(
        ("Step-Up-Token" = Option<String>, Header, description = "From `POST /api/step-up/complete`; not needed by a person with no method yet who signed in within the step-up window"),
    ),
    request_body(content = Option<EnrollmentRequest>, description = "May be left out"),
    responses(
        (status = 200, description = "A token for the Client SDK", body = EnrollmentResponse),
        (status = 400, description = "A malformed email address or phone number", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required` (with `via`): no recent step-up; or sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn start_enrollment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(request): JsonBody<EnrollmentRequest>,
) -> Result<Json<EnrollmentResponse>, AppError> {
    let contact = Contact {
        email: request.email,
        phone_number: request.phone_number,
    };
    let ticket = account::start_enrollment(&state, &caller, &contact).await?;
    Ok(Json(EnrollmentResponse {
        authsignal_token: ticket.token,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// Remove even though only passkeys or authenticator apps would remain, with no email or
    /// text-message code to fall back on.
    #[serde(default)]
    pub accepts_no_fallback: bool,
}

/// Removes one of the person's methods, unless it is not theirs or removing it would lock them
/// out; answers with the methods that remain.
#[utoipa::path(
    delete,
    path = "/api/authenticators/{userAuthenticatorId}",
    tag = "authenticators",
    security(("cognito" = [])),
    params(
        ("userAuthenticatorId" = String, Path, description = "From `GET /api/authenticators`"),
        ("Step-Up-Token" = String, Header, description = "From `POST /api/step-up/complete`"),
        RemoveQuery,
    ),
    responses(
        (status = 200, description = "Removed; the methods that remain", body = [ApiAuthenticator]),
        (status = 400, description = "Not an authenticator id", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required` (with `via`): no recent step-up; or sent from another website", body = ErrorBody),
        (status = 404, description = "Not one of this person's methods", body = ErrorBody),
        (status = 409, description = "`last_authenticator`: the only method left; `no_fallback_left`: only device-bound methods would remain (repeat with `acceptsNoFallback=true`)", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(user_authenticator_id): Path<String>,
    query: Result<Query<RemoveQuery>, QueryRejection>,
) -> Result<Json<Vec<ApiAuthenticator>>, AppError> {
    let Query(query) = query.map_err(|_| {
        AppError::invalid(
            "acceptsNoFallback",
            tr::account_accepts_no_fallback_not_boolean(),
        )
    })?;
    let removal = account::remove(
        &state,
        &caller,
        &user_authenticator_id,
        query.accepts_no_fallback,
    )
    .await?;
    Ok(answer(removal.remaining))
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrebuiltUiRequest {
    /// Where Authsignal sends the person afterwards, with `?token=` appended. Must be one of
    /// the server's `API_REDIRECT_URLS`; by default, the web page's return address.
    #[schema(example = "https://app.example.com/authsignal")]
    pub redirect_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrebuiltUiResponse {
    /// Open it in a browser tab; it carries a 10-minute token.
    pub prebuilt_ui_url: String,
}

/// Authsignal's hosted pre-built UI in settings mode, where the person can add and remove
/// methods after passing Authsignal's challenge. Someone with no method yet has nothing to be
/// challenged with there, so, as for a first method here, their sign-in must be recent (or a
/// `Step-Up-Token` sent); otherwise `403 step_up_required` with `via: "sign_in"`.
#[utoipa::path(
    post,
    path = "/api/authenticators/prebuilt-ui",
    tag = "authenticators",
    security(("cognito" = [])),
    params(
        ("Step-Up-Token" = Option<String>, Header, description = "From `POST /api/step-up/complete`; only for a person with no method yet who did not sign in within the step-up window"),
    ),
    request_body(content = Option<PrebuiltUiRequest>, description = "May be left out"),
    responses(
        (status = 200, description = "Where to send the person", body = PrebuiltUiResponse),
        (status = 400, description = "`redirectUrl` is not on the allow-list", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "`step_up_required` (no method yet and not signed in lately), or sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal or Cognito is unavailable", body = ErrorBody),
        (status = 504, description = "Authsignal took too long", body = ErrorBody),
    ),
)]
pub async fn prebuilt_ui(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    JsonBody(request): JsonBody<PrebuiltUiRequest>,
) -> Result<Json<PrebuiltUiResponse>, AppError> {
    // A refused address costs no allowance: it never reaches Authsignal.
    let return_url = allowed_return_url(&state, request.redirect_url.as_deref())?;
    let visit = account::open_prebuilt_ui(&state, &caller, &return_url).await?;
    Ok(Json(PrebuiltUiResponse {
        prebuilt_ui_url: visit.url,
    }))
}

/// The page's own return address, or exactly one of the configured ones: never an address an
/// attacker chose, which would receive the person's Authsignal token.
fn allowed_return_url(state: &AppState, requested: Option<&str>) -> Result<Url, AppError> {
    let own = prebuilt_return::url(&state.config);
    let Some(requested) = requested else {
        return Ok(own);
    };
    Url::parse(requested)
        .ok()
        .filter(|url| *url == own || state.config.api_redirect_urls.contains(url))
        .ok_or_else(|| AppError::invalid("redirectUrl", tr::account_redirect_url_not_allowed()))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestStart {
    /// For the Authsignal SDK: run this method's challenge, then verify. Valid for 10 minutes.
    pub authsignal_token: String,
}

/// Starts a test of one of the person's methods: a token for that method's challenge. Nothing
/// changes; passing it is a step-up too.
#[utoipa::path(
    post,
    path = "/api/authenticators/{userAuthenticatorId}/test",
    tag = "authenticators",
    security(("cognito" = [])),
    params(("userAuthenticatorId" = String, Path, description = "From `GET /api/authenticators`")),
    responses(
        (status = 200, description = "A token for the challenge", body = TestStart),
        (status = 400, description = "Not an authenticator id, or a kind that cannot be tested here", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "Sent from another website", body = ErrorBody),
        (status = 404, description = "Not one of this person's methods", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal is unavailable", body = ErrorBody),
    ),
)]
pub async fn start_test(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<TestStart>, AppError> {
    let ticket = account::start_test(&state, &caller, &id).await?;
    Ok(Json(TestStart {
        authsignal_token: ticket.token,
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestDone {
    pub tested: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_verified_at: Option<OffsetDateTime>,
    /// A passed test is a step-up: send this as the `Step-Up-Token` header until `expiresAt`.
    pub step_up_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

/// Completes a test: the token the SDK's verify returned, accepted once, for this person and
/// this method only.
#[utoipa::path(
    post,
    path = "/api/authenticators/{userAuthenticatorId}/test/complete",
    tag = "authenticators",
    security(("cognito" = [])),
    params(("userAuthenticatorId" = String, Path, description = "The method tested")),
    request_body = super::step_up::StepUpCompletion,
    responses(
        (status = 200, description = "The method works", body = TestDone),
        (status = 400, description = "The token was not accepted: another method's, another person's, used before, too old or not a token (`field: token`)", body = ErrorBody),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "Sent from another website", body = ErrorBody),
        (status = 429, description = "Too many requests; see `Retry-After`", body = ErrorBody),
        (status = 502, description = "Authsignal is unavailable", body = ErrorBody),
    ),
)]
pub async fn complete_test(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<super::step_up::StepUpCompletion>,
) -> Result<Json<TestDone>, AppError> {
    let (granted, last_verified_at) =
        account::complete_test(&state, &caller, &id, &request.token).await?;
    Ok(Json(TestDone {
        tested: true,
        last_verified_at,
        step_up_token: granted.token,
        expires_at: granted.expires_at,
    }))
}
