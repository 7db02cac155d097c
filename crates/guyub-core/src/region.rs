//! Indonesian administrative regions (Kemendagri codes), from the embedded `wilayah.csv`.
//!
//! A region is keyed by its code, never by its name: seven names in Jawa Timur alone exist as
//! both a kabupaten and a kota (Kabupaten Malang is 35.07, Kota Malang is 35.73). The code's
//! shape gives its level: `35` province, `35.73` regency or city, `35.73.05` district
//! (kecamatan), `35.73.05.1001` village (kelurahan or desa).
//!
//! The table is parsed once, on first use, from the CSV compiled into the binary, so a
//! [`RegionCode`] can be checked without any I/O. Names borrow from that embedded text, which
//! is why they are `&'static str`.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::{Lang, Msg};

const WILAYAH_CSV: &str = include_str!("../data/wilayah.csv");

/// Every region, sorted by dotted code (byte order, which within one level is numeric order
/// and keeps each region's descendants in one contiguous run right after it).
struct Table {
    rows: Vec<(&'static str, Cow<'static, str>)>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| parse_table(WILAYAH_CSV));

/// Parses `kode,nama` lines. A malformed line (no comma, a code of the wrong shape) is skipped
/// rather than panicking: one bad row must not take the whole table, or the program, down.
fn parse_table(csv: &'static str) -> Table {
    let mut rows = Vec::with_capacity(92_000);
    for line in csv.lines() {
        let line = line.trim_end_matches('\r');
        let Some((code, name)) = line.split_once(',') else {
            continue;
        };
        if level_of(code).is_none() {
            continue; // the header, or a broken line
        }
        let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) if quoted.contains("\"\"") => Cow::Owned(quoted.replace("\"\"", "\"")),
            Some(quoted) => Cow::Borrowed(quoted),
            None => Cow::Borrowed(name),
        };
        rows.push((code, name));
    }
    if !rows.is_sorted_by(|a, b| a.0 < b.0) {
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows.dedup_by(|a, b| a.0 == b.0);
    }
    Table { rows }
}

impl Table {
    fn name(&'static self, code: &str) -> Option<&'static str> {
        self.rows
            .binary_search_by(|(c, _)| (*c).cmp(code))
            .ok()
            .map(|i| self.rows[i].1.as_ref())
    }
}

/// The level of a dotted code from its shape alone (`None` if the shape is wrong). Runs on
/// every line of the table at start-up, so it looks at bytes and allocates nothing.
fn level_of(code: &str) -> Option<RegionLevel> {
    let level = match code.len() {
        2 => RegionLevel::Province,
        5 => RegionLevel::Regency,
        8 => RegionLevel::District,
        13 => RegionLevel::Village,
        _ => return None,
    };
    let shape_ok = code.bytes().enumerate().all(|(i, b)| {
        if matches!(i, 2 | 5 | 8) {
            b == b'.'
        } else {
            b.is_ascii_digit()
        }
    });
    shape_ok.then_some(level)
}

/// The name of a region by its dotted code (`35.73` → `Kota Malang`), if it exists.
pub fn lookup(code: &str) -> Option<&'static str> {
    TABLE.name(code)
}

/// The regions one level below `parent`, sorted by code; the provinces when `parent` is `None`.
/// A village has no children.
pub fn children(parent: Option<&RegionCode>) -> Vec<(RegionCode, &'static str)> {
    let table: &'static Table = &TABLE;
    match parent {
        None => table
            .rows
            .iter()
            .filter(|(c, _)| c.len() == 2)
            .map(|(c, n)| (RegionCode((*c).to_string()), n.as_ref()))
            .collect(),
        Some(p) => {
            let Some(level) = p.level().child() else {
                return Vec::new();
            };
            let prefix = format!("{}.", p.0);
            let start = table.rows.partition_point(|(c, _)| *c < prefix.as_str());
            table.rows[start..]
                .iter()
                .take_while(|(c, _)| c.starts_with(&prefix))
                .filter(|(c, _)| c.len() == level.code_len())
                .map(|(c, n)| (RegionCode((*c).to_string()), n.as_ref()))
                .collect()
        }
    }
}

/// The four levels of Indonesian administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// Provinsi, e.g. 35 Jawa Timur.
    Province,
    /// Kabupaten or kota, e.g. 35.73 Kota Malang.
    Regency,
    /// Kecamatan, e.g. 35.73.05 Lowokwaru.
    District,
    /// Kelurahan or desa, e.g. 35.73.05.1001 Tunggulwulung.
    Village,
}

impl RegionLevel {
    pub const ALL: &'static [RegionLevel] = &[
        RegionLevel::Province,
        RegionLevel::Regency,
        RegionLevel::District,
        RegionLevel::Village,
    ];

    /// Length of a dotted code at this level.
    fn code_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::Regency => 5,
            RegionLevel::District => 8,
            RegionLevel::Village => 13,
        }
    }

    /// The level below, if any.
    pub fn child(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => Some(RegionLevel::Regency),
            RegionLevel::Regency => Some(RegionLevel::District),
            RegionLevel::District => Some(RegionLevel::Village),
            RegionLevel::Village => None,
        }
    }

    /// "provinsi", "kabupaten/kota", "kecamatan", "desa/kelurahan" (lower case, for sentences).
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RegionLevel::Province, Lang::Id) => "provinsi",
            (RegionLevel::Regency, Lang::Id) => "kabupaten/kota",
            (RegionLevel::District, Lang::Id) => "kecamatan",
            (RegionLevel::Village, Lang::Id) => "desa/kelurahan",
            (RegionLevel::Province, Lang::En) => "province",
            (RegionLevel::Regency, Lang::En) => "regency/city",
            (RegionLevel::District, Lang::En) => "district",
            (RegionLevel::Village, Lang::En) => "village",
        }
    }
}

/// Why a region code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    Empty,
    /// Not a code at all: wrong length or characters.
    Malformed(String),
    /// Well formed, but not in the Kemendagri list.
    Unknown(String),
    /// A real region, but not at the level the form asks for.
    WrongLevel {
        code: String,
        expected: RegionLevel,
        actual: RegionLevel,
    },
}

impl RegionError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        match self {
            RegionError::Empty => {
                Msg::new("Kode wilayah wajib diisi", "The region code is required")
            }
            RegionError::Malformed(s) => Msg::new(
                format!("Kode wilayah {s} tidak sah; contoh: 35.73 atau 35.73.05.1001"),
                format!("The region code {s} is not valid; e.g. 35.73 or 35.73.05.1001"),
            ),
            RegionError::Unknown(code) => Msg::new(
                format!("Kode wilayah {code} tidak dikenal"),
                format!("The region code {code} is unknown"),
            ),
            RegionError::WrongLevel {
                code,
                expected,
                actual,
            } => Msg::new(
                format!(
                    "Kode wilayah {code} adalah {}, padahal yang diminta {}",
                    actual.label(Lang::Id),
                    expected.label(Lang::Id)
                ),
                format!(
                    "The region code {code} is a {}, but a {} is required",
                    actual.label(Lang::En),
                    expected.label(Lang::En)
                ),
            ),
        }
    }
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

/// A region that exists in the embedded Kemendagri list, in dotted form (`35.73.05`).
///
/// Invariant: the code is well formed and was found in the table when the value was made; so
/// [`RegionCode::name`] always has an answer, and every ancestor is also in the table (checked
/// over the whole data set by a test).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(String);

impl RegionCode {
    /// Reads a code, dotted (`35.73.05`) or as bare digits (`357305`, the form inside a NIK),
    /// and requires it to exist.
    pub fn parse(s: &str) -> Result<RegionCode, RegionError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(RegionError::Empty);
        }
        let dotted = if t.contains('.') {
            t.to_string()
        } else if t.bytes().all(|b| b.is_ascii_digit()) {
            match t.len() {
                2 => t.to_string(),
                4 => format!("{}.{}", &t[..2], &t[2..]),
                6 => format!("{}.{}.{}", &t[..2], &t[2..4], &t[4..]),
                10 => format!("{}.{}.{}.{}", &t[..2], &t[2..4], &t[4..6], &t[6..]),
                _ => return Err(RegionError::Malformed(t.to_string())),
            }
        } else {
            return Err(RegionError::Malformed(t.to_string()));
        };
        if level_of(&dotted).is_none() {
            return Err(RegionError::Malformed(t.to_string()));
        }
        if lookup(&dotted).is_none() {
            return Err(RegionError::Unknown(dotted));
        }
        Ok(RegionCode(dotted))
    }

    /// Like [`RegionCode::parse`], and also requires the given level (a member's address needs
    /// a village, a coop's office a regency, …).
    pub fn parse_at(s: &str, level: RegionLevel) -> Result<RegionCode, RegionError> {
        let code = RegionCode::parse(s)?;
        let actual = code.level();
        if actual != level {
            return Err(RegionError::WrongLevel {
                code: code.0,
                expected: level,
                actual,
            });
        }
        Ok(code)
    }

    /// A code already known to exist: an ancestor of a known region, or the region digits of
    /// a parsed NIK. Never for outside input; see the type's invariant.
    pub(crate) fn known(code: &str) -> RegionCode {
        RegionCode(code.to_string())
    }

    /// The dotted code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level, from the code's shape.
    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            2 => RegionLevel::Province,
            5 => RegionLevel::Regency,
            8 => RegionLevel::District,
            _ => RegionLevel::Village,
        }
    }

    /// The region one level up; `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        self.0.rfind('.').map(|i| RegionCode::known(&self.0[..i]))
    }

    /// The province this region is in (itself, for a province).
    pub fn province(&self) -> RegionCode {
        RegionCode::known(&self.0[..2])
    }

    /// The regency or city this region is in (itself, for a regency); `None` for a province.
    pub fn regency(&self) -> Option<RegionCode> {
        (self.0.len() >= 5).then(|| RegionCode::known(&self.0[..5]))
    }

    /// The district this region is in (itself, for a district); `None` above district level.
    pub fn district(&self) -> Option<RegionCode> {
        (self.0.len() >= 8).then(|| RegionCode::known(&self.0[..8]))
    }

    /// True when `ancestor` is this region or contains it. Compares whole code segments, so
    /// 35.7 would never match 35.73 (and such a code cannot exist anyway).
    pub fn is_within(&self, ancestor: &RegionCode) -> bool {
        self.0 == ancestor.0
            || (self.0.starts_with(&ancestor.0)
                && self.0.as_bytes().get(ancestor.0.len()) == Some(&b'.'))
    }

    /// The official name, e.g. "Kota Malang" or "Lowokwaru".
    pub fn name(&self) -> &'static str {
        lookup(&self.0).unwrap_or_default()
    }

    /// The name with every ancestor, nearest first:
    /// "Lowokwaru, Kota Malang, Jawa Timur".
    pub fn full_name(&self) -> String {
        let mut names = vec![self.name()];
        let mut cur = self.parent();
        while let Some(c) = cur {
            names.push(c.name());
            cur = c.parent();
        }
        names.join(", ")
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing checks the code against the table, like [`RegionCode::parse`], so a stale or
/// forged code in stored JSON is caught at the boundary.
impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("known code")
    }

    #[test]
    fn the_whole_table_is_loaded() {
        assert_eq!(TABLE.rows.len(), 91_599);
        let count = |n: usize| TABLE.rows.iter().filter(|(c, _)| c.len() == n).count();
        assert_eq!(count(2), 38);
        assert_eq!(count(5), 514);
        assert_eq!(count(8), 7_285);
        assert_eq!(count(13), 83_762);
        // The invariant of RegionCode: every ancestor of every row is itself a row.
        for (c, _) in &TABLE.rows {
            let mut cur = c.rfind('.').map(|i| &c[..i]);
            while let Some(p) = cur {
                assert!(lookup(p).is_some(), "parent {p} of {c} is missing");
                cur = p.rfind('.').map(|i| &p[..i]);
            }
        }
    }

    /// The table is built on first use, on the request path: it must stay cheap (the budget is
    /// 50 ms in release; the bound here is loose so that debug builds and busy CI pass).
    #[test]
    fn building_the_table_is_fast() {
        let start = std::time::Instant::now();
        let t = parse_table(WILAYAH_CSV);
        let took = start.elapsed();
        eprintln!("parsed {} regions in {took:?}", t.rows.len());
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }

    #[test]
    fn quoted_names_are_unquoted() {
        assert_eq!(lookup("12.07.28.1007"), Some("Lubuk Pakam I,II"));
        assert_eq!(lookup("14.02.09.2010"), Some("Lambang Sari I, II, III"));
        assert_eq!(lookup("53.07.01.2021"), Some("Regapu’u"));
    }

    #[test]
    fn malformed_lines_are_skipped_not_fatal() {
        let t = parse_table(
            "kode,nama\r\n35,Jawa Timur\r\nrubbish\r\n3x,Bad\r\n35.73,\"Kota \"\"M\"\"\"\r\n",
        );
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].1, "Kota \"M\"");
    }

    #[test]
    fn real_east_java_codes() {
        assert_eq!(code("35").name(), "Jawa Timur");
        assert_eq!(code("35.73").name(), "Kota Malang");
        assert_eq!(code("35.06").name(), "Kabupaten Kediri");
        assert_eq!(code("35.78").name(), "Kota Surabaya");
        // The name-collision trap: Malang is both a kabupaten and a kota.
        assert_eq!(code("35.07").name(), "Kabupaten Malang");
        assert_ne!(code("35.07"), code("35.73"));
        assert_eq!(lookup("35.73.05"), Some("Lowokwaru"));
        assert_eq!(lookup("99"), None);
    }

    #[test]
    fn undotted_digits_are_accepted() {
        assert_eq!(code("3578").as_str(), "35.78");
        assert_eq!(code("357801").as_str(), "35.78.01");
        assert_eq!(code("3578011001").as_str(), "35.78.01.1001");
        assert_eq!(code(" 35 ").as_str(), "35");
    }

    #[test]
    fn bad_codes_are_refused() {
        assert_eq!(RegionCode::parse(""), Err(RegionError::Empty));
        assert_eq!(
            RegionCode::parse("357"),
            Err(RegionError::Malformed("357".into()))
        );
        assert_eq!(
            RegionCode::parse("35.7"),
            Err(RegionError::Malformed("35.7".into()))
        );
        assert_eq!(
            RegionCode::parse("35..73"),
            Err(RegionError::Malformed("35..73".into()))
        );
        assert_eq!(
            RegionCode::parse("Malang"),
            Err(RegionError::Malformed("Malang".into()))
        );
        assert_eq!(
            RegionCode::parse("35.99"),
            Err(RegionError::Unknown("35.99".into()))
        );
        assert_eq!(
            RegionCode::parse("99"),
            Err(RegionError::Unknown("99".into()))
        );
        let e = RegionCode::parse("3599").unwrap_err();
        assert_eq!(e.msg().id, "Kode wilayah 35.99 tidak dikenal");
        assert_eq!(e.msg().en, "The region code 35.99 is unknown");
        assert!(RegionError::Empty.msg().id.contains("wajib"));
        assert!(
            RegionError::Malformed("x".into())
                .msg()
                .id
                .contains("tidak sah")
        );
    }

    #[test]
    fn level_is_checked_when_asked() {
        assert!(RegionCode::parse_at("35.73.05.1001", RegionLevel::Village).is_ok());
        let e = RegionCode::parse_at("35.73", RegionLevel::Village).unwrap_err();
        assert_eq!(
            e,
            RegionError::WrongLevel {
                code: "35.73".into(),
                expected: RegionLevel::Village,
                actual: RegionLevel::Regency
            }
        );
        assert_eq!(
            e.msg().id,
            "Kode wilayah 35.73 adalah kabupaten/kota, padahal yang diminta desa/kelurahan"
        );
        assert!(RegionCode::parse_at("35.99", RegionLevel::Regency).is_err());
    }

    #[test]
    fn ancestors_and_names() {
        let v = code("35.73.05.1001");
        assert_eq!(v.level(), RegionLevel::Village);
        assert_eq!(v.parent(), Some(code("35.73.05")));
        assert_eq!(v.district(), Some(code("35.73.05")));
        assert_eq!(v.regency(), Some(code("35.73")));
        assert_eq!(v.province(), code("35"));
        assert_eq!(code("35").parent(), None);
        assert_eq!(code("35").regency(), None);
        assert_eq!(code("35.73").district(), None);
        assert_eq!(code("35.73").regency(), Some(code("35.73")));
        assert_eq!(
            code("35.73.05").full_name(),
            "Lowokwaru, Kota Malang, Jawa Timur"
        );
        assert_eq!(
            v.full_name(),
            format!("{}, Lowokwaru, Kota Malang, Jawa Timur", v.name())
        );
        assert_eq!(code("35").full_name(), "Jawa Timur");
    }

    #[test]
    fn is_within_follows_the_tree() {
        let v = code("35.73.05.1001");
        assert!(v.is_within(&v));
        assert!(v.is_within(&code("35.73.05")));
        assert!(v.is_within(&code("35.73")));
        assert!(v.is_within(&code("35")));
        assert!(!v.is_within(&code("35.07")));
        assert!(!v.is_within(&code("36")));
        assert!(!code("35").is_within(&v));
        assert!(!code("35.73").is_within(&code("35.07")));
    }

    #[test]
    fn children_are_one_level_down_and_sorted() {
        let provinces = children(None);
        assert_eq!(provinces.len(), 38);
        assert!(
            provinces
                .iter()
                .any(|(c, n)| c.as_str() == "35" && *n == "Jawa Timur")
        );
        assert!(provinces.windows(2).all(|w| w[0].0 < w[1].0));

        let jatim = children(Some(&code("35")));
        assert_eq!(jatim.len(), 38);
        assert_eq!(jatim[0].0.as_str(), "35.01");
        assert!(jatim.iter().all(|(c, _)| c.level() == RegionLevel::Regency));

        let malang: Vec<_> = children(Some(&code("35.73")))
            .into_iter()
            .map(|(c, n)| (c.as_str().to_string(), n))
            .collect();
        assert_eq!(
            malang,
            vec![
                ("35.73.01".to_string(), "Blimbing"),
                ("35.73.02".to_string(), "Klojen"),
                ("35.73.03".to_string(), "Kedungkandang"),
                ("35.73.04".to_string(), "Sukun"),
                ("35.73.05".to_string(), "Lowokwaru"),
            ]
        );
        let villages = children(Some(&code("35.73.05")));
        assert_eq!(villages.len(), 12);
        assert!(
            villages
                .iter()
                .all(|(c, _)| c.level() == RegionLevel::Village)
        );
        assert!(children(Some(&villages[0].0)).is_empty());
        // Surabaya: 31 kecamatan, per the reference table.
        assert_eq!(children(Some(&code("35.78"))).len(), 31);
    }

    #[test]
    fn serde_goes_through_parse() {
        let d: StrDeserializer<'_, DeError> = "3573".into_deserializer();
        assert_eq!(RegionCode::deserialize(d), Ok(code("35.73")));
        let d: StrDeserializer<'_, DeError> = "35.99".into_deserializer();
        assert!(RegionCode::deserialize(d).is_err());
        assert_eq!(code("35.73").to_string(), "35.73");
    }
}
