//! Business and tax identifiers: NIB and NPWP.
//!
//! Neither has a published checksum (NIB numbers are random; the NPWP check digit algorithm is
//! not official), so only the shape is checked. Real verification needs OSS or DJP services.

use crate::codes::string_serde;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::Msg;

/// NIB (Nomor Induk Berusaha), issued by OSS: exactly 13 digits. One business actor has one
/// NIB; coops have one too, and it is required for halal certification.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nib(String);

/// NPWP (tax id), stored as bare digits: 15 (legacy, printed `01.234.567.8-901.000`) or 16
/// (since PMK 112/2022; for entities such as a koperasi it is `0` + the legacy 15, and for
/// resident individuals it is their NIK).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Npwp(String);

/// Why a NIB or NPWP was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    NibEmpty,
    /// A character other than digits and spaces.
    NibInvalidCharacter(char),
    /// The number of digits given, when it is not 13.
    NibWrongLength(usize),
    NpwpEmpty,
    /// A character other than digits, dots, dashes and spaces.
    NpwpInvalidCharacter(char),
    /// The number of digits given, when it is neither 15 nor 16.
    NpwpWrongLength(usize),
}

impl IdentifierError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            IdentifierError::NibEmpty => Msg::new("NIB wajib diisi", "The NIB is required"),
            IdentifierError::NibInvalidCharacter(c) => Msg::new(
                format!("NIB harus 13 digit angka; karakter '{c}' tidak boleh dipakai"),
                format!("The NIB must be 13 digits; the character '{c}' is not allowed"),
            ),
            IdentifierError::NibWrongLength(n) => Msg::new(
                format!("NIB harus 13 digit angka; yang diisi {n} digit"),
                format!("The NIB must be 13 digits; {n} digits were given"),
            ),
            IdentifierError::NpwpEmpty => Msg::new("NPWP wajib diisi", "The NPWP is required"),
            IdentifierError::NpwpInvalidCharacter(c) => Msg::new(
                format!(
                    "NPWP hanya boleh berisi angka, titik dan tanda hubung; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "An NPWP may only contain digits, dots and dashes; the character '{c}' is not allowed"
                ),
            ),
            IdentifierError::NpwpWrongLength(n) => Msg::new(
                format!("NPWP harus 15 digit (format lama) atau 16 digit; yang diisi {n} digit"),
                format!(
                    "The NPWP must be 15 digits (old format) or 16 digits; {n} digits were given"
                ),
            ),
        }
    }
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl Nib {
    /// Reads a NIB; spaces are ignored.
    pub fn parse(s: &str) -> Result<Nib, IdentifierError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(IdentifierError::NibEmpty);
        }
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(IdentifierError::NibInvalidCharacter(c));
        }
        if digits.len() != 13 {
            return Err(IdentifierError::NibWrongLength(digits.len()));
        }
        Ok(Nib(digits))
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Npwp {
    /// Reads an NPWP as printed or typed; dots, dashes and spaces are ignored.
    pub fn parse(s: &str) -> Result<Npwp, IdentifierError> {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
            .collect();
        if digits.is_empty() {
            return Err(IdentifierError::NpwpEmpty);
        }
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(IdentifierError::NpwpInvalidCharacter(c));
        }
        if digits.len() != 15 && digits.len() != 16 {
            return Err(IdentifierError::NpwpWrongLength(digits.len()));
        }
        Ok(Npwp(digits))
    }

    /// The bare digits (15 or 16).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 15-digit number in the format used before PMK 112/2022.
    pub fn is_legacy(&self) -> bool {
        self.0.len() == 15
    }
}

/// Legacy numbers as printed on the card, `01.234.567.8-901.000`; 16-digit numbers as plain
/// digits, which is how DJP's new systems show them.
impl fmt::Display for Npwp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        if self.is_legacy() {
            write!(
                f,
                "{}.{}.{}.{}-{}.{}",
                &d[..2],
                &d[2..5],
                &d[5..8],
                &d[8..9],
                &d[9..12],
                &d[12..]
            )
        } else {
            f.write_str(d)
        }
    }
}

string_serde!(Nib);
string_serde!(Npwp);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    #[test]
    fn nib() {
        assert_eq!(
            Nib::parse("1234567890123").unwrap().as_str(),
            "1234567890123"
        );
        assert_eq!(
            Nib::parse(" 1234 5678 90123 ").unwrap().as_str(),
            "1234567890123"
        );
        assert_eq!(
            Nib::parse("1234567890123").unwrap().to_string(),
            "1234567890123"
        );
        assert_eq!(Nib::parse(""), Err(IdentifierError::NibEmpty));
        assert_eq!(
            Nib::parse("123456789012"),
            Err(IdentifierError::NibWrongLength(12))
        );
        assert_eq!(
            Nib::parse("12345678901234"),
            Err(IdentifierError::NibWrongLength(14))
        );
        assert_eq!(
            Nib::parse("1234-5678-90123"),
            Err(IdentifierError::NibInvalidCharacter('-'))
        );
        assert_eq!(
            IdentifierError::NibWrongLength(12).msg().id,
            "NIB harus 13 digit angka; yang diisi 12 digit"
        );
        assert!(IdentifierError::NibEmpty.msg().id.contains("wajib"));
        assert!(
            IdentifierError::NibInvalidCharacter('-')
                .msg()
                .en
                .contains("'-'")
        );
    }

    #[test]
    fn npwp() {
        let legacy = Npwp::parse("01.234.567.8-901.000").unwrap();
        assert_eq!(legacy.as_str(), "012345678901000");
        assert!(legacy.is_legacy());
        assert_eq!(legacy.to_string(), "01.234.567.8-901.000");
        let new = Npwp::parse("0012 3456 7890 1000").unwrap();
        assert_eq!(new.as_str(), "0012345678901000");
        assert!(!new.is_legacy());
        assert_eq!(new.to_string(), "0012345678901000");
        assert_eq!(Npwp::parse(" "), Err(IdentifierError::NpwpEmpty));
        assert_eq!(
            Npwp::parse("01.234.567.8"),
            Err(IdentifierError::NpwpWrongLength(9))
        );
        assert_eq!(
            Npwp::parse("01234567890100012"),
            Err(IdentifierError::NpwpWrongLength(17))
        );
        assert_eq!(
            Npwp::parse("01/234"),
            Err(IdentifierError::NpwpInvalidCharacter('/'))
        );
        assert!(
            IdentifierError::NpwpWrongLength(9)
                .msg()
                .id
                .contains("9 digit")
        );
        assert!(IdentifierError::NpwpEmpty.msg().en.contains("required"));
        assert!(
            IdentifierError::NpwpInvalidCharacter('/')
                .msg()
                .id
                .contains("'/'")
        );
    }

    #[test]
    fn serde_validates() {
        let d: StrDeserializer<'_, DeError> = "01.234.567.8-901.000".into_deserializer();
        assert_eq!(Npwp::deserialize(d).unwrap().as_str(), "012345678901000");
        let d: StrDeserializer<'_, DeError> = "12".into_deserializer();
        assert!(Nib::deserialize(d).is_err());
    }
}
