//! Loading labelled article sets and scoring extraction and clustering against them.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use tearline_osint::{Article, Correlator, EntityKind, Extraction, Extractor, parse_article};

/// Gold labels (`NAME.gold.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    pub cluster: String,
    pub event_type: String,
    pub event_place: String,
    pub event_date: String,
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub copy_of: Option<String>,
}

pub struct Labelled {
    pub name: String,
    pub article: Article,
    pub gold: Gold,
}

pub fn load(dir: &str) -> Vec<Labelled> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".txt").map(str::to_owned))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).expect("text");
            let sidecar = std::fs::read_to_string(dir.join(format!("{name}.meta.toml"))).ok();
            let mut article = parse_article(&text, sidecar.as_deref()).expect("article");
            article.meta.id = Some(name.clone());
            let gold: Gold = toml::from_str(
                &std::fs::read_to_string(dir.join(format!("{name}.gold.toml"))).expect("gold"),
            )
            .expect("gold toml");
            Labelled {
                name,
                article,
                gold,
            }
        })
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Pr {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Pr {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
    fn add_sets(&mut self, pred: &BTreeSet<String>, gold: &BTreeSet<String>) {
        self.tp += pred.intersection(gold).count();
        self.fp += pred.difference(gold).count();
        self.fn_ += gold.difference(pred).count();
    }
    fn add_one(&mut self, pred: Option<&str>, gold: &str) {
        match pred {
            Some(p) if p == gold => self.tp += 1,
            Some(_) => {
                self.fp += 1;
                self.fn_ += 1
            }
            None => self.fn_ += 1,
        }
    }
}

#[derive(Debug, Default)]
pub struct Scores {
    pub actors: Pr,
    pub places: Pr,
    pub event_type: Pr,
    pub event_place: Pr,
    pub event_date: Pr,
    pub clustering: Pr,
    pub copies: Pr,
    pub errors: Vec<String>,
}

impl Scores {
    pub fn print(&self, label: &str) {
        println!("== {label}");
        for (n, p) in [
            ("actors (threat actors, intrusion sets)", self.actors),
            ("places (gazetteer entries)", self.places),
            ("event type", self.event_type),
            ("event place", self.event_place),
            ("event date (resolved)", self.event_date),
            ("clustering (pairwise)", self.clustering),
            ("copy detection", self.copies),
        ] {
            println!(
                "{n:40} P={:.2} R={:.2}  (tp={} fp={} fn={})",
                p.precision(),
                p.recall(),
                p.tp,
                p.fp,
                p.fn_
            );
        }
        for e in &self.errors {
            println!("  - {e}");
        }
    }
}

pub fn evaluate(set: &[Labelled]) -> (Scores, Vec<Extraction>, Correlator) {
    let ex = Extractor::default();
    let mut corr = Correlator::new(&ex);
    let mut s = Scores::default();
    let mut xs = Vec::new();
    let mut pred_cluster = Vec::new();
    for l in set {
        let x = ex.extract(&l.article);
        let g = &l.gold;
        let ids = |k: &[EntityKind]| -> BTreeSet<String> {
            x.entities()
                .into_iter()
                .filter(|e| k.contains(&e.kind))
                .map(|e| e.id)
                .collect()
        };
        let pa = ids(&[EntityKind::ThreatActor, EntityKind::IntrusionSet]);
        let ga: BTreeSet<String> = g.actors.iter().cloned().collect();
        s.actors.add_sets(&pa, &ga);
        if pa != ga {
            s.errors
                .push(format!("{}: actors {:?} vs gold {:?}", l.name, pa, ga));
        }
        let pp = ids(&[EntityKind::Place]);
        let gp: BTreeSet<String> = g.places.iter().cloned().collect();
        s.places.add_sets(&pp, &gp);
        if pp != gp {
            s.errors
                .push(format!("{}: places {:?} vs gold {:?}", l.name, pp, gp));
        }
        let ev = x.event.as_ref();
        let et = ev.map(|e| e.event_type.clone());
        let ep = ev
            .and_then(|e| e.place.as_ref())
            .map(|p| p.value.id.clone());
        let ed = ev
            .and_then(|e| e.date.as_ref())
            .map(|d| d.value.to_string());
        s.event_type.add_one(et.as_deref(), &g.event_type);
        s.event_place.add_one(ep.as_deref(), &g.event_place);
        s.event_date.add_one(ed.as_deref(), &g.event_date);
        for (what, p, gv) in [
            ("type", &et, &g.event_type),
            ("place", &ep, &g.event_place),
            ("date", &ed, &g.event_date),
        ] {
            if p.as_deref() != Some(gv.as_str()) {
                s.errors
                    .push(format!("{}: event {what} {:?} vs gold {gv}", l.name, p));
            }
        }
        let cid = corr.add(&x);
        pred_cluster.push(cid);
        xs.push(x);
    }
    // Pairwise clustering scores.
    for i in 0..set.len() {
        for j in i + 1..set.len() {
            let same_gold = set[i].gold.cluster == set[j].gold.cluster;
            let same_pred = pred_cluster[i] == pred_cluster[j];
            match (same_pred, same_gold) {
                (true, true) => s.clustering.tp += 1,
                (true, false) => {
                    s.clustering.fp += 1;
                    s.errors.push(format!(
                        "clustered together, gold apart: {} / {}",
                        set[i].name, set[j].name
                    ));
                }
                (false, true) => {
                    s.clustering.fn_ += 1;
                    s.errors.push(format!(
                        "apart, gold together: {} / {}",
                        set[i].name, set[j].name
                    ));
                }
                _ => {}
            }
        }
    }
    // Copy detection.
    let summaries = corr.clusters();
    for (i, l) in set.iter().enumerate() {
        let rep = summaries
            .iter()
            .flat_map(|c| c.reports.iter())
            .find(|r| r.article_id == l.name);
        let pred = rep.and_then(|r| r.copy_of.clone());
        match (&pred, &l.gold.copy_of) {
            (Some(p), Some(g)) if p == g => s.copies.tp += 1,
            (Some(_), Some(_)) => {
                s.copies.fp += 1;
                s.copies.fn_ += 1
            }
            (Some(p), None) => {
                s.copies.fp += 1;
                s.errors
                    .push(format!("{}: marked copy of {p}", set[i].name));
            }
            (None, Some(_)) => s.copies.fn_ += 1,
            (None, None) => {}
        }
    }
    (s, xs, corr)
}
