//! Payment gateways: aggregators that issue a true dynamic QRIS for one payment and tell us
//! when it is paid, through a notification callback. Optional per coop: a coop without gateway
//! keys keeps its static QRIS and records payments by hand.
//!
//! Two layers, both pure (no I/O, no clock):
//! - the gateway-neutral rules: our view of a charge's state ([`GatewayStatus`]), what a
//!   gateway said about one of our orders once its authenticity is established
//!   ([`GatewayUpdate`]), and what to do with it given what we recorded ([`reconcile`]:
//!   record a change, ignore a repeat, refuse a stranger or a wrong amount);
//! - [`midtrans`]: the Midtrans Core API's request and response shapes, its notification
//!   signature and its status values, turned into the neutral types above.
//!
//! The HTTP client that sends the requests lives in the web crate; the store keeps the charges.
//!
//! How a notification is handled, so that a forged, foreign or repeated one writes nothing:
//! 1. parse the body ([`midtrans::Notification::from_json`]);
//! 2. check its signature with the server key of the coop whose callback URL it arrived on
//!    ([`midtrans::verified_update`]); a forged callback stops here;
//! 3. look the order up *in that coop only* and hand the result, found or not, to
//!    [`reconcile`]: another coop's order is not found there and is refused as unknown;
//! 4. write only on [`Outcome::Record`], conditionally on the recorded status still being
//!    `from`, so that two deliveries of the same notification racing each other write once.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Msg;
use crate::money::Rupiah;

/// Our view of a gateway charge, whatever the gateway calls its states.
///
/// `Paid` is the only state in which money arrived; every other state but `Pending` is final
/// for the payment (a refund is money going back, handled by people, not by this module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GatewayStatus {
    /// Created and waiting to be paid (or held by the gateway's fraud check).
    Pending,
    /// Paid: the money is confirmed by the gateway.
    Paid,
    /// Not paid before the QR code expired.
    Expired,
    /// Cancelled by the merchant or by the gateway.
    Cancelled,
    /// Refused by the payment provider or the gateway's fraud check, or failed.
    Failed,
    /// Paid, then (partly) given back to the payer: a refund or a chargeback.
    Refunded,
}

impl GatewayStatus {
    /// Every status, in the order of the life cycle.
    pub const ALL: [GatewayStatus; 6] = [
        GatewayStatus::Pending,
        GatewayStatus::Paid,
        GatewayStatus::Expired,
        GatewayStatus::Cancelled,
        GatewayStatus::Failed,
        GatewayStatus::Refunded,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            GatewayStatus::Pending => "pending",
            GatewayStatus::Paid => "paid",
            GatewayStatus::Expired => "expired",
            GatewayStatus::Cancelled => "cancelled",
            GatewayStatus::Failed => "failed",
            GatewayStatus::Refunded => "refunded",
        }
    }

    /// The status with this [`code`](Self::code).
    pub fn from_code(code: &str) -> Option<GatewayStatus> {
        GatewayStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The status as a person reads it.
    pub fn msg(self) -> Msg {
        match self {
            GatewayStatus::Pending => Msg::new("Menunggu pembayaran", "Waiting for payment"),
            GatewayStatus::Paid => Msg::new("Lunas", "Paid"),
            GatewayStatus::Expired => Msg::new("Kedaluwarsa", "Expired"),
            GatewayStatus::Cancelled => Msg::new("Dibatalkan", "Cancelled"),
            GatewayStatus::Failed => Msg::new("Gagal", "Failed"),
            GatewayStatus::Refunded => Msg::new("Dikembalikan", "Refunded"),
        }
    }

    /// Whether a charge recorded as `self` may move to `next`, following the gateway's
    /// documented life cycle (Midtrans "Transaction Status Cycle"): a pending charge may end
    /// in any way; a paid one may still be refunded, cancelled (a card capture cancelled
    /// before settlement) or denied after settlement; every other state is final.
    /// Nothing ever goes back to `Pending`.
    pub fn can_become(self, next: GatewayStatus) -> bool {
        use GatewayStatus::*;
        match self {
            Pending => next != Pending,
            Paid => matches!(next, Refunded | Cancelled | Failed),
            Expired | Cancelled | Failed | Refunded => false,
        }
    }
}

/// What a gateway says about one of our orders, once we know the gateway said it (a verified
/// signature, or an answer to our own authenticated status request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayUpdate {
    /// Our order id, as we sent it with the charge.
    pub order_id: String,
    /// The gateway's own id of the transaction (for people who look it up on the dashboard).
    pub transaction_id: String,
    /// The amount the gateway charged, in whole rupiah.
    pub amount: Rupiah,
    pub status: GatewayStatus,
}

/// Our record of a charge, as the store found it in the coop the notification is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRecord {
    pub order_id: String,
    /// The total we asked the gateway to charge.
    pub amount: Rupiah,
    /// The status recorded so far.
    pub status: GatewayStatus,
}

/// What to do with a genuine update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Write the new status (and, when `to` is [`GatewayStatus::Paid`], the journal entry of
    /// the payment) in one transaction, on the condition that the recorded status is still
    /// `from`; if that condition fails, another delivery already wrote it.
    Record {
        from: GatewayStatus,
        to: GatewayStatus,
    },
    /// The same status is already recorded: a repeated notification. Write nothing, answer
    /// the gateway with success so that it stops sending it.
    AlreadyRecorded,
    /// A change the life cycle does not allow (a late `pending` after `paid`, an `expire`
    /// after `settlement`): out of order or stale. Write nothing, answer with success, log it
    /// for people to look at.
    Ignored {
        recorded: GatewayStatus,
        received: GatewayStatus,
    },
}

/// Decides what a genuine update means for our record of the charge.
///
/// `charge` is what the store found for `update.order_id` *in the coop whose key verified the
/// update*: `None` when that coop has no such order (a typo, another coop's order, an order of
/// another system sharing the gateway account). Refuses an unknown order and an amount that is
/// not the one we asked for, so neither can ever be marked paid.
pub fn reconcile(
    charge: Option<&ChargeRecord>,
    update: &GatewayUpdate,
) -> Result<Outcome, GatewayError> {
    let charge = match charge {
        Some(c) if c.order_id == update.order_id => c,
        _ => {
            return Err(GatewayError::UnknownOrder {
                order_id: update.order_id.clone(),
            });
        }
    };
    if charge.amount != update.amount {
        return Err(GatewayError::AmountMismatch {
            expected: charge.amount,
            received: update.amount,
        });
    }
    Ok(if charge.status == update.status {
        Outcome::AlreadyRecorded
    } else if charge.status.can_become(update.status) {
        Outcome::Record {
            from: charge.status,
            to: update.status,
        }
    } else {
        Outcome::Ignored {
            recorded: charge.status,
            received: update.status,
        }
    })
}

/// Why a gateway request or notification was refused. Nothing is written when one occurs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The coop has no gateway keys: the adapter is off.
    NotConfigured,
    /// A gateway address that is not `https://` (the server key would travel in clear).
    InsecureBaseUrl { url: String },
    /// The notification's signature does not match: forged, or changed on the way.
    InvalidSignature,
    /// The order is not one of this coop's gateway charges.
    UnknownOrder { order_id: String },
    /// The gateway's amount differs from the amount we asked for.
    AmountMismatch { expected: Rupiah, received: Rupiah },
    /// An amount that is not whole rupiah, or not a number.
    BadAmount { found: String },
    /// A currency other than rupiah.
    WrongCurrency { found: String },
    /// A transaction status this adapter does not know.
    UnknownStatus { found: String },
    /// An order id the gateway would refuse (empty, too long, other characters).
    BadOrderId { order_id: String },
    /// A charge of zero or less.
    NotPositive { amount: Rupiah },
    /// A body that is not the JSON the gateway documents. `detail` is for the log.
    Malformed { detail: String },
    /// The gateway answered, and said no (`status_code` not 2xx, in the body or over HTTP).
    Refused {
        status_code: String,
        message: String,
    },
    /// No answer: connection refused, timeout, broken connection. `detail` is for the log.
    Network { detail: String },
}

impl GatewayError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            GatewayError::NotConfigured => Msg::new(
                "Gateway pembayaran belum diatur untuk koperasi ini (kunci server belum diisi).",
                "The payment gateway is not set up for this coop (no server key).",
            ),
            GatewayError::InsecureBaseUrl { url } => Msg::new(
                format!(
                    "Alamat gateway pembayaran \"{url}\" harus diawali https:// agar kunci server tidak terkirim terbuka."
                ),
                format!(
                    "The payment gateway address \"{url}\" must start with https:// so that the server key is not sent in clear."
                ),
            ),
            GatewayError::InvalidSignature => Msg::new(
                "Tanda tangan notifikasi tidak sah: notifikasi ini bukan dari gateway pembayaran atau sudah diubah. Tidak ada yang dicatat.",
                "The notification signature is invalid: this notification did not come from the payment gateway, or it was changed. Nothing was recorded.",
            ),
            GatewayError::UnknownOrder { order_id } => Msg::new(
                format!(
                    "Pesanan {order_id} tidak dikenal di koperasi ini. Tidak ada yang dicatat."
                ),
                format!("Order {order_id} is not known in this coop. Nothing was recorded."),
            ),
            GatewayError::AmountMismatch { expected, received } => Msg::new(
                format!(
                    "Jumlah dari gateway ({received}) tidak sama dengan tagihan ({expected}). Pembayaran tidak dicatat lunas; periksa di dasbor gateway."
                ),
                format!(
                    "The gateway's amount ({received}) differs from the charge ({expected}). The payment was not marked paid; check the gateway's dashboard."
                ),
            ),
            GatewayError::BadAmount { found } => Msg::new(
                format!(
                    "Jumlah dari gateway \"{found}\" bukan rupiah utuh. Tidak ada yang dicatat."
                ),
                format!(
                    "The gateway's amount \"{found}\" is not whole rupiah. Nothing was recorded."
                ),
            ),
            GatewayError::WrongCurrency { found } => Msg::new(
                format!("Mata uang dari gateway \"{found}\" bukan rupiah. Tidak ada yang dicatat."),
                format!("The gateway's currency \"{found}\" is not rupiah. Nothing was recorded."),
            ),
            GatewayError::UnknownStatus { found } => Msg::new(
                format!(
                    "Status transaksi \"{found}\" dari gateway tidak dikenal. Tidak ada yang dicatat."
                ),
                format!(
                    "The gateway's transaction status \"{found}\" is unknown. Nothing was recorded."
                ),
            ),
            GatewayError::BadOrderId { order_id } => Msg::new(
                format!(
                    "Nomor pesanan \"{order_id}\" tidak bisa dipakai di gateway: 1–50 huruf, angka, '-', '_', '~' atau '.', diawali huruf atau angka."
                ),
                format!(
                    "The order id \"{order_id}\" cannot be used with the gateway: 1–50 letters, digits, '-', '_', '~' or '.', starting with a letter or digit."
                ),
            ),
            GatewayError::NotPositive { amount } => Msg::new(
                format!("Tagihan harus lebih dari Rp 0 (diminta {amount})."),
                format!("A charge must be more than Rp 0 ({amount} was asked)."),
            ),
            GatewayError::Malformed { .. } => Msg::new(
                "Jawaban gateway pembayaran tidak bisa dibaca. Tidak ada yang dicatat; coba lagi nanti.",
                "The payment gateway's answer could not be read. Nothing was recorded; try again later.",
            ),
            GatewayError::Refused {
                status_code,
                message,
            } => Msg::new(
                format!("Gateway pembayaran menolak permintaan (kode {status_code}: {message})."),
                format!("The payment gateway refused the request (code {status_code}: {message})."),
            ),
            GatewayError::Network { .. } => Msg::new(
                "Gateway pembayaran tidak bisa dihubungi. Periksa koneksi internet lalu coba lagi.",
                "The payment gateway could not be reached. Check the internet connection and try again.",
            ),
        }
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// Reads an amount the gateway writes as a decimal string (`"10000.00"`) as whole rupiah.
///
/// Accepts ASCII digits, optionally followed by a dot and one or more zeros; refuses anything
/// else (a sign, a comma, an exponent, spaces, non-zero decimals, an overflow), because a
/// gateway amount we would have to round is an amount we did not ask for.
pub fn parse_gross_amount(s: &str) -> Result<Rupiah, GatewayError> {
    let bad = || GatewayError::BadAmount {
        found: s.to_string(),
    };
    let whole = match s.split_once('.') {
        Some((w, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => w,
        Some(_) => return Err(bad()),
        None => s,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    whole.parse::<i64>().map(Rupiah).map_err(|_| bad())
}

/// The Midtrans Core API, for QRIS.
///
/// Documented fields this adapter relies on, and where they are documented (Midtrans docs,
/// docs.midtrans.com, read in 2026):
/// - Charge, `POST {base}/v2/charge` ("QRIS" Core API reference, `reference-link/qris`, and
///   "GoPay QRIS POS Integration", `docs/gopay-qris-pos-integration`): request
///   `payment_type: "qris"`, `transaction_details.order_id` (String(50); allowed symbols
///   `-`, `_`, `~`, `.`; "transaction_details object") and `transaction_details.gross_amount`
///   (Long, "do not add decimal"), `qris.acquirer` (`"gopay"` or `"airpay shopee"`, default
///   gopay; "qris object"), and `custom_expiry.expiry_duration` + `unit` ("custom_expiry
///   object"; without `order_time` the expiry counts from the transaction time). Response:
///   `status_code` `"201"`, `status_message`, `transaction_id`, `order_id`, `gross_amount`
///   (`"789000.00"`), `transaction_status` `"pending"`, `actions[]` (`name`
///   `"generate-qr-code"`, `method`, `url`), `qr_string`, `acquirer`, and in newer answers
///   `expiry_time` (`"YYYY-MM-DD HH:MM:SS"`, Jakarta time).
/// - Status, `GET {base}/v2/{order_id}/status` ("Get Transaction Status",
///   `reference-link/get-transaction-status`; "GET Status API Requests"): the same fields as
///   the notification; an unknown order answers `status_code` `"404"`.
/// - HTTP notification ("HTTP(S) Notification / Webhooks", "Handle Notifications", and the
///   QRIS sample in the POS integration guide): `transaction_time`, `transaction_status`,
///   `transaction_id`, `status_message`, `status_code` (`"200"` settled, `"201"` pending,
///   `"202"` denied or expired), `signature_key`, `payment_type`, `order_id`, `merchant_id`,
///   `gross_amount` (string with two decimals), `fraud_status`, `currency`,
///   `settlement_time`, `issuer`, `acquirer`, `transaction_type`. Notifications may be sent
///   more than once ("implement notification in an idempotent way").
/// - Signature ("Receiving Notifications", "Handle Notifications"):
///   `SHA512(order_id + status_code + gross_amount + server_key)`, lower-case hex, over the
///   strings exactly as they appear in the notification.
/// - Statuses ("Transaction Status Cycle", "Get Transaction Status" handling sample):
///   `authorize`, `capture`, `settlement`, `pending`, `deny`, `cancel`, `expire`, `failure`,
///   `refund`, `partial_refund`, `chargeback`, `partial_chargeback`; `fraud_status`
///   `accept`, `challenge`, `deny`.
/// - Authorization ("API Authorization and Headers"): HTTP Basic, the server key as the user
///   name and an empty password; `Accept` and `Content-Type` `application/json`.
/// - Base URLs: sandbox `https://api.sandbox.midtrans.com`, production
///   `https://api.midtrans.com`.
pub mod midtrans {
    use serde::{Deserialize, Serialize};
    use sha2::{Digest, Sha512};
    use time::macros::{format_description, offset};
    use time::{OffsetDateTime, PrimitiveDateTime};

    use super::{GatewayError, GatewayStatus, GatewayUpdate, parse_gross_amount};
    use crate::money::Rupiah;

    /// The sandbox API (test keys start with `SB-Mid-server-`).
    pub const SANDBOX_BASE_URL: &str = "https://api.sandbox.midtrans.com";
    /// The production API.
    pub const PRODUCTION_BASE_URL: &str = "https://api.midtrans.com";
    /// QRIS acquired by GoPay (Midtrans' default).
    pub const ACQUIRER_GOPAY: &str = "gopay";
    /// QRIS acquired by ShopeePay.
    pub const ACQUIRER_SHOPEEPAY: &str = "airpay shopee";
    /// The longest order id Midtrans accepts.
    pub const MAX_ORDER_ID_LEN: usize = 50;

    /// The body of a QRIS charge request, field for field as documented.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ChargeRequest {
        /// Always `"qris"`.
        pub payment_type: String,
        pub transaction_details: TransactionDetails,
        pub qris: QrisOptions,
        /// Absent: the gateway's default expiry (15 minutes for GoPay).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub custom_expiry: Option<CustomExpiry>,
    }

    /// `transaction_details`: our order id and the amount, a JSON integer of rupiah.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct TransactionDetails {
        pub order_id: String,
        pub gross_amount: i64,
    }

    /// `qris`: which acquirer issues the code.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct QrisOptions {
        pub acquirer: String,
    }

    /// `custom_expiry`: how long the QR code can be paid.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CustomExpiry {
        pub expiry_duration: u32,
        /// Always `"minute"` here.
        pub unit: String,
    }

    /// Checks the API's base URL: `https://`, or plain `http://` to this machine only (the
    /// contract test's stand-in server), because every request carries the server key.
    pub fn check_base_url(url: &str) -> Result<(), GatewayError> {
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
        let local = loopback.iter().any(|l| {
            url.strip_prefix(l)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
        if url.starts_with("https://") || local {
            Ok(())
        } else {
            Err(GatewayError::InsecureBaseUrl {
                url: url.to_string(),
            })
        }
    }

    /// Checks an order id against the documented rule (String(50); letters, digits and the
    /// allowed symbols `-`, `_`, `~`, `.`). It must also start with a letter or a digit, so
    /// that it is a safe single path segment of the status URL (never `.` or `..`).
    pub fn check_order_id(order_id: &str) -> Result<(), GatewayError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~' | '.');
        let ok = order_id.len() <= MAX_ORDER_ID_LEN
            && order_id
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && order_id.chars().all(allowed);
        if ok {
            Ok(())
        } else {
            Err(GatewayError::BadOrderId {
                order_id: order_id.to_string(),
            })
        }
    }

    impl ChargeRequest {
        /// A QRIS charge of `amount` for `order_id`, issued by `acquirer`
        /// ([`ACQUIRER_GOPAY`] or [`ACQUIRER_SHOPEEPAY`]). Refuses an order id the gateway
        /// would refuse and an amount that is not positive.
        pub fn qris(
            order_id: &str,
            amount: Rupiah,
            acquirer: &str,
        ) -> Result<ChargeRequest, GatewayError> {
            check_order_id(order_id)?;
            if !amount.is_positive() {
                return Err(GatewayError::NotPositive { amount });
            }
            Ok(ChargeRequest {
                payment_type: "qris".to_string(),
                transaction_details: TransactionDetails {
                    order_id: order_id.to_string(),
                    gross_amount: amount.0,
                },
                qris: QrisOptions {
                    acquirer: acquirer.to_string(),
                },
                custom_expiry: None,
            })
        }

        /// The QR code can be paid for `minutes` minutes from the transaction time; `0` keeps
        /// the gateway's default. (Midtrans advises at least 15 minutes: its expiry job runs
        /// in batches.)
        pub fn expiring_after_minutes(mut self, minutes: u32) -> ChargeRequest {
            self.custom_expiry = (minutes > 0).then(|| CustomExpiry {
                expiry_duration: minutes,
                unit: "minute".to_string(),
            });
            self
        }

        /// The amount asked for.
        pub fn amount(&self) -> Rupiah {
            Rupiah(self.transaction_details.gross_amount)
        }

        pub fn order_id(&self) -> &str {
            &self.transaction_details.order_id
        }

        /// The JSON body to send.
        pub fn to_json(&self) -> Result<String, GatewayError> {
            serde_json::to_string(self).map_err(|e| GatewayError::Malformed {
                detail: e.to_string(),
            })
        }
    }

    /// One entry of a charge response's `actions`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Action {
        pub name: String,
        #[serde(default)]
        pub method: String,
        pub url: String,
    }

    /// A successful QRIS charge response. Unknown fields are ignored.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ChargeResponse {
        pub status_code: String,
        #[serde(default)]
        pub status_message: String,
        pub transaction_id: String,
        pub order_id: String,
        pub gross_amount: String,
        pub transaction_status: String,
        /// The QRIS payload to draw as a QR code.
        pub qr_string: String,
        #[serde(default)]
        pub actions: Vec<Action>,
        #[serde(default)]
        pub acquirer: Option<String>,
        #[serde(default)]
        pub expiry_time: Option<String>,
        #[serde(default)]
        pub transaction_time: Option<String>,
        #[serde(default)]
        pub currency: Option<String>,
        #[serde(default)]
        pub merchant_id: Option<String>,
        #[serde(default)]
        pub fraud_status: Option<String>,
        #[serde(default)]
        pub payment_type: Option<String>,
    }

    impl ChargeResponse {
        /// Reads a charge response body. A body whose `status_code` is not 2xx is the
        /// gateway's refusal ([`GatewayError::Refused`]), whatever the HTTP status was.
        pub fn from_json(body: &str) -> Result<ChargeResponse, GatewayError> {
            check_body_status(body)?;
            serde_json::from_str(body).map_err(malformed)
        }

        /// Checks that the gateway created what we asked for: our order id, our amount, and a
        /// pending transaction with a QR code. Anything else is not shown to a payer.
        pub fn check_against(&self, request: &ChargeRequest) -> Result<(), GatewayError> {
            if self.order_id != request.order_id() {
                return Err(GatewayError::UnknownOrder {
                    order_id: self.order_id.clone(),
                });
            }
            let amount = parse_gross_amount(&self.gross_amount)?;
            if amount != request.amount() {
                return Err(GatewayError::AmountMismatch {
                    expected: request.amount(),
                    received: amount,
                });
            }
            if self.qr_string.trim().is_empty() {
                return Err(GatewayError::Malformed {
                    detail: "charge response without qr_string".to_string(),
                });
            }
            match map_status(&self.transaction_status, self.fraud_status.as_deref())? {
                GatewayStatus::Pending => Ok(()),
                _ => Err(GatewayError::Refused {
                    status_code: self.status_code.clone(),
                    message: format!("transaction_status {}", self.transaction_status),
                }),
            }
        }

        /// The URL of the QR code image (`actions[]` entry `generate-qr-code`).
        pub fn qr_image_url(&self) -> Option<&str> {
            self.actions
                .iter()
                .find(|a| a.name == "generate-qr-code")
                .map(|a| a.url.as_str())
        }

        /// When the QR code stops being payable, if the gateway said so.
        pub fn expires_at(&self) -> Option<OffsetDateTime> {
            self.expiry_time.as_deref().and_then(parse_jakarta_time)
        }
    }

    /// Reads Midtrans' `YYYY-MM-DD HH:MM:SS`, which is Jakarta time (WIB, UTC+7) without an
    /// offset (the docs state GMT+7 for `custom_expiry.order_time`; the samples agree).
    pub fn parse_jakarta_time(s: &str) -> Option<OffsetDateTime> {
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        PrimitiveDateTime::parse(s, format)
            .ok()
            .map(|t| t.assume_offset(offset!(+7)))
    }

    /// An HTTP notification, or a status response (the same shape). Unknown fields are
    /// ignored, so that fields Midtrans adds later do not break payments.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Notification {
        pub order_id: String,
        pub status_code: String,
        /// A decimal string, e.g. `"10000.00"`; signed exactly as written.
        pub gross_amount: String,
        pub transaction_status: String,
        pub transaction_id: String,
        /// Absent from some status responses; a notification without it never verifies.
        #[serde(default)]
        pub signature_key: String,
        #[serde(default)]
        pub fraud_status: Option<String>,
        #[serde(default)]
        pub status_message: Option<String>,
        #[serde(default)]
        pub payment_type: Option<String>,
        #[serde(default)]
        pub transaction_time: Option<String>,
        #[serde(default)]
        pub settlement_time: Option<String>,
        #[serde(default)]
        pub expiry_time: Option<String>,
        #[serde(default)]
        pub merchant_id: Option<String>,
        #[serde(default)]
        pub currency: Option<String>,
        #[serde(default)]
        pub issuer: Option<String>,
        #[serde(default)]
        pub acquirer: Option<String>,
        #[serde(default)]
        pub transaction_type: Option<String>,
    }

    impl Notification {
        /// Reads a notification body.
        pub fn from_json(body: &str) -> Result<Notification, GatewayError> {
            serde_json::from_str(body).map_err(malformed)
        }

        /// Reads a status response body. A body that reports a transaction is read as one,
        /// whatever its `status_code` (an expired transaction may carry a 4xx code); a body
        /// without a transaction and a non-2xx `status_code` (`"404"`: no such order) is the
        /// gateway's refusal.
        pub fn from_status_json(body: &str) -> Result<Notification, GatewayError> {
            let envelope: Envelope = serde_json::from_str(body).map_err(malformed)?;
            if envelope.transaction_status.is_none() {
                check_body_status(body)?;
            }
            Notification::from_json(body)
        }

        /// Our view of the status (see [`map_status`]).
        pub fn status(&self) -> Result<GatewayStatus, GatewayError> {
            map_status(&self.transaction_status, self.fraud_status.as_deref())
        }

        /// The amount in whole rupiah.
        pub fn amount(&self) -> Result<Rupiah, GatewayError> {
            parse_gross_amount(&self.gross_amount)
        }

        /// The update this answer to *our own* authenticated status request carries. Never
        /// use it on a notification that arrived at the callback URL: use
        /// [`verified_update`], which checks the signature first.
        pub fn update_from_status_poll(&self) -> Result<GatewayUpdate, GatewayError> {
            if let Some(c) = self.currency.as_deref()
                && c != "IDR"
            {
                return Err(GatewayError::WrongCurrency {
                    found: c.to_string(),
                });
            }
            Ok(GatewayUpdate {
                order_id: self.order_id.clone(),
                transaction_id: self.transaction_id.clone(),
                amount: self.amount()?,
                status: self.status()?,
            })
        }
    }

    /// The update a notification carries, once its signature is checked with the server key
    /// of the coop whose callback URL it arrived on.
    pub fn verified_update(
        notification: &Notification,
        server_key: &str,
    ) -> Result<GatewayUpdate, GatewayError> {
        verify_signature(notification, server_key)?;
        notification.update_from_status_poll()
    }

    /// The signature Midtrans puts on a notification: lower-case hex of
    /// `SHA512(order_id + status_code + gross_amount + server_key)`.
    pub fn signature(
        order_id: &str,
        status_code: &str,
        gross_amount: &str,
        server_key: &str,
    ) -> String {
        to_hex(&digest(order_id, status_code, gross_amount, server_key))
    }

    /// Checks a notification's `signature_key`; the comparison takes the same time wherever
    /// the first difference is, so that a forger learns nothing from timing. An empty server
    /// key never verifies anything.
    pub fn verify_signature(
        notification: &Notification,
        server_key: &str,
    ) -> Result<(), GatewayError> {
        if server_key.is_empty() {
            return Err(GatewayError::NotConfigured);
        }
        let expected = digest(
            &notification.order_id,
            &notification.status_code,
            &notification.gross_amount,
            server_key,
        );
        match from_hex(&notification.signature_key) {
            Some(received) if constant_time_eq(&expected, &received) => Ok(()),
            _ => Err(GatewayError::InvalidSignature),
        }
    }

    /// Our status for Midtrans' `transaction_status` and `fraud_status`:
    ///
    /// | transaction_status | fraud_status | ours |
    /// |---|---|---|
    /// | `pending`, `authorize` | any | Pending |
    /// | `capture` | `accept` | Paid |
    /// | `capture` | `deny` | Failed |
    /// | `capture` | `challenge`, absent, other | Pending (the fraud check holds it; a later notification settles it) |
    /// | `settlement` | any | Paid |
    /// | `expire` | any | Expired |
    /// | `cancel` | any | Cancelled |
    /// | `deny`, `failure` | any | Failed |
    /// | `refund`, `partial_refund`, `chargeback`, `partial_chargeback` | any | Refunded |
    /// | anything else | | error [`GatewayError::UnknownStatus`] |
    pub fn map_status(
        transaction_status: &str,
        fraud_status: Option<&str>,
    ) -> Result<GatewayStatus, GatewayError> {
        Ok(match transaction_status {
            "pending" | "authorize" => GatewayStatus::Pending,
            "capture" => match fraud_status {
                Some("accept") => GatewayStatus::Paid,
                Some("deny") => GatewayStatus::Failed,
                _ => GatewayStatus::Pending,
            },
            "settlement" => GatewayStatus::Paid,
            "expire" => GatewayStatus::Expired,
            "cancel" => GatewayStatus::Cancelled,
            "deny" | "failure" => GatewayStatus::Failed,
            "refund" | "partial_refund" | "chargeback" | "partial_chargeback" => {
                GatewayStatus::Refunded
            }
            other => {
                return Err(GatewayError::UnknownStatus {
                    found: other.to_string(),
                });
            }
        })
    }

    /// The error for an answer that is not a success: the body's `status_code` and
    /// `status_message` when it has them (Midtrans' error shape, with `error_messages` or
    /// `validation_messages` for details), else the HTTP status and the start of the body.
    pub fn refusal(http_status: u16, body: &str) -> GatewayError {
        match serde_json::from_str::<Envelope>(body) {
            Ok(e) if e.status_code.is_some() => e.refusal(),
            _ => GatewayError::Refused {
                status_code: http_status.to_string(),
                message: body.chars().take(200).collect(),
            },
        }
    }

    /// Refuses a body whose `status_code` is present and not 2xx.
    fn check_body_status(body: &str) -> Result<(), GatewayError> {
        let envelope: Envelope = serde_json::from_str(body).map_err(malformed)?;
        match envelope.status_code.as_deref() {
            Some(code) if !code.starts_with('2') => Err(envelope.refusal()),
            _ => Ok(()),
        }
    }

    /// The fields every Midtrans answer may carry, success or not.
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(default)]
        status_code: Option<String>,
        #[serde(default)]
        status_message: Option<String>,
        #[serde(default)]
        transaction_status: Option<String>,
        #[serde(default)]
        error_messages: Vec<String>,
        #[serde(default)]
        validation_messages: Vec<String>,
    }

    impl Envelope {
        fn refusal(self) -> GatewayError {
            let mut message = self.status_message.unwrap_or_default();
            for detail in self.error_messages.iter().chain(&self.validation_messages) {
                if !message.is_empty() {
                    message.push_str("; ");
                }
                message.push_str(detail);
            }
            GatewayError::Refused {
                status_code: self.status_code.unwrap_or_default(),
                message,
            }
        }
    }

    fn malformed(e: serde_json::Error) -> GatewayError {
        GatewayError::Malformed {
            detail: e.to_string(),
        }
    }

    fn digest(order_id: &str, status_code: &str, gross_amount: &str, server_key: &str) -> Vec<u8> {
        let mut h = Sha512::new();
        h.update(order_id.as_bytes());
        h.update(status_code.as_bytes());
        h.update(gross_amount.as_bytes());
        h.update(server_key.as_bytes());
        h.finalize().to_vec()
    }

    fn to_hex(bytes: &[u8]) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }

    /// Hex (either case) to bytes; `None` for an odd length or a non-hex character.
    fn from_hex(s: &str) -> Option<Vec<u8>> {
        let nibble = |c: u8| {
            char::from(c)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        };
        let bytes = s.as_bytes();
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
        bytes
            .chunks(2)
            .map(|pair| match pair {
                [high, low] => Some(nibble(*high)? << 4 | nibble(*low)?),
                _ => None,
            })
            .collect()
    }

    /// Equality whose time depends on the lengths only, not on where the bytes differ.
    fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
        std::hint::black_box(diff) == 0
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn hex_round_trip() {
            let bytes = [0x00, 0x0f, 0xa5, 0xff];
            assert_eq!(to_hex(&bytes), "000fa5ff");
            assert_eq!(from_hex("000FA5ff"), Some(bytes.to_vec()));
            assert_eq!(from_hex("abc"), None);
            assert_eq!(from_hex("zz"), None);
            assert_eq!(from_hex(""), Some(vec![]));
        }

        #[test]
        fn constant_time_eq_compares() {
            assert!(constant_time_eq(b"abc", b"abc"));
            assert!(!constant_time_eq(b"abc", b"abd"));
            assert!(!constant_time_eq(b"abc", b"ab"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::midtrans::*;
    use super::*;

    /// The documented QRIS charge response ("GoPay QRIS POS Integration").
    const CHARGE_RESPONSE: &str = r#"{
        "status_code": "201",
        "status_message": "QRIS transaction is created",
        "transaction_id": "1015a919-b03f-450a-bc85-b38202a79a96",
        "order_id": "order102",
        "merchant_id": "G490526303",
        "gross_amount": "789000.00",
        "currency": "IDR",
        "payment_type": "qris",
        "transaction_time": "2021-06-23 15:25:24",
        "transaction_status": "pending",
        "fraud_status": "accept",
        "actions": [
            {
                "name": "generate-qr-code",
                "method": "GET",
                "url": "https://api.midtrans.com/v2/qris/1015a919-b03f-450a-bc85-b38202a79a96/qr-code"
            }
        ],
        "qr_string": "00020101021226620014COM.GO-JEK.WWW011993600914349052630340210G4905263030303UKE51440014ID.CO.QRIS.WWW0215AID0607336128660303UKE5204341453033605802ID5904Test6007BANDUNG6105402845409789000.0062475036c032f87c-f773-4619-aefa-675e1f06f9210703A016304A623",
        "acquirer": "gopay"
    }"#;

    /// The documented QRIS settlement notification (same guide). Its signature was made with
    /// a server key the docs do not give, so the tests re-sign it with their own key.
    const NOTIFICATION: &str = r#"{
        "transaction_type": "on-us",
        "transaction_time": "2021-06-23 15:45:42",
        "transaction_status": "settlement",
        "transaction_id": "1015a919-b03f-450a-bc85-b38202a79a96",
        "status_message": "midtrans payment notification",
        "status_code": "200",
        "signature_key": "5d40504728eb96686bd5926299768a6496547f70dbd1e19d583ef4e780fe9dd5c38d0db45ec0f06dafa5c56caa6cf8358ead1523882b5fb3e102c52345d41850",
        "settlement_time": "2021-06-23 15:46:00",
        "payment_type": "qris",
        "order_id": "order102",
        "merchant_id": "G490526303",
        "issuer": "gopay",
        "gross_amount": "789000.00",
        "fraud_status": "accept",
        "currency": "IDR",
        "acquirer": "gopay"
    }"#;

    const KEY: &str = "SB-Mid-server-TEST-guyub-0001";
    /// `printf '%s' 'order102200789000.00SB-Mid-server-TEST-guyub-0001' | sha512sum`
    const SIGNED_WITH_KEY: &str = "3ba4dd8ce02263e09555ae5a5d3a8f0d67b35bc40936b238fbc513d5460a229bfcd4e7a1df9af1a11fac6396c3440c2c8ba060df97d300d1842c9b0112e6bc3a";

    fn notification_signed() -> Notification {
        let mut n = Notification::from_json(NOTIFICATION).expect("documented sample parses");
        n.signature_key = SIGNED_WITH_KEY.to_string();
        n
    }

    fn record(status: GatewayStatus) -> ChargeRecord {
        ChargeRecord {
            order_id: "order102".to_string(),
            amount: Rupiah(789_000),
            status,
        }
    }

    #[test]
    fn signature_of_the_documented_php_example() {
        // Inputs of the PHP sample in "Receiving Notifications"; the expected value from
        // `printf '%s' '1111200100000.00askvnoibnosifnboseofinbofinfgbiufglnbfg' | sha512sum`.
        assert_eq!(
            signature(
                "1111",
                "200",
                "100000.00",
                "askvnoibnosifnboseofinbofinfgbiufglnbfg"
            ),
            "edc076b21793ebe3e17926350f5b8ae67d902fe657b3d0aa31b932d5c127e2375d308a2bc94f3265ac2d80a1f181a79b997ac178a236fcff35af263fc4d4c231"
        );
    }

    #[test]
    fn signature_matches_an_independent_sha512() {
        use sha2::{Digest, Sha512};
        let independent: String =
            Sha512::digest(b"order102200789000.00SB-Mid-server-TEST-guyub-0001")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
        assert_eq!(independent, SIGNED_WITH_KEY);
        assert_eq!(
            signature("order102", "200", "789000.00", KEY),
            SIGNED_WITH_KEY
        );
    }

    #[test]
    fn genuine_notification_verifies_in_either_hex_case() {
        let mut n = notification_signed();
        assert_eq!(verify_signature(&n, KEY), Ok(()));
        n.signature_key = n.signature_key.to_uppercase();
        assert_eq!(verify_signature(&n, KEY), Ok(()));
    }

    #[test]
    fn forged_notifications_are_refused() {
        // The documented sample was signed with Midtrans' own test key, not ours.
        let sample = Notification::from_json(NOTIFICATION).expect("parses");
        assert_eq!(
            verify_signature(&sample, KEY),
            Err(GatewayError::InvalidSignature)
        );

        let tampered = |f: fn(&mut Notification)| {
            let mut n = notification_signed();
            f(&mut n);
            verify_signature(&n, KEY)
        };
        let refused = Err(GatewayError::InvalidSignature);
        assert_eq!(tampered(|n| n.gross_amount = "1.00".into()), refused);
        assert_eq!(tampered(|n| n.order_id = "order103".into()), refused);
        assert_eq!(tampered(|n| n.status_code = "201".into()), refused);
        assert_eq!(tampered(|n| n.signature_key.clear()), refused);
        assert_eq!(tampered(|n| n.signature_key.truncate(127)), refused);
        assert_eq!(
            tampered(|n| n.signature_key.replace_range(0..1, "x")),
            refused
        );
        // Another coop's key does not verify this coop's notification.
        let n = notification_signed();
        assert_eq!(verify_signature(&n, "SB-Mid-server-OTHER"), refused);
        assert_eq!(verify_signature(&n, ""), Err(GatewayError::NotConfigured));
        assert_eq!(
            verified_update(&notification_signed(), "SB-Mid-server-OTHER"),
            Err(GatewayError::InvalidSignature)
        );
    }

    #[test]
    fn documented_notification_parses() {
        let n = notification_signed();
        assert_eq!(n.order_id, "order102");
        assert_eq!(n.status_code, "200");
        assert_eq!(n.transaction_id, "1015a919-b03f-450a-bc85-b38202a79a96");
        assert_eq!(n.fraud_status.as_deref(), Some("accept"));
        assert_eq!(n.issuer.as_deref(), Some("gopay"));
        assert_eq!(n.acquirer.as_deref(), Some("gopay"));
        assert_eq!(n.settlement_time.as_deref(), Some("2021-06-23 15:46:00"));
        assert_eq!(n.transaction_type.as_deref(), Some("on-us"));
        assert_eq!(
            verified_update(&n, KEY),
            Ok(GatewayUpdate {
                order_id: "order102".into(),
                transaction_id: "1015a919-b03f-450a-bc85-b38202a79a96".into(),
                amount: Rupiah(789_000),
                status: GatewayStatus::Paid,
            })
        );
    }

    #[test]
    fn notification_tolerates_unknown_fields_and_refuses_missing_ones() {
        let extra = NOTIFICATION.replacen('{', r#"{"new_field": {"nested": [1, 2]},"#, 1);
        assert!(Notification::from_json(&extra).is_ok());
        let missing = NOTIFICATION.replace(r#""order_id": "order102","#, "");
        assert!(matches!(
            Notification::from_json(&missing),
            Err(GatewayError::Malformed { .. })
        ));
        assert!(matches!(
            Notification::from_json("not json"),
            Err(GatewayError::Malformed { .. })
        ));
        // An amount written as a JSON number is not the documented shape.
        let number = NOTIFICATION.replace(r#""789000.00""#, "789000");
        assert!(matches!(
            Notification::from_json(&number),
            Err(GatewayError::Malformed { .. })
        ));
    }

    #[test]
    fn foreign_currency_is_refused() {
        let mut n = notification_signed();
        n.currency = Some("USD".into());
        assert_eq!(
            verified_update(&n, KEY),
            Err(GatewayError::WrongCurrency {
                found: "USD".into()
            })
        );
    }

    #[test]
    fn every_status_maps() {
        use GatewayStatus::*;
        let cases = [
            ("pending", None, Pending),
            ("authorize", None, Pending),
            ("capture", Some("accept"), Paid),
            ("capture", Some("challenge"), Pending),
            ("capture", Some("deny"), Failed),
            ("capture", None, Pending),
            ("settlement", Some("accept"), Paid),
            ("settlement", None, Paid),
            ("expire", Some("accept"), Expired),
            ("cancel", None, Cancelled),
            ("deny", None, Failed),
            ("failure", None, Failed),
            ("refund", None, Refunded),
            ("partial_refund", None, Refunded),
            ("chargeback", None, Refunded),
            ("partial_chargeback", None, Refunded),
        ];
        for (status, fraud, ours) in cases {
            assert_eq!(map_status(status, fraud), Ok(ours), "{status} {fraud:?}");
        }
        assert_eq!(
            map_status("Settlement", None),
            Err(GatewayError::UnknownStatus {
                found: "Settlement".into()
            })
        );
        assert!(map_status("", None).is_err());
    }

    #[test]
    fn status_codes_round_trip() {
        for s in GatewayStatus::ALL {
            assert_eq!(GatewayStatus::from_code(s.code()), Some(s));
            assert!(!s.msg().id.is_empty() && !s.msg().en.is_empty());
        }
        assert_eq!(GatewayStatus::from_code("lunas"), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_gross_amount("10000.00"), Ok(Rupiah(10_000)));
        assert_eq!(parse_gross_amount("10000"), Ok(Rupiah(10_000)));
        assert_eq!(parse_gross_amount("10000.0"), Ok(Rupiah(10_000)));
        assert_eq!(parse_gross_amount("0.00"), Ok(Rupiah(0)));
        assert_eq!(
            parse_gross_amount("9223372036854775807.00"),
            Ok(Rupiah(i64::MAX))
        );
        for bad in [
            "",
            ".00",
            "10000.",
            "10000.50",
            "10000.01",
            "-10000.00",
            "+10000",
            "1e4",
            "10,000.00",
            "10.000,00",
            "10000.00.00",
            " 10000.00",
            "10000.00 ",
            "Rp 10000",
            "9223372036854775808",
            "１０",
        ] {
            assert_eq!(
                parse_gross_amount(bad),
                Err(GatewayError::BadAmount { found: bad.into() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn charge_request_is_the_documented_body() {
        let req = ChargeRequest::qris("GYB-0195-a1", Rupiah(275_000), ACQUIRER_GOPAY)
            .expect("valid")
            .expiring_after_minutes(15);
        let json: serde_json::Value =
            serde_json::from_str(&req.to_json().expect("serializes")).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "payment_type": "qris",
                "transaction_details": { "order_id": "GYB-0195-a1", "gross_amount": 275000 },
                "qris": { "acquirer": "gopay" },
                "custom_expiry": { "expiry_duration": 15, "unit": "minute" }
            })
        );
        let default_expiry = ChargeRequest::qris("A1", Rupiah(1), ACQUIRER_SHOPEEPAY)
            .expect("valid")
            .expiring_after_minutes(0);
        let json: serde_json::Value =
            serde_json::from_str(&default_expiry.to_json().expect("ok")).expect("json");
        assert_eq!(json["qris"]["acquirer"], "airpay shopee");
        assert!(json.get("custom_expiry").is_none());
    }

    #[test]
    fn charge_request_refuses_what_the_gateway_would() {
        for bad in [
            "",
            "-abc",
            ".",
            "..",
            "a b",
            "a/b",
            "a#1",
            "ünï",
            &"x".repeat(51),
        ] {
            assert_eq!(
                ChargeRequest::qris(bad, Rupiah(1), ACQUIRER_GOPAY),
                Err(GatewayError::BadOrderId {
                    order_id: bad.to_string()
                }),
                "{bad:?}"
            );
        }
        assert!(ChargeRequest::qris(&"x".repeat(50), Rupiah(1), ACQUIRER_GOPAY).is_ok());
        assert!(ChargeRequest::qris("a-b_c~d.e", Rupiah(1), ACQUIRER_GOPAY).is_ok());
        for amount in [Rupiah(0), Rupiah(-5)] {
            assert_eq!(
                ChargeRequest::qris("A1", amount, ACQUIRER_GOPAY),
                Err(GatewayError::NotPositive { amount })
            );
        }
    }

    #[test]
    fn documented_charge_response_parses_and_matches_the_request() {
        let r = ChargeResponse::from_json(CHARGE_RESPONSE).expect("parses");
        assert_eq!(r.status_code, "201");
        assert_eq!(r.transaction_id, "1015a919-b03f-450a-bc85-b38202a79a96");
        assert_eq!(r.transaction_status, "pending");
        assert!(r.qr_string.starts_with("000201010212"));
        assert_eq!(r.acquirer.as_deref(), Some("gopay"));
        assert_eq!(
            r.qr_image_url(),
            Some("https://api.midtrans.com/v2/qris/1015a919-b03f-450a-bc85-b38202a79a96/qr-code")
        );
        assert_eq!(r.expires_at(), None);

        let req = ChargeRequest::qris("order102", Rupiah(789_000), ACQUIRER_GOPAY).expect("ok");
        assert_eq!(r.check_against(&req), Ok(()));
        let other_amount =
            ChargeRequest::qris("order102", Rupiah(789_001), ACQUIRER_GOPAY).expect("ok");
        assert_eq!(
            r.check_against(&other_amount),
            Err(GatewayError::AmountMismatch {
                expected: Rupiah(789_001),
                received: Rupiah(789_000)
            })
        );
        let other_order =
            ChargeRequest::qris("order103", Rupiah(789_000), ACQUIRER_GOPAY).expect("ok");
        assert!(matches!(
            r.check_against(&other_order),
            Err(GatewayError::UnknownOrder { .. })
        ));
    }

    #[test]
    fn expiry_time_is_jakarta_time() {
        let body = CHARGE_RESPONSE.replacen('{', r#"{"expiry_time": "2021-06-23 15:40:24","#, 1);
        let r = ChargeResponse::from_json(&body).expect("parses");
        let at = r.expires_at().expect("has expiry");
        assert_eq!(at.offset(), time::macros::offset!(+7));
        assert_eq!(at, time::macros::datetime!(2021-06-23 08:40:24 UTC));
        assert_eq!(parse_jakarta_time("2021-06-23T15:40:24Z"), None);
    }

    #[test]
    fn refusals_in_the_body_are_errors() {
        let refused = r#"{"status_code":"406","status_message":"Duplicate order ID. order_id has already been utilized previously."}"#;
        assert_eq!(
            ChargeResponse::from_json(refused),
            Err(GatewayError::Refused {
                status_code: "406".into(),
                message: "Duplicate order ID. order_id has already been utilized previously."
                    .into()
            })
        );
        let invalid = r#"{"status_code":"400","status_message":"One or more parameters in the payload is invalid.","validation_messages":["transaction_details.gross_amount is not equal to the sum of item_details"]}"#;
        match ChargeResponse::from_json(invalid) {
            Err(GatewayError::Refused {
                status_code,
                message,
            }) => {
                assert_eq!(status_code, "400");
                assert!(message.contains("gross_amount is not equal"));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(matches!(
            ChargeResponse::from_json("<html>502 Bad Gateway</html>"),
            Err(GatewayError::Malformed { .. })
        ));
        assert_eq!(
            refusal(502, "<html>502 Bad Gateway</html>"),
            GatewayError::Refused {
                status_code: "502".into(),
                message: "<html>502 Bad Gateway</html>".into()
            }
        );
        assert_eq!(
            refusal(
                401,
                r#"{"status_code":"401","error_messages":["Access denied, please check client or server key"]}"#
            ),
            GatewayError::Refused {
                status_code: "401".into(),
                message: "Access denied, please check client or server key".into()
            }
        );
        // A charge answered "pending" is the only success.
        let denied = CHARGE_RESPONSE
            .replace(
                r#""transaction_status": "pending""#,
                r#""transaction_status": "deny""#,
            )
            .replace(r#""status_code": "201""#, r#""status_code": "202""#);
        let r = ChargeResponse::from_json(&denied).expect("parses");
        let req = ChargeRequest::qris("order102", Rupiah(789_000), ACQUIRER_GOPAY).expect("ok");
        assert!(matches!(
            r.check_against(&req),
            Err(GatewayError::Refused { .. })
        ));
    }

    #[test]
    fn status_responses() {
        let pending = NOTIFICATION
            .replace(r#""settlement""#, r#""pending""#)
            .replace(r#""status_code": "200""#, r#""status_code": "201""#);
        let n = Notification::from_status_json(&pending).expect("parses");
        assert_eq!(n.status(), Ok(GatewayStatus::Pending));
        assert_eq!(
            n.update_from_status_poll().map(|u| u.status),
            Ok(GatewayStatus::Pending)
        );
        // An expired transaction is a transaction, whatever its code.
        let expired = NOTIFICATION
            .replace(r#""settlement""#, r#""expire""#)
            .replace(r#""status_code": "200""#, r#""status_code": "407""#);
        let n = Notification::from_status_json(&expired).expect("parses");
        assert_eq!(n.status(), Ok(GatewayStatus::Expired));
        let missing = r#"{"status_code":"404","status_message":"Transaction doesn't exist."}"#;
        assert_eq!(
            Notification::from_status_json(missing),
            Err(GatewayError::Refused {
                status_code: "404".into(),
                message: "Transaction doesn't exist.".into()
            })
        );
    }

    #[test]
    fn reconcile_records_changes_once() {
        use GatewayStatus::*;
        let update = verified_update(&notification_signed(), KEY).expect("genuine");
        assert_eq!(
            reconcile(Some(&record(Pending)), &update),
            Ok(Outcome::Record {
                from: Pending,
                to: Paid
            })
        );
        // The same notification again, after it was recorded: nothing to write.
        assert_eq!(
            reconcile(Some(&record(Paid)), &update),
            Ok(Outcome::AlreadyRecorded)
        );
        // A late "pending" after "paid", or a payment after expiry: nothing to write.
        let late_pending = GatewayUpdate {
            status: Pending,
            ..update.clone()
        };
        assert_eq!(
            reconcile(Some(&record(Paid)), &late_pending),
            Ok(Outcome::Ignored {
                recorded: Paid,
                received: Pending
            })
        );
        assert_eq!(
            reconcile(Some(&record(Expired)), &update),
            Ok(Outcome::Ignored {
                recorded: Expired,
                received: Paid
            })
        );
        let refund = GatewayUpdate {
            status: Refunded,
            ..update.clone()
        };
        assert_eq!(
            reconcile(Some(&record(Paid)), &refund),
            Ok(Outcome::Record {
                from: Paid,
                to: Refunded
            })
        );
    }

    #[test]
    fn reconcile_refuses_strangers_and_wrong_amounts() {
        let update = verified_update(&notification_signed(), KEY).expect("genuine");
        // Not found in this coop (another coop's order, or none at all).
        assert_eq!(
            reconcile(None, &update),
            Err(GatewayError::UnknownOrder {
                order_id: "order102".into()
            })
        );
        let other = ChargeRecord {
            order_id: "order999".into(),
            ..record(GatewayStatus::Pending)
        };
        assert!(matches!(
            reconcile(Some(&other), &update),
            Err(GatewayError::UnknownOrder { .. })
        ));
        let cheaper = ChargeRecord {
            amount: Rupiah(1_000),
            ..record(GatewayStatus::Pending)
        };
        assert_eq!(
            reconcile(Some(&cheaper), &update),
            Err(GatewayError::AmountMismatch {
                expected: Rupiah(1_000),
                received: Rupiah(789_000)
            })
        );
    }

    #[test]
    fn life_cycle() {
        use GatewayStatus::*;
        for s in GatewayStatus::ALL {
            assert!(!s.can_become(Pending), "{s:?} -> Pending");
            assert_eq!(Pending.can_become(s), s != Pending);
        }
        assert!(Paid.can_become(Refunded));
        assert!(!Paid.can_become(Expired));
        assert!(!Expired.can_become(Paid));
        assert!(!Refunded.can_become(Paid));
    }

    #[test]
    fn base_urls() {
        assert_eq!(check_base_url(SANDBOX_BASE_URL), Ok(()));
        assert_eq!(check_base_url(PRODUCTION_BASE_URL), Ok(()));
        assert_eq!(check_base_url("http://127.0.0.1:40123"), Ok(()));
        assert_eq!(check_base_url("http://localhost/"), Ok(()));
        for bad in [
            "http://api.midtrans.com",
            "http://127.0.0.1.evil.example",
            "http://localhost.example:80",
            "ftp://api.midtrans.com",
            "",
        ] {
            assert_eq!(
                check_base_url(bad),
                Err(GatewayError::InsecureBaseUrl { url: bad.into() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_error_has_both_languages() {
        let errors = [
            GatewayError::NotConfigured,
            GatewayError::InsecureBaseUrl {
                url: "http://x".into(),
            },
            GatewayError::InvalidSignature,
            GatewayError::UnknownOrder {
                order_id: "A1".into(),
            },
            GatewayError::AmountMismatch {
                expected: Rupiah(10_000),
                received: Rupiah(1_000),
            },
            GatewayError::BadAmount {
                found: "1.5".into(),
            },
            GatewayError::WrongCurrency {
                found: "USD".into(),
            },
            GatewayError::UnknownStatus { found: "x".into() },
            GatewayError::BadOrderId {
                order_id: "a b".into(),
            },
            GatewayError::NotPositive { amount: Rupiah(0) },
            GatewayError::Malformed {
                detail: "eof".into(),
            },
            GatewayError::Refused {
                status_code: "401".into(),
                message: "denied".into(),
            },
            GatewayError::Network {
                detail: "refused".into(),
            },
        ];
        for e in errors {
            let m = e.msg();
            assert!(
                !m.id.is_empty() && !m.en.is_empty() && m.id != m.en,
                "{e:?}"
            );
        }
        let m = GatewayError::InvalidSignature.msg();
        assert!(m.id.starts_with("Tanda tangan notifikasi tidak sah"));
        assert!(m.en.starts_with("The notification signature is invalid"));
        let m = GatewayError::AmountMismatch {
            expected: Rupiah(10_000),
            received: Rupiah(1_000),
        }
        .msg();
        assert!(m.id.contains("Rp 1.000") && m.id.contains("Rp 10.000"));
    }
}
