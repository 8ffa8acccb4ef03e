//! Open-source reporting: articles in, STIX reports and event clusters out, stored in a
//! collection. `tearline ingest-text` and `POST /api/v1/osint/articles` both call [`ingest`].
//!
//! The collection is the memory: each article's `report` carries the article itself (text and
//! metadata) in the `x-tearline-osint` extension, so the correlator is rebuilt from the stored
//! reports, in `date_added` order, before new articles join it. Clusters touched by new articles
//! are written as new versions of their `grouping`.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};
use tearline_osint::stix::{EXTENSION_ID, StixOptions};
use tearline_osint::{Aliases, Article, ClusterId, ClusterSummary, Correlator, Extraction, Extractor, Gazetteer, Vocab, parse_article};
use tearline_stix::Timestamp;
use tearline_store::{ObjectFilter, Outcome, Store, VersionFilter};

use crate::{Action, Actor, ServiceError, ServiceResult, ingest};

/// One article as given: a name (file name or caller's id), its text with optional TOML front
/// matter, and an optional sidecar (`.meta.toml`) whose fields win.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub name: String,
    pub text: String,
    #[serde(default)]
    pub meta_toml: Option<String>,
}

/// What became of one new article.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleOutcome {
    pub name: String,
    pub report_id: String,
    pub cluster: ClusterId,
    pub outlet: Option<String>,
    pub event_type: Option<String>,
    pub place: Option<String>,
    pub date: Option<String>,
    pub actors: Vec<String>,
    /// The article id of the earlier report this one copies, if any.
    pub copy_of: Option<String>,
    /// A duty-to-warn case this article proposes (a planned attack with a target and window).
    pub proposes_case: bool,
    /// The proposed case made from it (when ingested with a duty-to-warn desk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_case: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestOutcome {
    pub articles: Vec<ArticleOutcome>,
    /// Every cluster a new article joined or formed.
    pub clusters: Vec<ClusterSummary>,
    /// Object versions written (reports, entities, groupings); identical ones are not rewritten.
    pub objects_added: u64,
    pub objects_unchanged: u64,
}

/// The environment variables that replace the built-in data files (same TOML formats, see
/// `data/osint/README.md`): a larger gazetteer (a GeoNames extract, say), alias list or event
/// vocabulary, without code changes.
pub const DATA_VARIABLES: [&str; 3] = ["TEARLINE_OSINT_GAZETTEER", "TEARLINE_OSINT_ALIASES", "TEARLINE_OSINT_EVENT_TYPES"];

fn data_file(what: &str, path: Option<&std::path::Path>) -> ServiceResult<Option<String>> {
    path.map(|p| std::fs::read_to_string(p).map_err(|e| ServiceError::Invalid(format!("{what} file {}: cannot read it: {e}", p.display()))))
        .transpose()
}

/// The extractor over the built-in data, or over the files the [`DATA_VARIABLES`] name.
pub fn extractor_from_env() -> ServiceResult<Extractor> {
    let [g, a, v] = DATA_VARIABLES.map(|var| std::env::var_os(var).map(std::path::PathBuf::from));
    extractor_from_files(g.as_deref(), a.as_deref(), v.as_deref())
}

/// The extractor over these data files (the built-in data where a path is `None`).
pub fn extractor_from_files(gazetteer: Option<&std::path::Path>, aliases: Option<&std::path::Path>, vocab: Option<&std::path::Path>) -> ServiceResult<Extractor> {
    let bad = |what: &str, e: tearline_osint::DataError| ServiceError::Invalid(format!("{what}: {e}"));
    let gazetteer = match data_file("gazetteer", gazetteer)? {
        Some(t) => Gazetteer::load_toml(&t).map_err(|e| bad("gazetteer", e))?,
        None => Gazetteer::default_data(),
    };
    let aliases = match data_file("aliases", aliases)? {
        Some(t) => Aliases::load_toml(&t).map_err(|e| bad("aliases", e))?,
        None => Aliases::default_data(),
    };
    let vocab = match data_file("event types", vocab)? {
        Some(t) => Vocab::load_toml(&t).map_err(|e| bad("event types", e))?,
        None => Vocab::default_data(),
    };
    Ok(Extractor::new(gazetteer, aliases, vocab))
}

/// Most articles accepted in one call.
pub const MAX_ARTICLES: usize = 10_000;

/// Reads every article stored in the collection, oldest first.
async fn stored_articles(store: &dyn Store, collection_id: &str) -> ServiceResult<Vec<Article>> {
    let mut filter = ObjectFilter { types: vec!["report".into()], versions: VersionFilter::last(), limit: 1000, ..Default::default() };
    let mut out = Vec::new();
    loop {
        let page = store.objects(collection_id, &filter, true).await?;
        for o in &page.items {
            let Some(body) = &o.body else { continue };
            let Ok(v) = serde_json::from_str::<Value>(body) else { continue };
            if let Some(a) = v.pointer(&format!("/extensions/{EXTENSION_ID}/article"))
                && let Ok(article) = serde_json::from_value::<Article>(a.clone())
            {
                out.push(article);
            }
        }
        match page.next() {
            Some(c) => filter.after = Some(c),
            None => return Ok(out),
        }
    }
}

fn summarise(name: &str, x: &Extraction, cluster: ClusterId, summary: Option<&ClusterSummary>) -> ArticleOutcome {
    let ev = x.event.as_ref();
    ArticleOutcome {
        name: name.to_owned(),
        report_id: tearline_osint::stix::report_id(&x.article_id),
        cluster,
        outlet: x.outlet.clone(),
        event_type: ev.map(|e| e.event_type.clone()),
        place: ev.and_then(|e| e.place.as_ref().map(|p| p.value.name.clone())),
        date: ev.and_then(|e| e.date.as_ref().map(|d| d.value.to_string())),
        actors: ev.map(|e| e.actors.iter().map(|a| a.value.name.clone()).collect()).unwrap_or_default(),
        copy_of: summary.and_then(|s| s.reports.iter().find(|r| r.article_id == x.article_id).and_then(|r| r.copy_of.clone())),
        proposes_case: x.proposes_case().is_some(),
        proposed_case: None,
    }
}

/// Ingests articles into a collection: extraction, STIX, correlation with everything the
/// collection already holds, and storage. Nothing is written if any article is malformed.
///
/// With a duty-to-warn `desk`, an article that describes a planned attack with a target and a
/// time window proposes a case (for an analyst to confirm or dismiss); its id is in the outcome.
pub async fn ingest(store: &dyn Store, actor: &Actor, collection_id: &str, inputs: Vec<ArticleInput>, desk: Option<&crate::cases::Desk>) -> ServiceResult<IngestOutcome> {
    actor.require(Action::Ingest)?;
    if inputs.is_empty() {
        return Err(ServiceError::Invalid("no articles given".into()));
    }
    if inputs.len() > MAX_ARTICLES {
        return Err(ServiceError::Invalid(format!("{} articles in one call; at most {MAX_ARTICLES}", inputs.len())));
    }
    crate::writable_collection(store, actor, collection_id).await?;
    let mut articles = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let mut a = parse_article(&input.text, input.meta_toml.as_deref()).map_err(|e| ServiceError::Invalid(format!("{}: {e}", input.name)))?;
        if a.meta.id.is_none() {
            a.meta.id = Some(input.name.clone());
        }
        articles.push((input.name.clone(), a));
    }
    let extractor = extractor_from_env()?;
    let previous = stored_articles(store, collection_id).await?;
    let now = Timestamp::now().to_micros_string();

    // Extraction and clustering are CPU work: off the async threads.
    let (objects, mut outcomes, clusters, proposing, gazetteer) = tokio::task::spawn_blocking(move || {
        let mut correlator = Correlator::new(&extractor);
        for a in &previous {
            correlator.add(&extractor.extract(a));
        }
        let mut objects: Vec<Value> = Vec::new();
        let mut touched: BTreeSet<ClusterId> = BTreeSet::new();
        let mut extracted = Vec::new();
        for (name, article) in articles {
            let x = extractor.extract(&article);
            let cluster = correlator.add(&x);
            touched.insert(cluster);
            let mut stix = x.to_stix(&extractor, &StixOptions::default());
            if let Some(report) = stix.first_mut()
                && let Some(ext) = report.pointer_mut(&format!("/extensions/{EXTENSION_ID}")).and_then(Value::as_object_mut)
            {
                ext.insert("article".into(), json!(article));
            }
            objects.extend(stix);
            extracted.push((name, x, cluster));
        }
        let clusters: Vec<ClusterSummary> = touched.iter().filter_map(|c| correlator.cluster(*c)).collect();
        for c in &clusters {
            for mut o in c.to_stix(&extractor, &StixOptions::default(), None) {
                // A grouping is versioned: its `created` stays (first seen), `modified` moves.
                if o["type"] == "grouping" {
                    o["modified"] = json!(now);
                }
                objects.push(o);
            }
        }
        let outcomes: Vec<ArticleOutcome> = extracted
            .iter()
            .map(|(name, x, c)| summarise(name, x, *c, clusters.iter().find(|s| s.id == *c)))
            .collect();
        let proposing: Vec<Extraction> = extracted.into_iter().map(|(_, x, _)| x).filter(|x| x.proposes_case().is_some()).collect();
        (objects, outcomes, clusters, proposing, extractor.gazetteer.clone())
    })
    .await
    .map_err(|e| ServiceError::Invalid(format!("extraction failed: {e}")))?;

    // Shared entities (a place, a group) appear once per article: store each id+version once.
    let mut seen = BTreeSet::new();
    let subs = objects
        .iter()
        .filter(|o| seen.insert((o["id"].to_string(), o.get("modified").or_else(|| o.get("created")).map(Value::to_string))))
        .enumerate()
        .map(|(i, o)| ingest::submission(i, o))
        .collect();
    let result = store.add_objects(collection_id, subs, None).await?;
    let (mut added, mut unchanged) = (0, 0);
    for o in &result.outcomes {
        match o {
            Outcome::Added { .. } => added += 1,
            Outcome::Unchanged { .. } => unchanged += 1,
            // An entity stored earlier under the same id and version (first seen in an earlier
            // article) keeps its stored form.
            Outcome::Conflict { .. } => unchanged += 1,
            Outcome::Rejected { message, .. } => return Err(ServiceError::Invalid(format!("extraction produced an invalid object: {message}"))),
        }
    }
    if let Some(desk) = desk {
        let author = match actor {
            Actor::Account(a) => a.name.clone(),
            Actor::Operator => tearline_store::ledger::OPERATOR.to_owned(),
        };
        for x in &proposing {
            let report_id = tearline_osint::stix::report_id(&x.article_id);
            if let Some(case) = crate::cases::propose_from_text(store, desk, &author, &report_id, x, &gazetteer).await?
                && let Some(o) = outcomes.iter_mut().find(|o| o.report_id == report_id)
            {
                o.proposed_case = Some(case);
            }
        }
    }
    Ok(IngestOutcome { articles: outcomes, clusters, objects_added: added, objects_unchanged: unchanged })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tearline_store::NewCollection;

    fn fixture(name: &str) -> ArticleInput {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/news/");
        let text = std::fs::read_to_string(format!("{dir}{name}.txt")).expect("the news fixtures in ../shared/fixtures/news");
        let meta_toml = std::fs::read_to_string(format!("{dir}{name}.meta.toml")).ok();
        ArticleInput { name: name.into(), text, meta_toml }
    }

    #[test]
    fn data_files_replace_the_built_in_ones() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/osint/");
        let g = std::path::PathBuf::from(format!("{data}gazetteer.toml"));
        assert!(extractor_from_files(Some(&g), None, None).is_ok(), "the shipped gazetteer loads as a replacement file");
        let d = tempfile::tempdir().unwrap();
        let broken = d.path().join("g.toml");
        std::fs::write(&broken, "this is = not [a gazetteer").unwrap();
        assert!(matches!(extractor_from_files(Some(&broken), None, None), Err(ServiceError::Invalid(_))));
        assert!(matches!(extractor_from_files(None, Some(&d.path().join("missing.toml")), None), Err(ServiceError::Invalid(_))));
    }

    #[tokio::test]
    async fn the_two_press_reports_form_one_cluster_across_calls() {
        let d = tempfile::tempdir().unwrap();
        let s = tearline_store_sqlite::SqliteStore::open(d.path().join("t.db")).unwrap();
        s.add_account("ann", tearline_store::Role::Analyst, [1; 32]).await.unwrap();
        let c = s
            .add_collection(NewCollection { api_root: "default".into(), title: "osint".into(), description: None, alias: None, readers: vec![], writers: vec![] })
            .await
            .unwrap();
        let first = ingest(&s, &Actor::Operator, &c.id, vec![fixture("000_5c713c0f6c6b07fa")], None).await.unwrap();
        assert!(first.objects_added > 0);
        // A second call: the correlator is rebuilt from the stored report.
        let second = ingest(&s, &Actor::Operator, &c.id, vec![fixture("004_895db01f0b5b4e0c")], None).await.unwrap();
        assert_eq!(second.clusters.len(), 1);
        let cluster = &second.clusters[0];
        assert_eq!(cluster.reports.len(), 2, "both articles in one cluster");
        assert_eq!(cluster.independent_outlets.len(), 2);
        assert_eq!(cluster.original_sources, vec!["The Washington Post".to_string()]);
        assert_eq!(cluster.independent_sources, 1, "two outlets retelling one original report are one source");
        assert!(cluster.actors.iter().any(|(_, n)| n == "Islamic State"));
        let a = &second.articles[0];
        assert_eq!(a.place.as_deref(), Some("Sayyida Zaynab shrine"));
        assert_eq!(a.date.as_deref(), Some("2025-01-11"));
        assert_eq!(a.cluster, first.articles[0].cluster);
        // The grouping is stored and names both reports.
        let f = ObjectFilter { types: vec!["grouping".into()], ..Default::default() };
        let page = s.objects(&c.id, &f, true).await.unwrap();
        let grouping: Value = serde_json::from_str(page.items[0].body.as_deref().unwrap()).unwrap();
        let refs = grouping["object_refs"].as_array().unwrap();
        for r in [&first.articles[0].report_id, &a.report_id] {
            assert!(refs.iter().any(|x| x == r.as_str()), "{r} in the grouping");
        }
        // Accounts need write access to the collection.
        let ann = s.account_by_secret(&[1; 32]).await.unwrap().unwrap();
        let denied = ingest(&s, &Actor::Account(ann), &c.id, vec![fixture("000_5c713c0f6c6b07fa")], None).await;
        assert!(matches!(denied, Err(ServiceError::NotFound(_))), "a collection without a grant answers like a missing one");
        assert!(matches!(ingest(&s, &Actor::Operator, &c.id, vec![], None).await, Err(ServiceError::Invalid(_))));
    }
}
