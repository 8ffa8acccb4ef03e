//! RFC 8785 JSON Canonicalization Scheme (JCS): the byte form that content hashes, SCO
//! deterministic identifiers and signatures are computed over.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical (RFC 8785) serialisation of a JSON value.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    write_value(value, &mut out);
    out
}

/// SHA-256 of the canonical form.
pub fn canonical_sha256(value: &Value) -> [u8; 32] {
    Sha256::digest(to_canonical_string(value).as_bytes()).into()
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(v, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Members sorted by their keys' UTF-16 code units, as RFC 8785 section 3.2.3
            // requires (for ASCII keys, the byte order is the same and cheaper to compare).
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|(a, _), (b, _)| utf16_order(a, b));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

/// The order of two strings by their UTF-16 code units.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() { a.cmp(b) } else { a.encode_utf16().cmp(b.encode_utf16()) }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    // Copy runs of characters that need no escaping in one go; escape the rest.
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(off) = bytes[start..].iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        let i = start + off;
        // The byte that ends a run is ASCII, so these slice boundaries are char boundaries.
        out.push_str(&s[start..i]);
        match bytes[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Numbers are serialised as ECMAScript's `Number.prototype.toString` does (RFC 8785 3.2.2.3).
/// Integers beyond 2^53 are first rounded to the nearest double, as a JSON parser in ECMAScript
/// would read them.
fn write_number(n: &serde_json::Number, out: &mut String) {
    use std::fmt::Write;
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= 1u64 << 53) {
        let _ = write!(out, "{i}");
        return;
    }
    if let Some(u) = n.as_u64().filter(|u| *u <= 1u64 << 53) {
        let _ = write!(out, "{u}");
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    out.push_str(&es_number(f));
}

/// ECMAScript Number::toString for a finite double (ECMA-262 section 6.1.6.1.20): the shortest
/// digits that round-trip (Rust's `{:e}` gives exactly those), placed by the exponent rules.
fn es_number(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    // Shortest round-trip digits and exponent, from Rust's `{:e}` formatting.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = round_half_even(f.abs(), digits, exp);
    let k = digits.len() as i32;
    let n = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let es = if e >= 0 { format!("+{e}") } else { e.to_string() };
        if k == 1 { format!("{digits}e{es}") } else { format!("{}.{}e{es}", &digits[..1], &digits[1..]) }
    };
    format!("{sign}{body}")
}

/// ECMAScript breaks a tie between two shortest digit strings that are equally near the exact
/// value by taking the even one; Rust's shortest formatting may take the other. A tie means the
/// exact decimal expansion continues with exactly `5` after the shortest digits.
fn round_half_even(f: f64, digits: String, exp: i32) -> String {
    if !digits.ends_with(['1', '3', '5', '7', '9']) {
        return digits;
    }
    let exact = format!("{f:.800e}");
    let (m, e) = exact.split_once('e').unwrap_or((&exact, "0"));
    if e.parse::<i32>().ok() != Some(exp) {
        return digits;
    }
    let all: String = m.chars().filter(|c| *c != '.').collect();
    let k = digits.len();
    let (head, rest) = all.split_at(k.min(all.len()));
    if !(rest.starts_with('5') && rest[1..].bytes().all(|b| b == b'0')) {
        return digits;
    }
    // The two candidates are `head` and `head + 1`; `digits` is one of them.
    let other = if digits == head { increment(head) } else { Some(head.to_owned()) };
    match other {
        Some(o) if o.len() == k && parse_digits(&o, exp) == Some(f) => o,
        _ => digits,
    }
}

fn increment(d: &str) -> Option<String> {
    let mut b = d.as_bytes().to_vec();
    for i in (0..b.len()).rev() {
        if b[i] == b'9' {
            b[i] = b'0';
        } else {
            b[i] += 1;
            return String::from_utf8(b).ok();
        }
    }
    None
}

fn parse_digits(d: &str, exp: i32) -> Option<f64> {
    format!("{}.{}e{exp}", &d[..1], &d[1..]).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_keys_and_formats_numbers() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":[1.5,1e30,0.000001,1e-7,-0.0,100],"c":"\u0007é"}"#).unwrap();
        assert_eq!(to_canonical_string(&v), r#"{"a":[1.5,1e+30,0.000001,1e-7,0,100],"b":1,"c":"\u0007é"}"#);
    }
}
