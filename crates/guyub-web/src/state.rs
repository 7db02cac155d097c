//! Shared application state.

use std::sync::Arc;
use std::time::Duration;

use guyub_store::Store;

use crate::metrics::Metrics;
use crate::ratelimit::SignInLimiter;

/// Settings of the web layer (from the CLI / environment).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Trust the first `X-Forwarded-For` hop (only behind a proxy that overwrites it).
    pub trust_proxy: bool,
    /// Session inactivity timeout.
    pub session_seconds: i64,
    /// Largest accepted upload (imports).
    pub max_upload_bytes: usize,
    /// Where the server is reached from outside (`https://…`, no trailing slash): payment
    /// gateway notifications are sent there. `None`: the gateway uses its dashboard setting.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            session_seconds: 7 * 24 * 3600,
            max_upload_bytes: 10 * 1024 * 1024,
            public_url: None,
        }
    }
}

pub struct App {
    pub store: Store,
    pub cfg: WebConfig,
    pub limiter: SignInLimiter,
    pub metrics: Metrics,
}

/// Cheap to clone; handed to every handler.
pub type AppState = Arc<App>;

pub fn new_state(store: Store, cfg: WebConfig) -> AppState {
    Arc::new(App {
        store,
        cfg,
        limiter: SignInLimiter::new(5, Duration::from_secs(15 * 60)),
        metrics: Metrics::default(),
    })
}
