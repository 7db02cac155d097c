//! Indonesian phone numbers, stored in E.164 (`+628123456789`).
//!
//! People write the same number as `0812-3456-7890`, `62 812 3456 7890` or
//! `+62 (812) 3456 7890`; one stored form makes numbers comparable (one member, one number)
//! and usable for WhatsApp links and SMS gateways. Operator prefixes are deliberately not
//! checked: the lists drift, and a wrong refusal is worse than an unusual number.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::Msg;

/// An Indonesian mobile (`+628` and 8–11 more digits) or landline (`+62`, an area code not
/// starting with 0, 1 or 8, and 7–10 more digits) number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(String);

/// Why a phone number was refused. Every message shows an example of a good number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    Empty,
    /// A character other than digits, a leading `+`, spaces, dashes, dots and parentheses.
    InvalidCharacter(char),
    /// A country code other than +62.
    NotIndonesian,
    /// Indonesian, but not the shape of a mobile or landline number.
    Invalid,
}

const EXAMPLE_ID: &str = "contoh: 0812-3456-7890";
const EXAMPLE_EN: &str = "e.g. 0812-3456-7890";

impl PhoneError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            PhoneError::Empty => Msg::new(
                format!("Nomor telepon wajib diisi ({EXAMPLE_ID})"),
                format!("The phone number is required ({EXAMPLE_EN})"),
            ),
            PhoneError::InvalidCharacter(c) => Msg::new(
                format!(
                    "Nomor telepon hanya boleh berisi angka; karakter '{c}' tidak boleh dipakai ({EXAMPLE_ID})"
                ),
                format!(
                    "A phone number may only contain digits; the character '{c}' is not allowed ({EXAMPLE_EN})"
                ),
            ),
            PhoneError::NotIndonesian => Msg::new(
                format!("Nomor telepon harus nomor Indonesia (+62) ({EXAMPLE_ID})"),
                format!("The phone number must be an Indonesian (+62) number ({EXAMPLE_EN})"),
            ),
            PhoneError::Invalid => Msg::new(
                format!(
                    "Nomor telepon tidak sah; tulis nomor HP atau telepon rumah lengkap dengan kode area ({EXAMPLE_ID}, atau 031-5678901)"
                ),
                format!(
                    "The phone number is not valid; write a mobile number or a landline with its area code ({EXAMPLE_EN}, or 031-5678901)"
                ),
            ),
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl Phone {
    /// Reads a number as people write it. Spaces, dashes, dots and parentheses are ignored;
    /// `08…` and `628…` become `+628…`; a `0` right after the country code (`+62 (0)812…`)
    /// is dropped, since people copy it from business cards.
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let mut compact = String::with_capacity(s.len());
        for (i, c) in s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
            .enumerate()
        {
            if c.is_ascii_digit() || (c == '+' && i == 0) {
                compact.push(c);
            } else {
                return Err(PhoneError::InvalidCharacter(c));
            }
        }
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        // A 0 right after the country code is the trunk prefix copied from a business card.
        let national: &str = if let Some(rest) = compact.strip_prefix('+') {
            let rest = rest.strip_prefix("62").ok_or(PhoneError::NotIndonesian)?;
            rest.strip_prefix('0').unwrap_or(rest)
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else if let Some(rest) = compact.strip_prefix("62") {
            rest.strip_prefix('0').unwrap_or(rest)
        } else {
            return Err(PhoneError::Invalid);
        };
        if !is_mobile(national) && !is_landline(national) {
            return Err(PhoneError::Invalid);
        }
        Ok(Phone(format!("+62{national}")))
    }

    /// The E.164 form, `+628123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A mobile number (can receive WhatsApp and SMS, as far as the number alone can say).
    pub fn is_mobile(&self) -> bool {
        is_mobile(self.national())
    }

    /// The digits after `+62`.
    fn national(&self) -> &str {
        self.0.get(3..).unwrap_or_default()
    }
}

/// `8` then 8–11 digits: mobile numbers are 10–13 digits with the leading 0.
fn is_mobile(national: &str) -> bool {
    national.starts_with('8')
        && (9..=12).contains(&national.len())
        && national.bytes().all(|b| b.is_ascii_digit())
}

/// An area code starting with 2–7 or 9, then 7–10 more digits.
fn is_landline(national: &str) -> bool {
    matches!(national.as_bytes().first(), Some(b'2'..=b'7' | b'9'))
        && (8..=11).contains(&national.len())
        && national.bytes().all(|b| b.is_ascii_digit())
}

/// Area codes with two digits (Jakarta, Bandung, Semarang, Surabaya, Medan); all others have
/// three. Used only to space the display, never to validate.
const TWO_DIGIT_AREAS: [&str; 5] = ["21", "22", "24", "31", "61"];

/// `+62 812-3456-7890` for mobiles (3-4-rest), `+62 31-5678901` for landlines (area code,
/// then the subscriber number). Parsing the displayed form gives the same number back.
impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.national();
        if self.is_mobile() {
            write!(f, "+62 {}-{}-{}", &n[..3], &n[3..7], &n[7..])
        } else {
            let area = if TWO_DIGIT_AREAS.iter().any(|a| n.starts_with(a)) {
                2
            } else {
                3
            };
            write!(f, "+62 {}-{}", &n[..area], &n[area..])
        }
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates (and normalises), like [`Phone::parse`].
impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn p(s: &str) -> String {
        Phone::parse(s).unwrap().as_str().to_string()
    }

    #[test]
    fn normalises_the_ways_people_write_numbers() {
        assert_eq!(p("0812-3456-7890"), "+6281234567890");
        assert_eq!(p("0812 3456 7890"), "+6281234567890");
        assert_eq!(p("6281234567890"), "+6281234567890");
        assert_eq!(p("+62 812 3456 7890"), "+6281234567890");
        assert_eq!(p("+62 (0)812-3456-7890"), "+6281234567890");
        assert_eq!(p("0812.3456.789"), "+628123456789");
        assert_eq!(p("0812345678"), "+62812345678"); // shortest mobile: 10 digits with the 0
        assert_eq!(p("0812345678901"), "+62812345678901"); // longest: 13
        assert_eq!(p("031-5678901"), "+62315678901");
        assert_eq!(p("(0341) 551234"), "+62341551234");
        assert_eq!(p("021-12345678"), "+622112345678");
    }

    #[test]
    fn refuses_with_an_example() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse(" - "), Err(PhoneError::Empty));
        assert_eq!(
            Phone::parse("0812-abc"),
            Err(PhoneError::InvalidCharacter('a'))
        );
        assert_eq!(
            Phone::parse("62+812"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(
            Phone::parse("+1 415 555 0100"),
            Err(PhoneError::NotIndonesian)
        );
        assert_eq!(Phone::parse("081234567"), Err(PhoneError::Invalid)); // too short
        assert_eq!(Phone::parse("08123456789012"), Err(PhoneError::Invalid)); // too long
        assert_eq!(Phone::parse("812345678"), Err(PhoneError::Invalid)); // no 0 or 62
        assert_eq!(Phone::parse("0112345678"), Err(PhoneError::Invalid)); // no area 1
        assert_eq!(Phone::parse("0062812345678"), Err(PhoneError::Invalid)); // 00 dialling prefix
        assert_eq!(Phone::parse("031-12345"), Err(PhoneError::Invalid)); // landline too short
        for e in [
            PhoneError::Empty,
            PhoneError::InvalidCharacter('a'),
            PhoneError::NotIndonesian,
            PhoneError::Invalid,
        ] {
            assert!(e.msg().id.contains("contoh: 0812-3456-7890"), "{e}");
            assert!(e.msg().en.contains("e.g. 0812-3456-7890"), "{e}");
        }
    }

    #[test]
    fn displays_grouped() {
        assert_eq!(
            Phone::parse("081234567890").unwrap().to_string(),
            "+62 812-3456-7890"
        );
        assert_eq!(
            Phone::parse("0812345678").unwrap().to_string(),
            "+62 812-3456-78"
        );
        assert_eq!(
            Phone::parse("031-5678901").unwrap().to_string(),
            "+62 31-5678901"
        );
        assert_eq!(
            Phone::parse("0341-551234").unwrap().to_string(),
            "+62 341-551234"
        );
        assert!(Phone::parse("081234567890").unwrap().is_mobile());
        assert!(!Phone::parse("031-5678901").unwrap().is_mobile());
    }

    #[test]
    fn serde_validates() {
        let d: StrDeserializer<'_, DeError> = "+6281234567890".into_deserializer();
        assert_eq!(Phone::deserialize(d).unwrap().as_str(), "+6281234567890");
        let d: StrDeserializer<'_, DeError> = "12".into_deserializer();
        assert!(Phone::deserialize(d).is_err());
    }

    proptest! {
        #[test]
        fn parse_reads_what_display_writes(
            national in prop_oneof![
                "8[0-9]{8,11}",
                "[2-79][0-9]{7,10}",
            ]
        ) {
            let phone = Phone::parse(&format!("0{national}")).unwrap();
            prop_assert_eq!(phone.as_str(), format!("+62{national}"));
            prop_assert_eq!(Phone::parse(&phone.to_string()), Ok(phone.clone()));
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone));
        }
    }
}
