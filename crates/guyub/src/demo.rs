//! `guyub demo`: a realistic East Java scenario on a fresh database.
//!
//! Four coops (a KSP in Kota Malang, a koperasi pondok pesantren in Kabupaten Kediri, a
//! consumer coop in Kota Surabaya, and a secondary coop whose members are those three), about
//! 2,000 members with valid NIKs of their regencies and Indonesian names, and one user per
//! role. The same `--seed` gives the same data.

use std::collections::HashMap;

use anyhow::Context;
use guyub_core::coop::{Bylaws, CoopKind, CoopPattern, CoopTier, CoopTimeZone};
use guyub_core::identity::Role;
use guyub_core::ids::KoperasiId;
use guyub_core::member::{Gender, MemberStatus, ValidMember};
use guyub_core::nik::nik_for;
use guyub_core::phone::Phone;
use guyub_core::region::{self, RegionCode};
use guyub_store::coop::CoopData;
use guyub_store::identity::NewGrant;
use guyub_store::member::MemberCoop;
use guyub_store::{Actor, Store};
use time::{Date, Duration, Month};

/// A small, seedable PRNG (SplitMix64): reproducible demo data without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

const MALE: &[&str] = &[
    "Agus",
    "Ahmad",
    "Bambang",
    "Budi",
    "Dedi",
    "Dwi",
    "Eko",
    "Fajar",
    "Hadi",
    "Hendra",
    "Imam",
    "Joko",
    "Kurniawan",
    "Lukman",
    "Muhammad",
    "Mochamad",
    "Nur",
    "Rahmat",
    "Rizki",
    "Slamet",
    "Sugeng",
    "Suparman",
    "Sutrisno",
    "Teguh",
    "Wahyu",
    "Yusuf",
    "Zainal",
    "Abdul",
    "Arif",
    "Bayu",
    "Cahyo",
    "Darmaji",
    "Gunawan",
    "Hariyanto",
    "Irfan",
    "Kholil",
    "Mashuri",
    "Nanang",
    "Purnomo",
    "Rudi",
    "Samsul",
    "Taufik",
    "Umar",
    "Wawan",
    "Yanto",
    "Fathoni",
    "Syaiful",
    "Mukhlis",
];
const FEMALE: &[&str] = &[
    "Siti",
    "Sri",
    "Dewi",
    "Endang",
    "Fitri",
    "Indah",
    "Kartini",
    "Lestari",
    "Ani",
    "Nur",
    "Puji",
    "Rina",
    "Ratna",
    "Sulastri",
    "Tutik",
    "Wulan",
    "Yuliani",
    "Aminah",
    "Khoiriyah",
    "Lailatul",
    "Maslikha",
    "Nurul",
    "Umi",
    "Zahrotul",
    "Anik",
    "Dian",
    "Erna",
    "Hartini",
    "Ika",
    "Juwariyah",
    "Kusnul",
    "Mariyam",
    "Novi",
    "Rukayah",
    "Setyowati",
    "Titik",
];
const SECOND: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Hidayat",
    "Setiawan",
    "Prasetyo",
    "Saputra",
    "Kurniasih",
    "Rahayu",
    "Susanti",
    "Wahyuni",
    "Hartono",
    "Suryani",
    "Maulana",
    "Hasanah",
    "Fauzi",
    "Ma'ruf",
    "Anwar",
    "Rohmah",
    "Syafi'i",
    "Mubarok",
    "Utomo",
    "Purwanto",
    "Handayani",
    "Nurhayati",
    "Firmansyah",
    "Kholifah",
    "Zakaria",
    "Mustofa",
    "Ulfa",
    "Widodo",
];
const OCCUPATIONS: &[&str] = &[
    "Petani",
    "Pedagang",
    "Guru",
    "Wiraswasta",
    "Buruh",
    "Karyawan swasta",
    "Ibu rumah tangga",
    "Nelayan",
    "Perajin",
    "Peternak",
    "Santri",
    "Ustadz",
    "Sopir",
    "Penjahit",
    "PNS",
    "Bidan",
];

/// One demo coop and how many of the members it gets (in thousandths).
struct CoopSpec {
    code: &'static str,
    name: &'static str,
    kind: CoopKind,
    pattern: CoopPattern,
    tier: CoopTier,
    pesantren: bool,
    regency: &'static str,
    address: &'static str,
    share: usize,
    wajib: i64,
}

const COOPS: [CoopSpec; 3] = [
    CoopSpec {
        code: "KSPMLG",
        name: "KSP Arta Mandiri Malang",
        kind: CoopKind::SimpanPinjam,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        pesantren: false,
        regency: "35.73",
        address: "Jl. Soekarno Hatta No. 12",
        share: 450,
        wajib: 25_000,
    },
    CoopSpec {
        code: "KOPONTREN",
        name: "Kopontren Al-Hikmah Kediri",
        kind: CoopKind::SerbaUsaha,
        pattern: CoopPattern::Syariah,
        tier: CoopTier::Primary,
        pesantren: true,
        regency: "35.06",
        address: "Jl. KH. Wahid Hasyim No. 3",
        share: 250,
        wajib: 10_000,
    },
    CoopSpec {
        code: "KONSBY",
        name: "Koperasi Konsumen Warga Surabaya",
        kind: CoopKind::Konsumen,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Primary,
        pesantren: false,
        regency: "35.78",
        address: "Jl. Raya Darmo No. 45",
        share: 300,
        wajib: 20_000,
    },
];

/// The demo's sign-in details, printed at start.
pub struct DemoLogin {
    pub role: String,
    pub email: String,
}

pub const DEMO_PASSWORD: &str = "guyub-demo-2026";

fn villages_of(regency: &RegionCode) -> Vec<RegionCode> {
    region::children(Some(regency))
        .iter()
        .flat_map(|(d, _)| region::children(Some(d)).into_iter().map(|(v, _)| v))
        .collect()
}

fn districts_of(regency: &RegionCode) -> Vec<RegionCode> {
    region::children(Some(regency))
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

fn date(y: i32, m: u8, d: u8) -> anyhow::Result<Date> {
    Ok(Date::from_calendar_date(y, Month::try_from(m)?, d)?)
}

/// Generates `n` members living in `regency`, joined between 2015 and `today`.
pub fn members_for(
    rng: &mut Rng,
    regency: &RegionCode,
    n: usize,
    today: Date,
) -> anyhow::Result<Vec<ValidMember>> {
    let districts = districts_of(regency);
    let villages = villages_of(regency);
    anyhow::ensure!(
        !districts.is_empty() && !villages.is_empty(),
        "no districts in {}",
        regency.as_str()
    );
    let mut serials: HashMap<(usize, Date, bool), u16> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    let start = date(2015, 1, 1)?;
    let span = (today - start).whole_days().max(1) as usize;
    let this_month = today.replace_day(1)?;
    while out.len() < n {
        let gender = if rng.chance(52) {
            Gender::Female
        } else {
            Gender::Male
        };
        let first = if gender == Gender::Female {
            rng.pick(FEMALE)
        } else {
            rng.pick(MALE)
        };
        let name = if rng.chance(15) {
            format!("{first} {} {}", rng.pick(SECOND), rng.pick(SECOND))
        } else {
            format!("{first} {}", rng.pick(SECOND))
        };
        // About 2% joined this month, the rest spread since 2015.
        let joined_on = if rng.chance(2) {
            this_month
                + Duration::days(rng.below((today - this_month).whole_days() as usize + 1) as i64)
        } else {
            start + Duration::days(rng.below(span) as i64)
        };
        let age_days = (18 * 365 + rng.below(52 * 365)) as i64;
        let birth_date = joined_on - Duration::days(age_days);
        let d = rng.below(districts.len());
        let key = (d, birth_date, gender == Gender::Female);
        let serial = serials.entry(key).or_insert(0);
        *serial += 1;
        let Some(nik) = nik_for(&districts[d], birth_date, gender, *serial) else {
            continue;
        };
        let phone = Phone::parse(&format!(
            "08{}{:09}",
            rng.pick(&["12", "13", "21", "52", "57", "56", "77", "95"]),
            rng.next_u64() % 1_000_000_000
        ))
        .ok();
        out.push(ValidMember {
            nik,
            name,
            gender,
            birth_place: rng
                .pick(&[
                    "Malang",
                    "Kediri",
                    "Surabaya",
                    "Blitar",
                    "Sidoarjo",
                    "Pasuruan",
                    "Jombang",
                    "Madiun",
                    "Tulungagung",
                    "Lamongan",
                ])
                .to_string(),
            birth_date,
            address: format!(
                "Jl. {} No. {}, RT {:02}/RW {:02}",
                rng.pick(&[
                    "Melati",
                    "Mawar",
                    "Kenanga",
                    "Diponegoro",
                    "Sudirman",
                    "Ahmad Yani",
                    "Pahlawan",
                    "Merdeka",
                    "Masjid",
                    "Pesantren"
                ]),
                1 + rng.below(120),
                1 + rng.below(12),
                1 + rng.below(8)
            ),
            region: rng.pick(&villages).clone(),
            phone: if rng.chance(85) { phone } else { None },
            occupation: rng.pick(OCCUPATIONS).to_string(),
            joined_on,
        });
    }
    Ok(out)
}

/// A year of savings activity for the coop's active members: opening balances on the day
/// before the year began (the coop moved to Guyub then), simpanan pokok for those who joined
/// since, simpanan wajib paid (about a quarter of the members fall behind)
/// every four months or so; sukarela deposits and a few withdrawals, and the coop's monthly expenses and bank interest.
/// All in one transaction, so the demo's books are whole or absent.
async fn activity(
    tenant: &guyub_store::Tenant<'_>,
    actor: &Actor,
    rng: &mut Rng,
    bylaws: &Bylaws,
    today: Date,
) -> anyhow::Result<()> {
    use guyub_core::ledger::{AccountRole, LineInput};
    use guyub_core::money::Rupiah;
    use guyub_core::savings::{PayMethod, SavingsKind, TxKind};
    use guyub_store::savings::{CounterRequest, Movement};

    let products = tenant.products().await?;
    let by_kind = |k: SavingsKind| products.iter().find(|p| p.kind() == k).map(|p| p.id);
    let (Some(pokok), Some(wajib), Some(sukarela)) = (
        by_kind(SavingsKind::Pokok),
        by_kind(SavingsKind::Wajib),
        by_kind(SavingsKind::Sukarela),
    ) else {
        anyhow::bail!("the coop lacks its standard savings products");
    };
    let year_start = date(today.year() - 1, u8::from(today.month()), 1)?;
    let opening_day = year_start.previous_day().unwrap_or(year_start);
    let monthly = bylaws.simpanan_wajib_monthly;
    let roster: Vec<_> = tenant
        .member_roster()
        .await?
        .into_iter()
        .filter(|m| m.3 == MemberStatus::Aktif)
        .collect();
    let mut tx = tenant.begin().await?;
    // Opening balances of those who were members before the year.
    let mut opening = vec![];
    for (id, _, joined, _) in roster.iter().filter(|m| m.2 < year_start) {
        opening.push((*id, pokok, bylaws.simpanan_pokok));
        let months = guyub_core::savings::months_due(*joined, opening_day);
        if months > 0 && monthly.0 > 0 {
            opening.push((*id, wajib, Rupiah(monthly.0 * i64::from(months))));
        }
        if rng.chance(60) {
            opening.push((*id, sukarela, Rupiah(50_000 * (1 + rng.below(40) as i64))));
        }
    }
    tenant
        .opening_balances_tx(&mut tx, actor, opening_day, &opening, &products)
        .await?;
    // The money the coop held when it moved to Guyub: the members' savings sit in the bank
    // and the cash box (a tenth in cash), against opening-balance equity.
    let held: i64 = opening.iter().map(|(_, _, r)| r.0).sum();
    if held > 0 {
        let cash =
            guyub_store::ledger::role_account(&mut tx, tenant.id(), AccountRole::Cash).await?;
        let bank =
            guyub_store::ledger::role_account(&mut tx, tenant.id(), AccountRole::Bank).await?;
        let equity = guyub_store::ledger::role_account(
            &mut tx,
            tenant.id(),
            AccountRole::OpeningBalanceEquity,
        )
        .await?;
        let in_cash = held / 10 / 1000 * 1000;
        guyub_store::ledger::post(
            &mut tx,
            tenant.id(),
            actor,
            &guyub_store::ledger::NewEntry {
                date: opening_day,
                description: "Saldo awal kas dan bank".into(),
                reference: None,
                source: guyub_store::ledger::Source::Opening,
                source_id: None,
                reverses: None,
                lines: vec![
                    LineInput {
                        account: cash,
                        debit: Rupiah(in_cash),
                        credit: Rupiah::ZERO,
                        memo: None,
                    },
                    LineInput {
                        account: bank,
                        debit: Rupiah(held - in_cash),
                        credit: Rupiah::ZERO,
                        memo: None,
                    },
                    LineInput {
                        account: equity,
                        debit: Rupiah::ZERO,
                        credit: Rupiah(held),
                        memo: None,
                    },
                ],
            },
        )
        .await?;
    }
    let methods = [
        PayMethod::Cash,
        PayMethod::Cash,
        PayMethod::Cash,
        PayMethod::Bank,
        PayMethod::Qris,
    ];
    for (id, _, joined, _) in &roster {
        let first = (*joined).max(year_start);
        let mut paid_through = if *joined < year_start {
            opening_day
        } else {
            first.previous_day().unwrap_or(first)
        };
        // About a quarter stop paying wajib some months ago.
        let stops = rng
            .chance(25)
            .then(|| today - Duration::days(30 * (2 + rng.below(6)) as i64));
        if *joined >= year_start {
            let req = CounterRequest {
                member: *id,
                method: "tunai".into(),
                date: *joined,
                note: None,
                movements: vec![Movement {
                    product: pokok,
                    kind: TxKind::Deposit.as_str().into(),
                    amount: bylaws.simpanan_pokok,
                }],
            };
            tenant.counter_tx(&mut tx, actor, &req).await?;
        }
        let mut day = first + Duration::days(rng.below(20) as i64);
        while day <= today && stops.is_none_or(|s| day < s) {
            let owed = guyub_core::savings::months_due(*joined, day) as i64
                - guyub_core::savings::months_due(*joined, paid_through) as i64;
            let mut movements = vec![];
            if owed > 0 && monthly.0 > 0 {
                movements.push(Movement {
                    product: wajib,
                    kind: TxKind::Deposit.as_str().into(),
                    amount: Rupiah(monthly.0 * owed),
                });
            }
            if rng.chance(20) {
                movements.push(Movement {
                    product: sukarela,
                    kind: TxKind::Deposit.as_str().into(),
                    amount: Rupiah(25_000 * (1 + rng.below(20) as i64)),
                });
            }
            if !movements.is_empty() {
                let method = *rng.pick(&methods);
                let req = CounterRequest {
                    member: *id,
                    method: method.as_str().into(),
                    date: day,
                    note: None,
                    movements,
                };
                tenant.counter_tx(&mut tx, actor, &req).await?;
                paid_through = day;
            }
            day += Duration::days(115 + rng.below(15) as i64);
        }
        // A few take some of their sukarela out.
        if rng.chance(8) {
            let balance = tenant.balance_tx(&mut tx, *id, sukarela).await?;
            if balance >= 100_000 {
                let amount = Rupiah((balance / 2) / 1000 * 1000);
                let req = CounterRequest {
                    member: *id,
                    method: "tunai".into(),
                    date: today - Duration::days(rng.below(60) as i64),
                    note: None,
                    movements: vec![Movement {
                        product: sukarela,
                        kind: TxKind::Withdrawal.as_str().into(),
                        amount,
                    }],
                };
                tenant.counter_tx(&mut tx, actor, &req).await?;
            }
        }
    }
    // The coop's own month: electricity and wages out of cash, interest into the bank.
    let cash = guyub_store::ledger::role_account(&mut tx, tenant.id(), AccountRole::Cash).await?;
    let bank = guyub_store::ledger::role_account(&mut tx, tenant.id(), AccountRole::Bank).await?;
    let accounts = tenant.accounts_tx(&mut tx).await?;
    let by_code = |c: &str| accounts.iter().find(|a| a.code == c).map(|a| a.id);
    let (Some(power), Some(wages), Some(interest)) =
        (by_code("5303"), by_code("5301"), by_code("4301"))
    else {
        anyhow::bail!("the standard chart lacks 5301/5303/4301");
    };
    let mut month = year_start;
    while month <= today {
        let day = month.replace_day(25).unwrap_or(month);
        if day <= today {
            for (desc, debit, credit, amount) in [
                (
                    "Listrik dan air",
                    power,
                    cash,
                    350_000 + 10_000 * rng.below(10) as i64,
                ),
                ("Honor pengelola", wages, cash, 2_500_000),
                (
                    "Bunga bank",
                    bank,
                    interest,
                    100_000 + 1_000 * rng.below(50) as i64,
                ),
            ] {
                guyub_store::ledger::post(
                    &mut tx,
                    tenant.id(),
                    actor,
                    &guyub_store::ledger::NewEntry {
                        date: day,
                        description: format!(
                            "{desc} {} {}",
                            guyub_core::fmt_id::month_name(
                                u8::from(day.month()),
                                guyub_core::Lang::Id
                            ),
                            day.year()
                        ),
                        reference: None,
                        source: guyub_store::ledger::Source::Manual,
                        source_id: None,
                        reverses: None,
                        lines: vec![
                            LineInput {
                                account: debit,
                                debit: Rupiah(amount),
                                credit: Rupiah::ZERO,
                                memo: None,
                            },
                            LineInput {
                                account: credit,
                                debit: Rupiah::ZERO,
                                credit: Rupiah(amount),
                                memo: None,
                            },
                        ],
                    },
                )
                .await?;
            }
        }
        month = month
            .replace_day(1)
            .ok()
            .and_then(|m| m.checked_add(Duration::days(32)))
            .and_then(|m| m.replace_day(1).ok())
            .unwrap_or(today + Duration::days(1));
    }
    tx.commit().await?;
    Ok(())
}

/// Fills an empty database with the demo scenario. Returns the sign-ins to print.
pub async fn seed(
    store: &Store,
    seed: u64,
    members: usize,
    password_hash: &str,
) -> anyhow::Result<Vec<DemoLogin>> {
    let mut rng = Rng::new(seed);
    let actor = Actor::system("demo");
    let today = time::OffsetDateTime::now_utc()
        .to_offset(CoopTimeZone::Wib.offset())
        .date();
    let year = today.year();
    let logins = std::cell::RefCell::new(Vec::new());
    let add_user = async |email: &str,
                          name: &str,
                          grant: Option<NewGrant>|
           -> anyhow::Result<guyub_core::ids::UserId> {
        let id = store
            .create_user(&actor, email, name, password_hash, false)
            .await?;
        if let Some(g) = grant {
            logins.borrow_mut().push(DemoLogin {
                role: g.role.label(guyub_core::Lang::Id).to_string(),
                email: email.to_string(),
            });
            store.grant_role(&actor, id, &g).await?;
        }
        Ok(id)
    };
    let admin = add_user(
        "admin@guyub.test",
        "Admin Guyub",
        Some(NewGrant {
            role: Role::Admin,
            koperasi_id: None,
            region_code: None,
            member_id: None,
        }),
    )
    .await?;
    let _ = admin;
    add_user(
        "dinas.jatim@guyub.test",
        "Dinas Koperasi Jawa Timur",
        Some(NewGrant {
            role: Role::Dinas,
            koperasi_id: None,
            region_code: Some("35".into()),
            member_id: None,
        }),
    )
    .await?;
    add_user(
        "dinas.malang@guyub.test",
        "Dinas Koperasi Kota Malang",
        Some(NewGrant {
            role: Role::Dinas,
            koperasi_id: None,
            region_code: Some("35.73".into()),
            member_id: None,
        }),
    )
    .await?;

    // The year of activity of each coop, run after all are registered (see below).
    let mut pending: Vec<(KoperasiId, Bylaws, Rng)> = vec![];
    let mut coop_ids: Vec<(KoperasiId, &CoopSpec)> = vec![];
    for spec in &COOPS {
        let regency = RegionCode::parse(spec.regency)?;
        let villages = villages_of(&regency);
        let data = CoopData {
            code: spec.code.into(),
            name: spec.name.into(),
            legal_number: Some(format!(
                "{}/BH/XVI.{}/2015",
                100 + rng.below(800),
                1 + rng.below(30)
            )),
            legal_date: Some(date(2015, 3, 17)?),
            nib: Some(format!("91204{:08}", rng.next_u64() % 100_000_000)),
            npwp: Some(format!(
                "0{:02}{:06}{}{:03}000",
                1 + rng.below(2),
                rng.next_u64() % 1_000_000,
                rng.below(10),
                600 + rng.below(300)
            )),
            kind: spec.kind,
            pattern: spec.pattern,
            tier: spec.tier,
            is_pesantren: spec.pesantren,
            address: spec.address.into(),
            region: rng.pick(&villages).clone(),
            phone: Some(format!("+6281{:09}", rng.next_u64() % 1_000_000_000)),
            email: Some(format!("{}@koperasi.test", spec.code.to_lowercase())),
            founded_on: Some(date(2014, 11, 2)?),
            timezone: CoopTimeZone::Wib,
        };
        let bylaws = Bylaws {
            simpanan_wajib_monthly: guyub_core::money::Rupiah(spec.wajib),
            ..Bylaws::default()
        };
        let id = store
            .create_koperasi(&actor, &data, &bylaws, 2015)
            .await
            .context("creating a demo coop")?;
        let tenant = store.tenant(id);
        let n = members * spec.share / 1000;
        let ms = members_for(&mut rng, &regency, n, today)?;
        tenant.create_members_batch(&actor, &ms, false).await?;
        // About 5% left, 1% died, on a date after they joined.
        let mut changes = vec![];
        for m in &ms {
            let r = rng.below(100);
            let status = match r {
                0 => MemberStatus::Meninggal,
                1..=5 => MemberStatus::Berhenti,
                _ => continue,
            };
            let days = (today - m.joined_on).whole_days().max(1) as usize;
            let on = m.joined_on + Duration::days(rng.below(days) as i64);
            let reason = (status == MemberStatus::Berhenti).then(|| {
                rng.pick(&["Pindah domisili", "Mengundurkan diri", "Keperluan keluarga"])
                    .to_string()
            });
            changes.push((m.nik.as_str().to_string(), status, on, reason));
        }
        tenant.set_statuses_by_nik(&actor, &changes).await?;
        pending.push((id, bylaws.clone(), Rng::new(rng.next_u64())));
        coop_ids.push((id, spec));
        let prefix = spec.code.to_lowercase();
        for (role, label) in [
            (Role::Pengurus, "Pengurus"),
            (Role::Pengawas, "Pengawas"),
            (Role::Kasir, "Kasir"),
        ] {
            add_user(
                &format!("{}.{prefix}@guyub.test", role.as_str()),
                &format!("{label} {}", spec.name),
                Some(NewGrant {
                    role,
                    koperasi_id: Some(id),
                    region_code: None,
                    member_id: None,
                }),
            )
            .await?;
        }
        // One member with their own sign-in.
        let first = tenant
            .search_members(&guyub_store::member::MemberQuery {
                q: String::new(),
                status: Some(MemberStatus::Aktif),
                kind: None,
                limit: 1,
                offset: 0,
            })
            .await?;
        if let Some(m) = first.members.first() {
            let email = format!("anggota.{prefix}@guyub.test");
            store
                .give_member_login(&actor, id, m.id, &email, &m.name, Some(password_hash))
                .await?;
            store
                .set_password(
                    &actor,
                    store
                        .user_by_email(&email)
                        .await?
                        .map(|u| u.id)
                        .context("demo member user")?,
                    password_hash,
                    false,
                    None,
                )
                .await?;
            logins.borrow_mut().push(DemoLogin {
                role: format!("Anggota ({})", m.name),
                email,
            });
        }
    }

    // Each coop's books are independent: on PostgreSQL they fill at the same time, one
    // connection each; SQLite has one writer, so there they fill one after another.
    if store.engine() == guyub_store::Engine::Postgres {
        let mut handles = vec![];
        for (id, bylaws, mut crng) in pending {
            let (store, actor) = (store.clone(), actor.clone());
            handles.push(tokio::spawn(async move {
                activity(&store.tenant(id), &actor, &mut crng, &bylaws, today).await
            }));
        }
        for h in handles {
            h.await??;
        }
    } else {
        for (id, bylaws, mut crng) in pending {
            activity(&store.tenant(id), &actor, &mut crng, &bylaws, today).await?;
        }
    }

    // Payments: each primary coop's QRIS sticker, bank account and MDR, and a few requests
    // (one paid by QRIS, one waiting) so that the payment pages have something to show.
    for (id, spec) in &coop_ids {
        payments(&store.tenant(*id), &actor, spec).await?;
    }

    // The secondary coop: Pusat Koperasi Jawa Timur, whose members are the three coops.
    let surabaya = RegionCode::parse("35.78")?;
    let data = CoopData {
        code: "PUSKOPJTM".into(),
        name: "Pusat Koperasi Jawa Timur".into(),
        legal_number: Some("12/BH/XVI/2016".into()),
        legal_date: Some(date(2016, 5, 20)?),
        nib: Some("9120400112233".into()),
        npwp: Some("0012345678901000".into()),
        kind: CoopKind::SerbaUsaha,
        pattern: CoopPattern::Konvensional,
        tier: CoopTier::Secondary,
        is_pesantren: false,
        address: "Jl. Gayung Kebonsari No. 1".into(),
        region: rng.pick(&villages_of(&surabaya)).clone(),
        phone: Some("+62318290000".into()),
        email: Some("puskop@koperasi.test".into()),
        founded_on: Some(date(2016, 1, 10)?),
        timezone: CoopTimeZone::Wib,
    };
    let bylaws = Bylaws {
        simpanan_pokok: guyub_core::money::Rupiah(5_000_000),
        simpanan_wajib_monthly: guyub_core::money::Rupiah(250_000),
        ..Bylaws::default()
    };
    let sec = store.create_koperasi(&actor, &data, &bylaws, 2016).await?;
    for (id, spec) in &coop_ids {
        let k = store.koperasi(*id).await?;
        store
            .tenant(sec)
            .add_member_coop(
                &actor,
                &MemberCoop {
                    koperasi_id: *id,
                    name: spec.name.into(),
                    address: k.data.address.clone(),
                    region_code: k.data.region_code.clone(),
                    joined_on: date(2016, 6, 1)?,
                },
            )
            .await?;
    }
    add_user(
        "pengurus.puskopjtm@guyub.test",
        "Pengurus Puskop Jatim",
        Some(NewGrant {
            role: Role::Pengurus,
            koperasi_id: Some(sec),
            region_code: None,
            member_id: None,
        }),
    )
    .await?;
    // The secondary coop operates the public /pasar (demo_market): it takes the buyers'
    // payments, so it has a cashier, its QRIS sticker and a bank account.
    add_user(
        "kasir.puskopjtm@guyub.test",
        "Kasir Puskop Jatim",
        Some(NewGrant {
            role: Role::Kasir,
            koperasi_id: Some(sec),
            region_code: None,
            member_id: None,
        }),
    )
    .await?;
    operator_payments(&store.tenant(sec), &actor, data.name.as_str()).await?;
    let _ = year;
    // The marketplace: storefronts, sellers, products, curation, the Tomiko catalogue.
    let storefronts: Vec<(KoperasiId, String, &str, bool)> = coop_ids
        .iter()
        .map(|(id, spec)| (*id, spec.code.to_lowercase(), spec.regency, spec.pesantren))
        .collect();
    let storefronts: Vec<(KoperasiId, &str, &str, bool)> = storefronts
        .iter()
        .map(|(id, slug, regency, pesantren)| (*id, slug.as_str(), *regency, *pesantren))
        .collect();
    crate::demo_market::seed(store, &mut rng, &actor, &storefronts, sec, today).await?;
    store.optimize().await?;
    Ok(logins.into_inner())
}

/// A static QRIS for a demo coop: a QRIS-registered (ID.CO.QRIS.WWW) merchant with the coop's
/// name and city, valid by the core's rules (the NMID and PAN are made up).
pub fn demo_qris(name: &str, city: &str, n: u64) -> String {
    let tlv = |tag: &str, v: &str| format!("{tag}{:02}{v}", v.chars().count());
    let name: String = name.to_uppercase().chars().take(25).collect();
    let city: String = city.to_uppercase().chars().take(15).collect();
    let acct = format!(
        "{}{}{}",
        tlv("00", "ID.CO.BANKJATIM.WWW"),
        tlv("01", &format!("9360011400{:09}", n % 1_000_000_000)),
        tlv("03", "UMI")
    );
    let nmid = format!(
        "{}{}{}",
        tlv("00", "ID.CO.QRIS.WWW"),
        tlv(
            "02",
            &format!("ID10{:011}", 20_000_000_000 + n % 1_000_000_000)
        ),
        tlv("03", "UMI")
    );
    let body = format!(
        "{}{}{}{}{}{}{}{}{}{}6304",
        tlv("00", "01"),
        tlv("01", "11"),
        tlv("26", &acct),
        tlv("51", &nmid),
        tlv("52", "5399"),
        tlv("53", "360"),
        tlv("58", "ID"),
        tlv("59", &name),
        tlv("60", &city),
        tlv("61", "65145")
    );
    let crc = guyub_core::payment::qris::crc_hex(guyub_core::payment::qris::crc16(body.as_bytes()));
    format!("{body}{}", String::from_utf8_lossy(&crc))
}

/// The payment settings of the /pasar operator: its QRIS sticker and bank account.
async fn operator_payments(
    t: &guyub_store::Tenant<'_>,
    actor: &Actor,
    name: &str,
) -> anyhow::Result<()> {
    use guyub_core::payment::settings::{BankAccountInput, validate_bank_account};
    use guyub_store::payment::PaymentChange;
    let qris = guyub_core::payment::qris::Qris::parse(&demo_qris(name, "SURABAYA", 90_210))
        .map_err(|e| anyhow::anyhow!("demo QRIS: {e:?}"))?;
    let account = validate_bank_account(&BankAccountInput {
        bank_name: "Bank Jatim".into(),
        account_number: "0090210000".into(),
        holder_name: name.into(),
    })
    .map_err(|e| anyhow::anyhow!("demo bank account: {e:?}"))?;
    t.update_payment_settings(
        actor,
        &PaymentChange {
            qris: Some(qris),
            add_accounts: vec![account],
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// The payment settings and a few requests of one demo coop.
async fn payments(
    t: &guyub_store::Tenant<'_>,
    actor: &Actor,
    spec: &CoopSpec,
) -> anyhow::Result<()> {
    use guyub_core::payment::request::{ConfirmedVia, Validity};
    use guyub_core::payment::settings::{BankAccountInput, validate_bank_account};
    use guyub_store::payment::request::{Confirmation, NewRequest};
    use guyub_store::payment::{MdrRate, PaymentChange};
    let qris =
        guyub_core::payment::qris::Qris::parse(&demo_qris(spec.name, "MALANG", spec.wajib as u64))
            .map_err(|e| anyhow::anyhow!("demo QRIS: {e:?}"))?;
    let account = validate_bank_account(&BankAccountInput {
        bank_name: "Bank Jatim".into(),
        account_number: format!("00{:08}", spec.wajib),
        holder_name: spec.name.into(),
    })
    .map_err(|e| anyhow::anyhow!("demo bank account: {e:?}"))?;
    let change = PaymentChange {
        qris: Some(qris),
        add_accounts: vec![account],
        mdr: Some(MdrRate {
            effective_on: date(2023, 7, 1)?,
            rate: guyub_core::percent::BasisPoints(30),
        }),
        ..Default::default()
    };
    t.update_payment_settings(actor, &change).await?;
    let default = t.payment_settings().await?.accounts.first().map(|a| a.id);
    if let Some(id) = default {
        t.update_payment_settings(
            actor,
            &PaymentChange {
                default_account: Some(id),
                ..Default::default()
            },
        )
        .await?;
    }
    let wajib = t
        .products()
        .await?
        .into_iter()
        .find(|p| p.code == "WAJIB")
        .context("demo: no wajib product")?;
    let members = t
        .search_members(&guyub_store::member::MemberQuery {
            q: String::new(),
            status: Some(MemberStatus::Aktif),
            kind: None,
            limit: 3,
            offset: 0,
        })
        .await?
        .members;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(CoopTimeZone::Wib.offset())
        .date();
    for (i, m) in members.iter().enumerate() {
        let r = t
            .create_payment_request(
                actor,
                &NewRequest {
                    member: m.id,
                    lines: vec![(wajib.id, guyub_core::money::Rupiah(spec.wajib))],
                    description: None,
                    validity: Validity::Hours24,
                    idem_key: None,
                },
            )
            .await?;
        if i == 0 {
            let c = Confirmation {
                method: guyub_core::savings::PayMethod::Qris,
                reference: "RRN 6120 0001".into(),
                via: ConfirmedVia::Cashier,
                date: today,
            };
            t.confirm_payment_request(actor, r.id, &c).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use guyub_core::member::{MemberInput, validate_member};

    #[test]
    fn generated_members_pass_the_rules_and_have_unique_niks() {
        let today = date(2026, 11, 27).unwrap();
        let mut rng = Rng::new(7);
        let ms = members_for(&mut rng, &RegionCode::parse("35.06").unwrap(), 500, today).unwrap();
        let mut niks: Vec<&str> = ms.iter().map(|m| m.nik.as_str()).collect();
        niks.sort();
        niks.dedup();
        assert_eq!(niks.len(), 500);
        for m in &ms {
            assert!(m.nik.as_str().starts_with("3506"));
            let input = MemberInput {
                nik: m.nik.as_str().into(),
                name: m.name.clone(),
                birth_place: m.birth_place.clone(),
                birth_date: m.birth_date.to_string(),
                address: m.address.clone(),
                region_code: m.region.as_str().into(),
                phone: m
                    .phone
                    .as_ref()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
                occupation: m.occupation.clone(),
                joined_on: m.joined_on.to_string(),
            };
            let v = validate_member(&input, today).unwrap_or_else(|e| panic!("{:?}: {e:?}", input));
            assert_eq!(&v, m);
        }
    }

    #[test]
    fn demo_qris_codes_are_valid_static_qris() {
        for (name, n) in [
            ("KSP Arta Mandiri Malang", 50_000),
            ("Kopontren Al-Hikmah", 7),
        ] {
            let q = guyub_core::payment::settings::static_qris(&demo_qris(name, "Malang", n))
                .expect("valid static QRIS");
            assert!(q.warnings().is_empty());
            assert_eq!(q.merchant_city(), "MALANG");
        }
    }

    #[test]
    fn same_seed_same_data() {
        let today = date(2026, 11, 27).unwrap();
        let a = members_for(
            &mut Rng::new(1),
            &RegionCode::parse("35.73").unwrap(),
            50,
            today,
        )
        .unwrap();
        let b = members_for(
            &mut Rng::new(1),
            &RegionCode::parse("35.73").unwrap(),
            50,
            today,
        )
        .unwrap();
        assert_eq!(a, b);
    }
}
