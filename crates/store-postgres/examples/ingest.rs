//! `add_objects` throughput on PostgreSQL: concurrent writers, 100 indicators a request, into
//! one shared collection and then into one collection per writer. Prints objects/s.
//!
//! ```text
//! cargo run --release -p tearline-store-postgres --example ingest -- \
//!     [postgres://postgres@127.0.0.1:5432/test] [requests per writer, 200] [writers, 8]
//! ```
//! Works in a fresh schema that it drops at the end.

use std::time::{Duration, Instant};

use serde_json::json;
use tearline_store::testsuite::new_object;
use tearline_store::*;
use tearline_store_postgres::{PgOptions, PgStore};

const PER_REQUEST: usize = 100;

fn indicator(writer: usize, request: usize, i: usize) -> Submission {
    let v = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{}", uuid::Uuid::new_v4()),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": format!("bench {writer}/{request}/{i}"),
        "description": "a benchmark indicator of typical size, with a pattern and a kill chain",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '10.{}.{}.{}']", writer, request % 256, i),
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}]
    });
    Submission::Accepted(new_object(&v))
}

async fn run(store: &PgStore, collections: &[String], writers: usize, requests: usize) -> (f64, Vec<Duration>) {
    // Built before the clock starts: the server validates and hashes outside the store.
    let work: Vec<Vec<Vec<Submission>>> =
        (0..writers).map(|w| (0..requests).map(|r| (0..PER_REQUEST).map(|i| indicator(w, r, i)).collect()).collect()).collect();
    let start = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .enumerate()
        .map(|(w, batches)| {
            let store = store.clone();
            let coll = collections[w % collections.len()].clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(batches.len());
                for batch in batches {
                    let t = Instant::now();
                    let res = store.add_objects(&coll, batch, None).await.expect("add_objects");
                    assert!(res.outcomes.iter().all(Outcome::is_success));
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    ((writers * requests * PER_REQUEST) as f64 / secs, lat)
}

async fn new_collection(store: &PgStore, title: &str) -> String {
    store
        .add_collection(NewCollection {
            api_root: "bench".into(),
            title: title.into(),
            description: None,
            alias: None,
            readers: vec!["bench".into()],
            writers: vec!["bench".into()],
        })
        .await
        .unwrap()
        .id
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let requests: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let writers: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let schema = format!("tl_bench_{}", uuid::Uuid::new_v4().simple());
    let store = PgStore::connect_with(&url, PgOptions { schema: Some(schema.clone()), max_connections: writers + 2, ..PgOptions::default() })
        .await
        .unwrap_or_else(|e| panic!("cannot open the store: {e}"));
    store.add_account("bench", Role::Analyst, [7; 32]).await.unwrap();

    let shared = new_collection(&store, "shared").await;
    // Warm up: connections, prepared statements.
    run(&store, std::slice::from_ref(&shared), writers, 2).await;
    let report = |what: &str, (rate, lat): (f64, Vec<Duration>)| {
        let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
        println!(
            "{what}: {writers} writers x {requests} requests x {PER_REQUEST} indicators: {rate:.0} objects/s (request latency p50 {:.1} ms, p99 {:.1} ms)",
            p(0.5),
            p(0.99)
        );
    };
    report("one shared collection", run(&store, std::slice::from_ref(&shared), writers, requests).await);
    let mut own = Vec::new();
    for w in 0..writers {
        own.push(new_collection(&store, &format!("writer {w}")).await);
    }
    report("a collection per writer", run(&store, &own, writers, requests).await);

    // A default read (match[version]=last, first page of 100) on the large shared collection.
    let t = Instant::now();
    let n = 200;
    let mut after = None;
    for _ in 0..n {
        let page = store.objects(&shared, &ObjectFilter { after, limit: 100, ..Default::default() }, true).await.unwrap();
        after = page.next();
    }
    println!("reading: {:.2} ms per page of 100 objects with bodies", t.elapsed().as_secs_f64() * 1000.0 / n as f64);

    drop(store);
    let config: tokio_postgres::Config = url.parse().unwrap();
    let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await.unwrap();
}
