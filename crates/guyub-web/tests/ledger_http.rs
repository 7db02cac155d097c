//! The books over HTTP: editing the chart of accounts, manual journal entries with their
//! attachments, reversals and closing a fiscal year; who may do what; and bad input refused
//! with a 422 that keeps what was typed and writes nothing.

mod common;

use axum::http::StatusCode;
use common::*;
use guyub_core::ids::KoperasiId;
use guyub_core::ledger::LineInput;
use guyub_core::money::Rupiah;
use guyub_store::Actor;
use guyub_store::ledger::{Account, NewEntry, Source};

async fn account(w: &World, k: KoperasiId, code: &str) -> Account {
    w.store
        .tenant(k)
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no account {code}"))
}

/// Everything the books hold for a coop, plus the audit and the rest of the world: equal
/// before and after = nothing was written.
async fn books(w: &World, k: KoperasiId) -> String {
    let t = w.store.tenant(k);
    let journal = t.journal(None, None, 1000, 0).await.expect("journal");
    let mut att = vec![];
    for e in &journal {
        att.push(t.attachments(e.id).await.expect("attachments"));
    }
    format!(
        "{:?}\n{:?}\n{:?}\n{att:?}\n{:?}\n{}",
        t.accounts().await.expect("accounts"),
        journal,
        t.trial_balance().await.expect("tb"),
        t.fiscal_periods().await.expect("periods"),
        w.snapshot().await
    )
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6,
    ]);
    b.extend_from_slice(&[0u8; 20]);
    b
}

/// A manual entry as the form posts it (multipart): `lines` are `(account id, debit, credit)`.
fn entry_form(
    csrf: &str,
    date: &str,
    description: &str,
    lines: &[(String, &str, &str)],
    attachment: Option<Part>,
) -> Payload {
    let mut parts = vec![
        Part::text("_csrf", csrf),
        Part::text("date", date),
        Part::text("description", description),
        Part::text("reference", "NOTA-17"),
    ];
    for (i, (a, d, c)) in lines.iter().enumerate() {
        parts.push(Part::text(&format!("account_{i}"), a));
        parts.push(Part::text(&format!("debit_{i}"), d));
        parts.push(Part::text(&format!("credit_{i}"), c));
        parts.push(Part::text(&format!("memo_{i}"), ""));
    }
    for i in lines.len()..8 {
        for f in ["account", "debit", "credit", "memo"] {
            parts.push(Part::text(&format!("{f}_{i}"), ""));
        }
    }
    parts.push(
        attachment
            .unwrap_or_else(|| Part::file("attachment", "", "application/octet-stream", vec![])),
    );
    Payload::Multipart(parts)
}

async fn post_entry(w: &World, s: &Session, payload: Payload) -> Resp {
    w.call(
        axum::http::Method::POST,
        &format!("/k/{}/buku/jurnal/baru", w.a),
        As::Browser(s),
        payload,
    )
    .await
}

fn manual(date: time::Date, lines: Vec<LineInput>) -> NewEntry {
    NewEntry {
        date,
        description: "Bayar sewa kios".into(),
        reference: None,
        source: Source::Manual,
        source_id: None,
        reverses: None,
        lines,
    }
}

fn line(a: &Account, debit: i64, credit: i64) -> LineInput {
    LineInput {
        account: a.id,
        debit: Rupiah(debit),
        credit: Rupiah(credit),
        memo: None,
    }
}

#[tokio::test]
async fn the_board_adds_renames_and_deactivates_accounts() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let kid = w.a.to_string();
    let page = w.get(&format!("/k/{kid}/buku"), As::Browser(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Tambah akun"));
    let parent = account(&w, w.a, "53").await;
    let add = |code: &str, name: &str, parent: &str, header: &str| {
        fields(&[
            ("_csrf", &s.csrf),
            ("parent", parent),
            ("code", code),
            ("name", name),
            ("header", header),
        ])
    };
    let pid = parent.id.to_string();
    let r = w
        .post_form(
            &format!("/k/{kid}/buku/akun/baru"),
            As::Browser(&s),
            add("5308", "Beban listrik", &pid, "tidak"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("/k/{kid}/buku?ok=account-added"));
    let added = account(&w, w.a, "5308").await;
    assert_eq!(added.name, "Beban listrik");
    assert!(!added.is_header && added.active);
    let shown = w.get(&r.location(), As::Browser(&s)).await.text();
    assert!(shown.contains("Akun baru tersimpan."));
    assert!(shown.contains("Beban listrik"));

    // Refusals: each a 422 (409 for a taken code) with what was typed kept, nothing written.
    let before = books(&w, w.a).await;
    let kas = account(&w, w.a, "1101").await.id.to_string();
    for (fields, status, typed, says) in [
        (
            add("4307", "Beban air", &pid, "tidak"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Beban air",
            "harus diawali kode induknya (53)",
        ),
        (
            add("5308", "Beban telepon", &pid, "tidak"),
            StatusCode::CONFLICT,
            "Beban telepon",
            "sudah dipakai",
        ),
        (
            add("53a9", "Beban internet", &pid, "tidak"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Beban internet",
            "hanya boleh berisi angka",
        ),
        (
            add("5308", "", &pid, "tidak"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "5308",
            "Nama akun wajib diisi",
        ),
        (
            add("11015", "Kas kecil", &kas, "tidak"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Kas kecil",
            "akun kelompok (header)",
        ),
        (
            add("5309", "Beban rapat", "", "tidak"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Beban rapat",
            "Pilih akun induknya",
        ),
    ] {
        let r = w
            .post_form(&format!("/k/{kid}/buku/akun/baru"), As::Browser(&s), fields)
            .await;
        let text = r.text();
        assert_eq!(r.status, status, "{says}: {text}");
        assert!(text.contains(typed), "{says}: the form lost {typed:?}");
        assert!(text.contains(says), "{says}: message missing");
    }
    assert_unchanged(&before, &books(&w, w.a).await, "refused accounts");

    // Rename, deactivate (unused), reactivate.
    let edit = format!("/k/{kid}/buku/akun/{}/ubah", added.id);
    let r = w
        .post_form(
            &edit,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("do", "rename"),
                ("name", "Beban listrik dan air"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(account(&w, w.a, "5308").await.name, "Beban listrik dan air");
    let r = w
        .post_form(
            &edit,
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("do", "deactivate")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!account(&w, w.a, "5308").await.active);
    let r = w
        .post_form(
            &edit,
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("do", "activate")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(account(&w, w.a, "5308").await.active);
    // An empty name is refused and the form says so.
    let r = w
        .post_form(
            &edit,
            As::Browser(&s),
            fields(&[("_csrf", &s.csrf), ("do", "rename"), ("name", "  ")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Nama akun wajib diisi"));

    // An account that was used (or that the system posts to) cannot be deactivated.
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    w.store
        .tenant(w.a)
        .post_manual(
            &Actor::system("t"),
            &manual(today(), vec![line(&sewa, 1000, 0), line(&kas, 0, 1000)]),
        )
        .await
        .expect("post");
    let before = books(&w, w.a).await;
    for a in [&sewa, &kas] {
        let r = w
            .post_form(
                &format!("/k/{kid}/buku/akun/{}/ubah", a.id),
                As::Browser(&s),
                fields(&[("_csrf", &s.csrf), ("do", "deactivate")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", a.code);
        assert!(r.text().contains("tidak bisa dinonaktifkan"), "{}", a.code);
    }
    assert_unchanged(&before, &books(&w, w.a).await, "refused deactivation");
}

#[tokio::test]
async fn a_manual_entry_moves_the_balances_and_keeps_its_receipt() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let kid = w.a.to_string();
    let form = w
        .get(&format!("/k/{kid}/buku/jurnal/baru"), As::Browser(&s))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    assert!(html.contains("multipart/form-data"));
    assert!(html.contains("1101 Kas"));
    // Header accounts and members' savings accounts are not offered.
    assert!(!html.contains(">53 Beban usaha<"));
    let products = w.store.tenant(w.a).products().await.expect("products");
    for p in &products {
        assert!(
            !html.contains(&p.account_id.to_string()),
            "savings account offered"
        );
    }
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let receipt = png();
    let r = post_entry(
        &w,
        &s,
        entry_form(
            &s.csrf,
            &today().to_string(),
            "Bayar sewa kios bulan ini",
            &[
                (sewa.id.to_string(), "150.000", ""),
                (kas.id.to_string(), "", "150.000"),
            ],
            Some(Part::file(
                "attachment",
                "C:\\foto\\nota sewa.png",
                "image/png",
                receipt.clone(),
            )),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.location(),
        format!("/k/{kid}/buku/jurnal?ok=entry-posted")
    );
    assert_eq!(account(&w, w.a, "5302").await.debit, 150_000);
    assert_eq!(account(&w, w.a, "1101").await.credit, 150_000);
    let tb = w.store.tenant(w.a).trial_balance().await.expect("tb");
    assert_eq!(tb.total_debit, tb.total_credit);

    let t = w.store.tenant(w.a);
    let entry = t
        .journal(None, None, 10, 0)
        .await
        .expect("journal")
        .remove(0);
    assert_eq!(entry.description, "Bayar sewa kios bulan ini");
    assert_eq!(entry.reference.as_deref(), Some("NOTA-17"));
    let att = t.attachments(entry.id).await.expect("attachments");
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].1, "nota sewa.png");
    assert_eq!(att[0].2, "image/png");

    let journal = w.get(&r.location(), As::Browser(&s)).await.text();
    assert!(journal.contains("Jurnal tersimpan."));
    let href = format!("/k/{kid}/buku/lampiran/{}", att[0].0);
    assert!(journal.contains(&href), "no link to the attachment");
    let got = w.get(&href, As::Browser(&s)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, receipt);
    assert_eq!(got.header("content-type").as_deref(), Some("image/png"));
    assert!(
        got.header("content-disposition")
            .unwrap_or_default()
            .starts_with("inline")
    );
    assert_eq!(
        got.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // The supervisor reads it too; the cashier and another coop's board do not.
    let pengawas = w.sign_in(&w.pengawas_a.email).await;
    assert_eq!(
        w.get(&href, As::Browser(&pengawas)).await.status,
        StatusCode::OK
    );
    let kasir = w.sign_in(&w.kasir_a.email).await;
    assert_eq!(
        w.get(&href, As::Browser(&kasir)).await.status,
        StatusCode::FORBIDDEN
    );
    let b = w.sign_in(&w.pengurus_b.email).await;
    let kb = w.b.to_string();
    let other = format!("/k/{kb}/buku/lampiran/{}", att[0].0);
    assert_eq!(
        w.get(&other, As::Browser(&b)).await.status,
        StatusCode::NOT_FOUND
    );

    // A PDF is downloaded, not shown.
    let r = post_entry(
        &w,
        &s,
        entry_form(
            &s.csrf,
            &today().to_string(),
            "Bayar listrik",
            &[
                (sewa.id.to_string(), "25000", ""),
                (kas.id.to_string(), "", "25.000"),
            ],
            Some(Part::file(
                "attachment",
                "tagihan.pdf",
                "application/pdf",
                b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n".to_vec(),
            )),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let entry = t
        .journal(None, None, 10, 0)
        .await
        .expect("journal")
        .remove(0);
    let att = t.attachments(entry.id).await.expect("attachments");
    let got = w
        .get(
            &format!("/k/{kid}/buku/lampiran/{}", att[0].0),
            As::Browser(&s),
        )
        .await;
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(
        got.header("content-disposition")
            .unwrap_or_default()
            .starts_with("attachment; filename=\"tagihan.pdf\"")
    );
}

#[tokio::test]
async fn a_form_sent_twice_posts_once() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let form = || {
        let Payload::Multipart(mut parts) = entry_form(
            &s.csrf,
            &today().to_string(),
            "Bayar sewa",
            &[
                (sewa.id.to_string(), "10.000", ""),
                (kas.id.to_string(), "", "10.000"),
            ],
            None,
        ) else {
            unreachable!()
        };
        parts.push(Part::text("_idem", "0190f0f0-aaaa-7bbb-8ccc-000000000001"));
        Payload::Multipart(parts)
    };
    for _ in 0..2 {
        let r = post_entry(&w, &s, form()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let journal = w
        .store
        .tenant(w.a)
        .journal(None, None, 10, 0)
        .await
        .expect("journal");
    assert_eq!(journal.len(), 1);
    assert_eq!(account(&w, w.a, "5302").await.debit, 10_000);
}

#[tokio::test]
async fn bad_entries_are_refused_keeping_what_was_typed_and_writing_nothing() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let t = w.store.tenant(w.a);
    let actor = Actor::system("t");
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let header = account(&w, w.a, "53").await;
    // A savings product's account, an inactive account, a closed last year.
    let products = t.products().await.expect("products");
    let savings = products[0].account_id.to_string();
    let parent = account(&w, w.a, "59").await;
    let code = guyub_core::ledger::AccountCode::parse("5999").expect("code");
    let unused = t
        .add_account(&actor, parent.id, &code, "Beban tak terpakai", false)
        .await
        .expect("add");
    t.update_account(&actor, unused, "Beban tak terpakai", false)
        .await
        .expect("deactivate");
    let last_year = today().year() - 1;
    t.close_year(&actor, last_year).await.expect("close");
    let before = books(&w, w.a).await;

    let today_s = today().to_string();
    let (sid, kid_) = (sewa.id.to_string(), kas.id.to_string());
    let gif = Part::file(
        "attachment",
        "nota.png",
        "image/png",
        b"GIF89a\x01\x00\x01\x00".to_vec(),
    );
    let mut big = png();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let big = Part::file("attachment", "besar.png", "image/png", big);
    let cases: Vec<(&str, String, Vec<(String, &str, &str)>, Option<Part>, &str)> = vec![
        (
            "unbalanced",
            today_s.clone(),
            vec![(sid.clone(), "150.000", ""), (kid_.clone(), "", "100.000")],
            None,
            "Jurnal tidak seimbang",
        ),
        (
            "cents",
            today_s.clone(),
            vec![(sid.clone(), "10.000,50", ""), (kid_.clone(), "", "10.000")],
            None,
            "sen",
        ),
        (
            "letters",
            today_s.clone(),
            vec![(sid.clone(), "10rb", ""), (kid_.clone(), "", "10.000")],
            None,
            "Debit:",
        ),
        (
            "header account",
            today_s.clone(),
            vec![
                (header.id.to_string(), "5.000", ""),
                (kid_.clone(), "", "5.000"),
            ],
            None,
            "akun induk",
        ),
        (
            "inactive account",
            today_s.clone(),
            vec![
                (unused.to_string(), "5.000", ""),
                (kid_.clone(), "", "5.000"),
            ],
            None,
            "sudah tidak aktif",
        ),
        (
            "savings account",
            today_s.clone(),
            vec![(kid_.clone(), "5.000", ""), (savings.clone(), "", "5.000")],
            None,
            "Akun simpanan anggota hanya bergerak",
        ),
        (
            "closed year",
            format!("{last_year}-06-30"),
            vec![(sid.clone(), "5.000", ""), (kid_.clone(), "", "5.000")],
            None,
            "sudah ditutup",
        ),
        (
            "one line",
            today_s.clone(),
            vec![(sid.clone(), "5.000", "")],
            None,
            "paling sedikit dua baris",
        ),
        (
            "not a picture",
            today_s.clone(),
            vec![(sid.clone(), "5.000", ""), (kid_.clone(), "", "5.000")],
            Some(gif),
            "JPEG atau PNG, atau PDF",
        ),
        (
            "too large",
            today_s.clone(),
            vec![(sid.clone(), "5.000", ""), (kid_.clone(), "", "5.000")],
            Some(big),
            "Lampiran terlalu besar",
        ),
    ];
    for (what, date, lines, att, says) in cases {
        let description = format!("Uji {what} xyz");
        let r = post_entry(
            &w,
            &s,
            entry_form(&s.csrf, &date, &description, &lines, att),
        )
        .await;
        let text = r.text();
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            &text[..text.len().min(400)]
        );
        assert!(
            text.contains(&description),
            "{what}: the description typed was lost"
        );
        assert!(text.contains(says), "{what}: no {says:?} in the page");
        // The amounts typed are still there.
        assert!(
            text.contains(&format!("value=\"{}\"", lines[0].1)),
            "{what}: the amount was lost"
        );
    }
    assert_unchanged(&before, &books(&w, w.a).await, "refused entries");
}

#[tokio::test]
async fn the_supervisor_reads_the_books_but_cannot_write_them() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengawas_a.email).await;
    let kid = w.a.to_string();
    for path in ["buku", "buku/jurnal", "buku/neraca-saldo"] {
        let r = w.get(&format!("/k/{kid}/{path}"), As::Browser(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let text = r.text();
        for form in ["buku/akun/baru", "buku/jurnal/baru", "tutup-tahun"] {
            assert!(!text.contains(form), "{path} offers the supervisor {form}");
        }
    }
    let before = books(&w, w.a).await;
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let r = post_entry(
        &w,
        &s,
        entry_form(
            &s.csrf,
            &today().to_string(),
            "Pengawas mencoba",
            &[
                (sewa.id.to_string(), "5.000", ""),
                (kas.id.to_string(), "", "5.000"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.get(&format!("/k/{kid}/buku/jurnal/baru"), As::Browser(&s))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let parent = account(&w, w.a, "53").await.id.to_string();
    for (path, f) in [
        (
            format!("/k/{kid}/buku/akun/baru"),
            fields(&[
                ("_csrf", &s.csrf),
                ("parent", &parent),
                ("code", "5308"),
                ("name", "X"),
                ("header", "tidak"),
            ]),
        ),
        (
            format!("/k/{kid}/buku/akun/{}/ubah", sewa.id),
            fields(&[
                ("_csrf", &s.csrf),
                ("do", "rename"),
                ("name", "Diubah pengawas"),
            ]),
        ),
        (
            format!("/k/{kid}/buku/tutup-tahun"),
            fields(&[("_csrf", &s.csrf), ("year", "2020"), ("confirm", "ya")]),
        ),
    ] {
        let r = w.post_form(&path, As::Browser(&s), f).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_unchanged(&before, &books(&w, w.a).await, "the supervisor's posts");
}

#[tokio::test]
async fn the_cashier_cannot_open_the_books() {
    let w = World::new().await;
    let s = w.sign_in(&w.kasir_a.email).await;
    let kid = w.a.to_string();
    let kas = account(&w, w.a, "1101").await;
    for path in [
        format!("/k/{kid}/buku"),
        format!("/k/{kid}/buku/jurnal"),
        format!("/k/{kid}/buku/neraca-saldo"),
        format!("/k/{kid}/buku/jurnal/baru"),
        format!("/k/{kid}/buku/akun/{}", kas.id),
    ] {
        assert_eq!(
            w.get(&path, As::Browser(&s)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_entry_is_reversed_once() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let kid = w.a.to_string();
    let t = w.store.tenant(w.a);
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let id = t
        .post_manual(
            &Actor::system("t"),
            &manual(today(), vec![line(&sewa, 75_000, 0), line(&kas, 0, 75_000)]),
        )
        .await
        .expect("post");
    let journal = w
        .get(&format!("/k/{kid}/buku/jurnal"), As::Browser(&s))
        .await
        .text();
    let action = format!("/k/{kid}/buku/jurnal/{id}/balik");
    assert!(journal.contains(&action), "no reversal form");
    let form = || {
        fields(&[
            ("_csrf", &s.csrf),
            ("date", &today().to_string()),
            ("reason", "Salah catat"),
        ])
    };
    // A reason is required.
    let before = books(&w, w.a).await;
    let r = w
        .post_form(
            &action,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("date", &today().to_string()),
                ("reason", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Tuliskan alasan pembalikan"));
    assert_unchanged(
        &before,
        &books(&w, w.a).await,
        "a reversal without a reason",
    );

    let r = w.post_form(&action, As::Browser(&s), form()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.location(),
        format!("/k/{kid}/buku/jurnal?ok=entry-reversed")
    );
    let sewa_now = account(&w, w.a, "5302").await;
    assert_eq!(sewa_now.balance(), 0);
    assert_eq!(account(&w, w.a, "1101").await.balance(), 0);
    let page = w.get(&r.location(), As::Browser(&s)).await.text();
    assert!(page.contains("Pembalik jurnal no. 1: Salah catat"));
    assert!(
        !page.contains(&action),
        "the reversal form is still offered"
    );

    let before = books(&w, w.a).await;
    let r = w.post_form(&action, As::Browser(&s), form()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("sudah dibalik"));
    assert_unchanged(&before, &books(&w, w.a).await, "a second reversal");
    // The reversing entry itself is not reversed either.
    let rid = t
        .entry(id)
        .await
        .expect("entry")
        .reversed_by
        .expect("reversed");
    let r = w
        .post_form(
            &format!("/k/{kid}/buku/jurnal/{rid}/balik"),
            As::Browser(&s),
            form(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_unchanged(&before, &books(&w, w.a).await, "reversing a reversal");
}

#[tokio::test]
async fn a_closed_year_refuses_postings() {
    let w = World::new().await;
    let s = w.sign_in(&w.pengurus_a.email).await;
    let kid = w.a.to_string();
    let year = today().year() - 1;
    let page = w
        .get(&format!("/k/{kid}/buku/neraca-saldo"), As::Browser(&s))
        .await
        .text();
    assert!(page.contains("tutup-tahun"));
    let action = format!("/k/{kid}/buku/tutup-tahun");
    let before = books(&w, w.a).await;
    for (f, says) in [
        (
            fields(&[("_csrf", &s.csrf), ("year", &year.to_string())]),
            "Centang kotak ini",
        ),
        (
            fields(&[("_csrf", &s.csrf), ("year", "dua ribu"), ("confirm", "ya")]),
            "dengan angka",
        ),
        (
            fields(&[
                ("_csrf", &s.csrf),
                ("year", &(year + 5).to_string()),
                ("confirm", "ya"),
            ]),
            "harus antara",
        ),
    ] {
        let r = w.post_form(&action, As::Browser(&s), f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        assert!(r.text().contains(says), "{says}");
    }
    assert_unchanged(&before, &books(&w, w.a).await, "refused closings");
    let r = w
        .post_form(
            &action,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("year", &year.to_string()),
                ("confirm", "ya"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = w.get(&r.location(), As::Browser(&s)).await.text();
    assert!(page.contains("Tahun buku ditutup."));
    assert!(page.contains("ditutup"));
    // Closing it again is refused.
    let r = w
        .post_form(
            &action,
            As::Browser(&s),
            fields(&[
                ("_csrf", &s.csrf),
                ("year", &year.to_string()),
                ("confirm", "ya"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("sudah ditutup"));
    // Posting into it is refused.
    let sewa = account(&w, w.a, "5302").await;
    let kas = account(&w, w.a, "1101").await;
    let before = books(&w, w.a).await;
    let r = post_entry(
        &w,
        &s,
        entry_form(
            &s.csrf,
            &format!("{year}-12-31"),
            "Terlambat dicatat",
            &[
                (sewa.id.to_string(), "5.000", ""),
                (kas.id.to_string(), "", "5.000"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains(&format!("Tahun buku {year} sudah ditutup"))
    );
    assert_unchanged(
        &before,
        &books(&w, w.a).await,
        "a posting into a closed year",
    );
}
