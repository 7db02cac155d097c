//! Who a user is to the platform: roles, permissions, e-mail addresses, passwords.
//!
//! Authorization is decided once, at the edge, from the role a user holds in a coop (or a
//! region, or the platform). The one table of who may do what is the web layer's
//! `Access::allows` (crates/guyub-web/src/auth.rs), which pages and the JSON API share, so they
//! can never disagree; this module only names the roles.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::{FieldError, Lang, Msg};

/// A role a user holds. Coop roles keep their legal Indonesian names (UU 25/1992).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform (instances, accounts); holds no power inside a coop's books.
    Admin,
    /// A province or regency cooperative office: oversight of aggregates, never personal data.
    Dinas,
    /// The board, elected by the members: runs the coop.
    Pengurus,
    /// The supervisors, elected by the members: examine everything, change nothing.
    Pengawas,
    /// The cashier: takes payments and deposits.
    Kasir,
    /// A member: sees their own savings, SHU and votes.
    Anggota,
    /// Curates products for the marketplace (OPOP, Tomiko).
    Curator,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Dinas,
        Role::Pengurus,
        Role::Pengawas,
        Role::Kasir,
        Role::Anggota,
        Role::Curator,
    ];

    /// The stable code, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dinas => "dinas",
            Role::Pengurus => "pengurus",
            Role::Pengawas => "pengawas",
            Role::Kasir => "kasir",
            Role::Anggota => "anggota",
            Role::Curator => "curator",
        }
    }

    /// Reads a stable code (exact, after trimming).
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Admin, Lang::Id) => "Admin platform",
            (Role::Dinas, Lang::Id) => "Dinas Koperasi",
            (Role::Pengurus, Lang::Id) => "Pengurus",
            (Role::Pengawas, Lang::Id) => "Pengawas",
            (Role::Kasir, Lang::Id) => "Kasir",
            (Role::Anggota, Lang::Id) => "Anggota",
            (Role::Curator, Lang::Id) => "Kurator",
            (Role::Admin, Lang::En) => "Platform admin",
            (Role::Dinas, Lang::En) => "Cooperative office",
            (Role::Pengurus, Lang::En) => "Board (pengurus)",
            (Role::Pengawas, Lang::En) => "Supervisor (pengawas)",
            (Role::Kasir, Lang::En) => "Cashier",
            (Role::Anggota, Lang::En) => "Member",
            (Role::Curator, Lang::En) => "Curator",
        }
    }

    /// A role held inside one coop (the grant names the coop).
    pub fn is_coop_role(self) -> bool {
        matches!(
            self,
            Role::Pengurus | Role::Pengawas | Role::Kasir | Role::Anggota
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An e-mail address, trimmed and lower-cased, so one address is one account whatever case it
/// was typed in. Only the shape is checked (one `@`, a dotted domain); whether mail arrives is
/// for a confirmation mail to prove.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    Empty,
    /// Over 254 characters (the SMTP limit).
    TooLong,
    /// A space or control character inside.
    Whitespace,
    /// Not exactly one `@`.
    At,
    /// Nothing before the `@`.
    NoLocalPart,
    /// No domain, or one without a dot, or with an empty label (`a@b..c`, `a@.b`).
    BadDomain,
}

impl EmailError {
    /// The message for a person, in both languages.
    pub fn msg(&self) -> Msg {
        const EX_ID: &str = "contoh: nama@contoh.id";
        const EX_EN: &str = "e.g. name@example.com";
        match self {
            EmailError::Empty => {
                Msg::new("Alamat email wajib diisi", "The email address is required")
            }
            EmailError::TooLong => Msg::new(
                "Alamat email terlalu panjang (paling banyak 254 karakter)",
                "The email address is too long (at most 254 characters)",
            ),
            EmailError::Whitespace => Msg::new(
                format!("Alamat email tidak boleh berisi spasi ({EX_ID})"),
                format!("An email address cannot contain spaces ({EX_EN})"),
            ),
            EmailError::At => Msg::new(
                format!("Alamat email harus berisi tepat satu tanda @ ({EX_ID})"),
                format!("An email address must contain exactly one @ ({EX_EN})"),
            ),
            EmailError::NoLocalPart => Msg::new(
                format!("Bagian sebelum tanda @ tidak boleh kosong ({EX_ID})"),
                format!("The part before the @ cannot be empty ({EX_EN})"),
            ),
            EmailError::BadDomain => Msg::new(
                format!("Nama domain setelah tanda @ tidak sah ({EX_ID})"),
                format!("The domain after the @ is not valid ({EX_EN})"),
            ),
        }
    }
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.msg().fmt(f)
    }
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, EmailError> {
        let e = s.trim().to_lowercase();
        if e.is_empty() {
            return Err(EmailError::Empty);
        }
        if e.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let mut parts = e.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At);
        };
        if local.is_empty() {
            return Err(EmailError::NoLocalPart);
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(EmailError::BadDomain);
        }
        Ok(Email(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializing validates (and normalises), like [`Email::parse`].
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Refuses passwords that are too easy to guess or too long to hash cheaply: 10–128
/// characters, not one character repeated, not only digits (a birth date or phone number).
/// The password is not trimmed: spaces are characters like any other. Field `password`.
pub fn check_password(pw: &str) -> Result<(), FieldError> {
    let err = |id: &str, en: &str| Err(FieldError::new("password", Msg::new(id, en)));
    let n = pw.chars().count();
    if n < 10 {
        return err(
            "Kata sandi minimal 10 karakter",
            "The password must have at least 10 characters",
        );
    }
    if n > 128 {
        return err(
            "Kata sandi paling banyak 128 karakter",
            "The password may have at most 128 characters",
        );
    }
    let mut chars = pw.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return err(
            "Kata sandi tidak boleh satu karakter yang diulang-ulang",
            "The password cannot be one character repeated",
        );
    }
    if pw.chars().all(|c| c.is_ascii_digit()) {
        return err(
            "Kata sandi tidak boleh hanya angka; tambahkan huruf",
            "The password cannot be only digits; add letters",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    #[test]
    fn roles() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
            assert!(!r.label(Lang::En).is_empty());
        }
        assert_eq!(Role::parse("Pengurus"), None);
        assert_eq!(Role::Dinas.label(Lang::Id), "Dinas Koperasi");
        assert_eq!(Role::Admin.label(Lang::Id), "Admin platform");
        assert_eq!(Role::Curator.label(Lang::Id), "Kurator");

        let who = |p: fn(Role) -> bool| -> Vec<&str> {
            Role::ALL
                .iter()
                .copied()
                .filter(|r| p(*r))
                .map(Role::as_str)
                .collect()
        };
        assert_eq!(
            who(Role::is_coop_role),
            ["pengurus", "pengawas", "kasir", "anggota"]
        );
        // Who may do what inside a coop is the web's Access table, tested there
        // (crates/guyub-web/tests/access.rs).
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Siti@Koperasi.ID ").unwrap().as_str(),
            "siti@koperasi.id"
        );
        assert_eq!(
            Email::parse("a.b+c@mail.co.id").unwrap().to_string(),
            "a.b+c@mail.co.id"
        );
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("a b@c.id"), Err(EmailError::Whitespace));
        assert_eq!(Email::parse("siti.koperasi.id"), Err(EmailError::At));
        assert_eq!(Email::parse("a@b@c.id"), Err(EmailError::At));
        assert_eq!(Email::parse("@c.id"), Err(EmailError::NoLocalPart));
        assert_eq!(Email::parse("a@localhost"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@.id"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@b..id"), Err(EmailError::BadDomain));
        assert_eq!(Email::parse("a@b.id."), Err(EmailError::BadDomain));
        let long = format!("{}@b.id", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
        let max = format!("{}@b.id", "a".repeat(249));
        assert!(Email::parse(&max).is_ok());
        for e in [
            EmailError::Empty,
            EmailError::TooLong,
            EmailError::Whitespace,
            EmailError::At,
            EmailError::NoLocalPart,
            EmailError::BadDomain,
        ] {
            assert!(!e.msg().id.is_empty() && !e.msg().en.is_empty());
        }
        let d: StrDeserializer<'_, DeError> = "X@Y.ID".into_deserializer();
        assert_eq!(Email::deserialize(d).unwrap().as_str(), "x@y.id");
    }

    #[test]
    fn passwords() {
        assert!(check_password("guyub rukun 2019").is_ok());
        assert!(check_password("abcdefghij").is_ok());
        let e = check_password("pendek").unwrap_err();
        assert_eq!(e.field, "password");
        assert!(e.msg.id.contains("minimal 10"));
        assert!(
            check_password(&"ab".repeat(65))
                .unwrap_err()
                .msg
                .id
                .contains("128")
        );
        assert!(check_password(&"ab".repeat(64)).is_ok());
        assert!(
            check_password("aaaaaaaaaaaa")
                .unwrap_err()
                .msg
                .id
                .contains("diulang")
        );
        assert!(
            check_password("081234567890")
                .unwrap_err()
                .msg
                .id
                .contains("hanya angka")
        );
        // Counted in characters, not bytes.
        assert!(check_password("ééééé").is_err());
        assert!(check_password("éééééééééx").is_ok());
    }
}
