//! QR codes: a payload as a square of dark and light modules, and that square as SVG.
//!
//! Error correction level M (15 % of the code may be damaged or dirty and still scan), as the
//! QRIS tools surveyed use; a quiet zone of 4 modules around the code, as the QR standard
//! requires. The SVG scales to any size without blur (`viewBox` in modules,
//! `shape-rendering="crispEdges"`), so the web can make it as large as the screen allows.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

use crate::lang::Msg;

/// Light modules the QR standard requires around the code.
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// More data than the largest QR code holds at level M (about 2,300 characters).
    TooLong,
    /// Anything else the encoder refused.
    Encoding(String),
}

impl QrError {
    pub fn msg(&self) -> Msg {
        match self {
            QrError::TooLong => Msg::new(
                "Data terlalu panjang untuk satu kode QR",
                "The data is too long for one QR code",
            ),
            QrError::Encoding(e) => Msg::new(
                format!("Kode QR tidak dapat dibuat: {e}"),
                format!("The QR code cannot be made: {e}"),
            ),
        }
    }
}

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

/// The modules of a QR code, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `data` at error correction level M.
    pub fn new(data: &str) -> Result<QrMatrix, QrError> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(
            |e| match e {
                qrcode::types::QrError::DataTooLong => QrError::TooLong,
                other => QrError::Encoding(other.to_string()),
            },
        )?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(QrMatrix { width, dark })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The SVG image of the code with its quiet zone. `module_px`: the size of a module in the
    /// `width`/`height` attributes (the image scales freely anyway). `title`: the accessible
    /// name (`<title>`), e.g. "QRIS Koperasi Sumber Rejeki, Rp 25.000".
    pub fn to_svg(&self, module_px: u32, title: &str) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let px = side * module_px.max(1) as usize;
        let mut path = String::with_capacity(self.width * self.width);
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                let _ = write!(
                    path,
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                );
            }
        }
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {side} {side}" "#,
                r#"width="{px}" height="{px}" shape-rendering="crispEdges" role="img">"#,
                r#"<title>{title}</title>"#,
                r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{path}"/></svg>"##
            ),
            side = side,
            px = px,
            title = escape_xml(title),
            path = path,
        )
    }
}

/// `data` as an SVG QR code (level M, quiet zone, `module_px` per module, `title` for screen
/// readers). Pure: the caller decides where it goes.
pub fn svg(data: &str, module_px: u32, title: &str) -> Result<String, QrError> {
    Ok(QrMatrix::new(data)?.to_svg(module_px, title))
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_with_quiet_zone_and_title() {
        let m = QrMatrix::new("000201010211").expect("encodes");
        assert_eq!(m.width(), 21);
        // The three finder patterns: dark corners.
        assert!(m.is_dark(0, 0) && m.is_dark(20, 0) && m.is_dark(0, 20));
        assert!(!m.is_dark(21, 0));
        let s = m.to_svg(8, "QRIS <Koperasi & Co>");
        assert!(s.starts_with("<svg"));
        assert!(s.contains(r#"viewBox="0 0 29 29""#));
        assert!(s.contains(r#"width="232""#));
        assert!(s.contains("<title>QRIS &lt;Koperasi &amp; Co&gt;</title>"));
        assert!(s.contains("M4 4h7v1h-7z"));
    }

    #[test]
    fn too_long_is_an_error() {
        let e = svg(&"A".repeat(5000), 4, "x").unwrap_err();
        assert_eq!(e, QrError::TooLong);
        assert!(e.msg().en.contains("too long"));
    }
}
