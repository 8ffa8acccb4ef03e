use std::cmp::Ordering;
use std::fmt;

/// A STIX timestamp: RFC 3339, UTC (`Z`), optional fractional seconds.
///
/// Kept as seconds since the Unix epoch plus nanoseconds. Fractional digits beyond nanoseconds
/// are rejected rather than silently truncated, so two different timestamps never compare equal.
/// The number of fractional digits given is remembered so that the original text can be
/// reproduced by [`Timestamp::to_stix_string`].
#[derive(Clone, Copy, Eq)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
    digits: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("'{0}' is not an RFC 3339 timestamp in UTC of the form YYYY-MM-DDTHH:MM:SS[.s]Z")]
    Form(String),
    #[error("'{0}' names a date or time that does not exist")]
    Range(String),
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.secs == other.secs && self.nanos == other.nanos
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.secs.hash(state);
        self.nanos.hash(state);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(other.secs, other.nanos))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). The
/// date is not checked: callers validate month and day first.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

impl Timestamp {
    /// Parses the STIX timestamp form `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (RFC 3339, UTC).
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let form = || TimestampError::Form(s.to_owned());
        let b = s.as_bytes();
        if b.len() < 20 || b[b.len() - 1] != b'Z' {
            return Err(form());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            let part = &b[r];
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(form());
            }
            Ok(part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(form());
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let rest = &b[19..b.len() - 1];
        let (nanos, digits) = if rest.is_empty() {
            (0, 0)
        } else {
            if rest[0] != b'.' || rest.len() < 2 || rest.len() > 10 {
                return Err(form());
            }
            let frac = &rest[1..];
            if !frac.iter().all(u8::is_ascii_digit) {
                return Err(form());
            }
            let mut n = frac.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            for _ in frac.len()..9 {
                n *= 10;
            }
            (n, frac.len() as u8)
        };
        let year = i64::from(year);
        let range = || TimestampError::Range(s.to_owned());
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(range());
        }
        // A leap second (60) is accepted by RFC 3339; it is folded onto the next second.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(range());
        }
        let secs = days_from_civil(year, month, day) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Ok(Timestamp { secs, nanos, digits })
    }

    /// A timestamp from microseconds since the Unix epoch, shown with microsecond precision.
    pub fn from_micros(micros: i64) -> Self {
        Timestamp {
            secs: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
            digits: 6,
        }
    }

    /// Current wall-clock time with microsecond precision.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self::from_micros(d.as_micros() as i64)
    }

    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Microseconds since the epoch (sub-microsecond digits truncated).
    pub fn as_micros(&self) -> i64 {
        self.secs * 1_000_000 + i64::from(self.nanos / 1000)
    }

    fn write(&self, out: &mut String, digits: usize) {
        use std::fmt::Write;
        let (y, m, d) = civil_from_days(self.secs.div_euclid(86_400));
        let sod = self.secs.rem_euclid(86_400);
        let _ = write!(out, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, (sod / 60) % 60, sod % 60);
        if digits > 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(&frac[..digits]);
        }
        out.push('Z');
    }

    /// The text form with as many fractional digits as were parsed (at least millisecond
    /// precision is not imposed: `2016-01-01T00:00:00Z` stays as it was).
    pub fn to_stix_string(&self) -> String {
        let mut s = String::with_capacity(30);
        self.write(&mut s, self.digits as usize);
        s
    }

    /// Microsecond-precision text, as TAXII uses for `date_added` and its headers.
    pub fn to_micros_string(&self) -> String {
        let mut s = String::with_capacity(27);
        self.write(&mut s, 6);
        s
    }

    /// A fixed-width key (nanosecond precision) whose byte order equals time order, used to
    /// store and compare versions.
    pub fn sort_key(&self) -> String {
        let mut s = String::with_capacity(30);
        self.write(&mut s, 9);
        s
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_stix_string())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_stix_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_and_orders_by_time() {
        for s in ["2016-05-12T08:17:27Z", "2016-05-12T08:17:27.000Z", "2024-02-29T23:59:59.123456789Z", "1969-12-31T23:59:59.5Z"] {
            assert_eq!(Timestamp::parse(s).unwrap().to_stix_string(), s);
        }
        let a = Timestamp::parse("2016-05-12T08:17:27Z").unwrap();
        let b = Timestamp::parse("2016-05-12T08:17:27.000Z").unwrap();
        let c = Timestamp::parse("2016-05-12T08:17:27.001Z").unwrap();
        assert_eq!(a, b);
        assert!(b < c);
        assert!(a.sort_key() < c.sort_key());
        assert_eq!(a.sort_key(), "2016-05-12T08:17:27.000000000Z");
    }

    #[test]
    fn rejects_non_utc_and_impossible_dates() {
        for s in ["2016-05-12T08:17:27+01:00", "2016-05-12 08:17:27Z", "2016-5-12T08:17:27Z", "2016-05-12T08:17:27.Z", "2016-05-12T08:17:27.1234567890Z"] {
            assert!(matches!(Timestamp::parse(s), Err(TimestampError::Form(_))), "{s}");
        }
        for s in ["2015-02-29T00:00:00Z", "2016-13-01T00:00:00Z", "2016-01-01T24:00:00Z"] {
            assert!(matches!(Timestamp::parse(s), Err(TimestampError::Range(_))), "{s}");
        }
    }

    #[test]
    fn micros_round_trip() {
        let t = Timestamp::from_micros(1_700_000_000_123_456);
        assert_eq!(t.to_micros_string(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(Timestamp::parse(&t.to_micros_string()).unwrap(), t);
        assert_eq!(t.as_micros(), 1_700_000_000_123_456);
    }
}
