//! The store's behaviour, on both engines.
//!
//! Every test body is written once; [`store_test!`] turns it into `<name>::sqlite` (always run,
//! a fresh temp file) and `<name>::postgres` (a fresh schema on `TEST_DATABASE_URL`; without
//! it the test prints a note and passes without doing anything).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use guyub_core::Msg;
use guyub_core::coop::{
    Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone, QuorumRule, ShuAllocation,
};
use guyub_core::identity::Role;
use guyub_core::ids::{KoperasiId, MemberId, UserId};
use guyub_core::member::{
    Gender, MemberInput, MemberKind, MemberNumberFormat, MemberStatus, ValidMember, validate_member,
};
use guyub_core::money::Rupiah;
use guyub_core::nik::{Nik, nik_for};
use guyub_core::percent::BasisPoints;
use guyub_core::phone::Phone;
use guyub_core::region::RegionCode;
use guyub_store::audit::{AuditEntry, AuditFilter, platform};
use guyub_store::coop::CoopData;
use guyub_store::identity::{NewGrant, secret_hash};
use guyub_store::member::{Member, MemberCoop, MemberQuery};
use guyub_store::{Actor, Engine, Store, StoreError, Tenant};
use time::macros::{date, offset};
use time::{Date, Month, OffsetDateTime};

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
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                common::run(Engine::Sqlite, |$s: Store| async move $body).await
            }

            $(#[$pa])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

fn actor(u: UserId, name: &str) -> Actor {
    Actor {
        user_id: Some(u),
        name: name.to_string(),
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

fn coop_data(code: &str, name: &str) -> CoopData {
    CoopData {
        code: code.to_string(),
        name: name.to_string(),
        legal_number: Some("AHU-0001234.AH.01.26.2019".to_string()),
        legal_date: Some(date!(2019 - 08 - 07)),
        nib: Some("9120001234567".to_string()),
        npwp: None,
        kind: CoopKind::SerbaUsaha,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        is_pesantren: false,
        address: "Jl. MT Haryono 1, Dinoyo".to_string(),
        region: region("35.73.05.1004"),
        phone: Some("0341-551234".to_string()),
        email: Some(format!("{}@koperasi.id", code.to_lowercase())),
        founded_on: Some(date!(2019 - 08 - 07)),
        timezone: CoopTimeZone::Wib,
    }
}

/// A coop named "Koperasi {code}" with the default bylaws from 2020.
async fn new_coop(s: &Store, code: &str) -> KoperasiId {
    s.create_koperasi(
        &sys(),
        &coop_data(code, &format!("Koperasi {code}")),
        &Bylaws::default(),
        2020,
    )
    .await
    .unwrap()
}

/// A valid member from Lowokwaru (35.73.05); birth date and gender derived from `serial`, so
/// different serials give different NIKs.
fn person(name: &str, serial: u16, joined: Date) -> ValidMember {
    let gender = if serial.is_multiple_of(2) {
        Gender::Female
    } else {
        Gender::Male
    };
    let birth = Date::from_calendar_date(
        1960 + i32::from(serial % 40),
        Month::try_from(1 + (serial % 12) as u8).unwrap(),
        1 + (serial % 28) as u8,
    )
    .unwrap();
    person_with(name, serial, birth, gender, joined)
}

fn person_with(name: &str, serial: u16, birth: Date, gender: Gender, joined: Date) -> ValidMember {
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
        joined_on: joined,
    }
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Msg {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a Conflict, got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

fn query(q: &str) -> MemberQuery {
    MemberQuery {
        q: q.to_string(),
        limit: 200,
        ..Default::default()
    }
}

async fn search(t: &Tenant<'_>, q: &str) -> Vec<String> {
    t.search_members(&query(q))
        .await
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.name)
        .collect()
}

async fn all_members(t: &Tenant<'_>) -> Vec<Member> {
    let page = t.search_members(&query("")).await.unwrap();
    assert!(!page.has_more);
    page.members
}

async fn audit(t: &Tenant<'_>, entity: Option<&str>, entity_id: Option<String>) -> Vec<AuditEntry> {
    t.audit_log(&AuditFilter {
        entity: entity.map(str::to_string),
        entity_id,
        limit: 500,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn fields(e: &AuditEntry) -> BTreeSet<&str> {
    e.changes.iter().map(|c| c.field.as_str()).collect()
}

fn change<'a>(e: &'a AuditEntry, field: &str) -> &'a guyub_store::audit::Change {
    e.changes
        .iter()
        .find(|c| c.field == field)
        .unwrap_or_else(|| panic!("no change of {field} in {:?}", e.changes))
}

/// Every audit record's raw `changes` JSON, straight from the table.
async fn raw_audit_json(s: &Store) -> Vec<String> {
    guyub_store::on_db!(s.db(), p => sqlx::query_scalar("SELECT changes FROM audit_log")
        .fetch_all(p).await)
    .unwrap()
}

/// The current instant at microsecond precision (what the store keeps), then a short pause,
/// so records written before and after fall on either side of it.
async fn mark() -> OffsetDateTime {
    tokio::time::sleep(Duration::from_millis(15)).await;
    let t = OffsetDateTime::now_utc();
    let t = t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap();
    tokio::time::sleep(Duration::from_millis(15)).await;
    t
}

// ---------------------------------------------------------------------------------------------
// Coops and bylaws

store_test!(coop_created_with_bylaws_reads_back, |s| {
    let d = coop_data("KSPMLG", "Koperasi Serba Usaha Maju Lowokwaru");
    let b = Bylaws {
        simpanan_pokok: Rupiah(150_000),
        simpanan_wajib_monthly: Rupiah(25_000),
        fiscal_year_start_month: 7,
        allocation: ShuAllocation {
            cadangan: BasisPoints(3500),
            jasa_modal: BasisPoints(2000),
            jasa_usaha: BasisPoints(2500),
            pengurus: BasisPoints(500),
            karyawan: BasisPoints(500),
            pendidikan: BasisPoints(500),
            sosial: BasisPoints(250),
            pembangunan_daerah: BasisPoints(250),
        },
        quorum: QuorumRule {
            numerator: 2,
            denominator: 3,
            strictly_greater: false,
            counts_proxies: true,
        },
        member_number_format: MemberNumberFormat::parse("{kode}/{yy}/{seq:04}").unwrap(),
    };
    b.allocation.validate().unwrap();
    let id = s.create_koperasi(&sys(), &d, &b, 2024).await.unwrap();

    let k = s.koperasi(id).await.unwrap();
    assert_eq!(k.id, id);
    assert_eq!(k.to_data().unwrap(), d);
    assert_eq!(k.data.region_code, "35.73.05.1004");
    assert_eq!(k.data.province_code, "35");
    assert_eq!(k.data.regency_code, "35.73");
    assert_eq!(k.data.kind, "serba_usaha");
    assert_eq!(k.data.timezone, "wib");
    assert_eq!(k.created_at, k.updated_at);
    assert_eq!(s.koperasi_by_code("KSPMLG").await.unwrap().id, id);
    assert_not_found(s.koperasi_by_code("KSPXXX").await);
    assert_not_found(s.koperasi(KoperasiId::new()).await);

    let t = s.tenant(id);
    assert_eq!(t.id(), id);
    assert_eq!(t.koperasi().await.unwrap().data.name, d.name);
    assert_eq!(t.bylaws(2024).await.unwrap(), (2024, b.clone()));

    // The registry lists it, also when asked by the regency or province it lies in.
    let all = s.list_koperasi(None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
    assert_eq!(all[0].code, "KSPMLG");
    assert_eq!(all[0].name, d.name);
    assert_eq!(all[0].kind, "serba_usaha");
    assert_eq!(all[0].tier, "primer");
    assert_eq!(all[0].regency_code, "35.73");
    assert_eq!(all[0].active_members, 0);
    assert_eq!(
        s.list_koperasi(Some(&region("35.73"))).await.unwrap().len(),
        1
    );
    assert_eq!(s.list_koperasi(Some(&region("35"))).await.unwrap().len(), 1);
    assert_eq!(
        s.list_koperasi(Some(&region("35.78"))).await.unwrap().len(),
        0
    );
    assert_eq!(s.list_koperasi(Some(&region("32"))).await.unwrap().len(), 0);

    // The creation is in the coop's audit log.
    let log = audit(&t, Some("koperasi"), None).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "create");
    assert_eq!(log[0].entity_id, id.to_string());
    assert_eq!(log[0].actor, "uji otomatis");
    assert_eq!(log[0].user_id, None);
    let code = change(&log[0], "code");
    assert_eq!(code.before, None);
    assert_eq!(code.after.as_deref(), Some("KSPMLG"));
    assert!(
        !fields(&log[0]).contains("npwp"),
        "empty fields are left out"
    );
});

store_test!(bylaws_are_versioned_by_effective_year, |s| {
    let b24 = Bylaws::default();
    let id = s
        .create_koperasi(&sys(), &coop_data("KSPV", "Koperasi V"), &b24, 2024)
        .await
        .unwrap();
    let t = s.tenant(id);
    let b26 = Bylaws {
        simpanan_pokok: Rupiah(200_000),
        simpanan_wajib_monthly: Rupiah(30_000),
        ..Bylaws::default()
    };
    t.set_bylaws(&sys(), 2026, &b26).await.unwrap();

    assert_eq!(t.bylaws(2024).await.unwrap(), (2024, b24.clone()));
    assert_eq!(t.bylaws(2025).await.unwrap(), (2024, b24.clone()));
    assert_eq!(t.bylaws(2026).await.unwrap(), (2026, b26.clone()));
    assert_eq!(t.bylaws(2031).await.unwrap(), (2026, b26.clone()));
    // Before the first version: the earliest one.
    assert_eq!(t.bylaws(2023).await.unwrap(), (2024, b24.clone()));
    assert_eq!(t.bylaws(1990).await.unwrap(), (2024, b24.clone()));

    // The audit record of the 2026 version lists what differs from the version it replaces.
    let log = audit(&t, Some("bylaws"), Some("2026".into())).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        fields(&log[0]),
        BTreeSet::from(["simpanan_pokok", "simpanan_wajib_monthly"])
    );
    let pokok = change(&log[0], "simpanan_pokok");
    assert_eq!(pokok.before.as_deref(), Some("100000"));
    assert_eq!(pokok.after.as_deref(), Some("200000"));

    // Setting an existing year again corrects that version in place.
    let b24_fixed = Bylaws {
        fiscal_year_start_month: 4,
        ..b24.clone()
    };
    t.set_bylaws(&sys(), 2024, &b24_fixed).await.unwrap();
    assert_eq!(t.bylaws(2025).await.unwrap(), (2024, b24_fixed.clone()));
    assert_eq!(t.bylaws(2026).await.unwrap(), (2026, b26.clone()));

    // An earlier version becomes the earliest.
    let b22 = Bylaws {
        simpanan_pokok: Rupiah(50_000),
        ..Bylaws::default()
    };
    t.set_bylaws(&sys(), 2022, &b22).await.unwrap();
    assert_eq!(t.bylaws(2023).await.unwrap(), (2022, b22.clone()));
    assert_eq!(t.bylaws(2000).await.unwrap(), (2022, b22.clone()));
    assert_eq!(t.bylaws(2024).await.unwrap(), (2024, b24_fixed));

    // Another coop's bylaws are not this one's; an unknown coop has none.
    let other = new_coop(&s, "KSPW").await;
    assert_eq!(
        s.tenant(other).bylaws(2026).await.unwrap(),
        (2020, Bylaws::default())
    );
    assert_not_found(s.tenant(KoperasiId::new()).bylaws(2025).await);
});

store_test!(duplicate_coop_code_is_refused, |s| {
    let a = new_coop(&s, "KSPA").await;
    let m = conflict(
        s.create_koperasi(
            &sys(),
            &coop_data("KSPA", "Koperasi Lain"),
            &Bylaws::default(),
            2024,
        )
        .await,
    );
    assert!(m.id.contains("KSPA"), "{m}");
    assert!(m.en.contains("KSPA"), "{m}");
    let all = s.list_koperasi(None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "Koperasi KSPA");

    // Renaming a coop to another coop's code is refused too; nothing changes.
    let b = new_coop(&s, "KSPB").await;
    let m = conflict(
        s.tenant(b)
            .update_koperasi(&sys(), &coop_data("KSPA", "Koperasi KSPB"))
            .await,
    );
    assert!(m.en.contains("KSPA"), "{m}");
    assert_eq!(s.koperasi(b).await.unwrap().data.code, "KSPB");
    assert_eq!(s.koperasi(a).await.unwrap().data.code, "KSPA");

    // Keeping its own code is fine; the audit lists only the changed fields.
    let mut d = coop_data("KSPB", "Koperasi Baru Makmur");
    d.phone = Some("0341-999999".to_string());
    s.tenant(b).update_koperasi(&sys(), &d).await.unwrap();
    let k = s.koperasi(b).await.unwrap();
    assert_eq!(k.to_data().unwrap(), d);
    assert!(k.updated_at >= k.created_at);
    let log = audit(&s.tenant(b), Some("koperasi"), None).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, "update");
    assert_eq!(fields(&log[0]), BTreeSet::from(["name", "phone"]));
    assert_eq!(
        change(&log[0], "name").before.as_deref(),
        Some("Koperasi KSPB")
    );
});

// ---------------------------------------------------------------------------------------------
// Members

store_test!(member_numbers_count_per_coop_and_year, |s| {
    let a = new_coop(&s, "KSPMJ").await;
    let t = s.tenant(a);

    // The first one goes through the core's validation, as a form would.
    let p1 = person("Siti Aminah", 1, date!(2024 - 02 - 01));
    let nik = p1.nik.as_str();
    let input = MemberInput {
        nik: format!(
            "{} {} {} {}",
            &nik[..4],
            &nik[4..8],
            &nik[8..12],
            &nik[12..]
        ),
        name: "Siti Aminah".into(),
        birth_place: "Malang".into(),
        birth_date: p1.birth_date.to_string(),
        address: "Jl. Soekarno-Hatta 9".into(),
        region_code: "3573051004".into(),
        phone: "0812 3456 7890".into(),
        occupation: "Petani".into(),
        joined_on: "01-02-2024".into(),
    };
    let v = validate_member(&input, date!(2026 - 11 - 27)).unwrap();
    assert_eq!(v.nik, p1.nik);
    let m1 = t.create_member(&sys(), &v).await.unwrap();
    assert_eq!(m1.member_no, "KSPMJ-2024-00001");

    let m2 = t
        .create_member(&sys(), &person("Budi", 2, date!(2024 - 11 - 30)))
        .await
        .unwrap();
    let m3 = t
        .create_member(&sys(), &person("Citra", 3, date!(2025 - 01 - 05)))
        .await
        .unwrap();
    let m4 = t
        .create_member(&sys(), &person("Dedi", 4, date!(2024 - 12 - 31)))
        .await
        .unwrap();
    let m5 = t
        .create_member(&sys(), &person("Eka", 5, date!(2025 - 03 - 01)))
        .await
        .unwrap();
    assert_eq!(m2.member_no, "KSPMJ-2024-00002");
    assert_eq!(m3.member_no, "KSPMJ-2025-00001");
    assert_eq!(m4.member_no, "KSPMJ-2024-00003");
    assert_eq!(m5.member_no, "KSPMJ-2025-00002");

    // What was stored is what was given.
    let got = t.member(m1.id).await.unwrap();
    assert_eq!(got.id, m1.id);
    assert_eq!(got.member_no, "KSPMJ-2024-00001");
    assert_eq!(got.kind, MemberKind::Person);
    assert_eq!(got.member_koperasi_id, None);
    assert_eq!(got.nik.as_deref(), Some(v.nik.as_str()));
    assert_eq!(got.name, v.name);
    assert_eq!(got.gender, Some(v.gender));
    assert_eq!(got.birth_place.as_deref(), Some("Malang"));
    assert_eq!(got.birth_date, Some(v.birth_date));
    assert_eq!(got.address, v.address);
    assert_eq!(got.region_code, "35.73.05.1004");
    assert_eq!(got.phone.as_deref(), Some("+6281234567890"));
    assert_eq!(got.occupation, "Petani");
    assert_eq!(got.joined_on, date!(2024 - 02 - 01));
    assert_eq!(got.status, MemberStatus::Aktif);
    assert_eq!(got.status_on, None);
    assert_eq!(got.status_reason, None);
    assert_eq!(got.user_id, None);
    assert_eq!(got.created_at, m1.created_at);

    // Another coop has its own counters.
    let b = new_coop(&s, "KSPB").await;
    let b1 = s
        .tenant(b)
        .create_member(&sys(), &person("Fajar", 6, date!(2024 - 06 - 01)))
        .await
        .unwrap();
    assert_eq!(b1.member_no, "KSPB-2024-00001");

    // A format without a year keeps one counter across years.
    let c = s
        .create_koperasi(
            &sys(),
            &coop_data("KSPC", "Koperasi C"),
            &Bylaws {
                member_number_format: MemberNumberFormat::parse("{kode}.{seq:03}").unwrap(),
                ..Bylaws::default()
            },
            2020,
        )
        .await
        .unwrap();
    let tc = s.tenant(c);
    let c1 = tc
        .create_member(&sys(), &person("Gita", 7, date!(2024 - 06 - 01)))
        .await
        .unwrap();
    let c2 = tc
        .create_member(&sys(), &person("Hadi", 8, date!(2025 - 06 - 01)))
        .await
        .unwrap();
    assert_eq!(c1.member_no, "KSPC.001");
    assert_eq!(c2.member_no, "KSPC.002");

    // The creation is audited with the number handed out.
    let log = audit(&t, Some("member"), Some(m1.id.to_string())).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "create");
    assert_eq!(
        change(&log[0], "member_no").after.as_deref(),
        Some("KSPMJ-2024-00001")
    );
});

store_test!(duplicate_nik_is_refused_within_a_coop_only, |s| {
    let a = new_coop(&s, "KSPA").await;
    let b = new_coop(&s, "KSPB").await;
    let (ta, tb) = (s.tenant(a), s.tenant(b));
    let first = ta
        .create_member(&sys(), &person("Budi Santoso", 7, date!(2024 - 05 - 01)))
        .await
        .unwrap();
    assert_eq!(first.member_no, "KSPA-2024-00001");

    let mut dup = person("Budi S.", 7, date!(2024 - 05 - 02));
    dup.address = "Alamat lain".into();
    let nik = dup.nik.as_str().to_string();
    let m = conflict(ta.create_member(&sys(), &dup).await);
    for text in [&m.id, &m.en] {
        assert!(text.contains("Budi Santoso"), "names the member: {text}");
        assert!(text.contains("KSPA-2024-00001"), "gives the number: {text}");
        assert!(
            text.contains(&dup.nik.masked()),
            "shows the masked NIK: {text}"
        );
        assert!(!text.contains(&nik), "never the whole NIK: {text}");
    }
    assert_eq!(all_members(&ta).await.len(), 1);

    // The refusal used no member number.
    let second = ta
        .create_member(&sys(), &person("Ani Wijaya", 8, date!(2024 - 06 - 01)))
        .await
        .unwrap();
    assert_eq!(second.member_no, "KSPA-2024-00002");

    // The same person may join another coop.
    let in_b = tb.create_member(&sys(), &dup).await.unwrap();
    assert_eq!(in_b.member_no, "KSPB-2024-00001");
    assert_eq!(in_b.nik.as_deref(), Some(nik.as_str()));
    assert_eq!(in_b.name, "Budi S.");
    assert_eq!(ta.member(first.id).await.unwrap().name, "Budi Santoso");

    // Changing a member's NIK to another member's is refused the same way.
    let mut clash = person("Ani Wijaya", 8, date!(2024 - 06 - 01));
    clash.nik = first.nik.as_deref().map(Nik::parse).unwrap().unwrap();
    let m = conflict(ta.update_member(&sys(), second.id, &clash).await);
    assert!(m.en.contains("Budi Santoso"), "{m}");
    assert_eq!(ta.member(second.id).await.unwrap().nik, second.nik);
});

store_test!(
    update_member_audits_only_changed_fields_and_masks_niks,
    |s| {
        let t = s.tenant(new_coop(&s, "KSPU").await);
        let u = s
            .create_user(
                &sys(),
                "pengurus@kspu.id",
                "Pak Harjo",
                "$argon2id$x",
                false,
            )
            .await
            .unwrap();
        let who = actor(u, "Pak Harjo");
        let birth = date!(1984 - 03 - 12);
        let before = person_with(
            "Siti Aminah",
            11,
            birth,
            Gender::Female,
            date!(2024 - 01 - 10),
        );
        let m = t.create_member(&who, &before).await.unwrap();

        // Correct the NIK's serial, the name and the phone; everything else stays.
        let mut after = person_with(
            "Siti Aminah Rahayu",
            23,
            birth,
            Gender::Female,
            date!(2024 - 01 - 10),
        );
        after.phone = Some(Phone::parse("0857-1111-2222").unwrap());
        assert_ne!(before.nik.masked(), after.nik.masked());
        let updated = t.update_member(&who, m.id, &after).await.unwrap();
        assert_eq!(updated.member_no, m.member_no, "the number never changes");
        assert_eq!(updated.name, "Siti Aminah Rahayu");
        assert_eq!(updated.nik.as_deref(), Some(after.nik.as_str()));
        assert_eq!(updated.phone.as_deref(), Some("+6285711112222"));
        assert_eq!(updated.birth_date, Some(birth));
        assert_eq!(updated.created_at, m.created_at);
        assert!(updated.updated_at >= m.updated_at);

        let log = audit(&t, Some("member"), Some(m.id.to_string())).await;
        assert_eq!(log.len(), 2);
        let (upd, created) = (&log[0], &log[1]);
        assert_eq!(upd.action, "update");
        assert_eq!(created.action, "create");
        assert_eq!(upd.user_id, Some(u));
        assert_eq!(upd.actor, "Pak Harjo");
        assert_eq!(fields(upd), BTreeSet::from(["nik", "name", "phone"]));
        let nik = change(upd, "nik");
        assert_eq!(nik.before, Some(before.nik.masked()));
        assert_eq!(nik.after, Some(after.nik.masked()));
        let name = change(upd, "name");
        assert_eq!(name.before.as_deref(), Some("Siti Aminah"));
        assert_eq!(name.after.as_deref(), Some("Siti Aminah Rahayu"));
        let phone = change(upd, "phone");
        assert_eq!(phone.before.as_deref(), Some("+6281234567890"));
        assert_eq!(phone.after.as_deref(), Some("+6285711112222"));
        assert_eq!(change(created, "nik").after, Some(before.nik.masked()));

        // No whole NIK anywhere in the log.
        for json in raw_audit_json(&s).await {
            assert!(!json.contains(before.nik.as_str()), "{json}");
            assert!(!json.contains(after.nik.as_str()), "{json}");
        }

        // The search follows the new name.
        assert_eq!(search(&t, "rahayu").await, vec!["Siti Aminah Rahayu"]);
        assert_eq!(search(&t, "siti rah").await, vec!["Siti Aminah Rahayu"]);
        assert_eq!(
            search(&t, after.nik.as_str()).await,
            vec!["Siti Aminah Rahayu"]
        );
        assert!(search(&t, before.nik.as_str()).await.is_empty());

        // Saving without a change writes no audit record.
        t.update_member(&who, m.id, &after).await.unwrap();
        assert_eq!(
            audit(&t, Some("member"), Some(m.id.to_string()))
                .await
                .len(),
            2
        );

        // An unknown member.
        assert_not_found(t.update_member(&who, MemberId::new(), &after).await);
    }
);

store_test!(nik_correction_keeping_the_masked_form_is_audited, |s| {
    let t = s.tenant(new_coop(&s, "KSPN").await);
    let birth = date!(1985 - 03 - 04);
    let before = person_with("Dewi", 101, birth, Gender::Female, date!(2024 - 01 - 10));
    let m = t.create_member(&sys(), &before).await.unwrap();
    // Serial 0101 → 0201: a different NIK whose masked form (first 6 + last 2) is the same.
    let after = person_with("Dewi", 201, birth, Gender::Female, date!(2024 - 01 - 10));
    assert_ne!(before.nik, after.nik);
    assert_eq!(before.nik.masked(), after.nik.masked());
    let updated = t.update_member(&sys(), m.id, &after).await.unwrap();
    assert_eq!(updated.nik.as_deref(), Some(after.nik.as_str()));
    let log = audit(&t, Some("member"), Some(m.id.to_string())).await;
    assert_eq!(
        log.len(),
        2,
        "the NIK change must be in the audit log: {log:?}"
    );
    assert_eq!(fields(&log[0]), BTreeSet::from(["nik"]));
});

store_test!(
    member_numbers_follow_the_bylaws_in_force_when_joining,
    |s| {
        let t = s.tenant(new_coop(&s, "KSPF").await);
        // A format decided now for 2030 on must not renumber members joining before then.
        t.set_bylaws(
            &sys(),
            2030,
            &Bylaws {
                member_number_format: MemberNumberFormat::parse("{kode}/{yy}/{seq:04}").unwrap(),
                ..Bylaws::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            t.bylaws(2025).await.unwrap().1.member_number_format,
            MemberNumberFormat::default()
        );
        let m = t
            .create_member(&sys(), &person("Fikri", 12, date!(2025 - 01 - 02)))
            .await
            .unwrap();
        assert_eq!(m.member_no, "KSPF-2025-00001");
    }
);

store_test!(set_statuses_by_nik_changes_many_at_once, |s| {
    let t = s.tenant(new_coop(&s, "KSPN").await);
    let a = t
        .create_member(&sys(), &person("Gatot", 13, date!(2024 - 01 - 01)))
        .await
        .unwrap();
    let b = t
        .create_member(&sys(), &person("Hesti", 14, date!(2024 - 01 - 02)))
        .await
        .unwrap();
    let unknown = person("Tidak Ada", 15, date!(2024 - 01 - 03));
    let n = t
        .set_statuses_by_nik(
            &sys(),
            &[
                (
                    a.nik.clone().unwrap(),
                    MemberStatus::Berhenti,
                    date!(2025 - 01 - 31),
                    Some("Mengundurkan diri".into()),
                ),
                (
                    b.nik.clone().unwrap(),
                    MemberStatus::Meninggal,
                    date!(2025 - 02 - 01),
                    None,
                ),
                (
                    unknown.nik.as_str().to_string(),
                    MemberStatus::Berhenti,
                    date!(2025 - 02 - 01),
                    None,
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let a2 = t.member(a.id).await.unwrap();
    assert_eq!(a2.status, MemberStatus::Berhenti);
    assert_eq!(a2.status_on, Some(date!(2025 - 01 - 31)));
    assert_eq!(a2.status_reason.as_deref(), Some("Mengundurkan diri"));
    assert_eq!(
        t.member(b.id).await.unwrap().status,
        MemberStatus::Meninggal
    );
    let st = t.member_stats(date!(2025 - 01 - 01)).await.unwrap();
    assert_eq!((st.active, st.stopped, st.deceased), (0, 1, 1));
    let log = audit(&t, Some("member"), Some(a.id.to_string())).await;
    assert_eq!(log[0].action, "update");
    assert_eq!(change(&log[0], "status").before.as_deref(), Some("aktif"));
    assert_eq!(change(&log[0], "status").after.as_deref(), Some("berhenti"));
});

store_test!(set_statuses_by_nik_audits_the_real_before_values, |s| {
    let t = s.tenant(new_coop(&s, "KSPN").await);
    let a = t
        .create_member(&sys(), &person("Gatot", 13, date!(2024 - 01 - 01)))
        .await
        .unwrap();
    t.set_member_status(
        &sys(),
        a.id,
        MemberStatus::Berhenti,
        Some(date!(2025 - 01 - 31)),
        Some("Pindah".into()),
    )
    .await
    .unwrap();
    t.set_statuses_by_nik(
        &sys(),
        &[(
            a.nik.clone().unwrap(),
            MemberStatus::Meninggal,
            date!(2025 - 03 - 01),
            None,
        )],
    )
    .await
    .unwrap();
    let log = audit(&t, Some("member"), Some(a.id.to_string())).await;
    assert_eq!(
        change(&log[0], "status").before.as_deref(),
        Some("berhenti")
    );
    assert_eq!(
        change(&log[0], "status_on").before.as_deref(),
        Some("2025-01-31")
    );
    assert_eq!(
        change(&log[0], "status_reason").before.as_deref(),
        Some("Pindah")
    );
});

store_test!(member_status_changes_and_stats, |s| {
    let t = s.tenant(new_coop(&s, "KSPS").await);
    let a = t
        .create_member(&sys(), &person("Agus", 1, date!(2025 - 01 - 15)))
        .await
        .unwrap();
    let b = t
        .create_member(&sys(), &person("Bayu", 2, date!(2025 - 06 - 02)))
        .await
        .unwrap();
    let _c = t
        .create_member(&sys(), &person("Candra", 3, date!(2025 - 06 - 20)))
        .await
        .unwrap();
    let d = t
        .create_member(&sys(), &person("Dian", 4, date!(2024 - 03 - 01)))
        .await
        .unwrap();
    let _e = t
        .create_member(&sys(), &person("Evi", 5, date!(2025 - 05 - 31)))
        .await
        .unwrap();

    let stopped = t
        .set_member_status(
            &sys(),
            b.id,
            MemberStatus::Berhenti,
            Some(date!(2025 - 07 - 01)),
            Some("Pindah domisili".into()),
        )
        .await
        .unwrap();
    assert_eq!(stopped.status, MemberStatus::Berhenti);
    assert_eq!(stopped.status_on, Some(date!(2025 - 07 - 01)));
    assert_eq!(stopped.status_reason.as_deref(), Some("Pindah domisili"));
    let died = t
        .set_member_status(
            &sys(),
            d.id,
            MemberStatus::Meninggal,
            Some(date!(2025 - 02 - 10)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(died.status, MemberStatus::Meninggal);
    assert_eq!(
        t.member(d.id).await.unwrap().status,
        MemberStatus::Meninggal
    );

    let st = t.member_stats(date!(2025 - 06 - 01)).await.unwrap();
    assert_eq!(
        (st.active, st.stopped, st.deceased, st.joined_this_month),
        (3, 1, 1, 2)
    );
    let st = t.member_stats(date!(2025 - 01 - 01)).await.unwrap();
    assert_eq!(st.joined_this_month, 4);
    assert_eq!(
        s.list_koperasi(None).await.unwrap()[0].active_members,
        3,
        "the registry counts active members"
    );

    // Reactivation clears the date and reason.
    let back = t
        .set_member_status(
            &sys(),
            b.id,
            MemberStatus::Aktif,
            Some(date!(2025 - 08 - 01)),
            Some("ignored".into()),
        )
        .await
        .unwrap();
    assert_eq!(back.status, MemberStatus::Aktif);
    assert_eq!(back.status_on, None);
    assert_eq!(back.status_reason, None);
    let st = t.member_stats(date!(2025 - 06 - 01)).await.unwrap();
    assert_eq!((st.active, st.stopped, st.deceased), (4, 0, 1));

    // Each change is audited with before and after.
    let log = audit(&t, Some("member"), Some(b.id.to_string())).await;
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["update", "update", "create"]
    );
    let leave = &log[1];
    assert_eq!(
        fields(leave),
        BTreeSet::from(["status", "status_on", "status_reason"])
    );
    assert_eq!(change(leave, "status").before.as_deref(), Some("aktif"));
    assert_eq!(change(leave, "status").after.as_deref(), Some("berhenti"));
    assert_eq!(
        change(leave, "status_on").after.as_deref(),
        Some("2025-07-01")
    );
    assert_eq!(change(&log[0], "status").after.as_deref(), Some("aktif"));
    assert_eq!(change(&log[0], "status_reason").after, None);

    assert_not_found(
        t.set_member_status(&sys(), MemberId::new(), MemberStatus::Berhenti, None, None)
            .await,
    );
    let _ = a;

    // An empty coop counts nothing.
    let empty = s.tenant(new_coop(&s, "KSPE").await);
    let st = empty.member_stats(date!(2025 - 06 - 01)).await.unwrap();
    assert_eq!(
        (st.active, st.stopped, st.deceased, st.joined_this_month),
        (0, 0, 0, 0)
    );
});

store_test!(search_members_by_name_number_and_nik, |s| {
    let t = s.tenant(new_coop(&s, "KSPMLG").await);
    let people = [
        ("Siti Aminah", 1, date!(2024 - 01 - 05)),
        ("Siti Rahayu", 2, date!(2024 - 02 - 10)),
        ("Budi Santoso", 3, date!(2024 - 03 - 15)),
        ("Ahmad Budiman", 4, date!(2025 - 01 - 20)),
        ("Dewi Lestari Siti", 5, date!(2025 - 02 - 11)),
        ("Eko Prasetyo", 6, date!(2025 - 03 - 01)),
    ];
    let mut ms = Vec::new();
    for (name, serial, joined) in people {
        ms.push(
            t.create_member(&sys(), &person(name, serial, joined))
                .await
                .unwrap(),
        );
    }
    let budi = &ms[2];

    // Names: word prefixes, case-insensitive, every word required, in name order.
    assert_eq!(
        search(&t, "siti").await,
        vec!["Dewi Lestari Siti", "Siti Aminah", "Siti Rahayu"]
    );
    assert_eq!(
        search(&t, "SITI").await,
        vec!["Dewi Lestari Siti", "Siti Aminah", "Siti Rahayu"]
    );
    assert_eq!(search(&t, "sit am").await, vec!["Siti Aminah"]);
    assert_eq!(search(&t, "siti dewi").await, vec!["Dewi Lestari Siti"]);
    assert_eq!(
        search(&t, "bud").await,
        vec!["Ahmad Budiman", "Budi Santoso"]
    );
    assert_eq!(search(&t, "santoso  BUDI").await, vec!["Budi Santoso"]);
    assert!(search(&t, "budi xyz").await.is_empty());
    assert!(search(&t, "iti").await.is_empty(), "prefixes, not infixes");
    assert!(search(&t, "!!!").await.is_empty());
    assert_eq!(search(&t, "   ").await.len(), 6, "blank lists everyone");

    // Member numbers: prefix, in number order, case-insensitive.
    assert_eq!(
        search(&t, "KSPMLG-2025").await,
        vec!["Ahmad Budiman", "Dewi Lestari Siti", "Eko Prasetyo"]
    );
    assert_eq!(
        search(&t, "kspmlg-2024-0000").await,
        vec!["Siti Aminah", "Siti Rahayu", "Budi Santoso"]
    );
    assert_eq!(search(&t, "KSPMLG-2024-00002").await, vec!["Siti Rahayu"]);
    assert!(search(&t, "KSPMLG-2026").await.is_empty());

    // A whole NIK matches exactly (typed with spaces or dots too); a partial one never.
    let nik = budi.nik.clone().unwrap();
    assert_eq!(search(&t, &nik).await, vec!["Budi Santoso"]);
    let spaced = format!(
        "{} {}.{}-{}",
        &nik[..4],
        &nik[4..8],
        &nik[8..12],
        &nik[12..]
    );
    assert_eq!(search(&t, &spaced).await, vec!["Budi Santoso"]);
    assert!(search(&t, &nik[..12]).await.is_empty());
    assert!(search(&t, &nik[..15]).await.is_empty());
    assert!(search(&t, &nik[4..]).await.is_empty());
    let stranger = person("Orang Lain", 99, date!(2024 - 01 - 01));
    assert!(search(&t, stranger.nik.as_str()).await.is_empty());

    // Status and kind filters.
    t.set_member_status(
        &sys(),
        ms[5].id,
        MemberStatus::Berhenti,
        Some(date!(2025 - 09 - 01)),
        None,
    )
    .await
    .unwrap();
    let with = |q: &str, status: Option<MemberStatus>, kind: Option<MemberKind>| MemberQuery {
        q: q.to_string(),
        status,
        kind,
        limit: 50,
        offset: 0,
    };
    let names = |p: guyub_store::member::MemberPage| {
        p.members.into_iter().map(|m| m.name).collect::<Vec<_>>()
    };
    let active = t
        .search_members(&with("", Some(MemberStatus::Aktif), None))
        .await
        .unwrap();
    assert_eq!(active.members.len(), 5);
    assert!(
        active
            .members
            .iter()
            .all(|m| m.status == MemberStatus::Aktif)
    );
    assert_eq!(
        names(
            t.search_members(&with("", Some(MemberStatus::Berhenti), None))
                .await
                .unwrap()
        ),
        vec!["Eko Prasetyo"]
    );
    assert!(
        t.search_members(&with("eko", Some(MemberStatus::Aktif), None))
            .await
            .unwrap()
            .members
            .is_empty()
    );
    assert_eq!(
        names(
            t.search_members(&with("eko", Some(MemberStatus::Berhenti), None))
                .await
                .unwrap()
        ),
        vec!["Eko Prasetyo"]
    );
    assert!(
        t.search_members(&with(&nik, Some(MemberStatus::Meninggal), None))
            .await
            .unwrap()
            .members
            .is_empty()
    );
    assert_eq!(
        t.search_members(&with("", None, Some(MemberKind::Person)))
            .await
            .unwrap()
            .members
            .len(),
        6
    );
    assert!(
        t.search_members(&with("", None, Some(MemberKind::Coop)))
            .await
            .unwrap()
            .members
            .is_empty()
    );

    // Paging.
    let page = |q: &str, limit: u32, offset: u32| MemberQuery {
        q: q.to_string(),
        limit,
        offset,
        ..Default::default()
    };
    let p1 = t.search_members(&page("", 4, 0)).await.unwrap();
    let p2 = t.search_members(&page("", 4, 4)).await.unwrap();
    assert_eq!((p1.members.len(), p1.has_more), (4, true));
    assert_eq!((p2.members.len(), p2.has_more), (2, false));
    let joined: Vec<String> = p1
        .members
        .iter()
        .chain(&p2.members)
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(joined, search(&t, "").await);
    assert_eq!(
        joined,
        vec![
            "Ahmad Budiman",
            "Budi Santoso",
            "Dewi Lestari Siti",
            "Eko Prasetyo",
            "Siti Aminah",
            "Siti Rahayu"
        ]
    );
    let exact = t.search_members(&page("", 3, 3)).await.unwrap();
    assert_eq!((exact.members.len(), exact.has_more), (3, false));
    let s1 = t.search_members(&page("siti", 2, 0)).await.unwrap();
    let s2 = t.search_members(&page("siti", 2, 2)).await.unwrap();
    assert_eq!((s1.members.len(), s1.has_more), (2, true));
    assert_eq!(names(s2.clone()), vec!["Siti Rahayu"]);
    assert!(!s2.has_more);
    let n1 = t.search_members(&page("KSPMLG-20", 5, 0)).await.unwrap();
    assert_eq!((n1.members.len(), n1.has_more), (5, true));
    assert_eq!(n1.members[0].member_no, "KSPMLG-2024-00001");
    let beyond = t.search_members(&page("", 10, 100)).await.unwrap();
    assert!(beyond.members.is_empty() && !beyond.has_more);
});

store_test!(tenant_handle_never_reaches_another_coop, |s| {
    let a = new_coop(&s, "KSPA").await;
    let b = new_coop(&s, "KSPB").await;
    let (ta, tb) = (s.tenant(a), s.tenant(b));
    let ma = ta
        .create_member(&sys(), &person("Rina Wati", 31, date!(2024 - 04 - 04)))
        .await
        .unwrap();
    let mb = tb
        .create_member(&sys(), &person("Joko Susilo", 32, date!(2024 - 04 - 05)))
        .await
        .unwrap();
    let nik_a = ma.nik.clone().unwrap();
    let nik_b = mb.nik.clone().unwrap();

    assert_not_found(tb.member(ma.id).await);
    assert_not_found(ta.member(mb.id).await);
    assert_eq!(tb.member(mb.id).await.unwrap().name, "Joko Susilo");

    assert_eq!(search(&tb, "").await, vec!["Joko Susilo"]);
    assert!(search(&tb, "rina").await.is_empty());
    assert!(search(&tb, &nik_a).await.is_empty());
    assert!(search(&tb, &ma.member_no).await.is_empty());
    assert!(search(&tb, "KSPA").await.is_empty());
    assert_eq!(search(&ta, "").await, vec!["Rina Wati"]);

    let both = vec![nik_a.clone(), nik_b.clone()];
    let seen_b = tb.existing_niks(&both).await.unwrap();
    assert_eq!(seen_b.len(), 1);
    assert_eq!(
        seen_b.get(&nik_b),
        Some(&(mb.member_no.clone(), "Joko Susilo".to_string()))
    );
    let seen_a = ta.existing_niks(&both).await.unwrap();
    assert_eq!(seen_a.keys().collect::<Vec<_>>(), vec![&nik_a]);
    assert!(tb.existing_niks(&[]).await.unwrap().is_empty());

    // Writes through the wrong handle find nothing and change nothing.
    let renamed = person("Rina Diganti", 31, date!(2024 - 04 - 04));
    assert_not_found(tb.update_member(&sys(), ma.id, &renamed).await);
    assert_not_found(
        tb.set_member_status(&sys(), ma.id, MemberStatus::Berhenti, None, None)
            .await,
    );
    let still = ta.member(ma.id).await.unwrap();
    assert_eq!(still.name, "Rina Wati");
    assert_eq!(still.status, MemberStatus::Aktif);

    let st = tb.member_stats(date!(2024 - 01 - 01)).await.unwrap();
    assert_eq!((st.active, st.joined_this_month), (1, 1));
    assert!(
        audit(&tb, None, None)
            .await
            .iter()
            .all(|e| e.entity_id != ma.id.to_string() && e.entity_id != a.to_string())
    );

    // Imports too.
    let u = s
        .create_user(&sys(), "p@kspa.id", "P", "$h", false)
        .await
        .unwrap();
    let imp = ta.save_import(u, "a.xlsx", "[]", 1, 0).await.unwrap();
    assert_not_found(tb.import(imp).await);
    assert!(tb.imports(10).await.unwrap().is_empty());
    let _ = conflict(
        tb.commit_import(&sys(), imp, &[person("Sela", 33, date!(2024 - 05 - 01))])
            .await,
    );
    assert_eq!(ta.import(imp).await.unwrap().status, "preview");
    assert!(search(&tb, "sela").await.is_empty());
});

store_test!(create_members_batch_is_all_or_nothing, |s| {
    let t = s.tenant(new_coop(&s, "KSPI").await);
    let existing = t
        .create_member(&sys(), &person("Sri Wahyuni", 41, date!(2024 - 01 - 02)))
        .await
        .unwrap();
    let mut again = person("Sri W.", 41, date!(2024 - 02 - 02));
    again.address = "Jl. Lain".into();
    let batch = vec![
        person("Agus Salim", 42, date!(2024 - 02 - 01)),
        again,
        person("Bambang", 43, date!(2024 - 02 - 03)),
    ];
    let m = conflict(t.create_members_batch(&sys(), &batch, true).await);
    assert!(m.en.contains("Sri Wahyuni"), "{m}");
    assert!(m.en.contains(&existing.member_no), "{m}");
    assert_eq!(all_members(&t).await.len(), 1);
    let niks: Vec<String> = batch.iter().map(|m| m.nik.as_str().to_string()).collect();
    assert_eq!(t.existing_niks(&niks).await.unwrap().len(), 1);
    assert!(search(&t, "agus").await.is_empty());
    assert_eq!(audit(&t, Some("member"), None).await.len(), 1);

    // The same NIK twice in one batch: refused, nobody registered.
    let twice = vec![
        person("Cahyo", 44, date!(2024 - 02 - 04)),
        person("Cahyo Kembar", 44, date!(2024 - 02 - 04)),
    ];
    assert!(t.create_members_batch(&sys(), &twice, true).await.is_err());
    assert_eq!(all_members(&t).await.len(), 1);
    assert!(search(&t, "cahyo").await.is_empty());

    // A good batch registers everyone, numbered in order; refused batches used no numbers.
    let good = vec![
        person("Dodi", 45, date!(2024 - 03 - 01)),
        person("Endah", 46, date!(2025 - 01 - 01)),
        person("Fitri", 47, date!(2024 - 03 - 02)),
    ];
    assert_eq!(
        t.create_members_batch(&sys(), &good, true).await.unwrap(),
        3
    );
    let mut numbers: Vec<(String, String)> = all_members(&t)
        .await
        .into_iter()
        .map(|m| (m.name, m.member_no))
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        vec![
            ("Dodi".to_string(), "KSPI-2024-00002".to_string()),
            ("Endah".to_string(), "KSPI-2025-00001".to_string()),
            ("Fitri".to_string(), "KSPI-2024-00003".to_string()),
            ("Sri Wahyuni".to_string(), "KSPI-2024-00001".to_string()),
        ]
    );
    assert_eq!(search(&t, "endah").await, vec!["Endah"]);
    let log = audit(&t, Some("member"), None).await;
    assert_eq!(log.iter().filter(|e| e.action == "import").count(), 3);

    // Without per-member audit records.
    let quiet = vec![
        person("Gilang", 48, date!(2025 - 02 - 01)),
        person("Hana", 49, date!(2025 - 02 - 02)),
    ];
    assert_eq!(
        t.create_members_batch(&sys(), &quiet, false).await.unwrap(),
        2
    );
    assert_eq!(all_members(&t).await.len(), 6);
    assert_eq!(audit(&t, Some("member"), None).await.len(), 4);
    assert!(t.create_members_batch(&sys(), &[], false).await.is_ok());
});

store_test!(commit_import_twice_registers_nobody_twice, |s| {
    let t = s.tenant(new_coop(&s, "KSPIM").await);
    let u = s
        .create_user(&sys(), "pengurus@kspim.id", "Bu Ratna", "$h", false)
        .await
        .unwrap();
    let who = actor(u, "Bu Ratna");
    let rows = vec![
        person("Imam", 51, date!(2024 - 07 - 01)),
        person("Juwita", 52, date!(2024 - 07 - 01)),
    ];
    let json = r#"[{"nik":"x","name":"Imam"},{"nik":"y","name":"Juwita"}]"#;
    let imp = t.save_import(u, "anggota.xlsx", json, 2, 0).await.unwrap();
    let rec = t.import(imp).await.unwrap();
    assert_eq!(rec.id, imp);
    assert_eq!(rec.created_by, u);
    assert_eq!(rec.file_name, "anggota.xlsx");
    assert_eq!(rec.status, "preview");
    assert_eq!((rec.row_count, rec.problem_count), (2, 0));
    assert_eq!(rec.rows_json, json);
    assert_eq!(rec.committed_at, None);
    let listed = t.imports(10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, imp);
    assert_eq!(listed[0].rows_json, "", "the list leaves the rows out");

    assert_eq!(t.commit_import(&who, imp, &rows).await.unwrap(), 2);
    let rec = t.import(imp).await.unwrap();
    assert_eq!(rec.status, "committed");
    assert!(rec.committed_at.is_some());
    assert_eq!(
        all_members(&t)
            .await
            .iter()
            .map(|m| m.member_no.as_str())
            .collect::<Vec<_>>(),
        vec!["KSPIM-2024-00001", "KSPIM-2024-00002"]
    );

    // A second commit (double click, replay) is refused and writes nothing.
    let m = conflict(t.commit_import(&who, imp, &rows).await);
    assert!(m.en.contains("already committed"), "{m}");
    let _ = conflict(
        t.commit_import(&who, imp, &[person("Kurnia", 53, date!(2024 - 07 - 01))])
            .await,
    );
    assert_eq!(all_members(&t).await.len(), 2);
    assert!(search(&t, "kurnia").await.is_empty());
    let log = audit(&t, Some("member_import"), Some(imp.to_string())).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "import");
    assert_eq!(log[0].user_id, Some(u));
    assert_eq!(change(&log[0], "members").after.as_deref(), Some("2"));

    // An import that still has problems cannot be committed.
    let bad = t.save_import(u, "rusak.csv", "[]", 3, 1).await.unwrap();
    let _ = conflict(
        t.commit_import(&who, bad, &[person("Lina", 54, date!(2024 - 07 - 01))])
            .await,
    );
    assert_eq!(t.import(bad).await.unwrap().status, "preview");
    assert!(search(&t, "lina").await.is_empty());

    // A member registered between preview and commit makes the whole commit fail; the import
    // stays open, so it can be committed once the file is fixed.
    let late = t.save_import(u, "susulan.csv", "[]", 2, 0).await.unwrap();
    t.create_member(&who, &person("Mega", 55, date!(2024 - 08 - 01)))
        .await
        .unwrap();
    let m = conflict(
        t.commit_import(
            &who,
            late,
            &[
                person("Nanda", 56, date!(2024 - 08 - 01)),
                person("Mega Dua", 55, date!(2024 - 08 - 01)),
            ],
        )
        .await,
    );
    assert!(m.en.contains("Mega"), "{m}");
    assert_eq!(t.import(late).await.unwrap().status, "preview");
    assert!(search(&t, "nanda").await.is_empty());
    assert_eq!(
        t.commit_import(&who, late, &[person("Nanda", 56, date!(2024 - 08 - 01))])
            .await
            .unwrap(),
        1
    );
    assert_eq!(all_members(&t).await.len(), 4);
    assert_not_found(t.import(guyub_core::ids::ImportId::new()).await);
});

store_test!(
    sqlite: []
    postgres: []
    concurrent_duplicate_nik_is_a_conflict,
    |s| {
        let t = s.tenant(new_coop(&s, "KSPR").await);
        for serial in 60..70u16 {
            let one = person("Kembar Satu", serial, date!(2024 - 09 - 01));
            let two = person("Kembar Dua", serial, date!(2024 - 09 - 01));
            let who = sys();
            let (r1, r2) = tokio::join!(t.create_member(&who, &one), t.create_member(&who, &two));
            let (ok, err) = match (r1, r2) {
                (Ok(m), Err(e)) | (Err(e), Ok(m)) => (m, e),
                other => panic!("exactly one of two same-NIK registrations must win: {other:?}"),
            };
            assert_eq!(ok.nik.as_deref(), Some(one.nik.as_str()));
            match err {
                StoreError::Conflict(_) => {}
                other => panic!("the loser must get a Conflict, got {other:?}"),
            }
        }
        assert_eq!(all_members(&t).await.len(), 10);
    }
);

store_test!(secondary_coop_registers_member_coops, |s| {
    let sec = s
        .create_koperasi(
            &sys(),
            &CoopData {
                tier: CoopTier::Secondary,
                ..coop_data("PKPRI", "Pusat Koperasi")
            },
            &Bylaws::default(),
            2020,
        )
        .await
        .unwrap();
    let primary = new_coop(&s, "KSPP").await;
    let t = s.tenant(sec);
    let mc = MemberCoop {
        koperasi_id: primary,
        name: "Koperasi KSPP".into(),
        address: "Jl. Ijen 2".into(),
        region_code: "35.73.05.1004".into(),
        joined_on: date!(2024 - 10 - 01),
    };
    let m = t.add_member_coop(&sys(), &mc).await.unwrap();
    assert_eq!(m.kind, MemberKind::Coop);
    assert_eq!(m.member_koperasi_id, Some(primary));
    assert_eq!(m.nik, None);
    assert_eq!(m.member_no, "PKPRI-2024-00001");
    let m2 = conflict(t.add_member_coop(&sys(), &mc).await);
    assert!(m2.en.contains("PKPRI-2024-00001"), "{m2}");
    let coops = t
        .search_members(&MemberQuery {
            kind: Some(MemberKind::Coop),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(coops.members.len(), 1);
    assert_eq!(search(&t, "kspp").await, vec!["Koperasi KSPP"]);
});

// ---------------------------------------------------------------------------------------------
// Identity

store_test!(the_users_page_reads_each_users_grants, |s| {
    // Users are listed by e-mail, a page at a time, each with exactly their own grants in the
    // order of `grants_of` (one query for the whole page).
    let a = new_coop(&s, "KSPA").await;
    let b = new_coop(&s, "KSPB").await;
    let mut ids = vec![];
    for (email, name) in [
        ("ani@kop.id", "Ani"),
        ("budi@kop.id", "Budi Santoso"),
        ("cici@kop.id", "Cici"),
        ("dodi@kop.id", "Dodi Santoso"),
    ] {
        ids.push(
            s.create_user(&sys(), email, name, "$h", false)
                .await
                .unwrap(),
        );
    }
    let grant = |role: Role, k: Option<KoperasiId>, region: Option<&str>| NewGrant {
        role,
        koperasi_id: k,
        region_code: region.map(str::to_string),
        member_id: None,
    };
    // Ani: three roles; Budi: none; Cici: one; Dodi: dinas.
    for g in [
        grant(Role::Pengurus, Some(b), None),
        grant(Role::Kasir, Some(a), None),
        grant(Role::Admin, None, None),
    ] {
        s.grant_role(&sys(), ids[0], &g).await.unwrap();
    }
    s.grant_role(&sys(), ids[2], &grant(Role::Pengawas, Some(a), None))
        .await
        .unwrap();
    s.grant_role(&sys(), ids[3], &grant(Role::Dinas, None, Some("35.73")))
        .await
        .unwrap();
    s.set_user_disabled(&sys(), ids[2], true).await.unwrap();

    let (page1, more) = s.search_users("", 2, 0).await.unwrap();
    assert!(more);
    let (page2, more2) = s.search_users("", 2, 2).await.unwrap();
    assert!(!more2);
    let all: Vec<_> = page1.iter().chain(&page2).collect();
    assert_eq!(
        all.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["ani@kop.id", "budi@kop.id", "cici@kop.id", "dodi@kop.id"]
    );
    for u in &all {
        let own: Vec<_> = s
            .grants_of(u.id)
            .await
            .unwrap()
            .iter()
            .map(|g| (g.id, g.role, g.koperasi_name.clone(), g.region_code.clone()))
            .collect();
        let listed: Vec<_> = u
            .grants
            .iter()
            .map(|g| (g.id, g.role, g.koperasi_name.clone(), g.region_code.clone()))
            .collect();
        assert_eq!(listed, own, "{}", u.email);
        assert!(u.grants.iter().all(|g| g.user_id == u.id));
    }
    let roles = |u: &guyub_store::identity::UserSummary| -> Vec<Role> {
        u.grants.iter().map(|g| g.role).collect()
    };
    assert_eq!(roles(all[0]), [Role::Admin, Role::Kasir, Role::Pengurus]);
    assert!(all[1].grants.is_empty());
    assert_eq!(roles(all[2]), [Role::Pengawas]);
    assert!(all[2].disabled && !all[1].disabled);
    assert_eq!(all[3].grants[0].region_code.as_deref(), Some("35.73"));
    // A search by name, and a page past the end.
    let (found, more) = s.search_users("santoso", 10, 0).await.unwrap();
    assert!(!more);
    assert_eq!(
        found.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Budi Santoso", "Dodi Santoso"]
    );
    let (none, more) = s.search_users("", 10, 10).await.unwrap();
    assert!(none.is_empty() && !more);
    // Exactly a page: no next page.
    let (four, more) = s.search_users("", 4, 0).await.unwrap();
    assert_eq!((four.len(), more), (4, false));
    assert_eq!(s.list_users().await.unwrap().len(), 4);
});

store_test!(users_grants_and_revocation, |s| {
    let u = s
        .create_user(&sys(), "ani@kop.id", "Ani", "$argon2id$v=19$fake", true)
        .await
        .unwrap();
    let got = s.user(u).await.unwrap();
    assert_eq!(got.id, u);
    assert_eq!(got.email, "ani@kop.id");
    assert_eq!(got.name, "Ani");
    assert_eq!(got.password_hash, "$argon2id$v=19$fake");
    assert!(got.must_change_password);
    assert!(!got.disabled);
    assert_eq!(s.user_by_email("ani@kop.id").await.unwrap().unwrap().id, u);
    assert!(s.user_by_email("budi@kop.id").await.unwrap().is_none());
    assert_not_found(s.user(UserId::new()).await);

    let m = conflict(
        s.create_user(&sys(), "ani@kop.id", "Ani Lain", "$h", false)
            .await,
    );
    assert!(m.en.contains("ani@kop.id"), "{m}");
    let users = s.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "Ani");

    let a = new_coop(&s, "KSPA").await;
    let b = new_coop(&s, "KSPB").await;
    let coop_grant = |role: Role, k: KoperasiId| NewGrant {
        role,
        koperasi_id: Some(k),
        region_code: None,
        member_id: None,
    };
    let g_b = s
        .grant_role(&sys(), u, &coop_grant(Role::Pengurus, b))
        .await
        .unwrap();
    let g_a = s
        .grant_role(&sys(), u, &coop_grant(Role::Kasir, a))
        .await
        .unwrap();
    let g_a2 = s
        .grant_role(&sys(), u, &coop_grant(Role::Pengurus, a))
        .await
        .unwrap();
    let dinas = NewGrant {
        role: Role::Dinas,
        koperasi_id: None,
        region_code: Some("35.73".into()),
        member_id: None,
    };
    let g_d = s.grant_role(&sys(), u, &dinas).await.unwrap();
    let _ = conflict(
        s.grant_role(&sys(), u, &coop_grant(Role::Pengurus, b))
            .await,
    );
    let _ = conflict(s.grant_role(&sys(), u, &dinas).await);

    let grants = s.grants_of(u).await.unwrap();
    assert_eq!(grants.len(), 4);
    let coop_order: Vec<(Option<String>, Role)> = grants
        .iter()
        .filter(|g| g.koperasi_id.is_some())
        .map(|g| (g.koperasi_name.clone(), g.role))
        .collect();
    assert_eq!(
        coop_order,
        vec![
            (Some("Koperasi KSPA".to_string()), Role::Kasir),
            (Some("Koperasi KSPA".to_string()), Role::Pengurus),
            (Some("Koperasi KSPB".to_string()), Role::Pengurus),
        ]
    );
    let d = grants.iter().find(|g| g.id == g_d).unwrap();
    assert_eq!(
        (d.role, d.koperasi_id, d.region_code.as_deref()),
        (Role::Dinas, None, Some("35.73"))
    );
    assert_eq!(d.koperasi_name, None);
    let one = s.grant(g_b).await.unwrap();
    assert_eq!(
        (one.user_id, one.role, one.koperasi_id),
        (u, Role::Pengurus, Some(b))
    );
    assert_eq!(one.koperasi_name.as_deref(), Some("Koperasi KSPB"));

    let in_a = s.grants_in_koperasi(a).await.unwrap();
    assert_eq!(in_a.len(), 2);
    assert!(in_a.iter().all(|(g, email, name)| g.koperasi_id == Some(a)
        && email == "ani@kop.id"
        && name == "Ani"));
    assert_eq!(
        in_a.iter().map(|(g, _, _)| g.role).collect::<BTreeSet<_>>(),
        BTreeSet::from([Role::Kasir, Role::Pengurus])
    );
    assert_eq!(s.list_users().await.unwrap()[0].grants.len(), 4);

    // Revoking a grant drops it and clears it from sessions that had it active.
    s.create_session("sesi-ani", u, Some(g_a), "csrf", 4_000_000_000)
        .await
        .unwrap();
    assert_eq!(
        s.session("sesi-ani", 1_800_000_000)
            .await
            .unwrap()
            .unwrap()
            .active_grant,
        Some(g_a)
    );
    s.revoke_grant(&sys(), g_a).await.unwrap();
    let left: BTreeSet<_> = s.grants_of(u).await.unwrap().iter().map(|g| g.id).collect();
    assert_eq!(left, BTreeSet::from([g_b, g_a2, g_d]));
    assert_not_found(s.grant(g_a).await);
    assert_not_found(s.revoke_grant(&sys(), g_a).await);
    let sess = s.session("sesi-ani", 1_800_000_000).await.unwrap().unwrap();
    assert_eq!(sess.user_id, u);
    assert_eq!(sess.active_grant, None);
    assert_eq!(s.grants_in_koperasi(a).await.unwrap().len(), 1);

    // Grants in a coop are audited in that coop's log.
    let log = audit(&s.tenant(a), Some("role_grant"), Some(g_a.to_string())).await;
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["delete", "create"]
    );
    assert_eq!(change(&log[0], "role").before.as_deref(), Some("kasir"));
    assert_eq!(change(&log[0], "role").after, None);
    // Users are audited at platform level.
    let plat = audit(&s.tenant(platform()), Some("user"), Some(u.to_string())).await;
    assert_eq!(plat.len(), 1);
    assert_eq!(
        change(&plat[0], "email").after.as_deref(),
        Some("ani@kop.id")
    );
});

store_test!(sessions_resolve_until_they_expire_or_end, |s| {
    let u = s
        .create_user(&sys(), "budi@kop.id", "Budi", "$h", false)
        .await
        .unwrap();
    let now = 1_800_000_000_i64;
    s.create_session("rahasia-1", u, None, "csrf-1", now + 3600)
        .await
        .unwrap();
    let live = s.session("rahasia-1", now).await.unwrap().unwrap();
    assert_eq!(live.user_id, u);
    assert_eq!(live.active_grant, None);
    assert_eq!(live.csrf_token, "csrf-1");
    assert_eq!(live.expires_unix, now + 3600);
    assert!(s.session("rahasia-1", now + 3599).await.unwrap().is_some());
    assert!(
        s.session("rahasia-1", now + 3600).await.unwrap().is_none(),
        "expired"
    );
    assert!(s.session("rahasia-2", now).await.unwrap().is_none());

    // Only the secret's hash is stored.
    let (clear, hashed): (i64, i64) = guyub_store::on_db!(s.db(), p => sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN id_hash = $1 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN id_hash = $2 THEN 1 ELSE 0 END) AS BIGINT) FROM web_session")
        .bind("rahasia-1").bind(secret_hash("rahasia-1")).fetch_one(p).await)
    .unwrap();
    assert_eq!((clear, hashed), (0, 1));

    // Sliding expiry and switching the active role.
    s.touch_session("rahasia-1", now + 7200).await.unwrap();
    assert_eq!(
        s.session("rahasia-1", now + 5000)
            .await
            .unwrap()
            .unwrap()
            .expires_unix,
        now + 7200
    );
    let k = new_coop(&s, "KSPS").await;
    let g = s
        .grant_role(
            &sys(),
            u,
            &NewGrant {
                role: Role::Kasir,
                koperasi_id: Some(k),
                region_code: None,
                member_id: None,
            },
        )
        .await
        .unwrap();
    s.set_session_grant("rahasia-1", Some(g)).await.unwrap();
    assert_eq!(
        s.session("rahasia-1", now)
            .await
            .unwrap()
            .unwrap()
            .active_grant,
        Some(g)
    );

    // Signing out ends it.
    s.delete_session("rahasia-1").await.unwrap();
    assert!(s.session("rahasia-1", now).await.unwrap().is_none());

    // Purging removes expired sessions only.
    s.create_session("pendek", u, None, "c", now + 10)
        .await
        .unwrap();
    s.create_session("panjang", u, None, "c", now + 100)
        .await
        .unwrap();
    assert_eq!(s.purge_sessions(now + 50).await.unwrap(), 1);
    assert!(s.session("panjang", now + 60).await.unwrap().is_some());
    assert!(s.session("pendek", now).await.unwrap().is_none());
});

store_test!(set_password_signs_the_user_out_elsewhere, |s| {
    let u = s
        .create_user(&sys(), "citra@kop.id", "Citra", "$old", true)
        .await
        .unwrap();
    let v = s
        .create_user(&sys(), "dodi@kop.id", "Dodi", "$dodi", false)
        .await
        .unwrap();
    let now = 1_800_000_000_i64;
    for (secret, user) in [("u-here", u), ("u-phone", u), ("v-here", v)] {
        s.create_session(secret, user, None, "c", now + 3600)
            .await
            .unwrap();
    }
    s.set_password(&actor(u, "Citra"), u, "$new", false, Some("u-here"))
        .await
        .unwrap();
    assert!(s.session("u-here", now).await.unwrap().is_some(), "kept");
    assert!(
        s.session("u-phone", now).await.unwrap().is_none(),
        "signed out"
    );
    assert!(
        s.session("v-here", now).await.unwrap().is_some(),
        "other users untouched"
    );
    let got = s.user(u).await.unwrap();
    assert_eq!(got.password_hash, "$new");
    assert!(!got.must_change_password);

    // A reset by an admin keeps no session and forces a change.
    s.set_password(&sys(), u, "$reset", true, None)
        .await
        .unwrap();
    assert!(s.session("u-here", now).await.unwrap().is_none());
    assert!(s.session("v-here", now).await.unwrap().is_some());
    let got = s.user(u).await.unwrap();
    assert_eq!(got.password_hash, "$reset");
    assert!(got.must_change_password);
    assert_eq!(s.user(v).await.unwrap().password_hash, "$dodi");

    assert_not_found(
        s.set_password(&sys(), UserId::new(), "$x", false, None)
            .await,
    );

    // Audited, without the hashes.
    let log = audit(&s.tenant(platform()), Some("user"), Some(u.to_string())).await;
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["update", "update", "create"]
    );
    assert_eq!(fields(&log[0]), BTreeSet::from(["password"]));
    for json in raw_audit_json(&s).await {
        assert!(!json.contains("$new") && !json.contains("$reset") && !json.contains("$old"));
    }
});

store_test!(disabled_user_session_and_token_stop_resolving, |s| {
    let u = s
        .create_user(&sys(), "eka@kop.id", "Eka", "$h", false)
        .await
        .unwrap();
    let now = 1_800_000_000_i64;
    s.create_session("sesi-eka", u, None, "c", now + 3600)
        .await
        .unwrap();
    s.create_token(&sys(), u, "laptop", "gyb_eka_0123456789abcdef")
        .await
        .unwrap();
    assert!(s.session("sesi-eka", now).await.unwrap().is_some());
    assert_eq!(
        s.token_user("gyb_eka_0123456789abcdef")
            .await
            .unwrap()
            .map(|(u, _)| u.id),
        Some(u)
    );

    s.set_user_disabled(&sys(), u, true).await.unwrap();
    assert!(s.user(u).await.unwrap().disabled);
    assert!(s.session("sesi-eka", now).await.unwrap().is_none());
    assert_eq!(
        s.token_user("gyb_eka_0123456789abcdef")
            .await
            .unwrap()
            .map(|(u, _)| u.id),
        None
    );
    // A session made while disabled does not resolve either.
    s.create_session("sesi-baru", u, None, "c", now + 3600)
        .await
        .unwrap();
    assert!(s.session("sesi-baru", now).await.unwrap().is_none());

    // Enabling again revives the token; the ended session stays ended.
    s.set_user_disabled(&sys(), u, false).await.unwrap();
    assert!(!s.user(u).await.unwrap().disabled);
    assert_eq!(
        s.token_user("gyb_eka_0123456789abcdef")
            .await
            .unwrap()
            .map(|(u, _)| u.id),
        Some(u)
    );
    assert!(s.session("sesi-eka", now).await.unwrap().is_none());
    assert_not_found(s.set_user_disabled(&sys(), UserId::new(), true).await);

    let log = audit(&s.tenant(platform()), Some("user"), Some(u.to_string())).await;
    assert_eq!(log.len(), 3);
    assert_eq!(change(&log[1], "disabled").after.as_deref(), Some("true"));
    assert_eq!(change(&log[0], "disabled").after.as_deref(), Some("false"));
});

store_test!(api_tokens_create_lookup_revoke, |s| {
    let u = s
        .create_user(&sys(), "fajar@kop.id", "Fajar", "$h", false)
        .await
        .unwrap();
    let v = s
        .create_user(&sys(), "gita@kop.id", "Gita", "$h", false)
        .await
        .unwrap();
    let secret1 = "gyb_0123456789abcdef_first";
    let secret2 = "gyb_fedcba9876543210_second";
    let t1 = s
        .create_token(&actor(u, "Fajar"), u, "Integrasi akuntansi", secret1)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let t2 = s
        .create_token(&actor(u, "Fajar"), u, "Cadangan", secret2)
        .await
        .unwrap();
    let list = s.list_tokens(u).await.unwrap();
    assert_eq!(list.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t2, t1]);
    assert_eq!(list[1].name, "Integrasi akuntansi");
    assert_eq!(list[1].prefix, "gyb_01234567");
    assert_eq!(list[1].last_used_at, None, "never used yet");
    assert_eq!(list[1].revoked_at, None);
    assert!(s.list_tokens(v).await.unwrap().is_empty());

    assert_eq!(
        s.token_user(secret1).await.unwrap().map(|(u, _)| u.id),
        Some(u)
    );
    assert_eq!(
        s.token_user(secret2).await.unwrap().map(|(u, _)| u.id),
        Some(u)
    );
    // The grants come with the token, as grants_of lists them: none, then several.
    assert!(s.token_user(secret1).await.unwrap().unwrap().1.is_empty());
    let b = new_coop(&s, "BETA").await;
    let a = new_coop(&s, "ALFA").await;
    for (role, k) in [
        (Role::Pengurus, Some(b)),
        (Role::Kasir, Some(a)),
        (Role::Admin, None),
    ] {
        let g = NewGrant {
            role,
            koperasi_id: k,
            region_code: None,
            member_id: None,
        };
        s.grant_role(&sys(), u, &g).await.unwrap();
    }
    let (_, grants) = s.token_user(secret1).await.unwrap().unwrap();
    let listed = s.grants_of(u).await.unwrap();
    assert_eq!(grants.len(), 3);
    assert_eq!(
        grants
            .iter()
            .map(|g| (g.id, g.role, g.koperasi_id))
            .collect::<Vec<_>>(),
        listed
            .iter()
            .map(|g| (g.id, g.role, g.koperasi_id))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        grants[0].role,
        Role::Admin,
        "the platform grant first, then by coop name"
    );
    assert_eq!(grants[1].koperasi_id, Some(a));
    assert_eq!(
        s.token_user("gyb_0123456789abcdef_firsT")
            .await
            .unwrap()
            .map(|(u, _)| u.id),
        None
    );
    assert_eq!(s.token_user("").await.unwrap().map(|(u, _)| u.id), None);

    // Only the hash is stored.
    let clear: i64 = guyub_store::on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM api_token WHERE token_hash = $1 OR prefix = $1")
        .bind(secret1).fetch_one(p).await)
    .unwrap();
    assert_eq!(clear, 0);

    // Someone else cannot revoke it.
    assert_not_found(s.revoke_token(&actor(v, "Gita"), v, t1).await);
    assert_eq!(
        s.token_user(secret1).await.unwrap().map(|(u, _)| u.id),
        Some(u)
    );

    s.revoke_token(&actor(u, "Fajar"), u, t1).await.unwrap();
    assert_eq!(
        s.token_user(secret1).await.unwrap().map(|(u, _)| u.id),
        None
    );
    assert_eq!(
        s.token_user(secret2).await.unwrap().map(|(u, _)| u.id),
        Some(u)
    );
    let list = s.list_tokens(u).await.unwrap();
    let revoked = list.iter().find(|t| t.id == t1).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(revoked.revoked_at.unwrap() >= revoked.created_at);
    assert_eq!(list.iter().find(|t| t.id == t2).unwrap().revoked_at, None);
    assert_not_found(s.revoke_token(&actor(u, "Fajar"), u, t1).await);

    let log = audit(
        &s.tenant(platform()),
        Some("api_token"),
        Some(t1.to_string()),
    )
    .await;
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["update", "create"]
    );
    assert_eq!(
        change(&log[1], "prefix").after.as_deref(),
        Some("gyb_01234567")
    );
    assert!(
        raw_audit_json(&s)
            .await
            .iter()
            .all(|j| !j.contains(secret1))
    );
});

store_test!(give_member_login_links_user_grant_and_member, |s| {
    let k = new_coop(&s, "KSPL").await;
    let t = s.tenant(k);
    let m = t
        .create_member(&sys(), &person("Hadi", 71, date!(2024 - 01 - 01)))
        .await
        .unwrap();
    let u = s
        .give_member_login(&sys(), k, m.id, "hadi@kop.id", "Hadi", Some("$h"))
        .await
        .unwrap();
    assert!(s.user(u).await.unwrap().must_change_password);
    let grants = s.grants_of(u).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].role, grants[0].koperasi_id, grants[0].member_id),
        (Role::Anggota, Some(k), Some(m.id))
    );
    assert_eq!(t.member(m.id).await.unwrap().user_id, Some(u));
    assert_eq!(t.member_of_user(u).await.unwrap().unwrap().id, m.id);
    assert!(
        s.tenant(new_coop(&s, "KSPX").await)
            .member_of_user(u)
            .await
            .unwrap()
            .is_none()
    );

    // A failure part-way (unknown member) leaves no user, grant or link behind.
    let r = s
        .give_member_login(
            &sys(),
            k,
            MemberId::new(),
            "baru@kop.id",
            "Baru",
            Some("$h"),
        )
        .await;
    assert_not_found(r);
    assert!(s.user_by_email("baru@kop.id").await.unwrap().is_none());
    assert_eq!(s.grants_in_koperasi(k).await.unwrap().len(), 1);
});

// ---------------------------------------------------------------------------------------------
// Audit log

/// Writes a known history and returns the instants between its steps:
/// coop created | t1 | member 1 by u1 | t2 | member 2 by u2, member 1 renamed by u2 | t3
async fn audit_history(s: &Store) -> (KoperasiId, UserId, UserId, MemberId, [OffsetDateTime; 3]) {
    let k = new_coop(s, "KSPAU").await;
    let u1 = s
        .create_user(&sys(), "satu@kop.id", "Satu", "$h", false)
        .await
        .unwrap();
    let u2 = s
        .create_user(&sys(), "dua@kop.id", "Dua", "$h", false)
        .await
        .unwrap();
    let t = s.tenant(k);
    let t1 = mark().await;
    let m1 = t
        .create_member(
            &actor(u1, "Satu"),
            &person("Indah", 81, date!(2024 - 01 - 01)),
        )
        .await
        .unwrap();
    let t2 = mark().await;
    t.create_member(
        &actor(u2, "Dua"),
        &person("Joko", 82, date!(2024 - 01 - 02)),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    t.update_member(
        &actor(u2, "Dua"),
        m1.id,
        &person("Indah Permata", 81, date!(2024 - 01 - 01)),
    )
    .await
    .unwrap();
    let t3 = mark().await;
    (k, u1, u2, m1.id, [t1, t2, t3])
}

fn summary(log: &[AuditEntry]) -> Vec<(String, String)> {
    log.iter()
        .map(|e| (e.entity.clone(), e.action.clone()))
        .collect()
}

fn pair(entity: &str, action: &str) -> (String, String) {
    (entity.to_string(), action.to_string())
}

store_test!(audit_log_filters_and_newest_first, |s| {
    let (k, u1, u2, m1, [t1, t2, t3]) = audit_history(&s).await;
    let t = s.tenant(k);
    let base = AuditFilter {
        limit: 100,
        ..Default::default()
    };

    let all = t.audit_log(&base).await.unwrap();
    assert_eq!(
        summary(&all),
        vec![
            pair("member", "update"),
            pair("member", "create"),
            pair("member", "create"),
            pair("koperasi", "create"),
        ]
    );
    assert!(all.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    assert!(all[0].at > all[3].at);

    let by_entity = t
        .audit_log(&AuditFilter {
            entity: Some("koperasi".into()),
            ..base.clone()
        })
        .await
        .unwrap();
    assert_eq!(summary(&by_entity), vec![pair("koperasi", "create")]);

    let by_u1 = t
        .audit_log(&AuditFilter {
            user_id: Some(u1),
            ..base.clone()
        })
        .await
        .unwrap();
    assert_eq!(by_u1.len(), 1);
    assert_eq!(by_u1[0].entity_id, m1.to_string());
    assert_eq!(by_u1[0].actor, "Satu");
    let by_u2 = t
        .audit_log(&AuditFilter {
            user_id: Some(u2),
            ..base.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        summary(&by_u2),
        vec![pair("member", "update"), pair("member", "create")]
    );

    let of_m1 = t
        .audit_log(&AuditFilter {
            entity: Some("member".into()),
            entity_id: Some(m1.to_string()),
            ..base.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        summary(&of_m1),
        vec![pair("member", "update"), pair("member", "create")]
    );

    let window = |from: Option<OffsetDateTime>, until: Option<OffsetDateTime>| AuditFilter {
        from,
        until,
        ..base.clone()
    };
    let before_t1 = t.audit_log(&window(None, Some(t1))).await.unwrap();
    assert_eq!(summary(&before_t1), vec![pair("koperasi", "create")]);
    let after_t1 = t.audit_log(&window(Some(t1), None)).await.unwrap();
    assert_eq!(after_t1.len(), 3);
    let between = t.audit_log(&window(Some(t1), Some(t2))).await.unwrap();
    assert_eq!(between.len(), 1);
    assert_eq!(between[0].entity_id, m1.to_string());
    assert_eq!(between[0].action, "create");
    assert!(
        t.audit_log(&window(Some(t3), None))
            .await
            .unwrap()
            .is_empty()
    );
    // Bounds are inclusive.
    let exact = between[0].at;
    assert_eq!(
        t.audit_log(&window(Some(exact), Some(exact)))
            .await
            .unwrap()
            .len(),
        1
    );
    // Filters combine.
    let combined = t
        .audit_log(&AuditFilter {
            user_id: Some(u2),
            from: Some(t2),
            entity: Some("member".into()),
            ..base.clone()
        })
        .await
        .unwrap();
    assert_eq!(combined.len(), 2);

    // Paging: up to limit + 1 rows, so the caller can tell a next page exists.
    let p1 = t
        .audit_log(&AuditFilter {
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p1.len(), 3);
    assert_eq!(
        p1[..2].iter().map(|e| e.id).collect::<Vec<_>>(),
        all[..2].iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let p2 = t
        .audit_log(&AuditFilter {
            limit: 2,
            offset: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        p2.iter().map(|e| e.id).collect::<Vec<_>>(),
        all[2..].iter().map(|e| e.id).collect::<Vec<_>>()
    );

    // Another coop's log is separate; the platform log holds the users.
    assert!(
        audit(&s.tenant(new_coop(&s, "KSPZ").await), Some("member"), None)
            .await
            .is_empty()
    );
    let plat = audit(&s.tenant(platform()), Some("user"), None).await;
    assert_eq!(plat.len(), 2);
});

store_test!(
    sqlite: []
    postgres: []
    audit_log_bounds_in_local_time_filter_the_same_instants,
    |s| {
        let (k, _, _, m1, [t1, t2, _]) = audit_history(&s).await;
        let t = s.tenant(k);
        // The same instants, as the audit page builds them: in the coop's time zone (WIB).
        let wib = |x: OffsetDateTime| x.to_offset(offset!(+7));
        let f = AuditFilter {
            from: Some(wib(t1)),
            until: Some(wib(t2)),
            limit: 100,
            ..Default::default()
        };
        let got = t.audit_log(&f).await.unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].entity_id, m1.to_string());
        let since = t
            .audit_log(&AuditFilter {
                from: Some(wib(t1)),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(since.len(), 3);
    }
);

// ---------------------------------------------------------------------------------------------
// Backup

store_test!(backup_sqlite_writes_a_copy_with_the_members, |s| {
    let k = new_coop(&s, "KSPBK").await;
    let t = s.tenant(k);
    for (i, name) in ["Kartika", "Lukman", "Maya"].iter().enumerate() {
        t.create_member(&sys(), &person(name, 90 + i as u16, date!(2024 - 02 - 01)))
            .await
            .unwrap();
    }
    let dest = common::temp_sqlite_path("backup");
    let dest_str = dest.to_string_lossy().to_string();
    match s.engine() {
        Engine::Postgres => {
            assert!(s.db().backup_sqlite(&dest_str).await.is_err());
            assert!(!dest.exists());
        }
        Engine::Sqlite => {
            s.db().backup_sqlite(&dest_str).await.unwrap();
            assert!(dest.exists());
            // Work goes on in the original; the copy is a snapshot.
            t.create_member(&sys(), &person("Nur", 95, date!(2024 - 02 - 02)))
                .await
                .unwrap();
            let copy = Store::open(&common::sqlite_url(&dest), 1).await.unwrap();
            let kc = copy.koperasi_by_code("KSPBK").await.unwrap();
            assert_eq!(kc.id, k);
            let tc = copy.tenant(k);
            let names: Vec<String> = all_members(&tc).await.into_iter().map(|m| m.name).collect();
            assert_eq!(names, vec!["Kartika", "Lukman", "Maya"]);
            assert_eq!(search(&tc, "luk").await, vec!["Lukman"]);
            assert_eq!(tc.bylaws(2024).await.unwrap(), (2020, Bylaws::default()));
            copy.db().close().await;
            drop(copy);
            // A backup never overwrites an existing file.
            assert!(s.db().backup_sqlite(&dest_str).await.is_err());
            common::remove_sqlite_files(&dest);
            assert_eq!(all_members(&t).await.len(), 4);
        }
    }
});

// ---------------------------------------------------------------------------------------------
// has_data (needs an unmigrated database, so written without store_test!)

async fn has_data_body(url: String) {
    let s = Store::connect(&url, 2).await.unwrap();
    assert!(
        !guyub_store::has_data(s.db()).await.unwrap(),
        "nothing migrated yet"
    );
    s.migrate().await.unwrap();
    assert!(!guyub_store::has_data(s.db()).await.unwrap(), "no coop yet");
    new_coop(&s, "KSPD").await;
    assert!(
        guyub_store::has_data(s.db()).await.unwrap(),
        "a coop exists"
    );
    s.db().close().await;
}

mod has_data_looks_at_the_schema_in_use {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        common::run_empty(Engine::Sqlite, has_data_body).await
    }

    #[tokio::test]
    async fn postgres() {
        common::run_empty(Engine::Postgres, has_data_body).await
    }
}
