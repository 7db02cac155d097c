//! Region choice (province → regency/city → district → village) from lists, never typed.
//!
//! Without JavaScript the form's "update lists" button re-renders it with the next level's
//! options; with JavaScript `/wilayah?induk=CODE` fills them in place.

use axum::Json;
use axum::extract::Query;
use guyub_core::region::{self, RegionCode};
use serde::{Deserialize, Serialize};

/// One option of a select.
#[derive(Debug, Clone, Serialize)]
pub struct Opt {
    pub kode: String,
    pub nama: String,
    #[serde(skip)]
    pub selected: bool,
}

/// The four cascading selects of an address, with what is chosen so far.
#[derive(Debug, Clone, Default)]
pub struct RegionSelect {
    pub province: Vec<Opt>,
    pub regency: Vec<Opt>,
    pub district: Vec<Opt>,
    pub village: Vec<Opt>,
}

/// The raw values of the four selects as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegionFields {
    #[serde(default)]
    pub prov: String,
    #[serde(default)]
    pub kab: String,
    #[serde(default)]
    pub kec: String,
    #[serde(default)]
    pub desa: String,
}

impl RegionFields {
    /// The fields for an existing code (village or any level above).
    pub fn from_code(code: &str) -> RegionFields {
        let Ok(c) = RegionCode::parse(code) else {
            return RegionFields::default();
        };
        RegionFields {
            prov: c.province().as_str().to_string(),
            kab: c
                .regency()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
            kec: c
                .district()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
            desa: if c
                .parent()
                .and_then(|p| p.parent())
                .and_then(|p| p.parent())
                .is_some()
            {
                c.as_str().to_string()
            } else {
                String::new()
            },
        }
    }

    /// Drops chosen lower levels that do not lie within the chosen upper level (after the
    /// person changed a province without JavaScript, say).
    pub fn consistent(&self) -> RegionFields {
        let prov = RegionCode::parse(&self.prov).ok();
        let within = |child: &str, parent: &Option<RegionCode>| -> Option<RegionCode> {
            let c = RegionCode::parse(child).ok()?;
            (c.parent().as_ref() == parent.as_ref()).then_some(c)
        };
        let kab = within(&self.kab, &prov);
        let kec = within(&self.kec, &kab);
        let desa = within(&self.desa, &kec);
        let s = |c: &Option<RegionCode>| {
            c.as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default()
        };
        RegionFields {
            prov: s(&prov),
            kab: s(&kab),
            kec: s(&kec),
            desa: s(&desa),
        }
    }

    /// The lists to show for these choices.
    pub fn select(&self) -> RegionSelect {
        let f = self.consistent();
        let opts = |parent: Option<&str>, chosen: &str| -> Vec<Opt> {
            let parent = match parent {
                None => None,
                Some("") => return vec![],
                Some(p) => match RegionCode::parse(p) {
                    Ok(c) => Some(c),
                    Err(_) => return vec![],
                },
            };
            region::children(parent.as_ref())
                .into_iter()
                .map(|(c, n)| Opt {
                    selected: c.as_str() == chosen,
                    kode: c.as_str().to_string(),
                    nama: n.to_string(),
                })
                .collect()
        };
        RegionSelect {
            province: opts(None, &f.prov),
            regency: opts(Some(&f.prov), &f.kab),
            district: opts(Some(&f.kab), &f.kec),
            village: opts(Some(&f.kec), &f.desa),
        }
    }
}

#[derive(Deserialize)]
pub struct ChildrenQuery {
    induk: Option<String>,
}

/// `GET /wilayah?induk=35.73`: the children of a region, for the selects' script. Public
/// data (Kemendagri codes), so no sign-in is needed.
pub async fn children(Query(q): Query<ChildrenQuery>) -> Json<Vec<Opt>> {
    let parent = q.induk.as_deref().and_then(|c| RegionCode::parse(c).ok());
    if q.induk.is_some() && parent.is_none() {
        return Json(vec![]);
    }
    Json(
        region::children(parent.as_ref())
            .into_iter()
            .map(|(c, n)| Opt {
                kode: c.as_str().to_string(),
                nama: n.to_string(),
                selected: false,
            })
            .collect(),
    )
}
