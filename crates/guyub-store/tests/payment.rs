//! Payment settings (static QRIS, bank accounts, MDR), on both engines.
//!
//! Every test body is written once; [`store_test!`] turns it into `<name>::sqlite` (always run,
//! a fresh temp file) and `<name>::postgres` (a fresh schema on `TEST_DATABASE_URL`; without
//! it the test prints a note and passes without doing anything).

mod common;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{BankAccountId, KoperasiId};
use guyub_core::payment::qris::Qris;
use guyub_core::payment::settings::{BankAccountInput, ValidBankAccount, validate_bank_account};
use guyub_core::percent::BasisPoints;
use guyub_core::region::RegionCode;
use guyub_store::audit::AuditFilter;
use guyub_store::coop::CoopData;
use guyub_store::payment::{MdrRate, PaymentChange};
use guyub_store::{Actor, Engine, Store, StoreError};
use time::macros::date;

/// One `#[tokio::test]` per engine from one body (as in tests/books.rs).
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

const DANA: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";
const GOPAY: &str = "00020101021126610014COM.GO-JEK.WWW01189360091434035299640210G4035299640303UMI51440014ID.CO.QRIS.WWW0215ID10253753027970303UMI5204581553033605802ID5924Anjani Falisha Kikanaya,6006MALANG61056513962070703A0163042735";

fn sys() -> Actor {
    Actor::system("uji otomatis")
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
        region: RegionCode::parse("35.73.05.1004").unwrap(),
        phone: None,
        email: None,
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    }
}

async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    s.create_koperasi(&sys(), &coop_data(code), &Bylaws::default(), 2020)
        .await
        .unwrap()
}

fn account(bank: &str, number: &str) -> ValidBankAccount {
    validate_bank_account(&BankAccountInput {
        bank_name: bank.into(),
        account_number: number.into(),
        holder_name: "Koperasi Maju Bersama".into(),
    })
    .unwrap()
}

async fn audit_count(s: &Store, k: KoperasiId, entity: &str) -> usize {
    s.tenant(k)
        .audit_log(&AuditFilter {
            entity: Some(entity.into()),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

store_test!(qris_is_stored_canonical_with_its_fields_and_audited, |s| {
    let k = new_coop(&s, "KPAY1").await;
    let t = s.tenant(k);
    assert_eq!(t.payment_settings().await.unwrap().qris, None);
    // A lower-case CRC and a trailing newline are forgiven; stored upper-case and trimmed.
    let pasted = format!("{}\n", DANA.replace("5C12", "5c12"));
    let q = Qris::parse(&pasted).unwrap();
    let change = PaymentChange {
        qris: Some(q),
        ..Default::default()
    };
    t.update_payment_settings(&sys(), &change).await.unwrap();
    let got = t.payment_settings().await.unwrap().qris.unwrap();
    assert_eq!(got.payload, DANA);
    assert_eq!(got.merchant_name, "Conweb");
    assert_eq!(got.city, "Kota Palembang");
    assert_eq!(got.nmid.as_deref(), Some("ID1026562375893"));
    assert!(got.acquirer.is_some());
    assert_eq!(audit_count(&s, k, "payment_qris").await, 1);
    // Replacing it updates the row and records what changed.
    let change = PaymentChange {
        qris: Some(Qris::parse(GOPAY).unwrap()),
        ..Default::default()
    };
    t.update_payment_settings(&sys(), &change).await.unwrap();
    let got = t.payment_settings().await.unwrap().qris.unwrap();
    assert_eq!(got.merchant_name, "Anjani Falisha Kikanaya,");
    assert_eq!(got.city, "MALANG");
    assert_eq!(audit_count(&s, k, "payment_qris").await, 2);
});

store_test!(bank_accounts_default_deactivate_never_delete, |s| {
    let k = new_coop(&s, "KPAY2").await;
    let t = s.tenant(k);
    let change = PaymentChange {
        add_accounts: vec![
            account("Bank Jatim", "0012345678"),
            account("BRI", "1234-5678-90"),
        ],
        ..Default::default()
    };
    t.update_payment_settings(&sys(), &change).await.unwrap();
    let ps = t.payment_settings().await.unwrap();
    assert_eq!(ps.accounts.len(), 2);
    // The first account added is the default; digits only are kept.
    assert_eq!(ps.accounts[0].bank_name, "Bank Jatim");
    assert!(ps.accounts[0].is_default);
    assert!(!ps.accounts[1].is_default);
    assert_eq!(ps.accounts[1].account_number, "1234567890");
    let (jatim, bri) = (ps.accounts[0].id, ps.accounts[1].id);

    // A duplicate is refused, and nothing of that change is written.
    let before = t.payment_settings().await.unwrap();
    let dup = PaymentChange {
        add_accounts: vec![
            account("Bank BNI", "555555555"),
            account("Bank Jatim", "00 1234 5678"),
        ],
        ..Default::default()
    };
    let e = t.update_payment_settings(&sys(), &dup).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(t.payment_settings().await.unwrap(), before);

    // Make BRI the default: one default only.
    let change = PaymentChange {
        default_account: Some(bri),
        ..Default::default()
    };
    t.update_payment_settings(&sys(), &change).await.unwrap();
    let ps = t.payment_settings().await.unwrap();
    let defaults: Vec<_> = ps.accounts.iter().filter(|a| a.is_default).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0].id, bri);

    // Deactivating the default passes the default on; the row stays.
    let change = PaymentChange {
        deactivate: vec![bri],
        ..Default::default()
    };
    t.update_payment_settings(&sys(), &change).await.unwrap();
    let ps = t.payment_settings().await.unwrap();
    assert_eq!(ps.accounts.len(), 2);
    let b = ps.accounts.iter().find(|a| a.id == bri).unwrap();
    assert!(!b.active && !b.is_default);
    let j = ps.accounts.iter().find(|a| a.id == jatim).unwrap();
    assert!(j.active && j.is_default);

    // An inactive account cannot be the default; an unknown id is not found.
    let e = t
        .update_payment_settings(
            &sys(),
            &PaymentChange {
                default_account: Some(bri),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = t
        .update_payment_settings(
            &sys(),
            &PaymentChange {
                deactivate: vec![BankAccountId::new()],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    // 2 created + default switch (2) + deactivation (1) + the hand-over (1).
    assert_eq!(audit_count(&s, k, "bank_account").await, 6);
});

store_test!(mdr_history_is_kept_and_read_by_day, |s| {
    let k = new_coop(&s, "KPAY3").await;
    let t = s.tenant(k);
    for (d, bp) in [
        (date!(2023 - 01 - 01), 70),
        (date!(2025 - 07 - 01), 30),
        (date!(2025 - 07 - 01), 25),
    ] {
        let change = PaymentChange {
            mdr: Some(MdrRate {
                effective_on: d,
                rate: BasisPoints(bp),
            }),
            ..Default::default()
        };
        t.update_payment_settings(&sys(), &change).await.unwrap();
    }
    let ps = t.payment_settings().await.unwrap();
    assert_eq!(ps.mdr.len(), 2);
    assert_eq!(ps.mdr_on(date!(2022 - 12 - 31)), None);
    assert_eq!(ps.mdr_on(date!(2024 - 05 - 05)), Some(BasisPoints(70)));
    assert_eq!(ps.mdr_on(date!(2025 - 07 - 01)), Some(BasisPoints(25)));
    assert_eq!(audit_count(&s, k, "payment_mdr").await, 3);
});

store_test!(settings_are_tenant_scoped, |s| {
    let a = new_coop(&s, "KPAYA").await;
    let b = new_coop(&s, "KPAYB").await;
    let change = PaymentChange {
        qris: Some(Qris::parse(DANA).unwrap()),
        add_accounts: vec![account("Bank Jatim", "0012345678")],
        mdr: Some(MdrRate {
            effective_on: date!(2024 - 01 - 01),
            rate: BasisPoints(70),
        }),
        ..Default::default()
    };
    s.tenant(a)
        .update_payment_settings(&sys(), &change)
        .await
        .unwrap();
    let pb = s.tenant(b).payment_settings().await.unwrap();
    assert!(pb.qris.is_none() && pb.accounts.is_empty() && pb.mdr.is_empty());
    // B cannot touch A's account through its own handle.
    let a_acc = s.tenant(a).payment_settings().await.unwrap().accounts[0].id;
    let e = s
        .tenant(b)
        .update_payment_settings(
            &sys(),
            &PaymentChange {
                deactivate: vec![a_acc],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound));
    assert!(s.tenant(a).payment_settings().await.unwrap().accounts[0].active);
    // The same account number may exist in two coops.
    s.tenant(b)
        .update_payment_settings(
            &sys(),
            &PaymentChange {
                add_accounts: vec![account("Bank Jatim", "0012345678")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
});
