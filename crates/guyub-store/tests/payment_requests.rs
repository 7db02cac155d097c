//! Payment requests (made, confirmed into the books, cancelled), statement imports and QRIS
//! settlements, on both engines (see tests/books.rs for the `store_test!` pattern).

mod common;

use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::ids::{KoperasiId, MemberId, PaymentRequestId};
use guyub_core::member::ValidMember;
use guyub_core::money::Rupiah;
use guyub_core::nik::nik_for;
use guyub_core::payment::qris::Qris;
use guyub_core::payment::request::{ConfirmedVia, RequestState, Validity};
use guyub_core::region::RegionCode;
use guyub_core::savings::PayMethod;
use guyub_store::coop::CoopData;
use guyub_store::payment::PaymentChange;
use guyub_store::payment::request::{Confirmation, NewRequest, RequestFilter};
use guyub_store::savings::Product;
use guyub_store::{Actor, Engine, Store, StoreError, Tenant};
use time::macros::date;
use time::{Date, Month};

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

const DANA: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";

fn kasir() -> Actor {
    Actor::system("Kasir Uji")
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    let data = CoopData {
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
        founded_on: None,
        timezone: CoopTimeZone::Wib,
    };
    s.create_koperasi(&kasir(), &data, &Bylaws::default(), 2020)
        .await
        .unwrap()
}

async fn new_member(t: &Tenant<'_>, name: &str, serial: u16) -> MemberId {
    let birth = Date::from_calendar_date(
        1970 + i32::from(serial % 30),
        Month::March,
        1 + (serial % 28) as u8,
    )
    .unwrap();
    let g = guyub_core::member::Gender::Female;
    let m = ValidMember {
        nik: nik_for(&region("35.73.05"), birth, g, serial).unwrap(),
        name: name.to_string(),
        gender: g,
        birth_place: "Malang".to_string(),
        birth_date: birth,
        address: "Jl. Soekarno-Hatta 9".to_string(),
        region: region("35.73.05.1004"),
        phone: None,
        occupation: "Pedagang".to_string(),
        joined_on: date!(2024 - 01 - 02),
    };
    t.create_member(&kasir(), &m).await.unwrap().id
}

async fn product(t: &Tenant<'_>, code: &str) -> Product {
    t.products()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == code)
        .unwrap()
}

async fn set_qris(t: &Tenant<'_>) {
    let change = PaymentChange {
        qris: Some(Qris::parse(DANA).unwrap()),
        ..Default::default()
    };
    t.update_payment_settings(&kasir(), &change).await.unwrap();
}

fn wajib_bill(member: MemberId, wajib: &Product, amount: i64) -> NewRequest {
    NewRequest {
        member,
        lines: vec![(wajib.id, Rupiah(amount))],
        description: None,
        validity: Validity::Hours24,
        idem_key: None,
    }
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

async fn account_balance(t: &Tenant<'_>, code: &str) -> i64 {
    let tb = t.trial_balance().await.unwrap();
    tb.rows
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.debit - r.credit)
        .unwrap_or(0)
}

fn paid_by(method: PayMethod, reference: &str) -> Confirmation {
    Confirmation {
        method,
        reference: reference.to_string(),
        via: ConfirmedVia::Cashier,
        date: date!(2026 - 11 - 30),
    }
}

store_test!(request_gets_unique_totals_and_a_dynamic_qris, |s| {
    let k = new_coop(&s, "KPR1").await;
    let t = s.tenant(k);
    set_qris(&t).await;
    let wajib = product(&t, "WAJIB").await;
    let a = new_member(&t, "Siti Aminah", 1).await;
    let b = new_member(&t, "Budi Santoso", 2).await;

    let ra = t
        .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 50_000))
        .await
        .unwrap();
    let rb = t
        .create_payment_request(&kasir(), &wajib_bill(b, &wajib, 50_000))
        .await
        .unwrap();
    assert_eq!(ra.state, RequestState::Open);
    assert_eq!(ra.base_amount, 50_000);
    assert_eq!((ra.unique_code, ra.total), (1, 50_001));
    assert_eq!(
        (rb.unique_code, rb.total),
        (2, 50_002),
        "two open requests never share a total"
    );
    assert_ne!(ra.ref_code, rb.ref_code);
    assert_eq!(ra.description, "Simpanan wajib");
    assert_eq!(ra.member_name.as_deref(), Some("Siti Aminah"));

    // The QR carries exactly the total and still validates.
    let q = Qris::parse(ra.qris_payload.as_deref().unwrap()).unwrap();
    assert_eq!(q.amount().unwrap().rupiah, Rupiah(50_001));

    // Filters: by state, by search.
    let (open, n) = t
        .payment_requests(&RequestFilter {
            state: Some(RequestState::Open),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((open.len(), n), (2, 2));
    let (found, _) = t
        .payment_requests(&RequestFilter {
            q: Some("budi".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![rb.id]);
    let (by_ref, _) = t
        .payment_requests(&RequestFilter {
            q: Some(ra.ref_code.to_lowercase()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_ref.len(), 1);
    // Date bounds in the coop's own offset (WIB, as the pages send them) compare as instants:
    // a minute ago finds both, a minute ahead none, whatever the time of day.
    let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap();
    let at = |minutes: i64| {
        (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes)).to_offset(wib)
    };
    for (from, until, want) in [
        (Some(at(-1)), None, 2),
        (Some(at(1)), None, 0),
        (None, Some(at(1)), 2),
        (None, Some(at(-1)), 0),
    ] {
        let (_, n) = t
            .payment_requests(&RequestFilter {
                from,
                until,
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(n, want, "from {from:?} until {until:?}");
    }

    // The payer's link finds it, without the member number.
    let public = s.payment_request_by_token(&ra.public_token).await.unwrap();
    assert_eq!(public.request.id, ra.id);
    assert_eq!(public.coop_name, "Koperasi KPR1");
    assert!(matches!(
        s.payment_request_by_token("00000000000000000000000000000000")
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.payment_request_by_token("'; DROP TABLE x; --").await,
        Err(StoreError::NotFound)
    ));
});

store_test!(
    confirming_posts_once_and_credits_the_code_to_sukarela,
    |s| {
        let k = new_coop(&s, "KPR2").await;
        let t = s.tenant(k);
        set_qris(&t).await;
        let wajib = product(&t, "WAJIB").await;
        let a = new_member(&t, "Siti Aminah", 1).await;
        let r = t
            .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 50_000))
            .await
            .unwrap();

        let (paid, receipt) = t
            .confirm_payment_request(&kasir(), r.id, &paid_by(PayMethod::Qris, "RRN 6123 4567"))
            .await
            .unwrap();
        assert_eq!(paid.state, RequestState::Paid);
        assert_eq!(paid.paid_method.as_deref(), Some("qris"));
        assert_eq!(paid.paid_reference.as_deref(), Some("RRN 6123 4567"));
        assert_eq!(paid.confirmed_via.as_deref(), Some("kasir"));
        assert_eq!(paid.receipt_id, Some(receipt));
        assert_eq!(balance_of(&t, a, "WAJIB").await, 50_000);
        assert_eq!(
            balance_of(&t, a, "SUKARELA").await,
            1,
            "the unique code is the member's"
        );
        assert_eq!(
            account_balance(&t, "1110").await,
            50_001,
            "QRIS clearing holds the whole payment"
        );
        let rc = t.receipt(receipt).await.unwrap();
        assert_eq!(rc.total, 50_001);

        // A second confirmation (cashier twice, statement after cashier) posts nothing.
        let again = t
            .confirm_payment_request(&kasir(), r.id, &paid_by(PayMethod::Qris, "RRN 6123 4567"))
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert_eq!(balance_of(&t, a, "WAJIB").await, 50_000);
        assert_eq!(account_balance(&t, "1110").await, 50_001);
        // Nor may it be cancelled now.
        assert!(matches!(
            t.cancel_payment_request(&kasir(), r.id, "salah").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(s.verify_books(Some(k)).await.unwrap().is_empty());

        // Its total is free again: the next request of the same amount may take code 1.
        let b = new_member(&t, "Budi Santoso", 2).await;
        let r2 = t
            .create_payment_request(&kasir(), &wajib_bill(b, &wajib, 50_000))
            .await
            .unwrap();
        assert_eq!(r2.total, 50_001);
    }
);

store_test!(cash_pays_the_base_amount, |s| {
    let k = new_coop(&s, "KPR3").await;
    let t = s.tenant(k);
    let wajib = product(&t, "WAJIB").await;
    let pokok = product(&t, "POKOK").await;
    let a = new_member(&t, "Siti Aminah", 1).await;
    let req = NewRequest {
        member: a,
        lines: vec![(pokok.id, Rupiah(100_000)), (wajib.id, Rupiah(25_000))],
        description: Some("Simpanan awal".into()),
        validity: Validity::Days3,
        idem_key: None,
    };
    let r = t.create_payment_request(&kasir(), &req).await.unwrap();
    assert!(r.qris_payload.is_none(), "no static QRIS set: no QR");
    assert_eq!(r.lines.len(), 2);
    assert_eq!(r.base_amount, 125_000);
    let (_, receipt) = t
        .confirm_payment_request(&kasir(), r.id, &paid_by(PayMethod::Cash, "tunai di loket"))
        .await
        .unwrap();
    assert_eq!(t.receipt(receipt).await.unwrap().total, 125_000);
    assert_eq!(balance_of(&t, a, "SUKARELA").await, 0);
    assert_eq!(account_balance(&t, "1101").await, 125_000);
});

store_test!(cancel_expire_and_bad_requests_change_nothing, |s| {
    let k = new_coop(&s, "KPR4").await;
    let t = s.tenant(k);
    let wajib = product(&t, "WAJIB").await;
    let a = new_member(&t, "Siti Aminah", 1).await;

    // Bad requests: nothing written.
    let bad = [
        wajib_bill(a, &wajib, 0),
        wajib_bill(a, &wajib, -5),
        wajib_bill(a, &wajib, 1_000_000_001),
        NewRequest {
            lines: vec![],
            ..wajib_bill(a, &wajib, 1)
        },
        NewRequest {
            lines: vec![(wajib.id, Rupiah(5)), (wajib.id, Rupiah(5))],
            ..wajib_bill(a, &wajib, 1)
        },
        NewRequest {
            member: MemberId::new(),
            ..wajib_bill(a, &wajib, 1_000)
        },
    ];
    for b in &bad {
        let r = t.create_payment_request(&kasir(), b).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    }
    let (all, n) = t
        .payment_requests(&RequestFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((all.len(), n), (0, 0));

    // Cancel needs a reason; cancelled cannot be confirmed.
    let r = t
        .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 20_000))
        .await
        .unwrap();
    assert!(matches!(
        t.cancel_payment_request(&kasir(), r.id, "  ").await,
        Err(StoreError::Invalid(_))
    ));
    let c = t
        .cancel_payment_request(&kasir(), r.id, "anggota membayar tunai")
        .await
        .unwrap();
    assert_eq!(c.state, RequestState::Cancelled);
    let again = t
        .confirm_payment_request(&kasir(), r.id, &paid_by(PayMethod::Qris, "x1"))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    assert_eq!(balance_of(&t, a, "WAJIB").await, 0);

    // Another coop cannot see or confirm it.
    let other = new_coop(&s, "KPR5").await;
    let o = s.tenant(other);
    assert!(matches!(
        o.payment_request(r.id).await,
        Err(StoreError::NotFound)
    ));
    let r2 = t
        .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 20_000))
        .await
        .unwrap();
    let cross = o
        .confirm_payment_request(&kasir(), r2.id, &paid_by(PayMethod::Qris, "x"))
        .await;
    assert!(matches!(cross, Err(StoreError::NotFound)), "{cross:?}");
    assert!(matches!(
        o.payment_request(PaymentRequestId::new()).await,
        Err(StoreError::NotFound)
    ));

    // Idempotent creation: the same key returns the first request.
    let keyed = NewRequest {
        idem_key: Some("tagihan-7".into()),
        ..wajib_bill(a, &wajib, 30_000)
    };
    let first = t.create_payment_request(&kasir(), &keyed).await.unwrap();
    let replay = t.create_payment_request(&kasir(), &keyed).await.unwrap();
    assert_eq!(first.id, replay.id);
});

store_test!(concurrent_requests_never_share_a_total, |s| {
    let k = new_coop(&s, "KPR6").await;
    let t = s.tenant(k);
    let wajib = product(&t, "WAJIB").await;
    let mut members = vec![];
    for i in 0..12u16 {
        members.push(new_member(&t, &format!("Anggota {i}"), i + 1).await);
    }
    let mut tasks = vec![];
    for m in members {
        let s = s.clone();
        let w = wajib.id;
        tasks.push(tokio::spawn(async move {
            let req = NewRequest {
                member: m,
                lines: vec![(w, Rupiah(10_000))],
                description: None,
                validity: Validity::Hour1,
                idem_key: None,
            };
            s.tenant(k)
                .create_payment_request(&kasir(), &req)
                .await
                .unwrap()
                .total
        }));
    }
    let mut totals = vec![];
    for h in tasks {
        totals.push(h.await.unwrap());
    }
    totals.sort();
    let expect: Vec<i64> = (10_001..=10_012).collect();
    assert_eq!(totals, expect);
});

store_test!(settlement_clears_qris_and_books_the_mdr, |s| {
    use guyub_core::payment::request::settlement;
    use guyub_store::payment::settlement::NewSettlement;
    let k = new_coop(&s, "KPR7").await;
    let t = s.tenant(k);
    set_qris(&t).await;
    let wajib = product(&t, "WAJIB").await;
    let a = new_member(&t, "Siti Aminah", 1).await;
    let r = t
        .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 100_000))
        .await
        .unwrap();
    t.confirm_payment_request(&kasir(), r.id, &paid_by(PayMethod::Qris, "RRN1"))
        .await
        .unwrap();
    assert_eq!(t.qris_clearing_balance().await.unwrap(), 100_001);

    // More than the clearing holds: refused, nothing posted.
    let too_much = NewSettlement {
        date: date!(2026 - 12 - 01),
        amounts: settlement(Rupiah(100_002), Rupiah(700)).unwrap(),
        statement: None,
        note: None,
    };
    assert!(matches!(
        t.post_qris_settlement(&kasir(), &too_much).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(t.qris_clearing_balance().await.unwrap(), 100_001);

    let ok = NewSettlement {
        amounts: settlement(Rupiah(100_001), Rupiah(700)).unwrap(),
        ..too_much
    };
    let st = t.post_qris_settlement(&kasir(), &ok).await.unwrap();
    assert_eq!((st.gross, st.mdr, st.net), (100_001, 700, 99_301));
    assert_eq!(t.qris_clearing_balance().await.unwrap(), 0);
    assert_eq!(account_balance(&t, "1102").await, 99_301);
    assert_eq!(account_balance(&t, "5307").await, 700);
    assert_eq!(t.qris_settlements(10).await.unwrap().len(), 1);
    assert!(s.verify_books(Some(k)).await.unwrap().is_empty());
});

fn stmt_line(
    row: usize,
    at: time::PrimitiveDateTime,
    amount: i64,
    reference: &str,
    fee: Option<i64>,
) -> guyub_core::payment::statement::StatementLine {
    guyub_core::payment::statement::StatementLine {
        row,
        at,
        has_time: true,
        amount: Rupiah(amount),
        fee: fee.map(Rupiah),
        net: fee.map(|f| Rupiah(amount - f)),
        reference: reference.to_string(),
        payer: "PEMBAYAR".to_string(),
        description: String::new(),
        fingerprint: format!("{at}|{amount}|{reference}#1"),
    }
}

/// Now on the coop's wall clock (WIB), as a statement would write it.
fn wib_now(minutes: i64) -> time::PrimitiveDateTime {
    let t = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        + time::Duration::minutes(minutes);
    time::PrimitiveDateTime::new(t.date(), t.time())
}

store_test!(
    a_statement_posts_what_matches_once_and_keeps_the_rest_for_review,
    |s| {
        use guyub_core::coop::CoopTimeZone;
        use guyub_core::payment::request::{LineStatus, StatementKind};
        use guyub_store::payment::statement::NewStatement;
        let k = new_coop(&s, "KPR8").await;
        let t = s.tenant(k);
        set_qris(&t).await;
        let wajib = product(&t, "WAJIB").await;
        let a = new_member(&t, "Siti Aminah", 1).await;
        let b = new_member(&t, "Budi Santoso", 2).await;
        let c = new_member(&t, "Citra Lestari", 3).await;
        let ra = t
            .create_payment_request(&kasir(), &wajib_bill(a, &wajib, 50_000))
            .await
            .unwrap();
        let rb = t
            .create_payment_request(&kasir(), &wajib_bill(b, &wajib, 75_000))
            .await
            .unwrap();
        let rc = t
            .create_payment_request(&kasir(), &wajib_bill(c, &wajib, 20_000))
            .await
            .unwrap();
        assert_eq!(ra.total, 50_001);

        let lines = vec![
            // By amount and time.
            stmt_line(2, wib_now(5), 50_001, "RRN 111", Some(350)),
            // By the code in the reference.
            stmt_line(
                3,
                wib_now(6),
                rb.total,
                &format!("TRF {}", rb.ref_code),
                Some(525),
            ),
            // The code of C, but another amount: for review.
            stmt_line(4, wib_now(7), 20_500, &rc.ref_code, None),
            // Nobody's.
            stmt_line(5, wib_now(8), 12_345, "RRN 999", None),
        ];
        let st = NewStatement {
            file_name: "settlement-1.csv".into(),
            sha256: "aa".repeat(32),
            kind: StatementKind::Qris,
            lines: lines.clone(),
        };
        let sum = t
            .import_statement(&kasir(), &st, CoopTimeZone::Wib)
            .await
            .unwrap();
        assert_eq!(
            (
                sum.lines,
                sum.matched,
                sum.review,
                sum.unmatched,
                sum.already
            ),
            (4, 2, 1, 1, 0)
        );
        assert_eq!(sum.matched_total, 50_001 + rb.total);
        assert_eq!(balance_of(&t, a, "WAJIB").await, 50_000);
        assert_eq!(balance_of(&t, b, "WAJIB").await, 75_000);
        assert_eq!(balance_of(&t, c, "WAJIB").await, 0);
        let pa = t.payment_request(ra.id).await.unwrap();
        assert_eq!(pa.state, RequestState::Paid);
        assert_eq!(pa.confirmed_via.as_deref(), Some("mutasi"));
        assert_eq!(pa.paid_reference.as_deref(), Some("RRN 111"));

        // The same file again: refused, nothing posted.
        let again = t.import_statement(&kasir(), &st, CoopTimeZone::Wib).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        // Another file with the same lines (an overlapping export): all skipped.
        let st2 = NewStatement {
            sha256: "bb".repeat(32),
            file_name: "settlement-2.csv".into(),
            ..st.clone()
        };
        let sum2 = t
            .import_statement(&kasir(), &st2, CoopTimeZone::Wib)
            .await
            .unwrap();
        assert_eq!((sum2.lines, sum2.matched, sum2.already), (0, 0, 4));
        assert_eq!(balance_of(&t, a, "WAJIB").await, 50_000);
        assert_eq!(account_balance(&t, "1110").await, 50_001 + rb.total);

        // The review: C's line has C's request as candidate, with a note; accepting it is refused
        // (the amount differs), ignoring it needs a reason.
        let sid = sum.id.unwrap();
        let d = t.statement(sid).await.unwrap();
        assert_eq!(d.info.matched, 2);
        let review = d
            .lines
            .iter()
            .find(|l| l.status == LineStatus::Review)
            .unwrap();
        assert_eq!(
            review.candidates.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![rc.id]
        );
        assert!(review.note.is_some());
        let wrong = t
            .accept_statement_line(&kasir(), sid, review.line_no, rc.id)
            .await;
        assert!(matches!(wrong, Err(StoreError::Conflict(_))), "{wrong:?}");
        assert!(matches!(
            t.ignore_statement_line(&kasir(), sid, review.line_no, " ")
                .await,
            Err(StoreError::Invalid(_))
        ));
        t.ignore_statement_line(
            &kasir(),
            sid,
            review.line_no,
            "dibayar lebih; dikembalikan tunai",
        )
        .await
        .unwrap();
        assert!(matches!(
            t.ignore_statement_line(&kasir(), sid, review.line_no, "lagi")
                .await,
            Err(StoreError::Conflict(_))
        ));

        // The unmatched line matched by hand to a new request of that exact amount.
        let rd = t
            .create_payment_request(
                &kasir(),
                &NewRequest {
                    lines: vec![(wajib.id, Rupiah(12_344))],
                    ..wajib_bill(c, &wajib, 1)
                },
            )
            .await
            .unwrap();
        assert_eq!(rd.total, 12_345);
        let unmatched = d
            .lines
            .iter()
            .find(|l| l.status == LineStatus::Unmatched)
            .unwrap();
        t.accept_statement_line(&kasir(), sid, unmatched.line_no, rd.id)
            .await
            .unwrap();
        assert_eq!(balance_of(&t, c, "WAJIB").await, 12_344);
        assert!(matches!(
            t.accept_statement_line(&kasir(), sid, unmatched.line_no, rd.id)
                .await,
            Err(StoreError::Conflict(_))
        ));

        // Settling the report: gross of the matched lines, the report's MDR where given, the
        // coop's rate otherwise (none set here: 0 for the hand-matched line).
        let preview = t.statement_settlement_preview(sid).await.unwrap().unwrap();
        assert_eq!(preview.amounts.gross.0, 50_001 + rb.total + 12_345);
        assert_eq!(preview.amounts.mdr.0, 350 + 525);
        let posted = t.settle_statement(&kasir(), sid).await.unwrap();
        assert_eq!(posted.net, posted.gross - 875);
        assert_eq!(account_balance(&t, "1110").await, 0);
        assert!(
            matches!(
                t.settle_statement(&kasir(), sid).await,
                Err(StoreError::Conflict(_))
            ),
            "settled once"
        );
        assert!(s.verify_books(Some(k)).await.unwrap().is_empty());
        assert_eq!(t.statements(10).await.unwrap().len(), 2);

        // Another coop sees none of it.
        let o = s.tenant(new_coop(&s, "KPR9").await);
        assert!(matches!(o.statement(sid).await, Err(StoreError::NotFound)));
        assert!(matches!(
            o.accept_statement_line(&kasir(), sid, 1, ra.id).await,
            Err(StoreError::NotFound)
        ));
    }
);
