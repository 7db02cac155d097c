//! The savings pages over HTTP: coop-defined products, the wajib arrears list, the daily cash
//! closing and the leaving settlement: who may open and post them, bad input refused with
//! nothing written, and the happy paths through Post/Redirect/Get.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::member::MemberStatus;
use guyub_store::member::Member;

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
    // The board adds it; its own account 2114 (after the marketplace payables 2112, 2113).
    let r = w.post_form(&path, As::Browser(&p), good(&p)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&r.location(), As::Browser(&p)).await.text();
    assert!(page.contains("DEPO12") && page.contains("2114 Simpanan berjangka 12 bulan"));
    assert!(page.contains("12 bulan"));
    // The same code again: a conflict, the form kept.
    let r = w.post_form(&path, As::Browser(&p), good(&p)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("DEPO12 sudah dipakai"));
    assert_eq!(count().await, 4);
}

/// The lines of the entry numbered `no` as (account code, debit, credit), sorted by code.
async fn entry_lines(w: &World, no: i64) -> Vec<(String, i64, i64)> {
    let t = w.store.tenant(w.a);
    let id = t
        .journal(None, None, 100_000, 0)
        .await
        .expect("journal")
        .into_iter()
        .find(|e| e.entry_no == no)
        .unwrap_or_else(|| panic!("no entry {no}"))
        .id;
    let mut lines: Vec<(String, i64, i64)> = t
        .entry(id)
        .await
        .expect("entry")
        .lines
        .iter()
        .map(|l| (l.account_code.clone(), l.debit, l.credit))
        .collect();
    lines.sort();
    lines
}

fn line(code: &str, debit: i64, credit: i64) -> (String, i64, i64) {
    (code.to_string(), debit, credit)
}

#[tokio::test]
async fn a_matured_time_deposit_is_withdrawn_at_the_counter_and_an_early_one_is_refused() {
    use guyub_core::Lang;
    use guyub_core::fmt_id::tanggal;
    use guyub_core::money::Rupiah;
    use guyub_core::savings::SavingsKind;
    use guyub_store::savings::{CounterRequest, Movement};

    let w = World::new().await;
    let a = w.a.to_string();
    let t = w.store.tenant(w.a);
    let seed = guyub_store::Actor::system("test seed");
    let depo = t
        .add_product(
            &seed,
            "DEPO12",
            "Simpanan berjangka 12 bulan",
            SavingsKind::Berjangka,
            Rupiah::ZERO,
            Some(12),
        )
        .await
        .unwrap();
    let (ripe, green) = (&w.members_a[1], &w.members_a[2]);
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let counter = |m: &Member| format!("/k/{a}/kasir/{}", m.id);
    let wd = format!("wd_{}", depo.id);
    let maturity_id = format!("id=\"maturity-{}\"", depo.id);

    // Before the first deposit: the term, no withdrawal.
    let page = w.get(&counter(green), As::Browser(&kasir)).await.text();
    assert!(
        page.contains("Jangka waktu 12 bulan sejak setoran pertama"),
        "{page}"
    );
    assert!(!page.contains(&format!("name=\"{wd}\"")));

    // One deposit opened on 1 January of last year (matured on 1 January this year), one
    // opened today at the counter (matures in a year).
    let opened =
        time::Date::from_calendar_date(today().year() - 1, time::Month::January, 1).unwrap();
    t.counter(
        &seed,
        None,
        &CounterRequest {
            member: ripe.id,
            method: "tunai".into(),
            date: opened,
            movements: vec![Movement {
                product: depo.id,
                kind: "setoran".into(),
                amount: Rupiah(2_000_000),
            }],
            note: None,
        },
    )
    .await
    .unwrap();
    let r = w
        .post_form(
            &counter(green),
            As::Browser(&kasir),
            with_csrf(
                &kasir,
                &[
                    (&format!("dep_{}", depo.id), "1.000.000"),
                    ("method", "tunai"),
                    ("_idem", "tes-depo-1"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let maturity = |m: &Member| {
        let m = m.id;
        let t = w.store.tenant(w.a);
        let depo = depo.id;
        async move {
            t.balances(m)
                .await
                .unwrap()
                .into_iter()
                .find(|b| b.product.id == depo)
                .unwrap()
        }
    };
    let ripe_on = maturity(ripe).await.maturity_date.unwrap();
    let green_on = maturity(green).await.maturity_date.unwrap();
    assert_eq!(ripe_on, opened.replace_year(opened.year() + 1).unwrap());
    assert!(ripe_on <= today() && green_on > today());

    // Matured: the date shown, and a withdrawal field.
    let page = w.get(&counter(ripe), As::Browser(&kasir)).await.text();
    assert!(page.contains(&maturity_id));
    assert!(
        page.contains(&format!(
            "Jatuh tempo {}: sudah dapat ditarik.",
            tanggal(ripe_on, Lang::Id)
        )),
        "{page}"
    );
    assert!(page.contains(&format!("name=\"{wd}\"")));
    // Not yet: the date shown as not yet withdrawable, and no withdrawal field.
    let page = w.get(&counter(green), As::Browser(&kasir)).await.text();
    assert!(
        page.contains(&format!(
            "Jatuh tempo {}: belum dapat ditarik.",
            tanggal(green_on, Lang::Id)
        )),
        "{page}"
    );
    assert!(!page.contains(&format!("name=\"{wd}\"")));
    let page = w
        .get(&format!("{}?lang=en", counter(green)), As::Browser(&kasir))
        .await
        .text();
    assert!(page.contains(&format!(
        "Matures {}: cannot be withdrawn yet.",
        tanggal(green_on, Lang::En)
    )));

    // A withdrawal before maturity sent anyway: refused in Indonesian and in English, the
    // form kept, nothing written.
    let before = journal_len(&w).await;
    let passbook = t.passbook(green.id, depo.id).await.unwrap().len();
    for (lang, needle) in [
        (
            "",
            format!(
                "Simpanan berjangka baru dapat ditarik pada tanggal jatuh tempo, {}",
                tanggal(green_on, Lang::Id)
            ),
        ),
        (
            "?lang=en",
            format!(
                "The time deposit can only be withdrawn from its maturity date, {}",
                tanggal(green_on, Lang::En)
            ),
        ),
    ] {
        let r = w
            .post_form(
                &format!("{}{lang}", counter(green)),
                As::Browser(&kasir),
                with_csrf(
                    &kasir,
                    &[
                        (&wd, "500.000"),
                        ("method", "tunai"),
                        ("_idem", &format!("tes-depo-awal{lang}")),
                    ],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{lang}");
        let text = r.text();
        assert!(text.contains("id=\"counter-error\""), "{text}");
        assert!(text.contains(&needle), "{lang}: {text}");
    }
    assert_eq!(journal_len(&w).await, before);
    assert_eq!(maturity(green).await.balance, 1_000_000);
    assert_eq!(t.passbook(green.id, depo.id).await.unwrap().len(), passbook);

    // The matured one is withdrawn in full, with its receipt.
    let r = w
        .post_form(
            &counter(ripe),
            As::Browser(&kasir),
            with_csrf(
                &kasir,
                &[
                    (&wd, "2.000.000"),
                    ("method", "tunai"),
                    ("_idem", "tes-depo-matang"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().starts_with(&format!("/k/{a}/kuitansi/")));
    let receipt = w.get(&r.location(), As::Browser(&kasir)).await.text();
    assert!(receipt.contains("Penarikan") && receipt.contains("Rp 2.000.000"));
    assert_eq!(maturity(ripe).await.balance, 0);
    assert_eq!(journal_len(&w).await, before + 1);
    assert!(w.store.verify_books(Some(w.a)).await.unwrap().is_empty());
}

#[tokio::test]
async fn leaving_refunds_are_paid_by_cash_transfer_or_qris() {
    use guyub_core::savings::PayMethod;

    let w = World::new().await;
    let a = w.a.to_string();
    let p = w.sign_in(&w.pengurus_a.email).await;
    let kasir = w.sign_in(&w.kasir_a.email).await;
    let today = today().to_string();
    let sukarela = w
        .store
        .tenant(w.a)
        .products()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.code == "SUKARELA")
        .unwrap();
    for (i, m) in w.members_a[1..].iter().enumerate() {
        let r = w
            .post_form(
                &format!("/k/{a}/kasir/{}", m.id),
                As::Browser(&kasir),
                with_csrf(
                    &kasir,
                    &[
                        (&format!("dep_{}", sukarela.id), "75.000"),
                        ("method", "tunai"),
                        ("_idem", &format!("tes-qris-{i}")),
                    ],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let (now, later) = (&w.members_a[1], &w.members_a[2]);
    let path = |m: &Member| format!("/k/{a}/anggota/{}/keluar", m.id);

    // The settlement form offers every way to pay, and later.
    let page = w.get(&path(now), As::Browser(&p)).await.text();
    for v in ["tunai", "transfer", "qris", "nanti"] {
        assert!(
            page.contains(&format!("name=\"pay\" value=\"{v}\"")),
            "{v}: {page}"
        );
    }
    assert!(page.contains("> QRIS</label>"), "{page}");

    // Refunded at once by QRIS: the QRIS clearing account (1110) pays it.
    let r = w
        .post_form(
            &path(now),
            As::Browser(&p),
            with_csrf(
                &p,
                &[("date", &today), ("reason", "Pindah kota"), ("pay", "qris")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&r.location(), As::Browser(&p)).await.text();
    assert!(page.contains("QRIS"), "{page}");
    let st = w.store.tenant(w.a).leaving_statement(now.id).await.unwrap();
    assert_eq!((st.paid_now, st.payable), (Some(PayMethod::Qris), 0));
    assert_eq!(
        entry_lines(&w, st.entry_no.unwrap()).await,
        vec![line("1110", 0, 75_000), line("2101", 75_000, 0)]
    );

    // Left owing, then paid by QRIS: the pay form offers all three ways.
    let r = w
        .post_form(
            &path(later),
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
    let page = w.get(&path(later), As::Browser(&p)).await.text();
    for v in ["tunai", "transfer", "qris"] {
        assert!(page.contains(&format!("<option value=\"{v}\">")), "{v}");
    }
    // A way that does not exist: refused, nothing written.
    let before = journal_len(&w).await;
    let pay_path = format!("{}/bayar", path(later));
    let r = w
        .post_form(
            &pay_path,
            As::Browser(&p),
            with_csrf(&p, &[("method", "cek"), ("date", &today)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Pilih cara bayar: tunai, transfer atau QRIS.")
    );
    let r = w
        .post_form(
            &format!("{pay_path}?lang=en"),
            As::Browser(&p),
            with_csrf(&p, &[("method", "cek"), ("date", &today)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Choose how: cash, transfer or QRIS."));
    assert_eq!(journal_len(&w).await, before);
    assert!(
        w.store
            .tenant(w.a)
            .leaving_statement(later.id)
            .await
            .unwrap()
            .unpaid()
    );

    let r = w
        .post_form(
            &pay_path,
            As::Browser(&p),
            with_csrf(&p, &[("method", "qris"), ("date", &today)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let st = w
        .store
        .tenant(w.a)
        .leaving_statement(later.id)
        .await
        .unwrap();
    let payout = st.payout.clone().unwrap();
    assert_eq!(payout.method, Some(PayMethod::Qris));
    assert_eq!(
        entry_lines(&w, payout.entry_no).await,
        vec![line("1110", 0, 75_000), line("2111", 75_000, 0)]
    );
    let page = w.get(&path(later), As::Browser(&p)).await.text();
    assert!(page.contains("(QRIS)"), "{page}");
    assert!(w.store.verify_books(Some(w.a)).await.unwrap().is_empty());
}
