//! The rules of a coop's payment settings: its static QRIS (the sticker at the counter), the
//! bank accounts members may transfer to, and the merchant discount rate (MDR) its acquirer
//! charges on QRIS payments.
//!
//! Pure checks of what a person typed; the store keeps the result and its history.

use time::Date;

use crate::lang::{FieldError, Msg};
use crate::member::{clean_name, clean_text};
use crate::payment::qris::{PointOfInitiation, Qris};
use crate::percent::BasisPoints;

/// The highest MDR accepted: 10 %. Bank Indonesia's rates are below 1 %; anything above 10 %
/// is a typing mistake (70 typed as a percentage instead of basis points, …).
pub const MAX_MDR: BasisPoints = BasisPoints(1_000);

/// A coop's static QRIS, read and checked: any valid QRIS that is not a dynamic (one-payment)
/// code. What was forgiven (whitespace, a lower-case CRC) stays in [`Qris::warnings`].
pub fn static_qris(input: &str) -> Result<Qris, Msg> {
    let q = Qris::parse(input).map_err(|e| e.msg())?;
    if q.point_of_initiation() == Some(PointOfInitiation::Dynamic) {
        return Err(Msg::new(
            "Ini QRIS dinamis (untuk satu pembayaran, dengan nominal). Tempel QRIS statis dari stiker koperasi.",
            "This is a dynamic QRIS (for one payment, with an amount). Paste the static QRIS from the coop's sticker.",
        ));
    }
    Ok(q)
}

/// What the settings page shows of a QRIS so that a wrong one is seen at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrisSummary {
    pub merchant_name: String,
    pub nmid: Option<String>,
    pub city: String,
    /// The acquirer (PJSP) by its everyday name (GoPay, DANA, BCA, …), else its GUI.
    pub acquirer: Option<String>,
}

impl QrisSummary {
    pub fn of(q: &Qris) -> QrisSummary {
        QrisSummary {
            merchant_name: q.merchant_name().to_string(),
            nmid: q.nmid().map(str::to_string),
            city: q.merchant_city().to_string(),
            acquirer: q
                .acquirer()
                .map(|a| a.institution().unwrap_or(a.gui).to_string()),
        }
    }
}

/// A bank account as typed on the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankAccountInput {
    pub bank_name: String,
    pub account_number: String,
    pub holder_name: String,
}

/// A checked bank account: the number kept as digits only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBankAccount {
    pub bank_name: String,
    pub account_number: String,
    pub holder_name: String,
}

/// Checks a bank account; all problems at once. Spaces, dots and dashes people type inside an
/// account number are dropped; any other character is refused.
pub fn validate_bank_account(i: &BankAccountInput) -> Result<ValidBankAccount, Vec<FieldError>> {
    let mut errors = vec![];
    let bank_name = clean_text(&i.bank_name, "bank_name", 60)
        .map_err(|e| errors.push(e))
        .ok();
    if bank_name.as_deref() == Some("") {
        errors.push(FieldError::new(
            "bank_name",
            Msg::new("Nama bank wajib diisi.", "The bank name is required."),
        ));
    }
    let holder_name = clean_name(&i.holder_name, "holder_name")
        .map_err(|e| errors.push(e))
        .ok();
    let raw: String = i
        .account_number
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let number = if let Some(c) = raw.chars().find(|c| !c.is_ascii_digit()) {
        errors.push(FieldError::new(
            "account_number",
            Msg::new(
                format!("Nomor rekening hanya berisi angka; karakter '{c}' tidak boleh dipakai."),
                format!("An account number has digits only; the character '{c}' is not allowed."),
            ),
        ));
        None
    } else if !(5..=20).contains(&raw.len()) {
        errors.push(FieldError::new(
            "account_number",
            Msg::new(
                "Nomor rekening harus 5 sampai 20 angka.",
                "An account number has 5 to 20 digits.",
            ),
        ));
        None
    } else {
        Some(raw)
    };
    match (bank_name, holder_name, number) {
        (Some(bank_name), Some(holder_name), Some(account_number)) if errors.is_empty() => {
            Ok(ValidBankAccount {
                bank_name,
                account_number,
                holder_name,
            })
        }
        _ => Err(errors),
    }
}

/// Checks an MDR as typed (a percentage: `0,7` or `0.7%`) and its effective date.
pub fn validate_mdr(
    rate: &str,
    effective_on: Option<Date>,
) -> Result<(BasisPoints, Date), Vec<FieldError>> {
    let mut errors = vec![];
    let rate = match BasisPoints::parse(rate) {
        Ok(r) if r > MAX_MDR => {
            errors.push(FieldError::new("mdr", mdr_too_high()));
            None
        }
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(FieldError::new("mdr", e.msg()));
            None
        }
    };
    if effective_on.is_none() {
        errors.push(FieldError::new(
            "effective_on",
            Msg::new(
                "Tanggal berlaku wajib diisi (contoh: 2025-01-01).",
                "The effective date is required (example: 2025-01-01).",
            ),
        ));
    }
    match (rate, effective_on) {
        (Some(r), Some(d)) => Ok((r, d)),
        _ => Err(errors),
    }
}

/// An MDR given in basis points (the API).
pub fn check_mdr_bp(bp: u32) -> Result<BasisPoints, FieldError> {
    if bp > MAX_MDR.0 {
        Err(FieldError::new("mdr", mdr_too_high()))
    } else {
        Ok(BasisPoints(bp))
    }
}

fn mdr_too_high() -> Msg {
    Msg::new(
        "MDR paling tinggi 10%; tarif Bank Indonesia di bawah 1% (misalnya 0,7).",
        "The MDR is at most 10%; Bank Indonesia's rates are below 1% (e.g. 0.7).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DANA: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";

    #[test]
    fn a_static_qris_is_summarised() {
        let q = static_qris(DANA).expect("valid");
        let s = QrisSummary::of(&q);
        assert_eq!(s.merchant_name, "Conweb");
        assert_eq!(s.city, "Kota Palembang");
        assert_eq!(s.nmid.as_deref(), Some("ID1026562375893"));
        assert!(s.acquirer.is_some());
    }

    #[test]
    fn a_dynamic_qris_is_refused() {
        let d = static_qris(DANA)
            .expect("valid")
            .to_dynamic(crate::money::Rupiah(1000), None)
            .expect("dynamic");
        let e = static_qris(d.as_str()).unwrap_err();
        assert!(e.en.contains("dynamic"));
    }

    #[test]
    fn bank_accounts_keep_digits_only() {
        let ok = validate_bank_account(&BankAccountInput {
            bank_name: "Bank Jatim".into(),
            account_number: "0012-345.678 9".into(),
            holder_name: "Koperasi Maju".into(),
        })
        .expect("valid");
        assert_eq!(ok.account_number, "00123456789");
        let bad = validate_bank_account(&BankAccountInput {
            bank_name: " ".into(),
            account_number: "12a45".into(),
            holder_name: "".into(),
        })
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"bank_name"));
        assert!(fields.contains(&"account_number"));
        assert!(fields.contains(&"holder_name"));
    }

    #[test]
    fn mdr_is_checked() {
        let d = time::macros::date!(2025 - 01 - 01);
        assert_eq!(validate_mdr("0,7", Some(d)), Ok((BasisPoints(70), d)));
        assert!(validate_mdr("15", Some(d)).is_err());
        assert!(validate_mdr("abc", Some(d)).is_err());
        assert!(validate_mdr("0,3", None).is_err());
    }
}
