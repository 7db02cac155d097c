//! The lossless TLV layer: a payload as the list of data objects it is made of.
//!
//! Each object is a 2-digit ID, a 2-digit length and exactly that many **characters** of value
//! (characters, not bytes: the EMVCo rule, which matters only for non-ASCII text such as the
//! language template 64). Nothing is interpreted here beyond that: unknown tags are kept in
//! their order, duplicates are kept, templates are values like any other until
//! [`DataObject::expand`] is asked for. So `Tlv::parse(s)?.to_string() == s` for every `s`
//! that parses.

use std::fmt;
use std::ops::Range;

use super::error::{ErrorKind, QrisError};
use super::tag::{Tag, TagPath};

/// One object found by a [`Walker`]: byte positions within the walked text, and the absolute
/// character offset of its ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawObject {
    pub tag: Tag,
    /// Byte position of the ID.
    pub start: usize,
    /// Byte range of the value.
    pub value: (usize, usize),
    /// Character offset of the ID, counted from the start of the whole payload (`base` added).
    pub offset: usize,
}

impl RawObject {
    pub fn value_range(&self) -> Range<usize> {
        self.value.0..self.value.1
    }
}

/// Walks the data objects of a text, one at a time, checking only the TLV structure.
pub(crate) struct Walker<'a> {
    text: &'a str,
    ascii: bool,
    pos: usize,
    chars: usize,
    parent: Option<Tag>,
    /// The object before the current one: when an ID is not two digits, its length is the
    /// likeliest culprit (it claimed too many or too few characters).
    prev: Option<Tag>,
    done: bool,
}

impl<'a> Walker<'a> {
    /// `base`: the character offset of `text` within the whole payload, so errors and offsets
    /// are absolute. `ascii`: the caller knows whether `text` is ASCII (then bytes are chars).
    pub fn new(text: &'a str, base: usize, parent: Option<Tag>, ascii: bool) -> Walker<'a> {
        Walker {
            text,
            ascii,
            pos: 0,
            chars: base,
            parent,
            prev: None,
            done: false,
        }
    }

    /// Calls `f` with each object in turn; stops at the first structural error or the first
    /// error `f` returns. The fast path (ASCII text, the usual case) reads IDs and lengths
    /// straight from the bytes and hands `f` each object by value; anything unusual goes
    /// through [`Iterator::next`], which builds the precise error.
    #[inline]
    pub fn walk(
        mut self,
        mut f: impl FnMut(RawObject) -> Result<(), QrisError>,
    ) -> Result<(), QrisError> {
        if !self.ascii {
            for r in self {
                f(r?)?;
            }
            return Ok(());
        }
        let b = self.text.as_bytes();
        while self.pos < b.len() {
            let start = self.pos;
            if let Some(&[i1, i2, l1, l2]) = b.get(start..start + 4).and_then(|h| h.first_chunk())
                && let Some(tag) = Tag::from_digits(i1, i2)
                && l1.is_ascii_digit()
                && l2.is_ascii_digit()
            {
                let declared = usize::from((l1 - b'0') * 10 + (l2 - b'0'));
                let vend = start + 4 + declared;
                if vend <= b.len() {
                    let offset = self.chars;
                    self.pos = vend;
                    self.chars = offset + 4 + declared;
                    self.prev = Some(tag);
                    f(RawObject {
                        tag,
                        start,
                        value: (start + 4, vend),
                        offset,
                    })?;
                    continue;
                }
            }
            return Err(self.slow_error());
        }
        Ok(())
    }

    /// The precise error at the current position, which the fast path found wrong.
    #[cold]
    #[inline(never)]
    fn slow_error(&mut self) -> QrisError {
        match self.next() {
            Some(Err(e)) => e,
            _ => QrisError::new(
                ErrorKind::Truncated {
                    found: self.peek(self.pos, 4),
                },
                self.parent.map(TagPath::root),
                Some(self.chars),
            ),
        }
    }

    /// A bad ID at `offset`: named after the previous object, whose length probably lies.
    fn bad_id(&mut self, found: String, offset: usize) -> Option<Result<RawObject, QrisError>> {
        let tag = match self.prev {
            Some(p) => Some(TagPath::of(self.parent, p)),
            None => self.parent.map(TagPath::root),
        };
        let after = self.prev;
        self.fail(QrisError::new(
            ErrorKind::BadId { found, after },
            tag,
            Some(offset),
        ))
    }

    fn fail(&mut self, e: QrisError) -> Option<Result<RawObject, QrisError>> {
        self.done = true;
        Some(Err(e))
    }

    /// Up to `n` characters from byte `at`, for messages.
    fn peek(&self, at: usize, n: usize) -> String {
        self.text
            .get(at..)
            .unwrap_or_default()
            .chars()
            .take(n)
            .collect()
    }
}

impl Iterator for Walker<'_> {
    type Item = Result<RawObject, QrisError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.text.len() {
            return None;
        }
        let b = self.text.as_bytes();
        let start = self.pos;
        let offset = self.chars;
        let here = |tag| TagPath::of(self.parent, tag);
        let rest_chars = if self.ascii {
            b.len() - start
        } else {
            self.text[start..].chars().take(4).count()
        };
        if rest_chars < 4 {
            // Say what is wrong with what is there: a bad ID first, then the cut.
            if rest_chars >= 2 && Tag::from_digits(b[start], b[start + 1]).is_none() {
                let found = self.peek(start, 2);
                return self.bad_id(found, offset);
            }
            let found = self.peek(start, 4);
            let tag = if rest_chars >= 2 {
                Tag::from_digits(b[start], b[start + 1]).map(here)
            } else {
                self.prev.map(here).or(self.parent.map(TagPath::root))
            };
            return self.fail(QrisError::new(
                ErrorKind::Truncated { found },
                tag,
                Some(offset),
            ));
        }
        // From here on at least 4 characters remain; an ASCII digit is one byte, so checking
        // the bytes is exact (a multi-byte character is never a digit).
        let Some(tag) = Tag::from_digits(b[start], b[start + 1]) else {
            let found = self.peek(start, 2);
            return self.bad_id(found, offset);
        };
        let (l1, l2) = (b[start + 2], b[start + 3]);
        if !(l1.is_ascii_digit() && l2.is_ascii_digit()) {
            let found = self.peek(start + 2, 2);
            return self.fail(QrisError::at(
                ErrorKind::BadLength { found },
                here(tag),
                offset + 2,
            ));
        }
        let declared = usize::from((l1 - b'0') * 10 + (l2 - b'0'));
        let vstart = start + 4;
        let vend = if self.ascii {
            if vstart + declared > b.len() {
                return self.fail(QrisError::at(
                    ErrorKind::Overrun {
                        declared,
                        available: b.len() - vstart,
                    },
                    here(tag),
                    offset + 2,
                ));
            }
            vstart + declared
        } else {
            let mut end = vstart;
            let mut it = self.text[vstart..].chars();
            for i in 0..declared {
                match it.next() {
                    Some(c) => end += c.len_utf8(),
                    None => {
                        return self.fail(QrisError::at(
                            ErrorKind::Overrun {
                                declared,
                                available: i,
                            },
                            here(tag),
                            offset + 2,
                        ));
                    }
                }
            }
            end
        };
        self.pos = vend;
        self.chars = offset + 4 + declared;
        self.prev = Some(tag);
        Some(Ok(RawObject {
            tag,
            start,
            value: (vstart, vend),
            offset,
        }))
    }
}

/// One data object of a payload: its ID, its value, and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataObject<'a> {
    tag: Tag,
    parent: Option<Tag>,
    value: &'a str,
    offset: usize,
    ascii: bool,
}

impl<'a> DataObject<'a> {
    #[inline(always)]
    pub(crate) fn from_raw(
        text: &'a str,
        raw: &RawObject,
        parent: Option<Tag>,
        ascii: bool,
    ) -> DataObject<'a> {
        DataObject {
            tag: raw.tag,
            parent,
            value: text.get(raw.value_range()).unwrap_or_default(),
            offset: raw.offset,
            ascii,
        }
    }

    pub fn tag(&self) -> Tag {
        self.tag
    }

    /// The root template this object is inside, or `None` at the root.
    pub fn parent(&self) -> Option<Tag> {
        self.parent
    }

    pub fn path(&self) -> TagPath {
        TagPath::of(self.parent, self.tag)
    }

    pub fn value(&self) -> &'a str {
        self.value
    }

    /// The 0-based character offset of the ID in the parsed text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The character offset of the value (ID and length are 4 characters).
    pub fn value_offset(&self) -> usize {
        self.offset + 4
    }

    /// The length in characters, as written in the payload.
    pub fn len(&self) -> usize {
        if self.ascii {
            self.value.len()
        } else {
            self.value.chars().count()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Whether the text this object came from is ASCII (then bytes are characters).
    pub(crate) fn is_ascii(&self) -> bool {
        self.ascii || self.value.is_ascii()
    }

    /// A root object that EMVCo defines as a template (26–51, 62, 64, 80–99).
    pub fn is_template(&self) -> bool {
        self.parent.is_none() && self.tag.is_template()
    }

    /// The value read as a list of data objects (a template's content). Offsets and errors stay
    /// absolute. Templates nest one level: objects inside a template are not expanded further.
    pub fn expand(&self) -> Result<Tlv<'a>, QrisError> {
        let ascii = self.ascii || self.value.is_ascii();
        let mut objects = Vec::with_capacity(8);
        Walker::new(self.value, self.value_offset(), Some(self.tag), ascii).walk(|raw| {
            objects.push(DataObject::from_raw(
                self.value,
                &raw,
                Some(self.tag),
                ascii,
            ));
            Ok(())
        })?;
        Ok(Tlv { objects })
    }

    /// Writes ID, length and value, exactly as in the payload.
    pub fn write_to(&self, out: &mut String) {
        let d = self.tag.digits();
        let n = self.len();
        out.push(char::from(d[0]));
        out.push(char::from(d[1]));
        out.push(char::from(b'0' + (n / 10 % 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
        out.push_str(self.value);
    }
}

/// A payload (or a template's content) as its list of data objects, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tlv<'a> {
    objects: Vec<DataObject<'a>>,
}

impl<'a> Tlv<'a> {
    /// Reads `text` as data objects, checking only the structure: every ID and length is two
    /// digits, every value is there in full, and the last one ends exactly at the end. No
    /// trimming (see [`super::Qris::parse`] for the forgiving reader).
    pub fn parse(text: &'a str) -> Result<Tlv<'a>, QrisError> {
        Tlv::parse_at(text, 0)
    }

    /// Like [`Tlv::parse`], for a text that starts `base` characters into what a person gave
    /// (after trimmed whitespace), so offsets in errors point into the original.
    pub fn parse_at(text: &'a str, base: usize) -> Result<Tlv<'a>, QrisError> {
        let ascii = text.is_ascii();
        let mut objects = Vec::with_capacity(24);
        Walker::new(text, base, None, ascii).walk(|raw| {
            objects.push(DataObject::from_raw(text, &raw, None, ascii));
            Ok(())
        })?;
        Ok(Tlv { objects })
    }

    pub(crate) fn from_objects(objects: Vec<DataObject<'a>>) -> Tlv<'a> {
        Tlv { objects }
    }

    pub fn objects(&self) -> &[DataObject<'a>] {
        &self.objects
    }

    pub fn iter(&self) -> std::slice::Iter<'_, DataObject<'a>> {
        self.objects.iter()
    }

    /// The first object with this tag.
    pub fn get(&self, tag: Tag) -> Option<&DataObject<'a>> {
        self.objects.iter().find(|o| o.tag == tag)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Writes every object back, in order: the exact text that was parsed.
    pub fn write_to(&self, out: &mut String) {
        for o in &self.objects {
            o.write_to(out);
        }
    }
}

impl fmt::Display for Tlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl<'t, 'a> IntoIterator for &'t Tlv<'a> {
    type Item = &'t DataObject<'a>;
    type IntoIter = std::slice::Iter<'t, DataObject<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.objects.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_back() {
        let s = "000201010211520458125303360";
        let t = Tlv::parse(s).expect("parses");
        assert_eq!(t.len(), 4);
        assert_eq!(t.to_string(), s);
        let mcc = t.get(Tag::MCC).expect("52");
        assert_eq!(mcc.value(), "5812");
        assert_eq!(mcc.offset(), 12);
        assert_eq!(mcc.value_offset(), 16);
    }

    #[test]
    fn lengths_count_characters() {
        // 64: 0002ZH 0102北京 → "0002ZH" (6) + "0102北京" (6) = 12 characters, more bytes.
        let s = "64120002ZH0102北京5802CN";
        let t = Tlv::parse(s).expect("parses");
        assert_eq!(t.to_string(), s);
        let inner = t.objects()[0].expand().expect("template");
        assert_eq!(inner.objects()[1].value(), "北京");
        assert_eq!(inner.objects()[1].offset(), 10);
        assert_eq!(t.objects()[1].offset(), 16);
    }

    #[test]
    fn structural_errors_name_tag_and_offset() {
        let e = Tlv::parse("0002015A").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadId { .. }));
        let e = Tlv::parse("00020159").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Truncated { .. }));
        assert_eq!(e.tag().map(|t| t.to_string()), Some("59".into()));
        let e = Tlv::parse("0002015A02xx").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadId { .. }));
        assert_eq!(e.offset(), Some(6));
        let e = Tlv::parse("00020152 xxx").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadLength { .. }));
        assert_eq!(e.tag().map(|t| t.to_string()), Some("52".into()));
        let e = Tlv::parse("000201590Xab").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadLength { .. }));
        let e = Tlv::parse("0002015910abc").unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::Overrun {
                declared: 10,
                available: 3
            }
        );
        assert_eq!(e.offset(), Some(8));
        let e = Tlv::parse("000201591é").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::BadLength { .. }));
        let e = Tlv::parse("00020159é").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Truncated { .. }));
        let e = Tlv::parse("0002015910éé").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Overrun { available: 2, .. }));
        let e = Tlv::parse_at("0X", 3).unwrap_err();
        assert_eq!(e.offset(), Some(3));
    }

    #[test]
    fn empty_text_is_an_empty_list() {
        assert!(Tlv::parse("").expect("parses").is_empty());
    }
}
