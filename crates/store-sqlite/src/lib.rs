//! The embedded SQLite backend of the tearline store: the default, zero-setup storage.
//!
//! Design:
//! - One writer thread owns the only write connection. Writes from every request are queued
//!   to it; it takes everything queued (group commit), runs each request in its own savepoint
//!   inside one transaction, commits once with `synchronous=FULL` (fsync), and only then
//!   answers each request. Concurrent requests share one fsync, and nothing is acknowledged
//!   before it is on disk.
//! - Reads run on a small pool of read connections in WAL mode, on tokio's blocking pool, so
//!   they never wait for the writer.
//! - `date_added` is the table's integer primary key in microseconds: the writer hands out
//!   strictly increasing values, so it is the page order, the cursor and the `added_after`
//!   bound at once.

mod ledger;
mod partners;
mod read;
mod releases;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tearline_store::ledger::drafts;
use tearline_store::*;

pub use schema::SCHEMA_VERSION;

/// The SQLite store. Cheap to clone; all clones share the writer and the read pool.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: write::Writer,
    readers: Mutex<Vec<Connection>>,
    /// Names of stored admissions by number (they never change once stored).
    sets: AdmissionSets,
}

const MAX_IDLE_READERS: usize = 16;

/// The per-id index key of a STIX id.
pub(crate) fn id_key(stix_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(stix_id.as_bytes());
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::CannotOpen => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db_err)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -16000;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 67108864;",
    )
    .map_err(db_err)?;
    // Page queries vary in shape (filters) and page size (written into the statement).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and migrates it to the current
    /// schema. Refuses a database whose schema is newer than this binary knows.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = open_connection(&path)?;
        schema::migrate(&mut conn)?;
        // Checkpoints run on their own thread (below), never inside the writer's commits.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;").map_err(db_err)?;
        let writer = write::Writer::start(conn)?;
        let checkpointer = open_connection(&path)?;
        let inner = Arc::new(Inner { path, writer, readers: Mutex::new(Vec::new()), sets: AdmissionSets::default() });
        start_checkpointer(checkpointer, Arc::downgrade(&inner))?;
        Ok(SqliteStore { inner })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a pooled read connection on the blocking thread pool.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().map_err(|_| StoreError::Internal("reader pool poisoned".into()))?.pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = open_connection(&inner.path)?;
                    // Readers never write; this makes a mistake fail loudly.
                    c.execute_batch("PRAGMA query_only = ON;").map_err(db_err)?;
                    c
                }
            };
            let result = f(&conn);
            if let Ok(mut pool) = inner.readers.lock()
                && pool.len() < MAX_IDLE_READERS
            {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }

    /// Runs a change on the writer and appends the ledger entry `describe` makes of its
    /// result, by the current actor, in the same transaction.
    async fn logged<T, F, D>(&self, f: F, describe: D) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        D: FnOnce(String, &T) -> LedgerDraft + Send + 'static,
    {
        let actor = tearline_store::ledger::current_actor();
        self.inner
            .writer
            .submit_with_state(move |c, st| {
                let out = f(c)?;
                ledger::append(c, st, describe(actor, &out))?;
                Ok(out)
            })
            .await
    }

    /// Runs a write that needs the writer's state, giving it the current actor.
    async fn with_state<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut write::WriterState, String) -> StoreResult<T> + Send + 'static,
    {
        let actor = tearline_store::ledger::current_actor();
        self.inner.writer.submit_with_state(move |c, st| f(c, st, actor)).await
    }
}

/// Copies committed WAL frames into the database file in the background (PASSIVE: never blocks
/// the writer or readers), so that commits only append to the WAL. Stops when the store is
/// dropped.
fn start_checkpointer(conn: Connection, store: std::sync::Weak<Inner>) -> StoreResult<()> {
    std::thread::Builder::new()
        .name("tearline-sqlite-checkpoint".into())
        .spawn(move || {
            while store.strong_count() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::debug!(error = %e, "checkpoint skipped");
                }
            }
            // Last one on the way out, so a clean shutdown leaves a small WAL.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        })
        .map(|_| ())
        .map_err(|e| StoreError::Internal(format!("cannot start the checkpoint thread: {e}")))
}

pub(crate) fn now_text() -> String {
    tearline_stix::Timestamp::now().to_micros_string()
}

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let role: String = row.get(2)?;
    Ok(Account {
        id: row.get(0)?,
        name: row.get(1)?,
        role: role.parse().unwrap_or(Role::PartnerMember),
        created: row.get(3)?,
        disabled: row.get(4)?,
        partner: row
            .get_ref(5)?
            .as_str_or_null()?
            .map(PartnerProfile::shared)
            .transpose()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?,
    })
}

fn collection_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Collection> {
    Ok(Collection { id: row.get(0)?, api_root: row.get(1)?, title: row.get(2)?, description: row.get(3)?, alias: row.get(4)? })
}

fn to_hash(v: Vec<u8>) -> StoreResult<SecretHash> {
    v.try_into().map_err(|_| StoreError::Internal("stored secret hash has the wrong length".into()))
}

/// Inserts a collection (and its API root if new) with its grants; unknown account names fail
/// before anything is written.
pub(crate) fn insert_collection(c: &Connection, new: NewCollection) -> StoreResult<(i64, Collection)> {
    let account_id = |name: &str| -> StoreResult<i64> {
        c.query_row("SELECT id FROM accounts WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::NotFound(format!("account '{name}' (create it with 'tearline account add {name}')")))
    };
    let mut grants: Vec<(i64, Access)> = Vec::new();
    for name in new.readers.iter().chain(&new.writers) {
        let id = account_id(name)?;
        let access = Access { can_read: new.readers.contains(name), can_write: new.writers.contains(name) };
        if !grants.iter().any(|(g, _)| *g == id) {
            grants.push((id, access));
        }
    }
    c.execute("INSERT INTO api_roots (name, title) VALUES (?1, ?1) ON CONFLICT (name) DO NOTHING", [&new.api_root]).map_err(db_err)?;
    let id = uuid::Uuid::new_v4().to_string();
    c.execute(
        "INSERT INTO collections (id, api_root, title, description, alias) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, new.api_root, new.title, new.description, new.alias],
    )
    .map_err(db_err)?;
    let pk = c.last_insert_rowid();
    for (account, access) in grants {
        c.execute(
            "INSERT INTO grants (collection, account, can_read, can_write) VALUES (?1, ?2, ?3, ?4)",
            params![pk, account, access.can_read, access.can_write],
        )
        .map_err(db_err)?;
    }
    Ok((pk, Collection { id, api_root: new.api_root, title: new.title, description: new.description, alias: new.alias }))
}

/// An account's columns and, for a partner member, its partner's profile (unless removed).
const ACCOUNT_COLS: &str = "a.id, a.name, a.role, a.created, a.disabled, p.profile";
const ACCOUNTS: &str = "accounts a LEFT JOIN partner_members m ON m.account = a.id LEFT JOIN partners p ON p.name = m.partner AND p.removed = 0";
const COLLECTION_COLS: &str = "c.id, c.api_root, c.title, c.description, c.alias";

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db_err)).await
    }

    async fn add_account(&self, name: &str, role: Role, secret_hash: SecretHash) -> StoreResult<Account> {
        let name = name.to_owned();
        self.logged(move |c| {
            let exists: bool = c.query_row("SELECT 1 FROM accounts WHERE name = ?1", [&name], |_| Ok(())).optional().map_err(db_err)?.is_some();
            if exists {
                return Err(StoreError::Conflict(format!("account '{name}'")));
            }
            let created = now_text();
            c.execute(
                "INSERT INTO accounts (name, role, secret_hash, created, disabled) VALUES (?1, ?2, ?3, ?4, 0)",
                params![name, role.as_str(), &secret_hash[..], created],
            )
            .map_err(db_err)?;
            Ok(Account { id: c.last_insert_rowid(), name, role, created, disabled: false, partner: None })
        }, |actor, a| drafts::account_add(actor, &a.name, a.role))
        .await
    }

    async fn set_account_secret(&self, name: &str, secret_hash: SecretHash) -> StoreResult<()> {
        let name = name.to_owned();
        let subject = name.clone();
        self.logged(
            move |c| {
                let n = c.execute("UPDATE accounts SET secret_hash = ?1 WHERE name = ?2", params![&secret_hash[..], name]).map_err(db_err)?;
                if n == 0 { Err(StoreError::NotFound(format!("account '{name}'"))) } else { Ok(()) }
            },
            move |actor, _| drafts::account_secret(actor, &subject),
        )
        .await
    }

    async fn disable_account(&self, name: &str) -> StoreResult<()> {
        let name = name.to_owned();
        let subject = name.clone();
        self.logged(
            move |c| {
                let n = c.execute("UPDATE accounts SET disabled = 1 WHERE name = ?1", [&name]).map_err(db_err)?;
                if n == 0 { Err(StoreError::NotFound(format!("account '{name}'"))) } else { Ok(()) }
            },
            move |actor, _| drafts::account_disable(actor, &subject),
        )
        .await
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {ACCOUNT_COLS} FROM {ACCOUNTS} ORDER BY a.name")).map_err(db_err)?;
            let rows = st.query_map([], account_from_row).map_err(db_err)?;
            rows.collect::<Result<_, _>>().map_err(db_err)
        })
        .await
    }

    async fn account_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<Account>> {
        let hash = *hash;
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {ACCOUNT_COLS} FROM {ACCOUNTS} WHERE a.secret_hash = ?1 AND a.disabled = 0")).map_err(db_err)?;
            st.query_row([&hash[..]], account_from_row).optional().map_err(db_err)
        })
        .await
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Option<(Account, SecretHash)>> {
        let name = name.to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {ACCOUNT_COLS}, a.secret_hash FROM {ACCOUNTS} WHERE a.name = ?1 AND a.disabled = 0")).map_err(db_err)?;
            let row = st.query_row([&name], |r| Ok((account_from_row(r)?, r.get::<_, Vec<u8>>(6)?))).optional().map_err(db_err)?;
            row.map(|(a, h)| Ok((a, to_hash(h)?))).transpose()
        })
        .await
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT name, title, description FROM api_roots ORDER BY name").map_err(db_err)?;
            let rows = st.query_map([], |r| Ok(ApiRoot { name: r.get(0)?, title: r.get(1)?, description: r.get(2)? })).map_err(db_err)?;
            rows.collect::<Result<_, _>>().map_err(db_err)
        })
        .await
    }

    async fn add_collection(&self, new: NewCollection) -> StoreResult<Collection> {
        let described = new.clone();
        self.logged(move |c| insert_collection(c, new).map(|(_, coll)| coll), move |actor, coll| drafts::collection_add(actor, &coll.id, &described)).await
    }

    async fn set_grant(&self, collection_id: &str, account: &str, access: Access) -> StoreResult<()> {
        let (collection_id, account) = (collection_id.to_owned(), account.to_owned());
        let (subject, who) = (collection_id.clone(), account.clone());
        self.logged(move |c| {
            let pk: i64 = c
                .query_row("SELECT pk FROM collections WHERE id = ?1", [&collection_id], |r| r.get(0))
                .optional()
                .map_err(db_err)?
                .ok_or_else(|| StoreError::NotFound(format!("collection '{collection_id}'")))?;
            let acct: i64 = c
                .query_row("SELECT id FROM accounts WHERE name = ?1", [&account], |r| r.get(0))
                .optional()
                .map_err(db_err)?
                .ok_or_else(|| StoreError::NotFound(format!("account '{account}'")))?;
            if access.any() {
                c.execute(
                    "INSERT INTO grants (collection, account, can_read, can_write) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (collection, account) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
                    params![pk, acct, access.can_read, access.can_write],
                )
                .map_err(db_err)?;
            } else {
                c.execute("DELETE FROM grants WHERE collection = ?1 AND account = ?2", params![pk, acct]).map_err(db_err)?;
            }
            Ok(())
        }, move |actor, _| drafts::grant_set(actor, &subject, &who, access))
        .await
    }

    async fn collections(&self) -> StoreResult<Vec<Collection>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {COLLECTION_COLS} FROM collections c ORDER BY c.api_root, c.title, c.id")).map_err(db_err)?;
            let rows = st.query_map([], collection_from_row).map_err(db_err)?;
            rows.collect::<Result<_, _>>().map_err(db_err)
        })
        .await
    }

    async fn collections_for(&self, account_id: i64, api_root: &str) -> StoreResult<Vec<(Collection, Access)>> {
        let api_root = api_root.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLLECTION_COLS}, g.can_read, g.can_write FROM collections c
                     JOIN grants g ON g.collection = c.pk
                     WHERE c.api_root = ?1 AND g.account = ?2 AND (g.can_read OR g.can_write)
                     ORDER BY c.title, c.id"
                ))
                .map_err(db_err)?;
            let rows = st
                .query_map(params![api_root, account_id], |r| {
                    Ok((collection_from_row(r)?, Access { can_read: r.get(5)?, can_write: r.get(6)? }))
                })
                .map_err(db_err)?;
            rows.collect::<Result<_, _>>().map_err(db_err)
        })
        .await
    }

    async fn collection_for(&self, account_id: i64, api_root: &str, collection_id: &str) -> StoreResult<Option<(Collection, Access)>> {
        let (api_root, collection_id) = (api_root.to_owned(), collection_id.to_owned());
        self.read(move |c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLLECTION_COLS}, g.can_read, g.can_write FROM collections c
                     JOIN grants g ON g.collection = c.pk
                     WHERE c.id = ?1 AND c.api_root = ?2 AND g.account = ?3 AND (g.can_read OR g.can_write)"
                ))
                .map_err(db_err)?;
            st.query_row(params![collection_id, api_root, account_id], |r| {
                Ok((collection_from_row(r)?, Access { can_read: r.get(5)?, can_write: r.get(6)? }))
            })
            .optional()
            .map_err(db_err)
        })
        .await
    }

    async fn collection(&self, collection_id: &str) -> StoreResult<Option<Collection>> {
        let collection_id = collection_id.to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {COLLECTION_COLS} FROM collections c WHERE c.id = ?1")).map_err(db_err)?;
            st.query_row([&collection_id], collection_from_row).optional().map_err(db_err)
        })
        .await
    }

    async fn add_objects(&self, collection_id: &str, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult> {
        let collection_id = collection_id.to_owned();
        self.inner.writer.submit_objects(collection_id, items, status).await
    }

    async fn objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page> {
        let (collection_id, filter) = (collection_id.to_owned(), filter.clone());
        self.read(move |c| read::objects(c, &collection_id, &filter, with_body)).await
    }

    async fn delete_object(&self, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
        let (collection_id, object_id, versions, spec_versions) = (collection_id.to_owned(), object_id.to_owned(), versions.clone(), spec_versions.to_vec());
        let (coll, obj) = (collection_id.clone(), object_id.clone());
        self.with_state(move |c, st, actor| {
            let n = write::delete_object(c, &collection_id, &object_id, &versions, &spec_versions)?;
            if n > 0 {
                ledger::append(c, st, drafts::object_delete(actor, &coll, &obj, n))?;
            }
            Ok(n)
        })
        .await
    }

    async fn status(&self, status_id: &str, account_id: i64) -> StoreResult<Option<StatusRecord>> {
        let status_id = status_id.to_owned();
        self.read(move |c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM statuses WHERE id = ?1 AND account = ?2")
                .map_err(db_err)?
                .query_row(params![status_id, account_id], |r| r.get(0))
                .optional()
                .map_err(db_err)?;
            body.map(|b| serde_json::from_str(&b).map_err(|e| StoreError::Internal(format!("stored status is unreadable: {e}")))).transpose()
        })
        .await
    }

    async fn add_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.logged(move |c| partners::add(c, profile), |actor, p| drafts::partner(actor, "partner.add", &p.profile)).await
    }

    async fn update_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.logged(move |c| partners::update(c, profile), |actor, p| drafts::partner(actor, "partner.update", &p.profile)).await
    }

    async fn partners(&self) -> StoreResult<Vec<Partner>> {
        self.read(partners::all).await
    }

    async fn partner(&self, name: &str) -> StoreResult<Option<Partner>> {
        let name = name.to_owned();
        self.read(move |c| partners::by_name(c, &name)).await
    }

    async fn remove_partner(&self, name: &str) -> StoreResult<()> {
        let name = name.to_owned();
        let subject = name.clone();
        self.logged(move |c| partners::remove(c, &name), move |actor, _| drafts::partner_remove(actor, &subject)).await
    }

    async fn add_partner_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
        let (partner, account) = (partner.to_owned(), account.to_owned());
        let subject = partner.clone();
        self.logged(move |c| partners::add_member(c, &partner, &account, secret_hash), move |actor, a| drafts::partner_member_add(actor, &subject, &a.name))
            .await
    }

    async fn add_release(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
        self.with_state(move |c, st, actor| releases::add(c, st, actor, record, objects)).await
    }

    async fn release(&self, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>> {
        let id = manifest_id.to_owned();
        self.read(move |c| releases::one(c, &id)).await
    }

    async fn releases(&self, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
        let partner = partner.map(str::to_owned);
        self.read(move |c| releases::list(c, partner.as_deref())).await
    }

    async fn releases_from_source(&self, source_id: &str) -> StoreResult<Vec<ReleaseRecord>> {
        let id = source_id.to_owned();
        self.read(move |c| releases::from_source(c, &id)).await
    }

    async fn set_release_state(&self, manifest_id: &str, state: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult> {
        let id = manifest_id.to_owned();
        self.with_state(move |c, st, actor| releases::set_state(c, st, actor, &id, state, objects)).await
    }

    async fn released_object_ids(&self, partner: &str) -> StoreResult<Vec<String>> {
        let p = partner.to_owned();
        self.read(move |c| releases::object_ids(c, &p)).await
    }

    async fn released_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
        let (p, ids) = (partner.to_owned(), ids.to_vec());
        self.read(move |c| releases::released_among(c, &p, &ids)).await
    }

    async fn partner_objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: &PartnerRead) -> StoreResult<PartnerPage> {
        let (collection_id, filter, read, inner) = (collection_id.to_owned(), filter.clone(), read.clone(), self.inner.clone());
        self.read(move |c| read::page(c, &collection_id, &filter, with_body, Some((&read, &inner.sets)))).await
    }

    async fn record_admissions(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()> {
        let (read, collection_id) = (read.clone(), collection_id.to_owned());
        self.inner.writer.submit(move |c| releases::record_admissions(c, &read, &collection_id, &rows)).await
    }

    async fn ledger_append(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
        self.inner.writer.submit_with_state(move |c, st| ledger::append(c, st, draft)).await
    }

    async fn ledger_entries(&self, query: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
        let query = query.clone();
        self.read(move |c| ledger::entries(c, &query)).await
    }

    async fn ledger_head(&self) -> StoreResult<Head> {
        self.read(ledger::load_head).await
    }

    async fn ledger_segments(&self) -> StoreResult<Vec<ArchivedSegment>> {
        self.read(ledger::segments).await
    }

    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> StoreResult<()> {
        self.inner.writer.submit(move |c| ledger::add_checkpoint(c, &checkpoint)).await
    }

    async fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>> {
        self.read(ledger::checkpoints).await
    }

    async fn archive_ledger(&self, segment: ArchivedSegment) -> StoreResult<()> {
        self.inner.writer.submit(move |c| ledger::archive(c, &segment)).await
    }

    async fn record_retrievals(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
        self.inner.writer.submit_with_state(move |c, st| ledger::record_retrievals(c, st, items)).await
    }

    async fn retrievals(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
        let m = manifest_id.map(str::to_owned);
        self.read(move |c| ledger::retrievals(c, m.as_deref())).await
    }

    async fn put_case(&self, write: CaseWrite) -> StoreResult<CaseRow> {
        self.with_state(move |c, st, actor| ledger::put_case(c, st, actor, write)).await
    }

    async fn case(&self, id: &str) -> StoreResult<Option<CaseRow>> {
        let id = id.to_owned();
        self.read(move |c| ledger::case(c, &id)).await
    }

    async fn cases(&self) -> StoreResult<Vec<CaseRow>> {
        self.read(ledger::cases).await
    }

    async fn case_events(&self, id: &str) -> StoreResult<Vec<CaseEvent>> {
        let id = id.to_owned();
        self.read(move |c| ledger::case_events(c, &id)).await
    }

    async fn variant_maps(&self) -> StoreResult<Vec<VariantMapRow>> {
        self.read(ledger::variant_maps).await
    }

    async fn settle(&self) -> StoreResult<()> {
        // The background checkpoints cannot finish while writes never pause, so a bulk load
        // leaves a log as large as itself; fold it in and truncate it now.
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let c = open_connection(&inner.path)?;
            // Busy (1) while the background checkpoint holds its lock: try again shortly.
            for _ in 0..50 {
                let busy: i64 = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).map_err(db_err)?;
                if busy == 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Internal(format!("checkpoint task failed: {e}")))?
    }

    async fn backup(&self, dest: &Path) -> StoreResult<()> {
        if dest.exists() {
            return Err(StoreError::Conflict(format!("file {}", dest.display())));
        }
        let dest = dest.to_string_lossy().into_owned();
        // VACUUM INTO reads one consistent snapshot of the live database (WAL readers do not
        // block the writer) and writes a compact copy.
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let c = open_connection(&inner.path)?;
            c.execute("VACUUM INTO ?1", [&dest]).map_err(db_err)?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Internal(format!("backup task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fresh() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        (dir, store)
    }

    mod conformance {
        use super::*;

        async fn make() -> (tempfile::TempDir, Box<dyn Store>) {
            let (dir, store) = fresh().await;
            (dir, Box::new(store))
        }

        tearline_store::store_test_suite!(make());
    }

    /// A running server and operator commands write the same file from different processes
    /// (two stores here): the ledger stays one chain and date_added keeps increasing.
    #[tokio::test]
    async fn two_writers_on_one_file_keep_one_chain() {
        let (dir, a) = fresh().await;
        let b = SqliteStore::open(dir.path().join("t.db")).unwrap();
        for i in 0..6u8 {
            let (store, name) = if i % 2 == 0 { (&a, format!("a{i}")) } else { (&b, format!("b{i}")) };
            store.add_account(&name, Role::Analyst, [i; 32]).await.unwrap();
        }
        let entries = a.ledger_entries(&LedgerQuery::default()).await.unwrap();
        assert_eq!(entries.len(), 6);
        tearline_store::ledger::verify_entries(Head::default(), &entries).expect("one unbroken chain");
    }

    #[tokio::test]
    async fn backup_is_a_consistent_openable_copy() {
        let (dir, store) = fresh().await;
        store.add_account("alice", Role::Admin, [1; 32]).await.unwrap();
        let dest = dir.path().join("copy.db");
        store.backup(&dest).await.unwrap();
        let copy = SqliteStore::open(&dest).unwrap();
        assert_eq!(copy.accounts().await.unwrap().len(), 1);
        assert!(matches!(store.backup(&dest).await, Err(StoreError::Conflict(_))), "never overwrites");
    }

    /// Migration 5 backfills the version of every publication from the release bundles (and,
    /// for recall notices and revoked versions, from the delivery rows): a database written by
    /// the previous schema reads the same afterwards, and a forged later version stays
    /// unpublished.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migration_5_backfills_published_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path).unwrap();
        let (coll, _, rows) = tearline_store::testsuite::publications_to_backfill(&store).await;
        drop(store);
        // Back to schema 4: release_objects keyed by id only, no admissions.
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE old (partner TEXT NOT NULL, object_id TEXT NOT NULL, manifest_id TEXT NOT NULL, PRIMARY KEY (partner, object_id, manifest_id)) WITHOUT ROWID;
             INSERT OR IGNORE INTO old SELECT partner, object_id, manifest_id FROM release_objects;
             DROP TABLE release_objects; ALTER TABLE old RENAME TO release_objects; DROP TABLE admissions;
             DROP TABLE admission_keys; DROP TABLE admission_sets;
             PRAGMA user_version = 4;",
        )
        .unwrap();
        drop(c);
        let store = SqliteStore::open(&path).unwrap();
        let read = PartnerRead { partner: "syria-gsd".into(), fingerprint: "f".into() };
        let all = ObjectFilter { versions: VersionFilter::all(), ..Default::default() };
        let page = store.partner_objects(&coll, &all, false, &read).await.unwrap();
        let again: Vec<_> = page.page.items.iter().zip(page.rows).map(|(o, d)| (o.id.clone(), version_text(&o.version), d)).collect();
        assert_eq!(again, rows);
    }

    #[tokio::test]
    async fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&format!("PRAGMA user_version = {};", SCHEMA_VERSION + 1)).unwrap();
        drop(c);
        match SqliteStore::open(&path) {
            Err(StoreError::SchemaTooNew { found, known }) => assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("opened a database with a newer schema"),
        }
    }
}
