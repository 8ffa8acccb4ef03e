//! The ledger, retrievals, cases and variant maps on PostgreSQL.
//!
//! **One chain for every node.** The chain's head is one row (`ledger_head`). A writing
//! transaction does its work first and locks the head last, just before it commits: entries get
//! consecutive sequence numbers in commit order, whichever node wrote them, and the lock is held
//! only for the append and the commit. The head is always the last lock taken, so it cannot be
//! part of a deadlock cycle. The price is that commits of writing transactions are serialised
//! database-wide (measured in `bench/README.md`).

use deadpool_postgres::Transaction;
use tearline_stix::Timestamp;
use tearline_store::ledger::Head;
use tearline_store::*;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::{PgStore, pg_err};


const PAGE: usize = 10_000;

fn hash32(v: Vec<u8>) -> StoreResult<[u8; 32]> {
    v.try_into().map_err(|_| StoreError::Internal("a stored ledger hash has the wrong length".into()))
}

/// Appends entries in the caller's transaction (which must commit right after).
pub(crate) async fn append(tx: &Transaction<'_>, drafts: Vec<LedgerDraft>) -> StoreResult<Vec<LedgerEntry>> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let row = tx.query_one("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE", &[]).await.map_err(pg_err)?;
    let mut head = Head { seq: row.try_get(0).map_err(pg_err)?, hash: hash32(row.try_get(1).map_err(pg_err)?)? };
    let at = Timestamp::now().as_micros();
    let entries: Vec<LedgerEntry> = drafts.into_iter().map(|d| head.append(d, at)).collect();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
    let actors: Vec<&str> = entries.iter().map(|e| e.actor.as_str()).collect();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    let subjects: Vec<&str> = entries.iter().map(|e| e.subject.as_str()).collect();
    let details: Vec<&str> = entries.iter().map(|e| e.detail.as_str()).collect();
    let prevs: Vec<&[u8]> = entries.iter().map(|e| &e.prev[..]).collect();
    let hashes: Vec<&[u8]> = entries.iter().map(|e| &e.hash[..]).collect();
    let insert = tx
        .prepare_cached(
            "INSERT INTO ledger (seq, at, actor, kind, subject, detail, prev, hash)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bytea[])",
        )
        .await
        .map_err(pg_err)?;
    let update = tx.prepare_cached("UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1").await.map_err(pg_err)?;
    let head_hash = &head.hash[..];
    let insert_params: [&(dyn ToSql + Sync); 8] = [&seqs, &ats, &actors, &kinds, &subjects, &details, &prevs, &hashes];
    let update_params: [&(dyn ToSql + Sync); 2] = [&head.seq, &head_hash];
    tokio::try_join!(tx.execute(&insert, &insert_params), tx.execute(&update, &update_params)).map_err(pg_err)?;
    Ok(entries)
}

fn entry_from_row(r: &tokio_postgres::Row) -> StoreResult<LedgerEntry> {
    let bytes = |i: usize| -> StoreResult<[u8; 32]> {
        // A hash of the wrong length is tampering too: keep the row, with a hash that fails.
        Ok(r.try_get::<_, Vec<u8>>(i).map_err(pg_err)?.try_into().unwrap_or([0xff; 32]))
    };
    Ok(LedgerEntry {
        seq: r.try_get(0).map_err(pg_err)?,
        at: r.try_get(1).map_err(pg_err)?,
        actor: r.try_get(2).map_err(pg_err)?,
        kind: r.try_get(3).map_err(pg_err)?,
        subject: r.try_get(4).map_err(pg_err)?,
        detail: r.try_get(5).map_err(pg_err)?,
        prev: bytes(6)?,
        hash: bytes(7)?,
    })
}

fn case_from_row(r: &tokio_postgres::Row) -> StoreResult<CaseRow> {
    let id: String = r.try_get(0).map_err(pg_err)?;
    let body: String = r.try_get(3).map_err(pg_err)?;
    Ok(CaseRow {
        body: serde_json::from_str(&body).map_err(|e| StoreError::Internal(format!("stored case {id} is unreadable: {e}")))?,
        id,
        version: r.try_get(1).map_err(pg_err)?,
        state: r.try_get(2).map_err(pg_err)?,
        created: r.try_get(4).map_err(pg_err)?,
        updated: r.try_get(5).map_err(pg_err)?,
    })
}

const CASE_COLS: &str = "id, version, state, body, created, updated";

async fn read_head<C: GenericClient>(c: &C) -> StoreResult<Head> {
    let row = c.query_one("SELECT seq, hash FROM ledger_head WHERE id = 1", &[]).await.map_err(pg_err)?;
    Ok(Head { seq: row.try_get(0).map_err(pg_err)?, hash: hash32(row.try_get(1).map_err(pg_err)?)? })
}

impl PgStore {
    pub(crate) async fn ledger_append_one(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
        let mut client = self.client().await?;
        let result = async {
            let tx = client.transaction().await.map_err(pg_err)?;
            let entry = append(&tx, vec![draft]).await?.pop().ok_or_else(|| StoreError::Internal("no entry appended".into()))?;
            tx.commit().await.map_err(pg_err)?;
            Ok(entry)
        }
        .await;
        crate::settle(client, &result);
        result
    }

    pub(crate) async fn ledger_list(&self, q: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
        let limit = if q.limit == 0 { PAGE } else { q.limit.min(PAGE) } as i64;
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT seq, at, actor, kind, subject, detail, prev, hash FROM ledger
                 WHERE seq > $1 AND ($2::text IS NULL OR subject = $2) AND ($3::text IS NULL OR starts_with(kind, $3))
                 ORDER BY seq LIMIT $4",
                &[&q.after, &q.subject, &q.kind_prefix, &limit],
            )
            .await
            .map_err(pg_err)?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(crate) async fn ledger_head_now(&self) -> StoreResult<Head> {
        let c = self.client().await?;
        read_head(&**c).await
    }

    pub(crate) async fn ledger_segment_list(&self) -> StoreResult<Vec<ArchivedSegment>> {
        let c = self.client().await?;
        let rows = c.query("SELECT first, last, last_hash, file_sha256, at FROM ledger_segments ORDER BY last", &[]).await.map_err(pg_err)?;
        rows.iter()
            .map(|r| {
                Ok(ArchivedSegment {
                    first: r.try_get(0).map_err(pg_err)?,
                    last: r.try_get(1).map_err(pg_err)?,
                    last_hash: hash32(r.try_get(2).map_err(pg_err)?)?,
                    file_sha256: r.try_get(3).map_err(pg_err)?,
                    at: r.try_get(4).map_err(pg_err)?,
                })
            })
            .collect()
    }

    pub(crate) async fn checkpoint_add(&self, cp: Checkpoint) -> StoreResult<()> {
        let c = self.client().await?;
        let stored = c.query_opt("SELECT hash FROM ledger WHERE seq = $1", &[&cp.seq]).await.map_err(pg_err)?;
        let stored: Option<Vec<u8>> = stored.map(|r| r.try_get(0)).transpose().map_err(pg_err)?;
        if stored.as_deref() != Some(&cp.hash[..]) {
            return Err(StoreError::Invalid(format!("checkpoint {} does not match ledger entry {}", cp.seq, cp.seq)));
        }
        c.execute(
            "INSERT INTO ledger_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING",
            &[&cp.seq, &&cp.hash[..], &cp.at, &cp.key_id, &cp.signature],
        )
        .await
        .map_err(pg_err)?;
        Ok(())
    }

    pub(crate) async fn checkpoint_list(&self) -> StoreResult<Vec<Checkpoint>> {
        let c = self.client().await?;
        let rows = c.query("SELECT seq, hash, at, key_id, signature FROM ledger_checkpoints ORDER BY seq", &[]).await.map_err(pg_err)?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get(0).map_err(pg_err)?,
                    hash: hash32(r.try_get(1).map_err(pg_err)?)?,
                    at: r.try_get(2).map_err(pg_err)?,
                    key_id: r.try_get(3).map_err(pg_err)?,
                    signature: r.try_get(4).map_err(pg_err)?,
                })
            })
            .collect()
    }

    pub(crate) async fn ledger_archive(&self, seg: ArchivedSegment) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        // Against concurrent appends and archives: take the head first.
        tx.query_one("SELECT seq FROM ledger_head WHERE id = 1 FOR UPDATE", &[]).await.map_err(pg_err)?;
        let first: Option<i64> = tx.query_one("SELECT min(seq) FROM ledger", &[]).await.map_err(pg_err)?.try_get(0).map_err(pg_err)?;
        if first != Some(seg.first) || seg.last < seg.first {
            return Err(StoreError::Invalid(format!("an archived segment must start at the first entry in the database ({first:?})")));
        }
        let sealed = tx
            .query_opt(
                "SELECT 1 FROM ledger_checkpoints k JOIN ledger l ON l.seq = k.seq AND l.hash = k.hash WHERE k.seq = $1 AND l.hash = $2",
                &[&seg.last, &&seg.last_hash[..]],
            )
            .await
            .map_err(pg_err)?
            .is_some();
        if !sealed {
            return Err(StoreError::Invalid(format!("entry {} is not sealed by a checkpoint; only sealed segments are archived", seg.last)));
        }
        tx.execute(
            "INSERT INTO ledger_segments (last, first, last_hash, file_sha256, at) VALUES ($1, $2, $3, $4, $5)",
            &[&seg.last, &seg.first, &&seg.last_hash[..], &seg.file_sha256, &seg.at],
        )
        .await
        .map_err(pg_err)?;
        tx.execute("DELETE FROM ledger WHERE seq BETWEEN $1 AND $2", &[&seg.first, &seg.last]).await.map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)
    }

    pub(crate) async fn retrievals_record(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
        logged!(self, |tx| {
            let st = tx
                .prepare_cached("INSERT INTO retrievals (manifest_id, account, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .await
                .map_err(pg_err)?;
            let mut recorded = Vec::new();
            let mut drafts = Vec::new();
            for r in items {
                if tx.execute(&st, &[&r.manifest_id, &r.account, &r.at]).await.map_err(pg_err)? == 1 {
                    let detail = serde_json::json!({ "account": r.account, "at": r.at });
                    drafts.push(LedgerDraft {
                        actor: r.account.clone(),
                        kind: "release.retrieved".into(),
                        subject: r.manifest_id.clone(),
                        detail: detail.to_string(),
                    });
                    recorded.push(r);
                }
            }
            Ok((recorded, drafts))
        })
    }

    pub(crate) async fn retrieval_list(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
        let c = self.client().await?;
        let rows = c
            .query("SELECT manifest_id, account, at FROM retrievals WHERE $1::text IS NULL OR manifest_id = $1 ORDER BY at, account", &[&manifest_id])
            .await
            .map_err(pg_err)?;
        rows.iter()
            .map(|r| Ok(Retrieval { manifest_id: r.try_get(0).map_err(pg_err)?, account: r.try_get(1).map_err(pg_err)?, at: r.try_get(2).map_err(pg_err)? }))
            .collect()
    }

    pub(crate) async fn case_put(&self, w: CaseWrite) -> StoreResult<CaseRow> {
        let actor = tearline_store::ledger::current_actor();
        logged!(self, |tx| {
            let stored = tx.query_opt("SELECT version FROM cases WHERE id = $1 FOR UPDATE", &[&w.id]).await.map_err(pg_err)?;
            let stored: i64 = stored.map(|r| r.try_get(0)).transpose().map_err(pg_err)?.unwrap_or(0);
            if stored != w.expected_version {
                return Err(StoreError::Conflict(format!(
                    "a newer version of case {} (it changed since you read it: version {stored} is stored, you had {}); reload it and try again",
                    w.id, w.expected_version
                )));
            }
            let version = w.expected_version + 1;
            let body = w.body.to_string();
            let at = w.event.at;
            let inserted = if version == 1 {
                tx.execute(
                    "INSERT INTO cases (id, version, state, body, created, updated) VALUES ($1, 1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING",
                    &[&w.id, &w.state, &body, &at],
                )
                .await
            } else {
                tx.execute("UPDATE cases SET version = $2, state = $3, body = $4, updated = $5 WHERE id = $1", &[&w.id, &version, &w.state, &body, &at]).await
            }
            .map_err(pg_err)?;
            if inserted == 0 {
                return Err(StoreError::Conflict(format!("case {} (created at the same time elsewhere); reload it and try again", w.id)));
            }
            tx.execute(
                "INSERT INTO case_events (case_id, version, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&w.id, &version, &at, &w.event.actor, &w.event.kind, &w.event.detail.to_string()],
            )
            .await
            .map_err(pg_err)?;
            let detail = serde_json::json!({ "version": version, "state": w.state, "event_actor": w.event.actor, "detail": w.event.detail });
            let draft = LedgerDraft { actor, kind: format!("case.{}", w.event.kind), subject: w.id.clone(), detail: detail.to_string() };
            let row = tx.query_one(&format!("SELECT {CASE_COLS} FROM cases WHERE id = $1"), &[&w.id]).await.map_err(pg_err)?;
            Ok((case_from_row(&row)?, vec![draft]))
        })
    }

    pub(crate) async fn case_get(&self, id: &str) -> StoreResult<Option<CaseRow>> {
        let c = self.client().await?;
        let row = c.query_opt(&format!("SELECT {CASE_COLS} FROM cases WHERE id = $1"), &[&id]).await.map_err(pg_err)?;
        row.as_ref().map(case_from_row).transpose()
    }

    pub(crate) async fn case_list(&self) -> StoreResult<Vec<CaseRow>> {
        let c = self.client().await?;
        let rows = c.query(&format!("SELECT {CASE_COLS} FROM cases ORDER BY created DESC, id"), &[]).await.map_err(pg_err)?;
        rows.iter().map(case_from_row).collect()
    }

    pub(crate) async fn case_event_list(&self, id: &str) -> StoreResult<Vec<CaseEvent>> {
        let c = self.client().await?;
        let rows = c.query("SELECT at, actor, kind, detail FROM case_events WHERE case_id = $1 ORDER BY version", &[&id]).await.map_err(pg_err)?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get(3).map_err(pg_err)?;
                Ok(CaseEvent {
                    at: r.try_get(0).map_err(pg_err)?,
                    actor: r.try_get(1).map_err(pg_err)?,
                    kind: r.try_get(2).map_err(pg_err)?,
                    detail: serde_json::from_str(&detail).map_err(|e| StoreError::Internal(format!("stored case event is unreadable: {e}")))?,
                })
            })
            .collect()
    }

    pub(crate) async fn variant_map_list(&self) -> StoreResult<Vec<VariantMapRow>> {
        let c = self.client().await?;
        let rows = c.query("SELECT manifest_id, partner, body FROM variant_maps ORDER BY manifest_id", &[]).await.map_err(pg_err)?;
        rows.iter()
            .map(|r| Ok(VariantMapRow { manifest_id: r.try_get(0).map_err(pg_err)?, partner: r.try_get(1).map_err(pg_err)?, body: r.try_get(2).map_err(pg_err)? }))
            .collect()
    }
}
