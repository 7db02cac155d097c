//! The coop store counter (kasir toko): the pure rules of a sale over the counter.
//!
//! A counter sale is recorded through the marketplace's order model (see the store's
//! `market::pos`); what is its own lives here: the receipt number, how a typed quantity is
//! read, the change of a cash payment, and how a typed product code is cleaned before the
//! exact barcode/SKU lookup.

use crate::Msg;
use crate::money::Rupiah;

/// The prefix of counter receipt numbers (toko).
pub const RECEIPT_PREFIX: &str = "TK";

/// The most units of one line a counter sale takes (a typo such as 1000000 is refused
/// instead of being looked up against the stock).
pub const MAX_LINE_QTY: u32 = 9_999;

/// The most lines one counter sale holds.
pub const MAX_COUNTER_LINES: usize = 100;

/// A counter receipt number: `TK-2026-000123` (year of the coop's calendar, a sequence per
/// coop and year).
pub fn receipt_no(year: i32, seq: i64) -> String {
    format!("{RECEIPT_PREFIX}-{year:04}-{seq:06}")
}

/// A rule of the counter broken, with the message for the cashier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterError {
    /// The quantity is not a whole number from 1 to [`MAX_LINE_QTY`].
    BadQty,
    /// The cash handed over is less than the total.
    TenderedBelowTotal { total: Rupiah, tendered: Rupiah },
    /// The product code is empty or too long to be a barcode or SKU.
    BadCode,
}

impl CounterError {
    pub fn msg(&self) -> Msg {
        match self {
            CounterError::BadQty => Msg::new(
                format!("Jumlah harus bilangan bulat 1 sampai {MAX_LINE_QTY}."),
                format!("The quantity must be a whole number from 1 to {MAX_LINE_QTY}."),
            ),
            CounterError::TenderedBelowTotal { total, tendered } => Msg::new(
                format!("Uang diterima {tendered} kurang dari total {total}."),
                format!("The cash tendered, {tendered}, is less than the total, {total}."),
            ),
            CounterError::BadCode => Msg::new(
                "Ketik atau pindai kode barang (barcode atau SKU, paling panjang 64 karakter).",
                "Type or scan a product code (barcode or SKU, at most 64 characters).",
            ),
        }
    }
}

/// Reads a typed quantity: digits only (spaces around allowed), 1 to [`MAX_LINE_QTY`].
/// Zero, negative numbers, decimals and letters are refused.
pub fn parse_qty(s: &str) -> Result<u32, CounterError> {
    let s = s.trim();
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CounterError::BadQty);
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=MAX_LINE_QTY).contains(&n) => Ok(n),
        _ => Err(CounterError::BadQty),
    }
}

/// The change of a cash payment: `tendered - total`, refused when the cash is short.
pub fn change_due(total: Rupiah, tendered: Rupiah) -> Result<Rupiah, CounterError> {
    match tendered.checked_sub(total) {
        Some(c) if c.0 >= 0 => Ok(c),
        _ => Err(CounterError::TenderedBelowTotal { total, tendered }),
    }
}

/// A typed or scanned product code as looked up: spaces around removed, 1 to 64
/// characters, no control characters. The lookup itself is exact (a barcode is compared as
/// scanned; a SKU as typed, case and all).
pub fn clean_code(s: &str) -> Result<String, CounterError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 64 || s.chars().any(char::is_control) {
        return Err(CounterError::BadCode);
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn receipt_numbers_are_padded() {
        assert_eq!(receipt_no(2026, 123), "TK-2026-000123");
        assert_eq!(receipt_no(2027, 1), "TK-2027-000001");
    }

    #[test]
    fn quantities_are_whole_and_positive() {
        assert_eq!(parse_qty(" 3 "), Ok(3));
        assert_eq!(parse_qty("9999"), Ok(9999));
        for bad in [
            "0",
            "-1",
            "1.5",
            "1,5",
            "dua",
            "",
            "10000",
            "1e3",
            "+2",
            "99999999999",
        ] {
            assert_eq!(parse_qty(bad), Err(CounterError::BadQty), "{bad}");
        }
    }

    #[test]
    fn change_is_tendered_minus_total() {
        assert_eq!(
            change_due(Rupiah(23_500), Rupiah(50_000)),
            Ok(Rupiah(26_500))
        );
        assert_eq!(change_due(Rupiah(23_500), Rupiah(23_500)), Ok(Rupiah(0)));
        let e = change_due(Rupiah(23_500), Rupiah(20_000)).unwrap_err();
        assert!(e.msg().id.contains("Rp 20.000"), "{}", e.msg().id);
    }

    #[test]
    fn codes_are_trimmed_and_bounded() {
        assert_eq!(clean_code("  8991234567890\n"), Ok("8991234567890".into()));
        assert_eq!(clean_code("   "), Err(CounterError::BadCode));
        assert_eq!(clean_code(&"9".repeat(65)), Err(CounterError::BadCode));
        assert_eq!(clean_code("ab\u{7}c"), Err(CounterError::BadCode));
    }

    proptest! {
        #[test]
        fn change_conserves_the_cash(total in 0i64..1_000_000_000, extra in 0i64..1_000_000_000) {
            let c = change_due(Rupiah(total), Rupiah(total + extra)).unwrap();
            prop_assert_eq!(c.0 + total, total + extra);
            prop_assert!(change_due(Rupiah(total + 1), Rupiah(total)).is_err());
        }

        #[test]
        fn a_parsed_quantity_prints_back(n in 1u32..=MAX_LINE_QTY) {
            prop_assert_eq!(parse_qty(&n.to_string()), Ok(n));
        }
    }
}
