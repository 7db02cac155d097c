//! The QR images of QRIS codes scan back to the exact payload: the SVG's own path is drawn
//! into pixels and read with a QR decoder (rqrr), as a phone camera would.

use guyub_core::money::Rupiah;
use guyub_core::payment::qr::{QUIET_ZONE, QrMatrix, svg};
use guyub_core::payment::qris::Qris;

const GUREUM: &str = "00020101021126530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304455C";

/// Draws the `d` attribute of the SVG (runs `M{x} {y}h{n}v1h-{n}z`) at `scale` pixels per
/// module into a white square of `side` modules.
fn rasterise(svg: &str, side: usize, scale: usize) -> Vec<u8> {
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a path");
    let px = side * scale;
    let mut img = vec![255u8; px * px];
    for cmd in d.split('z').filter(|c| !c.is_empty()) {
        let rest = cmd.strip_prefix('M').expect("M");
        let (xy, run) = rest.split_once('h').expect("h");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
        let n: usize = run.split('v').next().expect("run").parse().expect("n");
        for row in y * scale..(y + 1) * scale {
            for col in x * scale..(x + n) * scale {
                img[row * px + col] = 0;
            }
        }
    }
    img
}

fn scan(img: &[u8], px: usize) -> String {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| img[y * px + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().expect("decodes").1
}

#[test]
fn static_and_dynamic_codes_scan_back_from_the_svg() {
    let q = Qris::parse(GUREUM).expect("valid");
    let d = q.to_dynamic(Rupiah(150_000), None).expect("converts");
    for payload in [q.as_str(), d.as_str()] {
        let m = QrMatrix::new(payload).expect("encodes");
        let s = m.to_svg(6, "QRIS GUREUM SHOP");
        let side = m.width() + 2 * QUIET_ZONE;
        assert!(s.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        let img = rasterise(&s, side, 4);
        assert_eq!(scan(&img, side * 4), payload);
        assert_eq!(svg(payload, 6, "QRIS GUREUM SHOP").expect("svg"), s);
    }
}

#[test]
fn the_longest_payload_still_fits_one_code() {
    // 512 characters, the EMVCo maximum, at level M.
    let m = QrMatrix::new(&"A".repeat(512)).expect("fits");
    assert!(m.width() <= 177);
}
