//! The QRIS rules: which tags must be there, how long and of what kind each value is, the CRC,
//! and what makes a code another country's scheme rather than QRIS.
//!
//! The sources are the EMVCo merchant-presented-mode rules and the QRIS rules as open-source
//! QRIS validators cite them (see `docs/panduan-qris.md`). Where a rule would turn away a real
//! sticker for a harmless oddity, it is a [`Warning`] instead of an error.

use super::crc;
use super::error::{AmountProblem, ErrorKind, QrisError, Scheme, Warning};
use super::tag::{Tag, TagPath};
use super::tlv::{DataObject, RawObject, Walker};
use crate::money::Rupiah;
use crate::percent::BasisPoints;

/// The EMVCo limit on a whole payload, in characters.
pub const MAX_PAYLOAD_CHARS: usize = 512;

/// Merchant criteria codes (sub-tag 03 of the merchant account templates).
pub const CRITERIA: [&str; 7] = ["UMI", "UKE", "UME", "UBE", "URE", "PSO", "BLU"];

/// The GUIs of the national repository template 51: today's, and the GPN-era one.
pub const REPOSITORY_GUIS: [&str; 2] = ["ID.CO.QRIS.WWW", "ID.OR.GPNQR.WWW"];

const NONE: u8 = u8::MAX;

/// The result of a successful check: the root objects (positions in the checked text, offsets
/// absolute) and whether the CRC was written in lower case.
pub(crate) struct Checked {
    pub objects: Vec<RawObject>,
    pub index: [u8; 100],
    pub lowercase_crc: bool,
}

/// An amount as tag 54 or 56 writes it: whole rupiah and, rarely, sen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QrisAmount {
    pub rupiah: Rupiah,
    /// Hundredths of a rupiah, 0–99. Real QRIS amounts are whole rupiah, but a payload may
    /// write `39000.00`, and a few write other decimals.
    pub sen: u8,
}

impl QrisAmount {
    /// The amount in whole rupiah, when it has no sen.
    pub fn whole(&self) -> Option<Rupiah> {
        (self.sen == 0).then_some(self.rupiah)
    }
}

/// `Rp 39.000`, or `Rp 39.000,50` when there are sen.
impl std::fmt::Display for QrisAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sen == 0 {
            write!(f, "{}", self.rupiah)
        } else {
            write!(f, "{},{:02}", self.rupiah, self.sen)
        }
    }
}

/// Reads `digits[.digits]` with at most two decimals, as (whole, hundredths). `leading_zeros`:
/// whether `0500` is allowed (percentages such as `00.01` write them; amounts must not).
fn read_decimal(v: &str, leading_zeros: bool) -> Result<(u64, u8), AmountProblem> {
    if let Some(c) = v.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
        return Err(AmountProblem::InvalidCharacter(c));
    }
    let (whole, frac) = match v.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (v, None),
    };
    if whole.is_empty() || frac.is_some_and(|f| f.is_empty() || f.contains('.')) {
        return Err(AmountProblem::Malformed);
    }
    let frac = frac.unwrap_or_default();
    if frac.len() > 2 {
        return Err(AmountProblem::TooManyDecimals);
    }
    if !leading_zeros && whole.len() > 1 && whole.starts_with('0') {
        return Err(AmountProblem::LeadingZero);
    }
    let mut w: u64 = 0;
    for b in whole.bytes() {
        w = w
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(b - b'0')))
            .ok_or(AmountProblem::Malformed)?;
    }
    let mut h: u8 = 0;
    for (i, b) in frac.bytes().enumerate() {
        let d = b - b'0';
        h += if i == 0 { d * 10 } else { d };
    }
    if w == 0 && h == 0 {
        return Err(AmountProblem::Zero);
    }
    Ok((w, h))
}

/// Tag 54 or 56: digits and at most one dot, at most two decimals, no leading zero, more than
/// zero. (The 1–13 character rule is checked with the lengths.)
pub(crate) fn parse_amount(v: &str) -> Result<QrisAmount, AmountProblem> {
    let (w, h) = read_decimal(v, false)?;
    let rupiah = i64::try_from(w).map_err(|_| AmountProblem::Malformed)?;
    Ok(QrisAmount {
        rupiah: Rupiah(rupiah),
        sen: h,
    })
}

/// Tag 57: a percentage between 0.01 and 99.99.
pub(crate) fn parse_percent(v: &str) -> Result<BasisPoints, AmountProblem> {
    let (w, h) = read_decimal(v, true)?;
    if w >= 100 {
        return Err(AmountProblem::OverHundred);
    }
    // w < 100 and h < 100, so this is below 10 000.
    Ok(BasisPoints((w as u32) * 100 + u32::from(h)))
}

fn err(kind: ErrorKind, o: &DataObject<'_>) -> QrisError {
    QrisError::at(kind, o.path(), o.value_offset())
}

#[inline]
fn check_len(o: &DataObject<'_>, min: usize, max: usize) -> Result<(), QrisError> {
    let n = o.len();
    if n < min || n > max {
        return Err(err(ErrorKind::WrongLength { min, max, found: n }, o));
    }
    Ok(())
}

/// EMVCo "ans": printable ASCII, space to tilde.
#[inline]
fn check_ans(o: &DataObject<'_>) -> Result<(), QrisError> {
    let v = o.value();
    if v.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Ok(());
    }
    for (i, c) in v.chars().enumerate() {
        if !(' '..='~').contains(&c) {
            return Err(QrisError::at(
                ErrorKind::NotPrintable { ch: c },
                o.path(),
                o.value_offset() + i,
            ));
        }
    }
    Ok(())
}

/// Any Unicode text without control characters (the language template 64).
#[inline]
fn check_text(o: &DataObject<'_>) -> Result<(), QrisError> {
    for (i, c) in o.value().chars().enumerate() {
        if c.is_control() {
            return Err(QrisError::at(
                ErrorKind::NotPrintable { ch: c },
                o.path(),
                o.value_offset() + i,
            ));
        }
    }
    Ok(())
}

#[inline]
fn check_digits(o: &DataObject<'_>) -> Result<(), QrisError> {
    if o.value().bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(err(
            ErrorKind::NotDigits {
                found: o.value().to_owned(),
            },
            o,
        ))
    }
}

#[inline]
fn check_one_of(
    o: &DataObject<'_>,
    values: &[&str],
    allowed: &'static str,
) -> Result<(), QrisError> {
    if values.contains(&o.value()) {
        Ok(())
    } else {
        Err(err(
            ErrorKind::InvalidValue {
                found: o.value().to_owned(),
                allowed,
            },
            o,
        ))
    }
}

/// A numeric value (an amount, tags 54 and 56, or a percentage, tag 57): at most `max_len`
/// characters that `parse` reads.
fn check_number<T>(
    o: &DataObject<'_>,
    max_len: usize,
    parse: impl Fn(&str) -> Result<T, AmountProblem>,
) -> Result<(), QrisError> {
    check_len(o, 1, max_len)?;
    parse(o.value()).map(|_| ()).map_err(|problem| {
        err(
            ErrorKind::BadAmount {
                found: o.value().to_owned(),
                problem,
            },
            o,
        )
    })
}

/// Walks the objects inside a template without collecting them: each must be non-empty,
/// each ID once, and `text_ok` checks the characters of each value; then `each` sees it.
/// Returns the set of sub-tags present (bit `n` for sub-tag `n`).
fn for_each_sub<'a>(
    o: &DataObject<'a>,
    printable: bool,
    text_ok: impl Fn(&DataObject<'_>) -> Result<(), QrisError>,
    mut each: impl FnMut(&DataObject<'a>) -> Result<(), QrisError>,
) -> Result<u128, QrisError> {
    let value = o.value();
    let ascii = o.is_ascii();
    let mut seen: u128 = 0;
    Walker::new(value, o.value_offset(), Some(o.tag()), ascii).walk(|raw| {
        let s = DataObject::from_raw(value, &raw, Some(o.tag()), ascii);
        let bit = 1u128 << s.tag().number();
        if seen & bit != 0 {
            // Rare: walk again for the first one's offset, for the message.
            let first = Walker::new(value, o.value_offset(), Some(o.tag()), ascii)
                .flatten()
                .find(|r| r.tag == s.tag())
                .map_or(s.offset(), |r| r.offset);
            return Err(QrisError::at(
                ErrorKind::Duplicate { first },
                s.path(),
                s.offset(),
            ));
        }
        seen |= bit;
        if s.is_empty() {
            return Err(QrisError::at(ErrorKind::EmptyValue, s.path(), s.offset()));
        }
        if !printable {
            text_ok(&s)?;
        }
        each(&s)
    })?;
    if seen == 0 {
        return Err(err(ErrorKind::EmptyValue, o));
    }
    Ok(seen)
}

fn require_sub(o: &DataObject<'_>, seen: u128, sub: u8) -> Result<(), QrisError> {
    if seen & (1u128 << sub) != 0 {
        return Ok(());
    }
    let path = TagPath {
        root: o.tag(),
        sub: Tag::new(sub),
    };
    Err(QrisError::at(ErrorKind::Missing, path, o.offset()))
}

/// Templates 26–51: a GUI, and for 26–45 the merchant PAN, merchant id and criteria; for 51
/// the NMID.
fn check_account(
    o: &DataObject<'_>,
    printable: bool,
    warnings: &mut Vec<Warning>,
) -> Result<(), QrisError> {
    let repository = o.tag() == Tag::QRIS_REPOSITORY;
    let seen = for_each_sub(o, printable, check_ans, |s| {
        match s.tag().number() {
            0 => {
                check_len(s, 1, 32)?;
                if repository
                    && !REPOSITORY_GUIS
                        .iter()
                        .any(|g| g.eq_ignore_ascii_case(s.value()))
                {
                    warnings.push(Warning::UnknownRepository {
                        found: s.value().to_owned(),
                    });
                }
            }
            1 if o.tag().is_domestic_account() => {
                check_len(s, 1, 19)?;
                check_digits(s)?;
            }
            2 => {
                check_len(s, 1, 15)?;
                if repository {
                    let v = s.value();
                    let usual = v.len() > 2
                        && v.starts_with("ID")
                        && v[2..].bytes().all(|b| b.is_ascii_digit());
                    if !usual {
                        warnings.push(Warning::UnusualNmid {
                            found: v.to_owned(),
                        });
                    }
                }
            }
            3 if !CRITERIA.contains(&s.value()) => {
                warnings.push(Warning::UnknownCriteria {
                    tag: s.path(),
                    found: s.value().to_owned(),
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    require_sub(o, seen, 0)?;
    if repository {
        require_sub(o, seen, 2)?;
    }
    Ok(())
}

/// Template 62: labels of at most 25 characters (`***` means the payer's app asks for it),
/// the consumer data request (`A`, `M`, `E`), and payment-system templates 50–99.
fn check_additional(
    o: &DataObject<'_>,
    printable: bool,
    warnings: &mut Vec<Warning>,
) -> Result<(), QrisError> {
    for_each_sub(o, printable, check_ans, |s| {
        match s.tag().number() {
            1..=8 => check_len(s, 1, 25)?,
            9 => {
                check_len(s, 1, 3)?;
                let v = s.value();
                let mut seen = [false; 3];
                for (i, c) in v.chars().enumerate() {
                    let k = match c {
                        'A' => 0,
                        'M' => 1,
                        'E' => 2,
                        _ => 3,
                    };
                    if k == 3 || seen[k] {
                        return Err(QrisError::at(
                            ErrorKind::InvalidValue {
                                found: v.to_owned(),
                                allowed: "A, M, E",
                            },
                            s.path(),
                            s.value_offset() + i,
                        ));
                    }
                    seen[k] = true;
                }
            }
            10 => check_len(s, 1, 20)?,
            11 => check_len(s, 1, 3)?,
            12..=49 => warnings.push(Warning::ReservedAdditionalData { tag: s.path() }),
            _ => {}
        }
        Ok(())
    })?;
    Ok(())
}

/// Template 64: language (2 letters) and the merchant's name (≤25) and city (≤15) in it; any
/// script, no control characters.
fn check_language(o: &DataObject<'_>, printable: bool) -> Result<(), QrisError> {
    let seen = for_each_sub(o, printable, check_text, |s| {
        match s.tag().number() {
            0 => {
                check_len(s, 2, 2)?;
                check_ans(s)?;
            }
            1 => check_len(s, 1, 25)?,
            2 => check_len(s, 1, 15)?,
            _ => {}
        }
        Ok(())
    })?;
    require_sub(o, seen, 0)?;
    require_sub(o, seen, 1)?;
    Ok(())
}

/// The scheme of a code that is not QRIS, from its country and the GUIs of its templates.
fn scheme<'a>(
    country: &str,
    currency: &str,
    objects: impl Iterator<Item = DataObject<'a>>,
) -> Scheme {
    match country {
        "MY" => return Scheme::DuitNow,
        "VN" => return Scheme::VietQr,
        "TH" => return Scheme::PromptPay,
        _ => {}
    }
    for o in objects.filter(|o| matches!(o.tag().number(), 26..=51)) {
        let v = o.value();
        if v.contains("A000000727") {
            return Scheme::VietQr;
        }
        if v.contains("A000000677") {
            return Scheme::PromptPay;
        }
        if v.contains("A000000615") {
            return Scheme::DuitNow;
        }
    }
    Scheme::Other {
        country: country.to_owned(),
        currency: currency.to_owned(),
    }
}

/// Checks a trimmed payload. `lead` is the number of characters trimmed in front, so offsets
/// in errors point into the text as given. `ascii`: the text is ASCII; `printable`: it is
/// printable ASCII only (then characters need no check value by value).
pub(crate) fn check(
    text: &str,
    lead: usize,
    ascii: bool,
    printable: bool,
    warnings: &mut Vec<Warning>,
) -> Result<Checked, QrisError> {
    if text.is_empty() {
        return Err(QrisError::new(ErrorKind::Empty, None, Some(lead)));
    }
    let chars = if ascii {
        text.len()
    } else {
        text.chars().count()
    };
    if chars > MAX_PAYLOAD_CHARS {
        return Err(QrisError::new(
            ErrorKind::TooLong { chars },
            None,
            Some(lead + MAX_PAYLOAD_CHARS),
        ));
    }

    // 1. Structure of the root level.
    let mut raws: Vec<RawObject> = Vec::with_capacity(24);
    Walker::new(text, lead, None, ascii).walk(|r| {
        raws.push(r);
        Ok(())
    })?;
    // A function, not a closure: it must inline (a returned DataObject read back through
    // memory costs a store-forwarding stall per object).
    #[inline(always)]
    fn root<'t>(text: &'t str, r: &RawObject, ascii: bool) -> DataObject<'t> {
        DataObject::from_raw(text, r, None, ascii)
    }

    // 2. 00 first, 63 last.
    let (Some(first), Some(last)) = (raws.first(), raws.last()) else {
        return Err(QrisError::new(ErrorKind::Empty, None, Some(lead)));
    };
    if first.tag != Tag::PAYLOAD_FORMAT {
        let at = raws
            .iter()
            .find(|r| r.tag == Tag::PAYLOAD_FORMAT)
            .map_or(first.offset, |r| r.offset);
        return Err(QrisError::at(
            ErrorKind::NotFirst,
            TagPath::root(Tag::PAYLOAD_FORMAT),
            at,
        ));
    }
    if last.tag != Tag::CRC {
        let at = raws
            .iter()
            .find(|r| r.tag == Tag::CRC)
            .map_or(last.offset, |r| r.offset);
        return Err(QrisError::at(
            ErrorKind::CrcNotLast,
            TagPath::root(Tag::CRC),
            at,
        ));
    }

    // 3. The CRC: four hex digits, equal to the CRC of everything before them.
    let crc_obj = root(text, last, ascii);
    let found = crc_obj.value();
    if found.len() != 4 || !found.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(QrisError::at(
            ErrorKind::CrcFormat {
                found: found.to_owned(),
            },
            crc_obj.path(),
            crc_obj.value_offset(),
        ));
    }
    let computed = crc::crc16(&text.as_bytes()[..last.value.0]);
    let found_value = found.bytes().fold(0u16, |acc, b| (acc << 4) | hex_value(b));
    if computed != found_value {
        let expected = crc::crc_hex(computed);
        return Err(QrisError::at(
            ErrorKind::CrcMismatch {
                expected: String::from_utf8_lossy(&expected).into_owned(),
                found: found.to_owned(),
            },
            crc_obj.path(),
            crc_obj.value_offset(),
        ));
    }
    let lowercase_crc = found.bytes().any(|b| b.is_ascii_lowercase());
    if lowercase_crc {
        warnings.push(Warning::LowercaseCrc {
            found: found.to_owned(),
        });
    }

    // 4. Each ID once.
    let mut index = [NONE; 100];
    for (i, r) in raws.iter().enumerate() {
        let n = usize::from(r.tag.number());
        if index[n] != NONE {
            let first = raws[usize::from(index[n])].offset;
            return Err(QrisError::at(
                ErrorKind::Duplicate { first },
                TagPath::root(r.tag),
                r.offset,
            ));
        }
        // At most 128 objects fit in 512 characters, so the index fits in a u8.
        index[n] = u8::try_from(i).unwrap_or(NONE);
    }
    let get = |t: Tag| -> Option<DataObject<'_>> {
        let i = index[usize::from(t.number())];
        (i != NONE).then(|| root(text, &raws[usize::from(i)], ascii))
    };

    // 5. Is this QRIS at all (and not DuitNow, VietQR, PromptPay, …)?
    let country = get(Tag::COUNTRY);
    let currency = get(Tag::CURRENCY);
    let country_v = country.map(|o| o.value()).unwrap_or_default();
    let currency_v = currency.map(|o| o.value()).unwrap_or_default();
    let pfi = root(text, first, ascii);
    if pfi.value() != "01" {
        if pfi.value() == "02" || country_v == "MY" {
            return Err(err(
                ErrorKind::NotQris {
                    scheme: Scheme::DuitNow,
                },
                &pfi,
            ));
        }
        return Err(err(
            ErrorKind::InvalidValue {
                found: pfi.value().to_owned(),
                allowed: "01",
            },
            &pfi,
        ));
    }
    let foreign = country
        .filter(|o| o.value() != "ID")
        .or(currency.filter(|o| o.value() != "360"));
    if let Some(o) = foreign {
        return Err(err(
            ErrorKind::NotQris {
                scheme: scheme(
                    country_v,
                    currency_v,
                    raws.iter().map(|r| root(text, r, ascii)),
                ),
            },
            &o,
        ));
    }

    // 6. Every object by its tag's rules, in the order they appear.
    for r in &raws {
        let o = &root(text, r, ascii);
        if o.is_empty() {
            return Err(QrisError::at(ErrorKind::EmptyValue, o.path(), o.offset()));
        }
        // Templates 26–51, 62 and 64 have their characters checked sub-tag by sub-tag below
        // (so an error names the sub-tag); everything else here.
        if !printable && !matches!(o.tag().number(), 26..=51 | 62 | 64) {
            check_ans(o)?;
        }
        match o.tag().number() {
            0 => {}
            1 => check_one_of(o, &["11", "12"], "11, 12")?,
            26..=51 => check_account(o, printable, warnings)?,
            52 => {
                check_len(o, 4, 4)?;
                check_digits(o)?;
            }
            53 => {
                check_len(o, 3, 3)?;
                check_digits(o)?;
            }
            54 | 56 => check_number(o, 13, parse_amount)?,
            55 => check_one_of(o, &["01", "02", "03"], "01, 02, 03")?,
            57 => check_number(o, 5, parse_percent)?,
            58 => check_len(o, 2, 2)?,
            59 => check_len(o, 1, 25)?,
            60 => check_len(o, 1, 15)?,
            61 => check_len(o, 1, 10)?,
            62 => check_additional(o, printable, warnings)?,
            63 => {}
            64 => check_language(o, printable)?,
            65..=79 => return Err(QrisError::at(ErrorKind::Reserved, o.path(), o.offset())),
            80..=99 if o.expand().is_err() => {
                warnings.push(Warning::OpaqueTemplate { tag: o.tag() });
            }
            _ => {}
        }
    }

    // 7. What must be there.
    for t in [
        Tag::MCC,
        Tag::CURRENCY,
        Tag::COUNTRY,
        Tag::MERCHANT_NAME,
        Tag::MERCHANT_CITY,
        Tag::POSTAL_CODE,
    ] {
        if get(t).is_none() {
            return Err(QrisError::new(
                ErrorKind::Missing,
                Some(TagPath::root(t)),
                None,
            ));
        }
    }
    if !raws
        .iter()
        .any(|r| r.tag.is_domestic_account() || r.tag == Tag::QRIS_REPOSITORY)
    {
        return Err(QrisError::new(ErrorKind::MissingAccount, None, None));
    }
    match get(Tag::POINT_OF_INITIATION) {
        None => warnings.push(Warning::NoPointOfInitiation),
        Some(p) if p.value() == "11" && get(Tag::QRIS_REPOSITORY).is_none() => {
            return Err(QrisError::at(
                ErrorKind::StaticWithoutNmid,
                p.path(),
                p.offset(),
            ));
        }
        Some(_) => {}
    }

    // 8. Tip and fees agree with their indicator.
    let indicator = get(Tag::TIP_INDICATOR);
    let ind = indicator.map(|o| o.value());
    for (t, wanted) in [(Tag::FEE_FIXED, "02"), (Tag::FEE_PERCENT, "03")] {
        if let Some(f) = get(t)
            && ind != Some(wanted)
        {
            return Err(QrisError::at(
                ErrorKind::FeeMismatch {
                    indicator: ind.map(str::to_owned),
                },
                f.path(),
                f.offset(),
            ));
        }
    }
    if let Some(i) = indicator {
        let needed = match i.value() {
            "02" => Some(Tag::FEE_FIXED),
            "03" => Some(Tag::FEE_PERCENT),
            _ => None,
        };
        if let Some(t) = needed
            && get(t).is_none()
        {
            return Err(QrisError::at(
                ErrorKind::Missing,
                TagPath::root(t),
                i.offset(),
            ));
        }
    }

    Ok(Checked {
        objects: raws,
        index,
        lowercase_crc,
    })
}

fn hex_value(b: u8) -> u16 {
    match b {
        b'0'..=b'9' => u16::from(b - b'0'),
        b'a'..=b'f' => u16::from(b - b'a' + 10),
        b'A'..=b'F' => u16::from(b - b'A' + 10),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        let a = |s| parse_amount(s);
        assert_eq!(
            a("25000"),
            Ok(QrisAmount {
                rupiah: Rupiah(25000),
                sen: 0
            })
        );
        assert_eq!(
            a("39000.00"),
            Ok(QrisAmount {
                rupiah: Rupiah(39000),
                sen: 0
            })
        );
        assert_eq!(a("0.5").map(|x| x.sen), Ok(50));
        assert_eq!(a("4.22").map(|x| x.sen), Ok(22));
        assert_eq!(a("0"), Err(AmountProblem::Zero));
        assert_eq!(a("0.00"), Err(AmountProblem::Zero));
        assert_eq!(a("0500"), Err(AmountProblem::LeadingZero));
        assert_eq!(a("10rb"), Err(AmountProblem::InvalidCharacter('r')));
        assert_eq!(a("10,000"), Err(AmountProblem::InvalidCharacter(',')));
        assert_eq!(a("-5"), Err(AmountProblem::InvalidCharacter('-')));
        assert_eq!(a("1.2.3"), Err(AmountProblem::Malformed));
        assert_eq!(a(".5"), Err(AmountProblem::Malformed));
        assert_eq!(a("5."), Err(AmountProblem::Malformed));
        assert_eq!(a("999.123"), Err(AmountProblem::TooManyDecimals));
        assert_eq!(
            QrisAmount {
                rupiah: Rupiah(39000),
                sen: 50
            }
            .to_string(),
            "Rp 39.000,50"
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("2.5"), Ok(BasisPoints(250)));
        assert_eq!(parse_percent("00.01"), Ok(BasisPoints(1)));
        assert_eq!(parse_percent("99.99"), Ok(BasisPoints(9999)));
        assert_eq!(parse_percent("0.7"), Ok(BasisPoints(70)));
        assert_eq!(parse_percent("100"), Err(AmountProblem::OverHundred));
        assert_eq!(parse_percent("0"), Err(AmountProblem::Zero));
    }
}
