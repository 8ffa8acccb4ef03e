//! Get an Object, Get Object Versions and Delete an Object (TAXII 2.1 sections 5.5, 5.7, 5.8).

use serde_json::{Value, json};

use crate::harness::*;

/// Three versions of indicator 1 posted out of version order, and one version of malware 1.
async fn seeded() -> (Fx, Vec<Value>) {
    let fx = fixture().await;
    let data = vec![indicator(1, 1), indicator(1, 3), malware(1, 1), indicator(1, 2)];
    fx.post(&fx.alpha, &data).await;
    (fx, data)
}

#[tokio::test]
async fn get_an_object_selects_versions() {
    let (fx, data) = seeded().await;
    let [v1, v3, _, v2] = [0, 1, 2, 3].map(|i| data[i].clone());
    let url = object_url("default", &fx.alpha, &sid("indicator", 1));
    // date_added of each version of the indicator, from the manifest.
    let added: std::collections::HashMap<String, String> = fx
        .manifest(&fx.alpha, &format!("match[id]={}&match[version]=all", sid("indicator", 1)))
        .await
        .iter()
        .map(|m| (m["version"].as_str().unwrap().to_owned(), m["date_added"].as_str().unwrap().to_owned()))
        .collect();
    let cases: Vec<(String, Vec<&Value>)> = vec![
        (String::new(), vec![&v3]),
        ("match[version]=last".into(), vec![&v3]),
        ("match[version]=first".into(), vec![&v1]),
        ("match[version]=all".into(), vec![&v1, &v3, &v2]),
        (format!("match[version]={}", ver(2)), vec![&v2]),
        (format!("match[version]=first,{}", ver(3)), vec![&v1, &v3]),
        ("match[spec_version]=2.1".into(), vec![&v3]),
        // Only this object, whatever match[type] says.
        ("match[type]=malware".into(), vec![&v3]),
    ];
    for (query, want) in cases {
        let resp = check(&fx, Req::get(&format!("{url}?{query}")).by("alice"), 200).await;
        let want: Vec<Value> = want.into_iter().cloned().collect();
        assert_eq!(text(&resp.json()), text(&json!({"more": false, "objects": want})), "?{query}");
        let added = |v: &Value| added[v["modified"].as_str().unwrap()].clone();
        assert_eq!(resp.header("x-taxii-date-added-first"), want.first().map(added).as_deref(), "?{query}");
        assert_eq!(resp.header("x-taxii-date-added-last"), want.last().map(added).as_deref(), "?{query}");
    }
    // Paging through the versions of one object.
    let first = check(&fx, Req::get(&format!("{url}?match[version]=all&limit=2")).by("alice"), 200).await.json();
    assert_eq!(text(&first["objects"]), text(&json!([v1, v3])));
    assert_eq!(first["more"], json!(true));
    let next = first["next"].as_str().expect("next");
    let second = check(&fx, Req::get(&format!("{url}?match[version]=all&limit=2&next={next}")).by("alice"), 200).await.json();
    assert_eq!(text(&second), text(&json!({"more": false, "objects": [v2]})));
}

#[tokio::test]
async fn get_an_object_that_is_not_there_is_404() {
    let (fx, _) = seeded().await;
    let req = |coll: &str, id: &str| Req::get(&object_url("default", coll, id)).by("alice");
    let absent = check(&fx, req(&fx.alpha, &sid("indicator", 42)), 404).await;
    for (name, r) in [
        ("not an identifier", req(&fx.alpha, "not-an-id")),
        ("in another collection", req(&fx.bravo, &sid("indicator", 1))),
        ("unknown collection", req(&uuid::Uuid::new_v4().to_string(), &sid("indicator", 1))),
        ("a collection alice cannot see", req(&fx.private, &sid("indicator", 1))),
    ] {
        let resp = check(&fx, r, 404).await;
        assert_eq!(resp.body, absent.body, "{name}: the same 404 as for an absent object");
    }
}

#[tokio::test]
async fn versions_lists_every_version_in_date_added_order() {
    let (fx, _) = seeded().await;
    let url = |id: &str| format!("{}versions/", object_url("default", &fx.alpha, id));
    let resp = check(&fx, Req::get(&url(&sid("indicator", 1))).by("alice"), 200).await;
    assert_eq!(text(&resp.json()), text(&json!({"more": false, "versions": [ver(1), ver(3), ver(2)]})));
    let manifest = fx.manifest(&fx.alpha, &format!("match[id]={}&match[version]=all", sid("indicator", 1))).await;
    assert_eq!(resp.header("x-taxii-date-added-first"), manifest.first().map(|m| m["date_added"].as_str().unwrap()));
    assert_eq!(resp.header("x-taxii-date-added-last"), manifest.last().map(|m| m["date_added"].as_str().unwrap()));
    // match[version] does not apply to this endpoint: still every version.
    let resp = check(&fx, Req::get(&format!("{}?match[version]=first", url(&sid("indicator", 1)))).by("alice"), 200).await;
    assert_eq!(resp.json()["versions"], json!([ver(1), ver(3), ver(2)]));
    // Pages.
    let page = check(&fx, Req::get(&format!("{}?limit=2", url(&sid("indicator", 1)))).by("alice"), 200).await.json();
    assert_eq!(page["versions"], json!([ver(1), ver(3)]));
    assert_eq!(page["more"], json!(true));
    let next = page["next"].as_str().unwrap();
    let page = check(&fx, Req::get(&format!("{}?limit=2&next={next}", url(&sid("indicator", 1)))).by("alice"), 200).await.json();
    assert_eq!(text(&page), text(&json!({"more": false, "versions": [ver(2)]})));
    check(&fx, Req::get(&url(&sid("indicator", 42))).by("alice"), 404).await;
    check(&fx, Req::get(&url("nope")).by("alice"), 404).await;
}

#[tokio::test]
async fn delete_removes_every_version_then_the_object_is_gone() {
    let (fx, data) = seeded().await;
    let id = sid("indicator", 1);
    let url = object_url("default", &fx.alpha, &id);
    check(&fx, Req::delete(&url).by("alice"), 200).await;
    check(&fx, Req::get(&url).by("alice"), 404).await;
    check(&fx, Req::get(&format!("{url}versions/")).by("alice"), 404).await;
    assert_eq!(keys(&fx.manifest(&fx.alpha, "match[version]=all").await), keys(&data[2..3]), "only the malware is left");
    // Deleting again, or deleting what never was: 404.
    check(&fx, Req::delete(&url).by("alice"), 404).await;
    check(&fx, Req::delete(&object_url("default", &fx.alpha, &sid("indicator", 42))).by("alice"), 404).await;
    check(&fx, Req::delete(&object_url("default", &fx.alpha, "not-an-id")).by("alice"), 404).await;
    // The same object can be posted again afterwards.
    let status = fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    assert_eq!(status["success_count"], 1);
    check(&fx, Req::get(&url).by("alice"), 200).await;
}

#[tokio::test]
async fn delete_one_version_keeps_the_others_and_moves_last_and_first() {
    let (fx, data) = seeded().await;
    let v2 = data[3].clone();
    let url = object_url("default", &fx.alpha, &sid("indicator", 1));
    check(&fx, Req::delete(&format!("{url}?match[version]={}", ver(3))).by("alice"), 200).await;
    let last = check(&fx, Req::get(&url).by("alice"), 200).await.json();
    assert_eq!(text(&last["objects"]), text(&json!([v2])), "v2 is now the latest");
    check(&fx, Req::delete(&format!("{url}?match[version]=first")).by("alice"), 200).await;
    let first = check(&fx, Req::get(&format!("{url}?match[version]=first")).by("alice"), 200).await.json();
    assert_eq!(text(&first["objects"]), text(&json!([v2])), "v2 is now also the first");
    let all = check(&fx, Req::get(&format!("{url}?match[version]=all")).by("alice"), 200).await.json();
    assert_eq!(text(&all["objects"]), text(&json!([v2])));
    // A version that is not there: nothing deleted, 404.
    check(&fx, Req::delete(&format!("{url}?match[version]={}", ver(1))).by("alice"), 404).await;
}

#[tokio::test]
async fn delete_needs_read_and_write() {
    let (fx, _) = seeded().await;
    let url = object_url("default", &fx.alpha, &sid("indicator", 1));
    check(&fx, Req::delete(&url).by("bob"), 403).await;
    check(&fx, Req::delete(&url).by("wo"), 403).await;
    check(&fx, Req::delete(&url).by("eve"), 404).await;
    check(&fx, Req::delete(&object_url("default", &fx.bravo, &sid("indicator", 1))).by("alice"), 403).await;
    // Nothing was deleted.
    check(&fx, Req::get(&url).by("alice"), 200).await;
}
