//! Generation of realistic, valid STIX 2.1 indicators (~600 bytes each).
//!
//! Every object has a fresh random UUIDv4 id, `created == modified` at the
//! generation time (millisecond precision, as STIX requires for timestamps
//! that are compared), a syntactically valid STIX pattern and enough prose in
//! `description` to land near 600 bytes of JSON, which is typical for
//! indicators exchanged between CERTs.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const THREATS: &[&str] = &[
    "Emotet", "QakBot", "IcedID", "Cobalt Strike", "AsyncRAT", "Remcos", "AgentTesla", "LockBit",
    "BlackCat", "Sliver", "PlugX", "ShadowPad", "Gamaredon", "Sandworm", "Turla", "APT29",
];
const VERBS: &[&str] = &[
    "command-and-control server",
    "payload staging host",
    "phishing landing page",
    "credential harvesting portal",
    "exfiltration endpoint",
    "loader download location",
    "second-stage dropper",
];
const SECTORS: &[&str] = &[
    "energy", "finance", "government", "healthcare", "telecommunications", "transportation",
    "water utilities", "defence",
];
const TLDS: &[&str] = &["com", "net", "org", "info", "xyz", "top", "online", "site"];
const WORDS: &[&str] = &[
    "secure", "update", "cdn", "login", "portal", "cloud", "sync", "mail", "office", "docs",
    "verify", "account", "service", "static", "api", "files", "share", "support",
];

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a unix time in milliseconds.
pub fn rfc3339_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let ms = unix_ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Unix milliseconds of an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SS[.fff...]Z`.
pub fn parse_rfc3339_millis(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = s.get(19..s.len() - 1)?;
    let ms = match frac.strip_prefix('.') {
        Some(f) => {
            let f3: String = f.chars().chain("000".chars()).take(3).collect();
            f3.parse::<i64>().ok()?
        }
        None => 0,
    };
    // days_from_civil (Howard Hinnant)
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = if y2 >= 0 { y2 } else { y2 - 399 } / 400;
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let t = ((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms;
    u64::try_from(t).ok()
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn random_uuid<R: Rng + ?Sized>(rng: &mut R) -> uuid::Uuid {
    let bytes: [u8; 16] = rng.random();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn pick<'a, R: Rng + ?Sized>(rng: &mut R, xs: &'a [&'a str]) -> &'a str {
    xs.choose(rng).copied().unwrap_or("x")
}

fn domain<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!(
        "{}-{}{}.{}",
        pick(rng, WORDS),
        pick(rng, WORDS),
        rng.random_range(1..999),
        pick(rng, TLDS)
    )
}

fn hex<R: Rng + ?Sized>(rng: &mut R, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes * 2);
    for _ in 0..bytes {
        let b: u8 = rng.random();
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// One indicator as a JSON value. `ts` is the created/modified/valid_from time.
pub fn indicator<R: Rng + ?Sized>(rng: &mut R, ts: &str) -> Value {
    let threat = pick(rng, THREATS);
    let role = pick(rng, VERBS);
    let sector = pick(rng, SECTORS);
    let (observable, pattern) = match rng.random_range(0..4) {
        0 => {
            let ip = format!(
                "{}.{}.{}.{}",
                rng.random_range(11..223),
                rng.random_range(0..255),
                rng.random_range(0..255),
                rng.random_range(1..254)
            );
            (format!("IPv4 address {ip}"), format!("[ipv4-addr:value = '{ip}']"))
        }
        1 => {
            let d = domain(rng);
            (format!("domain {d}"), format!("[domain-name:value = '{d}']"))
        }
        2 => {
            let d = domain(rng);
            let p = pick(rng, WORDS);
            let url = format!("https://{d}/{p}/{}.php", rng.random_range(100..99_999));
            (format!("URL {url}"), format!("[url:value = '{url}']"))
        }
        _ => {
            let h = hex(rng, 32);
            (
                format!("file with SHA-256 {h}"),
                format!("[file:hashes.'SHA-256' = '{h}']"),
            )
        }
    };
    let confidence: u8 = rng.random_range(40..100);
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", random_uuid(rng)),
        "created": ts,
        "modified": ts,
        "name": format!("{threat} {role}: {observable}"),
        "description": format!(
            "Used as {role} infrastructure by {threat} operators against the {sector} sector; \
             found by passive DNS pivoting and sandbox detonation. Block and hunt in proxy logs."
        ),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": ts,
        "confidence": confidence,
        "labels": [threat.to_lowercase().replace(' ', "-")],
    })
}

/// `n` indicators, all with the current timestamp.
pub fn indicators<R: Rng + ?Sized>(rng: &mut R, n: usize) -> Vec<Value> {
    let ts = rfc3339_millis(now_ms());
    (0..n).map(|_| indicator(rng, &ts)).collect()
}

/// A TAXII 2.1 envelope body.
pub fn envelope(objects: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "objects": objects })).expect("serialise envelope")
}

/// A STIX 2.1 bundle body.
pub fn bundle<R: Rng + ?Sized>(rng: &mut R, objects: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "bundle",
        "id": format!("bundle--{}", random_uuid(rng)),
        "objects": objects,
    }))
    .expect("serialise bundle")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339_millis(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
    }

    #[test]
    fn parse_roundtrip() {
        for t in [0u64, 951_782_400_123, 1_735_689_599_999, 1_795_000_000_456] {
            assert_eq!(parse_rfc3339_millis(&rfc3339_millis(t)), Some(t));
        }
        assert_eq!(parse_rfc3339_millis("2026-11-23T01:23:05.609800Z"), parse_rfc3339_millis("2026-11-23T01:23:05.609Z"));
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:01Z"), Some(1000));
    }

    #[test]
    fn size_is_realistic() {
        let mut rng = rand::rng();
        let objs = indicators(&mut rng, 200);
        let total: usize = objs.iter().map(|o| serde_json::to_vec(o).unwrap().len()).sum();
        let avg = total / objs.len();
        assert!((450..800).contains(&avg), "average size {avg}");
    }
}
