//! The demo's product pictures, drawn in code: the demo cannot download photos, and an empty
//! grey box on every card makes the storefront look broken. Each kind of product gets a
//! simple picture people recognise on a small screen (a bag of chips, a jar of sambal or
//! honey, coffee beans, a kawung batik cloth, a checked sarung, a sack of rice, a woven
//! basket, a bar of soap, a peci, a milkfish on a plate, a carton) on a soft background, in
//! one of three colour schemes.
//!
//! Pictures are made once per picture × colour scheme ([`Pictures`] caches them) and go
//! through the same sizes and JPEG encoder as an upload (`guyub_web::photo::photo_from_rgb`),
//! so a demo product's photo is served like any other.

use std::collections::HashMap;

use guyub_web::photo::{Photo, photo_from_rgb};

/// Side of a drawn picture, in pixels (square): above the upload minimum, and the medium size
/// a phone shows is made from it.
const SIDE: usize = 400;

/// What a picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pic {
    /// A bag of chips with a window showing the chips (keripik).
    Chips,
    /// A jar with a lid and a label (sambal, honey, palm sugar).
    Jar,
    /// Two coffee beans.
    Beans,
    /// A bottle (jamu, wedang).
    Bottle,
    /// A cloth with a kawung batik pattern.
    Batik,
    /// A checked sarung cloth.
    Sarung,
    /// A sack of rice with grains on top.
    Sack,
    /// A woven basket with a handle.
    Basket,
    /// A bar of soap with a leaf.
    Soap,
    /// A peci (kopiah) with its band.
    Peci,
    /// A milkfish on a plate.
    Fish,
    /// A taped carton (wholesale goods).
    Carton,
}

/// Colour schemes: (background, main colour, accent) per picture and scheme.
fn scheme(pic: Pic, n: usize) -> ([u8; 3], [u8; 3], [u8; 3]) {
    const BG: [[u8; 3]; 3] = [[250, 241, 222], [226, 242, 231], [229, 236, 250]];
    let bg = BG[n % 3];
    let (main, accent): ([[u8; 3]; 3], [u8; 3]) = match pic {
        Pic::Chips => (
            [[214, 48, 49], [39, 110, 190], [40, 150, 80]],
            [240, 196, 60],
        ),
        Pic::Jar => ([[200, 30, 30], [214, 140, 20], [120, 70, 30]], [60, 60, 60]),
        Pic::Beans => ([[110, 62, 30], [90, 50, 25], [130, 78, 40]], [50, 28, 12]),
        Pic::Bottle => (
            [[236, 170, 30], [220, 110, 40], [200, 150, 60]],
            [40, 110, 60],
        ),
        Pic::Batik => (
            [[120, 70, 30], [40, 60, 120], [150, 40, 40]],
            [245, 230, 200],
        ),
        Pic::Sarung => (
            [[30, 120, 70], [40, 80, 160], [130, 30, 50]],
            [240, 230, 210],
        ),
        Pic::Sack => (
            [[225, 205, 160], [215, 195, 150], [230, 215, 175]],
            [40, 130, 70],
        ),
        Pic::Basket => (
            [[190, 140, 70], [170, 120, 60], [205, 160, 90]],
            [120, 80, 40],
        ),
        Pic::Soap => (
            [[150, 200, 120], [240, 180, 190], [180, 150, 210]],
            [60, 140, 60],
        ),
        Pic::Peci => ([[30, 30, 35], [60, 30, 30], [20, 40, 70]], [200, 160, 60]),
        Pic::Fish => (
            [[150, 170, 190], [140, 160, 175], [160, 175, 195]],
            [250, 250, 250],
        ),
        Pic::Carton => (
            [[190, 145, 90], [180, 135, 85], [200, 155, 100]],
            [220, 200, 160],
        ),
    };
    (bg, main[n % 3], accent)
}

/// An RGB canvas; shapes are given in coordinates from 0 to 1 across and down.
struct Canvas {
    px: Vec<u8>,
}

impl Canvas {
    fn new(bg: [u8; 3]) -> Canvas {
        let mut px = Vec::with_capacity(SIDE * SIDE * 3);
        for y in 0..SIDE {
            // A soft top-to-bottom shading, lighter at the top.
            let shade = 1.0 - 0.12 * (y as f32 / SIDE as f32);
            let c = bg.map(|v| (f32::from(v) * shade) as u8);
            for _ in 0..SIDE {
                px.extend_from_slice(&c);
            }
        }
        Canvas { px }
    }

    /// Paints `color` where `inside(u, v)` holds, looking only inside the box `(u0, v0, u1, v1)`.
    fn fill(
        &mut self,
        color: [u8; 3],
        bbox: (f32, f32, f32, f32),
        inside: impl Fn(f32, f32) -> bool,
    ) {
        let side = SIDE as f32;
        let to_px = |t: f32| ((t.clamp(0.0, 1.0) * side) as usize).min(SIDE);
        for y in to_px(bbox.1)..to_px(bbox.3) {
            let v = (y as f32 + 0.5) / side;
            for x in to_px(bbox.0)..to_px(bbox.2) {
                let u = (x as f32 + 0.5) / side;
                if inside(u, v) {
                    let at = (y * SIDE + x) * 3;
                    self.px[at..at + 3].copy_from_slice(&color);
                }
            }
        }
    }

    /// Paints by a colour function (patterns): `None` leaves the pixel.
    fn paint(&mut self, bbox: (f32, f32, f32, f32), color: impl Fn(f32, f32) -> Option<[u8; 3]>) {
        let side = SIDE as f32;
        let to_px = |t: f32| ((t.clamp(0.0, 1.0) * side) as usize).min(SIDE);
        for y in to_px(bbox.1)..to_px(bbox.3) {
            let v = (y as f32 + 0.5) / side;
            for x in to_px(bbox.0)..to_px(bbox.2) {
                let u = (x as f32 + 0.5) / side;
                if let Some(c) = color(u, v) {
                    let at = (y * SIDE + x) * 3;
                    self.px[at..at + 3].copy_from_slice(&c);
                }
            }
        }
    }

    fn ellipse(&mut self, color: [u8; 3], cx: f32, cy: f32, rx: f32, ry: f32) {
        self.fill(color, (cx - rx, cy - ry, cx + rx, cy + ry), |u, v| {
            in_ellipse(u, v, cx, cy, rx, ry)
        });
    }

    fn rect(&mut self, color: [u8; 3], u0: f32, v0: f32, u1: f32, v1: f32) {
        self.fill(color, (u0, v0, u1, v1), |_, _| true);
    }

    /// A rectangle with corners rounded by `r`.
    fn round_rect(&mut self, color: [u8; 3], u0: f32, v0: f32, u1: f32, v1: f32, r: f32) {
        self.fill(color, (u0, v0, u1, v1), |u, v| {
            let dx = (u0 + r - u).max(u - (u1 - r)).max(0.0);
            let dy = (v0 + r - v).max(v - (v1 - r)).max(0.0);
            dx * dx + dy * dy <= r * r
        });
    }

    /// The shadow the object stands on.
    fn shadow(&mut self, bg: [u8; 3], cy: f32, rx: f32) {
        self.ellipse(darker(bg, 0.8), 0.5, cy, rx, 0.04);
    }

    fn into_photo(self) -> anyhow::Result<Photo> {
        photo_from_rgb(SIDE as u32, SIDE as u32, self.px)
            .map_err(|m| anyhow::anyhow!("drawing a demo photo: {}", m.en))
    }
}

fn in_ellipse(u: f32, v: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> bool {
    let (a, b) = ((u - cx) / rx, (v - cy) / ry);
    a * a + b * b <= 1.0
}

fn darker(c: [u8; 3], f: f32) -> [u8; 3] {
    c.map(|v| (f32::from(v) * f).clamp(0.0, 255.0) as u8)
}

fn lighter(c: [u8; 3], f: f32) -> [u8; 3] {
    c.map(|v| (f32::from(v) + (255.0 - f32::from(v)) * f).clamp(0.0, 255.0) as u8)
}

/// Draws picture `pic` in colour scheme `n` (0, 1 or 2).
pub fn draw(pic: Pic, n: usize) -> anyhow::Result<Photo> {
    let (bg, main, accent) = scheme(pic, n);
    let mut c = Canvas::new(bg);
    const WHITE: [u8; 3] = [250, 250, 248];
    match pic {
        Pic::Chips => {
            c.shadow(bg, 0.87, 0.3);
            c.round_rect(main, 0.24, 0.12, 0.76, 0.88, 0.06);
            c.rect(darker(main, 0.75), 0.24, 0.12, 0.76, 0.18);
            c.rect(darker(main, 0.75), 0.24, 0.82, 0.76, 0.88);
            c.ellipse(WHITE, 0.5, 0.52, 0.19, 0.2);
            // Chips in the window, in a fixed scatter.
            for (i, (dx, dy)) in [
                (-0.08, -0.08),
                (0.06, -0.1),
                (0.0, 0.0),
                (-0.1, 0.06),
                (0.09, 0.05),
                (-0.02, 0.11),
                (0.03, -0.02),
            ]
            .iter()
            .enumerate()
            {
                let tone = if i % 2 == 0 {
                    accent
                } else {
                    darker(accent, 0.85)
                };
                c.ellipse(tone, 0.5 + dx, 0.52 + dy, 0.065, 0.042);
            }
        }
        Pic::Jar => {
            c.shadow(bg, 0.85, 0.26);
            c.round_rect(main, 0.28, 0.3, 0.72, 0.85, 0.05);
            c.rect(lighter(main, 0.35), 0.31, 0.33, 0.35, 0.8);
            c.round_rect(accent, 0.3, 0.2, 0.7, 0.31, 0.02);
            c.rect(WHITE, 0.28, 0.48, 0.72, 0.66);
            c.ellipse(main, 0.5, 0.57, 0.07, 0.05);
        }
        Pic::Beans => {
            c.shadow(bg, 0.82, 0.34);
            for (cx, cy, angle) in [(0.37, 0.5, 0.5_f32), (0.63, 0.52, -0.45_f32)] {
                let (s, co) = angle.sin_cos();
                let (rx, ry) = (0.15, 0.22);
                c.paint((cx - 0.25, cy - 0.25, cx + 0.25, cy + 0.25), |u, v| {
                    // Into the bean's own axes.
                    let (du, dv) = (u - cx, v - cy);
                    let (a, b) = (du * co + dv * s, -du * s + dv * co);
                    if (a / rx).powi(2) + (b / ry).powi(2) > 1.0 {
                        return None;
                    }
                    // The crease: a gentle S down the middle.
                    let crease = 0.03 * (b / ry * std::f32::consts::PI).sin();
                    if (a - crease).abs() < 0.014 {
                        return Some(accent);
                    }
                    let light = 1.0 + 0.35 * (-a / rx).max(0.0) * (1.0 - (b / ry).abs());
                    Some(main.map(|x| (f32::from(x) * light).min(255.0) as u8))
                });
            }
        }
        Pic::Bottle => {
            c.shadow(bg, 0.88, 0.2);
            c.round_rect(main, 0.35, 0.38, 0.65, 0.88, 0.05);
            c.rect(main, 0.44, 0.22, 0.56, 0.4);
            c.round_rect(accent, 0.42, 0.14, 0.58, 0.23, 0.02);
            c.rect(lighter(main, 0.35), 0.38, 0.42, 0.41, 0.84);
            c.rect(WHITE, 0.35, 0.55, 0.65, 0.7);
            c.ellipse(accent, 0.5, 0.625, 0.05, 0.04);
        }
        Pic::Batik => {
            // The cloth fills the picture; kawung: four oval petals around each grid point.
            c.paint((0.06, 0.06, 0.94, 0.94), |u, v| {
                let cell = 0.125;
                let (fu, fv) = ((u / cell).fract() - 0.5, (v / cell).fract() - 0.5);
                let (a, b) = (
                    (fu + fv) * std::f32::consts::FRAC_1_SQRT_2,
                    (fu - fv) * std::f32::consts::FRAC_1_SQRT_2,
                );
                let petal = |p: f32, q: f32| (p.abs() - 0.27).powi(2) / 0.04 + q * q / 0.011 <= 1.0;
                if petal(a, b) || petal(b, a) {
                    Some(main)
                } else if fu.abs() < 0.06 && fv.abs() < 0.06 {
                    Some(darker(main, 0.7))
                } else {
                    Some(accent)
                }
            });
            c.fill(darker(main, 0.8), (0.06, 0.06, 0.94, 0.94), |u, v| {
                !(0.1..=0.9).contains(&u) || !(0.1..=0.9).contains(&v)
            });
        }
        Pic::Sarung => {
            c.paint((0.06, 0.06, 0.94, 0.94), |u, v| {
                let band = |t: f32| {
                    let f = (t * 7.0).fract();
                    if f < 0.18 {
                        2
                    } else if f < 0.26 {
                        1
                    } else {
                        0
                    }
                };
                Some(match (band(u), band(v)) {
                    (2, 2) => darker(main, 0.45),
                    (2, _) | (_, 2) => darker(main, 0.7),
                    (1, _) | (_, 1) => accent,
                    _ => main,
                })
            });
        }
        Pic::Sack => {
            c.shadow(bg, 0.9, 0.3);
            c.round_rect(main, 0.24, 0.24, 0.76, 0.9, 0.08);
            c.ellipse(WHITE, 0.5, 0.25, 0.24, 0.07);
            for (dx, dy) in [
                (-0.12, -0.01),
                (0.0, -0.03),
                (0.1, 0.0),
                (-0.05, 0.02),
                (0.06, 0.03),
            ] {
                c.ellipse([235, 232, 220], 0.5 + dx, 0.25 + dy, 0.03, 0.015);
            }
            c.rect(accent, 0.24, 0.55, 0.76, 0.63);
            c.rect(darker(main, 0.85), 0.24, 0.7, 0.76, 0.72);
        }
        Pic::Basket => {
            c.shadow(bg, 0.87, 0.32);
            // The handle: a ring's top half.
            c.fill(accent, (0.28, 0.16, 0.72, 0.46), |u, v| {
                in_ellipse(u, v, 0.5, 0.45, 0.2, 0.27) && !in_ellipse(u, v, 0.5, 0.45, 0.16, 0.23)
            });
            // The body: a trapezoid with a woven check.
            c.paint((0.2, 0.42, 0.8, 0.88), |u, v| {
                let t = (v - 0.42) / 0.46;
                let half = 0.3 - 0.07 * t;
                if (u - 0.5).abs() > half {
                    return None;
                }
                let (a, b) = (((u + v) * 18.0) as i32, ((u - v + 1.0) * 18.0) as i32);
                Some(if (a + b) % 2 == 0 {
                    main
                } else {
                    darker(main, 0.78)
                })
            });
            c.rect(accent, 0.2, 0.42, 0.8, 0.46);
        }
        Pic::Soap => {
            c.shadow(bg, 0.78, 0.32);
            c.round_rect(darker(main, 0.8), 0.2, 0.45, 0.8, 0.76, 0.05);
            c.round_rect(main, 0.2, 0.4, 0.8, 0.66, 0.05);
            c.round_rect(lighter(main, 0.3), 0.3, 0.46, 0.7, 0.6, 0.04);
            c.ellipse(accent, 0.62, 0.3, 0.1, 0.045);
            c.ellipse(darker(accent, 0.8), 0.5, 0.33, 0.08, 0.035);
        }
        Pic::Peci => {
            c.shadow(bg, 0.75, 0.3);
            c.ellipse(lighter(main, 0.15), 0.5, 0.36, 0.26, 0.07);
            c.rect(main, 0.24, 0.36, 0.76, 0.7);
            c.ellipse(main, 0.5, 0.7, 0.26, 0.05);
            c.rect(accent, 0.24, 0.6, 0.76, 0.64);
        }
        Pic::Fish => {
            c.ellipse(darker(bg, 0.85), 0.5, 0.6, 0.44, 0.22);
            c.ellipse(accent, 0.5, 0.58, 0.42, 0.2);
            // Tail: a triangle at the right.
            c.fill(darker(main, 0.85), (0.66, 0.42, 0.86, 0.74), |u, v| {
                let t = (u - 0.68) / 0.18;
                (0.0..=1.0).contains(&t) && (v - 0.58).abs() <= 0.04 + 0.12 * t
            });
            c.ellipse(main, 0.45, 0.58, 0.24, 0.1);
            c.fill(lighter(main, 0.4), (0.21, 0.58, 0.69, 0.68), |u, v| {
                in_ellipse(u, v, 0.45, 0.58, 0.24, 0.1) && v > 0.6
            });
            c.ellipse([30, 30, 30], 0.29, 0.56, 0.014, 0.014);
        }
        Pic::Carton => {
            c.shadow(bg, 0.86, 0.34);
            c.rect(darker(main, 0.8), 0.62, 0.3, 0.8, 0.84);
            c.rect(main, 0.2, 0.3, 0.62, 0.86);
            c.rect(lighter(main, 0.2), 0.2, 0.22, 0.8, 0.3);
            c.rect(accent, 0.38, 0.22, 0.44, 0.86);
        }
    }
    c.into_photo()
}

/// Drawn pictures by (picture, colour scheme), each made once.
#[derive(Default)]
pub struct Pictures {
    made: HashMap<(Pic, usize), Photo>,
}

impl Pictures {
    pub fn get(&mut self, pic: Pic, n: usize) -> anyhow::Result<&Photo> {
        use std::collections::hash_map::Entry;
        match self.made.entry((pic, n % 3)) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => Ok(e.insert(draw(pic, n % 3)?)),
        }
    }

    /// How many different pictures were drawn.
    pub fn len(&self) -> usize {
        self.made.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_picture_draws_a_servable_jpeg() {
        for pic in [
            Pic::Chips,
            Pic::Jar,
            Pic::Beans,
            Pic::Bottle,
            Pic::Batik,
            Pic::Sarung,
            Pic::Sack,
            Pic::Basket,
            Pic::Soap,
            Pic::Peci,
            Pic::Fish,
            Pic::Carton,
        ] {
            let p = draw(pic, 1).unwrap();
            assert_eq!((p.width, p.height), (400, 400));
            for bytes in [&p.small, &p.medium, &p.large] {
                assert!(bytes.starts_with(&[0xFF, 0xD8]), "{pic:?} is not a JPEG");
                assert!(bytes.len() > 500, "{pic:?} is suspiciously small");
            }
            // It reads back as an upload would.
            let again = guyub_web::photo::process_photo(&p.large).unwrap();
            assert_eq!(again.width, 400);
        }
    }

    #[test]
    fn pictures_are_drawn_once_per_scheme() {
        let mut ps = Pictures::default();
        ps.get(Pic::Jar, 0).unwrap();
        ps.get(Pic::Jar, 3).unwrap();
        ps.get(Pic::Jar, 1).unwrap();
        assert_eq!(ps.len(), 2);
    }
}
