//! Every error path answers a TAXII error resource (title, http_status as a string) with the
//! right status code: one table, one `check` per row.

use axum::http::Method;
use serde_json::json;
use tearline_taxii::ServerConfig;

use crate::harness::*;

#[tokio::test]
async fn error_table() {
    let config = ServerConfig { max_content_length: 2048, max_objects_per_request: 3, ..ServerConfig::default() };
    let fx = fixture_with(config).await;
    fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    let objects = objects_url("default", &fx.alpha);
    let obj = object_url("default", &fx.alpha, &sid("indicator", 1));
    let manifest = format!("{}manifest/", coll_url("default", &fx.alpha));
    let post = |body: &[u8]| Req::new(Method::POST, &objects).header("content-type", TAXII).body(body.to_vec()).by("alice");
    let big_name = "x".repeat(4096);
    let mut big = indicator(2, 1);
    big["name"] = big_name.into();
    let four: Vec<_> = (10..14).map(|n| indicator(n, 1)).collect();
    let unknown_coll = uuid::Uuid::new_v4().to_string();

    let cases: Vec<(&str, Req, u16)> = vec![
        // 406: the client does not accept TAXII 2.1.
        ("accept json", Req::get("/taxii2/").by("alice").header("accept", "application/json"), 406),
        ("accept taxii 2.0", Req::get(&objects).by("alice").header("accept", "application/taxii+json;version=2.0"), 406),
        ("accept stix", Req::get(&obj).by("alice").header("accept", STIX), 406),
        ("accept q=0", Req::get(&manifest).by("alice").header("accept", format!("{TAXII};q=0")), 406),
        ("accept on POST", post(&envelope(&[indicator(3, 1)]).to_string().into_bytes()).header("accept", "text/html"), 406),
        // 415: the body is not declared as TAXII 2.1.
        ("content-type json", post(b"{\"objects\":[]}").header("content-type", "application/json"), 415),
        ("content-type taxii 2.0", post(b"{\"objects\":[]}").header("content-type", "application/taxii+json;version=2.0"), 415),
        ("content-type stix", post(b"{\"objects\":[]}").header("content-type", STIX), 415),
        ("no content-type", post(b"{\"objects\":[]}").without("content-type"), 415),
        // 413: over max_content_length, or too many objects.
        ("body over max_content_length", post(envelope(&[big]).to_string().as_bytes()), 413),
        ("too many objects", post(envelope(&four).to_string().as_bytes()), 413),
        // 400: the body is not a TAXII envelope.
        ("bad JSON", post(b"{\"objects\": [}"), 400),
        ("empty body", post(b""), 400),
        ("not UTF-8", post(b"{\"objects\": [\xff]}"), 400),
        ("a list", post(b"[]"), 400),
        ("objects is not a list", post(b"{\"objects\": {}}"), 400),
        ("an item is not an object", post(b"{\"objects\": [1]}"), 400),
        ("a bundle of the wrong type", post(br#"{"type": "indicator", "objects": []}"#), 400),
        // 400: bad query values, on each endpoint that takes them.
        ("limit=0", Req::get(&format!("{objects}?limit=0")).by("alice"), 400),
        ("limit=-1", Req::get(&format!("{objects}?limit=-1")).by("alice"), 400),
        ("limit=ten", Req::get(&format!("{manifest}?limit=ten")).by("alice"), 400),
        ("limit twice", Req::get(&format!("{objects}?limit=1&limit=2")).by("alice"), 400),
        ("bad added_after", Req::get(&format!("{objects}?added_after=yesterday")).by("alice"), 400),
        ("added_after without zone", Req::get(&format!("{objects}?added_after=2024-01-01T00:00:00")).by("alice"), 400),
        ("bad next", Req::get(&format!("{objects}?next=garbage")).by("alice"), 400),
        ("bad next on manifest", Req::get(&format!("{manifest}?next=garbage")).by("alice"), 400),
        ("bad next on object", Req::get(&format!("{obj}?next=garbage")).by("alice"), 400),
        ("bad next on versions", Req::get(&format!("{obj}versions/?next=garbage")).by("alice"), 400),
        ("bad match[version]", Req::get(&format!("{objects}?match[version]=newest")).by("alice"), 400),
        ("bad match[version] on object", Req::get(&format!("{obj}?match[version]=latest")).by("alice"), 400),
        ("bad match[version] on delete", Req::delete(&format!("{obj}?match[version]=latest")).by("alice"), 400),
        ("bad match[id]", Req::get(&format!("{objects}?match[id]=nope")).by("alice"), 400),
        ("bad match[type]", Req::get(&format!("{objects}?match[type]=Bad_Type")).by("alice"), 400),
        ("bad match[spec_version]", Req::get(&format!("{objects}?match[spec_version]=two")).by("alice"), 400),
        ("too many match values", Req::get(&format!("{objects}?match[type]={}", vec!["indicator"; 101].join(","))).by("alice"), 400),
        ("bad percent-encoding", Req::get(&format!("{objects}?match[type]=%FF")).by("alice"), 400),
        // 404: unknown API root, collection, route.
        ("unknown collection", Req::get(&coll_url("default", &unknown_coll)).by("alice"), 404),
        ("unknown collection objects", Req::get(&objects_url("default", &unknown_coll)).by("alice"), 404),
        ("collection id not a UUID", Req::get(&coll_url("default", "alpha")).by("alice"), 404),
        ("unknown API root", Req::get("/taxii2/nope/").by("alice"), 404),
        ("unknown API root collections", Req::get("/taxii2/nope/collections/").by("alice"), 404),
        ("unknown API root status", Req::get(&format!("/taxii2/nope/status/{}/", uuid::Uuid::new_v4())).by("alice"), 404),
        ("unknown route", Req::get("/nope").by("alice"), 404),
        ("unknown route under a root", Req::get("/taxii2/default/nope/").by("alice"), 404),
        ("unknown route under a collection", Req::get(&format!("{}nope/", coll_url("default", &fx.alpha))).by("alice"), 404),
        ("unknown route, anonymous", Req::get("/nope"), 404),
        // 405: a known route, another method.
        ("PUT discovery", Req::new(Method::PUT, "/taxii2/").by("alice"), 405),
        ("POST api root", Req::new(Method::POST, "/taxii2/default/").by("alice"), 405),
        ("DELETE collection", Req::delete(&coll_url("default", &fx.alpha)).by("alice"), 405),
        ("PUT objects", Req::new(Method::PUT, &objects).by("alice"), 405),
        ("POST object", Req::new(Method::POST, &obj).by("alice"), 405),
        ("POST manifest", Req::new(Method::POST, &manifest).by("alice"), 405),
        ("DELETE versions", Req::delete(&format!("{obj}versions/")).by("alice"), 405),
        ("POST status", Req::new(Method::POST, &format!("/taxii2/default/status/{}/", uuid::Uuid::new_v4())).by("alice"), 405),
    ];
    for (name, req, status) in cases {
        let path = req.path.clone();
        let resp = check(&fx, req, status).await;
        let err = resp.json();
        assert!(err["description"].as_str().is_some_and(|d| !d.is_empty()), "{name} ({path}): error without description: {err}");
        if status == 405 {
            let allow = resp.header("allow").unwrap_or_else(|| panic!("{name}: a 405 carries Allow (RFC 9110 15.5.6)"));
            assert!(!allow.is_empty(), "{name}: Allow: {allow}");
        }
    }
    // None of the refused POSTs stored anything.
    let ids: Vec<String> = keys(&fx.manifest(&fx.alpha, "").await).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [sid("indicator", 1)]);
}

#[tokio::test]
async fn bad_request_messages_name_the_parameter() {
    let fx = fixture().await;
    let objects = objects_url("default", &fx.alpha);
    for (query, needle) in [
        ("limit=0", "limit"),
        ("added_after=yesterday", "added_after"),
        ("next=garbage", "next"),
        ("match[version]=newest", "match[version]"),
        ("match[id]=nope", "match[id]"),
        ("match[type]=Bad_Type", "match[type]"),
    ] {
        let err = check(&fx, Req::get(&format!("{objects}?{query}")).by("alice"), 400).await.json();
        assert!(err["description"].as_str().unwrap().contains(needle), "?{query}: {err}");
    }
    let err = check(&fx, Req::post(&objects, &json!({"objects": 5})).by("alice"), 400).await.json();
    assert!(err["description"].as_str().unwrap().contains("objects"), "{err}");
}

#[tokio::test]
async fn a_body_exactly_at_max_content_length_is_accepted() {
    let probe = envelope(&[indicator(1, 1)]).to_string();
    let config = ServerConfig { max_content_length: probe.len(), ..ServerConfig::default() };
    let fx = fixture_with(config).await;
    let at = Req::new(Method::POST, &objects_url("default", &fx.alpha)).header("content-type", TAXII).body(probe.clone().into_bytes());
    check(&fx, at.by("alice"), 202).await;
    let over = Req::new(Method::POST, &objects_url("default", &fx.alpha)).header("content-type", TAXII).body(format!("{probe} ").into_bytes());
    check(&fx, over.by("alice"), 413).await;
    let api_root = check(&fx, Req::get("/taxii2/default/").by("alice"), 200).await.json();
    assert_eq!(api_root["max_content_length"], json!(probe.len()), "the advertised limit is the enforced one");
}
