//! Prints the extraction (and STIX) of article files: `cargo run -p tearline-osint --example extract -- FILE...`
//! A sidecar `FILE.meta.toml` (or `STEM.meta.toml`) is read when present.
use tearline_osint::{Correlator, Extractor, StixOptions, parse_article};

fn main() {
    let ex = Extractor::default();
    let mut corr = Correlator::new(&ex);
    let stix = std::env::args().any(|a| a == "--stix");
    for path in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        let text = std::fs::read_to_string(&path).expect("read");
        let side = std::path::Path::new(&path).with_extension("meta.toml");
        let sidecar = std::fs::read_to_string(side).ok();
        let mut art = parse_article(&text, sidecar.as_deref()).expect("parse");
        art.meta.id.get_or_insert_with(|| {
            std::path::Path::new(&path)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        });
        let x = ex.extract(&art);
        println!("== {path}");
        println!(
            "entities: {:?}",
            x.entities()
                .iter()
                .map(|e| format!("{:?}:{}", e.kind, e.id))
                .collect::<Vec<_>>()
        );
        println!(
            "dates: {:?}",
            x.dates
                .iter()
                .map(|d| format!(
                    "{} -> {:?} {:?}",
                    d.text,
                    d.resolved.map(|r| r.to_string()),
                    d.role
                ))
                .collect::<Vec<_>>()
        );
        println!(
            "attributions: {:?}",
            x.attributions
                .iter()
                .map(|a| format!("{} [{:?}]", a.source, a.kind))
                .collect::<Vec<_>>()
        );
        println!(
            "counts: {:?}",
            x.counts
                .iter()
                .map(|c| format!("{:?}={}", c.kind, c.value))
                .collect::<Vec<_>>()
        );
        println!(
            "event mentions: {:?}",
            x.event_mentions
                .iter()
                .map(|m| format!("s{}:{}({})", m.sentence, m.event_type, m.trigger))
                .collect::<Vec<_>>()
        );
        if let Some(e) = &x.event {
            println!(
                "EVENT {} place={:?} date={:?} actors={:?} target={:?} sentences={:?}",
                e.event_type,
                e.place.as_ref().map(|p| (&p.value.id, p.value.near)),
                e.date.as_ref().map(|d| d.value.to_string()),
                e.actors.iter().map(|a| &a.value.id).collect::<Vec<_>>(),
                e.target.as_ref().map(|t| &t.value),
                e.sentences
            );
        }
        for o in &x.other_events {
            println!(
                "  other {} place={:?} date={:?}",
                o.event_type,
                o.place.as_ref().map(|p| &p.value.id),
                o.date.as_ref().map(|d| d.value.to_string())
            );
        }
        if let Some(c) = x.proposes_case() {
            println!("CASE {c:?}");
        }
        if stix {
            println!(
                "{}",
                serde_json::to_string_pretty(&x.to_stix(&ex, &StixOptions::default())).unwrap()
            );
        }
        let cid = corr.add(&x);
        println!("cluster {}", cid.0);
    }
    for c in corr.clusters() {
        println!("{}", serde_json::to_string(&c).unwrap());
    }
}
