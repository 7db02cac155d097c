//! Every vector of `tests/data/qris-dev-vectors.json` (real payloads from open-source QRIS and
//! EMVCo libraries, CRCs recomputed independently): the lossless TLV layer, the decoded
//! values, the strict CRC check, the QRIS verdict, and the expected dynamic conversions.

use std::collections::BTreeMap;

use guyub_core::money::Rupiah;
use guyub_core::payment::qris::{
    ErrorKind, Fee, PointOfInitiation, Qris, Scheme, Tag, Tlv, Warning, crc_hex, crc16,
};
use guyub_core::percent::BasisPoints;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct FeeSpec {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    payload: String,
    crc_ok: bool,
    crc_computed: Option<String>,
    dynamic_amount: Option<String>,
    dynamic_fee: Option<FeeSpec>,
    expected_dynamic: Option<String>,
    decoded: Option<Value>,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("data/qris-dev-vectors.json");
    serde_json::from_str(text).expect("the vector file is valid JSON")
}

/// What each vector must give. A vector added to the file without an entry here fails
/// `every_vector_has_an_expected_verdict`.
enum Verdict {
    Valid(PointOfInitiation),
    CrcMismatch,
    NotQris(fn(&Scheme) -> bool),
}

fn verdict(name: &str) -> Option<Verdict> {
    use PointOfInitiation::*;
    Some(match name {
        "qris-static-dana-conweb"
        | "qris-static-doku-gureum"
        | "qris-static-gopay-anjani"
        | "qris-static-gopay-anjani-pct-fee"
        | "qris-static-gopay-anjani-fixed-fee"
        | "qris-static-spinpay-asterisk-bill" => Verdict::Valid(Static),
        "qris-dynamic-ovo-tims-donuts"
        | "qris-dynamic-ovo-tims-donuts-tip-prompt"
        | "qris-dynamic-bca-ombe-no-51"
        | "qris-dynamic-astrapay-yokke-no-51" => Verdict::Valid(Dynamic),
        "emvco-jp-dongri" => Verdict::NotQris(
            |s| matches!(s, Scheme::Other { country, currency } if country == "JP" && currency == "392"),
        ),
        "promptpay-static-phone" | "promptpay-dynamic-amount-decimals" => {
            Verdict::NotQris(|s| *s == Scheme::PromptPay)
        }
        "vietqr-bad-crc-bbb5" => Verdict::CrcMismatch,
        "vietqr-lowercase-crc" => Verdict::NotQris(|s| *s == Scheme::VietQr),
        "duitnow-official-example-1" => Verdict::NotQris(|s| *s == Scheme::DuitNow),
        _ => return None,
    })
}

/// The payload as the vector file's `decoded` writes it: root tags to values, templates
/// 26–51, 62 and 64 as maps of their sub-tags.
fn decoded(payload: &str) -> Value {
    let tlv = Tlv::parse(payload).expect("TLV parses");
    let mut root = Map::new();
    for o in &tlv {
        let v = if matches!(o.tag().number(), 26..=51 | 62 | 64) {
            let inner = o.expand().expect("template parses");
            let m: Map<String, Value> = inner
                .iter()
                .map(|s| (s.tag().to_string(), Value::String(s.value().to_owned())))
                .collect();
            Value::Object(m)
        } else {
            Value::String(o.value().to_owned())
        };
        root.insert(o.tag().to_string(), v);
    }
    Value::Object(root)
}

#[test]
fn every_vector_has_an_expected_verdict() {
    let vs = vectors();
    assert_eq!(vs.len(), 16);
    for v in &vs {
        assert!(verdict(&v.name).is_some(), "no verdict for {}", v.name);
    }
}

#[test]
fn tlv_round_trips_every_vector_byte_for_byte() {
    for v in vectors() {
        let tlv = Tlv::parse(&v.payload).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(tlv.to_string(), v.payload, "{}", v.name);
        // Templates written back from their expanded content are identical too.
        for o in tlv.iter().filter(|o| o.is_template()) {
            let inner = o.expand().expect("template");
            assert_eq!(inner.to_string(), o.value(), "{} tag {}", v.name, o.tag());
        }
    }
}

#[test]
fn decoded_values_match_every_vector() {
    for v in vectors() {
        let want = v.decoded.as_ref().expect("every vector has `decoded`");
        assert_eq!(&decoded(&v.payload), want, "{}", v.name);
    }
}

#[test]
fn strict_crc_matches_every_vector() {
    for v in vectors() {
        let p = &v.payload;
        let computed = crc_hex(crc16(&p.as_bytes()[..p.len() - 4]));
        let computed = std::str::from_utf8(&computed).expect("hex").to_owned();
        let strict = p.ends_with(&format!("6304{computed}"));
        assert_eq!(strict, v.crc_ok, "{}", v.name);
        if let Some(c) = &v.crc_computed {
            assert_eq!(&computed, c, "{}", v.name);
        }
    }
}

#[test]
fn qris_verdict_of_every_vector() {
    for v in vectors() {
        let got = Qris::parse(&v.payload);
        match verdict(&v.name).expect("verdict") {
            Verdict::Valid(poi) => {
                let q = got.unwrap_or_else(|e| panic!("{}: {e}", v.name));
                assert_eq!(q.as_str(), v.payload, "{}", v.name);
                assert!(q.warnings().is_empty(), "{}: {:?}", v.name, q.warnings());
                assert_eq!(q.point_of_initiation(), Some(poi), "{}", v.name);
                let d = v.decoded.as_ref().expect("decoded");
                assert_eq!(q.merchant_name(), d["59"], "{}", v.name);
                assert_eq!(q.merchant_city(), d["60"], "{}", v.name);
                assert_eq!(q.mcc(), d["52"], "{}", v.name);
                assert_eq!(q.currency(), "360");
                assert_eq!(q.country(), "ID");
                assert_eq!(q.postal_code(), d["61"].as_str(), "{}", v.name);
                assert_eq!(q.nmid(), d["51"]["02"].as_str(), "{}", v.name);
                assert_eq!(
                    q.amount().and_then(|a| a.whole()).map(|r| r.0.to_string()),
                    d["54"].as_str().map(str::to_owned),
                    "{}",
                    v.name
                );
                let acq = q.acquirer().expect("a provider template");
                assert_eq!(acq.gui, d["26"]["00"], "{}", v.name);
                assert!(acq.institution().is_some(), "{}: {}", v.name, acq.gui);
            }
            Verdict::CrcMismatch => {
                let e = got.expect_err(&v.name);
                assert!(
                    matches!(e.kind(), ErrorKind::CrcMismatch { .. }),
                    "{}: {e}",
                    v.name
                );
                assert_eq!(e.tag().map(|t| t.root), Some(Tag::CRC));
                assert_eq!(e.offset(), Some(v.payload.len() - 4));
            }
            Verdict::NotQris(which) => {
                let e = got.expect_err(&v.name);
                match e.kind() {
                    ErrorKind::NotQris { scheme } => {
                        assert!(which(scheme), "{}: {scheme:?}", v.name)
                    }
                    other => panic!("{}: {other:?}", v.name),
                }
                assert!(e.msg().id.contains("bukan kode QRIS"));
                assert!(e.msg().en.contains("not an Indonesian QRIS"));
            }
        }
    }
}

#[test]
fn lowercase_crc_vector_is_forgiven_before_being_refused_as_vietqr() {
    // The CRC check passes (with the warning) and the verdict is about the scheme, not the CRC.
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "vietqr-lowercase-crc")
        .expect("vector");
    let e = Qris::parse(&v.payload).expect_err("not QRIS");
    assert_eq!(
        e.kind(),
        &ErrorKind::NotQris {
            scheme: Scheme::VietQr
        }
    );
    // The same lower-case CRC on a QRIS code is accepted and written back upper case.
    let q = Qris::parse("00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045c12").expect("valid");
    assert!(q.as_str().ends_with("63045C12"));
    assert!(matches!(q.warnings(), [Warning::LowercaseCrc { .. }]));
}

#[test]
fn expected_dynamic_conversions() {
    let mut n = 0;
    for v in vectors() {
        let (Some(amount), Some(want)) = (&v.dynamic_amount, &v.expected_dynamic) else {
            continue;
        };
        let amount = Rupiah::parse_positive(amount).expect("amount");
        let fee = v.dynamic_fee.as_ref().map(|f| match f.kind.as_str() {
            "fixed" => Fee::Fixed(Rupiah::parse(&f.value).expect("fee")),
            "percent" => Fee::Percent(BasisPoints::parse(&f.value).expect("percent")),
            other => panic!("fee type {other}"),
        });
        let q = Qris::parse(&v.payload).expect("valid static");
        let d = q.to_dynamic(amount, fee).expect("converts");
        assert_eq!(d.as_str(), want, "{}", v.name);
        assert_eq!(d.point_of_initiation(), Some(PointOfInitiation::Dynamic));
        assert_eq!(d.amount().and_then(|a| a.whole()), Some(amount));
        // Converting the result again with the same amount gives the same code.
        assert_eq!(d.to_dynamic(amount, fee).expect("again").as_str(), want);
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn reconverting_replaces_the_amount() {
    // qris.md §7.2: 25000 → 40000 gives …5405400005802ID…6304FC60 (the splice method would
    // give two tag-54 objects).
    let conweb = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";
    let d = Qris::parse(conweb)
        .and_then(|q| q.to_dynamic(Rupiah(25_000), None))
        .and_then(|q| q.to_dynamic(Rupiah(40_000), None))
        .expect("converts twice");
    assert!(d.as_str().contains("5405400005802ID"));
    assert!(d.as_str().ends_with("6304FC60"));
    let tlv = d.tlv();
    assert_eq!(tlv.iter().filter(|o| o.tag() == Tag::AMOUNT).count(), 1);
    // A dynamic code with a tip prompt (55=01) loses it: the new amount is what is paid.
    let tip = vectors()
        .into_iter()
        .find(|v| v.name == "qris-dynamic-ovo-tims-donuts-tip-prompt")
        .expect("vector");
    let d = Qris::parse(&tip.payload)
        .and_then(|q| q.to_dynamic(Rupiah(15_000), None))
        .expect("converts");
    assert_eq!(d.fee(), None);
    assert!(d.as_str().contains("5405150005802ID"));
}

/// Every single-character substitution in every valid vector is refused (or, for a change of
/// case in the CRC digits only, accepted with a warning and written back as the original).
#[test]
fn every_single_character_corruption_of_every_valid_vector_is_detected() {
    let mut replacements: Vec<char> = (0x20u8..=0x7E).map(char::from).collect();
    replacements.extend(['\0', '\t', '\n', '\r', '\u{7f}', 'é', 'İ', '€', '北', '😀']);
    let mut tried = 0usize;
    for v in vectors() {
        if !matches!(verdict(&v.name), Some(Verdict::Valid(_))) {
            continue;
        }
        let chars: Vec<char> = v.payload.chars().collect();
        for i in 0..chars.len() {
            for &r in &replacements {
                if r == chars[i] {
                    continue;
                }
                let mut c = chars.clone();
                c[i] = r;
                let s: String = c.into_iter().collect();
                tried += 1;
                match Qris::parse(&s) {
                    Err(_) => {}
                    Ok(q) => {
                        let case_only = i >= chars.len() - 4
                            && r.eq_ignore_ascii_case(&chars[i])
                            && r.is_ascii_lowercase();
                        assert!(case_only, "{} undetected: {i} → {r:?}", v.name);
                        assert_eq!(q.as_str(), v.payload);
                        assert!(matches!(q.warnings(), [Warning::LowercaseCrc { .. }]));
                    }
                }
            }
        }
    }
    assert!(tried > 100_000, "{tried}");
}

#[test]
fn error_messages_name_tag_and_character_in_both_languages() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "qris-static-doku-gureum")
        .expect("vector");
    // Make the length of 59 lie: "5911GUREUM SHOP" → "5919GUREUM SHOP".
    let lie = v.payload.replace("5911GUREUM", "5919GUREUM");
    let e = Qris::parse(&lie).expect_err("refused");
    // The walk finds "RT" (of "JAKARTA") where the next ID should be, 4 + 19 characters on.
    let at = lie.find("5919").expect("there") + 4 + 19;
    assert_eq!(&lie[at..at + 2], "RT");
    assert_eq!(e.tag().map(|t| t.to_string()), Some("59".into()));
    assert_eq!(e.offset(), Some(at));
    let m = e.msg();
    assert!(m.id.contains("panjang tag 59 tidak cocok"), "{}", m.id);
    assert!(
        m.id.contains(&format!("karakter ke-{}", at + 1)),
        "{}",
        m.id
    );
    assert!(
        m.en.contains("the length of tag 59 does not match"),
        "{}",
        m.en
    );
    assert!(m.en.contains(&format!("character {}", at + 1)), "{}", m.en);
    // Offsets count the text as given, before trimming.
    let e = Qris::parse(&format!("\n  {lie}")).expect_err("refused");
    assert_eq!(e.offset(), Some(at + 3));
    let mut by_tag = BTreeMap::new();
    by_tag.insert(e.tag().map(|t| t.to_string()), e.offset());
    assert_eq!(by_tag.len(), 1);
}
