//! Payment requests: one payment asked of one payer (a member's simpanan bill now, an order
//! later), payable by a dynamic QRIS, a bank transfer or cash.
//!
//! A converted QRIS and a bank transfer give no callback: the coop learns of the payment from
//! the payer's app (the cashier types its reference) or from the statement it imports later.
//! To tell apart two members who both owe Rp 50.000, every open request gets a **unique
//! code** of 1 to 999 rupiah added to its amount, so that each open request of a coop has its
//! own total. The code is the member's money: it is credited to their simpanan sukarela, never
//! kept by the coop.
//!
//! States: `menunggu` until paid, cancelled, or past its expiry; `kedaluwarsa` is not stored but
//! derived from the expiry, so that a request can never be "open" and "expired" at once in two
//! places. A payment that arrives after the expiry is still money received: it may still be
//! confirmed, and the statement matcher puts it up for review instead of matching it silently.
//!
//! Everything here is pure: the store gives the clock and the random bits.

use std::collections::HashSet;

use time::{Duration, OffsetDateTime};

use crate::codes::code_enum;
use crate::lang::Msg;
use crate::money::Rupiah;
use crate::percent::BasisPoints;

code_enum! {
    /// Where a request stands.
    RequestState {
        /// Waiting for the payment (and not past its expiry).
        Open => "menunggu", "Menunggu pembayaran", "Awaiting payment";
        /// Paid and posted to the books.
        Paid => "dibayar", "Dibayar", "Paid";
        /// Past its expiry without a payment. Derived, never stored.
        Expired => "kedaluwarsa", "Kedaluwarsa", "Expired";
        /// Withdrawn by the coop before it was paid.
        Cancelled => "dibatalkan", "Dibatalkan", "Cancelled";
    }
}

code_enum! {
    /// How the coop learnt that a request was paid.
    ConfirmedVia {
        /// A cashier confirmed it, with the reference shown in the payer's app.
        Cashier => "kasir", "Dikonfirmasi kasir", "Confirmed by a cashier";
        /// An imported settlement report or bank statement had the payment.
        Statement => "mutasi", "Cocok dengan mutasi", "Matched to a statement";
        /// The payment gateway notified it (or answered a status poll).
        Gateway => "gateway", "Notifikasi gateway", "Gateway notification";
    }
}

code_enum! {
    /// What an imported statement is: it decides how a matched payment is booked.
    StatementKind {
        /// The QRIS acquirer's settlement report: payments go to Kliring QRIS.
        Qris => "qris", "Laporan settlement QRIS", "QRIS settlement report";
        /// The bank's mutation statement: payments go to Bank.
        Bank => "bank", "Mutasi rekening bank", "Bank statement";
    }
}

impl StatementKind {
    /// How a payment found in this kind of statement was made.
    pub fn pay_method(self) -> crate::savings::PayMethod {
        match self {
            StatementKind::Qris => crate::savings::PayMethod::Qris,
            StatementKind::Bank => crate::savings::PayMethod::Bank,
        }
    }
}

code_enum! {
    /// What became of one statement line.
    LineStatus {
        /// Matched to a request, and the request posted.
        Matched => "cocok", "Cocok", "Matched";
        /// For a person to decide (several candidates, an amount that differs, …).
        Review => "tinjau", "Perlu ditinjau", "To review";
        /// No open request fits.
        Unmatched => "tidak_cocok", "Tidak cocok", "Unmatched";
        /// A person set it aside (not a payment of a request).
        Ignored => "diabaikan", "Diabaikan", "Ignored";
    }
}

code_enum! {
    /// How long a request stays payable, as offered on the form.
    Validity {
        Minutes15 => "15m", "15 menit", "15 minutes";
        Hour1 => "1j", "1 jam", "1 hour";
        Hours24 => "24j", "24 jam", "24 hours";
        Days3 => "3h", "3 hari", "3 days";
        Days7 => "7h", "7 hari", "7 days";
    }
}

impl Validity {
    pub fn duration(self) -> Duration {
        match self {
            Validity::Minutes15 => Duration::minutes(15),
            Validity::Hour1 => Duration::hours(1),
            Validity::Hours24 => Duration::hours(24),
            Validity::Days3 => Duration::days(3),
            Validity::Days7 => Duration::days(7),
        }
    }
}

/// The state a request is in at `now`: a stored `menunggu` past its expiry is `kedaluwarsa`.
pub fn state_at(
    stored: RequestState,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> RequestState {
    match stored {
        RequestState::Open if now >= expires_at => RequestState::Expired,
        s => s,
    }
}

/// Whether a request in `state` may be confirmed as paid. An expired request may: the money
/// came, and refusing to book it would only hide it.
pub fn check_confirmable(state: RequestState) -> Result<(), Msg> {
    match state {
        RequestState::Open | RequestState::Expired => Ok(()),
        RequestState::Paid => Err(Msg::new(
            "Tagihan ini sudah dibayar; pembayaran tidak dicatat dua kali.",
            "This request is already paid; a payment is never posted twice.",
        )),
        RequestState::Cancelled => Err(Msg::new(
            "Tagihan ini sudah dibatalkan. Buat tagihan baru bila anggota tetap membayar.",
            "This request was cancelled. Make a new request if the member pays after all.",
        )),
    }
}

/// Whether a request in `state` may be cancelled: only one not yet paid.
pub fn check_cancellable(state: RequestState) -> Result<(), Msg> {
    match state {
        RequestState::Open | RequestState::Expired => Ok(()),
        RequestState::Paid => Err(Msg::new(
            "Tagihan yang sudah dibayar tidak dapat dibatalkan; koreksi lewat jurnal pembalik.",
            "A paid request cannot be cancelled; correct it with a reversing entry.",
        )),
        RequestState::Cancelled => Err(Msg::new(
            "Tagihan ini sudah dibatalkan.",
            "This request is already cancelled.",
        )),
    }
}

/// The letters of a reference code: digits and capitals without 0/O, 1/I/L and 5/S, which
/// people misread when they copy a code from a phone into a transfer note.
const REF_ALPHABET: &[u8; 29] = b"2346789ABCDEFGHJKMNPQRTUVWXYZ";
/// Characters in a reference code.
pub const REF_LEN: usize = 8;

/// A request's short reference: what the payer writes in a transfer note and what the
/// statement matcher looks for. Eight characters from [`REF_ALPHABET`] (29 letters; about
/// 5·10¹¹ codes), unique per coop (the store retries on the rare collision).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RefCode(String);

impl RefCode {
    /// The code made from random bits (the store passes the random part of a UUIDv7).
    pub fn from_bits(mut bits: u64) -> RefCode {
        let mut s = String::with_capacity(REF_LEN);
        for _ in 0..REF_LEN {
            // `bits % 29` is below 29, so the index is always in range.
            let i = usize::try_from(bits % 29).unwrap_or(0);
            s.push(char::from(REF_ALPHABET[i]));
            bits /= 29;
        }
        RefCode(s)
    }

    /// Reads a code typed or pasted by a person: case and surrounding spaces are forgiven.
    pub fn parse(s: &str) -> Option<RefCode> {
        let t = s.trim().to_ascii_uppercase();
        (t.len() == REF_LEN && t.bytes().all(|b| REF_ALPHABET.contains(&b))).then_some(RefCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RefCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The largest unique code, in rupiah.
pub const MAX_UNIQUE_CODE: i64 = 999;

/// The smallest unique code (1 to [`MAX_UNIQUE_CODE`]) that gives `base` a total no other open
/// request of the coop has; `None` when all 999 are taken (the request is then made without a
/// code and matched by reference and time only).
pub fn unique_code(base: Rupiah, open_totals: &HashSet<i64>) -> Option<i64> {
    (1..=MAX_UNIQUE_CODE).find(|c| {
        base.0
            .checked_add(*c)
            .is_some_and(|t| !open_totals.contains(&t))
    })
}

/// The largest amount one request may ask for: Rp 1 milyar. Bigger sums go by bank transfer
/// with the board's own paperwork, and a QRIS payment is capped far lower by the payers' apps.
pub const MAX_REQUEST: Rupiah = Rupiah(1_000_000_000);

/// Checks a requested amount: positive and at most [`MAX_REQUEST`].
pub fn check_amount(amount: Rupiah) -> Result<(), Msg> {
    if amount.0 <= 0 {
        return Err(Msg::new(
            "Nominal tagihan harus lebih dari nol.",
            "The amount must be more than zero.",
        ));
    }
    if amount > MAX_REQUEST {
        return Err(Msg::new(
            "Nominal tagihan paling banyak Rp 1.000.000.000.",
            "The amount may be at most Rp 1,000,000,000.",
        ));
    }
    Ok(())
}

/// The longest payer's reference kept.
pub const MAX_PAID_REFERENCE: usize = 64;

/// Checks the reference a cashier copies from the payer's app (an RRN, a transfer number):
/// required, printable, at most [`MAX_PAID_REFERENCE`] characters; inner runs of spaces are
/// kept as one.
pub fn check_paid_reference(raw: &str) -> Result<String, Msg> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err(Msg::new(
            "Isi nomor referensi dari aplikasi pembayar (mis. nomor RRN atau nomor transaksi).",
            "Enter the reference from the payer's app (e.g. the RRN or transaction number).",
        ));
    }
    if t.chars().count() > MAX_PAID_REFERENCE {
        return Err(Msg::new(
            format!("Nomor referensi paling panjang {MAX_PAID_REFERENCE} karakter."),
            format!("The reference may be at most {MAX_PAID_REFERENCE} characters."),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(Msg::new(
            "Nomor referensi berisi karakter yang tidak terbaca.",
            "The reference contains unreadable characters.",
        ));
    }
    Ok(t)
}

/// The merchant discount rate on one QRIS payment, in whole rupiah.
///
/// Rounding: half up, per payment, as acquirers compute it on each transaction (a settlement's
/// MDR is the sum of its payments' MDRs, not the rate applied to the sum).
pub fn mdr_fee(gross: Rupiah, rate: BasisPoints) -> Rupiah {
    let num = i128::from(gross.0) * i128::from(rate.0);
    let fee = (num + 5_000) / 10_000;
    Rupiah(i64::try_from(fee).unwrap_or(i64::MAX))
}

/// The MDR of a payment or a settlement: the acquirer's own figure when the report gives one,
/// else the coop's rate on that day ([`mdr_fee`]), else nothing (no rate set).
pub fn mdr_of(gross: Rupiah, given: Option<Rupiah>, rate: Option<BasisPoints>) -> Rupiah {
    given.unwrap_or_else(|| rate.map(|r| mdr_fee(gross, r)).unwrap_or(Rupiah(0)))
}

/// An acquirer's settlement of QRIS payments into the bank: `gross` leaves the clearing
/// account, `mdr` is the acquirer's fee (an expense), `net` reaches the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementAmounts {
    pub gross: Rupiah,
    pub mdr: Rupiah,
    pub net: Rupiah,
}

/// Checks a settlement as typed or read from a report: gross positive, MDR not negative and
/// below the gross. The net is derived, so the three always add up (gross = mdr + net).
pub fn settlement(gross: Rupiah, mdr: Rupiah) -> Result<SettlementAmounts, Msg> {
    if gross.0 <= 0 {
        return Err(Msg::new(
            "Nilai bruto settlement harus lebih dari nol.",
            "The settlement's gross amount must be more than zero.",
        ));
    }
    if mdr.0 < 0 || mdr >= gross {
        return Err(Msg::new(
            "MDR harus nol atau lebih, dan lebih kecil dari nilai bruto.",
            "The MDR must be zero or more, and less than the gross amount.",
        ));
    }
    Ok(SettlementAmounts {
        gross,
        mdr,
        net: Rupiah(gross.0 - mdr.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn expiry_is_derived() {
        let exp = datetime!(2026-11-30 10:00 UTC);
        assert_eq!(
            state_at(RequestState::Open, exp, datetime!(2026-11-30 09:59 UTC)),
            RequestState::Open
        );
        assert_eq!(
            state_at(RequestState::Open, exp, exp),
            RequestState::Expired
        );
        assert_eq!(
            state_at(RequestState::Paid, exp, datetime!(2026-12-30 09:59 UTC)),
            RequestState::Paid
        );
        assert_eq!(
            state_at(
                RequestState::Cancelled,
                exp,
                datetime!(2026-12-30 09:59 UTC)
            ),
            RequestState::Cancelled
        );
    }

    #[test]
    fn who_may_be_confirmed_and_cancelled() {
        assert!(check_confirmable(RequestState::Open).is_ok());
        assert!(check_confirmable(RequestState::Expired).is_ok());
        assert!(check_confirmable(RequestState::Paid).is_err());
        assert!(check_confirmable(RequestState::Cancelled).is_err());
        assert!(check_cancellable(RequestState::Open).is_ok());
        assert!(check_cancellable(RequestState::Expired).is_ok());
        assert!(check_cancellable(RequestState::Paid).is_err());
        assert!(check_cancellable(RequestState::Cancelled).is_err());
    }

    #[test]
    fn unique_code_skips_taken_totals() {
        let mut taken = HashSet::new();
        assert_eq!(unique_code(Rupiah(50_000), &taken), Some(1));
        taken.insert(50_001);
        taken.insert(50_002);
        assert_eq!(unique_code(Rupiah(50_000), &taken), Some(3));
        let all: HashSet<i64> = (50_001..=50_999).collect();
        assert_eq!(unique_code(Rupiah(50_000), &all), None);
    }

    #[test]
    fn amounts_are_checked() {
        assert!(check_amount(Rupiah(0)).is_err());
        assert!(check_amount(Rupiah(-5)).is_err());
        assert!(check_amount(Rupiah(1)).is_ok());
        assert!(check_amount(MAX_REQUEST).is_ok());
        assert!(check_amount(Rupiah(MAX_REQUEST.0 + 1)).is_err());
    }

    #[test]
    fn paid_reference_is_cleaned() {
        assert_eq!(
            check_paid_reference("  RRN  123 456 \n").unwrap(),
            "RRN 123 456"
        );
        assert!(check_paid_reference("   ").is_err());
        assert!(check_paid_reference(&"9".repeat(65)).is_err());
        assert!(check_paid_reference("ab\u{7}c").is_err());
    }

    #[test]
    fn mdr_rounds_half_up_per_payment() {
        // 0,7 % of 50.123 = 350,861 → 351.
        assert_eq!(mdr_fee(Rupiah(50_123), BasisPoints(70)), Rupiah(351));
        // 0,3 % of 50.000 = 150 exactly.
        assert_eq!(mdr_fee(Rupiah(50_000), BasisPoints(30)), Rupiah(150));
        // 0,7 % of 50 = 0,35 → 0; of 500 = 3,5 → 4.
        assert_eq!(mdr_fee(Rupiah(50), BasisPoints(70)), Rupiah(0));
        assert_eq!(mdr_fee(Rupiah(500), BasisPoints(70)), Rupiah(4));
        assert_eq!(mdr_fee(Rupiah(500), BasisPoints(0)), Rupiah(0));
    }

    #[test]
    fn mdr_is_the_reports_else_the_rate() {
        assert_eq!(
            mdr_of(Rupiah(10_000), Some(Rupiah(21)), Some(BasisPoints(70))),
            Rupiah(21)
        );
        assert_eq!(
            mdr_of(Rupiah(10_000), None, Some(BasisPoints(70))),
            Rupiah(70)
        );
        assert_eq!(mdr_of(Rupiah(10_000), None, None), Rupiah(0));
    }

    #[test]
    fn settlement_adds_up_and_refuses_nonsense() {
        let s = settlement(Rupiah(1_000_000), Rupiah(7_000)).unwrap();
        assert_eq!(s.net, Rupiah(993_000));
        assert!(settlement(Rupiah(0), Rupiah(0)).is_err());
        assert!(settlement(Rupiah(100), Rupiah(100)).is_err());
        assert!(settlement(Rupiah(100), Rupiah(-1)).is_err());
    }

    #[test]
    fn codes_round_trip_and_forgive_case() {
        let c = RefCode::from_bits(0x0123_4567_89AB_CDEF);
        assert_eq!(c.as_str().len(), REF_LEN);
        assert_eq!(
            RefCode::parse(&format!(" {} ", c.as_str().to_lowercase())),
            Some(c)
        );
        assert_eq!(RefCode::parse("ABCDEFG0"), None, "0 is not in the alphabet");
        assert_eq!(RefCode::parse("ABC"), None);
    }

    proptest! {
        #[test]
        fn every_code_parses_back(bits in any::<u64>()) {
            let c = RefCode::from_bits(bits);
            prop_assert_eq!(RefCode::parse(c.as_str()), Some(c));
        }

        #[test]
        fn unique_code_gives_a_free_total(base in 1i64..10_000_000, taken in proptest::collection::hash_set(1i64..10_001_000, 0..200)) {
            if let Some(c) = unique_code(Rupiah(base), &taken) {
                prop_assert!((1..=MAX_UNIQUE_CODE).contains(&c));
                prop_assert!(!taken.contains(&(base + c)));
            }
        }

        #[test]
        fn settlement_conserves(gross in 1i64..1_000_000_000, rate in 0u32..1_000) {
            let mdr = mdr_fee(Rupiah(gross), BasisPoints(rate));
            if let Ok(s) = settlement(Rupiah(gross), mdr) {
                prop_assert_eq!(s.mdr.0 + s.net.0, s.gross.0);
            }
        }
    }
}
