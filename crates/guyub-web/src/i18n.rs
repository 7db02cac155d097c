//! Interface text in Bahasa Indonesia (default and fallback) and English, from Fluent files
//! embedded at compile time (`locales/{id,en}/main.ftl`).
//!
//! Numbers, money and dates are formatted by `guyub_core::fmt_id`, not by Fluent (whose
//! `NUMBER()` neither groups nor uses the decimal comma).

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use fluent_templates::{LanguageIdentifier, Loader, fluent_bundle::FluentValue, langid};
use guyub_core::Lang;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ID: LanguageIdentifier = langid!("id");
static EN: LanguageIdentifier = langid!("en");

fn langid(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

/// The text for `key` in `lang` (Indonesian when English lacks it).
pub fn t(lang: Lang, key: &str) -> String {
    LOCALES.lookup(langid(lang), key)
}

/// The text for `key` with named arguments.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
        .collect();
    LOCALES.lookup_with_args(langid(lang), key, &map)
}

/// The language of a request: `?lang=` → `lang` cookie → `Accept-Language` → Indonesian.
pub fn lang_of(headers: &HeaderMap, query: Option<&str>) -> Lang {
    if let Some(q) = query {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("lang=") {
                if let Some(l) = Lang::from_tag(v) {
                    return l;
                }
            }
        }
    }
    if let Some(l) = cookie(headers, "lang").and_then(|v| Lang::from_tag(&v)) {
        return l;
    }
    if let Some(al) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    {
        for part in al.split(',') {
            let tag = part.split(';').next().unwrap_or("");
            if let Some(l) = Lang::from_tag(tag) {
                return l;
            }
        }
    }
    Lang::Id
}

/// One cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_is_default_and_fallback() {
        assert_eq!(lang_of(&HeaderMap::new(), None), Lang::Id);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "fr, en;q=0.8".parse().unwrap());
        assert_eq!(lang_of(&h, None), Lang::En);
        assert_eq!(lang_of(&h, Some("lang=id")), Lang::Id);
        assert_eq!(t(Lang::Id, "nav-members"), "Anggota");
        assert_eq!(t(Lang::En, "nav-members"), "Members");
    }
}
