//! Payment requests over HTTP: made from the counter form, shown with a QRIS and on the
//! payer's link, confirmed into the books by the cashier, cancelled; bad input and other
//! coops refused with nothing written.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::ids::MemberId;
use guyub_store::payment::request::RequestFilter;

/// Posts the counter form's "make a request" button; returns the response.
async fn bill(w: &World, s: &Session, m: MemberId, extra: &[(&str, &str)]) -> Resp {
    let kid = w.a.to_string();
    let mut f = vec![
        ("_csrf", s.csrf.as_str()),
        ("_idem", "uji-1"),
        ("method", "qris"),
    ];
    f.extend_from_slice(extra);
    w.post_form(
        &format!("/k/{kid}/kasir/{m}/tagihan"),
        As::Browser(s),
        fields(&f),
    )
    .await
}

#[tokio::test]
async fn a_request_is_made_shown_paid_and_posted_once() {
    let w = World::new().await;
    set_static_qris(&w, w.a).await;
    let kid = w.a.to_string();
    let m = w.members_a[1].id;
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let s = w.sign_in(&w.kasir_a.email).await;

    // The counter page offers it.
    let counter = w.get(&format!("/k/{kid}/kasir/{m}"), As::Browser(&s)).await;
    assert!(
        counter.text().contains("Buat tagihan"),
        "{}",
        counter.text()
    );

    let dep = format!("dep_{wajib}");
    let r = bill(&w, &s, m, &[(&dep, "50.000"), ("validity", "1j")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let detail_path = r.location();
    assert!(detail_path.starts_with(&format!("/k/{kid}/tagihan/")));
    // A double submit of the same form makes no second request.
    let again = bill(&w, &s, m, &[(&dep, "50.000"), ("validity", "1j")]).await;
    assert_eq!(again.location(), detail_path);
    assert_eq!(request_count(&w, w.a).await, 1);

    let page = w.get(&detail_path, As::Browser(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Rp 50.001"), "total with the unique code");
    assert!(html.contains("<svg"), "the QR is drawn");
    assert!(html.contains("Menunggu pembayaran"));
    let (list, _) = w
        .store
        .tenant(w.a)
        .payment_requests(&RequestFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let req = &list[0];

    // The payer's link: no sign-in, no member number, never cached or sent on.
    let public = w
        .get(&format!("/bayar/{}", req.public_token), As::Nobody)
        .await;
    assert_eq!(public.status, StatusCode::OK);
    let ph = public.text();
    assert!(ph.contains("Rp 50.001") && ph.contains(&req.ref_code));
    assert!(
        ph.contains("Conweb"),
        "the payee name the payer's app will show"
    );
    assert!(
        !ph.contains(&w.members_a[1].member_no),
        "the member number stays private"
    );
    assert!(
        ph.contains("http-equiv=\"refresh\""),
        "an open request reloads itself"
    );
    assert_eq!(public.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        public.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    let wrong = w
        .get("/bayar/0123456789abcdef0123456789abcdef", As::Nobody)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    // The customer screen for a second monitor.
    let screen = w
        .get(&format!("{detail_path}/layar"), As::Browser(&s))
        .await;
    assert_eq!(screen.status, StatusCode::OK);
    assert!(screen.text().contains("screen-qr"));

    // Confirming without the payer's reference: refused, nothing posted.
    let confirm = format!("{detail_path}/konfirmasi");
    let bad = w
        .post_form(
            &confirm,
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("method", "qris"), ("reference", "  ")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("nomor referensi"), "{}", bad.text());
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);

    let ok = w
        .post_form(
            &confirm,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("method", "qris"),
                ("reference", "RRN 612345"),
            ]),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(ok.location().starts_with(&format!("/k/{kid}/kuitansi/")));
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 50_000);
    assert_eq!(balance_in(&w, w.a, m, "SUKARELA").await, 1);

    // Twice: refused with a message, posted once.
    let twice = w
        .post_form(
            &confirm,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("method", "qris"),
                ("reference", "RRN 612345"),
            ]),
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains("sudah dibayar"));
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 50_000);

    // The payer's page now says thank you and stops reloading.
    let public = w
        .get(&format!("/bayar/{}", req.public_token), As::Nobody)
        .await
        .text();
    assert!(public.contains("Terima kasih"));
    assert!(!public.contains("http-equiv=\"refresh\""));

    // The list finds it as paid by QRIS.
    let listed = w
        .get(
            &format!("/k/{kid}/tagihan?state=dibayar&method=qris"),
            As::Browser(&s),
        )
        .await
        .text();
    assert!(listed.contains(&req.ref_code));
    let none = w
        .get(&format!("/k/{kid}/tagihan?state=menunggu"), As::Browser(&s))
        .await
        .text();
    assert!(!none.contains(&req.ref_code));
}

#[tokio::test]
async fn bad_bills_and_strangers_change_nothing() {
    let w = World::new().await;
    let m = w.members_a[1].id;
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let sukarela = product_id_in(&w, w.a, "SUKARELA").await;
    let s = w.sign_in(&w.kasir_a.email).await;
    let before = w.snapshot().await;

    for (key, value, says) in [
        (format!("dep_{wajib}"), "0", "lebih dari"),
        (format!("dep_{wajib}"), "lima ribu", "angka"),
        (format!("wd_{sukarela}"), "5000", "hanya untuk setoran"),
        ("note".to_string(), "kosong", "setidaknya satu"),
    ] {
        let r = bill(&w, &s, m, &[(&key, value)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}={value}");
        assert!(
            r.text().to_lowercase().contains(says),
            "{key}={value}: {}",
            r.text()
        );
    }
    assert_eq!(request_count(&w, w.a).await, 0);
    assert_unchanged(&before, &w.snapshot().await, "refused bills");

    // A request of coop A, seen by coop B's board and by coop A's supervisor.
    let dep = format!("dep_{wajib}");
    let r = bill(&w, &s, m, &[(&dep, "10000")]).await;
    let path = r.location();
    let b = w.sign_in(&w.pengurus_b.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&b)).await.status,
        StatusCode::FORBIDDEN
    );
    let rid = path.rsplit('/').next().unwrap();
    let via_b = format!("/k/{}/tagihan/{rid}", w.b);
    assert_eq!(
        w.get(&via_b, As::Browser(&b)).await.status,
        StatusCode::NOT_FOUND
    );
    let cross = w
        .post_form(
            &format!("{via_b}/konfirmasi"),
            As::Browser(&b),
            fields(&[("_csrf", &b.csrf), ("method", "qris"), ("reference", "x")]),
        )
        .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);

    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&pengawas)).await.status,
        StatusCode::OK
    );
    let no = w
        .post_form(
            &format!("{path}/konfirmasi"),
            As::Browser(&pengawas),
            fields(&[
                ("_csrf", &pengawas.csrf),
                ("method", "tunai"),
                ("reference", "x"),
            ]),
        )
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);

    // Cancel: a reason is required; then it is cancelled and cannot be paid.
    let empty = w
        .post_form(
            &format!("{path}/batal"),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("reason", "")]),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let c = w
        .post_form(
            &format!("{path}/batal"),
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("reason", "dibayar tunai saja")]),
        )
        .await;
    assert_eq!(c.status, StatusCode::SEE_OTHER);
    let page = w.get(&c.location(), As::Browser(&s)).await.text();
    assert!(page.contains("Tagihan dibatalkan.") && page.contains("dibayar tunai saja"));
    let late = w
        .post_form(
            &format!("{path}/konfirmasi"),
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("method", "tunai"),
                ("reference", "loket"),
            ]),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("dibatalkan"));
    assert_eq!(balance_in(&w, w.a, m, "WAJIB").await, 0);
}

#[tokio::test]
async fn a_member_sees_their_open_requests_and_their_pay_link() {
    let w = World::new().await;
    let kid = w.a.to_string();
    // members_a[0] has the anggota sign-in.
    let me = w.members_a[0].id;
    let other = w.members_a[1].id;
    let wajib = product_id_in(&w, w.a, "WAJIB").await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let dep = format!("dep_{wajib}");
    let r = bill(&w, &kasir, me, &[(&dep, "30000")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (list, _) = w
        .store
        .tenant(w.a)
        .payment_requests(&RequestFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let req = &list[0];

    let s = w.sign_in(&w.anggota_a.email).await;
    let page = w
        .get(&format!("/k/{kid}/anggota/{me}"), As::Browser(&s))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("/bayar/{}", req.public_token)),
        "the member pays from their own page"
    );
    assert!(html.contains("Rp 30.001") && html.contains(&req.ref_code));
    // Not another member's page, and the cashier's page of the member links the request.
    assert_eq!(
        w.get(&format!("/k/{kid}/anggota/{other}"), As::Browser(&s))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let staff = w
        .get(&format!("/k/{kid}/anggota/{me}"), As::Browser(&kasir))
        .await
        .text();
    assert!(staff.contains(&format!("/k/{kid}/tagihan/{}", req.id)));
    assert!(
        !staff.contains("/bayar/"),
        "staff pages link the request, not the payer's secret"
    );
}
