//! The CPU cost of turning an envelope into store submissions, stage by stage: JSON parse,
//! validation, canonical hash, body text (serialised, and compacted as stored), and the whole of `ingest::submissions`.
//!
//! `cargo bench -p tearline-service --bench ingest` (release profile). Reads the bundle files
//! named in `TEARLINE_BENCH_FILES` (space-separated; e.g. from `tearline-loadgen gen`), or
//! builds 10,000 indicators shaped like the load generator's. `TEARLINE_BENCH_ROUNDS` timed
//! rounds (default 5); prints the median per stage in microseconds per object.

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use serde_json::{Value, json};
use tearline_stix::{canonical, envelope, validate};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn synthetic(n: usize) -> Vec<u8> {
    let objects: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{:08x}-1c2d-4e5f-8a9b-{:012x}", i, i * 7919),
                "created": "2026-11-23T07:27:52.126Z", "modified": "2026-11-23T07:27:52.126Z",
                "name": format!("Loader download location: domain login-account{i}.site"),
                "description": "Used as loader download location infrastructure against the energy sector; found by passive DNS pivoting and sandbox detonation. Block and hunt in proxy logs.",
                "indicator_types": ["malicious-activity"],
                "pattern": format!("[domain-name:value = 'login-account{i}.site']"),
                "pattern_type": "stix", "pattern_version": "2.1",
                "valid_from": "2026-11-23T07:27:52.126Z", "confidence": 44, "labels": ["gamaredon"]
            })
        })
        .collect();
    serde_json::to_vec(&json!({"type": "bundle", "id": "bundle--b0a568b0-42aa-4348-bd0a-a927cfcc2076", "objects": objects})).expect("serialise")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let files: Vec<Vec<u8>> = match std::env::var("TEARLINE_BENCH_FILES") {
        Ok(list) => list.split_whitespace().map(|f| std::fs::read(f).expect("bundle file")).collect(),
        Err(_) => vec![synthetic(10_000)],
    };
    let rounds = env("TEARLINE_BENCH_ROUNDS", 5);
    let parsed: Vec<Vec<Value>> = files.iter().map(|b| envelope::parse_envelope(b, Default::default()).expect("envelope")).collect();
    let n: usize = parsed.iter().map(Vec::len).sum();
    let per = |f: &dyn Fn()| {
        median(
            (0..rounds)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64() * 1e6 / n as f64
                })
                .collect(),
        )
    };
    let items: Vec<Vec<envelope::Item<'_>>> = files.iter().map(|b| envelope::parse_items(b, Default::default()).expect("envelope")).collect();
    let stages: [(&str, f64); 6] = [
        ("parse (envelope -> Value)", per(&|| files.iter().for_each(|b| drop(envelope::parse_envelope(b, Default::default()))))),
        ("validate_object", per(&|| parsed.iter().flatten().for_each(|o| drop(validate::validate_object(o))))),
        ("canonical_sha256", per(&|| parsed.iter().flatten().for_each(|o| { std::hint::black_box(canonical::canonical_sha256(o)); }))),
        ("body text (to_string)", per(&|| parsed.iter().flatten().for_each(|o| drop(o.to_string())))),
        ("body text (compact, as stored)", per(&|| items.iter().flatten().for_each(|i| drop(envelope::compact(i.text, &i.value))))),
        ("ingest::submissions (all of it)", per(&|| files.iter().for_each(|b| drop(tearline_service::ingest::submissions(b, usize::MAX))))),
    ];
    println!("{n} objects, median of {rounds} rounds");
    for (name, us) in stages {
        println!("{name:<34} {us:>7.2} us/object  ({:>9.0} objects/s)", 1e6 / us);
    }
}
