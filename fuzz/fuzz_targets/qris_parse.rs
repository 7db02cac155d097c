//! Fuzz target: the QRIS reader must never panic, whatever it is given, and what it accepts
//! must keep its promises.
//!
//! - `Tlv::parse` → writing back gives the input, byte for byte; every template either
//!   expands or errs.
//! - `Qris::parse` accepts or refuses; an accepted code's canonical text parses again to the
//!   same code, its accessors answer, and its conversion to a dynamic code validates.
//! - Error messages can always be built.

#![no_main]

use guyub_core::money::Rupiah;
use guyub_core::payment::qris::{Fee, Qris, Tlv, describe};
use guyub_core::percent::BasisPoints;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    match Tlv::parse(text) {
        Ok(tlv) => {
            assert_eq!(tlv.to_string(), text, "TLV round trip");
            for o in tlv.iter() {
                if let Ok(inner) = o.expand() {
                    assert_eq!(inner.to_string(), o.value(), "template round trip");
                }
            }
            let _ = describe(&tlv);
        }
        Err(e) => {
            let _ = e.msg();
        }
    }

    match Qris::parse(text) {
        Ok(q) => {
            let again = Qris::parse(q.as_str()).expect("canonical text re-parses");
            assert_eq!(again.as_str(), q.as_str());
            let _ = (
                q.merchant_name(),
                q.merchant_city(),
                q.nmid(),
                q.acquirer(),
                q.criteria(),
                q.mcc(),
                q.amount(),
                q.fee(),
                q.point_of_initiation(),
            );
            for w in q.warnings() {
                let _ = w.msg();
            }
            // Amount and fee from the input bytes, so the fuzzer explores them too.
            let amount = i64::from(u32::from_le_bytes(
                data.get(..4)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or([1, 0, 0, 0]),
            ));
            let fee = match data.len() % 3 {
                0 => None,
                1 => Some(Fee::Fixed(Rupiah(amount / 10))),
                _ => Some(Fee::Percent(BasisPoints((amount % 10_000) as u32))),
            };
            match q.to_dynamic(Rupiah(amount), fee) {
                Ok(d) => {
                    let checked = Qris::parse(d.as_str()).expect("conversion output validates");
                    assert_eq!(checked, d);
                }
                Err(e) => {
                    let _ = e.msg();
                }
            }
        }
        Err(e) => {
            let _ = (e.msg(), e.tag(), e.offset());
        }
    }
});
