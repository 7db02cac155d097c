//! Why a payload was refused, and what was forgiven.
//!
//! Every error names the data object it is about ([`TagPath`]) and the character where the
//! problem is (0-based [`QrisError::offset`], counted in characters of the text as it was given,
//! before trimming; the messages count from 1, as people do). Messages are Indonesian first,
//! English second ([`Msg`]).

use std::fmt;

use serde::Serialize;

use super::tag::{Tag, TagPath};
use crate::lang::Msg;

/// A payload that is not a valid QRIS, or a conversion that cannot be done.
///
/// Boxed, so that `Result<_, QrisError>` stays one pointer wide: the checks return it at
/// every step, and the happy path should not pay for the size of the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrisError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    tag: Option<TagPath>,
    offset: Option<usize>,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing but whitespace.
    Empty,
    /// More than 512 characters (the EMVCo limit).
    TooLong { chars: usize },
    /// Fewer than the four characters of an ID and a length are left.
    Truncated { found: String },
    /// An ID that is not two digits; `after`: the object before it, whose length probably
    /// lies (the error's tag is that object).
    BadId { found: String, after: Option<Tag> },
    /// A length that is not two digits.
    BadLength { found: String },
    /// A length that lies: it claims more characters than there are.
    Overrun { declared: usize, available: usize },
    /// A data object with length `00`.
    EmptyValue,
    /// The same ID twice at one level (`first` is the character offset of the first one).
    Duplicate { first: usize },
    /// The payload does not start with tag 00.
    NotFirst,
    /// Tag 63 is missing or is not the last object.
    CrcNotLast,
    /// The CRC value is not four hex digits.
    CrcFormat { found: String },
    /// The CRC does not match the payload: it was mistyped, cut or changed.
    CrcMismatch { expected: String, found: String },
    /// A required tag is absent.
    Missing,
    /// None of the merchant account templates 26–45 or 51.
    MissingAccount,
    /// A value longer or shorter than its tag allows.
    WrongLength {
        min: usize,
        max: usize,
        found: usize,
    },
    /// A value that must be digits.
    NotDigits { found: String },
    /// A value outside the allowed set (e.g. tag 01 must be `11` or `12`).
    InvalidValue {
        found: String,
        allowed: &'static str,
    },
    /// A character that the tag does not allow: a control character anywhere, or a non-ASCII
    /// character outside the language template 64.
    NotPrintable { ch: char },
    /// A payment code of another scheme (DuitNow, VietQR, PromptPay, …), not QRIS.
    NotQris { scheme: Scheme },
    /// A malformed amount, fee or percentage.
    BadAmount {
        found: String,
        problem: AmountProblem,
    },
    /// A fee tag (56 or 57) that does not match the indicator in tag 55.
    FeeMismatch { indicator: Option<String> },
    /// Tags 65–79 are reserved by EMVCo and must not be present.
    Reserved,
    /// A static code (01 = `11`) without the national repository template 51 (and its NMID).
    StaticWithoutNmid,
    /// Conversion: the amount must be more than 0.
    AmountNotPositive,
    /// Conversion: an amount or fee with more than 13 digits.
    AmountTooLarge,
    /// Conversion: a negative fee.
    FeeNegative,
    /// Conversion: a percentage fee of 100 % or more.
    FeePercentTooHigh,
}

/// What is wrong with an amount (tags 54, 56) or a percentage (tag 57).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountProblem {
    /// A character other than digits and one dot (letters, commas, spaces, signs).
    InvalidCharacter(char),
    /// More than one dot, a dot first or last.
    Malformed,
    /// More than two decimals.
    TooManyDecimals,
    /// A leading zero (`0500`).
    LeadingZero,
    /// Zero.
    Zero,
    /// A percentage of 100 or more.
    OverHundred,
}

/// The scheme a non-QRIS payment code belongs to, when it can be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scheme {
    /// Malaysia (payload format `02`, country `MY`).
    DuitNow,
    /// Vietnam (NAPAS, country `VN`).
    VietQr,
    /// Thailand (country `TH`).
    PromptPay,
    /// Another EMVCo code: its country (tag 58) and currency (tag 53), as found.
    Other { country: String, currency: String },
}

impl Scheme {
    fn describe(&self) -> Msg {
        match self {
            Scheme::DuitNow => Msg::new("DuitNow (Malaysia)", "DuitNow (Malaysia)"),
            Scheme::VietQr => Msg::new("VietQR (Vietnam)", "VietQR (Vietnam)"),
            Scheme::PromptPay => Msg::new("PromptPay (Thailand)", "PromptPay (Thailand)"),
            Scheme::Other { country, currency } => Msg::new(
                format!("kode pembayaran negara '{country}' dengan mata uang '{currency}'"),
                format!("a payment code of country '{country}' in currency '{currency}'"),
            ),
        }
    }
}

impl QrisError {
    #[cold]
    pub(crate) fn new(kind: ErrorKind, tag: Option<TagPath>, offset: Option<usize>) -> QrisError {
        QrisError(Box::new(Inner { kind, tag, offset }))
    }

    #[cold]
    pub(crate) fn at(kind: ErrorKind, tag: TagPath, offset: usize) -> QrisError {
        QrisError::new(kind, Some(tag), Some(offset))
    }

    pub(crate) fn convert(kind: ErrorKind) -> QrisError {
        QrisError::new(kind, None, None)
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The data object the problem is about, when there is one.
    pub fn tag(&self) -> Option<TagPath> {
        self.0.tag
    }

    /// The 0-based character offset of the problem in the text as given, when there is one.
    pub fn offset(&self) -> Option<usize> {
        self.0.offset
    }

    /// The message for a person, in both languages, with the tag and the position.
    pub fn msg(&self) -> Msg {
        let what = self.what();
        let place = match (self.0.tag, self.0.offset) {
            (Some(t), Some(o)) => {
                let d = t.describe();
                Some(Msg::new(
                    format!("{}, karakter ke-{}", d.id, o + 1),
                    format!("{}, character {}", d.en, o + 1),
                ))
            }
            (Some(t), None) => Some(t.describe()),
            (None, Some(o)) => Some(Msg::new(
                format!("karakter ke-{}", o + 1),
                format!("character {}", o + 1),
            )),
            (None, None) => None,
        };
        match place {
            Some(p) => Msg::new(
                format!("{} [{}]", what.id, p.id),
                format!("{} [{}]", what.en, p.en),
            ),
            None => what,
        }
    }

    /// The message without the place.
    fn what(&self) -> Msg {
        let tag = self.0.tag.map(|t| t.to_string()).unwrap_or_default();
        match &self.0.kind {
            ErrorKind::Empty => Msg::new("Kode QRIS kosong", "The QRIS code is empty"),
            ErrorKind::TooLong { chars } => Msg::new(
                format!("Kode QRIS paling panjang 512 karakter; yang ini {chars} karakter"),
                format!("A QRIS code has at most 512 characters; this one has {chars}"),
            ),
            ErrorKind::Truncated { found } => Msg::new(
                format!(
                    "Kode terpotong: tersisa '{found}', padahal setiap data butuh 2 angka ID dan 2 angka panjang"
                ),
                format!(
                    "The code is cut short: '{found}' is left, but every data object needs a 2-digit ID and a 2-digit length"
                ),
            ),
            ErrorKind::BadId { found, after: None } => Msg::new(
                format!("ID tag harus dua angka, bukan '{found}'"),
                format!("A tag ID must be two digits, not '{found}'"),
            ),
            ErrorKind::BadId {
                found,
                after: Some(prev),
            } => Msg::new(
                format!(
                    "Setelah tag {prev} seharusnya ada ID tag (dua angka), tetapi tertulis '{found}': panjang tag {prev} tidak cocok dengan isinya"
                ),
                format!(
                    "After tag {prev} a tag ID (two digits) should follow, but '{found}' is there: the length of tag {prev} does not match its value"
                ),
            ),
            ErrorKind::BadLength { found } => Msg::new(
                format!("Panjang tag {tag} harus dua angka, bukan '{found}'"),
                format!("The length of tag {tag} must be two digits, not '{found}'"),
            ),
            ErrorKind::Overrun {
                declared,
                available,
            } => Msg::new(
                format!(
                    "Panjang tag {tag} tidak cocok: tertulis {declared} karakter, tetapi yang tersisa hanya {available}"
                ),
                format!(
                    "The length of tag {tag} lies: it says {declared} characters, but only {available} are left"
                ),
            ),
            ErrorKind::EmptyValue => Msg::new(
                format!("Tag {tag} tidak boleh kosong"),
                format!("Tag {tag} must not be empty"),
            ),
            ErrorKind::Duplicate { first } => Msg::new(
                format!(
                    "Tag {tag} muncul dua kali (yang pertama di karakter ke-{})",
                    first + 1
                ),
                format!(
                    "Tag {tag} appears twice (the first one at character {})",
                    first + 1
                ),
            ),
            ErrorKind::NotFirst => Msg::new(
                "Kode QRIS harus diawali tag 00 (000201)",
                "A QRIS code must start with tag 00 (000201)",
            ),
            ErrorKind::CrcNotLast => Msg::new(
                "Kode QRIS harus diakhiri tag 63 (CRC, 6304 dan 4 karakter)",
                "A QRIS code must end with tag 63 (the CRC: 6304 and 4 characters)",
            ),
            ErrorKind::CrcFormat { found } => Msg::new(
                format!("CRC harus 4 digit heksadesimal (0-9, A-F), bukan '{found}'"),
                format!("The CRC must be 4 hex digits (0-9, A-F), not '{found}'"),
            ),
            ErrorKind::CrcMismatch { expected, found } => Msg::new(
                format!(
                    "CRC salah: tertulis {found}, seharusnya {expected}. Kode ini salah ketik, terpotong atau diubah; jangan dipakai"
                ),
                format!(
                    "Wrong CRC: the code says {found}, it should be {expected}. The code was mistyped, cut or altered; do not use it"
                ),
            ),
            ErrorKind::Missing => Msg::new(
                format!("Tag {tag} wajib ada di kode QRIS"),
                format!("Tag {tag} is required in a QRIS code"),
            ),
            ErrorKind::MissingAccount => Msg::new(
                "Kode QRIS tidak memuat akun merchant (tag 26–45 atau 51)",
                "The QRIS code has no merchant account (tags 26–45 or 51)",
            ),
            ErrorKind::WrongLength { min, max, found } => {
                let rule_id = if min == max {
                    format!("tepat {min}")
                } else {
                    format!("{min} sampai {max}")
                };
                let rule_en = if min == max {
                    format!("exactly {min}")
                } else {
                    format!("{min} to {max}")
                };
                Msg::new(
                    format!("Tag {tag} harus {rule_id} karakter; yang ini {found}"),
                    format!("Tag {tag} must have {rule_en} characters; this one has {found}"),
                )
            }
            ErrorKind::NotDigits { found } => Msg::new(
                format!("Tag {tag} hanya boleh berisi angka, bukan '{found}'"),
                format!("Tag {tag} may only contain digits, not '{found}'"),
            ),
            ErrorKind::InvalidValue { found, allowed } => Msg::new(
                format!("Nilai tag {tag} harus salah satu dari: {allowed}; bukan '{found}'"),
                format!("Tag {tag} must be one of: {allowed}; not '{found}'"),
            ),
            ErrorKind::NotPrintable { ch } => {
                let shown = if ch.is_control() {
                    format!("U+{:04X}", u32::from(*ch))
                } else {
                    format!("'{ch}'")
                };
                Msg::new(
                    format!(
                        "Tag {tag} hanya boleh berisi huruf, angka dan tanda baca biasa (ASCII); karakter {shown} tidak boleh dipakai"
                    ),
                    format!(
                        "Tag {tag} may only contain plain letters, digits and punctuation (ASCII); the character {shown} is not allowed"
                    ),
                )
            }
            ErrorKind::NotQris { scheme } => {
                let s = scheme.describe();
                Msg::new(
                    format!(
                        "Ini bukan kode QRIS Indonesia, melainkan {}; aplikasi pembayaran di Indonesia tidak bisa membayarnya",
                        s.id
                    ),
                    format!(
                        "This is not an Indonesian QRIS code but {}; Indonesian payment apps cannot pay it",
                        s.en
                    ),
                )
            }
            ErrorKind::BadAmount { found, problem } => {
                let why = problem.msg();
                Msg::new(
                    format!("Nilai tag {tag} '{found}' tidak sah: {}", why.id),
                    format!("The value '{found}' of tag {tag} is invalid: {}", why.en),
                )
            }
            ErrorKind::FeeMismatch { indicator } => match indicator {
                None => Msg::new(
                    format!("Tag {tag} (biaya layanan) hanya boleh ada bila tag 55 ada"),
                    format!("Tag {tag} (convenience fee) is only allowed with tag 55"),
                ),
                Some(i) => Msg::new(
                    format!(
                        "Tag 55 bernilai {i}: biaya tetap (02) butuh tag 56, biaya persentase (03) butuh tag 57, dan tip (01) tidak memakai keduanya; tag {tag} tidak cocok"
                    ),
                    format!(
                        "Tag 55 is {i}: a fixed fee (02) needs tag 56, a percentage fee (03) needs tag 57, and a tip prompt (01) uses neither; tag {tag} does not fit"
                    ),
                ),
            },
            ErrorKind::Reserved => Msg::new(
                format!("Tag {tag} dicadangkan EMVCo dan tidak boleh dipakai"),
                format!("Tag {tag} is reserved by EMVCo and must not be used"),
            ),
            ErrorKind::StaticWithoutNmid => Msg::new(
                "QRIS statis wajib memuat tag 51 (repositori nasional QRIS, dengan NMID)",
                "A static QRIS must carry tag 51 (the QRIS national repository, with the NMID)",
            ),
            ErrorKind::AmountNotPositive => Msg::new(
                "Nominal pembayaran harus lebih dari 0",
                "The amount must be more than 0",
            ),
            ErrorKind::AmountTooLarge => Msg::new(
                "Nominal atau biaya paling banyak 13 digit",
                "An amount or fee has at most 13 digits",
            ),
            ErrorKind::FeeNegative => Msg::new(
                "Biaya layanan tidak boleh negatif",
                "The convenience fee cannot be negative",
            ),
            ErrorKind::FeePercentTooHigh => Msg::new(
                "Biaya layanan persentase harus kurang dari 100%",
                "A percentage fee must be less than 100%",
            ),
        }
    }
}

impl AmountProblem {
    pub fn msg(&self) -> Msg {
        match self {
            AmountProblem::InvalidCharacter(c) => Msg::new(
                format!("hanya angka dan satu titik desimal; karakter '{c}' tidak boleh"),
                format!("only digits and one decimal dot; the character '{c}' is not allowed"),
            ),
            AmountProblem::Malformed => Msg::new(
                "titik desimal harus di antara angka, paling banyak satu",
                "the decimal dot must stand between digits, at most one",
            ),
            AmountProblem::TooManyDecimals => Msg::new(
                "paling banyak dua angka di belakang titik",
                "at most two decimals",
            ),
            AmountProblem::LeadingZero => {
                Msg::new("tidak boleh diawali angka 0", "no leading zeros")
            }
            AmountProblem::Zero => Msg::new("harus lebih dari 0", "must be more than 0"),
            AmountProblem::OverHundred => Msg::new(
                "persentase harus kurang dari 100",
                "a percentage must be less than 100",
            ),
        }
    }
}

impl fmt::Display for QrisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for QrisError {}

/// Something forgiven, and said: the payload is valid, but a person should know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// Whitespace (spaces, tabs, newlines) around the code was removed.
    Trimmed { leading: usize, trailing: usize },
    /// The CRC was written in lower case; it is written back in upper case.
    LowercaseCrc { found: String },
    /// No tag 01: the code does not say whether it is static or dynamic.
    NoPointOfInitiation,
    /// A merchant criteria code (sub-tag 03) outside UMI, UKE, UME, UBE, URE, PSO, BLU.
    UnknownCriteria { tag: TagPath, found: String },
    /// An NMID that is not `ID` followed by digits.
    UnusualNmid { found: String },
    /// A tag 51 GUI other than `ID.CO.QRIS.WWW` or the older `ID.OR.GPNQR.WWW`.
    UnknownRepository { found: String },
    /// A sub-tag of tag 62 that EMVCo reserves (12–49).
    ReservedAdditionalData { tag: TagPath },
    /// An unreserved template (80–99) whose content is not a list of data objects.
    OpaqueTemplate { tag: Tag },
}

impl Warning {
    pub fn msg(&self) -> Msg {
        match self {
            Warning::Trimmed { leading, trailing } => Msg::new(
                format!(
                    "Spasi/baris baru di sekitar kode dibuang ({leading} di depan, {trailing} di belakang)"
                ),
                format!(
                    "Whitespace around the code was removed ({leading} before, {trailing} after)"
                ),
            ),
            Warning::LowercaseCrc { found } => Msg::new(
                format!(
                    "CRC ditulis dengan huruf kecil ({found}); diterima dan ditulis ulang dengan huruf besar"
                ),
                format!(
                    "The CRC is written in lower case ({found}); accepted and written back in upper case"
                ),
            ),
            Warning::NoPointOfInitiation => Msg::new(
                "Tag 01 tidak ada: kode tidak menyebut statis atau dinamis",
                "Tag 01 is absent: the code does not say whether it is static or dynamic",
            ),
            Warning::UnknownCriteria { tag, found } => Msg::new(
                format!(
                    "Kriteria merchant '{found}' di tag {tag} tidak dikenal (UMI, UKE, UME, UBE, URE, PSO, BLU)"
                ),
                format!(
                    "The merchant criteria '{found}' in tag {tag} is unknown (UMI, UKE, UME, UBE, URE, PSO, BLU)"
                ),
            ),
            Warning::UnusualNmid { found } => Msg::new(
                format!(
                    "NMID '{found}' tidak berbentuk biasa ('ID' lalu angka); periksa dengan penerbit QRIS"
                ),
                format!(
                    "The NMID '{found}' is unusual (not 'ID' followed by digits); check with the QRIS issuer"
                ),
            ),
            Warning::UnknownRepository { found } => Msg::new(
                format!(
                    "Pengenal repositori '{found}' di tag 51 tidak dikenal (biasanya ID.CO.QRIS.WWW)"
                ),
                format!(
                    "The repository identifier '{found}' in tag 51 is unknown (usually ID.CO.QRIS.WWW)"
                ),
            ),
            Warning::ReservedAdditionalData { tag } => Msg::new(
                format!("Subtag {tag} dicadangkan EMVCo; dibiarkan apa adanya"),
                format!("Sub-tag {tag} is reserved by EMVCo; kept as it is"),
            ),
            Warning::OpaqueTemplate { tag } => Msg::new(
                format!("Isi tag {tag} bukan daftar data EMVCo; dibiarkan apa adanya"),
                format!(
                    "The content of tag {tag} is not a list of EMVCo data objects; kept as it is"
                ),
            ),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}
