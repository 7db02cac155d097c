//! Opening balances from a file (.xlsx or .csv): one row per member and savings product,
//! with the member named by member number or NIK, the product by its code and the balance in
//! whole rupiah (Indonesian format such as `1.250.000`, or a plain number). The date is one
//! for the whole file, chosen in the form.
//!
//! Reading turns bytes into rows of text; checking resolves each row against the coop (the
//! member, the product, the amount, the same member + product twice in the file, a member who
//! already has savings in that product) and says what is wrong with each row. The preview
//! keeps the rows as read; the commit checks them again against the books as they are then,
//! and posts all of them or none through `Tenant::commit_opening_import`.

use std::collections::HashMap;

use calamine::Data;
use guyub_core::ids::{ImportId, MemberId, ProductId, UserId};
use guyub_core::money::Rupiah;
use guyub_core::{FieldError, Msg};
use guyub_store::savings::Product;
use guyub_store::{Actor, Tenant};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::WebError;
use crate::table_file::{self, normalise_header};

/// The most rows a file may have.
pub use crate::table_file::MAX_ROWS;

/// The template's header row.
pub const TEMPLATE_HEADERS: [&str; 5] = ["no_anggota", "nik", "nama", "kode_produk", "saldo"];

/// The columns, with the header names accepted for each (lower case). `nama` is for the
/// person filling the file in and is not read.
const COLUMNS: [(&str, &[&str]); 5] = [
    (
        "member_no",
        &[
            "no_anggota",
            "no anggota",
            "nomor anggota",
            "nomor_anggota",
            "member_no",
        ],
    ),
    ("nik", &["nik", "no ktp", "nomor ktp"]),
    ("name", &["nama", "nama anggota", "nama lengkap", "name"]),
    (
        "product",
        &[
            "kode_produk",
            "kode produk",
            "produk",
            "product",
            "product_code",
        ],
    ),
    (
        "amount",
        &["saldo", "saldo awal", "saldo_awal", "jumlah", "amount"],
    ),
];

/// One data row as read: its row number in the file (the header is row 1) and its cells.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OpeningRow {
    pub line: usize,
    pub member_no: String,
    pub nik: String,
    pub name: String,
    pub product: String,
    /// The amount as text; a number cell of a spreadsheet is written as its digits (a
    /// fraction with a decimal comma, so that it is refused as cents).
    pub amount: String,
}

/// What reading a file gave.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<OpeningRow>,
    pub notes: Vec<Msg>,
}

/// What the store keeps of a previewed file (opaque to the store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// The opening date for every row.
    pub date: Date,
    pub notes: Vec<Msg>,
    pub rows: Vec<OpeningRow>,
}

impl Stored {
    pub fn parse(json: &str) -> Result<Stored, WebError> {
        serde_json::from_str(json).map_err(|e| WebError::Internal(format!("stored opening: {e}")))
    }
}

fn err(id: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(id, en)
}

/// Reads an opening-balance file (see `table_file::read` for what is accepted).
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Parsed, Msg> {
    let t = table_file::read(file_name, bytes, cell_text)?;
    build(t.records, t.notes)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
        // A fraction keeps its decimals with a comma, so the amount check refuses it as cents.
        Data::Float(f) => f.to_string().replace('.', ","),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
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
            .find(|(_, names)| names.iter().any(|a| *a == n || *a == n_us))
        {
            Some((key, _)) => {
                index.entry(key).or_insert(i);
            }
            None => unknown.push(h.trim().to_string()),
        }
    }
    let mut missing = vec![];
    if !index.contains_key("member_no") && !index.contains_key("nik") {
        missing.push("no_anggota / nik");
    }
    if !index.contains_key("product") {
        missing.push("kode_produk");
    }
    if !index.contains_key("amount") {
        missing.push("saldo");
    }
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
        rows.push(OpeningRow {
            line: i + 2,
            member_no: get(&rec, "member_no"),
            nik: get(&rec, "nik"),
            name: get(&rec, "name"),
            product: get(&rec, "product"),
            amount: get(&rec, "amount"),
        });
    }
    if rows.is_empty() {
        return Err(err(
            "Berkas tidak berisi baris saldo.",
            "The file has no balance rows.",
        ));
    }
    Ok(Parsed { rows, notes })
}

// ---------------------------------------------------------------------------------------------
// Checking

/// One row of the preview report.
#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    pub line: usize,
    /// The member as found (number and name), or as typed when not found.
    pub member: String,
    pub product: String,
    /// The amount as read (`Rp 1.250.000`), or as typed when it cannot be read.
    pub amount: String,
    /// Empty when the row is ready.
    pub problems: Vec<FieldError>,
}

/// Checks every row against the coop's members, products and savings. Returns the report
/// and, when no row has a problem, the rows to post.
pub async fn check_rows(
    tenant: &Tenant<'_>,
    rows: &[OpeningRow],
) -> Result<(Vec<RowReport>, Vec<(MemberId, ProductId, Rupiah)>), WebError> {
    let members = tenant.member_keys().await?;
    let products = tenant.products().await?;
    let held = tenant.savings_positions().await?;
    let by_no: HashMap<String, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.member_no.trim().to_uppercase(), i))
        .collect();
    let by_nik: HashMap<&str, usize> = members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.nik.as_deref().map(|n| (n, i)))
        .collect();
    let codes: Vec<&str> = products.iter().map(|p| p.code.as_str()).collect();
    let mut first_line: HashMap<(MemberId, ProductId), usize> = HashMap::new();
    let mut reports = Vec::with_capacity(rows.len());
    let mut ready = Vec::with_capacity(rows.len());
    for r in rows {
        let mut problems = vec![];
        // The member.
        let no = r.member_no.trim().to_uppercase();
        let nik: String = r.nik.chars().filter(|c| !c.is_whitespace()).collect();
        let by_number = (!no.is_empty()).then(|| by_no.get(&no).copied());
        let by_id_card = (!nik.is_empty()).then(|| by_nik.get(nik.as_str()).copied());
        let member = match (by_number, by_id_card) {
            (None, None) => {
                problems.push(FieldError::new(
                    "member",
                    Msg::new("Isi no_anggota atau nik.", "Fill in no_anggota or nik."),
                ));
                None
            }
            (Some(None), _) => {
                problems.push(FieldError::new(
                    "member",
                    Msg::new(
                        format!(
                            "Nomor anggota {} tidak ditemukan di koperasi ini.",
                            r.member_no.trim()
                        ),
                        format!(
                            "Member number {} is not found in this cooperative.",
                            r.member_no.trim()
                        ),
                    ),
                ));
                None
            }
            (_, Some(None)) => {
                problems.push(FieldError::new(
                    "member",
                    Msg::new(
                        "NIK ini tidak terdaftar sebagai anggota koperasi ini.",
                        "This NIK is not registered as a member of this cooperative.",
                    ),
                ));
                None
            }
            (Some(Some(a)), Some(Some(b))) if a != b => {
                problems.push(FieldError::new(
                    "member",
                    Msg::new(
                        format!(
                            "Nomor anggota {} dan NIK menunjuk anggota yang berbeda.",
                            r.member_no.trim()
                        ),
                        format!(
                            "Member number {} and the NIK name different members.",
                            r.member_no.trim()
                        ),
                    ),
                ));
                None
            }
            (Some(Some(i)), _) | (None, Some(Some(i))) => Some(&members[i]),
        };
        if let Some(m) = member
            && m.status != "aktif"
        {
            problems.push(FieldError::new(
                "member",
                Msg::new(
                    format!("{} ({}) sudah tidak aktif.", m.name, m.member_no),
                    format!("{} ({}) is no longer active.", m.name, m.member_no),
                ),
            ));
        }
        // The product.
        let code = r.product.trim().to_uppercase();
        let product: Option<&Product> = if code.is_empty() {
            problems.push(FieldError::new(
                "product",
                Msg::new("Isi kode_produk.", "Fill in kode_produk."),
            ));
            None
        } else {
            let p = products.iter().find(|p| p.code.to_uppercase() == code);
            if p.is_none() {
                problems.push(FieldError::new(
                    "product",
                    Msg::new(
                        format!(
                            "Kode produk {} tidak dikenal; pilih salah satu: {}.",
                            r.product.trim(),
                            codes.join(", ")
                        ),
                        format!(
                            "Product code {} is not known; use one of: {}.",
                            r.product.trim(),
                            codes.join(", ")
                        ),
                    ),
                ));
            }
            p
        };
        // The amount.
        let amount = match Rupiah::parse_positive(&r.amount) {
            Ok(a) => Some(a),
            Err(e) => {
                problems.push(FieldError::new("amount", e.msg()));
                None
            }
        };
        // The pair.
        if let (Some(m), Some(p)) = (member, product) {
            let key = (m.id, p.id);
            if let Some(line) = first_line.get(&key) {
                problems.push(FieldError::new(
                    "product",
                    Msg::new(
                        format!("Anggota dan produk ini sudah ada di baris {line} berkas ini."),
                        format!("This member and product are already on row {line} of this file."),
                    ),
                ));
            } else {
                first_line.insert(key, r.line);
            }
            if let Some(balance) = held.get(&key) {
                problems.push(FieldError::new(
                    "product",
                    Msg::new(
                        format!(
                            "{} sudah punya {} ({}); saldo awal hanya untuk simpanan yang belum tercatat.",
                            m.name,
                            p.name,
                            Rupiah(*balance)
                        ),
                        format!(
                            "{} already has {} ({}); opening balances are only for savings not yet recorded.",
                            m.name,
                            p.name,
                            Rupiah(*balance)
                        ),
                    ),
                ));
            }
            if problems.is_empty()
                && let Some(a) = amount
            {
                ready.push((m.id, p.id, a));
            }
        }
        reports.push(RowReport {
            line: r.line,
            member: match member {
                Some(m) => format!("{} · {}", m.member_no, m.name),
                None if !r.member_no.is_empty() => r.member_no.clone(),
                None if !r.name.is_empty() => r.name.clone(),
                None => String::new(),
            },
            product: product
                .map(|p| p.name.clone())
                .unwrap_or_else(|| r.product.clone()),
            amount: amount
                .map(|a| a.to_string())
                .unwrap_or_else(|| r.amount.clone()),
            problems,
        });
    }
    if reports.iter().any(|r| !r.problems.is_empty()) {
        ready.clear();
    }
    Ok((reports, ready))
}

/// The preview of a file: every row with its problems.
pub struct Preview {
    pub id: ImportId,
    pub rows: Vec<RowReport>,
    pub problem_rows: usize,
}

/// Checks and stores a file for preview.
pub async fn preview(
    tenant: &Tenant<'_>,
    by: UserId,
    file_name: &str,
    date: Date,
    parsed: Parsed,
) -> Result<Preview, WebError> {
    let (rows, _) = check_rows(tenant, &parsed.rows).await?;
    let problem_rows = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let stored = Stored {
        date,
        notes: parsed.notes,
        rows: parsed.rows,
    };
    let json = serde_json::to_string(&stored).map_err(|e| WebError::Internal(e.to_string()))?;
    let safe_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let id = tenant
        .save_opening_import(by, &safe_name, &json, rows.len(), problem_rows)
        .await?;
    Ok(Preview {
        id,
        rows,
        problem_rows,
    })
}

/// Commits a previewed file: checks every row again against the books as they are now, then
/// posts them all (one opening journal entry) or none.
pub async fn commit(tenant: &Tenant<'_>, actor: &Actor, id: ImportId) -> Result<usize, WebError> {
    let rec = tenant.opening_import(id).await?;
    if rec.status != "preview" {
        return Err(WebError::Conflict(Msg::new(
            "Saldo awal ini sudah disimpan sebelumnya; tidak ada yang ditulis lagi.",
            "These opening balances were already saved; nothing was written again.",
        )));
    }
    let stored = Stored::parse(&rec.rows_json)?;
    let (reports, ready) = check_rows(tenant, &stored.rows).await?;
    if let Some(bad) = reports.iter().find(|r| !r.problems.is_empty()) {
        let first = &bad.problems[0].msg;
        return Err(WebError::Conflict(Msg::new(
            format!(
                "Baris {} bermasalah: {} Tidak ada yang disimpan; perbaiki berkasnya lalu unggah ulang.",
                bad.line, first.id
            ),
            format!(
                "Row {} has a problem: {} Nothing was saved; fix the file and upload it again.",
                bad.line, first.en
            ),
        )));
    }
    Ok(tenant
        .commit_opening_import(actor, id, stored.date, &ready)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Templates

/// Example rows: the coop's first members (number and name) with its product codes, so the
/// template shows what a filled-in file looks like.
pub fn template_rows(examples: &[(String, String)], codes: &[String]) -> Vec<[String; 5]> {
    let code = |i: usize| codes.get(i).cloned().unwrap_or_else(|| "WAJIB".into());
    let mut out = vec![];
    for (i, (no, name)) in examples.iter().take(2).enumerate() {
        out.push([
            no.clone(),
            String::new(),
            name.clone(),
            code(0),
            if i == 0 { "100.000" } else { "250000" }.to_string(),
        ]);
    }
    if out.is_empty() {
        out.push([
            "KSP-00001".into(),
            String::new(),
            "Siti Aminah".into(),
            code(0),
            "100.000".into(),
        ]);
    }
    out
}

/// The template as .xlsx: the header, example rows, text-formatted number and NIK columns, a
/// `Rp` format on the balance, and a second sheet explaining each column.
pub fn template_xlsx(
    examples: &[(String, String)],
    products: &[(String, String)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("\"Rp\" #,##0");
    let ws = wb.add_worksheet();
    ws.set_name("saldo_awal")?;
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, if c == 2 { 28 } else { 20 })?;
        if c < 4 {
            ws.set_column_format(c, &text)?;
        } else {
            ws.set_column_format(c, &money)?;
        }
    }
    let codes: Vec<String> = products.iter().map(|(c, _)| c.clone()).collect();
    for (r, row) in template_rows(examples, &codes).iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate().take(4) {
            ws.write_string_with_format(r, c as u16, v, &text)?;
        }
        let amount = Rupiah::parse(&row[4]).map(|a| a.0).unwrap_or(0);
        ws.write_number_with_format(r, 4, amount as f64, &money)?;
    }
    let help = wb.add_worksheet();
    help.set_name("petunjuk")?;
    let mut lines: Vec<(String, String, String)> = vec![
        ("kolom".into(), "wajib".into(), "keterangan / notes".into()),
        (
            "no_anggota".into(),
            "salah satu / one of".into(),
            "nomor anggota di Guyub / the member number in Guyub".into(),
        ),
        (
            "nik".into(),
            "salah satu / one of".into(),
            "16 digit, format kolom Teks / 16 digits, format the column as Text".into(),
        ),
        (
            "nama".into(),
            "tidak / no".into(),
            "untuk Anda saja, tidak dibaca / for you only, not read".into(),
        ),
        (
            "kode_produk".into(),
            "ya / yes".into(),
            "kode produk simpanan (lihat di bawah) / savings product code (see below)".into(),
        ),
        (
            "saldo".into(),
            "ya / yes".into(),
            "rupiah utuh tanpa sen: 1.250.000 atau 1250000 / whole rupiah without cents".into(),
        ),
        (
            "tanggal".into(),
            String::new(),
            "dipilih di formulir unggah, satu untuk seluruh berkas / chosen in the upload form, one for the whole file".into(),
        ),
        (String::new(), String::new(), String::new()),
        ("kode_produk".into(), String::new(), "produk / product".into()),
    ];
    for (code, name) in products {
        lines.push((code.clone(), String::new(), name.clone()));
    }
    for (r, (a, b, c)) in lines.iter().enumerate() {
        let f = if r == 0 { &bold } else { &Format::new() };
        help.write_string_with_format(r as u32, 0, a, f)?;
        help.write_string_with_format(r as u32, 1, b, f)?;
        help.write_string_with_format(r as u32, 2, c, f)?;
    }
    help.set_column_width(0, 16)?;
    help.set_column_width(1, 20)?;
    help.set_column_width(2, 80)?;
    wb.save_to_buffer()
}

/// The template as .csv (UTF-8, comma separated; amounts as plain numbers).
pub fn template_csv(examples: &[(String, String)], codes: &[String]) -> String {
    let quote = |v: &str| {
        if v.contains(',') || v.contains('"') {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let mut out = TEMPLATE_HEADERS.join(",");
    out.push('\n');
    for row in template_rows(examples, codes) {
        let amount = Rupiah::parse(&row[4]).map(|a| a.0).unwrap_or(0).to_string();
        let cells = [
            quote(&row[0]),
            quote(&row[1]),
            quote(&row[2]),
            quote(&row[3]),
            amount,
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_aliases_and_indonesian_amounts() {
        let p = parse(
            "saldo.csv",
            "No Anggota;Nama;Kode Produk;Saldo Awal;Catatan\nA-1;Budi;wajib;1.250.000;x\n;;;;\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].member_no, "A-1");
        assert_eq!(p.rows[0].product, "wajib");
        assert_eq!(p.rows[0].amount, "1.250.000");
        assert!(p.notes.iter().any(|n| n.en.contains("Catatan")));
    }

    #[test]
    fn missing_columns_are_named() {
        let e = parse("a.csv", b"nama,saldo\nBudi,1\n").unwrap_err();
        assert!(e.id.contains("no_anggota / nik") && e.id.contains("kode_produk"));
    }

    #[test]
    fn number_cells_keep_their_value_and_fractions_are_cents() {
        assert_eq!(cell_text(&Data::Float(150000.0)), "150000");
        assert_eq!(
            Rupiah::parse(&cell_text(&Data::Float(1500.5))),
            Err(guyub_core::money::MoneyError::Cents)
        );
    }

    #[test]
    fn templates_read_back() {
        let ex = vec![("KSP-00001".to_string(), "Siti".to_string())];
        let products = vec![
            ("POKOK".to_string(), "Simpanan pokok".to_string()),
            ("WAJIB".to_string(), "Simpanan wajib".to_string()),
        ];
        let x = parse("t.xlsx", &template_xlsx(&ex, &products).unwrap()).unwrap();
        assert_eq!(x.rows.len(), 1);
        assert_eq!(x.rows[0].member_no, "KSP-00001");
        assert_eq!(x.rows[0].product, "POKOK");
        assert_eq!(x.rows[0].amount, "100000");
        let codes = vec!["POKOK".to_string()];
        let c = parse("t.csv", template_csv(&ex, &codes).as_bytes()).unwrap();
        assert_eq!(
            c.rows[0],
            OpeningRow {
                line: 2,
                ..x.rows[0].clone()
            }
        );
    }
}
