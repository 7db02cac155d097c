//! A payload explained for people: every tag with its name, its value, a plain reading of
//! the value where there is one, and templates opened up.

use serde::Serialize;

use super::tag::{Tag, TagPath, name};
use super::tlv::{DataObject, Tlv};
use super::validate::{parse_amount, parse_percent};
use crate::lang::Msg;

/// One data object, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Described {
    /// `59`, or `62.07` inside a template.
    pub tag: TagPath,
    /// What the tag is, in both languages.
    pub name: Msg,
    pub value: String,
    /// 0-based character offset of the ID.
    pub offset: usize,
    /// A plain reading of the value (`11` → static, `360` → rupiah, `25000` → Rp 25.000),
    /// when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Msg>,
    /// The content of a template, when the value is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Described>,
}

/// Every object of `tlv`, templates (26–51, 62, 64, 80–99) expanded one level. A template
/// whose content does not parse is shown as its raw value, with a note.
pub fn describe(tlv: &Tlv<'_>) -> Vec<Described> {
    tlv.iter().map(describe_one).collect()
}

fn describe_one(o: &DataObject<'_>) -> Described {
    let (id, en) = name(o.parent(), o.tag());
    let mut d = Described {
        tag: o.path(),
        name: Msg::new(id, en),
        value: o.value().to_owned(),
        offset: o.offset(),
        note: note(o),
        objects: Vec::new(),
    };
    if o.is_template() {
        match o.expand() {
            Ok(inner) => d.objects = inner.iter().map(describe_one).collect(),
            Err(e) => {
                let m = e.msg();
                d.note = Some(Msg::new(
                    format!("isinya bukan daftar data: {}", m.id),
                    format!("its content is not a list of data objects: {}", m.en),
                ));
            }
        }
    }
    d
}

fn note(o: &DataObject<'_>) -> Option<Msg> {
    let v = o.value();
    let path = (o.parent().map(Tag::number), o.tag().number());
    match path {
        (None, 1) => match v {
            "11" => Some(Msg::new(
                "statis: pembayar mengetik nominalnya sendiri",
                "static: the payer types the amount",
            )),
            "12" => Some(Msg::new(
                "dinamis: nominal sudah tercantum, untuk satu pembayaran",
                "dynamic: the amount is included, for one payment",
            )),
            _ => None,
        },
        (None, 53) if v == "360" => Some(Msg::new("rupiah, IDR", "rupiah, IDR")),
        (None, 54 | 56) => parse_amount(v).ok().map(|a| {
            let s = a.to_string();
            Msg::new(s.clone(), s)
        }),
        (None, 55) => match v {
            "01" => Some(Msg::new(
                "aplikasi pembayar meminta pembayar mengisi tip",
                "the payer's app asks the payer for a tip",
            )),
            "02" => Some(Msg::new(
                "biaya layanan tetap (tag 56)",
                "fixed convenience fee (tag 56)",
            )),
            "03" => Some(Msg::new(
                "biaya layanan persentase (tag 57)",
                "percentage convenience fee (tag 57)",
            )),
            _ => None,
        },
        (None, 57) => parse_percent(v).ok().map(|p| {
            let s = p.to_string();
            Msg::new(s.clone(), s)
        }),
        (None, 58) if v == "ID" => Some(Msg::new("Indonesia", "Indonesia")),
        (Some(26..=45), 0 | 1) => {
            let (gui, pan) = if o.tag().number() == 0 {
                (v, None)
            } else {
                ("", Some(v))
            };
            institution_name(gui, pan).map(|n| Msg::new(n, n))
        }
        (Some(26..=51), 3) => criteria_note(v),
        (Some(62), 1..=8) if v == "***" => Some(Msg::new(
            "aplikasi pembayar meminta pembayar mengisinya",
            "the payer's app asks the payer to fill it in",
        )),
        _ => None,
    }
}

fn criteria_note(v: &str) -> Option<Msg> {
    let (id, en) = match v {
        "UMI" => ("usaha mikro", "micro business"),
        "UKE" => ("usaha kecil", "small business"),
        "UME" => ("usaha menengah", "medium business"),
        "UBE" => ("usaha besar", "large business"),
        "URE" => ("reguler", "regular"),
        "PSO" => (
            "layanan publik (public service obligation)",
            "public service obligation",
        ),
        "BLU" => ("badan layanan umum", "public service agency"),
        _ => return None,
    };
    Some(Msg::new(id, en))
}

/// Institution codes (the four digits after NNS `9360` in a merchant PAN) of common QRIS
/// providers, and the GUIs they write in sub-tag 00.
const INSTITUTIONS: [(&str, &str, &str); 11] = [
    ("0914", "COM.GO-JEK.WWW", "GoPay"),
    ("0915", "ID.DANA.WWW", "DANA"),
    ("0912", "ID.OVO", "OVO"),
    ("0911", "ID.LINKAJA.WWW", "LinkAja"),
    ("0014", "ID.CO.BCA.WWW", "BCA"),
    ("0899", "COM.DOKU.WWW", "DOKU"),
    ("0822", "ID.CO.ASTRAPAY.WWW", "AstraPay"),
    ("0816", "ID.SPINPAY.WWW", "SpinPay"),
    ("0009", "ID.CO.BNI.WWW", "BNI"),
    ("0022", "ID.CO.CIMBNIAGA.WWW", "CIMB Niaga"),
    ("0822", "COM.ASTRAPAY.WWW", "AstraPay"),
];

/// The everyday name of a QRIS provider, from the merchant PAN (`9360` + institution code)
/// or else the GUI (case-insensitive). `None` when unknown.
pub fn institution_name(gui: &str, pan: Option<&str>) -> Option<&'static str> {
    if let Some(code) = pan
        .and_then(|p| p.strip_prefix("9360"))
        .and_then(|p| p.get(..4))
        && let Some((_, _, n)) = INSTITUTIONS.iter().find(|(c, _, _)| *c == code)
    {
        return Some(n);
    }
    INSTITUTIONS
        .iter()
        .find(|(_, g, _)| g.eq_ignore_ascii_case(gui))
        .map(|(_, _, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_expands_templates() {
        let p = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";
        let tlv = Tlv::parse(p).expect("parses");
        let d = describe(&tlv);
        assert_eq!(d.len(), tlv.len());
        let poi = &d[1];
        assert_eq!(poi.tag.to_string(), "01");
        assert!(
            poi.note
                .as_ref()
                .is_some_and(|n| n.en.starts_with("static"))
        );
        let acct = &d[2];
        assert_eq!(acct.objects.len(), 4);
        assert_eq!(acct.objects[1].tag.to_string(), "26.01");
        assert_eq!(acct.objects[1].name.en, "Merchant PAN");
        assert_eq!(
            acct.objects[1].note.as_ref().map(|n| n.id.as_str()),
            Some("DANA")
        );
        assert_eq!(
            acct.objects[3].note.as_ref().map(|n| n.id.as_str()),
            Some("usaha mikro")
        );
        let nmid = &d[3].objects[1];
        assert_eq!(nmid.value, "ID1026562375893");
        assert_eq!(nmid.name.en, "NMID (National Merchant ID)");
        let json = serde_json::to_value(&d[3]).expect("serialises");
        assert_eq!(json["tag"], "51");
        assert_eq!(json["objects"][1]["tag"], "51.02");
        assert_eq!(
            json["name"]["id"],
            "Informasi akun merchant: repositori nasional QRIS"
        );
    }

    #[test]
    fn knows_providers() {
        assert_eq!(institution_name("id.ovo", None), Some("OVO"));
        assert_eq!(
            institution_name("00", Some("936000143000616438")),
            Some("BCA")
        );
        assert_eq!(institution_name("X", Some("93609999")), None);
    }
}
