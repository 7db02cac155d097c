//! Property tests of the QRIS codec over generated payloads: every generated valid code
//! round-trips byte for byte, any single-character corruption of it is detected, and its
//! conversion to a dynamic code always validates.

use guyub_core::money::Rupiah;
use guyub_core::payment::qris::{
    ConvenienceFee, Fee, PointOfInitiation, Qris, QrisAmount, Tag, Tlv, Warning, crc_hex, crc16,
};
use guyub_core::percent::BasisPoints;
use proptest::prelude::*;
use proptest::sample::select;

const MAX_AMOUNT: i64 = 9_999_999_999_999;

fn tlv(tag: u8, value: &str) -> String {
    format!("{tag:02}{:02}{value}", value.chars().count())
}

fn template(subs: &[(u8, String)]) -> String {
    subs.iter().map(|(t, v)| tlv(*t, v)).collect()
}

fn ans(min: usize, max: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[ -~]{{{min},{max}}}"))
        .expect("regex")
        .boxed()
}

fn digits(min: usize, max: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[0-9]{{{min},{max}}}"))
        .expect("regex")
        .boxed()
}

fn criteria() -> impl Strategy<Value = String> {
    select(vec!["UMI", "UKE", "UME", "UBE", "URE"]).prop_map(str::to_owned)
}

fn amount_text() -> impl Strategy<Value = String> {
    (1i64..=MAX_AMOUNT, prop::option::of(0u8..100)).prop_map(|(n, sen)| {
        let whole = n.to_string();
        match sen {
            Some(s) if whole.len() + 3 <= 13 => format!("{whole}.{s:02}"),
            _ => whole,
        }
    })
}

/// A provider template (26–45).
fn provider() -> impl Strategy<Value = String> {
    (
        select(vec![
            "COM.GO-JEK.WWW",
            "ID.DANA.WWW",
            "id.ovo",
            "ID.CO.BCA.WWW",
            "00",
        ]),
        digits(16, 19),
        proptest::string::string_regex("[A-Za-z0-9]{1,15}").expect("regex"),
        prop::option::of(criteria()),
    )
        .prop_map(|(gui, pan, mid, crit)| {
            let mut subs = vec![(0, gui.to_owned()), (1, pan), (2, mid)];
            if let Some(c) = crit {
                subs.push((3, c));
            }
            template(&subs)
        })
}

fn repository() -> impl Strategy<Value = String> {
    (
        select(vec!["ID.CO.QRIS.WWW", "ID.OR.GPNQR.WWW"]),
        digits(13, 13),
        criteria(),
    )
        .prop_map(|(gui, n, c)| template(&[(0, gui.to_owned()), (2, format!("ID{n}")), (3, c)]))
}

fn additional() -> impl Strategy<Value = String> {
    (
        prop::option::of(ans(1, 25)),
        prop::option::of(Just("***".to_owned())),
        prop::option::of(ans(1, 25)),
        prop::option::of(select(vec!["A", "ME", "AME", "E"]).prop_map(str::to_owned)),
        prop::option::of(ans(1, 20)),
    )
        .prop_map(|(bill, ref_label, terminal, request, ps)| {
            let mut subs = vec![];
            if let Some(v) = bill {
                subs.push((1, v));
            }
            if let Some(v) = ref_label {
                subs.push((5, v));
            }
            subs.push((7, terminal.unwrap_or_else(|| "A01".into())));
            if let Some(v) = request {
                subs.push((9, v));
            }
            if let Some(v) = ps {
                subs.push((99, v));
            }
            template(&subs)
        })
}

/// Template 64. `unicode`: the alternate name and city in any script.
fn language(unicode: bool) -> BoxedStrategy<String> {
    let text = |max: usize| -> BoxedStrategy<String> {
        if unicode {
            proptest::string::string_regex(&format!("\\PC{{1,{max}}}"))
                .expect("regex")
                .boxed()
        } else {
            ans(1, max)
        }
    };
    (
        select(vec!["ID", "ZH", "JV"]),
        text(25),
        prop::option::of(text(15)),
    )
        .prop_map(|(lang, name, city)| {
            let mut subs = vec![(0, lang.to_owned()), (1, name)];
            if let Some(c) = city {
                subs.push((2, c));
            }
            template(&subs)
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum FeeTags {
    None,
    Tip,
    Fixed(String),
    Percent(String),
}

fn fee_tags() -> impl Strategy<Value = FeeTags> {
    prop_oneof![
        Just(FeeTags::None),
        Just(FeeTags::Tip),
        amount_text().prop_map(FeeTags::Fixed),
        (0u32..100, 0u32..100)
            .prop_filter("more than zero", |(w, f)| w + f > 0)
            .prop_map(|(w, f)| FeeTags::Percent(format!("{w}.{f:02}"))),
    ]
}

/// A valid QRIS payload: 00 first, 63 last with a correct CRC, everything else shuffled.
/// `unicode`: template 64 (when present) may hold any script. `with64`: whether 64 may appear.
fn payload(unicode: bool, with64: bool) -> impl Strategy<Value = String> {
    let lang = if with64 {
        prop::option::of(language(unicode)).boxed()
    } else {
        Just(None).boxed()
    };
    (
        (
            prop::option::of(select(vec!["11", "12"])),
            provider(),
            prop::option::of((27u8..=45, provider())),
            prop::option::of(repository()),
            digits(4, 4),
            prop::option::of(amount_text()),
            fee_tags(),
        ),
        (
            ans(1, 25),
            ans(1, 15),
            ans(1, 10),
            prop::option::of(additional()),
            lang,
            prop::option::of((80u8..=99, ans(1, 30))),
        ),
    )
        .prop_flat_map(
            |(
                (poi, prov, prov2, repo, mcc, amount, fee),
                (name, city, postal, add, lang, unres),
            )| {
                let mut objs: Vec<String> = Vec::new();
                if let Some(p) = poi {
                    objs.push(tlv(1, p));
                }
                objs.push(tlv(26, &prov));
                if let Some((t, v)) = prov2 {
                    objs.push(tlv(t, &v));
                }
                // A static code must carry 51.
                match (repo, poi) {
                    (Some(r), _) => objs.push(tlv(51, &r)),
                    (None, Some("11")) => objs.push(tlv(
                        51,
                        &template(&[(0, "ID.CO.QRIS.WWW".into()), (2, "ID1026562375893".into())]),
                    )),
                    _ => {}
                }
                objs.push(tlv(52, &mcc));
                objs.push(tlv(53, "360"));
                if let Some(a) = amount {
                    objs.push(tlv(54, &a));
                }
                match fee {
                    FeeTags::None => {}
                    FeeTags::Tip => objs.push(tlv(55, "01")),
                    FeeTags::Fixed(f) => {
                        objs.push(tlv(55, "02"));
                        objs.push(tlv(56, &f));
                    }
                    FeeTags::Percent(p) => {
                        objs.push(tlv(55, "03"));
                        objs.push(tlv(57, &p));
                    }
                }
                objs.push(tlv(58, "ID"));
                objs.push(tlv(59, &name));
                objs.push(tlv(60, &city));
                objs.push(tlv(61, &postal));
                if let Some(a) = add {
                    objs.push(tlv(62, &a));
                }
                if let Some(l) = lang {
                    objs.push(tlv(64, &l));
                }
                if let Some((t, v)) = unres {
                    objs.push(tlv(t, &template(&[(0, "COM.EXAMPLE".into()), (1, v)])));
                }
                Just(objs).prop_shuffle()
            },
        )
        .prop_map(|objs| {
            let mut s = String::from("000201");
            for o in objs {
                s.push_str(&o);
            }
            s.push_str("6304");
            let c = crc_hex(crc16(s.as_bytes()));
            s.push_str(std::str::from_utf8(&c).expect("hex"));
            s
        })
        // No template over 99 characters, no payload over 512.
        .prop_filter("fits the limits", |s| {
            s.chars().count() <= 512
                && Tlv::parse(s)
                    .map(|t| t.iter().all(|o| o.len() <= 99))
                    .unwrap_or(false)
        })
}

fn fee() -> impl Strategy<Value = Option<Fee>> {
    prop_oneof![
        Just(None),
        (0i64..=MAX_AMOUNT).prop_map(|f| Some(Fee::Fixed(Rupiah(f)))),
        (0u32..10_000).prop_map(|p| Some(Fee::Percent(BasisPoints(p)))),
    ]
}

/// Checks one corruption: refused, or (a lower-case CRC digit) forgiven with a warning.
fn check_corruption(p: &str, i: usize, r: char) -> Result<(), TestCaseError> {
    let chars: Vec<char> = p.chars().collect();
    let i = i % chars.len();
    prop_assume!(chars[i] != r);
    let mut c = chars.clone();
    c[i] = r;
    let s: String = c.into_iter().collect();
    if let Ok(q) = Qris::parse(&s) {
        let case_only =
            i >= chars.len() - 4 && r.is_ascii_lowercase() && r.eq_ignore_ascii_case(&chars[i]);
        prop_assert!(case_only, "undetected: {} → {:?} in {}", i, r, p);
        prop_assert_eq!(q.as_str(), p);
        let warned = q
            .warnings()
            .iter()
            .any(|w| matches!(w, Warning::LowercaseCrc { .. }));
        prop_assert!(warned, "no warning for a lower-case CRC");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_payloads_round_trip(p in payload(true, true)) {
        let t = Tlv::parse(&p).expect("TLV");
        prop_assert_eq!(t.to_string(), p.clone());
        let q = Qris::parse(&p);
        prop_assert!(q.is_ok(), "{:?}\n{}", q.err().map(|e| e.to_string()), p);
        let q = q.expect("valid");
        prop_assert_eq!(q.as_str(), p.as_str());
        prop_assert_eq!(q.tlv().to_string(), p.clone());
        prop_assert!(q.warnings().iter().all(|w| matches!(w, Warning::NoPointOfInitiation)));
        // Around whitespace is trimmed, and said.
        let padded = format!(" \t{p}\r\n");
        let q2 = Qris::parse(&padded).expect("valid");
        prop_assert_eq!(q2.as_str(), p.as_str());
        let trimmed = matches!(
            q2.warnings().first(),
            Some(Warning::Trimmed { leading: 2, trailing: 2 })
        );
        prop_assert!(trimmed, "no warning for trimmed whitespace");
    }

    /// For ASCII payloads (every real QRIS code) any single-character substitution, by any
    /// character at all, is detected.
    #[test]
    fn any_single_character_corruption_is_detected(
        p in payload(false, true),
        i in any::<usize>(),
        r in any::<char>(),
    ) {
        check_corruption(&p, i, r)?;
    }

    /// The same with ASCII replacements, concentrated where the CRC sits.
    #[test]
    fn corruption_of_the_crc_is_detected(
        p in payload(false, false),
        back in 1usize..=8,
        r in proptest::char::range(' ', '~'),
    ) {
        let n = p.chars().count();
        check_corruption(&p, n - back, r)?;
    }

    #[test]
    fn conversion_output_always_validates(
        p in payload(true, true),
        amount in 1i64..=MAX_AMOUNT,
        fee in fee(),
        again in 1i64..=MAX_AMOUNT,
    ) {
        let q = Qris::parse(&p).expect("valid");
        let d = match q.to_dynamic(Rupiah(amount), fee) {
            Ok(d) => d,
            Err(e) => {
                // The only refusal from a valid code: the result would pass 512 characters.
                prop_assert!(matches!(e.kind(), guyub_core::payment::qris::ErrorKind::TooLong { .. }), "{}", e);
                return Ok(());
            }
        };
        let revalidated = Qris::parse(d.as_str()).expect("output validates");
        // The code built by the converter is exactly what the full validator reads back
        // (text, objects, positions and warnings).
        prop_assert_eq!(&revalidated, &d);
        prop_assert_eq!(d.point_of_initiation(), Some(PointOfInitiation::Dynamic));
        prop_assert_eq!(d.amount().and_then(|a| a.whole()), Some(Rupiah(amount)));
        match fee {
            Some(Fee::Fixed(f)) if f.0 > 0 => prop_assert_eq!(
                d.fee(),
                Some(ConvenienceFee::Fixed(QrisAmount { rupiah: f, sen: 0 }))
            ),
            Some(Fee::Percent(bp)) if bp.0 > 0 => {
                prop_assert_eq!(d.fee(), Some(ConvenienceFee::Percent(bp)))
            }
            _ => prop_assert_eq!(d.fee(), None),
        }
        // Everything but 01, 54–57 and 63 is kept, in order, byte for byte.
        let keep = |t: &Tlv<'_>| -> Vec<String> {
            t.iter()
                .filter(|o| !matches!(o.tag().number(), 1 | 54..=57 | 63))
                .map(|o| { let mut s = String::new(); o.write_to(&mut s); s })
                .collect()
        };
        prop_assert_eq!(keep(&q.tlv()), keep(&d.tlv()));
        // 54 (and the fee) sit just before 58.
        let tags: Vec<u8> = d.tlv().iter().map(|o| o.tag().number()).collect();
        let at58 = tags.iter().position(|t| *t == 58).expect("58");
        let at54 = tags.iter().position(|t| *t == 54).expect("54");
        prop_assert!(at54 < at58 && tags[at54..at58].iter().all(|t| (54..=57).contains(t)));
        // One 01, `12`; inserted right after 00 when the input had none.
        prop_assert_eq!(tags.iter().filter(|t| **t == 1).count(), 1);
        prop_assert_eq!(d.get(Tag::POINT_OF_INITIATION), Some("12"));
        if q.get(Tag::POINT_OF_INITIATION).is_none() {
            prop_assert_eq!(tags[1], 1);
        }
        // Converting again replaces the amount: still one 54.
        if let Ok(d2) = d.to_dynamic(Rupiah(again), None) {
            prop_assert_eq!(d2.amount().and_then(|a| a.whole()), Some(Rupiah(again)));
            prop_assert_eq!(d2.tlv().iter().filter(|o| o.tag() == Tag::AMOUNT).count(), 1);
        }
    }

    /// The TLV layer is lossless for any well-formed list of objects, whatever the tags
    /// (duplicates, reserved, unknown) and whatever the text (any script).
    #[test]
    fn any_tlv_list_round_trips(objs in prop::collection::vec((0u8..=99, "\\PC{0,99}"), 0..20)) {
        let s: String = objs.iter().map(|(t, v)| tlv(*t, v)).collect();
        let t = Tlv::parse(&s).expect("well formed");
        prop_assert_eq!(t.len(), objs.len());
        prop_assert_eq!(t.to_string(), s.clone());
        for (o, (tag, v)) in t.iter().zip(&objs) {
            prop_assert_eq!(o.tag().number(), *tag);
            prop_assert_eq!(o.value(), v.as_str());
        }
    }

    /// Nothing panics on arbitrary input, and whatever parses as TLV writes back identically.
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}|[0-9A-Za-z .]{0,200}") {
        if let Ok(t) = Tlv::parse(&s) {
            prop_assert_eq!(t.to_string(), s.clone());
        }
        let _ = Qris::parse(&s);
    }
}
