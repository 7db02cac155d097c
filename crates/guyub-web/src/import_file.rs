//! Reading a member spreadsheet (.xlsx or .csv) into rows of text, with every file-level
//! problem explained: not a spreadsheet, missing columns, a CSV in Windows-1252 (read
//! correctly, and said so), numbers where text was expected.
//!
//! Validation of the rows themselves is the core's (`validate_member`); this module only
//! turns bytes into named cells.

use std::collections::HashMap;

use calamine::Data;
use guyub_core::Msg;
use serde::{Deserialize, Serialize};

/// The most data rows a file may have.
pub use crate::table_file::MAX_ROWS;
use crate::table_file::{self, normalise_header};

/// One data row: its row number in the file (the header is row 1) and its cells by column.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RawRow {
    pub line: usize,
    pub nik: String,
    pub name: String,
    pub birth_place: String,
    pub birth_date: String,
    pub address: String,
    pub region_code: String,
    pub phone: String,
    pub occupation: String,
    pub joined_on: String,
}

/// The columns of the template, with the header names accepted for each (lower case).
pub const COLUMNS: [(&str, &[&str], bool); 9] = [
    ("nik", &["nik", "no ktp", "nomor ktp"], true),
    ("name", &["nama", "nama lengkap", "name"], true),
    (
        "birth_place",
        &["tempat_lahir", "tempat lahir", "birth_place"],
        true,
    ),
    (
        "birth_date",
        &["tanggal_lahir", "tanggal lahir", "tgl lahir", "birth_date"],
        true,
    ),
    ("address", &["alamat", "address"], true),
    (
        "region_code",
        &["kode_wilayah", "kode wilayah", "kode desa", "region_code"],
        true,
    ),
    (
        "phone",
        &["telepon", "no hp", "nomor hp", "hp", "phone"],
        false,
    ),
    ("occupation", &["pekerjaan", "occupation"], false),
    (
        "joined_on",
        &[
            "tanggal_masuk",
            "tanggal masuk",
            "tanggal bergabung",
            "joined_on",
        ],
        false,
    ),
];

/// The template's header row, as written in the downloadable files.
pub const TEMPLATE_HEADERS: [&str; 9] = [
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "alamat",
    "kode_wilayah",
    "telepon",
    "pekerjaan",
    "tanggal_masuk",
];

/// An example row for the template (a valid NIK of Kota Malang).
pub const TEMPLATE_EXAMPLE: [&str; 9] = [
    "3573015708900002",
    "Siti Aminah",
    "Malang",
    "1990-08-17",
    "Jl. Soekarno Hatta No. 9",
    "35.73.05.1001",
    "0812-3456-7890",
    "Pedagang",
    "2024-01-15",
];

/// What reading a file gave.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<RawRow>,
    /// Things the reader forgave and wants said (encoding, ignored columns).
    pub notes: Vec<Msg>,
}

fn err(id: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(id, en)
}

/// Reads a member file (see `table_file::read` for what is accepted).
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Parsed, Msg> {
    let t = table_file::read(file_name, bytes, cell_text)?;
    build(t.records, t.notes)
}

/// Days from 1899-12-30 (Excel's day 0 in the 1900 system) to a date.
fn excel_date(serial: f64, is_1904: bool) -> Option<String> {
    let base = time::Date::from_calendar_date(
        if is_1904 { 1904 } else { 1899 },
        if is_1904 {
            time::Month::January
        } else {
            time::Month::December
        },
        if is_1904 { 1 } else { 30 },
    )
    .ok()?;
    let d = base.checked_add(time::Duration::days(serial.floor() as i64))?;
    Some(d.to_string())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64(), false).unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn build(records: Vec<Vec<String>>, mut notes: Vec<Msg>) -> Result<Parsed, Msg> {
    let mut it = records.into_iter();
    let header = it.next().ok_or_else(|| {
        err(
            "Berkas tidak berisi baris judul kolom.",
            "The file has no header row.",
        )
    })?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut unknown = vec![];
    for (i, h) in header.iter().enumerate() {
        let n = normalise_header(h);
        if n.is_empty() {
            continue;
        }
        let n_us = n.replace(' ', "_");
        match COLUMNS
            .iter()
            .find(|(_, names, _)| names.iter().any(|a| *a == n || *a == n_us))
        {
            Some((key, _, _)) => {
                index.entry(key).or_insert(i);
            }
            None => unknown.push(h.trim().to_string()),
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(TEMPLATE_HEADERS)
        .filter(|((key, _, required), _)| *required && !index.contains_key(key))
        .map(|(_, h)| h)
        .collect();
    if !missing.is_empty() {
        return Err(err(
            format!(
                "Kolom wajib tidak ada: {}. Gunakan templat (baris pertama berisi judul kolom).",
                missing.join(", ")
            ),
            format!(
                "Required columns are missing: {}. Use the template (the first row holds the column names).",
                missing.join(", ")
            ),
        ));
    }
    if !unknown.is_empty() {
        notes.push(err(
            format!(
                "Kolom ini tidak dikenal dan diabaikan: {}.",
                unknown.join(", ")
            ),
            format!(
                "These columns are not known and were ignored: {}.",
                unknown.join(", ")
            ),
        ));
    }
    let get = |rec: &[String], key: &str| {
        index
            .get(key)
            .and_then(|i| rec.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut rows = vec![];
    for (i, rec) in it.enumerate() {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(RawRow {
            line: i + 2,
            nik: get(&rec, "nik"),
            name: get(&rec, "name"),
            birth_place: get(&rec, "birth_place"),
            birth_date: get(&rec, "birth_date"),
            address: get(&rec, "address"),
            region_code: get(&rec, "region_code"),
            phone: get(&rec, "phone"),
            occupation: get(&rec, "occupation"),
            joined_on: get(&rec, "joined_on"),
        });
    }
    if rows.is_empty() {
        return Err(err(
            "Berkas tidak berisi baris data anggota.",
            "The file has no member rows.",
        ));
    }
    Ok(Parsed { rows, notes })
}

/// The template as .xlsx: the header, an example row, the NIK and code columns as text, and
/// a second sheet explaining each column.
pub fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("anggota")?;
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, 20)?;
        ws.set_column_format(c, &text)?;
    }
    for (c, v) in TEMPLATE_EXAMPLE.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *v, &text)?;
    }
    let help = wb.add_worksheet();
    help.set_name("petunjuk")?;
    let lines = [
        ("kolom", "wajib", "keterangan / notes"),
        (
            "nik",
            "ya",
            "16 digit, format kolom Teks / 16 digits, format the column as Text",
        ),
        (
            "nama",
            "ya",
            "nama lengkap sesuai KTP / full name as on the ID card",
        ),
        (
            "tempat_lahir",
            "ya",
            "kota/kabupaten lahir / place of birth",
        ),
        (
            "tanggal_lahir",
            "ya",
            "YYYY-MM-DD atau DD-MM-YYYY; harus cocok dengan NIK / must match the NIK",
        ),
        ("alamat", "ya", "jalan, RT/RW / street"),
        (
            "kode_wilayah",
            "ya",
            "kode desa/kelurahan Kemendagri, contoh 35.73.05.1001 / village code",
        ),
        ("telepon", "tidak", "contoh 0812-3456-7890"),
        ("pekerjaan", "tidak", "pekerjaan / occupation"),
        (
            "tanggal_masuk",
            "tidak",
            "tanggal menjadi anggota; kosong = hari ini / joining date; empty = today",
        ),
    ];
    for (r, (a, b, c)) in lines.iter().enumerate() {
        let f = if r == 0 { &bold } else { &Format::new() };
        help.write_string_with_format(r as u32, 0, *a, f)?;
        help.write_string_with_format(r as u32, 1, *b, f)?;
        help.write_string_with_format(r as u32, 2, *c, f)?;
    }
    help.set_column_width(0, 16)?;
    help.set_column_width(2, 80)?;
    wb.save_to_buffer()
}

/// The template as .csv (UTF-8, comma separated).
pub fn template_csv() -> String {
    format!(
        "{}\n{}\n",
        TEMPLATE_HEADERS.join(","),
        TEMPLATE_EXAMPLE
            .iter()
            .map(|v| if v.contains(',') {
                format!("\"{v}\"")
            } else {
                v.to_string()
            })
            .collect::<Vec<_>>()
            .join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_and_aliases() {
        let p = parse("a.csv", "NIK;Nama Lengkap;Tempat Lahir;Tanggal Lahir;Alamat;Kode Wilayah;Hobi\n1;Budi;Malang;1990-01-01;Jl;35.73.05.1001;x\n;;;;;;\n".as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].name, "Budi");
        assert_eq!(p.rows[0].line, 2);
        assert!(p.notes.iter().any(|n| n.en.contains("Hobi")));
    }

    #[test]
    fn windows_1252_is_decoded_and_said() {
        let mut bytes = b"nik,nama,tempat_lahir,tanggal_lahir,alamat,kode_wilayah\n1,Andr".to_vec();
        bytes.push(0xE9); // é in Windows-1252
        bytes.extend_from_slice(b",Kediri,1990-01-01,Jl,35.73\n");
        let p = parse("a.csv", &bytes).unwrap();
        assert_eq!(p.rows[0].name, "André");
        assert!(p.notes.iter().any(|n| n.en.contains("Windows-1252")));
    }

    #[test]
    fn missing_columns_are_named() {
        let e = parse("a.csv", b"nik,nama\n1,Budi\n").unwrap_err();
        assert!(
            e.id.contains("tanggal_lahir") && e.id.contains("kode_wilayah"),
            "{}",
            e.id
        );
    }

    #[test]
    fn fake_xlsx_is_refused() {
        let e = parse("anggota.xlsx", b"nik,nama\n").unwrap_err();
        assert!(e.en.contains("not a valid Excel"));
        assert!(parse("x.pdf", b"%PDF").is_err());
        assert!(parse("a.csv", b"").is_err());
    }

    #[test]
    fn template_xlsx_reads_back() {
        let bytes = template_xlsx().unwrap();
        let p = parse("templat.xlsx", &bytes).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].nik, TEMPLATE_EXAMPLE[0]);
        assert_eq!(p.rows[0].region_code, "35.73.05.1001");
        let c = parse("t.csv", template_csv().as_bytes()).unwrap();
        assert_eq!(
            c.rows[0],
            RawRow {
                line: 2,
                ..p.rows[0].clone()
            }
        );
    }
}
