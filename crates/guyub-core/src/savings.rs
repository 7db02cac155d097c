//! Members' savings (simpanan): products, dues, withdrawals and the settlement on leaving.
//!
//! A coop's capital starts with its members' savings (UU 25/1992 Pasal 41; domain reference
//! §1.3): simpanan pokok once at joining, simpanan wajib at set times (here: monthly), both
//! equity and returned only when the member leaves; simpanan sukarela, withdrawable at any
//! time and therefore a liability. Coops add their own products, each flagged equity-like or
//! liability-like through its [`SavingsKind`].
//!
//! These are the rules only: how much wajib a member owes, whether a withdrawal may go ahead,
//! what a leaving member gets back. The store writes the savings record and its journal entry
//! (see [`crate::ledger`]) in one database transaction.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::code_enum;
use crate::fmt_id::tanggal;
use crate::lang::{Lang, Msg};
use crate::ledger::AccountRole;
use crate::money::Rupiah;

code_enum! {
    /// The kind of a savings product. It decides the accounting class of the product's account
    /// and whether a member may take money out while still a member.
    SavingsKind {
        /// Paid once on joining, the same amount for every member; equity; returned on leaving.
        Pokok => "pokok", "Simpanan pokok", "Principal savings (pokok)";
        /// Paid monthly, the amount set by the bylaws; equity; returned on leaving.
        Wajib => "wajib", "Simpanan wajib", "Mandatory savings (wajib)";
        /// Deposited and withdrawn at any time; a liability (it is the member's money on call).
        Sukarela => "sukarela", "Simpanan sukarela", "Voluntary savings (sukarela)";
        /// A time deposit, withdrawable at its maturity date; a liability.
        Berjangka => "berjangka", "Simpanan berjangka", "Time deposit (berjangka)";
        /// Another product with the character of pokok and wajib (e.g. simpanan wajib usaha):
        /// equity, returned on leaving. A coop-defined product that members may withdraw
        /// (e.g. simpanan hari raya) is of kind Sukarela or Berjangka instead.
        Lain => "lain", "Simpanan lain", "Other savings";
    }
}

impl SavingsKind {
    /// Whether the product's balance is the coop's equity (pokok, wajib, lain) rather than a
    /// liability (sukarela, berjangka), per domain reference §3.2. Under SAK EP an accountant
    /// may judge otherwise, so a coop's own accounts may differ; this is the default.
    pub fn is_equity(self) -> bool {
        matches!(
            self,
            SavingsKind::Pokok | SavingsKind::Wajib | SavingsKind::Lain
        )
    }

    /// Whether a member may withdraw at will while still a member: only sukarela. Pokok, wajib
    /// and other equity-like savings are returned only when the member leaves; berjangka is
    /// withdrawable, but only at or after its maturity date (see [`check_withdrawable`]), so
    /// it is not "at will".
    pub fn withdrawable_while_member(self) -> bool {
        self == SavingsKind::Sukarela
    }

    /// The role of the account a product of this kind posts to by default (a coop-defined
    /// product may have its own account instead).
    pub fn account_role(self) -> AccountRole {
        match self {
            SavingsKind::Pokok => AccountRole::SimpananPokok,
            SavingsKind::Wajib => AccountRole::SimpananWajib,
            SavingsKind::Sukarela => AccountRole::SimpananSukarela,
            SavingsKind::Berjangka => AccountRole::SimpananBerjangka,
            SavingsKind::Lain => AccountRole::SimpananLain,
        }
    }
}

code_enum! {
    /// What a savings transaction does to a member's balance.
    TxKind {
        /// Money paid in.
        Deposit => "setoran", "Setoran", "Deposit";
        /// Money taken out by a member who stays.
        Withdrawal => "penarikan", "Penarikan", "Withdrawal";
        /// A fix of an earlier mistake, in either direction (the mistaken record stays).
        Correction => "koreksi", "Koreksi", "Correction";
        /// A balance carried over from before the coop used Guyub.
        Opening => "saldo_awal", "Saldo awal", "Opening balance";
        /// The balance returned to a member who leaves the coop.
        Refund => "pengembalian", "Pengembalian simpanan", "Refund on leaving";
    }
}

impl TxKind {
    /// The direction of the transaction: `Some(true)` when it adds to the balance (deposit,
    /// opening balance), `Some(false)` when it takes from it (withdrawal, refund), `None` for a
    /// correction, whose sign is its own.
    pub fn increases_balance(self) -> Option<bool> {
        match self {
            TxKind::Deposit | TxKind::Opening => Some(true),
            TxKind::Withdrawal | TxKind::Refund => Some(false),
            TxKind::Correction => None,
        }
    }
}

code_enum! {
    /// How money came in or went out; each way is posted to its own account, so that the cash
    /// book matches the drawer and the bank book matches the statement.
    PayMethod {
        Cash => "tunai", "Tunai", "Cash";
        Bank => "transfer", "Transfer bank", "Bank transfer";
        /// Paid by QRIS: held in the clearing account until the acquirer settles to the bank.
        Qris => "qris", "QRIS", "QRIS";
    }
}

impl PayMethod {
    /// The account the money moves through: Kas, Bank or Kliring QRIS.
    pub fn account_role(self) -> AccountRole {
        match self {
            PayMethod::Cash => AccountRole::Cash,
            PayMethod::Bank => AccountRole::Bank,
            PayMethod::Qris => AccountRole::QrisClearing,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Simpanan wajib dues

/// Months since year 0, counted from January of year 0 (may be negative).
fn month_index(d: Date) -> i64 {
    i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1
}

fn month_of_index(i: i64) -> (i32, u8) {
    let year = i32::try_from(i.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u8::try_from(i.rem_euclid(12) + 1).unwrap_or(12);
    (year, month)
}

/// How many months of simpanan wajib are owed from `joined_on` through `until`: every
/// calendar month from the month of joining through the month of `until`, both included, so
/// a member who joined on 31 January owes January too (the common reading of "paid every
/// month"). 0 when `until` is before `joined_on`.
pub fn months_due(joined_on: Date, until: Date) -> u32 {
    if until < joined_on {
        return 0;
    }
    u32::try_from(month_index(until) - month_index(joined_on) + 1).unwrap_or(u32::MAX)
}

/// A member's simpanan wajib position on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arrears {
    /// Months owed since joining, this month included.
    pub months_due: u32,
    /// Whole months covered by what was paid.
    pub months_paid: u32,
    /// Months due and not covered, never negative (an advance payment gives 0).
    pub months_owed: u32,
    /// Rupiah still to pay for the months due, never negative. Less than
    /// `months_owed × monthly` when a month was paid in part.
    pub rupiah_owed: Rupiah,
    /// The unpaid months as (year, month 1–12), oldest first: payments cover the oldest months
    /// first, so these are the latest `months_owed` months up to this one.
    pub owed_months: Vec<(i32, u8)>,
}

/// What a member owes in simpanan wajib on `today`, having joined on `joined_on` and paid
/// `paid_total` in wajib so far (including any opening balance), at `monthly` a month.
///
/// Payments cover months in order from the month of joining: `months_paid` is
/// ⌊paid_total / monthly⌋, a remainder is a part payment of the next month. A monthly amount
/// of 0 (a coop without wajib) means nothing is ever due. Negative inputs (which no valid
/// record produces) count as 0. One monthly amount is assumed for the whole period; when the
/// bylaws change it, the caller computes each period separately.
pub fn wajib_arrears(joined_on: Date, today: Date, monthly: Rupiah, paid_total: Rupiah) -> Arrears {
    let paid = paid_total.0.max(0);
    if monthly.0 <= 0 {
        return Arrears {
            months_due: 0,
            months_paid: 0,
            months_owed: 0,
            rupiah_owed: Rupiah::ZERO,
            owed_months: Vec::new(),
        };
    }
    let due = months_due(joined_on, today);
    let months_paid = u32::try_from(paid / monthly.0).unwrap_or(u32::MAX);
    let months_owed = due.saturating_sub(months_paid);
    let rupiah_owed = Rupiah(
        i64::from(due)
            .saturating_mul(monthly.0)
            .saturating_sub(paid)
            .max(0),
    );
    let first = month_index(joined_on);
    let owed_months = (months_paid..due)
        .map(|k| month_of_index(first + i64::from(k)))
        .collect();
    Arrears {
        months_due: due,
        months_paid,
        months_owed,
        rupiah_owed,
        owed_months,
    }
}

// ---------------------------------------------------------------------------------------------
// Withdrawals

/// Why a savings operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavingsError {
    /// An amount of zero or less.
    NotPositive,
    /// The withdrawal would take the balance below the minimum (or below zero).
    Insufficient {
        balance: Rupiah,
        /// The minimum balance that must remain (0 when the product has none).
        min_balance: Rupiah,
        /// The most that can be withdrawn now.
        max_withdrawal: Rupiah,
    },
    /// This kind of savings is not withdrawn while the member stays in the coop.
    NotWithdrawable(SavingsKind),
    /// A time deposit before its maturity date (the date given).
    NotMatured(Date),
}

impl SavingsError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            SavingsError::NotPositive => Msg::new(
                "Jumlah penarikan harus lebih dari 0",
                "The amount to withdraw must be more than 0",
            ),
            SavingsError::Insufficient {
                balance,
                min_balance,
                max_withdrawal,
            } => {
                if min_balance.is_positive() {
                    Msg::new(
                        format!(
                            "Saldo tidak cukup: saldo sekarang {balance} dan saldo minimum {min_balance}, jadi paling banyak dapat ditarik {max_withdrawal}"
                        ),
                        format!(
                            "Not enough balance: the balance is {balance} and the minimum balance is {min_balance}, so at most {max_withdrawal} can be withdrawn"
                        ),
                    )
                } else {
                    Msg::new(
                        format!(
                            "Saldo tidak cukup: saldo sekarang {balance}, jadi paling banyak dapat ditarik {max_withdrawal}"
                        ),
                        format!(
                            "Not enough balance: the balance is {balance}, so at most {max_withdrawal} can be withdrawn"
                        ),
                    )
                }
            }
            SavingsError::NotWithdrawable(kind) => Msg::new(
                format!(
                    "{} tidak dapat ditarik selama masih menjadi anggota; simpanan ini dikembalikan saat anggota keluar dari koperasi",
                    kind.label(Lang::Id)
                ),
                format!(
                    "{} cannot be withdrawn while the member stays in the coop; these savings are returned when the member leaves",
                    kind.label(Lang::En)
                ),
            ),
            SavingsError::NotMatured(d) => Msg::new(
                format!(
                    "Simpanan berjangka baru dapat ditarik pada tanggal jatuh tempo, {}",
                    tanggal(*d, Lang::Id)
                ),
                format!(
                    "The time deposit can only be withdrawn from its maturity date, {}",
                    tanggal(*d, Lang::En)
                ),
            ),
        }
    }
}

impl std::fmt::Display for SavingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

/// Checks a withdrawal of `amount` from `balance` and returns the new balance.
///
/// The amount must be more than 0, and the new balance must stay at or above `min_balance`
/// and never below zero (a negative minimum counts as 0). The refusal states the balance and
/// the most that can be withdrawn, so the cashier can tell the member at once. This is the
/// rule; the store applies it again atomically (a conditional update), so that two cashiers
/// withdrawing at the same instant cannot both pass on the same balance.
pub fn check_withdrawal(
    balance: Rupiah,
    amount: Rupiah,
    min_balance: Rupiah,
) -> Result<Rupiah, SavingsError> {
    if !amount.is_positive() {
        return Err(SavingsError::NotPositive);
    }
    let floor = Rupiah(min_balance.0.max(0));
    match balance.checked_sub(amount) {
        Some(new_balance) if new_balance >= floor => Ok(new_balance),
        _ => Err(SavingsError::Insufficient {
            balance,
            min_balance: floor,
            max_withdrawal: Rupiah(balance.0.saturating_sub(floor.0).max(0)),
        }),
    }
}

/// Whether savings of `kind` may be withdrawn on `today` by a member who stays: sukarela
/// always; berjangka from its maturity date `matures_on` (a time deposit without one is never
/// withdrawable early: the product must state it); pokok, wajib and lain never, they are
/// returned through [`settle`] when the member leaves.
pub fn check_withdrawable(
    kind: SavingsKind,
    matures_on: Option<Date>,
    today: Date,
) -> Result<(), SavingsError> {
    match kind {
        SavingsKind::Sukarela => Ok(()),
        SavingsKind::Berjangka => match matures_on {
            Some(d) if today >= d => Ok(()),
            Some(d) => Err(SavingsError::NotMatured(d)),
            None => Err(SavingsError::NotWithdrawable(kind)),
        },
        SavingsKind::Pokok | SavingsKind::Wajib | SavingsKind::Lain => {
            Err(SavingsError::NotWithdrawable(kind))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Leaving the coop

/// One savings product of a leaving member, with its balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementLine {
    /// The product's name as shown on the statement.
    pub product: String,
    pub kind: SavingsKind,
    pub balance: Rupiah,
}

/// What the coop and a leaving member owe each other.
///
/// Invariants (from [`settle`]): `refund + offset = max(total_savings, 0)`,
/// `offset + still_owed = owed_to_coop`, and `refund`, `offset`, `still_owed` are never
/// negative; at most one of `refund` and `still_owed` is more than 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub lines: Vec<SettlementLine>,
    /// The sum of the lines' balances.
    pub total_savings: Rupiah,
    /// What the member owes the coop (loans, unpaid purchases), as given (negative as 0).
    pub owed_to_coop: Rupiah,
    /// The part of the savings kept to pay what the member owes.
    pub offset: Rupiah,
    /// What the coop pays the member (now, or later through the refunds payable account).
    pub refund: Rupiah,
    /// What the member still owes after all their savings were set against it.
    pub still_owed: Rupiah,
}

/// The settlement of a member who leaves: their savings (pokok, wajib, sukarela and the rest)
/// less what they owe the coop. The savings are set against the debt first; if the debt is
/// larger, the refund is 0 and the rest remains owed (the savings never go negative and the
/// member is never "refunded" a negative amount). Sums saturate at the ends of `i64`, which no
/// real balance reaches.
pub fn settle(lines: Vec<SettlementLine>, owed_to_coop: Rupiah) -> Settlement {
    let total_savings = Rupiah(
        lines
            .iter()
            .fold(0i64, |acc, l| acc.saturating_add(l.balance.0)),
    );
    let owed = Rupiah(owed_to_coop.0.max(0));
    let available = total_savings.0.max(0);
    let offset = Rupiah(available.min(owed.0));
    Settlement {
        lines,
        total_savings,
        owed_to_coop: owed,
        offset,
        refund: Rupiah(available - offset.0),
        still_owed: Rupiah(owed.0 - offset.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::standard_chart;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn kinds() {
        let codes: Vec<_> = SavingsKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(codes, ["pokok", "wajib", "sukarela", "berjangka", "lain"]);
        for k in SavingsKind::ALL {
            assert_eq!(SavingsKind::parse(k.as_str()), Some(*k));
            assert!(!k.label(Lang::Id).is_empty() && !k.label(Lang::En).is_empty());
            // The default account's class agrees with the kind's classification.
            let account = k.account_role().standard_account().unwrap();
            let class = account.class().unwrap();
            assert_eq!(
                class == crate::ledger::AccountClass::Equity,
                k.is_equity(),
                "{}",
                k.as_str()
            );
        }
        assert!(SavingsKind::Pokok.is_equity());
        assert!(SavingsKind::Wajib.is_equity());
        assert!(SavingsKind::Lain.is_equity());
        assert!(!SavingsKind::Sukarela.is_equity());
        assert!(!SavingsKind::Berjangka.is_equity());
        let at_will: Vec<_> = SavingsKind::ALL
            .iter()
            .filter(|k| k.withdrawable_while_member())
            .collect();
        assert_eq!(at_will, [&SavingsKind::Sukarela]);
        assert_eq!(SavingsKind::parse("Pokok"), None);
        assert_eq!(SavingsKind::Wajib.label(Lang::Id), "Simpanan wajib");
    }

    #[test]
    fn tx_kinds_and_pay_methods() {
        for k in TxKind::ALL {
            assert_eq!(TxKind::parse(k.as_str()), Some(*k));
            assert!(!k.label(Lang::Id).is_empty() && !k.label(Lang::En).is_empty());
        }
        assert_eq!(TxKind::Deposit.increases_balance(), Some(true));
        assert_eq!(TxKind::Opening.increases_balance(), Some(true));
        assert_eq!(TxKind::Withdrawal.increases_balance(), Some(false));
        assert_eq!(TxKind::Refund.increases_balance(), Some(false));
        assert_eq!(TxKind::Correction.increases_balance(), None);

        let codes: Vec<_> = PayMethod::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(codes, ["tunai", "transfer", "qris"]);
        assert_eq!(PayMethod::parse(" qris "), Some(PayMethod::Qris));
        assert_eq!(PayMethod::Cash.account_role(), AccountRole::Cash);
        assert_eq!(PayMethod::Bank.account_role(), AccountRole::Bank);
        assert_eq!(PayMethod::Qris.account_role(), AccountRole::QrisClearing);
        for m in PayMethod::ALL {
            // Money moves through an asset account of the standard chart.
            let t = m.account_role().standard_account().unwrap();
            assert_eq!(t.class(), Some(crate::ledger::AccountClass::Asset));
            assert!(!t.is_header);
        }
        assert_eq!(PayMethod::Bank.label(Lang::Id), "Transfer bank");
        assert!(standard_chart().iter().any(|t| t.code == "1110"));
    }

    #[test]
    fn months_due_counts_calendar_months_inclusive() {
        assert_eq!(months_due(date!(2024 - 01 - 31), date!(2024 - 01 - 31)), 1);
        assert_eq!(months_due(date!(2024 - 01 - 31), date!(2024 - 02 - 01)), 2);
        assert_eq!(months_due(date!(2024 - 01 - 15), date!(2024 - 12 - 31)), 12);
        assert_eq!(months_due(date!(2024 - 11 - 15), date!(2025 - 02 - 01)), 4);
        assert_eq!(months_due(date!(2024 - 01 - 15), date!(2024 - 01 - 14)), 0);
        assert_eq!(months_due(date!(2024 - 03 - 01), date!(2023 - 12 - 31)), 0);
        assert_eq!(months_due(Date::MIN, Date::MAX), 2 * 9999 * 12 + 12);
    }

    #[test]
    fn arrears_list_the_oldest_unpaid_months() {
        // Joined 10 Nov 2024, Rp 20.000 a month, paid Rp 30.000 by 5 Feb 2025: November paid,
        // December half paid; December, January and February listed.
        let a = wajib_arrears(
            date!(2024 - 11 - 10),
            date!(2025 - 02 - 05),
            Rupiah(20_000),
            Rupiah(30_000),
        );
        assert_eq!(
            a,
            Arrears {
                months_due: 4,
                months_paid: 1,
                months_owed: 3,
                rupiah_owed: Rupiah(50_000),
                owed_months: vec![(2024, 12), (2025, 1), (2025, 2)],
            }
        );
        // Fully paid.
        let a = wajib_arrears(
            date!(2025 - 01 - 01),
            date!(2025 - 03 - 31),
            Rupiah(20_000),
            Rupiah(60_000),
        );
        assert_eq!((a.months_owed, a.rupiah_owed), (0, Rupiah::ZERO));
        assert!(a.owed_months.is_empty());
        // Paid ahead: an advance, nothing owed.
        let a = wajib_arrears(
            date!(2025 - 01 - 01),
            date!(2025 - 03 - 31),
            Rupiah(20_000),
            Rupiah(100_000),
        );
        assert_eq!(a.months_paid, 5);
        assert_eq!((a.months_owed, a.rupiah_owed), (0, Rupiah::ZERO));
        // Nothing paid yet.
        let a = wajib_arrears(
            date!(2025 - 01 - 01),
            date!(2025 - 02 - 01),
            Rupiah(20_000),
            Rupiah::ZERO,
        );
        assert_eq!(a.owed_months, [(2025, 1), (2025, 2)]);
        assert_eq!(a.rupiah_owed, Rupiah(40_000));
        // No wajib in the bylaws: nothing is ever due.
        let a = wajib_arrears(
            date!(2020 - 01 - 01),
            date!(2025 - 02 - 01),
            Rupiah::ZERO,
            Rupiah(5_000),
        );
        assert_eq!((a.months_due, a.months_owed), (0, 0));
        // Before joining: nothing due.
        let a = wajib_arrears(
            date!(2025 - 05 - 01),
            date!(2025 - 02 - 01),
            Rupiah(20_000),
            Rupiah::ZERO,
        );
        assert_eq!((a.months_due, a.rupiah_owed), (0, Rupiah::ZERO));
        // Extremes do not panic.
        let a = wajib_arrears(Date::MIN, Date::MAX, Rupiah(i64::MAX), Rupiah(-1));
        assert_eq!(a.rupiah_owed, Rupiah(i64::MAX));
        assert_eq!(a.owed_months.first(), Some(&(-9999, 1)));
        assert_eq!(a.owed_months.last(), Some(&(9999, 12)));
    }

    #[test]
    fn withdrawals() {
        assert_eq!(
            check_withdrawal(Rupiah(100_000), Rupiah(40_000), Rupiah::ZERO),
            Ok(Rupiah(60_000))
        );
        assert_eq!(
            check_withdrawal(Rupiah(100_000), Rupiah(100_000), Rupiah::ZERO),
            Ok(Rupiah::ZERO)
        );
        assert_eq!(
            check_withdrawal(Rupiah(100_000), Rupiah(90_000), Rupiah(10_000)),
            Ok(Rupiah(10_000))
        );
        assert_eq!(
            check_withdrawal(Rupiah(100_000), Rupiah::ZERO, Rupiah::ZERO),
            Err(SavingsError::NotPositive)
        );
        assert_eq!(
            check_withdrawal(Rupiah(100_000), Rupiah(-5), Rupiah::ZERO),
            Err(SavingsError::NotPositive)
        );
        let e = check_withdrawal(Rupiah(1_250_000), Rupiah(2_000_000), Rupiah::ZERO).unwrap_err();
        assert_eq!(
            e.msg().id,
            "Saldo tidak cukup: saldo sekarang Rp 1.250.000, jadi paling banyak dapat ditarik Rp 1.250.000"
        );
        assert_eq!(
            e.msg().en,
            "Not enough balance: the balance is Rp 1.250.000, so at most Rp 1.250.000 can be withdrawn"
        );
        let e = check_withdrawal(Rupiah(100_000), Rupiah(95_000), Rupiah(10_000)).unwrap_err();
        assert_eq!(
            e,
            SavingsError::Insufficient {
                balance: Rupiah(100_000),
                min_balance: Rupiah(10_000),
                max_withdrawal: Rupiah(90_000),
            }
        );
        assert_eq!(
            e.msg().id,
            "Saldo tidak cukup: saldo sekarang Rp 100.000 dan saldo minimum Rp 10.000, jadi paling banyak dapat ditarik Rp 90.000"
        );
        // Below the minimum already: nothing can be withdrawn.
        let e = check_withdrawal(Rupiah(5_000), Rupiah(1), Rupiah(10_000)).unwrap_err();
        assert!(e.msg().id.ends_with("ditarik Rp 0"));
        // A negative minimum is zero.
        assert_eq!(
            check_withdrawal(Rupiah(10), Rupiah(11), Rupiah(-100)),
            Err(SavingsError::Insufficient {
                balance: Rupiah(10),
                min_balance: Rupiah::ZERO,
                max_withdrawal: Rupiah(10),
            })
        );
        // Overflow is a refusal, not a panic.
        assert!(check_withdrawal(Rupiah(i64::MIN), Rupiah(i64::MAX), Rupiah::ZERO).is_err());
        assert!(SavingsError::NotPositive.to_string().contains(" / "));
    }

    #[test]
    fn what_may_be_withdrawn_while_a_member() {
        let today = date!(2025 - 06 - 30);
        assert_eq!(
            check_withdrawable(SavingsKind::Sukarela, None, today),
            Ok(())
        );
        assert_eq!(
            check_withdrawable(SavingsKind::Berjangka, Some(date!(2025 - 06 - 30)), today),
            Ok(())
        );
        let e = check_withdrawable(SavingsKind::Berjangka, Some(date!(2025 - 07 - 01)), today)
            .unwrap_err();
        assert_eq!(e, SavingsError::NotMatured(date!(2025 - 07 - 01)));
        assert_eq!(
            e.msg().id,
            "Simpanan berjangka baru dapat ditarik pada tanggal jatuh tempo, 1 Juli 2025"
        );
        assert!(e.msg().en.ends_with("1 July 2025"));
        assert!(check_withdrawable(SavingsKind::Berjangka, None, today).is_err());
        for k in [SavingsKind::Pokok, SavingsKind::Wajib, SavingsKind::Lain] {
            assert_eq!(
                check_withdrawable(k, Some(date!(2000 - 01 - 01)), today),
                Err(SavingsError::NotWithdrawable(k))
            );
        }
        assert_eq!(
            SavingsError::NotWithdrawable(SavingsKind::Pokok).msg().id,
            "Simpanan pokok tidak dapat ditarik selama masih menjadi anggota; simpanan ini dikembalikan saat anggota keluar dari koperasi"
        );
    }

    fn line(kind: SavingsKind, balance: i64) -> SettlementLine {
        SettlementLine {
            product: kind.label(Lang::Id).to_string(),
            kind,
            balance: Rupiah(balance),
        }
    }

    #[test]
    fn settlement_of_a_leaving_member() {
        let lines = vec![
            line(SavingsKind::Pokok, 100_000),
            line(SavingsKind::Wajib, 480_000),
            line(SavingsKind::Sukarela, 250_000),
        ];
        let s = settle(lines.clone(), Rupiah(300_000));
        assert_eq!(s.total_savings, Rupiah(830_000));
        assert_eq!(s.owed_to_coop, Rupiah(300_000));
        assert_eq!(s.offset, Rupiah(300_000));
        assert_eq!(s.refund, Rupiah(530_000));
        assert_eq!(s.still_owed, Rupiah::ZERO);
        assert_eq!(s.lines, lines);

        // Owes more than the savings: nothing refunded, the rest still owed.
        let s = settle(lines.clone(), Rupiah(1_000_000));
        assert_eq!(s.offset, Rupiah(830_000));
        assert_eq!(s.refund, Rupiah::ZERO);
        assert_eq!(s.still_owed, Rupiah(170_000));

        // Owes nothing.
        let s = settle(lines, Rupiah::ZERO);
        assert_eq!(
            (s.refund, s.offset, s.still_owed),
            (Rupiah(830_000), Rupiah::ZERO, Rupiah::ZERO)
        );

        // No savings at all; a negative debt counts as none.
        let s = settle(Vec::new(), Rupiah(-5));
        assert_eq!(s.total_savings, Rupiah::ZERO);
        assert_eq!(
            (s.refund, s.owed_to_coop, s.still_owed),
            (Rupiah::ZERO, Rupiah::ZERO, Rupiah::ZERO)
        );
    }

    proptest! {
        #[test]
        fn arrears_conserve(
            join_day in 0i64..20_000,
            span in 0i64..5_000,
            monthly in 0i64..=1_000_000,
            paid in 0i64..=100_000_000,
        ) {
            let joined = date!(1990 - 01 - 01) + time::Duration::days(join_day);
            let today = joined + time::Duration::days(span);
            let a = wajib_arrears(joined, today, Rupiah(monthly), Rupiah(paid));
            if monthly == 0 {
                prop_assert_eq!(a.months_due, 0);
                prop_assert_eq!(a.rupiah_owed, Rupiah::ZERO);
                return Ok(());
            }
            prop_assert_eq!(a.months_due, months_due(joined, today));
            prop_assert!(i64::from(a.months_paid) * monthly <= paid);
            prop_assert!(i64::from(a.months_paid + 1) * monthly > paid);
            prop_assert!(a.months_owed + a.months_paid >= a.months_due);
            prop_assert_eq!(a.owed_months.len(), a.months_owed as usize);
            let shortfall = i64::from(a.months_due) * monthly - paid;
            prop_assert_eq!(a.rupiah_owed, Rupiah(shortfall.max(0)));
            if shortfall > 0 {
                // Not overpaid: the owed months are exactly those the payments do not cover.
                prop_assert_eq!(a.months_owed + a.months_paid, a.months_due);
                prop_assert!(a.rupiah_owed.0 <= i64::from(a.months_owed) * monthly);
                prop_assert!(a.rupiah_owed.0 > i64::from(a.months_owed - 1) * monthly);
                // Consecutive months ending with this one.
                let last = (today.year(), u8::from(today.month()));
                prop_assert_eq!(a.owed_months.last(), Some(&last));
                for w in a.owed_months.windows(2) {
                    let next = if w[0].1 == 12 { (w[0].0 + 1, 1) } else { (w[0].0, w[0].1 + 1) };
                    prop_assert_eq!(w[1], next);
                }
            } else {
                prop_assert_eq!(a.months_owed, 0);
                prop_assert!(a.owed_months.is_empty());
            }
        }

        #[test]
        fn settlement_conserves(
            balances in prop::collection::vec(0i64..=100_000_000, 0..6),
            owed in -1_000i64..=500_000_000,
        ) {
            let lines: Vec<_> = balances
                .iter()
                .map(|b| line(SavingsKind::Sukarela, *b))
                .collect();
            let s = settle(lines, Rupiah(owed));
            let total: i64 = balances.iter().sum();
            prop_assert_eq!(s.total_savings, Rupiah(total));
            prop_assert_eq!(s.refund.0 + s.offset.0, total);
            prop_assert_eq!(s.offset.0 + s.still_owed.0, owed.max(0));
            prop_assert!(s.refund.0 >= 0 && s.offset.0 >= 0 && s.still_owed.0 >= 0);
            prop_assert!(s.refund.0 == 0 || s.still_owed.0 == 0);
        }

        #[test]
        fn withdrawals_never_break_the_floor(
            balance in 0i64..=1_000_000_000,
            amount in -10i64..=1_000_000_000,
            min in 0i64..=10_000_000,
        ) {
            match check_withdrawal(Rupiah(balance), Rupiah(amount), Rupiah(min)) {
                Ok(new) => {
                    prop_assert!(amount > 0);
                    prop_assert_eq!(new.0, balance - amount);
                    prop_assert!(new.0 >= min && new.0 >= 0);
                }
                Err(SavingsError::NotPositive) => prop_assert!(amount <= 0),
                Err(SavingsError::Insufficient { max_withdrawal, .. }) => {
                    prop_assert!(amount > max_withdrawal.0);
                    // The stated maximum itself would pass (when there is anything to take).
                    if max_withdrawal.is_positive() {
                        prop_assert!(check_withdrawal(Rupiah(balance), max_withdrawal, Rupiah(min)).is_ok());
                    }
                }
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }
    }
}
