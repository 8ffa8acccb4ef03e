//! Discovery, API root, collections and collection resources (TAXII 2.1 sections 4.1, 4.2,
//! 5.1, 5.2): exact bodies, per account.

use serde_json::{Value, json};

use crate::harness::*;

const TITLE: &str = "tearline";
const DESCRIPTION: &str = "STIX 2.1 / TAXII 2.1 threat-intelligence sharing";

#[tokio::test]
async fn discovery_lists_only_the_roots_each_account_can_see() {
    let fx = fixture().await;
    let cases: &[(&'static str, Value)] = &[
        (
            "alice",
            json!({"title": TITLE, "description": DESCRIPTION, "default": "/taxii2/default/", "api_roots": ["/taxii2/default/", "/taxii2/second/"]}),
        ),
        ("bob", json!({"title": TITLE, "description": DESCRIPTION, "default": "/taxii2/default/", "api_roots": ["/taxii2/default/"]})),
        ("wo", json!({"title": TITLE, "description": DESCRIPTION, "default": "/taxii2/default/", "api_roots": ["/taxii2/default/"]})),
        ("admin", json!({"title": TITLE, "description": DESCRIPTION, "default": "/taxii2/default/", "api_roots": ["/taxii2/default/"]})),
        // No grants: no roots, and no `default` (it would name a root the account cannot use).
        ("eve", json!({"title": TITLE, "description": DESCRIPTION, "api_roots": []})),
    ];
    for (account, want) in cases {
        let resp = check(&fx, Req::get("/taxii2/").by(account), 200).await;
        assert_eq!(text(&resp.json()), text(want), "discovery for {account}");
    }
}

#[tokio::test]
async fn discovery_names_no_default_when_the_default_root_is_not_visible() {
    let fx = fixture().await;
    // A fresh account with a grant in `second` only.
    let s = tearline_store::secret::generate();
    fx.store.add_account("carol", tearline_store::Role::Analyst, tearline_store::secret::hash(&s)).await.unwrap();
    fx.store.set_grant(&fx.charlie, "carol", tearline_store::Access { can_read: true, can_write: false }).await.unwrap();
    let resp = check(&fx, Req::get("/taxii2/").auth(basic("carol", &s)), 200).await;
    assert_eq!(text(&resp.json()), text(&json!({"title": TITLE, "description": DESCRIPTION, "api_roots": ["/taxii2/second/"]})));
}

#[tokio::test]
async fn api_root_resource() {
    let fx = fixture().await;
    let want = |title: &str| json!({"title": title, "versions": [TAXII], "max_content_length": 32 * 1024 * 1024});
    for (account, root, status) in [("alice", "default", 200), ("alice", "second", 200), ("bob", "default", 200), ("bob", "second", 404), ("eve", "default", 404)] {
        let resp = check(&fx, Req::get(&root_url(root)).by(account), status).await;
        if status == 200 {
            assert_eq!(text(&resp.json()), text(&want(root)), "{account} {root}");
        }
    }
}

fn resource(id: &str, title: &str, description: Option<&str>, alias: Option<&str>, can_read: bool, can_write: bool) -> Value {
    let mut c = json!({"id": id, "title": title});
    if let Some(d) = description {
        c["description"] = d.into();
    }
    if let Some(a) = alias {
        c["alias"] = a.into();
    }
    c["can_read"] = can_read.into();
    c["can_write"] = can_write.into();
    c["media_types"] = json!([STIX]);
    c
}

#[tokio::test]
async fn collections_and_collection_resources_per_account() {
    let fx = fixture().await;
    let alpha = |r, w| resource(&fx.alpha, "Alpha", Some("the Alpha collection"), None, r, w);
    let bravo = |r, w| resource(&fx.bravo, "Bravo", Some("the Bravo collection"), None, r, w);
    let charlie = resource(&fx.charlie, "Charlie", None, Some("charlie"), true, true);
    let private = resource(&fx.private, "Private", Some("the Private collection"), None, true, true);
    let cases: Vec<(&'static str, &str, Vec<Value>)> = vec![
        ("alice", "default", vec![alpha(true, true), bravo(true, false)]),
        ("alice", "second", vec![charlie.clone()]),
        ("bob", "default", vec![alpha(true, false)]),
        ("wo", "default", vec![alpha(false, true)]),
        ("admin", "default", vec![private.clone()]),
        ("auditor", "default", vec![bravo(true, false)]),
    ];
    for (account, root, want) in cases {
        let resp = check(&fx, Req::get(&format!("/taxii2/{root}/collections/")).by(account), 200).await;
        assert_eq!(text(&resp.json()), text(&json!({ "collections": want })), "collections of {account} in {root}");
        for c in &want {
            let one = check(&fx, Req::get(&coll_url(root, c["id"].as_str().unwrap())).by(account), 200).await;
            assert_eq!(text(&one.json()), text(c), "collection {} for {account}", c["title"]);
        }
    }
    // A root where the account sees no collection answers like a root that does not exist.
    for (account, root) in [("bob", "second"), ("eve", "default"), ("alice", "nope")] {
        check(&fx, Req::get(&format!("/taxii2/{root}/collections/")).by(account), 404).await;
    }
}
