//! The single writer thread and its group commit.

use std::collections::HashMap;
use std::sync::mpsc;

use rusqlite::{Connection, OptionalExtension, params};
use tearline_stix::Timestamp;
use tearline_store::*;
use tokio::sync::oneshot;

use crate::db_err;

/// Most requests folded into one transaction (bounds commit latency under heavy load).
const MAX_BATCH: usize = 256;

/// State owned by the writer thread.
pub(crate) struct WriterState {
    /// The last `date_added` handed out, in microseconds.
    last_added: i64,
    /// The ledger chain's head, as of the work done so far in this transaction.
    pub(crate) ledger: tearline_store::ledger::Head,
}

impl WriterState {
    /// A `date_added` strictly after every earlier one, as close to now as possible.
    fn next_added(&mut self) -> i64 {
        let now = Timestamp::now().as_micros();
        self.last_added = now.max(self.last_added + 1);
        self.last_added
    }
}

type Finish = Box<dyn FnOnce(StoreResult<()>) + Send>;

trait Job: Send {
    /// Runs inside the batch transaction; says whether it succeeded and how to answer once the
    /// transaction's fate is known.
    fn run(self: Box<Self>, conn: &Connection, state: &mut WriterState) -> (bool, Finish);
    /// Answers without running (the transaction could not start).
    fn fail(self: Box<Self>, err: StoreError);
}

struct Typed<T, F> {
    f: F,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection, &mut WriterState) -> StoreResult<T> + Send,
{
    fn run(self: Box<Self>, conn: &Connection, state: &mut WriterState) -> (bool, Finish) {
        let result = (self.f)(conn, state);
        let ok = result.is_ok();
        let reply = self.reply;
        (ok, Box::new(move |commit| {
            let _ = reply.send(commit.and(result));
        }))
    }

    fn fail(self: Box<Self>, err: StoreError) {
        let _ = self.reply.send(Err(err));
    }
}

pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub(crate) fn start(conn: Connection) -> StoreResult<Self> {
        let last_added = last_date_added(&conn)?;
        let ledger = crate::ledger::load_head(&conn)?;
        let (queue, jobs) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("tearline-sqlite-writer".into())
            .spawn(move || writer_loop(conn, WriterState { last_added, ledger }, jobs))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { queue })
    }

    pub(crate) async fn submit_with_state<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut WriterState) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Box::new(Typed { f, reply }))
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?
    }

    pub(crate) async fn submit<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.submit_with_state(move |c, _| f(c)).await
    }

    pub(crate) async fn submit_objects(&self, collection_id: String, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult> {
        let actor = tearline_store::ledger::current_actor();
        self.submit_with_state(move |c, state| {
            let mut digest = tearline_store::ledger::IngestDigest::default();
            let outcomes = insert_objects(c, state, &collection_id, items, &mut digest)?;
            if let Some(draft) = digest.draft(actor, &collection_id, &outcomes, status.as_ref().map(|s| s.id.as_str())) {
                crate::ledger::append(c, state, draft)?;
            }
            let status = match status {
                Some(draft) => {
                    let record = StatusRecord::complete(&draft, &outcomes);
                    let body = serde_json::to_string(&record).map_err(|e| StoreError::Internal(e.to_string()))?;
                    c.prepare_cached("INSERT INTO statuses (id, account, created, body) VALUES (?1, ?2, ?3, ?4)")
                        .map_err(db_err)?
                        .execute(params![draft.id, draft.account_id, draft.request_timestamp.as_micros(), body])
                        .map_err(db_err)?;
                    Some(record)
                }
                None => None,
            };
            Ok(AddResult { outcomes, status })
        })
        .await
    }
}

fn last_date_added(conn: &Connection) -> StoreResult<i64> {
    conn.prepare_cached("SELECT coalesce(max(date_added), 0) FROM objects").map_err(db_err)?.query_row([], |r| r.get(0)).map_err(db_err)
}

fn writer_loop(conn: Connection, mut state: WriterState, jobs: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, &mut state, batch);
    }
}

fn run_batch(conn: &Connection, state: &mut WriterState, batch: Vec<Box<dyn Job>>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let err = db_err(e);
        tracing::warn!(error = %err, "cannot begin a write transaction");
        for job in batch {
            job.fail(StoreError::Unavailable(err.to_string()));
        }
        return;
    }
    // Other processes (operator commands) may write the same file between our transactions:
    // under the write lock just taken, read where the ledger chain and date_added stand.
    match (crate::ledger::load_head(conn), last_date_added(conn)) {
        (Ok(head), Ok(last)) => {
            state.ledger = head;
            state.last_added = state.last_added.max(last);
        }
        (Err(e), _) | (_, Err(e)) => {
            let _ = conn.execute_batch("ROLLBACK");
            for job in batch {
                job.fail(StoreError::Unavailable(e.to_string()));
            }
            return;
        }
    }
    let mut finishes = Vec::with_capacity(batch.len());
    // The ledger head moves with each job's entry; a job or a batch that rolls back puts it back.
    let batch_start = state.ledger;
    if batch.len() == 1 {
        // Alone in its transaction: no savepoint needed (and none of its page copies); a
        // failure rolls the whole transaction back.
        let job = batch.into_iter().next().expect("one job");
        let (ok, finish) = job.run(conn, state);
        if !ok {
            let _ = conn.execute_batch("ROLLBACK");
            state.ledger = batch_start;
            finish(Ok(()));
            return;
        }
        finishes.push(finish);
    } else {
        for job in batch {
            // Each request in its own savepoint: one failing request leaves the others intact.
            if let Err(e) = conn.execute_batch("SAVEPOINT job") {
                job.fail(db_err(e));
                continue;
            }
            let before = state.ledger;
            let (ok, finish) = job.run(conn, state);
            if !ok {
                state.ledger = before;
            }
            let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            match conn.execute_batch(end) {
                Ok(()) => finishes.push(finish),
                Err(e) => {
                    // The savepoint's fate is unknown: read the head back from the database.
                    state.ledger = crate::ledger::load_head(conn).unwrap_or(before);
                    finish(Err(db_err(e)))
                }
            }
        }
    }
    // synchronous=FULL: COMMIT returns after the WAL is fsynced.
    let commit = conn.execute_batch("COMMIT").map_err(db_err);
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
        state.ledger = batch_start;
    }
    for finish in finishes {
        let result = match &commit {
            Ok(()) => Ok(()),
            Err(e) => Err(StoreError::Unavailable(format!("commit failed: {e}"))),
        };
        finish(result);
    }
}

/// A version of an object already stored in the collection.
struct Existing {
    stix_id: String,
    version: String,
    hash: Vec<u8>,
}

pub(crate) fn collection_pk(conn: &Connection, collection_id: &str) -> StoreResult<Option<i64>> {
    conn.prepare_cached("SELECT pk FROM collections WHERE id = ?1")
        .map_err(db_err)?
        .query_row([collection_id], |r| r.get(0))
        .optional()
        .map_err(db_err)
}

fn parse_version(text: &str) -> StoreResult<Timestamp> {
    Timestamp::parse(text).map_err(|e| StoreError::Internal(format!("stored version is unreadable: {e}")))
}

/// Most id keys looked up by one statement.
const LOOKUP_CHUNK: usize = 512;

/// The stored versions of every object among `keys` (id keys), by id key: one statement per
/// [`LOOKUP_CHUNK`] keys, in key order, instead of one probe per object. Statements are padded
/// to a power-of-two number of keys (repeating the last one) so a few cached shapes serve
/// every batch.
fn existing_versions(conn: &Connection, coll: i64, mut keys: Vec<i64>) -> StoreResult<HashMap<i64, Vec<Existing>>> {
    keys.sort_unstable();
    keys.dedup();
    let mut found: HashMap<i64, Vec<Existing>> = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let width = chunk.len().next_power_of_two();
        let marks: Vec<String> = (0..width).map(|i| format!("?{}", i + 2)).collect();
        let sql = format!("SELECT id_key, stix_id, version, hash FROM objects WHERE coll = ?1 AND id_key IN ({})", marks.join(","));
        let mut st = conn.prepare_cached(&sql).map_err(db_err)?;
        let last = chunk[chunk.len() - 1];
        let args = std::iter::once(coll).chain(chunk.iter().copied()).chain(std::iter::repeat_n(last, width - chunk.len()));
        let mut rows = st.query(rusqlite::params_from_iter(args)).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let key: i64 = r.get(0).map_err(db_err)?;
            found.entry(key).or_default().push(Existing { stix_id: r.get(1).map_err(db_err)?, version: r.get(2).map_err(db_err)?, hash: r.get(3).map_err(db_err)? });
        }
    }
    Ok(found)
}

pub(crate) fn insert_objects(
    conn: &Connection,
    state: &mut WriterState,
    collection_id: &str,
    items: Vec<Submission>,
    digest: &mut tearline_store::ledger::IngestDigest,
) -> StoreResult<Vec<Outcome>> {
    let coll = collection_pk(conn, collection_id)?.ok_or_else(|| StoreError::NotFound(format!("collection '{collection_id}'")))?;
    // Each accepted object's id key, computed once (the lookup and the insert use it).
    let keys: Vec<Option<i64>> = items
        .iter()
        .map(|i| match i {
            Submission::Accepted(o) => Some(crate::id_key(o.id.as_str())),
            Submission::Rejected { .. } => None,
        })
        .collect();
    let mut known = existing_versions(conn, coll, keys.iter().flatten().copied().collect())?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO objects (date_added, coll, stix_id, id_key, type, version, spec_version, is_first, is_last, hash, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(db_err)?;
    let mut outcomes = Vec::with_capacity(items.len());
    for (item, key) in items.into_iter().zip(keys) {
        let obj = match item {
            Submission::Rejected { id, version, message } => {
                outcomes.push(Outcome::Rejected { id, version, message });
                continue;
            }
            Submission::Accepted(obj) => obj,
        };
        let id = obj.id.as_str();
        let key = key.unwrap_or_else(|| crate::id_key(id));
        let versions = known.entry(key).or_default();
        let existing = || versions.iter().filter(|e| e.stix_id == id);
        let version_key = match obj.version {
            Some(v) => Some(v.sort_key()),
            // No version of its own: an identical copy already stored is the same object.
            None => match existing().find(|e| e.hash == obj.content_hash) {
                Some(same) => {
                    outcomes.push(Outcome::Unchanged { id: id.to_owned(), version: parse_version(&same.version)? });
                    continue;
                }
                None => None,
            },
        };
        if let Some(vk) = &version_key
            && let Some(same) = existing().find(|e| &e.version == vk)
        {
            let version = parse_version(vk)?;
            let id = id.to_owned();
            outcomes.push(if same.hash == obj.content_hash { Outcome::Unchanged { id, version } } else { Outcome::Conflict { id, version } });
            continue;
        }
        let date_added = state.next_added();
        let version = version_key.unwrap_or_else(|| Timestamp::from_micros(date_added).sort_key());
        let any = existing().next().is_some();
        let is_last = existing().all(|e| e.version < version);
        let is_first = existing().all(|e| e.version > version);
        if is_last && any {
            conn.prepare_cached("UPDATE objects SET is_last = 0 WHERE coll = ?1 AND id_key = ?2 AND stix_id = ?3 AND is_last = 1")
                .map_err(db_err)?
                .execute(params![coll, key, id])
                .map_err(db_err)?;
        }
        if is_first && any {
            conn.prepare_cached("UPDATE objects SET is_first = 0 WHERE coll = ?1 AND id_key = ?2 AND stix_id = ?3 AND is_first = 1")
                .map_err(db_err)?
                .execute(params![coll, key, id])
                .map_err(db_err)?;
        }
        insert
            .execute(params![date_added, coll, id, key, &obj.object_type, version, &obj.spec_version, is_first, is_last, &obj.content_hash[..], &obj.body])
            .map_err(db_err)?;
        digest.add(id, &version, &obj.content_hash);
        outcomes.push(Outcome::Added { id: id.to_owned(), version: parse_version(&version)?, note: obj.note });
        // Later items of this batch with the same id see this version.
        versions.push(Existing { stix_id: id.to_owned(), version, hash: obj.content_hash.to_vec() });
    }
    Ok(outcomes)
}

pub(crate) fn delete_object(conn: &Connection, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
    let Some(coll) = collection_pk(conn, collection_id)? else {
        return Ok(0);
    };
    let key = crate::id_key(object_id);
    let mut cond = String::from("coll = ?1 AND stix_id = ?2 AND id_key = ?3");
    let mut args: Vec<rusqlite::types::Value> = vec![coll.into(), object_id.to_owned().into(), key.into()];
    crate::read::push_version_filter(&mut cond, &mut args, versions);
    crate::read::push_in(&mut cond, &mut args, "spec_version", spec_versions.iter().cloned());
    let n = conn.execute(&format!("DELETE FROM objects WHERE {cond}"), rusqlite::params_from_iter(args)).map_err(db_err)?;
    if n > 0 {
        conn.execute(
            "UPDATE objects SET
                is_first = (version = (SELECT min(version) FROM objects o WHERE o.coll = ?1 AND o.id_key = ?3 AND o.stix_id = ?2)),
                is_last = (version = (SELECT max(version) FROM objects o WHERE o.coll = ?1 AND o.id_key = ?3 AND o.stix_id = ?2))
             WHERE coll = ?1 AND id_key = ?3 AND stix_id = ?2",
            params![coll, object_id, key],
        )
        .map_err(db_err)?;
    }
    Ok(n as u64)
}
