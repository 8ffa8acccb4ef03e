//! `ledger-db` (hidden, for `bench/ledger.sh`): appends N chained ledger entries to an SQLite
//! database made by `tearline migrate`, computed with the real `Head::append` and inserted in
//! one transaction. Quick to build a 1M-entry chain for timing `tearline ledger verify`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use rusqlite::{OptionalExtension, params};
use tearline_store::{Head, LedgerDraft};

use crate::stats::Report;

#[derive(Args)]
pub struct LedgerDbArgs {
    /// The SQLite database file (schema created by `tearline migrate`).
    #[arg(long)]
    db: PathBuf,
    /// Entries to append.
    #[arg(long, default_value_t = 1_000_000)]
    entries: usize,
}

pub fn run(a: &LedgerDbArgs) -> Result<Report> {
    let start = Instant::now();
    let mut c = rusqlite::Connection::open(&a.db).with_context(|| format!("open {}", a.db.display()))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "OFF")?;
    let last: Option<(i64, Vec<u8>)> = c.query_row("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let mut head = match last {
        Some((seq, hash)) => Head { seq, hash: hash.try_into().map_err(|_| anyhow::anyhow!("a stored hash is not 32 bytes"))? },
        None => Head::default(),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_micros() as i64;
    let t0 = now - a.entries as i64 * 1000;
    let actors = ["alice", "bob", "carol", "rob", "system"];
    let collections: Vec<String> = (0..8).map(|i| format!("9d1c7e2a-5b4f-4e3a-8c1d-00000000000{i}")).collect();
    let tx = c.transaction()?;
    {
        let mut st = tx.prepare("INSERT INTO ledger (seq, at, actor, kind, subject, detail, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        for i in 0..a.entries {
            // Shaped like a real ingest entry (~190 bytes of detail).
            let detail = format!(
                r#"{{"added":100,"failed":0,"objects_sha256":"{:064x}","status":"{:08x}-7a1b-4c2d-9e3f-{:012x}","unchanged":0}}"#,
                i as u128 * 2_654_435_761,
                i,
                i
            );
            let draft = LedgerDraft { actor: actors[i % actors.len()].into(), kind: "ingest".into(), subject: collections[i % collections.len()].clone(), detail };
            let e = head.append(draft, t0 + i as i64 * 1000);
            st.execute(params![e.seq, e.at, e.actor, e.kind, e.subject, e.detail, &e.prev[..], &e.hash[..]])?;
        }
    }
    tx.commit()?;
    c.pragma_update(None, "wal_checkpoint", "TRUNCATE").ok();
    let secs = start.elapsed().as_secs_f64();
    let mut rep = Report::new(format!("ledger-db {}", a.db.display()));
    rep.add("entries", a.entries, "");
    rep.add("head_seq", head.seq, "");
    rep.addf("seconds", secs, "s");
    rep.addf("entries_per_s", a.entries as f64 / secs.max(1e-9), "/s");
    Ok(rep)
}
