//! Event clusters: reports of the same real-world event, grouped incrementally.
//!
//! Each new report is compared only with clusters that share a blocking key (event family,
//! country, week of the event date) and with near-duplicate reports found through MinHash LSH,
//! so the cost per report does not grow with the corpus.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{Aliases, Gazetteer};
use crate::date::{DateRange, Day};
use crate::extract::{Count, CountKind, Event, Extraction, Extractor};
use crate::hash::FxHashMap;
use crate::minhash::MinHash;

/// Index of a cluster in its correlator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClusterId(pub u32);

/// Tuning knobs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CorrelatorConfig {
    /// Estimated Jaccard similarity above which a report is a copy of an earlier one.
    pub duplicate_threshold: f64,
    /// Score (0-1) above which a report joins a cluster.
    pub attach_threshold: f64,
    /// Slack, in days, between the event dates of reports of one event.
    pub window_days: i32,
    /// Most entries kept per LSH bucket and per blocking bucket (a guard against templated
    /// text; the newest are kept).
    pub max_bucket: usize,
}

impl Default for CorrelatorConfig {
    fn default() -> Self {
        CorrelatorConfig {
            duplicate_threshold: 0.5,
            attach_threshold: 0.62,
            window_days: 7,
            max_bucket: 64,
        }
    }
}

/// What one report contributed, kept for cluster summaries.
#[derive(Debug, Clone)]
struct ReportEntry {
    article_id: String,
    outlet: Option<String>,
    url: Option<String>,
    published: Option<Day>,
    title: Option<String>,
    event: Option<Event>,
    event_sentences: Vec<(usize, String)>,
    original_sources: Vec<String>,
    copy_of: Option<usize>,
    similarity: f64,
    score: f64,
    signature: MinHash,
}

#[derive(Debug, Clone)]
struct ClusterState {
    reports: Vec<usize>,
    family: Option<u16>,
    event_type: Option<String>,
    place: Option<usize>,
    date: Option<DateRange>,
    actors: Vec<usize>,
    keys: Vec<(u16, u32, i32)>,
}

const NO_COUNTRY: u32 = u32::MAX;
const NO_WEEK: i32 = i32::MIN;

/// The incremental correlator.
#[derive(Debug, Clone)]
pub struct Correlator {
    pub config: CorrelatorConfig,
    gaz: Arc<Gazetteer>,
    aliases: Arc<Aliases>,
    families: FxHashMap<String, u16>,
    reports: Vec<ReportEntry>,
    clusters: Vec<ClusterState>,
    cluster_of: Vec<ClusterId>,
    blocks: FxHashMap<(u16, u32, i32), Vec<u32>>,
    lsh: FxHashMap<u64, Vec<u32>>,
}

/// A report as listed in a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterReport {
    pub article_id: String,
    /// Id of the STIX `report` that [`Extraction::to_stix`] makes for the article.
    pub stix_id: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<Day>,
    pub title: Option<String>,
    /// Article id of the earlier report this one copies (syndication, light edit).
    pub copy_of: Option<String>,
    /// Estimated text similarity to that report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Outlets this report says it retells.
    pub original_sources: Vec<String>,
}

/// A fact a source contributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFact {
    /// event-type, place, date, actor, target, count:killed ...
    pub field: String,
    pub value: String,
    pub sentence: String,
}

/// The facts a source adds to what earlier sources said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceContribution {
    pub article_id: String,
    pub outlet: Option<String>,
    pub adds: Vec<SourceFact>,
}

/// Where sources differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PointKind {
    /// The values cannot both be true (different days, distant places, different counts).
    Disagreement,
    /// One value narrows the other (a day within "earlier this month", a shrine near Damascus).
    Refinement,
}

/// One value as a source gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceValue {
    pub article_id: String,
    pub outlet: Option<String>,
    pub value: String,
    pub sentence: String,
}

/// A point where two sources differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub field: String,
    pub kind: PointKind,
    pub values: Vec<SourceValue>,
}

/// A cluster as reported: its reports, outlets, sources, merged event and differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub id: ClusterId,
    /// 0-100: how sure the grouping is (mean match score of the members; for one report, how
    /// complete its event is).
    pub confidence: u8,
    pub event_type: Option<String>,
    pub place: Option<(String, String)>,
    pub date: Option<DateRange>,
    /// (id, name) of the actors.
    pub actors: Vec<(String, String)>,
    pub reports: Vec<ClusterReport>,
    /// Every outlet that carried the story, copies included.
    pub outlets: Vec<String>,
    /// Outlets counted once per copy group: a syndicated copy is not a new outlet.
    pub independent_outlets: Vec<String>,
    /// Outlets the reports retell (e.g. "The Washington Post").
    pub original_sources: Vec<String>,
    /// Distinct origins of the information: the cited original sources, else the outlet.
    pub independent_sources: usize,
    pub first_seen: Option<Day>,
    pub last_seen: Option<Day>,
    pub contributions: Vec<SourceContribution>,
    pub points: Vec<Point>,
}

impl Correlator {
    pub fn new(extractor: &Extractor) -> Correlator {
        Correlator::with_data(
            extractor.gazetteer.clone(),
            extractor.aliases.clone(),
            CorrelatorConfig::default(),
        )
    }

    pub fn with_data(
        gaz: Arc<Gazetteer>,
        aliases: Arc<Aliases>,
        config: CorrelatorConfig,
    ) -> Correlator {
        Correlator {
            config,
            gaz,
            aliases,
            families: FxHashMap::default(),
            reports: Vec::new(),
            clusters: Vec::new(),
            cluster_of: Vec::new(),
            blocks: FxHashMap::default(),
            lsh: FxHashMap::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    pub fn cluster_count(&self) -> usize {
        self.clusters.len()
    }

    /// The cluster a report (by insertion order) belongs to.
    pub fn cluster_of_report(&self, i: usize) -> Option<ClusterId> {
        self.cluster_of.get(i).copied()
    }

    fn family_id(&mut self, f: &str) -> u16 {
        let n = self.families.len() as u16;
        *self.families.entry(f.to_owned()).or_insert(n)
    }

    fn event_range(ev: Option<&Event>, published: Option<Day>) -> Option<DateRange> {
        ev.and_then(|e| e.date.as_ref().map(|d| d.value))
            .or_else(|| {
                published.map(|p| DateRange::new(p.plus(-10), p, crate::date::Precision::Week))
            })
    }

    fn weeks(r: Option<DateRange>, slack: i32) -> Vec<i32> {
        match r {
            None => vec![NO_WEEK],
            Some(r) => {
                let a = (r.start.0 - slack).div_euclid(7);
                let b = (r.end.0 + slack).div_euclid(7);
                let b = b.min(a + 60);
                (a..=b).collect()
            }
        }
    }

    /// Adds a report; returns the cluster it joined or founded.
    pub fn add(&mut self, x: &Extraction) -> ClusterId {
        let idx = self.reports.len();
        let published = x.meta.published;
        let event = x.event.clone();
        // 1. Near-duplicates through LSH.
        let mut best: Option<(usize, f64)> = None;
        if !x.signature.0.is_empty() {
            let mut seen: Vec<u32> = Vec::new();
            for b in x.signature.bands() {
                if let Some(list) = self.lsh.get(&b) {
                    seen.extend_from_slice(list);
                }
            }
            seen.sort_unstable();
            seen.dedup();
            {
                {
                    for &r in &seen {
                        let s = x.signature.similarity(&self.reports[r as usize].signature);
                        if s >= self.config.duplicate_threshold && best.is_none_or(|(_, bs)| s > bs)
                        {
                            best = Some((r as usize, s));
                        }
                    }
                }
            }
            let cap = self.config.max_bucket;
            for b in x.signature.bands() {
                let list = self.lsh.entry(b).or_default();
                if list.len() >= cap {
                    list.remove(0);
                }
                list.push(idx as u32);
            }
        }
        let event_sentences = event
            .as_ref()
            .map(|e| {
                let mut v: Vec<usize> = e.sentences.clone();
                v.extend(e.place.iter().map(|f| f.sentence));
                v.extend(e.date.iter().map(|f| f.sentence));
                v.extend(e.actors.iter().map(|f| f.sentence));
                v.extend(e.target.iter().map(|f| f.sentence));
                v.extend(e.counts.iter().map(|f| f.sentence));
                v.sort_unstable();
                v.dedup();
                v.into_iter()
                    .map(|s| (s, x.sentence(s).to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let mut entry = ReportEntry {
            article_id: x.article_id.clone(),
            outlet: x.outlet.clone(),
            url: x.meta.url.clone(),
            published,
            title: x.title.clone(),
            event,
            event_sentences,
            original_sources: x.original_sources(),
            copy_of: None,
            similarity: 0.0,
            score: 1.0,
            signature: x.signature.clone(),
        };
        let cid = if let Some((orig, sim)) = best {
            let root = self.reports[orig].copy_of.unwrap_or(orig);
            entry.copy_of = Some(root);
            entry.similarity = sim;
            entry.score = sim;
            self.cluster_of[root]
        } else {
            self.best_cluster(&entry).map_or_else(
                || self.new_cluster(),
                |(c, s)| {
                    entry.score = s;
                    c
                },
            )
        };
        self.reports.push(entry);
        self.cluster_of.push(cid);
        self.join(cid, idx);
        cid
    }

    fn new_cluster(&mut self) -> ClusterId {
        self.clusters.push(ClusterState {
            reports: Vec::new(),
            family: None,
            event_type: None,
            place: None,
            date: None,
            actors: Vec::new(),
            keys: Vec::new(),
        });
        ClusterId((self.clusters.len() - 1) as u32)
    }

    fn join(&mut self, cid: ClusterId, idx: usize) {
        let ev = self.reports[idx].event.clone();
        let published = self.reports[idx].published;
        let family = ev.as_ref().map(|e| self.family_id(&e.family));
        let place = ev
            .as_ref()
            .and_then(|e| e.place.as_ref())
            .and_then(|p| self.gaz.index_of(&p.value.id));
        let actors: Vec<usize> = ev
            .as_ref()
            .map(|e| {
                e.actors
                    .iter()
                    .filter_map(|a| self.aliases.index_of(&a.value.id))
                    .collect()
            })
            .unwrap_or_default();
        let range = Self::event_range(ev.as_ref(), published);
        let gaz = self.gaz.clone();
        let c = &mut self.clusters[cid.0 as usize];
        c.reports.push(idx);
        if c.family.is_none() {
            c.family = family;
            c.event_type = ev.as_ref().map(|e| e.event_type.clone());
        }
        if let Some(p) = place {
            match c.place {
                None => c.place = Some(p),
                Some(q)
                    if gaz.places[p].kind.specificity() > gaz.places[q].kind.specificity()
                        && place_compatible(&gaz, p, q) =>
                {
                    c.place = Some(p)
                }
                _ => {}
            }
        }
        if let Some(r) = range {
            c.date = Some(match c.date {
                None => r,
                Some(d) if r.len_days() < d.len_days() && (r.overlaps(&d) || r.gap(&d) <= 3) => r,
                Some(d) => d,
            });
        }
        for a in actors {
            if !c.actors.contains(&a) {
                c.actors.push(a);
            }
        }
        // Blocking keys (new ones only).
        let Some(fam) = c.family else { return };
        let country = c
            .place
            .and_then(|p| gaz.country_of(p))
            .map_or(NO_COUNTRY, |x| x as u32);
        let weeks = Self::weeks(c.date, 0);
        let mut new_keys = Vec::new();
        for w in weeks {
            // A cluster with a country is found through its country; one without, by anyone.
            for k in [(fam, country, w)] {
                if !c.keys.contains(&k) {
                    c.keys.push(k);
                    new_keys.push(k);
                }
            }
        }
        let cap = self.config.max_bucket.max(16) * 4;
        for k in new_keys {
            let list = self.blocks.entry(k).or_default();
            if list.len() >= cap {
                list.remove(0);
            }
            list.push(cid.0);
        }
    }

    fn best_cluster(&mut self, r: &ReportEntry) -> Option<(ClusterId, f64)> {
        let ev = r.event.as_ref()?;
        let fam = self.family_id(&ev.family);
        let place = ev
            .place
            .as_ref()
            .and_then(|p| self.gaz.index_of(&p.value.id));
        let country = place
            .and_then(|p| self.gaz.country_of(p))
            .map_or(NO_COUNTRY, |x| x as u32);
        let range = Self::event_range(Some(ev), r.published);
        let actors: Vec<usize> = ev
            .actors
            .iter()
            .filter_map(|a| self.aliases.index_of(&a.value.id))
            .collect();
        let mut cands: Vec<u32> = Vec::new();
        for w in Self::weeks(range, self.config.window_days) {
            let keys = [(fam, country, w), (fam, NO_COUNTRY, w)];
            for k in &keys[..if country == NO_COUNTRY { 1 } else { 2 }] {
                if let Some(list) = self.blocks.get(k) {
                    cands.extend_from_slice(list);
                }
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let mut best: Option<(ClusterId, f64)> = None;
        for c in cands {
            let s = self.score(
                &self.clusters[c as usize],
                &ev.event_type,
                place,
                range,
                &actors,
            );
            if s >= self.config.attach_threshold && best.is_none_or(|(_, b)| s > b) {
                best = Some((ClusterId(c), s));
            }
        }
        best
    }

    fn score(
        &self,
        c: &ClusterState,
        ty: &str,
        place: Option<usize>,
        range: Option<DateRange>,
        actors: &[usize],
    ) -> f64 {
        let type_s = if c.event_type.as_deref() == Some(ty) {
            1.0
        } else {
            0.8
        };
        let time_s = match (c.date, range) {
            (Some(a), Some(b)) => {
                let gap = a.gap(&b);
                if gap == 0 {
                    // The same day is strong evidence; a vague range overlapping is weaker.
                    let vague = a.len_days().max(b.len_days());
                    if vague == 1 {
                        1.0
                    } else if vague > 62 {
                        0.6
                    } else {
                        0.9
                    }
                } else if gap <= self.config.window_days {
                    1.0 - 0.5 * gap as f64 / self.config.window_days as f64
                } else {
                    return 0.0;
                }
            }
            _ => 0.5,
        };
        let mut places_conflict = false;
        let place_s = match (c.place, place) {
            (Some(a), Some(b)) => {
                let g = &self.gaz;
                let (sa, sb) = (
                    g.places[a].kind.specificity(),
                    g.places[b].kind.specificity(),
                );
                if a == b {
                    if sa <= 1 { 0.6 } else { 1.0 }
                } else if place_compatible(g, a, b) {
                    if sa.min(sb) <= 1 { 0.55 } else { 0.9 }
                } else if g.country_of(a).is_some() && g.country_of(a) == g.country_of(b) {
                    places_conflict = true;
                    0.2
                } else {
                    return 0.0;
                }
            }
            _ => 0.3,
        };
        let actor_s = if c.actors.is_empty() || actors.is_empty() {
            0.5
        } else if actors
            .iter()
            .any(|&a| c.actors.iter().any(|&b| self.aliases.related(a, b)))
        {
            1.0
        } else {
            0.0
        };
        // Two different towns of one country: the same event only if the same day and the same
        // actors say so (the place is then a disagreement between sources).
        if places_conflict && (time_s < 1.0 || actor_s < 1.0) {
            return 0.0;
        }
        0.2 * type_s + 0.3 * time_s + 0.35 * place_s + 0.15 * actor_s
    }

    /// Summaries of every cluster.
    pub fn clusters(&self) -> Vec<ClusterSummary> {
        (0..self.clusters.len())
            .filter_map(|i| self.cluster(ClusterId(i as u32)))
            .collect()
    }

    /// Summary of one cluster.
    pub fn cluster(&self, id: ClusterId) -> Option<ClusterSummary> {
        let c = self.clusters.get(id.0 as usize)?;
        let reports: Vec<&ReportEntry> = c.reports.iter().map(|&i| &self.reports[i]).collect();
        let mut outlets: Vec<String> = Vec::new();
        let mut independent_outlets: Vec<String> = Vec::new();
        let mut original_sources: Vec<String> = Vec::new();
        let mut origins: Vec<String> = Vec::new();
        for r in &reports {
            let o = r
                .outlet
                .clone()
                .unwrap_or_else(|| format!("unknown outlet ({})", r.article_id));
            if !outlets.contains(&o) {
                outlets.push(o.clone());
            }
            for s in &r.original_sources {
                if !original_sources.contains(s) {
                    original_sources.push(s.clone());
                }
            }
            if r.copy_of.is_none() {
                if !independent_outlets.contains(&o) {
                    independent_outlets.push(o.clone());
                }
                if r.original_sources.is_empty() {
                    if !origins.contains(&o) {
                        origins.push(o);
                    }
                } else {
                    for s in &r.original_sources {
                        if !origins.contains(s) {
                            origins.push(s.clone());
                        }
                    }
                }
            }
        }
        let first_seen = reports.iter().filter_map(|r| r.published).min();
        let last_seen = reports.iter().filter_map(|r| r.published).max();
        let confidence = if reports.len() <= 1 {
            reports
                .first()
                .and_then(|r| r.event.as_ref())
                .map_or(0, |e| e.confidence)
        } else {
            let s: f64 =
                reports[1..].iter().map(|r| r.score).sum::<f64>() / (reports.len() - 1) as f64;
            (s * 100.0).round().clamp(0.0, 100.0) as u8
        };
        let (contributions, points) = self.compare(&reports);
        Some(ClusterSummary {
            id,
            confidence,
            event_type: c.event_type.clone(),
            place: c.place.map(|p| {
                (
                    self.gaz.places[p].id.clone(),
                    self.gaz.places[p].name.clone(),
                )
            }),
            date: c.date,
            actors: c
                .actors
                .iter()
                .map(|&a| {
                    (
                        self.aliases.actors[a].id.clone(),
                        self.aliases.actors[a].name.clone(),
                    )
                })
                .collect(),
            reports: reports
                .iter()
                .map(|r| ClusterReport {
                    article_id: r.article_id.clone(),
                    stix_id: crate::stix::report_id(&r.article_id),
                    outlet: r.outlet.clone(),
                    url: r.url.clone(),
                    published: r.published,
                    title: r.title.clone(),
                    copy_of: r.copy_of.map(|i| self.reports[i].article_id.clone()),
                    similarity: r.copy_of.map(|_| (r.similarity * 100.0).round() / 100.0),
                    original_sources: r.original_sources.clone(),
                })
                .collect(),
            outlets,
            independent_outlets,
            original_sources,
            independent_sources: origins.len(),
            first_seen,
            last_seen,
            contributions,
            points,
        })
    }

    fn facts(r: &ReportEntry) -> Vec<SourceFact> {
        let Some(e) = r.event.as_ref() else {
            return Vec::new();
        };
        let sent = |i: usize| {
            r.event_sentences
                .iter()
                .find(|(s, _)| *s == i)
                .map_or(String::new(), |(_, t)| t.clone())
        };
        let mut v = vec![SourceFact {
            field: "event-type".into(),
            value: e.event_type.clone(),
            sentence: sent(e.sentences[0]),
        }];
        if let Some(p) = &e.place {
            v.push(SourceFact {
                field: "place".into(),
                value: p.value.id.clone(),
                sentence: sent(p.sentence),
            });
        }
        if let Some(d) = &e.date {
            v.push(SourceFact {
                field: "date".into(),
                value: d.value.to_string(),
                sentence: sent(d.sentence),
            });
        }
        for a in &e.actors {
            v.push(SourceFact {
                field: "actor".into(),
                value: a.value.id.clone(),
                sentence: sent(a.sentence),
            });
        }
        if let Some(t) = &e.target {
            v.push(SourceFact {
                field: "target".into(),
                value: t.value.clone(),
                sentence: sent(t.sentence),
            });
        }
        for c in &e.counts {
            v.push(SourceFact {
                field: format!("count:{}", count_name(c.kind)),
                value: c.value.to_string(),
                sentence: sent(c.sentence),
            });
        }
        v
    }

    fn compare(&self, reports: &[&ReportEntry]) -> (Vec<SourceContribution>, Vec<Point>) {
        let mut order: Vec<&ReportEntry> = reports
            .iter()
            .copied()
            .filter(|r| r.copy_of.is_none())
            .collect();
        order.sort_by_key(|r| r.published);
        order.truncate(50);
        let mut known: Vec<(String, String)> = Vec::new();
        let mut contributions = Vec::new();
        for r in &order {
            let adds: Vec<SourceFact> = Self::facts(r)
                .into_iter()
                .filter(|f| !known.iter().any(|(a, b)| *a == f.field && *b == f.value))
                .collect();
            for f in &adds {
                known.push((f.field.clone(), f.value.clone()));
            }
            contributions.push(SourceContribution {
                article_id: r.article_id.clone(),
                outlet: r.outlet.clone(),
                adds,
            });
        }
        let mut points = Vec::new();
        let sv = |r: &ReportEntry, value: String, sentence: usize| SourceValue {
            article_id: r.article_id.clone(),
            outlet: r.outlet.clone(),
            value,
            sentence: r
                .event_sentences
                .iter()
                .find(|(s, _)| *s == sentence)
                .map_or(String::new(), |(_, t)| t.clone()),
        };
        for (i, a) in order.iter().enumerate() {
            for b in order.iter().skip(i + 1) {
                let (Some(ea), Some(eb)) = (&a.event, &b.event) else {
                    continue;
                };
                if let (Some(da), Some(db)) = (&ea.date, &eb.date)
                    && da.value != db.value
                {
                    let kind = if da.value.overlaps(&db.value) {
                        PointKind::Refinement
                    } else {
                        PointKind::Disagreement
                    };
                    points.push(Point {
                        field: "date".into(),
                        kind,
                        values: vec![
                            sv(a, da.value.to_string(), da.sentence),
                            sv(b, db.value.to_string(), db.sentence),
                        ],
                    });
                }
                if let (Some(pa), Some(pb)) = (&ea.place, &eb.place)
                    && pa.value.id != pb.value.id
                {
                    let compatible = match (
                        self.gaz.index_of(&pa.value.id),
                        self.gaz.index_of(&pb.value.id),
                    ) {
                        (Some(x), Some(y)) => place_compatible(&self.gaz, x, y),
                        _ => false,
                    };
                    let kind = if compatible {
                        PointKind::Refinement
                    } else {
                        PointKind::Disagreement
                    };
                    points.push(Point {
                        field: "place".into(),
                        kind,
                        values: vec![
                            sv(a, format!("{} ({})", pa.value.name, pa.text), pa.sentence),
                            sv(b, format!("{} ({})", pb.value.name, pb.text), pb.sentence),
                        ],
                    });
                }
                if ea.event_type != eb.event_type {
                    points.push(Point {
                        field: "event-type".into(),
                        kind: if ea.family == eb.family {
                            PointKind::Refinement
                        } else {
                            PointKind::Disagreement
                        },
                        values: vec![
                            sv(a, ea.event_type.clone(), ea.sentences[0]),
                            sv(b, eb.event_type.clone(), eb.sentences[0]),
                        ],
                    });
                }
                for ca in &ea.counts {
                    for cb in eb.counts.iter().filter(|c| c.kind == ca.kind) {
                        if ca.value != cb.value && !count_refines(ca, cb) {
                            points.push(Point {
                                field: format!("count:{}", count_name(ca.kind)),
                                kind: PointKind::Disagreement,
                                values: vec![
                                    sv(a, ca.value.to_string(), ca.sentence),
                                    sv(b, cb.value.to_string(), cb.sentence),
                                ],
                            });
                        }
                    }
                }
            }
        }
        (contributions, points)
    }
}

fn count_refines(a: &Count, b: &Count) -> bool {
    // "at least 10" vs "12" is not a contradiction.
    (a.text.contains("at least") && b.value >= a.value)
        || (b.text.contains("at least") && a.value >= b.value)
}

pub(crate) fn count_name(k: CountKind) -> &'static str {
    match k {
        CountKind::Killed => "killed",
        CountKind::Injured => "injured",
        CountKind::Arrested => "arrested",
        CountKind::Kidnapped => "kidnapped",
    }
}

/// Same place, one inside the other, declared near, or within 60 km.
pub(crate) fn place_compatible(g: &Gazetteer, a: usize, b: usize) -> bool {
    a == b
        || g.encloses(a, b)
        || g.encloses(b, a)
        || g.declared_near(a, b)
        || (g.places[a].kind.specificity() >= 3
            && g.places[b].kind.specificity() >= 3
            && g.distance_km(a, b).is_some_and(|d| d < 60.0))
}
