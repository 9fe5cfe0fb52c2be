//! The REST API for native apps: the endpoints Authsignal's Cognito guide builds as Lambdas,
//! behind `Authorization: Bearer <Cognito access token>` instead of the session cookie, with the
//! same operations, guards and limits as the page. Its OpenAPI document is generated from the
//! handlers below and served at [`OPENAPI_PATH`].

mod activity;
pub mod authenticators;
mod bearer;
mod checkup;
pub mod json_body;
mod sessions;
pub mod step_up;

use axum::{Router, http::header, routing::get};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    AppState,
    http::origin::{self, SameOrigin},
};

pub const OPENAPI_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Account Security API",
        description = "Manage the Authsignal sign-in methods of the person a Cognito access token belongs to. Errors are `{\"error\": code, \"message\": sentence}`, with `field` for invalid input.",
    ),
    modifiers(&CognitoBearer),
    tags(
        (name = "authenticators", description = "A person's sign-in methods. Adding and removing need a recent step-up: the `Step-Up-Token` header from `POST /api/step-up/complete`, or, for a person with no method yet, an access token from a sign-in within `STEP_UP_WINDOW_MINUTES`. Without it they answer `403 step_up_required` with `via`."),
        (name = "activity", description = "What happened to the person's account lately, kept by Authsignal."),
        (name = "sessions", description = "Where the person is signed in. Signing a session out, or all of them, needs a `Step-Up-Token` like any change."),
        (name = "step-up", description = "Proving it's the person again before a change: challenge one of their methods with the Authsignal SDK, then exchange the token for a `stepUpToken`."),
    ),
)]
struct ApiDoc;

/// Every route takes the access token of the app client the server is configured with.
struct CognitoBearer;

impl Modify for CognitoBearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "cognito",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some(
                            "A Cognito access token of the configured user pool and app client",
                        ))
                        .build(),
                ),
            );
    }
}

/// The routes with their OpenAPI document, and the document itself at [`OPENAPI_PATH`].
/// Browsers never attach a bearer token on their own, so only requests that say they come from
/// another site are refused (native apps send no `Origin`).
pub fn router(public_origin: String) -> Router<AppState> {
    let (routes, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(
            authenticators::list,
            authenticators::start_enrollment
        ))
        .routes(routes!(authenticators::remove))
        .routes(routes!(authenticators::prebuilt_ui))
        .routes(routes!(authenticators::start_test))
        .routes(routes!(authenticators::complete_test))
        .routes(routes!(checkup::get))
        .routes(routes!(step_up::start, step_up::end))
        .routes(routes!(step_up::complete))
        .routes(routes!(step_up::failed))
        .routes(routes!(activity::list))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::sign_out))
        .routes(routes!(sessions::sign_out_everywhere))
        .split_for_parts();
    let document = document
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    routes
        .route(
            OPENAPI_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }),
        )
        .layer(origin::layer(SameOrigin::new(
            public_origin,
            origin::Mode::Bearer,
        )))
}
