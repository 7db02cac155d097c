//! Reading a QR code from a photo or screenshot (the coop's QRIS sticker, on the payment
//! settings page).
//!
//! PNG (screenshots) and JPEG (phone photos) only, decoded by small dedicated decoders (`png`,
//! `zune-jpeg`) rather than the whole `image` crate, turned into grey pixels here, and handed to
//! `rqrr`. Big images are refused before their pixels are allocated.

use std::io::Cursor;

use guyub_core::Msg;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The largest image read: 40 megapixels (a 12 MP phone photo is well inside).
const MAX_PIXELS: usize = 40_000_000;
/// The longest side accepted, in pixels.
const MAX_SIDE: usize = 12_000;

/// A greyscale image, one byte per pixel, row by row.
struct Grey {
    width: usize,
    height: usize,
    luma: Vec<u8>,
}

/// The text of the QR code in a PNG or JPEG image.
pub fn read_qr(bytes: &[u8]) -> Result<String, Msg> {
    let img = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_grey(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_grey(bytes)?
    } else {
        return Err(Msg::new(
            "Gambar harus berformat PNG atau JPEG (foto atau tangkapan layar stiker QRIS).",
            "The image must be a PNG or JPEG (a photo or screenshot of the QRIS sticker).",
        ));
    };
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.width, img.height, |x, y| {
            img.luma[y * img.width + x]
        });
    for grid in prepared.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            return Ok(text);
        }
    }
    Err(Msg::new(
        "Tidak ada kode QR yang terbaca di gambar ini. Foto stiker lebih dekat, lurus dan terang, atau tempel isi QRIS-nya.",
        "No QR code could be read in this image. Photograph the sticker closer, straight and well lit, or paste the QRIS text.",
    ))
}

fn unreadable() -> Msg {
    Msg::new(
        "Gambar tidak dapat dibaca (berkas rusak atau bukan PNG/JPEG).",
        "The image cannot be read (a damaged file, or not a PNG/JPEG).",
    )
}

fn too_big() -> Msg {
    Msg::new(
        "Gambar terlalu besar; perkecil ukurannya (paling banyak 40 megapiksel).",
        "The image is too large; make it smaller (at most 40 megapixels).",
    )
}

fn check_size(width: usize, height: usize) -> Result<(), Msg> {
    if width == 0 || height == 0 {
        return Err(unreadable());
    }
    if width > MAX_SIDE || height > MAX_SIDE || width.saturating_mul(height) > MAX_PIXELS {
        return Err(too_big());
    }
    Ok(())
}

/// ITU-R BT.601 luma from 8-bit RGB, in integers.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000) as u8
}

/// A grey value with alpha `a`, composited over white.
fn over_white(g: u8, a: u8) -> u8 {
    let (g, a) = (u32::from(g), u32::from(a));
    ((g * a + 255 * (255 - a)) / 255) as u8
}

fn png_grey(bytes: &[u8]) -> Result<Grey, Msg> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: MAX_PIXELS * 4,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| unreadable())?;
    let (w, h) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    check_size(w, h)?;
    let size = reader.output_buffer_size().ok_or_else(too_big)?;
    let mut buf = vec![0u8; size];
    let out = reader.next_frame(&mut buf).map_err(|_| unreadable())?;
    let channels = out.color_type.samples();
    let stride = out.line_size;
    let mut luma_px = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = buf
            .get(y * stride..y * stride + w * channels)
            .ok_or_else(unreadable)?;
        for px in row.chunks_exact(channels) {
            // Transparent pixels are shown over white, as a browser shows a screenshot.
            luma_px.push(match px {
                [g] => *g,
                [g, a] => over_white(*g, *a),
                [r, g, b] => luma(*r, *g, *b),
                [r, g, b, a] => over_white(luma(*r, *g, *b), *a),
                _ => 255,
            });
        }
    }
    Ok(Grey {
        width: w,
        height: h,
        luma: luma_px,
    })
}

fn jpeg_grey(bytes: &[u8]) -> Result<Grey, Msg> {
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| unreadable())?;
    let (w, h) = decoder.dimensions().ok_or_else(unreadable)?;
    check_size(w, h)?;
    let luma_px = decoder.decode().map_err(|_| unreadable())?;
    if luma_px.len() != w * h {
        return Err(unreadable());
    }
    Ok(Grey {
        width: w,
        height: h,
        luma: luma_px,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_an_image_is_refused() {
        assert!(read_qr(b"hello").unwrap_err().en.contains("PNG or JPEG"));
        assert!(read_qr(b"\x89PNG\r\n\x1a\nbroken").is_err());
        assert!(read_qr(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_err());
    }

    /// A phone-photo-like JPEG of a sticker: tilted 6°, in perspective, on a grey gradient,
    /// blurred, with sensor noise, saved at JPEG quality 68 (made with ImageMagick from
    /// `guyub qris render`; see tests/data/README.md).
    #[test]
    fn a_photo_of_a_sticker_reads() {
        let photo = include_bytes!("../tests/data/qris-sticker-photo.jpg");
        let text = read_qr(photo).expect("the QR in the photo");
        assert_eq!(
            text,
            "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12"
        );
    }
}
