//! Physical limits on this machine for the objects the load uses:
//! - JSON parse (bytes -> serde_json::Value) and serialise rates;
//! - SQLite insert rate with a naive schema (id, modified, type, body + two
//!   indexes), WAL, large transactions and synchronous=NORMAL, and
//!   transactions of 100 objects with synchronous=FULL (durable per batch,
//!   like one TAXII POST of 100 objects).

use crate::stixgen;
use crate::stats::Report;
use anyhow::{Context, Result};
use clap::Args;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct RawArgs {
    /// Number of generated indicators.
    #[arg(long, default_value_t = 200_000)]
    objects: usize,
    /// Objects per transaction in the "large transactions" run.
    #[arg(long, default_value_t = 50_000)]
    big_txn: usize,
    /// Objects inserted in the "100 per transaction, synchronous=FULL" run
    /// (default: all of them).
    #[arg(long)]
    small_txn_objects: Option<usize>,
    /// Directory for the scratch databases (default: system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
}

struct Row {
    id: String,
    modified: String,
    ty: String,
    body: Vec<u8>,
}

fn open(path: &Path, sync: &str) -> Result<Connection> {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    let c = Connection::open(path).with_context(|| format!("open {}", path.display()))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", sync)?;
    c.execute_batch(
        "CREATE TABLE objects (
             rowid INTEGER PRIMARY KEY,
             id TEXT NOT NULL,
             modified TEXT NOT NULL,
             type TEXT NOT NULL,
             body BLOB NOT NULL);
         CREATE UNIQUE INDEX objects_id_modified ON objects(id, modified);
         CREATE INDEX objects_type ON objects(type, rowid);",
    )?;
    Ok(c)
}

fn insert(c: &mut Connection, rows: &[Row], per_txn: usize) -> Result<f64> {
    let start = Instant::now();
    for chunk in rows.chunks(per_txn.max(1)) {
        let tx = c.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO objects (id, modified, type, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in chunk {
                st.execute(params![r.id, r.modified, r.ty, r.body])?;
            }
        }
        tx.commit()?;
    }
    Ok(start.elapsed().as_secs_f64())
}

pub fn run(a: &RawArgs) -> Result<Report> {
    let mut rng = rand::rng();
    let values = stixgen::indicators(&mut rng, a.objects);
    let bodies: Vec<Vec<u8>> = values
        .iter()
        .map(|v| serde_json::to_vec(v).expect("serialise"))
        .collect();
    let total_bytes: usize = bodies.iter().map(|b| b.len()).sum();
    let n = a.objects as f64;
    let mut rep = Report::new(format!("raw limits, {} indicators", a.objects));
    rep.add("objects", a.objects, "");
    rep.addf("avg_object_bytes", total_bytes as f64 / n.max(1.0), "B");

    // JSON parse: bytes -> Value, one object at a time.
    let start = Instant::now();
    let mut keys = 0usize;
    for b in &bodies {
        let v: serde_json::Value = serde_json::from_slice(b)?;
        keys += v.as_object().map_or(0, |o| o.len());
    }
    let parse = start.elapsed().as_secs_f64();
    std::hint::black_box(keys);
    rep.addf("json_parse_objects_per_s", n / parse, "objects/s");
    rep.addf("json_parse_mb_per_s", total_bytes as f64 / parse / 1e6, "MB/s");

    // JSON serialise: Value -> bytes.
    let start = Instant::now();
    let mut out = 0usize;
    for v in &values {
        out += serde_json::to_vec(v)?.len();
    }
    let ser = start.elapsed().as_secs_f64();
    std::hint::black_box(out);
    rep.addf("json_serialise_objects_per_s", n / ser, "objects/s");

    let rows: Vec<Row> = values
        .iter()
        .zip(bodies)
        .map(|(v, body)| Row {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            modified: v["modified"].as_str().unwrap_or_default().to_string(),
            ty: v["type"].as_str().unwrap_or_default().to_string(),
            body,
        })
        .collect();
    drop(values);

    let dir = a.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)?;
    let pid = std::process::id();

    let p1 = dir.join(format!("loadgen-raw-{pid}-big.sqlite"));
    let mut c = open(&p1, "NORMAL")?;
    let t = insert(&mut c, &rows, a.big_txn)?;
    drop(c);
    rep.add("sqlite_big_txn_size", a.big_txn, "objects/txn (WAL, synchronous=NORMAL)");
    rep.addf("sqlite_insert_big_txn_objects_per_s", n / t, "objects/s");

    let m = a.small_txn_objects.unwrap_or(a.objects).min(rows.len());
    let p2 = dir.join(format!("loadgen-raw-{pid}-small.sqlite"));
    let mut c = open(&p2, "FULL")?;
    let t = insert(&mut c, &rows[..m], 100)?;
    drop(c);
    rep.add("sqlite_small_txn_objects", m, "objects, 100/txn (WAL, synchronous=FULL)");
    rep.addf("sqlite_insert_txn100_full_objects_per_s", m as f64 / t, "objects/s");

    for p in [&p1, &p2] {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    }
    rep.add("errors", 0, "");
    Ok(rep)
}
