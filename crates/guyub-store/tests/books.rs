//! The books (ledger and savings), on both engines.
//!
//! Every test body is written once; [`store_test!`] turns it into `<name>::sqlite` (always run,
//! a fresh temp file) and `<name>::postgres` (a fresh schema on `TEST_DATABASE_URL`; without
//! it the test prints a note and passes without doing anything).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{AccountId, EntryId, KoperasiId, MemberId, ProductId, UserId};
use guyub_core::ledger::{AccountCode, LineInput, standard_chart};
use guyub_core::member::ValidMember;
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::phone::Phone;
use guyub_core::region::RegionCode;
use guyub_core::{FieldError, Msg};
use guyub_store::coop::CoopData;
use guyub_store::ledger::{Account, Entry, NewEntry, Source};
use guyub_store::savings::{CounterRequest, Movement, Product, Receipt};
use guyub_store::{Actor, Engine, Store, StoreError, Tenant};
use time::macros::date;
use time::{Date, Month};

/// One `#[tokio::test]` per engine from one body. The second form gives each engine its own
/// attributes (to mark a bug that shows on one engine only).
macro_rules! store_test {
    ($(#[$attr:meta])* $name:ident, |$s:ident| $body:block) => {
        store_test!(sqlite: [$(#[$attr])*] postgres: [$(#[$attr])*] $name, |$s| $body);
    };
    (sqlite: [$(#[$sa:meta])*] postgres: [$(#[$pa:meta])*] $name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$sa])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                common::run(Engine::Sqlite, |$s: Store| async move $body).await
            }

            $(#[$pa])*
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

fn kasir() -> Actor {
    Actor {
        user_id: Some(UserId::new()),
        name: "Sri Kasir".to_string(),
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

fn coop_data(code: &str) -> CoopData {
    CoopData {
        code: code.to_string(),
        name: format!("Koperasi {code}"),
        legal_number: Some("AHU-0001234.AH.01.26.2019".to_string()),
        legal_date: Some(date!(2019 - 08 - 07)),
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

/// A coop with the default bylaws (fiscal year from January) from 2020.
async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    new_coop_with(s, code, &Bylaws::default()).await
}

async fn new_coop_with(s: &Store, code: &str, bylaws: &Bylaws) -> KoperasiId {
    s.create_koperasi(&sys(), &coop_data(code), bylaws, 2020)
        .await
        .unwrap()
}

fn person(name: &str, serial: u16) -> ValidMember {
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
        joined_on: date!(2024 - 01 - 02),
    }
}

async fn new_member(t: &Tenant<'_>, name: &str, serial: u16) -> MemberId {
    t.create_member(&sys(), &person(name, serial))
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

fn assert_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

fn has_field(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

/// The account with `code` in this coop's chart.
async fn acct(t: &Tenant<'_>, code: &str) -> Account {
    t.accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("no account {code}"))
}

async fn acct_id(t: &Tenant<'_>, code: &str) -> AccountId {
    acct(t, code).await.id
}

fn dr(account: AccountId, amount: i64) -> LineInput {
    LineInput {
        account,
        debit: Rupiah(amount),
        credit: Rupiah::ZERO,
        memo: None,
    }
}

fn cr(account: AccountId, amount: i64) -> LineInput {
    LineInput {
        account,
        debit: Rupiah::ZERO,
        credit: Rupiah(amount),
        memo: None,
    }
}

fn manual(date: Date, description: &str, lines: Vec<LineInput>) -> NewEntry {
    NewEntry {
        date,
        description: description.to_string(),
        reference: None,
        source: Source::Manual,
        source_id: None,
        reverses: None,
        lines,
    }
}

/// Every entry of the journal, newest first.
async fn whole_journal(t: &Tenant<'_>) -> Vec<Entry> {
    let j = t.journal(None, None, 100_000, 0).await.unwrap();
    assert!(j.len() < 100_000);
    j
}

/// What "nothing changed" compares: every account's totals and every entry id.
#[derive(Debug, PartialEq, Eq)]
struct BooksSnapshot {
    totals: BTreeMap<String, (i64, i64, bool)>,
    entries: Vec<EntryId>,
}

async fn snapshot(t: &Tenant<'_>) -> BooksSnapshot {
    let totals = t
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.code, (a.debit, a.credit, a.active)))
        .collect();
    let entries = whole_journal(t).await.into_iter().map(|e| e.id).collect();
    BooksSnapshot { totals, entries }
}

/// Savings balances and passbooks of `members`, for "nothing changed" at the counter.
async fn savings_snapshot(t: &Tenant<'_>, members: &[MemberId]) -> Vec<(i64, usize)> {
    let mut out = vec![];
    for m in members {
        for b in t.balances(*m).await.unwrap() {
            let n = t.passbook(*m, b.product.id).await.unwrap().len();
            out.push((b.balance, n));
        }
    }
    out
}

async fn product(t: &Tenant<'_>, code: &str) -> Product {
    t.products()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("no product {code}"))
}

fn deposit(p: &Product, amount: i64) -> Movement {
    Movement {
        product: p.id,
        kind: "setoran".to_string(),
        amount: Rupiah(amount),
    }
}

fn withdraw(p: &Product, amount: i64) -> Movement {
    Movement {
        product: p.id,
        kind: "penarikan".to_string(),
        amount: Rupiah(amount),
    }
}

fn counter_req(
    member: MemberId,
    method: &str,
    date: Date,
    movements: Vec<Movement>,
) -> CounterRequest {
    CounterRequest {
        member,
        method: method.to_string(),
        date,
        movements,
        note: None,
    }
}

async fn balance_of(t: &Tenant<'_>, member: MemberId, product: ProductId) -> i64 {
    t.balances(member)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.product.id == product)
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

/// The journal entry that a receipt posted.
async fn entry_of_receipt(t: &Tenant<'_>, r: &Receipt) -> Entry {
    let id = r.lines[0].entry_id;
    assert!(
        r.lines.iter().all(|x| x.entry_id == id),
        "one receipt, one entry"
    );
    t.entry(EntryId(id)).await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. A new coop's books

store_test!(new_coop_has_standard_chart_and_products, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let accounts = t.accounts().await.unwrap();

    // The whole standard chart, one account per template, in code order.
    let codes: Vec<&str> = accounts.iter().map(|a| a.code.as_str()).collect();
    let mut want: Vec<&str> = standard_chart().iter().map(|a| a.code).collect();
    want.sort();
    assert_eq!(codes, want);
    for (a, tpl) in accounts.iter().filter_map(|a| {
        standard_chart()
            .iter()
            .find(|t| t.code == a.code)
            .map(|t| (a, t))
    }) {
        assert_eq!(a.name, tpl.name_id, "{}", a.code);
        assert_eq!(a.is_header, tpl.is_header, "{}", a.code);
        assert_eq!(
            a.role.as_deref(),
            tpl.role.map(|r| r.as_str()),
            "{}",
            a.code
        );
        assert!(a.active, "{}", a.code);
        assert_eq!((a.debit, a.credit, a.balance()), (0, 0, 0), "{}", a.code);
    }

    let by_code = |c: &str| accounts.iter().find(|a| a.code == c).unwrap().clone();
    let kas = by_code("1101");
    assert_eq!(
        (
            kas.name.as_str(),
            kas.class.as_str(),
            kas.role.as_deref(),
            kas.is_header
        ),
        ("Kas", "aset", Some("kas"), false)
    );
    assert_eq!(kas.parent_id, Some(by_code("11").id));
    assert_eq!(by_code("11").parent_id, Some(by_code("1").id));
    assert_eq!(by_code("1").parent_id, None);
    assert!(by_code("1").is_header && by_code("11").is_header);
    let bank = by_code("1102");
    assert_eq!(
        (bank.name.as_str(), bank.role.as_deref()),
        ("Bank", Some("bank"))
    );
    let qris = by_code("1110");
    assert_eq!(
        (qris.name.as_str(), qris.role.as_deref()),
        ("Kliring QRIS", Some("qris_clearing"))
    );
    let pokok = by_code("3101");
    assert_eq!(
        (
            pokok.name.as_str(),
            pokok.class.as_str(),
            pokok.role.as_deref()
        ),
        ("Simpanan pokok", "ekuitas", Some("simpanan_pokok"))
    );
    assert_eq!(pokok.parent_id, Some(by_code("3").id));
    let wajib = by_code("3102");
    assert_eq!(
        (
            wajib.name.as_str(),
            wajib.class.as_str(),
            wajib.role.as_deref()
        ),
        ("Simpanan wajib", "ekuitas", Some("simpanan_wajib"))
    );
    let sukarela = by_code("2101");
    assert_eq!(
        (
            sukarela.name.as_str(),
            sukarela.class.as_str(),
            sukarela.role.as_deref()
        ),
        (
            "Simpanan sukarela anggota",
            "kewajiban",
            Some("simpanan_sukarela")
        )
    );
    assert_eq!(sukarela.parent_id, Some(by_code("21").id));
    assert_eq!(by_code("5305").class, "beban");
    assert_eq!(by_code("4302").class, "pendapatan");

    // Three products on the right accounts.
    let products = t.products().await.unwrap();
    let got: Vec<(&str, &str, AccountId, i64, bool)> = products
        .iter()
        .map(|p| {
            (
                p.code.as_str(),
                p.kind.as_str(),
                p.account_id,
                p.min_balance,
                p.active,
            )
        })
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort_by_key(|g| g.0);
    assert_eq!(
        got_sorted,
        vec![
            ("POKOK", "pokok", pokok.id, 0, true),
            ("SUKARELA", "sukarela", sukarela.id, 0, true),
            ("WAJIB", "wajib", wajib.id, 0, true),
        ]
    );

    // Nothing posted yet.
    let tb = t.trial_balance().await.unwrap();
    assert!(tb.rows.is_empty());
    assert_eq!((tb.total_debit, tb.total_credit), (0, 0));
    assert!(whole_journal(&t).await.is_empty());

    // Each coop gets its own copy.
    let k2 = new_coop(&s, "KSPB").await;
    let t2 = s.tenant(k2);
    let kas2 = acct(&t2, "1101").await;
    assert_ne!(kas2.id, kas.id);
    assert_eq!(t2.accounts().await.unwrap().len(), accounts.len());
    assert!(
        t2.products()
            .await
            .unwrap()
            .iter()
            .all(|p| !products.iter().any(|q| q.id == p.id))
    );
    // A member starts with zero in every product.
    let m = new_member(&t, "Ani", 1).await;
    let bals = t.balances(m).await.unwrap();
    assert_eq!(bals.len(), 3);
    assert!(bals.iter().all(|b| b.balance == 0));
});

// ---------------------------------------------------------------------------------------------
// 2. Manual entries

store_test!(post_manual_moves_balances_and_reports, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let saldo_awal = acct_id(&t, "3109").await;
    let adm = acct_id(&t, "5305").await;
    let lain = acct_id(&t, "4302").await;

    let e1 = t
        .post_manual(
            &sys(),
            &manual(
                date!(2025 - 01 - 10),
                "Saldo awal kas",
                vec![dr(kas, 1_000_000), cr(saldo_awal, 1_000_000)],
            ),
        )
        .await
        .unwrap();
    let e2 = t
        .post_manual(
            &sys(),
            &manual(
                date!(2025 - 02 - 05),
                "Beli alat tulis",
                vec![dr(adm, 150_000), cr(kas, 150_000)],
            ),
        )
        .await
        .unwrap();
    let e3 = t
        .post_manual(
            &sys(),
            &NewEntry {
                reference: Some("BKM-7".to_string()),
                ..manual(
                    date!(2025 - 03 - 01),
                    "Sewa tenda",
                    vec![
                        LineInput {
                            memo: Some("tunai".to_string()),
                            ..dr(kas, 50_000)
                        },
                        cr(lain, 50_000),
                    ],
                )
            },
        )
        .await
        .unwrap();

    // Account totals.
    let a = t.account(kas).await.unwrap();
    assert_eq!(
        (a.debit, a.credit, a.balance()),
        (1_050_000, 150_000, 900_000)
    );
    let a = t.account(saldo_awal).await.unwrap();
    assert_eq!((a.debit, a.credit, a.balance()), (0, 1_000_000, 1_000_000));
    let a = t.account(adm).await.unwrap();
    assert_eq!((a.debit, a.credit, a.balance()), (150_000, 0, 150_000));
    let a = t.account(lain).await.unwrap();
    assert_eq!((a.debit, a.credit, a.balance()), (0, 50_000, 50_000));

    // General ledger of Kas from February: brought forward 1.000.000, then the running balance.
    let (opening, lines) = t
        .general_ledger(kas, date!(2025 - 02 - 01), date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert_eq!(opening, 1_000_000);
    let got: Vec<(EntryId, i64, Date, i64, i64, i64)> = lines
        .iter()
        .map(|x| (x.entry_id, x.entry_no, x.date, x.debit, x.credit, x.balance))
        .collect();
    assert_eq!(
        got,
        vec![
            (e2, 2, date!(2025 - 02 - 05), 0, 150_000, 850_000),
            (e3, 3, date!(2025 - 03 - 01), 50_000, 0, 900_000),
        ]
    );
    assert_eq!(lines[0].description, "Beli alat tulis");
    // January only.
    let (opening, lines) = t
        .general_ledger(kas, date!(2025 - 01 - 01), date!(2025 - 01 - 31))
        .await
        .unwrap();
    assert_eq!(opening, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].entry_id, lines[0].balance), (e1, 1_000_000));
    // The day of an entry is inclusive on both ends; after the last entry, only the opening.
    let (opening, lines) = t
        .general_ledger(kas, date!(2025 - 02 - 05), date!(2025 - 02 - 05))
        .await
        .unwrap();
    assert_eq!(
        (opening, lines.len(), lines[0].balance),
        (1_000_000, 1, 850_000)
    );
    let (opening, lines) = t
        .general_ledger(kas, date!(2025 - 03 - 02), date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert_eq!((opening, lines.len()), (900_000, 0));
    // A credit-normal account runs positive on the credit side.
    let (opening, lines) = t
        .general_ledger(lain, date!(2025 - 01 - 01), date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert_eq!((opening, lines.len(), lines[0].balance), (0, 1, 50_000));

    // The journal, newest first, with its lines.
    let j = whole_journal(&t).await;
    let ids: Vec<EntryId> = j.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![e3, e2, e1]);
    let nos: Vec<i64> = j.iter().map(|e| e.entry_no).collect();
    assert_eq!(nos, vec![3, 2, 1]);
    let first = &j[2];
    assert_eq!(first.date, date!(2025 - 01 - 10));
    assert_eq!(first.description, "Saldo awal kas");
    assert_eq!(first.source, "manual");
    assert_eq!(first.total, 1_000_000);
    assert_eq!(first.created_by, "uji otomatis");
    assert_eq!((first.reverses_id, first.reversed_by), (None, None));
    assert_eq!(
        lines_of(first),
        vec![l("1101", 1_000_000, 0), l("3109", 0, 1_000_000)]
    );
    assert_eq!(first.lines[0].line_no, 1);
    assert_eq!(first.lines[0].account_name, "Kas");
    assert_eq!(j[0].reference.as_deref(), Some("BKM-7"));
    assert_eq!(j[0].lines[0].memo.as_deref(), Some("tunai"));
    // Filtered by date, and paged (`limit + 1` rows tell that there is a next page).
    let feb = t
        .journal(
            Some(date!(2025 - 02 - 01)),
            Some(date!(2025 - 02 - 28)),
            50,
            0,
        )
        .await
        .unwrap();
    assert_eq!(feb.iter().map(|e| e.id).collect::<Vec<_>>(), vec![e2]);
    let page = t.journal(None, None, 1, 0).await.unwrap();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), vec![e3, e2]);
    let page = t.journal(None, None, 1, 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), vec![e1]);
    assert_eq!(t.entry(e2).await.unwrap().total, 150_000);

    let tb = t.trial_balance().await.unwrap();
    assert_eq!((tb.total_debit, tb.total_credit), (1_050_000, 1_050_000));
    let mut tb_codes: Vec<&str> = tb.rows.iter().map(|a| a.code.as_str()).collect();
    tb_codes.sort();
    assert_eq!(tb_codes, vec!["1101", "3109", "4302", "5305"]);
});

store_test!(post_manual_refusals_change_nothing, |s| {
    let k = new_coop(&s, "KSPA").await;
    let kb = new_coop(&s, "KSPB").await;
    let t = s.tenant(k);
    let tb = s.tenant(kb);
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    let aset_lain = acct_id(&t, "1401").await;
    t.post_manual(
        &sys(),
        &manual(
            date!(2025 - 01 - 10),
            "Saldo awal",
            vec![dr(kas, 500_000), cr(acct_id(&t, "3109").await, 500_000)],
        ),
    )
    .await
    .unwrap();

    // Deactivating an unused account without a role is allowed.
    t.update_account(&sys(), aset_lain, "Aset lain-lain", false)
        .await
        .unwrap();
    assert!(!t.account(aset_lain).await.unwrap().active);

    let before = snapshot(&t).await;
    let before_b = snapshot(&tb).await;
    let d = date!(2025 - 02 - 01);

    // Unbalanced.
    let e = invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(adm, 100_000), cr(kas, 90_000)]),
        )
        .await,
    );
    assert!(has_field(&e, "lines"), "{e:?}");
    // A single line.
    let e = invalid(
        t.post_manual(&sys(), &manual(d, "x", vec![dr(adm, 100_000)]))
            .await,
    );
    assert!(has_field(&e, "lines"), "{e:?}");
    // No lines at all.
    invalid(t.post_manual(&sys(), &manual(d, "x", vec![])).await);
    // A header account (11 Aset lancar).
    let header = acct_id(&t, "11").await;
    let e = invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(header, 1_000), cr(kas, 1_000)]),
        )
        .await,
    );
    assert!(has_field(&e, "lines[0]"), "{e:?}");
    // The inactive account.
    let e = invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(aset_lain, 1_000), cr(kas, 1_000)]),
        )
        .await,
    );
    assert!(has_field(&e, "lines[0]"), "{e:?}");
    // An account of another coop (B's Kas), in either position.
    let kas_b = acct_id(&tb, "1101").await;
    let e = invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(adm, 1_000), cr(kas_b, 1_000)]),
        )
        .await,
    );
    assert!(has_field(&e, "lines[1]"), "{e:?}");
    invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(kas_b, 1_000), cr(kas, 1_000)]),
        )
        .await,
    );
    // A line with both sides, a negative amount, a zero line.
    invalid(
        t.post_manual(
            &sys(),
            &manual(
                d,
                "x",
                vec![
                    LineInput {
                        account: adm,
                        debit: Rupiah(1_000),
                        credit: Rupiah(1_000),
                        memo: None,
                    },
                    dr(adm, 1_000),
                    cr(kas, 1_000),
                ],
            ),
        )
        .await,
    );
    invalid(
        t.post_manual(
            &sys(),
            &manual(d, "x", vec![dr(adm, -1_000), cr(kas, -1_000)]),
        )
        .await,
    );
    invalid(
        t.post_manual(&sys(), &manual(d, "x", vec![dr(adm, 0), cr(kas, 0)]))
            .await,
    );
    // Reversing through post_manual's back door is not a thing: a random id is not found.
    assert_not_found(t.entry(EntryId::new()).await);

    assert_eq!(snapshot(&t).await, before);
    assert_eq!(snapshot(&tb).await, before_b);

    // Reactivated, the account takes postings again.
    t.update_account(&sys(), aset_lain, "Aset lain-lain", true)
        .await
        .unwrap();
    t.post_manual(
        &sys(),
        &manual(d, "x", vec![dr(aset_lain, 1_000), cr(kas, 1_000)]),
    )
    .await
    .unwrap();
    assert_eq!(t.account(aset_lain).await.unwrap().balance(), 1_000);
    // Coop B's account cannot be read through A's handle.
    assert_not_found(t.account(kas_b).await);
});

// ---------------------------------------------------------------------------------------------
// 3. Editing the chart

store_test!(update_and_add_account_rules, |s| {
    let k = new_coop(&s, "KSPA").await;
    let kb = new_coop(&s, "KSPB").await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    t.post_manual(
        &sys(),
        &manual(
            date!(2025 - 01 - 10),
            "ATK",
            vec![dr(adm, 10_000), cr(kas, 10_000)],
        ),
    )
    .await
    .unwrap();

    // A used account cannot be deactivated.
    let m = conflict(
        t.update_account(&sys(), adm, "Beban administrasi", false)
            .await,
    );
    assert!(m.id.contains("5305"), "{m:?}");
    assert!(t.account(adm).await.unwrap().active);
    // Nor one the system posts to (Bank has a role and was never used).
    let bank = acct_id(&t, "1102").await;
    let m = conflict(t.update_account(&sys(), bank, "Bank", false).await);
    assert!(m.en.contains("1102"), "{m:?}");
    assert!(t.account(bank).await.unwrap().active);
    let sukarela = acct_id(&t, "2101").await;
    conflict(
        t.update_account(&sys(), sukarela, "Simpanan sukarela", false)
            .await,
    );
    // Renaming is fine, for a used account too.
    t.update_account(&sys(), kas, "Kas besar", true)
        .await
        .unwrap();
    let a = t.account(kas).await.unwrap();
    assert_eq!(
        (a.name.as_str(), a.active, a.role.as_deref()),
        ("Kas besar", true, Some("kas"))
    );
    t.update_account(&sys(), adm, "Beban ATK dan umum", true)
        .await
        .unwrap();
    assert_eq!(t.account(adm).await.unwrap().name, "Beban ATK dan umum");
    // Another coop's account is not found through this handle.
    let kas_b = acct_id(&s.tenant(kb), "1101").await;
    assert_not_found(t.update_account(&sys(), kas_b, "Kas", false).await);
    assert!(s.tenant(kb).account(kas_b).await.unwrap().active);

    // Adding accounts.
    let aset_lancar = acct_id(&t, "11").await;
    let n = t.accounts().await.unwrap().len();
    let code = |c: &str| AccountCode::parse(c).unwrap();
    let cabang = t
        .add_account(&sys(), aset_lancar, &code("1111"), "Kas cabang", false)
        .await
        .unwrap();
    let a = t.account(cabang).await.unwrap();
    assert_eq!(
        (
            a.code.as_str(),
            a.name.as_str(),
            a.class.as_str(),
            a.parent_id,
            a.is_header,
            a.active,
            a.role,
            a.debit,
            a.credit
        ),
        (
            "1111",
            "Kas cabang",
            "aset",
            Some(aset_lancar),
            false,
            true,
            None,
            0,
            0
        )
    );
    assert_eq!(t.accounts().await.unwrap().len(), n + 1);
    // It takes postings at once.
    t.post_manual(
        &sys(),
        &manual(
            date!(2025 - 01 - 11),
            "Setor ke cabang",
            vec![dr(cabang, 5_000), cr(kas, 5_000)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(t.account(cabang).await.unwrap().balance(), 5_000);
    // The code must start with the parent's, and be longer.
    let e = invalid(
        t.add_account(&sys(), aset_lancar, &code("1201"), "Salah", false)
            .await,
    );
    assert!(has_field(&e, "code"), "{e:?}");
    let e = invalid(
        t.add_account(&sys(), aset_lancar, &code("2111"), "Salah", false)
            .await,
    );
    assert!(has_field(&e, "code"), "{e:?}");
    invalid(
        t.add_account(&sys(), aset_lancar, &code("11"), "Salah", false)
            .await,
    );
    invalid(
        t.add_account(&sys(), aset_lancar, &code("1"), "Salah", false)
            .await,
    );
    // And be unique.
    let m = conflict(
        t.add_account(&sys(), aset_lancar, &code("1101"), "Kas lagi", false)
            .await,
    );
    assert!(m.id.contains("1101"), "{m:?}");
    conflict(
        t.add_account(&sys(), aset_lancar, &code("1111"), "Kas cabang 2", false)
            .await,
    );
    // The parent must be a header of this coop.
    let e = invalid(
        t.add_account(&sys(), kas, &code("11011"), "Kas kecil", false)
            .await,
    );
    assert!(has_field(&e, "parent"), "{e:?}");
    let aset_lancar_b = acct_id(&s.tenant(kb), "11").await;
    assert_not_found(
        t.add_account(&sys(), aset_lancar_b, &code("1112"), "Asing", false)
            .await,
    );
    assert_eq!(t.accounts().await.unwrap().len(), n + 1);
    assert_eq!(s.tenant(kb).accounts().await.unwrap().len(), n);
    // The same code in another coop is fine.
    s.tenant(kb)
        .add_account(&sys(), aset_lancar_b, &code("1111"), "Kas cabang", false)
        .await
        .unwrap();
    // A new header with an account under it; the header itself takes no postings.
    let grp = t
        .add_account(&sys(), aset_lancar, &code("1120"), "Kas unit usaha", true)
        .await
        .unwrap();
    let toko = t
        .add_account(&sys(), grp, &code("11201"), "Kas toko", false)
        .await
        .unwrap();
    assert_eq!(t.account(toko).await.unwrap().parent_id, Some(grp));
    invalid(
        t.post_manual(
            &sys(),
            &manual(date!(2025 - 01 - 12), "x", vec![dr(grp, 1), cr(kas, 1)]),
        )
        .await,
    );
    t.post_manual(
        &sys(),
        &manual(date!(2025 - 01 - 12), "x", vec![dr(toko, 1), cr(kas, 1)]),
    )
    .await
    .unwrap();
    // A fresh, unused account without a role can be deactivated.
    let spare = t
        .add_account(&sys(), aset_lancar, &code("1199"), "Cadangan", false)
        .await
        .unwrap();
    t.update_account(&sys(), spare, "Cadangan", false)
        .await
        .unwrap();
    assert!(!t.account(spare).await.unwrap().active);
});

// ---------------------------------------------------------------------------------------------
// 4. Reversals

store_test!(reverse_restores_balances_once, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    let modal = acct_id(&t, "3109").await;
    t.post_manual(
        &sys(),
        &manual(
            date!(2025 - 01 - 10),
            "Saldo awal",
            vec![dr(kas, 1_000_000), cr(modal, 1_000_000)],
        ),
    )
    .await
    .unwrap();
    let before: Vec<(i64, i64)> = vec![(
        t.account(kas).await.unwrap().balance(),
        t.account(adm).await.unwrap().balance(),
    )];
    let e2 = t
        .post_manual(
            &sys(),
            &manual(
                date!(2025 - 02 - 05),
                "ATK (salah)",
                vec![dr(adm, 150_000), cr(kas, 150_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(t.account(kas).await.unwrap().balance(), 850_000);

    let r = t
        .reverse(&sys(), e2, date!(2025 - 02 - 06), "salah catat")
        .await
        .unwrap();
    let re = t.entry(r).await.unwrap();
    assert_eq!(re.reverses_id, Some(e2));
    assert_eq!(re.source, "reversal");
    assert_eq!(re.source_id, Some(e2.to_string()));
    assert_eq!(re.date, date!(2025 - 02 - 06));
    assert_eq!(re.entry_no, 3);
    assert_eq!(re.total, 150_000);
    assert!(
        re.description.contains("no. 2") && re.description.contains("salah catat"),
        "{}",
        re.description
    );
    assert_eq!(
        lines_of(&re),
        vec![l("1101", 150_000, 0), l("5305", 0, 150_000)]
    );
    let orig = t.entry(e2).await.unwrap();
    assert_eq!(orig.reversed_by, Some(r));
    // The original is untouched.
    assert_eq!(
        lines_of(&orig),
        vec![l("1101", 0, 150_000), l("5305", 150_000, 0)]
    );
    // Balances are back; the totals keep both movements.
    let ka = t.account(kas).await.unwrap();
    let aa = t.account(adm).await.unwrap();
    assert_eq!(vec![(ka.balance(), aa.balance())], before);
    assert_eq!((ka.debit, ka.credit), (1_150_000, 150_000));
    assert_eq!((aa.debit, aa.credit), (150_000, 150_000));
    let tb = t.trial_balance().await.unwrap();
    assert_eq!((tb.total_debit, tb.total_credit), (1_000_000, 1_000_000));
    // The general ledger shows both lines.
    let (_, gl) = t
        .general_ledger(adm, date!(2025 - 01 - 01), date!(2025 - 12 - 31))
        .await
        .unwrap();
    assert_eq!(
        gl.iter().map(|x| x.balance).collect::<Vec<_>>(),
        vec![150_000, 0]
    );

    let snap = snapshot(&t).await;
    // Twice: refused.
    conflict(t.reverse(&sys(), e2, date!(2025 - 02 - 07), "lagi").await);
    // A reversal is not reversed.
    conflict(
        t.reverse(&sys(), r, date!(2025 - 02 - 07), "balik lagi")
            .await,
    );
    // An unknown entry, or another coop's.
    assert_not_found(
        t.reverse(&sys(), EntryId::new(), date!(2025 - 02 - 07), "x")
            .await,
    );
    let kb = new_coop(&s, "KSPB").await;
    assert_not_found(
        s.tenant(kb)
            .reverse(&sys(), e2, date!(2025 - 02 - 07), "x")
            .await,
    );
    assert_eq!(snapshot(&t).await, snap);
});

// ---------------------------------------------------------------------------------------------
// 5. Closing a fiscal year

store_test!(closed_year_refuses_postings, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    let modal = acct_id(&t, "3109").await;
    let m = new_member(&t, "Ani", 1).await;
    let sukarela = product(&t, "SUKARELA").await;
    let e2024 = t
        .post_manual(
            &sys(),
            &manual(
                date!(2024 - 12 - 20),
                "Saldo awal",
                vec![dr(kas, 300_000), cr(modal, 300_000)],
            ),
        )
        .await
        .unwrap();
    t.close_year(&sys(), 2024).await.unwrap();

    let snap = snapshot(&t).await;
    let savings = savings_snapshot(&t, &[m]).await;
    for d in [
        date!(2024 - 01 - 01),
        date!(2024 - 06 - 01),
        date!(2024 - 12 - 31),
    ] {
        let msg = conflict(
            t.post_manual(
                &sys(),
                &manual(d, "Terlambat", vec![dr(adm, 1_000), cr(kas, 1_000)]),
            )
            .await,
        );
        assert!(
            msg.id.contains("2024") && msg.en.contains("2024"),
            "{msg:?}"
        );
    }
    // A reversal dated in the closed year, and a counter payment dated in it.
    let msg = conflict(t.reverse(&sys(), e2024, date!(2024 - 12 - 31), "x").await);
    assert!(msg.en.contains("2024"), "{msg:?}");
    let msg = conflict(
        t.counter(
            &kasir(),
            None,
            &counter_req(
                m,
                "tunai",
                date!(2024 - 12 - 30),
                vec![deposit(&sukarela, 10_000)],
            ),
        )
        .await,
    );
    assert!(msg.id.contains("2024"), "{msg:?}");
    assert_eq!(snapshot(&t).await, snap);
    assert_eq!(savings_snapshot(&t, &[m]).await, savings);

    // The next year is open; a 2024 entry can be reversed on a 2025 date.
    t.post_manual(
        &sys(),
        &manual(
            date!(2025 - 01 - 01),
            "Tahun baru",
            vec![dr(adm, 1_000), cr(kas, 1_000)],
        ),
    )
    .await
    .unwrap();
    t.reverse(&sys(), e2024, date!(2025 - 01 - 02), "koreksi saldo awal")
        .await
        .unwrap();
    let r = t
        .counter(
            &kasir(),
            None,
            &counter_req(
                m,
                "tunai",
                date!(2025 - 01 - 03),
                vec![deposit(&sukarela, 10_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.receipt_no, "KW-2025-000001");
    assert_eq!(
        t.account(kas).await.unwrap().balance(),
        300_000 - 1_000 - 300_000 + 10_000
    );
    // Another coop's 2024 is still open.
    let kb = new_coop(&s, "KSPB").await;
    let tb = s.tenant(kb);
    tb.post_manual(
        &sys(),
        &manual(
            date!(2024 - 06 - 01),
            "Saldo awal",
            vec![
                dr(acct_id(&tb, "1101").await, 1),
                cr(acct_id(&tb, "3109").await, 1),
            ],
        ),
    )
    .await
    .unwrap();
});

store_test!(closed_year_follows_the_bylaws_fiscal_year, |s| {
    // A fiscal year from July: fiscal year 2024 runs 1 July 2024 to 30 June 2025.
    let bylaws = Bylaws {
        fiscal_year_start_month: 7,
        ..Bylaws::default()
    };
    let k = new_coop_with(&s, "KSPJ", &bylaws).await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let modal = acct_id(&t, "3109").await;
    t.close_year(&sys(), 2024).await.unwrap();
    for d in [
        date!(2024 - 07 - 01),
        date!(2025 - 03 - 01),
        date!(2025 - 06 - 30),
    ] {
        let msg = conflict(
            t.post_manual(&sys(), &manual(d, "x", vec![dr(kas, 1), cr(modal, 1)]))
                .await,
        );
        assert!(msg.en.contains("2024"), "{d}: {msg:?}");
    }
    for d in [date!(2024 - 06 - 30), date!(2025 - 07 - 01)] {
        t.post_manual(&sys(), &manual(d, "x", vec![dr(kas, 1), cr(modal, 1)]))
            .await
            .unwrap_or_else(|e| panic!("{d}: {e:?}"));
    }
    assert_eq!(t.account(kas).await.unwrap().balance(), 2);
});

// ---------------------------------------------------------------------------------------------
// 6. The counter

store_test!(counter_deposits_withdrawals_and_methods, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let budi = new_member(&t, "Budi", 2).await;
    let pokok = product(&t, "POKOK").await;
    let wajib = product(&t, "WAJIB").await;
    let sukarela = product(&t, "SUKARELA").await;
    let kas = acct_id(&t, "1101").await;
    let cashier = kasir();

    // Three deposits in cash, one receipt, one entry.
    let r1 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 03 - 10),
                vec![
                    deposit(&pokok, 100_000),
                    deposit(&wajib, 25_000),
                    deposit(&sukarela, 50_000),
                ],
            ),
        )
        .await
        .unwrap();
    assert_eq!(r1.receipt_no, "KW-2025-000001");
    assert_eq!(
        (
            r1.member_id,
            r1.total,
            r1.method.as_str(),
            r1.cashier.as_str()
        ),
        (ani, 175_000, "tunai", "Sri Kasir")
    );
    let mut got: Vec<(String, String, i64, i64, Option<String>)> = r1
        .lines
        .iter()
        .map(|x| {
            (
                x.product_name.clone(),
                x.kind.clone(),
                x.amount,
                x.balance_after,
                x.method.clone(),
            )
        })
        .collect();
    got.sort();
    let tunai = Some("tunai".to_string());
    assert_eq!(
        got,
        vec![
            (
                "Simpanan pokok".into(),
                "setoran".into(),
                100_000,
                100_000,
                tunai.clone()
            ),
            (
                "Simpanan sukarela".into(),
                "setoran".into(),
                50_000,
                50_000,
                tunai.clone()
            ),
            (
                "Simpanan wajib".into(),
                "setoran".into(),
                25_000,
                25_000,
                tunai.clone()
            ),
        ]
    );
    assert!(r1.lines.iter().all(|x| x.receipt_id == Some(r1.id)
        && x.member_id == ani
        && x.date == date!(2025 - 03 - 10)));
    let e1 = entry_of_receipt(&t, &r1).await;
    assert_eq!(
        lines_of(&e1),
        vec![
            l("1101", 175_000, 0),
            l("2101", 0, 50_000),
            l("3101", 0, 100_000),
            l("3102", 0, 25_000)
        ]
    );
    assert_eq!((e1.source.as_str(), e1.total), ("savings", 175_000));
    assert_eq!(e1.reference.as_deref(), Some("KW-2025-000001"));
    assert_eq!(e1.source_id, Some(r1.id.to_string()));
    assert_eq!(whole_journal(&t).await.len(), 1);
    let read = t.receipt(r1.id).await.unwrap();
    assert_eq!(
        (read.receipt_no.as_str(), read.total, read.lines.len()),
        ("KW-2025-000001", 175_000, 3)
    );

    let bal = |m| async move {
        let b = t.balances(m).await.unwrap();
        let get = |c: &str| b.iter().find(|x| x.product.code == c).unwrap().balance;
        (get("POKOK"), get("WAJIB"), get("SUKARELA"))
    };
    assert_eq!(bal(ani).await, (100_000, 25_000, 50_000));
    assert_eq!(bal(budi).await, (0, 0, 0));
    assert_eq!(t.account(kas).await.unwrap().balance(), 175_000);
    assert_eq!(
        t.account(sukarela.account_id).await.unwrap().balance(),
        50_000
    );
    assert_eq!(
        t.account(pokok.account_id).await.unwrap().balance(),
        100_000
    );
    assert_eq!(t.account(wajib.account_id).await.unwrap().balance(), 25_000);

    // Another deposit, then a withdrawal: numbers go on.
    let r2 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 03 - 12),
                vec![deposit(&sukarela, 30_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(r2.receipt_no, "KW-2025-000002");
    let r3 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 03 - 15),
                vec![withdraw(&sukarela, 20_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (r3.receipt_no.as_str(), r3.total),
        ("KW-2025-000003", -20_000)
    );
    assert_eq!(
        (
            r3.lines[0].kind.as_str(),
            r3.lines[0].amount,
            r3.lines[0].balance_after
        ),
        ("penarikan", -20_000, 60_000)
    );
    let e3 = entry_of_receipt(&t, &r3).await;
    assert_eq!(
        lines_of(&e3),
        vec![l("1101", 0, 20_000), l("2101", 20_000, 0)]
    );
    assert_eq!(t.account(kas).await.unwrap().balance(), 185_000);

    // The passbook, with its running balance.
    let pb = t.passbook(ani, sukarela.id).await.unwrap();
    let got: Vec<(Date, &str, i64, i64)> = pb
        .iter()
        .map(|x| (x.date, x.kind.as_str(), x.amount, x.balance_after))
        .collect();
    assert_eq!(
        got,
        vec![
            (date!(2025 - 03 - 10), "setoran", 50_000, 50_000),
            (date!(2025 - 03 - 12), "setoran", 30_000, 80_000),
            (date!(2025 - 03 - 15), "penarikan", -20_000, 60_000),
        ]
    );
    assert_eq!(t.passbook(ani, pokok.id).await.unwrap().len(), 1);
    assert!(t.passbook(budi, sukarela.id).await.unwrap().is_empty());

    // Refusals change nothing (and use no receipt number).
    let snap = snapshot(&t).await;
    let savings = savings_snapshot(&t, &[ani, budi]).await;
    let d = date!(2025 - 03 - 16);
    let msg = conflict(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![withdraw(&sukarela, 60_001)]),
        )
        .await,
    );
    assert!(msg.id.contains("Saldo tidak cukup"), "{msg:?}");
    // Budi has no sukarela at all.
    conflict(
        t.counter(
            &cashier,
            None,
            &counter_req(budi, "tunai", d, vec![withdraw(&sukarela, 1)]),
        )
        .await,
    );
    // Wajib (and pokok) are not withdrawn by a member who stays.
    let msg = conflict(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![withdraw(&wajib, 10_000)]),
        )
        .await,
    );
    assert!(msg.en.contains("cannot be withdrawn"), "{msg:?}");
    conflict(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![withdraw(&pokok, 1_000)]),
        )
        .await,
    );
    // All or nothing: a good deposit with a bad withdrawal posts neither.
    conflict(
        t.counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                d,
                vec![deposit(&wajib, 25_000), withdraw(&sukarela, 70_000)],
            ),
        )
        .await,
    );
    // Bad input.
    invalid(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![deposit(&sukarela, 0)]),
        )
        .await,
    );
    invalid(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![deposit(&sukarela, -5_000)]),
        )
        .await,
    );
    invalid(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "tunai", d, vec![withdraw(&sukarela, 0)]),
        )
        .await,
    );
    invalid(
        t.counter(
            &cashier,
            None,
            &counter_req(ani, "cek", d, vec![deposit(&sukarela, 5_000)]),
        )
        .await,
    );
    invalid(
        t.counter(&cashier, None, &counter_req(ani, "tunai", d, vec![]))
            .await,
    );
    invalid(
        t.counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                d,
                vec![Movement {
                    kind: "koreksi".into(),
                    ..deposit(&sukarela, 5_000)
                }],
            ),
        )
        .await,
    );
    assert_not_found(
        t.counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                d,
                vec![Movement {
                    product: ProductId::new(),
                    ..deposit(&sukarela, 5_000)
                }],
            ),
        )
        .await,
    );
    assert_eq!(snapshot(&t).await, snap);
    assert_eq!(savings_snapshot(&t, &[ani, budi]).await, savings);

    // A transfer goes through Bank, QRIS through its clearing account; cash is untouched.
    let r4 = t
        .counter(
            &cashier,
            None,
            &counter_req(budi, "transfer", d, vec![deposit(&sukarela, 40_000)]),
        )
        .await
        .unwrap();
    assert_eq!(r4.receipt_no, "KW-2025-000004");
    assert_eq!(r4.method, "transfer");
    assert_eq!(
        lines_of(&entry_of_receipt(&t, &r4).await),
        vec![l("1102", 40_000, 0), l("2101", 0, 40_000)]
    );
    let r5 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                budi,
                "qris",
                d,
                vec![deposit(&wajib, 25_000), deposit(&pokok, 100_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        lines_of(&entry_of_receipt(&t, &r5).await),
        vec![
            l("1110", 125_000, 0),
            l("3101", 0, 100_000),
            l("3102", 0, 25_000)
        ]
    );
    // A withdrawal by transfer credits Bank.
    let r6 = t
        .counter(
            &cashier,
            None,
            &counter_req(budi, "transfer", d, vec![withdraw(&sukarela, 15_000)]),
        )
        .await
        .unwrap();
    assert_eq!(
        lines_of(&entry_of_receipt(&t, &r6).await),
        vec![l("1102", 0, 15_000), l("2101", 15_000, 0)]
    );
    assert_eq!(t.account(kas).await.unwrap().balance(), 185_000);
    assert_eq!(acct(&t, "1102").await.balance(), 25_000);
    assert_eq!(acct(&t, "1110").await.balance(), 125_000);
    assert_eq!(bal(budi).await, (100_000, 25_000, 25_000));
    // Sukarela in and out in one receipt nets the money line.
    let r7 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                budi,
                "tunai",
                d,
                vec![deposit(&wajib, 25_000), withdraw(&sukarela, 5_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(r7.total, 20_000);
    assert_eq!(
        lines_of(&entry_of_receipt(&t, &r7).await),
        vec![
            l("1101", 20_000, 0),
            l("2101", 5_000, 0),
            l("3102", 0, 25_000)
        ]
    );
    // Sums: every product account equals the members' balances in that product.
    for p in [&pokok, &wajib, &sukarela] {
        let total = balance_of(&t, ani, p.id).await + balance_of(&t, budi, p.id).await;
        assert_eq!(
            t.account(p.account_id).await.unwrap().balance(),
            total,
            "{}",
            p.code
        );
    }

    // A new calendar year starts the numbers again.
    let r8 = t
        .counter(
            &cashier,
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2026 - 01 - 02),
                vec![deposit(&wajib, 25_000)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(r8.receipt_no, "KW-2026-000001");
});

store_test!(counter_idempotency, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let sukarela = product(&t, "SUKARELA").await;
    let wajib = product(&t, "WAJIB").await;
    let cashier = kasir();
    let d = date!(2025 - 04 - 01);
    let req = counter_req(
        ani,
        "tunai",
        d,
        vec![deposit(&sukarela, 50_000), deposit(&wajib, 25_000)],
    );

    let first = t.counter(&cashier, Some("form-7f3a"), &req).await.unwrap();
    let snap = snapshot(&t).await;
    let savings = savings_snapshot(&t, &[ani]).await;
    // The same key and request: the first receipt, nothing posted again.
    let again = t.counter(&cashier, Some("form-7f3a"), &req).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.receipt_no, first.receipt_no);
    assert_eq!(again.total, 75_000);
    assert_eq!(
        again
            .lines
            .iter()
            .map(|x| (x.id, x.balance_after))
            .collect::<Vec<_>>(),
        first
            .lines
            .iter()
            .map(|x| (x.id, x.balance_after))
            .collect::<Vec<_>>()
    );
    let third = t.counter(&cashier, Some("form-7f3a"), &req).await.unwrap();
    assert_eq!(third.id, first.id);
    assert_eq!(snapshot(&t).await, snap);
    assert_eq!(savings_snapshot(&t, &[ani]).await, savings);
    assert_eq!(whole_journal(&t).await.len(), 1);
    assert_eq!(balance_of(&t, ani, sukarela.id).await, 50_000);

    // The same key with another request: refused, nothing posted.
    let other = counter_req(
        ani,
        "tunai",
        d,
        vec![deposit(&sukarela, 60_000), deposit(&wajib, 25_000)],
    );
    let msg = conflict(t.counter(&cashier, Some("form-7f3a"), &other).await);
    assert!(msg.en.contains("idempotency"), "{msg:?}");
    let other_method = CounterRequest {
        method: "transfer".into(),
        ..req.clone()
    };
    conflict(t.counter(&cashier, Some("form-7f3a"), &other_method).await);
    assert_eq!(snapshot(&t).await, snap);
    assert_eq!(savings_snapshot(&t, &[ani]).await, savings);

    // A refused request does not use up its key: after a failed withdrawal the key is free.
    let too_much = counter_req(ani, "tunai", d, vec![withdraw(&sukarela, 999_999)]);
    conflict(t.counter(&cashier, Some("form-8b1c"), &too_much).await);
    let ok = counter_req(ani, "tunai", d, vec![withdraw(&sukarela, 10_000)]);
    let w = t.counter(&cashier, Some("form-8b1c"), &ok).await.unwrap();
    assert_eq!(w.receipt_no, "KW-2025-000002");
    // A new key, the same request: a new payment (the key is what tells a replay).
    let n = t.counter(&cashier, Some("form-9d2e"), &req).await.unwrap();
    assert_ne!(n.id, first.id);
    assert_eq!(n.receipt_no, "KW-2025-000003");
    assert_eq!(balance_of(&t, ani, sukarela.id).await, 90_000);

    // Keys belong to one coop: coop B may use the same text.
    let kb = new_coop(&s, "KSPB").await;
    let tb = s.tenant(kb);
    let budi = new_member(&tb, "Budi", 2).await;
    let sb = product(&tb, "SUKARELA").await;
    let rb = tb
        .counter(
            &cashier,
            Some("form-7f3a"),
            &counter_req(budi, "tunai", d, vec![deposit(&sb, 1_000)]),
        )
        .await
        .unwrap();
    assert_eq!(rb.receipt_no, "KW-2025-000001");
    assert_eq!(balance_of(&tb, budi, sb.id).await, 1_000);
});

store_test!(counter_refuses_member_of_another_coop, |s| {
    let k = new_coop(&s, "KSPA").await;
    let kb = new_coop(&s, "KSPB").await;
    let t = s.tenant(k);
    let tb = s.tenant(kb);
    let ani = new_member(&t, "Ani", 1).await;
    let sb = product(&tb, "SUKARELA").await;
    let sa = product(&t, "SUKARELA").await;
    let snap_b = snapshot(&tb).await;
    // A's product through B's handle.
    assert_not_found(
        tb.counter(
            &kasir(),
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 01 - 05),
                vec![deposit(&sa, 1_000)],
            ),
        )
        .await,
    );
    // B's product for A's member, through B's handle.
    assert_not_found(
        tb.counter(
            &kasir(),
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 01 - 05),
                vec![deposit(&sb, 1_000)],
            ),
        )
        .await,
    );
    assert_eq!(snapshot(&tb).await, snap_b);
});

store_test!(
    reversing_a_savings_entry_keeps_savings_and_ledger_equal,
    |s| {
        let k = new_coop(&s, "KSPA").await;
        let t = s.tenant(k);
        let ani = new_member(&t, "Ani", 1).await;
        let sukarela = product(&t, "SUKARELA").await;
        let r = t
            .counter(
                &kasir(),
                None,
                &counter_req(
                    ani,
                    "tunai",
                    date!(2025 - 01 - 05),
                    vec![deposit(&sukarela, 50_000)],
                ),
            )
            .await
            .unwrap();
        let entry = EntryId(r.lines[0].entry_id);
        // Either the reversal is refused (a savings transaction is corrected at the counter),
        // or it also reverses the savings record; in both cases the books stay equal.
        let _ = t
            .reverse(&sys(), entry, date!(2025 - 01 - 06), "salah")
            .await;
        let ledger = t.account(sukarela.account_id).await.unwrap().balance();
        let member = balance_of(&t, ani, sukarela.id).await;
        let passbook: i64 = t
            .passbook(ani, sukarela.id)
            .await
            .unwrap()
            .iter()
            .map(|x| x.amount)
            .sum();
        assert_eq!(member, passbook);
        assert_eq!(
            ledger, member,
            "ledger 2101 = {ledger}, member's sukarela = {member}"
        );
    }
);

// ---------------------------------------------------------------------------------------------
// 7. Concurrency

// All 20 at once, on the harness's pool of 4 connections.
store_test!(concurrent_withdrawals_never_overdraw, |s| {
    withdrawal_race(&s, 20).await;
});

// Two cashiers at a time: the same race on the same balance, within what the pool can serve
// while the bug above stands (each counter call holds two connections).
store_test!(concurrent_withdrawals_two_cashiers, |s| {
    withdrawal_race(&s, 2).await;
});

// The same form submitted twice at the same instant (a double click): one payment.
async fn replay_race(s: &Store) {
    let k = new_coop(s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let sukarela = product(&t, "SUKARELA").await;
    for round in 0..5 {
        let key = format!("double-click-{round}");
        let req = counter_req(
            ani,
            "tunai",
            date!(2025 - 05 - 02),
            vec![deposit(&sukarela, 10_000)],
        );
        let mut tasks = vec![];
        for _ in 0..2 {
            let (s, key, req) = (s.clone(), key.clone(), req.clone());
            tasks.push(tokio::spawn(async move {
                s.tenant(k).counter(&kasir(), Some(&key), &req).await
            }));
        }
        let mut ids = vec![];
        for task in tasks {
            let r = task.await.unwrap();
            ids.push(r.unwrap_or_else(|e| panic!("round {round}: {e:?}")).id);
        }
        assert_eq!(ids[0], ids[1], "round {round}: two receipts for one key");
        assert_eq!(balance_of(&t, ani, sukarela.id).await, (round + 1) * 10_000);
    }
    assert_eq!(whole_journal(&t).await.len(), 5);
}

store_test!(
    sqlite: []
    postgres: []
    concurrent_replays_of_one_key_post_once,
    |s| {
        replay_race(&s).await;
    }
);

// A replay after the first request changed what it checks: the withdrawal that emptied the
// account, sent again with its key, gets its first receipt (not "balance too low"), and the
// same key with another request is refused. The desk posts new requests without looking their
// keys up first; a refused one is looked up.
store_test!(
    replayed_withdrawal_that_emptied_the_account_gets_its_first_receipt,
    |s| {
        let k = new_coop(&s, "KSPA").await;
        let t = s.tenant(k);
        let ani = new_member(&t, "Ani", 1).await;
        let sukarela = product(&t, "SUKARELA").await;
        let day = date!(2025 - 05 - 02);
        t.counter(
            &kasir(),
            Some("in-1"),
            &counter_req(ani, "tunai", day, vec![deposit(&sukarela, 50_000)]),
        )
        .await
        .unwrap();
        let all_out = counter_req(ani, "tunai", day, vec![withdraw(&sukarela, 50_000)]);
        let first = t.counter(&kasir(), Some("out-1"), &all_out).await.unwrap();
        assert_eq!(balance_of(&t, ani, sukarela.id).await, 0);
        let entries = whole_journal(&t).await.len();
        let again = t.counter(&kasir(), Some("out-1"), &all_out).await.unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(again.receipt_no, first.receipt_no);
        // A deposit replayed (it would pass the checks again): the first receipt, nothing posted.
        let again = t
            .counter(
                &kasir(),
                Some("in-1"),
                &counter_req(ani, "tunai", day, vec![deposit(&sukarela, 50_000)]),
            )
            .await
            .unwrap();
        assert_eq!(again.total, 50_000);
        // The key with another request, refused or not: "key reused", nothing posted.
        let other = counter_req(ani, "tunai", day, vec![withdraw(&sukarela, 10_000)]);
        let msg = conflict(t.counter(&kasir(), Some("out-1"), &other).await);
        assert!(msg.en.contains("key"), "{msg:?}");
        let other = counter_req(ani, "tunai", day, vec![deposit(&sukarela, 10_000)]);
        let msg = conflict(t.counter(&kasir(), Some("out-1"), &other).await);
        assert!(msg.en.contains("key"), "{msg:?}");
        assert_eq!(whole_journal(&t).await.len(), entries);
        assert_eq!(balance_of(&t, ani, sukarela.id).await, 0);
    }
);

// Two people reversing the same entry at the same instant: one reversal.
async fn reversal_race(s: &Store) {
    let k = new_coop(s, "KSPA").await;
    let t = s.tenant(k);
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    for round in 0..5 {
        let e = t
            .post_manual(
                &sys(),
                &manual(
                    date!(2025 - 02 - 05),
                    "ATK",
                    vec![dr(adm, 1_000), cr(kas, 1_000)],
                ),
            )
            .await
            .unwrap();
        let mut tasks = vec![];
        for _ in 0..2 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.tenant(k)
                    .reverse(&sys(), e, date!(2025 - 02 - 06), "salah")
                    .await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(other) => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}: reversed {ok} times");
    }
    // Every expense was reversed exactly once.
    assert_eq!(acct(&t, "5305").await.balance(), 0);
    assert_eq!(acct(&t, "1101").await.balance(), 0);
    assert_eq!(whole_journal(&t).await.len(), 10);
}

store_test!(
    sqlite: []
    postgres: []
    concurrent_reversals_reverse_once,
    |s| {
        reversal_race(&s).await;
    }
);

/// 20 withdrawals of Rp 10.000 from Rp 100.000, at most `in_flight` at a time; returns the
/// successful receipts after checking every other outcome is "insufficient balance".
async fn race_withdrawals(
    s: &Store,
    k: KoperasiId,
    member: MemberId,
    p: &Product,
    in_flight: usize,
) -> Vec<Receipt> {
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = vec![];
    for i in 0..20 {
        let s = s.clone();
        let gate = gate.clone();
        let req = counter_req(
            member,
            "tunai",
            date!(2025 - 05 - 02),
            vec![withdraw(p, 10_000)],
        );
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let cashier = Actor {
                user_id: Some(UserId::new()),
                name: format!("Kasir {i}"),
            };
            s.tenant(k).counter(&cashier, None, &req).await
        }));
    }
    let mut ok = vec![];
    let mut refused = 0;
    let mut other = vec![];
    for task in tasks {
        match tokio::time::timeout(Duration::from_secs(120), task).await {
            Ok(Ok(Ok(r))) => ok.push(r),
            Ok(Ok(Err(StoreError::Conflict(m)))) => {
                assert!(m.id.contains("Saldo tidak cukup"), "{m:?}");
                refused += 1;
            }
            Ok(Ok(Err(e))) => other.push(format!("{e:?}")),
            Ok(Err(e)) => panic!("task panicked: {e}"),
            Err(_) => panic!("a withdrawal took over two minutes"),
        }
    }
    assert!(
        other.is_empty(),
        "errors other than 'insufficient balance': {other:?}"
    );
    assert_eq!((ok.len(), refused), (10, 10));
    ok
}

/// Deposits Rp 100.000 of sukarela for a new member, races 20 withdrawals of Rp 10.000 against
/// it (`in_flight` at a time), and checks the outcome: exactly 10 paid out, nothing lost.
async fn withdrawal_race(s: &Store, in_flight: usize) {
    let k = new_coop(s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let sukarela = product(&t, "SUKARELA").await;
    t.counter(
        &kasir(),
        None,
        &counter_req(
            ani,
            "tunai",
            date!(2025 - 05 - 02),
            vec![deposit(&sukarela, 100_000)],
        ),
    )
    .await
    .unwrap();
    let kas_before = acct(&t, "1101").await;
    assert_eq!(kas_before.balance(), 100_000);

    let ok = race_withdrawals(s, k, ani, &sukarela, in_flight).await;

    assert_eq!(balance_of(&t, ani, sukarela.id).await, 0);
    // Every successful withdrawal saw a different balance: no lost update.
    let mut afters: Vec<i64> = ok.iter().map(|r| r.lines[0].balance_after).collect();
    afters.sort();
    assert_eq!(afters, (0..10).map(|i| i * 10_000).collect::<Vec<_>>());
    let mut numbers: Vec<&str> = ok.iter().map(|r| r.receipt_no.as_str()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 10);
    // The passbook: 1 deposit + 10 withdrawals, never negative, sums to the balance.
    let pb = t.passbook(ani, sukarela.id).await.unwrap();
    assert_eq!(pb.len(), 11);
    assert!(pb.iter().all(|x| x.balance_after >= 0));
    assert_eq!(pb.iter().map(|x| x.amount).sum::<i64>(), 0);
    assert_eq!(pb.iter().filter(|x| x.kind == "penarikan").count(), 10);
    // The ledger moved by exactly what was paid out.
    let kas_after = acct(&t, "1101").await;
    assert_eq!(kas_after.balance(), kas_before.balance() - 100_000);
    assert_eq!(
        (
            kas_after.credit - kas_before.credit,
            kas_after.debit - kas_before.debit
        ),
        (100_000, 0)
    );
    assert_eq!(t.account(sukarela.account_id).await.unwrap().balance(), 0);
    assert_eq!(whole_journal(&t).await.len(), 11);
    let tb = t.trial_balance().await.unwrap();
    assert_eq!(tb.total_debit, tb.total_credit);
}

// ---------------------------------------------------------------------------------------------
// 8. Invariants over random sequences of operations

/// SplitMix64: small, seedable, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A round-ish amount in rupiah, 1.000 to 200.000.
    fn amount(&mut self) -> i64 {
        (1 + self.below(200) as i64) * 1_000
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// What the books should hold, tracked alongside the store.
#[derive(Default)]
struct Model {
    /// (member, product) → balance.
    savings: HashMap<(MemberId, ProductId), i64>,
    /// account → (debit, credit) totals.
    totals: HashMap<AccountId, (i64, i64)>,
    entries: usize,
    /// Manual entries that may still be reversed.
    reversible: Vec<EntryId>,
}

impl Model {
    fn post(&mut self, lines: &[LineInput]) {
        for x in lines {
            let e = self.totals.entry(x.account).or_default();
            e.0 += x.debit.0;
            e.1 += x.credit.0;
        }
        self.entries += 1;
    }
}

/// Checks every invariant of the books of `t` against the raw records and the model.
async fn check_invariants(
    t: &Tenant<'_>,
    model: &Model,
    members: &[MemberId],
    products: &[Product],
    ctx: &str,
) {
    let journal = whole_journal(t).await;
    assert_eq!(journal.len(), model.entries, "{ctx}: entries");
    // Every entry balanced, every line one-sided and positive; sums per account.
    let mut from_lines: HashMap<AccountId, (i64, i64)> = HashMap::new();
    for e in &journal {
        assert!(
            e.lines.len() >= 2,
            "{ctx}: entry {} has {} lines",
            e.entry_no,
            e.lines.len()
        );
        let d: i64 = e.lines.iter().map(|x| x.debit).sum();
        let c: i64 = e.lines.iter().map(|x| x.credit).sum();
        assert_eq!(
            (d, c),
            (e.total, e.total),
            "{ctx}: entry {} unbalanced",
            e.entry_no
        );
        for x in &e.lines {
            assert!(
                (x.debit > 0 && x.credit == 0) || (x.credit > 0 && x.debit == 0),
                "{ctx}: entry {} line {}: {} / {}",
                e.entry_no,
                x.line_no,
                x.debit,
                x.credit
            );
            let s = from_lines.entry(x.account_id).or_default();
            s.0 += x.debit;
            s.1 += x.credit;
        }
    }
    // Entry numbers are 1..n without gaps.
    let mut nos: Vec<i64> = journal.iter().map(|e| e.entry_no).collect();
    nos.sort();
    assert_eq!(
        nos,
        (1..=journal.len() as i64).collect::<Vec<_>>(),
        "{ctx}: entry numbers"
    );
    // Running totals = sums of lines = the model.
    let accounts = t.accounts().await.unwrap();
    for a in &accounts {
        let lines = from_lines.get(&a.id).copied().unwrap_or_default();
        let model_t = model.totals.get(&a.id).copied().unwrap_or_default();
        assert_eq!(
            (a.debit, a.credit),
            lines,
            "{ctx}: account {} totals vs its lines",
            a.code
        );
        assert_eq!(
            (a.debit, a.credit),
            model_t,
            "{ctx}: account {} totals vs the model",
            a.code
        );
    }
    // The trial balance nets to zero.
    let tb = t.trial_balance().await.unwrap();
    assert_eq!(tb.total_debit, tb.total_credit, "{ctx}: trial balance");
    let net: i64 = tb.rows.iter().map(|a| a.debit - a.credit).sum();
    assert_eq!(net, 0, "{ctx}: trial balance rows");
    // Savings: balance = sum of transactions = last running balance = the model; per product,
    // the members' balances add up to the product's account.
    for p in products {
        let mut sum_members = 0;
        for m in members {
            let balance = balance_of(t, *m, p.id).await;
            let pb = t.passbook(*m, p.id).await.unwrap();
            let mut running = 0;
            for x in &pb {
                running += x.amount;
                assert_eq!(
                    x.balance_after, running,
                    "{ctx}: passbook running balance of {} in {}",
                    m, p.code
                );
                assert!(x.balance_after >= 0, "{ctx}: negative balance");
            }
            assert_eq!(
                balance, running,
                "{ctx}: balance vs transactions of {m} in {}",
                p.code
            );
            assert_eq!(
                balance,
                model.savings.get(&(*m, p.id)).copied().unwrap_or(0),
                "{ctx}: balance vs model of {m} in {}",
                p.code
            );
            sum_members += balance;
        }
        let account = accounts.iter().find(|a| a.id == p.account_id).unwrap();
        assert_eq!(
            account.balance(),
            sum_members,
            "{ctx}: account {} vs members' {}",
            account.code,
            p.code
        );
    }
}

/// Runs `ops` random operations on a fresh coop from `seed`, checking the invariants as it goes.
async fn random_books(s: &Store, seed: u64, ops: usize) {
    let code = format!("KSP{seed}");
    let k = new_coop(s, &code).await;
    let t = s.tenant(k);
    let mut rng = Rng(seed);
    let ctx0 = format!("seed {seed}");
    let mut members = vec![];
    for (i, name) in ["Ani", "Budi", "Citra"].iter().enumerate() {
        members.push(new_member(&t, name, i as u16 + 1).await);
    }
    let products = t.products().await.unwrap();
    let role_of_method = |t: &[Account], m: &str| -> AccountId {
        let code = match m {
            "tunai" => "1101",
            "transfer" => "1102",
            _ => "1110",
        };
        t.iter().find(|a| a.code == code).unwrap().id
    };
    let chart = t.accounts().await.unwrap();
    // Accounts that manual entries may use: not the savings accounts (those move only with
    // the savings records).
    let manual_codes = [
        "1101", "1102", "1110", "1304", "2103", "3104", "3109", "4302", "5301", "5305",
    ];
    let manual_accounts: Vec<AccountId> = manual_codes
        .iter()
        .map(|c| chart.iter().find(|a| a.code == *c).unwrap().id)
        .collect();
    let mut model = Model::default();
    let mut date = date!(2025 - 01 - 02);
    let cashier = kasir();

    for op in 0..ops {
        let ctx = format!("{ctx0}, op {op}");
        date = date.saturating_add(time::Duration::days(rng.below(3) as i64));
        match rng.below(10) {
            // Counter: 1 to 3 movements for one member.
            0..=5 => {
                let member = *rng.pick(&members);
                let method = *rng.pick(&["tunai", "transfer", "qris"]);
                let n = 1 + rng.below(3);
                let mut movements = vec![];
                for _ in 0..n {
                    let p = rng.pick(&products);
                    let bal = model.savings.get(&(member, p.id)).copied().unwrap_or(0);
                    let roll = rng.below(10);
                    if p.code == "SUKARELA" && roll < 4 && bal > 0 {
                        // A withdrawal within the balance (in 1.000s).
                        let amount = (1 + rng.below((bal / 1_000) as u64) as i64) * 1_000;
                        movements.push(withdraw(p, amount));
                    } else if roll == 9 {
                        // Sometimes more than there is, or from a product that can't be.
                        movements.push(withdraw(p, bal + rng.amount()));
                    } else {
                        movements.push(deposit(p, rng.amount()));
                    }
                }
                // Play it on the model: all or nothing.
                let mut next = model.savings.clone();
                let mut fails = false;
                let mut lines = vec![];
                let mut net = 0;
                for m in &movements {
                    let p = products.iter().find(|p| p.id == m.product).unwrap();
                    let b = next.entry((member, p.id)).or_default();
                    if m.kind == "setoran" && p.code == "POKOK" && *b + m.amount.0 > 100_000 {
                        // Pokok only up to the bylaws' amount.
                        fails = true;
                    } else if m.kind == "setoran" {
                        *b += m.amount.0;
                        net += m.amount.0;
                        lines.push(cr(p.account_id, m.amount.0));
                    } else if p.code != "SUKARELA" || *b < m.amount.0 {
                        fails = true;
                    } else {
                        *b -= m.amount.0;
                        net -= m.amount.0;
                        lines.push(dr(p.account_id, m.amount.0));
                    }
                }
                let money = role_of_method(&chart, method);
                if net > 0 {
                    lines.push(dr(money, net));
                } else if net < 0 {
                    lines.push(cr(money, -net));
                }
                let key = if rng.below(4) == 0 {
                    Some(format!("k-{seed}-{op}"))
                } else {
                    None
                };
                let req = counter_req(member, method, date, movements);
                let r = t.counter(&cashier, key.as_deref(), &req).await;
                if fails {
                    conflict(r);
                } else if net == 0 {
                    // In and out by the same amount: the entry has the product lines only,
                    // unless they cancel out to nothing (one account debited and credited
                    // equally is still two lines, and still balanced).
                    let r = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                    assert_eq!(r.total, 0, "{ctx}");
                    model.savings = next;
                    model.post(&lines);
                } else {
                    let r = r.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                    assert_eq!(r.total, net, "{ctx}");
                    model.savings = next;
                    model.post(&lines);
                    if let Some(key) = &key {
                        // A replay returns the same receipt and posts nothing.
                        let again = t.counter(&cashier, Some(key), &req).await.unwrap();
                        assert_eq!(again.id, r.id, "{ctx}: replay");
                    }
                }
            }
            // A manual entry of 2 to 4 lines.
            6..=7 => {
                let n_debit = 1 + rng.below(2) as usize;
                let n_credit = 1 + rng.below(2) as usize;
                let mut lines = vec![];
                let mut total = 0;
                for _ in 0..n_debit {
                    let a = rng.amount();
                    total += a;
                    lines.push(dr(*rng.pick(&manual_accounts), a));
                }
                let mut left = total;
                for i in 0..n_credit {
                    let a = if i + 1 == n_credit {
                        left
                    } else {
                        (left / 2).max(1)
                    };
                    left -= a;
                    lines.push(cr(*rng.pick(&manual_accounts), a));
                }
                let id = t
                    .post_manual(
                        &sys(),
                        &manual(date, &format!("Jurnal acak {op}"), lines.clone()),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{ctx}: {e:?} for {lines:?}"));
                model.post(&lines);
                model.reversible.push(id);
            }
            // Reverse a manual entry (at most once), or try to reverse something twice.
            _ => {
                if model.reversible.is_empty() {
                    continue;
                }
                let i = rng.below(model.reversible.len() as u64) as usize;
                let id = model.reversible.swap_remove(i);
                let original = t.entry(id).await.unwrap();
                t.reverse(&sys(), id, date, "koreksi acak")
                    .await
                    .unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                let swapped: Vec<LineInput> = original
                    .lines
                    .iter()
                    .map(|x| LineInput {
                        account: x.account_id,
                        debit: Rupiah(x.credit),
                        credit: Rupiah(x.debit),
                        memo: None,
                    })
                    .collect();
                model.post(&swapped);
                conflict(t.reverse(&sys(), id, date, "dua kali").await);
            }
        }
        if op % 10 == 9 {
            check_invariants(&t, &model, &members, &products, &ctx).await;
        }
    }
    check_invariants(&t, &model, &members, &products, &format!("{ctx0}, end")).await;
}

/// The seeds to run: `BOOKS_SEED` (one seed, to replay a failure) or a fixed set.
fn seeds() -> Vec<u64> {
    match std::env::var("BOOKS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        Some(seed) => vec![seed],
        None => (1..=8).map(|i| i * 7919).collect(),
    }
}

store_test!(random_operations_keep_the_books_balanced, |s| {
    for seed in seeds() {
        random_books(&s, seed, 40).await;
    }
});

// ---------------------------------------------------------------------------------------------
// The desk: counter requests posted in batches.

fn job(key: Option<&str>, req: CounterRequest) -> guyub_store::counter::CounterJob {
    guyub_store::counter::CounterJob {
        actor: kasir(),
        idem_key: key.map(str::to_string),
        req,
    }
}

/// Receipt numbers (the counter part after `KW-yyyy-`) of the coop's savings entries, and
/// the entry numbers of its journal, both sorted.
async fn numbers(t: &Tenant<'_>) -> (Vec<i64>, Vec<i64>) {
    let journal = whole_journal(t).await;
    let mut receipts: Vec<i64> = journal
        .iter()
        .filter(|e| e.source == "savings")
        .filter_map(|e| e.reference.as_deref()?.rsplit('-').next()?.parse().ok())
        .collect();
    receipts.sort();
    let mut entries: Vec<i64> = journal.iter().map(|e| e.entry_no).collect();
    entries.sort();
    (receipts, entries)
}

// One batch holding good and bad requests: each is answered on its own, the bad ones post
// nothing, the good ones are numbered without gaps, and what the batch answers is exactly
// what is read back afterwards.
store_test!(one_batch_answers_each_request_alone, |s| {
    let k = new_coop(&s, "KSPA").await;
    let other = new_coop(&s, "KSPB").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let budi = new_member(&t, "Budi", 2).await;
    let stranger = new_member(&s.tenant(other), "Citra", 3).await;
    let sukarela = product(&t, "SUKARELA").await;
    let wajib = product(&t, "WAJIB").await;
    let d = date!(2025 - 05 - 02);
    let budi_5k = counter_req(budi, "tunai", d, vec![deposit(&sukarela, 5_000)]);
    let first = t.counter(&kasir(), Some("k-1"), &budi_5k).await.unwrap();
    let second = t
        .counter(
            &kasir(),
            Some("k-0"),
            &counter_req(budi, "tunai", d, vec![deposit(&sukarela, 7_000)]),
        )
        .await
        .unwrap();
    assert_eq!(first.receipt_no, "KW-2025-000001");
    assert_eq!(second.receipt_no, "KW-2025-000002");

    let jobs = vec![
        // 0: two products at once.
        job(
            None,
            counter_req(
                ani,
                "tunai",
                d,
                vec![deposit(&sukarela, 50_000), deposit(&wajib, 20_000)],
            ),
        ),
        // 1: a withdrawal that the deposit before it in the same batch pays for.
        job(
            Some("k-2"),
            counter_req(ani, "transfer", d, vec![withdraw(&sukarela, 30_000)]),
        ),
        // 2: more than is left after 1.
        job(
            None,
            counter_req(ani, "tunai", d, vec![withdraw(&sukarela, 30_000)]),
        ),
        // 3: an unknown way to pay.
        job(
            None,
            counter_req(ani, "cek", d, vec![deposit(&sukarela, 1_000)]),
        ),
        // 4: another coop's member.
        job(
            None,
            counter_req(stranger, "tunai", d, vec![deposit(&sukarela, 1_000)]),
        ),
        // 5: a replay of a committed key: the first receipt.
        job(Some("k-1"), budi_5k.clone()),
        // 6: a committed key sent with a different request.
        job(
            Some("k-0"),
            counter_req(budi, "tunai", d, vec![deposit(&sukarela, 9_000)]),
        ),
        // 7: the key of request 1 again, in the same batch.
        job(
            Some("k-2"),
            counter_req(ani, "transfer", d, vec![withdraw(&sukarela, 30_000)]),
        ),
        // 8: wajib cannot be withdrawn while a member.
        job(
            None,
            counter_req(budi, "tunai", d, vec![withdraw(&wajib, 1_000)]),
        ),
        // 9: an amount of zero.
        job(
            None,
            counter_req(budi, "tunai", d, vec![deposit(&sukarela, 0)]),
        ),
        // 10: a good one after all the bad ones.
        job(
            Some("k-3"),
            counter_req(budi, "qris", d, vec![deposit(&sukarela, 10_000)]),
        ),
    ];
    let mut tx = t.begin().await.unwrap();
    let out = guyub_store::counter::post_counter_batch(
        &mut tx,
        k,
        &jobs,
        guyub_store::counter::KeyLookup::First,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(out.len(), jobs.len());
    let mut out = out.into_iter();
    let mut next = || out.next().unwrap();
    let r0 = next().unwrap();
    assert_eq!((r0.total, r0.lines.len()), (70_000, 2));
    let r1 = next().unwrap();
    assert_eq!(r1.total, -30_000);
    assert_eq!(r1.lines[0].balance_after, 20_000);
    let msg = conflict(next());
    assert!(
        msg.en.contains("balance") || msg.en.contains("Balance"),
        "{msg:?}"
    );
    assert!(has_field(&invalid(next()), "method"));
    assert_not_found(next());
    assert_eq!(
        next().unwrap().id,
        first.id,
        "a replay answers the first receipt"
    );
    let msg = conflict(next());
    assert!(msg.id.contains("idempotensi"), "{msg:?}");
    conflict(next());
    let msg = conflict(next());
    assert!(msg.en.contains("cannot be withdrawn"), "{msg:?}");
    assert!(has_field(&invalid(next()), "amount"));
    let r10 = next().unwrap();

    // Numbers follow on without gaps: the refused requests took none.
    assert_eq!(
        [&r0, &r1, &r10].map(|r| r.receipt_no.as_str()),
        ["KW-2025-000003", "KW-2025-000004", "KW-2025-000005"]
    );
    let (receipts, entries) = numbers(&t).await;
    assert_eq!(receipts, vec![1, 2, 3, 4, 5]);
    assert_eq!(entries, vec![1, 2, 3, 4, 5]);
    // What the batch answered is what is stored.
    for r in [&r0, &r1, &r10] {
        let back = t.receipt(r.id).await.unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(r).unwrap()
        );
    }
    assert_eq!(balance_of(&t, ani, sukarela.id).await, 20_000);
    assert_eq!(balance_of(&t, ani, wajib.id).await, 20_000);
    assert_eq!(balance_of(&t, budi, sukarela.id).await, 22_000);
    let theirs = product(&s.tenant(other), "SUKARELA").await;
    assert_eq!(
        balance_of(&s.tenant(other), stranger, theirs.id).await,
        0,
        "nothing for another coop's member"
    );
    let r1_entry = entry_of_receipt(&t, &r1).await;
    assert_eq!(
        lines_of(&r1_entry),
        vec![l("1102", 0, 30_000), l("2101", 30_000, 0)]
    );
    assert!(s.verify_books(None).await.unwrap().is_empty());

    // A batch of refusals only changes nothing at all.
    let snap = snapshot(&t).await;
    let saved = savings_snapshot(&t, &[ani, budi]).await;
    let mut tx = t.begin().await.unwrap();
    let out = guyub_store::counter::post_counter_batch(
        &mut tx,
        k,
        &jobs[2..5],
        guyub_store::counter::KeyLookup::First,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(out.iter().all(|r| r.is_err()));
    assert_eq!(snapshot(&t).await, snap);
    assert_eq!(savings_snapshot(&t, &[ani, budi]).await, saved);
});

// Many cashiers of two coops at once, deposits and withdrawals on the same accounts: the
// desk batches them; no balance goes negative, no update is lost, each coop's receipt and
// entry numbers run without gaps, and the books verify.
store_test!(desk_posts_concurrent_requests_of_two_coops, |s| {
    let d = date!(2025 - 06 - 10);
    let mut coops = vec![];
    for code in ["KSPA", "KSPB"] {
        let k = new_coop(&s, code).await;
        let t = s.tenant(k);
        let sukarela = product(&t, "SUKARELA").await;
        let mut members = vec![];
        for i in 0..4u16 {
            let m = new_member(&t, &format!("Anggota {i}"), 10 + i).await;
            t.counter(
                &kasir(),
                None,
                &counter_req(m, "tunai", d, vec![deposit(&sukarela, 10_000)]),
            )
            .await
            .unwrap();
            members.push(m);
        }
        coops.push((k, sukarela, members));
    }
    let mut tasks = vec![];
    for i in 0..80usize {
        let (k, sukarela, members) = coops[i % 2].clone();
        let m = members[(i / 2) % 4];
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mv = if i % 3 == 0 {
                deposit(&sukarela, 10_000)
            } else {
                withdraw(&sukarela, 15_000)
            };
            let withdrawal = mv.kind == "penarikan";
            let r = s
                .tenant(k)
                .counter(
                    &kasir(),
                    Some(&format!("race-{i}")),
                    &counter_req(m, "tunai", d, vec![mv]),
                )
                .await;
            (k, m, withdrawal, r)
        }));
    }
    let mut expected: HashMap<(KoperasiId, MemberId), i64> = HashMap::new();
    let mut posted: HashMap<KoperasiId, i64> = HashMap::new();
    for task in tasks {
        let (k, m, withdrawal, r) = task.await.unwrap();
        match r {
            Ok(r) => {
                *expected.entry((k, m)).or_insert(10_000) += r.total;
                assert_eq!(r.total, if withdrawal { -15_000 } else { 10_000 });
                *posted.entry(k).or_default() += 1;
            }
            Err(StoreError::Conflict(_)) if withdrawal => {}
            Err(e) => panic!("unexpected refusal: {e:?}"),
        }
    }
    for (k, sukarela, members) in &coops {
        let t = s.tenant(*k);
        for m in members {
            let b = balance_of(&t, *m, sukarela.id).await;
            assert!(b >= 0);
            assert_eq!(
                b,
                *expected.get(&(*k, *m)).unwrap_or(&10_000),
                "no lost update"
            );
        }
        let n = 4 + posted.get(k).copied().unwrap_or(0);
        let (receipts, entries) = numbers(&t).await;
        assert_eq!(receipts, (1..=n).collect::<Vec<_>>());
        assert_eq!(entries, (1..=n).collect::<Vec<_>>());
    }
    assert!(s.verify_books(None).await.unwrap().is_empty());
});

// The desk remembers the journal's and the receipts' counters between batches. Manual entries
// posted between counter payments (and at the same time as them) move the entry counter
// behind its back: every payment still posts, and the numbers stay gapless and unique.
store_test!(counter_numbers_stay_gapless_between_other_postings, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let sukarela = product(&t, "SUKARELA").await;
    let kas = acct_id(&t, "1101").await;
    let adm = acct_id(&t, "5305").await;
    let mut members = vec![];
    for i in 0..6 {
        members.push(new_member(&t, &format!("Anggota {i}"), i + 1).await);
    }
    let day = date!(2025 - 05 - 02);
    let mut tasks = vec![];
    for round in 0..5 {
        for (i, m) in members.iter().enumerate() {
            let (s, m) = (s.clone(), *m);
            let req = counter_req(m, "tunai", day, vec![deposit(&sukarela, 1_000)]);
            let key = format!("r{round}-m{i}");
            tasks.push(tokio::spawn(async move {
                s.tenant(k)
                    .counter(&kasir(), Some(&key), &req)
                    .await
                    .map(|_| ())
            }));
        }
        // A manual entry now and then, between (and during) the counter's batches.
        let s2 = s.clone();
        tasks.push(tokio::spawn(async move {
            s2.tenant(k)
                .post_manual(
                    &sys(),
                    &manual(day, "ATK", vec![dr(adm, 500), cr(kas, 500)]),
                )
                .await
                .map(|_| ())
        }));
        tokio::task::yield_now().await;
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // One more payment after all that: the desk's memory is behind the manual entries.
    t.counter(
        &kasir(),
        Some("last"),
        &counter_req(members[0], "tunai", day, vec![deposit(&sukarela, 1_000)]),
    )
    .await
    .unwrap();
    // And step by step: the desk remembers the numbers of a payment, a manual entry moves
    // them, and the next payment's write finds its counters moved, undoes itself (on
    // PostgreSQL a self-committing statement that raises) and is posted again.
    let retried = s.desk_stats().retried;
    let pay = |m: MemberId, key: &'static str| {
        let req = counter_req(m, "tunai", day, vec![deposit(&sukarela, 1_000)]);
        let t = s.tenant(k);
        async move { t.counter(&kasir(), Some(key), &req).await.unwrap() }
    };
    pay(members[1], "step-1").await;
    t.post_manual(
        &sys(),
        &manual(day, "ATK", vec![dr(adm, 500), cr(kas, 500)]),
    )
    .await
    .unwrap();
    let r = pay(members[2], "step-2").await;
    assert_eq!(r.receipt_no, "KW-2025-000033");
    assert_eq!(s.desk_stats().retried, retried + 1);
    let (receipts, entries) = numbers(&t).await;
    assert_eq!(receipts, (1..=33).collect::<Vec<_>>());
    assert_eq!(entries, (1..=39).collect::<Vec<_>>());
    for (i, m) in members.iter().enumerate() {
        let expected = if i < 3 { 6_000 } else { 5_000 };
        assert_eq!(balance_of(&t, *m, sukarela.id).await, expected);
    }
    assert!(s.verify_books(Some(k)).await.unwrap().is_empty());
});

// A time deposit emptied at maturity and paid into again starts a new term: it cannot be
// withdrawn again until the new maturity date.
store_test!(a_time_deposit_paid_into_again_starts_a_new_term, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let depo = t
        .add_product(
            &sys(),
            "DEPO6",
            "Simpanan berjangka 6 bulan",
            guyub_core::savings::SavingsKind::Berjangka,
            Rupiah::ZERO,
            Some(6),
        )
        .await
        .unwrap();
    let opened = date!(2025 - 01 - 15);
    let matured = date!(2025 - 07 - 15);
    t.counter(
        &kasir(),
        None,
        &counter_req(ani, "tunai", opened, vec![deposit(&depo, 1_000_000)]),
    )
    .await
    .unwrap();
    let early = counter_req(
        ani,
        "tunai",
        date!(2025 - 07 - 14),
        vec![withdraw(&depo, 1_000_000)],
    );
    conflict(t.counter(&kasir(), None, &early).await);
    t.counter(
        &kasir(),
        None,
        &counter_req(ani, "tunai", matured, vec![withdraw(&depo, 1_000_000)]),
    )
    .await
    .unwrap();
    // Paid into again on 1 August: matures on 1 February next year.
    t.counter(
        &kasir(),
        None,
        &counter_req(
            ani,
            "tunai",
            date!(2025 - 08 - 01),
            vec![deposit(&depo, 500_000)],
        ),
    )
    .await
    .unwrap();
    let line = t
        .balances(ani)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.product.id == depo.id)
        .unwrap();
    assert_eq!(line.balance, 500_000);
    assert_eq!(line.maturity_date, Some(date!(2026 - 02 - 01)));
    let msg = conflict(
        t.counter(
            &kasir(),
            None,
            &counter_req(
                ani,
                "tunai",
                date!(2025 - 09 - 01),
                vec![withdraw(&depo, 500_000)],
            ),
        )
        .await,
    );
    assert!(msg.en.contains("matur"), "{msg:?}");
    assert_eq!(balance_of(&t, ani, depo.id).await, 500_000);
    t.counter(
        &kasir(),
        None,
        &counter_req(
            ani,
            "tunai",
            date!(2026 - 02 - 01),
            vec![withdraw(&depo, 500_000)],
        ),
    )
    .await
    .unwrap();
    assert!(s.verify_books(None).await.unwrap().is_empty());
});

// A product whose ledger account was deactivated (while still unused) takes no deposits: the
// counter refuses that request on its own, names the account, and writes nothing; the other
// requests of the same batch are posted.
/// One cash payment at the counter, through the desk, without an idempotency key.
async fn pay_cash(
    t: &Tenant<'_>,
    member: MemberId,
    date: Date,
    movement: Movement,
) -> guyub_store::StoreResult<Receipt> {
    t.counter(
        &kasir(),
        None,
        &counter_req(member, "tunai", date, vec![movement]),
    )
    .await
}

/// A product of the coop's own ("Simpanan lebaran", kind lain) with an account of its own.
async fn lebaran_product(t: &Tenant<'_>) -> Product {
    t.add_product(
        &sys(),
        "LEBARAN",
        "Simpanan lebaran",
        guyub_core::savings::SavingsKind::Lain,
        Rupiah::ZERO,
        None,
    )
    .await
    .unwrap()
}

store_test!(a_product_on_an_inactive_account_is_refused_alone, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let sukarela = product(&t, "SUKARELA").await;
    let lebaran = lebaran_product(&t).await;
    t.update_account(&sys(), lebaran.account_id, &lebaran.name, false)
        .await
        .unwrap();
    let d = date!(2025 - 03 - 03);
    let snap = snapshot(&t).await;
    let jobs = vec![
        job(
            None,
            counter_req(ani, "tunai", d, vec![deposit(&lebaran, 10_000)]),
        ),
        job(
            None,
            counter_req(ani, "tunai", d, vec![deposit(&sukarela, 10_000)]),
        ),
    ];
    let mut tx = t.begin().await.unwrap();
    let out = guyub_store::counter::post_counter_batch(
        &mut tx,
        k,
        &jobs,
        guyub_store::counter::KeyLookup::First,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut out = out.into_iter();
    let errors = invalid(out.next().unwrap());
    assert!(!errors.is_empty());
    let ok = out.next().unwrap().unwrap();
    assert_eq!(ok.receipt_no, "KW-2025-000001");
    assert_eq!(balance_of(&t, ani, lebaran.id).await, 0);
    assert_eq!(balance_of(&t, ani, sukarela.id).await, 10_000);
    assert_ne!(snapshot(&t).await, snap);
    assert_eq!(whole_journal(&t).await.len(), 1);
    assert!(s.verify_books(None).await.unwrap().is_empty());
});

// Simpanan pokok is paid once, in one go or in parts, up to the bylaws' amount: more is
// refused with what may still be paid, and nothing is written.
store_test!(simpanan_pokok_is_paid_up_to_the_bylaws_amount, |s| {
    let k = new_coop(&s, "KSPA").await;
    let t = s.tenant(k);
    let ani = new_member(&t, "Ani", 1).await;
    let pokok = product(&t, "POKOK").await;
    let d = date!(2025 - 02 - 03);
    t.counter(
        &kasir(),
        None,
        &counter_req(ani, "tunai", d, vec![deposit(&pokok, 60_000)]),
    )
    .await
    .unwrap();
    let snap = snapshot(&t).await;
    let msg = conflict(
        t.counter(
            &kasir(),
            None,
            &counter_req(ani, "tunai", d, vec![deposit(&pokok, 50_000)]),
        )
        .await,
    );
    assert!(
        msg.id.contains("Rp 100.000") && msg.id.contains("Rp 40.000"),
        "{msg:?}"
    );
    assert!(msg.en.contains("bylaws"), "{msg:?}");
    assert_eq!(snapshot(&t).await, snap);
    t.counter(
        &kasir(),
        None,
        &counter_req(ani, "tunai", d, vec![deposit(&pokok, 40_000)]),
    )
    .await
    .unwrap();
    assert_eq!(balance_of(&t, ani, pokok.id).await, 100_000);
    conflict(
        t.counter(
            &kasir(),
            None,
            &counter_req(ani, "tunai", d, vec![deposit(&pokok, 1_000)]),
        )
        .await,
    );
    assert_eq!(balance_of(&t, ani, pokok.id).await, 100_000);
});

// The desk keeps what it read of a coop's accounts, products and fiscal years between batches
// (SQLite); a change made meanwhile through another connection must reach its next batch.
store_test!(
    the_desk_sees_accounts_and_years_changed_between_its_batches,
    |s| {
        let k = new_coop(&s, "KSPA").await;
        let t = s.tenant(k);
        let ani = new_member(&t, "Ani", 1).await;
        let sukarela = product(&t, "SUKARELA").await;
        let lebaran = lebaran_product(&t).await;
        let d = date!(2025 - 03 - 03);
        // The desk reads (and keeps) the accounts and the year 2025.
        pay_cash(&t, ani, d, deposit(&sukarela, 10_000))
            .await
            .unwrap();
        // The product's account is deactivated: the next payment into it is refused.
        t.update_account(&sys(), lebaran.account_id, &lebaran.name, false)
            .await
            .unwrap();
        let snap = snapshot(&t).await;
        let r = pay_cash(&t, ani, d, deposit(&lebaran, 10_000)).await;
        assert!(r.is_err(), "a payment into an inactive account was posted");
        assert_eq!(snapshot(&t).await, snap);
        // Still open: another payment into sukarela goes through.
        pay_cash(&t, ani, d, deposit(&sukarela, 5_000))
            .await
            .unwrap();
        // The year is closed: the next payment dated in it is refused.
        t.close_year(&sys(), 2025).await.unwrap();
        let snap = snapshot(&t).await;
        let msg = conflict(pay_cash(&t, ani, d, deposit(&sukarela, 10_000)).await);
        assert!(msg.id.contains("2025"), "{msg:?}");
        assert_eq!(snapshot(&t).await, snap);
        assert_eq!(balance_of(&t, ani, sukarela.id).await, 15_000);
    }
);
