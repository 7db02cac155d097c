//! Payments: QRIS codes, and the QR images that carry them.
//!
//! - [`qris`]: reading, checking and converting QRIS payloads (the text inside the QR code on a
//!   merchant's sticker), as the EMVCo merchant-presented-mode rules and the QRIS standard say.
//! - [`qr`]: drawing a payload as a QR code (SVG, or a matrix of modules for other formats).
//! - [`settings`]: the rules of a coop's payment settings (its static QRIS, bank accounts for
//!   transfers, the merchant discount rate).
//!
//! Everything here is pure: no I/O, no clock, no randomness.

pub mod qr;
pub mod qris;
pub mod settings;
