//! Object writes: `add_objects` and `delete_object`, each one transaction holding its
//! collection's row lock (see the crate documentation for why).

use std::collections::HashMap;

use deadpool_postgres::Client;
use tearline_stix::Timestamp;
use tearline_store::*;
use tokio_postgres::types::ToSql;

use crate::read::{Params, parse_version};
use crate::{is_unique_violation, pg_err};

/// Locks the collection for this transaction and reads where its `date_added` sequence
/// stands, with the database's clock in microseconds (one clock for every node).
const LOCK_COLLECTION: &str = "SELECT pk, last_added, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
     FROM collections WHERE id = $1 FOR NO KEY UPDATE";

/// Every stored version of the named objects. One index probe per id, whatever the table's
/// statistics: the `OFFSET 0` keeps the planner from flattening the lateral subquery into a
/// join it might run as a scan of the whole collection (as a generic plan over a table not yet
/// analysed does with `stix_id = ANY($2)`).
const EXISTING: &str = "SELECT i.id, o.version, o.hash, o.date_added, o.is_first, o.is_last
     FROM unnest($2::text[]) AS i (id)
     CROSS JOIN LATERAL (SELECT version, hash, date_added, is_first, is_last FROM objects
                         WHERE coll = (SELECT pk FROM collections WHERE id = $1) AND stix_id = i.id OFFSET 0) o";

const INSERT: &str = "INSERT INTO objects (coll, date_added, stix_id, type, version, spec_version, is_first, is_last, hash, body)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[], $9::bytea[], $10::text[])";

// Stored rows losing their flag, named by primary key (found by EXISTING).
const CLEAR_LAST: &str = "UPDATE objects SET is_last = false WHERE coll = $1 AND date_added = ANY($2)";
const CLEAR_FIRST: &str = "UPDATE objects SET is_first = false WHERE coll = $1 AND date_added = ANY($2)";

const SET_LAST_ADDED: &str = "UPDATE collections SET last_added = $2 WHERE pk = $1";

const INSERT_STATUSES: &str = "INSERT INTO statuses (id, account, created, body)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])";

/// One `add_objects` call.
pub(crate) struct Request {
    pub(crate) items: Vec<Submission>,
    pub(crate) status: Option<StatusDraft>,
    /// The ledger actor (taken from the submitting task: the batch may run on another).
    pub(crate) actor: String,
}

/// A version of one object: already stored, or added by this request (its row's index).
struct Known {
    key: String,
    hash: Vec<u8>,
    new_row: Option<usize>,
    /// For a stored row: its date_added and flags.
    date_added: i64,
    is_first: bool,
    is_last: bool,
}

/// The columns of the rows to insert, as arrays for `unnest`.
#[derive(Default)]
struct Rows<'a> {
    date_added: Vec<i64>,
    stix_id: Vec<&'a str>,
    object_type: Vec<&'a str>,
    version: Vec<String>,
    spec_version: Vec<&'a str>,
    is_first: Vec<bool>,
    is_last: Vec<bool>,
    hash: Vec<&'a [u8]>,
    body: Vec<&'a str>,
}

/// Stores several requests to one collection in one transaction (one lock, one commit), each
/// in order as if alone, and returns their results in the same order.
pub(crate) async fn add_batch(client: &mut Client, collection_id: &str, requests: &[Request]) -> StoreResult<Vec<AddResult>> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let mut drafts = Vec::new();
    let results = add_in(&tx, collection_id, requests, &mut drafts).await?;
    crate::ledger::append(&tx, drafts).await?;
    // Durable once COMMIT returns (synchronous_commit is on).
    tx.commit().await.map_err(pg_err)?;
    Ok(results)
}

/// [`add_batch`] inside the caller's transaction (which commits it, with whatever else it
/// writes, such as a release record).
/// Each request that added something pushes its ledger draft to `drafts`.
pub(crate) async fn add_in(
    tx: &deadpool_postgres::Transaction<'_>,
    collection_id: &str,
    requests: &[Request],
    drafts: &mut Vec<tearline_store::LedgerDraft>,
) -> StoreResult<Vec<AddResult>> {
    let mut ids: Vec<&str> = requests
        .iter()
        .flat_map(|r| &r.items)
        .filter_map(|i| match i {
            Submission::Accepted(o) => Some(o.id.as_str()),
            Submission::Rejected { .. } => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();

    let lock = tx.prepare_cached(LOCK_COLLECTION).await.map_err(pg_err)?;
    let existing = tx.prepare_cached(EXISTING).await.map_err(pg_err)?;
    // Pipelined, one round trip: the server runs the lookup only once the lock is granted, and
    // with a snapshot of its own taken then, so it sees every row committed before the lock
    // passed to us; nothing can change those rows until this transaction ends. (An unknown
    // collection makes the lookup find nothing.)
    let lock_params: [&(dyn ToSql + Sync); 1] = [&collection_id];
    let existing_params: [&(dyn ToSql + Sync); 2] = [&collection_id, &ids];
    let (locked, found) = tokio::try_join!(tx.query_opt(&lock, &lock_params), tx.query(&existing, &existing_params))
    .map_err(pg_err)?;
    let row = locked.ok_or_else(|| StoreError::NotFound(format!("collection '{collection_id}'")))?;
    let coll: i64 = row.try_get(0).map_err(pg_err)?;
    let mut last_added: i64 = row.try_get(1).map_err(pg_err)?;
    let now: i64 = row.try_get(2).map_err(pg_err)?;
    let last_before = last_added;

    let mut known: HashMap<&str, Vec<Known>> = HashMap::with_capacity(ids.len());
    for row in found {
        let id: &str = row.try_get(0).map_err(pg_err)?;
        // Borrow the id from the request (the same text) so the map outlives the rows.
        let Ok(at) = ids.binary_search(&id) else { continue };
        known.entry(ids[at]).or_default().push(Known {
            key: row.try_get(1).map_err(pg_err)?,
            hash: row.try_get(2).map_err(pg_err)?,
            new_row: None,
            date_added: row.try_get(3).map_err(pg_err)?,
            is_first: row.try_get(4).map_err(pg_err)?,
            is_last: row.try_get(5).map_err(pg_err)?,
        });
    }

    let mut rows = Rows::default();
    let mut results = Vec::with_capacity(requests.len());
    for request in requests {
    let mut outcomes = Vec::with_capacity(request.items.len());
    let mut digest = tearline_store::ledger::IngestDigest::default();
    for item in &request.items {
        let obj = match item {
            Submission::Rejected { id, version, message } => {
                outcomes.push(Outcome::Rejected { id: id.clone(), version: version.clone(), message: message.clone() });
                continue;
            }
            Submission::Accepted(obj) => obj,
        };
        let id = obj.id.as_str();
        let versions = known.entry(id).or_default();
        let version_key = match obj.version {
            Some(v) => Some(v.sort_key()),
            // No version of its own: an identical copy already stored is the same object.
            None => match versions.iter().find(|k| k.hash == obj.content_hash) {
                Some(same) => {
                    outcomes.push(Outcome::Unchanged { id: id.to_owned(), version: parse_version(&same.key)? });
                    continue;
                }
                None => None,
            },
        };
        if let Some(same) = version_key.as_ref().and_then(|key| versions.iter().find(|k| &k.key == key)) {
            let version = parse_version(&same.key)?;
            let id = id.to_owned();
            outcomes.push(if same.hash == obj.content_hash { Outcome::Unchanged { id, version } } else { Outcome::Conflict { id, version } });
            continue;
        }
        last_added = now.max(last_added + 1);
        let key = version_key.unwrap_or_else(|| Timestamp::from_micros(last_added).sort_key());
        digest.add(id, &key, &obj.content_hash);
        outcomes.push(Outcome::Added { id: id.to_owned(), version: parse_version(&key)?, note: obj.note.clone() });
        versions.push(Known {
            key: key.clone(),
            hash: obj.content_hash.to_vec(),
            new_row: Some(rows.date_added.len()),
            date_added: last_added,
            is_first: false,
            is_last: false,
        });
        rows.date_added.push(last_added);
        rows.stix_id.push(id);
        rows.object_type.push(&obj.object_type);
        rows.version.push(key);
        rows.spec_version.push(&obj.spec_version);
        rows.is_first.push(false);
        rows.is_last.push(false);
        rows.hash.push(&obj.content_hash);
        rows.body.push(&obj.body);
    }
    let status = request.status.as_ref().map(|draft| StatusRecord::complete(draft, &outcomes));
    drafts.extend(digest.draft(request.actor.clone(), collection_id, &outcomes, request.status.as_ref().map(|s| s.id.as_str())));
    results.push(AddResult { outcomes, status });
    }

    // First and last versions, over what was stored and what this request adds.
    let mut clear_last: Vec<i64> = Vec::new();
    let mut clear_first: Vec<i64> = Vec::new();
    for versions in known.values() {
        if versions.iter().all(|k| k.new_row.is_none()) {
            continue;
        }
        let stored = || versions.iter().filter(|k| k.new_row.is_none());
        let (Some(last), Some(first)) = (versions.iter().max_by(|a, b| a.key.cmp(&b.key)), versions.iter().min_by(|a, b| a.key.cmp(&b.key)))
        else {
            continue;
        };
        if let Some(row) = last.new_row {
            rows.is_last[row] = true;
            clear_last.extend(stored().filter(|k| k.is_last).map(|k| k.date_added));
        }
        if let Some(row) = first.new_row {
            rows.is_first[row] = true;
            clear_first.extend(stored().filter(|k| k.is_first).map(|k| k.date_added));
        }
    }

    let mut status_ids: Vec<&str> = Vec::new();
    let mut status_accounts: Vec<i64> = Vec::new();
    let mut status_created: Vec<i64> = Vec::new();
    let mut status_bodies: Vec<String> = Vec::new();
    for (request, result) in requests.iter().zip(&results) {
        if let (Some(draft), Some(record)) = (&request.status, &result.status) {
            status_ids.push(&draft.id);
            status_accounts.push(draft.account_id);
            status_created.push(draft.request_timestamp.as_micros());
            status_bodies.push(serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?);
        }
    }

    // The writes go out pipelined: one round trip for all of them.
    let st_clear_last = if clear_last.is_empty() { None } else { Some(tx.prepare_cached(CLEAR_LAST).await.map_err(pg_err)?) };
    let st_clear_first = if clear_first.is_empty() { None } else { Some(tx.prepare_cached(CLEAR_FIRST).await.map_err(pg_err)?) };
    let st_insert = if rows.date_added.is_empty() { None } else { Some(tx.prepare_cached(INSERT).await.map_err(pg_err)?) };
    let st_last_added = if last_added == last_before { None } else { Some(tx.prepare_cached(SET_LAST_ADDED).await.map_err(pg_err)?) };
    let st_status = if status_ids.is_empty() { None } else { Some(tx.prepare_cached(INSERT_STATUSES).await.map_err(pg_err)?) };

    let t = tx;
    let clear_last_f = async {
        match &st_clear_last {
            Some(st) => t.execute(st, &[&coll, &clear_last]).await.map(drop),
            None => Ok(()),
        }
    };
    let clear_first_f = async {
        match &st_clear_first {
            Some(st) => t.execute(st, &[&coll, &clear_first]).await.map(drop),
            None => Ok(()),
        }
    };
    let insert_f = async {
        match &st_insert {
            Some(st) => {
                t.execute(
                    st,
                    &[
                        &coll,
                        &rows.date_added,
                        &rows.stix_id,
                        &rows.object_type,
                        &rows.version,
                        &rows.spec_version,
                        &rows.is_first,
                        &rows.is_last,
                        &rows.hash,
                        &rows.body,
                    ],
                )
                .await
                .map(drop)
            }
            None => Ok(()),
        }
    };
    let last_added_f = async {
        match &st_last_added {
            Some(st) => t.execute(st, &[&coll, &last_added]).await.map(drop),
            None => Ok(()),
        }
    };
    let status_f = async {
        match &st_status {
            Some(st) => t.execute(st, &[&status_ids, &status_accounts, &status_created, &status_bodies]).await.map(drop),
            None => Ok(()),
        }
    };
    let written = tokio::try_join!(clear_last_f, clear_first_f, insert_f, last_added_f, status_f);
    if let Err(e) = written {
        return Err(if is_unique_violation(&e) && e.as_db_error().and_then(|d| d.table()) == Some("statuses") {
            StoreError::Conflict(format!("status '{}'", status_ids.join("', '")))
        } else {
            pg_err(e)
        });
    }
    Ok(results)
}

pub(crate) async fn delete_object(client: &mut Client, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(pg_err)?;
    // The same lock as writers take: flags are recomputed with no concurrent add in between.
    let lock = tx.prepare_cached("SELECT pk FROM collections WHERE id = $1 FOR NO KEY UPDATE").await.map_err(pg_err)?;
    let Some(row) = tx.query_opt(&lock, &[&collection_id]).await.map_err(pg_err)? else {
        tx.rollback().await.map_err(pg_err)?;
        return Ok(0);
    };
    let coll: i64 = row.try_get(0).map_err(pg_err)?;
    let mut p = Params::default();
    let c = p.push(coll);
    let o = p.push(object_id.to_owned());
    let mut sql = format!("DELETE FROM objects WHERE coll = {c} AND stix_id = {o}");
    p.push_version_filter(&mut sql, versions);
    if !spec_versions.is_empty() {
        let s = p.push(spec_versions.to_vec());
        sql.push_str(&format!(" AND spec_version = ANY({s})"));
    }
    let st = tx.prepare_cached(&sql).await.map_err(pg_err)?;
    let n = tx.execute(&st, &p.refs()).await.map_err(pg_err)?;
    if n > 0 {
        let st = tx
            .prepare_cached(
                "UPDATE objects o SET is_first = (o.version = m.lo), is_last = (o.version = m.hi)
                 FROM (SELECT min(version) AS lo, max(version) AS hi FROM objects WHERE coll = $1 AND stix_id = $2) m
                 WHERE o.coll = $1 AND o.stix_id = $2 AND (o.is_first <> (o.version = m.lo) OR o.is_last <> (o.version = m.hi))",
            )
            .await
            .map_err(pg_err)?;
        tx.execute(&st, &[&coll, &object_id]).await.map_err(pg_err)?;
        let draft = tearline_store::ledger::drafts::object_delete(tearline_store::ledger::current_actor(), collection_id, object_id, n);
        crate::ledger::append(&tx, vec![draft]).await?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(n)
}
