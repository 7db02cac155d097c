//! The one macro for the domain's closed code enums.

/// Defines a closed enum of stable codes: `ALL`, `as_str`, `parse`, `label(Lang)`, and serde
/// as the code. The codes are stored in the database and in URLs, so they never change;
/// labels may. Used by `coop`, `ledger` and `savings`.
macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $code:literal, $id:literal, $en:literal; )* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $code)] $variant, )*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// Reads a stable code (exact, after trimming).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// Every value as (code, name) in `lang`: the options of a form's choice.
            pub fn choices(lang: $crate::lang::Lang) -> Vec<(&'static str, &'static str)> {
                $name::ALL.iter().map(|v| (v.as_str(), v.label(lang))).collect()
            }

            /// The name shown to people.
            pub fn label(self, lang: $crate::lang::Lang) -> &'static str {
                match (self, lang) {
                    $(
                        ($name::$variant, $crate::lang::Lang::Id) => $id,
                        ($name::$variant, $crate::lang::Lang::En) => $en,
                    )*
                }
            }
        }
    };
}
pub(crate) use code_enum;

/// Serde for a string newtype with a parsing constructor: written as its string, read back
/// through `parse`, so a deserialized value is as valid as a parsed one. The type needs
/// `Serialize`, `Serializer`, `Deserialize` and `Deserializer` of serde in scope.
macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Deserializing validates, like `parse`.
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_serde;
