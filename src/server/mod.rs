//! Everything that runs only on the server: configuration, the HTTP stack and the clients of the
//! upstream services.

pub mod account;
mod app_error;
pub mod authsignal;
pub mod cognito;
pub mod config;
mod health;
pub mod http;
pub mod http_client;
pub mod prebuilt_return;
pub mod rest_api;
pub mod return_path;
pub mod session;
mod state;
pub mod telemetry;

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    http::{StatusCode, header},
    middleware,
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::{Level, info, info_span};

use crate::{
    app::{App, shell},
    local::authsignal::LocalAuthsignal,
};
use authsignal::{AuthsignalClient, AuthsignalEndpoints};
use config::{AuthsignalMode, Config};
use http::{
    compression,
    csp::ContentSecurityPolicy,
    headers,
    origin::{self, SameOrigin},
    rate_limit::RateLimits,
    server_fn_errors,
};
pub use state::AppState;

/// Why the server could not start or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("the Leptos configuration is invalid: {0}")]
    Leptos(String),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("the local emulators could not start: {0}")]
    Local(io::Error),
    #[error("the HTTP client could not be set up: {0}")]
    HttpClient(reqwest::Error),
    #[error("Cognito could not be set up: {0}")]
    Cognito(io::Error),
    #[error("the session key could not be loaded: {0}")]
    SessionKey(io::Error),
    #[error("the server failed: {0}")]
    Serve(io::Error),
}

/// Serves the application on `LEPTOS_SITE_ADDR` until `shutdown` completes.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let leptos_options = get_configuration(None)
        .map_err(|error| ServerError::Leptos(error.to_string()))?
        .leptos_options;
    let addr = leptos_options.site_addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let public_url = config.public_url.clone();
    let app = build(config, leptos_options).await?;
    info!(%addr, %public_url, "serving");
    serve(listener, app, shutdown)
        .await
        .map_err(ServerError::Serve)?;
    info!("stopped");
    Ok(())
}

/// Serves `app` on `listener`, with the peer address available to handlers (rate limits).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Starts what the configuration asks for (the local emulators included) and returns the
/// application, ready to serve.
pub async fn build(config: Config, leptos_options: LeptosOptions) -> Result<Router, ServerError> {
    Ok(router(start_services(config, leptos_options).await?))
}

/// Starts the local emulators the configuration asks for and connects to the upstream services.
pub async fn start_services(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, ServerError> {
    let endpoints = match &config.authsignal.mode {
        AuthsignalMode::Remote(remote) => AuthsignalEndpoints::from(remote),
        AuthsignalMode::Local { addr } => {
            let local = LocalAuthsignal::start(*addr, &config.local_data_dir)
                .await
                .map_err(ServerError::Local)?;
            AuthsignalEndpoints::from(&local)
        }
    };
    let authsignal =
        AuthsignalClient::new(endpoints, &config.authsignal).map_err(ServerError::HttpClient)?;
    let cognito = cognito::Cognito::start(&config)
        .await
        .map_err(ServerError::Cognito)?;
    let key = session::load_key(&config)
        .await
        .map_err(ServerError::SessionKey)?;
    let session = session::SessionCookies::new(key, config.is_https(), config.session.max_age);
    let config_limits = config.limits.per_ip_per_minute;
    Ok(AppState {
        leptos_options,
        config: Arc::new(config),
        authsignal,
        cognito: Arc::new(cognito),
        session,
        limits: Arc::new(RateLimits::new(config_limits)),
        removal_locks: Arc::default(),
    })
}

/// Requests bigger than this are refused: the largest legitimate one is a small form.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// No request may hold a connection longer than this, whatever the upstreams do.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: pages, server functions, static files and health checks behind the
/// session cookie and its same-origin check; the REST API behind bearer tokens; all of it
/// behind size and time limits and the security headers.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let page_policy = page_policy(&state);
    let same_origin = SameOrigin::new(state.config.public_origin(), origin::Mode::Cookie);
    // Added after the session layers, so that they never run for the API: it reads no cookie.
    let rest_api = rest_api::router(state.config.public_origin());
    let app = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route(prebuilt_return::PATH, get(prebuilt_return::handle))
        .merge(cognito::routes::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let page_policy = page_policy.clone();
                move || set_page_policy(&page_policy)
            },
            move || shell(leptos_options.clone()),
        )
        // The 404 page is a page too: it needs its nonce to hydrate.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(move || set_page_policy(&page_policy), shell))
        .layer(middleware::from_fn(server_fn_errors::set_status))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .layer(middleware::from_fn_with_state(same_origin, origin::check))
        .merge(rest_api)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ));
    headers::harden(app, state.config.is_https())
        .layer(compression::layer())
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings carry one-time codes and tokens.
                .make_span_with(|request: &axum::http::Request<_>| {
                    info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// What the page may connect to and post forms to, besides itself: Authsignal's Client API
/// (the browser enrolls methods there) and the hosted sign-in (sign-out ends there). In
/// development, also the live-reload socket.
fn page_policy(state: &AppState) -> ContentSecurityPolicy {
    let authsignal = state
        .authsignal
        .client_api_url()
        .origin()
        .ascii_serialization();
    let sign_in = state
        .cognito
        .oauth
        .logout_url()
        .origin()
        .ascii_serialization();
    let options = &state.leptos_options;
    let reload = (options.env == leptos::config::Env::DEV).then(|| {
        let host = state.config.public_url.host_str().unwrap_or("127.0.0.1");
        format!("ws://{host}:{}", options.reload_port)
    });
    ContentSecurityPolicy::new(
        [Some(authsignal.as_str()), reload.as_deref()]
            .into_iter()
            .flatten(),
        [sign_in.as_str()],
    )
}

/// Puts the policy, with this response's nonce, on a page response.
fn set_page_policy(policy: &ContentSecurityPolicy) {
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, policy.for_page(&nonce));
    }
}

/// Completes on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    info!("shutting down");
}
