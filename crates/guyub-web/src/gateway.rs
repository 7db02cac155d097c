//! The payment gateway adapter's HTTP side: a Midtrans Core API client that creates QRIS
//! charges and polls their status.
//!
//! The rules (request and response shapes, signatures, statuses, which documented fields are
//! relied on and where they are documented) live in
//! [`guyub_core::payment::gateway::midtrans`]; this module only moves bytes and maps transport
//! failures to [`GatewayError`]. It never retries: a charge sent twice could be two charges,
//! so the caller decides (a status poll is the safe way to learn what happened).
//!
//! The adapter is off unless a coop has configured its server key
//! ([`MidtransConfig::from_key`] gives `None` otherwise).

use std::fmt;
use std::time::Duration;

use guyub_core::money::Rupiah;
use guyub_core::payment::gateway::GatewayError;
use guyub_core::payment::gateway::midtrans::{
    self, ChargeRequest, ChargeResponse, Notification, check_base_url, check_order_id,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

/// How long one request may take, connecting included. Past it the answer is a
/// [`GatewayError::Network`]; the cashier's page should not hang on a slow gateway.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read. Midtrans' answers are about 1 KB; anything this large is not one.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// One coop's Midtrans settings.
///
/// `Debug` never prints the server key: configurations end up in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct MidtransConfig {
    /// The server key (`SB-Mid-server-…` in the sandbox); the HTTP Basic user name.
    pub server_key: String,
    /// [`midtrans::SANDBOX_BASE_URL`], [`midtrans::PRODUCTION_BASE_URL`], or a test server.
    pub base_url: String,
    /// [`midtrans::ACQUIRER_GOPAY`] or [`midtrans::ACQUIRER_SHOPEEPAY`].
    pub acquirer: String,
    /// Where Midtrans should send this coop's notifications (the `X-Override-Notification`
    /// header); `None` keeps the URL set on the Midtrans dashboard. A per-coop URL is how a
    /// notification is tied to the coop whose key must verify it.
    pub notification_url: Option<String>,
}

impl MidtransConfig {
    /// The configuration, if the coop has a server key; `None` (the adapter stays off) for
    /// an absent or blank key.
    pub fn from_key(
        server_key: Option<&str>,
        base_url: &str,
        acquirer: &str,
    ) -> Option<MidtransConfig> {
        let key = server_key.map(str::trim).filter(|k| !k.is_empty())?;
        Some(MidtransConfig {
            server_key: key.to_string(),
            base_url: base_url.trim_end_matches('/').to_string(),
            acquirer: acquirer.to_string(),
            notification_url: None,
        })
    }

    /// The same, with notifications sent to `url`.
    pub fn with_notification_url(mut self, url: impl Into<String>) -> MidtransConfig {
        self.notification_url = Some(url.into());
        self
    }
}

impl fmt::Debug for MidtransConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = if self.server_key.is_empty() {
            "<empty>"
        } else {
            "<hidden>"
        };
        f.debug_struct("MidtransConfig")
            .field("server_key", &key)
            .field("base_url", &self.base_url)
            .field("acquirer", &self.acquirer)
            .field("notification_url", &self.notification_url)
            .finish()
    }
}

/// A Midtrans Core API client for one coop. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct MidtransClient {
    config: MidtransConfig,
    http: reqwest::Client,
}

impl MidtransClient {
    /// A client with the standard [`TIMEOUT`]. Refuses an empty key and a base URL that is
    /// not `https://` (see [`check_base_url`]).
    pub fn new(config: MidtransConfig) -> Result<MidtransClient, GatewayError> {
        MidtransClient::with_timeout(config, TIMEOUT)
    }

    /// A client whose requests give up after `timeout` (tests use a short one).
    pub fn with_timeout(
        config: MidtransConfig,
        timeout: Duration,
    ) -> Result<MidtransClient, GatewayError> {
        if config.server_key.is_empty() {
            return Err(GatewayError::NotConfigured);
        }
        check_base_url(&config.base_url)?;
        // reqwest is built without a crypto provider (its default, aws-lc-rs, needs cmake and
        // NASM); rustls's ring provider becomes the process default. Installing fails only
        // when a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would carry the server key elsewhere; the API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("guyub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(network)?;
        Ok(MidtransClient { config, http })
    }

    pub fn config(&self) -> &MidtransConfig {
        &self.config
    }

    /// Creates a dynamic QRIS for `amount`, payable for `expiry_minutes` (0: the gateway's
    /// default). The answer is checked against the request (same order, same amount, pending,
    /// with a QR string) before it is returned, so what is shown to a payer is what we asked.
    pub async fn charge_qris(
        &self,
        order_id: &str,
        amount: Rupiah,
        expiry_minutes: u32,
    ) -> Result<ChargeResponse, GatewayError> {
        let request = ChargeRequest::qris(order_id, amount, &self.config.acquirer)?
            .expiring_after_minutes(expiry_minutes);
        let mut http = self
            .http
            .post(self.url("/v2/charge"))
            .header(CONTENT_TYPE, "application/json")
            .body(request.to_json()?);
        if let Some(url) = &self.config.notification_url {
            http = http.header("X-Override-Notification", url);
        }
        let (status, body) = self.send(http).await?;
        if !status.is_success() {
            return Err(midtrans::refusal(status.as_u16(), &body));
        }
        let response = ChargeResponse::from_json(&body)?;
        response.check_against(&request)?;
        Ok(response)
    }

    /// The gateway's current view of `order_id` (our order id, not its transaction id): the
    /// fallback when a notification is late or lost. Turn it into an update with
    /// [`Notification::update_from_status_poll`]; this answer needs no signature, as it comes
    /// from our own authenticated request.
    pub async fn status(&self, order_id: &str) -> Result<Notification, GatewayError> {
        check_order_id(order_id)?;
        let http = self.http.get(self.url(&format!("/v2/{order_id}/status")));
        let (status, body) = self.send(http).await?;
        let notification = match Notification::from_status_json(&body) {
            Ok(n) => n,
            Err(e) if status.is_success() => return Err(e),
            Err(_) => return Err(midtrans::refusal(status.as_u16(), &body)),
        };
        if notification.order_id != order_id {
            return Err(GatewayError::UnknownOrder {
                order_id: notification.order_id,
            });
        }
        Ok(notification)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// Sends one request with the documented headers (HTTP Basic: the server key, an empty
    /// password) and reads the answer, whatever its HTTP status.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, String), GatewayError> {
        let response = request
            .basic_auth(&self.config.server_key, Some(""))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        Ok((status, read_body(response).await?))
    }
}

/// The body as text, at most [`MAX_BODY_BYTES`].
async fn read_body(mut response: reqwest::Response) -> Result<String, GatewayError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(GatewayError::Malformed {
                detail: format!("answer larger than {MAX_BODY_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|e| GatewayError::Malformed {
        detail: format!("answer is not UTF-8: {e}"),
    })
}

/// A transport failure, with what kind it was for the log. reqwest's message names the URL,
/// never the credentials (they travel in a header).
fn network(e: reqwest::Error) -> GatewayError {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "transfer failed"
    };
    GatewayError::Network {
        detail: format!("{kind}: {e}"),
    }
}
