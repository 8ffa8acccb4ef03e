//! The PostgreSQL backend of the tearline store, for several stateless nodes sharing one
//! database. The entry point is [`PgStore::connect`] with a libpq-style URL
//! (`postgres://user:password@host:port/dbname?param=value`, or `postgresql://`).
//!
//! Design:
//! - A [`deadpool_postgres`] pool of `tokio-postgres` connections (no TLS; `sslmode=require`
//!   is refused by the driver). Statements are prepared once per connection and cached.
//!   Connections that die (database restart, network cut, `pg_terminate_backend`) are noticed
//!   by the pool and replaced on the next request, so the store recovers by itself once the
//!   database is back; until then every call fails with [`StoreError::Unavailable`], which the
//!   server answers with a 503. Reads that fail because their connection turned out dead are
//!   retried once on a fresh one. Writes are not retried here: `add_objects` is idempotent
//!   (an identical re-post is `Unchanged`), so a TAXII client's retry after a 503 is safe.
//! - Durability: a call returns only after its COMMIT returned. A new connection whose
//!   server default is `synchronous_commit = off` is switched to `on`; stronger settings
//!   (`remote_write`, `remote_apply`) are left alone.
//! - Ordering across nodes. `date_added` is strictly increasing per collection in commit
//!   order, so a [`Cursor`] from one page never skips an object committed later by any node.
//!   `add_objects` locks its collection's row (`SELECT ... FOR NO KEY UPDATE`) first, hands
//!   out `date_added = max(now, collection.last_added + 1)` per stored object (the clock is the
//!   database's, one clock for every node), stores `last_added` back on the row and commits,
//!   releasing the lock. A writer that waited for the lock reads the `last_added` its
//!   predecessor committed, and that predecessor's rows are visible to every snapshot taken
//!   after the lock passed on: no reader can see a `date_added` while an earlier one is still
//!   uncommitted.
//!
//!   The trade-off: writers to one collection serialize for the length of their transaction
//!   (four pipelined round trips plus the commit's WAL flush); writers to different
//!   collections proceed in parallel, and reads never wait. Two things amortise the lock:
//!   each transaction stores its rows with one multi-row `INSERT ... SELECT FROM unnest(...)`,
//!   and within a node, requests for a collection that arrive while its transaction runs are
//!   folded into the next one (group commit, see `combine.rs`): one lock and one WAL flush for
//!   up to 64 requests, each still stored in order with its own outcomes and status. Between
//!   nodes, the lock passes from one node's transaction to the next.
//!   `delete_object` takes the same lock, so the per-object `is_first`/`is_last` flags stay
//!   consistent.
//!
//!   Measured on the 2-core development machine (local PostgreSQL 15, ~6 ms WAL flush), with
//!   `examples/ingest.rs`, 8 writers of 100 indicators: about 36k objects/s into one
//!   collection from one node, 25k/s into one collection from two nodes, 39k/s into one
//!   collection per writer.
//! - Reads use partial indexes on `(coll, date_added) WHERE is_last` and
//!   `(coll, type, date_added) WHERE is_last` for TAXII's default `match[version]=last`, so a
//!   page is an index range scan whatever the collection's size.
//! - Migrations are embedded ([`SCHEMA_VERSION`]), recorded in `schema_migrations`, and
//!   applied in one transaction under `pg_advisory_xact_lock`, so nodes starting together
//!   migrate once. A schema newer than this binary is refused with
//!   [`StoreError::SchemaTooNew`].
//! - Backups: [`Store::backup`] runs `pg_dump` (custom format, restorable with `pg_restore`)
//!   when it is installed, passing the password through the environment rather than the
//!   command line; without it, the call says to use `pg_dump`.

mod combine;
mod partners;
mod read;
mod releases;
mod schema;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use tearline_store::ledger::{current_actor, drafts};
use tearline_store::*;
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

pub use schema::SCHEMA_VERSION;

/// Pool and connection settings beyond what the URL says.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections this node opens.
    pub max_connections: usize,
    /// Tables live in this schema (created if missing) instead of the connection's default
    /// `search_path`. Letters, digits and `_` only.
    pub schema: Option<String>,
    /// How long a request waits for a free connection before failing as unavailable.
    pub wait_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { max_connections: 16, schema: None, wait_timeout: Duration::from_secs(10) }
    }
}

/// The PostgreSQL store. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    combiner: std::sync::Arc<combine::Combiner>,
    config: tokio_postgres::Config,
    schema: Option<String>,
    /// Names of stored admissions by number (they never change once stored).
    sets: std::sync::Arc<AdmissionSets>,
}

/// Maps a driver error. Lost connections, refusals and the server shutting down or being
/// overloaded are [`StoreError::Unavailable`]; everything else is internal.
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // 08: connection exception; 57P0x: shutdown, crash, cannot connect now; 53: out of
        // resources; 40001/40P01: serialization failure and deadlock (worth retrying).
        let transient = code.starts_with("08") || code.starts_with("57P") || code.starts_with("53") || code == "40001" || code == "40P01";
        return if transient {
            StoreError::Unavailable(db.message().to_owned())
        } else {
            StoreError::Internal(format!("postgres error {code}: {}", db.message()))
        };
    }
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let text = e.to_string();
    if e.is_closed() || io || text.starts_with("error connecting") || text.contains("timeout") {
        StoreError::Unavailable(text)
    } else {
        StoreError::Internal(text)
    }
}

/// Whether an error is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}

fn validate_schema(name: &str) -> StoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("'{name}' is not a usable schema name: use letters, digits and '_', not starting with a digit")))
    }
}

/// Where a configuration points, for messages (never the password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgres://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""))
}

/// Parses a libpq-style URL and fills in what libpq would default (host, user, database),
/// plus tearline's defaults for the application name, connect timeout and keepalives.
pub(crate) fn parse_url(url: &str) -> StoreResult<tokio_postgres::Config> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::Invalid("a PostgreSQL URL starts with postgres:// or postgresql://".into()));
    }
    // The driver's messages name the offending part, never the whole URL (no password).
    let mut config: tokio_postgres::Config =
        url.parse().map_err(|e| StoreError::Invalid(format!("invalid PostgreSQL URL: {e}")))?;
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    if config.get_user().is_none() {
        let user = std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "postgres".into());
        config.user(user);
    }
    if config.get_dbname().is_none() {
        let user = config.get_user().unwrap_or("postgres").to_owned();
        config.dbname(user);
    }
    if config.get_application_name().is_none() {
        config.application_name("tearline");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    // Notice dead peers within about a minute rather than the OS default of hours.
    if config.get_keepalives_idle() > Duration::from_secs(30) {
        config.keepalives_idle(Duration::from_secs(30));
    }
    Ok(config)
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://` or `postgresql://`, libpq style:
    /// user, password, host, port, dbname and parameters such as `connect_timeout`,
    /// `application_name` or `options`) and migrates it to the current schema. Refuses a
    /// schema newer than this binary knows. Fails with [`StoreError::Unavailable`] when the
    /// database cannot be reached, and [`StoreError::Invalid`] for a malformed URL.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// [`PgStore::connect`], with the tables in `schema` (created if missing). Tests use
    /// one fresh schema each; several deployments can share one database this way.
    pub async fn connect_schema(url: &str, schema: &str) -> StoreResult<PgStore> {
        Self::connect_with(url, PgOptions { schema: Some(schema.to_owned()), ..PgOptions::default() }).await
    }

    pub async fn connect_with(url: &str, options: PgOptions) -> StoreResult<PgStore> {
        let mut config = parse_url(url)?;
        if let Some(schema) = &options.schema {
            validate_schema(schema)?;
            let opts = match config.get_options() {
                Some(o) if !o.is_empty() => format!("{o} -c search_path={schema}"),
                _ => format!("-c search_path={schema}"),
            };
            config.options(opts);
        }

        let manager = Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(config.get_connect_timeout().copied().unwrap_or(Duration::from_secs(5)) + Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .post_create(Hook::async_fn(|client, _| {
                Box::pin(async move {
                    client
                        .batch_execute("SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'")
                        .await
                        .map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot build the connection pool: {e}")))?;
        let store = PgStore { pool, combiner: Default::default(), config, schema: options.schema, sets: Default::default() };
        let mut client = store.client().await?;
        schema::migrate(&mut client, store.schema.as_deref()).await?;
        Ok(store)
    }

    /// A pooled connection; failing to get one means the database is unavailable.
    pub(crate) async fn client(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(|e| {
            let why = match e {
                PoolError::Backend(e) | PoolError::PostCreateHook(HookError::Backend(e)) => match pg_err(e) {
                    StoreError::Unavailable(m) | StoreError::Internal(m) => m,
                    other => other.to_string(),
                },
                other => other.to_string(),
            };
            StoreError::Unavailable(format!("cannot reach {}: {why}", describe(&self.config)))
        })
    }

    /// The schema the tables live in, when one was chosen.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

/// Drops a connection instead of returning it to the pool when a call on it failed as
/// unavailable: it is most likely dead (the database restarted, or the network cut), and a
/// healthy one dropped by mistake only costs a reconnect.
pub(crate) fn settle<T>(client: Object, result: &StoreResult<T>) {
    if matches!(result, Err(StoreError::Unavailable(_))) {
        drop(Object::take(client));
    }
}

/// Runs a read on a pooled connection; if it fails as unavailable, drops that connection and
/// tries again on another, a couple of times, so that reads go on across a database restart
/// without surfacing the dead connections the pool still held.
macro_rules! with_read {
    ($self:ident, |$client:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            let pooled = $self.client().await?;
            let result: StoreResult<_> = {
                let $client = &pooled;
                async { $body }.await
            };
            settle(pooled, &result);
            match result {
                Err(StoreError::Unavailable(_)) if attempt < 2 => attempt += 1,
                other => break other,
            }
        }
    }};
}

/// Runs a change in a transaction on a pooled connection: `$body` (which may `.await` and use
/// `?`) yields the result and the ledger drafts describing it; they are appended (locking the
/// chain's head last) and the transaction commits.
macro_rules! logged {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut pooled = $self.client().await?;
        let result: StoreResult<_> = async {
            let $tx = pooled.transaction().await.map_err($crate::pg_err)?;
            let (out, drafts): (_, Vec<tearline_store::LedgerDraft>) = async { $body }.await?;
            $crate::ledger::append(&$tx, drafts).await?;
            $tx.commit().await.map_err($crate::pg_err)?;
            Ok(out)
        }
        .await;
        $crate::settle(pooled, &result);
        result
    }};
}

// After the macros above, which it uses.
mod ledger;

pub(crate) fn now_text() -> String {
    tearline_stix::Timestamp::now().to_micros_string()
}

pub(crate) fn account_from_row(row: &tokio_postgres::Row) -> StoreResult<Account> {
    let role: String = row.try_get(2).map_err(pg_err)?;
    Ok(Account {
        id: row.try_get(0).map_err(pg_err)?,
        name: row.try_get(1).map_err(pg_err)?,
        role: role.parse().unwrap_or(Role::PartnerMember),
        created: row.try_get(3).map_err(pg_err)?,
        disabled: row.try_get(4).map_err(pg_err)?,
        partner: row.try_get::<_, Option<&str>>(5).map_err(pg_err)?.map(PartnerProfile::shared).transpose()?,
    })
}

fn collection_from_row(row: &tokio_postgres::Row) -> StoreResult<Collection> {
    Ok(Collection {
        id: row.try_get(0).map_err(pg_err)?,
        api_root: row.try_get(1).map_err(pg_err)?,
        title: row.try_get(2).map_err(pg_err)?,
        description: row.try_get(3).map_err(pg_err)?,
        alias: row.try_get(4).map_err(pg_err)?,
    })
}

fn access_from_row(row: &tokio_postgres::Row, at: usize) -> StoreResult<Access> {
    Ok(Access { can_read: row.try_get(at).map_err(pg_err)?, can_write: row.try_get(at + 1).map_err(pg_err)? })
}

fn to_hash(v: Vec<u8>) -> StoreResult<SecretHash> {
    v.try_into().map_err(|_| StoreError::Internal("stored secret hash has the wrong length".into()))
}

/// An account's columns and, for a partner member, its partner's profile (unless removed).
const ACCOUNT_COLS: &str = "a.id, a.name, a.role, a.created, a.disabled, p.profile";
const ACCOUNTS: &str = "accounts a LEFT JOIN partner_members m ON m.account = a.id LEFT JOIN partners p ON p.name = m.partner AND NOT p.removed";
const COLLECTION_COLS: &str = "c.id, c.api_root, c.title, c.description, c.alias";

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        with_read!(self, |c| c.simple_query("SELECT 1").await.map(|_| ()).map_err(pg_err))
    }

    async fn add_account(&self, name: &str, role: Role, secret_hash: SecretHash) -> StoreResult<Account> {
        logged!(self, |client| {
            let created = now_text();
            let st = client
                .prepare_cached(
                    "INSERT INTO accounts (name, role, secret_hash, created, disabled) VALUES ($1, $2, $3, $4, false)
                     ON CONFLICT (name) DO NOTHING RETURNING id",
                )
                .await
                .map_err(pg_err)?;
            let row = client.query_opt(&st, &[&name, &role.as_str(), &&secret_hash[..], &created]).await.map_err(|e| {
                if is_unique_violation(&e) { StoreError::Conflict("an account with this secret".into()) } else { pg_err(e) }
            })?;
            let row = row.ok_or_else(|| StoreError::Conflict(format!("account '{name}'")))?;
            let draft = drafts::account_add(current_actor(), name, role);
            Ok((Account { id: row.try_get(0).map_err(pg_err)?, name: name.to_owned(), role, created, disabled: false, partner: None }, vec![draft]))
        })
    }

    async fn set_account_secret(&self, name: &str, secret_hash: SecretHash) -> StoreResult<()> {
        logged!(self, |client| {
            let st = client.prepare_cached("UPDATE accounts SET secret_hash = $1 WHERE name = $2").await.map_err(pg_err)?;
            let n = client.execute(&st, &[&&secret_hash[..], &name]).await.map_err(|e| {
                if is_unique_violation(&e) { StoreError::Conflict("an account with this secret".into()) } else { pg_err(e) }
            })?;
            if n == 0 { Err(StoreError::NotFound(format!("account '{name}'"))) } else { Ok(((), vec![drafts::account_secret(current_actor(), name)])) }
        })
    }

    async fn disable_account(&self, name: &str) -> StoreResult<()> {
        logged!(self, |client| {
            let st = client.prepare_cached("UPDATE accounts SET disabled = true WHERE name = $1").await.map_err(pg_err)?;
            let n = client.execute(&st, &[&name]).await.map_err(pg_err)?;
            if n == 0 { Err(StoreError::NotFound(format!("account '{name}'"))) } else { Ok(((), vec![drafts::account_disable(current_actor(), name)])) }
        })
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        with_read!(self, |c| {
            let st = c.prepare_cached(&format!("SELECT {ACCOUNT_COLS} FROM {ACCOUNTS} ORDER BY a.name")).await.map_err(pg_err)?;
            c.query(&st, &[]).await.map_err(pg_err)?.iter().map(account_from_row).collect()
        })
    }

    async fn account_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<Account>> {
        with_read!(self, |c| {
            let st = c
                .prepare_cached(&format!("SELECT {ACCOUNT_COLS} FROM {ACCOUNTS} WHERE a.secret_hash = $1 AND NOT a.disabled"))
                .await
                .map_err(pg_err)?;
            c.query_opt(&st, &[&&hash[..]]).await.map_err(pg_err)?.as_ref().map(account_from_row).transpose()
        })
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Option<(Account, SecretHash)>> {
        with_read!(self, |c| {
            let st = c
                .prepare_cached(&format!("SELECT {ACCOUNT_COLS}, a.secret_hash FROM {ACCOUNTS} WHERE a.name = $1 AND NOT a.disabled"))
                .await
                .map_err(pg_err)?;
            match c.query_opt(&st, &[&name]).await.map_err(pg_err)? {
                Some(row) => Ok(Some((account_from_row(&row)?, to_hash(row.try_get(6).map_err(pg_err)?)?))),
                None => Ok(None),
            }
        })
    }

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>> {
        with_read!(self, |c| {
            let st = c.prepare_cached("SELECT name, title, description FROM api_roots ORDER BY name").await.map_err(pg_err)?;
            c.query(&st, &[])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| {
                    Ok(ApiRoot {
                        name: r.try_get(0).map_err(pg_err)?,
                        title: r.try_get(1).map_err(pg_err)?,
                        description: r.try_get(2).map_err(pg_err)?,
                    })
                })
                .collect()
        })
    }

    async fn add_collection(&self, new: NewCollection) -> StoreResult<Collection> {
        logged!(self, |tx| {
            let names: Vec<&str> = new.readers.iter().chain(&new.writers).map(String::as_str).collect();
            let st = tx.prepare_cached("SELECT name, id FROM accounts WHERE name = ANY($1)").await.map_err(pg_err)?;
            let found: std::collections::HashMap<String, i64> = tx
                .query(&st, &[&names])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| Ok((r.try_get(0).map_err(pg_err)?, r.try_get(1).map_err(pg_err)?)))
                .collect::<StoreResult<_>>()?;
            let mut grants: Vec<(i64, Access)> = Vec::new();
            for name in &names {
                let id = *found
                    .get(*name)
                    .ok_or_else(|| StoreError::NotFound(format!("account '{name}' (create it with 'tearline account add {name}')")))?;
                let access = Access { can_read: new.readers.iter().any(|r| r == name), can_write: new.writers.iter().any(|w| w == name) };
                if !grants.iter().any(|(g, _)| *g == id) {
                    grants.push((id, access));
                }
            }
            let st = tx
                .prepare_cached("INSERT INTO api_roots (name, title) VALUES ($1, $1) ON CONFLICT (name) DO NOTHING")
                .await
                .map_err(pg_err)?;
            tx.execute(&st, &[&new.api_root]).await.map_err(pg_err)?;
            let id = uuid::Uuid::new_v4().to_string();
            let st = tx
                .prepare_cached("INSERT INTO collections (id, api_root, title, description, alias) VALUES ($1, $2, $3, $4, $5) RETURNING pk")
                .await
                .map_err(pg_err)?;
            let pk: i64 = tx
                .query_one(&st, &[&id, &new.api_root, &new.title, &new.description, &new.alias])
                .await
                .map_err(pg_err)?
                .try_get(0)
                .map_err(pg_err)?;
            if !grants.is_empty() {
                let accounts: Vec<i64> = grants.iter().map(|g| g.0).collect();
                let reads: Vec<bool> = grants.iter().map(|g| g.1.can_read).collect();
                let writes: Vec<bool> = grants.iter().map(|g| g.1.can_write).collect();
                let st = tx
                    .prepare_cached(
                        "INSERT INTO grants (collection, account, can_read, can_write)
                         SELECT $1, * FROM unnest($2::bigint[], $3::bool[], $4::bool[])",
                    )
                    .await
                    .map_err(pg_err)?;
                tx.execute(&st, &[&pk, &accounts, &reads, &writes]).await.map_err(pg_err)?;
            }
            let draft = drafts::collection_add(current_actor(), &id, &new);
            Ok((Collection { id, api_root: new.api_root, title: new.title, description: new.description, alias: new.alias }, vec![draft]))
        })
    }

    async fn set_grant(&self, collection_id: &str, account: &str, access: Access) -> StoreResult<()> {
        logged!(self, |client| {
            let st = client
                .prepare_cached(
                    "SELECT (SELECT pk FROM collections WHERE id = $1), (SELECT id FROM accounts WHERE name = $2)",
                )
                .await
                .map_err(pg_err)?;
            let row = client.query_one(&st, &[&collection_id, &account]).await.map_err(pg_err)?;
            let pk: i64 = row
                .try_get::<_, Option<i64>>(0)
                .map_err(pg_err)?
                .ok_or_else(|| StoreError::NotFound(format!("collection '{collection_id}'")))?;
            let acct: i64 = row
                .try_get::<_, Option<i64>>(1)
                .map_err(pg_err)?
                .ok_or_else(|| StoreError::NotFound(format!("account '{account}'")))?;
            if access.any() {
                let st = client
                    .prepare_cached(
                        "INSERT INTO grants (collection, account, can_read, can_write) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (collection, account) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
                    )
                    .await
                    .map_err(pg_err)?;
                client.execute(&st, &[&pk, &acct, &access.can_read, &access.can_write]).await.map_err(pg_err)?;
            } else {
                let st = client.prepare_cached("DELETE FROM grants WHERE collection = $1 AND account = $2").await.map_err(pg_err)?;
                client.execute(&st, &[&pk, &acct]).await.map_err(pg_err)?;
            }
            Ok(((), vec![drafts::grant_set(current_actor(), collection_id, account, access)]))
        })
    }

    async fn collections(&self) -> StoreResult<Vec<Collection>> {
        with_read!(self, |c| {
            let st = c
                .prepare_cached(&format!("SELECT {COLLECTION_COLS} FROM collections c ORDER BY c.api_root, c.title, c.id"))
                .await
                .map_err(pg_err)?;
            c.query(&st, &[]).await.map_err(pg_err)?.iter().map(collection_from_row).collect()
        })
    }

    async fn collections_for(&self, account_id: i64, api_root: &str) -> StoreResult<Vec<(Collection, Access)>> {
        with_read!(self, |c| {
            let st = c
                .prepare_cached(&format!(
                    "SELECT {COLLECTION_COLS}, g.can_read, g.can_write FROM collections c
                     JOIN grants g ON g.collection = c.pk
                     WHERE c.api_root = $1 AND g.account = $2 AND (g.can_read OR g.can_write)
                     ORDER BY c.title, c.id"
                ))
                .await
                .map_err(pg_err)?;
            c.query(&st, &[&api_root, &account_id])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| Ok((collection_from_row(r)?, access_from_row(r, 5)?)))
                .collect()
        })
    }

    async fn collection_for(&self, account_id: i64, api_root: &str, collection_id: &str) -> StoreResult<Option<(Collection, Access)>> {
        with_read!(self, |c| {
            let st = c
                .prepare_cached(&format!(
                    "SELECT {COLLECTION_COLS}, g.can_read, g.can_write FROM collections c
                     JOIN grants g ON g.collection = c.pk
                     WHERE c.id = $1 AND c.api_root = $2 AND g.account = $3 AND (g.can_read OR g.can_write)"
                ))
                .await
                .map_err(pg_err)?;
            match c.query_opt(&st, &[&collection_id, &api_root, &account_id]).await.map_err(pg_err)? {
                Some(r) => Ok(Some((collection_from_row(&r)?, access_from_row(&r, 5)?))),
                None => Ok(None),
            }
        })
    }

    async fn collection(&self, collection_id: &str) -> StoreResult<Option<Collection>> {
        with_read!(self, |c| {
            let st = c.prepare_cached(&format!("SELECT {COLLECTION_COLS} FROM collections c WHERE c.id = $1")).await.map_err(pg_err)?;
            c.query_opt(&st, &[&collection_id]).await.map_err(pg_err)?.as_ref().map(collection_from_row).transpose()
        })
    }

    async fn add_objects(&self, collection_id: &str, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult> {
        combine::add(self, collection_id, write::Request { items, status, actor: current_actor() }).await
    }

    async fn objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page> {
        with_read!(self, |c| read::page(c, collection_id, filter, with_body, None).await.map(|p| p.page))
    }

    async fn delete_object(&self, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64> {
        let mut client = self.client().await?;
        let result = write::delete_object(&mut client, collection_id, object_id, versions, spec_versions).await;
        settle(client, &result);
        result
    }

    async fn status(&self, status_id: &str, account_id: i64) -> StoreResult<Option<StatusRecord>> {
        let body: Option<String> = with_read!(self, |c| {
            let st = c.prepare_cached("SELECT body FROM statuses WHERE id = $1 AND account = $2").await.map_err(pg_err)?;
            c.query_opt(&st, &[&status_id, &account_id]).await.map_err(pg_err)?.map(|r| r.try_get(0).map_err(pg_err)).transpose()
        })?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| StoreError::Internal(format!("stored status is unreadable: {e}")))).transpose()
    }

    async fn add_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.partner_add(profile).await
    }

    async fn update_partner(&self, profile: PartnerProfile) -> StoreResult<Partner> {
        self.partner_update(profile).await
    }

    async fn partners(&self) -> StoreResult<Vec<Partner>> {
        self.partners_all().await
    }

    async fn partner(&self, name: &str) -> StoreResult<Option<Partner>> {
        self.partner_by_name(name).await
    }

    async fn remove_partner(&self, name: &str) -> StoreResult<()> {
        self.partner_remove(name).await
    }

    async fn add_partner_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account> {
        self.partner_add_member(partner, account, secret_hash).await
    }

    async fn add_release(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult> {
        self.release_add(record, objects).await
    }

    async fn release(&self, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>> {
        Ok(self.release_query("WHERE manifest_id = $1", Some(manifest_id)).await?.pop())
    }

    async fn releases(&self, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>> {
        match partner {
            Some(p) => self.release_query("WHERE partner = $1 ORDER BY created, manifest_id", Some(p)).await,
            None => self.release_query("ORDER BY created, manifest_id", None).await,
        }
    }

    async fn releases_from_source(&self, source_id: &str) -> StoreResult<Vec<ReleaseRecord>> {
        self.release_query("WHERE manifest_id IN (SELECT manifest_id FROM release_sources WHERE source_id = $1) ORDER BY created, manifest_id", Some(source_id))
            .await
    }

    async fn set_release_state(&self, manifest_id: &str, state: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult> {
        self.release_set_state(manifest_id, state, objects).await
    }

    async fn released_object_ids(&self, partner: &str) -> StoreResult<Vec<String>> {
        self.release_object_ids(partner).await
    }

    async fn released_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>> {
        self.release_among(partner, ids).await
    }

    async fn partner_objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: &PartnerRead) -> StoreResult<PartnerPage> {
        with_read!(self, |c| read::page(c, collection_id, filter, with_body, Some((read, &self.sets))).await)
    }

    async fn record_admissions(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()> {
        self.admissions_record(read, collection_id, rows).await
    }

    async fn ledger_append(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry> {
        self.ledger_append_one(draft).await
    }

    async fn ledger_entries(&self, query: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>> {
        self.ledger_list(query).await
    }

    async fn ledger_head(&self) -> StoreResult<Head> {
        self.ledger_head_now().await
    }

    async fn ledger_segments(&self) -> StoreResult<Vec<ArchivedSegment>> {
        self.ledger_segment_list().await
    }

    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> StoreResult<()> {
        self.checkpoint_add(checkpoint).await
    }

    async fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>> {
        self.checkpoint_list().await
    }

    async fn archive_ledger(&self, segment: ArchivedSegment) -> StoreResult<()> {
        self.ledger_archive(segment).await
    }

    async fn record_retrievals(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>> {
        self.retrievals_record(items).await
    }

    async fn retrievals(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>> {
        self.retrieval_list(manifest_id).await
    }

    async fn put_case(&self, write: CaseWrite) -> StoreResult<CaseRow> {
        self.case_put(write).await
    }

    async fn case(&self, id: &str) -> StoreResult<Option<CaseRow>> {
        self.case_get(id).await
    }

    async fn cases(&self) -> StoreResult<Vec<CaseRow>> {
        self.case_list().await
    }

    async fn case_events(&self, id: &str) -> StoreResult<Vec<CaseEvent>> {
        self.case_event_list(id).await
    }

    async fn variant_maps(&self) -> StoreResult<Vec<VariantMapRow>> {
        self.variant_map_list().await
    }

    async fn settle(&self) -> StoreResult<()> {
        // PostgreSQL manages its own write-ahead log.
        Ok(())
    }

    async fn backup(&self, dest: &Path) -> StoreResult<()> {
        backup(&self.config, self.schema.as_deref(), dest).await
    }
}

/// Dumps the database (or this store's schema) with `pg_dump` in its custom format, a
/// consistent snapshot of the live database that `pg_restore` reads back.
async fn backup(config: &tokio_postgres::Config, schema: Option<&str>, dest: &Path) -> StoreResult<()> {
    if dest.exists() {
        return Err(StoreError::Conflict(format!("file {}", dest.display())));
    }
    let mut cmd = tokio::process::Command::new("pg_dump");
    cmd.arg("--format=custom").arg("--no-password").arg("--file").arg(dest);
    if let Some(schema) = schema {
        cmd.arg(format!("--schema={schema}"));
    }
    // Connection details through libpq's environment: the password never shows in `ps`.
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => {
            cmd.env("PGHOST", h);
        }
        #[cfg(unix)]
        Some(Host::Unix(p)) => {
            cmd.env("PGHOST", p);
        }
        None => {}
    }
    if let Some(port) = config.get_ports().first() {
        cmd.env("PGPORT", port.to_string());
    }
    if let Some(user) = config.get_user() {
        cmd.env("PGUSER", user);
    }
    if let Some(db) = config.get_dbname() {
        cmd.env("PGDATABASE", db);
    }
    match config.get_password() {
        Some(pw) => {
            cmd.env("PGPASSWORD", String::from_utf8_lossy(pw).into_owned());
        }
        None => {
            cmd.env_remove("PGPASSWORD");
        }
    }
    cmd.env("PGCONNECT_TIMEOUT", "10").env("PGAPPNAME", "tearline-backup").kill_on_drop(true);
    let out = match cmd.output().await {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Invalid("use pg_dump to back up a PostgreSQL database (pg_dump is not installed here)".into()));
        }
        Err(e) => return Err(StoreError::Internal(format!("cannot run pg_dump: {e}"))),
    };
    if !out.status.success() {
        let _ = std::fs::remove_file(dest);
        let msg = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(StoreError::Internal(format!("pg_dump failed: {msg}")));
    }
    Ok(())
}
