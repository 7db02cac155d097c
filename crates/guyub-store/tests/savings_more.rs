//! More of the savings books: coop-defined products, the wajib arrears list, the daily cash closing and leaving the coop, on both engines.
//!
//! Every test body is written once; [`store_test!`] turns it into `<name>::sqlite` (always run,
//! a fresh temp file) and `<name>::postgres` (a fresh schema on `TEST_DATABASE_URL`; without
//! it the test prints a note and passes without doing anything).

mod common;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{EntryId, KoperasiId, MemberId, UserId};
use guyub_core::member::{MemberStatus, ValidMember};
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::phone::Phone;
use guyub_core::region::RegionCode;
use guyub_core::savings::{PayMethod, SavingsKind};
use guyub_core::{FieldError, Msg};
use guyub_store::coop::CoopData;
use guyub_store::ledger::Entry;
use guyub_store::savings::{CounterRequest, Movement, Product, add_months};
use guyub_store::{Actor, Engine, Store, StoreError, Tenant};
use time::macros::date;
use time::{Date, Month};

/// One `#[tokio::test]` per engine from one body.
macro_rules! store_test {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                common::run(Engine::Sqlite, |$s: Store| async move $body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                common::run(Engine::Postgres, |$s: Store| async move $body).await
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn sys() -> Actor {
    Actor::system("uji otomatis")
}

fn cashier(name: &str) -> Actor {
    Actor {
        user_id: Some(UserId::new()),
        name: format!(
            "{name} <{}@guyub.test>",
            name.to_lowercase().replace(' ', ".")
        ),
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

fn coop_data(code: &str) -> CoopData {
    CoopData {
        code: code.to_string(),
        name: format!("Koperasi {code}"),
        legal_number: None,
        legal_date: None,
        nib: None,
        npwp: None,
        kind: CoopKind::SimpanPinjam,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. MT Haryono 1, Dinoyo".to_string(),
        region: region("35.73.05.1004"),
        phone: None,
        email: None,
        founded_on: Some(date!(2019 - 08 - 07)),
        timezone: CoopTimeZone::Wib,
    }
}

/// A coop with the default bylaws (pokok Rp 100.000, wajib Rp 20.000 a month) from 2020.
async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    s.create_koperasi(&sys(), &coop_data(code), &Bylaws::default(), 2020)
        .await
        .unwrap()
}

fn person(name: &str, serial: u16, joined_on: Date) -> ValidMember {
    let gender = if serial.is_multiple_of(2) {
        guyub_core::member::Gender::Female
    } else {
        guyub_core::member::Gender::Male
    };
    let birth = Date::from_calendar_date(
        1960 + i32::from(serial % 40),
        Month::try_from(1 + (serial % 12) as u8).unwrap(),
        1 + (serial % 28) as u8,
    )
    .unwrap();
    ValidMember {
        nik: nik_for(&region("35.73.05"), birth, gender, serial).unwrap(),
        name: name.to_string(),
        gender,
        birth_place: "Malang".to_string(),
        birth_date: birth,
        address: "Jl. Soekarno-Hatta 9".to_string(),
        region: region("35.73.05.1004"),
        phone: Some(Phone::parse("0812-3456-7890").unwrap()),
        occupation: "Petani".to_string(),
        joined_on,
    }
}

async fn new_member(t: &Tenant<'_>, name: &str, serial: u16) -> MemberId {
    t.create_member(&sys(), &person(name, serial, date!(2024 - 01 - 02)))
        .await
        .unwrap()
        .id
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Msg {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a Conflict, got {other:?}"),
    }
}

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<FieldError> {
    match r {
        Err(StoreError::Invalid(e)) => {
            assert!(!e.is_empty(), "Invalid without any field error");
            e
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn has_field(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

async fn product(t: &Tenant<'_>, code: &str) -> Product {
    t.products()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("no product {code}"))
}

fn mv(p: &Product, kind: &str, amount: i64) -> Movement {
    Movement {
        product: p.id,
        kind: kind.to_string(),
        amount: Rupiah(amount),
    }
}

async fn pay(
    t: &Tenant<'_>,
    who: &Actor,
    member: MemberId,
    method: &str,
    date: Date,
    movements: Vec<Movement>,
) -> Result<guyub_store::savings::Receipt, StoreError> {
    t.counter(
        who,
        None,
        &CounterRequest {
            member,
            method: method.to_string(),
            date,
            movements,
            note: None,
        },
    )
    .await
}

async fn balance_of(t: &Tenant<'_>, member: MemberId, code: &str) -> i64 {
    t.balances(member)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.product.code == code)
        .unwrap()
        .balance
}

/// The lines of an entry as (account code, debit, credit), sorted by code.
fn lines_of(e: &Entry) -> Vec<(String, i64, i64)> {
    let mut v: Vec<(String, i64, i64)> = e
        .lines
        .iter()
        .map(|l| (l.account_code.clone(), l.debit, l.credit))
        .collect();
    v.sort();
    v
}

fn l(code: &str, debit: i64, credit: i64) -> (String, i64, i64) {
    (code.to_string(), debit, credit)
}

async fn entry_no(t: &Tenant<'_>, no: i64) -> Entry {
    let all = t.journal(None, None, 100_000, 0).await.unwrap();
    let id = all
        .iter()
        .find(|e| e.entry_no == no)
        .unwrap_or_else(|| panic!("no entry {no}"))
        .id;
    t.entry(id).await.unwrap()
}

async fn entry_count(t: &Tenant<'_>) -> usize {
    t.journal(None, None, 100_000, 0).await.unwrap().len()
}

async fn books_ok(s: &Store, k: KoperasiId) {
    let problems = s.verify_books(Some(k)).await.unwrap();
    assert!(problems.is_empty(), "books verify: {problems:?}");
}

async fn account_balance(t: &Tenant<'_>, code: &str) -> i64 {
    t.accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no account {code}"))
        .balance()
}

// ---------------------------------------------------------------------------------------------
// Coop-defined products

#[test]
fn months_are_added_on_the_calendar() {
    assert_eq!(
        add_months(date!(2024 - 03 - 15), 12),
        Some(date!(2025 - 03 - 15))
    );
    assert_eq!(
        add_months(date!(2024 - 01 - 31), 1),
        Some(date!(2024 - 02 - 29))
    );
    assert_eq!(
        add_months(date!(2023 - 01 - 31), 1),
        Some(date!(2023 - 02 - 28))
    );
    assert_eq!(
        add_months(date!(2024 - 11 - 30), 3),
        Some(date!(2025 - 02 - 28))
    );
    assert_eq!(
        add_months(date!(2024 - 05 - 01), 0),
        Some(date!(2024 - 05 - 01))
    );
    assert_eq!(add_months(date!(2024 - 05 - 01), -1), None);
    assert_eq!(add_months(Date::MAX, 1), None);
}

store_test!(
    add_product_gets_its_own_account_and_berjangka_waits_for_maturity,
    |s| {
        let k = new_coop(&s, "KSPPROD").await;
        let t = s.tenant(k);
        let hari_raya = t
            .add_product(
                &sys(),
                "hariraya",
                "Simpanan hari raya",
                SavingsKind::Sukarela,
                Rupiah(10_000),
                None,
            )
            .await
            .unwrap();
        assert_eq!(hari_raya.code, "HARIRAYA");
        let depo = t
            .add_product(
                &sys(),
                "DEPO12",
                "Simpanan berjangka 12 bulan",
                SavingsKind::Berjangka,
                Rupiah::ZERO,
                Some(12),
            )
            .await
            .unwrap();
        let usaha = t
            .add_product(
                &sys(),
                "WAJIBUSAHA",
                "Simpanan wajib usaha",
                SavingsKind::Lain,
                Rupiah::ZERO,
                None,
            )
            .await
            .unwrap();
        let accounts = t.accounts().await.unwrap();
        let by_id = |id| accounts.iter().find(|a| a.id == id).unwrap();
        let code_of = |code: &str| accounts.iter().find(|a| a.code == code).unwrap();
        // Liabilities under 21 as the next free 21xx; equity under 3 as the next free 31xx.
        assert_eq!(by_id(hari_raya.account_id).code, "2114");
        assert_eq!(by_id(depo.account_id).code, "2115");
        assert_eq!(by_id(usaha.account_id).code, "3110");
        assert_eq!(by_id(hari_raya.account_id).class, "kewajiban");
        assert_eq!(by_id(usaha.account_id).class, "ekuitas");
        assert_eq!(by_id(depo.account_id).parent_id, Some(code_of("21").id));
        assert_eq!(by_id(usaha.account_id).parent_id, Some(code_of("3").id));
        assert_eq!(by_id(depo.account_id).name, "Simpanan berjangka 12 bulan");
        assert!(!by_id(depo.account_id).is_header);
        let listed = t.products().await.unwrap();
        assert_eq!(listed.len(), 6);
        assert_eq!(product(&t, "DEPO12").await.term_months, Some(12));
        assert_eq!(product(&t, "HARIRAYA").await.min_balance, 10_000);

        // Refusals, each with its field, nothing added.
        let e = conflict(
            t.add_product(
                &sys(),
                "DEPO12",
                "Lagi",
                SavingsKind::Sukarela,
                Rupiah::ZERO,
                None,
            )
            .await,
        );
        assert!(e.id.contains("DEPO12"), "{}", e.id);
        let e = invalid(
            t.add_product(
                &sys(),
                "ab c",
                "X",
                SavingsKind::Pokok,
                Rupiah::ZERO,
                Some(3),
            )
            .await,
        );
        assert!(has_field(&e, "code") && has_field(&e, "name") && has_field(&e, "kind"));
        assert!(has_field(&e, "term_months"));
        let e = invalid(
            t.add_product(
                &sys(),
                "DEPO0",
                "Deposito",
                SavingsKind::Berjangka,
                Rupiah::ZERO,
                None,
            )
            .await,
        );
        assert!(has_field(&e, "term_months"));
        let e = invalid(
            t.add_product(
                &sys(),
                "DEPO999",
                "Deposito",
                SavingsKind::Berjangka,
                Rupiah::ZERO,
                Some(121),
            )
            .await,
        );
        assert!(has_field(&e, "term_months"));
        assert_eq!(t.products().await.unwrap().len(), 6);
        assert_eq!(t.accounts().await.unwrap().len(), accounts.len());

        // A time deposit opened on 15 March 2024 matures on 15 March 2025.
        let m = new_member(&t, "Siti Aminah", 1).await;
        let kasir = cashier("Sri Kasir");
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2024 - 03 - 15),
            vec![mv(&depo, "setoran", 1_000_000)],
        )
        .await
        .unwrap();
        // The balance line carries the maturity date; the other kinds have none.
        let lines = t.balances(m).await.unwrap();
        let depo_line = lines.iter().find(|b| b.product.id == depo.id).unwrap();
        assert_eq!(depo_line.maturity_date, Some(date!(2025 - 03 - 15)));
        assert!(
            lines
                .iter()
                .filter(|b| b.product.id != depo.id)
                .all(|b| b.maturity_date.is_none())
        );
        // A later deposit does not move the maturity date.
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2024 - 06 - 01),
            vec![mv(&depo, "setoran", 500_000)],
        )
        .await
        .unwrap();
        let e = conflict(
            pay(
                &t,
                &kasir,
                m,
                "tunai",
                date!(2025 - 03 - 14),
                vec![mv(&depo, "penarikan", 100_000)],
            )
            .await,
        );
        assert!(
            e.id.contains("jatuh tempo") && e.id.contains("15 Maret 2025"),
            "{}",
            e.id
        );
        assert_eq!(balance_of(&t, m, "DEPO12").await, 1_500_000);
        let lines = t.balances(m).await.unwrap();
        let depo_line = lines.iter().find(|b| b.product.id == depo.id).unwrap();
        assert_eq!(depo_line.maturity_date, Some(date!(2025 - 03 - 15)));
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2025 - 03 - 15),
            vec![mv(&depo, "penarikan", 1_500_000)],
        )
        .await
        .unwrap();
        assert_eq!(balance_of(&t, m, "DEPO12").await, 0);
        // The coop's own sukarela product: withdrawable, above its minimum only.
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2025 - 03 - 15),
            vec![mv(&hari_raya, "setoran", 50_000)],
        )
        .await
        .unwrap();
        conflict(
            pay(
                &t,
                &kasir,
                m,
                "tunai",
                date!(2025 - 03 - 16),
                vec![mv(&hari_raya, "penarikan", 45_000)],
            )
            .await,
        );
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2025 - 03 - 16),
            vec![mv(&hari_raya, "penarikan", 40_000)],
        )
        .await
        .unwrap();
        // Lain (equity-like) is never withdrawn while a member.
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2025 - 03 - 16),
            vec![mv(&usaha, "setoran", 25_000)],
        )
        .await
        .unwrap();
        conflict(
            pay(
                &t,
                &kasir,
                m,
                "tunai",
                date!(2025 - 03 - 16),
                vec![mv(&usaha, "penarikan", 5_000)],
            )
            .await,
        );
        assert_eq!(account_balance(&t, "3110").await, 25_000);
        assert_eq!(account_balance(&t, "2114").await, 10_000);
        books_ok(&s, k).await;
    }
);

// ---------------------------------------------------------------------------------------------
// The arrears list

store_test!(arrears_list_counts_and_sorts, |s| {
    let k = new_coop(&s, "KSPTUNG").await;
    let t = s.tenant(k);
    let wajib = product(&t, "WAJIB").await;
    let kasir = cashier("Sri Kasir");
    // All joined 2 January 2024; on 15 December 2024 twelve months (Rp 240.000) are due.
    let ani = new_member(&t, "Ani", 1).await;
    let budi = new_member(&t, "Budi", 2).await;
    let citra = new_member(&t, "Citra", 3).await;
    let dodi = new_member(&t, "Dodi", 4).await;
    let eko = new_member(&t, "Eko", 5).await;
    pay(
        &t,
        &kasir,
        ani,
        "tunai",
        date!(2024 - 10 - 01),
        vec![mv(&wajib, "setoran", 200_000)],
    )
    .await
    .unwrap();
    pay(
        &t,
        &kasir,
        citra,
        "tunai",
        date!(2024 - 10 - 01),
        vec![mv(&wajib, "setoran", 240_000)],
    )
    .await
    .unwrap();
    // Dodi paid part of a month: eleven and a half months owed (counted as 12 months).
    pay(
        &t,
        &kasir,
        dodi,
        "tunai",
        date!(2024 - 10 - 01),
        vec![mv(&wajib, "setoran", 10_000)],
    )
    .await
    .unwrap();
    // Eko left: not on the list whatever he owes.
    t.set_member_status(
        &sys(),
        eko,
        MemberStatus::Berhenti,
        Some(date!(2024 - 06 - 01)),
        Some("Pindah".into()),
    )
    .await
    .unwrap();
    let today = date!(2024 - 12 - 15);
    let all = t.wajib_arrears_list(today, 50, 0).await.unwrap();
    let got: Vec<(MemberId, u32, i64)> = all
        .rows
        .iter()
        .map(|r| (r.member_id, r.months_owed, r.rupiah_owed))
        .collect();
    assert_eq!(
        got,
        vec![(budi, 12, 240_000), (dodi, 12, 230_000), (ani, 2, 40_000)]
    );
    assert_eq!(all.members, 3);
    assert_eq!(all.total_owed, 510_000);
    assert_eq!(all.total_months, 26);
    assert_eq!(all.monthly, 20_000);
    assert!(!all.has_more);
    assert_eq!(all.rows[2].paid, 200_000);
    assert!(
        !all.rows
            .iter()
            .any(|r| r.member_id == citra || r.member_id == eko)
    );
    // Paged: the totals stay those of the whole list.
    let p1 = t.wajib_arrears_list(today, 2, 0).await.unwrap();
    assert_eq!(p1.rows.len(), 2);
    assert!(p1.has_more);
    assert_eq!(p1.total_owed, 510_000);
    let p2 = t.wajib_arrears_list(today, 2, 2).await.unwrap();
    assert_eq!(
        p2.rows.iter().map(|r| r.member_id).collect::<Vec<_>>(),
        vec![ani]
    );
    assert!(!p2.has_more);
    // Before anyone joined nothing is owed.
    let none = t
        .wajib_arrears_list(date!(2023 - 12 - 31), 50, 0)
        .await
        .unwrap();
    assert_eq!((none.members, none.total_owed), (0, 0));
});

// ---------------------------------------------------------------------------------------------
// Daily cash closing

store_test!(cash_closing_posts_the_difference_once_a_day, |s| {
    let k = new_coop(&s, "KSPKAS").await;
    let t = s.tenant(k);
    let sukarela = product(&t, "SUKARELA").await;
    let wajib = product(&t, "WAJIB").await;
    let sri = cashier("Sri Kasir");
    let tono = cashier("Tono Kasir");
    let sri_id = sri.user_id.unwrap();
    let tono_id = tono.user_id.unwrap();
    let m = new_member(&t, "Siti", 1).await;
    let day = date!(2024 - 05 - 06);
    // Sri: Rp 100.000 + Rp 40.000 in, Rp 30.000 out, in cash; a transfer does not count, nor
    // another day, nor Tono's receipts.
    pay(
        &t,
        &sri,
        m,
        "tunai",
        day,
        vec![
            mv(&sukarela, "setoran", 100_000),
            mv(&wajib, "setoran", 40_000),
        ],
    )
    .await
    .unwrap();
    pay(
        &t,
        &sri,
        m,
        "tunai",
        day,
        vec![mv(&sukarela, "penarikan", 30_000)],
    )
    .await
    .unwrap();
    pay(
        &t,
        &sri,
        m,
        "transfer",
        day,
        vec![mv(&sukarela, "setoran", 50_000)],
    )
    .await
    .unwrap();
    pay(
        &t,
        &sri,
        m,
        "tunai",
        date!(2024 - 05 - 07),
        vec![mv(&sukarela, "setoran", 7_000)],
    )
    .await
    .unwrap();
    pay(
        &t,
        &tono,
        m,
        "tunai",
        day,
        vec![mv(&wajib, "setoran", 20_000)],
    )
    .await
    .unwrap();
    let e = t.expected_cash(sri_id, day).await.unwrap();
    assert_eq!(
        (e.cash_in, e.cash_out, e.receipts, e.expected()),
        (140_000, 30_000, 2, 110_000)
    );
    assert!(t.cash_closing(sri_id, day).await.unwrap().is_none());

    // A shortage without a reason: refused, nothing written.
    let before = entry_count(&t).await;
    let errors = invalid(t.close_cash(&sri, sri_id, day, Rupiah(105_000), None).await);
    assert!(has_field(&errors, "reason"));
    assert!(
        errors[0].msg.id.contains("Rp 5.000"),
        "{}",
        errors[0].msg.id
    );
    invalid(
        t.close_cash(&sri, sri_id, day, Rupiah(105_000), Some("  ".into()))
            .await,
    );
    assert!(t.cash_closing(sri_id, day).await.unwrap().is_none());
    assert_eq!(entry_count(&t).await, before);

    let cash_before = account_balance(&t, "1101").await;
    let c = t
        .close_cash(
            &sri,
            sri_id,
            day,
            Rupiah(105_000),
            Some("Uang kembalian salah".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        (c.expected, c.counted, c.difference),
        (110_000, 105_000, -5_000)
    );
    assert_eq!(c.reason.as_deref(), Some("Uang kembalian salah"));
    let entry = t.entry(EntryId(c.entry_id.unwrap())).await.unwrap();
    assert_eq!(
        lines_of(&entry),
        vec![l("1101", 0, 5_000), l("5901", 5_000, 0)]
    );
    assert_eq!(entry.source, "cash_closing");
    assert_eq!(account_balance(&t, "1101").await, cash_before - 5_000);
    assert_eq!(account_balance(&t, "5901").await, 5_000);
    let shown = t.cash_closing(sri_id, day).await.unwrap().unwrap();
    assert_eq!(shown.id, c.id);

    // Once a day per cashier.
    let e = conflict(t.close_cash(&sri, sri_id, day, Rupiah(110_000), None).await);
    assert!(e.id.contains("sudah ditutup"), "{}", e.id);
    // Tono, the same day: a surplus, credited to Selisih kas.
    let c = t
        .close_cash(
            &tono,
            tono_id,
            day,
            Rupiah(21_000),
            Some("Kelebihan dari anggota".into()),
        )
        .await
        .unwrap();
    assert_eq!(c.difference, 1_000);
    let entry = t.entry(EntryId(c.entry_id.unwrap())).await.unwrap();
    assert_eq!(
        lines_of(&entry),
        vec![l("1101", 1_000, 0), l("5901", 0, 1_000)]
    );
    // Sri the next day: exact, no entry and no reason needed.
    let before = entry_count(&t).await;
    let c = t
        .close_cash(&sri, sri_id, date!(2024 - 05 - 07), Rupiah(7_000), None)
        .await
        .unwrap();
    assert_eq!((c.difference, c.entry_id), (0, None));
    assert_eq!(entry_count(&t).await, before);
    // A cashier without receipts closes at 0.
    let nobody = cashier("Baru");
    let c = t
        .close_cash(&nobody, nobody.user_id.unwrap(), day, Rupiah::ZERO, None)
        .await
        .unwrap();
    assert_eq!((c.expected, c.difference), (0, 0));
    books_ok(&s, k).await;
});

// ---------------------------------------------------------------------------------------------
// Leaving the coop

store_test!(settle_member_refunds_closes_and_pays_later, |s| {
    let k = new_coop(&s, "KSPKEL").await;
    let t = s.tenant(k);
    let pokok = product(&t, "POKOK").await;
    let wajib = product(&t, "WAJIB").await;
    let sukarela = product(&t, "SUKARELA").await;
    let usaha = t
        .add_product(
            &sys(),
            "USAHA",
            "Simpanan wajib usaha",
            SavingsKind::Lain,
            Rupiah::ZERO,
            None,
        )
        .await
        .unwrap();
    let kasir = cashier("Sri Kasir");
    let siti = new_member(&t, "Siti", 1).await;
    let budi = new_member(&t, "Budi", 2).await;
    let nol = new_member(&t, "Nol", 3).await;
    pay(
        &t,
        &kasir,
        siti,
        "tunai",
        date!(2024 - 02 - 01),
        vec![
            mv(&pokok, "setoran", 100_000),
            mv(&wajib, "setoran", 240_000),
            mv(&sukarela, "setoran", 150_000),
            mv(&usaha, "setoran", 50_000),
        ],
    )
    .await
    .unwrap();
    pay(
        &t,
        &kasir,
        budi,
        "tunai",
        date!(2024 - 02 - 01),
        vec![
            mv(&pokok, "setoran", 100_000),
            mv(&sukarela, "setoran", 20_000),
        ],
    )
    .await
    .unwrap();

    // Before: a preview with today's balances; nothing recorded.
    let preview = t.leaving_statement(siti).await.unwrap();
    assert!(!preview.settled);
    assert_eq!(preview.settlement.refund, Rupiah(540_000));
    assert_eq!(preview.settlement.lines.len(), 4);

    // Settled, the refund left owing.
    let left = date!(2024 - 06 - 30);
    let st = t
        .settle_member(&sys(), siti, left, "Pindah ke luar kota", None)
        .await
        .unwrap();
    assert!(st.settled && st.unpaid());
    assert_eq!(st.settlement.refund, Rupiah(540_000));
    assert_eq!(st.payable, 540_000);
    assert_eq!(st.paid_now, None);
    let names: Vec<(&str, i64)> = st
        .settlement
        .lines
        .iter()
        .map(|l| (l.product.as_str(), l.balance.0))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Simpanan pokok", 100_000),
            ("Simpanan wajib", 240_000),
            ("Simpanan sukarela", 150_000),
            ("Simpanan wajib usaha", 50_000)
        ]
    );
    let entry = entry_no(&t, st.entry_no.unwrap()).await;
    assert_eq!(entry.source, "settlement");
    assert_eq!(
        lines_of(&entry),
        vec![
            l("2101", 150_000, 0),
            l("2111", 0, 540_000),
            l("3101", 100_000, 0),
            l("3102", 240_000, 0),
            l("3110", 50_000, 0),
        ]
    );
    for b in t.balances(siti).await.unwrap() {
        assert_eq!(b.balance, 0, "{}", b.product.code);
    }
    let book = t.passbook(siti, wajib.id).await.unwrap();
    let last = book.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.amount, last.balance_after),
        ("pengembalian", -240_000, 0)
    );
    assert_eq!(last.date, left);
    let m = t.member(siti).await.unwrap();
    assert_eq!(m.status, MemberStatus::Berhenti);
    assert_eq!(m.status_on, Some(left));
    assert_eq!(m.status_reason.as_deref(), Some("Pindah ke luar kota"));
    assert_eq!(account_balance(&t, "2111").await, 540_000);
    books_ok(&s, k).await;

    // Refused: a second settlement, and the counter for a member who left.
    let before = entry_count(&t).await;
    let e = conflict(
        t.settle_member(&sys(), siti, left, "Lagi", Some(PayMethod::Cash))
            .await,
    );
    assert!(e.id.contains("tidak aktif"), "{}", e.id);
    conflict(
        pay(
            &t,
            &kasir,
            siti,
            "tunai",
            left,
            vec![mv(&sukarela, "setoran", 1_000)],
        )
        .await,
    );
    assert_eq!(entry_count(&t).await, before);

    // The payable paid later by transfer, once.
    let paid = t
        .pay_settlement(&sys(), siti, date!(2024 - 07 - 05), PayMethod::Bank)
        .await
        .unwrap();
    let payout = paid.payout.clone().unwrap();
    assert_eq!(
        (payout.date, payout.method),
        (date!(2024 - 07 - 05), Some(PayMethod::Bank))
    );
    assert!(!paid.unpaid());
    let entry = entry_no(&t, payout.entry_no).await;
    assert_eq!(
        lines_of(&entry),
        vec![l("1102", 0, 540_000), l("2111", 540_000, 0)]
    );
    assert_eq!(account_balance(&t, "2111").await, 0);
    let e = conflict(
        t.pay_settlement(&sys(), siti, date!(2024 - 07 - 06), PayMethod::Cash)
            .await,
    );
    assert!(e.id.contains("sudah dibayar"), "{}", e.id);
    books_ok(&s, k).await;

    // Paid at once in cash: nothing left to pay later.
    let st = t
        .settle_member(
            &sys(),
            budi,
            left,
            "Mengundurkan diri",
            Some(PayMethod::Cash),
        )
        .await
        .unwrap();
    assert_eq!((st.paid_now, st.payable), (Some(PayMethod::Cash), 0));
    let entry = entry_no(&t, st.entry_no.unwrap()).await;
    assert_eq!(
        lines_of(&entry),
        vec![
            l("1101", 0, 120_000),
            l("2101", 20_000, 0),
            l("3101", 100_000, 0)
        ]
    );
    conflict(t.pay_settlement(&sys(), budi, left, PayMethod::Cash).await);
    // No savings at all: settled without an entry.
    let before = entry_count(&t).await;
    let st = t
        .settle_member(&sys(), nol, left, "Tidak aktif lagi", None)
        .await
        .unwrap();
    assert!(st.settled);
    assert_eq!((st.settlement.refund, st.entry_no), (Rupiah::ZERO, None));
    assert_eq!(entry_count(&t).await, before);
    assert_eq!(t.member(nol).await.unwrap().status, MemberStatus::Berhenti);
    books_ok(&s, k).await;
});

store_test!(settle_member_refusals_change_nothing, |s| {
    let k = new_coop(&s, "KSPTOLAK").await;
    let t = s.tenant(k);
    let pokok = product(&t, "POKOK").await;
    let kasir = cashier("Sri Kasir");
    let m = new_member(&t, "Siti", 1).await;
    let gone = new_member(&t, "Gone", 2).await;
    pay(
        &t,
        &kasir,
        m,
        "tunai",
        date!(2024 - 02 - 01),
        vec![mv(&pokok, "setoran", 100_000)],
    )
    .await
    .unwrap();
    t.set_member_status(
        &sys(),
        gone,
        MemberStatus::Meninggal,
        Some(date!(2024 - 03 - 01)),
        None,
    )
    .await
    .unwrap();
    let before = entry_count(&t).await;
    // Not active.
    conflict(
        t.settle_member(&sys(), gone, date!(2024 - 06 - 30), "Meninggal", None)
            .await,
    );
    // No reason; a date before joining; another coop's member; not settled → nothing to pay.
    assert!(has_field(
        &invalid(
            t.settle_member(&sys(), m, date!(2024 - 06 - 30), " ", None)
                .await
        ),
        "reason"
    ));
    assert!(has_field(
        &invalid(
            t.settle_member(&sys(), m, date!(2023 - 06 - 30), "Pindah", None)
                .await
        ),
        "date"
    ));
    let other = new_coop(&s, "KSPLAIN").await;
    match s
        .tenant(other)
        .settle_member(&sys(), m, date!(2024 - 06 - 30), "Pindah", None)
        .await
    {
        Err(StoreError::NotFound) => {}
        r => panic!("expected NotFound, got {r:?}"),
    }
    conflict(
        t.pay_settlement(&sys(), m, date!(2024 - 06 - 30), PayMethod::Cash)
            .await,
    );
    assert_eq!(entry_count(&t).await, before);
    assert_eq!(t.member(m).await.unwrap().status, MemberStatus::Aktif);
    assert_eq!(balance_of(&t, m, "POKOK").await, 100_000);
    // Still settleable afterwards.
    t.settle_member(
        &sys(),
        m,
        date!(2024 - 06 - 30),
        "Pindah",
        Some(PayMethod::Cash),
    )
    .await
    .unwrap();
    books_ok(&s, k).await;
});

/// Each settlement's own record: (member, state, settled on, refund, method, entry no., paid
/// on, paid method, paid entry no.), by member id.
type SettlementRecord = (
    uuid::Uuid,
    String,
    Date,
    i64,
    Option<String>,
    Option<i64>,
    Option<Date>,
    Option<String>,
    Option<i64>,
);

async fn settlement_records(s: &Store, k: KoperasiId) -> Vec<SettlementRecord> {
    guyub_store::on_db!(s.db(), p => sqlx::query_as(
        "SELECT member_id, state, settled_on, refund, method, entry_no, paid_on, paid_method, paid_entry_no
         FROM member_settlement WHERE koperasi_id = $1 ORDER BY member_id")
        .bind(k.0).fetch_all(p).await)
    .unwrap()
}

/// The `book_seq` rows whose names start with "settlement" (the markers of old).
async fn settlement_markers(s: &Store) -> i64 {
    guyub_store::on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM book_seq WHERE name LIKE 'settlement%'")
        .fetch_one(p).await)
    .unwrap()
}

/// The coop's `book_seq` counters other than settlement markers, as (name, last).
async fn counters(s: &Store, k: KoperasiId) -> Vec<(String, i64)> {
    guyub_store::on_db!(s.db(), p => sqlx::query_as(
        "SELECT name, last FROM book_seq WHERE koperasi_id = $1 AND name NOT LIKE 'settlement%' ORDER BY name")
        .bind(k.0).fetch_all(p).await)
    .unwrap()
}

store_test!(settlement_by_qris_keeps_its_own_record, |s| {
    let k = new_coop(&s, "KSPQRIS").await;
    let t = s.tenant(k);
    let pokok = product(&t, "POKOK").await;
    let sukarela = product(&t, "SUKARELA").await;
    let kasir = cashier("Sri Kasir");
    let siti = new_member(&t, "Siti", 1).await;
    let budi = new_member(&t, "Budi", 2).await;
    let nol = new_member(&t, "Nol", 3).await;
    for m in [siti, budi] {
        pay(
            &t,
            &kasir,
            m,
            "tunai",
            date!(2024 - 02 - 01),
            vec![
                mv(&pokok, "setoran", 100_000),
                mv(&sukarela, "setoran", 25_000),
            ],
        )
        .await
        .unwrap();
    }
    let left = date!(2024 - 06 - 30);
    // Refunded at once by QRIS: Cr Kliring QRIS (1110).
    let st = t
        .settle_member(&sys(), siti, left, "Pindah", Some(PayMethod::Qris))
        .await
        .unwrap();
    assert_eq!((st.paid_now, st.payable), (Some(PayMethod::Qris), 0));
    assert_eq!(
        lines_of(&entry_no(&t, st.entry_no.unwrap()).await),
        vec![
            l("1110", 0, 125_000),
            l("2101", 25_000, 0),
            l("3101", 100_000, 0)
        ]
    );
    // Left owing, then paid by QRIS: Dr 2111 − Cr 1110.
    let owed = t
        .settle_member(&sys(), budi, left, "Pindah", None)
        .await
        .unwrap();
    let paid = t
        .pay_settlement(&sys(), budi, date!(2024 - 07 - 01), PayMethod::Qris)
        .await
        .unwrap();
    let payout = paid.payout.clone().unwrap();
    assert_eq!(payout.method, Some(PayMethod::Qris));
    assert_eq!(
        lines_of(&entry_no(&t, payout.entry_no).await),
        vec![l("1110", 0, 125_000), l("2111", 125_000, 0)]
    );
    t.settle_member(&sys(), nol, left, "Tidak aktif", None)
        .await
        .unwrap();

    // Each settlement is its own row; no marker rows in book_seq.
    let mut want = vec![
        (
            siti.0,
            "paid".to_string(),
            left,
            125_000,
            Some("qris".to_string()),
            st.entry_no,
            None,
            None,
            None,
        ),
        (
            budi.0,
            "paid".to_string(),
            left,
            125_000,
            None,
            owed.entry_no,
            Some(date!(2024 - 07 - 01)),
            Some("qris".to_string()),
            Some(payout.entry_no),
        ),
        (
            nol.0,
            "none".to_string(),
            left,
            0,
            None,
            None,
            None,
            None,
            None,
        ),
    ];
    want.sort_by_key(|r| r.0);
    assert_eq!(settlement_records(&s, k).await, want);
    assert_eq!(settlement_markers(&s).await, 0);
    books_ok(&s, k).await;

    // books verify notices a settlement that disagrees with its entries.
    guyub_store::on_db!(s.db(), p => sqlx::query(
        "UPDATE member_settlement SET state = 'owed' WHERE koperasi_id = $1 AND member_id = $2")
        .bind(k.0).bind(siti.0).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let problems = s.verify_books(Some(k)).await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].what.starts_with("penyelesaian keluar anggota")
            && problems[0].what.contains("\"owed\""),
        "{problems:?}"
    );
    guyub_store::on_db!(s.db(), p => sqlx::query(
        "UPDATE member_settlement SET state = 'paid' WHERE koperasi_id = $1 AND member_id = $2")
        .bind(k.0).bind(siti.0).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    books_ok(&s, k).await;
});

store_test!(a_refund_paid_twice_at_the_same_instant_is_paid_once, |s| {
    let k = new_coop(&s, "KSPDUA").await;
    let t = s.tenant(k);
    let pokok = product(&t, "POKOK").await;
    let m = new_member(&t, "Siti", 1).await;
    pay(
        &t,
        &cashier("Sri Kasir"),
        m,
        "tunai",
        date!(2024 - 02 - 01),
        vec![mv(&pokok, "setoran", 100_000)],
    )
    .await
    .unwrap();
    t.settle_member(&sys(), m, date!(2024 - 06 - 30), "Pindah", None)
        .await
        .unwrap();
    let before = entry_count(&t).await;
    let day = date!(2024 - 07 - 01);
    let actor = sys();
    let (a, b) = tokio::join!(
        t.pay_settlement(&actor, m, day, PayMethod::Cash),
        t.pay_settlement(&actor, m, day, PayMethod::Qris),
    );
    let ok = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(ok, 1, "{a:?} / {b:?}");
    for r in [a, b] {
        if let Err(e) = r {
            let m = conflict(Err::<(), _>(e));
            assert!(m.id.contains("sudah dibayar"), "{}", m.id);
        }
    }
    assert_eq!(entry_count(&t).await, before + 1);
    assert_eq!(account_balance(&t, "2111").await, 0);
    books_ok(&s, k).await;
});

store_test!(old_settlement_markers_move_into_their_table, |s| {
    let k = new_coop(&s, "KSPLAMA").await;
    let t = s.tenant(k);
    let pokok = product(&t, "POKOK").await;
    let sukarela = product(&t, "SUKARELA").await;
    let kasir = cashier("Sri Kasir");
    let mut members = vec![];
    for (i, name) in ["Owed", "Later", "Now", "Nothing"].iter().enumerate() {
        members.push(new_member(&t, name, i as u16 + 1).await);
    }
    for m in &members[..3] {
        pay(
            &t,
            &kasir,
            *m,
            "tunai",
            date!(2024 - 02 - 01),
            vec![
                mv(&pokok, "setoran", 100_000),
                mv(&sukarela, "setoran", 40_000),
            ],
        )
        .await
        .unwrap();
    }
    let left = date!(2024 - 06 - 30);
    t.settle_member(&sys(), members[0], left, "Pindah", None)
        .await
        .unwrap();
    t.settle_member(&sys(), members[1], left, "Pindah", None)
        .await
        .unwrap();
    t.pay_settlement(&sys(), members[1], date!(2024 - 07 - 02), PayMethod::Bank)
        .await
        .unwrap();
    t.settle_member(&sys(), members[2], left, "Pindah", Some(PayMethod::Cash))
        .await
        .unwrap();
    t.settle_member(&sys(), members[3], left, "Pindah", None)
        .await
        .unwrap();
    let records = settlement_records(&s, k).await;
    assert_eq!(records.len(), 4);
    let mut statements = vec![];
    for m in &members {
        statements.push(format!("{:?}", t.leaving_statement(*m).await.unwrap()));
    }

    let other_counters = counters(&s, k).await;
    assert!(!other_counters.is_empty());

    // Back to the schema and the data of before 0003: the markers in book_seq, no table, no
    // index, migration 3 not applied.
    let marks: Vec<(uuid::Uuid, Option<i64>, Option<i64>)> =
        guyub_store::on_db!(s.db(), p => sqlx::query_as(
        "SELECT member_id, entry_no, paid_entry_no FROM member_settlement WHERE koperasi_id = $1")
        .bind(k.0).fetch_all(p).await)
        .unwrap();
    for (member, entry, paid) in marks {
        let mut rows = vec![(format!("settlement:{member}"), entry.unwrap_or(0))];
        if let Some(no) = paid {
            rows.push((format!("settlement_paid:{member}"), no));
        }
        for (name, last) in rows {
            guyub_store::on_db!(s.db(), p => sqlx::query(
                "INSERT INTO book_seq (koperasi_id, name, last) VALUES ($1, $2, $3)")
                .bind(k.0).bind(&name).bind(last).execute(p).await.map(|r| r.rows_affected()))
            .unwrap();
        }
    }
    for sql in [
        "DROP INDEX receipt_cashier_idx",
        "DROP TABLE member_settlement",
        "DELETE FROM _sqlx_migrations WHERE version = 3",
    ] {
        guyub_store::on_db!(s.db(), p => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()))
            .unwrap();
    }
    assert_eq!(settlement_markers(&s).await, 5);

    // Migrating again moves them into member_settlement and removes them.
    s.migrate().await.unwrap();
    assert_eq!(settlement_markers(&s).await, 0);
    assert_eq!(settlement_records(&s, k).await, records);
    for (m, before) in members.iter().zip(&statements) {
        assert_eq!(
            &format!("{:?}", t.leaving_statement(*m).await.unwrap()),
            before
        );
    }
    // The other counters (entry and receipt numbers) were left alone.
    assert_eq!(counters(&s, k).await, other_counters);
    books_ok(&s, k).await;
});

store_test!(
    the_cash_closing_finds_receipts_by_cashier_through_an_index,
    |s| {
        let k = new_coop(&s, "KSPIDX").await;
        let t = s.tenant(k);
        let sukarela = product(&t, "SUKARELA").await;
        let sri = cashier("Sri Kasir");
        let m = new_member(&t, "Siti", 1).await;
        for day in [date!(2024 - 05 - 06), date!(2024 - 05 - 07)] {
            pay(
                &t,
                &sri,
                m,
                "tunai",
                day,
                vec![mv(&sukarela, "setoran", 10_000)],
            )
            .await
            .unwrap();
        }
        let sql = guyub_store::savings::EXPECTED_SQL;
        let plan: String = match s.db() {
            guyub_store::Db::Sqlite(p) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                        .bind(k.0)
                        .bind(sri.user_id.unwrap().0)
                        .bind(date!(2024 - 05 - 06))
                        .bind("tunai")
                        .fetch_all(p)
                        .await
                        .unwrap();
                rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
            }
            guyub_store::Db::Pg(p) => {
                // A realistic table: many receipts of other cashiers, with fresh statistics
                // (on a near-empty table any plan is as good as another).
                sqlx::query(
                "INSERT INTO receipt (koperasi_id, id, receipt_no, member_id, total, method, cashier, cashier_id, created_at)
                 SELECT $1, gen_random_uuid(), 'X-' || g, $2, 1000, 'tunai', 'lain', gen_random_uuid(), now()
                 FROM generate_series(1, 20000) g",
            )
            .bind(k.0)
            .bind(m.0)
            .execute(p)
            .await
            .unwrap();
                sqlx::query("ANALYZE receipt").execute(p).await.unwrap();
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                        .bind(k.0)
                        .bind(sri.user_id.unwrap().0)
                        .bind(date!(2024 - 05 - 06))
                        .bind("tunai")
                        .fetch_all(p)
                        .await
                        .unwrap();
                rows.join("\n")
            }
        };
        assert!(plan.contains("receipt_cashier_idx"), "{plan}");
        let e = t
            .expected_cash(sri.user_id.unwrap(), date!(2024 - 05 - 06))
            .await
            .unwrap();
        assert_eq!((e.cash_in, e.receipts), (10_000, 1));
    }
);
