//! Reading an uploaded statement (a QRIS acquirer's settlement report or a bank's mutation
//! statement, .xlsx or .csv) into the lines the store imports. The columns and rows are the
//! core's to read (`payment::statement`); this module turns bytes into cells, and refuses the
//! whole file when a row cannot be read, so that nothing half-read is ever imported.

use calamine::Data;
use guyub_core::Msg;
use guyub_core::payment::request::StatementKind;
use guyub_core::payment::statement::{StatementLayout, parse_statement};
use guyub_store::payment::statement::NewStatement;
use sha2::{Digest, Sha256};

use crate::table_file;

/// The most row problems listed in one refusal (the rest are counted).
const MAX_LISTED: usize = 20;

/// One Excel cell as text: dates as Excel serial numbers (the core reads them), whole
/// numbers without a fraction.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads a statement file. On any unreadable row the whole file is refused, with every
/// problem (up to [`MAX_LISTED`]) by its line in the file.
pub fn read(file_name: &str, bytes: &[u8], kind: StatementKind) -> Result<NewStatement, Vec<Msg>> {
    let table = table_file::read(file_name, bytes, cell_text).map_err(|m| vec![m])?;
    let layout = StatementLayout::locate(&table.records).map_err(|m| vec![m])?;
    let parsed = parse_statement(&layout, &table.records);
    if !parsed.problems.is_empty() {
        let n = parsed.problems.len();
        let mut out: Vec<Msg> = parsed
            .problems
            .iter()
            .take(MAX_LISTED)
            .map(|p| {
                Msg::new(
                    format!("Baris {}: {}", p.row, p.msg.id),
                    format!("Line {}: {}", p.row, p.msg.en),
                )
            })
            .collect();
        if n > MAX_LISTED {
            out.push(Msg::new(
                format!("… dan {} masalah lain.", n - MAX_LISTED),
                format!("… and {} more problems.", n - MAX_LISTED),
            ));
        }
        return Err(out);
    }
    if parsed.lines.is_empty() {
        return Err(vec![Msg::new(
            "Berkas ini tidak berisi satu pun pembayaran masuk.",
            "This file holds no incoming payment.",
        )]);
    }
    let sha256 = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(NewStatement {
        file_name: file_name.chars().take(200).collect(),
        sha256,
        kind,
        lines: parsed.lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qris_report_reads_and_a_bad_row_refuses_the_file() {
        let csv = "Tanggal,Nominal,MDR,Net,RRN,Nama Pembayar\n2026-11-30 10:01:00,50001,350,49651,611234,SITI\n2026-11-30 10:05:00,75002,525,74477,611235,BUDI\n";
        let s = read("laporan.csv", csv.as_bytes(), StatementKind::Qris).expect("reads");
        assert_eq!(s.lines.len(), 2);
        assert_eq!(s.sha256.len(), 64);
        assert_eq!(s.lines[0].fee.map(|f| f.0), Some(350));

        let bad = "Tanggal,Nominal,RRN\n2026-11-30,50001,1\nkemarin,5000,2\n";
        let e = read("x.csv", bad.as_bytes(), StatementKind::Qris).unwrap_err();
        assert!(e[0].id.starts_with("Baris 3:"), "{e:?}");

        let unknown = "Foo,Bar\n1,2\n";
        assert!(read("x.csv", unknown.as_bytes(), StatementKind::Bank).is_err());
        assert!(read("x.csv", b"", StatementKind::Bank).is_err());
    }

    /// A bank statement as Excel saves it: a preamble above the header, real date-time
    /// cells, numbers as numbers, a D/K column; debits are not payments to the coop.
    #[test]
    fn an_excel_bank_statement_reads() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let fmt = Format::new().set_num_format("dd/mm/yyyy hh:mm");
        ws.write(0, 0, "Rekening: 0012345678 KSP ARTA MANDIRI")
            .unwrap();
        ws.write(1, 0, "Periode: 01/11/2026 - 30/11/2026").unwrap();
        for (c, h) in ["Tanggal", "Keterangan", "Mutasi", "D/K"]
            .iter()
            .enumerate()
        {
            ws.write(3, c as u16, *h).unwrap();
        }
        let rows = [
            (
                "TRSF E-BANKING CR 3011/FTSCY GY7K3Q9P SITI AMINAH",
                150_123.0,
                "K",
            ),
            ("BIAYA ADM", 10_000.0, "D"),
            ("TRSF E-BANKING CR 3011/FTSCY BUDI", 75_002.0, "K"),
        ];
        for (i, (desc, amount, dk)) in rows.iter().enumerate() {
            let r = 4 + i as u32;
            let when = ExcelDateTime::from_ymd(2026, 11, 30)
                .unwrap()
                .and_hms(9, i as u8, 0)
                .unwrap();
            ws.write_datetime_with_format(r, 0, &when, &fmt).unwrap();
            ws.write(r, 1, *desc).unwrap();
            ws.write(r, 2, *amount).unwrap();
            ws.write(r, 3, *dk).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let s = read("mutasi.xlsx", &bytes, StatementKind::Bank).expect("reads");
        assert_eq!(
            s.lines.len(),
            2,
            "the debit is not a payment: {:?}",
            s.lines
        );
        assert_eq!(s.lines[0].amount.0, 150_123);
        assert_eq!(s.lines[0].at.to_string(), "2026-11-30 9:00:00.0");
        assert!(s.lines[0].description.contains("GY7K3Q9P"));
        assert_eq!(s.lines[1].amount.0, 75_002);
    }
}
