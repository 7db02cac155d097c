//! Reading a spreadsheet people upload (.xlsx or .csv) into rows of text cells, shared by the
//! member import and the opening-balance import. Each import maps the header row to its own
//! columns and checks its own rows; this module only decides the format from the content,
//! decodes CSV (UTF-8, or Windows-1252 said in a note), and caps the size.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use guyub_core::Msg;

/// The most data rows a file may have.
pub const MAX_ROWS: usize = 100_000;

/// The cells of a file, the header first, and the notes about what the reader forgave.
pub struct Table {
    pub records: Vec<Vec<String>>,
    pub notes: Vec<Msg>,
}

/// How one Excel cell becomes text (each import decides dates and fractions its own way).
pub type CellText = fn(&Data) -> String;

fn err(id: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(id, en)
}

/// Reads a file. The format is decided by its content (a ZIP is an .xlsx), and a name that
/// promises Excel while the content is not is refused.
pub fn read(file_name: &str, bytes: &[u8], cell: CellText) -> Result<Table, Msg> {
    if bytes.is_empty() {
        return Err(err("Berkas kosong.", "The file is empty."));
    }
    let lower = file_name.to_lowercase();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        if !is_zip {
            return Err(err(
                "Berkas ini bukan file Excel .xlsx yang sah (isinya bukan format Excel). Simpan ulang dari Excel sebagai .xlsx atau .csv.",
                "This file is not a valid Excel .xlsx file (its content is not Excel). Save it again from Excel as .xlsx or .csv.",
            ));
        }
        return read_xlsx(bytes, cell);
    }
    if lower.ends_with(".xls") {
        return Err(err(
            "Format .xls (Excel lama) tidak didukung. Simpan ulang sebagai .xlsx atau .csv.",
            "The old .xls format is not supported. Save it again as .xlsx or .csv.",
        ));
    }
    if is_zip {
        return read_xlsx(bytes, cell);
    }
    if lower.ends_with(".csv") || lower.ends_with(".txt") || !lower.contains('.') {
        return read_csv(bytes);
    }
    Err(err(
        "Jenis berkas tidak dikenal. Unggah berkas .xlsx atau .csv.",
        "Unknown file type. Upload an .xlsx or .csv file.",
    ))
}

/// Windows-1252 bytes 0x80–0x9F (the rest of the upper half is Latin-1).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

fn decode_text(bytes: &[u8], notes: &mut Vec<Msg>) -> Result<String, Msg> {
    if bytes.contains(&0) {
        return Err(err(
            "Berkas ini bukan teks CSV (berisi data biner). Unggah .xlsx atau .csv.",
            "This file is not CSV text (it contains binary data). Upload an .xlsx or .csv.",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            notes.push(err(
                "Berkas CSV tidak dalam UTF-8; dibaca sebagai Windows-1252 (bawaan Excel Windows). Periksa huruf khusus pada pratinjau.",
                "The CSV file is not UTF-8; it was read as Windows-1252 (Excel on Windows). Check special letters in the preview.",
            ));
            Ok(bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9F => CP1252[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect())
        }
    }
}

fn too_many() -> Msg {
    err(
        format!("Berkas berisi lebih dari {MAX_ROWS} baris. Pecah menjadi beberapa berkas."),
        format!("The file has more than {MAX_ROWS} rows. Split it into several files."),
    )
}

fn read_csv(bytes: &[u8]) -> Result<Table, Msg> {
    let mut notes = vec![];
    let text = decode_text(bytes, &mut notes)?;
    let first = text.lines().next().unwrap_or("");
    // Excel in an Indonesian locale writes ';' (the comma is the decimal sign there).
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = vec![];
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            err(
                format!("CSV baris {} tidak dapat dibaca: {e}", i + 1),
                format!("CSV line {} cannot be read: {e}", i + 1),
            )
        })?;
        records.push(rec.iter().map(str::to_string).collect());
        if records.len() > MAX_ROWS + 1 {
            return Err(too_many());
        }
    }
    Ok(Table { records, notes })
}

fn read_xlsx(bytes: &[u8], cell: CellText) -> Result<Table, Msg> {
    let bad = || {
        err(
            "Berkas Excel rusak atau tidak dapat dibaca. Simpan ulang dari Excel lalu unggah lagi.",
            "The Excel file is damaged or cannot be read. Save it again from Excel and upload it again.",
        )
    };
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| bad())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(bad)?
        .map_err(|_| bad())?;
    if range.height() > MAX_ROWS + 1 {
        return Err(too_many());
    }
    let mut notes = vec![];
    // A NIK typed as a number loses digits beyond 2^53 and shows as 3.57E+15 in Excel.
    if range
        .rows()
        .skip(1)
        .any(|r| r.iter().any(|c| matches!(c, Data::Float(f) if *f > 9.0e15)))
    {
        notes.push(err(
            "Beberapa NIK tersimpan sebagai angka di Excel; angka sebesar itu bisa kehilangan digit. Format kolom NIK sebagai Teks.",
            "Some NIKs are stored as numbers in Excel; numbers that large can lose digits. Format the NIK column as Text.",
        ));
    }
    let records = range.rows().map(|r| r.iter().map(cell).collect()).collect();
    Ok(Table { records, notes })
}

/// A header cell as the imports compare it: trimmed, lower case, `-` and `.` as spaces.
pub fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['-', '.'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
