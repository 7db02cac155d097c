//! Payments: QRIS codes, and the QR images that carry them.
//!
//! - [`qris`]: reading, checking and converting QRIS payloads (the text inside the QR code on a
//!   merchant's sticker), as the EMVCo merchant-presented-mode rules and the QRIS standard say.
//! - [`qr`]: drawing a payload as a QR code (SVG, or a matrix of modules for other formats).
//! - [`settings`]: the rules of a coop's payment settings (its static QRIS, bank accounts for
//!   transfers, the merchant discount rate).
//! - [`request`]: payment requests (states, expiry, unique codes, references) and the
//!   acquirer's settlement (MDR).
//! - [`statement`]: reading QRIS settlement reports and bank statements, and matching their
//!   lines to open payment requests.
//!
//! Everything here is pure: no I/O, no clock, no randomness.

pub mod gateway;
pub mod qr;
pub mod qris;
pub mod request;
pub mod settings;
pub mod statement;
