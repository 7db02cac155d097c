//! The books over HTTP: the API v1 for accounts, the journal, the trial balance, products,
//! balances, passbooks, savings transactions (with `Idempotency-Key`) and receipts; the
//! passbook exported as .xlsx and read back; opening balances imported from a file.

mod common;

use std::io::Cursor;

use axum::http::{Method, StatusCode};
use calamine::{Data, Reader, Xlsx};
use common::*;
use serde_json::{Value, json};

fn coop_api(w: &World, rest: &str) -> String {
    format!("/api/v1/coops/{}{rest}", w.a)
}

async fn products(w: &World) -> Value {
    let r = w
        .get(&coop_api(w, "/products"), As::Token(&w.pengurus_a.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["products"].clone()
}

async fn product_id(w: &World, code: &str) -> String {
    products(w)
        .await
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("product {code}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Posts a savings transaction through the API with an optional key.
async fn post_tx(w: &World, token: &str, member: &str, key: Option<&str>, body: Value) -> Resp {
    let mut req = w.request(
        Method::POST,
        &coop_api(w, &format!("/members/{member}/savings-transactions")),
        As::Token(token),
        Payload::Json(body),
    );
    if let Some(k) = key {
        req.headers_mut()
            .insert("idempotency-key", k.parse().expect("header"));
    }
    w.send(req).await
}

fn deposit(product: &str, amount: Value) -> Value {
    json!({"method": "tunai", "movements": [{"product_id": product, "kind": "setoran", "amount": amount}]})
}

async fn journal_count(w: &World) -> usize {
    let r = w
        .get(&coop_api(w, "/journal"), As::Token(&w.pengurus_a.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["entries"].as_array().expect("entries").len()
}

fn error_code(r: &Resp) -> String {
    r.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn books_routes_follow_the_pages_access_rules() {
    let w = World::new().await;
    let wajib = product_id(&w, "WAJIB").await;
    let m1 = w.members_a[1].id.to_string();
    let own = w.members_a[0].id.to_string();
    // Something to read: a deposit by the cashier.
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m1,
        Some("k-1"),
        deposit(&wajib, json!(50000)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let receipt = r.json();
    let rid = receipt["id"].as_str().expect("receipt id").to_string();
    let entry_id = receipt["lines"][0]["entry_id"]
        .as_str()
        .expect("entry id")
        .to_string();

    let books = [
        "/accounts".to_string(),
        "/journal".to_string(),
        format!("/journal/{entry_id}"),
        "/trial-balance".to_string(),
    ];
    let member_reads = [
        format!("/members/{m1}/savings"),
        format!("/members/{m1}/savings/{wajib}/passbook"),
        "/products".to_string(),
        format!("/receipts/{rid}"),
    ];
    // The board and the supervisors read everything; the cashier reads members' savings but
    // not the books; the board of another coop reads nothing.
    for (who, token, books_ok, members_ok) in [
        ("pengurus", &w.pengurus_a.token, true, true),
        ("pengawas", &w.pengawas_a.token, true, true),
        ("kasir", &w.kasir_a.token, false, true),
        ("admin", &w.admin.token, true, true),
        ("pengurus B", &w.pengurus_b.token, false, false),
        ("dinas", &w.dinas_malang.token, false, false),
    ] {
        for (paths, ok) in [(&books, books_ok), (&member_reads, members_ok)] {
            for p in paths.iter() {
                let r = w.get(&coop_api(&w, p), As::Token(token)).await;
                let want = if ok {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(r.status, want, "{who} GET {p}: {}", r.text());
                if !ok {
                    assert_eq!(error_code(&r), "forbidden", "{who} GET {p}");
                }
            }
        }
    }
    // A member reads their own savings and passbook, not another member's, nor the books.
    let t = &w.anggota_a.token;
    for p in [
        format!("/members/{own}/savings"),
        format!("/members/{own}/savings/{wajib}/passbook"),
        "/products".to_string(),
    ] {
        let r = w.get(&coop_api(&w, &p), As::Token(t)).await;
        assert_eq!(r.status, StatusCode::OK, "anggota GET {p}: {}", r.text());
    }
    for p in [
        format!("/members/{m1}/savings"),
        format!("/members/{m1}/savings/{wajib}/passbook"),
        format!("/receipts/{rid}"),
        "/accounts".to_string(),
        "/journal".to_string(),
        "/trial-balance".to_string(),
    ] {
        let r = w.get(&coop_api(&w, &p), As::Token(t)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "anggota GET {p}");
    }
    // Posting: board and cashier yes; supervisors, members and other coops no.
    let before = journal_count(&w).await;
    for (who, token) in [
        ("pengawas", &w.pengawas_a.token),
        ("anggota", &w.anggota_a.token),
        ("pengurus B", &w.pengurus_b.token),
    ] {
        let r = post_tx(
            &w,
            token,
            &m1,
            Some(&format!("x-{who}")),
            deposit(&wajib, json!(1000)),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} POST: {}", r.text());
        assert_eq!(error_code(&r), "forbidden");
    }
    assert_eq!(
        journal_count(&w).await,
        before,
        "a refused post wrote an entry"
    );
    let r = post_tx(
        &w,
        &w.pengurus_a.token,
        &m1,
        Some("p-1"),
        deposit(&wajib, json!(25000)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // What was read is right: the passbook, the balances, the entry, the trial balance.
    let pb = w
        .get(
            &coop_api(&w, &format!("/members/{m1}/savings/{wajib}/passbook")),
            As::Token(&w.pengawas_a.token),
        )
        .await
        .json();
    assert_eq!(pb["balance"], 75000);
    let amounts: Vec<i64> = pb["transactions"]
        .as_array()
        .expect("txs")
        .iter()
        .map(|t| t["amount"].as_i64().expect("amount"))
        .collect();
    assert_eq!(amounts, vec![50000, 25000]);
    let bal = w
        .get(
            &coop_api(&w, &format!("/members/{m1}/savings")),
            As::Token(&w.kasir_a.token),
        )
        .await
        .json();
    assert_eq!(bal["total"], 75000);
    let entry = w
        .get(
            &coop_api(&w, &format!("/journal/{entry_id}")),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    let (d, c) = entry["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .fold((0, 0), |(d, c), l| {
            (
                d + l["debit"].as_i64().unwrap(),
                c + l["credit"].as_i64().unwrap(),
            )
        });
    assert_eq!((d, c), (50000, 50000));
    assert_eq!(entry["source"], "savings");
    let tb = w
        .get(
            &coop_api(&w, "/trial-balance"),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    assert_eq!(tb["balanced"], true);
    assert_eq!(tb["total_debit"], 75000);
    let accounts = w
        .get(&coop_api(&w, "/accounts"), As::Token(&w.pengurus_a.token))
        .await
        .json();
    let wajib_account = accounts["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["role"] == "simpanan_wajib")
        .expect("wajib account")
        .clone();
    assert_eq!(wajib_account["balance"], 75000);
    // The journal by date and by page.
    let today = today().to_string();
    let j = w
        .get(
            &coop_api(&w, &format!("/journal?from={today}&until={today}&page=1")),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(j.json()["entries"].as_array().unwrap().len(), 2);
    let j = w
        .get(
            &coop_api(&w, "/journal?from=kemarin"),
            As::Token(&w.pengurus_a.token),
        )
        .await;
    assert_eq!(j.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&j), "bad_request");
    // Ids of another coop or of nothing are not found.
    let kb = w.b.to_string();
    let r = w
        .get(
            &format!("/api/v1/coops/{kb}/receipts/{rid}"),
            As::Token(&w.pengurus_b.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .get(
            &format!("/api/v1/coops/{kb}/journal/{entry_id}"),
            As::Token(&w.pengurus_b.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn idempotency_key_replays_the_first_receipt_and_posts_once() {
    let w = World::new().await;
    let sukarela = product_id(&w, "SUKARELA").await;
    let m = w.members_a[2].id.to_string();
    let body = json!({"method": "transfer", "movements": [
        {"product_id": sukarela, "kind": "setoran", "amount": 300000}
    ], "note": "setoran awal"});
    let before = journal_count(&w).await;
    let first = post_tx(&w, &w.kasir_a.token, &m, Some("abc-123"), body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let first = first.json();
    assert_eq!(first["total"], 300000);
    assert_eq!(first["method"], "transfer");
    assert_eq!(first["lines"][0]["balance_after"], 300000);
    assert_eq!(first["cashier"], "Kasir A");
    // The same key and body again: the first receipt, 200, nothing posted.
    let again = post_tx(&w, &w.kasir_a.token, &m, Some("abc-123"), body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    let again = again.json();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["receipt_no"], first["receipt_no"]);
    assert_eq!(journal_count(&w).await, before + 1);
    // The same key with another body: 409, nothing posted.
    let other = json!({"method": "transfer", "movements": [
        {"product_id": sukarela, "kind": "setoran", "amount": 300001}
    ]});
    let r = post_tx(&w, &w.kasir_a.token, &m, Some("abc-123"), other.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(error_code(&r), "conflict");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("idempotensi")
    );
    // No key: 400 with a message that names the header.
    let r = post_tx(&w, &w.kasir_a.token, &m, None, other.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "bad_request");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    let r = post_tx(&w, &w.kasir_a.token, &m, Some("  "), other).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(journal_count(&w).await, before + 1);
    let pb = w
        .get(
            &coop_api(&w, &format!("/members/{m}/savings/{sukarela}/passbook")),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    assert_eq!(pb["balance"], 300000);
    assert_eq!(pb["transactions"].as_array().unwrap().len(), 1);
    // A withdrawal above the balance is a 409 and writes nothing.
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m,
        Some("wd-1"),
        json!({"method": "tunai", "movements": [{"product_id": sukarela, "kind": "penarikan", "amount": 300001}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m,
        Some("wd-2"),
        json!({"method": "tunai", "movements": [{"product_id": sukarela, "kind": "penarikan", "amount": 100000}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["total"], -100000);
    assert_eq!(journal_count(&w).await, before + 2);
}

#[tokio::test]
async fn bad_amounts_and_bodies_are_refused_with_json_errors() {
    let w = World::new().await;
    let wajib = product_id(&w, "WAJIB").await;
    let pokok = product_id(&w, "POKOK").await;
    let m = w.members_a[1].id.to_string();
    let before = journal_count(&w).await;
    for (i, amount) in [
        json!(0),
        json!(-5000),
        json!("10000"),
        json!(10000.5),
        json!(null),
    ]
    .into_iter()
    .enumerate()
    {
        let r = post_tx(
            &w,
            &w.kasir_a.token,
            &m,
            Some(&format!("bad-{i}")),
            deposit(&wajib, amount.clone()),
        )
        .await;
        assert!(
            matches!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
            ),
            "{amount}: {} {}",
            r.status,
            r.text()
        );
        let v = r.json();
        assert_eq!(v["error"]["code"], "invalid", "{amount}");
        assert_eq!(
            v["error"]["fields"][0]["field"], "movements[0].amount",
            "{amount}"
        );
    }
    // Several problems at once, each named.
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m,
        Some("bad-many"),
        json!({"method": "emas", "movements": [
            {"product_id": "bukan-produk", "kind": "setoran", "amount": 1000},
            {"product_id": pokok, "kind": "hadiah", "amount": 1000}
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        vec!["method", "movements[0].product_id", "movements[1].kind"]
    );
    // In English when asked.
    let mut req = w.request(
        Method::POST,
        &coop_api(&w, &format!("/members/{m}/savings-transactions?lang=en")),
        As::Token(&w.kasir_a.token),
        Payload::Json(deposit(&wajib, json!(0))),
    );
    req.headers_mut()
        .insert("idempotency-key", "en-1".parse().unwrap());
    let r = w.send(req).await;
    assert_eq!(
        r.json()["error"]["fields"][0]["message"],
        "The amount must be more than 0."
    );
    // Not JSON at all, or a withdrawal of pokok.
    let r = w
        .send({
            let mut req = w.request(
                Method::POST,
                &coop_api(&w, &format!("/members/{m}/savings-transactions")),
                As::Token(&w.kasir_a.token),
                Payload::Raw("application/json", b"{\"method\": tunai".to_vec()),
            );
            req.headers_mut()
                .insert("idempotency-key", "raw-1".parse().unwrap());
            req
        })
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "bad_request");
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m,
        Some("pokok-out"),
        json!({"method": "tunai", "movements": [{"product_id": pokok, "kind": "penarikan", "amount": 1000}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A member of another coop is not found here.
    let other = w.members_b[0].id.to_string();
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &other,
        Some("b-1"),
        deposit(&wajib, json!(1000)),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        journal_count(&w).await,
        before,
        "a refused request wrote an entry"
    );
}

#[tokio::test]
async fn the_api_is_in_the_openapi_document() {
    let w = World::new().await;
    let doc = w.get("/api/openapi.json", As::Nobody).await.json();
    let post =
        &doc["paths"]["/api/v1/coops/{coop_id}/members/{member_id}/savings-transactions"]["post"];
    assert!(
        post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{post}"
    );
    assert!(doc["components"]["schemas"]["ReceiptOut"].is_object());
    assert!(doc["components"]["schemas"]["PassbookOut"].is_object());
}

// ---------------------------------------------------------------------------------------------
// Passbook XLSX

/// Excel's serial day number of a date (1900 system).
fn serial(d: time::Date) -> f64 {
    (d - date(1899, 12, 30)).whole_days() as f64
}

#[tokio::test]
async fn the_passbook_exports_to_xlsx_and_reads_back() {
    let w = World::new().await;
    let sukarela = product_id(&w, "SUKARELA").await;
    let own = w.members_a[0].id.to_string();
    for (i, (kind, amount)) in [
        ("setoran", 150000),
        ("setoran", 2500000),
        ("penarikan", 400000),
    ]
    .into_iter()
    .enumerate()
    {
        let r = post_tx(
            &w,
            &w.kasir_a.token,
            &own,
            Some(&format!("x-{i}")),
            json!({"method": "tunai", "movements": [{"product_id": sukarela, "kind": kind, "amount": amount}]}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let pb = w
        .get(
            &coop_api(&w, &format!("/members/{own}/savings/{sukarela}/passbook")),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    let url = format!("/k/{}/anggota/{own}/simpanan.xlsx?produk={sukarela}", w.a);
    // The member themselves downloads it.
    let s = w.sign_in(&w.anggota_a.email).await;
    let r = w.get(&url, As::Browser(&s)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.header("content-type").unwrap().contains("spreadsheetml"),
        "{:?}",
        r.header("content-type")
    );
    assert!(r.header("content-disposition").unwrap().contains(".xlsx"));
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(r.bytes.clone())).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        other => format!("{other:?}"),
    };
    assert!(text(&rows[0][1]).contains("KSP Arta Mandiri Malang"));
    assert!(text(&rows[1][1]).contains(&w.members_a[0].member_no));
    assert!(text(&rows[1][1]).contains("Siti Rahayu"));
    assert_eq!(text(&rows[2][1]), "Simpanan sukarela");
    assert_eq!(rows[3][1], Data::Float(2250000.0));
    assert_eq!(text(&rows[5][0]), "Tanggal");
    let txs = pb["transactions"].as_array().expect("txs");
    assert_eq!(rows.len(), 6 + txs.len());
    for (row, t) in rows[6..].iter().zip(txs) {
        let amount = t["amount"].as_i64().unwrap() as f64;
        match &row[0] {
            Data::DateTime(dt) => {
                let d = guyub_core::member::parse_date(t["date"].as_str().unwrap()).unwrap();
                assert_eq!(dt.as_f64(), serial(d));
            }
            other => panic!("date cell is {other:?}"),
        }
        let cell = |i: usize| match row.get(i) {
            Some(Data::Float(f)) => *f,
            Some(Data::Int(n)) => *n as f64,
            _ => 0.0,
        };
        assert_eq!(cell(2), amount.max(0.0));
        assert_eq!(cell(3), (-amount).max(0.0));
        assert_eq!(cell(4), t["balance_after"].as_i64().unwrap() as f64);
    }
    // Another member's passbook is refused to a member; the board of coop B is refused.
    let other = w.members_a[1].id.to_string();
    let r = w
        .get(
            &format!("/k/{}/anggota/{other}/simpanan.xlsx?produk={sukarela}", w.a),
            As::Browser(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let b = w.sign_in(&w.pengurus_b.email).await;
    let r = w.get(&url, As::Browser(&b)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The passbook page links to it.
    let page = w
        .get(
            &format!("/k/{}/anggota/{own}/simpanan?produk={sukarela}", w.a),
            As::Browser(&s),
        )
        .await;
    assert!(
        page.text()
            .contains(&format!("simpanan.xlsx?produk={sukarela}"))
    );
}

// ---------------------------------------------------------------------------------------------
// Opening balances

async fn upload_opening(w: &World, s: &Session, date: &str, name: &str, bytes: Vec<u8>) -> Resp {
    w.call(
        Method::POST,
        &format!("/k/{}/buku/saldo-awal", w.a),
        As::Browser(s),
        Payload::Multipart(vec![
            Part::text("_csrf", &s.csrf),
            Part::text("tanggal", date),
            Part::file("file", name, "text/csv", bytes),
        ]),
    )
    .await
}

#[tokio::test]
async fn opening_balances_are_previewed_then_committed_once() {
    let w = World::new().await;
    let wajib = product_id(&w, "WAJIB").await;
    let m = &w.members_a;
    // Member 1 already has wajib.
    let r = post_tx(
        &w,
        &w.kasir_a.token,
        &m[1].id.to_string(),
        Some("pre-1"),
        deposit(&wajib, json!(10000)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let s = w.sign_in(&w.pengurus_a.email).await;
    let today = today().to_string();

    // The form and the templates.
    let form = w
        .get(&format!("/k/{}/buku/saldo-awal", w.a), As::Browser(&s))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let t = w
        .get(
            &format!("/k/{}/buku/saldo-awal/templat.xlsx", w.a),
            As::Browser(&s),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.bytes.starts_with(b"PK"));
    let t = w
        .get(
            &format!("/k/{}/buku/saldo-awal/templat.csv", w.a),
            As::Browser(&s),
        )
        .await;
    assert!(
        t.text()
            .starts_with("no_anggota,nik,nama,kode_produk,saldo")
    );
    // The supervisor may not import.
    let p = w.sign_in(&w.pengawas_a.email).await;
    let r = w
        .get(&format!("/k/{}/buku/saldo-awal", w.a), As::Browser(&p))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A file with every kind of problem.
    let nik2 = m[2].nik.clone().expect("nik");
    let bad = format!(
        "no_anggota;nik;nama;kode_produk;saldo\n\
         {no0};;Siti;POKOK;100.000\n\
         XX-99999;;Orang Asing;WAJIB;50.000\n\
         {no0};;Siti;EMAS;50.000\n\
         ;{nik2};Dewi;SUKARELA;10.000,50\n\
         ;{nik2};Dewi;SUKARELA;0\n\
         {no0};;Siti;pokok;5.000\n\
         {no1};;Budi;WAJIB;120.000\n",
        no0 = m[0].member_no,
        no1 = m[1].member_no,
    );
    let r = upload_opening(&w, &s, &today, "saldo.csv", bad.into_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let preview = r.location();
    let page = w.get(&preview, As::Browser(&s)).await;
    let html = page.text();
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "XX-99999 tidak ditemukan",
        "Kode produk EMAS tidak dikenal",
        "tanpa sen",
        "harus lebih dari 0",
        "sudah ada di baris 2",
        "sudah punya Simpanan wajib",
        "(6 / 7)",
    ] {
        assert!(
            html.contains(needle),
            "{needle} not in the preview:\n{html}"
        );
    }
    assert!(
        !html.contains("/simpan\""),
        "a commit form on a file with problems"
    );
    let commit = format!("{preview}/simpan");
    let before = journal_count(&w).await;
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(journal_count(&w).await, before);

    // A good file: member 0 by number, member 2 by NIK; posted once.
    let good = format!(
        "no_anggota,nik,nama,kode_produk,saldo\n\
         {no0},,Siti,POKOK,100000\n\
         {no0},,Siti,WAJIB,\"1.200.000\"\n\
         ,{nik2},Dewi,SUKARELA,Rp 350.000\n",
        no0 = m[0].member_no,
    );
    let r = upload_opening(&w, &s, &today, "saldo-baik.csv", good.into_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let preview = r.location();
    let html = w.get(&preview, As::Browser(&s)).await.text();
    assert!(html.contains(&format!("{preview}/simpan")), "{html}");
    assert!(html.contains("Rp 1.650.000"), "{html}");
    let commit = format!("{preview}/simpan");
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(journal_count(&w).await, before + 1);
    let bal = w
        .get(
            &coop_api(&w, &format!("/members/{}/savings", m[0].id)),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    assert_eq!(bal["total"], 1_300_000);
    let bal = w
        .get(
            &coop_api(&w, &format!("/members/{}/savings", m[2].id)),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    assert_eq!(bal["total"], 350_000);
    let journal = w
        .get(&coop_api(&w, "/journal"), As::Token(&w.pengurus_a.token))
        .await
        .json();
    let opening = &journal["entries"][0];
    assert_eq!(opening["source"], "opening");
    assert_eq!(opening["total"], 1_650_000);
    let tb = w
        .get(
            &coop_api(&w, "/trial-balance"),
            As::Token(&w.pengurus_a.token),
        )
        .await
        .json();
    assert_eq!(tb["balanced"], true);
    // The page says it was posted; a second commit is refused and posts nothing.
    let html = w.get(&preview, As::Browser(&s)).await.text();
    assert!(html.contains("sudah dicatat"), "{html}");
    let r = w
        .post_form(&commit, As::Browser(&s), fields(&[("_csrf", &s.csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(journal_count(&w).await, before + 1);
    // Uploading the same file again now reports the balances just posted.
    let again = format!(
        "no_anggota,kode_produk,saldo\n{},POKOK,100000\n",
        m[0].member_no
    );
    let r = upload_opening(&w, &s, &today, "lagi.csv", again.into_bytes()).await;
    let html = w.get(&r.location(), As::Browser(&s)).await.text();
    assert!(html.contains("sudah punya Simpanan pokok"), "{html}");
    // A date in the future or a missing file: the form again, 422, nothing stored.
    let r = upload_opening(
        &w,
        &s,
        "2999-01-01",
        "x.csv",
        b"no_anggota,kode_produk,saldo\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("masa depan"));
    // A member import's id is not an opening import.
    let r = w
        .get(
            &format!("/k/{}/buku/saldo-awal/{}", w.a, w.import_a),
            As::Browser(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
