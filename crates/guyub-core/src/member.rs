//! Members (anggota): who may join, how their data is cleaned, how they are numbered.
//!
//! [`validate_member`] is the one gate for a member's personal data, whether it comes from the
//! registration form, the JSON API or a spreadsheet import: it checks every field, collects
//! every problem (so a person fixes a form once, not field by field), and returns typed values.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

use crate::lang::{FieldError, Lang, Msg};
use crate::nik::Nik;
use crate::phone::Phone;
use crate::region::{RegionCode, RegionLevel};

/// Sex as recorded on the KTP (and encoded in the NIK). Stored as "L" / "P", the letters the
/// KTP itself uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "L")]
    Male,
    #[serde(rename = "P")]
    Female,
}

impl Gender {
    pub const ALL: &'static [Gender] = &[Gender::Male, Gender::Female];

    /// "L" (laki-laki) or "P" (perempuan).
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "L",
            Gender::Female => "P",
        }
    }

    /// Reads "L"/"P" and the spelled-out words in either language, ignoring case, because
    /// imported spreadsheets use all of them.
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim().to_lowercase().as_str() {
            "l" | "laki-laki" | "laki laki" | "male" | "m" => Some(Gender::Male),
            "p" | "perempuan" | "female" | "f" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Gender::Male, Lang::Id) => "Laki-laki",
            (Gender::Female, Lang::Id) => "Perempuan",
            (Gender::Male, Lang::En) => "Male",
            (Gender::Female, Lang::En) => "Female",
        }
    }
}

/// Whether a member still belongs to the coop. A member who left or died keeps their records
/// (savings to refund, SHU already earned); they are never deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Aktif,
    Berhenti,
    Meninggal,
}

impl MemberStatus {
    pub const ALL: &'static [MemberStatus] = &[
        MemberStatus::Aktif,
        MemberStatus::Berhenti,
        MemberStatus::Meninggal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Aktif => "aktif",
            MemberStatus::Berhenti => "berhenti",
            MemberStatus::Meninggal => "meninggal",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        MemberStatus::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MemberStatus::Aktif, Lang::Id) => "Aktif",
            (MemberStatus::Berhenti, Lang::Id) => "Berhenti",
            (MemberStatus::Meninggal, Lang::Id) => "Meninggal dunia",
            (MemberStatus::Aktif, Lang::En) => "Active",
            (MemberStatus::Berhenti, Lang::En) => "Left",
            (MemberStatus::Meninggal, Lang::En) => "Deceased",
        }
    }
}

/// A primary coop's members are persons; a secondary coop's members are coops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    Person,
    Coop,
}

impl MemberKind {
    pub const ALL: &'static [MemberKind] = &[MemberKind::Person, MemberKind::Coop];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Person => "person",
            MemberKind::Coop => "coop",
        }
    }

    pub fn parse(s: &str) -> Option<MemberKind> {
        MemberKind::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MemberKind::Person, Lang::Id) => "Perorangan",
            (MemberKind::Coop, Lang::Id) => "Koperasi",
            (MemberKind::Person, Lang::En) => "Person",
            (MemberKind::Coop, Lang::En) => "Cooperative",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Member numbers

/// How a coop numbers its members, e.g. `{kode}-{yyyy}-{seq:05}` → `KSPMJ-2024-00042`.
///
/// Placeholders: `{kode}` (the coop's short code), `{yyyy}` and `{yy}` (the year of joining),
/// `{seq}` or `{seq:0N}` with N in 1–9 (the sequence number, zero-padded to N digits).
///
/// Invariants, checked by [`MemberNumberFormat::parse`]: exactly one `{seq…}` (without it two
/// members would get the same number); text outside placeholders only `A–Z a–z 0–9 . / -`
/// (member numbers end up in URLs, file names and spreadsheet cells); at most 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberNumberFormat(String);

/// Why a member number format was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberNumberFormatError {
    Empty,
    /// The number of characters given, when over 40.
    TooLong(usize),
    /// A `{` without its `}`.
    Unclosed,
    /// `{…}` that is not one of the known placeholders (the text inside is given).
    UnknownPlaceholder(String),
    /// `{seq:…}` with a padding other than 01–09 (the whole placeholder is given).
    BadPadding(String),
    NoSeq,
    ManySeq,
    /// A character outside placeholders that is not `A–Z a–z 0–9 . / -`.
    InvalidCharacter(char),
}

impl MemberNumberFormatError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        const KNOWN: &str = "{kode}, {yyyy}, {yy}, {seq}, {seq:05}";
        match self {
            MemberNumberFormatError::Empty => Msg::new(
                "Format nomor anggota wajib diisi",
                "The member number format is required",
            ),
            MemberNumberFormatError::TooLong(n) => Msg::new(
                format!(
                    "Format nomor anggota paling panjang {MAX_FORMAT_LEN} karakter, sekarang {n}"
                ),
                format!(
                    "The member number format may be at most {MAX_FORMAT_LEN} characters, it has {n}"
                ),
            ),
            MemberNumberFormatError::Unclosed => Msg::new(
                "Tanda '{' di format nomor anggota tidak ditutup dengan '}'",
                "A '{' in the member number format is not closed with '}'",
            ),
            MemberNumberFormatError::UnknownPlaceholder(t) => Msg::new(
                format!("Penanda {{{t}}} tidak dikenal; yang boleh dipakai: {KNOWN}"),
                format!("The placeholder {{{t}}} is unknown; the allowed ones are: {KNOWN}"),
            ),
            MemberNumberFormatError::BadPadding(t) => Msg::new(
                format!(
                    "Penanda {t} tidak sah; panjang nomor urut harus 1 sampai 9 digit, misalnya {{seq:05}}"
                ),
                format!(
                    "The placeholder {t} is not valid; the sequence width must be 1 to 9 digits, e.g. {{seq:05}}"
                ),
            ),
            MemberNumberFormatError::NoSeq => Msg::new(
                "Format nomor anggota harus berisi {seq} (nomor urut), supaya setiap anggota mendapat nomor yang berbeda",
                "The member number format must contain {seq} (the sequence number), so that every member gets a different number",
            ),
            MemberNumberFormatError::ManySeq => Msg::new(
                "Format nomor anggota hanya boleh berisi satu {seq}",
                "The member number format may contain {seq} only once",
            ),
            MemberNumberFormatError::InvalidCharacter(c) => Msg::new(
                format!(
                    "Karakter '{}' tidak boleh dipakai di format nomor anggota; selain penanda hanya huruf, angka, titik, garis miring dan tanda hubung",
                    show_char(*c)
                ),
                format!(
                    "The character '{}' is not allowed in the member number format; outside placeholders only letters, digits, dots, slashes and dashes",
                    show_char(*c)
                ),
            ),
        }
    }
}

impl fmt::Display for MemberNumberFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

const MAX_FORMAT_LEN: usize = 40;

/// One piece of a format string. `Bad` carries text that did not scan as a placeholder, so
/// that the scanner is total and [`MemberNumberFormat::render`] needs no error path.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Lit(&'a str),
    Kode,
    Yyyy,
    Yy,
    /// Zero-padding width; 0 means none.
    Seq(usize),
    Unclosed(&'a str),
    Unknown(&'a str),
    BadPadding(&'a str),
}

fn scan(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => match rest.find('}') {
                None => {
                    out.push(Piece::Unclosed(rest));
                    rest = "";
                }
                Some(end) => {
                    let whole = &rest[..=end];
                    let inner = &rest[1..end];
                    out.push(match inner {
                        "kode" => Piece::Kode,
                        "yyyy" => Piece::Yyyy,
                        "yy" => Piece::Yy,
                        "seq" => Piece::Seq(0),
                        _ => match inner.strip_prefix("seq:") {
                            Some(w) => match w.as_bytes() {
                                [b'0', d @ b'1'..=b'9'] => Piece::Seq(usize::from(d - b'0')),
                                _ => Piece::BadPadding(whole),
                            },
                            None => Piece::Unknown(inner),
                        },
                    });
                    rest = &rest[end + 1..];
                }
            },
            Some(i) => {
                out.push(Piece::Lit(&rest[..i]));
                rest = &rest[i..];
            }
            None => {
                out.push(Piece::Lit(rest));
                rest = "";
            }
        }
    }
    out
}

impl MemberNumberFormat {
    /// Reads and checks a format (trimmed). See the type's invariants.
    pub fn parse(s: &str) -> Result<MemberNumberFormat, MemberNumberFormatError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MemberNumberFormatError::Empty);
        }
        let n = s.chars().count();
        if n > MAX_FORMAT_LEN {
            return Err(MemberNumberFormatError::TooLong(n));
        }
        let mut seqs = 0;
        for piece in scan(s) {
            match piece {
                Piece::Lit(text) => {
                    if let Some(c) = text
                        .chars()
                        .find(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '/' | '-'))
                    {
                        return Err(MemberNumberFormatError::InvalidCharacter(c));
                    }
                }
                Piece::Kode | Piece::Yyyy | Piece::Yy => {}
                Piece::Seq(_) => seqs += 1,
                Piece::Unclosed(_) => return Err(MemberNumberFormatError::Unclosed),
                Piece::Unknown(t) => {
                    return Err(MemberNumberFormatError::UnknownPlaceholder(t.to_string()));
                }
                Piece::BadPadding(t) => {
                    return Err(MemberNumberFormatError::BadPadding(t.to_string()));
                }
            }
        }
        match seqs {
            0 => Err(MemberNumberFormatError::NoSeq),
            1 => Ok(MemberNumberFormat(s.to_string())),
            _ => Err(MemberNumberFormatError::ManySeq),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The member number for sequence `seq`, joining in `year`, in the coop with short code
    /// `kode`. A sequence longer than the padding is written in full, never cut.
    pub fn render(&self, kode: &str, year: i32, seq: u64) -> String {
        let mut out = String::with_capacity(self.0.len() + 16);
        for piece in scan(&self.0) {
            match piece {
                Piece::Lit(t) => out.push_str(t),
                Piece::Kode => out.push_str(kode),
                Piece::Yyyy => out.push_str(&format!("{year:04}")),
                Piece::Yy => out.push_str(&format!("{:02}", year.rem_euclid(100))),
                Piece::Seq(width) => out.push_str(&format!("{seq:0width$}")),
                // Not reachable for a parsed format; written out as typed.
                Piece::Unclosed(t) | Piece::Unknown(t) | Piece::BadPadding(t) => out.push_str(t),
            }
        }
        out
    }
}

impl Default for MemberNumberFormat {
    /// `{kode}-{yyyy}-{seq:05}`, e.g. `KSPMJ-2024-00042`.
    fn default() -> Self {
        MemberNumberFormat("{kode}-{yyyy}-{seq:05}".to_string())
    }
}

impl fmt::Display for MemberNumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for MemberNumberFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates, like [`MemberNumberFormat::parse`].
impl<'de> Deserialize<'de> for MemberNumberFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        MemberNumberFormat::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Cleaning free text

/// A character as it can be shown in a message: itself when visible, else its code point
/// (`U+200B`), so "the character '' is not allowed" never happens.
fn show_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || (!c.is_alphanumeric() && !c.is_ascii_graphic()) {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// Trims and turns every run of whitespace (including newlines and tabs) into one space.
fn collapse_whitespace(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Characters that could open HTML or a script, or end an SQL or CSV field. Output is always
/// escaped anyway; refusing them in names says clearly that a name is not the place for them.
const MARKUP: [char; 5] = ['<', '>', '&', '"', ';'];

/// How a field is called in messages (Indonesian, English).
fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "birth_place" => ("Tempat lahir", "The place of birth"),
        "name" => ("Nama", "The name"),
        _ => ("Isian ini", "This field"),
    }
}

fn name_rule(raw: &str, field: &str, allow_digits: bool) -> Result<String, FieldError> {
    let err = |id: String, en: String| Err(FieldError::new(field, Msg::new(id, en)));
    let name = collapse_whitespace(raw);
    // Say which field: the same rule checks a person's name, a place of birth, a business.
    let (lid, len) = field_label(field);
    if name.is_empty() {
        return err(format!("{lid} wajib diisi"), format!("{len} is required"));
    }
    for c in name.chars() {
        if c.is_control() {
            return err(
                format!("{lid} tidak boleh berisi karakter kontrol"),
                format!("{len} cannot contain control characters"),
            );
        }
        if MARKUP.contains(&c) {
            return err(
                format!(
                    "Karakter '{c}' tidak boleh dipakai dalam {lower} (HTML atau skrip tidak diterima)",
                    lower = lid.to_lowercase()
                ),
                format!(
                    "The character '{c}' is not allowed in {lower} (HTML or script is not accepted)",
                    lower = len.to_lowercase()
                ),
            );
        }
        // ’ and ‘ are what phone keyboards type for an apostrophe (Ma’ruf).
        let ok = c.is_alphabetic()
            || matches!(
                c,
                ' ' | '.' | ',' | '\'' | '’' | '‘' | '-' | '(' | ')' | '/'
            )
            || (allow_digits && c.is_ascii_digit());
        if !ok {
            let allowed_id = if allow_digits {
                "huruf, angka"
            } else {
                "huruf"
            };
            let allowed_en = if allow_digits {
                "letters, digits"
            } else {
                "letters"
            };
            return err(
                format!(
                    "Karakter '{}' tidak boleh dipakai dalam {}; yang boleh hanya {allowed_id}, spasi, dan tanda . , ' - ( ) /",
                    show_char(c),
                    lid.to_lowercase()
                ),
                format!(
                    "The character '{}' is not allowed in {}; only {allowed_en}, spaces and . , ' - ( ) / are",
                    show_char(c),
                    len.to_lowercase()
                ),
            );
        }
    }
    let n = name.chars().count();
    if n < 2 {
        return err(
            format!("{lid} terlalu pendek: minimal 2 karakter"),
            format!("{len} is too short: at least 2 characters"),
        );
    }
    if n > 100 {
        return err(
            format!("{lid} terlalu panjang: paling banyak 100 karakter, sekarang {n}"),
            format!("{len} is too long: at most 100 characters, it has {n}"),
        );
    }
    if !name.chars().any(char::is_alphabetic) {
        return err(
            format!("{lid} harus berisi huruf"),
            format!("{len} must contain letters"),
        );
    }
    Ok(name)
}

/// Cleans a person's name (also a place of birth): trimmed, inner whitespace collapsed,
/// 2–100 characters, at least one letter, and only letters (any script), spaces and
/// `. , ' - ( ) /` (`’` and `‘` count as apostrophes). Markup characters `< > & " ;` and
/// control characters are refused with a message naming the character. Errors carry `field`.
pub fn clean_name(raw: &str, field: &str) -> Result<String, FieldError> {
    name_rule(raw, field, false)
}

/// Like [`clean_name`], and also allows ASCII digits: business and coop names often have them
/// ("Koperasi Karyawan 17 Agustus", "UD Sumber Rejeki 2").
pub fn clean_business_name(raw: &str, field: &str) -> Result<String, FieldError> {
    name_rule(raw, field, true)
}

/// Cleans free text (address, occupation, notes): trimmed, whitespace runs (including line
/// breaks) collapsed to one space, at most `max` characters, no control characters and no
/// `<` `>`. May return an empty string: whether a field is required is the caller's rule.
pub fn clean_text(raw: &str, field: &str, max: usize) -> Result<String, FieldError> {
    let err = |id: String, en: String| Err(FieldError::new(field, Msg::new(id, en)));
    let text = collapse_whitespace(raw);
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() || matches!(c, '<' | '>'))
    {
        if c.is_control() {
            return err(
                "Teks tidak boleh berisi karakter kontrol".into(),
                "The text cannot contain control characters".into(),
            );
        }
        return err(
            format!("Karakter '{c}' tidak boleh dipakai (HTML atau skrip tidak diterima)"),
            format!("The character '{c}' is not allowed (HTML or script is not accepted)"),
        );
    }
    let n = text.chars().count();
    if n > max {
        return err(
            format!("Teks terlalu panjang: paling banyak {max} karakter, sekarang {n}"),
            format!("The text is too long: at most {max} characters, it has {n}"),
        );
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Reads a date as `YYYY-MM-DD` (HTML date inputs, ISO), `DD-MM-YYYY` or `DD/MM/YYYY` (how
/// Indonesians write it). Day and month may have one digit; the year must have four, since a
/// two-digit year would be a guess about the century.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let sep = if s.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = if sep == '-' && a.len() == 4 {
        (a, b, c)
    } else {
        (c, b, a)
    };
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(y, &[4]) || !digits(m, &[1, 2]) || !digits(d, &[1, 2]) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Whole years from `birth` to `on` (a person born on 29 February turns a year older on
/// 1 March in other years).
fn age_on(birth: Date, on: Date) -> i32 {
    let had_birthday = (on.month() as u8, on.day()) >= (birth.month() as u8, birth.day());
    on.year() - birth.year() - if had_birthday { 0 } else { 1 }
}

/// The minimum age to join: the age at which an Indonesian gets a KTP (and so a NIK card).
pub const MIN_AGE: i32 = 17;

fn dmy(d: Date) -> String {
    format!("{:02}-{:02}-{:04}", d.day(), u8::from(d.month()), d.year())
}

// ---------------------------------------------------------------------------------------------
// Validation of a whole member

/// A member's data as typed in a form or read from an import row: all text, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub nik: String,
    pub name: String,
    pub birth_place: String,
    /// `YYYY-MM-DD`, `DD-MM-YYYY` or `DD/MM/YYYY`.
    pub birth_date: String,
    pub address: String,
    /// The village (desa/kelurahan) of the address, dotted or bare digits.
    pub region_code: String,
    /// Optional: empty means none.
    pub phone: String,
    /// Optional.
    pub occupation: String,
    /// Empty means today.
    pub joined_on: String,
}

/// A member's data after [`validate_member`]: every value typed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMember {
    pub nik: Nik,
    pub name: String,
    /// From the NIK.
    pub gender: Gender,
    pub birth_place: String,
    pub birth_date: Date,
    pub address: String,
    /// Village level.
    pub region: RegionCode,
    pub phone: Option<Phone>,
    pub occupation: String,
    pub joined_on: Date,
}

/// Longest address kept.
pub const MAX_ADDRESS: usize = 200;
/// Longest occupation kept.
pub const MAX_OCCUPATION: usize = 100;

/// Checks every field of a member and returns either the typed member or **all** problems
/// found, each tagged with the `MemberInput` field it belongs to. `today` is the coop's local
/// date (the caller knows the coop's time zone; the core does not read the clock).
///
/// Rules beyond each field's own format: the birth date in the NIK must match the birth date
/// (reported on `birth_date`); the region must be a village; the birth date is not in the
/// future and the member is at least [`MIN_AGE`] on the day of joining; the joining date is
/// not in the future and not before birth.
pub fn validate_member(input: &MemberInput, today: Date) -> Result<ValidMember, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let fail = |errors: &mut Vec<FieldError>, field: &str, id: String, en: String| {
        errors.push(FieldError::new(field, Msg::new(id, en)));
    };

    let nik = keep(
        Nik::parse(&input.nik).map_err(|e| FieldError::new("nik", e.msg())),
        &mut errors,
    );
    let name = keep(clean_name(&input.name, "name"), &mut errors);
    let birth_place = keep(clean_name(&input.birth_place, "birth_place"), &mut errors);

    let birth_date = if input.birth_date.trim().is_empty() {
        fail(
            &mut errors,
            "birth_date",
            "Tanggal lahir wajib diisi".into(),
            "The birth date is required".into(),
        );
        None
    } else if let Some(d) = parse_date(&input.birth_date) {
        if d > today {
            fail(
                &mut errors,
                "birth_date",
                "Tanggal lahir tidak boleh di masa depan".into(),
                "The birth date cannot be in the future".into(),
            );
            None
        } else {
            Some(d)
        }
    } else {
        fail(
            &mut errors,
            "birth_date",
            "Tanggal lahir tidak dikenali; tulis seperti 31-12-1990".into(),
            "The birth date is not recognised; write it like 31-12-1990".into(),
        );
        None
    };

    let address = match keep(
        clean_text(&input.address, "address", MAX_ADDRESS),
        &mut errors,
    ) {
        Some(a) if a.is_empty() => {
            fail(
                &mut errors,
                "address",
                "Alamat wajib diisi".into(),
                "The address is required".into(),
            );
            None
        }
        other => other,
    };
    let region = keep(
        RegionCode::parse_at(&input.region_code, RegionLevel::Village)
            .map_err(|e| FieldError::new("region_code", e.msg())),
        &mut errors,
    );
    let phone = if input.phone.trim().is_empty() {
        Some(None)
    } else {
        keep(
            Phone::parse(&input.phone)
                .map(Some)
                .map_err(|e| FieldError::new("phone", e.msg())),
            &mut errors,
        )
    };
    let occupation = keep(
        clean_text(&input.occupation, "occupation", MAX_OCCUPATION),
        &mut errors,
    );

    let joined_on = if input.joined_on.trim().is_empty() {
        Some(today)
    } else if let Some(d) = parse_date(&input.joined_on) {
        if d > today {
            fail(
                &mut errors,
                "joined_on",
                "Tanggal masuk tidak boleh di masa depan".into(),
                "The joining date cannot be in the future".into(),
            );
            None
        } else {
            Some(d)
        }
    } else {
        fail(
            &mut errors,
            "joined_on",
            "Tanggal masuk tidak dikenali; tulis seperti 31-12-2024".into(),
            "The joining date is not recognised; write it like 31-12-2024".into(),
        );
        None
    };

    // Rules across fields, only when the fields themselves are fine.
    if let Some(birth) = birth_date {
        if let Some(n) = &nik
            && let Err(e) = n.check_birth_date(birth)
        {
            errors.push(FieldError::new("birth_date", e.msg()));
        }
        if let Some(joined) = joined_on {
            if joined < birth {
                fail(
                    &mut errors,
                    "joined_on",
                    "Tanggal masuk tidak boleh sebelum tanggal lahir".into(),
                    "The joining date cannot be before the birth date".into(),
                );
            } else {
                let age = age_on(birth, joined);
                if age < MIN_AGE {
                    fail(
                        &mut errors,
                        "birth_date",
                        format!(
                            "Anggota harus berumur minimal {MIN_AGE} tahun saat masuk; pada {} umurnya baru {age} tahun",
                            dmy(joined)
                        ),
                        format!(
                            "A member must be at least {MIN_AGE} years old on joining; on {} they were only {age}",
                            dmy(joined)
                        ),
                    );
                }
            }
        }
    }

    match (
        nik,
        name,
        birth_place,
        birth_date,
        address,
        region,
        phone,
        occupation,
        joined_on,
    ) {
        (
            Some(nik),
            Some(name),
            Some(birth_place),
            Some(birth_date),
            Some(address),
            Some(region),
            Some(phone),
            Some(occupation),
            Some(joined_on),
        ) if errors.is_empty() => Ok(ValidMember {
            gender: nik.gender(),
            nik,
            name,
            birth_place,
            birth_date,
            address,
            region,
            phone,
            occupation,
            joined_on,
        }),
        _ => {
            // In the order of the form; stable, so one field's errors keep their order.
            errors.sort_by_key(|e| {
                FORM_ORDER
                    .iter()
                    .position(|f| *f == e.field)
                    .unwrap_or(usize::MAX)
            });
            Err(errors)
        }
    }
}

/// The `MemberInput` fields in form order.
const FORM_ORDER: [&str; 9] = [
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "address",
    "region_code",
    "phone",
    "occupation",
    "joined_on",
];

/// The value, or `None` after recording the error.
fn keep<T>(r: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2025 - 06 - 30);

    fn good_input() -> MemberInput {
        MemberInput {
            // Lowokwaru, Kota Malang; a woman born 31-01-2001.
            nik: "3573057101010002".into(),
            name: "  Siti   Nur’aini ".into(),
            birth_place: "Malang".into(),
            birth_date: "31-01-2001".into(),
            address: "Jl. Soekarno-Hatta No. 9,\nRT 02/RW 05".into(),
            region_code: "35.73.05.1001".into(),
            phone: "0812-3456-7890".into(),
            occupation: "Pedagang".into(),
            joined_on: "".into(),
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn enums_round_trip() {
        for g in Gender::ALL {
            assert_eq!(Gender::parse(g.as_str()), Some(*g));
        }
        assert_eq!(Gender::parse("perempuan"), Some(Gender::Female));
        assert_eq!(Gender::parse("Laki-laki"), Some(Gender::Male));
        assert_eq!(Gender::parse("x"), None);
        assert_eq!(Gender::Male.label(Lang::Id), "Laki-laki");
        assert_eq!(Gender::Female.label(Lang::Id), "Perempuan");
        assert_eq!(Gender::Female.label(Lang::En), "Female");
        for s in MemberStatus::ALL {
            assert_eq!(MemberStatus::parse(s.as_str()), Some(*s));
            assert!(!s.label(Lang::Id).is_empty() && !s.label(Lang::En).is_empty());
        }
        assert_eq!(MemberStatus::Meninggal.as_str(), "meninggal");
        assert_eq!(MemberStatus::parse("pensiun"), None);
        for k in MemberKind::ALL {
            assert_eq!(MemberKind::parse(k.as_str()), Some(*k));
            assert!(!k.label(Lang::Id).is_empty());
        }
        assert_eq!(MemberKind::Coop.as_str(), "coop");
        assert_eq!(MemberKind::parse("org"), None);
    }

    #[test]
    fn member_number_format_renders() {
        let f = MemberNumberFormat::default();
        assert_eq!(f.as_str(), "{kode}-{yyyy}-{seq:05}");
        assert_eq!(f.render("KSPMJ", 2024, 42), "KSPMJ-2024-00042");
        assert_eq!(f.render("KSPMJ", 2024, 1_234_567), "KSPMJ-2024-1234567");
        let f = MemberNumberFormat::parse(" A/{yy}.{seq} ").unwrap();
        assert_eq!(f.render("X", 2009, 7), "A/09.7");
        let f = MemberNumberFormat::parse("{seq:09}{kode}").unwrap();
        assert_eq!(f.render("KD", 2024, 5), "000000005KD");
        assert_eq!(MemberNumberFormat::parse(&f.to_string()), Ok(f));
    }

    #[test]
    fn member_number_format_refuses() {
        use MemberNumberFormatError as E;
        assert_eq!(MemberNumberFormat::parse("  "), Err(E::Empty));
        assert_eq!(
            MemberNumberFormat::parse(&"A".repeat(36).add_seq()),
            Err(E::TooLong(41))
        );
        assert_eq!(MemberNumberFormat::parse("{kode}-{seq"), Err(E::Unclosed));
        assert_eq!(
            MemberNumberFormat::parse("{tahun}-{seq}"),
            Err(E::UnknownPlaceholder("tahun".into()))
        );
        assert_eq!(
            MemberNumberFormat::parse("{seq:5}"),
            Err(E::BadPadding("{seq:5}".into()))
        );
        assert_eq!(
            MemberNumberFormat::parse("{seq:010}"),
            Err(E::BadPadding("{seq:010}".into()))
        );
        assert_eq!(
            MemberNumberFormat::parse("{seq:00}"),
            Err(E::BadPadding("{seq:00}".into()))
        );
        assert_eq!(MemberNumberFormat::parse("{kode}-{yyyy}"), Err(E::NoSeq));
        assert_eq!(MemberNumberFormat::parse("{seq}-{seq:03}"), Err(E::ManySeq));
        assert_eq!(
            MemberNumberFormat::parse("{kode} {seq}"),
            Err(E::InvalidCharacter(' '))
        );
        assert_eq!(
            MemberNumberFormat::parse("{kode}_{seq}"),
            Err(E::InvalidCharacter('_'))
        );
        assert_eq!(
            MemberNumberFormat::parse("}{seq}"),
            Err(E::InvalidCharacter('}'))
        );
        assert_eq!(E::NoSeq.msg().id.matches("{seq}").count(), 1);
        assert!(
            E::UnknownPlaceholder("tahun".into())
                .msg()
                .id
                .starts_with("Penanda {tahun}")
        );
        assert!(E::TooLong(41).msg().id.contains("40 karakter, sekarang 41"));
        assert!(E::InvalidCharacter(' ').msg().id.contains("'U+0020'"));
        for e in [
            E::Empty,
            E::Unclosed,
            E::ManySeq,
            E::BadPadding("{seq:5}".into()),
        ] {
            assert!(!e.msg().id.is_empty() && !e.msg().en.is_empty());
        }
    }

    trait AddSeq {
        fn add_seq(&self) -> String;
    }
    impl AddSeq for String {
        fn add_seq(&self) -> String {
            format!("{self}{{seq}}")
        }
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(
            clean_name("  Siti   Nur’aini ", "name").unwrap(),
            "Siti Nur’aini"
        );
        assert_eq!(clean_name("Ma'ruf Amin", "name").unwrap(), "Ma'ruf Amin");
        assert_eq!(
            clean_name("H. Abd. Rachman, S.E.", "name").unwrap(),
            "H. Abd. Rachman, S.E."
        );
        assert_eq!(
            clean_name("Ni Luh (Ayu) / Putu-Sari", "name").unwrap(),
            "Ni Luh (Ayu) / Putu-Sari"
        );
        assert_eq!(
            clean_name("Đặng Thị Hương", "name").unwrap(),
            "Đặng Thị Hương"
        );
        assert_eq!(clean_name("Bu\nSiti", "name").unwrap(), "Bu Siti");
        assert_eq!(
            clean_business_name("UD Sumber Rejeki 2", "name").unwrap(),
            "UD Sumber Rejeki 2"
        );
    }

    #[test]
    fn names_refuse_markup_and_junk_with_a_reason() {
        let e = clean_name("<script>alert(1)</script>", "name").unwrap_err();
        assert_eq!(e.field, "name");
        assert_eq!(
            e.msg.id,
            "Karakter '<' tidak boleh dipakai dalam nama (HTML atau skrip tidak diterima)"
        );
        assert!(e.msg.en.contains("HTML or script"));
        for (bad, c) in [
            ("Tom & Jerry", "'&'"),
            ("Budi \"B\"", "'\"'"),
            ("a;b", "';'"),
            ("x>y", "'>'"),
        ] {
            let e = clean_name(bad, "birth_place").unwrap_err();
            assert_eq!(e.field, "birth_place");
            assert!(e.msg.id.contains(c), "{bad}: {}", e.msg.id);
        }
        let e = clean_name("Bu\u{0}di", "name").unwrap_err();
        assert!(e.msg.id.contains("karakter kontrol"));
        let e = clean_name("Budi 2", "name").unwrap_err();
        assert!(e.msg.id.contains("'2'") && e.msg.id.contains("hanya huruf"));
        let e = clean_name("Budi\u{200B}", "name").unwrap_err();
        assert!(e.msg.id.contains("U+200B"));
        let e = clean_name("Bud@", "name").unwrap_err();
        assert!(e.msg.id.contains("'@'"));
        assert!(
            clean_name("   ", "name")
                .unwrap_err()
                .msg
                .id
                .contains("wajib")
        );
        assert!(
            clean_name("A", "name")
                .unwrap_err()
                .msg
                .id
                .contains("terlalu pendek")
        );
        let long = "a".repeat(101);
        assert!(
            clean_name(&long, "name")
                .unwrap_err()
                .msg
                .id
                .contains("sekarang 101")
        );
        assert_eq!(clean_name(&"a".repeat(100), "name").unwrap().len(), 100);
        assert!(
            clean_name("..", "name")
                .unwrap_err()
                .msg
                .id
                .contains("berisi huruf")
        );
        assert!(clean_business_name("<b>", "name").is_err());
    }

    #[test]
    fn text_is_cleaned() {
        assert_eq!(
            clean_text("  Jl. Ijen\r\n No. 5 ", "address", 200).unwrap(),
            "Jl. Ijen No. 5"
        );
        assert_eq!(clean_text("", "occupation", 100).unwrap(), "");
        let e = clean_text("<b>x</b>", "address", 200).unwrap_err();
        assert_eq!(e.field, "address");
        assert!(e.msg.id.contains("'<'"));
        assert!(clean_text("a > b", "address", 200).is_err());
        let e = clean_text("a\u{7}b", "address", 200).unwrap_err();
        assert!(e.msg.id.contains("karakter kontrol"));
        let e = clean_text("abcdef", "address", 5).unwrap_err();
        assert!(e.msg.id.contains("paling banyak 5 karakter, sekarang 6"));
        assert_eq!(clean_text("ééééé", "address", 5).unwrap(), "ééééé");
    }

    #[test]
    fn dates_in_three_forms() {
        assert_eq!(parse_date("2019-08-07"), Some(date!(2019 - 08 - 07)));
        assert_eq!(parse_date("07-08-2019"), Some(date!(2019 - 08 - 07)));
        assert_eq!(parse_date("07/08/2019"), Some(date!(2019 - 08 - 07)));
        assert_eq!(parse_date(" 7/8/2019 "), Some(date!(2019 - 08 - 07)));
        assert_eq!(parse_date("2019-8-7"), Some(date!(2019 - 08 - 07)));
        assert_eq!(parse_date("29-02-2000"), Some(date!(2000 - 02 - 29)));
        assert_eq!(parse_date("29-02-1900"), None);
        assert_eq!(parse_date("31/04/2019"), None);
        assert_eq!(parse_date("07-08-19"), None);
        assert_eq!(parse_date("2019/08/07"), None);
        assert_eq!(parse_date("07.08.2019"), None);
        assert_eq!(parse_date("13-13-2019"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("1-2-3-4"), None);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(date!(2000 - 06 - 30), date!(2017 - 06 - 29)), 16);
        assert_eq!(age_on(date!(2000 - 06 - 30), date!(2017 - 06 - 30)), 17);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2017 - 02 - 28)), 16);
        assert_eq!(age_on(date!(2000 - 02 - 29), date!(2017 - 03 - 01)), 17);
    }

    #[test]
    fn a_good_member_passes() {
        let m = validate_member(&good_input(), TODAY).unwrap();
        assert_eq!(m.nik.as_str(), "3573057101010002");
        assert_eq!(m.name, "Siti Nur’aini");
        assert_eq!(m.gender, Gender::Female);
        assert_eq!(m.birth_date, date!(2001 - 01 - 31));
        assert_eq!(m.address, "Jl. Soekarno-Hatta No. 9, RT 02/RW 05");
        assert_eq!(m.region.as_str(), "35.73.05.1001");
        assert_eq!(m.phone.unwrap().as_str(), "+6281234567890");
        assert_eq!(m.joined_on, TODAY);

        let mut i = good_input();
        i.phone = "  ".into();
        i.occupation = "".into();
        i.joined_on = "2020-01-15".into();
        i.birth_date = "2001-01-31".into();
        i.region_code = "3573051001".into();
        let m = validate_member(&i, TODAY).unwrap();
        assert_eq!(m.phone, None);
        assert_eq!(m.joined_on, date!(2020 - 01 - 15));
        // 31-01-2001 → 19 on 15-01-2020: old enough.
    }

    #[test]
    fn every_field_error_is_collected_with_its_field_name() {
        let i = MemberInput {
            nik: "123".into(),
            name: "<b>".into(),
            birth_place: "".into(),
            birth_date: "kemarin".into(),
            address: "".into(),
            region_code: "35.73".into(),
            phone: "12345".into(),
            occupation: "a<b".into(),
            joined_on: "besok".into(),
        };
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            [
                "nik",
                "name",
                "birth_place",
                "birth_date",
                "address",
                "region_code",
                "phone",
                "occupation",
                "joined_on"
            ]
        );
        assert!(validate_member(&MemberInput::default(), TODAY).is_err());
        let errs = validate_member(&MemberInput::default(), TODAY).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.field == "birth_date" && e.msg.id.contains("wajib"))
        );
        assert!(
            errs.iter()
                .any(|e| e.field == "address" && e.msg.id.contains("wajib"))
        );
    }

    #[test]
    fn dates_are_checked_against_each_other_and_the_nik() {
        // NIK says 31-01-01; the form says 30-01-2001.
        let mut i = good_input();
        i.birth_date = "30-01-2001".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["birth_date"]);
        assert!(
            errs[0]
                .msg
                .id
                .starts_with("Tanggal lahir di NIK 31-01-01 (perempuan)")
        );

        // Too young on the day of joining (16 on 30-01-2018), though 17 the day after.
        let mut i = good_input();
        i.joined_on = "30-01-2018".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["birth_date"]);
        assert!(errs[0].msg.id.contains("minimal 17 tahun"));
        assert!(errs[0].msg.id.contains("umurnya baru 16 tahun"));
        i.joined_on = "31-01-2018".into();
        assert!(validate_member(&i, TODAY).is_ok());

        // Joined before birth.
        let mut i = good_input();
        i.joined_on = "01-01-2000".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["joined_on"]);
        assert!(errs[0].msg.id.contains("sebelum tanggal lahir"));

        // Joined in the future.
        let mut i = good_input();
        i.joined_on = "01-07-2025".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["joined_on"]);
        assert!(errs[0].msg.id.contains("masa depan"));

        // Born in the future (and a NIK to match it).
        let mut i = good_input();
        i.nik = "3573057101260002".into();
        i.birth_date = "31-01-2026".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["birth_date"]);
        assert!(errs[0].msg.id.contains("masa depan"));
    }

    #[test]
    fn region_must_be_a_village() {
        let mut i = good_input();
        i.region_code = "35.73.05".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["region_code"]);
        assert!(errs[0].msg.id.contains("desa/kelurahan"));
        i.region_code = "35.73.05.9999".into();
        let errs = validate_member(&i, TODAY).unwrap_err();
        assert!(errs[0].msg.id.contains("tidak dikenal"));
    }

    proptest! {
        #[test]
        fn rendered_number_contains_the_padded_seq(
            width in 1usize..=9,
            seq in 0u64..10_000_000_000,
            year in 1990i32..2100,
            prefix in "[A-Z]{0,5}",
        ) {
            let f = MemberNumberFormat::parse(&format!("{prefix}{{kode}}/{{yy}}-{{seq:0{width}}}")).unwrap();
            let out = f.render("KOP", year, seq);
            let padded = format!("{seq:0width$}");
            prop_assert!(out.ends_with(&format!("-{padded}")), "{} vs {}", out, padded);
            let head = format!("{prefix}KOP/");
            prop_assert!(out.starts_with(&head), "{} vs {}", out, head);
        }
    }
}
