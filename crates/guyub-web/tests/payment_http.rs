//! The payment settings page and API over HTTP: the static QRIS pasted or read from an image,
//! bank accounts, the MDR; bad input refused with nothing written; only the coop's board
//! changes them.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use guyub_core::ids::KoperasiId;
use guyub_core::payment::qr::{QUIET_ZONE, QrMatrix};
use guyub_store::audit::AuditFilter;
use guyub_store::payment::PaymentSettings;
use serde_json::json;

fn vector(name: &str) -> String {
    let all: serde_json::Value = serde_json::from_str(include_str!(
        "../../guyub-core/tests/data/qris-dev-vectors.json"
    ))
    .expect("vectors");
    all.as_array()
        .expect("array")
        .iter()
        .find(|v| v["name"] == name)
        .and_then(|v| v["payload"].as_str())
        .unwrap_or_else(|| panic!("vector {name}"))
        .to_string()
}

/// An 8-bit greyscale PNG of `text` as a QR code (4 px per module), or a blank one.
fn png_of(text: Option<&str>) -> Vec<u8> {
    let m = text.map(|t| QrMatrix::new(t).expect("qr"));
    let modules = m.as_ref().map(|m| m.width()).unwrap_or(21) + 2 * QUIET_ZONE;
    let scale = 4;
    let side = modules * scale;
    let mut px = vec![255u8; side * side];
    if let Some(m) = &m {
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / scale, y / scale);
                if mx >= QUIET_ZONE
                    && my >= QUIET_ZONE
                    && m.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE)
                {
                    px[y * side + x] = 0;
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("header");
        w.write_image_data(&px).expect("data");
    }
    out
}

async fn settings(w: &World, k: KoperasiId) -> PaymentSettings {
    w.store
        .tenant(k)
        .payment_settings()
        .await
        .expect("settings")
}

async fn audit_len(w: &World, k: KoperasiId) -> usize {
    w.store
        .tenant(k)
        .audit_log(&AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .expect("audit")
        .len()
}

fn qris_form(csrf: &str, text: &str, image: Option<Vec<u8>>) -> Payload {
    let mut parts = vec![Part::text("_csrf", csrf), Part::text("payload", text)];
    parts.push(match image {
        Some(bytes) => Part::file("image", "stiker.png", "image/png", bytes),
        // A browser sends an empty file part when no file was chosen.
        None => Part::file("image", "", "application/octet-stream", vec![]),
    });
    Payload::Multipart(parts)
}

#[tokio::test]
async fn the_board_sets_qris_accounts_and_mdr() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let base = format!("/k/{}/pembayaran", w.a);

    // The coop page links to the settings.
    let profile = w.get(&format!("/k/{}/profil", w.a), As::Browser(&s)).await;
    assert!(profile.text().contains(&base));

    // Pasted with a trailing newline and a lower-case CRC: forgiven, stored canonical.
    let pasted = format!("  {}\n", QRIS_DANA.replace("5C12", "5c12"));
    let r = w
        .call(
            Method::POST,
            &format!("{base}/qris"),
            As::Browser(&s),
            qris_form(&s.csrf, &pasted, None),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{base}?ok=qris-saved-fixed"));
    let page = w.get(&r.location(), As::Browser(&s)).await;
    let html = page.text();
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "Conweb",
        "ID1026562375893",
        "Kota Palembang",
        "<svg",
        "QRIS tersimpan",
    ] {
        assert!(html.contains(want), "page lacks {want}");
    }
    assert_eq!(
        settings(&w, w.a).await.qris.expect("qris").payload,
        QRIS_DANA
    );

    // Two bank accounts, the second made the default, then deactivated.
    for (bank, number) in [("Bank Jatim", "0012 3456 78"), ("BRI", "1234-5678-90")] {
        let r = w
            .post_form(
                &format!("{base}/rekening"),
                As::Browser(&s),
                fields(&[
                    ("_csrf", &s.csrf),
                    ("bank_name", bank),
                    ("account_number", number),
                    ("holder_name", "KSP Arta Mandiri"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let ps = settings(&w, w.a).await;
    assert_eq!(ps.accounts.len(), 2);
    assert_eq!(ps.accounts[0].account_number, "0012345678");
    let bri = ps.accounts[1].id;
    let r = w
        .post_form(
            &format!("{base}/rekening/{bri}/utama"),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(settings(&w, w.a).await.accounts[0].id == bri);
    let r = w
        .post_form(
            &format!("{base}/rekening/{bri}/nonaktif"),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ps = settings(&w, w.a).await;
    assert_eq!(ps.accounts.len(), 2, "never deleted");
    assert!(ps.accounts.iter().any(|a| a.id == bri && !a.active));

    // The MDR with its date.
    let r = w
        .post_form(
            &format!("{base}/mdr"),
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("mdr", "0,7"),
                ("effective_on", "2024-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(settings(&w, w.a).await.mdr[0].rate.0, 70);

    // The sticker as an image.
    let gopay = vector("qris-static-gopay-anjani");
    let r = w
        .call(
            Method::POST,
            &format!("{base}/qris"),
            As::Browser(&s),
            qris_form(&s.csrf, "", Some(png_of(Some(&gopay)))),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(settings(&w, w.a).await.qris.expect("qris").payload, gopay);

    // Pengawas may look, not change.
    let p = w.sign_in(&w.pengawas_a.email).await;
    let page = w.get(&base, As::Browser(&p)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("/pembayaran/qris"));
}

#[tokio::test]
async fn bad_codes_are_refused_with_nothing_written() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let base = format!("/k/{}/pembayaran", w.a);
    let before = (settings(&w, w.a).await, audit_len(&w, w.a).await);
    let wrong_crc = QRIS_DANA.replace("5C12", "5C13");
    let lying_length = QRIS_DANA.replace("5906Conweb", "5909Conweb");
    let duitnow = vector("duitnow-official-example-1");
    let dynamic = vector("qris-dynamic-ovo-tims-donuts");
    let cases: Vec<(&str, Payload)> = vec![
        ("wrong CRC", qris_form(&s.csrf, &wrong_crc, None)),
        ("length that lies", qris_form(&s.csrf, &lying_length, None)),
        ("DuitNow", qris_form(&s.csrf, &duitnow, None)),
        ("dynamic", qris_form(&s.csrf, &dynamic, None)),
        ("empty", qris_form(&s.csrf, "", None)),
        (
            "image with no QR",
            qris_form(&s.csrf, QRIS_DANA, Some(png_of(None))),
        ),
        (
            "not an image",
            qris_form(&s.csrf, "", Some(b"hello".to_vec())),
        ),
    ];
    for (what, body) in cases {
        let r = w
            .call(Method::POST, &format!("{base}/qris"), As::Browser(&s), body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let html = r.text();
        assert!(html.contains("Tidak ada yang disimpan"), "{what}: {html}");
        assert!(html.contains("notice err"), "{what}");
    }
    let r = w
        .call(
            Method::POST,
            &format!("{base}/qris"),
            As::Browser(&s),
            qris_form(&s.csrf, &duitnow, None),
        )
        .await;
    assert!(
        r.text().to_lowercase().contains("duitnow"),
        "names the scheme"
    );
    // Bad bank account and MDR.
    let r = w
        .post_form(
            &format!("{base}/rekening"),
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("bank_name", "BRI"),
                ("account_number", "12AB"),
                ("holder_name", "X"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Nomor rekening hanya berisi angka"));
    let r = w
        .post_form(
            &format!("{base}/mdr"),
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("mdr", "70"),
                ("effective_on", "2024-01-01"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A missing CSRF token.
    let r = w
        .call(
            Method::POST,
            &format!("{base}/qris"),
            As::Browser(&s),
            qris_form("", QRIS_DANA, None),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        (settings(&w, w.a).await, audit_len(&w, w.a).await),
        before,
        "something was written"
    );
}

#[tokio::test]
async fn kasir_pengawas_and_another_coop_cannot_change_settings() {
    let w = World::new().await;
    let base = format!("/k/{}/pembayaran", w.a);
    let before = w.snapshot().await;
    let before_ps = settings(&w, w.a).await;
    for email in [&w.kasir_a.email, &w.pengawas_a.email, &w.pengurus_b.email] {
        let s = w.sign_in(email).await;
        let r = w
            .call(
                Method::POST,
                &format!("{base}/qris"),
                As::Browser(&s),
                qris_form(&s.csrf, QRIS_DANA, None),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        let r = w
            .post_form(
                &format!("{base}/mdr"),
                As::Browser(&s),
                fields(&[
                    ("_csrf", &s.csrf),
                    ("mdr", "0,7"),
                    ("effective_on", "2024-01-01"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
    }
    // The kasir does not even see the page (bank details are for the board and pengawas).
    let k = w.sign_in(&w.kasir_a.email).await;
    assert_eq!(
        w.get(&base, As::Browser(&k)).await.status,
        StatusCode::FORBIDDEN
    );
    // The API, by token.
    let api = format!("/api/v1/coops/{}/payment-settings", w.a);
    for token in [&w.kasir_a.token, &w.pengawas_a.token, &w.pengurus_b.token] {
        let r = w
            .call(
                Method::PUT,
                &api,
                As::Token(token),
                Payload::Json(json!({"qris": QRIS_DANA})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "forbidden");
    }
    assert_unchanged(
        &before,
        &w.snapshot().await,
        "refused payment settings changes",
    );
    assert_eq!(settings(&w, w.a).await, before_ps);
}

#[tokio::test]
async fn the_api_reads_and_writes_with_the_same_rules() {
    let w = World::new().await;
    let api = format!("/api/v1/coops/{}/payment-settings", w.a);
    let t = As::Token(&w.pengurus_a.token);
    let r = w.get(&api, t).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["qris"], serde_json::Value::Null);

    let before = (settings(&w, w.a).await, audit_len(&w, w.a).await);
    // One bad part refuses the whole change.
    let r = w
        .call(
            Method::PUT,
            &api,
            t,
            Payload::Json(json!({
                "qris": QRIS_DANA.replace("5C12", "5C13"),
                "add_bank_accounts": [{"bank_name": "BRI", "account_number": "1234567890", "holder_name": "KSP Arta"}],
                "mdr": {"effective_on": "2024-01-01", "rate_bp": 5000}
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let v = r.json();
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(fields.contains(&"qris") && fields.contains(&"mdr"), "{v}");
    assert_eq!((settings(&w, w.a).await, audit_len(&w, w.a).await), before);

    let r = w
        .call(
            Method::PUT,
            &api,
            t,
            Payload::Json(json!({
                "qris": QRIS_DANA,
                "add_bank_accounts": [{"bank_name": "BRI", "account_number": "1234 5678 90", "holder_name": "KSP Arta"}],
                "mdr": {"effective_on": "2024-01-01", "rate_bp": 70}
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["qris"]["merchant_name"], "Conweb");
    assert_eq!(v["qris"]["nmid"], "ID1026562375893");
    assert_eq!(v["bank_accounts"][0]["account_number"], "1234567890");
    assert_eq!(v["bank_accounts"][0]["is_default"], true);
    assert_eq!(v["mdr"][0]["rate_bp"], 70);
    // Pengawas reads it.
    let r = w.get(&api, As::Token(&w.pengawas_a.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    // A DuitNow code through the API.
    let r = w
        .call(
            Method::PUT,
            &api,
            t,
            Payload::Json(json!({"qris": vector("duitnow-official-example-1")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
