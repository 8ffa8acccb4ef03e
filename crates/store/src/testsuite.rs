//! The storage conformance suite: behaviour every [`Store`] backend must show, written against
//! the trait only. A backend runs it with [`store_test_suite!`](crate::store_test_suite).

use serde_json::{Value, json};
use tearline_stix::{Timestamp, canonical, validate};

use crate::*;

/// Expands to one `#[tokio::test]` per conformance check. `$make` is an async expression
/// (evaluated once per test) that yields `(guard, store)`: a fresh, empty `Box<dyn Store>`
/// and a value kept alive until the test ends (a temporary directory, a schema to drop).
#[macro_export]
macro_rules! store_test_suite {
    ($make:expr) => {
        $crate::store_test_suite!(@tests $make;
            accounts_lifecycle,
            collections_and_grants,
            unknown_grantee_writes_nothing,
            versions_and_idempotent_reposts,
            rejected_submissions_become_failures,
            status_is_private_to_its_author,
            filters_combine_with_and_values_with_or,
            version_filters,
            pagination_survives_concurrent_writes,
            date_added_strictly_increases,
            delete_recomputes_first_and_last,
            objects_without_version_get_one,
            collections_are_isolated,
            pages_are_bounded_in_bytes,
            partners_lifecycle,
            releases_publish_atomically_and_stay_immutable,
            every_change_is_one_chained_ledger_entry,
            failed_changes_leave_no_entry,
            checkpoints_and_archived_segments,
            first_retrievals_are_recorded_once,
            cases_are_versioned_with_their_events,
            partner_pages_carry_publications_by_version_and_stored_admissions,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_guard, store) = $make.await;
                $crate::testsuite::$name(&*store).await;
            }
        )*
    };
}

/// Builds a [`NewObject`] from JSON, as the server does after validation.
pub fn new_object(value: &Value) -> NewObject {
    let meta = validate::object_meta(value).expect("test object has an id");
    NewObject {
        id: meta.id,
        object_type: meta.object_type,
        spec_version: meta.spec_version,
        version: meta.version,
        content_hash: canonical::canonical_sha256(value),
        body: serde_json::to_string(value).unwrap(),
        note: None,
    }
}

fn indicator(n: u32, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2020-01-01T00:00:00.000Z", "modified": modified,
        "name": format!("indicator {n}"), "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
        "x_custom": {"nested": [1, 2, 3]}
    })
}

fn malware(n: u32) -> Value {
    json!({
        "type": "malware", "spec_version": "2.1",
        "id": format!("malware--00000000-0000-4000-8000-{n:012}"),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": format!("malware {n}"), "is_family": false
    })
}

fn accepted(values: &[Value]) -> Vec<Submission> {
    values.iter().map(|v| Submission::Accepted(new_object(v))).collect()
}

fn hash(b: u8) -> SecretHash {
    [b; 32]
}

async fn setup(store: &dyn Store) -> (Account, Collection) {
    let acct = store.add_account("alice", Role::Analyst, hash(1)).await.unwrap();
    let coll = store
        .add_collection(NewCollection {
            api_root: "default".into(),
            title: "holdings".into(),
            description: None,
            alias: None,
            readers: vec!["alice".into()],
            writers: vec!["alice".into()],
        })
        .await
        .unwrap();
    (acct, coll)
}

async fn add(store: &dyn Store, coll: &Collection, values: &[Value]) -> Vec<Outcome> {
    store.add_objects(&coll.id, accepted(values), None).await.unwrap().outcomes
}

async fn all_pages(store: &dyn Store, coll: &str, mut filter: ObjectFilter) -> Vec<StoredObject> {
    let mut out = Vec::new();
    loop {
        let page = store.objects(coll, &filter, true).await.unwrap();
        let next = page.next();
        out.extend(page.items);
        match next {
            Some(c) => filter.after = Some(c),
            None => return out,
        }
    }
}

pub async fn accounts_lifecycle(store: &dyn Store) {
    let a = store.add_account("alice", Role::Admin, hash(1)).await.unwrap();
    assert_eq!(a.name, "alice");
    assert_eq!(a.role, Role::Admin);
    assert!(matches!(store.add_account("alice", Role::Analyst, hash(2)).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.account_by_secret(&hash(1)).await.unwrap().unwrap().name, "alice");
    assert!(store.account_by_secret(&hash(9)).await.unwrap().is_none());
    let (acct, h) = store.account_by_name("alice").await.unwrap().unwrap();
    assert_eq!((acct.id, h), (a.id, hash(1)));

    store.set_account_secret("alice", hash(3)).await.unwrap();
    assert!(store.account_by_secret(&hash(1)).await.unwrap().is_none(), "a rotated secret must stop working");
    assert_eq!(store.account_by_secret(&hash(3)).await.unwrap().unwrap().id, a.id);
    assert!(matches!(store.set_account_secret("nobody", hash(4)).await, Err(StoreError::NotFound(_))));

    store.disable_account("alice").await.unwrap();
    assert!(store.account_by_secret(&hash(3)).await.unwrap().is_none());
    assert!(store.account_by_name("alice").await.unwrap().is_none());
    let all = store.accounts().await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].disabled);
}

pub async fn collections_and_grants(store: &dyn Store) {
    let alice = store.add_account("alice", Role::Analyst, hash(1)).await.unwrap();
    let bob = store.add_account("bob", Role::Analyst, hash(2)).await.unwrap();
    let c1 = store
        .add_collection(NewCollection {
            api_root: "intel".into(),
            title: "one".into(),
            description: Some("first".into()),
            alias: Some("one".into()),
            readers: vec!["alice".into(), "bob".into()],
            writers: vec!["alice".into()],
        })
        .await
        .unwrap();
    let c2 = store
        .add_collection(NewCollection {
            api_root: "intel".into(),
            title: "two".into(),
            description: None,
            alias: None,
            readers: vec!["alice".into()],
            writers: vec![],
        })
        .await
        .unwrap();
    assert_ne!(c1.id, c2.id);
    assert_eq!(c1.id.len(), 36, "collection ids are UUIDs");
    let roots = store.api_roots().await.unwrap();
    assert_eq!(roots.iter().filter(|r| r.name == "intel").count(), 1);

    let for_alice = store.collections_for(alice.id, "intel").await.unwrap();
    assert_eq!(for_alice.len(), 2);
    let for_bob = store.collections_for(bob.id, "intel").await.unwrap();
    assert_eq!(for_bob.len(), 1);
    assert_eq!(for_bob[0].0.id, c1.id);
    assert_eq!(for_bob[0].1, Access { can_read: true, can_write: false });
    assert!(store.collection_for(bob.id, "intel", &c2.id).await.unwrap().is_none());
    assert!(store.collection_for(alice.id, "other-root", &c1.id).await.unwrap().is_none(), "a collection is only found under its own API root");

    store.set_grant(&c2.id, "bob", Access { can_read: false, can_write: true }).await.unwrap();
    let (_, access) = store.collection_for(bob.id, "intel", &c2.id).await.unwrap().unwrap();
    assert_eq!(access, Access { can_read: false, can_write: true });
    store.set_grant(&c2.id, "bob", Access::default()).await.unwrap();
    assert!(store.collection_for(bob.id, "intel", &c2.id).await.unwrap().is_none());
    assert_eq!(store.collection(&c1.id).await.unwrap().unwrap().title, "one");
    assert_eq!(store.collections().await.unwrap().len(), 2);
}

pub async fn unknown_grantee_writes_nothing(store: &dyn Store) {
    store.add_account("alice", Role::Analyst, hash(1)).await.unwrap();
    let r = store
        .add_collection(NewCollection {
            api_root: "fresh".into(),
            title: "t".into(),
            description: None,
            alias: None,
            readers: vec!["alice".into(), "mallory".into()],
            writers: vec![],
        })
        .await;
    assert!(matches!(r, Err(StoreError::NotFound(ref m)) if m.contains("mallory")), "{r:?}");
    assert!(store.collections().await.unwrap().is_empty());
    assert!(store.api_roots().await.unwrap().iter().all(|r| r.name != "fresh"), "no half-written API root");
}

pub async fn versions_and_idempotent_reposts(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let v1 = indicator(1, "2020-01-01T00:00:00.000Z");
    let v2 = indicator(1, "2020-02-01T00:00:00.000Z");
    let out = add(store, &coll, &[v1.clone(), v2.clone()]).await;
    assert!(matches!(&out[0], Outcome::Added { .. }));
    assert!(matches!(&out[1], Outcome::Added { .. }));

    // The identical version again: success, nothing written.
    let out = add(store, &coll, std::slice::from_ref(&v1)).await;
    assert!(matches!(&out[0], Outcome::Unchanged { version, .. } if version_text(version) == "2020-01-01T00:00:00.000Z"));
    // Same content with keys in another order is the same object.
    let mut reordered = serde_json::Map::new();
    for (k, v) in v1.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let out = add(store, &coll, &[Value::Object(reordered)]).await;
    assert!(matches!(&out[0], Outcome::Unchanged { .. }));

    // A different object under the same id and version: a failure, never an overwrite.
    let mut changed = v1.clone();
    changed["name"] = json!("tampered");
    let out = add(store, &coll, &[changed]).await;
    assert!(matches!(&out[0], Outcome::Conflict { .. }));

    let filter = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
    let all = all_pages(store, &coll.id, filter).await;
    assert_eq!(all.len(), 2);
    let body: Value = serde_json::from_str(all[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body, v1, "stored bodies round-trip, custom properties included");
    assert_eq!(body["name"], "indicator 1");
}

pub async fn rejected_submissions_become_failures(store: &dyn Store) {
    let (acct, coll) = setup(store).await;
    let items = vec![
        Submission::Accepted(new_object(&malware(1))),
        Submission::Rejected { id: Some("malware--bad".into()), version: None, message: "'is_family' is required".into() },
        Submission::Accepted(new_object(&malware(2))),
    ];
    let draft = StatusDraft { id: "6a3c9f36-5d5f-4f4e-9a0e-1d5b1f0f7c01".into(), account_id: acct.id, request_timestamp: Timestamp::now() };
    let res = store.add_objects(&coll.id, items, Some(draft)).await.unwrap();
    let status = res.status.unwrap();
    assert_eq!((status.total_count, status.success_count, status.failure_count), (3, 2, 1));
    assert_eq!(status.status, "complete");
    assert_eq!(status.failures[0].id, "malware--bad");
    assert!(status.failures[0].message.as_deref().unwrap().contains("is_family"));
    let page = store.objects(&coll.id, &ObjectFilter::default(), false).await.unwrap();
    assert_eq!(page.items.len(), 2, "the good objects are stored");
}

pub async fn status_is_private_to_its_author(store: &dyn Store) {
    let (acct, coll) = setup(store).await;
    let other = store.add_account("bob", Role::Analyst, hash(2)).await.unwrap();
    let draft = StatusDraft { id: "2b8f4f51-1c55-4d07-a3b1-0ab9f5d7b6b2".into(), account_id: acct.id, request_timestamp: Timestamp::now() };
    let res = store.add_objects(&coll.id, accepted(&[malware(1)]), Some(draft)).await.unwrap();
    let read = store.status("2b8f4f51-1c55-4d07-a3b1-0ab9f5d7b6b2", acct.id).await.unwrap().unwrap();
    assert_eq!(Some(read), res.status);
    assert!(store.status("2b8f4f51-1c55-4d07-a3b1-0ab9f5d7b6b2", other.id).await.unwrap().is_none());
    assert!(store.status("00000000-0000-4000-8000-000000000000", acct.id).await.unwrap().is_none());
}

pub async fn filters_combine_with_and_values_with_or(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    add(store, &coll, &[indicator(1, "2020-01-01T00:00:00.000Z"), malware(1), malware(2)]).await;
    let marker = store.objects(&coll.id, &ObjectFilter::default(), false).await.unwrap().items[2].date_added;
    add(store, &coll, &[indicator(2, "2020-01-01T00:00:00.000Z"), malware(3)]).await;

    let cid = coll.id.as_str();
    let q = |f: ObjectFilter| async move { all_pages(store, cid, f).await.into_iter().map(|o| o.id).collect::<Vec<_>>() };
    assert_eq!(q(ObjectFilter { types: vec!["malware".into()], ..Default::default() }).await.len(), 3);
    assert_eq!(q(ObjectFilter { types: vec!["malware".into(), "indicator".into()], ..Default::default() }).await.len(), 5);
    assert_eq!(q(ObjectFilter { added_after: Some(marker), ..Default::default() }).await.len(), 2);
    let ids = q(ObjectFilter { added_after: Some(marker), types: vec!["malware".into()], ..Default::default() }).await;
    assert_eq!(ids, vec!["malware--00000000-0000-4000-8000-000000000003".to_string()]);
    let ids = q(ObjectFilter {
        ids: vec!["malware--00000000-0000-4000-8000-000000000001".into(), "indicator--00000000-0000-4000-8000-000000000002".into()],
        ..Default::default()
    })
    .await;
    assert_eq!(ids.len(), 2);
    assert_eq!(q(ObjectFilter { spec_versions: vec!["2.0".into()], ..Default::default() }).await.len(), 0);
    assert_eq!(q(ObjectFilter { spec_versions: vec!["2.0".into(), "2.1".into()], ..Default::default() }).await.len(), 5);
    assert_eq!(q(ObjectFilter { types: vec!["tool".into()], ..Default::default() }).await.len(), 0);
}

pub async fn version_filters(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let stamps = ["2020-01-01T00:00:00.000Z", "2020-03-01T00:00:00.000Z", "2020-02-01T00:00:00.000Z"];
    // Posted out of order: first and last are by version, not by arrival.
    for s in stamps {
        add(store, &coll, &[indicator(1, s)]).await;
    }
    let cid = coll.id.as_str();
    let versions = |vf: VersionFilter| async move {
        all_pages(store, cid, ObjectFilter { versions: vf, ..Default::default() })
            .await
            .into_iter()
            .map(|o| version_text(&o.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(VersionFilter::last()).await, vec!["2020-03-01T00:00:00.000Z"]);
    assert_eq!(versions(VersionFilter { first: true, ..Default::default() }).await, vec!["2020-01-01T00:00:00.000Z"]);
    assert_eq!(versions(VersionFilter::all()).await.len(), 3);
    let at = VersionFilter { at: vec![Timestamp::parse("2020-02-01T00:00:00Z").unwrap()], ..Default::default() };
    assert_eq!(versions(at).await, vec!["2020-02-01T00:00:00.000Z"]);
    let both = VersionFilter { first: true, last: true, ..Default::default() };
    assert_eq!(versions(both).await.len(), 2);
}

pub async fn pagination_survives_concurrent_writes(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let batch: Vec<Value> = (0..25).map(malware).collect();
    add(store, &coll, &batch).await;
    let mut filter = ObjectFilter { limit: 5, ..Default::default() };
    let mut seen = Vec::new();
    let mut extra = 100;
    loop {
        let page = store.objects(&coll.id, &filter, false).await.unwrap();
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|o| o.id.clone()));
        // Writes between pages: new objects land after the cursor and are seen once.
        if extra < 103 && page.more {
            add(store, &coll, &[malware(extra)]).await;
            extra += 1;
        }
        match page.next() {
            Some(c) => filter.after = Some(c),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no object is returned twice");
    assert_eq!(extra, 103, "the writes happened while paging");
    assert_eq!(seen.len(), 25 + 3, "no object is skipped");
}

pub async fn date_added_strictly_increases(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let batch: Vec<Value> = (0..50).map(malware).collect();
    let (a, b) = tokio::join!(add(store, &coll, &batch[..25]), add(store, &coll, &batch[25..]));
    assert_eq!(a.len() + b.len(), 50);
    let all = all_pages(store, &coll.id, ObjectFilter { limit: 7, ..Default::default() }).await;
    assert_eq!(all.len(), 50);
    for w in all.windows(2) {
        assert!(w[0].date_added < w[1].date_added, "date_added must strictly increase in page order");
    }
    // added_after on the last item's date_added yields nothing; on the first, everything else.
    let f = ObjectFilter { added_after: Some(all[0].date_added), limit: 1000, ..Default::default() };
    assert_eq!(store.objects(&coll.id, &f, false).await.unwrap().items.len(), 49);
}

pub async fn delete_recomputes_first_and_last(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    for s in ["2020-01-01T00:00:00.000Z", "2020-02-01T00:00:00.000Z", "2020-03-01T00:00:00.000Z"] {
        add(store, &coll, &[indicator(1, s)]).await;
    }
    add(store, &coll, &[malware(1)]).await;
    let id = "indicator--00000000-0000-4000-8000-000000000001";
    let n = store.delete_object(&coll.id, id, &VersionFilter::last(), &[]).await.unwrap();
    assert_eq!(n, 1);
    let last = all_pages(store, &coll.id, ObjectFilter { ids: vec![id.into()], ..Default::default() }).await;
    assert_eq!(version_text(&last[0].version), "2020-02-01T00:00:00.000Z", "the previous version becomes the last");
    let n = store.delete_object(&coll.id, id, &VersionFilter::all(), &[]).await.unwrap();
    assert_eq!(n, 2);
    let rest = all_pages(store, &coll.id, ObjectFilter { versions: VersionFilter::all(), ..Default::default() }).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(store.delete_object(&coll.id, id, &VersionFilter::all(), &[]).await.unwrap(), 0);
}

pub async fn objects_without_version_get_one(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let sco = json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"});
    let out = add(store, &coll, std::slice::from_ref(&sco)).await;
    let Outcome::Added { version, .. } = &out[0] else { panic!("{out:?}") };
    let again = add(store, &coll, std::slice::from_ref(&sco)).await;
    assert!(matches!(&again[0], Outcome::Unchanged { version: v, .. } if v == version), "{again:?}");
    let mut changed = sco.clone();
    changed["x_note"] = json!("seen again");
    let third = add(store, &coll, &[changed]).await;
    assert!(matches!(&third[0], Outcome::Added { .. }), "a changed unversioned object is a new version");
    let page = store.objects(&coll.id, &ObjectFilter { versions: VersionFilter::all(), ..Default::default() }, false).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].version, page.items[0].date_added, "the server-chosen version is date_added");
}

pub async fn collections_are_isolated(store: &dyn Store) {
    let (_, c1) = setup(store).await;
    let c2 = store
        .add_collection(NewCollection {
            api_root: "default".into(),
            title: "other".into(),
            description: None,
            alias: None,
            readers: vec!["alice".into()],
            writers: vec!["alice".into()],
        })
        .await
        .unwrap();
    add(store, &c1, &[malware(1)]).await;
    let mut changed = malware(1);
    changed["name"] = json!("different in another collection");
    let out = add(store, &c2, &[changed]).await;
    assert!(matches!(&out[0], Outcome::Added { .. }), "the same id and version in another collection is independent");
    assert_eq!(store.objects(&c1.id, &ObjectFilter::default(), true).await.unwrap().items.len(), 1);
    store.delete_object(&c2.id, "malware--00000000-0000-4000-8000-000000000001", &VersionFilter::all(), &[]).await.unwrap();
    assert_eq!(store.objects(&c1.id, &ObjectFilter::default(), false).await.unwrap().items.len(), 1);
}

pub async fn pages_are_bounded_in_bytes(store: &dyn Store) {
    let (_, coll) = setup(store).await;
    let big: Vec<Value> = (0..10)
        .map(|n| {
            let mut m = malware(n);
            m["description"] = json!("x".repeat(1000));
            m
        })
        .collect();
    add(store, &coll, &big).await;
    let filter = ObjectFilter { limit: 100, max_bytes: 2500, ..Default::default() };
    let page = store.objects(&coll.id, &filter, true).await.unwrap();
    assert_eq!(page.items.len(), 2, "a page stops before its bodies exceed the byte budget");
    assert!(page.more);
    let tiny = ObjectFilter { limit: 100, max_bytes: 1, ..Default::default() };
    assert_eq!(store.objects(&coll.id, &tiny, true).await.unwrap().items.len(), 1, "a page holds at least one object");
    let all = all_pages(store, &coll.id, filter).await;
    assert_eq!(all.len(), 10);
}

fn profile(name: &str) -> PartnerProfile {
    PartnerProfile {
        name: name.into(),
        title: format!("{name} service"),
        identity_id: "identity--0f5a1f4e-7d3c-4b6a-9e2f-1c2d3e4f5a6b".into(),
        country: "SYR".into(),
        sectors: vec!["government".into()],
        trust_tier: 4,
        flags: vec![RelationshipFlag::NotRecognised],
        clients: vec![],
        communities: vec![],
    }
}

pub async fn partners_lifecycle(store: &dyn Store) {
    let p = store.add_partner(profile("syria-gsd")).await.unwrap();
    assert!(!p.removed);
    assert!(matches!(store.add_partner(profile("syria-gsd")).await, Err(StoreError::Conflict(_))));
    let coll = store.collection(&p.collection_id).await.unwrap().unwrap();
    assert_eq!(coll.api_root, PARTNER_API_ROOT);

    let member = store.add_partner_member("syria-gsd", "gsd-liaison", hash(7)).await.unwrap();
    assert_eq!(member.role, Role::PartnerMember);
    assert!(matches!(store.add_partner_member("syria-gsd", "gsd-liaison", hash(8)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.add_partner_member("nobody", "x-liaison", hash(9)).await, Err(StoreError::NotFound(_))));
    let (_, access) = store.collection_for(member.id, PARTNER_API_ROOT, &p.collection_id).await.unwrap().unwrap();
    assert_eq!(access, Access { can_read: true, can_write: true }, "members read their deliveries and post feedback");
    assert_eq!(member.partner.as_ref().map(|p| p.name.as_str()), Some("syria-gsd"));
    let signed_in = store.account_by_secret(&hash(7)).await.unwrap().unwrap();
    assert_eq!(signed_in, member, "the member's account is read with its partner's profile");
    assert_eq!(store.account_by_name("gsd-liaison").await.unwrap().unwrap().0, member);
    assert_eq!(store.partner("syria-gsd").await.unwrap().unwrap().members, vec!["gsd-liaison".to_string()]);

    let mut changed = profile("syria-gsd");
    changed.trust_tier = 3;
    changed.flags.push(RelationshipFlag::Designated);
    let updated = store.update_partner(changed).await.unwrap();
    assert_eq!(updated.profile.trust_tier, 3);
    assert_eq!(updated.collection_id, p.collection_id, "the delivery collection stays");
    let signed_in = store.account_by_secret(&hash(7)).await.unwrap().unwrap();
    assert_eq!(signed_in.partner.map(|p| p.trust_tier), Some(3), "an update counts at the member's next request");

    store.add_partner(profile("other")).await.unwrap();
    store.remove_partner("syria-gsd").await.unwrap();
    assert!(store.account_by_secret(&hash(7)).await.unwrap().is_none(), "removing a partner revokes its members at once");
    assert!(store.collection_for(member.id, PARTNER_API_ROOT, &p.collection_id).await.unwrap().is_none());
    let all = store.partners().await.unwrap();
    assert_eq!(all.len(), 2, "a removed partner stays on record");
    assert!(all.iter().find(|x| x.profile.name == "syria-gsd").unwrap().removed);
    assert!(matches!(store.remove_partner("syria-gsd").await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.add_partner_member("syria-gsd", "late", hash(10)).await, Err(StoreError::NotFound(_))));
}

fn release_record(partner: &str, n: u32, sources: &[&str], objects: &[Value]) -> ReleaseRecord {
    let manifest_id = format!("report--00000000-0000-4000-8000-{n:012}");
    let bundle = serde_json::to_vec(&json!({"type": "bundle", "id": format!("bundle--00000000-0000-4000-8000-{n:012}"), "objects": objects})).unwrap();
    ReleaseRecord {
        manifest_id,
        partner: partner.into(),
        content_hash: format!("sha256:{n:064}"),
        bundle_sha256: format!("{n:064}"),
        bundle,
        key_id: "ed25519:0011223344556677".into(),
        author: "ann".into(),
        approver: "rob".into(),
        justification: None,
        created: format!("2025-01-09T12:00:{n:02}.000000Z"),
        state: ReleaseState::Active,
        supersedes: None,
        id_map: sources.iter().enumerate().map(|(i, s)| (s.to_string(), format!("malware--10000000-0000-4000-8000-{n:06}{i:06}"))).collect(),
        removals: json!([{"source_id": sources[0], "path": "description", "reason": "source-protection"}]),
        findings: json!([]),
        overrides: json!([]),
        object_ids: objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect(),
        variant_map: None,
    }
}

fn manifest_report(n: u32, refs: &[&str]) -> Value {
    json!({"type": "report", "spec_version": "2.1", "id": format!("report--00000000-0000-4000-8000-{n:012}"),
           "created": "2025-01-09T12:00:00.000Z", "modified": "2025-01-09T12:00:00.000Z", "name": "Release",
           "published": "2025-01-09T12:00:00.000Z", "object_refs": refs})
}

pub async fn releases_publish_atomically_and_stay_immutable(store: &dyn Store) {
    let p = store.add_partner(profile("syria-gsd")).await.unwrap();
    store.add_partner(profile("other")).await.unwrap();
    let coll = p.collection_id.clone();
    let m1 = malware(101);
    let r1 = manifest_report(1, &[m1["id"].as_str().unwrap()]);
    let objs = vec![r1.clone(), m1.clone()];
    let rec = release_record("syria-gsd", 1, &["indicator--aaaaaaaa-0000-4000-8000-000000000001", "indicator--aaaaaaaa-0000-4000-8000-000000000002"], &objs);
    let res = store.add_release(rec.clone(), accepted(&objs)).await.unwrap();
    assert!(res.outcomes.iter().all(Outcome::is_success));
    let delivered = all_pages(store, &coll, ObjectFilter::default()).await;
    assert_eq!(delivered.len(), 2, "the release's objects are in the partner's delivery collection");

    let back = store.release(&rec.manifest_id).await.unwrap().unwrap();
    assert_eq!(back, rec, "a release round-trips, bundle bytes exactly");
    assert!(store.release("report--99999999-0000-4000-8000-000000000000").await.unwrap().is_none());
    assert_eq!(store.releases(Some("syria-gsd")).await.unwrap().len(), 1);
    assert!(store.releases(Some("other")).await.unwrap().is_empty());
    assert_eq!(store.releases(None).await.unwrap().len(), 1);
    let from = store.releases_from_source("indicator--aaaaaaaa-0000-4000-8000-000000000002").await.unwrap();
    assert_eq!(from.iter().map(|r| r.manifest_id.as_str()).collect::<Vec<_>>(), vec![rec.manifest_id.as_str()]);
    assert!(store.releases_from_source("indicator--aaaaaaaa-0000-4000-8000-000000000003").await.unwrap().is_empty());
    let ids = store.released_object_ids("syria-gsd").await.unwrap();
    assert!(ids.contains(&r1["id"].as_str().unwrap().to_owned()) && ids.contains(&m1["id"].as_str().unwrap().to_owned()));
    assert!(store.released_object_ids("other").await.unwrap().is_empty());
    let mut probe = ids.clone();
    probe.push("indicator--00000000-0000-4000-8000-999999999999".into());
    let mut among = store.released_among("syria-gsd", &probe).await.unwrap();
    among.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(among, want, "released_among answers for exactly the ids asked that were released");
    assert!(store.released_among("other", &probe).await.unwrap().is_empty());

    // The same manifest id again: a conflict, nothing written.
    let mut again = rec.clone();
    again.bundle = b"{}".to_vec();
    assert!(matches!(store.add_release(again, accepted(&[malware(102)])).await, Err(StoreError::Conflict(_))));
    assert_eq!(all_pages(store, &coll, ObjectFilter::default()).await.len(), 2, "a refused release publishes nothing");
    assert_eq!(store.release(&rec.manifest_id).await.unwrap().unwrap().bundle, rec.bundle, "a release never changes");

    // An object that conflicts with a delivered one fails the whole release.
    let mut clash = m1.clone();
    clash["name"] = json!("different content, same version");
    let bad = release_record("syria-gsd", 2, &["indicator--aaaaaaaa-0000-4000-8000-000000000009"], &[manifest_report(2, &[]), clash.clone()]);
    assert!(matches!(store.add_release(bad.clone(), accepted(&[manifest_report(2, &[m1["id"].as_str().unwrap()]), clash])).await, Err(StoreError::Conflict(_))));
    assert!(store.release(&bad.manifest_id).await.unwrap().is_none(), "no record without its publication");
    assert!(store.releases_from_source("indicator--aaaaaaaa-0000-4000-8000-000000000009").await.unwrap().is_empty());
    assert_eq!(all_pages(store, &coll, ObjectFilter::default()).await.len(), 2);

    // Unknown partner, removed partner.
    assert!(matches!(store.add_release(release_record("nobody", 3, &["x--1"], &[]), vec![]).await, Err(StoreError::NotFound(_))));

    // A correction supersedes, in the same transaction; only an active release can be superseded.
    let m3 = malware(103);
    let mut fix = release_record("syria-gsd", 4, &["indicator--aaaaaaaa-0000-4000-8000-000000000001"], &[manifest_report(4, &[m3["id"].as_str().unwrap()]), m3.clone()]);
    fix.supersedes = Some(rec.manifest_id.clone());
    let mut wrong_partner = fix.clone();
    wrong_partner.partner = "other".into();
    wrong_partner.manifest_id = "report--00000000-0000-4000-8000-000000000005".into();
    assert!(matches!(store.add_release(wrong_partner, vec![]).await, Err(StoreError::Invalid(_))));
    store.add_release(fix.clone(), accepted(&[manifest_report(4, &[m3["id"].as_str().unwrap()]), m3])).await.unwrap();
    assert_eq!(store.release(&rec.manifest_id).await.unwrap().unwrap().state, ReleaseState::Superseded);
    assert_eq!(store.release(&fix.manifest_id).await.unwrap().unwrap().state, ReleaseState::Active);
    let mut twice = fix.clone();
    twice.manifest_id = "report--00000000-0000-4000-8000-000000000006".into();
    twice.supersedes = Some(rec.manifest_id.clone());
    assert!(matches!(store.add_release(twice, vec![]).await, Err(StoreError::Invalid(_))), "a superseded release cannot be superseded again");
    assert_eq!(store.releases_from_source("indicator--aaaaaaaa-0000-4000-8000-000000000001").await.unwrap().len(), 2);

    // A recall publishes its notice with the state change; states only move forward.
    let note = json!({"type": "note", "spec_version": "2.1", "id": "note--00000000-0000-4000-8000-000000000007",
        "created": "2025-01-10T00:00:00.000Z", "modified": "2025-01-10T00:00:00.000Z", "content": "recalled", "object_refs": [fix.manifest_id]});
    store.set_release_state(&fix.manifest_id, ReleaseState::Recalled, accepted(std::slice::from_ref(&note))).await.unwrap();
    assert_eq!(store.release(&fix.manifest_id).await.unwrap().unwrap().state, ReleaseState::Recalled);
    assert!(store.released_object_ids("syria-gsd").await.unwrap().contains(&"note--00000000-0000-4000-8000-000000000007".to_owned()));
    assert!(matches!(store.set_release_state(&fix.manifest_id, ReleaseState::Active, vec![]).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.set_release_state(&fix.manifest_id, ReleaseState::Recalled, vec![]).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.set_release_state("report--99999999-0000-4000-8000-000000000000", ReleaseState::Recalled, vec![]).await, Err(StoreError::NotFound(_))));
    store.set_release_state(&rec.manifest_id, ReleaseState::Recalled, vec![]).await.unwrap();
    let all = store.releases(Some("syria-gsd")).await.unwrap();
    assert_eq!(all.iter().map(|r| r.state).collect::<Vec<_>>(), vec![ReleaseState::Recalled, ReleaseState::Recalled]);
    assert!(all.iter().all(|r| !r.removals.is_null()), "internal explanations stay on record");

    store.remove_partner("syria-gsd").await.unwrap();
    assert!(matches!(store.add_release(release_record("syria-gsd", 8, &["x--1"], &[]), vec![]).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.releases(Some("syria-gsd")).await.unwrap().len(), 2, "what a removed partner received stays on record");
}

async fn whole_ledger(store: &dyn Store) -> Vec<LedgerEntry> {
    let mut out: Vec<LedgerEntry> = Vec::new();
    loop {
        let page = store.ledger_entries(&LedgerQuery { after: out.last().map_or(0, |e| e.seq), limit: 3, ..Default::default() }).await.unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

pub async fn every_change_is_one_chained_ledger_entry(store: &dyn Store) {
    use crate::ledger::{acting, verify_entries};
    assert_eq!(store.ledger_head().await.unwrap(), Head::default(), "a new database has an empty chain");
    acting("alice", store.add_account("ann", Role::Analyst, hash(1))).await.unwrap();
    store.set_account_secret("ann", hash(2)).await.unwrap();
    let coll = store.add_collection(NewCollection { api_root: "r".into(), title: "t".into(), readers: vec!["ann".into()], ..Default::default() }).await.unwrap();
    store.set_grant(&coll.id, "ann", Access { can_read: true, can_write: true }).await.unwrap();
    let objs = [indicator(1, "2025-01-01T00:00:00.000Z"), indicator(2, "2025-01-01T00:00:00.000Z")];
    acting("ann", store.add_objects(&coll.id, accepted(&objs), None)).await.unwrap();
    // A re-post changes nothing, so it records nothing.
    store.add_objects(&coll.id, accepted(&objs), None).await.unwrap();
    let id = objs[0]["id"].as_str().unwrap();
    assert_eq!(store.delete_object(&coll.id, id, &VersionFilter::all(), &[]).await.unwrap(), 1);
    store.add_partner(profile("syria-gsd")).await.unwrap();
    store.add_partner_member("syria-gsd", "sg1", hash(3)).await.unwrap();
    let m = malware(201);
    let rec = release_record("syria-gsd", 21, &["indicator--aaaaaaaa-0000-4000-8000-000000000001"], &[manifest_report(21, &[m["id"].as_str().unwrap()]), m.clone()]);
    acting("rob", store.add_release(rec.clone(), accepted(&[manifest_report(21, &[m["id"].as_str().unwrap()]), m]))).await.unwrap();
    store.set_release_state(&rec.manifest_id, ReleaseState::Recalled, vec![]).await.unwrap();
    store.disable_account("ann").await.unwrap();
    store.remove_partner("syria-gsd").await.unwrap();
    let extra = store.ledger_append(LedgerDraft { actor: "system".into(), kind: "policy.load".into(), subject: "lints.toml".into(), detail: "{}".into() }).await.unwrap();

    let entries = whole_ledger(store).await;
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "account.add", "account.secret", "collection.add", "grant.set", "ingest", "object.delete", "partner.add",
            "partner.member.add", "release.approve", "release.state", "account.disable", "partner.remove", "policy.load"
        ]
    );
    assert_eq!(entries[0].actor, "alice", "the actor is the account on whose authority the change was made");
    assert_eq!(entries[1].actor, crate::ledger::OPERATOR);
    assert_eq!(entries[4].actor, "ann");
    assert_eq!(entries[8].actor, "rob");
    assert_eq!(entries[8].subject, rec.manifest_id);
    let detail: Value = serde_json::from_str(&entries[8].detail).unwrap();
    assert_eq!(detail["bundle_sha256"], json!(rec.bundle_sha256), "a release entry names the exact bytes by hash");
    assert_eq!(detail["approver"], json!("rob"));
    let ingest: Value = serde_json::from_str(&entries[4].detail).unwrap();
    assert_eq!(ingest["added"], json!(2));
    assert_eq!(extra.seq, entries.len() as i64);
    let head = verify_entries(Head::default(), &entries).expect("the chain verifies");
    assert_eq!(head, store.ledger_head().await.unwrap());
    let about = store.ledger_entries(&LedgerQuery { subject: Some(rec.manifest_id.clone()), ..Default::default() }).await.unwrap();
    assert_eq!(about.len(), 2, "entries can be asked for by subject");
    let releases = store.ledger_entries(&LedgerQuery { kind_prefix: Some("release.".into()), ..Default::default() }).await.unwrap();
    assert_eq!(releases.len(), 2, "and by kind prefix");
}

pub async fn failed_changes_leave_no_entry(store: &dyn Store) {
    store.add_account("ann", Role::Analyst, hash(1)).await.unwrap();
    let before = store.ledger_head().await.unwrap();
    assert!(store.add_account("ann", Role::Analyst, hash(2)).await.is_err());
    assert!(store.set_account_secret("nobody", hash(3)).await.is_err());
    assert!(store.add_release(release_record("nobody", 3, &["x--1"], &[]), vec![]).await.is_err());
    assert!(store.add_collection(NewCollection { api_root: "r".into(), title: "t".into(), readers: vec!["ghost".into()], ..Default::default() }).await.is_err());
    assert_eq!(store.ledger_head().await.unwrap(), before, "no entry without its change");
    // Concurrent writers, some failing: the chain stays one unbroken sequence.
    let mut tasks = Vec::new();
    for i in 0..24u8 {
        let name = if i % 3 == 0 { "ann".to_owned() } else { format!("user{i}") };
        tasks.push(async move { (i, store.add_account(&name, Role::Analyst, hash(10 + i)).await.is_ok()) });
    }
    let results = join_all(tasks).await;
    let ok = results.iter().filter(|(_, ok)| *ok).count() as i64;
    let entries = whole_ledger(store).await;
    assert_eq!(entries.len() as i64, before.seq + ok);
    crate::ledger::verify_entries(Head::default(), &entries).expect("the chain verifies after concurrent writes");
}

/// Polls every future together until all are done (the store sees them concurrently).
async fn join_all<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    out.into_iter().map(|o| o.expect("every future finished")).collect()
}

pub async fn checkpoints_and_archived_segments(store: &dyn Store) {
    for i in 0..5u8 {
        store.add_account(&format!("a{i}"), Role::Analyst, hash(i)).await.unwrap();
    }
    let entries = whole_ledger(store).await;
    let third = &entries[2];
    let cp = Checkpoint { seq: third.seq, hash: third.hash, at: 1, key_id: "ed25519:00".into(), signature: "sig".into() };
    let mut wrong = cp.clone();
    wrong.hash = [7; 32];
    assert!(matches!(store.add_checkpoint(wrong).await, Err(StoreError::Invalid(_))), "a checkpoint must match its entry");
    store.add_checkpoint(cp.clone()).await.unwrap();
    assert_eq!(store.checkpoints().await.unwrap(), vec![cp.clone()]);

    // Only a sealed segment starting at the first entry can leave.
    let unsealed = ArchivedSegment { first: 1, last: 4, last_hash: entries[3].hash, file_sha256: "f".into(), at: 2 };
    assert!(matches!(store.archive_ledger(unsealed).await, Err(StoreError::Invalid(_))));
    let late_start = ArchivedSegment { first: 2, last: 3, last_hash: third.hash, file_sha256: "f".into(), at: 2 };
    assert!(matches!(store.archive_ledger(late_start).await, Err(StoreError::Invalid(_))));
    let seg = ArchivedSegment { first: 1, last: 3, last_hash: third.hash, file_sha256: "f".into(), at: 2 };
    store.archive_ledger(seg.clone()).await.unwrap();
    assert_eq!(store.ledger_segments().await.unwrap(), vec![seg]);
    let rest = whole_ledger(store).await;
    assert_eq!(rest.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
    let start = Head { seq: 3, hash: third.hash };
    crate::ledger::verify_entries(start, &rest).expect("the rest continues from the archived segment's head");
    store.add_account("late", Role::Analyst, hash(40)).await.unwrap();
    assert_eq!(store.ledger_head().await.unwrap().seq, 6);
}

pub async fn first_retrievals_are_recorded_once(store: &dyn Store) {
    let r = |m: &str, a: &str, at: i64| Retrieval { manifest_id: m.into(), account: a.into(), at };
    let first = store.record_retrievals(vec![r("report--1", "sg1", 10), r("report--1", "sg2", 11)]).await.unwrap();
    assert_eq!(first.len(), 2);
    let again = store.record_retrievals(vec![r("report--1", "sg1", 20), r("report--2", "sg1", 21)]).await.unwrap();
    assert_eq!(again, vec![r("report--2", "sg1", 21)], "only first reads are recorded");
    assert_eq!(store.retrievals(Some("report--1")).await.unwrap(), vec![r("report--1", "sg1", 10), r("report--1", "sg2", 11)]);
    assert_eq!(store.retrievals(None).await.unwrap().len(), 3);
    let entries = store.ledger_entries(&LedgerQuery { kind_prefix: Some("release.retrieved".into()), ..Default::default() }).await.unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].actor, "sg1");
}

pub async fn cases_are_versioned_with_their_events(store: &dyn Store) {
    let event = |kind: &str, at: i64| CaseEvent { at, actor: "ann".into(), kind: kind.into(), detail: json!({"note": kind}) };
    let w = |version: i64, state: &str, kind: &str, at: i64| CaseWrite {
        id: "case-1".into(),
        expected_version: version,
        state: state.into(),
        body: json!({"state": state, "at": at}),
        event: event(kind, at),
    };
    let row = store.put_case(w(0, "open", "open", 100)).await.unwrap();
    assert_eq!((row.version, row.state.as_str(), row.created, row.updated), (1, "open", 100, 100));
    assert!(matches!(store.put_case(w(0, "open", "open", 101)).await, Err(StoreError::Conflict(_))), "a case is created once");
    let row = store.put_case(w(1, "warned", "decide", 200)).await.unwrap();
    assert_eq!((row.version, row.created, row.updated), (2, 100, 200));
    assert!(matches!(store.put_case(w(1, "waived", "decide", 201)).await, Err(StoreError::Conflict(_))), "a stale version is refused");
    assert_eq!(store.case("case-1").await.unwrap().unwrap().body, json!({"state": "warned", "at": 200}));
    assert!(store.case("case-2").await.unwrap().is_none());
    assert_eq!(store.cases().await.unwrap().len(), 1);
    let events = store.case_events("case-1").await.unwrap();
    assert_eq!(events, vec![event("open", 100), event("decide", 200)]);
    let entries = store.ledger_entries(&LedgerQuery { subject: Some("case-1".into()), ..Default::default() }).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["case.open", "case.decide"]);

    // Variant maps are kept apart from releases and never read back with them.
    store.add_partner(profile("syria-gsd")).await.unwrap();
    let m = malware(301);
    let mut rec = release_record("syria-gsd", 31, &["indicator--aaaaaaaa-0000-4000-8000-000000000001"], &[manifest_report(31, &[m["id"].as_str().unwrap()]), m.clone()]);
    rec.variant_map = Some("{\"slots\":[1,0,1]}".into());
    store.add_release(rec.clone(), accepted(&[manifest_report(31, &[m["id"].as_str().unwrap()]), m])).await.unwrap();
    assert_eq!(store.release(&rec.manifest_id).await.unwrap().unwrap().variant_map, None);
    let maps = store.variant_maps().await.unwrap();
    assert_eq!(maps, vec![VariantMapRow { manifest_id: rec.manifest_id.clone(), partner: "syria-gsd".into(), body: "{\"slots\":[1,0,1]}".into() }]);
}

/// For the backends' migration tests: a release, its recall (notice and revoked version) and a
/// forged later version of a released id, in a partner's delivery collection. Returns the
/// collection id, the manifest id and the page's decisions the backfill must reproduce.
pub async fn publications_to_backfill(store: &dyn Store) -> (String, String, Vec<(String, String, RowDecision)>) {
    let p = store.add_partner(profile("syria-gsd")).await.unwrap();
    let mut a = malware(501);
    a["modified"] = json!("2020-01-01T00:00:00.5Z");
    let r = manifest_report(51, &[a["id"].as_str().unwrap()]);
    let objs = vec![r.clone(), a.clone()];
    let rec = release_record("syria-gsd", 51, &["indicator--aaaaaaaa-0000-4000-8000-000000000001"], &objs);
    store.add_release(rec.clone(), accepted(&objs)).await.unwrap();
    let mut forged = a.clone();
    forged["modified"] = json!("2030-01-01T00:00:00Z");
    store.add_objects(&p.collection_id, accepted(&[forged]), None).await.unwrap();
    let notice = json!({"type": "note", "spec_version": "2.1", "id": "note--00000000-0000-4000-8000-000000000051",
        "created": "2025-01-10T00:00:00.000Z", "modified": "2025-01-10T00:00:00.000Z", "content": "recalled", "object_refs": [rec.manifest_id]});
    let mut revoked = a.clone();
    revoked["modified"] = json!("2025-01-10T00:00:00.123456Z");
    revoked["revoked"] = json!(true);
    store.set_release_state(&rec.manifest_id, ReleaseState::Recalled, accepted(&[notice, revoked])).await.unwrap();
    let read = PartnerRead { partner: "syria-gsd".into(), fingerprint: "f".into() };
    let all = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
    let page = store.partner_objects(&p.collection_id, &all, false, &read).await.unwrap();
    let rows = page.page.items.iter().zip(page.rows).map(|(o, d)| (o.id.clone(), version_text(&o.version), d)).collect::<Vec<_>>();
    let m = RowDecision::Live(vec![rec.manifest_id.clone()]);
    let none = RowDecision::Live(vec![]);
    assert_eq!(rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(), vec![m.clone(), m.clone(), none, m.clone(), m], "{rows:?}");
    (p.collection_id, rec.manifest_id, rows)
}

pub async fn partner_pages_carry_publications_by_version_and_stored_admissions(store: &dyn Store) {
    let p = store.add_partner(profile("syria-gsd")).await.unwrap();
    store.add_partner(profile("other")).await.unwrap();
    let coll = p.collection_id.clone();
    let (a, b, shared) = (malware(401), malware(402), malware(403));
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let r1 = manifest_report(41, &[&id(&a), &id(&shared)]);
    let r2 = manifest_report(42, &[&id(&b), &id(&shared)]);
    let one = vec![r1.clone(), a.clone(), shared.clone()];
    let two = vec![r2.clone(), b.clone(), shared.clone()];
    let src = ["indicator--aaaaaaaa-0000-4000-8000-000000000001"];
    store.add_release(release_record("syria-gsd", 41, &src, &one), accepted(&one)).await.unwrap();
    store.add_release(release_record("syria-gsd", 42, &src, &two), accepted(&two)).await.unwrap();
    let (m1, m2) = (id(&r1), id(&r2));
    // Another version of a released id, stored in the delivery collection by someone else
    // (a partner member's post): the id was released, this version was not.
    let mut forged = a.clone();
    forged["modified"] = json!("2030-01-01T00:00:00.000Z");
    forged["name"] = json!("not what was released");
    store.add_objects(&coll, accepted(&[forged.clone(), malware(404)]), None).await.unwrap();

    let read = PartnerRead { partner: "syria-gsd".into(), fingerprint: "f1".into() };
    let all = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
    let page = store.partner_objects(&coll, &all, true, &read).await.unwrap();
    assert_eq!(page.page, store.objects(&coll, &all, true).await.unwrap(), "the same page as objects()");
    assert_eq!(page.rows.len(), page.page.items.len());
    let by_row: Vec<(String, String, RowDecision)> =
        page.page.items.iter().zip(&page.rows).map(|(o, d)| (o.id.clone(), version_text(&o.version), d.clone())).collect();
    let live = |ms: &[&String]| RowDecision::Live(ms.iter().map(|m| (*m).clone()).collect());
    let want = vec![
        (m1.clone(), "2025-01-09T12:00:00.000Z".to_owned(), live(&[&m1])),
        (id(&a), "2020-01-01T00:00:00.000Z".to_owned(), live(&[&m1])),
        (id(&shared), "2020-01-01T00:00:00.000Z".to_owned(), live(&[&m1, &m2])),
        (m2.clone(), "2025-01-09T12:00:00.000Z".to_owned(), live(&[&m2])),
        (id(&b), "2020-01-01T00:00:00.000Z".to_owned(), live(&[&m2])),
        (id(&a), "2030-01-01T00:00:00.000Z".to_owned(), live(&[])),
        (id(&malware(404)), "2020-01-01T00:00:00.000Z".to_owned(), live(&[])),
    ];
    assert_eq!(by_row, want, "each row carries the releases of exactly its (id, version), sorted; another version of a released id carries none");
    let other = PartnerRead { partner: "other".into(), fingerprint: "f1".into() };
    let theirs = store.partner_objects(&coll, &all, false, &other).await.unwrap();
    assert!(theirs.rows.iter().all(|d| *d == RowDecision::Live(vec![])), "another partner's releases are not this one's");
    assert!(theirs.page.items.iter().all(|o| o.body.is_none()));

    // Stored admissions count under their fingerprint only, and are replaced, not added.
    let cursor = |i: usize| page.page.items[i].cursor;
    store.record_admissions(&read, &coll, vec![(cursor(0), vec![m1.clone()]), (cursor(2), vec![])]).await.unwrap();
    store.record_admissions(&read, "00000000-0000-4000-8000-000000000000", vec![(cursor(1), vec![])]).await.unwrap();
    store.record_admissions(&PartnerRead { partner: "syria-gsd".into(), fingerprint: String::new() }, &coll, vec![(cursor(1), vec![])]).await.unwrap();
    let again = store.partner_objects(&coll, &all, true, &read).await.unwrap();
    assert_eq!(again.rows[0], RowDecision::Admitted(vec![m1.clone()].into()));
    assert_eq!(again.rows[1], live(&[&m1]), "an unknown collection or an empty fingerprint stores nothing");
    assert_eq!(again.rows[2], RowDecision::Admitted(Vec::new().into()));
    assert_eq!(again.rows[3..], want[3..].iter().map(|w| w.2.clone()).collect::<Vec<_>>()[..]);
    let stale = PartnerRead { partner: "syria-gsd".into(), fingerprint: "f2".into() };
    assert_eq!(store.partner_objects(&coll, &all, true, &stale).await.unwrap().rows, want.iter().map(|w| w.2.clone()).collect::<Vec<_>>(), "another fingerprint: decide live");
    assert_eq!(store.partner_objects(&coll, &all, true, &other).await.unwrap().rows[0], RowDecision::Live(vec![]), "another partner's admissions are not this one's");
    store.record_admissions(&stale, &coll, vec![(cursor(0), vec![m1.clone(), m2.clone()])]).await.unwrap();
    assert_eq!(store.partner_objects(&coll, &all, true, &read).await.unwrap().rows[0], live(&[&m1]), "a newer decision replaces the older");
    assert_eq!(store.partner_objects(&coll, &all, true, &stale).await.unwrap().rows[0], RowDecision::Admitted(vec![m1.clone(), m2.clone()].into()));
    // Each partner's admission of a row stands beside the others'.
    store.record_admissions(&other, &coll, vec![(cursor(0), vec![])]).await.unwrap();
    assert_eq!(store.partner_objects(&coll, &all, true, &other).await.unwrap().rows[0], RowDecision::Admitted(Vec::new().into()));
    assert_eq!(
        store.partner_objects(&coll, &all, true, &stale).await.unwrap().rows[0],
        RowDecision::Admitted(vec![m1.clone(), m2.clone()].into()),
        "another partner's admission does not replace this one's"
    );
    // Filters and paging are those of objects(); a deleted row takes its admission with it.
    let one_id = ObjectFilter { ids: vec![id(&shared)], ..Default::default() };
    let shared_page = store.partner_objects(&coll, &one_id, true, &read).await.unwrap();
    assert_eq!((shared_page.page.items.len(), &shared_page.rows[..]), (1, &[RowDecision::Admitted(Vec::new().into())][..]));
    assert_eq!(store.delete_object(&coll, &m1, &VersionFilter::all(), &[]).await.unwrap(), 1);
    let after = store.partner_objects(&coll, &all, true, &stale).await.unwrap();
    assert!(after.rows.iter().all(|d| !matches!(d, RowDecision::Admitted(_))), "{:?}", after.rows);
    assert!(store.partner_objects("00000000-0000-4000-8000-000000000000", &all, true, &read).await.unwrap().page.items.is_empty());
    // The id-level questions answer for any version.
    let mut among = store.released_among("syria-gsd", &[id(&a), id(&malware(404))]).await.unwrap();
    among.sort();
    assert_eq!(among, vec![id(&a)]);
}
