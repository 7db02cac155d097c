//! QRIS: the Indonesian standard QR code for payments (EMVCo merchant-presented mode).
//!
//! Two layers, as `docs/panduan-qris.md` explains for people:
//!
//! 1. [`Tlv`]: the payload as its list of data objects, lossless. `Tlv::parse(s)` then
//!    writing it back gives `s` again, byte for byte; unknown tags stay where they were;
//!    templates (26–51, 62, 64, 80–99) are read on demand with [`DataObject::expand`].
//! 2. [`Qris`]: a payload that passed every QRIS rule: structure, required tags, lengths and
//!    formats, the CRC-16/CCITT-FALSE in tag 63, and that it is QRIS at all (not DuitNow,
//!    VietQR or PromptPay). Refusals are [`QrisError`]s that name the tag and the character;
//!    what is forgiven is said in [`Warning`]s: whitespace around the code (from a clipboard
//!    or a scanner) is trimmed, and a lower-case CRC is accepted and written back in upper
//!    case.
//!
//! [`Qris::to_dynamic`] turns a static code (the sticker at the counter, where the payer types
//! the amount) into a dynamic one with the amount already in it, and optionally a fixed or
//! percentage convenience fee. It follows the structured rewrite of the reference algorithm:
//! drop 54–57 and 63, set 01 to `12`, put 54 (and 55 with 56 or 57) just before 58, and write a
//! new CRC. Converting a converted code replaces its amount.
//!
//! Lengths count characters; the CRC runs over the UTF-8 bytes. Real QRIS codes are ASCII;
//! only the language template 64 may carry other scripts.

mod crc;
mod decode;
mod error;
mod tag;
mod tlv;
mod validate;

use std::fmt;

pub use crc::{crc_hex, crc16};
pub use decode::{Described, describe, institution_name};
pub use error::{AmountProblem, ErrorKind, QrisError, Scheme, Warning};
pub use tag::{Tag, TagPath, name};
pub use tlv::{DataObject, Tlv};
pub use validate::{CRITERIA, MAX_PAYLOAD_CHARS, QrisAmount, REPOSITORY_GUIS};

use serde::Serialize;
use tlv::RawObject;

use crate::money::Rupiah;
use crate::percent::BasisPoints;

/// The whitespace a clipboard or a scanner adds around a code.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Static (the same code for every payment; the payer types the amount) or dynamic (one code
/// per payment, with its amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PointOfInitiation {
    Static,
    Dynamic,
}

/// A convenience fee or tip, as tags 55–57 ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvenienceFee {
    /// `55=01`: the payer's app asks the payer for a tip.
    TipPrompt,
    /// `55=02` with 56.
    Fixed(QrisAmount),
    /// `55=03` with 57.
    Percent(BasisPoints),
}

/// A fee to add when converting to a dynamic code. A fee of zero adds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fee {
    /// A fixed fee in rupiah (tag 56).
    Fixed(Rupiah),
    /// A percentage of the amount (tag 57), below 100 %.
    Percent(BasisPoints),
}

/// One merchant account template (26–45: a payment provider, PJSP; 51: the national
/// repository).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MerchantAccount<'a> {
    pub tag: Tag,
    /// Sub-tag 00, e.g. `COM.GO-JEK.WWW`, `ID.CO.QRIS.WWW`.
    pub gui: &'a str,
    /// Sub-tag 01 (26–45): the merchant PAN, `9360` + institution code + merchant number.
    pub pan: Option<&'a str>,
    /// Sub-tag 02: the merchant id at the provider (26–45) or the NMID (51).
    pub merchant_id: Option<&'a str>,
    /// Sub-tag 03: UMI, UKE, UME, UBE, URE, …
    pub criteria: Option<&'a str>,
}

impl MerchantAccount<'_> {
    /// The provider's everyday name (GoPay, DANA, OVO, BCA, …) when it is known, from the
    /// PAN's institution code or from the GUI.
    pub fn institution(&self) -> Option<&'static str> {
        institution_name(self.gui, self.pan)
    }
}

/// A valid QRIS payload, in its canonical form (trimmed, CRC in upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qris {
    text: String,
    ascii: bool,
    /// Root objects; positions and offsets within `text`.
    objects: Vec<RawObject>,
    /// Tag number → position in `objects`, or `u8::MAX`.
    index: [u8; 100],
    warnings: Vec<Warning>,
}

impl Qris {
    /// Reads and checks a payload as a person pasted or scanned it: whitespace around it is
    /// trimmed, a lower-case CRC accepted (both with a warning); everything else must be
    /// right. Error offsets count characters of `input` as given.
    pub fn parse(input: &str) -> Result<Qris, QrisError> {
        let start = input.trim_start_matches(is_blank);
        let lead = input.len() - start.len();
        let text = start.trim_end_matches(is_blank);
        let trail = start.len() - text.len();
        let mut warnings = Vec::new();
        if text.is_empty() {
            return Err(QrisError::new(ErrorKind::Empty, None, None));
        }
        if lead > 0 || trail > 0 {
            warnings.push(Warning::Trimmed {
                leading: lead,
                trailing: trail,
            });
        }
        // Usually the whole payload is printable ASCII: then no value needs its characters
        // checked one by one (a branch-free pass that the compiler vectorises).
        let printable = text
            .bytes()
            .fold(true, |ok, b| ok & (0x20..=0x7E).contains(&b));
        let ascii = printable || text.is_ascii();
        let checked = validate::check(text, lead, ascii, printable, &mut warnings)?;
        let mut owned = String::with_capacity(text.len());
        owned.push_str(text);
        if checked.lowercase_crc {
            // The last four characters are the (ASCII hex) CRC digits.
            let n = owned.len();
            if let Some(crc) = owned.get_mut(n.saturating_sub(4)..) {
                crc.make_ascii_uppercase();
            }
        }
        let mut objects = checked.objects;
        for o in &mut objects {
            o.offset -= lead;
        }
        Ok(Qris {
            text: owned,
            ascii,
            objects,
            index: checked.index,
            warnings,
        })
    }

    /// The payload, canonical: what to store, render and send.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }

    /// What was forgiven while reading it, and other things a person should know.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The root objects (lossless; offsets within [`Qris::as_str`]).
    pub fn tlv(&self) -> Tlv<'_> {
        Tlv::from_objects(
            self.objects
                .iter()
                .map(|r| DataObject::from_raw(&self.text, r, None, self.ascii))
                .collect(),
        )
    }

    /// The root object with this tag.
    pub fn object(&self, tag: Tag) -> Option<DataObject<'_>> {
        let i = self.index[usize::from(tag.number())];
        self.objects
            .get(usize::from(i))
            .map(|r| DataObject::from_raw(&self.text, r, None, self.ascii))
    }

    /// The value of the root object with this tag.
    pub fn get(&self, tag: Tag) -> Option<&str> {
        let i = self.index[usize::from(tag.number())];
        self.objects
            .get(usize::from(i))
            .and_then(|r| self.text.get(r.value_range()))
    }

    /// The value of sub-tag `sub` inside the root template `tag`.
    pub fn get_sub(&self, tag: Tag, sub: u8) -> Option<&str> {
        let inner = self.object(tag)?.expand().ok()?;
        inner
            .iter()
            .find(|o| o.tag().number() == sub)
            .map(|o| o.value())
    }

    /// Tag 59 (required, at most 25 characters).
    pub fn merchant_name(&self) -> &str {
        self.get(Tag::MERCHANT_NAME).unwrap_or_default()
    }

    /// Tag 60 (required, at most 15 characters: real codes cut longer names).
    pub fn merchant_city(&self) -> &str {
        self.get(Tag::MERCHANT_CITY).unwrap_or_default()
    }

    /// Tag 61.
    pub fn postal_code(&self) -> Option<&str> {
        self.get(Tag::POSTAL_CODE)
    }

    /// Tag 52, the ISO 18245 merchant category code (`5812` restaurants, `5499` food shops…).
    pub fn mcc(&self) -> &str {
        self.get(Tag::MCC).unwrap_or_default()
    }

    /// Tag 53: always `360` (rupiah) in a valid QRIS.
    pub fn currency(&self) -> &str {
        self.get(Tag::CURRENCY).unwrap_or_default()
    }

    /// Tag 58: always `ID` in a valid QRIS.
    pub fn country(&self) -> &str {
        self.get(Tag::COUNTRY).unwrap_or_default()
    }

    /// The National Merchant ID, tag 51 sub-tag 02 (`ID` + 13 digits, usually). Absent in
    /// some dynamic codes that carry no tag 51.
    pub fn nmid(&self) -> Option<&str> {
        self.get_sub(Tag::QRIS_REPOSITORY, 2)
    }

    /// Every merchant account template (26–51), in order.
    pub fn merchant_accounts(&self) -> Vec<MerchantAccount<'_>> {
        self.objects
            .iter()
            .filter(|r| matches!(r.tag.number(), 26..=51))
            .filter_map(|r| {
                let o = DataObject::from_raw(&self.text, r, None, self.ascii);
                let inner = o.expand().ok()?;
                let sub = |n: u8| {
                    inner
                        .iter()
                        .find(|s| s.tag().number() == n)
                        .map(|s| s.value())
                };
                Some(MerchantAccount {
                    tag: r.tag,
                    gui: sub(0).unwrap_or_default(),
                    pan: if r.tag.is_domestic_account() {
                        sub(1)
                    } else {
                        None
                    },
                    merchant_id: sub(2),
                    criteria: sub(3),
                })
            })
            .collect()
    }

    /// The payment provider (PJSP) that acquired the merchant: the first template 26–45.
    pub fn acquirer(&self) -> Option<MerchantAccount<'_>> {
        self.merchant_accounts()
            .into_iter()
            .find(|a| a.tag.is_domestic_account())
    }

    /// The merchant criteria (UMI micro, UKE small, UME medium, UBE large, URE regular), from
    /// tag 51 or else the first provider template.
    pub fn criteria(&self) -> Option<&str> {
        self.get_sub(Tag::QRIS_REPOSITORY, 3).or_else(|| {
            self.merchant_accounts()
                .into_iter()
                .find_map(|a| a.criteria)
        })
    }

    /// Tag 01; `None` when the code does not say (a warning was given).
    pub fn point_of_initiation(&self) -> Option<PointOfInitiation> {
        match self.get(Tag::POINT_OF_INITIATION) {
            Some("11") => Some(PointOfInitiation::Static),
            Some("12") => Some(PointOfInitiation::Dynamic),
            _ => None,
        }
    }

    /// Tag 54, the amount the payer will pay (before a fee).
    pub fn amount(&self) -> Option<QrisAmount> {
        self.get(Tag::AMOUNT)
            .and_then(|v| validate::parse_amount(v).ok())
    }

    /// Tags 55–57.
    pub fn fee(&self) -> Option<ConvenienceFee> {
        match self.get(Tag::TIP_INDICATOR)? {
            "01" => Some(ConvenienceFee::TipPrompt),
            "02" => self
                .get(Tag::FEE_FIXED)
                .and_then(|v| validate::parse_amount(v).ok())
                .map(ConvenienceFee::Fixed),
            "03" => self
                .get(Tag::FEE_PERCENT)
                .and_then(|v| validate::parse_percent(v).ok())
                .map(ConvenienceFee::Percent),
            _ => None,
        }
    }

    /// Tag 63, four upper-case hex digits.
    pub fn crc(&self) -> &str {
        self.get(Tag::CRC).unwrap_or_default()
    }

    /// A dynamic code for one payment of `amount`, with an optional fee, from this code
    /// (static, or dynamic: then its amount and fee are replaced).
    ///
    /// The reference algorithm: drop 54–57 and 63; set 01 to `12` (inserted after 00 when
    /// absent); put 54, and 55 with 56 or 57 for a fee, just before 58; append `6304` and the
    /// CRC. Everything else is copied byte for byte, in order. The result is valid by
    /// construction (the property test `conversion_output_always_validates` and, in debug
    /// builds, an assertion check it against the full [`Qris::parse`]); the only refusals are
    /// a bad amount or fee and a result over 512 characters.
    pub fn to_dynamic(&self, amount: Rupiah, fee: Option<Fee>) -> Result<Qris, QrisError> {
        const MAX: i64 = 9_999_999_999_999; // 13 digits
        if amount.0 <= 0 {
            return Err(QrisError::convert(ErrorKind::AmountNotPositive));
        }
        if amount.0 > MAX {
            return Err(QrisError::convert(ErrorKind::AmountTooLarge));
        }
        let fee = match fee {
            Some(Fee::Fixed(f)) if f.0 < 0 => {
                return Err(QrisError::convert(ErrorKind::FeeNegative));
            }
            Some(Fee::Fixed(f)) if f.0 > MAX => {
                return Err(QrisError::convert(ErrorKind::AmountTooLarge));
            }
            Some(Fee::Percent(p)) if p.0 >= BasisPoints::HUNDRED.0 => {
                return Err(QrisError::convert(ErrorKind::FeePercentTooHigh));
            }
            Some(Fee::Fixed(Rupiah(0)) | Fee::Percent(BasisPoints(0))) | None => None,
            Some(f) => Some(f),
        };
        let has_poi = self.index[usize::from(Tag::POINT_OF_INITIATION.number())] != u8::MAX;
        let mut b = Builder {
            text: &self.text,
            ascii: self.ascii,
            out: String::with_capacity(self.text.len() + 48),
            objects: Vec::with_capacity(self.objects.len() + 4),
            chars: 0,
            run: None,
        };
        for r in &self.objects {
            match r.tag.number() {
                54..=57 | 63 => {}
                0 => {
                    b.copy(r);
                    if !has_poi {
                        b.ascii(Tag::POINT_OF_INITIATION, b"12");
                    }
                }
                1 => b.ascii(Tag::POINT_OF_INITIATION, b"12"),
                58 => {
                    b.number(Tag::AMOUNT, amount.0.unsigned_abs());
                    match fee {
                        Some(Fee::Fixed(f)) => {
                            b.ascii(Tag::TIP_INDICATOR, b"02");
                            b.number(Tag::FEE_FIXED, f.0.unsigned_abs());
                        }
                        Some(Fee::Percent(p)) => {
                            b.ascii(Tag::TIP_INDICATOR, b"03");
                            let (digits, n) = percent_digits(p);
                            b.ascii(Tag::FEE_PERCENT, &digits[..n]);
                        }
                        None => {}
                    }
                    b.copy(r);
                }
                _ => b.copy(r),
            }
        }
        b.flush();
        let crc_start = b.out.len();
        b.out.push_str("6304");
        let crc = crc::crc_hex(crc::crc16(b.out.as_bytes()));
        for c in crc {
            b.out.push(char::from(c));
        }
        b.objects.push(RawObject {
            tag: Tag::CRC,
            start: crc_start,
            value: (crc_start + 4, crc_start + 8),
            offset: b.chars,
        });
        let chars = b.chars + 8;
        if chars > MAX_PAYLOAD_CHARS {
            return Err(QrisError::convert(ErrorKind::TooLong { chars }));
        }
        let mut index = [u8::MAX; 100];
        for (i, r) in b.objects.iter().enumerate() {
            index[usize::from(r.tag.number())] = u8::try_from(i).unwrap_or(u8::MAX);
        }
        // What was forgiven in the input is not about the new code; what the content is, is.
        let warnings = self
            .warnings
            .iter()
            .filter(|w| {
                !matches!(
                    w,
                    Warning::Trimmed { .. }
                        | Warning::LowercaseCrc { .. }
                        | Warning::NoPointOfInitiation
                )
            })
            .cloned()
            .collect();
        let q = Qris {
            text: b.out,
            ascii: self.ascii,
            objects: b.objects,
            index,
            warnings,
        };
        debug_assert_eq!(Qris::parse(&q.text).as_ref(), Ok(&q));
        Ok(q)
    }
}

/// Writes data objects and keeps their positions, for [`Qris::to_dynamic`]. Objects copied
/// from the source that follow each other there are written in one piece.
struct Builder<'s> {
    text: &'s str,
    ascii: bool,
    out: String,
    objects: Vec<RawObject>,
    /// Characters written so far (including the pending run).
    chars: usize,
    /// A run of source objects not yet written: its source byte range.
    run: Option<(usize, usize)>,
}

impl Builder<'_> {
    /// Copies an object of the (valid) source exactly: ID, length, value.
    fn copy(&mut self, r: &RawObject) {
        let src_start = match self.run {
            Some((s, e)) if e == r.start => s,
            _ => {
                self.flush();
                r.start
            }
        };
        // The run will be written at the current end of the output.
        let start = self.out.len() + (r.start - src_start);
        self.objects.push(RawObject {
            tag: r.tag,
            start,
            value: (start + 4, self.out.len() + (r.value.1 - src_start)),
            offset: self.chars,
        });
        self.chars += if self.ascii {
            r.value.1 - r.start
        } else {
            self.text
                .get(r.start..r.value.1)
                .unwrap_or_default()
                .chars()
                .count()
        };
        self.run = Some((src_start, r.value.1));
    }

    /// Writes the pending run.
    fn flush(&mut self) {
        if let Some((s, e)) = self.run.take() {
            self.out.push_str(self.text.get(s..e).unwrap_or_default());
        }
    }

    /// A new object with an ASCII value of at most 20 bytes.
    fn ascii(&mut self, tag: Tag, value: &[u8]) {
        self.flush();
        let start = self.out.len();
        let d = tag.digits();
        let n = value.len();
        let mut buf = [0u8; 4 + 20];
        buf[..4].copy_from_slice(&[
            d[0],
            d[1],
            b'0' + (n / 10 % 10) as u8,
            b'0' + (n % 10) as u8,
        ]);
        let len = 4 + n.min(20);
        buf[4..len].copy_from_slice(&value[..len - 4]);
        // All ASCII: from_utf8 cannot fail here.
        self.out
            .push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        self.objects.push(RawObject {
            tag,
            start,
            value: (start + 4, self.out.len()),
            offset: self.chars,
        });
        self.chars += len;
    }

    /// A new object whose value is `n` in plain digits (no leading zeros).
    fn number(&mut self, tag: Tag, n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut v = n;
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.ascii(tag, &buf[i..]);
    }
}

/// Tag 57 from basis points: `250` → `2.5`, `1225` → `12.25`, `500` → `5`.
fn percent_digits(p: BasisPoints) -> ([u8; 5], usize) {
    let whole = p.0 / 100;
    let frac = p.0 % 100;
    let mut buf = [0u8; 5];
    let mut n = 0;
    if whole >= 10 {
        buf[n] = b'0' + (whole / 10 % 10) as u8;
        n += 1;
    }
    buf[n] = b'0' + (whole % 10) as u8;
    n += 1;
    if frac != 0 {
        buf[n] = b'.';
        buf[n + 1] = b'0' + (frac / 10) as u8;
        n += 2;
        if !frac.is_multiple_of(10) {
            buf[n] = b'0' + (frac % 10) as u8;
            n += 1;
        }
    }
    (buf, n)
}

impl fmt::Display for Qris {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Qris {
    type Err = QrisError;
    fn from_str(s: &str) -> Result<Qris, QrisError> {
        Qris::parse(s)
    }
}

/// As its canonical payload text.
impl Serialize for Qris {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// From payload text, checked by [`Qris::parse`] (the English message on error).
impl<'de> serde::Deserialize<'de> for Qris {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Qris, D::Error> {
        let s = String::deserialize(d)?;
        Qris::parse(&s).map_err(|e| serde::de::Error::custom(e.msg().en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONWEB: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";

    /// Rebuilds a payload's CRC, for tests that change a payload on purpose.
    fn with_crc(body_without_crc: &str) -> String {
        let mut s = format!("{body_without_crc}6304");
        let c = crc16(s.as_bytes());
        s.push_str(std::str::from_utf8(&crc_hex(c)).unwrap_or_default());
        s
    }

    fn body(p: &str) -> &str {
        &p[..p.len() - 8]
    }

    fn kind(p: &str) -> ErrorKind {
        Qris::parse(p).unwrap_err().kind().clone()
    }

    #[test]
    fn reads_a_real_static_code() {
        let q = Qris::parse(CONWEB).unwrap();
        assert_eq!(q.as_str(), CONWEB);
        assert!(q.warnings().is_empty());
        assert_eq!(q.merchant_name(), "Conweb");
        assert_eq!(q.merchant_city(), "Kota Palembang");
        assert_eq!(q.postal_code(), Some("30161"));
        assert_eq!(q.nmid(), Some("ID1026562375893"));
        assert_eq!(q.mcc(), "7372");
        assert_eq!(q.currency(), "360");
        assert_eq!(q.country(), "ID");
        assert_eq!(q.criteria(), Some("UMI"));
        assert_eq!(q.point_of_initiation(), Some(PointOfInitiation::Static));
        assert_eq!(q.amount(), None);
        assert_eq!(q.fee(), None);
        assert_eq!(q.crc(), "5C12");
        let a = q.acquirer().unwrap();
        assert_eq!(a.gui, "ID.DANA.WWW");
        assert_eq!(a.pan, Some("936009153033716736"));
        assert_eq!(a.institution(), Some("DANA"));
        assert_eq!(q.merchant_accounts().len(), 2);
        assert_eq!(q.tlv().to_string(), CONWEB);
    }

    #[test]
    fn converts_and_reconverts() {
        let q = Qris::parse(CONWEB).unwrap();
        let d = q.to_dynamic(Rupiah(25_000), None).unwrap();
        assert_eq!(
            d.as_str(),
            "00020101021226570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605405250005802ID5906Conweb6014Kota Palembang6105301616304B25F"
        );
        let d2 = d.to_dynamic(Rupiah(40_000), None).unwrap();
        assert!(d2.as_str().contains("5405400005802ID"));
        assert!(d2.as_str().ends_with("6304FC60"));
        assert_eq!(d2.as_str().matches("5405").count(), 1);
        let f = q
            .to_dynamic(Rupiah(10_000), Some(Fee::Percent(BasisPoints(250))))
            .unwrap();
        assert!(f.as_str().contains("54051000055020357032.55802ID"));
        assert_eq!(f.fee(), Some(ConvenienceFee::Percent(BasisPoints(250))));
        let z = q
            .to_dynamic(Rupiah(10_000), Some(Fee::Fixed(Rupiah(0))))
            .unwrap();
        assert!(!z.as_str().contains("5502"));
        for (p, want) in [
            (1, "57040.01"),
            (70, "57030.7"),
            (500, "57015"),
            (1225, "570512.25"),
            (9999, "570599.99"),
        ] {
            let d = q
                .to_dynamic(Rupiah(1), Some(Fee::Percent(BasisPoints(p))))
                .unwrap();
            assert!(d.as_str().contains(want), "{p}: {}", d.as_str());
        }
    }

    #[test]
    fn conversion_refuses_bad_amounts() {
        let q = Qris::parse(CONWEB).unwrap();
        let k = |a, f| q.to_dynamic(Rupiah(a), f).unwrap_err().kind().clone();
        assert_eq!(k(0, None), ErrorKind::AmountNotPositive);
        assert_eq!(k(-5, None), ErrorKind::AmountNotPositive);
        assert_eq!(k(10_000_000_000_000, None), ErrorKind::AmountTooLarge);
        assert!(q.to_dynamic(Rupiah(9_999_999_999_999), None).is_ok());
        assert_eq!(k(1, Some(Fee::Fixed(Rupiah(-1)))), ErrorKind::FeeNegative);
        assert_eq!(
            k(1, Some(Fee::Percent(BasisPoints(10_000)))),
            ErrorKind::FeePercentTooHigh
        );
        let m = q.to_dynamic(Rupiah(0), None).unwrap_err().msg();
        assert!(m.id.contains("lebih dari 0") && m.en.contains("more than 0"));
    }

    #[test]
    fn forgives_whitespace_and_lowercase_crc_and_says_so() {
        let q = Qris::parse(&format!("  {CONWEB}\r\n")).unwrap();
        assert_eq!(q.as_str(), CONWEB);
        assert_eq!(
            q.warnings(),
            &[Warning::Trimmed {
                leading: 2,
                trailing: 2
            }]
        );
        let lower = CONWEB.replace("5C12", "5c12");
        let q = Qris::parse(&lower).unwrap();
        assert_eq!(q.as_str(), CONWEB);
        assert!(matches!(q.warnings()[0], Warning::LowercaseCrc { .. }));
        assert!(q.warnings()[0].msg().en.contains("upper case"));
    }

    #[test]
    fn refuses_a_wrong_crc_naming_both_values() {
        let bad = CONWEB.replace("5C12", "5C13");
        let e = Qris::parse(&bad).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::CrcMismatch {
                expected: "5C12".into(),
                found: "5C13".into()
            }
        );
        assert_eq!(e.tag(), Some(TagPath::root(Tag::CRC)));
        assert_eq!(e.offset(), Some(CONWEB.len() - 4));
        let m = e.msg();
        assert!(m.id.contains("CRC salah") && m.en.contains("Wrong CRC"));
        assert!(m.id.contains(&format!("karakter ke-{}", CONWEB.len() - 3)));
        assert!(matches!(
            kind(&CONWEB.replace("5C12", "5CXZ")),
            ErrorKind::CrcFormat { .. }
        ));
    }

    #[test]
    fn refuses_a_length_that_lies() {
        // 59 says 7 but "Conweb" has 6: the walk runs into 60 and fails there or at the end.
        let lie = CONWEB.replace("5906Conweb", "5907Conweb");
        let e = Qris::parse(&lie).unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::Overrun { .. } | ErrorKind::BadId { .. } | ErrorKind::BadLength { .. }
        ));
        assert!(e.offset().is_some() && e.tag().is_some());
        // A length that claims more than there is.
        let e = Qris::parse("000201010211599").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Truncated { .. }));
        let e = Qris::parse("0002010102115950abc").unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::Overrun {
                declared: 50,
                available: 3
            }
        );
        assert_eq!(e.tag(), Some(TagPath::root(Tag::MERCHANT_NAME)));
        assert_eq!(e.offset(), Some(14));
        assert!(e.msg().en.contains("character 15"));
    }

    #[test]
    fn refuses_duplicates_at_the_root_and_inside_templates() {
        let dup = with_crc(&body(CONWEB).replace("5802ID", "5802ID5802ID"));
        let e = Qris::parse(&dup).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Duplicate { .. }));
        assert_eq!(e.tag(), Some(TagPath::root(Tag::COUNTRY)));
        let dup = with_crc(&body(CONWEB).replace(
            "51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI",
            "51510014ID.CO.QRIS.WWW0215ID10265623758930303UMI0303UMI",
        ));
        let e = Qris::parse(&dup).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Duplicate { .. }));
        assert_eq!(e.tag().map(|t| t.to_string()), Some("51.03".into()));
    }

    #[test]
    fn refuses_a_non_ascii_merchant_name() {
        let p = with_crc(&body(CONWEB).replace("5906Conweb", "5906Conwéb"));
        let e = Qris::parse(&p).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::NotPrintable { ch: 'é' });
        assert_eq!(e.tag(), Some(TagPath::root(Tag::MERCHANT_NAME)));
        let name_at = CONWEB.find("5906").unwrap_or_default() + 4 + 4;
        assert_eq!(e.offset(), Some(name_at));
        // A control character inside the name too.
        let p = with_crc(&body(CONWEB).replace("5906Conweb", "5907Con\tweb"));
        assert_eq!(kind(&p), ErrorKind::NotPrintable { ch: '\t' });
    }

    #[test]
    fn refuses_missing_and_malformed_tags() {
        let no_name = with_crc(&body(CONWEB).replace("5906Conweb", ""));
        assert_eq!(kind(&no_name), ErrorKind::Missing);
        let e = Qris::parse(&no_name).unwrap_err();
        assert_eq!(e.tag(), Some(TagPath::root(Tag::MERCHANT_NAME)));
        let mcc3 = with_crc(&body(CONWEB).replace("52047372", "5203737"));
        assert!(matches!(kind(&mcc3), ErrorKind::WrongLength { .. }));
        let no51 =
            with_crc(&body(CONWEB).replace("51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI", ""));
        assert_eq!(kind(&no51), ErrorKind::StaticWithoutNmid);
        let poi = with_crc(&body(CONWEB).replace("010211", "010213"));
        assert!(matches!(kind(&poi), ErrorKind::InvalidValue { .. }));
        let amount0 = with_crc(
            &body(CONWEB)
                .replace("5802ID", "54010")
                .replace("5303360", "53033605802ID"),
        );
        assert!(matches!(
            kind(&amount0),
            ErrorKind::BadAmount {
                problem: AmountProblem::Zero,
                ..
            }
        ));
        let letters = with_crc(&body(CONWEB).replace("5802ID", "54041O005802ID"));
        assert!(matches!(
            kind(&letters),
            ErrorKind::BadAmount {
                problem: AmountProblem::InvalidCharacter('O'),
                ..
            }
        ));
        let fee_alone = with_crc(&body(CONWEB).replace("5802ID", "56035005802ID"));
        assert!(matches!(kind(&fee_alone), ErrorKind::FeeMismatch { .. }));
        let rfu = with_crc(&format!("{}6502xx", body(CONWEB)));
        assert_eq!(kind(&rfu), ErrorKind::Reserved);
        assert!(matches!(kind("   "), ErrorKind::Empty));
        assert!(matches!(
            kind(&"0".repeat(513)),
            ErrorKind::TooLong { chars: 513 }
        ));
        let not_first =
            with_crc(&format!("010211{}", &body(CONWEB)[12..]).replace("5204", "0002015204"));
        assert_eq!(kind(&not_first), ErrorKind::NotFirst);
        assert_eq!(kind(body(CONWEB)), ErrorKind::CrcNotLast);
    }

    #[test]
    fn serialises_as_its_payload() {
        let q: Qris = CONWEB.parse().unwrap();
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(json, format!("\"{CONWEB}\""));
        let back: Qris = serde_json::from_str(&json).unwrap();
        assert_eq!(back, q);
        let bad = serde_json::from_str::<Qris>("\"000201\"").unwrap_err();
        assert!(bad.to_string().contains("tag 63"));
    }

    #[test]
    fn refuses_other_schemes_by_name() {
        let duitnow = "00020201021126410014A000000615000101065016640209123456789520499995303458540510.005802MY5909QRCSDNBHD6005BANGI6304343F";
        assert_eq!(
            kind(duitnow),
            ErrorKind::NotQris {
                scheme: Scheme::DuitNow
            }
        );
        let viet = "00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479db";
        assert_eq!(
            kind(viet),
            ErrorKind::NotQris {
                scheme: Scheme::VietQr
            }
        );
        let e = Qris::parse(viet).unwrap_err();
        assert!(e.msg().id.contains("bukan kode QRIS") && e.msg().en.contains("VietQR"));
    }
}
