//! Payments over the JSON API v1: payment requests made (with `Idempotency-Key`), listed,
//! confirmed into the books once, cancelled; statements imported, matched, reviewed and
//! settled; QRIS settlements by hand. Bad bodies, other coops and the supervisor's read-only
//! right are refused with nothing written.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use guyub_core::ids::{KoperasiId, MemberId};
use guyub_core::percent::BasisPoints;
use guyub_store::payment::{MdrRate, PaymentChange};
use serde_json::{Value, json};

fn api(k: KoperasiId, rest: &str) -> String {
    format!("/api/v1/coops/{k}{rest}")
}

async fn set_payment(w: &World, k: KoperasiId, change: PaymentChange) {
    w.store
        .tenant(k)
        .update_payment_settings(&guyub_store::Actor::system("uji"), &change)
        .await
        .expect("settings");
}

async fn journal_count(w: &World) -> usize {
    w.store
        .tenant(w.a)
        .journal(None, None, 10_000, 0)
        .await
        .expect("journal")
        .len()
}

fn error_code(r: &Resp) -> String {
    r.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn error_fields(r: &Resp) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn error_message(r: &Resp) -> String {
    r.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn bill(member: MemberId, lines: &[(&str, Value)]) -> Value {
    json!({
        "member_id": member.to_string(),
        "lines": lines.iter().map(|(p, a)| json!({"product_id": p, "amount": a})).collect::<Vec<_>>(),
    })
}

/// Makes a request through the API, with an optional `Idempotency-Key`.
async fn create(w: &World, token: &str, key: Option<&str>, body: Value) -> Resp {
    let mut req = w.request(
        Method::POST,
        &api(w.a, "/payment-requests"),
        As::Token(token),
        Payload::Json(body),
    );
    if let Some(k) = key {
        req.headers_mut()
            .insert("idempotency-key", k.parse().expect("header"));
    }
    w.send(req).await
}

async fn post_json(w: &World, path: &str, token: &str, body: Value) -> Resp {
    w.call(Method::POST, path, As::Token(token), Payload::Json(body))
        .await
}

async fn made(w: &World, token: &str, body: Value) -> Value {
    let r = create(w, token, None, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_request_is_made_replayed_listed_and_confirmed_once() {
    let w = World::new().await;
    set_static_qris(&w, w.a).await;
    let (m1, m2) = (w.members_a[1].id, w.members_a[2].id);
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let pokok = product_id_in(&w, w.a, "POKOK").await;
    let kasir = &w.kasir_a.token;

    let mut body = bill(m1, &[(&wajib, json!(50_000))]);
    body["validity"] = json!("1j");
    body["description"] = json!("Simpanan wajib November");
    let r = create(&w, kasir, Some("tagihan-1"), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json();
    assert_eq!(first["total"], 50_001, "the unique code is added");
    assert_eq!(first["base_amount"], 50_000);
    assert_eq!(first["state"], "menunggu");
    assert_eq!(first["member_name"], "Budi Santoso");
    assert_eq!(first["description"], "Simpanan wajib November");
    assert_eq!(first["lines"][0]["amount"], 50_000);
    assert!(
        first["qris_payload"]
            .as_str()
            .is_some_and(|q| q.starts_with("000201")),
        "{first}"
    );
    // The payer's link is in the answer, and it works without sign-in.
    let pay_url = first["pay_url"].as_str().expect("pay_url").to_string();
    assert!(
        pay_url.starts_with("/bayar/") && pay_url.len() == 7 + 32,
        "{pay_url}"
    );
    let public = w.get(&pay_url, As::Nobody).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text().contains(first["ref_code"].as_str().unwrap()));
    // One hour of validity.
    let created = time::OffsetDateTime::parse(
        first["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires = time::OffsetDateTime::parse(
        first["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expires - created).whole_minutes(), 60);

    // The same key and body again: the first request, 200, nothing made.
    let again = create(&w, kasir, Some("tagihan-1"), body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["id"], first["id"]);
    assert_eq!(again.json()["total"], 50_001);
    // The same key with other lines: 409, nothing made.
    let other = bill(m1, &[(&wajib, json!(60_000))]);
    let r = create(&w, kasir, Some("tagihan-1"), other).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(error_message(&r).contains("idempotensi"));
    // A key that is sent must be usable.
    let r = create(&w, kasir, Some("   "), body.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(request_count(&w, w.a).await, 1);

    // A second one, two lines, no key, by the board.
    let second = made(
        &w,
        &w.pengurus_a.token,
        bill(m2, &[(&pokok, json!(100_000)), (&wajib, json!(25_000))]),
    )
    .await;
    assert_eq!(second["base_amount"], 125_000);
    assert_eq!(second["lines"].as_array().unwrap().len(), 2);

    // The list, with its filters.
    let list = async |query: &str| -> Value {
        let r = w
            .get(
                &api(w.a, &format!("/payment-requests{query}")),
                As::Token(&w.pengawas_a.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
        r.json()
    };
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (id1, id2) = (
        first["id"].as_str().unwrap().to_string(),
        second["id"].as_str().unwrap().to_string(),
    );
    let all = list("").await;
    assert_eq!(all["total"], 2);
    assert_eq!(ids(&all), vec![id2.clone(), id1.clone()], "newest first");
    assert_eq!(list("?state=menunggu").await["total"], 2);
    assert_eq!(list("?state=dibayar").await["total"], 0);
    let by_ref = list(&format!("?q={}", first["ref_code"].as_str().unwrap())).await;
    assert_eq!(ids(&by_ref), vec![id1.clone()]);
    assert_eq!(ids(&list("?q=dewi").await), vec![id2.clone()]);
    let today = today();
    let tomorrow = today.next_day().unwrap();
    assert_eq!(list(&format!("?from={today}&to={today}")).await["total"], 2);
    assert_eq!(list(&format!("?from={tomorrow}")).await["total"], 0);
    let page = list("?limit=1&offset=1").await;
    assert_eq!(
        (ids(&page), page["total"].clone()),
        (vec![id1.clone()], json!(2))
    );
    for bad in [
        "?state=lunas",
        "?method=emas",
        "?from=kemarin",
        "?to=2026-13-01",
    ] {
        let r = w
            .get(
                &api(w.a, &format!("/payment-requests{bad}")),
                As::Token(kasir),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_code(&r), "bad_request", "{bad}");
    }
    let one = w
        .get(
            &api(w.a, &format!("/payment-requests/{id1}")),
            As::Token(kasir),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["ref_code"], first["ref_code"]);

    // Confirmed by QRIS: the lines and the unique code reach the member's savings, once.
    let journal = journal_count(&w).await;
    let confirm = api(w.a, &format!("/payment-requests/{id1}/confirm"));
    let r = post_json(
        &w,
        &confirm,
        kasir,
        json!({"method": "qris", "reference": "RRN 612345"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    assert_eq!(c["request"]["state"], "dibayar");
    assert_eq!(c["request"]["paid_method"], "qris");
    assert_eq!(c["request"]["paid_reference"], "RRN 612345");
    assert_eq!(c["request"]["confirmed_via"], "kasir");
    let receipt_id = c["receipt_id"].as_str().expect("receipt").to_string();
    assert_eq!(c["request"]["receipt_id"], receipt_id.as_str());
    assert_eq!(balance_in(&w, w.a, m1, "WAJIB").await, 50_000);
    assert_eq!(balance_in(&w, w.a, m1, "SUKARELA").await, 1);
    assert_eq!(journal_count(&w).await, journal + 1);
    let receipt = w
        .get(
            &api(w.a, &format!("/receipts/{receipt_id}")),
            As::Token(kasir),
        )
        .await;
    assert_eq!(receipt.json()["total"], 50_001);
    // Twice: 409 with the store's message, posted once.
    let r = post_json(
        &w,
        &confirm,
        kasir,
        json!({"method": "qris", "reference": "RRN 612345"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(error_code(&r), "conflict");
    assert!(error_message(&r).contains("sudah dibayar"), "{}", r.text());
    assert_eq!(balance_in(&w, w.a, m1, "WAJIB").await, 50_000);
    assert_eq!(journal_count(&w).await, journal + 1);
    // In English when asked.
    let r = post_json(
        &w,
        &format!("{confirm}?lang=en"),
        kasir,
        json!({"method": "qris", "reference": "RRN 612345"}),
    )
    .await;
    assert!(error_message(&r).contains("already paid"), "{}", r.text());

    // Paid in cash: the base amount alone, no code.
    let r = post_json(
        &w,
        &api(w.a, &format!("/payment-requests/{id2}/confirm")),
        &w.pengurus_a.token,
        json!({"method": "tunai", "reference": "loket 1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(balance_in(&w, w.a, m2, "POKOK").await, 100_000);
    assert_eq!(balance_in(&w, w.a, m2, "WAJIB").await, 25_000);
    assert_eq!(balance_in(&w, w.a, m2, "SUKARELA").await, 0);

    assert_eq!(ids(&list("?state=dibayar&method=qris").await), vec![id1]);
    assert_eq!(ids(&list("?method=tunai").await), vec![id2]);
    assert_eq!(list("?state=menunggu").await["total"], 0);
}

#[tokio::test]
async fn bad_bodies_are_refused_and_change_nothing() {
    let w = World::new().await;
    let m = w.members_a[1].id;
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let kasir = &w.kasir_a.token;
    let before = w.snapshot().await;
    let journal = journal_count(&w).await;

    let with = |mut v: Value, key: &str, value: Value| {
        v[key] = value;
        v
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "amount 0",
            bill(m, &[(&wajib, json!(0))]),
            "lines[0].amount",
        ),
        (
            "amount in letters",
            bill(m, &[(&wajib, json!("lima ribu"))]),
            "lines[0].amount",
        ),
        (
            "amount as text",
            bill(m, &[(&wajib, json!("50000"))]),
            "lines[0].amount",
        ),
        (
            "cents",
            bill(m, &[(&wajib, json!(50_000.5))]),
            "lines[0].amount",
        ),
        (
            "a withdrawal as a negative amount",
            bill(m, &[(&wajib, json!(-50_000))]),
            "lines[0].amount",
        ),
        (
            "over Rp 1 milyar",
            bill(m, &[(&wajib, json!(1_000_000_001i64))]),
            "lines[0].amount",
        ),
        (
            "a product id that is no id",
            bill(m, &[("bukan-produk", json!(5_000))]),
            "lines[0].product_id",
        ),
        (
            "an unknown product",
            bill(m, &[("01a00000-0000-7000-8000-00000000beef", json!(5_000))]),
            "lines",
        ),
        (
            "the same product twice",
            bill(m, &[(&wajib, json!(5_000)), (&wajib, json!(6_000))]),
            "lines",
        ),
        ("no lines", bill(m, &[]), "lines"),
        (
            "a member id that is no id",
            with(bill(m, &[(&wajib, json!(5_000))]), "member_id", json!("x")),
            "member_id",
        ),
        (
            "an unknown member",
            with(
                bill(m, &[(&wajib, json!(5_000))]),
                "member_id",
                json!("01a00000-0000-7000-8000-00000000cafe"),
            ),
            "member",
        ),
        (
            "a member of another coop",
            bill(w.members_b[0].id, &[(&wajib, json!(5_000))]),
            "member",
        ),
        (
            "a bad validity",
            with(
                bill(m, &[(&wajib, json!(5_000))]),
                "validity",
                json!("2 minggu"),
            ),
            "validity",
        ),
    ];
    for (what, body, field) in cases {
        let r = create(&w, kasir, None, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.text()
        );
        assert_eq!(error_code(&r), "invalid", "{what}");
        assert_eq!(error_fields(&r)[0], field, "{what}: {}", r.text());
    }
    // Several problems at once, each named.
    let r = create(
        &w,
        kasir,
        None,
        json!({"member_id": "x", "validity": "selamanya", "lines": [
            {"product_id": "y", "amount": 0}
        ]}),
    )
    .await;
    assert_eq!(
        error_fields(&r),
        vec![
            "member_id",
            "validity",
            "lines[0].product_id",
            "lines[0].amount"
        ]
    );
    // A withdrawal cannot be said: a line has no kind, and an unknown field is refused.
    let r = create(
        &w,
        kasir,
        None,
        json!({"member_id": m.to_string(), "lines": [
            {"product_id": wajib, "kind": "penarikan", "amount": 5000}
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(error_message(&r).contains("kind"), "{}", r.text());
    // Not JSON.
    let r = w
        .call(
            Method::POST,
            &api(w.a, "/payment-requests"),
            As::Token(kasir),
            Payload::Raw("application/json", b"{\"member_id\": ".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(request_count(&w, w.a).await, 0);
    assert_unchanged(&before, &w.snapshot().await, "refused requests");

    // A real request; bad confirmations and cancellations leave it open and post nothing.
    let req = made(&w, kasir, bill(m, &[(&wajib, json!(10_000))])).await;
    let id = req["id"].as_str().unwrap();
    let confirm = api(w.a, &format!("/payment-requests/{id}/confirm"));
    for (what, body, fields) in [
        (
            "bad method",
            json!({"method": "emas", "reference": "RRN 1"}),
            vec!["method"],
        ),
        (
            "empty reference",
            json!({"method": "qris", "reference": "   "}),
            vec!["reference"],
        ),
        (
            "a reference too long",
            json!({"method": "transfer", "reference": "9".repeat(65)}),
            vec!["reference"],
        ),
        ("both", json!({}), vec!["method", "reference"]),
    ] {
        let r = post_json(&w, &confirm, kasir, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert_eq!(error_fields(&r), fields, "{what}");
    }
    let r = post_json(
        &w,
        &api(w.a, &format!("/payment-requests/{id}/cancel")),
        kasir,
        json!({"reason": "  "}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r), vec!["reason"]);
    let still = w
        .get(
            &api(w.a, &format!("/payment-requests/{id}")),
            As::Token(kasir),
        )
        .await
        .json();
    assert_eq!(still["state"], "menunggu");
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);
    assert_eq!(journal_count(&w).await, journal);
    // Ids that name nothing.
    for path in [
        "/payment-requests/bukan-id".to_string(),
        "/payment-requests/01a00000-0000-7000-8000-000000000002".to_string(),
    ] {
        let r = w.get(&api(w.a, &path), As::Token(kasir)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn other_coops_and_supervisors_may_not_act() {
    let w = World::new().await;
    let m = w.members_a[1].id;
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let req = made(&w, &w.kasir_a.token, bill(m, &[(&wajib, json!(20_000))])).await;
    let id = req["id"].as_str().unwrap().to_string();
    let before = w.snapshot().await;
    let journal = journal_count(&w).await;
    let confirm_body = json!({"method": "tunai", "reference": "loket"});

    // The board of coop B: refused in A, and A's request does not exist in B.
    let b = &w.pengurus_b.token;
    let r = w
        .get(&api(w.a, &format!("/payment-requests/{id}")), As::Token(b))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&r), "forbidden");
    let r = w
        .get(&api(w.b, &format!("/payment-requests/{id}")), As::Token(b))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&r), "not_found");
    for (path, body) in [
        (
            format!("/payment-requests/{id}/confirm"),
            confirm_body.clone(),
        ),
        (
            format!("/payment-requests/{id}/cancel"),
            json!({"reason": "orang lain"}),
        ),
    ] {
        let r = post_json(&w, &api(w.b, &path), b, body.clone()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "B {path}: {}", r.text());
        let r = post_json(&w, &api(w.a, &path), b, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "B on A {path}");
    }
    // B's own list does not show A's request.
    let r = w.get(&api(w.b, "/payment-requests"), As::Token(b)).await;
    assert_eq!(r.json()["total"], 0);

    // The supervisor reads everything and changes nothing.
    let p = &w.pengawas_a.token;
    for path in [
        "/payment-requests".to_string(),
        format!("/payment-requests/{id}"),
        "/statements".to_string(),
        "/qris-settlements".to_string(),
    ] {
        let r = w.get(&api(w.a, &path), As::Token(p)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "pengawas GET {path}: {}",
            r.text()
        );
    }
    for (path, body) in [
        (
            format!("/payment-requests/{id}/confirm"),
            confirm_body.clone(),
        ),
        (
            format!("/payment-requests/{id}/cancel"),
            json!({"reason": "pengawas"}),
        ),
        (
            "/payment-requests".to_string(),
            bill(m, &[(&wajib, json!(5_000))]),
        ),
        (
            "/qris-settlements".to_string(),
            json!({"date": today().to_string(), "gross": 1000}),
        ),
    ] {
        let r = post_json(&w, &api(w.a, &path), p, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "pengawas POST {path}");
        assert_eq!(error_code(&r), "forbidden");
    }
    let r = w
        .call(
            Method::POST,
            &api(w.a, "/statements?kind=qris&file_name=q.csv"),
            As::Token(p),
            Payload::Raw("text/csv", b"Tanggal,Nominal\n2026-11-30,20001\n".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The cashier may not settle (it moves the books); members and dinas see nothing.
    let r = post_json(
        &w,
        &api(w.a, "/qris-settlements"),
        &w.kasir_a.token,
        json!({"date": today().to_string(), "gross": 1000}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for token in [&w.anggota_a.token, &w.dinas_malang.token] {
        let r = w
            .get(&api(w.a, "/payment-requests"), As::Token(token))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_unchanged(&before, &w.snapshot().await, "refused callers");
    assert_eq!(journal_count(&w).await, journal);
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);

    // Cancelled by the cashier; then neither cancelled again nor paid.
    let cancel = api(w.a, &format!("/payment-requests/{id}/cancel"));
    let r = post_json(
        &w,
        &cancel,
        &w.kasir_a.token,
        json!({"reason": "dibayar  tunai saja"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "dibatalkan");
    assert_eq!(r.json()["cancel_reason"], "dibayar tunai saja");
    let r = post_json(&w, &cancel, &w.kasir_a.token, json!({"reason": "lagi"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = post_json(
        &w,
        &api(w.a, &format!("/payment-requests/{id}/confirm")),
        &w.kasir_a.token,
        confirm_body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(error_message(&r).contains("dibatalkan"), "{}", r.text());
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);
    assert_eq!(journal_count(&w).await, journal);
}

/// Now on the coop's wall clock (WIB), moved by `minutes`, as a statement writes it.
fn wib(minutes: i64) -> String {
    let t = time::OffsetDateTime::now_utc().to_offset(guyub_core::coop::CoopTimeZone::Wib.offset())
        + time::Duration::minutes(minutes);
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

async fn import(w: &World, token: &str, kind: &str, name: &str, csv: &str) -> Resp {
    w.call(
        Method::POST,
        &api(w.a, &format!("/statements?kind={kind}&file_name={name}")),
        As::Token(token),
        Payload::Raw("text/csv", csv.as_bytes().to_vec()),
    )
    .await
}

#[tokio::test]
async fn statements_are_imported_matched_reviewed_and_settled() {
    let w = World::new().await;
    set_static_qris(&w, w.a).await;
    let (m0, m1, m2) = (w.members_a[0].id, w.members_a[1].id, w.members_a[2].id);
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let kasir = &w.kasir_a.token;
    let board = &w.pengurus_a.token;
    let r1 = made(&w, kasir, bill(m1, &[(&wajib, json!(50_000))])).await;
    let r2 = made(&w, kasir, bill(m2, &[(&wajib, json!(75_000))])).await;
    let (t1, t2) = (r1["total"].as_i64().unwrap(), r2["total"].as_i64().unwrap());
    let yesterday = today().previous_day().unwrap();

    // Line 1 pays r1 (its amount, within its time); line 2 has r2's amount but a time before
    // r2 was made; line 3 fits no request.
    let csv = format!(
        "Tanggal,Nominal,MDR,RRN,Nama Pembayar\n\
         {},{t1},350,611234,BUDI\n\
         {yesterday} 08:00:00,{t2},525,611235,DEWI\n\
         {},77777,544,611236,ORANG LAIN\n",
        wib(2),
        wib(3),
    );
    let journal = journal_count(&w).await;
    let r = import(&w, kasir, "qris", "settlement.csv", &csv).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sum = r.json();
    assert_eq!(sum["lines"], 3);
    assert_eq!(sum["matched"], 1);
    assert_eq!(sum["matched_total"], t1);
    assert_eq!(
        sum["review"].as_i64().unwrap() + sum["unmatched"].as_i64().unwrap(),
        2
    );
    let sid = sum["id"].as_str().expect("statement id").to_string();
    assert_eq!(
        balance_in(&w, w.a, m1, "WAJIB").await,
        50_000,
        "the matched line posts"
    );
    assert_eq!(journal_count(&w).await, journal + 1);
    let paid = w
        .get(
            &api(
                w.a,
                &format!("/payment-requests/{}", r1["id"].as_str().unwrap()),
            ),
            As::Token(kasir),
        )
        .await
        .json();
    assert_eq!(paid["state"], "dibayar");
    assert_eq!(paid["confirmed_via"], "mutasi");
    assert_eq!(paid["paid_method"], "qris");

    // The same file again: 409, nothing posted, no second statement.
    let r = import(&w, kasir, "qris", "settlement-lagi.csv", &csv).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(error_message(&r).contains("sudah diimpor"), "{}", r.text());
    assert_eq!(journal_count(&w).await, journal + 1);
    let list = w
        .get(&api(w.a, "/statements"), As::Token(&w.pengawas_a.token))
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], sid.as_str());
    assert_eq!(list["items"][0]["kind"], "qris");
    assert_eq!(list["items"][0]["matched"], 1);

    // Files that cannot be read are refused whole, every problem listed; nothing stored.
    let r = import(
        &w,
        kasir,
        "qris",
        "rusak.csv",
        "Tanggal,Nominal,RRN\nkemarin,5000,2\nlusa,6000,3\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(error_fields(&r), vec!["file", "file"]);
    let msgs: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs[0].starts_with("Baris 2:") && msgs[1].starts_with("Baris 3:"),
        "{msgs:?}"
    );
    let r = import(&w, kasir, "bank", "aneh.csv", "Foo,Bar\n1,2\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let msg = r.json()["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("\"Foo\"") && msg.contains("\"Bar\""), "{msg}");
    let r = import(&w, kasir, "emas", "x.csv", &csv).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r), vec!["kind"]);
    assert_eq!(journal_count(&w).await, journal + 1);

    // The review: line 1 matched to r1, lines 2 and 3 open.
    let detail_path = api(w.a, &format!("/statements/{sid}"));
    let d = w.get(&detail_path, As::Token(kasir)).await.json();
    let lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["status"], "cocok");
    assert_eq!(lines[0]["request"]["id"], r1["id"]);
    assert_eq!(lines[0]["fee"], 350);
    assert_eq!(lines[2]["status"], "tidak_cocok");
    assert_eq!(lines[2]["amount"], 77_777);
    assert!(
        lines[1]["occurred_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{yesterday}T08:00:00"))
    );

    // Matching: the wrong request, a bad id, a line that is not there, then the right one.
    let line = |no: i64, act: &str| api(w.a, &format!("/statements/{sid}/lines/{no}/{act}"));
    let r = post_json(
        &w,
        &line(3, "match"),
        kasir,
        json!({"request_id": r2["id"]}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "amounts differ: {}",
        r.text()
    );
    let r = post_json(&w, &line(2, "match"), kasir, json!({"request_id": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r), vec!["request_id"]);
    let r = post_json(
        &w,
        &line(99, "match"),
        kasir,
        json!({"request_id": r2["id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post_json(
        &w,
        &api(w.a, &format!("/statements/{sid}/lines/dua/match")),
        kasir,
        json!({"request_id": r2["id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(balance_in(&w, w.a, m2, "WAJIB").await, 0);
    let r = post_json(
        &w,
        &line(2, "match"),
        kasir,
        json!({"request_id": r2["id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "cocok");
    assert!(r.json()["receipt_id"].is_string());
    assert_eq!(balance_in(&w, w.a, m2, "WAJIB").await, 75_000);
    // Decided lines stay decided.
    let r = post_json(
        &w,
        &line(2, "match"),
        kasir,
        json!({"request_id": r2["id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = post_json(&w, &line(1, "ignore"), kasir, json!({"reason": "salah"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Ignoring needs a reason.
    let r = post_json(&w, &line(3, "ignore"), kasir, json!({"reason": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r), vec!["reason"]);
    let r = post_json(
        &w,
        &line(3, "ignore"),
        kasir,
        json!({"reason": "transfer pribadi"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "diabaikan");
    let d = w.get(&detail_path, As::Token(kasir)).await.json();
    let statuses: Vec<&str> = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["cocok", "cocok", "diabaikan"]);
    assert_eq!(d["lines"][2]["note"], "transfer pribadi");
    assert_eq!(d["statement"]["ignored"], 1);
    assert_eq!(journal_count(&w).await, journal + 2);

    // Settling: both QRIS payments wait in clearing. Too large by hand is a 409.
    let settlements = async || {
        w.get(&api(w.a, "/qris-settlements"), As::Token(kasir))
            .await
            .json()
    };
    assert_eq!(settlements().await["clearing_balance"], t1 + t2);
    let today = today().to_string();
    let r = post_json(
        &w,
        &api(w.a, "/qris-settlements"),
        board,
        json!({"date": today, "gross": 10_000_000}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(error_message(&r).contains("Kliring QRIS"), "{}", r.text());
    assert_eq!(journal_count(&w).await, journal + 2);
    // The cashier may not settle the report; the board may, once.
    let settle = api(w.a, &format!("/statements/{sid}/settle"));
    let r = w
        .call(Method::POST, &settle, As::Token(kasir), Payload::None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .call(Method::POST, &settle, As::Token(board), Payload::None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let s = r.json();
    assert_eq!(s["gross"], t1 + t2);
    assert_eq!(s["mdr"], 350 + 525);
    assert_eq!(s["net"], t1 + t2 - 875);
    assert_eq!(s["statement_id"], sid.as_str());
    let r = w
        .call(Method::POST, &settle, As::Token(board), Payload::None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let listed = settlements().await;
    assert_eq!(listed["clearing_balance"], 0);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(journal_count(&w).await, journal + 3);

    // By hand, the MDR computed from the coop's rate when it is not given.
    set_payment(
        &w,
        w.a,
        PaymentChange {
            mdr: Some(MdrRate {
                effective_on: date(2020, 1, 1),
                rate: BasisPoints(70),
            }),
            ..Default::default()
        },
    )
    .await;
    let r3 = made(&w, kasir, bill(m0, &[(&wajib, json!(100_000))])).await;
    let t3 = r3["total"].as_i64().unwrap();
    let r = post_json(
        &w,
        &api(
            w.a,
            &format!("/payment-requests/{}/confirm", r3["id"].as_str().unwrap()),
        ),
        kasir,
        json!({"method": "qris", "reference": "RRN 700"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(settlements().await["clearing_balance"], t3);
    let settle_by_hand = api(w.a, "/qris-settlements");
    for (body, field) in [
        (json!({"date": "besok", "gross": 1000}), "date"),
        (json!({"date": today, "gross": "1000"}), "gross"),
        (json!({"date": today, "gross": 0}), "gross"),
        (json!({"date": today, "gross": 1000, "mdr": 1000}), "mdr"),
        (json!({"date": today, "gross": 1000, "mdr": -1}), "mdr"),
    ] {
        let r = post_json(&w, &settle_by_hand, board, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(error_fields(&r), vec![field], "{body}");
    }
    let r = post_json(
        &w,
        &settle_by_hand,
        board,
        json!({"date": today, "gross": t3, "note": "STL-0001"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let s = r.json();
    let mdr = (t3 * 70 + 5_000) / 10_000;
    assert_eq!(
        (s["gross"].as_i64(), s["mdr"].as_i64()),
        (Some(t3), Some(mdr))
    );
    assert_eq!(s["net"], t3 - mdr);
    assert_eq!(s["note"], "STL-0001");
    assert!(s["statement_id"].is_null());
    assert_eq!(settlements().await["clearing_balance"], 0);
}

#[tokio::test]
async fn the_payment_api_is_in_the_openapi_document() {
    let w = World::new().await;
    let doc = w.get("/api/openapi.json", As::Nobody).await.json();
    let base = "/api/v1/coops/{coop_id}";
    for (method, path) in [
        ("get", "/payment-requests"),
        ("post", "/payment-requests"),
        ("get", "/payment-requests/{request_id}"),
        ("post", "/payment-requests/{request_id}/confirm"),
        ("post", "/payment-requests/{request_id}/cancel"),
        ("get", "/statements"),
        ("post", "/statements"),
        ("get", "/statements/{statement_id}"),
        ("post", "/statements/{statement_id}/lines/{line_no}/match"),
        ("post", "/statements/{statement_id}/lines/{line_no}/ignore"),
        ("post", "/statements/{statement_id}/settle"),
        ("get", "/qris-settlements"),
        ("post", "/qris-settlements"),
    ] {
        assert!(
            doc["paths"][format!("{base}{path}")][method].is_object(),
            "{method} {path} is not in the document"
        );
    }
    let create = &doc["paths"][format!("{base}/payment-requests")]["post"];
    assert!(
        create["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{create}"
    );
    for schema in [
        "PaymentRequestOut",
        "PaymentRequestsOut",
        "ConfirmOut",
        "StatementImportOut",
        "StatementDetailOut",
        "SettlementOut",
        "SettlementsOut",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    assert!(doc["components"]["schemas"]["PaymentRequestOut"]["properties"]["pay_url"].is_object());
}
