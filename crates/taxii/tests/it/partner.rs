//! A partner member on every object-bearing route: each object the store returns goes through
//! the policy core's decision (`egress::Decided` proves it per response), an object leaves
//! only if it was released to the partner (or is its own feedback) *and* the decision admits
//! it, and the first retrieval of each release by each member account is recorded once.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_store::{Access, LedgerQuery, Retrieval};

use crate::harness::*;

fn marked(mut o: Value, marking: &str) -> Value {
    o["object_marking_refs"] = json!([marking]);
    o
}

/// A partner's delivery collection after one release of two TLP:CLEAR indicators.
struct Delivery {
    coll: String,
    manifest_id: String,
    /// The partner's STIX identity.
    identity: String,
    /// Two member accounts' credentials, and their names.
    members: Vec<(Auth, String)>,
}

async fn delivery(fx: &Fx) -> Delivery {
    let sources = vec![marked(indicator(1, 1), ids::TLP2_CLEAR), marked(indicator(2, 1), ids::TLP2_CLEAR)];
    fx.post(&fx.alpha, &sources).await;
    let (s, partner) = api(fx, Method::POST, "/api/v1/partners", Auth::As("admin"), Some(json!({"name": "ally", "country": "GBR"}))).await;
    assert_eq!(s, 201, "{partner}");
    let mut members = Vec::new();
    for name in ["ally-1", "ally-2"] {
        let (s, m) = api(fx, Method::POST, "/api/v1/partners/ally/members", Auth::As("admin"), Some(json!({"name": name}))).await;
        assert_eq!(s, 201, "{m}");
        members.push((Auth::Header(basic(name, m["secret"].as_str().unwrap())), name.to_owned()));
    }
    let ids: Vec<String> = sources.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let (s, preview) = api(fx, Method::POST, "/api/v1/releases/preview", Auth::As("alice"), Some(json!({"partner": "ally", "sources": ids}))).await;
    assert_eq!(s, 200, "{preview}");
    let (s, r) = api(fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(json!({"partner": "ally", "sources": ids, "draft": preview["draft"]}))).await;
    assert_eq!(s, 201, "{r}");
    Delivery {
        coll: partner["collection_id"].as_str().unwrap().to_owned(),
        manifest_id: r["manifest_id"].as_str().unwrap().to_owned(),
        identity: partner["identity_id"].as_str().unwrap().to_owned(),
        members,
    }
}

/// The rows of the partner's delivery collection under its current fingerprint, once every
/// one holds a stored admission (or as they stand after 5 s).
async fn decided_rows(fx: &Fx, d: &Delivery) -> Vec<tearline_store::RowDecision> {
    use tearline_store::{ObjectFilter, PartnerRead, RowDecision, VersionFilter};
    let partner = fx.store.partner("ally").await.unwrap().unwrap();
    let recipient = tearline_service::releases::recipient_of(&partner).unwrap();
    let read = PartnerRead { partner: "ally".into(), fingerprint: tearline_policy::admit::fingerprint(&recipient, fx.decision.as_ref().unwrap()) };
    let all = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = fx.store.partner_objects(&d.coll, &all, true, &read).await.unwrap().rows;
        if rows.iter().all(|r| matches!(r, RowDecision::Admitted(_))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    rows
}

/// Approval decides the partner's delivery collection ahead of its members' reads: the
/// admissions are stored under the partner's current fingerprint before anyone reads; a profile
/// update (a new fingerprint) decides it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_decides_ahead_of_the_first_read() {
    use tearline_store::RowDecision;
    let fx = fixture().await;
    let d = delivery(&fx).await;
    let rows = decided_rows(&fx, &d).await;
    assert!(!rows.is_empty());
    // The manifest report, the two indicators, the producer's identity, ...: every object the
    // release published was admitted ahead of any read.
    assert!(rows.iter().all(|r| matches!(r, RowDecision::Admitted(_))), "{rows:?}");
    assert!(rows.iter().any(|r| matches!(r, RowDecision::Admitted(names) if names.contains(&d.manifest_id))));
    // And a member's read then serves them.
    let page = get(&fx, &d.members[0].0, &objects_url("partners", &d.coll)).await;
    assert_eq!(page.json()["objects"].as_array().unwrap().len(), rows.len());

    let (s, p) = api(&fx, Method::PATCH, "/api/v1/partners/ally", Auth::As("admin"), Some(json!({"trust_tier": 1}))).await;
    assert_eq!(s, 200, "{p}");
    let again = decided_rows(&fx, &d).await;
    assert_eq!(again.len(), rows.len());
    assert!(again.iter().all(|r| matches!(r, RowDecision::Admitted(_))), "decided again under the new profile: {again:?}");
}

/// A member's page is read as a producer's once every row's admission is kept in memory. The
/// rows are kept with the context derived from the partner's profile, so an update (a new
/// context, nothing kept) serves what the new profile admits and keeps it again, and after
/// removal nothing leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_admissions_count_only_under_the_current_profile() {
    use std::sync::atomic::Ordering::Relaxed;
    let fx = fixture().await;
    let d = delivery(&fx).await;
    let n = decided_rows(&fx, &d).await.len();
    let member = &d.members[0].0;
    let url = objects_url("partners", &d.coll);
    let kept = || fx.admissions.kept_pages.load(Relaxed);
    let first = get(&fx, member, &url).await;
    assert_eq!(first.json()["objects"].as_array().unwrap().len(), n);
    let before = kept();
    let again = get(&fx, member, &url).await;
    assert_eq!(again.body, first.body, "the same page");
    assert_eq!(kept(), before + 1, "read as a producer's page, every row kept");

    let (s, p) = api(&fx, Method::PATCH, "/api/v1/partners/ally", Auth::As("admin"), Some(json!({"trust_tier": 1}))).await;
    assert_eq!(s, 200, "{p}");
    let before = kept();
    let after_update = get(&fx, member, &url).await;
    assert_eq!(after_update.json()["objects"].as_array().unwrap().len(), n);
    // Predecide may have kept the new context's rows by now; either way, the rows served are
    // those decided under the new profile, and the next read is served from them.
    let _ = get(&fx, member, &url).await;
    assert!(kept() > before, "kept again under the new profile");

    let (s, _) = api(&fx, Method::DELETE, "/api/v1/partners/ally", Auth::As("admin"), None).await;
    assert_eq!(s / 100, 2);
    let before = kept();
    assert_eq!(get(&fx, member, &url).await.status.as_u16(), 401, "a removed partner's member no longer signs in");
    assert_eq!(kept(), before);
}

async fn get(fx: &Fx, by: &Auth, path: &str) -> Resp {
    let mut req = Req::get(path);
    req.auth = by.clone();
    fx.send(req).await
}

fn route_path(template: &str, d: &Delivery, object_id: &str) -> String {
    template.replace("{root}", "partners").replace("{id}", &d.coll).replace("{object_id}", object_id)
}

/// The indicator of the delivery's release, as its member reads it.
async fn released_indicator(fx: &Fx, member: &Auth, d: &Delivery) -> Value {
    let page = get(fx, member, &objects_url("partners", &d.coll)).await;
    page.json()["objects"].as_array().unwrap().iter().find(|o| o["type"] == "indicator").cloned().unwrap()
}

fn ids_of(resp: &Resp) -> BTreeSet<String> {
    resp.json()["objects"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn every_object_bearing_route_decides_each_object_for_a_partner_member() {
    // The object-bearing routes are declared, and every collection route that is not the
    // collection resource itself is one of them (a new one cannot skip the decision unlisted).
    let declared: BTreeSet<(&str, &str)> = tearline_taxii::ROUTES.iter().copied().collect();
    let bearing: BTreeSet<(&str, &str)> = tearline_taxii::OBJECT_ROUTES.iter().copied().collect();
    assert!(bearing.is_subset(&declared), "{bearing:?}");
    for (m, t) in &declared {
        if *m == "GET" && t.starts_with("/taxii2/{root}/collections/{id}/") && *t != "/taxii2/{root}/collections/{id}/" {
            assert!(bearing.contains(&(*m, *t)), "{m} {t} serves objects but is not in OBJECT_ROUTES");
        }
    }

    let fx = fixture().await;
    let d = delivery(&fx).await;
    // Something the store returns that must not leave: a producer note misfiled into the
    // delivery collection.
    let misfiled = json!({"type":"note","spec_version":"2.1","id":sid("note", 9),"created":CREATED,"modified":CREATED,"content":"producer only","object_refs":[d.manifest_id]});
    fx.store.add_objects(&d.coll, vec![tearline_service::ingest::submission(0, &misfiled)], None).await.unwrap();
    fx.store.set_grant(&d.coll, "alice", Access { can_read: true, can_write: false }).await.unwrap();
    let stored = fx.store.objects(&d.coll, &Default::default(), false).await.unwrap().items.len() as u64;

    let (member, _) = &d.members[0];
    for (m, t) in tearline_taxii::OBJECT_ROUTES {
        assert_eq!(*m, "GET");
        let path = route_path(t, &d, &d.manifest_id);
        let resp = get(&fx, member, &path).await;
        assert_eq!(resp.status.as_u16(), 200, "{t}: {}", resp.text());
        assert!(resp.egressed, "{t}");
        let decided = resp.decided.unwrap_or_else(|| panic!("{t}: a partner member's answer did not go through the policy decision"));
        assert!(decided.considered >= 1 && decided.admitted >= 1 && decided.admitted <= decided.considered, "{t}: {decided:?}");
        if t.ends_with("/objects/") || t.ends_with("/manifest/") {
            assert_eq!(decided.considered, stored, "{t}: every object the store returned was decided");
            assert_eq!(decided.admitted, stored - 1, "{t}: all but the misfiled note");
            assert!(!resp.text().contains(&sid("note", 9)), "{t}");
        }
        // A producer account on the same route: the fast path, no decision taken.
        let producer = check(&fx, Req::get(&path).by("alice"), 200).await;
        assert!(producer.decided.is_none(), "{t}: producer accounts see their holdings as stored");
    }
    // The misfiled note on the single-object routes: decided, withheld, answered like missing.
    for t in ["/taxii2/{root}/collections/{id}/objects/{object_id}/", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/"] {
        let resp = get(&fx, member, &route_path(t, &d, &sid("note", 9))).await;
        assert_eq!(resp.status.as_u16(), 404, "{t}");
        let missing = get(&fx, member, &route_path(t, &d, &sid("note", 99))).await;
        assert_eq!(resp.body, missing.body, "{t}: withheld and missing answer alike");
    }
    // Routes that carry no objects answer a member without any.
    for path in ["/taxii2/".to_owned(), "/taxii2/partners/".to_owned(), "/taxii2/partners/collections/".to_owned(), coll_url("partners", &d.coll)] {
        let resp = get(&fx, member, &path).await;
        assert_eq!(resp.status.as_u16(), 200, "{path}");
        assert!(resp.decided.is_none() && resp.json().get("objects").is_none(), "{path}");
    }
}

#[tokio::test]
async fn a_released_id_is_withheld_when_the_decision_refuses_its_stored_markings() {
    let fx = fixture().await;
    let d = delivery(&fx).await;
    let (member, _) = &d.members[0];
    let released = released_indicator(&fx, member, &d).await;
    let id = released["id"].as_str().unwrap().to_owned();
    assert_eq!(get(&fx, member, &object_url("partners", &d.coll, &id)).await.status.as_u16(), 200);

    // A later version of a released id, stored in the delivery collection with TLP:RED: the id
    // was released, but the decision refuses what it now carries.
    let mut red = released.clone();
    red["modified"] = json!("2030-01-01T00:00:00.000Z");
    red["object_marking_refs"] = json!([ids::TLP2_RED]);
    fx.store.add_objects(&d.coll, vec![tearline_service::ingest::submission(0, &red)], None).await.unwrap();
    let missing = get(&fx, member, &object_url("partners", &d.coll, &sid("indicator", 77))).await;
    let withheld = get(&fx, member, &object_url("partners", &d.coll, &id)).await;
    assert_eq!((withheld.status.as_u16(), &withheld.body), (404, &missing.body), "the latest version is withheld, like a missing object");
    let after = get(&fx, member, &objects_url("partners", &d.coll)).await;
    assert!(!ids_of(&after).contains(&id), "{}", after.text());
    let versions = get(&fx, member, &format!("{}versions/", object_url("partners", &d.coll, &id))).await.json();
    assert_eq!(versions["versions"], json!([released["modified"]]), "only the released version is listed");
    let all = get(&fx, member, &format!("{}?match[version]=all", object_url("partners", &d.coll, &id))).await.json();
    assert_eq!(all["objects"].as_array().unwrap().len(), 1);
    assert!(!all.to_string().contains(ids::TLP2_RED));

    // The member's own feedback is judged with the partner as its own organisation.
    let note = |n: u32, marking: &str| {
        json!({"type":"note","spec_version":"2.1","id":sid("note", n),"created":CREATED,"modified":CREATED,"created_by_ref":d.identity,
            "content":format!("feedback {n}"),"object_refs":[d.manifest_id],"object_marking_refs":[marking]})
    };
    let unknown = "marking-definition--00000000-0000-4000-8000-00000000dead";
    let mut post = Req::post(&objects_url("partners", &d.coll), &envelope(&[note(1, ids::TLP2_AMBER_STRICT), note(2, ids::TLP2_RED), note(3, unknown)]));
    post.auth = member.clone();
    let status = fx.send(post).await;
    assert_eq!(status.status.as_u16(), 202, "{}", status.text());
    let seen = ids_of(&get(&fx, member, &objects_url("partners", &d.coll)).await);
    assert!(seen.contains(&sid("note", 1)), "TLP:AMBER+STRICT reaches the partner's own members");
    assert!(!seen.contains(&sid("note", 2)), "TLP:RED reaches no one else");
    assert!(!seen.contains(&sid("note", 3)), "unknown markings fail closed");
    assert_eq!(get(&fx, &d.members[1].0, &object_url("partners", &d.coll, &sid("note", 2))).await.status.as_u16(), 404);
}

/// Publication is by (id, version): a partner member who posts another version of a released
/// id in the producer's name has it refused, and such a version in the delivery collection is
/// not released, to that member or any other, while the released version reads as before.
#[tokio::test]
async fn another_version_of_a_released_id_is_not_released() {
    let fx = fixture().await;
    let d = delivery(&fx).await;
    let (member, _) = &d.members[0];
    let released = released_indicator(&fx, member, &d).await;
    let id = released["id"].as_str().unwrap().to_owned();
    let producer = released["created_by_ref"].as_str().unwrap().to_owned();
    assert_ne!(producer, d.identity);
    let mut forged = released.clone();
    forged["modified"] = json!("2030-01-01T00:00:00.000Z");
    forged["name"] = json!("forged in the producer's name");
    forged["pattern"] = json!("[ipv4-addr:value = '203.0.113.66']");

    // Posted by the member: refused, per object, saying why.
    let mut post = Req::post(&objects_url("partners", &d.coll), &envelope(std::slice::from_ref(&forged)));
    post.auth = member.clone();
    let status = fx.send(post).await;
    assert_eq!(status.status.as_u16(), 202, "{}", status.text());
    let status = status.json();
    assert_eq!((status["success_count"].as_u64(), status["failure_count"].as_u64()), (Some(0), Some(1)), "{status}");
    let why = status["failures"][0]["message"].as_str().unwrap();
    assert!(why.contains("created_by_ref") && why.contains(&producer) && why.contains(&d.identity), "{why}");
    assert!(fx.store.objects(&d.coll, &tearline_store::ObjectFilter { ids: vec![id.clone()], versions: tearline_store::VersionFilter::all(), ..Default::default() }, false).await.unwrap().items.len() == 1);

    // Stored all the same (before this check existed, or by an operator): not released.
    fx.store.add_objects(&d.coll, vec![tearline_service::ingest::submission(0, &forged)], None).await.unwrap();
    for (m, name) in &d.members {
        for round in 0..2 {
            // The second round reads the decisions stored by the first.
            let all = get(&fx, m, &objects_url("partners", &d.coll)).await;
            assert!(!all.text().contains("forged") && !all.text().contains("203.0.113.66"), "{name}: {}", all.text());
            let latest = all.json()["objects"].as_array().unwrap().iter().filter(|o| o["id"] == json!(id)).count();
            assert_eq!(latest, 0, "{name} round {round}: the latest version is the forged one, withheld");
            let one = get(&fx, m, &format!("{}?match[version]=all", object_url("partners", &d.coll, &id))).await;
            assert_eq!(one.status.as_u16(), 200, "{name}");
            assert_eq!(one.json()["objects"], json!([released]), "{name} round {round}: only the released version");
            let versions = get(&fx, m, &format!("{}versions/", object_url("partners", &d.coll, &id))).await.json();
            assert_eq!(versions["versions"], json!([released["modified"]]), "{name}");
            let manifest = get(&fx, m, &format!("{}manifest/?match[version]=all&match[id]={id}", coll_url("partners", &d.coll))).await.json();
            assert_eq!(manifest["objects"].as_array().unwrap().len(), 1, "{name}: {manifest}");
            assert_eq!(manifest["objects"][0]["version"], released["modified"], "{name}");
        }
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let again = get(&fx, &d.members[1].0, &format!("{}?match[version]=all", object_url("partners", &d.coll, &id))).await;
    assert_eq!(again.json()["objects"], json!([released]), "after the decisions were stored");
}

/// Waits (bounded) until the store holds `n` retrievals of the release.
async fn retrievals(fx: &Fx, manifest_id: &str, n: usize) -> Vec<Retrieval> {
    for _ in 0..500 {
        let got = fx.store.retrievals(Some(manifest_id)).await.unwrap();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} retrievals of {manifest_id} were recorded");
}

#[tokio::test]
async fn the_first_retrieval_of_a_release_by_each_member_is_recorded_once() {
    let fx = fixture().await;
    let d = delivery(&fx).await;
    // A producer account reading the delivery collection: the fast path records nothing.
    fx.store.set_grant(&d.coll, "alice", Access { can_read: true, can_write: false }).await.unwrap();
    check(&fx, Req::get(&objects_url("partners", &d.coll)).by("alice"), 200).await;
    // The second member reads only the manifest report: that is a retrieval of the release.
    let (second, second_name) = &d.members[1];
    assert_eq!(get(&fx, second, &object_url("partners", &d.coll, &d.manifest_id)).await.status.as_u16(), 200);
    let got = retrievals(&fx, &d.manifest_id, 1).await;
    assert_eq!(got.iter().map(|r| r.account.as_str()).collect::<Vec<_>>(), [second_name.as_str()], "the producer's read recorded nothing");
    // The first member reads the whole collection twice (and the manifest once more).
    let (first, first_name) = &d.members[0];
    for _ in 0..2 {
        let resp = get(&fx, first, &objects_url("partners", &d.coll)).await;
        assert!(ids_of(&resp).contains(&d.manifest_id));
    }
    get(&fx, first, &format!("{}manifest/", coll_url("partners", &d.coll))).await;
    let got = retrievals(&fx, &d.manifest_id, 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got_later = fx.store.retrievals(Some(&d.manifest_id)).await.unwrap();
    assert_eq!(got, got_later, "repeats are not recorded");
    let accounts: BTreeSet<&str> = got.iter().map(|r| r.account.as_str()).collect();
    assert_eq!(accounts, BTreeSet::from([first_name.as_str(), second_name.as_str()]));
    assert!(got.iter().all(|r| r.manifest_id == d.manifest_id && r.at > 0));
    let entries = fx.store.ledger_entries(&LedgerQuery { kind_prefix: Some("release.retrieved".into()), ..Default::default() }).await.unwrap();
    assert_eq!(entries.len(), 2, "one ledger entry per first retrieval");
    assert_eq!(fx.store.retrievals(None).await.unwrap().len(), 2);
}

/// Rounds and calls per round of the `BENCH_MICRO` timings.
const MICRO_REPS: usize = 20;
const MICRO_CALLS: usize = 200;

/// Mean µs of `call(k)` for k = 0 and 1: `MICRO_CALLS` calls in a row each, the two taking turns
/// going first for `MICRO_REPS` rounds.
async fn mean_us<F: std::future::Future<Output = ()>>(mut call: impl FnMut(usize) -> F) -> [f64; 2] {
    let mut mean = [0f64; 2];
    for rep in 0..MICRO_REPS {
        for k in [rep % 2, (rep + 1) % 2] {
            let t = std::time::Instant::now();
            for _ in 0..MICRO_CALLS {
                call(k).await;
            }
            mean[k] += t.elapsed().as_secs_f64() * 1e6 / (MICRO_REPS * MICRO_CALLS) as f64;
        }
    }
    mean
}

/// Mean µs of a whole request by each reader (its name, Authorization header and objects URL)
/// to the URL `url` makes of its objects URL ([`mean_us`]).
async fn request_cost(app: &axum::Router, readers: &[(&str, String, String); 2], url: impl Fn(&str) -> String) -> [f64; 2] {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let url = &url;
    mean_us(|k| {
        let (_, auth, base) = &readers[k];
        let req = axum::http::Request::get(url(base)).header("accept", TAXII).header("authorization", auth).body(Body::empty()).unwrap();
        let app = app.clone();
        async move {
            let resp = app.oneshot(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            std::hint::black_box(resp.into_body().collect().await.unwrap().to_bytes());
        }
    })
    .await
}

/// Pages through each reader's collection (`match[type]=indicator&limit=limit`), page for
/// page alternately, `rounds` passes each: each reader's latencies (ms), objects and bytes
/// served, and how many pages its first pass took.
async fn paged(app: &axum::Router, readers: &[(&str, String, String); 2], limit: usize, rounds: usize) -> Paged {
    use std::time::Instant;

    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut out = Paged::default();
    let mut next: [Option<String>; 2] = [None, None];
    let mut passes = [0usize; 2];
    // Who reads first alternates, so neither audience always follows the other.
    let mut turn = 0usize;
    while passes.iter().any(|p| *p < rounds) {
        turn += 1;
        for k in [turn % 2, (turn + 1) % 2] {
            let (_, auth, url) = &readers[k];
            if passes[k] >= rounds {
                continue;
            }
            let mut uri = format!("{url}?match[type]=indicator&limit={limit}");
            if let Some(t) = &next[k] {
                uri.push_str(&format!("&next={t}"));
            }
            let req = axum::http::Request::get(&uri).header("accept", TAXII).header("authorization", auth).body(Body::empty()).unwrap();
            let start = Instant::now();
            let resp = app.clone().oneshot(req).await.unwrap();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            out.lat[k].push(start.elapsed().as_secs_f64() * 1000.0);
            let v: Value = serde_json::from_slice(&body).unwrap();
            out.bytes[k] += body.len();
            out.served[k] += v["objects"].as_array().map_or(0, Vec::len);
            next[k] = if v["more"] == json!(true) { v["next"].as_str().map(str::to_owned) } else { None };
            if next[k].is_none() {
                passes[k] += 1;
                if passes[k] == 1 {
                    out.first_pass_pages[k] = out.lat[k].len();
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct Paged {
    lat: [Vec<f64>; 2],
    served: [usize; 2],
    bytes: [usize; 2],
    first_pass_pages: [usize; 2],
}

/// The `q` quantile of `v` (sorted in place).
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * q).round() as usize]
}

/// Reading a partner's delivery collection costs no more than reading any collection: the
/// same `BENCH_OBJECTS` (10,000) TLP:CLEAR indicators released to a partner and held in an
/// ordinary collection, paged with `limit=BENCH_LIMIT` (100) by a partner member and by a
/// producer analyst, page for page alternately, `BENCH_ROUNDS` (3) passes over the whole
/// collection each; prints p50/p99 per audience and the ratio. In-process (the router without
/// TCP), so the ratio is the partner path's full relative cost. On PostgreSQL with
/// `TEARLINE_TEST_DATABASE_URL`. Run:
/// `cargo test --release -p tearline-taxii --test it -- --ignored --nocapture partner_read_cost`
/// (`BENCH_MICRO=1` adds the cost of one page read again and again, by step; `BENCH_CONTROL=1`
/// puts a producer reading a copy of its holdings in the partner's place). Then one pass more
/// each on a fresh server over the same store, as after a restart: first with the partner's
/// decisions stored but none yet kept in memory, then once the start-up pass has kept them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run by hand, see bench/README.md"]
async fn partner_read_cost() {
    use std::time::Instant;

    use tearline_store::{NewCollection, PartnerProfile, ReleaseRecord, ReleaseState, Role, secret};

    let env = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (n, limit, rounds) = (env("BENCH_OBJECTS", 10_000), env("BENCH_LIMIT", 100), env("BENCH_ROUNDS", 3));
    let (_db, store) = fresh_store().await;
    let producer_secret = secret::generate();
    store.add_account("alice", Role::Analyst, secret::hash(&producer_secret)).await.unwrap();
    let holdings = store
        .add_collection(NewCollection { api_root: "default".into(), title: "Holdings".into(), description: None, alias: None, readers: vec!["alice".into()], writers: vec![] })
        .await
        .unwrap()
        .id;
    let org = tearline_service::releases::Organisation { name: "Producer Service".into(), identity: None, country: Some("USA".into()) };
    let producer_identity = org.identity_id();
    let profile = PartnerProfile {
        name: "ally".into(),
        title: "Ally CERT".into(),
        identity_id: "identity--0f5a1f4e-7d3c-4b6a-9e2f-1c2d3e4f5a6b".into(),
        country: "GBR".into(),
        sectors: vec![],
        trust_tier: 2,
        flags: vec![],
        clients: vec![],
        communities: vec![],
    };
    let partner = store.add_partner(profile).await.unwrap();
    let member_secret = secret::generate();
    store.add_partner_member("ally", "ally-1", secret::hash(&member_secret)).await.unwrap();

    let objects: Vec<Value> = (0..n as u32)
        .map(|i| {
            let mut o = marked(indicator(i + 1, 1), ids::TLP2_CLEAR);
            o["created_by_ref"] = json!(producer_identity);
            o["description"] = json!("A released indicator with a description of ordinary length, as partners receive them.");
            o
        })
        .collect();
    let subs = |objs: &[Value]| objs.iter().enumerate().map(|(i, o)| tearline_service::ingest::submission(i, o)).collect::<Vec<_>>();
    for chunk in objects.chunks(1000) {
        store.add_objects(&holdings, subs(chunk), None).await.unwrap();
    }
    let manifest_id = "report--00000000-0000-4000-8000-00000000b001".to_owned();
    let record = ReleaseRecord {
        manifest_id: manifest_id.clone(),
        partner: "ally".into(),
        content_hash: format!("sha256:{:064}", 1),
        bundle: b"{}".to_vec(),
        bundle_sha256: format!("{:064}", 1),
        key_id: "ed25519:0011223344556677".into(),
        author: "ann".into(),
        approver: "rob".into(),
        justification: None,
        created: "2025-01-09T12:00:00.000000Z".into(),
        state: ReleaseState::Active,
        supersedes: None,
        id_map: Default::default(),
        removals: json!([]),
        findings: json!([]),
        overrides: json!([]),
        object_ids: objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect(),
        variant_map: None,
    };
    store.add_release(record, subs(&objects)).await.unwrap();

    let keys = tempfile::tempdir().unwrap();
    // A server on the store (and, below, another on the same store, as after a restart).
    let serve = || {
        let releaser = tearline_service::releases::Releaser::new(org.clone(), Default::default(), keys.path().join("k")).unwrap();
        tearline_taxii::AppState::new(store.clone(), Default::default()).with_releaser(releaser)
    };
    let state = serve();
    let decision = state.decision.clone().expect("a decision policy");
    let one_page = tearline_store::ObjectFilter { limit, types: vec!["indicator".into()], ..Default::default() };
    let colls = [partner.collection_id.as_str(), holdings.as_str()];
    let micro = std::env::var("BENCH_MICRO").is_ok();
    // Each collection's first page as stored ([`Store::objects`]).
    let first_page_cost = || {
        let (st, filter) = (&*store, &one_page);
        mean_us(move |k| async move {
            std::hint::black_box(st.objects(colls[k], filter, true).await.unwrap());
        })
    };
    if micro {
        let [p, q] = first_page_cost().await;
        println!("first page of each collection as stored, before any decision is stored: {p:.1} µs partner's / {q:.1} µs producer's");
    }
    // As approval does (`BENCH_LIVE=1`: skip it, so the first pass decides every object live).
    if env("BENCH_LIVE", 0) == 0 {
        let considered = tearline_taxii::egress::Audience::predecide(&*store, "ally", Some(&decision), &state.admissions).await.unwrap();
        assert_eq!(considered, n as u64);
        let written = || state.admissions.written.load(std::sync::atomic::Ordering::Relaxed);
        for _ in 0..600 {
            if written() >= n as u64 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(written(), n as u64, "decided ahead of the reads");
    }
    let admissions = state.admissions.clone();
    let app = tearline_taxii::router(state);
    let mut readers = [("partner", basic("ally-1", &member_secret), objects_url("partners", &partner.collection_id)), ("producer", basic("alice", &producer_secret), objects_url("default", &holdings))];
    let control = env("BENCH_CONTROL", 0) == 1;
    if control {
        // The control: a producer reading a copy of its holdings (stored after the partner's
        // collection) in the partner's place, so the ratio shows what two ordinary
        // collections differ by on this machine.
        let copy = store
            .add_collection(NewCollection { api_root: "default".into(), title: "Copy".into(), description: None, alias: None, readers: vec!["alice".into()], writers: vec![] })
            .await
            .unwrap()
            .id;
        for chunk in objects.chunks(1000) {
            store.add_objects(&copy, subs(chunk), None).await.unwrap();
        }
        readers[0] = ("control", basic("alice", &producer_secret), objects_url("default", &copy));
        println!("control: the first column is a producer reading a copy of its holdings");
    }
    let live_before = tearline_taxii::egress::DECIDED_LIVE.load(std::sync::atomic::Ordering::Relaxed);
    let Paged { lat, served, bytes, first_pass_pages } = paged(&app, &readers, limit, rounds).await;
    assert_eq!(served[0], served[1], "both read the same objects");
    assert_eq!(served[0], n * rounds);
    eprintln!("bytes served: {bytes:?}");
    let pct = quantile;
    let backend = store.backend();
    let (mut a, mut b) = (lat[0].clone(), lat[1].clone());
    let (p50a, p99a, p50b, p99b) = (pct(&mut a, 0.5), pct(&mut a, 0.99), pct(&mut b, 0.5), pct(&mut b, 0.99));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "| {backend} | {n} | {limit} | {} | {p50a:.2} / {p99a:.2} | {p50b:.2} / {p99b:.2} | {:.2}x / {:.2}x | mean {:.2}x |",
        lat[0].len(),
        p50a / p50b,
        p99a / p99b,
        mean(&lat[0]) / mean(&lat[1])
    );
    let live = tearline_taxii::egress::DECIDED_LIVE.load(std::sync::atomic::Ordering::Relaxed) - live_before;
    if rounds > 1 {
        let split = |k: usize| (lat[k][..first_pass_pages[k]].to_vec(), lat[k][first_pass_pages[k]..].to_vec());
        let ((mut cold, mut warm), (mut pcold, mut pwarm)) = (split(0), split(1));
        println!(
            "p50 first pass / later passes: partner {:.2} / {:.2} ms, producer {:.2} / {:.2} ms; objects decided live: {live} of {}; partner pages read as a producer's: {}",
            pct(&mut cold, 0.5),
            pct(&mut warm, 0.5),
            pct(&mut pcold, 0.5),
            pct(&mut pwarm, 0.5),
            served[0],
            admissions.kept_pages.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    // After a restart: a fresh server on the same store, the decisions stored but none kept in
    // memory, so each page's stored decisions are read from the store; then again once the
    // server's start-up pass (`api::decide_ahead_all`, which `serve` runs in the background)
    // has kept them.
    if !control && env("BENCH_LIVE", 0) == 0 {
        for warmed in [false, true] {
            let state = serve();
            if warmed {
                assert_eq!(tearline_taxii::api::decide_ahead_all(&state).await, n as u64);
            }
            let kept = state.admissions.clone();
            let restarted = tearline_taxii::router(state);
            let Paged { mut lat, served, .. } = paged(&restarted, &readers, limit, 1).await;
            assert_eq!(served, [n, n]);
            let (p, q) = (pct(&mut lat[0], 0.5), pct(&mut lat[1], 0.5));
            println!(
                "after a restart ({}), first pass p50: partner {p:.2} ms, producer {q:.2} ms: {:.2}x; partner pages read as a producer's: {}",
                if warmed { "once the start-up pass kept the stored decisions" } else { "decisions stored, none kept yet" },
                p / q,
                kept.kept_pages.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
    }
    // Where the time goes, without HTTP and authentication: for each audience, over its own
    // collection, the store's page alone (with the decision column for the partner) and the
    // egress step (audience, page, decision, projection, envelope).
    let member = store.account_by_name("ally-1").await.unwrap().unwrap().0;
    let producer = store.account_by_name("alice").await.unwrap().unwrap().0;
    let recipient = tearline_service::releases::recipient_for(member.partner.as_deref().unwrap()).unwrap();
    let read = tearline_store::PartnerRead { partner: "ally".into(), fingerprint: tearline_policy::admit::fingerprint(&recipient, &decision) };
    let plain = tearline_store::ObjectFilter { limit, types: vec!["indicator".into()], ..Default::default() };
    let step = |k: usize| [(&member, &partner.collection_id), (&producer, &holdings)][k];
    // parts: store page (partner with its decision column, producer), egress (partner,
    // producer), and the partner's collection read as a producer's page (no decision column).
    // Each part walks every page of its collection in a pass of its own, and the parts take
    // turns going first, so no part reads pages another has just read.
    let mut parts: [Vec<f64>; 5] = Default::default();
    let recorder = std::sync::Arc::new(tearline_taxii::retrievals::Recorder::new(store.clone()));
    for round in 0..rounds {
        for j in 0..parts.len() {
            let part = (round + j) % parts.len();
            let (account, coll) = step(if matches!(part, 0 | 2 | 4) { 0 } else { 1 });
            let mut filter = plain.clone();
            loop {
                let t = Instant::now();
                let next = match part {
                    0 => store.partner_objects(coll, &filter, true, &read).await.unwrap().page.next(),
                    1 | 4 => store.objects(coll, &filter, true).await.unwrap().next(),
                    _ => {
                        let audience = tearline_taxii::egress::Audience::of(account, Some(&decision), Some(&recorder), Some(&admissions));
                        let (shown, audience) = audience.page(&*store, coll, &filter, true).await.unwrap();
                        let next = shown.next();
                        std::hint::black_box(tearline_taxii::egress::objects(shown, &audience));
                        next
                    }
                };
                parts[part].push(t.elapsed().as_secs_f64() * 1000.0);
                match next {
                    Some(c) => filter.after = Some(c),
                    None => break,
                }
            }
        }
    }
    println!(
        "without HTTP, p50: store page {:.3} ms partner / {:.3} ms producer ({:.3} ms the partner's collection without the decision column); egress {:.3} ms partner / {:.3} ms producer",
        pct(&mut parts[0], 0.5),
        pct(&mut parts[1], 0.5),
        pct(&mut parts[4], 0.5),
        pct(&mut parts[2], 0.5),
        pct(&mut parts[3], 0.5)
    );
    let _ = manifest_id;
    if !micro {
        return;
    }
    // The first page again and again (`BENCH_MICRO=1`): each collection's page as stored, now
    // that decisions are stored (they must not slow the partner's collection down), and the
    // egress steps for each audience: the audience, its page, the envelope.
    let [p, q] = first_page_cost().await;
    println!("first page of each collection as stored, decisions stored: {p:.1} µs partner's / {q:.1} µs producer's");
    let mut steps = [[0f64; 3]; 2];
    for rep in 0..MICRO_REPS {
        for k in [rep % 2, (rep + 1) % 2] {
            let (account, coll) = step(k);
            for _ in 0..MICRO_CALLS {
                let t = Instant::now();
                let audience = tearline_taxii::egress::Audience::of(account, Some(&decision), Some(&recorder), Some(&admissions));
                let t_of = t.elapsed();
                let (shown, audience) = audience.page(&*store, coll, &one_page, true).await.unwrap();
                let t_page = t.elapsed();
                std::hint::black_box(tearline_taxii::egress::objects(shown, &audience));
                let t_all = t.elapsed();
                for (i, d) in [t_of, t_page - t_of, t_all - t_page].into_iter().enumerate() {
                    steps[k][i] += d.as_secs_f64() * 1e6 / (MICRO_REPS * MICRO_CALLS) as f64;
                }
            }
        }
    }
    // Whole requests (router, authentication, handler, egress): the first page, then the
    // collection resource.
    let whole = request_cost(&app, &readers, |base| format!("{base}?match[type]=indicator&limit={limit}")).await;
    println!("whole request for the first page, mean µs: partner member {:.1}, producer {:.1}", whole[0], whole[1]);
    let coll_req = request_cost(&app, &readers, |base| base.trim_end_matches("objects/").to_owned()).await;
    println!("collection resource request, mean µs: partner member {:.1}, producer {:.1}", coll_req[0], coll_req[1]);
    // The account lookup authentication makes (a partner member's comes with its profile).
    let st = &*store;
    let auth = mean_us(move |k| async move {
        std::hint::black_box(st.account_by_name(["ally-1", "alice"][k]).await.unwrap());
    })
    .await;
    println!("account lookup, mean µs: partner member {:.1}, producer {:.1}", auth[0], auth[1]);
    let [p, q] = steps;
    println!(
        "egress steps on the first page, mean µs (audience, page, envelope): partner {:.2}, {:.1}, {:.1}; producer {:.2}, {:.1}, {:.1}",
        p[0], p[1], p[2], q[0], q[1], q[2]
    );
}
