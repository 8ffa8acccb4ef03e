//! Add Objects, Get Status and Get Objects (TAXII 2.1 sections 4.3, 5.3, 5.4): status
//! resources, per-object outcomes, every filter, pagination and the envelope headers.

use std::collections::HashSet;

use serde_json::{Value, json};
use tearline_taxii::ServerConfig;
use tearline_taxii::query::QueryLimits;

use crate::harness::*;

fn success(id: &str, version: &str) -> Value {
    json!({"id": id, "version": version})
}

#[tokio::test]
async fn add_objects_answers_202_with_a_complete_status_readable_later_by_its_owner_only() {
    let fx = fixture().await;
    let objs = [indicator(1, 1), malware(1, 1), identity(1, 2)];
    let resp = check(&fx, Req::post(&objects_url("default", &fx.alpha), &envelope(&objs)).by("alice"), 202).await;
    let status = resp.json();
    let id = status["id"].as_str().expect("status id").to_owned();
    uuid::Uuid::parse_str(&id).expect("status id is a UUID");
    let ts = status["request_timestamp"].as_str().expect("request_timestamp");
    assert!(ts.ends_with('Z') && ts.starts_with("20"), "request_timestamp {ts}");
    let want = json!({
        "id": id,
        "status": "complete",
        "request_timestamp": ts,
        "total_count": 3,
        "success_count": 3,
        "successes": [success(&sid("indicator", 1), &ver(1)), success(&sid("malware", 1), &ver(1)), success(&sid("identity", 1), &ver(2))],
        "failure_count": 0,
        "failures": [],
        "pending_count": 0,
        "pendings": [],
    });
    assert_eq!(text(&status), text(&want));

    // The same resource later, for the account that made the request.
    let later = check(&fx, Req::get(&format!("/taxii2/default/status/{id}/")).by("alice"), 200).await;
    assert_eq!(later.text(), resp.text(), "status read later equals the POST response");
    // Anyone else: the same 404 as for a status that does not exist.
    let unknown = check(&fx, Req::get(&format!("/taxii2/default/status/{}/", uuid::Uuid::new_v4())).by("bob"), 404).await;
    for account in ["bob", "wo", "admin"] {
        let other = check(&fx, Req::get(&format!("/taxii2/default/status/{id}/")).by(account), 404).await;
        assert_eq!(other.body, unknown.body, "{account} learns nothing about alice's status");
    }
    check(&fx, Req::get(&format!("/taxii2/default/status/{id}/")).by("eve"), 404).await;
    check(&fx, Req::get("/taxii2/default/status/not-a-uuid/").by("alice"), 404).await;

    // Every object is there, byte for byte as JSON.
    let got = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    assert_eq!(text(&got), text(&json!({"more": false, "objects": objs})));
}

#[tokio::test]
async fn status_is_scoped_to_its_api_root() {
    let fx = fixture().await;
    let status = fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    let id = status["id"].as_str().unwrap();
    check(&fx, Req::get(&format!("/taxii2/second/status/{id}/")).by("alice"), 404).await;
}

#[tokio::test]
async fn one_invalid_object_fails_alone_with_index_id_property_and_rule() {
    let fx = fixture().await;
    let mut bad = indicator(2, 1);
    bad.as_object_mut().unwrap().remove("pattern");
    let objs = [indicator(1, 1), bad, malware(1, 1)];
    let status = fx.post(&fx.alpha, &objs).await;
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 2);
    assert_eq!(status["failure_count"], 1);
    assert_eq!(status["pending_count"], 0);
    assert_eq!(text(&status["successes"]), text(&json!([success(&sid("indicator", 1), &ver(1)), success(&sid("malware", 1), &ver(1))])));
    let failure = &status["failures"][0];
    assert_eq!(failure["id"], sid("indicator", 2));
    assert_eq!(failure["version"], ver(1));
    let message = failure["message"].as_str().expect("failure message");
    for part in ["object 1", &sid("indicator", 2), "'pattern'", "required-property"] {
        assert!(message.contains(part), "failure message {message:?} does not name {part:?}");
    }
    // The good ones are stored, the bad one is not.
    let got = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    assert_eq!(text(&got["objects"]), text(&json!([objs[0], objs[2]])));
}

#[tokio::test]
async fn a_stix_bundle_is_accepted_as_well_as_an_envelope() {
    let fx = fixture().await;
    let bundle = json!({"type": "bundle", "id": "bundle--6e2b6c64-5dc8-4b7d-9d0f-1f2b4b0c8a11", "objects": [indicator(1, 1)]});
    let status = check(&fx, Req::post(&objects_url("default", &fx.alpha), &bundle).by("alice"), 202).await.json();
    assert_eq!(status["success_count"], 1);
}

#[tokio::test]
async fn identical_repost_is_a_successful_no_op() {
    let fx = fixture().await;
    fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    let before = fx.manifest(&fx.alpha, "").await;
    let status = fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    assert_eq!((status["success_count"].clone(), status["failure_count"].clone()), (json!(1), json!(0)));
    assert_eq!(status["successes"][0]["id"], sid("indicator", 1));
    assert_eq!(status["successes"][0]["version"], ver(1));
    assert_eq!(fx.manifest(&fx.alpha, "").await, before, "nothing new was stored (same date_added)");
}

#[tokio::test]
async fn different_content_under_the_same_id_and_version_fails_and_changes_nothing() {
    let fx = fixture().await;
    let original = indicator(1, 1);
    fx.post(&fx.alpha, std::slice::from_ref(&original)).await;
    let mut changed = original.clone();
    changed["name"] = "a different name".into();
    let status = fx.post(&fx.alpha, &[changed, malware(1, 1)]).await;
    assert_eq!(status["success_count"], 1);
    assert_eq!(status["failure_count"], 1);
    assert_eq!(status["failures"][0]["id"], sid("indicator", 1));
    assert_eq!(status["failures"][0]["version"], ver(1));
    assert!(status["failures"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    let got = check(&fx, Req::get(&object_url("default", &fx.alpha, &sid("indicator", 1))).by("alice"), 200).await.json();
    assert_eq!(text(&got["objects"]), text(&json!([original])), "the stored object is unchanged");
}

#[tokio::test]
async fn custom_properties_round_trip_exactly() {
    let fx = fixture().await;
    let mut obj = indicator(7, 1);
    let extra = json!({
        "x_acme_zeta": "last key first",
        "x_acme_text": "ünïcødé ✓ \"quoted\" \\ back\nslash\t\u{1F600} </script>",
        "x_acme_nested": {"b": [1, 2.5, {"deep": [true, false]}], "a": "order kept"},
        "x_acme_numbers": [0, -1, 0.1, 1.5e-7, 9007199254740993_u64, -123456789012_i64, 1e300],
        "x_acme_bool": false,
    });
    obj.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let custom = json!({
        "type": "x-acme-widget", "spec_version": "2.1", "id": "x-acme-widget--0f4b4f2e-5c1d-4c37-9a27-1a3e5f7c9b11",
        "created": CREATED, "modified": CREATED, "x_acme_size": 3, "x_acme_labels": ["a", "b"],
    });
    let status = fx.post(&fx.alpha, &[obj.clone(), custom.clone()]).await;
    assert_eq!(status["success_count"], 2, "{status}");
    let got = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    assert_eq!(text(&got["objects"][0]), text(&obj));
    assert_eq!(text(&got["objects"][1]), text(&custom));
    let one = check(&fx, Req::get(&object_url("default", &fx.alpha, &sid("indicator", 7))).by("alice"), 200).await.json();
    assert_eq!(text(&one["objects"][0]), text(&obj));
}

/// The filter fixture: seven versions of four objects, posted in this order.
fn filter_data() -> Vec<Value> {
    vec![indicator(1, 1), indicator(2, 1), malware(1, 1), indicator(1, 3), identity(1, 5), malware(1, 2), indicator(1, 2)]
}

#[tokio::test]
async fn get_objects_and_manifest_filters() {
    let fx = fixture().await;
    let data = filter_data();
    fx.post(&fx.alpha, &data).await;
    let [i1v1, i2v1, m1v1, i1v3, id1v5, m1v2, i1v2] = [0, 1, 2, 3, 4, 5, 6].map(|i| data[i].clone());
    let (i1, m1) = (sid("indicator", 1), sid("malware", 1));
    let cases: Vec<(String, Vec<&Value>)> = vec![
        (String::new(), vec![&i2v1, &i1v3, &id1v5, &m1v2]),
        ("match[type]=indicator".into(), vec![&i2v1, &i1v3]),
        ("match[type]=indicator,malware".into(), vec![&i2v1, &i1v3, &m1v2]),
        ("match[type]=indicator&match[type]=identity".into(), vec![&i2v1, &i1v3, &id1v5]),
        ("match%5Btype%5D=malware".into(), vec![&m1v2]),
        (format!("match[id]={i1}"), vec![&i1v3]),
        (format!("match[id]={i1},{m1}"), vec![&i1v3, &m1v2]),
        (format!("match[id]={}", sid("indicator", 99)), vec![]),
        (format!("match[id]={i1}&match[type]=malware"), vec![]),
        ("match[version]=all".into(), data.iter().collect()),
        ("match[version]=first".into(), vec![&i1v1, &i2v1, &m1v1, &id1v5]),
        ("match[version]=last".into(), vec![&i2v1, &i1v3, &id1v5, &m1v2]),
        ("match[version]=first,last".into(), vec![&i1v1, &i2v1, &m1v1, &i1v3, &id1v5, &m1v2]),
        (format!("match[version]={}", ver(2)), vec![&m1v2, &i1v2]),
        ("match[version]=2024-01-01T00:02:00Z".into(), vec![&m1v2, &i1v2]),
        (format!("match[version]={},{}", ver(2), ver(3)), vec![&i1v3, &m1v2, &i1v2]),
        (format!("match[version]={}", ver(59)), vec![]),
        (format!("match[version]=first,{}", ver(2)), vec![&i1v1, &i2v1, &m1v1, &id1v5, &m1v2, &i1v2]),
        ("match[version]=all&match[type]=malware".into(), vec![&m1v1, &m1v2]),
        (format!("match[version]=all&match[id]={i1}&match[type]=indicator"), vec![&i1v1, &i1v3, &i1v2]),
        ("match[spec_version]=2.1".into(), vec![&i2v1, &i1v3, &id1v5, &m1v2]),
        ("match[spec_version]=2.0".into(), vec![]),
        ("match[type]=indicator&match[version]=first&match[spec_version]=2.1".into(), vec![&i1v1, &i2v1]),
        ("unknown_parameter=1&match[type]=identity".into(), vec![&id1v5]),
    ];
    for (query, want) in cases {
        let resp = check(&fx, Req::get(&format!("{}?{query}", objects_url("default", &fx.alpha))).by("alice"), 200).await;
        let got = resp.json();
        let want_objects: Vec<Value> = want.iter().map(|v| (*v).clone()).collect();
        assert_eq!(got["more"], json!(false), "{query}");
        assert!(got.get("next").is_none(), "{query}: no next on the last page");
        assert_eq!(text(&got["objects"]), text(&json!(want_objects)), "objects for ?{query}");
        // The manifest selects the same versions, in the same order.
        let manifest = fx.manifest(&fx.alpha, &query).await;
        assert_eq!(keys(&manifest), keys(&want_objects), "manifest for ?{query}");
        for m in &manifest {
            assert_eq!(m["media_type"], STIX, "{query}");
            assert_eq!(m.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "date_added", "version", "media_type"], "{query}");
        }
        // Date headers: the first and last date_added of the page, absent when it is empty.
        let first = manifest.first().map(|m| m["date_added"].as_str().unwrap());
        let last = manifest.last().map(|m| m["date_added"].as_str().unwrap());
        assert_eq!(resp.header("x-taxii-date-added-first"), first, "{query}");
        assert_eq!(resp.header("x-taxii-date-added-last"), last, "{query}");
    }
}

#[tokio::test]
async fn added_after_is_exclusive() {
    let fx = fixture().await;
    let data = filter_data();
    fx.post(&fx.alpha, &data).await;
    let all = fx.manifest(&fx.alpha, "match[version]=all").await;
    assert_eq!(all.len(), data.len());
    let stamps: Vec<&str> = all.iter().map(|m| m["date_added"].as_str().unwrap()).collect();
    for w in stamps.windows(2) {
        assert!(w[0] < w[1], "date_added strictly increases: {w:?}");
    }
    for (k, stamp) in stamps.iter().enumerate() {
        let got = check(&fx, Req::get(&format!("{}?match[version]=all&added_after={stamp}", objects_url("default", &fx.alpha))).by("alice"), 200).await;
        assert_eq!(text(&got.json()["objects"]), text(&json!(data[k + 1..])), "added_after the {k}th date_added");
    }
    let got = check(&fx, Req::get(&format!("{}?match[version]=all&added_after=2000-01-01T00:00:00Z", objects_url("default", &fx.alpha))).by("alice"), 200).await;
    assert_eq!(got.json()["objects"].as_array().unwrap().len(), data.len());
}

#[tokio::test]
async fn pages_walk_to_the_end_without_duplicates_or_gaps_while_writes_happen() {
    let fx = fixture().await;
    let initial: Vec<Value> = (0..25).map(|n| identity(100 + n, 1)).collect();
    fx.post(&fx.alpha, &initial).await;
    let mut seen: Vec<Value> = Vec::new();
    let mut written: Vec<Value> = initial.clone();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &next {
            Some(n) => format!("limit=7&next={n}"),
            None => "limit=7".into(),
        };
        let resp = check(&fx, Req::get(&format!("{}?{query}", objects_url("default", &fx.alpha))).by("alice"), 200).await;
        let page = resp.json();
        let items = page["objects"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 7, "page {pages} has {} items", items.len());
        let more = page["more"].as_bool().expect("more is always present");
        assert_eq!(page.get("next").is_some(), more, "next iff more (page {pages})");
        seen.extend(items);
        pages += 1;
        // A write between pages: it lands after everything already seen.
        if pages <= 3 {
            let obj = identity(200 + pages, 1);
            fx.post(&fx.alpha, std::slice::from_ref(&obj)).await;
            written.push(obj);
        }
        if !more {
            break;
        }
        next = Some(page["next"].as_str().unwrap().to_owned());
        assert!(pages < 50, "pagination does not end");
    }
    let ids: Vec<&str> = seen.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no duplicates");
    assert_eq!(text(&json!(seen)), text(&json!(written)), "every object exactly once, in date_added order");
    assert_eq!(pages, 4, "28 objects in pages of 7");
}

#[tokio::test]
async fn manifest_pages_like_objects() {
    let fx = fixture().await;
    let data: Vec<Value> = (0..10).map(|n| malware(n, 1)).collect();
    fx.post(&fx.alpha, &data).await;
    let mut got = Vec::new();
    let mut query = "limit=4".to_owned();
    loop {
        let resp = check(&fx, Req::get(&format!("{}manifest/?{query}", coll_url("default", &fx.alpha))).by("alice"), 200).await;
        let page = resp.json();
        let items = page["objects"].as_array().unwrap().clone();
        assert_eq!(resp.header("x-taxii-date-added-first"), items.first().map(|m| m["date_added"].as_str().unwrap()));
        assert_eq!(resp.header("x-taxii-date-added-last"), items.last().map(|m| m["date_added"].as_str().unwrap()));
        got.extend(items);
        match page.get("next") {
            Some(n) => query = format!("limit=4&next={}", n.as_str().unwrap()),
            None => break,
        }
    }
    assert_eq!(keys(&got), keys(&data));
}

#[tokio::test]
async fn page_size_defaults_and_is_clamped() {
    let config = ServerConfig { query: QueryLimits { default_page: 3, max_page: 5, max_values: 100 }, ..ServerConfig::default() };
    let fx = fixture_with(config).await;
    fx.post(&fx.alpha, &(0..8).map(|n| identity(n, 1)).collect::<Vec<_>>()).await;
    for (query, len, more) in [("", 3, true), ("limit=2", 2, true), ("limit=100", 5, true), ("limit=8", 5, true)] {
        let page = check(&fx, Req::get(&format!("{}?{query}", objects_url("default", &fx.alpha))).by("alice"), 200).await.json();
        assert_eq!(page["objects"].as_array().unwrap().len(), len, "?{query}");
        assert_eq!(page["more"], json!(more), "?{query}");
    }
}

#[tokio::test]
async fn an_empty_collection_answers_an_empty_envelope_without_date_headers() {
    let fx = fixture().await;
    let resp = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await;
    let body = resp.json();
    assert_eq!(body["more"], json!(false));
    assert!(body["objects"].as_array().is_none_or(|a| a.is_empty()), "{body}");
    assert_eq!(resp.header("x-taxii-date-added-first"), None);
    assert_eq!(resp.header("x-taxii-date-added-last"), None);
}

#[tokio::test]
async fn duplicates_within_one_request_are_judged_one_after_the_other() {
    let fx = fixture().await;
    let a = indicator(1, 1);
    let mut b = a.clone();
    b["name"] = "same id and version, other content".into();
    let status = fx.post(&fx.alpha, &[a.clone(), a.clone(), b]).await;
    assert_eq!((status["success_count"].clone(), status["failure_count"].clone()), (json!(2), json!(1)), "{status}");
    assert_eq!(status["failures"][0]["id"], sid("indicator", 1));
    let got = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    assert_eq!(text(&got["objects"]), text(&json!([a])));
}

#[tokio::test]
async fn versions_and_conflicts_are_per_collection() {
    let fx = fixture().await;
    let a = indicator(1, 1);
    let mut b = a.clone();
    b["name"] = "the other collection's content".into();
    fx.post(&fx.alpha, std::slice::from_ref(&a)).await;
    let status = check(&fx, Req::post(&objects_url("default", &fx.private), &envelope(std::slice::from_ref(&b))).by("admin"), 202).await.json();
    assert_eq!(status["success_count"], 1, "{status}");
    let in_alpha = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    let in_private = check(&fx, Req::get(&objects_url("default", &fx.private)).by("admin"), 200).await.json();
    assert_eq!(text(&in_alpha["objects"]), text(&json!([a])));
    assert_eq!(text(&in_private["objects"]), text(&json!([b])));
}

#[tokio::test]
async fn objects_without_a_version_of_their_own_take_date_added() {
    let fx = fixture().await;
    let ip = json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"});
    let status = fx.post(&fx.alpha, std::slice::from_ref(&ip)).await;
    assert_eq!(status["success_count"], 1, "{status}");
    let manifest = fx.manifest(&fx.alpha, "").await;
    assert_eq!(manifest.len(), 1);
    let version = manifest[0]["version"].as_str().unwrap().to_owned();
    assert_eq!(status["successes"][0]["version"], json!(version), "the status names the version the server chose");
    let got = check(&fx, Req::get(&format!("{}?match[version]={version}", objects_url("default", &fx.alpha))).by("alice"), 200).await.json();
    assert_eq!(text(&got["objects"]), text(&json!([ip])));
    // Posting it again changes nothing.
    let again = fx.post(&fx.alpha, std::slice::from_ref(&ip)).await;
    assert_eq!(again["success_count"], 1);
    assert_eq!(fx.manifest(&fx.alpha, "match[version]=all").await, manifest);
}

#[tokio::test]
async fn concurrent_identical_posts_store_one_copy() {
    let fx = fixture().await;
    let objs: Vec<Value> = (0..20).map(|n| identity(n, 1)).collect();
    let req = || Req::post(&objects_url("default", &fx.alpha), &envelope(&objs)).by("alice");
    let (a, b, c) = tokio::join!(check(&fx, req(), 202), check(&fx, req(), 202), check(&fx, req(), 202));
    for s in [a, b, c] {
        assert_eq!(s.json()["success_count"], 20);
    }
    assert_eq!(keys(&fx.manifest(&fx.alpha, "match[version]=all").await), keys(&objs));
}

#[tokio::test]
async fn sub_millisecond_versions_are_kept_and_matched_exactly() {
    let fx = fixture().await;
    let mut a = indicator(1, 0);
    a["modified"] = "2024-01-01T00:00:00.123456789Z".into();
    let mut b = indicator(1, 0);
    b["modified"] = "2024-01-01T00:00:00.1234567Z".into();
    let mut c = indicator(1, 0);
    c["modified"] = "2024-01-01T00:00:00.100Z".into();
    let status = fx.post(&fx.alpha, &[a.clone(), b.clone(), c.clone()]).await;
    assert_eq!(status["success_count"], 3, "{status}");
    let versions: Vec<&str> = status["successes"].as_array().unwrap().iter().map(|s| s["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00.123456700Z", "2024-01-01T00:00:00.100Z"]);
    for (query, want) in [
        ("2024-01-01T00:00:00.123456789Z", &a),
        ("2024-01-01T00:00:00.1234567Z", &b),
        ("2024-01-01T00:00:00.100Z", &c),
        ("2024-01-01T00:00:00.1Z", &c),
    ] {
        let got = check(&fx, Req::get(&format!("{}?match[version]={query}", object_url("default", &fx.alpha, &sid("indicator", 1)))).by("alice"), 200).await.json();
        assert_eq!(text(&got["objects"]), text(&json!([want])), "match[version]={query}");
    }
    let last = check(&fx, Req::get(&object_url("default", &fx.alpha, &sid("indicator", 1))).by("alice"), 200).await.json();
    assert_eq!(text(&last["objects"]), text(&json!([a])), "the latest by time, not by text");
}
