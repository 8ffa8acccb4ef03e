//! Leak-tracing variants through the real release path on SQLite: one warning released to three
//! partners as variants (preview, two-person approval), each signed bundle verifies and traces
//! back to its partner, mixes and paraphrases trace as they should, the operative content is
//! the same for all, and the variant maps stay internal.

// The operative-field extractor of tearline-trace's tests, written independently of the crate.
#[allow(dead_code)]
#[path = "../../trace/tests/it/extract.rs"]
mod extract;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_service::releases::{self, ApproveInput, Organisation, PreviewInput, ReleaseSettings, Releaser};
use tearline_service::variants::VariantsInput;
use tearline_service::{Actor, ingest, partners};
use tearline_store::{NewCollection, ReleaseRecord, Role, Store, secret};
use tearline_trace::{VariantMap, trace};

pub const TEXT: &str = "Based on several consistent reports, we assess that a cell of Islamic State is planning an attack on the Sayyida Zaynab shrine south of Damascus in the coming days. The cell is assessed to be in the final stage of preparation and will probably use a suicide bomber wearing an explosive vest among pilgrims. Its leader is believed to be in Rif Dimashq, and reporting indicates that he intends to strike between 10 and 12 January, in particular during Friday prayers. For these reasons we recommend increased security at the northern and eastern gates as well as searches of vehicles on the access road.";
const NOTE: &str = "Recipients should be aware that the threat to the shrine remains high until 13 January. The warning is consistent with earlier reporting, and we recommend increased security as well as a review of evacuation plans in order to protect visitors.";
const PARTNERS: [&str; 3] = ["austria-dsn", "iraq-ctd", "syria-gis"];
const CAMPAIGN: &str = "campaign--5b0c8f1e-7f7a-4d9e-9a51-000000000001";

/// One realistic warning: a campaign with the text, the target location, a `targets`
/// relationship and a note.
pub fn warning() -> Vec<Value> {
    let t = "2025-01-08T10:15:00.000Z";
    let clear = json!([ids::TLP2_CLEAR]);
    vec![
        json!({"type":"campaign","spec_version":"2.1","id":CAMPAIGN,"created":t,"modified":t,"name":"Planned attack on Sayyida Zaynab shrine",
            "description":TEXT,"first_seen":"2025-01-10T00:00:00.000Z","last_seen":"2025-01-13T00:00:00.000Z","object_marking_refs":clear}),
        json!({"type":"location","spec_version":"2.1","id":"location--5b0c8f1e-7f7a-4d9e-9a51-000000000002","created":t,"modified":t,
            "name":"Sayyida Zaynab shrine","description":"The Sayyida Zaynab shrine is the intended target.","latitude":33.4443,"longitude":36.3407,"city":"Sayyida Zaynab","country":"SY","object_marking_refs":clear}),
        json!({"type":"relationship","spec_version":"2.1","id":"relationship--5b0c8f1e-7f7a-4d9e-9a51-000000000003","created":t,"modified":t,
            "relationship_type":"targets","source_ref":CAMPAIGN,"target_ref":"location--5b0c8f1e-7f7a-4d9e-9a51-000000000002","object_marking_refs":clear}),
        json!({"type":"note","spec_version":"2.1","id":"note--5b0c8f1e-7f7a-4d9e-9a51-000000000004","created":t,"modified":t,
            "abstract":"Threat warning: Sayyida Zaynab shrine","content":NOTE,"object_refs":[CAMPAIGN, "location--5b0c8f1e-7f7a-4d9e-9a51-000000000002"],"object_marking_refs":clear}),
    ]
}

fn source_ids() -> Vec<String> {
    warning().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

struct Env {
    _d: tempfile::TempDir,
    store: tearline_store_sqlite::SqliteStore,
    rel: Releaser,
    ann: Actor,
    rob: Actor,
}

async fn env() -> Env {
    let d = tempfile::tempdir().unwrap();
    let store = tearline_store_sqlite::SqliteStore::open(d.path().join("t.db")).unwrap();
    let ann = Actor::Account(store.add_account("ann", Role::Analyst, secret::hash(&secret::generate())).await.unwrap());
    let rob = Actor::Account(store.add_account("rob", Role::ReleaseOfficer, secret::hash(&secret::generate())).await.unwrap());
    let coll = store
        .add_collection(NewCollection { api_root: "default".into(), title: "holdings".into(), description: None, alias: None, readers: vec!["ann".into(), "rob".into()], writers: vec!["ann".into()] })
        .await
        .unwrap();
    store.add_objects(&coll.id, warning().iter().enumerate().map(|(i, o)| ingest::submission(i, o)).collect(), None).await.unwrap();
    for (name, country) in [("austria-dsn", "AUT"), ("iraq-ctd", "IRQ"), ("syria-gis", "SYR")] {
        partners::add(&store, &Actor::Operator, partners::PartnerInput { name: Some(name.into()), country: Some(country.into()), ..Default::default() }).await.unwrap();
    }
    let org = Organisation { name: "Producer Service".into(), identity: None, country: Some("USA".into()) };
    let settings = ReleaseSettings { two_person: releases::TwoPerson::Always, ..Default::default() };
    let rel = Releaser::new(org, settings, d.path().join("tearline.key")).unwrap();
    Env { _d: d, store, rel, ann, rob }
}

fn variants(marks: bool) -> VariantsInput {
    VariantsInput { partners: PARTNERS.iter().map(|p| p.to_string()).collect(), invisible_marks: marks, ..Default::default() }
}

/// Ann previews for one partner of the cohort; Rob approves each partner with that one draft.
async fn release_all(e: &Env, v: &VariantsInput) -> Vec<ReleaseRecord> {
    let p = releases::preview(&e.store, &e.ann, &e.rel, PreviewInput { partner: "syria-gis".into(), sources: source_ids(), variants: Some(v.clone()) }).await.unwrap();
    assert_eq!(p.blocking, 0, "{:?}", p.findings);
    let summary = p.variants.as_ref().expect("variant summary");
    assert!(summary.wording_slots >= 6 && summary.min_distance >= Some(2), "{summary:?}");
    let mut out = Vec::new();
    for partner in PARTNERS {
        let input = ApproveInput { partner: partner.into(), sources: source_ids(), draft: Some(p.draft.clone()), justification: Some("duty to warn".into()), variants: Some(v.clone()), ..Default::default() };
        out.push(releases::approve(&e.store, &e.rob, &e.rel, input).await.unwrap());
    }
    out
}

async fn maps(store: &dyn Store) -> Vec<VariantMap> {
    store.variant_maps().await.unwrap().iter().map(|r| serde_json::from_str(&r.body).unwrap()).collect()
}

fn bundle_objects(r: &ReleaseRecord) -> Vec<Value> {
    let b: Value = serde_json::from_slice(&r.bundle).unwrap();
    b["objects"].as_array().unwrap().clone()
}

fn description(r: &ReleaseRecord) -> String {
    let id = &r.id_map[CAMPAIGN];
    bundle_objects(r).into_iter().find(|o| &o["id"] == id).unwrap()["description"].as_str().unwrap().to_owned()
}

fn top(r: &[tearline_trace::Suspect]) -> &str {
    &r[0].partner
}

#[tokio::test]
async fn three_partners_get_variants_that_verify_and_trace_back() {
    let e = env().await;
    // A fixed seed: with a seed derived from each run's fresh signing key, about 1 run in 40
    // chose wordings under which the half-and-half mix below ranked a third partner second (the
    // other tests here keep the derived seed).
    let v = VariantsInput { seed: Some("5eed".repeat(16)), ..variants(false) };
    let records = release_all(&e, &v).await;
    let keys = e.rel.keys().unwrap();
    let maps = maps(&e.store).await;
    assert_eq!(maps.len(), 3);

    let mut texts = BTreeMap::new();
    for r in &records {
        // Signed as the variant: it verifies offline, and the record keeps no map.
        let v = tearline_policy::verify_release(&r.bundle, &keys.keyring()).unwrap();
        assert_eq!(v.manifest_id, r.manifest_id);
        let stored = e.store.release(&r.manifest_id).await.unwrap().unwrap();
        assert_eq!(stored.variant_map, None, "never read back with the release");
        assert!(r.variant_map.as_deref().is_some_and(|m| m.contains("\"slots\"")));
        // The composed id map names objects of the bundle.
        let ids: Vec<Value> = bundle_objects(r).iter().map(|o| o["id"].clone()).collect();
        for (src, rid) in &r.id_map {
            assert!(ids.contains(&json!(rid)), "{src} -> {rid} not in the bundle");
        }
        let bundle = String::from_utf8(r.bundle.clone()).unwrap();
        assert!(!bundle.contains("\"slots\"") && !bundle.contains("\"alternatives\""));
        texts.insert(r.partner.clone(), description(r));

        // The partner's whole bundle traces back to it, with ids and wording.
        let ranking = trace(&bundle, &maps);
        assert_eq!(top(&ranking), r.partner);
        assert_eq!(ranking[0].release.as_deref(), Some(r.manifest_id.as_str()));
        let (ids, words, wrong, _) = ranking[0].counts();
        assert!(ids >= 4 && words >= 4 && wrong == 0, "{:?}", ranking[0].counts());
        assert!(ranking[0].score > ranking[1].score + 100.0);
    }
    assert_eq!(texts.values().collect::<std::collections::BTreeSet<_>>().len(), 3, "three different wordings: {texts:#?}");

    // releases_from_source still finds all three; ids differ per partner.
    assert_eq!(releases::from_source(&e.store, &e.ann, CAMPAIGN).await.unwrap().len(), 3);
    let released: std::collections::BTreeSet<&String> = records.iter().map(|r| &r.id_map[CAMPAIGN]).collect();
    assert_eq!(released.len(), 3);

    // Plain text without ids: the wording alone names the partner.
    for (partner, text) in &texts {
        let ranking = trace(text, &maps);
        assert_eq!(top(&ranking), partner, "{text}");
        assert!(ranking[0].score > ranking[1].score);
    }

    // A mix of two partners' variants (first half of one, second half of the other) names both.
    let (a, b) = (&texts["syria-gis"], &texts["iraq-ctd"]);
    let cut = |t: &str| t.find(" Its leader").unwrap();
    let mix = format!("{}{}", &a[..cut(a)], &b[cut(b)..]);
    let ranking = trace(&mix, &maps);
    let first_two: std::collections::BTreeSet<&str> = ranking[..2].iter().map(|s| s.partner.as_str()).collect();
    assert_eq!(first_two, ["iraq-ctd", "syria-gis"].into_iter().collect(), "{ranking:#?}");

    // A paraphrase of one partner's text (other words changed, reflowed, no ids): the wording
    // alternatives survive and still rank it first.
    let para = texts["austria-dsn"]
        .replace("Based on several consistent reports,", "According to several consistent reports,")
        .replace("For these reasons we recommend", "We therefore recommend")
        .replace("searches of vehicles", "vehicle searches")
        .replace(". ", ".\n");
    let ranking = trace(&format!("Forwarded:\n{para}"), &maps);
    assert_eq!(top(&ranking), "austria-dsn", "{ranking:#?}");

    // Place, time window, target, method and numbers never differ.
    let features: Vec<Vec<Vec<String>>> = records.iter().map(operative).collect();
    assert!(features.windows(2).all(|w| w[0] == w[1]), "{features:#?}");

    // Recall still works on a variant release: the partner's objects are revoked (a new
    // version needs a later millisecond than the release's).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let back = releases::recall(&e.store, &e.rob, &e.rel, &records[0].manifest_id, "the timing was wrong, disregard").await.unwrap();
    assert_eq!(back.state, tearline_store::ReleaseState::Recalled);
}

/// The operative features of a release's content objects, in source order (ids, references and
/// the release's own timestamps aside).
fn operative(r: &ReleaseRecord) -> Vec<Vec<String>> {
    let objects = bundle_objects(r);
    source_ids()
        .iter()
        .map(|src| {
            let mut o = objects.iter().find(|o| o["id"].as_str() == Some(&r.id_map[src])).unwrap().clone();
            for k in ["created", "modified"] {
                o.as_object_mut().unwrap().remove(k);
            }
            extract::object_features(&o)
        })
        .collect()
}

#[tokio::test]
async fn marks_are_off_by_default_and_never_with_translation() {
    let e = env().await;
    let mut v = variants(true);
    v.translated = true;
    let records = release_all(&e, &v).await;
    for r in &records {
        assert!(!String::from_utf8(r.bundle.clone()).unwrap().contains('\u{2060}'), "no marks when translated");
    }
    // A second warning body (a correction) with marks on: marks are written and decoded.
    let e = env().await;
    let records = release_all(&e, &variants(true)).await;
    let maps = maps(&e.store).await;
    for r in &records {
        let bundle = String::from_utf8(r.bundle.clone()).unwrap();
        assert!(bundle.contains('\u{2060}'));
        let ranking = trace(&bundle, &maps);
        assert!(ranking[0].counts().3 >= 1 && ranking[0].partner == r.partner);
    }
}

#[tokio::test]
async fn the_draft_binds_the_cohort_and_unknown_partners_are_refused() {
    let e = env().await;
    let v = variants(false);
    let p = releases::preview(&e.store, &e.ann, &e.rel, PreviewInput { partner: "iraq-ctd".into(), sources: source_ids(), variants: Some(v.clone()) }).await.unwrap();
    // Another cohort does not match the draft.
    let mut other = v.clone();
    other.partners.pop();
    let input = ApproveInput { partner: "iraq-ctd".into(), sources: source_ids(), draft: Some(p.draft.clone()), variants: Some(other), ..Default::default() };
    assert!(matches!(releases::approve(&e.store, &e.rob, &e.rel, input).await, Err(tearline_service::ServiceError::Invalid(m)) if m.contains("draft")));
    let mut typo = v.clone();
    typo.partners.push("nobody".into());
    let input = PreviewInput { partner: "iraq-ctd".into(), sources: source_ids(), variants: Some(typo) };
    assert!(matches!(releases::preview(&e.store, &e.ann, &e.rel, input).await, Err(tearline_service::ServiceError::NotFound(_))));
    let mut bad_seed = v.clone();
    bad_seed.seed = Some("abc".into());
    let input = PreviewInput { partner: "iraq-ctd".into(), sources: source_ids(), variants: Some(bad_seed) };
    assert!(matches!(releases::preview(&e.store, &e.ann, &e.rel, input).await, Err(tearline_service::ServiceError::Invalid(_))));
    // The preview shows exactly the variant the approval signs.
    let input = ApproveInput { partner: "iraq-ctd".into(), sources: source_ids(), draft: Some(p.draft.clone()), variants: Some(v), ..Default::default() };
    let r = releases::approve(&e.store, &e.rob, &e.rel, input).await.unwrap();
    assert_eq!(r.id_map, p.id_map);
    let shown = p.released.iter().find(|o| o["id"] == json!(r.id_map[CAMPAIGN])).unwrap();
    assert_eq!(shown["description"].as_str().unwrap(), description(&r));
}
