//! NIK (Nomor Induk Kependudukan), the 16-digit national identity number on every KTP.
//!
//! Layout `PP KK CC DDMMYY SSSS`: province, regency and district of **first registration**,
//! day of birth (plus 40 for women), month, two-digit year, and a serial from 0001.
//!
//! What [`Nik::parse`] checks, and why:
//! - 16 digits: anything else is a typing mistake.
//! - The province, regency and district (first six digits) exist in the embedded Kemendagri
//!   list. This is stricter than the domain reference (§5.1, which would only warn on an
//!   unknown regency) by the project's decision: a typo in those digits is far more common
//!   than a NIK from a region that has since been renumbered.
//! - The day, month and day-in-month are possible. The century is not encoded, so 29 February
//!   is accepted whenever 19YY or 20YY is a leap year.
//! - The serial is not 0000.
//!
//! A valid NIK is only *well formed*; whether it is registered is Dukcapil's to say.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::lang::{Lang, Msg};
use crate::member::Gender;
use crate::region::{self, RegionCode, RegionLevel};

/// A well-formed NIK: 16 ASCII digits whose region exists and whose date is possible.
///
/// `Debug` shows only the masked form, so a NIK never lands whole in a log by accident;
/// use [`Nik::as_str`] where the full number is really needed.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nik(String);

/// Why a NIK was refused, or does not match a birth date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    Empty,
    /// A character other than digits, spaces, dots and dashes.
    NonDigit(char),
    /// The number of digits given, when it is not 16.
    WrongLength(usize),
    /// Digits 1–2.
    UnknownProvince(String),
    /// Digits 3–4 (`code` is dotted, e.g. `35.99`), with the province's name.
    UnknownRegency {
        code: String,
        province: String,
    },
    /// Digits 5–6 (`code` is dotted), with the regency's name.
    UnknownDistrict {
        code: String,
        regency: String,
    },
    /// Digits 7–8 not in 01–31 (men) or 41–71 (women).
    InvalidDay(u8),
    /// Digits 9–10 not in 01–12.
    InvalidMonth(u8),
    /// A day that the month does not have (e.g. 31-04, or 29-02 in a year that is never leap).
    DayNotInMonth {
        day: u8,
        month: u8,
        yy: u8,
    },
    /// Digits 13–16 are 0000.
    ZeroSerial,
    /// The date in the NIK differs from the birth date entered.
    BirthDateMismatch {
        day: u8,
        month: u8,
        yy: u8,
        gender: Gender,
        given: Date,
    },
}

impl NikError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            NikError::Empty => Msg::new("NIK wajib diisi", "The NIK is required"),
            NikError::NonDigit(c) => Msg::new(
                format!("NIK harus 16 digit angka; karakter '{c}' tidak boleh dipakai"),
                format!("The NIK must be 16 digits; the character '{c}' is not allowed"),
            ),
            NikError::WrongLength(n) => Msg::new(
                format!("NIK harus 16 digit angka; yang diisi {n} digit"),
                format!("The NIK must be 16 digits; {n} digits were given"),
            ),
            NikError::UnknownProvince(code) => Msg::new(
                format!("Kode provinsi {code} di NIK (digit 1–2) tidak dikenal"),
                format!("The province code {code} in the NIK (digits 1–2) is unknown"),
            ),
            NikError::UnknownRegency { code, province } => Msg::new(
                format!(
                    "Kode kabupaten/kota {code} di NIK (digit 3–4) tidak dikenal di provinsi {province}"
                ),
                format!(
                    "The regency/city code {code} in the NIK (digits 3–4) is unknown in the province of {province}"
                ),
            ),
            NikError::UnknownDistrict { code, regency } => Msg::new(
                format!("Kode kecamatan {code} di NIK (digit 5–6) tidak dikenal di {regency}"),
                format!("The district code {code} in the NIK (digits 5–6) is unknown in {regency}"),
            ),
            NikError::InvalidDay(d) => Msg::new(
                format!(
                    "Tanggal lahir di NIK (digit 7–8) harus 01–31 untuk laki-laki atau 41–71 untuk perempuan, bukan {d:02}"
                ),
                format!(
                    "The day of birth in the NIK (digits 7–8) must be 01–31 for men or 41–71 for women, not {d:02}"
                ),
            ),
            NikError::InvalidMonth(m) => Msg::new(
                format!("Bulan lahir di NIK (digit 9–10) harus 01–12, bukan {m:02}"),
                format!("The month of birth in the NIK (digits 9–10) must be 01–12, not {m:02}"),
            ),
            NikError::DayNotInMonth { day, month, yy } => Msg::new(
                format!(
                    "Tanggal lahir di NIK {day:02}-{month:02}-{yy:02} tidak ada: bulan itu tidak punya tanggal {day}"
                ),
                format!(
                    "The birth date in the NIK, {day:02}-{month:02}-{yy:02}, does not exist: that month has no day {day}"
                ),
            ),
            NikError::ZeroSerial => Msg::new(
                "Nomor urut di NIK (4 digit terakhir) tidak boleh 0000",
                "The serial number in the NIK (last 4 digits) cannot be 0000",
            ),
            NikError::BirthDateMismatch {
                day,
                month,
                yy,
                gender,
                given,
            } => {
                let given_s = format!(
                    "{:02}-{:02}-{:04}",
                    given.day(),
                    u8::from(given.month()),
                    given.year()
                );
                Msg::new(
                    format!(
                        "Tanggal lahir di NIK {day:02}-{month:02}-{yy:02} ({}) tidak sama dengan tanggal lahir yang diisi {given_s}",
                        gender.label(Lang::Id).to_lowercase()
                    ),
                    format!(
                        "The birth date in the NIK, {day:02}-{month:02}-{yy:02} ({}), does not match the birth date entered, {given_s}",
                        gender.label(Lang::En).to_lowercase()
                    ),
                )
            }
        }
    }
}

impl fmt::Display for NikError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// Two ASCII digits at `i` as a number. Callers only pass a string already checked to be 16
/// ASCII digits.
fn two(s: &str, i: usize) -> u8 {
    let b = s.as_bytes();
    (b[i] - b'0') * 10 + (b[i + 1] - b'0')
}

/// Days in `month` for a year known only by its last two digits: February has 29 days when
/// 19YY or 20YY is a leap year, i.e. when YY is divisible by 4 (00 counts, for 2000).
fn max_day(month: u8, yy: u8) -> u8 {
    match month {
        2 if yy.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Nik {
    /// Reads a NIK as typed or printed: spaces, dots and dashes are ignored
    /// (`3578 0112 1187 0001` is fine). See the module docs for what is checked.
    pub fn parse(s: &str) -> Result<Nik, NikError> {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
            .collect();
        if digits.is_empty() {
            return Err(NikError::Empty);
        }
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NikError::NonDigit(c));
        }
        if digits.len() != 16 {
            return Err(NikError::WrongLength(digits.len()));
        }

        let province = &digits[..2];
        let Some(province_name) = region::lookup(province) else {
            return Err(NikError::UnknownProvince(province.to_string()));
        };
        let regency = format!("{}.{}", &digits[..2], &digits[2..4]);
        let Some(regency_name) = region::lookup(&regency) else {
            return Err(NikError::UnknownRegency {
                code: regency,
                province: province_name.to_string(),
            });
        };
        let district = format!("{regency}.{}", &digits[4..6]);
        if region::lookup(&district).is_none() {
            return Err(NikError::UnknownDistrict {
                code: district,
                regency: regency_name.to_string(),
            });
        }

        let raw_day = two(&digits, 6);
        let month = two(&digits, 8);
        let yy = two(&digits, 10);
        let day = match raw_day {
            1..=31 => raw_day,
            41..=71 => raw_day - 40,
            _ => return Err(NikError::InvalidDay(raw_day)),
        };
        if !(1..=12).contains(&month) {
            return Err(NikError::InvalidMonth(month));
        }
        if day > max_day(month, yy) {
            return Err(NikError::DayNotInMonth { day, month, yy });
        }
        if &digits[12..] == "0000" {
            return Err(NikError::ZeroSerial);
        }
        Ok(Nik(digits))
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// From the day digits: women's days are 41–71.
    pub fn gender(&self) -> Gender {
        if two(&self.0, 6) > 40 {
            Gender::Female
        } else {
            Gender::Male
        }
    }

    /// The district of first registration (not necessarily where the person lives now).
    pub fn district(&self) -> RegionCode {
        // parse() checked that this district exists.
        RegionCode::known(&format!(
            "{}.{}.{}",
            &self.0[..2],
            &self.0[2..4],
            &self.0[4..6]
        ))
    }

    /// `(day, month)` of birth, with the day already reduced by 40 for women.
    pub fn birth_day_month(&self) -> (u8, u8) {
        let raw = two(&self.0, 6);
        (if raw > 40 { raw - 40 } else { raw }, two(&self.0, 8))
    }

    /// The last two digits of the birth year (the century is not in the NIK).
    pub fn birth_yy(&self) -> u8 {
        two(&self.0, 10)
    }

    /// Checks the NIK against a declared birth date: day, month and the year's last two
    /// digits must all match.
    ///
    /// Dukcapil never changes a NIK, even when its embedded date is wrong, so a caller may
    /// choose to treat a mismatch as something to review rather than a refusal.
    pub fn check_birth_date(&self, birth: Date) -> Result<(), NikError> {
        let (day, month) = self.birth_day_month();
        let yy = self.birth_yy();
        let matches = birth.day() == day
            && u8::from(birth.month()) == month
            && birth.year().rem_euclid(100) == i32::from(yy);
        if matches {
            Ok(())
        } else {
            Err(NikError::BirthDateMismatch {
                day,
                month,
                yy,
                gender: self.gender(),
                given: birth,
            })
        }
    }

    /// The first 6 digits (the region, which is not personal) and the last 2, with the birth
    /// date and most of the serial hidden: `357801********01`. For lists and for roles that
    /// may not see a member's full NIK.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Nik").field(&self.masked()).finish()
    }
}

impl Serialize for Nik {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates, like [`Nik::parse`].
impl<'de> Deserialize<'de> for Nik {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Nik::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Builds the NIK a person born on `birth` with `gender` would get in `district` with this
/// `serial`. `None` when `district` is not a district, or `serial` is not 1–9999.
///
/// For the demo data generator and tests; never to "fix" a NIK a person typed.
pub fn nik_for(district: &RegionCode, birth: Date, gender: Gender, serial: u16) -> Option<Nik> {
    if district.level() != RegionLevel::District || !(1..=9999).contains(&serial) {
        return None;
    }
    let day = birth.day()
        + match gender {
            Gender::Male => 0,
            Gender::Female => 40,
        };
    let s = format!(
        "{}{day:02}{:02}{:02}{serial:04}",
        district.as_str().replace('.', ""),
        u8::from(birth.month()),
        birth.year().rem_euclid(100),
    );
    Nik::parse(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use time::macros::date;

    /// The published sample (Tribun): Banten 36, Kabupaten Lebak 02, Cipanas 04,
    /// born 12-11-87, male, serial 0001.
    const SAMPLE: &str = "3602041211870001";

    #[test]
    fn the_published_sample_decodes() {
        let n = Nik::parse(SAMPLE).unwrap();
        assert_eq!(n.as_str(), SAMPLE);
        assert_eq!(n.gender(), Gender::Male);
        assert_eq!(n.birth_day_month(), (12, 11));
        assert_eq!(n.birth_yy(), 87);
        assert_eq!(n.district().as_str(), "36.02.04");
        assert_eq!(n.district().name(), "Cipanas");
        assert_eq!(n.masked(), "360204********01");
        assert_eq!(format!("{n:?}"), "Nik(\"360204********01\")");
        assert!(n.check_birth_date(date!(1987 - 11 - 12)).is_ok());
    }

    #[test]
    fn separators_are_ignored() {
        assert_eq!(
            Nik::parse(" 3602 0412 1187 0001 ").unwrap().as_str(),
            SAMPLE
        );
        assert_eq!(Nik::parse("36.02.04-121187-0001").unwrap().as_str(), SAMPLE);
    }

    #[test]
    fn a_woman_from_lowokwaru() {
        // Kota Malang, Lowokwaru (35.73.05), born 31-01-2001: day 31 + 40 = 71.
        let n = Nik::parse("3573057101010002").unwrap();
        assert_eq!(n.gender(), Gender::Female);
        assert_eq!(n.birth_day_month(), (31, 1));
        assert_eq!(n.birth_yy(), 1);
        assert_eq!(
            n.district().full_name(),
            "Lowokwaru, Kota Malang, Jawa Timur"
        );
    }

    #[test]
    fn length_and_characters() {
        assert_eq!(Nik::parse(""), Err(NikError::Empty));
        assert_eq!(Nik::parse(" - . "), Err(NikError::Empty));
        assert_eq!(
            Nik::parse("360204121187000"),
            Err(NikError::WrongLength(15))
        );
        assert_eq!(
            Nik::parse("36020412118700011"),
            Err(NikError::WrongLength(17))
        );
        assert_eq!(Nik::parse("36020412118700O1"), Err(NikError::NonDigit('O')));
        assert_eq!(
            Nik::parse("3602041211870001x"),
            Err(NikError::NonDigit('x'))
        );
        let m = NikError::WrongLength(15).msg();
        assert_eq!(m.id, "NIK harus 16 digit angka; yang diisi 15 digit");
        assert_eq!(m.en, "The NIK must be 16 digits; 15 digits were given");
        assert!(NikError::NonDigit('O').msg().id.contains("'O'"));
        assert!(NikError::Empty.msg().id.contains("wajib"));
    }

    #[test]
    fn region_digits_must_exist() {
        assert_eq!(
            Nik::parse("9902041211870001"),
            Err(NikError::UnknownProvince("99".into()))
        );
        let e = Nik::parse("3599041211870001").unwrap_err();
        assert_eq!(
            e,
            NikError::UnknownRegency {
                code: "35.99".into(),
                province: "Jawa Timur".into()
            }
        );
        assert_eq!(
            e.msg().id,
            "Kode kabupaten/kota 35.99 di NIK (digit 3–4) tidak dikenal di provinsi Jawa Timur"
        );
        // Kota Malang has five districts, 01–05.
        let e = Nik::parse("3573091211870001").unwrap_err();
        assert_eq!(
            e,
            NikError::UnknownDistrict {
                code: "35.73.09".into(),
                regency: "Kota Malang".into()
            }
        );
        assert_eq!(
            e.msg().id,
            "Kode kecamatan 35.73.09 di NIK (digit 5–6) tidak dikenal di Kota Malang"
        );
        assert!(
            NikError::UnknownProvince("99".into())
                .msg()
                .id
                .contains("provinsi 99")
        );
    }

    #[test]
    fn date_digits_must_be_possible() {
        assert_eq!(Nik::parse("3573050011870001"), Err(NikError::InvalidDay(0)));
        assert_eq!(
            Nik::parse("3573053211870001"),
            Err(NikError::InvalidDay(32))
        );
        assert_eq!(
            Nik::parse("3573054011870001"),
            Err(NikError::InvalidDay(40))
        );
        assert_eq!(
            Nik::parse("3573057211870001"),
            Err(NikError::InvalidDay(72))
        );
        assert_eq!(
            Nik::parse("3573051200870001"),
            Err(NikError::InvalidMonth(0))
        );
        assert_eq!(
            Nik::parse("3573051213870001"),
            Err(NikError::InvalidMonth(13))
        );
        assert_eq!(
            Nik::parse("3573053104870001"),
            Err(NikError::DayNotInMonth {
                day: 31,
                month: 4,
                yy: 87
            })
        );
        // A woman born on 30 February: 70-02.
        assert_eq!(
            Nik::parse("3573057002880001"),
            Err(NikError::DayNotInMonth {
                day: 30,
                month: 2,
                yy: 88
            })
        );
        // 29 February: fine in 88 (1988), 00 (2000), refused in 87.
        assert!(Nik::parse("3573052902880001").is_ok());
        assert!(Nik::parse("3573052902000001").is_ok());
        assert_eq!(
            Nik::parse("3573056902870001"),
            Err(NikError::DayNotInMonth {
                day: 29,
                month: 2,
                yy: 87
            })
        );
        assert!(NikError::InvalidDay(0).msg().id.contains("41–71"));
        assert!(NikError::InvalidMonth(13).msg().id.contains("bukan 13"));
        assert!(
            NikError::DayNotInMonth {
                day: 31,
                month: 4,
                yy: 87
            }
            .msg()
            .id
            .contains("31-04-87")
        );
    }

    #[test]
    fn serial_must_not_be_zero() {
        assert_eq!(Nik::parse("3602041211870000"), Err(NikError::ZeroSerial));
        assert!(NikError::ZeroSerial.msg().id.contains("0000"));
    }

    #[test]
    fn birth_date_mismatch_is_explained() {
        let n = Nik::parse(SAMPLE).unwrap();
        let e = n.check_birth_date(date!(1987 - 11 - 13)).unwrap_err();
        assert_eq!(
            e.msg().id,
            "Tanggal lahir di NIK 12-11-87 (laki-laki) tidak sama dengan tanggal lahir yang diisi 13-11-1987"
        );
        assert_eq!(
            e.msg().en,
            "The birth date in the NIK, 12-11-87 (male), does not match the birth date entered, 13-11-1987"
        );
        // The year's last two digits are compared too; the century is not.
        assert!(n.check_birth_date(date!(1988 - 11 - 12)).is_err());
        assert!(n.check_birth_date(date!(1987 - 10 - 12)).is_err());
        assert!(n.check_birth_date(date!(2087 - 11 - 12)).is_ok());
        let w = Nik::parse("3573057101010002").unwrap();
        let e = w.check_birth_date(date!(2001 - 01 - 30)).unwrap_err();
        assert!(e.msg().id.contains("31-01-01 (perempuan)"));
    }

    #[test]
    fn builder_refuses_what_it_cannot_build() {
        let d = RegionCode::parse("35.73.05").unwrap();
        let born = date!(1990 - 05 - 17);
        assert!(nik_for(&d, born, Gender::Male, 0).is_none());
        assert!(nik_for(&d, born, Gender::Male, 10_000).is_none());
        assert!(nik_for(&RegionCode::parse("35.73").unwrap(), born, Gender::Male, 1).is_none());
        assert_eq!(
            nik_for(&d, born, Gender::Female, 42).unwrap().as_str(),
            "3573055705900042"
        );
    }

    #[test]
    fn serde_validates() {
        let d: StrDeserializer<'_, DeError> = SAMPLE.into_deserializer();
        assert_eq!(Nik::deserialize(d).unwrap().as_str(), SAMPLE);
        let d: StrDeserializer<'_, DeError> = "3602041211870000".into_deserializer();
        assert!(Nik::deserialize(d).is_err());
    }

    fn all_districts() -> Vec<RegionCode> {
        let mut out = Vec::new();
        for (p, _) in region::children(None) {
            for (r, _) in region::children(Some(&p)) {
                out.extend(region::children(Some(&r)).into_iter().map(|(d, _)| d));
            }
        }
        out
    }

    fn any_birth() -> impl Strategy<Value = Date> {
        // 1900-01-01 ..= 2099-12-31
        (2_415_021i32..=2_488_069).prop_map(|jd| Date::from_julian_day(jd).unwrap())
    }

    fn any_gender() -> impl Strategy<Value = Gender> {
        prop_oneof![Just(Gender::Male), Just(Gender::Female)]
    }

    proptest! {
        #[test]
        fn builder_round_trips(
            district in prop::sample::select(all_districts()),
            birth in any_birth(),
            gender in any_gender(),
            serial in 1u16..=9999,
        ) {
            let n = nik_for(&district, birth, gender, serial).unwrap();
            let back = Nik::parse(n.as_str()).unwrap();
            prop_assert_eq!(&back, &n);
            prop_assert_eq!(back.gender(), gender);
            prop_assert_eq!(back.district(), district);
            prop_assert_eq!(back.birth_day_month(), (birth.day(), u8::from(birth.month())));
            prop_assert_eq!(i32::from(back.birth_yy()), birth.year() % 100);
            prop_assert!(back.check_birth_date(birth).is_ok());
        }

        /// Changing one digit of the date part (digits 7–12) is either refused or decodes to a
        /// different (day, month, yy, gender): a typo there is never silently the same person.
        /// Gender is part of it because 12 → 52 keeps the day and changes only the gender.
        #[test]
        fn a_date_digit_typo_never_goes_unnoticed(
            birth in any_birth(),
            gender in any_gender(),
            pos in 6usize..12,
            bump in 1u8..=9,
        ) {
            let d = RegionCode::parse("35.73.05").unwrap();
            let n = nik_for(&d, birth, gender, 1).unwrap();
            let mut bytes = n.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            if let Ok(t) = Nik::parse(&typo) {
                let decoded = |x: &Nik| (x.birth_day_month(), x.birth_yy(), x.gender());
                prop_assert_ne!(decoded(&t), decoded(&n));
            }
        }
    }
}
