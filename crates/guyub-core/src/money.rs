//! Money: whole rupiah, as an integer.
//!
//! Rupiah has no coins below Rp 1 in use, and cooperatives keep their books in whole rupiah, so
//! an amount is an `i64` count of rupiah: never a float, never cents. Every arithmetic step is
//! checked, because a silent overflow in a ledger is worse than a refused operation.
//!
//! People type amounts the Indonesian way: a dot groups thousands (`10.000`), a comma starts
//! decimals (`10.000,50`). [`Rupiah::parse`] reads that form and refuses anything it would have
//! to guess at; in particular a comma is never silently dropped, because `10,000` may mean ten
//! thousand (English habit) or ten (Indonesian habit).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Msg;

/// An amount of money in whole rupiah. May be negative (a balance, a correction); amounts typed
/// by people are never negative, see [`Rupiah::parse`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

/// Why a typed amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing (or only "Rp") was typed.
    Empty,
    /// A character that is not a digit, a grouping dot or the "Rp" prefix.
    InvalidCharacter(char),
    /// A minus sign: typed amounts are never negative (a refund is its own operation).
    Negative,
    /// A decimal comma: there are no cents here, not even `,00`.
    Cents,
    /// Dots that do not group by thousands, e.g. `1.00.000` or `10.000.`.
    BadGrouping,
    /// More than an `i64` can hold.
    TooLarge,
    /// Zero where a positive amount is required.
    NotPositive,
}

impl MoneyError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            MoneyError::Empty => Msg::new("Jumlah rupiah wajib diisi", "The amount is required"),
            MoneyError::InvalidCharacter(c) => Msg::new(
                format!(
                    "Jumlah rupiah hanya boleh berisi angka dan titik pemisah ribuan; karakter '{c}' tidak boleh dipakai"
                ),
                format!(
                    "An amount may only contain digits and dots between thousands; the character '{c}' is not allowed"
                ),
            ),
            MoneyError::Negative => Msg::new(
                "Jumlah rupiah tidak boleh negatif",
                "The amount cannot be negative",
            ),
            MoneyError::Cents => Msg::new(
                "Jumlah rupiah ditulis tanpa sen dan tanpa koma, misalnya 10.000",
                "Amounts are whole rupiah, without cents or commas, e.g. 10.000",
            ),
            MoneyError::BadGrouping => Msg::new(
                "Titik hanya dipakai untuk memisahkan ribuan, misalnya 1.250.000",
                "Dots may only separate thousands, e.g. 1.250.000",
            ),
            MoneyError::TooLarge => {
                Msg::new("Jumlah rupiah terlalu besar", "The amount is too large")
            }
            MoneyError::NotPositive => Msg::new(
                "Jumlah rupiah harus lebih dari 0",
                "The amount must be more than 0",
            ),
        }
    }
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    /// `None` on overflow.
    pub fn checked_add(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_add(other.0).map(Rupiah)
    }

    /// `None` on overflow.
    pub fn checked_sub(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_sub(other.0).map(Rupiah)
    }

    /// More than zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Reads an amount typed by a person.
    ///
    /// Accepts, after trimming: an optional `Rp` / `Rp.` prefix (any case) followed by optional
    /// spaces, then either plain digits (`10000`) or digits grouped by thousands with dots
    /// (`10.000`, `1.250.000`; the first group has 1–3 digits and no leading zero, the others
    /// exactly 3). Refuses everything else; the result is never negative.
    pub fn parse(s: &str) -> Result<Rupiah, MoneyError> {
        let mut rest = s.trim();
        if rest.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        if rest.len() >= 2 && rest.is_char_boundary(2) && rest[..2].eq_ignore_ascii_case("rp") {
            rest = &rest[2..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
            rest = rest.trim_start();
        }
        if rest.is_empty() {
            return Err(MoneyError::Empty);
        }
        if rest.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        // Look at every character before judging the grouping, so that the message names the
        // real problem: "10.000,50" is about cents, not about grouping.
        if let Some(c) = rest
            .chars()
            .find(|c| !c.is_ascii_digit() && *c != '.' && *c != ',')
        {
            if c.is_whitespace() {
                return Err(MoneyError::BadGrouping);
            }
            return Err(MoneyError::InvalidCharacter(c));
        }
        if rest.contains(',') {
            return Err(MoneyError::Cents);
        }
        let mut groups = rest.split('.');
        let first = groups.next().unwrap_or_default();
        let grouped = rest.contains('.');
        if grouped
            && (first.is_empty()
                || first.len() > 3
                || (first.starts_with('0'))
                || groups.clone().any(|g| g.len() != 3))
        {
            return Err(MoneyError::BadGrouping);
        }
        let mut value: i64 = 0;
        for b in rest.bytes().filter(u8::is_ascii_digit) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::TooLarge)?;
        }
        Ok(Rupiah(value))
    }

    /// Like [`Rupiah::parse`], and also refuses zero: for prices, deposits and fees, where an
    /// amount of nothing is always a typing mistake.
    pub fn parse_positive(s: &str) -> Result<Rupiah, MoneyError> {
        let r = Rupiah::parse(s)?;
        if r.is_positive() {
            Ok(r)
        } else {
            Err(MoneyError::NotPositive)
        }
    }
}

/// `Rp 1.250.000`, `-Rp 5.000`, `Rp 0`: the form Indonesian readers expect.
impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            f.write_str("-")?;
        }
        write!(f, "Rp {}", group_thousands(self.0.unsigned_abs()))
    }
}

/// A number with dots between thousands: `1250000` → `1.250.000`, `-5000` → `-5.000`.
pub fn format_number(n: i64) -> String {
    let digits = group_thousands(n.unsigned_abs());
    if n < 0 { format!("-{digits}") } else { digits }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_indonesian_amounts() {
        assert_eq!(Rupiah::parse("10.000"), Ok(Rupiah(10_000)));
        assert_eq!(Rupiah::parse("1.250.000"), Ok(Rupiah(1_250_000)));
        assert_eq!(Rupiah::parse("10000"), Ok(Rupiah(10_000)));
        assert_eq!(Rupiah::parse("  Rp 5.000 "), Ok(Rupiah(5_000)));
        assert_eq!(Rupiah::parse("Rp.5.000"), Ok(Rupiah(5_000)));
        assert_eq!(Rupiah::parse("rp. 750"), Ok(Rupiah(750)));
        assert_eq!(Rupiah::parse("RP12345"), Ok(Rupiah(12_345)));
        assert_eq!(Rupiah::parse("0"), Ok(Rupiah(0)));
        assert_eq!(Rupiah::parse("999"), Ok(Rupiah(999)));
    }

    #[test]
    fn refuses_what_it_would_have_to_guess() {
        assert_eq!(Rupiah::parse(""), Err(MoneyError::Empty));
        assert_eq!(Rupiah::parse("   "), Err(MoneyError::Empty));
        assert_eq!(Rupiah::parse("Rp"), Err(MoneyError::Empty));
        assert_eq!(Rupiah::parse("Rp. "), Err(MoneyError::Empty));
        assert_eq!(
            Rupiah::parse("10rb"),
            Err(MoneyError::InvalidCharacter('r'))
        );
        assert_eq!(
            Rupiah::parse("sepuluh"),
            Err(MoneyError::InvalidCharacter('s'))
        );
        assert_eq!(Rupiah::parse("-5.000"), Err(MoneyError::Negative));
        assert_eq!(Rupiah::parse("Rp -5.000"), Err(MoneyError::Negative));
        assert_eq!(Rupiah::parse("10.000,50"), Err(MoneyError::Cents));
        assert_eq!(Rupiah::parse("10.000,00"), Err(MoneyError::Cents));
        assert_eq!(Rupiah::parse("10,000"), Err(MoneyError::Cents));
        assert_eq!(Rupiah::parse("1.00.000"), Err(MoneyError::BadGrouping));
        assert_eq!(Rupiah::parse("10.000."), Err(MoneyError::BadGrouping));
        assert_eq!(Rupiah::parse(".500"), Err(MoneyError::BadGrouping));
        assert_eq!(Rupiah::parse("1000.000"), Err(MoneyError::BadGrouping));
        assert_eq!(Rupiah::parse("0.500"), Err(MoneyError::BadGrouping));
        assert_eq!(Rupiah::parse("10 000"), Err(MoneyError::BadGrouping));
        assert_eq!(
            Rupiah::parse("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Rupiah::parse("9.223.372.036.854.775.807"),
            Ok(Rupiah(i64::MAX))
        );
        assert_eq!(
            Rupiah::parse("9.223.372.036.854.775.808"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn positive_refuses_zero() {
        assert_eq!(Rupiah::parse_positive("0"), Err(MoneyError::NotPositive));
        assert_eq!(Rupiah::parse_positive("Rp 0"), Err(MoneyError::NotPositive));
        assert_eq!(Rupiah::parse_positive("1"), Ok(Rupiah(1)));
        assert_eq!(
            Rupiah::parse_positive("x"),
            Err(MoneyError::InvalidCharacter('x'))
        );
    }

    #[test]
    fn messages_are_bilingual_and_cents_is_explained() {
        let m = MoneyError::Cents.msg();
        assert!(m.id.contains("tanpa sen"));
        assert!(m.en.contains("cents"));
        assert!(MoneyError::InvalidCharacter('x').msg().id.contains("'x'"));
        assert!(MoneyError::TooLarge.to_string().contains(" / "));
    }

    #[test]
    fn displays_the_indonesian_way() {
        assert_eq!(Rupiah(1_250_000).to_string(), "Rp 1.250.000");
        assert_eq!(Rupiah(-5_000).to_string(), "-Rp 5.000");
        assert_eq!(Rupiah(0).to_string(), "Rp 0");
        assert_eq!(Rupiah(999).to_string(), "Rp 999");
        assert_eq!(Rupiah(1_000).to_string(), "Rp 1.000");
        assert_eq!(format_number(1_250_000), "1.250.000");
        assert_eq!(format_number(-1_000), "-1.000");
        assert_eq!(format_number(100_000), "100.000");
        assert_eq!(format_number(i64::MIN), "-9.223.372.036.854.775.808");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Rupiah(1).checked_add(Rupiah(2)), Some(Rupiah(3)));
        assert_eq!(Rupiah(i64::MAX).checked_add(Rupiah(1)), None);
        assert_eq!(Rupiah(1).checked_sub(Rupiah(2)), Some(Rupiah(-1)));
        assert_eq!(Rupiah(i64::MIN).checked_sub(Rupiah(1)), None);
        assert!(Rupiah(1).is_positive());
        assert!(!Rupiah::ZERO.is_positive());
        assert!(!Rupiah(-1).is_positive());
        assert_eq!(Rupiah::default(), Rupiah::ZERO);
    }

    proptest! {
        #[test]
        fn parse_reads_what_format_number_writes(n in 0i64..=i64::MAX) {
            prop_assert_eq!(Rupiah::parse(&format_number(n)), Ok(Rupiah(n)));
            prop_assert_eq!(Rupiah::parse(&Rupiah(n).to_string()), Ok(Rupiah(n)));
            prop_assert_eq!(Rupiah::parse(&n.to_string()), Ok(Rupiah(n)));
        }
    }
}
