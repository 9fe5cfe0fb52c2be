//! Start-up and the router: the composition root. It starts what the configuration asks for
//! (the local emulators included), connects to the upstream services and assembles the routes
//! of both doors, each group with its own layers. `main`, the Lambda entry and the tests call it.

mod bundle;
#[cfg(feature = "lambda")]
pub mod lambda;
mod shell;

use std::{future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    http::StatusCode,
    middleware,
    routing::{MethodFilter, MethodRouter, get, on, post},
};
use leptos::{prelude::*, server_fn::axum::server_fn_paths};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    limit::RequestBodyLimitLayer,
    services::ServeDir,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::{Level, info, info_span};

use shell::shell;

use crate::{
    config::Config,
    local,
    paths::{self, Page},
    secret::Secret,
    server::{
        AppState, Services,
        authsignal::AuthsignalClient,
        cognito, health,
        http::{
            compression,
            csp::{self, page_policy},
            headers,
            origin::{self, SameOrigin},
            rate_limit::RateLimits,
            server_fn_errors,
        },
        i18n, language, notify, prebuilt_return, rest_api, session, shared_state, step_up,
        wasnt_me::WasntMe,
        webhooks,
    },
};

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
    #[error("the shared state could not be reached: {0}")]
    SharedState(String),
    #[error("mail could not be set up: {0}")]
    Mail(String),
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
    check_hash_file(&leptos_options)?;
    Ok(router(start_services(config, leptos_options).await?))
}

/// With hashed bundle names, Leptos finds them in `hash.txt` beside the executable; without it
/// every page would name a bundle that does not exist, so the server does not start.
fn check_hash_file(options: &LeptosOptions) -> Result<(), ServerError> {
    if !options.hash_files {
        return Ok(());
    }
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|binary| Some(binary.parent()?.join(options.hash_file.as_ref())));
    match beside_binary {
        Some(path) if path.is_file() => Ok(()),
        _ => Err(ServerError::Leptos(format!(
            "LEPTOS_HASH_FILES is true but there is no {} beside the server binary; copy the one \
             the release build wrote beside it (target/release/{})",
            options.hash_file, options.hash_file
        ))),
    }
}

/// Starts the local emulators the configuration asks for and connects to the upstream services.
pub async fn start_services(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, ServerError> {
    // The one place the server meets the emulators: they only ever hand over endpoints.
    let endpoints = local::start(&config).await.map_err(ServerError::Local)?;
    let authsignal = AuthsignalClient::new(endpoints.authsignal, &config.authsignal)
        .map_err(ServerError::HttpClient)?;
    let cognito = cognito::Cognito::new(&endpoints.cognito, &config)
        .await
        .map_err(ServerError::Cognito)?;
    let key = session::load_key(&config)
        .await
        .map_err(ServerError::SessionKey)?;
    let step_up = step_up::StepUp::new(key.master(), config.session.step_up_window);
    let security_url = config
        .public_url
        .join(Page::Security.path())
        .unwrap_or_else(|_| config.public_url.clone());
    let wasnt_me = Arc::new(WasntMe::new(key.master(), security_url.clone()));
    let session = session::SessionCookies::new(key, config.is_https(), config.session.max_age);
    let config_limits = config.limits.per_ip_per_minute;
    let shared = shared_state::SharedState::connect(
        config.shared.redis_url.as_ref().map(Secret::expose),
        &config.shared.key_prefix,
    )
    .await
    .map_err(ServerError::SharedState)?;
    let shared = Arc::new(shared);
    let notifier = notify::Notifier::new(
        endpoints.smtp_url.as_ref(),
        &config.mail.from,
        authsignal.clone(),
        shared.clone(),
        security_url.to_string(),
        wasnt_me.clone(),
        config.on_lambda,
    )
    .map_err(ServerError::Mail)?;
    Ok(AppState::new(Services {
        leptos_options,
        config: Arc::new(config),
        authsignal,
        cognito: Arc::new(cognito),
        session,
        limits: Arc::new(RateLimits::new(config_limits)),
        readiness: Arc::default(),
        shared,
        step_up: Arc::new(step_up),
        notifier: Arc::new(notifier),
        wasnt_me,
        clock: Arc::default(),
    }))
}

/// Requests bigger than this are refused: the largest legitimate one is a small form.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// No request may hold a connection longer than this, whatever the upstreams do.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application. Each group of routes carries the layers it needs: server functions
/// and the pages that need a signed-in person get the session layer, every route a browser
/// posts to gets the same-origin check, the REST API its bearer tokens, and health checks
/// nothing; all of it sits behind size and time limits and the security headers.
pub fn router(state: AppState) -> Router {
    // Where Leptos spawns the work of a page (its resources, its streamed parts). Set once per
    // process; a second router finds it set.
    let _ = any_spawner::Executor::init_tokio();
    let page_policy = page_policy(&state);
    // The page's work runs in tasks of its own: it reads the request's reader from its context.
    let context = {
        let page_policy = page_policy.clone();
        move || {
            csp::set_page_policy(&page_policy);
            provide_context(i18n::current_reader());
        }
    };
    // A page's resources call the server functions in the server itself, which need the state.
    let page_context = {
        let state = state.clone();
        let context = context.clone();
        move || {
            provide_context(state.clone());
            context();
        }
    };
    let shell = {
        let leptos_options = state.leptos_options.clone();
        move || shell(leptos_options.clone())
    };
    let server_fns = server_fn_routes(&state)
        .layer(middleware::from_fn(server_fn_errors::set_status))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            session::layer::for_server_fns,
        ));
    let page = |page: Page| render_page(page, page_context.clone(), shell.clone());
    let signed_in_pages = Router::new()
        .route(Page::Security.path(), page(Page::Security))
        .route(paths::PREBUILT_RETURN, get(prebuilt_return::handle))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            session::layer::for_pages,
        ));
    // Static files and the 404 page, which is a page too: it needs its nonce to hydrate. Only
    // static files are cached or compressed, so those layers sit here and nowhere else. Files
    // are served without Leptos: its file handler runs the page context for a file too, in an
    // owner that can be the child of a page rendering on the same thread, and then takes that
    // page's headers (its CSP) for the file.
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        context.clone(),
        shell::shell,
    );
    let files = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(axum::handler::Handler::with_state(not_found, state.clone()));
    let public_pages = Router::new()
        .route(Page::Home.path(), page(Page::Home))
        .route(Page::SignedOut.path(), page(Page::SignedOut))
        .fallback_service(files);
    let public_pages = headers::static_assets(public_pages, state.leptos_options.hash_files)
        .layer(compression::layer());
    let same_origin = SameOrigin::new(state.config.public_origin(), origin::Mode::Cookie);
    let browser = server_fns
        .merge(signed_in_pages)
        .merge(public_pages)
        .merge(cognito::routes::routes())
        .route(paths::LANGUAGE, post(language::choose))
        .layer(origin::layer(same_origin));
    let app = browser
        .merge(rest_api::router(state.config.public_origin()))
        .merge(webhooks::routes())
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .layer(
            ServiceBuilder::new()
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                ))
                // The timeout answers with an empty body of the kind it wraps.
                .map_response(|response: axum::http::Response<_>| {
                    response.map(axum::body::Body::new)
                })
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES)),
        );
    headers::harden(app, state.config.is_https())
        // Outside everything that writes a sentence: error answers too are in the reader's
        // language.
        .layer(middleware::from_fn(i18n::layer::read))
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

/// A page at its path. The security page is rendered whole before it is sent, so it reads
/// complete without JavaScript; the others stream.
fn render_page<View: IntoView + 'static>(
    page: Page,
    context: impl Fn() + Clone + Send + Sync + 'static,
    shell: impl Fn() -> View + Clone + Send + Sync + 'static,
) -> MethodRouter<AppState> {
    match page {
        Page::Security => get(leptos_axum::render_app_async_with_context(context, shell)),
        Page::Home | Page::SignedOut => get(leptos_axum::render_app_to_stream_with_context(
            context, shell,
        )),
    }
}

/// Every server function, with the server's state in its context.
fn server_fn_routes(state: &AppState) -> Router<AppState> {
    server_fn_paths().fold(Router::new(), |router, (path, method)| {
        let state = state.clone();
        let handler = move |request: axum::extract::Request| {
            let state = state.clone();
            leptos_axum::handle_server_fns_with_context(
                move || {
                    provide_context(state.clone());
                    provide_context(i18n::current_reader());
                },
                request,
            )
        };
        router.route(
            path,
            on(
                MethodFilter::try_from(method).unwrap_or(MethodFilter::POST),
                handler,
            ),
        )
    })
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
