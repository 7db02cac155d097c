//! The savings pages over HTTP: coop-defined products, the wajib arrears list, the daily cash
//! closing and the leaving settlement: who may open and post them, bad input refused with
//! nothing written, and the happy paths through Post/Redirect/Get.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::member::MemberStatus;

async fn journal_len(w: &World) -> usize {
    w.store
        .tenant(w.a)
        .journal(None, None, 100_000, 0)
        .await
        .expect("journal")
        .len()
}

fn with_csrf(s: &Session, pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = fields(pairs);
    f.insert(0, ("_csrf".to_string(), s.csrf.clone()));
    f
}

#[tokio::test]
async fn only_the_board_settles_a_leaving_member() {
    let w = World::new().await;
    let a = w.a.to_string();
    let m = &w.members_a[1];
    let path = format!("/k/{a}/anggota/{}/keluar", m.id);
    let today = today().to_string();
    let form = |s: &Session| {
        with_csrf(
            s,
            &[
                ("date", &today),
                ("reason", "Pindah kota"),
                ("pay", "tunai"),
            ],
        )
    };

    // The pengawas reads the statement but cannot settle; the kasir cannot even read it.
    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    let r = w.get(&path, As::Browser(&pengawas)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains(&format!("action=\"{path}\"")));
    let before = journal_len(&w).await;
    let r = w
        .post_form(&path, As::Browser(&pengawas), form(&pengawas))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let kasir = w.sign_in(&w.kasir_a.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&kasir)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = w.post_form(&path, As::Browser(&kasir), form(&kasir)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another coop's board.
    let b = w.sign_in(&w.pengurus_b.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&b)).await.status,
        StatusCode::FORBIDDEN
    );
    let member = w.store.tenant(w.a).member(m.id).await.unwrap();
    assert_eq!(member.status, MemberStatus::Aktif);
    assert_eq!(journal_len(&w).await, before);

    // The board: bad input first (no reason, a date in the future, no way to pay).
    let p = w.sign_in(&w.pengurus_a.email).await;
    let page = w.get(&path, As::Browser(&p)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&format!("action=\"{path}\"")));
    let tomorrow = (today_date() + time::Duration::days(1)).to_string();
    let r = w
        .post_form(
            &path,
            As::Browser(&p),
            with_csrf(
                &p,
                &[("date", &tomorrow), ("reason", " "), ("pay", "kapan-kapan")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(
        text.contains("masa depan") && text.contains("alasan berhenti"),
        "{text}"
    );
    assert!(text.contains("Pilih cara pengembalian"));
    assert_eq!(
        w.store.tenant(w.a).member(m.id).await.unwrap().status,
        MemberStatus::Aktif
    );
    // A deposit, then the settlement with the refund owed (payable).
    let wajib = w
        .store
        .tenant(w.a)
        .products()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code == "WAJIB")
        .unwrap();
    let r = w
        .post_form(
            &format!("/k/{a}/kasir/{}", m.id),
            As::Browser(&kasir),
            with_csrf(
                &kasir,
                &[
                    (&format!("dep_{}", wajib.id), "60.000"),
                    ("method", "tunai"),
                    ("_idem", "tes-keluar-1"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = w
        .post_form(
            &path,
            As::Browser(&p),
            with_csrf(
                &p,
                &[
                    ("date", &today),
                    ("reason", "Pindah kota"),
                    ("pay", "nanti"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{path}?ok=member-settled"));
    let page = w.get(&r.location(), As::Browser(&p)).await.text();
    assert!(page.contains("Penyelesaian keluar tersimpan"));
    assert!(page.contains("Rp 60.000") && page.contains("Bayar sekarang"));
    let member = w.store.tenant(w.a).member(m.id).await.unwrap();
    assert_eq!(member.status, MemberStatus::Berhenti);
    // Settling twice is refused.
    let r = w.post_form(&path, As::Browser(&p), form(&p)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The printable statement, A4 and A6.
    let r = w.get(&format!("{path}/cetak"), As::Browser(&p)).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains("PERNYATAAN PENYELESAIAN ANGGOTA KELUAR"));
    assert!(text.contains("enam puluh ribu rupiah"), "{text}");
    assert!(text.contains("class=\"a4\""));
    let r = w
        .get(&format!("{path}/cetak?ukuran=a6"), As::Browser(&pengawas))
        .await;
    assert!(r.text().contains("class=\"a6\""));
    // Paying out: the pengawas cannot; the board pays once.
    let pay_path = format!("{path}/bayar");
    let r = w
        .post_form(
            &pay_path,
            As::Browser(&pengawas),
            with_csrf(&pengawas, &[("method", "tunai")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .post_form(
            &pay_path,
            As::Browser(&p),
            with_csrf(&p, &[("method", "tunai"), ("date", &today)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&r.location(), As::Browser(&p)).await.text();
    assert!(page.contains("sudah dibayar") && !page.contains("Bayar sekarang</button>"));
    let r = w
        .post_form(
            &pay_path,
            As::Browser(&p),
            with_csrf(&p, &[("method", "tunai")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(w.store.verify_books(Some(w.a)).await.unwrap().is_empty());
}

fn today_date() -> time::Date {
    today()
}

#[tokio::test]
async fn a_kasir_closes_the_days_cash_once() {
    let w = World::new().await;
    let a = w.a.to_string();
    let path = format!("/k/{a}/kasir/tutup");
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let m = &w.members_a[2];
    let sukarela = w
        .store
        .tenant(w.a)
        .products()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code == "SUKARELA")
        .unwrap();
    let r = w
        .post_form(
            &format!("/k/{a}/kasir/{}", m.id),
            As::Browser(&kasir),
            with_csrf(
                &kasir,
                &[
                    (&format!("dep_{}", sukarela.id), "25.000"),
                    ("method", "tunai"),
                    ("_idem", "tes-tutup-1"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // The counter links to the closing; the closing shows what the drawer should hold.
    let find = w
        .get(&format!("/k/{a}/kasir"), As::Browser(&kasir))
        .await
        .text();
    assert!(find.contains(&format!("href=\"{path}\"")));
    let page = w.get(&path, As::Browser(&kasir)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Rp 25.000"));

    let closing = || async {
        w.store
            .tenant(w.a)
            .cash_closing(w.kasir_a.id, today())
            .await
            .unwrap()
    };
    let before = journal_len(&w).await;
    // Cents, letters, a negative amount, a difference without a reason: 422, nothing written.
    for (counted, reason, needle) in [
        ("10.000,50", "", "tanpa sen"),
        ("dua puluh ribu", "", "hanya boleh berisi angka"),
        ("-5.000", "", "negatif"),
        ("20.000", "", "tuliskan alasannya"),
    ] {
        let r = w
            .post_form(
                &path,
                As::Browser(&kasir),
                with_csrf(&kasir, &[("counted", counted), ("reason", reason)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{counted}");
        let text = r.text();
        assert!(text.contains(needle), "{counted}: {text}");
        // What was typed comes back.
        assert!(text.contains(&format!("value=\"{counted}\"")), "{counted}");
    }
    assert!(closing().await.is_none());
    assert_eq!(journal_len(&w).await, before);
    // A pengawas cannot close cash; another coop's board neither.
    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&pengawas)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = w
        .post_form(
            &path,
            As::Browser(&pengawas),
            with_csrf(&pengawas, &[("counted", "25.000")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let b = w.sign_in(&w.pengurus_b.email).await;
    let r = w
        .post_form(
            &path,
            As::Browser(&b),
            with_csrf(&b, &[("counted", "25.000")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(closing().await.is_none());

    // Short by Rp 5.000, with the reason.
    let r = w
        .post_form(
            &path,
            As::Browser(&kasir),
            with_csrf(
                &kasir,
                &[("counted", "20.000"), ("reason", "Salah kembalian")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{path}?ok=cash-closed"));
    let page = w.get(&r.location(), As::Browser(&kasir)).await.text();
    assert!(
        page.contains("Kas hari ini sudah ditutup") && page.contains("Kekurangan kas: Rp 5.000")
    );
    assert!(!page.contains("name=\"counted\""));
    let c = closing().await.unwrap();
    assert_eq!(
        (c.expected, c.counted, c.difference),
        (25_000, 20_000, -5_000)
    );
    // Once a day.
    let r = w
        .post_form(
            &path,
            As::Browser(&kasir),
            with_csrf(&kasir, &[("counted", "25.000")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("sudah ditutup"));
    assert!(w.store.verify_books(Some(w.a)).await.unwrap().is_empty());
}

#[tokio::test]
async fn arrears_list_for_kasir_pengurus_pengawas_only() {
    let w = World::new().await;
    let a = w.a.to_string();
    let path = format!("/k/{a}/simpanan/tunggakan");
    // Seeded members joined 1 March 2021 and paid nothing: all three owe.
    for email in [&w.kasir_a.email, &w.pengurus_a.email, &w.pengawas_a.email] {
        let s = w.sign_in(email).await;
        let r = w.get(&path, As::Browser(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{email}");
        let text = r.text();
        for m in &w.members_a {
            assert!(text.contains(&m.member_no), "{email}: {}", m.member_no);
        }
        assert!(text.contains("<strong>3</strong>"), "{email}");
        // The counter link for those who may take payments.
        let counter = format!("/k/{a}/kasir/{}", w.members_a[0].id);
        assert_eq!(
            text.contains(&counter),
            email != &w.pengawas_a.email,
            "{email}"
        );
    }
    let anggota = w.sign_in(&w.anggota_a.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&anggota)).await.status,
        StatusCode::FORBIDDEN
    );
    let b = w.sign_in(&w.pengurus_b.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&b)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_board_adds_a_product_and_bad_input_is_refused() {
    let w = World::new().await;
    let a = w.a.to_string();
    let path = format!("/k/{a}/simpanan/produk");
    let p = w.sign_in(&w.pengurus_a.email).await;
    let count = || async { w.store.tenant(w.a).products().await.unwrap().len() };
    assert_eq!(count().await, 3);
    // Bad input: every problem shown, what was typed kept, nothing added.
    let r = w
        .post_form(
            &path,
            As::Browser(&p),
            with_csrf(
                &p,
                &[
                    ("code", "de po"),
                    ("name", "Deposito"),
                    ("kind", "berjangka"),
                    ("min_balance", "10.000,50"),
                    ("term_months", ""),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(text.contains("Kode produk 2–12 huruf"), "{text}");
    assert!(text.contains("tanpa sen"));
    assert!(text.contains("jangka waktu 1–120 bulan"));
    assert!(text.contains("value=\"de po\""));
    assert_eq!(count().await, 3);
    // The pengawas sees the list but cannot add.
    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    let r = w.get(&path, As::Browser(&pengawas)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("3101") && !r.text().contains("name=\"code\""));
    let good = |s: &Session| {
        with_csrf(
            s,
            &[
                ("code", "depo12"),
                ("name", "Simpanan berjangka 12 bulan"),
                ("kind", "berjangka"),
                ("min_balance", "0"),
                ("term_months", "12"),
            ],
        )
    };
    let r = w
        .post_form(&path, As::Browser(&pengawas), good(&pengawas))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let kasir = w.sign_in(&w.kasir_a.email).await;
    assert_eq!(
        w.get(&path, As::Browser(&kasir)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count().await, 3);
    // The board adds it; its own account 2112.
    let r = w.post_form(&path, As::Browser(&p), good(&p)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&r.location(), As::Browser(&p)).await.text();
    assert!(page.contains("DEPO12") && page.contains("2112 Simpanan berjangka 12 bulan"));
    assert!(page.contains("12 bulan"));
    // The same code again: a conflict, the form kept.
    let r = w.post_form(&path, As::Browser(&p), good(&p)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("DEPO12 sudah dipakai"));
    assert_eq!(count().await, 4);
}
