//! The ledger, retrievals, cases and variant maps on SQLite.
//!
//! The writer thread holds the chain's head ([`WriterState::ledger`]); every write job appends
//! its entry inside its own savepoint, and the head is put back when the job or the batch
//! rolls back (see `write::run_batch`).

use rusqlite::{Connection, OptionalExtension, params};
use tearline_stix::Timestamp;
use tearline_store::ledger::Head;
use tearline_store::*;

use crate::db_err;
use crate::write::WriterState;

/// Entries listed per call when the query names no limit.
const PAGE: usize = 10_000;

/// The head of the chain as stored: the last entry, else the last archived segment, else
/// the start.
pub(crate) fn load_head(c: &Connection) -> StoreResult<Head> {
    let last: Option<(i64, Vec<u8>)> =
        c.query_row("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(db_err)?;
    let last = match last {
        Some(l) => Some(l),
        None => c
            .query_row("SELECT last, last_hash FROM ledger_segments ORDER BY last DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db_err)?,
    };
    match last {
        Some((seq, hash)) => Ok(Head { seq, hash: hash32(hash)? }),
        None => Ok(Head::default()),
    }
}

fn hash32(v: Vec<u8>) -> StoreResult<[u8; 32]> {
    v.try_into().map_err(|_| StoreError::Internal("a stored ledger hash has the wrong length".into()))
}

/// Appends one entry after the writer's head, inside the caller's transaction.
pub(crate) fn append(c: &Connection, state: &mut WriterState, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
    let at = Timestamp::now().as_micros();
    let entry = state.ledger.append(draft, at);
    c.prepare_cached("INSERT INTO ledger (seq, at, actor, kind, subject, detail, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .map_err(db_err)?
        .execute(params![entry.seq, entry.at, entry.actor, entry.kind, entry.subject, entry.detail, &entry.prev[..], &entry.hash[..]])
        .map_err(db_err)?;
    Ok(entry)
}

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(LedgerEntry, Vec<u8>, Vec<u8>)> {
    Ok((
        LedgerEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            kind: r.get(3)?,
            subject: r.get(4)?,
            detail: r.get(5)?,
            prev: [0; 32],
            hash: [0; 32],
        },
        r.get(6)?,
        r.get(7)?,
    ))
}

pub(crate) fn entries(c: &Connection, q: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
    let limit = if q.limit == 0 { PAGE } else { q.limit.min(PAGE) } as i64;
    let mut sql = String::from("SELECT seq, at, actor, kind, subject, detail, prev, hash FROM ledger WHERE seq > ?1");
    let mut args: Vec<rusqlite::types::Value> = vec![q.after.into()];
    if let Some(s) = &q.subject {
        args.push(s.clone().into());
        sql.push_str(&format!(" AND subject = ?{}", args.len()));
    }
    if let Some(k) = &q.kind_prefix {
        args.push(k.clone().into());
        sql.push_str(&format!(" AND substr(kind, 1, length(?{n})) = ?{n}", n = args.len()));
    }
    // The limit is written into the statement: SQLite re-prepares a statement whose LIMIT is
    // a bound parameter every time it is bound (see read::page).
    sql.push_str(&format!(" ORDER BY seq LIMIT {limit}"));
    let mut st = c.prepare_cached(&sql).map_err(db_err)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), entry_from_row).map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut e, prev, hash) = row.map_err(db_err)?;
        // A hash of the wrong length is tampering too: keep the row, with a hash that fails.
        e.prev = prev.try_into().unwrap_or([0xff; 32]);
        e.hash = hash.try_into().unwrap_or([0xff; 32]);
        out.push(e);
    }
    Ok(out)
}

pub(crate) fn segments(c: &Connection) -> StoreResult<Vec<ArchivedSegment>> {
    let mut st = c.prepare_cached("SELECT first, last, last_hash, file_sha256, at FROM ledger_segments ORDER BY last").map_err(db_err)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Vec<u8>>(2)?, r.get(3)?, r.get(4)?))).map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (first, last, hash, file_sha256, at) = row.map_err(db_err)?;
        out.push(ArchivedSegment { first, last, last_hash: hash32(hash)?, file_sha256, at });
    }
    Ok(out)
}

pub(crate) fn add_checkpoint(c: &Connection, cp: &Checkpoint) -> StoreResult<()> {
    let stored: Option<Vec<u8>> = c.query_row("SELECT hash FROM ledger WHERE seq = ?1", [cp.seq], |r| r.get(0)).optional().map_err(db_err)?;
    if stored.as_deref() != Some(&cp.hash[..]) {
        return Err(StoreError::Invalid(format!("checkpoint {} does not match ledger entry {}", cp.seq, cp.seq)));
    }
    c.execute(
        "INSERT INTO ledger_checkpoints (seq, hash, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (seq) DO NOTHING",
        params![cp.seq, &cp.hash[..], cp.at, cp.key_id, cp.signature],
    )
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn checkpoints(c: &Connection) -> StoreResult<Vec<Checkpoint>> {
    let mut st = c.prepare_cached("SELECT seq, hash, at, key_id, signature FROM ledger_checkpoints ORDER BY seq").map_err(db_err)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, hash, at, key_id, signature) = row.map_err(db_err)?;
        out.push(Checkpoint { seq, hash: hash32(hash)?, at, key_id, signature });
    }
    Ok(out)
}

pub(crate) fn archive(c: &Connection, seg: &ArchivedSegment) -> StoreResult<()> {
    let first: Option<i64> = c.query_row("SELECT min(seq) FROM ledger", [], |r| r.get(0)).map_err(db_err)?;
    if first != Some(seg.first) || seg.last < seg.first {
        return Err(StoreError::Invalid(format!("an archived segment must start at the first entry in the database ({first:?})")));
    }
    let sealed: bool = c
        .query_row("SELECT 1 FROM ledger_checkpoints k JOIN ledger l ON l.seq = k.seq AND l.hash = k.hash WHERE k.seq = ?1", [seg.last], |_| Ok(()))
        .optional()
        .map_err(db_err)?
        .is_some();
    let hash: Option<Vec<u8>> = c.query_row("SELECT hash FROM ledger WHERE seq = ?1", [seg.last], |r| r.get(0)).optional().map_err(db_err)?;
    if !sealed || hash.as_deref() != Some(&seg.last_hash[..]) {
        return Err(StoreError::Invalid(format!("entry {} is not sealed by a checkpoint; only sealed segments are archived", seg.last)));
    }
    // The segment row first: the delete trigger lets through only archived entries.
    c.execute(
        "INSERT INTO ledger_segments (last, first, last_hash, file_sha256, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seg.last, seg.first, &seg.last_hash[..], seg.file_sha256, seg.at],
    )
    .map_err(db_err)?;
    c.execute("DELETE FROM ledger WHERE seq BETWEEN ?1 AND ?2", params![seg.first, seg.last]).map_err(db_err)?;
    Ok(())
}

pub(crate) fn record_retrievals(c: &Connection, state: &mut WriterState, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
    let mut recorded = Vec::new();
    for r in items {
        let n = c
            .prepare_cached("INSERT INTO retrievals (manifest_id, account, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
            .map_err(db_err)?
            .execute(params![r.manifest_id, r.account, r.at])
            .map_err(db_err)?;
        if n == 1 {
            let detail = serde_json::json!({ "account": r.account, "at": r.at });
            append(c, state, LedgerDraft { actor: r.account.clone(), kind: "release.retrieved".into(), subject: r.manifest_id.clone(), detail: detail.to_string() })?;
            recorded.push(r);
        }
    }
    Ok(recorded)
}

pub(crate) fn retrievals(c: &Connection, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
    let map = |r: &rusqlite::Row<'_>| Ok(Retrieval { manifest_id: r.get(0)?, account: r.get(1)?, at: r.get(2)? });
    let mut st;
    let rows: Vec<Retrieval> = match manifest_id {
        Some(m) => {
            st = c.prepare_cached("SELECT manifest_id, account, at FROM retrievals WHERE manifest_id = ?1 ORDER BY at").map_err(db_err)?;
            st.query_map([m], map).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?
        }
        None => {
            st = c.prepare_cached("SELECT manifest_id, account, at FROM retrievals ORDER BY at").map_err(db_err)?;
            st.query_map([], map).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?
        }
    };
    Ok(rows)
}

fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, String, String, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_case(row: (String, i64, String, String, i64, i64)) -> StoreResult<CaseRow> {
    let (id, version, state, body, created, updated) = row;
    let body = serde_json::from_str(&body).map_err(|e| StoreError::Internal(format!("stored case {id} is unreadable: {e}")))?;
    Ok(CaseRow { id, version, state, body, created, updated })
}

const CASE_COLS: &str = "id, version, state, body, created, updated";

pub(crate) fn put_case(c: &Connection, state: &mut WriterState, actor: String, w: CaseWrite) -> StoreResult<CaseRow> {
    let stored: Option<i64> = c.query_row("SELECT version FROM cases WHERE id = ?1", [&w.id], |r| r.get(0)).optional().map_err(db_err)?;
    if stored.unwrap_or(0) != w.expected_version {
        return Err(StoreError::Conflict(format!(
            "a newer version of case {} (it changed since you read it: version {} is stored, you had {}); reload it and try again",
            w.id,
            stored.unwrap_or(0),
            w.expected_version
        )));
    }
    let version = w.expected_version + 1;
    let body = w.body.to_string();
    let at = w.event.at;
    if version == 1 {
        c.execute("INSERT INTO cases (id, version, state, body, created, updated) VALUES (?1, 1, ?2, ?3, ?4, ?4)", params![w.id, w.state, body, at])
            .map_err(db_err)?;
    } else {
        c.execute("UPDATE cases SET version = ?2, state = ?3, body = ?4, updated = ?5 WHERE id = ?1", params![w.id, version, w.state, body, at])
            .map_err(db_err)?;
    }
    c.execute(
        "INSERT INTO case_events (case_id, version, at, actor, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![w.id, version, at, w.event.actor, w.event.kind, w.event.detail.to_string()],
    )
    .map_err(db_err)?;
    let detail = serde_json::json!({ "version": version, "state": w.state, "event_actor": w.event.actor, "detail": w.event.detail });
    append(c, state, LedgerDraft { actor, kind: format!("case.{}", w.event.kind), subject: w.id.clone(), detail: detail.to_string() })?;
    c.query_row(&format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"), [&w.id], case_from_row).map_err(db_err).and_then(to_case)
}

pub(crate) fn case(c: &Connection, id: &str) -> StoreResult<Option<CaseRow>> {
    c.query_row(&format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"), [id], case_from_row).optional().map_err(db_err)?.map(to_case).transpose()
}

pub(crate) fn cases(c: &Connection) -> StoreResult<Vec<CaseRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {CASE_COLS} FROM cases ORDER BY created DESC, id")).map_err(db_err)?;
    let rows: Vec<_> = st.query_map([], case_from_row).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?;
    rows.into_iter().map(to_case).collect()
}

pub(crate) fn case_events(c: &Connection, id: &str) -> StoreResult<Vec<CaseEvent>> {
    let mut st = c.prepare_cached("SELECT at, actor, kind, detail FROM case_events WHERE case_id = ?1 ORDER BY version").map_err(db_err)?;
    let rows: Vec<(i64, String, String, String)> =
        st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(db_err)?.collect::<Result<_, _>>().map_err(db_err)?;
    rows.into_iter()
        .map(|(at, actor, kind, detail)| {
            let detail = serde_json::from_str(&detail).map_err(|e| StoreError::Internal(format!("stored case event is unreadable: {e}")))?;
            Ok(CaseEvent { at, actor, kind, detail })
        })
        .collect()
}

pub(crate) fn variant_maps(c: &Connection) -> StoreResult<Vec<VariantMapRow>> {
    let mut st = c.prepare_cached("SELECT manifest_id, partner, body FROM variant_maps ORDER BY manifest_id").map_err(db_err)?;
    let rows = st.query_map([], |r| Ok(VariantMapRow { manifest_id: r.get(0)?, partner: r.get(1)?, body: r.get(2)? })).map_err(db_err)?;
    rows.collect::<Result<_, _>>().map_err(db_err)
}
