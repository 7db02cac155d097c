//! Tag IDs, and what each one means (in both languages).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::lang::Msg;

/// The ID of a data object: two decimal digits, `00`–`99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(u8);

impl Tag {
    pub const PAYLOAD_FORMAT: Tag = Tag(0);
    pub const POINT_OF_INITIATION: Tag = Tag(1);
    pub const QRIS_REPOSITORY: Tag = Tag(51);
    pub const MCC: Tag = Tag(52);
    pub const CURRENCY: Tag = Tag(53);
    pub const AMOUNT: Tag = Tag(54);
    pub const TIP_INDICATOR: Tag = Tag(55);
    pub const FEE_FIXED: Tag = Tag(56);
    pub const FEE_PERCENT: Tag = Tag(57);
    pub const COUNTRY: Tag = Tag(58);
    pub const MERCHANT_NAME: Tag = Tag(59);
    pub const MERCHANT_CITY: Tag = Tag(60);
    pub const POSTAL_CODE: Tag = Tag(61);
    pub const ADDITIONAL_DATA: Tag = Tag(62);
    pub const CRC: Tag = Tag(63);
    pub const LANGUAGE_TEMPLATE: Tag = Tag(64);

    /// `None` above 99.
    pub const fn new(n: u8) -> Option<Tag> {
        if n <= 99 { Some(Tag(n)) } else { None }
    }

    /// Two ASCII digits, e.g. `b"26"`.
    pub(crate) fn from_digits(hi: u8, lo: u8) -> Option<Tag> {
        (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| Tag((hi - b'0') * 10 + (lo - b'0')))
    }

    pub const fn number(self) -> u8 {
        self.0
    }

    /// The two digits as written in a payload.
    pub fn digits(self) -> [u8; 2] {
        [b'0' + self.0 / 10, b'0' + self.0 % 10]
    }

    /// A root object whose value is itself a list of data objects: the merchant account
    /// templates 26–51, the additional data 62, the language template 64 and the unreserved
    /// templates 80–99.
    pub const fn is_template(self) -> bool {
        matches!(self.0, 26..=51 | 62 | 64 | 80..=99)
    }

    /// A domestic (PJSP) merchant account template, 26–45.
    pub const fn is_domestic_account(self) -> bool {
        matches!(self.0, 26..=45)
    }

    /// Reserved for future use by EMVCo at the root, 65–79: must not be present.
    pub const fn is_rfu(self) -> bool {
        matches!(self.0, 65..=79)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where a data object sits: a root tag, or a sub-tag inside a root template (`62` / `07`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagPath {
    pub root: Tag,
    pub sub: Option<Tag>,
}

impl TagPath {
    pub const fn root(tag: Tag) -> TagPath {
        TagPath {
            root: tag,
            sub: None,
        }
    }

    pub(crate) fn of(parent: Option<Tag>, tag: Tag) -> TagPath {
        match parent {
            Some(root) => TagPath {
                root,
                sub: Some(tag),
            },
            None => TagPath::root(tag),
        }
    }

    /// "tag 62 subtag 07" / "tag 62 sub-tag 07", with the tag's name.
    pub fn describe(&self) -> Msg {
        let name = name(self.sub.map(|_| self.root), self.sub.unwrap_or(self.root));
        match self.sub {
            None => Msg::new(
                format!("tag {} ({})", self.root, name.0),
                format!("tag {} ({})", self.root, name.1),
            ),
            Some(sub) => Msg::new(
                format!("tag {} subtag {sub} ({})", self.root, name.0),
                format!("tag {} sub-tag {sub} ({})", self.root, name.1),
            ),
        }
    }
}

/// `62.07`, or `59`.
impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sub {
            None => write!(f, "{}", self.root),
            Some(sub) => write!(f, "{}.{sub}", self.root),
        }
    }
}

impl Serialize for TagPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The name of a tag, Indonesian and English: at the root (`parent` `None`) or inside the
/// template `parent`.
pub fn name(parent: Option<Tag>, tag: Tag) -> (&'static str, &'static str) {
    match parent {
        None => root_name(tag.0),
        Some(p) => sub_name(p.0, tag.0),
    }
}

fn root_name(n: u8) -> (&'static str, &'static str) {
    match n {
        0 => ("Indikator format payload", "Payload Format Indicator"),
        1 => (
            "Metode inisiasi (11 statis, 12 dinamis)",
            "Point of Initiation Method (11 static, 12 dynamic)",
        ),
        2 | 3 => ("Akun merchant Visa", "Visa merchant account"),
        4 | 5 => ("Akun merchant Mastercard", "Mastercard merchant account"),
        6..=8 => ("Akun merchant EMVCo", "EMVCo merchant account"),
        9 | 10 => ("Akun merchant Discover", "Discover merchant account"),
        11 | 12 => ("Akun merchant Amex", "Amex merchant account"),
        13 | 14 => ("Akun merchant JCB", "JCB merchant account"),
        15 | 16 => ("Akun merchant UnionPay", "UnionPay merchant account"),
        17..=25 => (
            "Akun merchant jaringan kartu (dicadangkan)",
            "Card network merchant account (reserved)",
        ),
        26..=45 => (
            "Informasi akun merchant (PJSP)",
            "Merchant Account Information (PJSP)",
        ),
        46..=50 => ("Informasi akun merchant", "Merchant Account Information"),
        51 => (
            "Informasi akun merchant: repositori nasional QRIS",
            "Merchant Account Information: QRIS national repository",
        ),
        52 => (
            "Kode kategori merchant (MCC)",
            "Merchant Category Code (MCC)",
        ),
        53 => ("Mata uang transaksi", "Transaction Currency"),
        54 => ("Nominal transaksi", "Transaction Amount"),
        55 => (
            "Indikator tip atau biaya layanan",
            "Tip or Convenience Indicator",
        ),
        56 => ("Biaya layanan tetap", "Value of Convenience Fee Fixed"),
        57 => (
            "Biaya layanan persentase",
            "Value of Convenience Fee Percentage",
        ),
        58 => ("Kode negara", "Country Code"),
        59 => ("Nama merchant", "Merchant Name"),
        60 => ("Kota merchant", "Merchant City"),
        61 => ("Kode pos", "Postal Code"),
        62 => ("Data tambahan", "Additional Data Field Template"),
        63 => ("CRC (kode pemeriksa)", "CRC (checksum)"),
        64 => (
            "Informasi merchant dalam bahasa lain",
            "Merchant Information: Language Template",
        ),
        65..=79 => (
            "Dicadangkan EMVCo (tidak boleh dipakai)",
            "Reserved for future use by EMVCo",
        ),
        _ => (
            "Templat khusus sistem pembayaran",
            "Unreserved template (payment-system specific)",
        ),
    }
}

fn sub_name(parent: u8, n: u8) -> (&'static str, &'static str) {
    match (parent, n) {
        (26..=51 | 80..=99, 0) => (
            "Pengenal global (GUI) penyelenggara",
            "Globally Unique Identifier (GUI)",
        ),
        (26..=50, 1) => ("PAN merchant", "Merchant PAN"),
        (26..=50, 2) => ("ID merchant di PJSP", "Merchant ID"),
        (26..=51, 3) => (
            "Kriteria merchant (UMI, UKE, UME, UBE, URE)",
            "Merchant Criteria (UMI, UKE, UME, UBE, URE)",
        ),
        (51, 2) => ("NMID (National Merchant ID)", "NMID (National Merchant ID)"),
        (62, 1) => ("Nomor tagihan", "Bill Number"),
        (62, 2) => ("Nomor ponsel", "Mobile Number"),
        (62, 3) => ("Label toko", "Store Label"),
        (62, 4) => ("Nomor loyalitas", "Loyalty Number"),
        (62, 5) => ("Label referensi", "Reference Label"),
        (62, 6) => ("Label pelanggan", "Customer Label"),
        (62, 7) => ("Label terminal", "Terminal Label"),
        (62, 8) => ("Tujuan transaksi", "Purpose of Transaction"),
        (62, 9) => (
            "Permintaan data tambahan pembayar (A, M, E)",
            "Additional Consumer Data Request (A, M, E)",
        ),
        (62, 10) => ("NPWP merchant", "Merchant Tax ID"),
        (62, 11) => ("Kanal merchant", "Merchant Channel"),
        (62, 12..=49) => (
            "Dicadangkan EMVCo (data tambahan)",
            "Reserved for future use (additional data)",
        ),
        (62, _) => (
            "Templat khusus sistem pembayaran",
            "Payment-system specific template",
        ),
        (64, 0) => ("Bahasa", "Language Preference"),
        (64, 1) => (
            "Nama merchant dalam bahasa lain",
            "Merchant Name: Alternate Language",
        ),
        (64, 2) => (
            "Kota merchant dalam bahasa lain",
            "Merchant City: Alternate Language",
        ),
        (64, _) => ("Dicadangkan EMVCo", "Reserved for future use"),
        _ => ("Data khusus penyelenggara", "Payment-system specific data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_print_as_two_digits_and_name_themselves() {
        assert_eq!(Tag(7).to_string(), "07");
        assert_eq!(Tag::new(100), None);
        assert_eq!(Tag::from_digits(b'6', b'3'), Some(Tag::CRC));
        assert_eq!(Tag::from_digits(b'6', b'x'), None);
        assert_eq!(
            TagPath {
                root: Tag(62),
                sub: Some(Tag(7))
            }
            .to_string(),
            "62.07"
        );
        assert_eq!(name(None, Tag(59)).1, "Merchant Name");
        assert_eq!(name(Some(Tag(51)), Tag(2)).1, "NMID (National Merchant ID)");
        assert_eq!(name(Some(Tag(26)), Tag(1)).1, "Merchant PAN");
        assert!(Tag(26).is_template() && Tag(62).is_template() && !Tag(59).is_template());
        let d = TagPath::root(Tag::MERCHANT_NAME).describe();
        assert!(d.id.contains("Nama merchant") && d.en.contains("Merchant Name"));
    }
}
