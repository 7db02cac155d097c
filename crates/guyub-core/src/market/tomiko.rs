//! Tomiko (Toko Online Milik Koperasi): purchase orders from a coop to its secondary coop.
//!
//! A secondary coop runs a wholesale catalogue that only coops see (its member coops and the
//! coops it admits). A buying coop places a **purchase order** (PO) at the wholesale tier
//! prices; the secondary coop confirms it (the stock is taken then), ships it and issues the
//! invoice (its own books record the sale), the buying coop receives the goods (its books
//! record the inventory), and a tempo invoice is paid later.
//!
//! Life cycle (who may move it):
//!
//! ```text
//! diajukan ──confirm (seller)──▶ dikonfirmasi ──ship (seller)──▶ dikirim ──receive (buyer)──▶ diterima ──pay (seller)──▶ lunas
//!    │                               │                                   └─ receive, tunai ──────────────────────────────▶ lunas
//!    ├─cancel (buyer or seller)      └─cancel (seller)
//!    ▼                               ▼
//! dibatalkan                     dibatalkan
//! ```
//!
//! Invariants the rules here give the store:
//! - a PO is cancelled only before shipping: the buyer only before the seller confirmed, the
//!   seller before it shipped; after shipping the invoice stands (a correction is a return,
//!   outside this module);
//! - a cash (tunai) PO is paid when the goods are handed over, so receiving it ends it
//!   (`lunas`); a tempo PO is due `days` after its invoice date and ends when its payment is
//!   recorded;
//! - the price of a line is the variant's wholesale tier price for the quantity ordered: a tier
//!   applies only once the quantity reaches its minimum, so the minimum quantities of the
//!   tiers are respected; the total is the exact sum of the line totals, overflow refused.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use super::catalog::{WholesaleTiers, unit_price};
use crate::Msg;
use crate::money::Rupiah;

/// The most lines one PO may have.
pub const MAX_PO_LINES: usize = 30;
/// The largest quantity of one line (a PO of a whole warehouse is not a phone form's job).
pub const MAX_LINE_QTY: u32 = 9_999;
/// The longest payment term of a tempo PO, in days.
pub const MAX_TEMPO_DAYS: u16 = 90;
/// The prefix of PO numbers.
pub const PO_PREFIX: &str = "PO";
/// The prefix of Tomiko invoice numbers.
pub const INVOICE_PREFIX: &str = "INV-TMK";

/// A broken Tomiko rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TomikoError {
    QtyEmpty,
    QtyNotNumber,
    QtyZeroOrLess,
    QtyTooLarge,
    NoLines,
    TooManyLines,
    DuplicateLine,
    TempoDays,
    Overflow,
    /// The action is not possible in this status.
    Transition {
        from: PoStatus,
        action: PoAction,
    },
    /// This side may not take this action.
    Forbidden {
        side: PoSide,
        action: PoAction,
    },
    /// Payment is recorded for a tempo PO only (a cash PO is paid on receipt).
    CashNeedsNoPayment,
}

impl TomikoError {
    /// The message for people, Indonesian first.
    pub fn msg(&self) -> Msg {
        match self {
            TomikoError::QtyEmpty => Msg::new("Jumlah wajib diisi", "Quantity is required"),
            TomikoError::QtyNotNumber => Msg::new(
                "Jumlah harus berupa angka bulat, misalnya 12",
                "Quantity must be a whole number, e.g. 12",
            ),
            TomikoError::QtyZeroOrLess => {
                Msg::new("Jumlah minimal 1", "Quantity must be at least 1")
            }
            TomikoError::QtyTooLarge => Msg::new(
                format!("Jumlah paling banyak {MAX_LINE_QTY} per baris"),
                format!("Quantity is at most {MAX_LINE_QTY} per line"),
            ),
            TomikoError::NoLines => Msg::new(
                "Pesanan pembelian belum berisi barang",
                "The purchase order has no items",
            ),
            TomikoError::TooManyLines => Msg::new(
                format!("Paling banyak {MAX_PO_LINES} baris per pesanan pembelian"),
                format!("At most {MAX_PO_LINES} lines per purchase order"),
            ),
            TomikoError::DuplicateLine => Msg::new(
                "Barang yang sama muncul dua kali; gabungkan jumlahnya",
                "The same item appears twice; combine the quantities",
            ),
            TomikoError::TempoDays => Msg::new(
                format!("Tempo pembayaran 1 sampai {MAX_TEMPO_DAYS} hari"),
                format!("Payment terms are 1 to {MAX_TEMPO_DAYS} days"),
            ),
            TomikoError::Overflow => Msg::new(
                "Nilai pesanan terlalu besar",
                "The order value is too large",
            ),
            TomikoError::Transition { from, action } => Msg::new(
                format!(
                    "Pesanan berstatus {} tidak dapat {}",
                    from.label().id,
                    action.label().id.to_lowercase()
                ),
                format!(
                    "A purchase order that is {} cannot be {}",
                    from.label().en.to_lowercase(),
                    action.past_en()
                ),
            ),
            TomikoError::Forbidden { side, action } => Msg::new(
                format!(
                    "{} tidak berhak: {}",
                    side.label().id,
                    action.label().id.to_lowercase()
                ),
                format!(
                    "The {} may not do this: {}",
                    side.label().en.to_lowercase(),
                    action.label().en.to_lowercase()
                ),
            ),
            TomikoError::CashNeedsNoPayment => Msg::new(
                "Pesanan tunai dibayar saat barang diterima; tidak ada tagihan tempo",
                "A cash order is paid on receipt; there is no tempo invoice",
            ),
        }
    }
}

/// Where a PO is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    Diajukan,
    Dikonfirmasi,
    /// Shipped, with its invoice issued.
    Dikirim,
    Diterima,
    Lunas,
    Dibatalkan,
}

impl PoStatus {
    pub const ALL: [PoStatus; 6] = [
        PoStatus::Diajukan,
        PoStatus::Dikonfirmasi,
        PoStatus::Dikirim,
        PoStatus::Diterima,
        PoStatus::Lunas,
        PoStatus::Dibatalkan,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            PoStatus::Diajukan => "diajukan",
            PoStatus::Dikonfirmasi => "dikonfirmasi",
            PoStatus::Dikirim => "dikirim",
            PoStatus::Diterima => "diterima",
            PoStatus::Lunas => "lunas",
            PoStatus::Dibatalkan => "dibatalkan",
        }
    }

    pub fn parse(s: &str) -> Option<PoStatus> {
        PoStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            PoStatus::Diajukan => Msg::new("Diajukan", "Submitted"),
            PoStatus::Dikonfirmasi => Msg::new("Dikonfirmasi", "Confirmed"),
            PoStatus::Dikirim => Msg::new("Dikirim (faktur terbit)", "Shipped (invoiced)"),
            PoStatus::Diterima => Msg::new("Diterima", "Received"),
            PoStatus::Lunas => Msg::new("Lunas", "Paid"),
            PoStatus::Dibatalkan => Msg::new("Dibatalkan", "Cancelled"),
        }
    }

    /// The seller holds stock for it (taken at confirmation, not yet shipped).
    pub fn holds_stock(self) -> bool {
        self == PoStatus::Dikonfirmasi
    }
}

/// The two sides of a PO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoSide {
    /// The coop that orders (a member coop or an admitted coop).
    Buyer,
    /// The secondary coop that runs the catalogue.
    Seller,
}

impl PoSide {
    pub fn label(self) -> Msg {
        match self {
            PoSide::Buyer => Msg::new("Koperasi pembeli", "Buying coop"),
            PoSide::Seller => Msg::new("Koperasi sekunder", "Secondary coop"),
        }
    }
}

/// What can be done to a PO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoAction {
    Confirm,
    Ship,
    Receive,
    Pay,
    Cancel,
}

impl PoAction {
    pub const ALL: [PoAction; 5] = [
        PoAction::Confirm,
        PoAction::Ship,
        PoAction::Receive,
        PoAction::Pay,
        PoAction::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PoAction::Confirm => "konfirmasi",
            PoAction::Ship => "kirim",
            PoAction::Receive => "terima",
            PoAction::Pay => "bayar",
            PoAction::Cancel => "batal",
        }
    }

    pub fn parse(s: &str) -> Option<PoAction> {
        PoAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            PoAction::Confirm => Msg::new("Konfirmasi", "Confirm"),
            PoAction::Ship => Msg::new("Kirim dan terbitkan faktur", "Ship and invoice"),
            PoAction::Receive => Msg::new("Terima barang", "Receive goods"),
            PoAction::Pay => Msg::new("Catat pembayaran", "Record payment"),
            PoAction::Cancel => Msg::new("Batalkan", "Cancel"),
        }
    }

    fn past_en(self) -> &'static str {
        match self {
            PoAction::Confirm => "confirmed",
            PoAction::Ship => "shipped",
            PoAction::Receive => "received",
            PoAction::Pay => "paid",
            PoAction::Cancel => "cancelled",
        }
    }
}

/// How a PO is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentTerms {
    /// Cash when the goods are handed over.
    Tunai,
    /// Due this many days (1..=90) after the invoice date.
    Tempo(u16),
}

impl PaymentTerms {
    /// Terms from a number of days: 0 is cash, 1..=90 tempo, anything else refused.
    pub fn from_days(days: i64) -> Result<PaymentTerms, TomikoError> {
        match days {
            0 => Ok(PaymentTerms::Tunai),
            d if (1..=i64::from(MAX_TEMPO_DAYS)).contains(&d) => Ok(PaymentTerms::Tempo(
                u16::try_from(d).map_err(|_| TomikoError::TempoDays)?,
            )),
            _ => Err(TomikoError::TempoDays),
        }
    }

    /// Reads the form's choice: `tunai`, or `tempo` with the days as typed.
    pub fn parse(kind: &str, days: &str) -> Result<PaymentTerms, TomikoError> {
        match kind.trim() {
            "tunai" => Ok(PaymentTerms::Tunai),
            "tempo" => {
                let d: i64 = days.trim().parse().map_err(|_| TomikoError::TempoDays)?;
                if d == 0 {
                    return Err(TomikoError::TempoDays);
                }
                PaymentTerms::from_days(d)
            }
            _ => Err(TomikoError::TempoDays),
        }
    }

    /// The stored number of days (0 = cash).
    pub fn days(self) -> i64 {
        match self {
            PaymentTerms::Tunai => 0,
            PaymentTerms::Tempo(d) => i64::from(d),
        }
    }

    pub fn is_tempo(self) -> bool {
        matches!(self, PaymentTerms::Tempo(_))
    }

    /// The day a tempo invoice of `invoice_date` is due; none for cash.
    pub fn due_date(self, invoice_date: Date) -> Option<Date> {
        match self {
            PaymentTerms::Tunai => None,
            PaymentTerms::Tempo(d) => invoice_date.checked_add(Duration::days(i64::from(d))),
        }
    }

    pub fn label(self) -> Msg {
        match self {
            PaymentTerms::Tunai => Msg::new("Tunai", "Cash"),
            PaymentTerms::Tempo(d) => Msg::new(format!("Tempo {d} hari"), format!("{d} days")),
        }
    }

    /// Whether `self` is within what the secondary coop granted (`granted_days`, 0 = cash
    /// only): cash always is; tempo up to the granted days.
    pub fn within(self, granted_days: i64) -> bool {
        match self {
            PaymentTerms::Tunai => true,
            PaymentTerms::Tempo(d) => i64::from(d) <= granted_days,
        }
    }
}

/// The status after `side` takes `action` on a PO in `from` with `terms`, or why not.
pub fn next(
    from: PoStatus,
    side: PoSide,
    action: PoAction,
    terms: PaymentTerms,
) -> Result<PoStatus, TomikoError> {
    use PoAction as A;
    use PoSide as S;
    use PoStatus as P;
    let allowed_side = match action {
        A::Confirm | A::Ship | A::Pay => side == S::Seller,
        A::Receive => side == S::Buyer,
        A::Cancel => true,
    };
    if !allowed_side {
        return Err(TomikoError::Forbidden { side, action });
    }
    let to = match (action, from) {
        (A::Confirm, P::Diajukan) => P::Dikonfirmasi,
        (A::Ship, P::Dikonfirmasi) => P::Dikirim,
        (A::Receive, P::Dikirim) => match terms {
            PaymentTerms::Tunai => P::Lunas,
            PaymentTerms::Tempo(_) => P::Diterima,
        },
        (A::Pay, P::Diterima) if !terms.is_tempo() => return Err(TomikoError::CashNeedsNoPayment),
        (A::Pay, P::Diterima) => P::Lunas,
        (A::Cancel, P::Diajukan) => P::Dibatalkan,
        (A::Cancel, P::Dikonfirmasi) if side == S::Seller => P::Dibatalkan,
        (A::Cancel, P::Dikonfirmasi) => return Err(TomikoError::Forbidden { side, action }),
        _ => return Err(TomikoError::Transition { from, action }),
    };
    Ok(to)
}

/// The actions `side` may take now (for the buttons of a page).
pub fn allowed_actions(from: PoStatus, side: PoSide, terms: PaymentTerms) -> Vec<PoAction> {
    PoAction::ALL
        .into_iter()
        .filter(|a| next(from, side, *a, terms).is_ok())
        .collect()
}

/// Reads a quantity as typed: a whole number 1..=[`MAX_LINE_QTY`] (dots as thousands
/// separators are not accepted: a quantity of `1.000` sacks is a typo more often than not).
pub fn parse_qty(s: &str) -> Result<u32, TomikoError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TomikoError::QtyEmpty);
    }
    let n: i64 = t.parse().map_err(|_| TomikoError::QtyNotNumber)?;
    check_qty(n)
}

/// A quantity in range 1..=[`MAX_LINE_QTY`].
pub fn check_qty(n: i64) -> Result<u32, TomikoError> {
    if n <= 0 {
        return Err(TomikoError::QtyZeroOrLess);
    }
    if n > i64::from(MAX_LINE_QTY) {
        return Err(TomikoError::QtyTooLarge);
    }
    u32::try_from(n).map_err(|_| TomikoError::QtyTooLarge)
}

/// The price of one piece on a PO: the wholesale tier reached by `qty`, else the base price.
/// Member prices are for people, not coops, so they never apply here.
pub fn line_price(base: Rupiah, tiers: &WholesaleTiers, qty: u32) -> Rupiah {
    unit_price(base, None, tiers, qty, false)
}

/// `price × qty`, refused on overflow.
pub fn line_total(price: Rupiah, qty: u32) -> Result<Rupiah, TomikoError> {
    price
        .0
        .checked_mul(i64::from(qty))
        .map(Rupiah)
        .ok_or(TomikoError::Overflow)
}

/// The sum of the line totals, refused on overflow.
pub fn po_total(lines: &[Rupiah]) -> Result<Rupiah, TomikoError> {
    lines.iter().try_fold(Rupiah(0), |acc, x| {
        acc.checked_add(*x).ok_or(TomikoError::Overflow)
    })
}

/// Checks the shape of a PO's lines (ids as any comparable key, quantities checked already):
/// 1..=[`MAX_PO_LINES`] lines, no item twice.
pub fn check_lines<K: PartialEq>(keys: &[K]) -> Result<(), TomikoError> {
    if keys.is_empty() {
        return Err(TomikoError::NoLines);
    }
    if keys.len() > MAX_PO_LINES {
        return Err(TomikoError::TooManyLines);
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].contains(k) {
            return Err(TomikoError::DuplicateLine);
        }
    }
    Ok(())
}

/// A PO number: `PO-2026-000012` (per secondary coop and calendar year).
pub fn po_no(year: i32, seq: i64) -> String {
    format!("{PO_PREFIX}-{year:04}-{seq:06}")
}

/// An invoice number: `INV-TMK-2026-000007` (per secondary coop and calendar year).
pub fn invoice_no(year: i32, seq: i64) -> String {
    format!("{INVOICE_PREFIX}-{year:04}-{seq:06}")
}

/// Whether a tempo invoice is overdue on `today` (due strictly before it, not yet paid).
pub fn is_overdue(status: PoStatus, due: Option<Date>, today: Date) -> bool {
    matches!(status, PoStatus::Dikirim | PoStatus::Diterima) && due.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::catalog::parse_tiers;
    use proptest::prelude::*;
    use time::macros::date;

    const TEMPO: PaymentTerms = PaymentTerms::Tempo(30);

    #[test]
    fn happy_paths() {
        let s = PoStatus::Diajukan;
        let s = next(s, PoSide::Seller, PoAction::Confirm, TEMPO).unwrap();
        assert_eq!(s, PoStatus::Dikonfirmasi);
        let s = next(s, PoSide::Seller, PoAction::Ship, TEMPO).unwrap();
        assert_eq!(s, PoStatus::Dikirim);
        let s = next(s, PoSide::Buyer, PoAction::Receive, TEMPO).unwrap();
        assert_eq!(s, PoStatus::Diterima);
        let s = next(s, PoSide::Seller, PoAction::Pay, TEMPO).unwrap();
        assert_eq!(s, PoStatus::Lunas);
        // Cash: receiving ends it.
        assert_eq!(
            next(
                PoStatus::Dikirim,
                PoSide::Buyer,
                PoAction::Receive,
                PaymentTerms::Tunai
            ),
            Ok(PoStatus::Lunas)
        );
    }

    #[test]
    fn who_may_do_what() {
        let f = |st, side, a| next(st, side, a, TEMPO);
        assert!(matches!(
            f(PoStatus::Diajukan, PoSide::Buyer, PoAction::Confirm),
            Err(TomikoError::Forbidden { .. })
        ));
        assert!(matches!(
            f(PoStatus::Dikonfirmasi, PoSide::Buyer, PoAction::Ship),
            Err(TomikoError::Forbidden { .. })
        ));
        assert!(matches!(
            f(PoStatus::Dikirim, PoSide::Seller, PoAction::Receive),
            Err(TomikoError::Forbidden { .. })
        ));
        assert!(matches!(
            f(PoStatus::Diterima, PoSide::Buyer, PoAction::Pay),
            Err(TomikoError::Forbidden { .. })
        ));
        // Cancel: buyer before confirmation, seller before shipping.
        assert_eq!(
            f(PoStatus::Diajukan, PoSide::Buyer, PoAction::Cancel),
            Ok(PoStatus::Dibatalkan)
        );
        assert!(f(PoStatus::Dikonfirmasi, PoSide::Buyer, PoAction::Cancel).is_err());
        assert_eq!(
            f(PoStatus::Dikonfirmasi, PoSide::Seller, PoAction::Cancel),
            Ok(PoStatus::Dibatalkan)
        );
        assert!(matches!(
            f(PoStatus::Dikirim, PoSide::Seller, PoAction::Cancel),
            Err(TomikoError::Transition { .. })
        ));
        assert!(f(PoStatus::Dibatalkan, PoSide::Seller, PoAction::Cancel).is_err());
        assert_eq!(
            next(
                PoStatus::Diterima,
                PoSide::Seller,
                PoAction::Pay,
                PaymentTerms::Tunai
            ),
            Err(TomikoError::CashNeedsNoPayment)
        );
        assert_eq!(
            allowed_actions(PoStatus::Diajukan, PoSide::Seller, TEMPO),
            vec![PoAction::Confirm, PoAction::Cancel]
        );
        assert_eq!(
            allowed_actions(PoStatus::Dikirim, PoSide::Buyer, TEMPO),
            vec![PoAction::Receive]
        );
        assert!(allowed_actions(PoStatus::Lunas, PoSide::Seller, TEMPO).is_empty());
    }

    #[test]
    fn terms_and_due_dates() {
        assert_eq!(PaymentTerms::parse("tunai", ""), Ok(PaymentTerms::Tunai));
        assert_eq!(
            PaymentTerms::parse("tempo", "30"),
            Ok(PaymentTerms::Tempo(30))
        );
        assert_eq!(
            PaymentTerms::parse("tempo", "0"),
            Err(TomikoError::TempoDays)
        );
        assert_eq!(
            PaymentTerms::parse("tempo", "91"),
            Err(TomikoError::TempoDays)
        );
        assert_eq!(
            PaymentTerms::parse("tempo", "x"),
            Err(TomikoError::TempoDays)
        );
        assert_eq!(
            PaymentTerms::parse("kredit", "5"),
            Err(TomikoError::TempoDays)
        );
        assert_eq!(PaymentTerms::from_days(-1), Err(TomikoError::TempoDays));
        assert_eq!(
            PaymentTerms::Tempo(30).due_date(date!(2026 - 01 - 15)),
            Some(date!(2026 - 02 - 14))
        );
        assert_eq!(
            PaymentTerms::Tempo(1).due_date(date!(2026 - 12 - 31)),
            Some(date!(2027 - 01 - 01))
        );
        assert_eq!(PaymentTerms::Tunai.due_date(date!(2026 - 01 - 15)), None);
        assert!(PaymentTerms::Tempo(30).within(30));
        assert!(!PaymentTerms::Tempo(31).within(30));
        assert!(PaymentTerms::Tunai.within(0));
        assert!(is_overdue(
            PoStatus::Diterima,
            Some(date!(2026 - 01 - 01)),
            date!(2026 - 01 - 02)
        ));
        assert!(!is_overdue(
            PoStatus::Lunas,
            Some(date!(2026 - 01 - 01)),
            date!(2026 - 01 - 02)
        ));
    }

    #[test]
    fn quantities_numbers_prices() {
        assert_eq!(parse_qty(" 12 "), Ok(12));
        assert_eq!(parse_qty(""), Err(TomikoError::QtyEmpty));
        assert_eq!(parse_qty("0"), Err(TomikoError::QtyZeroOrLess));
        assert_eq!(parse_qty("-3"), Err(TomikoError::QtyZeroOrLess));
        assert_eq!(parse_qty("abc"), Err(TomikoError::QtyNotNumber));
        assert_eq!(parse_qty("1.5"), Err(TomikoError::QtyNotNumber));
        assert_eq!(parse_qty("10000"), Err(TomikoError::QtyTooLarge));
        assert_eq!(po_no(2026, 12), "PO-2026-000012");
        assert_eq!(invoice_no(2026, 7), "INV-TMK-2026-000007");
        let tiers = parse_tiers("10: 300000\n50: 290000").unwrap();
        assert_eq!(line_price(Rupiah(310_000), &tiers, 9), Rupiah(310_000));
        assert_eq!(line_price(Rupiah(310_000), &tiers, 10), Rupiah(300_000));
        assert_eq!(line_price(Rupiah(310_000), &tiers, 50), Rupiah(290_000));
        assert_eq!(line_total(Rupiah(300_000), 12), Ok(Rupiah(3_600_000)));
        assert_eq!(line_total(Rupiah(i64::MAX), 2), Err(TomikoError::Overflow));
        assert_eq!(po_total(&[Rupiah(1), Rupiah(2)]), Ok(Rupiah(3)));
        assert_eq!(
            po_total(&[Rupiah(i64::MAX), Rupiah(1)]),
            Err(TomikoError::Overflow)
        );
        assert_eq!(check_lines::<u8>(&[]), Err(TomikoError::NoLines));
        assert_eq!(check_lines(&[1, 2, 1]), Err(TomikoError::DuplicateLine));
        assert_eq!(check_lines(&[1, 2, 3]), Ok(()));
        for s in PoStatus::ALL {
            assert_eq!(PoStatus::parse(s.as_str()), Some(s));
        }
        for a in PoAction::ALL {
            assert_eq!(PoAction::parse(a.as_str()), Some(a));
            assert!(!a.label().id.is_empty());
        }
    }

    fn action() -> impl Strategy<Value = PoAction> {
        prop::sample::select(PoAction::ALL.to_vec())
    }
    fn side() -> impl Strategy<Value = PoSide> {
        prop::sample::select(vec![PoSide::Buyer, PoSide::Seller])
    }
    fn terms() -> impl Strategy<Value = PaymentTerms> {
        prop_oneof![
            Just(PaymentTerms::Tunai),
            (1u16..=MAX_TEMPO_DAYS).prop_map(PaymentTerms::Tempo)
        ]
    }

    proptest! {
        /// Any walk of actions: terminal states never move, cancel never follows shipping, stock
        /// is held only between confirm and ship/cancel, and a PO is lunas only after receipt.
        #[test]
        fn walks_keep_the_rules(steps in prop::collection::vec((side(), action()), 0..20), t in terms()) {
            let mut s = PoStatus::Diajukan;
            let mut received = false;
            let mut shipped = false;
            for (side, a) in steps {
                if let Ok(to) = next(s, side, a, t) {
                    prop_assert!(s != PoStatus::Lunas && s != PoStatus::Dibatalkan);
                    if a == PoAction::Cancel { prop_assert!(!shipped); }
                    if a == PoAction::Ship { shipped = true; }
                    if a == PoAction::Receive { received = true; }
                    if to == PoStatus::Lunas { prop_assert!(received); }
                    s = to;
                }
            }
        }

        /// The tier price never exceeds the base, and never rises with the quantity.
        #[test]
        fn tier_price_monotone(base in 1_000i64..1_000_000, q1 in 1u32..200, q2 in 1u32..200) {
            let tiers = parse_tiers(&format!("10: {}\n50: {}", base * 97 / 100, base * 95 / 100)).unwrap();
            let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
            let a = line_price(Rupiah(base), &tiers, lo);
            let b = line_price(Rupiah(base), &tiers, hi);
            prop_assert!(a.0 <= base && b.0 <= a.0);
        }

        /// Due date is exactly `days` after the invoice; parse/from_days agree.
        #[test]
        fn due_dates(d in 1i64..=90, off in 0i64..3000) {
            let inv = date!(2024 - 01 - 01) + Duration::days(off);
            let t = PaymentTerms::from_days(d).unwrap();
            prop_assert_eq!(t.due_date(inv).map(|x| (x - inv).whole_days()), Some(d));
            prop_assert_eq!(PaymentTerms::parse("tempo", &d.to_string()), Ok(t));
        }

        /// Every quantity typed is either refused or within range.
        #[test]
        fn qty_in_range(s in "\\PC{0,8}") {
            if let Ok(q) = parse_qty(&s) { prop_assert!((1..=MAX_LINE_QTY).contains(&q)); }
        }
    }
}
