//! `guyub qris …`: QRIS tools for operators and support staff (docs/panduan-qris.md).
//!
//! - `check PAYLOAD`: exit 0 if the code is a valid QRIS (a summary on stdout), 1 if not (the
//!   reason on stderr). Warnings (what was forgiven) go to stderr either way.
//! - `decode PAYLOAD [--json]`: every tag with its name and value, templates expanded, and the
//!   verdict. Exits 0 whenever the text can be read as data objects at all, valid QRIS or not.
//! - `dynamic PAYLOAD --amount N [--fee-fixed N | --fee-percent P]`: prints the dynamic code
//!   and nothing else.
//! - `render PAYLOAD --out FILE.svg|FILE.png`: the QR image of the (valid) code.
//!
//! A PAYLOAD of `-` is read from standard input. All the rules live in
//! `guyub_core::payment`; this module only reads arguments and writes output.

use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use guyub_core::lang::Msg;
use guyub_core::money::Rupiah;
use guyub_core::payment::qr::{QUIET_ZONE, QrMatrix};
use guyub_core::payment::qris::{
    ConvenienceFee, Described, Fee, PointOfInitiation, Qris, QrisError, Tlv, describe,
};
use guyub_core::percent::BasisPoints;
use serde_json::{Value, json};

#[derive(Subcommand)]
pub enum QrisCmd {
    /// Check a QRIS code: exit 0 if valid, 1 if not (the reason on stderr).
    Check {
        /// The payload (the text inside the QR code), or `-` to read standard input.
        payload: String,
    },
    /// Show every tag of a code with its name and value, templates expanded.
    Decode {
        /// The payload, or `-` to read standard input.
        payload: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Turn a (static) QRIS into a dynamic one for one payment; prints only the new payload.
    Dynamic {
        /// The payload, or `-` to read standard input.
        payload: String,
        /// The amount in whole rupiah: 25000, 25.000 or "Rp 25.000".
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// A fixed convenience fee in rupiah (0: none).
        #[arg(long, conflicts_with = "fee_percent", allow_hyphen_values = true)]
        fee_fixed: Option<String>,
        /// A convenience fee in percent of the amount, below 100: 2.5 or 2,5 (0: none).
        #[arg(long, allow_hyphen_values = true)]
        fee_percent: Option<String>,
    },
    /// Draw the QR code of a valid QRIS as SVG or PNG (by the file's extension).
    Render {
        /// The payload, or `-` to read standard input.
        payload: String,
        /// The image file to write: FILE.svg or FILE.png.
        #[arg(long)]
        out: PathBuf,
        /// Pixels per QR module (PNG size; the SVG's default display size).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
        module_px: u32,
    },
}

pub fn run(cmd: QrisCmd) -> anyhow::Result<()> {
    match cmd {
        QrisCmd::Check { payload } => {
            let q = parse(&read_payload(&payload)?)?;
            for line in summary(&q) {
                println!("{line}");
            }
            Ok(())
        }
        QrisCmd::Decode { payload, json } => decode(&read_payload(&payload)?, json),
        QrisCmd::Dynamic {
            payload,
            amount,
            fee_fixed,
            fee_percent,
        } => {
            let amount =
                Rupiah::parse_positive(&amount).map_err(|e| bilingual("--amount", &e.msg()))?;
            let fee = match (fee_fixed, fee_percent) {
                (Some(f), _) => Some(Fee::Fixed(
                    Rupiah::parse(&f).map_err(|e| bilingual("--fee-fixed", &e.msg()))?,
                )),
                (None, Some(p)) => Some(Fee::Percent(
                    BasisPoints::parse(&p).map_err(|e| bilingual("--fee-percent", &e.msg()))?,
                )),
                (None, None) => None,
            };
            let q = parse(&read_payload(&payload)?)?;
            let d = q
                .to_dynamic(amount, fee)
                .map_err(|e| bilingual("dynamic", &e.msg()))?;
            println!("{}", d.as_str());
            Ok(())
        }
        QrisCmd::Render {
            payload,
            out,
            module_px,
        } => {
            let q = parse(&read_payload(&payload)?)?;
            render(&q, &out, module_px)
        }
    }
}

/// The argument, or standard input for `-`.
fn read_payload(arg: &str) -> anyhow::Result<String> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut s = String::new();
    // A payload is at most 512 characters; 64 KiB is plenty for that and any whitespace.
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut s)
        .context("reading the payload from standard input")?;
    Ok(s)
}

fn print_msg(prefix: (&str, &str), m: &Msg) {
    eprintln!("{}: {}", prefix.0, m.id);
    eprintln!("{}: {}", prefix.1, m.en);
}

/// Checks the payload; warnings go to stderr, an invalid code is an error (exit 1).
fn parse(text: &str) -> anyhow::Result<Qris> {
    match Qris::parse(text) {
        Ok(q) => {
            for w in q.warnings() {
                print_msg(("peringatan", "warning"), &w.msg());
            }
            Ok(q)
        }
        Err(e) => Err(invalid(&e)),
    }
}

/// An error in both languages, one per line (main prints it after `error: `).
fn bilingual(what: &str, m: &Msg) -> anyhow::Error {
    anyhow!("{what}: {}\n       {what}: {}", m.id, m.en)
}

fn invalid(e: &QrisError) -> anyhow::Error {
    let m = e.msg();
    anyhow!("QRIS tidak valid: {}\n       invalid QRIS: {}", m.id, m.en)
}

fn kind(q: &Qris) -> (&'static str, &'static str) {
    match q.point_of_initiation() {
        Some(PointOfInitiation::Static) => ("statis", "static"),
        Some(PointOfInitiation::Dynamic) => ("dinamis", "dynamic"),
        None => ("tidak disebut", "not stated"),
    }
}

/// What a support person reads out to a coop: who gets the money, and how.
fn summary(q: &Qris) -> Vec<String> {
    let (k_id, k_en) = kind(q);
    let mut lines = vec![
        format!("QRIS valid ({k_id} / {k_en})"),
        format!("Nama merchant / Merchant name: {}", q.merchant_name()),
        format!(
            "Kota / City: {}{}",
            q.merchant_city(),
            q.postal_code().map(|p| format!(" {p}")).unwrap_or_default()
        ),
        format!("NMID: {}", q.nmid().unwrap_or("-")),
    ];
    if let Some(a) = q.acquirer() {
        lines.push(format!(
            "PJSP / Acquirer: {} ({})",
            a.institution().unwrap_or("?"),
            a.gui
        ));
    }
    if let Some(c) = q.criteria() {
        lines.push(format!("Kriteria / Criteria: {c}"));
    }
    lines.push(format!("MCC: {}", q.mcc()));
    if let Some(a) = q.amount() {
        lines.push(format!("Nominal / Amount: {a}"));
    }
    match q.fee() {
        Some(ConvenienceFee::TipPrompt) => {
            lines.push("Tip: diminta dari pembayar / asked of the payer".into())
        }
        Some(ConvenienceFee::Fixed(f)) => lines.push(format!("Biaya / Fee: {f}")),
        Some(ConvenienceFee::Percent(p)) => lines.push(format!("Biaya / Fee: {p}")),
        None => {}
    }
    lines
}

fn decode(text: &str, as_json: bool) -> anyhow::Result<()> {
    // The same forgiveness as the check: surrounding whitespace is not part of the code.
    let start = text.trim_start_matches([' ', '\t', '\r', '\n']);
    let lead = text.len() - start.len();
    let trimmed = start.trim_end_matches([' ', '\t', '\r', '\n']);
    let tlv = Tlv::parse_at(trimmed, lead).map_err(|e| {
        let m = e.msg();
        anyhow!(
            "tidak dapat dibaca sebagai data QR: {}\n       cannot be read as QR data: {}",
            m.id,
            m.en
        )
    })?;
    let objects = describe(&tlv);
    let verdict = Qris::parse(text);
    if as_json {
        let out = decode_json(trimmed, &objects, &verdict);
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for o in &objects {
        print_described(o, 0);
    }
    match &verdict {
        Ok(q) => {
            for w in q.warnings() {
                print_msg(("peringatan", "warning"), &w.msg());
            }
            let (k_id, k_en) = kind(q);
            println!("Status: QRIS valid ({k_id} / {k_en})");
        }
        Err(e) => {
            let m = e.msg();
            println!("Status: tidak valid: {}", m.id);
            println!("        invalid: {}", m.en);
        }
    }
    Ok(())
}

fn print_described(d: &Described, depth: usize) {
    let indent = "    ".repeat(depth);
    let note = d
        .note
        .as_ref()
        .map(|n| {
            if n.id == n.en {
                format!("  ({})", n.id)
            } else {
                format!("  ({} / {})", n.id, n.en)
            }
        })
        .unwrap_or_default();
    if d.objects.is_empty() {
        println!(
            "{indent}{:<5} {} / {}: {}{note}",
            d.tag.to_string(),
            d.name.id,
            d.name.en,
            d.value
        );
    } else {
        println!(
            "{indent}{:<5} {} / {}{note}",
            d.tag.to_string(),
            d.name.id,
            d.name.en
        );
        for o in &d.objects {
            print_described(o, depth + 1);
        }
    }
}

fn decode_json(text: &str, objects: &[Described], verdict: &Result<Qris, QrisError>) -> Value {
    match verdict {
        Ok(q) => {
            let poi = q.point_of_initiation().map(|p| match p {
                PointOfInitiation::Static => "static",
                PointOfInitiation::Dynamic => "dynamic",
            });
            let acquirer = q
                .acquirer()
                .map(|a| json!({"gui": a.gui, "pan": a.pan, "name": a.institution()}));
            json!({
                "payload": q.as_str(),
                "valid": true,
                "warnings": q.warnings().iter().map(|w| w.msg()).collect::<Vec<_>>(),
                "summary": {
                    "point_of_initiation": poi,
                    "merchant_name": q.merchant_name(),
                    "merchant_city": q.merchant_city(),
                    "postal_code": q.postal_code(),
                    "nmid": q.nmid(),
                    "acquirer": acquirer,
                    "criteria": q.criteria(),
                    "mcc": q.mcc(),
                    "currency": q.currency(),
                    "country": q.country(),
                    "amount": q.amount().map(|a| a.to_string()),
                },
                "objects": objects,
            })
        }
        Err(e) => json!({
            "payload": text,
            "valid": false,
            "error": {
                "tag": e.tag(),
                "offset": e.offset(),
                "message": e.msg(),
            },
            "objects": objects,
        }),
    }
}

fn render(q: &Qris, out: &Path, module_px: u32) -> anyhow::Result<()> {
    let matrix = QrMatrix::new(q.as_str()).map_err(|e| bilingual("render", &e.msg()))?;
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("svg") => {
            let title = match q.amount() {
                Some(a) => format!("QRIS {} {a}", q.merchant_name()),
                None => format!("QRIS {}", q.merchant_name()),
            };
            std::fs::write(out, matrix.to_svg(module_px, &title))
                .with_context(|| format!("writing {}", out.display()))?;
        }
        Some("png") => write_png(&matrix, out, module_px)?,
        _ => bail!(
            "--out harus berakhiran .svg atau .png / --out must end in .svg or .png: {}",
            out.display()
        ),
    }
    println!(
        "{} ({}×{} modul / modules)",
        out.display(),
        matrix.width(),
        matrix.width()
    );
    Ok(())
}

/// An 8-bit greyscale PNG, `module_px` pixels per module, with the quiet zone.
///
/// Written with the `png` crate (image-rs's own PNG codec, the one the `image` crate uses
/// inside) rather than qrcode's `image` feature: that feature pulls the whole `image` crate
/// and its decoders for every format, to write one black-and-white PNG.
fn write_png(m: &QrMatrix, out: &Path, module_px: u32) -> anyhow::Result<()> {
    let scale = module_px as usize;
    let side_modules = m.width() + 2 * QUIET_ZONE;
    let side = side_modules * scale;
    let side_u32 = u32::try_from(side).context("image too large")?;
    let mut pixels = vec![255u8; side * side];
    for y in 0..m.width() {
        for x in 0..m.width() {
            if !m.is_dark(x, y) {
                continue;
            }
            let (px, py) = ((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale);
            for row in py..py + scale {
                pixels[row * side + px..row * side + px + scale].fill(0);
            }
        }
    }
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), side_u32, side_u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().context("writing the PNG header")?;
    w.write_image_data(&pixels)
        .context("writing the PNG image")?;
    w.finish().context("finishing the PNG")?;
    Ok(())
}
