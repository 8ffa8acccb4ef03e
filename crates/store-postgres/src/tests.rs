//! Tests against a real PostgreSQL, named by `TEARLINE_TEST_DATABASE_URL`. Each test uses a
//! fresh schema, dropped when it ends. Without the variable the tests pass trivially (and say
//! so); with it set and the database unreachable they fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use tearline_store::testsuite::new_object;

use super::*;

const URL_VAR: &str = "TEARLINE_TEST_DATABASE_URL";

fn test_url() -> Option<String> {
    let url = std::env::var(URL_VAR).ok().filter(|u| !u.trim().is_empty());
    if url.is_none() {
        eprintln!("{URL_VAR} is not set: skipping this PostgreSQL test");
    }
    url
}

fn unique_schema(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A plain connection outside any store, for set-up and inspection.
async fn raw_client(url: &str) -> tokio_postgres::Client {
    let config = parse_url(url).unwrap();
    let (client, conn) = config
        .connect(NoTls)
        .await
        .unwrap_or_else(|e| panic!("{URL_VAR} is set, but PostgreSQL at {} cannot be reached: {e}", describe(&config)));
    tokio::spawn(conn);
    client
}

/// Drops its schema when the test ends, even after a failure.
struct SchemaGuard {
    url: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Dropped inside the test's runtime: clean up on a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let Ok(config) = parse_url(&url) else { return };
                if let Ok((client, conn)) = config.connect(NoTls).await {
                    let task = tokio::spawn(conn);
                    // The test's own connections may be stranded in a transaction (its runtime
                    // is blocked in this drop): end them first so that nothing holds a lock.
                    let _ = client
                        .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", &[&schema])
                        .await;
                    let _ = client.batch_execute(&format!("SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).await;
                    drop(client);
                    let _ = task.await;
                }
            });
        })
        .join();
    }
}

/// `url` with its connections named after `schema`, so that [`SchemaGuard`] can end them.
fn named(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}application_name={schema}")
}

/// A store in `schema`, its connections named after the schema.
async fn open(url: &str, schema: &str) -> PgStore {
    PgStore::connect_with(&named(url, schema), PgOptions { schema: Some(schema.to_owned()), max_connections: 4, ..PgOptions::default() })
        .await
        .unwrap_or_else(|e| panic!("{URL_VAR} is set, but the PostgreSQL store cannot be opened: {e}"))
}

/// A store in a fresh schema, or `None` (skip) without a test database.
async fn fresh() -> Option<(SchemaGuard, PgStore, String)> {
    let url = test_url()?;
    let schema = unique_schema("tl_test");
    let guard = SchemaGuard { url: url.clone(), schema: schema.clone() };
    let store = open(&url, &schema).await;
    Some((guard, store, url))
}

mod conformance {
    use super::*;

    tearline_store::store_test_suite!({
        let Some((guard, store, _)) = fresh().await else { return };
        std::future::ready((guard, Box::new(store) as Box<dyn Store>))
    });
}

fn indicator(n: u32) -> serde_json::Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": format!("indicator {n}"), "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
    })
}

fn batch(range: std::ops::Range<u32>) -> Vec<Submission> {
    range.map(|n| Submission::Accepted(new_object(&indicator(n)))).collect()
}

async fn collection(store: &PgStore) -> Collection {
    store.add_account("alice", Role::Analyst, [1; 32]).await.unwrap();
    store
        .add_collection(NewCollection {
            api_root: "default".into(),
            title: "shared".into(),
            description: None,
            alias: None,
            readers: vec!["alice".into()],
            writers: vec!["alice".into()],
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn unreachable_or_malformed_databases_are_refused_clearly() {
    // No PostgreSQL needed: nothing listens on port 1.
    match PgStore::connect("postgres://tearline:secret@127.0.0.1:1/none?connect_timeout=2").await {
        Err(StoreError::Unavailable(m)) => {
            assert!(m.contains("127.0.0.1:1"), "{m}");
            assert!(!m.contains("secret"), "the password never shows: {m}");
        }
        Err(e) => panic!("expected unavailable, got {e}"),
        Ok(_) => panic!("connected to nothing"),
    }
    assert!(matches!(PgStore::connect("mysql://x@y/z").await, Err(StoreError::Invalid(_))));
    assert!(matches!(PgStore::connect("postgres://x@y/z?nonsense=1").await, Err(StoreError::Invalid(_))));
    assert!(matches!(PgStore::connect_schema("postgresql://x@127.0.0.1:1/z", "bad;name").await, Err(StoreError::Invalid(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connects_migrate_once_and_reconnects_are_no_ops() {
    let Some(url) = test_url() else { return };
    let schema = unique_schema("tl_test");
    let _guard = SchemaGuard { url: url.clone(), schema: schema.clone() };
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move { open(&url, &schema).await })
        })
        .collect();
    let mut stores = Vec::new();
    for t in tasks {
        stores.push(t.await.unwrap());
    }
    let raw = raw_client(&url).await;
    let rows = raw.query(&format!("SELECT version FROM \"{schema}\".schema_migrations ORDER BY version"), &[]).await.unwrap();
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>(), "each migration applied exactly once");
    // Connecting again changes nothing, and every node sees the same data.
    let again = open(&url, &schema).await;
    stores[0].add_account("alice", Role::Admin, [1; 32]).await.unwrap();
    assert_eq!(again.accounts().await.unwrap().len(), 1);
    let rows = raw.query(&format!("SELECT count(*) FROM \"{schema}\".schema_migrations"), &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), SCHEMA_VERSION);
}

/// Migration 5 backfills the version of every publication from the release bundles (and,
/// for recall notices and revoked versions, from the delivery rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_5_backfills_published_versions() {
    let Some((_guard, store, url)) = fresh().await else { return };
    let schema = store.schema().unwrap().to_owned();
    let (coll, _, rows) = tearline_store::testsuite::publications_to_backfill(&store).await;
    drop(store);
    // Back to schema 4: release_objects keyed by id only, no admissions.
    let c = raw_client(&url).await;
    c.batch_execute(&format!(
        "SET search_path = {schema};
         CREATE TABLE old (partner TEXT NOT NULL, object_id TEXT NOT NULL, manifest_id TEXT NOT NULL, PRIMARY KEY (partner, object_id, manifest_id));
         INSERT INTO old SELECT DISTINCT partner, object_id, manifest_id FROM release_objects;
         DROP TABLE release_objects; ALTER TABLE old RENAME TO release_objects; ALTER INDEX old_pkey RENAME TO release_objects_pkey;
         DROP TABLE admissions, admission_keys, admission_sets; DELETE FROM schema_migrations WHERE version >= 5;"
    ))
    .await
    .unwrap();
    let store = open(&url, &schema).await;
    let read = PartnerRead { partner: "syria-gsd".into(), fingerprint: "f".into() };
    let all = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
    let page = store.partner_objects(&coll, &all, false, &read).await.unwrap();
    let again: Vec<_> = page.page.items.iter().zip(page.rows).map(|(o, d)| (o.id.clone(), version_text(&o.version), d)).collect();
    assert_eq!(again, rows);
}

#[tokio::test]
async fn refuses_a_newer_schema() {
    let Some((_guard, store, url)) = fresh().await else { return };
    let schema = store.schema().unwrap().to_owned();
    let raw = raw_client(&url).await;
    raw.execute(&format!("INSERT INTO \"{schema}\".schema_migrations (version, description) VALUES ($1, 'from the future')"), &[&(SCHEMA_VERSION + 1)])
        .await
        .unwrap();
    match PgStore::connect_schema(&named(&url, &schema), &schema).await {
        Err(StoreError::SchemaTooNew { found, known }) => assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("opened a database with a newer schema"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_one_node_works_on_another() {
    let Some((_guard, node_a, url)) = fresh().await else { return };
    let node_b = open(&url, node_a.schema().unwrap()).await;
    let coll = collection(&node_a).await;
    node_a.add_objects(&coll.id, batch(0..30), None).await.unwrap();
    let mut filter = ObjectFilter { limit: 10, ..Default::default() };
    let first = node_a.objects(&coll.id, &filter, false).await.unwrap();
    filter.after = first.next();
    // Another node writes and another node reads the next pages.
    node_b.add_objects(&coll.id, batch(30..35), None).await.unwrap();
    let mut seen: Vec<String> = first.items.iter().map(|o| o.id.clone()).collect();
    let mut nodes = [&node_b, &node_a].into_iter().cycle();
    loop {
        let page = nodes.next().unwrap().objects(&coll.id, &filter, false).await.unwrap();
        seen.extend(page.items.iter().map(|o| o.id.clone()));
        match page.next() {
            Some(c) => filter.after = Some(c),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (35, 35), "every object exactly once across nodes");
    // The token form travels between nodes too.
    let token = first.next().unwrap().encode();
    let f = ObjectFilter { after: Cursor::decode(&token), limit: 1000, ..Default::default() };
    assert_eq!(node_b.objects(&coll.id, &f, false).await.unwrap().items.len(), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_two_nodes_keep_date_added_increasing_and_paging_complete() {
    let Some((_guard, node_a, url)) = fresh().await else { return };
    let node_b = open(&url, node_a.schema().unwrap()).await;
    let coll = collection(&node_a).await;
    const WRITERS: u32 = 6;
    const BATCHES: u32 = 10;
    const PER_BATCH: u32 = 20;
    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = if w % 2 == 0 { node_a.clone() } else { node_b.clone() };
        let coll = coll.id.clone();
        writers.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let start = (w * BATCHES + b) * PER_BATCH;
                let out = store.add_objects(&coll, batch(start..start + PER_BATCH), None).await.unwrap();
                assert!(out.outcomes.iter().all(|o| matches!(o, Outcome::Added { .. })));
            }
        }));
    }
    // A reader pages while the writes go on, alternating nodes, resuming from its cursor.
    let reader = {
        let (a, b, coll, done) = (node_a.clone(), node_b.clone(), coll.id.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after: Option<Cursor> = None;
            let mut on_a = true;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let store = if on_a { &a } else { &b };
                on_a = !on_a;
                let page = store.objects(&coll, &ObjectFilter { after, limit: 7, ..Default::default() }, false).await.unwrap();
                if let Some(last) = page.items.last() {
                    after = Some(last.cursor);
                }
                let empty = page.items.is_empty();
                seen.extend(page.items);
                if empty && finished {
                    return seen;
                }
                if empty {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    assert_eq!(seen.len() as u32, WRITERS * BATCHES * PER_BATCH, "no object skipped or repeated while paging");
    for w in seen.windows(2) {
        assert!(w[0].date_added < w[1].date_added, "date_added must strictly increase in page order");
    }
    let mut ids: Vec<&str> = seen.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u32, WRITERS * BATCHES * PER_BATCH);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_recovers_when_its_connections_are_killed() {
    let Some(url) = test_url() else { return };
    let schema = unique_schema("tl_test");
    let _guard = SchemaGuard { url: url.clone(), schema: schema.clone() };
    let app = schema.clone();
    let store = open(&url, &schema).await;
    store.add_account("alice", Role::Admin, [1; 32]).await.unwrap();
    let raw = raw_client(&url).await;
    for round in 0..3 {
        let killed = raw
            .query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", &[&app])
            .await
            .unwrap();
        assert!(!killed.is_empty(), "round {round}: the store had open connections");
        // Reads are retried on a fresh connection; a write may fail once as unavailable.
        assert_eq!(store.accounts().await.unwrap().len(), round + 1, "round {round}");
        store.ping().await.unwrap();
        let name = format!("bob{round}");
        match store.add_account(&name, Role::Analyst, [round as u8 + 2; 32]).await {
            Ok(_) => {}
            Err(StoreError::Unavailable(_)) => {
                store.add_account(&name, Role::Analyst, [round as u8 + 2; 32]).await.unwrap();
            }
            Err(e) => panic!("a dead connection must read as unavailable, got {e}"),
        }
    }
    assert_eq!(store.accounts().await.unwrap().len(), 4);
}

#[tokio::test]
async fn backup_is_a_pg_dump_archive() {
    let Some((_guard, store, _)) = fresh().await else { return };
    store.add_account("alice", Role::Admin, [1; 32]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("tearline.dump");
    match store.backup(&dest).await {
        Ok(()) => {
            let bytes = std::fs::read(&dest).unwrap();
            assert!(bytes.starts_with(b"PGDMP"), "a pg_dump custom-format archive");
            assert!(matches!(store.backup(&dest).await, Err(StoreError::Conflict(_))), "never overwrites");
        }
        // Without pg_dump on this machine the message says what to use.
        Err(StoreError::Invalid(m)) => assert!(m.contains("pg_dump"), "{m}"),
        Err(e) => panic!("backup failed: {e}"),
    }
}

#[tokio::test]
async fn unknown_collections_and_deletes_behave_like_sqlite() {
    let Some((_guard, store, _)) = fresh().await else { return };
    let missing = "00000000-0000-4000-8000-000000000000";
    assert!(matches!(store.add_objects(missing, batch(0..1), None).await, Err(StoreError::NotFound(_))));
    assert!(store.objects(missing, &ObjectFilter::default(), true).await.unwrap().items.is_empty());
    assert_eq!(store.delete_object(missing, "indicator--x", &VersionFilter::all(), &[]).await.unwrap(), 0);
    assert_eq!(store.backend(), "postgres");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn combined_requests_keep_their_own_outcomes_and_one_bad_request_fails_alone() {
    let Some((_guard, store, _)) = fresh().await else { return };
    let coll = collection(&store).await;
    let alice = store.account_by_name("alice").await.unwrap().unwrap().0;
    let draft = |id: &str| StatusDraft { id: id.into(), account_id: alice.id, request_timestamp: tearline_stix::Timestamp::now() };
    // Many requests at once to one collection: the node folds them into few transactions.
    let mut tasks = Vec::new();
    for r in 0..40u32 {
        let (store, coll) = (store.clone(), coll.id.clone());
        // Every request also re-posts object 0, so most see it as unchanged.
        let mut items = batch(1000 + r * 10..1000 + r * 10 + 10);
        items.extend(batch(0..1));
        // Two requests reuse one status id: exactly one of them may succeed.
        let status_id = if r < 2 { "6a3c9f36-5d5f-4f4e-9a0e-1d5b1f0f7c99".to_owned() } else { uuid::Uuid::new_v4().to_string() };
        let d = draft(&status_id);
        tasks.push(tokio::spawn(async move { store.add_objects(&coll, items, Some(d)).await }));
    }
    let mut added_zero = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(res) => {
                let status = res.status.unwrap();
                assert_eq!((status.total_count, status.success_count), (11, 11));
                assert!(res.outcomes[..10].iter().all(|o| matches!(o, Outcome::Added { .. })));
                if matches!(res.outcomes[10], Outcome::Added { .. }) {
                    added_zero += 1;
                }
            }
            Err(StoreError::Conflict(m)) => {
                assert!(m.contains("status"), "{m}");
                conflicts += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(conflicts, 1, "only the duplicate status id fails");
    assert_eq!(added_zero, 1, "object 0 is added once, then unchanged");
    let f = ObjectFilter { limit: 1000, ..Default::default() };
    assert_eq!(store.objects(&coll.id, &f, false).await.unwrap().items.len(), 39 * 10 + 1);
}
