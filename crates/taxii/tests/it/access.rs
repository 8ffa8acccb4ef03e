//! Authentication (Basic and Bearer) and authorisation: 401, 403, and the rule that a collection
//! the caller may not see is indistinguishable from one that does not exist.

use tearline_store::secret;

use crate::harness::*;

/// One request of each TAXII endpoint against a collection (and the status endpoint).
fn endpoints(root: &str, coll: &str) -> Vec<Req> {
    let obj = object_url(root, coll, &sid("indicator", 1));
    vec![
        Req::get(&coll_url(root, coll)),
        Req::get(&objects_url(root, coll)),
        Req::post(&objects_url(root, coll), &envelope(&[indicator(9, 1)])),
        Req::get(&obj),
        Req::delete(&obj),
        Req::get(&format!("{obj}versions/")),
        Req::get(&format!("{}manifest/", coll_url(root, coll))),
    ]
}

#[tokio::test]
async fn no_or_wrong_credentials_are_401_with_a_challenge_and_the_same_body() {
    let fx = fixture().await;
    fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    let alice = fx.secret("alice").to_owned();
    let bob = fx.secret("bob").to_owned();
    let credentials: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("basic, wrong secret", Some(basic("alice", "tl_wrong"))),
        ("basic, unknown account", Some(basic("mallory", &alice))),
        ("basic, another account's secret", Some(basic("alice", &bob))),
        ("basic, empty secret", Some(basic("alice", ""))),
        ("basic, not base64", Some("Basic !!!not-base64".into())),
        ("basic, no colon", Some(format!("Basic {}", base64_of("alice")))),
        ("bearer, wrong secret", Some("Bearer tl_wrong".into())),
        ("bearer, empty", Some("Bearer ".into())),
        ("bearer, the account name", Some("Bearer alice".into())),
        ("unknown scheme", Some(format!("Digest {alice}"))),
        ("no scheme", Some(alice.clone())),
        ("oversized", Some(format!("Bearer {}", "x".repeat(5000)))),
    ];
    let mut reqs = endpoints("default", &fx.alpha);
    reqs.extend([Req::get("/taxii2/"), Req::get("/taxii2/default/"), Req::get("/taxii2/default/collections/")]);
    reqs.push(Req::get(&format!("/taxii2/default/status/{}/", uuid::Uuid::new_v4())));
    let mut first_body: Option<Vec<u8>> = None;
    for (name, header) in &credentials {
        for req in &reqs {
            let req = match header {
                Some(h) => req.clone().auth(h.clone()),
                None => req.clone(),
            };
            let resp = check(&fx, req, 401).await;
            let first = first_body.get_or_insert_with(|| resp.body.clone());
            assert_eq!(&resp.body, first, "{name}: every 401 is the same");
        }
    }
    // The right secret works both ways, and the scheme name is case-insensitive.
    for h in [basic("alice", &alice), format!("Bearer {alice}"), format!("bearer {alice}"), format!("BASIC {}", base64_of(&format!("alice:{alice}")))] {
        check(&fx, Req::get(&objects_url("default", &fx.alpha)).auth(h.clone()), 200).await;
    }
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn a_disabled_account_cannot_authenticate() {
    let fx = fixture().await;
    let url = objects_url("default", &fx.alpha);
    let bearer = format!("Bearer {}", fx.secret("bob"));
    check(&fx, Req::get(&url).by("bob"), 200).await;
    check(&fx, Req::get(&url).auth(bearer.clone()), 200).await;
    fx.store.disable_account("bob").await.unwrap();
    check(&fx, Req::get(&url).by("bob"), 401).await;
    check(&fx, Req::get(&url).auth(bearer), 401).await;
    check(&fx, Req::get("/taxii2/").by("bob"), 401).await;
}

#[tokio::test]
async fn a_rotated_secret_stops_working_at_once() {
    let mut fx = fixture().await;
    let url = objects_url("default", &fx.alpha);
    let old = fx.secret("alice").to_owned();
    let new = secret::generate();
    fx.store.set_account_secret("alice", secret::hash(&new)).await.unwrap();
    check(&fx, Req::get(&url).auth(basic("alice", &old)), 401).await;
    check(&fx, Req::get(&url).auth(format!("Bearer {old}")), 401).await;
    fx.set_secret("alice", new.clone());
    check(&fx, Req::get(&url).by("alice"), 200).await;
    check(&fx, Req::get(&url).auth(format!("Bearer {new}")), 200).await;
}

#[tokio::test]
async fn another_accounts_collection_is_byte_identical_to_an_unknown_one() {
    let fx = fixture().await;
    let status = check(&fx, Req::post(&objects_url("default", &fx.private), &envelope(&[indicator(1, 1)])).by("admin"), 202).await;
    assert_eq!(status.json()["success_count"], 1);
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(&'static str, &str, &str)> = vec![
        // (account, hidden collection, root)
        ("alice", &fx.private, "default"),
        ("bob", &fx.private, "default"),
        ("bob", &fx.bravo, "default"),
        ("eve", &fx.alpha, "default"),
        ("admin", &fx.charlie, "second"),
        // A collection that exists, asked for under the wrong API root.
        ("alice", &fx.charlie, "default"),
    ];
    for (account, hidden, root) in cases {
        for (h, u) in endpoints(root, hidden).into_iter().zip(endpoints(root, &unknown)) {
            let what = format!("{account}: {} {}", h.method, h.path);
            let hidden_resp = check(&fx, h.by(account), 404).await;
            let unknown_resp = check(&fx, u.by(account), 404).await;
            assert_eq!(hidden_resp.body, unknown_resp.body, "{what}: body differs from an unknown collection's");
            assert_eq!(hidden_resp.headers, unknown_resp.headers, "{what}: headers differ from an unknown collection's");
        }
    }
    // Nothing alice tried was written into the hidden collection.
    let objs = check(&fx, Req::get(&objects_url("default", &fx.private)).by("admin"), 200).await.json();
    assert_eq!(objs["objects"].as_array().unwrap().len(), 1);
    // A root the account cannot see answers exactly like a root that does not exist.
    for path in ["/taxii2/{}/", "/taxii2/{}/collections/"] {
        let hidden = check(&fx, Req::get(&path.replace("{}", "second")).by("bob"), 404).await;
        let absent = check(&fx, Req::get(&path.replace("{}", "nope")).by("bob"), 404).await;
        assert_eq!(hidden.body, absent.body, "{path}");
    }
}

#[tokio::test]
async fn read_only_cannot_post_and_write_only_cannot_read() {
    let fx = fixture().await;
    fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    let obj = object_url("default", &fx.alpha, &sid("indicator", 1));
    let cases: Vec<(&'static str, Req, u16)> = vec![
        ("bob", Req::post(&objects_url("default", &fx.alpha), &envelope(&[indicator(2, 1)])), 403),
        ("alice", Req::post(&objects_url("default", &fx.bravo), &envelope(&[indicator(2, 1)])), 403),
        ("auditor", Req::post(&objects_url("default", &fx.bravo), &envelope(&[indicator(2, 1)])), 403),
        ("wo", Req::get(&objects_url("default", &fx.alpha)), 403),
        ("wo", Req::get(&obj), 403),
        ("wo", Req::get(&format!("{obj}versions/")), 403),
        ("wo", Req::get(&format!("{}manifest/", coll_url("default", &fx.alpha))), 403),
        // What each may do.
        ("wo", Req::get(&coll_url("default", &fx.alpha)), 200),
        ("wo", Req::post(&objects_url("default", &fx.alpha), &envelope(&[indicator(3, 1)])), 202),
        ("bob", Req::get(&objects_url("default", &fx.alpha)), 200),
        ("bob", Req::get(&obj), 200),
    ];
    for (account, req, status) in cases {
        check(&fx, req.by(account), status).await;
    }
    // bob's refused POST stored nothing; wo's accepted one did.
    let ids: Vec<String> = keys(&fx.manifest(&fx.alpha, "").await).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [sid("indicator", 1), sid("indicator", 3)]);
}

#[tokio::test]
async fn the_store_the_fixture_uses_is_the_one_the_server_reads() {
    // Guards the fixture itself: an account added to the store is usable at once.
    let fx = fixture().await;
    let s = secret::generate();
    fx.store.add_account("dave", tearline_store::Role::Analyst, secret::hash(&s)).await.unwrap();
    fx.store.set_grant(&fx.alpha, "dave", tearline_store::Access { can_read: true, can_write: false }).await.unwrap();
    check(&fx, Req::get(&objects_url("default", &fx.alpha)).auth(basic("dave", &s)), 200).await;
    assert_eq!(fx.store.accounts().await.unwrap().len(), ACCOUNTS.len() + 1);
}
