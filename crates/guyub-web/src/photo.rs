//! Product photos and legality documents uploaded by sellers: from whatever file a cheap Android
//! phone sends to three small, safe JPEGs.
//!
//! What the upload goes through, and why:
//! - **The type comes from the bytes** (magic numbers), never from the file name or the declared
//!   content type: both are chosen by the sender. JPEG and PNG are accepted, and WebP (browsers
//!   and chat apps save many pictures as WebP); anything else is refused.
//! - **Limits before pixels.** The file is at most [`MAX_PHOTO_BYTES`]; the dimensions are read
//!   from the header and refused above 40 megapixels or 12,000 px on a side *before* a pixel
//!   buffer is allocated, so a decompression bomb (a tiny file claiming 50,000 × 50,000 px)
//!   costs nothing. Images under [`MIN_SIDE`] px on the shorter side are refused as useless for
//!   a product page.
//! - **Decoding** uses small dedicated decoders (`zune-jpeg`, `png`, `image-webp`), as
//!   `qr_image.rs` does, not the whole `image` crate. Damaged or truncated data is a clear
//!   message: our code has no panicking path, and the decoders are fuzzed by their authors
//!   (the test `mangled_uploads_never_panic` cuts and flips bytes of each format).
//! - **Orientation.** Phones store a portrait photo as landscape pixels plus an EXIF orientation
//!   tag; zune-jpeg hands us the raw EXIF block and we read the tag ourselves (a few lines of
//!   TIFF parsing) and turn the output upright. The same is done for a WebP's EXIF chunk. PNG
//!   orientation (`eXIf`, rare, mostly screenshots) is not read.
//! - **Resizing** is our own box filter (area averaging; see `resize` below), about 30 lines.
//! - **Re-encoding** every output as a fresh baseline JPEG (`jpeg-encoder`) writes only pixels:
//!   the EXIF, GPS position, camera serial number, XMP and any other metadata of the upload are
//!   gone. This matters: sellers often photograph products at home, and a photo's GPS tag would
//!   publish their home address on the storefront. Re-encoding also means that a file crafted to
//!   be both an image and something else (a polyglot with HTML or script appended) is never
//!   served as uploaded.
//!
//! The work is CPU-bound (about 0.1–0.15 s of one core for a 12 MP phone photo in a release
//! build; the decoded pixels of a 40 MP image take 120 MB): handlers call it inside `tokio::task::spawn_blocking`,
//! and a server taking many uploads at once should bound how many run together.
//!
//! Colour profiles (ICC) and PNG gamma are ignored: phone photos are sRGB, and the outputs are
//! written as sRGB JPEGs without a profile.

use std::io::Cursor;

use guyub_core::Msg;
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder};
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The largest upload accepted, photo or document: 8 MB, above any phone photo (3–6 MB for
/// 12 MP), and a cap on what one request can make the server decode.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// The most pixels an upload may have: 40 megapixels (a 12 MP phone photo is well inside; the
/// decoded pixels of the largest accepted image take 120 MB).
const MAX_PIXELS: u64 = 40_000_000;
/// The longest side accepted, in pixels.
const MAX_SIDE: u32 = 12_000;
/// The shortest side accepted, in pixels: anything smaller looks blurred even as a thumbnail on
/// a product card, so the seller is asked for a better photo instead.
pub const MIN_SIDE: u32 = 200;

/// Longest side of [`Photo::small`]: thumbnails in lists and search results.
pub const SMALL_SIDE: u32 = 160;
/// Longest side of [`Photo::medium`]: product cards and the product page on a phone.
pub const MEDIUM_SIDE: u32 = 480;
/// Longest side of [`Photo::large`]: the zoomed view; also what is kept of a document photo.
pub const LARGE_SIDE: u32 = 1080;

/// JPEG quality of the large and medium outputs: no visible loss on a phone screen at a fraction
/// of the bytes of the camera's ~95.
const QUALITY: u8 = 80;
/// JPEG quality of the small output: thumbnails are many on a page and seen small.
const QUALITY_SMALL: u8 = 75;

/// The content type of every [`Photo`] output and of a document sent as a picture.
pub const JPEG: &str = "image/jpeg";
/// The content type of a PDF document.
pub const PDF: &str = "application/pdf";

/// An uploaded product photo, upright, in three sizes, each a fresh baseline JPEG.
///
/// Re-encoding strips all metadata of the upload (EXIF, GPS, XMP): a seller's home location
/// never reaches the storefront.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    /// Width of `large`, in pixels (for the `width`/`height` attributes of an `<img>`, so the
    /// page does not jump while it loads; the other sizes have the same aspect ratio, see
    /// [`fit`]).
    pub width: u32,
    /// Height of `large`, in pixels.
    pub height: u32,
    /// Longest side at most [`SMALL_SIDE`] px.
    pub small: Vec<u8>,
    /// Longest side at most [`MEDIUM_SIDE`] px.
    pub medium: Vec<u8>,
    /// Longest side at most [`LARGE_SIDE`] px.
    pub large: Vec<u8>,
    /// Always [`JPEG`].
    pub content_type: &'static str,
}

impl std::fmt::Debug for Photo {
    /// The sizes, not the bytes: a photo in a test failure or a log line stays one line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photo")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("small_bytes", &self.small.len())
            .field("medium_bytes", &self.medium.len())
            .field("large_bytes", &self.large.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Turns an uploaded file into a [`Photo`]: checks it, decodes it, turns it upright, and writes
/// the three sizes.
///
/// The type is detected from the bytes. Refused, each with its own message: more than
/// [`MAX_PHOTO_BYTES`]; not a JPEG, PNG or WebP image; more than 40 megapixels or 12,000 px on a
/// side; under [`MIN_SIDE`] px on the shorter side; damaged or truncated data.
pub fn process_photo(bytes: &[u8]) -> Result<Photo, Msg> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(file_too_large());
    }
    let (img, orientation) = match sniff(bytes) {
        Some(Kind::Jpeg) => decode_jpeg(bytes)?,
        Some(Kind::Png) => (decode_png(bytes)?, Orientation::UPRIGHT),
        Some(Kind::Webp) => decode_webp(bytes)?,
        None => return Err(not_an_image()),
    };
    // Each size is averaged from the next larger one: a third of the work of averaging the
    // original three times, for a result a touch softer, which nobody sees at these sizes. The
    // stored pixels are shrunk first and turned upright last (fewer pixels to turn; the longest
    // side is the same either way).
    let (w, h) = (img.width as u32, img.height as u32); // at most MAX_SIDE: checked
    let large = shrink(&img, fit(w, h, LARGE_SIDE));
    let medium = shrink(&large, fit(w, h, MEDIUM_SIDE));
    let small = shrink(&medium, fit(w, h, SMALL_SIDE));
    let large = orient(large, orientation);
    Ok(Photo {
        width: large.width as u32,
        height: large.height as u32,
        small: encode_jpeg(&orient(small, orientation), QUALITY_SMALL)?,
        medium: encode_jpeg(&orient(medium, orientation), QUALITY)?,
        large: encode_jpeg(&large, QUALITY)?,
        content_type: JPEG,
    })
}

/// Makes a [`Photo`] from pixels drawn by a program (the demo's product pictures): `px` is RGB,
/// 3 bytes per pixel, row by row, `width` × `height`. The same sizes and encoder as an upload,
/// without the checks an upload needs (the pixels are ours); a length that does not match
/// the size is refused.
pub fn photo_from_rgb(width: u32, height: u32, px: Vec<u8>) -> Result<Photo, Msg> {
    let img = Rgb::new(width, height, px)?;
    let large = shrink(&img, fit(width, height, LARGE_SIDE));
    let medium = shrink(&large, fit(width, height, MEDIUM_SIDE));
    let small = shrink(&medium, fit(width, height, SMALL_SIDE));
    Ok(Photo {
        width: large.width as u32,
        height: large.height as u32,
        small: encode_jpeg(&small, QUALITY_SMALL)?,
        medium: encode_jpeg(&medium, QUALITY)?,
        large: encode_jpeg(&large, QUALITY)?,
        content_type: JPEG,
    })
}

/// Checks an uploaded legality document (NIB, P-IRT, halal certificate, …) and returns its
/// content type and the bytes to store.
///
/// A PDF (starts with `%PDF-`, at most [`MAX_PHOTO_BYTES`], with its `%%EOF` end marker, so an
/// upload cut off on a slow link is caught now rather than by the curator) is kept exactly as
/// uploaded: it may be signed, and curators need the original. Being the sender's own file, it
/// must be served as a download (`Content-Disposition: attachment`), never rendered inline on
/// our origin. A picture of the document (a phone photo of the certificate) is processed like a
/// product photo and its large JPEG kept: enough to read the text, without the metadata.
/// Anything else is refused.
pub fn process_document(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), Msg> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(file_too_large());
    }
    if bytes.starts_with(b"%PDF-") {
        // PDF readers look for `%%EOF` within the last 1024 bytes; some writers add a little
        // padding after it, so the last 4 KB are searched.
        let tail = &bytes[bytes.len().saturating_sub(4096)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(Msg::new(
                "Berkas PDF ini tidak lengkap (mungkin unggahan terputus). Kirim ulang berkasnya.",
                "This PDF file is incomplete (perhaps the upload was cut off). Send the file again.",
            ));
        }
        return Ok((PDF, bytes.to_vec()));
    }
    if sniff(bytes).is_none() {
        return Err(Msg::new(
            "Berkas ini bukan PDF atau gambar JPEG/PNG.",
            "This file is not a PDF or a JPEG/PNG image.",
        ));
    }
    let photo = process_photo(bytes)?;
    Ok((photo.content_type, photo.large))
}

/// The size of an image of `width` × `height` shrunk so that its longest side is at most
/// `longest`, keeping the aspect ratio (rounded to the nearest pixel, at least 1). Never enlarges:
/// an image already small enough keeps its size.
pub fn fit(width: u32, height: u32, longest: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= longest || long == 0 {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled = (u64::from(side) * u64::from(longest) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(longest).clamp(1, longest)
    };
    (scale(width), scale(height))
}

// ---------------------------------------------------------------------------------------------
// Messages

fn not_an_image() -> Msg {
    Msg::new(
        "Berkas ini bukan gambar JPEG atau PNG.",
        "This file is not a JPEG or PNG image.",
    )
}

fn file_too_large() -> Msg {
    let mb = MAX_PHOTO_BYTES / (1024 * 1024);
    Msg::new(
        format!("Berkas terlalu besar: paling banyak {mb} MB. Kirim berkas yang lebih kecil."),
        format!("The file is too large: at most {mb} MB. Send a smaller file."),
    )
}

fn too_many_pixels() -> Msg {
    Msg::new(
        "Gambar terlalu besar: paling banyak 40 megapiksel dan 12.000 piksel per sisi. Perkecil gambarnya lalu kirim lagi.",
        "The image is too large: at most 40 megapixels and 12,000 pixels per side. Make it smaller and send it again.",
    )
}

fn too_small() -> Msg {
    Msg::new(
        format!(
            "Gambar terlalu kecil untuk foto produk: sisi terpendeknya harus paling sedikit {MIN_SIDE} piksel. Kirim foto yang lebih besar."
        ),
        format!(
            "The image is too small for a product photo: its shorter side must be at least {MIN_SIDE} pixels. Send a larger photo."
        ),
    )
}

fn damaged() -> Msg {
    Msg::new(
        "Gambar rusak atau tidak lengkap (mungkin unggahan terputus). Kirim ulang fotonya.",
        "The image is damaged or incomplete (perhaps the upload was cut off). Send the photo again.",
    )
}

fn encode_failed() -> Msg {
    Msg::new(
        "Foto tidak dapat diproses. Coba kirim foto lain.",
        "The photo could not be processed. Try another photo.",
    )
}

// ---------------------------------------------------------------------------------------------
// Detection and limits

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jpeg,
    Png,
    Webp,
}

/// The image type, from the magic numbers at the start of the file.
fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(Kind::Webp)
    } else {
        None
    }
}

/// Checks dimensions read from a header, before any pixel is decoded.
fn check_dimensions(width: u32, height: u32) -> Result<(), Msg> {
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_many_pixels());
    }
    if width.min(height) < MIN_SIDE {
        return Err(too_small());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pixels

/// An RGB image, 3 bytes per pixel, row by row, without padding.
struct Rgb {
    width: usize,
    height: usize,
    px: Vec<u8>,
}

impl Rgb {
    fn new(width: u32, height: u32, px: Vec<u8>) -> Result<Rgb, Msg> {
        let (width, height) = (width as usize, height as usize);
        if px.len() != width * height * 3 {
            return Err(damaged());
        }
        Ok(Rgb { width, height, px })
    }
}

/// A colour value with alpha `a`, composited over white (how a transparent product picture
/// looks on the storefront's white page).
fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Converts decoded pixels with `channels` samples of 8 bits each (grey, grey+alpha, RGB, RGBA),
/// rows `stride` bytes apart, to [`Rgb`], compositing alpha over white. RGB and RGBA are
/// converted in place (every pixel moves to an earlier or the same offset), so a large RGBA
/// image needs no second buffer.
fn to_rgb(
    mut buf: Vec<u8>,
    width: u32,
    height: u32,
    stride: usize,
    channels: usize,
) -> Result<Rgb, Msg> {
    let (w, h) = (width as usize, height as usize);
    if !(1..=4).contains(&channels) || stride < w * channels || buf.len() < stride * h {
        return Err(damaged());
    }
    if channels >= 3 {
        let mut dst = 0;
        for y in 0..h {
            for x in 0..w {
                let src = y * stride + x * channels;
                let px = [buf[src], buf[src + 1], buf[src + 2]];
                let px = match buf.get(src + 3) {
                    Some(&a) if channels == 4 => px.map(|c| over_white(c, a)),
                    _ => px,
                };
                buf[dst..dst + 3].copy_from_slice(&px);
                dst += 3;
            }
        }
        buf.truncate(dst);
        return Rgb::new(width, height, buf);
    }
    let mut px = Vec::with_capacity(w * h * 3);
    for row in buf.chunks(stride).take(h) {
        for p in row[..w * channels].chunks_exact(channels) {
            let g = match p {
                [g, a] => over_white(*g, *a),
                [g, ..] => *g,
                [] => 255,
            };
            px.extend_from_slice(&[g, g, g]);
        }
    }
    Rgb::new(width, height, px)
}

// ---------------------------------------------------------------------------------------------
// Decoders

fn decode_jpeg(bytes: &[u8]) -> Result<(Rgb, Orientation), Msg> {
    // zune-jpeg's own size limit is lifted to the format's maximum so that the header is read
    // and *our* check refuses big images with the right message; zune-jpeg allocates no pixels
    // while it reads the headers.
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| damaged())?;
    let (w, h) = decoder.dimensions().ok_or_else(damaged)?;
    let (w, h) = (
        u32::try_from(w).map_err(|_| too_many_pixels())?,
        u32::try_from(h).map_err(|_| too_many_pixels())?,
    );
    check_dimensions(w, h)?;
    let orientation = decoder
        .exif()
        .and_then(|exif| exif_orientation(exif))
        .unwrap_or(Orientation::UPRIGHT);
    if !has_end_of_image(bytes) {
        // zune-jpeg is tolerant: a file cut off half way decodes, the missing part grey. A
        // seller on a slow link would get half a photo; ask for it again instead.
        return Err(damaged());
    }
    let px = decoder.decode().map_err(|_| damaged())?;
    Ok((Rgb::new(w, h, px)?, orientation))
}

/// Whether a JPEG's entropy-coded data reaches an end-of-image marker (FF D9).
///
/// Not simply "the file ends with FF D9": Samsung phones append a trailer after the image, and
/// motion photos a whole video. So the segments are walked from the start to the first
/// start-of-scan, and an FF D9 is looked for after it (within the scans, a literal FF byte is
/// always followed by 00 or a restart marker, so FF D9 only ever means the end).
fn has_end_of_image(bytes: &[u8]) -> bool {
    let mut pos = 2; // after FF D8
    loop {
        // Markers may be preceded by any number of FF fill bytes.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return false;
        };
        if marker == 0xDA {
            break;
        }
        let Some(len) = bytes.get(pos + 2..pos + 4) else {
            return false;
        };
        pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
    }
    bytes
        .get(pos..)
        .is_some_and(|scan| scan.windows(2).any(|w| w == [0xFF, 0xD9]))
}

fn decode_png(bytes: &[u8]) -> Result<Rgb, Msg> {
    // The IHDR chunk must come first, at a fixed place: its dimensions are checked here,
    // before the decoder is even created.
    let (Some(b"IHDR"), Some(w), Some(h)) = (
        bytes.get(12..16),
        bytes.get(16..20).and_then(|b| <[u8; 4]>::try_from(b).ok()),
        bytes.get(20..24).and_then(|b| <[u8; 4]>::try_from(b).ok()),
    ) else {
        return Err(damaged());
    };
    check_dimensions(u32::from_be_bytes(w), u32::from_be_bytes(h))?;

    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: MAX_PIXELS as usize * 4,
        },
    );
    // Palette and low bit depths expanded, 16-bit samples cut to 8: one byte per sample.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| damaged())?;
    let (w, h) = (reader.info().width, reader.info().height);
    check_dimensions(w, h)?;
    let size = reader.output_buffer_size().ok_or_else(too_many_pixels)?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(|_| damaged())?;
    to_rgb(buf, w, h, frame.line_size, frame.color_type.samples())
}

fn decode_webp(bytes: &[u8]) -> Result<(Rgb, Orientation), Msg> {
    // `new` reads the chunk headers and the dimensions only.
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    decoder.set_memory_limit(MAX_PHOTO_BYTES);
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h)?;
    let orientation = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .and_then(|exif| {
            // The EXIF chunk holds the TIFF block, sometimes behind a JPEG-style "Exif\0\0".
            let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(&exif);
            exif_orientation(tiff)
        })
        .unwrap_or(Orientation::UPRIGHT);
    let size = decoder.output_buffer_size().ok_or_else(too_many_pixels)?;
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    let mut buf = vec![0u8; size];
    decoder.read_image(&mut buf).map_err(|_| damaged())?;
    Ok((
        to_rgb(buf, w, h, w as usize * channels, channels)?,
        orientation,
    ))
}

// ---------------------------------------------------------------------------------------------
// Orientation

/// The EXIF orientation tag (1–8): how the stored pixels must be turned to be seen upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Orientation(u8);

impl Orientation {
    const UPRIGHT: Orientation = Orientation(1);

    /// Whether width and height swap (the four values that turn a quarter).
    fn swaps_sides(self) -> bool {
        self.0 >= 5
    }
}

/// The orientation tag (0x0112) of IFD0 in an EXIF block starting at its TIFF header, if it is
/// there and valid. Every read is bounds-checked: the block comes from the uploader.
fn exif_orientation(tiff: &[u8]) -> Option<Orientation> {
    let big_endian = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = <[u8; 2]>::try_from(tiff.get(at..at.checked_add(2)?)?).ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = <[u8; 4]>::try_from(tiff.get(at..at.checked_add(4)?)?).ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + i * 12)?;
        // Tag 0x0112, type SHORT (3), the value in the entry's first two value bytes.
        if u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 {
            let value = u16_at(entry + 8)?;
            return (1..=8).contains(&value).then_some(Orientation(value as u8));
        }
    }
    None
}

/// `img` turned as `orientation` says, so that it is seen upright.
fn orient(img: Rgb, orientation: Orientation) -> Rgb {
    let Orientation(o) = orientation;
    if !(2..=8).contains(&o) {
        return img;
    }
    let (sw, sh) = (img.width, img.height);
    let (dw, dh) = if orientation.swaps_sides() {
        (sh, sw)
    } else {
        (sw, sh)
    };
    let mut px = Vec::with_capacity(img.px.len());
    for y in 0..dh {
        for x in 0..dw {
            // The stored pixel shown at (x, y).
            let (sx, sy) = match o {
                2 => (sw - 1 - x, y),          // mirrored left-right
                3 => (sw - 1 - x, sh - 1 - y), // turned 180°
                4 => (x, sh - 1 - y),          // mirrored top-bottom
                5 => (y, x),                   // transposed
                6 => (y, sh - 1 - x),          // stored turned 90° anticlockwise: turn clockwise
                7 => (sw - 1 - y, sh - 1 - x), // transverse
                _ => (sw - 1 - y, x),          // 8: stored turned 90° clockwise: turn back
            };
            let at = (sy * sw + sx) * 3;
            px.extend_from_slice(&img.px[at..at + 3]);
        }
    }
    Rgb {
        width: dw,
        height: dh,
        px,
    }
}

// ---------------------------------------------------------------------------------------------
// Resizing and encoding

/// `src` shrunk to `size` (from [`fit`], so never larger than `src`).
fn shrink(src: &Rgb, (w, h): (u32, u32)) -> Rgb {
    resize(src, w as usize, h as usize)
}

/// For each destination pixel along one axis, the source pixels that cover it and how much of
/// each (their weights sum to 1).
struct Taps {
    /// Per destination pixel: (first source pixel, range of its weights in `weights`).
    spans: Vec<(usize, std::ops::Range<usize>)>,
    weights: Vec<f32>,
}

impl Taps {
    fn new(src: usize, dst: usize) -> Taps {
        let scale = src as f64 / dst as f64;
        let mut spans = Vec::with_capacity(dst);
        let mut weights = Vec::with_capacity(dst * (scale.ceil() as usize + 1));
        for d in 0..dst {
            let lo = d as f64 * scale;
            let hi = ((d + 1) as f64 * scale).min(src as f64);
            let first = (lo.floor() as usize).min(src.saturating_sub(1));
            let end = (hi.ceil() as usize).clamp(first + 1, src);
            let start = weights.len();
            for s in first..end {
                let covered = (hi.min((s + 1) as f64) - lo.max(s as f64)).max(0.0);
                weights.push((covered / scale) as f32);
            }
            // Normalise away rounding, so flat areas keep their exact value.
            let sum: f32 = weights[start..].iter().sum();
            if sum > 0.0 {
                weights[start..].iter_mut().for_each(|w| *w /= sum);
            }
            spans.push((first, start..weights.len()));
        }
        Taps { spans, weights }
    }

    fn of(&self, d: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let (first, range) = self.spans[d].clone();
        self.weights[range]
            .iter()
            .enumerate()
            .map(move |(i, &w)| (first + i, w))
    }
}

/// Shrinks `src` to `dw` × `dh` by area averaging (a box filter): each destination pixel is the
/// average of the source pixels under it, partly covered pixels counting for the part covered.
/// Unlike sampling every n-th pixel it does not alias (no moiré on fabric, no jagged text on
/// packaging), and for shrinking it is as good as fancier kernels.
///
/// Averages are taken on the sRGB values as stored, not in linear light: on product photos the
/// difference (fine bright-dark patterns come out slightly darker) is not visible, and it saves
/// two conversions per sample.
///
/// One pass over the source: for each destination row, the source rows under it are summed
/// (weighted) into one row of floats, which is then averaged across. Memory: one source row.
/// A 12 MP photo takes tens of milliseconds per output size in a release build.
fn resize(src: &Rgb, dw: usize, dh: usize) -> Rgb {
    if dw == src.width && dh == src.height {
        return Rgb {
            width: dw,
            height: dh,
            px: src.px.clone(),
        };
    }
    let row_len = src.width * 3;
    let xs = Taps::new(src.width, dw);
    let ys = Taps::new(src.height, dh);
    let mut acc = vec![0f32; row_len];
    let mut px = Vec::with_capacity(dw * dh * 3);
    for dy in 0..dh {
        acc.fill(0.0);
        for (sy, w) in ys.of(dy) {
            let row = &src.px[sy * row_len..(sy + 1) * row_len];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += w * f32::from(p);
            }
        }
        for dx in 0..dw {
            let mut rgb = [0f32; 3];
            for (sx, w) in xs.of(dx) {
                let p = &acc[sx * 3..sx * 3 + 3];
                rgb[0] += w * p[0];
                rgb[1] += w * p[1];
                rgb[2] += w * p[2];
            }
            px.extend(rgb.map(|v| (v + 0.5).clamp(0.0, 255.0) as u8));
        }
    }
    Rgb {
        width: dw,
        height: dh,
        px,
    }
}

/// `img` as a baseline JPEG of `quality`, with no metadata but the JFIF header.
///
/// Baseline: every phone and browser decodes it, cheaply. 4:2:0 chroma (the encoder's choice
/// below quality 90), averaged rather than sampled (cleaner colour edges). The standard
/// Huffman tables, not optimised ones: optimised tables would save a few per cent, but
/// zune-jpeg 0.5.15 (our own decoder) misreads jpeg-encoder 0.7.1's optimised tables with
/// 4:2:0 chroma (white comes back green; libjpeg-turbo reads them fine), and our outputs must
/// read back everywhere, ours included. The test `outputs_decode_in_our_own_decoder` guards it.
fn encode_jpeg(img: &Rgb, quality: u8) -> Result<Vec<u8>, Msg> {
    let w = u16::try_from(img.width).map_err(|_| encode_failed())?;
    let h = u16::try_from(img.height).map_err(|_| encode_failed())?;
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_progressive(false);
    encoder.set_optimized_huffman_tables(false);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(&img.px, w, h, ColorType::Rgb)
        .map_err(|_| encode_failed())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn drawn_pixels_become_the_three_sizes_and_a_wrong_length_is_refused() {
        // A 500 × 300 picture: left half red, right half blue.
        let (w, h) = (500_u32, 300_u32);
        let mut px = Vec::with_capacity((w * h * 3) as usize);
        for _ in 0..h {
            for x in 0..w {
                px.extend_from_slice(if x < w / 2 {
                    &[200, 20, 20]
                } else {
                    &[20, 20, 200]
                });
            }
        }
        let p = photo_from_rgb(w, h, px.clone()).unwrap();
        assert_eq!((p.width, p.height), (500, 300));
        // Medium and large read back at their sizes (the small one is below the upload
        // minimum, so it is only checked to be a smaller JPEG).
        for (bytes, side) in [(&p.medium, MEDIUM_SIDE), (&p.large, LARGE_SIDE)] {
            let back = process_photo(bytes).unwrap_or_else(|e| panic!("{}", e.en));
            assert_eq!((back.width, back.height), fit(w, h, side));
        }
        assert!(p.small.starts_with(&[0xFF, 0xD8]) && p.small.len() < p.medium.len());
        assert!(photo_from_rgb(w, h, px[..px.len() - 3].to_vec()).is_err());
    }

    // -- Making test images ---------------------------------------------------------------

    /// A smooth colour gradient, like a product on a plain background: red across, green down.
    fn gradient(w: u32, h: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
            }
        }
        px
    }

    fn encode_test_jpeg(px: &[u8], w: u32, h: u32, color: ColorType) -> Vec<u8> {
        let mut out = Vec::new();
        Encoder::new(&mut out, 90)
            .encode(px, w as u16, h as u16, color)
            .expect("test JPEG");
        out
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        encode_test_jpeg(&gradient(w, h), w, h, ColorType::Rgb)
    }

    fn encode_png(
        px: &[u8],
        w: u32,
        h: u32,
        color: png::ColorType,
        depth: png::BitDepth,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(color);
            encoder.set_depth(depth);
            let mut writer = encoder.write_header().expect("PNG header");
            writer.write_image_data(px).expect("PNG data");
            writer.finish().expect("PNG end");
        }
        out
    }

    fn png_rgb(w: u32, h: u32) -> Vec<u8> {
        encode_png(
            &gradient(w, h),
            w,
            h,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
        )
    }

    /// Pixels of a JPEG output, decoded again (with zune-jpeg, as any viewer would).
    fn decode(jpeg: &[u8]) -> (usize, usize, Vec<u8>) {
        let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(jpeg), options);
        let px = decoder.decode().expect("the output decodes");
        let (w, h) = decoder.dimensions().expect("dimensions");
        assert_eq!(px.len(), w * h * 3);
        (w, h, px)
    }

    fn pixel(img: &(usize, usize, Vec<u8>), x: usize, y: usize) -> [u8; 3] {
        let at = (y * img.0 + x) * 3;
        [img.2[at], img.2[at + 1], img.2[at + 2]]
    }

    fn near(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(&a, b)| a.abs_diff(b) <= 12)
    }

    /// The markers of a JPEG's header segments, up to and including start-of-scan.
    fn markers(jpeg: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let mut pos = 2;
        let mut found = Vec::new();
        loop {
            assert_eq!(jpeg[pos], 0xFF, "a marker at {pos}");
            let marker = jpeg[pos + 1];
            found.push(marker);
            if marker == 0xDA {
                return found;
            }
            pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        }
    }

    /// A big-endian EXIF (TIFF) block with the orientation tag, followed by `extra` bytes (where
    /// a phone keeps GPS and camera data).
    fn exif_block(orientation: u16, extra: &[u8]) -> Vec<u8> {
        let mut t = b"MM\0\x2A".to_vec();
        t.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
        t.extend_from_slice(&1u16.to_be_bytes()); // one entry
        t.extend_from_slice(&0x0112u16.to_be_bytes());
        t.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        t.extend_from_slice(&1u32.to_be_bytes()); // count
        t.extend_from_slice(&orientation.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        t.extend_from_slice(extra);
        t
    }

    /// `jpeg` with an APP1 "Exif" segment holding `tiff` spliced in right after SOI, where
    /// phones put it.
    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A PNG that is only a valid signature and IHDR (correct CRC) claiming `w` × `h` pixels,
    /// then a tiny IDAT: what a decompression bomb's header looks like.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc32(&body).to_be_bytes());
        };
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(b"IEND", &[]);
        out
    }

    /// A real small JPEG whose start-of-frame is rewritten to claim `w` × `h` pixels.
    fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
        let mut out = jpeg(240, 240);
        let sof = out
            .windows(2)
            .position(|m| m == [0xFF, 0xC0])
            .expect("a baseline SOF");
        out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
        out
    }

    fn refused(bytes: &[u8]) -> Msg {
        process_photo(bytes).expect_err("refused")
    }

    // -- What comes out --------------------------------------------------------------------

    #[test]
    fn a_12_megapixel_phone_photo_gives_three_sizes() {
        let input = jpeg(4000, 3000);
        let start = Instant::now();
        let photo = process_photo(&input).expect("processed");
        let took = start.elapsed();
        println!(
            "photo: 4000x3000 JPEG ({} KB) -> {} / {} / {} KB in {} ms ({} build)",
            input.len() / 1024,
            photo.large.len() / 1024,
            photo.medium.len() / 1024,
            photo.small.len() / 1024,
            took.as_millis(),
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        );
        assert_eq!((photo.width, photo.height), (1080, 810));
        assert_eq!(photo.content_type, "image/jpeg");
        for (bytes, size) in [
            (&photo.large, (1080, 810)),
            (&photo.medium, (480, 360)),
            (&photo.small, (160, 120)),
        ] {
            let img = decode(bytes);
            assert_eq!((img.0, img.1), size);
            // Baseline (SOF0), not progressive (SOF2).
            assert!(markers(bytes).contains(&0xC0));
            assert!(!markers(bytes).contains(&0xC2));
            // The gradient survived: dark red on the left, bright red on the right.
            let (left, right) = (pixel(&img, 2, img.1 / 2), pixel(&img, img.0 - 3, img.1 / 2));
            assert!(left[0] < 20 && right[0] > 235, "{left:?} {right:?}");
        }
        assert!(photo.small.len() < photo.medium.len());
        assert!(photo.medium.len() < photo.large.len());
        assert!(photo.large.len() < 200 * 1024, "{}", photo.large.len());
    }

    #[test]
    fn sizes_keep_the_aspect_ratio() {
        for (w, h, input) in [
            (1000, 250, png_rgb(1000, 250)),
            (300, 1200, png_rgb(300, 1200)),
            (1234, 567, jpeg(1234, 567)),
            (2000, 2000, jpeg(2000, 2000)),
            (12_000, 200, jpeg(12_000, 200)),
        ] {
            let photo = process_photo(&input).expect("processed");
            for (bytes, longest) in [
                (&photo.large, LARGE_SIDE),
                (&photo.medium, MEDIUM_SIDE),
                (&photo.small, SMALL_SIDE),
            ] {
                let (ow, oh, _) = decode(bytes);
                assert_eq!(ow.max(oh), longest.min(w.max(h)) as usize, "{w}x{h}");
                assert_eq!((ow as u32, oh as u32), fit(w, h, longest));
                // Within a rounding of one pixel of the original ratio.
                let expected = oh as f64 * f64::from(w) / f64::from(h);
                assert!((ow as f64 - expected).abs() <= 1.0 * f64::from(w) / f64::from(h) + 0.5);
            }
        }
    }

    #[test]
    fn a_small_original_is_never_enlarged() {
        let photo = process_photo(&png_rgb(300, 200)).expect("processed");
        assert_eq!((photo.width, photo.height), (300, 200));
        assert_eq!(decode(&photo.large).0, 300);
        assert_eq!(decode(&photo.medium).0, 300);
        assert_eq!((decode(&photo.small).0, decode(&photo.small).1), (160, 107));

        let photo = process_photo(&jpeg(600, 400)).expect("processed");
        assert_eq!((photo.width, photo.height), (600, 400));
        assert_eq!(
            (decode(&photo.medium).0, decode(&photo.medium).1),
            (480, 320)
        );
    }

    #[test]
    fn fit_shrinks_and_never_enlarges() {
        assert_eq!(fit(4000, 3000, 1080), (1080, 810));
        assert_eq!(fit(3000, 4000, 1080), (810, 1080));
        assert_eq!(fit(100, 50, 160), (100, 50));
        assert_eq!(fit(1080, 1080, 1080), (1080, 1080));
        assert_eq!(fit(12_000, 200, 160), (160, 3));
        assert_eq!(fit(12_000, 20, 160), (160, 1));
    }

    #[test]
    fn the_box_filter_averages() {
        // A flat colour stays exactly that colour.
        let flat = Rgb {
            width: 7,
            height: 5,
            px: [10u8, 200, 77].repeat(35),
        };
        let out = resize(&flat, 3, 2);
        assert_eq!(out.px, [10u8, 200, 77].repeat(6));
        // A black-and-white checkerboard halves to even grey, not to black or white (which is
        // what skipping pixels would give).
        let mut px = Vec::new();
        for y in 0..8 {
            for x in 0..8 {
                px.extend_from_slice(&[if (x + y) % 2 == 0 { 0u8 } else { 255 }; 3]);
            }
        }
        let out = resize(
            &Rgb {
                width: 8,
                height: 8,
                px,
            },
            4,
            4,
        );
        assert!(out.px.iter().all(|&v| v == 128), "{:?}", out.px);
        // A 3-to-2 shrink weighs the middle pixel half to each side.
        let row = Rgb {
            width: 3,
            height: 1,
            px: vec![0, 0, 0, 90, 90, 90, 180, 180, 180],
        };
        assert_eq!(resize(&row, 2, 1).px, vec![30, 30, 30, 150, 150, 150]);
    }

    #[test]
    fn a_png_with_transparency_is_put_on_white() {
        // Left half transparent, right half opaque red; a half-transparent band in the middle.
        let (w, h) = (400u32, 300u32);
        let mut px = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                let alpha = match x {
                    0..180 => 0,
                    180..220 => 128,
                    _ => 255,
                };
                px.extend_from_slice(&[200, 0, 0, alpha]);
            }
        }
        let input = encode_png(&px, w, h, png::ColorType::Rgba, png::BitDepth::Eight);
        let photo = process_photo(&input).expect("processed");
        let img = decode(&photo.large);
        assert_eq!((img.0, img.1), (400, 300));
        assert!(
            near(pixel(&img, 40, 150), [255, 255, 255]),
            "{:?}",
            pixel(&img, 40, 150)
        );
        assert!(
            near(pixel(&img, 360, 150), [200, 0, 0]),
            "{:?}",
            pixel(&img, 360, 150)
        );
        assert!(
            near(pixel(&img, 200, 150), [228, 127, 127]),
            "{:?}",
            pixel(&img, 200, 150)
        );
    }

    #[test]
    fn grey_and_16_bit_pngs_and_grey_jpegs_work() {
        let (w, h) = (300u32, 240u32);
        let grey16: Vec<u8> = (0..w * h)
            .flat_map(|i| ((i % w * 200) as u16).to_be_bytes())
            .collect();
        let input = encode_png(
            &grey16,
            w,
            h,
            png::ColorType::Grayscale,
            png::BitDepth::Sixteen,
        );
        let photo = process_photo(&input).expect("16-bit grey PNG");
        assert_eq!((photo.width, photo.height), (300, 240));

        let grey_alpha: Vec<u8> = (0..w * h).flat_map(|_| [0u8, 0]).collect();
        let input = encode_png(
            &grey_alpha,
            w,
            h,
            png::ColorType::GrayscaleAlpha,
            png::BitDepth::Eight,
        );
        let img = decode(&process_photo(&input).expect("grey+alpha PNG").large);
        assert!(near(pixel(&img, 150, 120), [255, 255, 255]));

        let luma: Vec<u8> = (0..w * h).map(|i| (i % w) as u8).collect();
        let input = encode_test_jpeg(&luma, w, h, ColorType::Luma);
        let img = decode(&process_photo(&input).expect("grey JPEG").large);
        let p = pixel(&img, 100, 100);
        assert!(
            p[0].abs_diff(100) < 8 && p[0] == p[1] && p[1] == p[2],
            "{p:?}"
        );
    }

    #[test]
    fn a_webp_works() {
        let (w, h) = (320u32, 240u32);
        let mut px = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[0, 0, 200, if x < 160 { 0 } else { 255 }]);
            }
        }
        let mut input = Vec::new();
        image_webp::WebPEncoder::new(&mut input)
            .encode(&px, w, h, image_webp::ColorType::Rgba8)
            .expect("test WebP");
        let photo = process_photo(&input).expect("processed");
        let img = decode(&photo.large);
        assert_eq!((img.0, img.1), (320, 240));
        assert!(near(pixel(&img, 40, 120), [255, 255, 255]));
        assert!(near(pixel(&img, 280, 120), [0, 0, 200]));

        let truncated = &input[..input.len() / 2];
        assert_eq!(refused(truncated), damaged());
    }

    /// Our outputs read back in zune-jpeg too, not only in browsers (see `encode_jpeg` on the
    /// Huffman tables): flat colours, where a misread chroma table shows at once.
    #[test]
    fn outputs_decode_in_our_own_decoder() {
        for colour in [[255u8, 255, 255], [200, 30, 40], [0, 0, 0], [20, 120, 250]] {
            let px = colour.repeat(300 * 300);
            let input = encode_png(&px, 300, 300, png::ColorType::Rgb, png::BitDepth::Eight);
            let photo = process_photo(&input).expect("processed");
            for out in [&photo.large, &photo.medium, &photo.small] {
                let img = decode(out);
                let p = pixel(&img, img.0 / 2, img.1 / 2);
                assert!(near(p, colour), "{colour:?} came back {p:?}");
            }
        }
    }

    #[test]
    fn the_phone_photo_fixture_works() {
        let input = include_bytes!("../tests/data/qris-sticker-photo.jpg");
        let photo = process_photo(input).expect("processed");
        assert_eq!((photo.width, photo.height), (640, 640));
        assert_eq!(decode(&photo.medium).0, 480);
        assert_eq!(decode(&photo.small).0, 160);
    }

    // -- Metadata and orientation ----------------------------------------------------------

    #[test]
    fn exif_and_gps_are_gone_from_every_output() {
        let secret = b"GPS 7.2575 S 112.7521 E Jl. Mawar 12 Surabaya; camera serial 5X1234";
        let input = with_exif(&jpeg(1600, 1200), &exif_block(1, secret));
        // The input really carries it, and the decoder sees it.
        assert!(input.windows(secret.len()).any(|w| w == secret));
        assert!(markers(&input).contains(&0xE1));

        let photo = process_photo(&input).expect("processed");
        for out in [&photo.large, &photo.medium, &photo.small] {
            assert!(!out.windows(4).any(|w| w == b"Exif"));
            assert!(!out.windows(3).any(|w| w == b"GPS"));
            let found = markers(out);
            // Only JFIF (APP0) is written: no APP1 (EXIF/XMP), no other application segment.
            assert!(
                found.iter().all(|m| !(0xE1..=0xEF).contains(m)),
                "{found:x?}"
            );
        }
    }

    #[test]
    fn the_exif_orientation_turns_the_photo_upright() {
        // Stored as a phone does: 400×300 landscape pixels, left half red, right half blue.
        let (w, h) = (400u32, 300u32);
        let mut px = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                px.extend_from_slice(if x < w / 2 {
                    &[220, 0, 0]
                } else {
                    &[0, 0, 220]
                });
            }
        }
        let stored = encode_test_jpeg(&px, w, h, ColorType::Rgb);
        const RED: [u8; 3] = [220, 0, 0];
        const BLUE: [u8; 3] = [0, 0, 220];
        // (orientation, upright size, colour at the top-left, colour at the bottom-right)
        for (o, size, top_left, bottom_right) in [
            (1, (400, 300), RED, BLUE),
            (2, (400, 300), BLUE, RED),
            (3, (400, 300), BLUE, RED),
            (4, (400, 300), RED, BLUE),
            (5, (300, 400), RED, BLUE),
            (6, (300, 400), RED, BLUE),
            (7, (300, 400), BLUE, RED),
            (8, (300, 400), BLUE, RED),
        ] {
            let photo = process_photo(&with_exif(&stored, &exif_block(o, b""))).expect("processed");
            assert_eq!((photo.width, photo.height), size, "orientation {o}");
            let img = decode(&photo.large);
            assert_eq!((img.0 as u32, img.1 as u32), size);
            assert!(near(pixel(&img, 10, 10), top_left), "orientation {o}");
            assert!(
                near(pixel(&img, img.0 - 10, img.1 - 10), bottom_right),
                "orientation {o}"
            );
            let small = decode(&photo.small);
            assert_eq!(
                (small.0 as u32, small.1 as u32),
                fit(size.0, size.1, SMALL_SIDE)
            );
        }
    }

    #[test]
    fn the_orientation_tag_is_read_carefully() {
        assert_eq!(exif_orientation(&exif_block(6, b"")), Some(Orientation(6)));
        // Little-endian, as most phones write it, with another tag first.
        let mut le = b"II\x2A\0".to_vec();
        le.extend_from_slice(&8u32.to_le_bytes());
        le.extend_from_slice(&2u16.to_le_bytes());
        le.extend_from_slice(&[0x0F, 0x01, 2, 0, 6, 0, 0, 0, 26, 0, 0, 0]); // Make
        le.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]); // Orientation 8
        le.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(exif_orientation(&le), Some(Orientation(8)));
        // Out of range, truncated, a wild offset, garbage: no orientation, no panic.
        assert_eq!(exif_orientation(&exif_block(9, b"")), None);
        assert_eq!(exif_orientation(&exif_block(6, b"")[..15]), None);
        let mut wild = exif_block(6, b"");
        wild[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(exif_orientation(&wild), None);
        // An entry count far past the end, and no orientation entry: the walk stops at the end.
        let mut many = exif_block(6, b"");
        many[8..10].copy_from_slice(&u16::MAX.to_be_bytes());
        many[10..12].copy_from_slice(&0x010Fu16.to_be_bytes());
        assert_eq!(exif_orientation(&many), None);
        assert_eq!(exif_orientation(b""), None);
        assert_eq!(exif_orientation(b"MM\0\x2A"), None);
    }

    // -- Refusals --------------------------------------------------------------------------

    #[test]
    fn what_is_not_an_image_is_refused() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let random: Vec<u8> = (0..10_000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let pdf =
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let html = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>";
        for input in [
            &random[..],
            pdf,
            html,
            b"",
            b"GIF89a\x01\0\x01\0",
            b"RIFF\0\0\0\0WAVE",
        ] {
            let msg = refused(input);
            assert_eq!(msg.id, "Berkas ini bukan gambar JPEG atau PNG.");
            assert_eq!(msg.en, "This file is not a JPEG or PNG image.");
        }
    }

    #[test]
    fn a_30_mb_file_is_refused_naming_the_limit() {
        let mut input = jpeg(300, 300);
        input.resize(30 * 1024 * 1024, 0);
        let msg = refused(&input);
        assert!(msg.id.contains("8 MB") && msg.en.contains("8 MB"), "{msg}");
        assert!(process_photo(&input[..MAX_PHOTO_BYTES + 1]).is_err());
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // Each of these would need gigabytes of pixels; the header alone refuses them, at once.
        let start = Instant::now();
        for input in [
            png_claiming(50_000, 50_000),
            jpeg_claiming(50_000, 50_000),
            png_claiming(12_001, 300), // a side too long
            jpeg_claiming(300, 12_001),
            png_claiming(7_000, 6_000), // 42 megapixels
            jpeg_claiming(7_000, 6_000),
            png_claiming(u32::MAX, u32::MAX),
        ] {
            let msg = refused(&input);
            assert!(msg.en.contains("40 megapixels"), "{msg}");
            assert!(msg.id.contains("40 megapiksel"), "{msg}");
        }
        assert!(start.elapsed().as_millis() < 1000);
        // Up to the limits is fine as far as the header goes (the pixels here are missing).
        assert_eq!(refused(&png_claiming(12_000, 3_000)), damaged());
    }

    #[test]
    fn a_too_small_image_is_refused() {
        for input in [
            png_rgb(199, 400),
            png_rgb(400, 199),
            jpeg(150, 150),
            jpeg(1000, 100),
        ] {
            let msg = refused(&input);
            assert!(
                msg.en.contains("too small") && msg.en.contains("200 pixels"),
                "{msg}"
            );
            assert!(msg.id.contains("terlalu kecil"), "{msg}");
        }
        assert!(process_photo(&png_rgb(200, 200)).is_ok());
    }

    #[test]
    fn a_truncated_or_damaged_image_is_refused() {
        let full = jpeg(800, 600);
        for cut in [full.len() / 2, full.len() - 2, 600, 100, 3] {
            assert_eq!(refused(&full[..cut]), damaged(), "JPEG cut at {cut}");
        }
        let full = png_rgb(800, 600);
        for cut in [full.len() / 2, full.len() - 20, 40, 20, 8] {
            assert_eq!(refused(&full[..cut]), damaged(), "PNG cut at {cut}");
        }
        let mut garbage = vec![0xFF, 0xD8, 0xFF, 0xE0];
        garbage.extend_from_slice(&[0x5A; 2000]);
        assert_eq!(refused(&garbage), damaged());
        assert_eq!(refused(&png_claiming(0, 300)), damaged());
    }

    /// Mangled uploads (cut anywhere, bytes overwritten) end in a result, never a panic.
    #[test]
    fn mangled_uploads_never_panic() {
        let inputs = [jpeg(240, 240), png_rgb(240, 240), {
            let mut webp = Vec::new();
            image_webp::WebPEncoder::new(&mut webp)
                .encode(&gradient(240, 240), 240, 240, image_webp::ColorType::Rgb8)
                .expect("test WebP");
            webp
        }];
        for input in inputs {
            for i in 0..40 {
                let cut = input.len() * i / 40;
                let _ = process_photo(&input[..cut]);
                let mut flipped = input.clone();
                let at = (i * 7919) % input.len();
                flipped[at] ^= 0xA5;
                let _ = process_photo(&flipped);
            }
        }
    }

    // -- Documents -------------------------------------------------------------------------

    #[test]
    fn a_pdf_document_is_kept_as_uploaded() {
        let pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec();
        assert_eq!(process_document(&pdf), Ok((PDF, pdf.clone())));
        // Cut off before its end marker: refused.
        let msg = process_document(&pdf[..pdf.len() - 8]).expect_err("incomplete PDF");
        assert!(msg.en.contains("incomplete"), "{msg}");
        // Too large.
        let mut big = pdf.clone();
        big.resize(9 * 1024 * 1024, b' ');
        big.extend_from_slice(b"%%EOF\n");
        assert!(
            process_document(&big)
                .expect_err("too large")
                .en
                .contains("8 MB")
        );
    }

    #[test]
    fn a_picture_of_a_document_becomes_its_large_jpeg() {
        let (ct, bytes) = process_document(&jpeg(1500, 2000)).expect("processed");
        assert_eq!(ct, "image/jpeg");
        let (w, h, _) = decode(&bytes);
        assert_eq!((w, h), (810, 1080));
        let (ct, _) = process_document(&png_rgb(600, 800)).expect("processed");
        assert_eq!(ct, "image/jpeg");
    }

    #[test]
    fn anything_else_is_not_a_document() {
        for input in [
            &b"<html><body>NIB</body></html>"[..],
            b"PK\x03\x04 a .docx",
            b"",
        ] {
            let msg = process_document(input).expect_err("refused");
            assert!(msg.en.contains("not a PDF"), "{msg}");
        }
        // An image that is not acceptable as a photo keeps the photo's reason.
        assert!(
            process_document(&jpeg(100, 100))
                .expect_err("small")
                .en
                .contains("too small")
        );
    }
}
