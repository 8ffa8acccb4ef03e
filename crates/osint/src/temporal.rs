//! Date expressions, absolute ("January 11", "11 Jan 2025", "2025-01-11") and relative
//! ("earlier this month", "on the 24th", "last year", "on Saturday", "two days ago", "next
//! week"), resolved against the publication date.

use serde::{Deserialize, Serialize};

use crate::date::{DateRange, Day, Precision, days_in_month};
use crate::text::Token;

/// What a date in the text dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateRole {
    /// Possibly the event (the default).
    Event,
    /// The date a source reported or said something ("according to X on the 24th").
    Report,
}

/// A date expression found in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateMention {
    /// The words as written.
    pub text: String,
    pub sentence: usize,
    /// Resolved range; `None` for a relative date without a publication date.
    pub resolved: Option<DateRange>,
    /// Relative to the publication date ("earlier this month") rather than absolute.
    pub relative: bool,
    pub role: DateRole,
    /// Token range (internal).
    #[serde(skip)]
    pub tokens: (usize, usize),
}

pub(crate) fn month_of(t: &Token) -> Option<u32> {
    if !t.cap {
        return None;
    }
    Some(match t.norm.as_str() {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

fn day_of(t: &Token) -> Option<u32> {
    let s = t.norm.as_str();
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    if digits.is_empty()
        || digits.len() > 2
        || !matches!(suffix, "" | "st" | "nd" | "rd" | "th")
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn ordinal_day(t: &Token) -> Option<u32> {
    let s = t.norm.as_str();
    (s.ends_with("st") || s.ends_with("nd") || s.ends_with("rd") || s.ends_with("th"))
        .then(|| day_of(t))
        .flatten()
}

fn year_of(t: &Token) -> Option<i32> {
    if !t.numeric || t.norm.len() != 4 {
        return None;
    }
    let y: i32 = t.norm.parse().ok()?;
    (1900..=2100).contains(&y).then_some(y)
}

fn weekday_of(t: &Token) -> Option<u32> {
    if !t.cap {
        return None;
    }
    Some(match t.norm.as_str() {
        "monday" => 0,
        "tuesday" => 1,
        "wednesday" => 2,
        "thursday" => 3,
        "friday" => 4,
        "saturday" => 5,
        "sunday" => 6,
        _ => return None,
    })
}

fn number_of(s: &str) -> Option<i32> {
    Some(match s {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "several" | "few" => 3,
        _ => return s.parse().ok().filter(|n| (1..=400).contains(n)),
    })
}

fn month_range(y: i32, m: u32) -> Option<DateRange> {
    DateRange::month(y, m)
}

fn add_months(y: i32, m: u32, delta: i32) -> (i32, u32) {
    let idx = y * 12 + m as i32 - 1 + delta;
    (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32)
}

/// Words after which a date dates the saying, not the event.
const SPEECH: &[&str] = &[
    "said",
    "says",
    "told",
    "reported",
    "reports",
    "announced",
    "stated",
    "added",
    "tweeted",
    "wrote",
    "published",
    "confirmed",
    "according",
];

/// Finds date expressions in one sentence's tokens (`tokens[range]`), with `pub_day` the anchor.
pub(crate) fn find_dates(
    text: &str,
    tokens: &[Token],
    range: (usize, usize),
    pub_day: Option<Day>,
    out: &mut Vec<DateMention>,
) {
    let (lo, hi) = range;
    let tok = |i: usize| -> Option<&Token> { (i >= lo && i < hi).then(|| &tokens[i]) };
    let norm = |i: usize| -> &str { tok(i).map_or("", |t| t.norm.as_str()) };
    let mut i = lo;
    while i < hi {
        let t = &tokens[i];
        let mut found: Option<(usize, Option<DateRange>, bool)> = None; // (end, range, relative)
        // ISO 2025-01-11
        if let Some(y) = year_of(t)
            && let (Some(m), Some(d)) = (tok(i + 1), tok(i + 2))
            && m.numeric
            && d.numeric
            && m.norm.len() == 2
            && d.norm.len() == 2
            && text[t.end..m.start] == *"-"
            && text[m.end..d.start] == *"-"
            && let Some(day) =
                Day::from_ymd(y, m.norm.parse().unwrap_or(0), d.norm.parse().unwrap_or(0))
        {
            found = Some((i + 3, Some(DateRange::day(day)), false));
        }
        // January 11[, 2025] | January 2025 | (in) January
        if found.is_none()
            && let Some(m) = month_of(t)
        {
            if let Some(d) = tok(i + 1).and_then(day_of) {
                let (end, y) = match tok(i + 2).and_then(year_of) {
                    Some(y) => (i + 3, Some(y)),
                    None => (i + 2, None),
                };
                found = Some((end, infer_day(y, m, d, pub_day), y.is_none()));
            } else if let Some(y) = tok(i + 1).and_then(year_of) {
                found = Some((i + 2, month_range(y, m), false));
            } else if (t.norm.len() > 3 || t.norm == "may")
                && (matches!(
                    norm(i.wrapping_sub(1)),
                    "in" | "since"
                        | "early"
                        | "late"
                        | "mid"
                        | "during"
                        | "until"
                        | "last"
                        | "this"
                        | "next"
                ) || (t.norm != "may" && t.norm != "march"))
            {
                let prev = norm(i.wrapping_sub(1));
                let r = pub_day.and_then(|p| {
                    let (py, pm, _) = p.ymd();
                    let y = match prev {
                        "next" => {
                            if m > pm {
                                py
                            } else {
                                py + 1
                            }
                        }
                        "last" => {
                            if m < pm {
                                py
                            } else {
                                py - 1
                            }
                        }
                        _ => {
                            if m <= pm + 1 {
                                py
                            } else {
                                py - 1
                            }
                        }
                    };
                    month_range(y, m)
                });
                let start = if matches!(prev, "last" | "next" | "this") {
                    i - 1
                } else {
                    i
                };
                if r.is_some() || pub_day.is_none() {
                    out.push(mention(text, tokens, start, i + 1, r, true));
                }
                i += 1;
                continue;
            }
        }
        // 11 January [2025] | the 11th of January
        if found.is_none()
            && let Some(d) = day_of(t)
        {
            let (mi, skip_of) = if norm(i + 1) == "of" {
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            if let Some(m) = tok(mi).and_then(month_of) {
                let _ = skip_of;
                let (end, y) = match tok(mi + 1).and_then(year_of) {
                    Some(y) => (mi + 2, Some(y)),
                    None => (mi + 1, None),
                };
                found = Some((end, infer_day(y, m, d, pub_day), y.is_none()));
            } else if norm(i.wrapping_sub(1)) == "the"
                && matches!(norm(i.wrapping_sub(2)), "on" | "since" | "until" | "by")
                && ordinal_day(t).is_some()
            {
                // "on the 24th": this month if the day has come, else last month.
                let r = pub_day.and_then(|p| {
                    let (py, pm, pd) = p.ymd();
                    let (y, m) = if d <= pd {
                        (py, pm)
                    } else {
                        add_months(py, pm, -1)
                    };
                    (d <= days_in_month(y, m))
                        .then(|| Day::from_ymd(y, m, d))
                        .flatten()
                        .map(DateRange::day)
                });
                found = Some((i + 1, r, true));
            }
        }
        // in 2023
        if found.is_none()
            && let Some(y) = year_of(t)
            && matches!(
                norm(i.wrapping_sub(1)),
                "in" | "since" | "during" | "of" | "early" | "late" | "mid"
            )
        {
            found = Some((i + 1, DateRange::year(y), false));
        }
        // Weekdays: on Saturday, last Friday, Friday night
        if found.is_none()
            && let Some(w) = weekday_of(t)
        {
            let strictly_before = norm(i.wrapping_sub(1)) == "last";
            let r = pub_day.map(|p| {
                let back = (p.weekday() as i32 - w as i32).rem_euclid(7);
                let back = if back == 0 && strictly_before {
                    7
                } else {
                    back
                };
                DateRange::day(p.plus(-back))
            });
            let next = norm(i + 1);
            let end = if matches!(next, "night" | "morning" | "evening" | "afternoon") {
                i + 2
            } else {
                i + 1
            };
            found = Some((end, r, true));
        }
        if let Some((end, r, rel)) = found {
            let r = if rel && pub_day.is_none() { None } else { r };
            out.push(mention(text, tokens, i, end, r, rel));
            i = end;
            continue;
        }
        // Relative phrases.
        if let Some(p) = pub_day
            && let Some((len, r, start_back)) = relative(tokens, i, hi, p)
        {
            let start = i - start_back;
            out.push(mention(text, tokens, start, i + len, Some(r), true));
            i += len;
            continue;
        }
        if pub_day.is_none() && matches!(t.norm.as_str(), "yesterday" | "today" | "tomorrow") {
            out.push(mention(text, tokens, i, i + 1, None, true));
        }
        i += 1;
    }
}

fn infer_day(y: Option<i32>, m: u32, d: u32, pub_day: Option<Day>) -> Option<DateRange> {
    match (y, pub_day) {
        (Some(y), _) => Day::from_ymd(y, m, d).map(DateRange::day),
        (None, Some(p)) => {
            let py = p.year();
            let cand = Day::from_ymd(py, m, d)?;
            // A date more than two months after publication is last year's.
            if cand.0 > p.0 + 60 {
                Day::from_ymd(py - 1, m, d).map(DateRange::day)
            } else {
                Some(DateRange::day(cand))
            }
        }
        (None, None) => None,
    }
}

fn mention(
    text: &str,
    tokens: &[Token],
    s: usize,
    e: usize,
    r: Option<DateRange>,
    relative: bool,
) -> DateMention {
    let role = if (1..=3).any(|k| {
        s >= k
            && SPEECH.contains(&tokens[s - k].norm.as_str())
            && tokens[s - k].sentence == tokens[s].sentence
    }) {
        DateRole::Report
    } else {
        DateRole::Event
    };
    DateMention {
        text: text[tokens[s].start..tokens[e - 1].end].to_owned(),
        sentence: tokens[s].sentence,
        resolved: r,
        relative,
        role,
        tokens: (s, e),
    }
}

/// Relative phrases starting at `i`: (tokens consumed, range, tokens to include before `i`).
fn relative(tokens: &[Token], i: usize, hi: usize, p: Day) -> Option<(usize, DateRange, usize)> {
    let w = |k: usize| -> &str {
        if i + k < hi {
            tokens[i + k].norm.as_str()
        } else {
            ""
        }
    };
    let (py, pm, _) = p.ymd();
    let monday = p.plus(-(p.weekday() as i32));
    let this_month = || DateRange::new(p.first_of_month(), p, Precision::Month);
    let r = match (w(0), w(1), w(2)) {
        ("yesterday", _, _) => (1, DateRange::day(p.plus(-1))),
        ("today", _, _) | ("tonight", _, _) => (1, DateRange::day(p)),
        ("tomorrow", _, _) => (1, DateRange::day(p.plus(1))),
        ("last", "night", _) => (2, DateRange::day(p.plus(-1))),
        ("earlier", "this", "month") | ("earlier", "in", "the")
            if w(2) == "month" || w(3) == "month" =>
        {
            (if w(1) == "in" { 4 } else { 3 }, this_month())
        }
        ("this", "month", _) => (2, this_month()),
        ("last", "month", _) | ("previous", "month", _) => {
            let (y, m) = add_months(py, pm, -1);
            (2, DateRange::month(y, m)?)
        }
        ("next", "month", _) => {
            let (y, m) = add_months(py, pm, 1);
            (2, DateRange::month(y, m)?)
        }
        ("earlier", "this", "week") => (3, DateRange::new(monday, p, Precision::Week)),
        ("this", "week", _) => (2, DateRange::new(monday, monday.plus(6), Precision::Week)),
        ("last", "week", _) | ("previous", "week", _) => (
            2,
            DateRange::new(monday.plus(-7), monday.plus(-1), Precision::Week),
        ),
        ("next", "week", _) => (
            2,
            DateRange::new(monday.plus(7), monday.plus(13), Precision::Week),
        ),
        ("past", "week", _) => (2, DateRange::new(p.plus(-7), p, Precision::Week)),
        ("earlier", "this", "year") => (
            3,
            DateRange::new(Day::from_ymd(py, 1, 1)?, p, Precision::Year),
        ),
        ("this", "year", _) => (2, DateRange::year(py)?),
        ("last", "year", _) | ("previous", "year", _) => (2, DateRange::year(py - 1)?),
        ("next", "year", _) => (2, DateRange::year(py + 1)?),
        ("coming", "days", _) => (2, DateRange::new(p.plus(1), p.plus(7), Precision::Week)),
        ("coming", "weeks", _) => (2, DateRange::new(p.plus(1), p.plus(28), Precision::Month)),
        ("days", "ago", _)
        | ("weeks", "ago", _)
        | ("months", "ago", _)
        | ("day", "ago", _)
        | ("week", "ago", _)
        | ("month", "ago", _) => {
            let n = if i > 0 {
                number_of(tokens[i - 1].norm.as_str())?
            } else {
                return None;
            };
            let r = match w(0) {
                "days" | "day" => DateRange::day(p.plus(-n)),
                "weeks" | "week" => {
                    DateRange::new(p.plus(-7 * n - 3), p.plus(-7 * n + 3), Precision::Week)
                }
                _ => {
                    let (y, m) = add_months(py, pm, -n);
                    DateRange::month(y, m)?
                }
            };
            return Some((2, r, 1));
        }
        _ => return None,
    };
    Some((r.0, r.1, 0))
}
