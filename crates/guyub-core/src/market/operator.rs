//! The storefront operator: the coop that runs a storefront listing other coops' goods (the
//! province's Jatim Iso storefront at `/pasar`, a secondary coop's Tomiko), its fee, and what
//! a settlement between the operator and a merchant coop takes.
//!
//! Money rules (all whole rupiah, all conserving the total exactly):
//! - the operator's fee is a rate in basis points **on goods only** (never on shipping), at most
//!   [`MAX_FEE_BP`] (20 %); [`operator_fee`] rounds it half up and `fee + rest == goods`,
//!   `0 <= fee <= goods`;
//! - the rate is fixed on the order when it is placed, so a later change of the rate never
//!   changes an old order's books;
//! - the operator owes a merchant coop, for one order, `total - fee - (refund - refund_fee)`:
//!   what it collected, less its fee, less what went back to the buyer net of the fee given
//!   back ([`owed`]).

use crate::lang::Msg;
use crate::money::Rupiah;
use crate::percent::BasisPoints;

/// The highest operator fee: 20 % of the goods.
pub const MAX_FEE_BP: u32 = 2_000;

/// Checks an operator fee rate typed as basis points (0 to 2000).
pub fn check_fee_bp(bp: i64) -> Result<BasisPoints, Msg> {
    match u32::try_from(bp) {
        Ok(v) if v <= MAX_FEE_BP => Ok(BasisPoints(v)),
        _ => Err(Msg::new(
            format!(
                "Jasa operator harus antara 0 dan {MAX_FEE_BP} basis poin (0 sampai 20%); {bp} ditolak."
            ),
            format!(
                "The operator fee must be between 0 and {MAX_FEE_BP} basis points (0 to 20%); {bp} was refused."
            ),
        )),
    }
}

/// Splits the goods of an order into `(rest, fee)`: the fee at `rate` rounded half up (a rate
/// above 100 % is taken as 100 %). `rest + fee == goods`; for goods ≥ 0, `0 <= fee <= goods`;
/// negative goods (a correction) mirror the positive split.
pub fn operator_fee(goods: Rupiah, rate: BasisPoints) -> (Rupiah, Rupiah) {
    let rate = i128::from(rate.0.min(BasisPoints::HUNDRED.0));
    let g = i128::from(goods.0);
    let magnitude = (g.abs() * rate + 5_000) / 10_000;
    let fee = if g < 0 { -magnitude } else { magnitude };
    // |fee| <= |goods| with goods' sign: both fit an i64; the fallback conserves the total.
    match (i64::try_from(fee), i64::try_from(g - fee)) {
        (Ok(fee), Ok(rest)) => (Rupiah(rest), Rupiah(fee)),
        _ => (goods, Rupiah::ZERO),
    }
}

/// The money side of one order between an operator and its merchant coop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderMoney {
    /// What the buyer paid for the order: goods and shipping.
    pub total: i64,
    /// The operator's fee on it.
    pub fee: i64,
    /// What went back to the buyer (0 when not refunded).
    pub refund: i64,
    /// The part of the fee the operator gave back with the refund.
    pub refund_fee: i64,
}

/// What the operator still owes the merchant for one order: `total - fee - (refund - refund_fee)`.
pub fn owed(m: OrderMoney) -> i64 {
    m.total - m.fee - (m.refund - m.refund_fee)
}

/// What one settlement takes of an order: whether it settles the sale, whether it nets the
/// refund, and the amount (negative when it only nets a refund made after the sale was settled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleTake {
    pub sale: bool,
    pub refund: bool,
    pub amount: i64,
}

/// What a settlement takes of an order whose sale is (`sale_settled`) or is not yet settled and
/// whose refund, if any, is or is not yet netted; `None` when there is nothing to take.
///
/// - sale not settled: the sale and any refund already made are settled together, for
///   [`owed`]; an order refunded in full (owed 0) is left alone: it needs no settling;
/// - sale settled, refund made after it and not netted: the refund is netted, for
///   `-(refund - refund_fee)` (the merchant gives the buyer's money back to the operator, out
///   of the next settlement);
/// - otherwise nothing.
pub fn settle_take(m: OrderMoney, sale_settled: bool, refund_settled: bool) -> Option<SettleTake> {
    if !sale_settled {
        let amount = owed(m);
        return (amount != 0).then_some(SettleTake {
            sale: true,
            refund: m.refund > 0,
            amount,
        });
    }
    if m.refund > 0 && !refund_settled {
        return Some(SettleTake {
            sale: false,
            refund: true,
            amount: -(m.refund - m.refund_fee),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fee_rate_is_checked() {
        assert_eq!(check_fee_bp(0), Ok(BasisPoints(0)));
        assert_eq!(check_fee_bp(250), Ok(BasisPoints(250)));
        assert_eq!(check_fee_bp(2000), Ok(BasisPoints(2000)));
        assert!(check_fee_bp(2001).is_err());
        assert!(check_fee_bp(-1).is_err());
        assert!(check_fee_bp(i64::MAX).is_err());
        let m = check_fee_bp(2500).unwrap_err();
        assert!(m.id.contains("2500") && m.en.contains("2500"));
    }

    #[test]
    fn fee_rounds_half_up_on_goods() {
        // 2,5 % of Rp 100.000 = Rp 2.500.
        assert_eq!(
            operator_fee(Rupiah(100_000), BasisPoints(250)),
            (Rupiah(97_500), Rupiah(2_500))
        );
        // 2,5 % of Rp 20 = 0,5 → 1 (half up).
        assert_eq!(
            operator_fee(Rupiah(20), BasisPoints(250)),
            (Rupiah(19), Rupiah(1))
        );
        // 2,5 % of Rp 19 = 0,475 → 0.
        assert_eq!(
            operator_fee(Rupiah(19), BasisPoints(250)),
            (Rupiah(19), Rupiah(0))
        );
        assert_eq!(
            operator_fee(Rupiah(0), BasisPoints(2000)),
            (Rupiah(0), Rupiah(0))
        );
        assert_eq!(
            operator_fee(Rupiah(-100_000), BasisPoints(250)),
            (Rupiah(-97_500), Rupiah(-2_500))
        );
    }

    #[test]
    fn owed_and_takes() {
        let sale = OrderMoney {
            total: 110_000,
            fee: 2_500,
            refund: 0,
            refund_fee: 0,
        };
        assert_eq!(owed(sale), 107_500);
        assert_eq!(
            settle_take(sale, false, false),
            Some(SettleTake {
                sale: true,
                refund: false,
                amount: 107_500
            })
        );
        assert_eq!(settle_take(sale, true, false), None);
        // Cancelled after payment, before settlement: everything went back, nothing owed.
        let cancelled = OrderMoney {
            refund: 110_000,
            refund_fee: 2_500,
            ..sale
        };
        assert_eq!(owed(cancelled), 0);
        assert_eq!(settle_take(cancelled, false, false), None);
        // Returned (goods back, shipping kept) before settlement: the shipping is owed.
        let returned = OrderMoney {
            refund: 100_000,
            refund_fee: 2_500,
            ..sale
        };
        assert_eq!(
            settle_take(returned, false, false),
            Some(SettleTake {
                sale: true,
                refund: true,
                amount: 10_000
            })
        );
        // Returned after the sale was settled: the next settlement nets it.
        assert_eq!(
            settle_take(returned, true, false),
            Some(SettleTake {
                sale: false,
                refund: true,
                amount: -97_500
            })
        );
        assert_eq!(settle_take(returned, true, true), None);
    }

    proptest! {
        #[test]
        fn fee_conserves_the_goods(goods in 0i64..=1_000_000_000_000, bp in 0u32..=2_000) {
            let (rest, fee) = operator_fee(Rupiah(goods), BasisPoints(bp));
            prop_assert_eq!(rest.0 + fee.0, goods);
            prop_assert!(fee.0 >= 0 && fee.0 <= goods);
            prop_assert!(rest.0 >= 0);
            // Half up: never more than half a rupiah from the exact fee.
            let exact = i128::from(goods) * i128::from(bp);
            let diff = i128::from(fee.0) * 10_000 - exact;
            prop_assert!((-5_000..5_000).contains(&diff) || diff == 5_000 || diff == -5_000);
        }

        #[test]
        fn any_rate_and_sign_conserves(goods in any::<i64>(), bp in any::<u32>()) {
            let (rest, fee) = operator_fee(Rupiah(goods), BasisPoints(bp));
            prop_assert_eq!(i128::from(rest.0) + i128::from(fee.0), i128::from(goods));
            prop_assert!(fee.0.unsigned_abs() <= goods.unsigned_abs());
        }

        #[test]
        fn a_sale_then_its_refund_net_to_what_was_kept(
            goods in 0i64..100_000_000, shipping in 0i64..1_000_000, bp in 0u32..=2_000,
            returned in any::<bool>(),
        ) {
            let (_, fee) = operator_fee(Rupiah(goods), BasisPoints(bp));
            let total = goods + shipping;
            let refund = if returned { goods } else { total };
            let m = OrderMoney { total, fee: fee.0, refund, refund_fee: fee.0 };
            let first = settle_take(OrderMoney { refund: 0, refund_fee: 0, ..m }, false, false)
                .map_or(0, |t| t.amount);
            let second = settle_take(m, true, false).map_or(0, |t| t.amount);
            // Settled before the refund, netted after: the same as settling once after it.
            prop_assert_eq!(first + second, owed(m));
            prop_assert_eq!(owed(m), if returned { shipping } else { 0 });
        }
    }
}
