//! Structured logs: human-readable by default, one JSON object per line with `LOG_FORMAT=json`.
//! `RUST_LOG` filters as usual.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use super::config::LogFormat;

const DEFAULT_FILTER: &str = "info,tower_http=info,leptos=warn";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init` fails only when a subscriber is already set (several servers in one test run).
    let _ = match format {
        LogFormat::Text => registry.with(fmt::layer()).try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
    };
}
