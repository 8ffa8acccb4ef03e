//! STIX 2.1 output: a `report` per article and a `grouping` per event cluster, with the
//! extracted facts and their provenance in a property extension (`x-tearline-osint`).
//!
//! Ids are deterministic (UUID-v4-shaped, derived from a SHA-256 of a stable key), so the same
//! group, place or article always gets the same id and storage de-duplicates them.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::correlate::{ClusterSummary, PointKind};
use crate::data::{ActorKind, PlaceKind};
use crate::extract::{EntityKind, Extraction, Extractor, SourceKind};

/// The extension-definition that declares the `x-tearline-osint` property extension.
pub const EXTENSION_ID: &str = "extension-definition--7a1d8f6e-3c2b-4e9a-9f10-5b6c7d8e9f01";
/// The system identity that authors the objects (unless the caller names another).
pub const PRODUCER_ID: &str = "identity--0f5c2a1e-8d4b-4c3a-9e7f-1a2b3c4d5e6f";

/// Options for STIX output.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StixOptions {
    /// `created`/`modified` of the objects (RFC 3339, e.g. `2025-01-26T10:00:00Z`); when empty,
    /// the publication time, else the Unix epoch (keeps output deterministic).
    pub created: String,
    /// `created_by_ref`; defaults to the tearline-osint system identity ([`PRODUCER_ID`]).
    pub created_by_ref: Option<String>,
    /// `object_marking_refs` to put on every object (e.g. the TLP:CLEAR marking id).
    pub object_marking_refs: Vec<String>,
}

/// A stable, UUID-v4-shaped STIX id for `ty` derived from `key`.
pub fn object_id(ty: &str, key: &str) -> String {
    let h = Sha256::digest(format!("tearline-osint/{ty}/{key}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    let u = uuid::Builder::from_random_bytes(b).into_uuid();
    format!("{ty}--{u}")
}

/// The id of the STIX `report` made for an article.
pub fn report_id(article_id: &str) -> String {
    object_id("report", article_id)
}

fn ts(s: &str) -> Option<String> {
    if let Ok(t) = tearline_stix::Timestamp::parse(s) {
        return Some(t.to_micros_string());
    }
    crate::date::Day::parse(s).map(|d| format!("{d}T00:00:00.000Z"))
}

struct Builder<'a> {
    opts: &'a StixOptions,
    created: String,
    objects: Vec<Value>,
}

impl Builder<'_> {
    fn sdo(&mut self, ty: &str, id: &str, props: Value) -> String {
        if self.objects.iter().any(|o| o["id"] == id) {
            return id.to_owned();
        }
        let mut m = Map::new();
        m.insert("type".into(), ty.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), id.into());
        m.insert("created".into(), self.created.clone().into());
        m.insert("modified".into(), self.created.clone().into());
        if ty != "extension-definition" || self.opts.created_by_ref.is_some() {
            m.insert(
                "created_by_ref".into(),
                self.opts
                    .created_by_ref
                    .clone()
                    .unwrap_or_else(|| PRODUCER_ID.into())
                    .into(),
            );
        } else {
            m.insert("created_by_ref".into(), PRODUCER_ID.into());
        }
        if let Value::Object(p) = props {
            for (k, v) in p {
                let empty = matches!(&v, Value::Array(a) if a.is_empty())
                    || v.is_null()
                    || matches!(&v, Value::String(s) if s.is_empty());
                if !empty {
                    m.insert(k, v);
                }
            }
        }
        if !self.opts.object_marking_refs.is_empty() {
            m.insert(
                "object_marking_refs".into(),
                json!(self.opts.object_marking_refs),
            );
        }
        self.objects.push(Value::Object(m));
        id.to_owned()
    }

    fn base(&mut self) {
        if self.opts.created_by_ref.is_none() {
            self.sdo(
                "identity",
                PRODUCER_ID,
                json!({"name": "tearline OSINT extractor", "identity_class": "system", "description": "Automated extraction of entities and events from open-source reporting"}),
            );
        }
        self.sdo(
            "extension-definition",
            EXTENSION_ID,
            json!({
                "name": "x-tearline-osint",
                "description": "Facts extracted from open-source reporting, each with the sentence it came from; event clusters with their sources, independence and disagreements.",
                "schema": "https://github.com/tearline/tearline/blob/main/data/osint/README.md#stix-extension",
                "version": "1.0.0",
                "extension_types": ["property-extension"],
            }),
        );
    }
}

fn ext(props: Value) -> Value {
    let mut m = Map::new();
    m.insert("extension_type".into(), "property-extension".into());
    if let Value::Object(p) = props {
        for (k, v) in p {
            let empty = matches!(&v, Value::Array(a) if a.is_empty()) || v.is_null();
            if !empty {
                m.insert(k, v);
            }
        }
    }
    json!({ EXTENSION_ID: Value::Object(m) })
}

/// Adds the STIX object for an entity; returns its id.
fn entity_object(
    b: &mut Builder,
    ex: &Extractor,
    kind: EntityKind,
    id: &str,
    name: &str,
) -> String {
    match kind {
        EntityKind::Place => {
            let g = &ex.gazetteer;
            let Some(i) = g.index_of(id) else {
                let sid = object_id("location", id);
                return b.sdo("location", &sid, json!({"name": name, "region": "world"}));
            };
            let p = &g.places[i];
            let country = g.country_of(i).and_then(|c| g.places[c].iso2.clone());
            let admin = g
                .ancestry(i)
                .into_iter()
                .find(|&a| g.places[a].kind == PlaceKind::Admin1)
                .map(|a| g.places[a].name.clone());
            let city = g
                .ancestry(i)
                .into_iter()
                .find(|&a| g.places[a].kind == PlaceKind::City)
                .map(|a| g.places[a].name.clone());
            let coords = g.coords(i);
            let mut props = json!({"name": p.name, "country": country, "administrative_area": admin, "city": city});
            if let Some((lat, lon)) = coords {
                props["latitude"] = json!(lat);
                props["longitude"] = json!(lon);
            }
            if country.is_none() && coords.is_none() {
                props["region"] = json!("world");
            }
            let parent = p.parent.clone();
            props["extensions"] = ext(
                json!({"gazetteer_id": p.id, "place_kind": format!("{:?}", p.kind).to_lowercase(), "parent_gazetteer_id": parent, "alternate_names": p.names}),
            );
            let sid = object_id("location", &p.id);
            b.sdo("location", &sid, props)
        }
        EntityKind::ThreatActor | EntityKind::IntrusionSet => {
            let a = ex.aliases.get(id);
            let aliases: Vec<&String> = a.map(|a| a.aliases.iter().collect()).unwrap_or_default();
            let key = a.map_or(id, |a| a.id.as_str());
            if a.is_some_and(|a| a.kind == ActorKind::IntrusionSet)
                || kind == EntityKind::IntrusionSet
            {
                let sid = object_id("intrusion-set", key);
                b.sdo(
                    "intrusion-set",
                    &sid,
                    json!({"name": name, "aliases": aliases}),
                )
            } else {
                let types: Vec<String> = a.map(|a| a.types.clone()).unwrap_or_default();
                let sid = object_id("threat-actor", key);
                b.sdo(
                    "threat-actor",
                    &sid,
                    json!({"name": name, "aliases": aliases, "threat_actor_types": types}),
                )
            }
        }
        EntityKind::Organization | EntityKind::Outlet => {
            let sid = object_id("identity", id);
            let roles: Vec<&str> = if kind == EntityKind::Outlet {
                vec!["news-outlet"]
            } else {
                vec![]
            };
            b.sdo(
                "identity",
                &sid,
                json!({"name": name, "identity_class": "organization", "roles": roles}),
            )
        }
        EntityKind::Person => {
            let sid = object_id("identity", id);
            b.sdo(
                "identity",
                &sid,
                json!({"name": name, "identity_class": "individual"}),
            )
        }
    }
}

fn kind_name(k: EntityKind) -> &'static str {
    match k {
        EntityKind::ThreatActor => "threat-actor",
        EntityKind::IntrusionSet => "intrusion-set",
        EntityKind::Organization => "organization",
        EntityKind::Person => "person",
        EntityKind::Outlet => "outlet",
        EntityKind::Place => "place",
    }
}

impl Extraction {
    /// The article as STIX 2.1 objects: the `report` first, then every object it refers to
    /// (locations, threat actors / intrusion sets, identities for organisations, people and
    /// outlets, an `incident` for the main event with `located-at` / `attributed-to`
    /// relationships), the producer identity and the extension-definition. Facts and their
    /// sentences are in the report's `x-tearline-osint` extension.
    pub fn to_stix(&self, ex: &Extractor, opts: &StixOptions) -> Vec<Value> {
        let created = if opts.created.is_empty() {
            self.meta
                .published_raw
                .as_deref()
                .and_then(ts)
                .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
        } else {
            ts(&opts.created).unwrap_or_else(|| opts.created.clone())
        };
        let mut b = Builder {
            opts,
            created: created.clone(),
            objects: Vec::new(),
        };
        let rid = report_id(&self.article_id);
        b.objects.push(Value::Null); // the report, filled in last
        b.base();
        let mut refs: Vec<String> = Vec::new();
        let mut facts: Vec<Value> = Vec::new();
        for e in self.entities() {
            let sid = entity_object(&mut b, ex, e.kind, &e.id, &e.name);
            if !refs.contains(&sid) {
                refs.push(sid.clone());
            }
            for &s in &e.sentences {
                facts.push(json!({"field": kind_name(e.kind), "value": e.name, "object_ref": sid, "sentence_index": s, "sentence": self.sentence(s)}));
            }
        }
        let outlet_ref = self.outlet.as_ref().map(|o| {
            let id = ex.aliases.resolve(o).map_or_else(
                || format!("outlet:{}", crate::text::normalize(o)),
                |a| a.id.clone(),
            );
            entity_object(&mut b, ex, EntityKind::Outlet, &id, o)
        });
        if let Some(o) = &outlet_ref
            && !refs.contains(o)
        {
            refs.push(o.clone());
        }
        for d in &self.dates {
            facts.push(json!({"field": "date", "value": d.resolved.map(|r| r.to_string()), "text": d.text, "role": d.role, "sentence_index": d.sentence, "sentence": self.sentence(d.sentence)}));
        }
        for c in &self.counts {
            facts.push(json!({"field": format!("count:{}", crate::correlate::count_name(c.kind)), "value": c.value, "text": c.text, "sentence_index": c.sentence, "sentence": self.sentence(c.sentence)}));
        }
        let mut event_json = Value::Null;
        if let Some(ev) = &self.event {
            let place_ref = ev
                .place
                .as_ref()
                .map(|p| entity_object(&mut b, ex, EntityKind::Place, &p.value.id, &p.value.name));
            let actor_refs: Vec<String> = ev
                .actors
                .iter()
                .map(|a| entity_object(&mut b, ex, a.value.kind, &a.value.id, &a.value.name))
                .collect();
            let iid = object_id("incident", &self.article_id);
            let name = format!(
                "{}{}{}",
                ev.label,
                ev.place.as_ref().map_or(String::new(), |p| format!(
                    " {} {}",
                    if p.value.near { "near" } else { "at" },
                    p.value.name
                )),
                ev.date
                    .as_ref()
                    .map_or(String::new(), |d| format!(" ({})", d.value))
            );
            let sentences: Vec<&str> = ev.sentences.iter().map(|&s| self.sentence(s)).collect();
            event_json = json!({
                "event_type": ev.event_type,
                "family": ev.family,
                "harm": ev.harm,
                "prospective": ev.prospective,
                "place_ref": place_ref,
                "place_text": ev.place.as_ref().map(|p| p.text.clone()),
                "place_sentence": ev.place.as_ref().map(|p| self.sentence(p.sentence).to_owned()),
                "near": ev.place.as_ref().map(|p| p.value.near),
                "date_start": ev.date.as_ref().map(|d| d.value.start.to_string()),
                "date_end": ev.date.as_ref().map(|d| d.value.end.to_string()),
                "date_precision": ev.date.as_ref().map(|d| d.value.precision),
                "date_text": ev.date.as_ref().map(|d| d.text.clone()),
                "date_sentence": ev.date.as_ref().map(|d| self.sentence(d.sentence).to_owned()),
                "actor_refs": actor_refs,
                "target": ev.target.as_ref().map(|t| t.value.clone()),
                "counts": ev.counts.iter().map(|c| json!({"kind": c.kind, "value": c.value, "text": c.text, "sentence": self.sentence(c.sentence)})).collect::<Vec<_>>(),
                "sentences": sentences,
                "confidence": ev.confidence,
            });
            b.sdo("incident", &iid, json!({"name": name, "description": sentences.join(" "), "extensions": ext(event_json.clone())}));
            refs.push(iid.clone());
            if let Some(p) = &place_ref {
                let r = b.sdo(
                    "relationship",
                    &object_id("relationship", &format!("{iid}/located-at/{p}")),
                    json!({"relationship_type": "located-at", "source_ref": iid, "target_ref": p}),
                );
                refs.push(r);
            }
            for a in &actor_refs {
                let r = b.sdo("relationship", &object_id("relationship", &format!("{iid}/attributed-to/{a}")), json!({"relationship_type": "attributed-to", "source_ref": iid, "target_ref": a}));
                refs.push(r);
            }
        }
        if refs.is_empty() {
            refs.push(PRODUCER_ID.to_owned());
        }
        let published = self
            .meta
            .published_raw
            .as_deref()
            .and_then(ts)
            .unwrap_or_else(|| created.clone());
        let name = self.title.clone().unwrap_or_else(|| {
            let s = self.sentence(0);
            if s.chars().count() > 120 {
                format!("{}…", s.chars().take(119).collect::<String>())
            } else {
                s.to_owned()
            }
        });
        let name = if name.is_empty() {
            self.article_id.clone()
        } else {
            name
        };
        let mut ext_refs = Vec::new();
        if self.outlet.is_some() || self.meta.url.is_some() {
            let mut r = json!({"source_name": self.outlet.clone().unwrap_or_else(|| "unknown outlet".into()), "description": "the article this report was extracted from"});
            if let Some(u) = &self.meta.url {
                r["url"] = json!(u);
                r["hashes"] = json!({"SHA-256": self.text_sha256});
            }
            ext_refs.push(r);
        }
        let attributions: Vec<Value> = self
            .attributions
            .iter()
            .map(|a| {
                json!({"source": a.source, "kind": a.kind, "text": a.text,
                "sentence": if a.sentence == usize::MAX { Value::Null } else { json!(self.sentence(a.sentence)) },
                "from_metadata": a.sentence == usize::MAX})
            })
            .collect();
        let case = self
            .proposes_case()
            .map(|c| serde_json::to_value(c).unwrap_or(Value::Null));
        let report = json!({
            "type": "report",
            "spec_version": "2.1",
            "id": rid,
            "created": created,
            "modified": created,
            "created_by_ref": opts.created_by_ref.clone().unwrap_or_else(|| PRODUCER_ID.into()),
            "name": name,
            "description": self.sentences.iter().take(3).cloned().collect::<Vec<_>>().join(" "),
            "published": published,
            "report_types": ["threat-report"],
            "object_refs": refs,
        });
        let mut report = report;
        if !ext_refs.is_empty() {
            report["external_references"] = json!(ext_refs);
        }
        if let Some(l) = &self.meta.language {
            report["lang"] = json!(l);
        }
        if !opts.object_marking_refs.is_empty() {
            report["object_marking_refs"] = json!(opts.object_marking_refs);
        }
        let other: Vec<Value> = self
            .other_events
            .iter()
            .map(|e| json!({"event_type": e.event_type, "place": e.place.as_ref().map(|p| p.value.name.clone()), "date": e.date.as_ref().map(|d| d.value.to_string()), "sentences": e.sentences.iter().map(|&s| self.sentence(s)).collect::<Vec<_>>()}))
            .collect();
        report["extensions"] = ext(json!({
            "article_id": self.article_id,
            "outlet": self.outlet,
            "outlet_ref": outlet_ref,
            "original_sources": self.original_sources(),
            "attributions": attributions,
            "event": event_json,
            "other_events": other,
            "facts": facts,
            "proposed_case": case,
        }));
        b.objects[0] = report;
        b.objects
    }
}

impl ClusterSummary {
    /// The cluster as a STIX `grouping` (context `unspecified`) over its reports and the
    /// entities of the event, with provenance in the `x-tearline-osint` extension. With
    /// `case_ref` (a duty-to-warn case's STIX id), a `relationship` of type `corroborates`
    /// links the grouping to the case as open-source corroboration of its outcome.
    pub fn to_stix(
        &self,
        ex: &Extractor,
        opts: &StixOptions,
        case_ref: Option<&str>,
    ) -> Vec<Value> {
        let created = if opts.created.is_empty() {
            self.last_seen
                .map(|d| format!("{d}T00:00:00.000Z"))
                .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
        } else {
            ts(&opts.created).unwrap_or_else(|| opts.created.clone())
        };
        let mut b = Builder {
            opts,
            created,
            objects: Vec::new(),
        };
        let first = self.reports.first().map_or("", |r| r.article_id.as_str());
        let gid = object_id("grouping", &format!("cluster/{first}"));
        b.objects.push(Value::Null);
        b.base();
        let mut refs: Vec<String> = self.reports.iter().map(|r| r.stix_id.clone()).collect();
        let place_ref = self
            .place
            .as_ref()
            .map(|(id, name)| entity_object(&mut b, ex, EntityKind::Place, id, name));
        refs.extend(place_ref.iter().cloned());
        let actor_refs: Vec<String> = self
            .actors
            .iter()
            .map(|(id, name)| {
                let kind = ex
                    .aliases
                    .get(id)
                    .map_or(EntityKind::ThreatActor, |a| a.kind.into());
                entity_object(&mut b, ex, kind, id, name)
            })
            .collect();
        refs.extend(actor_refs.iter().cloned());
        let label = self
            .event_type
            .as_ref()
            .map(|t| ex.vocab.get(t).map_or(t.clone(), |e| e.label.clone()))
            .unwrap_or_else(|| "Unclassified report".into());
        let name = format!(
            "Event cluster: {}{}{}",
            label,
            self.place
                .as_ref()
                .map_or(String::new(), |(_, n)| format!(" — {n}")),
            self.date.map_or(String::new(), |d| format!(", {d}"))
        );
        let disagreements = self
            .points
            .iter()
            .filter(|p| p.kind == PointKind::Disagreement)
            .count();
        let description = format!(
            "{} report(s) from {} outlet(s) ({} after removing copies), {} independent source(s); {} disagreement(s).",
            self.reports.len(),
            self.outlets.len(),
            self.independent_outlets.len(),
            self.independent_sources,
            disagreements
        );
        let grouping = json!({
            "type": "grouping",
            "spec_version": "2.1",
            "id": gid,
            "created": b.created,
            "modified": b.created,
            "created_by_ref": opts.created_by_ref.clone().unwrap_or_else(|| PRODUCER_ID.into()),
            "name": name,
            "description": description,
            "context": "unspecified",
            "confidence": self.confidence,
            "object_refs": refs,
        });
        let mut grouping = grouping;
        if !opts.object_marking_refs.is_empty() {
            grouping["object_marking_refs"] = json!(opts.object_marking_refs);
        }
        grouping["extensions"] = ext(json!({
            "event_type": self.event_type,
            "place_ref": place_ref,
            "date_start": self.date.map(|d| d.start.to_string()),
            "date_end": self.date.map(|d| d.end.to_string()),
            "actor_refs": actor_refs,
            "first_seen": self.first_seen.map(|d| d.to_string()),
            "last_seen": self.last_seen.map(|d| d.to_string()),
            "outlets": self.outlets,
            "independent_outlets": self.independent_outlets,
            "original_sources": self.original_sources,
            "independent_sources": self.independent_sources,
            "reports": serde_json::to_value(&self.reports).unwrap_or(Value::Null),
            "contributions": serde_json::to_value(&self.contributions).unwrap_or(Value::Null),
            "points": serde_json::to_value(&self.points).unwrap_or(Value::Null),
        }));
        b.objects[0] = grouping;
        if let Some(case) = case_ref {
            b.sdo(
                "relationship",
                &object_id("relationship", &format!("{gid}/corroborates/{case}")),
                json!({"relationship_type": "corroborates", "source_ref": gid, "target_ref": case, "description": "Open-source reporting corroborating the outcome of the case"}),
            );
        }
        b.objects
    }
}

/// Whether an attribution's source counts as an original (outlet) source.
pub fn is_original(kind: SourceKind) -> bool {
    kind == SourceKind::Outlet
}
