//! Legality documents a product may carry (NIB, P-IRT, BPOM, halal, SNI, trademark), each
//! checked against its published shape, and the expiry rules curators apply to them.
//!
//! OPOP curation wants products to be certified (halal, registered trademark, SNI, distribution
//! permit) before they are promoted. A number that exists in this module is *well formed*;
//! whether it was really issued is for the issuer's public check service to say (OSS, BPOM,
//! halal.go.id, PDKI). What each type checks, and where the shape comes from, is on the type:
//! everything follows the domain reference §5 unless its doc comment names another source.
//!
//! Every parser accepts the number the way people copy it from a label (`P-IRT No. …`,
//! `BPOM RI MD …`, lower case, spaces, dots and dashes) and keeps one normalised form for the
//! database ([`check_number`]); parsing the normalised form again gives the same value.

use crate::codes::string_serde;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Duration};

use crate::codes::code_enum;
use crate::fmt_id::tanggal;
use crate::identifiers::{IdentifierError, Nib};
use crate::lang::{Lang, Msg};
use crate::region::{self, RegionCode};

// ---------------------------------------------------------------------------------------------
// Document kinds

code_enum! {
    /// The kinds of legality document a product (or its seller) may show. The codes are stored
    /// in the database; `merek` keeps the Indonesian word because "trademark" is DJKI's *merek*.
    DocKind {
        /// The seller's business number from OSS (domain reference §5.2).
        Nib => "nib", "NIB (Nomor Induk Berusaha)", "NIB (business identification number)";
        /// The home-industry food permit, SPP-IRT (§5.3).
        Pirt => "pirt", "P-IRT (SPP-IRT)", "Home-industry food permit (P-IRT)";
        /// A BPOM distribution permit: MD/ML food, NA cosmetics, TR… traditional medicine (§5.4).
        Bpom => "bpom", "Izin edar BPOM", "BPOM distribution permit";
        /// A halal certificate from BPJPH, or a legacy one from MUI (§5.5).
        Halal => "halal", "Sertifikat halal", "Halal certificate";
        /// The Indonesian National Standard the product conforms to.
        Sni => "sni", "SNI (Standar Nasional Indonesia)", "SNI (Indonesian National Standard)";
        /// A trademark registration or application at DJKI.
        Trademark => "merek", "Merek (DJKI)", "Trademark (DJKI)";
    }
}

impl DocKind {
    /// Whether a document of this kind must be entered with its expiry date.
    ///
    /// What the domain reference says about validity:
    /// - NIB: valid as long as the business runs (§5.2): no expiry.
    /// - P-IRT: valid 5 years, and the number's last two digits are the expiry year (§5.3).
    /// - BPOM: an MD/ML registration is valid 5 years (§5.4). The brief for this module listed
    ///   only halal and P-IRT; BPOM is included because the reference gives it a validity and an
    ///   expired permit means the product may no longer be distributed.
    /// - Halal: MUI-era certificates were valid 2 years and UU 33/2014 made it 4 years; since
    ///   Perppu 2/2022 a certificate stays valid while ingredients and process are unchanged
    ///   (§5.5, **uncertain**: the source text is truncated). Certificates in circulation still
    ///   carry a date, so one is required; a certificate without one is a case for the curator.
    /// - SNI: the number names a standard, not a certificate: no expiry.
    /// - Trademark: the reference is silent (UU 20/2016 protects a registered mark 10 years,
    ///   renewable); an expiry may be entered but is not required.
    pub fn needs_expiry(self) -> bool {
        matches!(self, DocKind::Pirt | DocKind::Bpom | DocKind::Halal)
    }

    /// The longest validity a new document of this kind has, in years, when the reference
    /// states one: an expiry date further away than that from today is a typing mistake
    /// (`2092` for `2029`). P-IRT and BPOM are valid 5 years. Halal has no bound, since
    /// certificates issued since Perppu 2/2022 may not expire at all.
    pub fn max_validity_years(self) -> Option<i64> {
        match self {
            DocKind::Pirt | DocKind::Bpom => Some(5),
            DocKind::Nib | DocKind::Halal | DocKind::Sni | DocKind::Trademark => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a legality number or its expiry date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegalityError {
    /// The NIB, with the reason from [`crate::identifiers`].
    Nib(IdentifierError),

    PirtEmpty,
    /// A character other than digits, spaces, dots, dashes and the `P-IRT No.` label.
    PirtInvalidCharacter(char),
    /// The number of digits given, when it is not 15.
    PirtWrongLength(usize),
    /// Digit 1, the packaging code, is not 1–8.
    PirtBadPackaging(u8),
    /// Digits 4–7 are not a regency or city (dotted code, e.g. `35.99`).
    PirtUnknownRegency(String),
    /// The expiry date's year differs from the year in digits 14–15.
    PirtExpiryYearMismatch {
        in_number: i32,
        given: i32,
    },

    BpomEmpty,
    /// Digits without the two-letter class (MD, ML, NA, TR, …).
    BpomMissingPrefix,
    /// A class this module does not know (the first two characters, upper-cased).
    BpomUnknownPrefix(String),
    /// A character that is not a digit after the class letters.
    BpomInvalidCharacter(char),
    /// The number of digits after the class letters, when it is not the class's length.
    BpomWrongLength {
        prefix: String,
        expected: usize,
        given: usize,
    },

    HalalEmpty,
    /// A KH (Ketetapan Halal) number: certification is not finished (§5.5).
    HalalKetetapanNotCertificate,
    HalalInvalidCharacter(char),
    /// The number of digits after `ID`, when it is not 10–20.
    HalalBpjphWrongLength(usize),
    /// The number of digits of a number without `ID`, when it is not 14 (legacy MUI).
    HalalLegacyWrongLength(usize),
    /// Neither `ID…` nor a legacy MUI number.
    HalalUnrecognised,

    SniEmpty,
    /// None of the accepted shapes (`SNI 01-3553-2006`, `SNI 3553:2015`, `SNI ISO 22000:2018`).
    SniUnrecognised,
    /// A year that does not start with 19 or 20.
    SniBadYear(String),

    TrademarkEmpty,
    /// Neither `IDM` nor `DID`/`JID` at the start.
    TrademarkUnrecognised,
    TrademarkInvalidCharacter(char),
    /// The number of digits after the letters, when it is not the shape's length.
    TrademarkWrongLength {
        prefix: String,
        expected: usize,
        given: usize,
    },
    /// An application number whose year does not start with 20.
    TrademarkBadYear(String),

    /// A document that must have an expiry date was entered without one.
    ExpiryMissing(DocKind),
    /// The document had already expired when it was submitted.
    AlreadyExpired {
        kind: DocKind,
        on: Date,
    },
    /// The expiry date is further away than the document can be valid.
    ExpiryTooFar {
        kind: DocKind,
        on: Date,
        max_years: i64,
    },
}

impl LegalityError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        use LegalityError as E;
        match self {
            E::Nib(e) => e.msg(),
            E::PirtEmpty => Msg::new("Nomor P-IRT wajib diisi", "The P-IRT number is required"),
            E::PirtInvalidCharacter(c) => Msg::new(
                format!(
                    "Nomor P-IRT berisi 15 angka, misalnya 2053507010127-29; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "A P-IRT number has 15 digits, e.g. 2053507010127-29; the character '{c}' is not allowed"
                ),
            ),
            E::PirtWrongLength(n) => Msg::new(
                format!("Nomor P-IRT harus 15 digit angka; yang diisi {n} digit"),
                format!("A P-IRT number must have 15 digits; {n} digits were given"),
            ),
            E::PirtBadPackaging(d) => Msg::new(
                format!("Digit pertama nomor P-IRT (kode kemasan) harus 1–8, bukan {d}"),
                format!(
                    "The first digit of a P-IRT number (the packaging code) must be 1–8, not {d}"
                ),
            ),
            E::PirtUnknownRegency(code) => Msg::new(
                format!(
                    "Digit 4–7 nomor P-IRT ({code}) bukan kode kabupaten/kota yang dikenal; periksa kembali nomornya"
                ),
                format!(
                    "Digits 4–7 of the P-IRT number ({code}) are not a known regency/city code; please check the number"
                ),
            ),
            E::PirtExpiryYearMismatch { in_number, given } => Msg::new(
                format!(
                    "Nomor P-IRT menunjukkan masa berlaku sampai tahun {in_number}, tetapi tanggal berlaku yang diisi tahun {given}"
                ),
                format!(
                    "The P-IRT number says it is valid until {in_number}, but the expiry date entered is in {given}"
                ),
            ),
            E::BpomEmpty => Msg::new(
                "Nomor izin edar BPOM wajib diisi",
                "The BPOM registration number is required",
            ),
            E::BpomMissingPrefix => Msg::new(
                "Tulis nomor BPOM lengkap dengan kodenya, misalnya MD 235602169254; nomor P-IRT diisi sebagai P-IRT",
                "Write the BPOM number with its code, e.g. MD 235602169254; a P-IRT number goes in the P-IRT field",
            ),
            E::BpomUnknownPrefix(p) => Msg::new(
                format!(
                    "Kode '{p}' tidak dikenal; nomor BPOM diawali MD, ML, NA, TR, TI, HT, FF, SD, SI atau SL"
                ),
                format!(
                    "The code '{p}' is unknown; a BPOM number starts with MD, ML, NA, TR, TI, HT, FF, SD, SI or SL"
                ),
            ),
            E::BpomInvalidCharacter(c) => Msg::new(
                format!(
                    "Setelah kode huruf, nomor BPOM hanya berisi angka; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "After its letter code a BPOM number has only digits; the character '{c}' is not allowed"
                ),
            ),
            E::BpomWrongLength {
                prefix,
                expected,
                given,
            } => Msg::new(
                format!(
                    "Nomor BPOM {prefix} harus diikuti {expected} digit angka; yang diisi {given} digit"
                ),
                format!(
                    "A BPOM {prefix} number has {expected} digits after the code; {given} digits were given"
                ),
            ),
            E::HalalEmpty => Msg::new(
                "Nomor sertifikat halal wajib diisi",
                "The halal certificate number is required",
            ),
            E::HalalKetetapanNotCertificate => Msg::new(
                "Nomor KH (Ketetapan Halal) bukan nomor sertifikat: sertifikasi halal belum selesai. Isi nomor sertifikat dari BPJPH (diawali ID)",
                "A KH (halal decision) number is not a certificate number: certification is not finished. Enter the BPJPH certificate number (starting with ID)",
            ),
            E::HalalInvalidCharacter(c) => Msg::new(
                format!(
                    "Nomor sertifikat halal berisi ID lalu angka; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "A halal certificate number is ID followed by digits; the character '{c}' is not allowed"
                ),
            ),
            E::HalalBpjphWrongLength(n) => Msg::new(
                format!(
                    "Nomor sertifikat halal BPJPH berisi ID lalu 10–20 digit angka; yang diisi {n} digit"
                ),
                format!(
                    "A BPJPH halal certificate number is ID followed by 10–20 digits; {n} digits were given"
                ),
            ),
            E::HalalLegacyWrongLength(n) => Msg::new(
                format!(
                    "Nomor sertifikat halal MUI (lama) berisi 14 digit angka; yang diisi {n} digit. Sertifikat BPJPH diawali ID"
                ),
                format!(
                    "A legacy MUI halal certificate number has 14 digits; {n} digits were given. BPJPH certificates start with ID"
                ),
            ),
            E::HalalUnrecognised => Msg::new(
                "Nomor sertifikat halal tidak dikenali; tulis nomor BPJPH yang diawali ID, misalnya ID35110000123450122",
                "The halal certificate number is not recognised; write the BPJPH number starting with ID, e.g. ID35110000123450122",
            ),
            E::SniEmpty => Msg::new("Nomor SNI wajib diisi", "The SNI number is required"),
            E::SniUnrecognised => Msg::new(
                "Nomor SNI tidak dikenali; tulis misalnya SNI 3553:2015 atau SNI 01-3553-2006",
                "The SNI number is not recognised; write e.g. SNI 3553:2015 or SNI 01-3553-2006",
            ),
            E::SniBadYear(y) => Msg::new(
                format!("Tahun SNI '{y}' tidak mungkin; tulis tahun 4 digit, misalnya 2015"),
                format!("The SNI year '{y}' is not possible; write a 4-digit year, e.g. 2015"),
            ),
            E::TrademarkEmpty => Msg::new(
                "Nomor merek wajib diisi",
                "The trademark number is required",
            ),
            E::TrademarkUnrecognised => Msg::new(
                "Nomor merek tidak dikenali; tulis nomor pendaftaran (misalnya IDM000123456) atau nomor permohonan (misalnya DID2021012345)",
                "The trademark number is not recognised; write the registration number (e.g. IDM000123456) or the application number (e.g. DID2021012345)",
            ),
            E::TrademarkInvalidCharacter(c) => Msg::new(
                format!(
                    "Setelah kode huruf, nomor merek hanya berisi angka; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "After its letters a trademark number has only digits; the character '{c}' is not allowed"
                ),
            ),
            E::TrademarkWrongLength {
                prefix,
                expected,
                given,
            } => Msg::new(
                format!(
                    "Nomor merek {prefix} harus diikuti {expected} digit angka; yang diisi {given} digit"
                ),
                format!(
                    "A trademark number starting with {prefix} has {expected} digits after it; {given} digits were given"
                ),
            ),
            E::TrademarkBadYear(y) => Msg::new(
                format!("Tahun permohonan merek '{y}' tidak mungkin"),
                format!("The trademark application year '{y}' is not possible"),
            ),
            E::ExpiryMissing(kind) => Msg::new(
                format!(
                    "Tanggal berlaku sampai untuk {} wajib diisi",
                    kind.label(Lang::Id)
                ),
                format!(
                    "The expiry date of the {} is required",
                    kind.label(Lang::En)
                ),
            ),
            E::AlreadyExpired { kind, on } => Msg::new(
                format!(
                    "{} sudah tidak berlaku sejak {}; unggah dokumen yang masih berlaku",
                    kind.label(Lang::Id),
                    tanggal(*on, Lang::Id)
                ),
                format!(
                    "The {} expired on {}; upload a document that is still valid",
                    kind.label(Lang::En),
                    tanggal(*on, Lang::En)
                ),
            ),
            E::ExpiryTooFar {
                kind,
                on,
                max_years,
            } => Msg::new(
                format!(
                    "Tanggal berlaku sampai {} terlalu jauh: {} berlaku paling lama {max_years} tahun",
                    tanggal(*on, Lang::Id),
                    kind.label(Lang::Id)
                ),
                format!(
                    "The expiry date {} is too far away: a {} is valid at most {max_years} years",
                    tanggal(*on, Lang::En),
                    kind.label(Lang::En)
                ),
            ),
        }
    }
}

impl fmt::Display for LegalityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared parsing helpers

/// `s` without whitespace and without the separators in `drop`.
fn compact(s: &str, drop: &[char]) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !drop.contains(c))
        .collect()
}

/// `s` without a leading `prefix`, compared ignoring ASCII case.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `s` without any run of the leading `labels` (`P-IRT`, `No.`, `BPOM RI`, …), ignoring ASCII
/// case. Longer labels must come before their own prefixes in `labels`.
fn strip_labels<'a>(mut s: &'a str, labels: &[&str]) -> &'a str {
    'again: loop {
        for label in labels {
            if let Some(rest) = strip_prefix_ci(s, label) {
                s = rest;
                continue 'again;
            }
        }
        return s;
    }
}

/// The first character of `s` that is not an ASCII digit.
fn first_non_digit(s: &str) -> Option<char> {
    s.chars().find(|c| !c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// P-IRT

/// A P-IRT (SPP-IRT) number, the home-industry food permit issued by a regency or city health
/// office under Peraturan BPOM 22/2018 (domain reference §5.3). Stored as its 15 bare digits;
/// shown as `2053507010127-29`, the way labels print it after `P-IRT No.`.
///
/// Layout: digit 1 packaging (1 glass, 2 plastic, 3 cardboard/paper, 4 can, 5 aluminium foil,
/// 6 other such as leaf, 7 composite, 8 multiple), 2–3 food type, 4–7 province and regency/city
/// (Kemendagri), 8–9 the product's sequence at that producer, 10–13 the producer's sequence in
/// the regency, 14–15 the last two digits of the expiry year.
///
/// Invariant: 15 ASCII digits, digit 1 in 1–8, digits 4–7 a regency or city in the embedded
/// region list. The food-type and sequence digits are not checked: the reference gives no
/// complete list. The older 12-character format is refused: it predates 2018, and a permit is
/// valid 5 years, so none of those is still valid.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pirt(String);

impl Pirt {
    /// Reads a P-IRT number as typed or copied from a label: `P-IRT No. 2053507010127-29`,
    /// `SPP-IRT 205.3507.01.0127.29`; the label, spaces, dots, dashes and colons are ignored.
    pub fn parse(s: &str) -> Result<Pirt, LegalityError> {
        let compacted = compact(s, &['.', '-', ':']);
        let digits = strip_labels(&compacted, &["SPPIRT", "PIRT", "NOMOR", "NO"]);
        if digits.is_empty() {
            return Err(LegalityError::PirtEmpty);
        }
        if let Some(c) = first_non_digit(digits) {
            return Err(LegalityError::PirtInvalidCharacter(c));
        }
        if digits.len() != 15 {
            return Err(LegalityError::PirtWrongLength(digits.len()));
        }
        let packaging = digits.as_bytes()[0] - b'0';
        if !(1..=8).contains(&packaging) {
            return Err(LegalityError::PirtBadPackaging(packaging));
        }
        let regency = format!("{}.{}", &digits[3..5], &digits[5..7]);
        if region::lookup(&regency).is_none() {
            return Err(LegalityError::PirtUnknownRegency(regency));
        }
        Ok(Pirt(digits.to_string()))
    }

    /// The 15 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digit 1: the packaging code, 1–8 (see the type's docs).
    pub fn packaging(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }

    /// Digits 2–3: the food-type code (`01` dried meat products, `06` flour products, …).
    pub fn food_type(&self) -> &str {
        &self.0[1..3]
    }

    /// Digits 4–7: the regency or city whose health office issued the permit.
    pub fn regency(&self) -> RegionCode {
        RegionCode::known(&format!("{}.{}", &self.0[3..5], &self.0[5..7]))
    }

    /// Issued in Jawa Timur (province code 35). For an East Java seller a permit from
    /// elsewhere is worth a curator's look, not a refusal.
    pub fn is_jatim(&self) -> bool {
        &self.0[3..5] == "35"
    }

    /// The expiry year from digits 14–15. The 15-digit format dates from 2018, so the century
    /// is always 20.
    pub fn expiry_year(&self) -> i32 {
        let b = self.0.as_bytes();
        2000 + i32::from(b[13] - b'0') * 10 + i32::from(b[14] - b'0')
    }

    /// Checks an entered expiry date against the year in the number. The digit layout comes
    /// from secondary sources (§5.3), so callers show this as a warning for the curator rather
    /// than refuse the document.
    pub fn check_expiry(&self, expires_on: Date) -> Result<(), LegalityError> {
        if expires_on.year() == self.expiry_year() {
            Ok(())
        } else {
            Err(LegalityError::PirtExpiryYearMismatch {
                in_number: self.expiry_year(),
                given: expires_on.year(),
            })
        }
    }
}

/// `2053507010127-29`.
impl fmt::Display for Pirt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..13], &self.0[13..])
    }
}

// ---------------------------------------------------------------------------------------------
// BPOM

/// The product classes a BPOM number names by its two letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BpomClass {
    /// MD (domestic) and ML (imported) processed food.
    Food,
    /// NA cosmetics notification.
    Cosmetic,
    /// TR (domestic), TI (imported), HT (standardised herbal), FF (phytopharmaca): jamu and
    /// other traditional medicine.
    TraditionalMedicine,
    /// SD (domestic), SI (imported), SL (licensed) health supplements.
    Supplement,
}

/// Each accepted class: letters, digits that follow, class, imported.
///
/// MD/ML with 12 digits are confirmed (§5.4). NA with 11 digits is from the reference's example
/// `NA18171234567` (marked uncertain there). TR/TI/HT/FF and SD/SI/SL with 9 digits (printed
/// `POM TR 123456789`) come from BPOM's guide as quoted at
/// <https://cewekbanget.grid.id/read/062712071/yuk-cari-tahu-ini-arti-dan-cara-baca-nomor-izin-edar-bpom-ri?page=3>;
/// the reference lists these prefixes without lengths.
const BPOM_CLASSES: &[(&str, usize, BpomClass, bool)] = &[
    ("MD", 12, BpomClass::Food, false),
    ("ML", 12, BpomClass::Food, true),
    ("NA", 11, BpomClass::Cosmetic, false),
    ("TR", 9, BpomClass::TraditionalMedicine, false),
    ("TI", 9, BpomClass::TraditionalMedicine, true),
    ("HT", 9, BpomClass::TraditionalMedicine, false),
    ("FF", 9, BpomClass::TraditionalMedicine, false),
    ("SD", 9, BpomClass::Supplement, false),
    ("SI", 9, BpomClass::Supplement, true),
    ("SL", 9, BpomClass::Supplement, false),
];

/// A BPOM distribution permit number (nomor izin edar), stored upper-case without spaces:
/// `MD235602169254`, `NA18171234567`, `TR123456789`. Shown as `MD 235602169254`.
///
/// Invariant: one of the two-letter classes in the table above, followed by exactly that
/// class's number of ASCII digits. Prescription drugs (DKL…, GKL…) are not sold in this
/// marketplace and are refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BpomNo(String);

impl BpomNo {
    /// Reads a BPOM number as printed: `BPOM RI MD 235602169254`, `POM TR 123456789`,
    /// `md-2356-0216-9254`. The `BPOM RI`/`POM`/`NIE`/`No.` labels, spaces, dots and dashes are
    /// ignored; letters are upper-cased.
    pub fn parse(s: &str) -> Result<BpomNo, LegalityError> {
        let compacted = compact(s, &['.', '-', ':']);
        let rest = strip_labels(
            &compacted,
            &["BPOMRI", "BPOM", "POMRI", "POM", "RI", "NIE", "NOMOR", "NO"],
        );
        if rest.is_empty() {
            return Err(LegalityError::BpomEmpty);
        }
        if rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LegalityError::BpomMissingPrefix);
        }
        // ASCII upper-casing only: `ı`.to_uppercase() is `I`, which would make a two-byte
        // character look like a class letter.
        let prefix: String = rest
            .chars()
            .take(2)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let Some(&(letters, len, _, _)) = BPOM_CLASSES.iter().find(|(p, ..)| *p == prefix) else {
            return Err(LegalityError::BpomUnknownPrefix(prefix));
        };
        // The prefix is two ASCII letters, so byte 2 is a character boundary.
        let digits = &rest[2..];
        if let Some(c) = first_non_digit(digits) {
            return Err(LegalityError::BpomInvalidCharacter(c));
        }
        if digits.len() != len {
            return Err(LegalityError::BpomWrongLength {
                prefix: letters.to_string(),
                expected: len,
                given: digits.len(),
            });
        }
        Ok(BpomNo(format!("{letters}{digits}")))
    }

    /// The normalised number, e.g. `MD235602169254`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two class letters (`MD`, `ML`, `NA`, …).
    pub fn prefix(&self) -> &str {
        &self.0[..2]
    }

    /// The digits after the class letters.
    pub fn digits(&self) -> &str {
        &self.0[2..]
    }

    fn entry(&self) -> Option<&'static (&'static str, usize, BpomClass, bool)> {
        BPOM_CLASSES.iter().find(|(p, ..)| *p == self.prefix())
    }

    /// What kind of product the number is for.
    pub fn class(&self) -> BpomClass {
        self.entry().map_or(BpomClass::Food, |e| e.2)
    }

    /// Registered for an imported product (ML, TI, SI).
    pub fn is_import(&self) -> bool {
        self.entry().is_some_and(|e| e.3)
    }
}

/// `MD 235602169254`.
impl fmt::Display for BpomNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.prefix(), self.digits())
    }
}

// ---------------------------------------------------------------------------------------------
// Halal

/// Who issued a halal certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HalalScheme {
    /// BPJPH (Ministry of Religious Affairs), through SIHALAL: `ID` + digits.
    Bpjph,
    /// MUI (LPPOM MUI), before BPJPH took over in 2019: 14 digits.
    MuiLegacy,
}

/// A halal certificate number (domain reference §5.5), stored as `ID35110000123450122` (BPJPH)
/// or as 14 bare digits (legacy MUI).
///
/// The digit structure after `ID` is not confirmed, so BPJPH numbers are checked loosely, as
/// the reference advises: `ID` and 10–20 digits. Legacy MUI numbers are 14 digits (national
/// ones start with 0, per LPPOM MUI quoted at <https://mysharing.co/kenali-sertifikat-halal-lppom-mui-yuk>);
/// the reference only says they exist and should be accepted. A KH (Ketetapan Halal) number is
/// refused: BPJPH warns it means certification is unfinished.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalalCertNo(String);

impl HalalCertNo {
    /// Reads a certificate number: `ID35110000123450122`, `id 3511 0000 1234 50122`,
    /// `MUI 00150099991220`. Spaces, dots and dashes are ignored, as are `No.`/`Nomor` and an
    /// `LPPOM MUI`/`MUI` label before a legacy number.
    pub fn parse(s: &str) -> Result<HalalCertNo, LegalityError> {
        let compacted = compact(s, &['.', '-', ':']);
        let rest = strip_labels(&compacted, &["NOMOR", "NO"]);
        if rest.is_empty() {
            return Err(LegalityError::HalalEmpty);
        }
        if strip_prefix_ci(rest, "KH").is_some() {
            return Err(LegalityError::HalalKetetapanNotCertificate);
        }
        if let Some(digits) = strip_prefix_ci(rest, "ID") {
            if let Some(c) = first_non_digit(digits) {
                return Err(LegalityError::HalalInvalidCharacter(c));
            }
            if !(10..=20).contains(&digits.len()) {
                return Err(LegalityError::HalalBpjphWrongLength(digits.len()));
            }
            return Ok(HalalCertNo(format!("ID{digits}")));
        }
        let legacy = strip_labels(rest, &["LPPOMMUI", "LPPOM", "MUI"]);
        if legacy.is_empty() {
            return Err(LegalityError::HalalEmpty);
        }
        if !legacy.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(LegalityError::HalalUnrecognised);
        }
        if let Some(c) = first_non_digit(legacy) {
            return Err(LegalityError::HalalInvalidCharacter(c));
        }
        if legacy.len() != 14 {
            return Err(LegalityError::HalalLegacyWrongLength(legacy.len()));
        }
        Ok(HalalCertNo(legacy.to_string()))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// BPJPH (`ID…`) or legacy MUI.
    pub fn scheme(&self) -> HalalScheme {
        if self.0.starts_with("ID") {
            HalalScheme::Bpjph
        } else {
            HalalScheme::MuiLegacy
        }
    }
}

/// BPJPH numbers as stored; legacy numbers as `MUI 00150099991220`, so a reader sees who
/// issued them.
impl fmt::Display for HalalCertNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme() {
            HalalScheme::Bpjph => f.write_str(&self.0),
            HalalScheme::MuiLegacy => write!(f, "MUI {}", self.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SNI

/// An SNI (Standar Nasional Indonesia) reference, stored in its canonical printed form.
///
/// The reference is silent on SNI; the accepted shapes are the two BSN has used, as printed on
/// standards and on SPPT-SNI labels:
/// - the old form `SNI 01-3553-2006`: a 2-digit sector, a 4-digit number and the year;
/// - the current form `SNI 3553:2015`: a number of 1–5 digits, up to three part numbers
///   (`SNI 0225-1:2020`), a colon and the year; optionally an adopted international standard,
///   `SNI ISO 22000:2018`, `SNI IEC 60335-2-24:2009`, `SNI ISO/IEC 17025:2017`.
///
/// The year must start with 19 or 20. `SNI` itself may be left out when typing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SniNo(String);

/// `s` is one to `max` ASCII digits.
fn is_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl SniNo {
    /// Reads an SNI reference: `SNI 01-3553-2006`, `sni 3553 : 2015`, `3553:2015`,
    /// `SNI ISO 22000:2018`. Normalised to upper case with single spaces.
    pub fn parse(s: &str) -> Result<SniNo, LegalityError> {
        let t = s.trim();
        let rest = strip_prefix_ci(t, "SNI").unwrap_or(t).trim_start();
        let mut adoption = None;
        let mut rest = rest;
        for a in ["ISO/IEC", "ISO", "IEC"] {
            if let Some(r) = strip_prefix_ci(rest, a) {
                adoption = Some(a);
                rest = r;
                break;
            }
        }
        let body = compact(rest, &[]);
        if body.is_empty() && adoption.is_none() {
            return Err(LegalityError::SniEmpty);
        }
        let year_ok = |y: &str| y.starts_with("19") || y.starts_with("20");
        // Old form: SS-NNNN-YYYY, never with an adoption.
        let old: Vec<&str> = body.split('-').collect();
        if adoption.is_none()
            && !body.contains(':')
            && old.len() == 3
            && is_digits(old[0], 2, 2)
            && is_digits(old[1], 4, 4)
            && is_digits(old[2], 4, 4)
        {
            if !year_ok(old[2]) {
                return Err(LegalityError::SniBadYear(old[2].to_string()));
            }
            return Ok(SniNo(format!("SNI {body}")));
        }
        // Current form: N[-P[-P[-P]]]:YYYY.
        let Some((number, year)) = body.split_once(':') else {
            return Err(LegalityError::SniUnrecognised);
        };
        let mut parts = number.split('-');
        let main_ok = parts.next().is_some_and(|n| is_digits(n, 1, 5));
        let parts: Vec<&str> = parts.collect();
        if !main_ok || parts.len() > 3 || !parts.iter().all(|p| is_digits(p, 1, 3)) {
            return Err(LegalityError::SniUnrecognised);
        }
        if !is_digits(year, 4, 4) {
            return Err(LegalityError::SniUnrecognised);
        }
        if !year_ok(year) {
            return Err(LegalityError::SniBadYear(year.to_string()));
        }
        Ok(SniNo(match adoption {
            Some(a) => format!("SNI {a} {number}:{year}"),
            None => format!("SNI {number}:{year}"),
        }))
    }

    /// The canonical form, e.g. `SNI 3553:2015`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The standard's year (the last four digits in both forms).
    pub fn year(&self) -> i32 {
        self.0
            .get(self.0.len().saturating_sub(4)..)
            .and_then(|y| y.parse().ok())
            .unwrap_or_default()
    }
}

impl fmt::Display for SniNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Trademark

/// Where a trademark stands at DJKI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrademarkStage {
    /// Registered: `IDM` + 9 digits.
    Registered,
    /// Applied for, not (yet) registered: `DID`/`JID` + year + 6 digits.
    Applied,
}

/// A DJKI trademark number, stored upper-case without spaces.
///
/// The reference is silent on trademarks; the shapes are those DJKI's PDKI database shows:
/// - a registration, `IDM000123456`: `IDM` and 9 digits;
/// - an application, `DID2021012345` / `JID2021012345`: `D` (merek dagang, goods) or `J`
///   (merek jasa, services), `ID`, the 4-digit filing year (20xx) and a 6-digit sequence.
///
/// Older application numbers (`D00…`, `J00…`, before online filing) are not accepted: such an
/// application has long been decided, and the registration number is what counts.
/// OPOP asks for a *registered* mark; [`TrademarkNo::is_registered`] tells which one this is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrademarkNo(String);

impl TrademarkNo {
    /// Reads a trademark number; spaces, dots and dashes are ignored and letters upper-cased.
    pub fn parse(s: &str) -> Result<TrademarkNo, LegalityError> {
        let compacted = compact(s, &['.', '-', ':']);
        let rest = strip_labels(&compacted, &["NOMOR", "NO"]);
        if rest.is_empty() {
            return Err(LegalityError::TrademarkEmpty);
        }
        let shapes: [(&str, usize); 3] = [("IDM", 9), ("DID", 10), ("JID", 10)];
        let Some((prefix, digits, len)) = shapes
            .iter()
            .find_map(|(p, len)| strip_prefix_ci(rest, p).map(|d| (*p, d, *len)))
        else {
            return Err(LegalityError::TrademarkUnrecognised);
        };
        if let Some(c) = first_non_digit(digits) {
            return Err(LegalityError::TrademarkInvalidCharacter(c));
        }
        if digits.len() != len {
            return Err(LegalityError::TrademarkWrongLength {
                prefix: prefix.to_string(),
                expected: len,
                given: digits.len(),
            });
        }
        if prefix != "IDM" && !digits.starts_with("20") {
            return Err(LegalityError::TrademarkBadYear(digits[..4].to_string()));
        }
        Ok(TrademarkNo(format!("{prefix}{digits}")))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Registered or only applied for.
    pub fn stage(&self) -> TrademarkStage {
        if self.0.starts_with("IDM") {
            TrademarkStage::Registered
        } else {
            TrademarkStage::Applied
        }
    }

    /// A registration (`IDM…`), not an application.
    pub fn is_registered(&self) -> bool {
        self.stage() == TrademarkStage::Registered
    }

    /// The filing year of an application number; `None` for a registration.
    pub fn application_year(&self) -> Option<i32> {
        match self.stage() {
            TrademarkStage::Registered => None,
            TrademarkStage::Applied => self.0.get(3..7).and_then(|y| y.parse().ok()),
        }
    }
}

impl fmt::Display for TrademarkNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_serde!(Pirt);
string_serde!(BpomNo);
string_serde!(HalalCertNo);
string_serde!(SniNo);
string_serde!(TrademarkNo);

// ---------------------------------------------------------------------------------------------
// Any document's number

/// A checked number of any [`DocKind`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocNumber {
    Nib(Nib),
    Pirt(Pirt),
    Bpom(BpomNo),
    Halal(HalalCertNo),
    Sni(SniNo),
    Trademark(TrademarkNo),
}

impl DocNumber {
    /// Reads the number of a document of `kind` with that kind's parser.
    pub fn parse(kind: DocKind, s: &str) -> Result<DocNumber, LegalityError> {
        Ok(match kind {
            DocKind::Nib => DocNumber::Nib(Nib::parse(s).map_err(LegalityError::Nib)?),
            DocKind::Pirt => DocNumber::Pirt(Pirt::parse(s)?),
            DocKind::Bpom => DocNumber::Bpom(BpomNo::parse(s)?),
            DocKind::Halal => DocNumber::Halal(HalalCertNo::parse(s)?),
            DocKind::Sni => DocNumber::Sni(SniNo::parse(s)?),
            DocKind::Trademark => DocNumber::Trademark(TrademarkNo::parse(s)?),
        })
    }

    pub fn kind(&self) -> DocKind {
        match self {
            DocNumber::Nib(_) => DocKind::Nib,
            DocNumber::Pirt(_) => DocKind::Pirt,
            DocNumber::Bpom(_) => DocKind::Bpom,
            DocNumber::Halal(_) => DocKind::Halal,
            DocNumber::Sni(_) => DocKind::Sni,
            DocNumber::Trademark(_) => DocKind::Trademark,
        }
    }

    /// The normalised form kept in the database.
    pub fn as_str(&self) -> &str {
        match self {
            DocNumber::Nib(n) => n.as_str(),
            DocNumber::Pirt(n) => n.as_str(),
            DocNumber::Bpom(n) => n.as_str(),
            DocNumber::Halal(n) => n.as_str(),
            DocNumber::Sni(n) => n.as_str(),
            DocNumber::Trademark(n) => n.as_str(),
        }
    }
}

/// Each number in its printed form.
impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocNumber::Nib(n) => n.fmt(f),
            DocNumber::Pirt(n) => n.fmt(f),
            DocNumber::Bpom(n) => n.fmt(f),
            DocNumber::Halal(n) => n.fmt(f),
            DocNumber::Sni(n) => n.fmt(f),
            DocNumber::Trademark(n) => n.fmt(f),
        }
    }
}

/// The normalised number of a document of `kind`, for storage. Checking it again gives the
/// same string.
pub fn check_number(kind: DocKind, s: &str) -> Result<String, LegalityError> {
    DocNumber::parse(kind, s).map(|n| n.as_str().to_string())
}

// ---------------------------------------------------------------------------------------------
// Expiry

/// How many days before its expiry a document is flagged, so that the seller has two months to
/// renew it (a P-IRT or BPOM renewal takes weeks; MUI used to ask for renewal three months
/// ahead, a window that would flag too many documents for too long on a seller's dashboard).
pub const EXPIRY_WARNING_DAYS: i64 = 60;

/// Where a document stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CertStatus {
    /// Valid for more than [`EXPIRY_WARNING_DAYS`] more days.
    Valid,
    /// Still valid, and expires in `days_left` days (0 = today is its last day).
    ExpiresSoon { days_left: i64 },
    /// No longer valid: its last valid day was `since_days` days ago (at least 1).
    Expired { since_days: i64 },
    /// A document without an expiry date.
    NoExpiry,
}

impl CertStatus {
    /// The document may still be shown as valid (everything but [`CertStatus::Expired`]).
    pub fn is_usable(self) -> bool {
        !matches!(self, CertStatus::Expired { .. })
    }

    /// The badge text.
    pub fn msg(self) -> Msg {
        match self {
            CertStatus::Valid => Msg::new("Berlaku", "Valid"),
            CertStatus::ExpiresSoon { days_left: 0 } => {
                Msg::new("Berlaku sampai hari ini", "Valid until today")
            }
            CertStatus::ExpiresSoon { days_left } => Msg::new(
                format!("Berakhir dalam {days_left} hari"),
                format!("Expires in {days_left} day{}", plural(days_left)),
            ),
            CertStatus::Expired { since_days } => Msg::new(
                format!("Kedaluwarsa sejak {since_days} hari lalu"),
                format!("Expired {since_days} day{} ago", plural(since_days)),
            ),
            CertStatus::NoExpiry => Msg::new("Tanpa masa berlaku", "Does not expire"),
        }
    }
}

/// The English plural ending for a count of days.
fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The status on `today` of a document valid up to and including `expires_on` (the date
/// printed as "berlaku sampai"): a document that expires today is still valid today, and
/// flagged [`CertStatus::ExpiresSoon`] from [`EXPIRY_WARNING_DAYS`] days before.
pub fn cert_status(expires_on: Option<Date>, today: Date) -> CertStatus {
    let Some(end) = expires_on else {
        return CertStatus::NoExpiry;
    };
    let days_left = (end - today).whole_days();
    if days_left < 0 {
        CertStatus::Expired {
            since_days: -days_left,
        }
    } else if days_left <= EXPIRY_WARNING_DAYS {
        CertStatus::ExpiresSoon { days_left }
    } else {
        CertStatus::Valid
    }
}

/// Checks the expiry date entered with a document of `kind` when it is submitted on `today`.
///
/// Refuses: no date for a kind that [needs one](DocKind::needs_expiry); a date before today
/// (an expired document cannot be submitted, whatever its kind); a date further away than the
/// kind's [longest validity](DocKind::max_validity_years), counted generously as 366 days a
/// year. A date for a kind that needs none is accepted and followed like any other.
pub fn validate_expiry(
    kind: DocKind,
    expires_on: Option<Date>,
    today: Date,
) -> Result<(), LegalityError> {
    let Some(end) = expires_on else {
        return if kind.needs_expiry() {
            Err(LegalityError::ExpiryMissing(kind))
        } else {
            Ok(())
        };
    };
    if end < today {
        return Err(LegalityError::AlreadyExpired { kind, on: end });
    }
    if let Some(max_years) = kind.max_validity_years()
        && let Some(latest) = today.checked_add(Duration::days(max_years * 366))
        && end > latest
    {
        return Err(LegalityError::ExpiryTooFar {
            kind,
            on: end,
            max_years,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use time::macros::date;

    // A P-IRT number from Kabupaten Malang (35.07), plastic packaging, expiring 2029.
    const PIRT: &str = "205350701012729";

    #[test]
    fn doc_kinds_have_stable_codes_and_labels() {
        let codes: Vec<&str> = DocKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(codes, ["nib", "pirt", "bpom", "halal", "sni", "merek"]);
        for k in DocKind::ALL {
            assert_eq!(DocKind::parse(k.as_str()), Some(*k));
            assert!(!k.label(Lang::Id).is_empty() && !k.label(Lang::En).is_empty());
        }
        assert_eq!(DocKind::parse(" merek "), Some(DocKind::Trademark));
        assert_eq!(DocKind::parse("trademark"), None);
        assert_eq!(DocKind::Halal.label(Lang::Id), "Sertifikat halal");
        assert_eq!(DocKind::Halal.label(Lang::En), "Halal certificate");
        let needs: Vec<DocKind> = DocKind::ALL
            .iter()
            .copied()
            .filter(|k| k.needs_expiry())
            .collect();
        assert_eq!(needs, [DocKind::Pirt, DocKind::Bpom, DocKind::Halal]);
    }

    #[test]
    fn pirt_reads_the_forms_on_labels() {
        for typed in [
            PIRT,
            "2053507010127-29",
            "P-IRT No. 2053507010127-29",
            "p-irt no 2053507010127 - 29",
            "PIRT: 205.3507.01.0127.29",
            "SPP-IRT No. 2053507010127-29",
            " 2 0 5 3 5 0 7 0 1 0 1 2 7 2 9 ",
        ] {
            let p = Pirt::parse(typed).unwrap();
            assert_eq!(p.as_str(), PIRT, "{typed}");
        }
        let p = Pirt::parse(PIRT).unwrap();
        assert_eq!(p.to_string(), "2053507010127-29");
        assert_eq!(p.packaging(), 2);
        assert_eq!(p.food_type(), "05");
        assert_eq!(p.regency().as_str(), "35.07");
        assert!(p.is_jatim());
        assert_eq!(p.expiry_year(), 2029);
        assert!(p.check_expiry(date!(2029 - 03 - 01)).is_ok());
        assert_eq!(
            p.check_expiry(date!(2030 - 03 - 01)),
            Err(LegalityError::PirtExpiryYearMismatch {
                in_number: 2029,
                given: 2030
            })
        );
        // Kota Surabaya (35.78) and a regency outside Jawa Timur (Kota Bandung, 32.73).
        assert!(Pirt::parse("1013578010001-30").unwrap().is_jatim());
        assert!(!Pirt::parse("1013273010001-30").unwrap().is_jatim());
    }

    #[test]
    fn pirt_refuses_bad_numbers() {
        assert_eq!(Pirt::parse(""), Err(LegalityError::PirtEmpty));
        assert_eq!(Pirt::parse("P-IRT No."), Err(LegalityError::PirtEmpty));
        assert_eq!(
            Pirt::parse("205350701012x29"),
            Err(LegalityError::PirtInvalidCharacter('x'))
        );
        assert_eq!(
            Pirt::parse("MD 235602169254"),
            Err(LegalityError::PirtInvalidCharacter('M'))
        );
        assert_eq!(
            Pirt::parse("2053507010127"),
            Err(LegalityError::PirtWrongLength(13))
        );
        assert_eq!(
            Pirt::parse("20535070101272900"),
            Err(LegalityError::PirtWrongLength(17))
        );
        // The old 12-character format.
        assert_eq!(
            Pirt::parse("205350701012"),
            Err(LegalityError::PirtWrongLength(12))
        );
        assert_eq!(
            Pirt::parse("0053507010127-29"),
            Err(LegalityError::PirtBadPackaging(0))
        );
        assert_eq!(
            Pirt::parse("9053507010127-29"),
            Err(LegalityError::PirtBadPackaging(9))
        );
        assert_eq!(
            Pirt::parse("2053599010127-29"),
            Err(LegalityError::PirtUnknownRegency("35.99".into()))
        );
        assert_eq!(
            Pirt::parse("2059907010127-29"),
            Err(LegalityError::PirtUnknownRegency("99.07".into()))
        );
    }

    #[test]
    fn bpom_reads_every_class() {
        let cases = [
            (
                "BPOM RI MD 235602169254",
                "MD235602169254",
                BpomClass::Food,
                false,
            ),
            ("md235602169254", "MD235602169254", BpomClass::Food, false),
            ("ML 2356-0216-9254", "ML235602169254", BpomClass::Food, true),
            ("NA18171234567", "NA18171234567", BpomClass::Cosmetic, false),
            (
                "POM TR 123 456 789",
                "TR123456789",
                BpomClass::TraditionalMedicine,
                false,
            ),
            (
                "POM TI123456789",
                "TI123456789",
                BpomClass::TraditionalMedicine,
                true,
            ),
            (
                "HT 123456789",
                "HT123456789",
                BpomClass::TraditionalMedicine,
                false,
            ),
            (
                "FF 123456789",
                "FF123456789",
                BpomClass::TraditionalMedicine,
                false,
            ),
            (
                "POM SD 051532521",
                "SD051532521",
                BpomClass::Supplement,
                false,
            ),
            ("si 051532521", "SI051532521", BpomClass::Supplement, true),
            (
                "NIE: SL 051532521",
                "SL051532521",
                BpomClass::Supplement,
                false,
            ),
        ];
        for (typed, stored, class, import) in cases {
            let b = BpomNo::parse(typed).unwrap();
            assert_eq!(b.as_str(), stored, "{typed}");
            assert_eq!(b.class(), class, "{typed}");
            assert_eq!(b.is_import(), import, "{typed}");
            assert_eq!(BpomNo::parse(&b.to_string()), Ok(b.clone()));
        }
        let b = BpomNo::parse("MD 235602169254").unwrap();
        assert_eq!(b.to_string(), "MD 235602169254");
        assert_eq!(b.prefix(), "MD");
        assert_eq!(b.digits(), "235602169254");
    }

    #[test]
    fn bpom_refuses_bad_numbers() {
        assert_eq!(BpomNo::parse(" "), Err(LegalityError::BpomEmpty));
        assert_eq!(BpomNo::parse("BPOM RI"), Err(LegalityError::BpomEmpty));
        assert_eq!(
            BpomNo::parse("235602169254"),
            Err(LegalityError::BpomMissingPrefix)
        );
        assert_eq!(
            BpomNo::parse("DKL1234567890A1"),
            Err(LegalityError::BpomUnknownPrefix("DK".into()))
        );
        assert_eq!(
            BpomNo::parse("XY123"),
            Err(LegalityError::BpomUnknownPrefix("XY".into()))
        );
        assert_eq!(
            BpomNo::parse("1MD23"),
            Err(LegalityError::BpomUnknownPrefix("1M".into()))
        );
        assert_eq!(
            BpomNo::parse("MD 23560216925x"),
            Err(LegalityError::BpomInvalidCharacter('x'))
        );
        assert_eq!(
            BpomNo::parse("MD 23560216925"),
            Err(LegalityError::BpomWrongLength {
                prefix: "MD".into(),
                expected: 12,
                given: 11
            })
        );
        assert_eq!(
            BpomNo::parse("NA181712345678"),
            Err(LegalityError::BpomWrongLength {
                prefix: "NA".into(),
                expected: 11,
                given: 12
            })
        );
        assert_eq!(
            BpomNo::parse("TR 12345678"),
            Err(LegalityError::BpomWrongLength {
                prefix: "TR".into(),
                expected: 9,
                given: 8
            })
        );
        // Multi-byte characters where the letters should be do not panic.
        assert!(matches!(
            BpomNo::parse("ÉÉ123"),
            Err(LegalityError::BpomUnknownPrefix(_))
        ));
        assert!(matches!(
            BpomNo::parse("MÉ123"),
            Err(LegalityError::BpomUnknownPrefix(_))
        ));
        // Characters whose Unicode upper case is ASCII (dotless i, long s) are not letters of
        // a class, and do not make the byte offsets wrong.
        assert_eq!(
            BpomNo::parse("tı123456789"),
            Err(LegalityError::BpomUnknownPrefix("Tı".into()))
        );
        assert_eq!(
            BpomNo::parse("ſd123456789"),
            Err(LegalityError::BpomUnknownPrefix("ſD".into()))
        );
    }

    #[test]
    fn halal_reads_bpjph_and_legacy_numbers() {
        let h = HalalCertNo::parse("ID35110000123450122").unwrap();
        assert_eq!(h.as_str(), "ID35110000123450122");
        assert_eq!(h.scheme(), HalalScheme::Bpjph);
        assert_eq!(h.to_string(), "ID35110000123450122");
        assert_eq!(HalalCertNo::parse("id 3511 0000 1234 50122").unwrap(), h);
        assert_eq!(HalalCertNo::parse("No. ID35110000123450122").unwrap(), h);
        assert_eq!(
            HalalCertNo::parse("ID8111000123").unwrap().as_str(),
            "ID8111000123"
        );
        let legacy = HalalCertNo::parse("00150099991220").unwrap();
        assert_eq!(legacy.scheme(), HalalScheme::MuiLegacy);
        assert_eq!(legacy.as_str(), "00150099991220");
        assert_eq!(legacy.to_string(), "MUI 00150099991220");
        assert_eq!(HalalCertNo::parse("MUI 00150099991220").unwrap(), legacy);
        assert_eq!(
            HalalCertNo::parse("LPPOM MUI 0015-0099-9912-20").unwrap(),
            legacy
        );
    }

    #[test]
    fn halal_refuses_bad_numbers() {
        assert_eq!(HalalCertNo::parse(""), Err(LegalityError::HalalEmpty));
        assert_eq!(HalalCertNo::parse("MUI"), Err(LegalityError::HalalEmpty));
        assert_eq!(
            HalalCertNo::parse("KH 123456/2023"),
            Err(LegalityError::HalalKetetapanNotCertificate)
        );
        assert_eq!(
            HalalCertNo::parse("ID8111000xxxxxxx"),
            Err(LegalityError::HalalInvalidCharacter('x'))
        );
        assert_eq!(
            HalalCertNo::parse("ID123456789"),
            Err(LegalityError::HalalBpjphWrongLength(9))
        );
        assert_eq!(
            HalalCertNo::parse("ID123456789012345678901"),
            Err(LegalityError::HalalBpjphWrongLength(21))
        );
        assert_eq!(
            HalalCertNo::parse("0015009999122"),
            Err(LegalityError::HalalLegacyWrongLength(13))
        );
        assert_eq!(
            HalalCertNo::parse("00150099991220/A"),
            Err(LegalityError::HalalInvalidCharacter('/'))
        );
        assert_eq!(
            HalalCertNo::parse("halal"),
            Err(LegalityError::HalalUnrecognised)
        );
    }

    #[test]
    fn sni_reads_the_common_shapes() {
        let cases = [
            ("SNI 01-3553-2006", "SNI 01-3553-2006", 2006),
            ("sni 01 - 3553 - 2006", "SNI 01-3553-2006", 2006),
            ("01-3553-2006", "SNI 01-3553-2006", 2006),
            ("SNI 3553:2015", "SNI 3553:2015", 2015),
            ("SNI3553 : 2015", "SNI 3553:2015", 2015),
            ("3553:2015", "SNI 3553:2015", 2015),
            ("SNI 0225-1:2020", "SNI 0225-1:2020", 2020),
            ("sni iso 22000:2018", "SNI ISO 22000:2018", 2018),
            ("SNI ISO/IEC 17025:2017", "SNI ISO/IEC 17025:2017", 2017),
            ("SNI IEC 60335-2-24:2009", "SNI IEC 60335-2-24:2009", 2009),
            ("SNI 01-2891-1992", "SNI 01-2891-1992", 1992),
        ];
        for (typed, stored, year) in cases {
            let s = SniNo::parse(typed).unwrap();
            assert_eq!(s.as_str(), stored, "{typed}");
            assert_eq!(s.to_string(), stored);
            assert_eq!(s.year(), year);
            assert_eq!(SniNo::parse(stored), Ok(s));
        }
    }

    #[test]
    fn sni_refuses_bad_numbers() {
        assert_eq!(SniNo::parse(""), Err(LegalityError::SniEmpty));
        assert_eq!(SniNo::parse("SNI"), Err(LegalityError::SniEmpty));
        assert_eq!(SniNo::parse("SNI ISO"), Err(LegalityError::SniUnrecognised));
        assert_eq!(
            SniNo::parse("SNI 3553"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI 3553-2015"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI 3553:15"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI 123456:2015"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI 1-2-3-4-5:2015"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI ISO 01-3553-2006"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI abc:2015"),
            Err(LegalityError::SniUnrecognised)
        );
        assert_eq!(
            SniNo::parse("SNI 3553:3015"),
            Err(LegalityError::SniBadYear("3015".into()))
        );
        assert_eq!(
            SniNo::parse("SNI 01-3553-1806"),
            Err(LegalityError::SniBadYear("1806".into()))
        );
    }

    #[test]
    fn trademarks() {
        let r = TrademarkNo::parse("IDM000123456").unwrap();
        assert!(r.is_registered());
        assert_eq!(r.stage(), TrademarkStage::Registered);
        assert_eq!(r.application_year(), None);
        assert_eq!(TrademarkNo::parse("idm 000 123 456").unwrap(), r);
        let a = TrademarkNo::parse("DID2021012345").unwrap();
        assert!(!a.is_registered());
        assert_eq!(a.application_year(), Some(2021));
        let j = TrademarkNo::parse("jid-2019-054321").unwrap();
        assert_eq!(j.as_str(), "JID2019054321");
        assert_eq!(j.stage(), TrademarkStage::Applied);

        assert_eq!(TrademarkNo::parse(""), Err(LegalityError::TrademarkEmpty));
        assert_eq!(
            TrademarkNo::parse("D002012012345"),
            Err(LegalityError::TrademarkUnrecognised)
        );
        assert_eq!(
            TrademarkNo::parse("123456"),
            Err(LegalityError::TrademarkUnrecognised)
        );
        assert_eq!(
            TrademarkNo::parse("IDM00012345X"),
            Err(LegalityError::TrademarkInvalidCharacter('X'))
        );
        assert_eq!(
            TrademarkNo::parse("IDM00012345"),
            Err(LegalityError::TrademarkWrongLength {
                prefix: "IDM".into(),
                expected: 9,
                given: 8
            })
        );
        assert_eq!(
            TrademarkNo::parse("DID202101234"),
            Err(LegalityError::TrademarkWrongLength {
                prefix: "DID".into(),
                expected: 10,
                given: 9
            })
        );
        assert_eq!(
            TrademarkNo::parse("JID1999012345"),
            Err(LegalityError::TrademarkBadYear("1999".into()))
        );
    }

    #[test]
    fn check_number_normalises_by_kind() {
        assert_eq!(
            check_number(DocKind::Nib, "1234 5678 90123"),
            Ok("1234567890123".into())
        );
        assert_eq!(
            check_number(DocKind::Nib, "123"),
            Err(LegalityError::Nib(IdentifierError::NibWrongLength(3)))
        );
        assert_eq!(
            check_number(DocKind::Pirt, "P-IRT No. 2053507010127-29"),
            Ok(PIRT.into())
        );
        assert_eq!(
            check_number(DocKind::Bpom, "BPOM RI MD 235602169254"),
            Ok("MD235602169254".into())
        );
        assert_eq!(
            check_number(DocKind::Halal, "id35110000123450122"),
            Ok("ID35110000123450122".into())
        );
        assert_eq!(
            check_number(DocKind::Sni, "sni 3553 : 2015"),
            Ok("SNI 3553:2015".into())
        );
        assert_eq!(
            check_number(DocKind::Trademark, "idm000123456"),
            Ok("IDM000123456".into())
        );
        // A number of one kind is not accepted as another.
        assert!(check_number(DocKind::Pirt, "MD235602169254").is_err());
        assert!(check_number(DocKind::Bpom, PIRT).is_err());
        let n = DocNumber::parse(DocKind::Pirt, PIRT).unwrap();
        assert_eq!(n.kind(), DocKind::Pirt);
        assert_eq!(n.to_string(), "2053507010127-29");
        assert_eq!(
            LegalityError::Nib(IdentifierError::NibEmpty).msg(),
            IdentifierError::NibEmpty.msg()
        );
    }

    #[test]
    fn status_on_a_day() {
        let today = date!(2025 - 06 - 01);
        assert_eq!(cert_status(None, today), CertStatus::NoExpiry);
        assert_eq!(
            cert_status(Some(date!(2025 - 06 - 01)), today),
            CertStatus::ExpiresSoon { days_left: 0 }
        );
        assert_eq!(
            cert_status(Some(date!(2025 - 05 - 31)), today),
            CertStatus::Expired { since_days: 1 }
        );
        assert_eq!(
            cert_status(Some(date!(2025 - 07 - 31)), today),
            CertStatus::ExpiresSoon { days_left: 60 }
        );
        assert_eq!(
            cert_status(Some(date!(2025 - 08 - 01)), today),
            CertStatus::Valid
        );
        assert_eq!(
            cert_status(Some(date!(2024 - 06 - 01)), today),
            CertStatus::Expired { since_days: 365 }
        );
        assert!(CertStatus::ExpiresSoon { days_left: 0 }.is_usable());
        assert!(CertStatus::NoExpiry.is_usable());
        assert!(!CertStatus::Expired { since_days: 1 }.is_usable());
        assert_eq!(
            CertStatus::ExpiresSoon { days_left: 12 }.msg().id,
            "Berakhir dalam 12 hari"
        );
        assert_eq!(
            CertStatus::Expired { since_days: 3 }.msg().en,
            "Expired 3 days ago"
        );
        assert_eq!(
            serde_json::to_string(&CertStatus::ExpiresSoon { days_left: 5 }).unwrap(),
            r#"{"status":"expires_soon","days_left":5}"#
        );
    }

    #[test]
    fn expiry_at_submission() {
        let today = date!(2025 - 06 - 01);
        assert_eq!(
            validate_expiry(DocKind::Halal, None, today),
            Err(LegalityError::ExpiryMissing(DocKind::Halal))
        );
        assert_eq!(
            validate_expiry(DocKind::Pirt, None, today),
            Err(LegalityError::ExpiryMissing(DocKind::Pirt))
        );
        assert_eq!(
            validate_expiry(DocKind::Bpom, None, today),
            Err(LegalityError::ExpiryMissing(DocKind::Bpom))
        );
        for k in [DocKind::Nib, DocKind::Sni, DocKind::Trademark] {
            assert_eq!(validate_expiry(k, None, today), Ok(()));
        }
        assert_eq!(
            validate_expiry(DocKind::Halal, Some(date!(2025 - 05 - 31)), today),
            Err(LegalityError::AlreadyExpired {
                kind: DocKind::Halal,
                on: date!(2025 - 05 - 31)
            })
        );
        // Expired documents are refused whatever the kind.
        assert!(validate_expiry(DocKind::Trademark, Some(date!(2020 - 01 - 01)), today).is_err());
        // Expiring today is still valid today.
        assert_eq!(validate_expiry(DocKind::Halal, Some(today), today), Ok(()));
        assert_eq!(
            validate_expiry(DocKind::Pirt, Some(date!(2030 - 06 - 01)), today),
            Ok(())
        );
        assert_eq!(
            validate_expiry(DocKind::Pirt, Some(date!(2092 - 06 - 01)), today),
            Err(LegalityError::ExpiryTooFar {
                kind: DocKind::Pirt,
                on: date!(2092 - 06 - 01),
                max_years: 5
            })
        );
        // Halal has no upper bound (certificates since Perppu 2/2022 may not expire).
        assert_eq!(
            validate_expiry(DocKind::Halal, Some(date!(2099 - 01 - 01)), today),
            Ok(())
        );
        // Near the end of the calendar the bound cannot be computed and is skipped.
        let late = Date::MAX;
        assert_eq!(validate_expiry(DocKind::Bpom, Some(late), late), Ok(()));
    }

    #[test]
    fn every_error_has_both_texts() {
        let d = date!(2025 - 05 - 31);
        let all = [
            LegalityError::Nib(IdentifierError::NibEmpty),
            LegalityError::PirtEmpty,
            LegalityError::PirtInvalidCharacter('x'),
            LegalityError::PirtWrongLength(3),
            LegalityError::PirtBadPackaging(9),
            LegalityError::PirtUnknownRegency("35.99".into()),
            LegalityError::PirtExpiryYearMismatch {
                in_number: 2029,
                given: 2030,
            },
            LegalityError::BpomEmpty,
            LegalityError::BpomMissingPrefix,
            LegalityError::BpomUnknownPrefix("XY".into()),
            LegalityError::BpomInvalidCharacter('x'),
            LegalityError::BpomWrongLength {
                prefix: "MD".into(),
                expected: 12,
                given: 3,
            },
            LegalityError::HalalEmpty,
            LegalityError::HalalKetetapanNotCertificate,
            LegalityError::HalalInvalidCharacter('x'),
            LegalityError::HalalBpjphWrongLength(3),
            LegalityError::HalalLegacyWrongLength(3),
            LegalityError::HalalUnrecognised,
            LegalityError::SniEmpty,
            LegalityError::SniUnrecognised,
            LegalityError::SniBadYear("3015".into()),
            LegalityError::TrademarkEmpty,
            LegalityError::TrademarkUnrecognised,
            LegalityError::TrademarkInvalidCharacter('x'),
            LegalityError::TrademarkWrongLength {
                prefix: "IDM".into(),
                expected: 9,
                given: 3,
            },
            LegalityError::TrademarkBadYear("1999".into()),
            LegalityError::ExpiryMissing(DocKind::Halal),
            LegalityError::AlreadyExpired {
                kind: DocKind::Halal,
                on: d,
            },
            LegalityError::ExpiryTooFar {
                kind: DocKind::Pirt,
                on: d,
                max_years: 5,
            },
        ];
        for e in all {
            let m = e.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty(), "{e:?}");
            assert_ne!(m.id, m.en, "{e:?}");
            assert!(e.to_string().contains(" / "));
        }
        assert!(
            LegalityError::AlreadyExpired {
                kind: DocKind::Halal,
                on: d
            }
            .msg()
            .id
            .contains("31 Mei 2025")
        );
        assert!(
            LegalityError::PirtWrongLength(13)
                .msg()
                .id
                .contains("13 digit")
        );
    }

    #[test]
    fn serde_validates() {
        let d: StrDeserializer<'_, DeError> = "P-IRT No. 2053507010127-29".into_deserializer();
        assert_eq!(Pirt::deserialize(d).unwrap().as_str(), PIRT);
        let d: StrDeserializer<'_, DeError> = "KH123".into_deserializer();
        assert!(HalalCertNo::deserialize(d).is_err());
        let b = BpomNo::parse("MD 235602169254").unwrap();
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"MD235602169254\"");
        let back: SniNo = serde_json::from_str("\"SNI 3553:2015\"").unwrap();
        assert_eq!(back.as_str(), "SNI 3553:2015");
        assert!(serde_json::from_str::<TrademarkNo>("\"IDM1\"").is_err());
    }

    proptest! {
        #[test]
        fn pirt_round_trips(
            packaging in 1u8..=8,
            food in 0u32..100,
            regency in prop::sample::select(vec!["3507", "3578", "3573", "3201", "3273"]),
            product in 0u32..100,
            producer in 0u32..10_000,
            yy in 0u32..100,
        ) {
            let raw = format!("{packaging}{food:02}{regency}{product:02}{producer:04}{yy:02}");
            let p = Pirt::parse(&raw).unwrap();
            prop_assert_eq!(p.as_str(), raw.as_str());
            prop_assert_eq!(Pirt::parse(&p.to_string()), Ok(p.clone()));
            prop_assert_eq!(Pirt::parse(&format!("P-IRT No. {p}")), Ok(p.clone()));
            prop_assert_eq!(p.expiry_year(), 2000 + yy as i32);
        }

        #[test]
        fn bpom_round_trips(i in 0usize..BPOM_CLASSES.len(), n in 0u64..1_000_000_000_000) {
            let (prefix, len, ..) = BPOM_CLASSES[i];
            let digits = format!("{n:012}");
            let digits = &digits[12 - len..];
            let b = BpomNo::parse(&format!("{prefix}{digits}")).unwrap();
            prop_assert_eq!(BpomNo::parse(&b.to_string()), Ok(b.clone()));
            prop_assert_eq!(BpomNo::parse(&b.as_str().to_lowercase()), Ok(b.clone()));
        }

        #[test]
        fn halal_round_trips(digits in "[0-9]{10,20}", legacy in "[0-9]{14}") {
            let h = HalalCertNo::parse(&format!("ID{digits}")).unwrap();
            prop_assert_eq!(HalalCertNo::parse(&h.to_string()), Ok(h.clone()));
            let l = HalalCertNo::parse(&legacy).unwrap();
            prop_assert_eq!(HalalCertNo::parse(&l.to_string()), Ok(l.clone()));
        }

        #[test]
        fn sni_round_trips(
            number in "[0-9]{1,5}",
            parts in prop::collection::vec("[0-9]{1,3}", 0..=3),
            year in 1900u32..2100,
            sector in "[0-9]{2}",
            old_number in "[0-9]{4}",
        ) {
            let mut num = number;
            for p in parts {
                num.push('-');
                num.push_str(&p);
            }
            let s = SniNo::parse(&format!("{num}:{year}")).unwrap();
            prop_assert_eq!(SniNo::parse(&s.to_string()), Ok(s.clone()));
            prop_assert_eq!(s.year(), year as i32);
            let old = SniNo::parse(&format!("SNI {sector}-{old_number}-{year}")).unwrap();
            prop_assert_eq!(SniNo::parse(old.as_str()), Ok(old.clone()));
        }

        #[test]
        fn check_number_is_idempotent(
            kind in prop::sample::select(DocKind::ALL.to_vec()),
            s in "[ A-Za-z0-9.:/-]{0,30}",
        ) {
            if let Ok(stored) = check_number(kind, &s) {
                prop_assert_eq!(check_number(kind, &stored), Ok(stored.clone()));
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            for k in DocKind::ALL {
                let _ = check_number(*k, &s);
            }
        }

        #[test]
        fn status_agrees_with_validation(offset in -1000i64..1000) {
            let today = date!(2025 - 06 - 01);
            let end = today + Duration::days(offset);
            let status = cert_status(Some(end), today);
            prop_assert_eq!(status.is_usable(), validate_expiry(DocKind::Halal, Some(end), today).is_ok());
        }
    }
}
