//! Compile releases for 100 recipients from a 1,000-object report, lints included.
//!
//! `cargo bench -p tearline-policy --bench release` (release profile). Target: <= 1 s in total
//! on the 2-core reference machine. `TEARLINE_BENCH_RECIPIENTS` / `TEARLINE_BENCH_OBJECTS`
//! change the shape; `TEARLINE_BENCH_ROUNDS` the number of timed rounds (default 5).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_policy::markings::{Classification, Country};
use tearline_policy::{Ed25519Signer, Policy, Recipient, RelationshipFlags, ReleaseOptions, TrustTier, compile_release, project};
use tearline_stix::Timestamp;

const ORG: &str = "identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";
const T0: &str = "2025-01-08T10:15:00.000Z";

fn uuid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-{:04x}-4000-8000-{n:012x}", n % 0xffff)
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

const TEXTS: [&str; 5] = [
    "The actor sends spear-phishing messages with malicious attachments to finance staff and deploys a loader that retrieves a second-stage payload.",
    "The campaign targets energy companies in Europe, exploiting unpatched VPN appliances to gain initial access before moving laterally.",
    "A cell plans a bomb attack on a religious site; the attackers may disguise themselves as pilgrims and approach on foot.",
    "The ransomware operators exfiltrate data before encryption and threaten to publish it on their leak site unless paid.",
    "The malware maintains persistence through scheduled tasks and communicates with its command server over HTTPS.",
];

fn report(n: usize) -> Vec<Value> {
    let caveat = |i: u32, portion: &str| {
        json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(0xc0, i as usize)),"created":T0,
            "extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"caveats","portion":portion}}})
    };
    let mut out = vec![
        caveat(1, "U//REL TO USA, GBR, FRA, DEU"),
        caveat(2, "C//REL TO USA, GBR"),
        json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(0xc0, 3)),"created":T0,
            "extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","level":2}}}),
    ];
    let tlps = [ids::TLP2_CLEAR, ids::TLP2_GREEN, ids::TLP2_AMBER, ids::TLP2_CLEAR];
    let entities = n * 2 / 5;
    let mut ids_all = Vec::new();
    for i in 0..entities {
        let (ty, extra) = match i % 4 {
            0 => ("indicator", json!({"name":format!("Indicator {i}"),"pattern":format!("[ipv4-addr:value = '198.51.{}.{}']", i / 250 % 250, i % 250),"pattern_type":"stix","valid_from":T0,"valid_until":"2025-03-01T00:00:00.000Z"})),
            1 => ("malware", json!({"name":format!("Malware {i}"),"is_family":true})),
            2 => ("threat-actor", json!({"name":format!("Actor {i}")})),
            _ => ("location", json!({"name":format!("Site {i}"),"country":"SY"})),
        };
        let id = format!("{ty}--{}", uuid(1, i));
        let mut o = json!({"type":ty,"spec_version":"2.1","id":id,"created":T0,"modified":T0,"created_by_ref":ORG,
            "description":TEXTS[i % TEXTS.len()],"labels":["alpha","bravo"],
            "object_marking_refs":[tlps[i % 4]]});
        if let (Value::Object(m), Value::Object(e)) = (&mut o, extra) {
            m.extend(e);
        }
        if i % 7 == 0 {
            o["object_marking_refs"].as_array_mut().expect("list").push(json!(format!("marking-definition--{}", uuid(0xc0, 1))));
        }
        if i % 11 == 0 {
            o["granular_markings"] = json!([{"marking_ref":ids::TLP2_RED,"selectors":["labels.[1]"]},{"marking_ref":format!("marking-definition--{}", uuid(0xc0, 2)),"selectors":["description"]}]);
        }
        if i % 13 == 0 {
            let d = TEXTS[i % TEXTS.len()];
            o["extensions"] = json!({ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":0,"end":d.find(' ').expect("word"),"level":2}]}});
        }
        if i % 17 == 0 {
            o["object_marking_refs"] = json!([ids::TLP2_RED]);
        }
        ids_all.push((ty, id));
        out.push(o);
    }
    let mut k = 0;
    while out.len() < n + 3 {
        let (_, a) = &ids_all[k % entities];
        let (tb, b) = &ids_all[(k * 7 + 3) % entities];
        let id = if k % 5 == 4 && *tb != "location" {
            let id = format!("sighting--{}", uuid(2, k));
            out.push(json!({"type":"sighting","spec_version":"2.1","id":id,"created":T0,"modified":T0,"created_by_ref":ORG,
                "sighting_of_ref":b,"first_seen":"2025-01-07T09:12:00Z","last_seen":"2025-01-08T17:40:00Z","count":3,
                "object_marking_refs":[tlps[k % 4]]}));
            id
        } else {
            let id = format!("relationship--{}", uuid(3, k));
            out.push(json!({"type":"relationship","spec_version":"2.1","id":id,"created":T0,"modified":T0,"created_by_ref":ORG,
                "relationship_type":"related-to","source_ref":a,"target_ref":b,"description":TEXTS[k % TEXTS.len()],
                "object_marking_refs":[tlps[k % 4]]}));
            id
        };
        ids_all.push(("sro", id));
        k += 1;
    }
    out.pop();
    ids_all.pop();
    out.push(json!({"type":"report","spec_version":"2.1","id":format!("report--{}", uuid(4, 0)),"created":T0,"modified":T0,"created_by_ref":ORG,
        "name":"Quarterly threat picture","published":T0,"description":"Everything we know this quarter, between 1 January and 31 March 2025.",
        "object_refs":ids_all.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>(),"object_marking_refs":[ids::TLP2_CLEAR]}));
    out
}

fn recipients(n: usize) -> Vec<Recipient> {
    let countries = ["GBR", "FRA", "DEU", "SYR", "USA", "JPN"];
    (0..n)
        .map(|i| Recipient {
            org_identity: format!("identity--{}", uuid(9, i)),
            country: Country::parse(countries[i % countries.len()]).expect("country"),
            sectors: vec!["energy".into()],
            trust_tier: TrustTier::Partner,
            flags: RelationshipFlags { hostile: i % 10 == 3, not_recognised: i % 10 == 3, ..Default::default() },
            is_own_org: i == 0,
            clients: vec![],
            communities: if i % 2 == 0 { ["cert-eu".to_owned()].into() } else { Default::default() },
            clearance: if i % 3 == 0 { Classification::Confidential } else { Classification::Unclassified },
            max_source_level: (i % 4) as u8,
        })
        .collect()
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 Hz ticks): on a shared
/// machine, wall time also counts other people's work; CPU time does not.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let n_objects = env("TEARLINE_BENCH_OBJECTS", 1000);
    let n_recipients = env("TEARLINE_BENCH_RECIPIENTS", 100);
    let rounds = env("TEARLINE_BENCH_ROUNDS", 5);
    let sources = report(n_objects);
    assert_eq!(sources.len(), n_objects + 3, "1,000 objects plus three marking-definitions");
    let recips = recipients(n_recipients);
    let org = json!({"type":"identity","spec_version":"2.1","id":ORG,"created":T0,"modified":T0,"name":"Producer","identity_class":"organization"});
    let mut policy = Policy::new(org, Country::parse("USA").expect("usa"), [3; 32], Timestamp::parse("2025-01-09T12:00:00.000Z").expect("ts"));
    policy.communities.insert("cert-eu".into());
    policy.clients.insert(recips[1].org_identity.clone());
    policy.release_level = 2;
    let signer = Ed25519Signer::from_seed(&[8; 32]);
    let now = Timestamp::parse("2025-01-09T12:30:00.000Z").expect("ts");
    let opts = ReleaseOptions::default();

    if std::env::var("TEARLINE_BENCH_DEBUG").is_ok() {
        let p = project(&sources, &recips[3], &policy);
        let mut reasons = std::collections::BTreeMap::new();
        for r in &p.removals {
            *reasons.entry(format!("{:?} {}", r.path.is_some(), r.reason)).or_insert(0) += 1;
        }
        println!("{reasons:#?}");
    }
    let mut times: Vec<Duration> = Vec::new();
    let mut released = 0usize;
    let mut bytes = 0usize;
    let mut t_project = Duration::ZERO;
    let cpu0 = cpu_time();
    for _ in 0..rounds {
        released = 0;
        bytes = 0;
        let t0 = Instant::now();
        for r in &recips {
            let tp = Instant::now();
            let p = project(&sources, r, &policy);
            t_project += tp.elapsed();
            let rel = compile_release(p, r, &policy, &signer, now, &opts).expect("release compiles");
            released += rel.objects().len();
            bytes += rel.bundle_bytes().len();
        }
        times.push(t0.elapsed());
    }
    let cpu_serial = cpu0.zip(cpu_time()).map(|(a, b)| (b - a) / rounds as u32);
    // The same work on every core through compile_many.
    let targets: Vec<(Recipient, Policy)> = recips.iter().map(|r| (r.clone(), policy.clone())).collect();
    let mut par: Vec<Duration> = Vec::new();
    let par_rounds = if std::env::var("TEARLINE_BENCH_PAR").as_deref() == Ok("0") { 0 } else { rounds };
    for _ in 0..par_rounds {
        let t0 = Instant::now();
        let out = tearline_policy::compile_many(&sources, &targets, &signer, now, &opts, 0);
        par.push(t0.elapsed());
        assert!(out.iter().all(Result::is_ok));
    }
    par.sort();
    par.push(Duration::ZERO);
    times.sort();
    println!(
        "compile {n_recipients} releases from a {n_objects}-object report (lints, hashing, signing included): min {:.3?}, median {:.3?} over {rounds} rounds; {released} objects, {:.1} MiB released per round",
        times[0],
        times[times.len() / 2],
        bytes as f64 / (1024.0 * 1024.0)
    );
    println!("of which projection: {:.3?} per round on average", t_project / rounds as u32);
    if let Some(c) = cpu_serial {
        println!("CPU time per round (serial): {c:.3?}");
    }
    println!(
        "compile_many on {} threads: min {:.3?}, median {:.3?}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        par[0],
        par[par.len() / 2]
    );
}
