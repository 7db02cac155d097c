//! The seller dashboard's rules: the period a dashboard or an export covers (whole local days,
//! the coop's time zone, usually WIB), the per-day series of a small chart, and the low-stock
//! threshold people type.
//!
//! Invariants:
//! - a [`DayRange`] always has `from <= to` and covers at most [`MAX_RANGE_DAYS`] days, so a
//!   query it bounds is bounded too;
//! - its instants ([`DayRange::start_utc`], [`DayRange::end_utc`]) are in UTC: SQLite keeps
//!   instants as text, where the same instant at another offset would compare as another
//!   string; `end_utc` is exclusive (the start of the day after `to`);
//! - [`by_day`] returns exactly one row per day of the range, oldest first, and its sums equal
//!   the sums of the items inside the range (items outside are ignored, never shifted).

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

use crate::{FieldError, Msg};

/// The longest period a dashboard or an export covers: a year, leap day included.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The default "low stock" line: a variant with this many units or fewer is shown.
pub const DEFAULT_LOW_STOCK: i64 = 5;
/// The largest low-stock line a person may ask for.
pub const MAX_LOW_STOCK: i64 = 100_000;

/// A period of whole local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    from: Date,
    to: Date,
}

fn field(name: &str, id: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(name, Msg::new(id, en))
}

impl DayRange {
    /// A range from `from` to `to`, both included. Refuses an end before the start and a
    /// range longer than [`MAX_RANGE_DAYS`].
    pub fn new(from: Date, to: Date) -> Result<DayRange, FieldError> {
        if to < from {
            return Err(field(
                "to",
                "Tanggal akhir tidak boleh sebelum tanggal awal.",
                "The end date cannot be before the start date.",
            ));
        }
        if (to - from).whole_days() + 1 > MAX_RANGE_DAYS {
            return Err(field(
                "to",
                format!("Rentang tanggal paling lama {MAX_RANGE_DAYS} hari."),
                format!("The date range is at most {MAX_RANGE_DAYS} days."),
            ));
        }
        Ok(DayRange { from, to })
    }

    /// Reads the range a form sent (`2026-05-01` or `01/05/2026`). An empty start means the
    /// first day of `today`'s month, an empty end means `today`: the dashboard opens on "this
    /// month so far". Text that is not a date is refused with a message naming the field.
    pub fn parse(from: &str, to: &str, today: Date) -> Result<DayRange, Vec<FieldError>> {
        let mut errs = vec![];
        let read = |s: &str, name: &str, default: Date, errs: &mut Vec<FieldError>| {
            if s.trim().is_empty() {
                return Some(default);
            }
            let d = crate::member::parse_date(s);
            if d.is_none() {
                errs.push(field(
                    name,
                    "Tanggal tidak dapat dibaca; tulis seperti 2026-05-31 atau 31/05/2026.",
                    "The date cannot be read; write it like 2026-05-31 or 31/05/2026.",
                ));
            }
            d
        };
        let month_start = today.replace_day(1).unwrap_or(today);
        let f = read(from, "from", month_start, &mut errs);
        let t = read(to, "to", today, &mut errs);
        match (f, t) {
            (Some(f), Some(t)) if errs.is_empty() => DayRange::new(f, t).map_err(|e| vec![e]),
            _ => Err(errs),
        }
    }

    pub fn from(&self) -> Date {
        self.from
    }

    pub fn to(&self) -> Date {
        self.to
    }

    /// How many days the range covers (at least 1).
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// The first instant of the range, in UTC.
    pub fn start_utc(&self, offset: UtcOffset) -> OffsetDateTime {
        day_start_utc(self.from, offset)
    }

    /// The first instant after the range (exclusive end), in UTC.
    pub fn end_utc(&self, offset: UtcOffset) -> OffsetDateTime {
        day_start_utc(self.to, offset) + Duration::days(1)
    }

    /// The range as a file name part: `2026-05-01_2026-05-31`.
    pub fn file_part(&self) -> String {
        format!("{}_{}", self.from, self.to)
    }

    /// Each day of the range, oldest first.
    pub fn each_day(&self) -> impl Iterator<Item = Date> + '_ {
        (0..self.days()).map(move |i| self.from + Duration::days(i))
    }
}

/// The start of local day `d` at `offset`, as a UTC instant.
pub fn day_start_utc(d: Date, offset: UtcOffset) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT)
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
}

/// The local day instant `t` falls on at `offset`.
pub fn local_day(t: OffsetDateTime, offset: UtcOffset) -> Date {
    t.to_offset(offset).date()
}

/// One day of the sales chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    pub day: Date,
    /// Orders paid that day.
    pub orders: i64,
    /// What they came to (goods and shipping).
    pub gross: i64,
    /// Refunds booked that day (of orders paid any day).
    pub refunds: i64,
}

impl DaySales {
    pub fn net(&self) -> i64 {
        self.gross - self.refunds
    }
}

/// A sale (`refund` false: an order paid at `at` for `amount`) or a refund (`refund` true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub at: OffsetDateTime,
    pub amount: i64,
    pub refund: bool,
}

/// The sales of `range` day by day (local days at `offset`): one row per day, empty days
/// included, so a chart has no gaps. Movements outside the range are ignored.
pub fn by_day(range: &DayRange, offset: UtcOffset, moves: &[Movement]) -> Vec<DaySales> {
    let mut out: Vec<DaySales> = range
        .each_day()
        .map(|day| DaySales {
            day,
            orders: 0,
            gross: 0,
            refunds: 0,
        })
        .collect();
    for m in moves {
        let d = local_day(m.at, offset);
        if d < range.from || d > range.to {
            continue;
        }
        let i = usize::try_from((d - range.from).whole_days()).unwrap_or(usize::MAX);
        if let Some(row) = out.get_mut(i) {
            if m.refund {
                row.refunds = row.refunds.saturating_add(m.amount);
            } else {
                row.orders += 1;
                row.gross = row.gross.saturating_add(m.amount);
            }
        }
    }
    out
}

/// The height of each day's bar in a chart `height` units tall, by net sales (a day with net
/// refunds draws no bar): the largest day is `height` tall, the others in proportion, rounded
/// down, never negative.
pub fn bar_heights(days: &[DaySales], height: i64) -> Vec<i64> {
    let max = days.iter().map(DaySales::net).max().unwrap_or(0);
    days.iter()
        .map(|d| {
            if max <= 0 || d.net() <= 0 {
                0
            } else {
                i64::try_from(i128::from(d.net()) * i128::from(height) / i128::from(max))
                    .unwrap_or(height)
            }
        })
        .collect()
}

/// Reads the low-stock line a person typed: empty is [`DEFAULT_LOW_STOCK`]; otherwise a whole
/// number from 0 to [`MAX_LOW_STOCK`].
pub fn parse_low_stock(s: &str) -> Result<i64, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(DEFAULT_LOW_STOCK);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=MAX_LOW_STOCK).contains(&n) => Ok(n),
        _ => Err(field(
            "stok",
            format!("Batas stok menipis harus bilangan bulat 0 sampai {MAX_LOW_STOCK}."),
            format!("The low-stock line must be a whole number from 0 to {MAX_LOW_STOCK}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime, offset};

    const WIB: UtcOffset = offset!(+7);

    #[test]
    fn range_bounds_are_utc_instants_of_local_days() {
        let r = DayRange::new(date!(2026 - 05 - 01), date!(2026 - 05 - 31)).unwrap();
        assert_eq!(r.days(), 31);
        assert_eq!(r.start_utc(WIB), datetime!(2026-04-30 17:00 UTC));
        assert_eq!(r.end_utc(WIB), datetime!(2026-05-31 17:00 UTC));
        assert_eq!(r.start_utc(WIB).offset(), UtcOffset::UTC);
        assert_eq!(r.file_part(), "2026-05-01_2026-05-31");
    }

    #[test]
    fn bad_ranges_are_refused_with_a_message() {
        let e = DayRange::new(date!(2026 - 05 - 02), date!(2026 - 05 - 01)).unwrap_err();
        assert_eq!(e.field, "to");
        assert!(e.msg.id.contains("sebelum"));
        let e = DayRange::new(date!(2025 - 01 - 01), date!(2026 - 01 - 02)).unwrap_err();
        assert!(e.msg.id.contains("366"));
        assert!(DayRange::new(date!(2024 - 01 - 01), date!(2024 - 12 - 31)).is_ok());
        let today = date!(2026 - 05 - 20);
        let e = DayRange::parse("31-31-2026", "", today).unwrap_err();
        assert_eq!(e[0].field, "from");
        let r = DayRange::parse("", "", today).unwrap();
        assert_eq!((r.from(), r.to()), (date!(2026 - 05 - 01), today));
        let r = DayRange::parse("01/05/2026", "2026-05-03", today).unwrap();
        assert_eq!(r.days(), 3);
    }

    #[test]
    fn a_late_evening_sale_counts_on_its_wib_day() {
        let r = DayRange::new(date!(2026 - 05 - 01), date!(2026 - 05 - 03)).unwrap();
        let moves = [
            // 23:30 WIB on 1 May is 16:30 UTC.
            Movement {
                at: datetime!(2026-05-01 16:30 UTC),
                amount: 90_000,
                refund: false,
            },
            // 00:30 WIB on 2 May is still 1 May in UTC.
            Movement {
                at: datetime!(2026-05-01 17:30 UTC),
                amount: 22_345,
                refund: false,
            },
            Movement {
                at: datetime!(2026-05-03 02:00 UTC),
                amount: 22_345,
                refund: true,
            },
            // 4 May WIB: outside.
            Movement {
                at: datetime!(2026-05-03 17:00 UTC),
                amount: 1,
                refund: false,
            },
        ];
        let d = by_day(&r, WIB, &moves);
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].orders, d[0].gross, d[0].refunds), (1, 90_000, 0));
        assert_eq!((d[1].orders, d[1].gross, d[1].refunds), (1, 22_345, 0));
        assert_eq!((d[2].orders, d[2].gross, d[2].refunds), (0, 0, 22_345));
        assert_eq!(d[2].net(), -22_345);
        assert_eq!(bar_heights(&d, 40), vec![40, 9, 0]);
    }

    #[test]
    fn low_stock_line() {
        assert_eq!(parse_low_stock(""), Ok(5));
        assert_eq!(parse_low_stock(" 0 "), Ok(0));
        assert_eq!(parse_low_stock("12"), Ok(12));
        assert!(parse_low_stock("-1").is_err());
        assert!(parse_low_stock("lima").is_err());
        assert!(parse_low_stock("100001").is_err());
    }

    proptest! {
        #[test]
        fn by_day_keeps_every_rupiah_inside_the_range(
            start in 0i64..2000,
            len in 1i64..60,
            moves in proptest::collection::vec((0i64..(80 * 86_400), 0i64..1_000_000, any::<bool>()), 0..50),
        ) {
            let from = date!(2024 - 01 - 01) + Duration::days(start);
            let r = DayRange::new(from, from + Duration::days(len - 1)).unwrap();
            let base = r.start_utc(WIB) - Duration::days(10);
            let moves: Vec<Movement> = moves
                .into_iter()
                .map(|(s, amount, refund)| Movement { at: base + Duration::seconds(s), amount, refund })
                .collect();
            let d = by_day(&r, WIB, &moves);
            prop_assert_eq!(d.len() as i64, len);
            let inside: Vec<&Movement> = moves
                .iter()
                .filter(|m| m.at >= r.start_utc(WIB) && m.at < r.end_utc(WIB))
                .collect();
            let gross: i64 = inside.iter().filter(|m| !m.refund).map(|m| m.amount).sum();
            let refunds: i64 = inside.iter().filter(|m| m.refund).map(|m| m.amount).sum();
            let orders = inside.iter().filter(|m| !m.refund).count() as i64;
            prop_assert_eq!(d.iter().map(|x| x.gross).sum::<i64>(), gross);
            prop_assert_eq!(d.iter().map(|x| x.refunds).sum::<i64>(), refunds);
            prop_assert_eq!(d.iter().map(|x| x.orders).sum::<i64>(), orders);
            prop_assert!(bar_heights(&d, 40).iter().all(|h| (0..=40).contains(h)));
        }
    }
}
