//! The member import's steps between the file reader and the store: validate each row with
//! the core's rules, find duplicates within the file and in the register, and re-validate
//! at commit time. Shared by the pages, the API and the `guyub import` command.

use std::collections::HashMap;

use guyub_core::ids::{ImportId, UserId};
use guyub_core::member::{MemberInput, ValidMember, validate_member};
use guyub_core::{FieldError, Msg};
use guyub_store::{Actor, Tenant};
use serde::Serialize;

use crate::error::WebError;
use crate::import_file::{Parsed, RawRow};

/// What the store keeps of a previewed file (opaque text to the store): the rows as read and
/// the notes about the file, so the preview page can be shown again after a redirect.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Stored {
    pub notes: Vec<Msg>,
    pub rows: Vec<RawRow>,
}

impl Stored {
    pub fn parse(json: &str) -> Result<Stored, WebError> {
        serde_json::from_str(json).map_err(|e| WebError::Internal(format!("stored import: {e}")))
    }
}

/// One row of the preview report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowReport {
    /// The row's number in the file (the header is row 1).
    pub line: usize,
    pub nik: String,
    pub name: String,
    /// Empty when the row is ready to import.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<FieldError>,
}

/// The preview of a file: every row with its problems, and the notes about the file.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub id: ImportId,
    pub rows: Vec<RowReport>,
    pub notes: Vec<Msg>,
    pub problem_rows: usize,
}

fn input(r: &RawRow) -> MemberInput {
    MemberInput {
        nik: r.nik.clone(),
        name: r.name.clone(),
        birth_place: r.birth_place.clone(),
        birth_date: r.birth_date.clone(),
        address: r.address.clone(),
        region_code: r.region_code.clone(),
        phone: r.phone.clone(),
        occupation: r.occupation.clone(),
        joined_on: r.joined_on.clone(),
    }
}

/// Validates every row: the core's rules, the same NIK twice in the file, a NIK already in
/// the register (naming the member who has it).
pub async fn check_rows(
    tenant: &Tenant<'_>,
    rows: &[RawRow],
    today: time::Date,
) -> Result<(Vec<RowReport>, Vec<ValidMember>), WebError> {
    let mut reports = Vec::with_capacity(rows.len());
    let mut valid = Vec::with_capacity(rows.len());
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::with_capacity(rows.len());
    for r in rows {
        results.push(validate_member(&input(r), today));
    }
    let niks: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|v| v.nik.as_str().to_string())
        .collect();
    let existing = tenant.existing_niks(&niks).await?;
    for (r, res) in rows.iter().zip(results) {
        let mut problems = vec![];
        match res {
            Ok(v) => {
                let nik = v.nik.as_str().to_string();
                if let Some(line) = first_line.get(&nik) {
                    problems.push(FieldError::new(
                        "nik",
                        Msg::new(
                            format!("NIK ini sudah ada di baris {line} berkas ini."),
                            format!("This NIK is already on row {line} of this file."),
                        ),
                    ));
                } else {
                    first_line.insert(nik.clone(), r.line);
                }
                if let Some((no, name)) = existing.get(&nik) {
                    problems.push(FieldError::new(
                        "nik",
                        Msg::new(
                            format!(
                                "NIK ini sudah terdaftar atas nama {name} (nomor anggota {no})."
                            ),
                            format!(
                                "This NIK is already registered to {name} (member number {no})."
                            ),
                        ),
                    ));
                }
                if problems.is_empty() {
                    valid.push(v);
                }
            }
            Err(e) => problems = e,
        }
        reports.push(RowReport {
            line: r.line,
            nik: r.nik.clone(),
            name: r.name.clone(),
            problems,
        });
    }
    Ok((reports, valid))
}

/// Reads, checks and stores a file for preview.
pub async fn preview(
    tenant: &Tenant<'_>,
    by: UserId,
    file_name: &str,
    parsed: Parsed,
    today: time::Date,
) -> Result<Preview, WebError> {
    let (rows, _) = check_rows(tenant, &parsed.rows, today).await?;
    let problem_rows = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let stored = Stored {
        notes: parsed.notes.clone(),
        rows: parsed.rows,
    };
    let json = serde_json::to_string(&stored).map_err(|e| WebError::Internal(e.to_string()))?;
    let safe_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let id = tenant
        .save_import(by, &safe_name, &json, rows.len(), problem_rows)
        .await?;
    Ok(Preview {
        id,
        rows,
        notes: parsed.notes,
        problem_rows,
    })
}

/// Commits a previewed import: re-checks every row against today's register, then registers
/// them all or none.
pub async fn commit(
    tenant: &Tenant<'_>,
    actor: &Actor,
    id: ImportId,
    today: time::Date,
) -> Result<usize, WebError> {
    let rec = tenant.import(id).await?;
    // Opening-balance previews share the table; they are not member imports.
    if rec.file_name.starts_with("saldo-awal:") {
        return Err(WebError::NotFound);
    }
    if rec.status != "preview" {
        return Err(WebError::Conflict(Msg::new(
            "Impor ini sudah disimpan sebelumnya; tidak ada yang ditulis lagi.",
            "This import was already saved; nothing was written again.",
        )));
    }
    let rows = Stored::parse(&rec.rows_json)?.rows;
    let (reports, valid) = check_rows(tenant, &rows, today).await?;
    if let Some(bad) = reports.iter().find(|r| !r.problems.is_empty()) {
        let first = &bad.problems[0].msg;
        return Err(WebError::Conflict(Msg::new(
            format!(
                "Baris {} sekarang bermasalah: {} Tidak ada yang disimpan; unggah ulang berkasnya.",
                bad.line, first.id
            ),
            format!(
                "Row {} now has a problem: {} Nothing was saved; upload the file again.",
                bad.line, first.en
            ),
        )));
    }
    Ok(tenant.commit_import(actor, id, &valid).await?)
}
