//! Cooperatives and their bylaws (AD/ART settings).
//!
//! The law leaves most numbers to each coop's AD/ART and its Rapat Anggota: the SHU split,
//! the quorum, the size of simpanan pokok and wajib. So these are per-coop settings with
//! validation, not constants; the defaults are common practice, not law.

use serde::{Deserialize, Serialize};
use time::UtcOffset;
use time::macros::offset;

use crate::lang::{FieldError, Lang, Msg};
use crate::member::MemberNumberFormat;
use crate::money::Rupiah;
use crate::percent::BasisPoints;

use crate::codes::code_enum;

code_enum! {
    /// The business a coop runs (jenis koperasi, UU 25/1992 Pasal 16 and its explanation).
    CoopKind {
        SimpanPinjam => "simpan_pinjam", "Simpan Pinjam", "Savings and Loans";
        Konsumen => "konsumen", "Konsumen", "Consumer";
        Produsen => "produsen", "Produsen", "Producer";
        Pemasaran => "pemasaran", "Pemasaran", "Marketing";
        Jasa => "jasa", "Jasa", "Services";
        SerbaUsaha => "serba_usaha", "Serba Usaha", "Multi-purpose";
    }
}

code_enum! {
    /// Conventional or sharia (a sharia coop needs a Dewan Pengawas Syariah).
    CoopPattern {
        Konvensional => "konvensional", "Konvensional", "Conventional";
        Syariah => "syariah", "Syariah", "Sharia";
    }
}

code_enum! {
    /// A primary coop's members are persons; a secondary coop's members are coops.
    CoopTier {
        Primary => "primer", "Primer", "Primary";
        Secondary => "sekunder", "Sekunder", "Secondary";
    }
}

code_enum! {
    /// The coop's local time (Indonesia has three zones and no daylight saving time), used to
    /// show times and to decide which calendar day an event belongs to.
    CoopTimeZone {
        /// UTC+7: Sumatra, Java (so all of Jawa Timur), West and Central Kalimantan.
        Wib => "wib", "WIB", "WIB";
        /// UTC+8: Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi.
        Wita => "wita", "WITA", "WITA";
        /// UTC+9: Maluku and Papua.
        Wit => "wit", "WIT", "WIT";
    }
}

impl CoopTimeZone {
    /// The fixed offset from UTC.
    pub fn offset(self) -> UtcOffset {
        match self {
            CoopTimeZone::Wib => offset!(+7),
            CoopTimeZone::Wita => offset!(+8),
            CoopTimeZone::Wit => offset!(+9),
        }
    }

    /// The full name, e.g. "Waktu Indonesia Barat" / "Western Indonesia Time".
    pub fn long_name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CoopTimeZone::Wib, Lang::Id) => "Waktu Indonesia Barat",
            (CoopTimeZone::Wita, Lang::Id) => "Waktu Indonesia Tengah",
            (CoopTimeZone::Wit, Lang::Id) => "Waktu Indonesia Timur",
            (CoopTimeZone::Wib, Lang::En) => "Western Indonesia Time",
            (CoopTimeZone::Wita, Lang::En) => "Central Indonesia Time",
            (CoopTimeZone::Wit, Lang::En) => "Eastern Indonesia Time",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SHU allocation

/// How a year's SHU is split into funds (step 1 of the SHU computation), as set in the AD/ART
/// and confirmed by the RAT.
///
/// Invariant when valid ([`ShuAllocation::validate`]): the buckets sum to exactly 100 %, so
/// that no rupiah of the SHU is left unassigned or assigned twice. Only the reserve is
/// mandated by law, and even its size is the RAT's choice, so no single bucket is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShuAllocation {
    /// Dana cadangan: the reserve, kept as the coop's equity.
    pub cadangan: BasisPoints,
    /// Jasa modal anggota: to members in proportion to their pokok and wajib savings.
    pub jasa_modal: BasisPoints,
    /// Jasa usaha anggota: to members in proportion to their business with the coop.
    pub jasa_usaha: BasisPoints,
    pub pengurus: BasisPoints,
    pub karyawan: BasisPoints,
    pub pendidikan: BasisPoints,
    pub sosial: BasisPoints,
    /// Dana pembangunan daerah kerja.
    pub pembangunan_daerah: BasisPoints,
}

impl Default for ShuAllocation {
    /// 40 % reserve, 20 % + 20 % to members (capital, business), 5 % each to the board, staff,
    /// education and social funds, 0 % regional development: the common "ideal" split.
    fn default() -> Self {
        ShuAllocation {
            cadangan: BasisPoints(4000),
            jasa_modal: BasisPoints(2000),
            jasa_usaha: BasisPoints(2000),
            pengurus: BasisPoints(500),
            karyawan: BasisPoints(500),
            pendidikan: BasisPoints(500),
            sosial: BasisPoints(500),
            pembangunan_daerah: BasisPoints(0),
        }
    }
}

impl ShuAllocation {
    /// Each bucket: (field name, Indonesian label, English label), in the order shown on forms
    /// and in reports. Field names match the struct fields and the form inputs.
    pub const BUCKETS: [(&'static str, &'static str, &'static str); 8] = [
        ("cadangan", "Dana cadangan", "Reserve fund"),
        (
            "jasa_modal",
            "Jasa modal anggota",
            "Return on members' capital",
        ),
        (
            "jasa_usaha",
            "Jasa usaha anggota",
            "Return on members' business",
        ),
        ("pengurus", "Dana pengurus", "Board fund"),
        ("karyawan", "Dana karyawan", "Staff fund"),
        ("pendidikan", "Dana pendidikan", "Education fund"),
        ("sosial", "Dana sosial", "Social fund"),
        (
            "pembangunan_daerah",
            "Dana pembangunan daerah kerja",
            "Regional development fund",
        ),
    ];

    fn slot(&mut self, field: &str) -> Option<&mut BasisPoints> {
        Some(match field {
            "cadangan" => &mut self.cadangan,
            "jasa_modal" => &mut self.jasa_modal,
            "jasa_usaha" => &mut self.jasa_usaha,
            "pengurus" => &mut self.pengurus,
            "karyawan" => &mut self.karyawan,
            "pendidikan" => &mut self.pendidikan,
            "sosial" => &mut self.sosial,
            "pembangunan_daerah" => &mut self.pembangunan_daerah,
            _ => return None,
        })
    }

    /// The share of a bucket by field name; `None` for an unknown name.
    pub fn get(&self, field: &str) -> Option<BasisPoints> {
        let mut copy = *self;
        copy.slot(field).map(|bp| *bp)
    }

    /// Sets a bucket by field name; returns false (and changes nothing) for an unknown name.
    #[must_use]
    pub fn set(&mut self, field: &str, bp: BasisPoints) -> bool {
        match self.slot(field) {
            Some(slot) => {
                *slot = bp;
                true
            }
            None => false,
        }
    }

    /// The sum of all buckets (saturating, so absurd values cannot wrap round to 100 %).
    pub fn total(&self) -> BasisPoints {
        BasisPoints(
            Self::BUCKETS
                .iter()
                .filter_map(|(f, _, _)| self.get(f))
                .fold(0u32, |acc, bp| acc.saturating_add(bp.0)),
        )
    }

    /// Ok exactly when the buckets sum to 100 %. The error (field `allocation`) states the
    /// actual sum.
    pub fn validate(&self) -> Result<(), FieldError> {
        let total = self.total();
        if total == BasisPoints::HUNDRED {
            Ok(())
        } else {
            Err(FieldError::new(
                "allocation",
                Msg::new(
                    format!("Jumlah pembagian SHU harus tepat 100%, sekarang {total}"),
                    format!("The SHU allocation must add up to exactly 100%, it is now {total}"),
                ),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quorum

/// When a Rapat Anggota may decide: `numerator/denominator` of the members must attend, either
/// strictly more than that share or at least that share. There is no statutory number; each
/// AD/ART sets its own (commonly "more than half").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuorumRule {
    pub numerator: u32,
    pub denominator: u32,
    /// "More than" (true) or "at least" (false).
    pub strictly_greater: bool,
    /// Whether members represented by a written proxy (surat kuasa) count as present.
    pub counts_proxies: bool,
}

impl Default for QuorumRule {
    /// More than 1/2 of the members, proxies not counted.
    fn default() -> Self {
        QuorumRule {
            numerator: 1,
            denominator: 2,
            strictly_greater: true,
            counts_proxies: false,
        }
    }
}

impl QuorumRule {
    /// The fraction must be a share of the members that can be reached: 0 < n ≤ d, and not
    /// "more than all members". Errors carry the `BylawsInput` field names.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.denominator == 0 {
            return Err(FieldError::new(
                "quorum_denominator",
                Msg::new(
                    "Penyebut kuorum harus lebih dari 0",
                    "The quorum denominator must be more than 0",
                ),
            ));
        }
        if self.numerator == 0 || self.numerator > self.denominator {
            return Err(FieldError::new(
                "quorum_numerator",
                Msg::new(
                    "Kuorum harus pecahan antara 0 dan 1, misalnya 1/2 atau 2/3",
                    "The quorum must be a fraction between 0 and 1, e.g. 1/2 or 2/3",
                ),
            ));
        }
        if self.strictly_greater && self.numerator == self.denominator {
            return Err(FieldError::new(
                "quorum_strictly_greater",
                Msg::new(
                    "Kuorum \"lebih dari semua anggota\" tidak mungkin tercapai; pilih \"paling sedikit\"",
                    "A quorum of \"more than all members\" can never be met; choose \"at least\"",
                ),
            ));
        }
        Ok(())
    }

    /// Whether `present` attendees out of `total` members meet the quorum. Exact integer
    /// arithmetic (no rounding of "half of 7"). With no members there is no quorum.
    pub fn is_met(&self, present: u64, total: u64) -> bool {
        if total == 0 || self.denominator == 0 {
            return false;
        }
        let lhs = u128::from(present) * u128::from(self.denominator);
        let rhs = u128::from(self.numerator) * u128::from(total);
        if self.strictly_greater {
            lhs > rhs
        } else {
            lhs >= rhs
        }
    }

    /// "lebih dari 1/2 anggota", "paling sedikit 2/3 anggota, termasuk yang diwakili kuasa".
    pub fn describe(&self, lang: Lang) -> String {
        let frac = format!("{}/{}", self.numerator, self.denominator);
        match lang {
            Lang::Id => {
                let cmp = if self.strictly_greater {
                    "lebih dari"
                } else {
                    "paling sedikit"
                };
                let proxies = if self.counts_proxies {
                    ", termasuk yang diwakili kuasa"
                } else {
                    ""
                };
                format!("{cmp} {frac} anggota{proxies}")
            }
            Lang::En => {
                let cmp = if self.strictly_greater {
                    "more than"
                } else {
                    "at least"
                };
                let proxies = if self.counts_proxies {
                    ", proxies included"
                } else {
                    ""
                };
                format!("{cmp} {frac} of members{proxies}")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bylaws

/// The settings of a coop's AD/ART that the software needs. Versioned per fiscal year by the
/// store; valid when made by [`validate_bylaws`] (pokok > 0, month 1–12, allocation 100 %,
/// quorum reachable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bylaws {
    /// Paid once on joining; refunded on leaving.
    pub simpanan_pokok: Rupiah,
    /// Paid every month; may be zero.
    pub simpanan_wajib_monthly: Rupiah,
    /// 1 = January (the usual fiscal year).
    pub fiscal_year_start_month: u8,
    pub allocation: ShuAllocation,
    pub quorum: QuorumRule,
    pub member_number_format: MemberNumberFormat,
}

impl Default for Bylaws {
    /// Pokok Rp 100.000, wajib Rp 20.000 a month, fiscal year from January, the default SHU
    /// split and quorum, member numbers `{kode}-{yyyy}-{seq:05}`.
    fn default() -> Self {
        Bylaws {
            simpanan_pokok: Rupiah(100_000),
            simpanan_wajib_monthly: Rupiah(20_000),
            fiscal_year_start_month: 1,
            allocation: ShuAllocation::default(),
            quorum: QuorumRule::default(),
            member_number_format: MemberNumberFormat::default(),
        }
    }
}

/// The bylaws form as typed: all text except the two check boxes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BylawsInput {
    pub simpanan_pokok: String,
    pub simpanan_wajib_monthly: String,
    pub fiscal_year_start_month: String,
    pub cadangan: String,
    pub jasa_modal: String,
    pub jasa_usaha: String,
    pub pengurus: String,
    pub karyawan: String,
    pub pendidikan: String,
    pub sosial: String,
    pub pembangunan_daerah: String,
    pub quorum_numerator: String,
    pub quorum_denominator: String,
    pub quorum_strictly_greater: bool,
    pub quorum_counts_proxies: bool,
    pub member_number_format: String,
}

impl BylawsInput {
    /// The form filled with `b`, for editing existing bylaws.
    pub fn from_bylaws(b: &Bylaws) -> BylawsInput {
        let pct = |bp: BasisPoints| bp.to_string().trim_end_matches('%').to_string();
        let a = &b.allocation;
        BylawsInput {
            simpanan_pokok: crate::money::format_number(b.simpanan_pokok.0),
            simpanan_wajib_monthly: crate::money::format_number(b.simpanan_wajib_monthly.0),
            fiscal_year_start_month: b.fiscal_year_start_month.to_string(),
            cadangan: pct(a.cadangan),
            jasa_modal: pct(a.jasa_modal),
            jasa_usaha: pct(a.jasa_usaha),
            pengurus: pct(a.pengurus),
            karyawan: pct(a.karyawan),
            pendidikan: pct(a.pendidikan),
            sosial: pct(a.sosial),
            pembangunan_daerah: pct(a.pembangunan_daerah),
            quorum_numerator: b.quorum.numerator.to_string(),
            quorum_denominator: b.quorum.denominator.to_string(),
            quorum_strictly_greater: b.quorum.strictly_greater,
            quorum_counts_proxies: b.quorum.counts_proxies,
            member_number_format: b.member_number_format.as_str().to_string(),
        }
    }
}

/// Checks the bylaws form and returns the bylaws or **all** problems, each on its
/// `BylawsInput` field (the sum of the SHU split on `allocation`).
///
/// An empty SHU bucket counts as 0 % (most coops leave some funds out), and an empty member
/// number format means the default; every other field is required.
pub fn validate_bylaws(input: &BylawsInput) -> Result<Bylaws, Vec<FieldError>> {
    let mut errors = Vec::new();

    let pokok = keep(
        &mut errors,
        "simpanan_pokok",
        Rupiah::parse_positive(&input.simpanan_pokok).map_err(|e| e.msg()),
    );
    let wajib = keep(
        &mut errors,
        "simpanan_wajib_monthly",
        Rupiah::parse(&input.simpanan_wajib_monthly).map_err(|e| e.msg()),
    );
    let month = keep(
        &mut errors,
        "fiscal_year_start_month",
        input
            .fiscal_year_start_month
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| {
                Msg::new(
                    "Bulan awal tahun buku harus angka 1 sampai 12",
                    "The first month of the fiscal year must be a number from 1 to 12",
                )
            }),
    );

    let mut allocation = ShuAllocation {
        cadangan: BasisPoints::ZERO,
        jasa_modal: BasisPoints::ZERO,
        jasa_usaha: BasisPoints::ZERO,
        pengurus: BasisPoints::ZERO,
        karyawan: BasisPoints::ZERO,
        pendidikan: BasisPoints::ZERO,
        sosial: BasisPoints::ZERO,
        pembangunan_daerah: BasisPoints::ZERO,
    };
    let mut buckets_ok = true;
    for (field, raw) in [
        ("cadangan", &input.cadangan),
        ("jasa_modal", &input.jasa_modal),
        ("jasa_usaha", &input.jasa_usaha),
        ("pengurus", &input.pengurus),
        ("karyawan", &input.karyawan),
        ("pendidikan", &input.pendidikan),
        ("sosial", &input.sosial),
        ("pembangunan_daerah", &input.pembangunan_daerah),
    ] {
        let parsed = if raw.trim().is_empty() {
            Ok(BasisPoints::ZERO)
        } else {
            BasisPoints::parse(raw).map_err(|e| e.msg())
        };
        match keep(&mut errors, field, parsed) {
            Some(bp) => {
                let _known = allocation.set(field, bp);
            }
            None => buckets_ok = false,
        }
    }

    let quorum_part = |raw: &str| {
        raw.trim().parse::<u32>().map_err(|_| {
            Msg::new(
                "Kuorum diisi dengan bilangan bulat, misalnya 1 dan 2 untuk 1/2",
                "The quorum is written with whole numbers, e.g. 1 and 2 for 1/2",
            )
        })
    };
    let numerator = keep(
        &mut errors,
        "quorum_numerator",
        quorum_part(&input.quorum_numerator),
    );
    let denominator = keep(
        &mut errors,
        "quorum_denominator",
        quorum_part(&input.quorum_denominator),
    );

    let format = if input.member_number_format.trim().is_empty() {
        Some(MemberNumberFormat::default())
    } else {
        keep(
            &mut errors,
            "member_number_format",
            MemberNumberFormat::parse(&input.member_number_format).map_err(|e| e.msg()),
        )
    };

    if buckets_ok && let Err(e) = allocation.validate() {
        errors.push(e);
    }
    let quorum = match (numerator, denominator) {
        (Some(numerator), Some(denominator)) => {
            let q = QuorumRule {
                numerator,
                denominator,
                strictly_greater: input.quorum_strictly_greater,
                counts_proxies: input.quorum_counts_proxies,
            };
            match q.validate() {
                Ok(()) => Some(q),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
        _ => None,
    };

    match (pokok, wajib, month, quorum, format) {
        (Some(pokok), Some(wajib), Some(month), Some(quorum), Some(format))
            if errors.is_empty() =>
        {
            Ok(Bylaws {
                simpanan_pokok: pokok,
                simpanan_wajib_monthly: wajib,
                fiscal_year_start_month: month,
                allocation,
                quorum,
                member_number_format: format,
            })
        }
        _ => Err(errors),
    }
}

/// The value, or `None` after recording the error on `field`.
fn keep<T>(errors: &mut Vec<FieldError>, field: &str, r: Result<T, Msg>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(msg) => {
            errors.push(FieldError::new(field, msg));
            None
        }
    }
}

/// Cleans a coop's short code, used in member numbers and URLs: trimmed, upper-cased, 2–10
/// characters `A–Z 0–9` (so it is safe anywhere and reads the same everywhere). Field `code`.
pub fn coop_code(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_uppercase();
    let err = |id: String, en: String| Err(FieldError::new("code", Msg::new(id, en)));
    if code.is_empty() {
        return err(
            "Kode koperasi wajib diisi".into(),
            "The coop code is required".into(),
        );
    }
    if let Some(c) = code
        .chars()
        .find(|c| !c.is_ascii_uppercase() && !c.is_ascii_digit())
    {
        return err(
            format!(
                "Kode koperasi hanya boleh berisi huruf A–Z dan angka 0–9; karakter '{c}' tidak boleh dipakai"
            ),
            format!(
                "The coop code may only contain letters A–Z and digits 0–9; the character '{c}' is not allowed"
            ),
        );
    }
    let n = code.chars().count();
    if !(2..=10).contains(&n) {
        return err(
            format!("Kode koperasi harus 2 sampai 10 karakter, sekarang {n}"),
            format!("The coop code must be 2 to 10 characters, it has {n}"),
        );
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn enums_have_stable_codes_and_labels() {
        let codes: Vec<&str> = CoopKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            codes,
            [
                "simpan_pinjam",
                "konsumen",
                "produsen",
                "pemasaran",
                "jasa",
                "serba_usaha"
            ]
        );
        assert_eq!(CoopKind::SerbaUsaha.label(Lang::Id), "Serba Usaha");
        assert_eq!(CoopKind::SimpanPinjam.label(Lang::Id), "Simpan Pinjam");
        assert_eq!(CoopKind::parse(" jasa "), Some(CoopKind::Jasa));
        assert_eq!(CoopKind::parse("Jasa"), None);
        assert_eq!(CoopPattern::Syariah.as_str(), "syariah");
        assert_eq!(
            CoopPattern::parse("konvensional"),
            Some(CoopPattern::Konvensional)
        );
        assert_eq!(CoopTier::Primary.as_str(), "primer");
        assert_eq!(CoopTier::Secondary.as_str(), "sekunder");
        assert_eq!(CoopTier::Secondary.label(Lang::Id), "Sekunder");
        assert_eq!(CoopTier::Primary.label(Lang::En), "Primary");
        for tz in CoopTimeZone::ALL {
            assert_eq!(CoopTimeZone::parse(tz.as_str()), Some(*tz));
        }
        assert_eq!(CoopTimeZone::Wib.label(Lang::Id), "WIB");
        assert_eq!(CoopTimeZone::Wita.as_str(), "wita");
        assert_eq!(CoopTimeZone::Wib.offset().whole_hours(), 7);
        assert_eq!(CoopTimeZone::Wita.offset().whole_hours(), 8);
        assert_eq!(CoopTimeZone::Wit.offset().whole_hours(), 9);
        assert_eq!(
            CoopTimeZone::Wit.long_name(Lang::Id),
            "Waktu Indonesia Timur"
        );
    }

    #[test]
    fn serde_uses_the_stable_codes() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as DeError, StrDeserializer};
        let d: StrDeserializer<'_, DeError> = "sekunder".into_deserializer();
        assert_eq!(CoopTier::deserialize(d), Ok(CoopTier::Secondary));
        let d: StrDeserializer<'_, DeError> = "serba_usaha".into_deserializer();
        assert_eq!(CoopKind::deserialize(d), Ok(CoopKind::SerbaUsaha));
        let d: StrDeserializer<'_, DeError> = "Secondary".into_deserializer();
        assert!(CoopTier::deserialize(d).is_err());
        let d: StrDeserializer<'_, DeError> = "P".into_deserializer();
        assert_eq!(
            crate::member::Gender::deserialize(d),
            Ok(crate::member::Gender::Female)
        );
        let d: StrDeserializer<'_, DeError> = "kasir".into_deserializer();
        assert_eq!(
            crate::identity::Role::deserialize(d),
            Ok(crate::identity::Role::Kasir)
        );
        let d: StrDeserializer<'_, DeError> = "meninggal".into_deserializer();
        assert_eq!(
            crate::member::MemberStatus::deserialize(d),
            Ok(crate::member::MemberStatus::Meninggal)
        );
        let d: StrDeserializer<'_, DeError> = "{seq}".into_deserializer();
        assert!(MemberNumberFormat::deserialize(d).is_ok());
        let d: StrDeserializer<'_, DeError> = "{kode}".into_deserializer();
        assert!(MemberNumberFormat::deserialize(d).is_err());
    }

    #[test]
    fn default_allocation_is_whole() {
        let a = ShuAllocation::default();
        assert_eq!(a.total(), BasisPoints::HUNDRED);
        assert!(a.validate().is_ok());
        assert_eq!(a.get("cadangan"), Some(BasisPoints(4000)));
        assert_eq!(a.get("nope"), None);
        for (field, id, en) in ShuAllocation::BUCKETS {
            assert!(a.get(field).is_some(), "{field}");
            assert!(!id.is_empty() && !en.is_empty());
        }
    }

    #[test]
    fn allocation_error_states_the_sum() {
        let mut a = ShuAllocation::default();
        assert!(a.set("sosial", BasisPoints(0)));
        assert!(!a.set("nope", BasisPoints(0)));
        let e = a.validate().unwrap_err();
        assert_eq!(e.field, "allocation");
        assert_eq!(
            e.msg.id,
            "Jumlah pembagian SHU harus tepat 100%, sekarang 95%"
        );
        assert_eq!(
            e.msg.en,
            "The SHU allocation must add up to exactly 100%, it is now 95%"
        );
        assert!(a.set("pembangunan_daerah", BasisPoints(1250)));
        assert!(
            a.validate()
                .unwrap_err()
                .msg
                .id
                .ends_with("sekarang 107,5%")
        );
        let mut huge = ShuAllocation::default();
        for (f, _, _) in ShuAllocation::BUCKETS {
            assert!(huge.set(f, BasisPoints(u32::MAX)));
        }
        assert_eq!(huge.total(), BasisPoints(u32::MAX));
        assert!(huge.validate().is_err());
    }

    #[test]
    fn quorum() {
        let q = QuorumRule::default();
        assert!(q.validate().is_ok());
        assert!(!q.is_met(50, 100));
        assert!(q.is_met(51, 100));
        assert!(q.is_met(4, 7));
        assert!(!q.is_met(3, 7));
        assert!(!q.is_met(0, 0));
        assert_eq!(q.describe(Lang::Id), "lebih dari 1/2 anggota");
        assert_eq!(q.describe(Lang::En), "more than 1/2 of members");
        let q = QuorumRule {
            numerator: 2,
            denominator: 3,
            strictly_greater: false,
            counts_proxies: true,
        };
        assert!(q.is_met(2, 3));
        assert!(!q.is_met(1, 3));
        assert!(q.is_met(u64::MAX, u64::MAX));
        assert_eq!(
            q.describe(Lang::Id),
            "paling sedikit 2/3 anggota, termasuk yang diwakili kuasa"
        );
        assert_eq!(
            q.describe(Lang::En),
            "at least 2/3 of members, proxies included"
        );

        let bad = |n, d, s| QuorumRule {
            numerator: n,
            denominator: d,
            strictly_greater: s,
            counts_proxies: false,
        };
        assert_eq!(
            bad(1, 0, false).validate().unwrap_err().field,
            "quorum_denominator"
        );
        assert_eq!(
            bad(0, 2, false).validate().unwrap_err().field,
            "quorum_numerator"
        );
        assert_eq!(
            bad(3, 2, false).validate().unwrap_err().field,
            "quorum_numerator"
        );
        assert_eq!(
            bad(2, 2, true).validate().unwrap_err().field,
            "quorum_strictly_greater"
        );
        assert!(bad(2, 2, false).validate().is_ok());
        assert!(!bad(1, 0, false).is_met(1, 1));
    }

    fn default_input() -> BylawsInput {
        BylawsInput::from_bylaws(&Bylaws::default())
    }

    #[test]
    fn bylaws_round_trip_through_the_form() {
        let input = default_input();
        assert_eq!(input.simpanan_pokok, "100.000");
        assert_eq!(input.cadangan, "40");
        assert_eq!(validate_bylaws(&input), Ok(Bylaws::default()));
    }

    #[test]
    fn bylaws_form_details() {
        let mut input = default_input();
        input.pembangunan_daerah = "".into(); // empty bucket = 0 %
        input.member_number_format = " ".into(); // empty = default
        input.simpanan_wajib_monthly = "0".into(); // wajib may be zero
        input.fiscal_year_start_month = "7".into();
        input.cadangan = "37,5".into();
        input.pendidikan = "7.5".into();
        let b = validate_bylaws(&input).unwrap();
        assert_eq!(b.simpanan_wajib_monthly, Rupiah::ZERO);
        assert_eq!(b.fiscal_year_start_month, 7);
        assert_eq!(b.allocation.cadangan, BasisPoints(3750));
        assert_eq!(b.member_number_format, MemberNumberFormat::default());
    }

    #[test]
    fn bylaws_collect_every_error() {
        let input = BylawsInput {
            simpanan_pokok: "0".into(),
            simpanan_wajib_monthly: "-5".into(),
            fiscal_year_start_month: "13".into(),
            cadangan: "abc".into(),
            quorum_numerator: "x".into(),
            quorum_denominator: "2".into(),
            member_number_format: "{kode}".into(),
            ..BylawsInput::default()
        };
        let errs = validate_bylaws(&input).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "simpanan_pokok",
                "simpanan_wajib_monthly",
                "fiscal_year_start_month",
                "cadangan",
                "quorum_numerator",
                "member_number_format"
            ]
        );
        assert!(errs[0].msg.id.contains("lebih dari 0"));

        // Buckets fine one by one, wrong in sum; quorum unreachable.
        let mut input = default_input();
        input.sosial = "0".into();
        input.quorum_numerator = "2".into();
        input.quorum_strictly_greater = true;
        let errs = validate_bylaws(&input).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["allocation", "quorum_strictly_greater"]);
        assert!(errs[0].msg.id.ends_with("sekarang 95%"));

        let mut input = default_input();
        input.fiscal_year_start_month = "".into();
        input.quorum_denominator = "0".into();
        let errs = validate_bylaws(&input).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["fiscal_year_start_month", "quorum_denominator"]);
    }

    #[test]
    fn coop_codes() {
        assert_eq!(coop_code(" kspmj "), Ok("KSPMJ".into()));
        assert_eq!(coop_code("K1"), Ok("K1".into()));
        assert_eq!(coop_code("ABCDEFGHIJ"), Ok("ABCDEFGHIJ".into()));
        let e = coop_code("").unwrap_err();
        assert_eq!(e.field, "code");
        assert!(e.msg.id.contains("wajib"));
        assert!(coop_code("K").unwrap_err().msg.id.contains("sekarang 1"));
        assert!(
            coop_code("ABCDEFGHIJK")
                .unwrap_err()
                .msg
                .id
                .contains("sekarang 11")
        );
        assert!(coop_code("KSP-MJ").unwrap_err().msg.id.contains("'-'"));
        assert!(coop_code("KSP MJ").unwrap_err().msg.id.contains("' '"));
        assert!(coop_code("KOPÉ").is_err());
    }

    proptest! {
        #[test]
        fn allocation_is_valid_exactly_when_it_sums_to_100(
            parts in prop::array::uniform8(0u32..=10_000),
            make_whole in any::<bool>(),
        ) {
            let mut a = ShuAllocation::default();
            let mut parts = parts;
            if make_whole {
                // Scale into a split that sums to exactly 10 000.
                let sum: u32 = parts.iter().sum::<u32>().max(1);
                for p in parts.iter_mut() {
                    *p = *p * 10_000 / sum;
                }
                let rest = 10_000 - parts.iter().sum::<u32>();
                parts[0] += rest;
            }
            for ((field, _, _), p) in ShuAllocation::BUCKETS.iter().zip(parts) {
                prop_assert!(a.set(field, BasisPoints(p)));
            }
            prop_assert_eq!(a.validate().is_ok(), a.total() == BasisPoints::HUNDRED);
            prop_assert_eq!(a.total().0, parts.iter().sum::<u32>());
        }
    }
}
