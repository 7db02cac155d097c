//! The payment gateway at work, end to end in-process: the board turns it on, a request made
//! at the counter gets the gateway's QRIS, the gateway's notification pays it once (a repeat
//! writes nothing new), a forged or foreign notification writes nothing, and the status poll
//! pays a request whose notification never came. The gateway is a local stand-in serving the
//! documented Midtrans shapes (see tests/midtrans_contract.rs for the adapter's contract).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use common::*;
use guyub_core::ids::{KoperasiId, MemberId};
use guyub_core::payment::gateway::midtrans::signature;
use guyub_store::payment::gateway::GatewayInput;
use guyub_store::payment::request::{PaymentRequest, RequestFilter};
use serde_json::{Value, json};

const KEY: &str = "SB-Mid-server-guyub-test";
const QR: &str = "00020101021226620014COM.GO-JEK.WWW011993600914349052630340210G4905263030303UKE51440014ID.CO.QRIS.WWW0215AID0607336128660303UKE5204341453033605802ID5904Test6007BANDUNG6105402845409789000.0062475036c032f87c-f773-4619-aefa-675e1f06f9210703A016304A623";

/// Order id → (amount, status) as the stand-in knows them.
type Orders = Arc<Mutex<HashMap<String, (i64, &'static str)>>>;

async fn charge(State(o): State<Orders>, body: String) -> axum::Json<Value> {
    let b: Value = serde_json::from_str(&body).unwrap_or_default();
    let order = b["transaction_details"]["order_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let amount = b["transaction_details"]["gross_amount"]
        .as_i64()
        .unwrap_or_default();
    o.lock().unwrap().insert(order.clone(), (amount, "pending"));
    axum::Json(json!({
        "status_code": "201", "status_message": "QRIS transaction is created",
        "transaction_id": format!("tx-{order}"), "order_id": order,
        "gross_amount": format!("{amount}.00"), "currency": "IDR", "payment_type": "qris",
        "transaction_time": "2026-11-30 10:00:00", "transaction_status": "pending",
        "fraud_status": "accept", "actions": [], "qr_string": QR, "acquirer": "gopay",
        "expiry_time": "2026-11-30 11:00:00"
    }))
}

/// A notification (or status answer) in the documented shape, signed with `key`.
fn notification(order: &str, amount: i64, status: &str, key: &str) -> Value {
    let code = if status == "settlement" { "200" } else { "201" };
    let gross = format!("{amount}.00");
    json!({
        "transaction_time": "2026-11-30 10:00:00", "transaction_status": status,
        "transaction_id": format!("tx-{order}"), "status_message": "midtrans payment notification",
        "status_code": code, "signature_key": signature(order, code, &gross, key),
        "payment_type": "qris", "order_id": order, "merchant_id": "G490526303",
        "gross_amount": gross, "fraud_status": "accept", "currency": "IDR", "acquirer": "gopay"
    })
}

async fn status(State(o): State<Orders>, Path(order): Path<String>) -> axum::Json<Value> {
    let (amount, st) = o
        .lock()
        .unwrap()
        .get(&order)
        .copied()
        .unwrap_or((0, "pending"));
    axum::Json(notification(&order, amount, st, KEY))
}

async fn stand_in() -> (String, Orders) {
    let orders = Orders::default();
    let app = Router::new()
        .route("/v2/charge", post(charge))
        .route("/v2/{order}/status", get(status))
        .with_state(orders.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(l, app).await });
    (format!("http://{addr}"), orders)
}

async fn turn_on(w: &World, k: KoperasiId, base: &str) {
    let g = GatewayInput {
        server_key: Some(KEY.into()),
        environment: "sandbox".into(),
        base_url: Some(base.into()),
        acquirer: "gopay".into(),
        active: true,
    };
    w.store
        .tenant(k)
        .set_gateway(&guyub_store::Actor::system("uji"), &g)
        .await
        .expect("gateway");
}

/// Makes a request at the counter and reads it back.
async fn bill(w: &World, s: &Session, m: MemberId, amount: &str, idem: &str) -> PaymentRequest {
    let wajib = w
        .store
        .tenant(w.a)
        .products()
        .await
        .expect("products")
        .into_iter()
        .find(|p| p.code == "WAJIB")
        .expect("wajib")
        .id;
    let kid = w.a;
    let dep = format!("dep_{wajib}");
    let r = w
        .post_form(
            &format!("/k/{kid}/kasir/{m}/tagihan"),
            As::Browser(s),
            fields(&[
                ("_csrf", &s.csrf),
                ("_idem", idem),
                (&dep, amount),
                ("validity", "1j"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = r.location().rsplit('/').next().unwrap().to_string();
    w.store
        .tenant(w.a)
        .payment_request(guyub_core::ids::PaymentRequestId::parse(&id).unwrap())
        .await
        .unwrap()
}

async fn notify(w: &World, k: KoperasiId, body: &Value) -> Resp {
    w.call(
        Method::POST,
        &format!("/kait/midtrans/{k}"),
        As::Nobody,
        Payload::Raw("application/json", body.to_string().into_bytes()),
    )
    .await
}

#[tokio::test]
async fn the_gateway_issues_the_qris_and_its_notification_pays_once() {
    let w = World::new().await;
    let (base, _orders) = stand_in().await;
    let m = w.members_a[1].id;
    let s = w.sign_in(&w.kasir_a.email).await;

    // Without a gateway: a notification is refused, nothing written.
    let before = w.snapshot().await;
    let r = notify(&w, w.a, &notification("XXXXXXXX", 1, "settlement", KEY)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_unchanged(
        &before,
        &w.snapshot().await,
        "notification without a gateway",
    );

    turn_on(&w, w.a, &base).await;
    let req = bill(&w, &s, m, "50000", "g-1").await;
    assert_eq!(req.gateway.as_deref(), Some("midtrans"));
    assert_eq!(
        req.qris_payload.as_deref(),
        Some(QR),
        "the gateway's QRIS replaces the converted one"
    );
    let page = w
        .get(&format!("/k/{}/tagihan/{}", w.a, req.id), As::Browser(&s))
        .await
        .text();
    assert!(page.contains("Cek status di gateway"));

    // Forged (signed with another key): 401, nothing written.
    let before = w.snapshot().await;
    let forged = notify(
        &w,
        w.a,
        &notification(
            &req.ref_code,
            req.total,
            "settlement",
            "SB-Mid-server-penipu",
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{}", forged.text());
    // Another amount, correctly signed: refused.
    let other_amount = notify(
        &w,
        w.a,
        &notification(&req.ref_code, req.total + 1000, "settlement", KEY),
    )
    .await;
    assert_eq!(
        other_amount.status,
        StatusCode::CONFLICT,
        "{}",
        other_amount.text()
    );
    // Not JSON at all.
    let junk = w
        .call(
            Method::POST,
            &format!("/kait/midtrans/{}", w.a),
            As::Nobody,
            Payload::Raw("application/json", b"{".to_vec()),
        )
        .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    // This coop's order sent to coop B's URL (B has a gateway with another key).
    turn_on(&w, w.b, &base).await;
    let foreign = notify(
        &w,
        w.b,
        &notification(&req.ref_code, req.total, "settlement", KEY),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);
    let after = w.snapshot().await;
    // Only B's gateway settings (and its audit record) changed.
    assert_eq!(before.lines().count(), after.lines().count());

    // The genuine one pays it; a repeat writes nothing new.
    let ok = notify(
        &w,
        w.a,
        &notification(&req.ref_code, req.total, "settlement", KEY),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 50_000);
    let again = notify(
        &w,
        w.a,
        &notification(&req.ref_code, req.total, "settlement", KEY),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["applied"], "AlreadyRecorded");
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 50_000);
    let paid = w.store.tenant(w.a).payment_request(req.id).await.unwrap();
    assert_eq!(paid.confirmed_via.as_deref(), Some("gateway"));
    assert_eq!(paid.paid_reference, Some(format!("tx-{}", req.ref_code)));
}

#[tokio::test]
async fn the_status_poll_pays_when_the_notification_never_comes() {
    let w = World::new().await;
    let (base, orders) = stand_in().await;
    turn_on(&w, w.a, &base).await;
    let m = w.members_a[1].id;
    let s = w.sign_in(&w.kasir_a.email).await;
    let req = bill(&w, &s, m, "20000", "g-2").await;
    let check = format!("/k/{}/tagihan/{}/cek-gateway", w.a, req.id);

    // Still pending at the gateway: nothing changes.
    let r = w
        .post_form(&check, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("?ok=gateway-checked"));
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);

    // Paid at the gateway: the background poll books it once.
    orders.lock().unwrap().get_mut(&req.ref_code).unwrap().1 = "settlement";
    assert_eq!(guyub_web::gateway_service::poll_all(&w.state).await, 1);
    assert_eq!(
        guyub_web::gateway_service::poll_all(&w.state).await,
        0,
        "nothing left to poll"
    );
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 20_000);
    let (paid, _) = w
        .store
        .tenant(w.a)
        .payment_requests(&RequestFilter {
            state: Some(guyub_core::payment::request::RequestState::Paid),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(paid.len(), 1);

    // The board's settings page shows the gateway, never its key.
    let p = w.sign_in(&w.pengurus_a.email).await;
    let page = w
        .get(&format!("/k/{}/pembayaran", w.a), As::Browser(&p))
        .await
        .text();
    assert!(page.contains("Midtrans") && page.contains("…test"));
    assert!(!page.contains(KEY));
    // A bad environment is refused; the kasir may not change it.
    let bad = w
        .post_form(
            &format!("/k/{}/pembayaran/gateway", w.a),
            As::Browser(&p),
            fields(&[
                ("_csrf", &p.csrf),
                ("environment", "mainnet"),
                ("acquirer", "gopay"),
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let kasir = w
        .post_form(
            &format!("/k/{}/pembayaran/gateway", w.a),
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("environment", "sandbox"),
                ("acquirer", "gopay"),
            ]),
        )
        .await;
    assert_eq!(kasir.status, StatusCode::FORBIDDEN);
    // Turning it off keeps the key; a notification is then refused.
    let off = w
        .post_form(
            &format!("/k/{}/pembayaran/gateway", w.a),
            As::Browser(&p),
            fields(&[
                ("_csrf", &p.csrf),
                ("environment", "sandbox"),
                ("acquirer", "gopay"),
            ]),
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.text());
    let g = w
        .store
        .tenant(w.a)
        .gateway_settings()
        .await
        .unwrap()
        .unwrap();
    assert!(!g.active);
    assert_eq!(g.server_key, KEY);
}
