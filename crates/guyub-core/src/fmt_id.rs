//! Dates, times and money written the way Indonesian readers expect.
//!
//! Indonesian writes `7 Agustus 2019` and `14.05` (a dot between hours and minutes), and always
//! names the time zone, since the country has three. These are the only formats pages and
//! documents use, so that one date never appears in two styles.

use time::{Date, OffsetDateTime};

use crate::coop::CoopTimeZone;
use crate::lang::Lang;
use crate::money::Rupiah;

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name of month `m` (1 = January). Empty for a number outside 1–12, so a bad value shows
/// as a gap rather than crashing a page.
pub fn month_name(m: u8, lang: Lang) -> &'static str {
    let names = match lang {
        Lang::Id => &MONTHS_ID,
        Lang::En => &MONTHS_EN,
    };
    usize::from(m)
        .checked_sub(1)
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or_default()
}

/// `7 Agustus 2019` / `7 August 2019`.
pub fn tanggal(d: Date, lang: Lang) -> String {
    format!(
        "{} {} {}",
        d.day(),
        month_name(u8::from(d.month()), lang),
        d.year()
    )
}

/// `7 Agustus 2019 14.05 WIB` / `7 August 2019 14:05 WIB`: the moment `t` in the coop's time
/// zone, whatever offset `t` carries.
pub fn waktu(t: OffsetDateTime, tz: CoopTimeZone, lang: Lang) -> String {
    let local = t.to_offset(tz.offset());
    let sep = match lang {
        Lang::Id => '.',
        Lang::En => ':',
    };
    format!(
        "{} {:02}{sep}{:02} {}",
        tanggal(local.date(), lang),
        local.hour(),
        local.minute(),
        tz.label(lang)
    )
}

/// `Rp 1.250.000`; the same as `Rupiah`'s `Display`, for templates that call functions.
pub fn rupiah(r: Rupiah) -> String {
    r.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates() {
        assert_eq!(tanggal(date!(2019 - 08 - 07), Lang::Id), "7 Agustus 2019");
        assert_eq!(tanggal(date!(2019 - 08 - 07), Lang::En), "7 August 2019");
        assert_eq!(tanggal(date!(2024 - 12 - 31), Lang::Id), "31 Desember 2024");
        assert_eq!(month_name(1, Lang::Id), "Januari");
        assert_eq!(month_name(5, Lang::Id), "Mei");
        assert_eq!(month_name(12, Lang::En), "December");
        assert_eq!(month_name(0, Lang::Id), "");
        assert_eq!(month_name(13, Lang::Id), "");
    }

    #[test]
    fn times_are_shown_in_the_coop_zone() {
        let t = datetime!(2019-08-07 07:05 UTC);
        assert_eq!(
            waktu(t, CoopTimeZone::Wib, Lang::Id),
            "7 Agustus 2019 14.05 WIB"
        );
        assert_eq!(
            waktu(t, CoopTimeZone::Wib, Lang::En),
            "7 August 2019 14:05 WIB"
        );
        assert_eq!(
            waktu(t, CoopTimeZone::Wita, Lang::Id),
            "7 Agustus 2019 15.05 WITA"
        );
        // Crossing midnight changes the date.
        let late = datetime!(2019-08-07 20:30 UTC);
        assert_eq!(
            waktu(late, CoopTimeZone::Wit, Lang::Id),
            "8 Agustus 2019 05.30 WIT"
        );
        // The input's own offset does not matter, only the moment.
        let same = datetime!(2019-08-07 14:05 +7);
        assert_eq!(
            waktu(same, CoopTimeZone::Wib, Lang::Id),
            "7 Agustus 2019 14.05 WIB"
        );
    }

    #[test]
    fn money() {
        assert_eq!(rupiah(Rupiah(1_250_000)), "Rp 1.250.000");
        assert_eq!(rupiah(Rupiah(-5_000)), "-Rp 5.000");
    }
}
