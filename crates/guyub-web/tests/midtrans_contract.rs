//! Contract test of the Midtrans adapter against a local stand-in for the Midtrans Core API.
//!
//! The stand-in (axum on 127.0.0.1, port chosen by the OS) serves `POST /v2/charge` and
//! `GET /v2/{order_id}/status` with the request and response shapes of the Midtrans docs
//! ("QRIS" Core API reference, "GoPay QRIS POS Integration", "Get Transaction Status"), checks
//! what the client sends (HTTP Basic with the server key and an empty password, JSON headers,
//! the documented body fields) and signs notifications the documented way, computed here with
//! sha2 directly rather than with the adapter's own function.
//!
//! Order ids choose how the stand-in misbehaves: `http500-…` answers a bare HTTP 500,
//! `dup-…` an HTTP 200 whose body says `"406"`, `bad-…` the documented HTTP 400 validation
//! error, `half-…` a charge of half the amount, `slow-…` answers after two seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use guyub_core::money::Rupiah;
use guyub_core::payment::gateway::midtrans::{self, Notification, verified_update};
use guyub_core::payment::gateway::{ChargeRecord, GatewayError, GatewayStatus, Outcome, reconcile};
use guyub_web::gateway::{MidtransClient, MidtransConfig};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

const KEY: &str = "SB-Mid-server-contract-test-key";
const OTHER_COOP_KEY: &str = "SB-Mid-server-another-coop";
/// The documented sample's QRIS payload.
const QR_STRING: &str = "00020101021226620014COM.GO-JEK.WWW011993600914349052630340210G4905263030303UKE51440014ID.CO.QRIS.WWW0215AID0607336128660303UKE5204341453033605802ID5904Test6007BANDUNG6105402845409789000.0062475036c032f87c-f773-4619-aefa-675e1f06f9210703A016304A623";

/// One transaction the stand-in knows.
#[derive(Clone)]
struct Txn {
    amount: i64,
    transaction_id: String,
    status: &'static str,
}

#[derive(Default)]
struct Gateway {
    txns: HashMap<String, Txn>,
    /// Every charge body received, as JSON.
    charges: Vec<Value>,
    /// Every `X-Override-Notification` header received.
    notification_urls: Vec<String>,
}

type Shared = Arc<Mutex<Gateway>>;

fn lock(g: &Shared) -> std::sync::MutexGuard<'_, Gateway> {
    g.lock().unwrap_or_else(|e| e.into_inner())
}

async fn start_stand_in() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route("/v2/charge", post(charge))
        .route("/v2/{order_id}/status", get(status))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the stand-in");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), state)
}

fn client(base_url: &str, key: &str) -> MidtransClient {
    let config = MidtransConfig::from_key(Some(key), base_url, midtrans::ACQUIRER_GOPAY)
        .expect("a key is configured");
    MidtransClient::new(config).expect("client")
}

fn midtrans_json(http: StatusCode, body: Value) -> Response {
    (
        http,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The stand-in's refusal of a request that breaks the contract, in Midtrans' error shape.
fn contract_broken(what: &str) -> Response {
    midtrans_json(
        StatusCode::BAD_REQUEST,
        json!({ "status_code": "400", "status_message": format!("stand-in: {what}") }),
    )
}

/// Checks the documented headers: Basic auth with the server key and an empty password, JSON
/// in and out. The refusal to send back if they are wrong.
fn header_refusal(headers: &HeaderMap, with_body: bool) -> Option<Response> {
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("{KEY}:")));
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth != Some(expected_auth.as_str()) {
        return Some(midtrans_json(
            StatusCode::UNAUTHORIZED,
            json!({
                "status_code": "401",
                "status_message": "Access denied due to unauthorized transaction, please check client or server key",
            }),
        ));
    }
    let is_json = |h| headers.get(h).and_then(|v| v.to_str().ok()) == Some("application/json");
    if !is_json(header::ACCEPT) {
        return Some(contract_broken("Accept must be application/json"));
    }
    if with_body && !is_json(header::CONTENT_TYPE) {
        return Some(contract_broken("Content-Type must be application/json"));
    }
    None
}

/// Checks the documented charge body; returns the order id and the amount.
fn check_charge_body(body: &Value) -> Result<(String, i64), String> {
    if body["payment_type"] != "qris" {
        return Err("payment_type must be \"qris\"".into());
    }
    let details = &body["transaction_details"];
    let order_id = details["order_id"]
        .as_str()
        .ok_or("order_id must be a string")?;
    // "gross_amount: Long; do not add decimal": a JSON integer, not 275000.0 or "275000".
    let amount = match &details["gross_amount"] {
        Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or_default(),
        other => return Err(format!("gross_amount must be an integer, got {other}")),
    };
    let acquirer = body["qris"]["acquirer"].as_str().unwrap_or_default();
    if ![midtrans::ACQUIRER_GOPAY, midtrans::ACQUIRER_SHOPEEPAY].contains(&acquirer) {
        return Err(format!("qris.acquirer {acquirer:?} is not documented"));
    }
    Ok((order_id.to_string(), amount))
}

async fn charge(State(g): State<Shared>, headers: HeaderMap, body: String) -> Response {
    if let Some(refusal) = header_refusal(&headers, true) {
        return refusal;
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return contract_broken("the body is not JSON");
    };
    let (order_id, amount) = match check_charge_body(&body) {
        Ok(ok) => ok,
        Err(what) => return contract_broken(&what),
    };
    {
        let mut g = lock(&g);
        g.charges.push(body.clone());
        if let Some(url) = headers
            .get("x-override-notification")
            .and_then(|v| v.to_str().ok())
        {
            g.notification_urls.push(url.to_string());
        }
    }
    if let Some(refusal) = misbehaviour(&order_id).await {
        return refusal;
    }
    let charged = if order_id.starts_with("half-") {
        amount / 2
    } else {
        amount
    };
    let transaction_id = format!("0195c0de-0000-7000-8000-{:012}", lock(&g).txns.len());
    lock(&g).txns.insert(
        order_id.clone(),
        Txn {
            amount: charged,
            transaction_id: transaction_id.clone(),
            status: "pending",
        },
    );
    midtrans_json(
        StatusCode::OK,
        json!({
            "status_code": "201",
            "status_message": "QRIS transaction is created",
            "transaction_id": transaction_id,
            "order_id": order_id,
            "merchant_id": "G490526303",
            "gross_amount": format!("{charged}.00"),
            "currency": "IDR",
            "payment_type": "qris",
            "transaction_time": "2026-11-30 21:00:00",
            "transaction_status": "pending",
            "fraud_status": "accept",
            "actions": [{
                "name": "generate-qr-code",
                "method": "GET",
                "url": format!("https://api.sandbox.midtrans.com/v2/qris/{transaction_id}/qr-code"),
            }],
            "qr_string": QR_STRING,
            "acquirer": body["qris"]["acquirer"],
            "expiry_time": "2026-11-30 21:15:00",
        }),
    )
}

/// The failure an order id asks for, if any.
async fn misbehaviour(order_id: &str) -> Option<Response> {
    if order_id.starts_with("http500-") {
        return Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response());
    }
    if order_id.starts_with("dup-") {
        return Some(midtrans_json(
            StatusCode::OK,
            json!({
                "status_code": "406",
                "status_message": "Duplicate order ID. order_id has already been utilized previously.",
            }),
        ));
    }
    if order_id.starts_with("bad-") {
        return Some(midtrans_json(
            StatusCode::BAD_REQUEST,
            json!({
                "status_code": "400",
                "status_message": "One or more parameters in the payload is invalid.",
                "validation_messages": ["transaction_details.gross_amount is invalid"],
            }),
        ));
    }
    if order_id.starts_with("slow-") {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    None
}

async fn status(
    State(g): State<Shared>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    if let Some(refusal) = header_refusal(&headers, false) {
        return refusal;
    }
    let Some(txn) = lock(&g).txns.get(&order_id).cloned() else {
        return midtrans_json(
            StatusCode::NOT_FOUND,
            json!({ "status_code": "404", "status_message": "Transaction doesn't exist." }),
        );
    };
    midtrans_json(StatusCode::OK, notification_body(&order_id, &txn, KEY))
}

/// The status code Midtrans puts with a transaction status.
fn status_code_of(status: &str) -> &'static str {
    match status {
        "settlement" | "capture" => "200",
        "pending" => "201",
        _ => "202",
    }
}

/// A notification (and status response) in the documented shape, signed with `key`.
fn notification_body(order_id: &str, txn: &Txn, key: &str) -> Value {
    let status_code = status_code_of(txn.status);
    let gross_amount = format!("{}.00", txn.amount);
    let signature: String = Sha512::digest(format!("{order_id}{status_code}{gross_amount}{key}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut body = json!({
        "transaction_type": "on-us",
        "transaction_time": "2026-11-30 21:00:00",
        "transaction_status": txn.status,
        "transaction_id": txn.transaction_id,
        "status_message": "midtrans payment notification",
        "status_code": status_code,
        "signature_key": signature,
        "payment_type": "qris",
        "order_id": order_id,
        "merchant_id": "G490526303",
        "issuer": "gopay",
        "gross_amount": gross_amount,
        "fraud_status": "accept",
        "currency": "IDR",
        "acquirer": "gopay",
    });
    if txn.status == "settlement" {
        body["settlement_time"] = json!("2026-11-30 21:03:10");
    }
    body
}

fn settle(g: &Shared, order_id: &str) {
    if let Some(txn) = lock(g).txns.get_mut(order_id) {
        txn.status = "settlement";
    }
}

#[tokio::test]
async fn charge_sends_the_documented_request_and_reads_the_answer() {
    let (base, g) = start_stand_in().await;
    let config = MidtransConfig::from_key(Some(KEY), &base, midtrans::ACQUIRER_GOPAY)
        .expect("configured")
        .with_notification_url("https://guyub.example/gateway/midtrans/k/0195");
    let client = MidtransClient::new(config).expect("client");

    let r = client
        .charge_qris("GYB-0195-A1", Rupiah(275_000), 15)
        .await
        .expect("charged");
    assert_eq!(r.status_code, "201");
    assert_eq!(r.order_id, "GYB-0195-A1");
    assert_eq!(r.gross_amount, "275000.00");
    assert_eq!(r.transaction_status, "pending");
    assert_eq!(r.qr_string, QR_STRING);
    assert_eq!(r.acquirer.as_deref(), Some("gopay"));
    assert!(r.qr_image_url().is_some_and(|u| u.ends_with("/qr-code")));
    assert!(r.expires_at().is_some());

    let g = lock(&g);
    assert_eq!(
        g.charges,
        vec![json!({
            "payment_type": "qris",
            "transaction_details": { "order_id": "GYB-0195-A1", "gross_amount": 275000 },
            "qris": { "acquirer": "gopay" },
            "custom_expiry": { "expiry_duration": 15, "unit": "minute" },
        })]
    );
    assert_eq!(
        g.notification_urls,
        vec!["https://guyub.example/gateway/midtrans/k/0195".to_string()]
    );
    assert_eq!(g.txns["GYB-0195-A1"].transaction_id, r.transaction_id);
}

#[tokio::test]
async fn status_poll_follows_pending_to_settlement() {
    let (base, g) = start_stand_in().await;
    let client = client(&base, KEY);
    client
        .charge_qris("GYB-0195-B2", Rupiah(50_000), 0)
        .await
        .expect("charged");
    assert!(lock(&g).charges[0].get("custom_expiry").is_none());

    let mut ours = ChargeRecord {
        order_id: "GYB-0195-B2".into(),
        amount: Rupiah(50_000),
        status: GatewayStatus::Pending,
    };
    let pending = client.status("GYB-0195-B2").await.expect("status");
    assert_eq!(pending.status_code, "201");
    let update = pending.update_from_status_poll().expect("update");
    assert_eq!(update.status, GatewayStatus::Pending);
    assert_eq!(
        reconcile(Some(&ours), &update),
        Ok(Outcome::AlreadyRecorded)
    );

    settle(&g, "GYB-0195-B2");
    let settled = client.status("GYB-0195-B2").await.expect("status");
    assert_eq!(
        settled.settlement_time.as_deref(),
        Some("2026-11-30 21:03:10")
    );
    let update = settled.update_from_status_poll().expect("update");
    assert_eq!(update.status, GatewayStatus::Paid);
    assert_eq!(update.amount, Rupiah(50_000));
    assert_eq!(
        reconcile(Some(&ours), &update),
        Ok(Outcome::Record {
            from: GatewayStatus::Pending,
            to: GatewayStatus::Paid
        })
    );
    // Polling again after recording it writes nothing.
    ours.status = GatewayStatus::Paid;
    let again = client.status("GYB-0195-B2").await.expect("status");
    let update = again.update_from_status_poll().expect("update");
    assert_eq!(
        reconcile(Some(&ours), &update),
        Ok(Outcome::AlreadyRecorded)
    );
}

/// The status code of a refusal; any other result fails the test.
fn refused<T: std::fmt::Debug>(r: Result<T, GatewayError>) -> String {
    match r {
        Err(GatewayError::Refused { status_code, .. }) => status_code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn gateway_refusals_are_errors() {
    let (base, _g) = start_stand_in().await;
    let client = client(&base, KEY);
    assert_eq!(
        refused(client.charge_qris("http500-1", Rupiah(10_000), 15).await),
        "500"
    );
    assert_eq!(
        refused(client.charge_qris("dup-1", Rupiah(10_000), 15).await),
        "406"
    );
    match client.charge_qris("bad-1", Rupiah(10_000), 15).await {
        Err(GatewayError::Refused {
            status_code,
            message,
        }) => {
            assert_eq!(status_code, "400");
            assert!(message.contains("gross_amount is invalid"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(refused(client.status("never-charged").await), "404");
    // A wrong server key: the stand-in answers as Midtrans does.
    let wrong_key = self::client(&base, OTHER_COOP_KEY);
    assert_eq!(
        refused(wrong_key.charge_qris("GYB-1", Rupiah(10_000), 15).await),
        "401"
    );
}

#[tokio::test]
async fn a_charge_of_another_amount_is_refused() {
    let (base, _g) = start_stand_in().await;
    let client = client(&base, KEY);
    assert_eq!(
        client.charge_qris("half-1", Rupiah(10_000), 15).await,
        Err(GatewayError::AmountMismatch {
            expected: Rupiah(10_000),
            received: Rupiah(5_000)
        })
    );
}

#[tokio::test]
async fn bad_requests_never_leave_the_machine() {
    let (base, g) = start_stand_in().await;
    let client = client(&base, KEY);
    assert!(matches!(
        client.charge_qris("a/b", Rupiah(10_000), 15).await,
        Err(GatewayError::BadOrderId { .. })
    ));
    assert!(matches!(
        client.charge_qris("A1", Rupiah(0), 15).await,
        Err(GatewayError::NotPositive { .. })
    ));
    assert!(matches!(
        client.status("../charge").await,
        Err(GatewayError::BadOrderId { .. })
    ));
    assert!(lock(&g).charges.is_empty());
}

#[tokio::test]
async fn no_answer_is_a_network_error() {
    // Connection refused: a port that was just freed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let client = client(&format!("http://{addr}"), KEY);
    match client.charge_qris("GYB-1", Rupiah(10_000), 15).await {
        Err(e @ GatewayError::Network { .. }) => {
            assert!(e.msg().id.contains("tidak bisa dihubungi"));
        }
        other => panic!("expected a network error, got {other:?}"),
    }
    assert!(matches!(
        client.status("GYB-1").await,
        Err(GatewayError::Network { .. })
    ));

    // Timeout: the stand-in takes two seconds, the client waits a quarter.
    let (base, _g) = start_stand_in().await;
    let config =
        MidtransConfig::from_key(Some(KEY), &base, midtrans::ACQUIRER_GOPAY).expect("configured");
    let impatient =
        MidtransClient::with_timeout(config, Duration::from_millis(250)).expect("client");
    match impatient.charge_qris("slow-1", Rupiah(10_000), 15).await {
        Err(GatewayError::Network { detail }) => assert!(detail.contains("timeout"), "{detail}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn notifications_verify_and_forgeries_do_not() {
    let (base, g) = start_stand_in().await;
    let client = client(&base, KEY);
    client
        .charge_qris("GYB-0195-C3", Rupiah(125_000), 15)
        .await
        .expect("charged");
    settle(&g, "GYB-0195-C3");
    let txn = lock(&g).txns["GYB-0195-C3"].clone();
    let ours = ChargeRecord {
        order_id: "GYB-0195-C3".into(),
        amount: Rupiah(125_000),
        status: GatewayStatus::Pending,
    };

    // Genuine: the stand-in signs with this coop's key.
    let body = notification_body("GYB-0195-C3", &txn, KEY).to_string();
    let n = Notification::from_json(&body).expect("parses");
    let update = verified_update(&n, KEY).expect("genuine");
    assert_eq!(update.status, GatewayStatus::Paid);
    assert_eq!(update.transaction_id, txn.transaction_id);
    assert_eq!(
        reconcile(Some(&ours), &update),
        Ok(Outcome::Record {
            from: GatewayStatus::Pending,
            to: GatewayStatus::Paid
        })
    );

    // Tampered on the way: a smaller amount, same signature.
    let mut tampered: Value = serde_json::from_str(&body).expect("json");
    tampered["gross_amount"] = json!("1000.00");
    let n = Notification::from_json(&tampered.to_string()).expect("parses");
    assert_eq!(
        verified_update(&n, KEY),
        Err(GatewayError::InvalidSignature)
    );

    // Forged: signed with a key that is not this coop's.
    let forged = notification_body("GYB-0195-C3", &txn, "guessed-key").to_string();
    let n = Notification::from_json(&forged).expect("parses");
    let e = verified_update(&n, KEY).expect_err("forged");
    assert_eq!(e, GatewayError::InvalidSignature);
    assert!(e.msg().id.starts_with("Tanda tangan notifikasi tidak sah"));

    // Another coop's genuine notification arriving at this coop's URL: its key does not
    // verify here; and were it verified, the order is not found in this coop.
    let foreign = notification_body("GYB-0777-Z9", &txn, OTHER_COOP_KEY).to_string();
    let n = Notification::from_json(&foreign).expect("parses");
    assert_eq!(
        verified_update(&n, KEY),
        Err(GatewayError::InvalidSignature)
    );
    let foreign_update = verified_update(&n, OTHER_COOP_KEY).expect("genuine for its coop");
    assert_eq!(
        reconcile(None, &foreign_update),
        Err(GatewayError::UnknownOrder {
            order_id: "GYB-0777-Z9".into()
        })
    );
}

#[test]
fn the_adapter_is_off_without_a_key_and_never_shows_it() {
    let base = midtrans::SANDBOX_BASE_URL;
    assert_eq!(MidtransConfig::from_key(None, base, "gopay"), None);
    assert_eq!(MidtransConfig::from_key(Some("  "), base, "gopay"), None);
    let config = MidtransConfig::from_key(Some(KEY), base, "gopay").expect("configured");
    let shown = format!("{config:?}");
    assert!(
        !shown.contains(KEY) && !shown.contains("contract-test"),
        "{shown}"
    );
    assert!(shown.contains("<hidden>"));
    let client = MidtransClient::new(config).expect("client");
    assert!(!format!("{client:?}").contains(KEY));

    let plain_http = MidtransConfig::from_key(Some(KEY), "http://api.midtrans.com", "gopay")
        .expect("configured");
    assert!(matches!(
        MidtransClient::new(plain_http),
        Err(GatewayError::InsecureBaseUrl { .. })
    ));
}
