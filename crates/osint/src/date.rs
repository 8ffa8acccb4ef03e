//! Civil dates without a time zone: enough calendar arithmetic to resolve what news articles
//! say ("earlier this month", "on the 24th", "last year") against a publication date.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A day in the proleptic Gregorian calendar, counted from 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Day(pub i32);

impl Day {
    /// The day for a year, month (1-12) and day of month (1-31); `None` if it does not exist.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Day(tearline_stix::days_from_civil(i64::from(y), m, d) as i32))
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = tearline_stix::civil_from_days(i64::from(self.0));
        (y as i32, m, d)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// 0 = Monday ... 6 = Sunday.
    pub fn weekday(self) -> u32 {
        (self.0 + 3).rem_euclid(7) as u32
    }

    pub fn plus(self, days: i32) -> Day {
        Day(self.0 + days)
    }

    /// Parses `YYYY-MM-DD`, optionally followed by a time (`T...` or ` ...`) which is ignored.
    pub fn parse(s: &str) -> Option<Day> {
        let s = s.trim();
        let date = s.get(..10)?;
        let rest = &s[10..];
        if !(rest.is_empty()
            || rest.starts_with('T')
            || rest.starts_with('t')
            || rest.starts_with(' '))
        {
            return None;
        }
        let mut it = date.split('-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        Day::from_ymd(y, m, d)
    }

    pub fn first_of_month(self) -> Day {
        let (y, m, _) = self.ymd();
        Day::from_ymd(y, m, 1).unwrap_or(self)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl From<Day> for String {
    fn from(d: Day) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for Day {
    type Error = String;
    fn try_from(s: String) -> Result<Day, String> {
        Day::parse(&s).ok_or_else(|| format!("not a date: {s}"))
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// How precisely a date range is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    Year,
    Month,
    Week,
    Day,
}

/// An inclusive range of days: a single day when `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    pub start: Day,
    pub end: Day,
    pub precision: Precision,
}

impl DateRange {
    pub fn day(d: Day) -> DateRange {
        DateRange {
            start: d,
            end: d,
            precision: Precision::Day,
        }
    }

    pub fn new(start: Day, end: Day, precision: Precision) -> DateRange {
        if start <= end {
            DateRange {
                start,
                end,
                precision,
            }
        } else {
            DateRange {
                start: end,
                end: start,
                precision,
            }
        }
    }

    pub fn month(y: i32, m: u32) -> Option<DateRange> {
        let s = Day::from_ymd(y, m, 1)?;
        let e = Day::from_ymd(y, m, days_in_month(y, m))?;
        Some(DateRange::new(s, e, Precision::Month))
    }

    pub fn year(y: i32) -> Option<DateRange> {
        Some(DateRange::new(
            Day::from_ymd(y, 1, 1)?,
            Day::from_ymd(y, 12, 31)?,
            Precision::Year,
        ))
    }

    pub fn len_days(&self) -> i32 {
        self.end.0 - self.start.0 + 1
    }

    pub fn contains(&self, other: &DateRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Days between the two ranges (0 when they overlap).
    pub fn gap(&self, other: &DateRange) -> i32 {
        if self.overlaps(other) {
            0
        } else if self.end < other.start {
            other.start.0 - self.end.0
        } else {
            self.start.0 - other.end.0
        }
    }

    pub fn intersect(&self, other: &DateRange) -> Option<DateRange> {
        let s = self.start.max(other.start);
        let e = self.end.min(other.end);
        (s <= e).then(|| DateRange {
            start: s,
            end: e,
            precision: self.precision.max(other.precision),
        })
    }

    pub fn clamp_end(self, last: Day) -> DateRange {
        if self.end > last && self.start <= last {
            DateRange { end: last, ..self }
        } else {
            self
        }
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}/{}", self.start, self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(
            Day::from_ymd(2025, 1, 25).map(|d| d.to_string()),
            Some("2025-01-25".into())
        );
        assert_eq!(Day::parse("2025-01-25").map(Day::weekday), Some(5)); // a Saturday
        assert_eq!(Day::from_ymd(2025, 2, 29), None);
        assert_eq!(
            Day::parse("2025-01-25T10:00:00Z"),
            Day::from_ymd(2025, 1, 25)
        );
    }

    proptest! {
        #[test]
        fn ymd_round_trips(n in -200_000i32..200_000) {
            let (y, m, d) = Day(n).ymd();
            prop_assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)));
        }
    }
}
