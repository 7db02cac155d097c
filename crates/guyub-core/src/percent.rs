//! Percentages as whole basis points.
//!
//! Shares of the SHU, fees and commissions are percentages that must add up exactly, so they are
//! kept as an integer count of basis points (1 bp = 0.01 %, 10 000 bp = 100 %), never as a
//! float. Two decimals of a percent is the finest precision an AD/ART uses in practice.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Msg;

/// A percentage in basis points: `BasisPoints(4000)` is 40 %, `BasisPoints(1225)` is 12,25 %.
///
/// Values typed by people are between 0 and 100 % ([`BasisPoints::parse`]); a sum of several
/// shares may be more, which is why the field is public and not capped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct BasisPoints(pub u32);

/// Why a typed percentage was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    Empty,
    /// A character that is not a digit, one decimal separator or a trailing `%`.
    InvalidCharacter(char),
    Negative,
    /// More than two decimals: finer than a basis point.
    TooManyDecimals,
    /// A separator with nothing before or after it, or two separators.
    Malformed,
    /// More than 100 %.
    OverHundred,
}

impl PercentError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            PercentError::Empty => Msg::new("Persentase wajib diisi", "The percentage is required"),
            PercentError::InvalidCharacter(c) => Msg::new(
                format!(
                    "Persentase hanya boleh berisi angka, misalnya 12,5; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "A percentage may only contain digits, e.g. 12,5; the character '{c}' is not allowed"
                ),
            ),
            PercentError::Negative => Msg::new(
                "Persentase tidak boleh negatif",
                "The percentage cannot be negative",
            ),
            PercentError::TooManyDecimals => Msg::new(
                "Persentase paling banyak dua angka di belakang koma, misalnya 12,25",
                "A percentage may have at most two decimals, e.g. 12,25",
            ),
            PercentError::Malformed => Msg::new(
                "Persentase tidak dikenali; tulis misalnya 40 atau 12,5",
                "The percentage is not recognised; write e.g. 40 or 12,5",
            ),
            PercentError::OverHundred => Msg::new(
                "Persentase tidak boleh lebih dari 100%",
                "The percentage cannot be more than 100%",
            ),
        }
    }
}

impl fmt::Display for PercentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl BasisPoints {
    pub const ZERO: BasisPoints = BasisPoints(0);
    /// 100 %.
    pub const HUNDRED: BasisPoints = BasisPoints(10_000);

    /// Reads a percentage typed by a person: `40`, `40%`, `40 %`, `12,5`, `12,25`, `12.25`.
    ///
    /// Either a comma (Indonesian) or a dot is taken as the decimal separator: in a percentage
    /// of at most 100 with at most two decimals a dot cannot be a thousands separator, so there
    /// is nothing to guess. The result is between 0 and [`BasisPoints::HUNDRED`].
    pub fn parse(s: &str) -> Result<BasisPoints, PercentError> {
        let t = s.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim_end();
        if t.is_empty() {
            return Err(PercentError::Empty);
        }
        if t.starts_with('-') {
            return Err(PercentError::Negative);
        }
        if let Some(c) = t
            .chars()
            .find(|c| !c.is_ascii_digit() && *c != ',' && *c != '.')
        {
            return Err(PercentError::InvalidCharacter(c));
        }
        let mut parts = t.split([',', '.']);
        let whole = parts.next().unwrap_or_default();
        let frac = parts.next();
        if parts.next().is_some() || whole.is_empty() || frac.is_some_and(str::is_empty) {
            return Err(PercentError::Malformed);
        }
        let frac = frac.unwrap_or_default();
        if frac.len() > 2 {
            return Err(PercentError::TooManyDecimals);
        }
        // Leading zeros are harmless ("05"), but a long run of digits must not overflow.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 3 {
            return Err(PercentError::OverHundred);
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PercentError::Malformed)?
        };
        let frac_bp: u32 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u32>().map_err(|_| PercentError::Malformed)? * 10,
            _ => frac.parse::<u32>().map_err(|_| PercentError::Malformed)?,
        };
        let bp = whole * 100 + frac_bp;
        if bp > Self::HUNDRED.0 {
            return Err(PercentError::OverHundred);
        }
        Ok(BasisPoints(bp))
    }
}

/// `40%`, `12,5%`, `12,25%`, `0%`: Indonesian decimal comma, trailing zeros dropped.
impl fmt::Display for BasisPoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        if frac == 0 {
            write!(f, "{whole}%")
        } else if frac.is_multiple_of(10) {
            write!(f, "{whole},{}%", frac / 10)
        } else {
            write!(f, "{whole},{frac:02}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_people_type() {
        assert_eq!(BasisPoints::parse("40"), Ok(BasisPoints(4000)));
        assert_eq!(BasisPoints::parse("40%"), Ok(BasisPoints(4000)));
        assert_eq!(BasisPoints::parse(" 40 % "), Ok(BasisPoints(4000)));
        assert_eq!(BasisPoints::parse("12,5"), Ok(BasisPoints(1250)));
        assert_eq!(BasisPoints::parse("12,25"), Ok(BasisPoints(1225)));
        assert_eq!(BasisPoints::parse("12.25"), Ok(BasisPoints(1225)));
        assert_eq!(BasisPoints::parse("0,05"), Ok(BasisPoints(5)));
        assert_eq!(BasisPoints::parse("0"), Ok(BasisPoints(0)));
        assert_eq!(BasisPoints::parse("05"), Ok(BasisPoints(500)));
        assert_eq!(BasisPoints::parse("100"), Ok(BasisPoints::HUNDRED));
        assert_eq!(BasisPoints::parse("100,00"), Ok(BasisPoints::HUNDRED));
    }

    #[test]
    fn refuses_every_bad_form() {
        assert_eq!(BasisPoints::parse(""), Err(PercentError::Empty));
        assert_eq!(BasisPoints::parse("%"), Err(PercentError::Empty));
        assert_eq!(BasisPoints::parse("100,01"), Err(PercentError::OverHundred));
        assert_eq!(BasisPoints::parse("101"), Err(PercentError::OverHundred));
        assert_eq!(
            BasisPoints::parse("123456789012"),
            Err(PercentError::OverHundred)
        );
        assert_eq!(BasisPoints::parse("-5"), Err(PercentError::Negative));
        assert_eq!(
            BasisPoints::parse("abc"),
            Err(PercentError::InvalidCharacter('a'))
        );
        assert_eq!(
            BasisPoints::parse("5%%"),
            Err(PercentError::InvalidCharacter('%'))
        );
        assert_eq!(
            BasisPoints::parse("12,125"),
            Err(PercentError::TooManyDecimals)
        );
        assert_eq!(BasisPoints::parse("1,2,3"), Err(PercentError::Malformed));
        assert_eq!(BasisPoints::parse(",5"), Err(PercentError::Malformed));
        assert_eq!(BasisPoints::parse("5,"), Err(PercentError::Malformed));
        for e in [
            PercentError::Empty,
            PercentError::InvalidCharacter('x'),
            PercentError::Negative,
            PercentError::TooManyDecimals,
            PercentError::Malformed,
            PercentError::OverHundred,
        ] {
            let m = e.msg();
            assert!(!m.id.is_empty() && !m.en.is_empty());
        }
    }

    #[test]
    fn displays_with_a_decimal_comma() {
        assert_eq!(BasisPoints(4000).to_string(), "40%");
        assert_eq!(BasisPoints(1225).to_string(), "12,25%");
        assert_eq!(BasisPoints(1250).to_string(), "12,5%");
        assert_eq!(BasisPoints(5).to_string(), "0,05%");
        assert_eq!(BasisPoints(0).to_string(), "0%");
        assert_eq!(BasisPoints::HUNDRED.to_string(), "100%");
        assert_eq!(BasisPoints(12_000).to_string(), "120%");
    }

    proptest! {
        #[test]
        fn parse_reads_what_display_writes(bp in 0u32..=10_000) {
            let shown = BasisPoints(bp).to_string();
            prop_assert_eq!(BasisPoints::parse(&shown), Ok(BasisPoints(bp)));
        }
    }
}
